/**
 * batchNorm (inference) against the CPU reference: rank 2, 3, 4 and 5 inputs, planes that are
 * and are not multiples of 4 (vec4 and scalar paths), a large epsilon, positive variances.
 */

import { describe, it } from 'vitest';
import { generateBatchNorm } from '../../codegen/kernels/batch-norm.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

let seed = 400;
const rand = (dims: number[], lo = -1, hi = 1): Tensor => randomTensor('float32', dims, rng(seed++), lo, hi);

describe('batchNorm', () => {
  it('ranks 2–5, vec4 and scalar planes', async () => {
    for (const dims of [[5, 7], [2, 3, 9], [2, 6, 4, 5], [1, 3, 5, 3], [2, 4, 2, 3, 3]]) {
      const C = dims[1]!;
      for (const epsilon of [1e-5, 0.5]) {
        // f32 vs the float64 reference, a handful of roundings.
        await check(generateBatchNorm, { kind: 'batchNorm', epsilon }, [rand(dims, -3, 3), rand([C]), rand([C]), rand([C]), rand([C], 0.1, 2)], {
          rtol: 1e-5,
          atol: 1e-5,
          constants: [1, 2, 3, 4],
        });
      }
    }
  });
});
