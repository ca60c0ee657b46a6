/**
 * topK: the ONNX backend tests (k made a constant, as an ahead-of-time compile specializes it)
 * through import + the CPU reference, then random cases against onnxruntime — largest/smallest,
 * every axis, ties (integral values), int data, k = n and k = 1 — and NaN ordering.
 */

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import { expectBackendCaseOnCpu } from './helpers/backend-data.js';
import { runOrt } from './helpers/onnx-model.js';
import { expectClose, randomTensor, rng, tensor } from './helpers/tensors.js';

describe('backend tests on the CPU reference', () => {
  for (const name of ['test_top_k', 'test_top_k_negative_axis', 'test_top_k_smallest']) {
    it(name, () => void expectBackendCaseOnCpu(name, ['k']));
  }
});

async function expectTopKMatchesOrt(x: Tensor, axis: number, k: number, largest: boolean): Promise<void> {
  const got = evaluate({ kind: 'topK', axis, k, largest, sorted: true }, [x]);
  const want = await runOrt({
    opType: 'TopK',
    inputs: [x, { const: tensor('int64', [1], [k]) }],
    attrs: { axis, largest: Number(largest), sorted: 1 },
    outputs: [x.dtype, 'int64'],
    opset: 11,
  });
  const what = `topK axis ${axis} k ${k} largest ${largest} on ${x.dtype}[${x.dims}]`;
  expectClose(got[0]!, want[0]!, {}, `${what} values`);
  expectClose(got[1]!, want[1]!, {}, `${what} indices`);
}

describe('topK vs onnxruntime', () => {
  const cases: [DType, number[], boolean][] = [
    ['float32', [4, 9, 5], false],
    ['float32', [3, 7, 6], true],
    ['int32', [5, 8], true],
    ['int64', [6, 5], true],
  ];
  for (const [dtype, dims, integral] of cases) {
    it(`${dtype}[${dims}]${integral ? ' with ties' : ''}, every axis, largest and smallest`, async () => {
      const r = rng(41);
      const x = randomTensor(r, dtype, dims, integral ? { min: -3, max: 3, integral: true } : {});
      for (let axis = 0; axis < dims.length; axis++) {
        for (const k of [1, Math.ceil(dims[axis]! / 2), dims[axis]!]) {
          for (const largest of [true, false]) await expectTopKMatchesOrt(x, axis, k, largest);
        }
      }
    });
  }
});

describe('NaN and errors', () => {
  it('ranks NaN above every number', () => {
    const x = tensor('float32', [5], [1, NaN, -Infinity, Infinity, 2]);
    const [v, i] = evaluate({ kind: 'topK', axis: 0, k: 3, largest: true, sorted: true }, [x]);
    expect(Array.from(v!.data as Float32Array)).toEqual([NaN, Infinity, 2]);
    expect(Array.from(i!.data as BigInt64Array)).toEqual([1n, 3n, 4n]);
    const [s] = evaluate({ kind: 'topK', axis: 0, k: 5, largest: false, sorted: true }, [x]);
    expect(Array.from(s!.data as Float32Array)).toEqual([-Infinity, 1, 2, Infinity, NaN]);
  });
  it('rejects k above the axis length', () => {
    expect(() => evaluate({ kind: 'topK', axis: 0, k: 6, largest: true, sorted: true }, [tensor('float32', [5], [1, 2, 3, 4, 5])])).toThrow(/k = 6/);
  });
});
