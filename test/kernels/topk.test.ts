/**
 * TopK kernel: the ONNX backend tests on the GPU, then random cases against the CPU reference —
 * both outputs (values and int64 indices), every axis, largest and smallest, ties, NaN, int data,
 * k from 1 to n, odd sizes, and a capped dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generateTopK } from '../../codegen/kernels/topk.js';
import type { DType } from '../../ir/dtype.js';
import { Graph, type Tensor } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import type { Op } from '../../ir/ops.js';
import { runKernels } from '../helpers/gpu.js';
import { compareTensors, randomTensor, rng } from '../helpers/random.js';
import { expectBackendCaseOnGpu } from './backend.js';
import { makeCtx } from './harness.js';

describe('backend tests on the GPU', () => {
  for (const name of ['test_top_k', 'test_top_k_negative_axis', 'test_top_k_smallest']) {
    it(name, () => expectBackendCaseOnGpu(name, { topK: generateTopK }, { constInputs: ['k'], kinds: ['topK'] }));
  }
});

/** Runs topK on the GPU and checks both outputs exactly against the reference. */
async function checkTopK(op: Extract<Op, { kind: 'topK' }>, x: Tensor, maxPerDim?: number): Promise<number[]> {
  const g = new Graph();
  const input = g.addInput('x', { dtype: x.dtype, shape: [...x.dims] });
  const outs = g.add(op, [input], 'topk', [], false);
  const kernels = generateTopK(g.nodes[0]!, makeCtx(maxPerDim ? { maxComputeWorkgroupsPerDimension: maxPerDim } : {}));
  const results = await runKernels(kernels, new Map([[input, x]]));
  const expected = evaluate(op, [x]);
  outs.forEach((v, i) => {
    const c = compareTensors(results.get(v)!, expected[i]!, 0, 0);
    if (c.firstBad >= 0) {
      const got = results.get(v)!.data[c.firstBad];
      throw new Error(`${JSON.stringify(op)} on ${x.dtype}[${x.dims}] output ${i}: element ${c.firstBad} = ${got}, expected ${expected[i]!.data[c.firstBad]}`);
    }
  });
  return kernels[0]!.workgroups as number[];
}

const r = rng(5);

describe('topK', () => {
  const cases: [DType, number[]][] = [
    ['float32', [3, 37, 5]],
    ['float32', [4, 9, 7]],
    ['int32', [5, 13]],
  ];
  for (const [dtype, dims] of cases) {
    it(`${dtype}[${dims}], every axis, largest and smallest, several k`, async () => {
      // Few distinct values, so ties are common and the index tie-break is exercised.
      const x = randomTensor(dtype, dims, r, -4, 4);
      if (x.data instanceof Float32Array) x.data.forEach((v, i, a) => (a[i] = Math.round(v * 2) / 2));
      for (let axis = 0; axis < dims.length; axis++) {
        const n = dims[axis]!;
        for (const k of [1, Math.ceil(n / 3), n]) {
          for (const largest of [true, false]) await checkTopK({ kind: 'topK', axis, k, largest, sorted: true }, x);
        }
      }
    });
  }
  it('NaN and infinities', async () => {
    const x = randomTensor('float32', [6, 11], r, -2, 2);
    const d = x.data as Float32Array;
    [3, 14, 15, 40].forEach((i) => (d[i] = NaN));
    d[7] = Infinity;
    d[20] = -Infinity;
    for (const largest of [true, false]) await checkTopK({ kind: 'topK', axis: 1, k: 11, largest, sorted: true }, x);
  });
  it('a long line with a small k, float16 data, capped dispatch', async () => {
    const x = randomTensor('float16', [3, 517], r, -50, 50);
    const wg = await checkTopK({ kind: 'topK', axis: 1, k: 5, largest: true, sorted: true }, x, 5);
    expect(wg[1]).toBeGreaterThan(1);
  });
});
