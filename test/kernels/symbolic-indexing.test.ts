/**
 * Gather, GatherElements, GatherND, CumSum and Trilu generated once for symbolic shapes and run
 * at several symbol values (1, small, and odd sizes 7 and 130) against the CPU reference, outputs
 * poisoned (test/kernels/harness.ts). Indices are random and about half negative. Copies and
 * integer sums are exact; float cumulative sums use the harness's float default (rtol 1e-5,
 * atol 1e-6) widened to atol 1e-4 for 130-long sums of values in [-5, 5].
 */

import { describe, it } from 'vitest';
import { generateGather, generateGatherElements } from '../../codegen/kernels/gather.js';
import { generateGatherND } from '../../codegen/kernels/gather-nd.js';
import { generateCumSum, generateTrilu } from '../../codegen/kernels/scan.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

const SIZES = [
  [1, 1],
  [2, 7],
  [3, 130],
  [1, 130],
] as const;

/** Random indices valid for an axis of length `dim`, about half of them negative. */
const indices = (dtype: 'int32' | 'int64', dims: number[], dim: number, seed: number): Tensor => randomTensor(dtype, dims, rng(seed), -dim, dim - 1);

describe('symbolic gather', () => {
  for (const [b, s] of SIZES) {
    it(`batch=${b}, sequence=${s}: embedding lookup of [batch, sequence] ids into a [vocab, 128] table`, async () => {
      const table = randomTensor('float32', [50, 128], rng(1), -5, 5);
      for (const dtype of ['int64', 'int32'] as const) {
        await check(generateGather, { kind: 'gather', axis: 0 }, [table, indices(dtype, [b, s], 50, b * 7 + s)], {
          symbolic: { 1: ['batch', 'sequence'] },
          constants: [0],
        });
      }
    });
    it(`batch=${b}, sequence=${s}: along the symbolic axis (the last token), and of int data`, async () => {
      const x = randomTensor('float32', [b, s, 8], rng(s), -5, 5);
      const sym = { 0: ['batch', 'sequence', 8] };
      await check(generateGather, { kind: 'gather', axis: 1 }, [x, { dtype: 'int64', dims: [], data: BigInt64Array.from([-1n]) }], { symbolic: sym });
      await check(generateGather, { kind: 'gather', axis: 1 }, [x, indices('int64', [3], s, s + 1)], { symbolic: sym });
      await check(generateGather, { kind: 'gather', axis: 2 }, [x, indices('int32', [2, 5], 8, s + 2)], { symbolic: sym });
      const xi = randomTensor('int32', [s, 6], rng(3), -100, 100);
      await check(generateGather, { kind: 'gather', axis: 0 }, [xi, indices('int64', [s, 2], s, s + 3)], {
        symbolic: { 0: ['sequence', 6], 1: ['sequence', 2] },
      });
    });
    it(`batch=${b}, sequence=${s}: gatherElements`, async () => {
      const x = randomTensor('float32', [b, s, 6], rng(s + 4), -5, 5);
      const sym = { 0: ['batch', 'sequence', 6], 1: ['batch', 'sequence', 4] };
      await check(generateGatherElements, { kind: 'gatherElements', axis: 2 }, [x, indices('int64', [b, s, 4], 6, s + 5)], { symbolic: sym });
      await check(generateGatherElements, { kind: 'gatherElements', axis: 1 }, [x, indices('int32', [b, s, 4], s, s + 6)], { symbolic: sym });
    });
    it(`batch=${b}, sequence=${s}: gatherND with and without batch dims`, async () => {
      const x = randomTensor('float32', [b, s, 5], rng(s + 7), -5, 5);
      // batch_dims = 1: per batch entry, 3 rows of (sequence, feature) pairs.
      const pairs = randomTensor('int64', [b, 3, 2], rng(s + 8), -1, 4);
      const idx1: Tensor = { ...pairs, data: BigInt64Array.from(pairs.data as BigInt64Array, (v, i) => (i % 2 === 0 ? BigInt(Number(v) % s) : v)) };
      await check(generateGatherND, { kind: 'gatherND', batchDims: 1 }, [x, idx1], { symbolic: { 0: ['batch', 'sequence', 5], 1: ['batch', 3, 2] } });
      // batch_dims = 0: [sequence, 1] rows of x[b'] … (first-axis picks), symbolic row count.
      const picks = indices('int64', [s, 1], b, s + 9);
      await check(generateGatherND, { kind: 'gatherND', batchDims: 0 }, [x, picks], { symbolic: { 0: ['batch', 'sequence', 5], 1: ['sequence', 1] } });
    });
  }
});

describe('symbolic cumSum and trilu', () => {
  for (const [b, s] of SIZES) {
    it(`batch=${b}, sequence=${s}: cumSum along and across the symbolic axis`, async () => {
      const x = randomTensor('float32', [b, s, 3], rng(s + 10), -5, 5);
      const sym = { 0: ['batch', 'sequence', 3] };
      for (const [exclusive, reverse] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        await check(generateCumSum, { kind: 'cumSum', axis: 1, exclusive, reverse }, [x], { symbolic: sym, atol: 1e-4 });
        await check(generateCumSum, { kind: 'cumSum', axis: 2, exclusive, reverse }, [x], { symbolic: sym });
      }
      // Position ids from an attention mask: cumsum of int64 ones along the sequence.
      const mask = randomTensor('int64', [b, s], rng(s + 11), 0, 1);
      await check(generateCumSum, { kind: 'cumSum', axis: 1, exclusive: false, reverse: false }, [mask], { symbolic: { 0: ['batch', 'sequence'] } });
    });
    it(`batch=${b}, sequence=${s}: trilu over [batch, S, S] masks`, async () => {
      const x = randomTensor('float32', [b, s, s], rng(s + 12), -5, 5);
      const sym = { 0: ['batch', 'sequence', 'sequence'] };
      for (const [upper, k] of [
        [false, 0],
        [true, 1],
        [true, -2],
        [false, 2 ** 62],
      ] as const) {
        await check(generateTrilu, { kind: 'trilu', upper, k }, [x], { symbolic: sym });
      }
      const xi = randomTensor('int32', [s, 4], rng(s + 13), -9, 9);
      await check(generateTrilu, { kind: 'trilu', upper: true, k: 0 }, [xi], { symbolic: { 0: ['sequence', 4] } });
    });
  }
});
