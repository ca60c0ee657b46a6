/**
 * reduce (every ReduceFn, axis sets, keepdims), argReduce (ties, selectLastIndex), softmax /
 * log-softmax, layerNorm and batchNorm against onnxruntime.
 */

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Op, ReduceFn } from '../../ir/ops.js';
import { evaluate } from '../../ir/eval/index.js';
import { expectMatchesOrt } from './helpers/check.js';
import { randomTensor, rng, tensor } from './helpers/tensors.js';

const ONNX_REDUCE: Record<ReduceFn, string> = {
  sum: 'ReduceSum',
  mean: 'ReduceMean',
  max: 'ReduceMax',
  min: 'ReduceMin',
  prod: 'ReduceProd',
  l1: 'ReduceL1',
  l2: 'ReduceL2',
  logSum: 'ReduceLogSum',
  logSumExp: 'ReduceLogSumExp',
  sumSquare: 'ReduceSumSquare',
};

const AXES: number[][] = [[], [1], [0, 2], [3], [1, 2, 3], [0, 1, 2, 3]];

async function checkReduce(fn: ReduceFn, dtype: DType, axes: number[], keepdims: boolean, range?: { min: number; max: number }, dims = [3, 4, 5, 2]) {
  const x = randomTensor(rng(700 + axes.length), dtype, dims, range);
  const op: Op = { kind: 'reduce', fn, axes, keepdims };
  const inputs = axes.length ? [x, { const: tensor('int64', [axes.length], axes) }] : [x];
  await expectMatchesOrt(op, [x], { opType: ONNX_REDUCE[fn], attrs: { keepdims: Number(keepdims) }, inputs, opset: 18 }, {}, `${fn} ${dtype} axes [${axes}] keepdims ${keepdims}`);
}

describe('reduce vs onnxruntime', () => {
  for (const fn of Object.keys(ONNX_REDUCE) as ReduceFn[]) {
    it(`${fn} on float32 over every axis set`, async () => {
      const range = fn === 'logSum' ? { min: 0.1, max: 2 } : fn === 'prod' ? { min: 0.5, max: 1.5 } : undefined;
      for (const axes of AXES) for (const keepdims of [true, false]) await checkReduce(fn, 'float32', axes, keepdims, range);
    });
  }

  for (const dtype of ['int32', 'int64'] as DType[]) {
    it(`sum, mean (truncating), max, min, sumSquare and l1 on ${dtype}`, async () => {
      for (const fn of ['sum', 'mean', 'max', 'min', 'sumSquare', 'l1'] as ReduceFn[]) {
        for (const axes of AXES) await checkReduce(fn, dtype, axes, true);
      }
    });
    it(`prod on ${dtype}`, async () => {
      for (const axes of [[2], [3], [0, 3]]) await checkReduce('prod', dtype, axes, false, { min: -3, max: 3 });
    });
  }

  it('logSumExp does not overflow on large inputs', async () => {
    const x = randomTensor(rng(8), 'float32', [4, 6], { min: 500, max: 800 });
    const [y] = evaluate({ kind: 'reduce', fn: 'logSumExp', axes: [1], keepdims: false }, [x]);
    expect(Array.from(y!.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('reduces empty sets to the identity', () => {
    const x = tensor('float32', [2, 0], []);
    const r = (fn: ReduceFn) => Array.from(evaluate({ kind: 'reduce', fn, axes: [1], keepdims: false }, [x])[0]!.data as Float32Array);
    expect(r('sum')).toEqual([0, 0]);
    expect(r('prod')).toEqual([1, 1]);
    expect(r('max')).toEqual([-Infinity, -Infinity]);
    expect(r('min')).toEqual([Infinity, Infinity]);
  });

  it('int64 sums stay exact past 2^53', () => {
    const x = tensor('int64', [3], [2n ** 60n, 1n, 2n]);
    expect(evaluate({ kind: 'reduce', fn: 'sum', axes: [], keepdims: false }, [x])[0]!.data[0]).toBe(2n ** 60n + 3n);
  });
});

describe('argReduce vs onnxruntime', () => {
  for (const dtype of ['float32', 'int64'] as DType[]) {
    it(`argmax/argmin with ties on ${dtype}`, async () => {
      // Few distinct values so ties are common and selectLastIndex matters.
      const ints = randomTensor(rng(9), 'int32', [4, 5, 6], { min: -2, max: 2 });
      const [x] = evaluate({ kind: 'cast', to: dtype }, [ints]);
      for (const fn of ['max', 'min'] as const) {
        for (const axis of [0, 1, 2]) {
          for (const keepdims of [true, false]) {
            for (const selectLastIndex of [false, true]) {
              const op: Op = { kind: 'argReduce', fn, axis, keepdims, selectLastIndex };
              await expectMatchesOrt(op, [x!], {
                opType: fn === 'max' ? 'ArgMax' : 'ArgMin',
                attrs: { axis, keepdims: Number(keepdims), select_last_index: Number(selectLastIndex) },
              });
            }
          }
        }
      }
    });
  }
});

describe('softmax vs onnxruntime', () => {
  for (const log of [false, true]) {
    it(`${log ? 'log-' : ''}softmax on every axis`, async () => {
      const x = randomTensor(rng(10), 'float32', [3, 4, 7], { min: -30, max: 30 });
      for (const axis of [0, 1, 2]) {
        await expectMatchesOrt({ kind: 'softmax', axis, log }, [x], { opType: log ? 'LogSoftmax' : 'Softmax', attrs: { axis } });
      }
    });
  }

  it('is stable for large logits', () => {
    const x = tensor('float32', [3], [1000, 1001, 1002]);
    const [y] = evaluate({ kind: 'softmax', axis: 0, log: false }, [x]);
    expect(Array.from(y!.data as Float32Array).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});

describe('layerNorm vs onnxruntime', () => {
  const cases: { dims: number[]; axis: number; bias: boolean }[] = [
    { dims: [2, 3, 7], axis: 2, bias: true },
    { dims: [2, 3, 7], axis: 1, bias: true },
    { dims: [5, 9], axis: 1, bias: false },
    { dims: [2, 3, 4, 5], axis: 0, bias: true },
  ];
  cases.forEach((c, i) => {
    it(`dims [${c.dims}] axis ${c.axis}${c.bias ? ' with bias' : ''}`, async () => {
      const random = rng(800 + i);
      const x = randomTensor(random, 'float32', c.dims, { min: 3, max: 9 }); // a large mean tests the two-pass variance
      const scale = randomTensor(random, 'float32', c.dims.slice(c.axis));
      const inputs = c.bias ? [x, scale, randomTensor(random, 'float32', c.dims.slice(c.axis))] : [x, scale];
      await expectMatchesOrt({ kind: 'layerNorm', axis: c.axis, epsilon: 1e-3 }, inputs, { opType: 'LayerNormalization', attrs: { axis: c.axis, epsilon: { float: 1e-3 } }, opset: 17 });
    });
  });
});

describe('batchNorm vs onnxruntime', () => {
  for (const dims of [[2, 5, 4, 3], [3, 4], [2, 3, 7]]) {
    it(`dims [${dims}]`, async () => {
      const random = rng(900 + dims.length);
      const c = dims[1]!;
      const x = randomTensor(random, 'float32', dims);
      const scale = randomTensor(random, 'float32', [c]);
      const bias = randomTensor(random, 'float32', [c]);
      const mean = randomTensor(random, 'float32', [c]);
      const variance = randomTensor(random, 'float32', [c], { min: 0.1, max: 3 });
      await expectMatchesOrt({ kind: 'batchNorm', epsilon: 1e-4 }, [x, scale, bias, mean, variance], {
        opType: 'BatchNormalization',
        attrs: { epsilon: { float: 1e-4 } },
        opset: 15,
      });
    });
  }
});
