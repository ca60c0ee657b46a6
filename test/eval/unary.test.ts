/**
 * Every UnaryFn against onnxruntime on random inputs (float32, plus the integer forms ONNX
 * defines), special values (NaN, ±Inf, ties for round), and float16 rounding of results.
 */

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import type { UnaryFn } from '../../ir/ops.js';
import { evaluate, roundToFloat16 } from '../../ir/eval/index.js';
import { erf } from '../../ir/eval/math.js';
import { expectMatchesOrt } from './helpers/check.js';
import type { AttrValue } from './helpers/onnx-model.js';
import { expectClose, randomTensor, rng, tensor } from './helpers/tensors.js';

interface UnaryCase {
  fn: UnaryFn;
  onnx: string;
  alpha?: number;
  beta?: number;
  attrs?: Record<string, AttrValue>;
  min?: number;
  max?: number;
}

const CASES: UnaryCase[] = [
  { fn: 'identity', onnx: 'Identity' },
  { fn: 'relu', onnx: 'Relu' },
  { fn: 'leakyRelu', onnx: 'LeakyRelu', alpha: 0.13, attrs: { alpha: 0.13 } },
  { fn: 'elu', onnx: 'Elu', alpha: 0.7, attrs: { alpha: 0.7 } },
  { fn: 'selu', onnx: 'Selu', alpha: 1.5, beta: 1.2, attrs: { alpha: 1.5, gamma: 1.2 } },
  { fn: 'celu', onnx: 'Celu', alpha: 0.6, attrs: { alpha: 0.6 } },
  { fn: 'thresholdedRelu', onnx: 'ThresholdedRelu', alpha: 0.4, attrs: { alpha: 0.4 } },
  { fn: 'sigmoid', onnx: 'Sigmoid', min: -12, max: 12 },
  { fn: 'hardSigmoid', onnx: 'HardSigmoid', alpha: 0.3, beta: 0.45, attrs: { alpha: 0.3, beta: 0.45 }, min: -5, max: 5 },
  { fn: 'hardSwish', onnx: 'HardSwish', min: -5, max: 5 },
  { fn: 'softplus', onnx: 'Softplus', min: -10, max: 10 },
  { fn: 'softsign', onnx: 'Softsign' },
  { fn: 'mish', onnx: 'Mish', min: -6, max: 6 },
  { fn: 'gelu', onnx: 'Gelu', beta: 0, attrs: { approximate: 'none' }, min: -5, max: 5 },
  { fn: 'gelu', onnx: 'Gelu', beta: 1, attrs: { approximate: 'tanh' }, min: -5, max: 5 },
  { fn: 'shrink', onnx: 'Shrink', alpha: 0.8, beta: 0.3, attrs: { lambd: 0.8, bias: 0.3 } },
  { fn: 'tanh', onnx: 'Tanh' },
  { fn: 'neg', onnx: 'Neg' },
  { fn: 'exp', onnx: 'Exp', min: -10, max: 10 },
  { fn: 'log', onnx: 'Log', min: 0.01, max: 50 },
  { fn: 'abs', onnx: 'Abs' },
  { fn: 'sqrt', onnx: 'Sqrt', min: 0, max: 30 },
  { fn: 'reciprocal', onnx: 'Reciprocal', min: 0.1, max: 5 },
  { fn: 'erf', onnx: 'Erf', min: -4, max: 4 },
  { fn: 'floor', onnx: 'Floor', min: -9, max: 9 },
  { fn: 'ceil', onnx: 'Ceil', min: -9, max: 9 },
  { fn: 'round', onnx: 'Round', min: -9, max: 9 },
  { fn: 'sign', onnx: 'Sign' },
  { fn: 'sin', onnx: 'Sin', min: -6, max: 6 },
  { fn: 'cos', onnx: 'Cos', min: -6, max: 6 },
  { fn: 'tan', onnx: 'Tan', min: -1.4, max: 1.4 },
  { fn: 'asin', onnx: 'Asin', min: -0.99, max: 0.99 },
  { fn: 'acos', onnx: 'Acos', min: -0.99, max: 0.99 },
  { fn: 'atan', onnx: 'Atan', min: -9, max: 9 },
  { fn: 'sinh', onnx: 'Sinh', min: -5, max: 5 },
  { fn: 'cosh', onnx: 'Cosh', min: -5, max: 5 },
  { fn: 'asinh', onnx: 'Asinh', min: -9, max: 9 },
  { fn: 'acosh', onnx: 'Acosh', min: 1, max: 9 },
  { fn: 'atanh', onnx: 'Atanh', min: -0.99, max: 0.99 },
];

const op = (fn: UnaryFn, alpha = 0, beta = 0) => ({ kind: 'unary' as const, fn, alpha, beta });

describe('unary on float32 vs onnxruntime', () => {
  CASES.forEach((c, i) => {
    it(`${c.fn} ${JSON.stringify(c.attrs ?? {})}`, async () => {
      const x = randomTensor(rng(100 + i), 'float32', [3, 7, 5], { min: c.min, max: c.max });
      await expectMatchesOrt(op(c.fn, c.alpha, c.beta), [x], { opType: c.onnx, attrs: c.attrs });
    });
  });

  it('clip with both bounds, one bound, and none', async () => {
    const x = randomTensor(rng(7), 'float32', [4, 9]);
    const bound = (v: number) => ({ const: tensor('float32', [], [v]) });
    await expectMatchesOrt(op('clip', -0.5, 1.25), [x], { opType: 'Clip', inputs: [x, bound(-0.5), bound(1.25)] });
    await expectMatchesOrt(op('clip', -Infinity, 0.3), [x], { opType: 'Clip', inputs: [x, null, bound(0.3)] });
    await expectMatchesOrt(op('clip', -Infinity, Infinity), [x], { opType: 'Clip', inputs: [x] });
  });

  it('round sends ties to even and keeps -0', async () => {
    const x = tensor('float32', [10], [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -0.3, 2.4999, 7.5]);
    const y = await expectMatchesOrt(op('round'), [x], { opType: 'Round' });
    expect(Array.from(y.data as Float32Array)).toEqual([-2, -2, -0, 0, 2, 2, 4, -0, 2, 8]);
  });

  it('isNaN and isInf (each detect flag) on special values', async () => {
    const x = tensor('float32', [7], [NaN, Infinity, -Infinity, 0, -1.5, 3e38, -0]);
    await expectMatchesOrt(op('isNaN'), [x], { opType: 'IsNaN' });
    for (const [neg, pos] of [[1, 1], [1, 0], [0, 1], [0, 0]] as const) {
      await expectMatchesOrt(op('isInf', neg, pos), [x], { opType: 'IsInf', attrs: { detect_negative: neg, detect_positive: pos } });
    }
  });

  it('not on bool', async () => {
    const x = randomTensor(rng(9), 'bool', [13]);
    await expectMatchesOrt(op('not'), [x], { opType: 'Not' });
  });

  it('keeps NaN through relu, clip, sign and the activations', () => {
    const x = tensor('float32', [1], [NaN]);
    for (const fn of ['relu', 'clip', 'sign', 'sigmoid', 'gelu', 'abs'] as const) {
      const [y] = evaluate(op(fn, -1, 1), [x]);
      expect(Number.isNaN(y!.data[0]), fn).toBe(true);
    }
  });
});

describe('unary on integers', () => {
  const intCases: [UnaryFn, string][] = [
    ['abs', 'Abs'],
    ['neg', 'Neg'],
    ['sign', 'Sign'],
    ['relu', 'Relu'],
    ['identity', 'Identity'],
  ];
  for (const dtype of ['int32', 'int64', 'int8'] as DType[]) {
    for (const [fn, onnx] of intCases) {
      if (fn === 'relu' && dtype === 'int64') continue; // onnxruntime registers Relu for int8/int32 only
      it(`${fn} on ${dtype}`, async () => {
        const x = randomTensor(rng(31), dtype, [6, 5], { min: -100, max: 100 });
        await expectMatchesOrt(op(fn), [x], { opType: onnx });
      });
    }
    it(`clip on ${dtype}`, async () => {
      const x = randomTensor(rng(32), dtype, [6, 5], { min: -100, max: 100 });
      const b = (v: number) => ({ const: tensor(dtype, [], [v]) });
      await expectMatchesOrt(op('clip', -17, 42), [x], { opType: 'Clip', inputs: [x, b(-17), b(42)] });
    });
  }

  it('int64 stays exact above 2^53', () => {
    const big = 2n ** 60n + 3n;
    const x = tensor('int64', [3], [big, -big, 5n]);
    expect(Array.from(evaluate(op('neg'), [x])[0]!.data as BigInt64Array)).toEqual([-big, big, -5n]);
    expect(Array.from(evaluate(op('relu'), [x])[0]!.data as BigInt64Array)).toEqual([big, 0n, 5n]);
    expect(Array.from(evaluate(op('clip', -(2 ** 61), 2 ** 59), [x])[0]!.data as BigInt64Array)).toEqual([2n ** 59n, -big, 5n]);
  });

  it('rejects float-only fns on integers', () => {
    expect(() => evaluate(op('exp'), [tensor('int32', [1], [1])])).toThrow(/not defined on int32/);
  });
});

describe('unary on float16', () => {
  it('computes in double and rounds each result once to half', () => {
    const x = randomTensor(rng(5), 'float16', [40], { min: -4, max: 4 });
    const checks: [UnaryFn, (v: number) => number][] = [
      ['exp', Math.exp],
      ['erf', erf],
      ['tanh', Math.tanh],
      ['reciprocal', (v) => 1 / v],
    ];
    for (const [fn, f] of checks) {
      const [y] = evaluate(op(fn), [x]);
      const want: Tensor = { dtype: 'float16', dims: [40], data: Float32Array.from(x.data as Float32Array, (v) => roundToFloat16(f(v))) };
      expectClose(y!, want, { rtol: 0, atol: 0 }, fn);
    }
  });
});
