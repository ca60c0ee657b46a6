/**
 * CumSum (every exclusive/reverse combination, every axis, float and int) and Trilu (upper and
 * lower, several diagonals including out-of-range ones, batched, non-square) against the CPU
 * reference.
 */

import { describe, it } from 'vitest';
import { generateCumSum, generateTrilu } from '../../codegen/kernels/scan.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

const DIMS = [3, 37, 5, 13];
const r = rng(1);

describe('cumSum', () => {
  const x = randomTensor('float32', DIMS, r, -2, 2);
  for (const exclusive of [false, true]) {
    for (const reverse of [false, true]) {
      // Two axes per combination (every axis is covered across the four): a strided and a
      // contiguous or outermost line.
      it(`exclusive=${exclusive} reverse=${reverse}`, async () => {
        for (const axis of exclusive === reverse ? [0, 3] : [1, 2]) {
          await check(generateCumSum, { kind: 'cumSum', axis, exclusive, reverse }, [x], { rtol: 1e-5, atol: 1e-5 });
        }
      });
    }
  }
  it('int32, int64 and int8 (wrapping)', async () => {
    await check(generateCumSum, { kind: 'cumSum', axis: 1, exclusive: false, reverse: false }, [randomTensor('int8', DIMS, r, -100, 100)]);
    await check(generateCumSum, { kind: 'cumSum', axis: 1, exclusive: false, reverse: true }, [randomTensor('int32', DIMS, r, -100, 100)]);
    await check(generateCumSum, { kind: 'cumSum', axis: 0, exclusive: true, reverse: false }, [randomTensor('int64', [40, 3], r, -100, 100)]);
  });
});

describe('trilu', () => {
  const x = randomTensor('float32', [3, 7, 11], r, -2, 2);
  for (const upper of [false, true]) {
    it(`${upper ? 'upper' : 'lower'} with k in {-3, 0, 2, ±2^63}`, async () => {
      for (const k of [-3, 0, 2, 2 ** 63, -(2 ** 63)]) await check(generateTrilu, { kind: 'trilu', upper, k }, [x]);
    });
  }
  it('int32, tall matrix', async () => {
    await check(generateTrilu, { kind: 'trilu', upper: true, k: -1 }, [randomTensor('int32', [13, 5], r, -9, 9)]);
  });
});
