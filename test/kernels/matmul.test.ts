/**
 * matmul (Gemm / MatMul) against the CPU reference: odd sizes that are not multiples of the tile
 * or of 4, every transpose combination, alpha/beta with c broadcast as scalar, row, column and
 * full matrix, batched products with broadcast batch dims (and the folded-batch path), numpy's
 * 1-d rules, explicit tilings (scalar and vec4 loads) and a capped dispatch.
 *
 * Tolerance: f32 accumulation over K terms (in a different order and with fma) drifts from the
 * float64 reference by about sqrt(K) ulps of the partial sums, so atol scales with sqrt(K).
 */

import { describe, expect, it } from 'vitest';
import { generateMatmul, matmulKernels } from '../../codegen/kernels/matmul.js';
import type { Op } from '../../ir/ops.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

type Mm = Extract<Op, { kind: 'matmul' }>;
const mm = (o: Partial<Omit<Mm, 'kind'>> = {}): Mm => ({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1, ...o });
const tol = (K: number) => ({ rtol: 1e-4, atol: 1e-5 * Math.sqrt(K) });

let seed = 100;
const rand = (dims: number[]): Tensor => randomTensor('float32', dims, rng(seed++));

describe('matmul', () => {
  it('2-d products with sizes off the tile grid, all transposes', async () => {
    // Each distinct shape is a distinct shader, and lavapipe takes ~0.5 s to compile one: all
    // transposes on one odd size, single cases for the others.
    const [M, K, N] = [13, 17, 19];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = rand(transA ? [K, M] : [M, K]);
        const b = rand(transB ? [N, K] : [K, N]);
        await check(generateMatmul, mm({ transA, transB }), [a, b], { ...tol(K), constants: [1] });
      }
    }
    await check(generateMatmul, mm(), [rand([64, 64]), rand([64, 64])], { ...tol(64), constants: [1] });
    await check(generateMatmul, mm({ transA: true }), [rand([7, 5]), rand([7, 9])], tol(7));
    await check(generateMatmul, mm({ transA: true, transB: true }), [rand([1, 3]), rand([2, 1])], tol(1));
  });

  it('Gemm: alpha, beta and c broadcast as scalar, row, column, matrix', async () => {
    const [M, K, N] = [13, 20, 18];
    const cases: [number[], boolean, boolean][] = [
      [[], false, false],
      [[1], true, false],
      [[N], false, true],
      [[1, N], true, true],
      [[M, 1], false, false],
      [[M, N], true, false],
    ];
    for (const [cDims, transA, transB] of cases) {
      const a = rand(transA ? [K, M] : [M, K]);
      const b = rand(transB ? [N, K] : [K, N]);
      await check(generateMatmul, mm({ transA, transB, alpha: 0.5, beta: -1.5 }), [a, b, rand(cDims)], tol(K));
    }
    // beta = 0 ignores c (its values must not leak in, even NaN).
    const c = rand([M, N]);
    (c.data as Float32Array).fill(NaN);
    await check(generateMatmul, mm({ beta: 0 }), [rand([M, K]), rand([K, N]), c], tol(K));
  });

  it('a classifier head: [1, 512] · [1000, 512]ᵀ + bias', async () => {
    await check(generateMatmul, mm({ transB: true }), [rand([1, 512]), rand([1000, 512]), rand([1000])], { ...tol(512), constants: [1, 2] });
  });

  it('batched products with broadcast batch dims', async () => {
    await check(generateMatmul, mm(), [rand([3, 1, 5, 12]), rand([4, 12, 7])], tol(12));
    await check(generateMatmul, mm({ transB: true }), [rand([2, 3, 5, 12]), rand([3, 7, 12]), rand([3, 5, 1])], tol(12));
    await check(generateMatmul, mm({ transA: true }), [rand([2, 12, 6]), rand([2, 12, 8])], tol(12));
    // B shared by every batch: A's batch folds into its rows (with and without a row bias).
    await check(generateMatmul, mm(), [rand([2, 3, 9, 16]), rand([16, 10])], tol(16));
    await check(generateMatmul, mm(), [rand([3, 9, 16]), rand([1, 16, 10]), rand([10])], tol(16));
    // ...but not when c varies per batch.
    await check(generateMatmul, mm(), [rand([3, 9, 16]), rand([16, 10]), rand([3, 1, 10])], tol(16));
  });

  it('numpy 1-d rules', async () => {
    await check(generateMatmul, mm(), [rand([12]), rand([12, 7])], tol(12));
    await check(generateMatmul, mm(), [rand([3, 12]), rand([12])], tol(12));
    await check(generateMatmul, mm(), [rand([12]), rand([12])], tol(12));
    await check(generateMatmul, mm(), [rand([2, 5, 12]), rand([12]), rand([5])], tol(12));
    await check(generateMatmul, mm(), [rand([9]), rand([2, 9, 5])], tol(9));
  });

  it('explicit tilings: scalar and vec4 loads, wide and tall blocks, odd workgroups', async () => {
    const a = rand([37, 24]);
    const b = rand([24, 44]);
    const bt = rand([44, 24]);
    const tilings = [
      { rows: 4, cols: 4, wgX: 8, wgY: 8, vec4: false },
      { rows: 8, cols: 8, wgX: 4, wgY: 4, vec4: true },
      { rows: 3, cols: 5, wgX: 7, wgY: 3, vec4: true },
      { rows: 1, cols: 1, wgX: 16, wgY: 1, vec4: false },
    ];
    for (const [i, tiling] of tilings.entries()) {
      const gen = (node: Parameters<typeof generateMatmul>[0], ctx: Parameters<typeof generateMatmul>[1]) => matmulKernels(node, ctx, tiling);
      if (i % 2 === 0) await check(gen, mm(), [a, b], tol(24));
      else await check(gen, mm({ transA: true, transB: true }), [rand([24, 37]), bt], tol(24));
    }
  });

  it('a capped dispatch re-splits the grid', async () => {
    const { kernels } = await check(generateMatmul, mm(), [rand([40, 3, 8]), rand([40, 8, 5])], {
      ...tol(8),
      limits: { maxComputeWorkgroupsPerDimension: 7 },
    });
    expect(kernels[0]!.workgroups.every((d) => typeof d === 'number' && d <= 7)).toBe(true);
  });

  it('rejects mismatched inner dims and non-float types', async () => {
    await expect(check(generateMatmul, mm(), [rand([3, 4]), rand([5, 6])])).rejects.toThrow(/inner dim/);
    const ints = (dims: number[]) => randomTensor('int32', dims, rng(seed++), -3, 3);
    await expect(check(generateMatmul, mm(), [ints([3, 4]), ints([4, 2])])).rejects.toThrow(/int32 is not supported/);
  });
});
