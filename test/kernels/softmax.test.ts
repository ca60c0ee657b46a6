/**
 * Softmax / log-softmax against the CPU reference: every axis of a 4-d tensor (contiguous and
 * strided rows, both row strategies), large inputs that would overflow a naive exp, a long row
 * (vocabulary-sized), and a capped dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generateSoftmax } from '../../codegen/kernels/softmax.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

const DIMS = [3, 37, 5, 13];

describe('softmax', () => {
  for (const log of [false, true]) {
    it(`${log ? 'log-' : ''}softmax on every axis`, async () => {
      const x = randomTensor('float32', DIMS, rng(log ? 1 : 2), -4, 4);
      for (let axis = 0; axis < DIMS.length; axis++) {
        await check(generateSoftmax, { kind: 'softmax', axis, log }, [x]);
      }
    });
    it(`${log ? 'log-' : ''}softmax is stable for inputs near ±100`, async () => {
      const x = randomTensor('float32', DIMS, rng(3), 90, 110);
      (x.data as Float32Array).forEach((v, i, d) => (d[i] = i % 3 === 0 ? -v : v));
      // exp of differences up to 200: the f32 builtin's few-ulp error shows in tiny probabilities.
      await check(generateSoftmax, { kind: 'softmax', axis: 3, log }, [x], { rtol: 2e-5, atol: 1e-6 });
      await check(generateSoftmax, { kind: 'softmax', axis: 1, log }, [x], { rtol: 2e-5, atol: 1e-6 });
    });
  }
  it('a long row (a workgroup per row) and a capped 2-d dispatch', async () => {
    const x = randomTensor('float32', [5, 5200], rng(4), -6, 6);
    await check(generateSoftmax, { kind: 'softmax', axis: 1, log: false }, [x]);
    const { kernels } = await check(generateSoftmax, { kind: 'softmax', axis: 1, log: true }, [x], {
      limits: { maxComputeWorkgroupsPerDimension: 3 },
    });
    expect(kernels[0]!.workgroups).toEqual([3, 2, 1]);
  });
});
