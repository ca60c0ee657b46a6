/**
 * The row kernels (reduce, argReduce, softmax, layer norm; codegen/kernels/row-reduce.ts) generated
 * for symbolic shapes: one set of kernels per op, run at several values of the symbols (1, small,
 * odd, ≥ 128 so rows and row lengths cross the 64-wide workgroup), each checked against the CPU
 * reference at that size with outputs poisoned. Symbols sit in the kept axes (rows =
 * batch·sequence), in the reduced ones (a row of length `sequence`), or both; both strategies
 * (a loop per row, a workgroup per row) are reached. The WGSL must be the same at every size.
 *
 * Tolerances: sums accumulate in f32 against the reference's f64 over at most a few thousand
 * terms of ±2, so the absolute error grows with the term count (atol 2e-5, rtol 2e-5);
 * softmax and layer norm are the static tests' tolerances (rtol 2e-5 / atol 2e-6 for layer norm,
 * the harness default 1e-5 / 1e-6 for softmax).
 */

import { describe, expect, it } from 'vitest';
import { generateArgReduce, generateReduce } from '../../codegen/kernels/reduce.js';
import { generateSoftmax } from '../../codegen/kernels/softmax.js';
import { generateLayerNorm } from '../../codegen/kernels/layer-norm.js';
import type { Kernel, KernelGenerator } from '../../codegen/kernel.js';
import type { Dim } from '../../ir/dim.js';
import type { Tensor } from '../../ir/graph.js';
import type { Op, ReduceFn } from '../../ir/ops.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check, type CheckOptions } from './harness.js';

/** (batch, sequence) values: both 1, small and odd, and longer than a workgroup. */
const SIZES: [number, number][] = [
  [1, 1],
  [2, 7],
  [3, 130],
];

/**
 * Checks `op` on inputs made by `make(batch, sequence)` declared with `shapes`, at every size in
 * SIZES, and that every size ran the same WGSL. Returns the kernels of the last size.
 */
async function atEverySize(
  gen: KernelGenerator,
  op: Op,
  make: (b: number, s: number, seed: number) => Tensor[],
  shapes: Record<number, Dim[]>,
  opts: CheckOptions = {},
): Promise<Kernel[]> {
  const sources = new Set<string>();
  let last: Kernel[] = [];
  for (const [i, [b, s]] of SIZES.entries()) {
    const { kernels } = await check(gen, op, make(b, s, 10 * i + b + s), { ...opts, symbolic: shapes });
    sources.add(kernels.map((k) => k.wgsl).join('\n'));
    last = kernels;
  }
  expect(sources.size).toBe(1);
  return last;
}

const SUM_TOL: CheckOptions = { rtol: 2e-5, atol: 2e-5 };

describe('symbolic reduce', () => {
  const x = (b: number, s: number, seed: number, lo = -2, hi = 2) => [randomTensor('float32', [b, s, 5], rng(seed), lo, hi)];
  const shape = { 0: ['batch', 'sequence', 5] };
  // Axis sets: the static inner axis (rows = batch·sequence), the symbolic middle one (strided
  // rows of length `sequence`), both symbolic axes, everything (one row: a workgroup per row).
  const AXES = [[2], [1], [0, 1], []];
  const FNS: ReduceFn[] = ['sum', 'mean', 'max', 'logSumExp', 'l2'];
  for (const fn of FNS) {
    it(`${fn} over kept and reduced symbolic axes`, async () => {
      for (const axes of AXES) {
        await atEverySize(generateReduce, { kind: 'reduce', fn, axes, keepdims: axes.length !== 1 }, x, shape, SUM_TOL);
      }
    });
  }
  it('prod and integer means over a symbolic axis', async () => {
    await atEverySize(generateReduce, { kind: 'reduce', fn: 'prod', axes: [1], keepdims: false }, (b, s, seed) => x(b, s, seed, 0.95, 1.05), shape, SUM_TOL);
    for (const dtype of ['int32', 'uint8'] as const) {
      const ints = (b: number, s: number, seed: number) => [randomTensor(dtype, [b, s, 5], rng(seed), dtype === 'int32' ? -50 : 0, 50)];
      await atEverySize(generateReduce, { kind: 'reduce', fn: 'mean', axes: [1], keepdims: false }, ints, shape);
      await atEverySize(generateReduce, { kind: 'reduce', fn: 'mean', axes: [], keepdims: false }, ints, shape);
    }
  });
  it('a global reduction over a symbolic length takes a workgroup per row', async () => {
    const kernels = await atEverySize(generateReduce, { kind: 'reduce', fn: 'sum', axes: [0, 1, 2], keepdims: false }, x, shape, SUM_TOL);
    expect(kernels[0]!.wgsl).toContain('workgroupBarrier');
  });
  it('symbolic row counts split over a capped 2-d grid, in both strategies', async () => {
    const limits = { maxComputeWorkgroupsPerDimension: 3 };
    // Rows = batch·sequence of 5 (loops: up to 390 rows, 7 groups of 64 → 3 × 3).
    const { kernels } = await check(generateReduce, { kind: 'reduce', fn: 'sum', axes: [2], keepdims: false }, x(3, 130, 5), { limits, symbolic: shape });
    expect(kernels[0]!.wgsl).not.toContain('workgroupBarrier');
    // `batch` rows of 2048 (a workgroup per row even at batch 1: 5 groups → 3 × 2).
    const long = [randomTensor('float32', [5, 2048], rng(6), -1, 1)];
    const wg = await check(generateReduce, { kind: 'reduce', fn: 'max', axes: [1], keepdims: false }, long, { limits, symbolic: { 0: ['batch', 2048] } });
    expect(wg.kernels[0]!.wgsl).toContain('workgroupBarrier');
  });
});

describe('symbolic argReduce', () => {
  for (const axis of [0, 1, 2]) {
    it(`argmax / argmin with ties over axis ${axis}`, async () => {
      const ties = (b: number, s: number, seed: number) => {
        const t = randomTensor('float32', [b, s, 5], rng(seed), -3, 3);
        (t.data as Float32Array).forEach((v, i, d) => (d[i] = Math.round(v)));
        return [t];
      };
      for (const fn of ['max', 'min'] as const) {
        const op: Op = { kind: 'argReduce', fn, axis, keepdims: axis === 1, selectLastIndex: fn === 'min' };
        await atEverySize(generateArgReduce, op, ties, { 0: ['batch', 'sequence', 5] });
      }
    });
  }
});

describe('symbolic softmax', () => {
  it('over a row of symbolic length (attention scores [batch, heads, sequence, sequence])', async () => {
    const scores = (b: number, s: number, seed: number) => [randomTensor('float32', [b, 2, s, s], rng(seed), -6, 6)];
    for (const log of [false, true]) {
      await atEverySize(generateSoftmax, { kind: 'softmax', axis: 3, log }, scores, { 0: ['batch', 2, 'sequence', 'sequence'] });
    }
  });
  it('over a static row with symbolic rows, over a strided symbolic axis, and a few long rows', async () => {
    const x = (b: number, s: number, seed: number) => [randomTensor('float32', [b, s, 9], rng(seed), -4, 4)];
    await atEverySize(generateSoftmax, { kind: 'softmax', axis: 2, log: false }, x, { 0: ['batch', 'sequence', 9] });
    await atEverySize(generateSoftmax, { kind: 'softmax', axis: 1, log: true }, x, { 0: ['batch', 'sequence', 9] });
    // Two static rows of symbolic length: a workgroup per row.
    const two = (b: number, s: number, seed: number) => [randomTensor('float32', [2, b * s], rng(seed), -4, 4)];
    const kernels = await atEverySize(generateSoftmax, { kind: 'softmax', axis: 1, log: false }, two, { 0: [2, 'tokens'] });
    expect(kernels[0]!.wgsl).toContain('workgroupBarrier');
  });
});

describe('symbolic layerNorm', () => {
  const TOL: CheckOptions = { rtol: 2e-5, atol: 2e-6 };
  it('rows = batch·sequence, a static row of 128 (transformer hidden size)', async () => {
    const make = (b: number, s: number, seed: number) => {
      const r = rng(seed);
      return [randomTensor('float32', [b, s, 128], r, -3, 3), randomTensor('float32', [128], r, 0.5, 1.5), randomTensor('float32', [128], r, -1, 1)];
    };
    const kernels = await atEverySize(generateLayerNorm, { kind: 'layerNorm', axis: 2, epsilon: 1e-5 }, make, { 0: ['batch', 'sequence', 128] }, TOL);
    // The row length stays a literal: only the row guard reads the table.
    expect(kernels[0]!.wgsl).toContain('r < 128u');
  });
  it('normalizing over a symbolic axis, with a broadcast scale and no bias', async () => {
    const make = (b: number, s: number, seed: number) => {
      const r = rng(seed);
      return [randomTensor('float32', [b, s, 6], r, 100, 101), randomTensor('float32', [6], r, 0.5, 1.5)];
    };
    await atEverySize(generateLayerNorm, { kind: 'layerNorm', axis: 1, epsilon: 1e-5 }, make, { 0: ['batch', 'sequence', 6] }, TOL);
  });
});
