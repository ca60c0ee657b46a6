/**
 * The fused attention kernel against the CPU reference (ir/eval/attention.ts) on random inputs,
 * outputs poisoned first: both layouts (heads = 0 and packed heads), no mask and additive masks
 * broadcast every way the exporters produce them (padding [B,1,1,T], causal [1,1,S,T] or [S,T],
 * full), with −∞ or large finite negatives, S ≠ T, sizes that are not multiples of 4, S = 1,
 * rows longer than a tile (the online softmax's rescaling), head dims above the workgroup size,
 * scores large enough to overflow a naive exp, fully masked rows, float16, and capped limits.
 */

import { describe, expect, it } from 'vitest';
import { attentionKernels, chooseAttentionMode, generateAttention, type AttentionMode } from '../../codegen/kernels/attention.js';
import type { KernelGenerator } from '../../codegen/kernel.js';
import type { Tensor } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check, type CheckOptions } from './harness.js';

const att = (heads: number, scale: number): Op => ({ kind: 'attention', heads, scale });

/** Random q, k, v: q [...lead, S, qw], k [...lead, T, qw], v [...lead, T, vw]. */
function qkv(seed: number, lead: number[], s: number, t: number, qw: number, vw: number, range = 1): Tensor[] {
  const r = rng(seed);
  return [
    randomTensor('float32', [...lead, s, qw], r, -range, range),
    randomTensor('float32', [...lead, t, qw], r, -range, range),
    randomTensor('float32', [...lead, t, vw], r, -1, 1),
  ];
}

/** A mask of `dims` whose last two axes are [rows, keys]: `hide(…coords)` picks the hidden keys. */
function mask(dims: number[], hide: (c: number[]) => boolean, value: number, seed = 99): Tensor {
  const r = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    const c: number[] = [];
    let rest = f;
    for (let i = dims.length - 1; i >= 0; i--) {
      c.unshift(rest % dims[i]!);
      rest = Math.floor(rest / dims[i]!);
    }
    // Visible entries carry a small random bias, so the mask is more than 0/−∞.
    data[f] = hide(c) ? value : 0.5 * (r() - 0.5);
  }
  return { dtype: 'float32', dims, data };
}

/** Causal over the last two axes, with queries aligned to the last keys when S < T. */
const causal = (s: number, t: number) => (c: number[]) => c[c.length - 1]! > c[c.length - 2]! + (t - s);

// f32 scores and sums against the reference's f64: a few ulps, and outputs are averages of v
// in [-1, 1] that may land near 0, hence the absolute term.
const TOL: CheckOptions = { rtol: 1e-4, atol: 2e-5 };

const forced = (mode: AttentionMode): KernelGenerator => (node, ctx) => attentionKernels(node, ctx, mode);

/** Checks `op` with both strategies (each shape is a new shader: lavapipe JITs each in ~1 s). */
async function both(op: Op, inputs: Tensor[], opts: CheckOptions = TOL): Promise<void> {
  for (const mode of ['workgroup', 'invocation'] as const) await check(forced(mode), op, inputs, opts);
}

const WG = forced('workgroup');
const INV = forced('invocation');

describe('attention kernel', () => {
  it('unpacked (heads = 0), no mask, S ≠ T, odd sizes, rank 2', async () => {
    await both(att(0, 1 / Math.sqrt(7)), qkv(1, [2, 3], 5, 9, 7, 5));
    await check(WG, att(0, 0.3), qkv(2, [], 13, 6, 3, 11), TOL);
  });

  it('packed heads, no mask, S ≠ T, odd head dims', async () => {
    await both(att(4, 1 / Math.sqrt(7)), qkv(3, [2], 5, 11, 4 * 7, 4 * 5));
  });

  it('S = 1: one query against many keys', async () => {
    await check(generateAttention, att(2, 0.2), qkv(6, [3], 1, 37, 2 * 6, 2 * 10), TOL);
  });

  it('padding mask [B,1,1,T] with −∞ on packed heads', async () => {
    const [b, s, t, hh] = [3, 6, 10, 4];
    const lens = [10, 3, 7];
    const m = mask([b, 1, 1, t], (c) => c[3]! >= lens[c[0]!]!, -Infinity);
    await both(att(hh, 0.4), [...qkv(7, [b], s, t, hh * 6, hh * 6), m]);
  });

  it('causal masks [1,1,S,T] and [S,T], −∞ and large finite negatives, S ≠ T', async () => {
    const [s, t] = [7, 12];
    for (const value of [-Infinity, -1e9, -3.4028234663852886e38]) {
      const packed = mask([1, 1, s, t], causal(s, t), value);
      await both(att(2, 0.35), [...qkv(8, [2], s, t, 2 * 8, 2 * 3), packed]);
      const flat = mask([s, t], causal(s, t), value);
      await check(WG, att(0, 0.35), [...qkv(9, [2, 3], s, t, 5, 6), flat], TOL);
    }
  });

  it('a full mask [B,H,S,T], one broadcast over heads [B,1,S,T], and a per-row [..,S,1]', async () => {
    const [b, s, t, hh] = [2, 5, 9, 3];
    const full = mask([b, hh, s, t], (c) => (c[0]! + c[1]! + c[2]! + c[3]!) % 4 === 0, -Infinity);
    await check(WG, att(hh, 0.3), [...qkv(10, [b], s, t, hh * 4, hh * 7), full], TOL);
    const perBatch = mask([b, 1, s, t], (c) => (c[2]! * 3 + c[3]!) % 5 === 1, -1e4);
    await check(INV, att(hh, 0.3), [...qkv(11, [b], s, t, hh * 4, hh * 7), perBatch], TOL);
    // Every key of a row gets the same random bias, so the weights are unmoved but the offsets
    // (stride 0 along the keys) are exercised.
    const rowBias = mask([2, 3, s, 1], () => false, 0);
    await check(WG, att(0, 0.3), [...qkv(12, [2, 3], s, t, 4, 7), rowBias], TOL);
  });

  it('a row whose keys are all masked: NaN with −∞ (as the reference), an average with −1e30', async () => {
    const [s, t] = [4, 6];
    const hideRow2 = (c: number[]) => c[c.length - 2] === 2 || c[c.length - 1] === 0;
    for (const gen of [WG, INV]) {
      const inf = mask([s, t], hideRow2, -Infinity);
      const { actual } = await check(gen, att(0, 0.5), [...qkv(13, [2], s, t, 8, 5), inf], TOL);
      const out = actual.data as Float32Array;
      for (let i = 0; i < out.length; i++) expect(Number.isNaN(out[i])).toBe(Math.floor(i / 5) % s === 2);
      // −1e30 swamps every score in f64 too, so the reference and the kernel both average v.
      const big = mask([s, t], hideRow2, -1e30);
      await check(gen, att(0, 0.5), [...qkv(13, [2], s, t, 8, 5), big], TOL);
    }
  });

  it('long rows (several tiles: the running max rescales) with a causal mask, tiny_gpt-sized', async () => {
    const [s, hh, d] = [130, 4, 32];
    const m = mask([1, 1, s, s], causal(s, s), -Infinity);
    await check(WG, att(hh, 1 / Math.sqrt(d)), [...qkv(14, [1], s, s, hh * d, hh * d, 2), m], TOL);
  });

  it('head dims above the workgroup size (several columns per invocation)', async () => {
    await check(WG, att(2, 1 / Math.sqrt(128)), qkv(15, [1], 9, 70, 2 * 128, 2 * 130), TOL);
    // A small invocation cap: tiles of 16 keys, 3 columns each (the last partial).
    await check(WG, att(0, 0.2), qkv(16, [2], 5, 41, 9, 40), { ...TOL, limits: { maxComputeInvocationsPerWorkgroup: 16 } });
  });

  it('scores near ±200 stay finite (max-subtracted softmax)', async () => {
    // q·k up to ±d·100 = ±800 with scale 0.25: a naive exp overflows at 88. The weights are exp
    // of f32 score differences, and sharp rows magnify their ulps.
    await both(att(0, 0.25), qkv(17, [2], 6, 20, 8, 8, 10), { rtol: 1e-3, atol: 1e-4 });
  });

  it('a capped dispatch splits rows over x and y', async () => {
    const inputs = qkv(18, [3], 7, 5, 2 * 3, 2 * 4);
    const limits = { maxComputeWorkgroupsPerDimension: 10 };
    // 3·2·7 = 42 rows: one workgroup each, or one invocation each in 11 workgroups of 4.
    const a = await check(WG, att(2, 0.3), inputs, { ...TOL, limits });
    expect(a.kernels[0]!.workgroups).toEqual([9, 5, 1]);
    const b = await check(INV, att(2, 0.3), inputs, { ...TOL, limits: { ...limits, maxComputeInvocationsPerWorkgroup: 4 } });
    expect(b.kernels[0]!.workgroups).toEqual([6, 2, 1]);
  });

  it('many rows pick one invocation per row; few rows or wide heads a workgroup', async () => {
    expect(chooseAttentionMode(4096, 32)).toBe('invocation');
    expect(chooseAttentionMode(512, 32)).toBe('workgroup');
    expect(chooseAttentionMode(4096, 128)).toBe('workgroup');
    // 64·32 = 2048 rows through the default generator.
    const { kernels } = await check(generateAttention, att(0, 0.5), qkv(19, [64], 32, 5, 3, 2), TOL);
    expect(kernels[0]!.workgroups).toEqual([32, 1, 1]);
  });

  it('float16 values round like the reference', async () => {
    const r = rng(20);
    const [q, k, v] = [[2, 5, 12], [2, 8, 12], [2, 8, 6]].map((d) => randomTensor('float16', d, r));
    const m = mask([5, 8], causal(5, 8), -Infinity);
    await check(generateAttention, att(2, 0.4), [q!, k!, v!, { ...m, dtype: 'float16' }], { rtol: 2e-3, atol: 1e-3 });
  });
});
