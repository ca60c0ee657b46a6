/**
 * Gather and GatherElements against the CPU reference: every axis, scalar / 1-d / 2-d indices,
 * negative indices, int32 and int64 index types, int data, and a capped 2-d dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generateGather, generateGatherElements } from '../../codegen/kernels/gather.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

const DIMS = [3, 37, 5, 13];
const r = rng(1);
const X = randomTensor('float32', DIMS, r, -5, 5);

/** Random indices valid for an axis of length `dim`, about half of them negative. */
function indices(dtype: 'int32' | 'int64', dims: number[], dim: number): Tensor {
  return randomTensor(dtype, dims, r, -dim, dim - 1);
}

describe('gather', () => {
  for (let axis = 0; axis < DIMS.length; axis++) {
    it(`axis ${axis} with scalar, 1-d and 2-d indices`, async () => {
      const dim = DIMS[axis]!;
      await check(generateGather, { kind: 'gather', axis }, [X, indices('int64', [], dim)]);
      await check(generateGather, { kind: 'gather', axis }, [X, indices('int32', [7], dim)]);
      await check(generateGather, { kind: 'gather', axis }, [X, indices('int64', [2, 3], dim)]);
    });
  }
  it('embedding lookup (int64 token ids into a table) on int data, capped dispatch', async () => {
    const table = randomTensor('int32', [50, 9], r, -100, 100);
    const { kernels } = await check(generateGather, { kind: 'gather', axis: 0 }, [table, indices('int64', [3, 11], 50)], {
      limits: { maxComputeWorkgroupsPerDimension: 3 }, // 297 elements: 5 workgroups → 3 × 2
    });
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
});

describe('gatherElements', () => {
  for (let axis = 0; axis < DIMS.length; axis++) {
    it(`axis ${axis}, indices smaller than data on other axes`, async () => {
      const idxDims = DIMS.map((d, i) => (i === axis ? 4 : Math.max(1, d - 2)));
      await check(generateGatherElements, { kind: 'gatherElements', axis }, [X, indices(axis % 2 ? 'int32' : 'int64', idxDims, DIMS[axis]!)]);
    });
  }
  it('bool data', async () => {
    await check(generateGatherElements, { kind: 'gatherElements', axis: 1 }, [randomTensor('bool', [4, 6], r), indices('int64', [4, 9], 6)]);
  });
});
