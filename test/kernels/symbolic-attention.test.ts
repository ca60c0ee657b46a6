/**
 * The fused attention kernel (codegen/kernels/attention.ts) generated for symbolic batch and
 * sequence: one kernel per case, run at sequence 1, 7 and 130 (longer than the 64-key tile, so
 * the online softmax rescales across tiles) and batch 1 to 3, against the CPU reference with
 * outputs poisoned, in both strategies. The cases are the transformers': tiny_bert's padding mask
 * [batch, 1, 1, sequence], tiny_gpt's causal mask from Trilu of [sequence, sequence], the unpacked
 * layout, and queries and keys of different symbolic lengths (including no keys at all).
 *
 * Tolerance rtol 1e-4 / atol 2e-5, as the static attention tests: f32 scores and sums against the
 * reference's f64, and outputs are averages of v in [-1, 1] that may land near 0.
 */

import { describe, expect, it } from 'vitest';
import { attentionKernels, type AttentionMode } from '../../codegen/kernels/attention.js';
import type { KernelGenerator } from '../../codegen/kernel.js';
import type { Dim } from '../../ir/dim.js';
import type { Tensor } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check, type CheckOptions } from './harness.js';

const TOL: CheckOptions = { rtol: 1e-4, atol: 2e-5 };
const att = (heads: number, scale: number): Op => ({ kind: 'attention', heads, scale });
const MODES: AttentionMode[] = ['workgroup', 'invocation'];
const forced = (mode: AttentionMode): KernelGenerator => (node, ctx) => attentionKernels(node, ctx, mode);

/** (batch, sequence) values: 1, small and odd, longer than a tile. */
const SIZES: [number, number][] = [
  [1, 1],
  [2, 7],
  [3, 130],
];

/** A float32 tensor of `dims` whose value at coordinates c is `f(c)`. */
function tensorOf(dims: number[], f: (c: number[]) => number): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let flat = 0; flat < n; flat++) {
    const c: number[] = [];
    let rest = flat;
    for (let i = dims.length - 1; i >= 0; i--) {
      c.unshift(rest % dims[i]!);
      rest = Math.floor(rest / dims[i]!);
    }
    data[flat] = f(c);
  }
  return { dtype: 'float32', dims, data };
}

/** Random q [...lead, s, qw], k [...lead, t, qw], v [...lead, t, vw]. */
function qkv(seed: number, lead: number[], s: number, t: number, qw: number, vw: number): Tensor[] {
  const r = rng(seed);
  return [randomTensor('float32', [...lead, s, qw], r), randomTensor('float32', [...lead, t, qw], r), randomTensor('float32', [...lead, t, vw], r)];
}

/**
 * Runs `op` at every size with both strategies; checks that a strategy generates the same WGSL at
 * every size (one compiled model, any batch and sequence).
 */
async function atEverySize(op: Op, make: (b: number, s: number, seed: number) => Tensor[], shapes: Record<number, Dim[]>, sizes = SIZES): Promise<void> {
  for (const mode of MODES) {
    const sources = new Set<string>();
    for (const [i, [b, s]] of sizes.entries()) {
      const { kernels } = await check(forced(mode), op, make(b, s, 7 * i + b + s), { ...TOL, symbolic: shapes });
      sources.add(kernels[0]!.wgsl);
    }
    expect(sources.size, mode).toBe(1);
  }
}

describe('symbolic attention', () => {
  it('tiny_bert: packed heads, padding mask [batch, 1, 1, sequence] with −∞', async () => {
    const [hh, d] = [4, 8];
    const make = (b: number, s: number, seed: number) => {
      // Entry e keeps its first len(e) ≥ 1 keys (a fully padded row would be NaN, tested statically).
      const len = (e: number) => Math.max(1, s - 3 * e);
      const mask = tensorOf([b, 1, 1, s], (c) => (c[3]! >= len(c[0]!) ? -Infinity : 0));
      return [...qkv(seed, [b], s, s, hh * d, hh * d), mask];
    };
    await atEverySize(att(hh, 1 / Math.sqrt(d)), make, {
      0: ['batch', 'sequence', hh * d],
      1: ['batch', 'sequence', hh * d],
      2: ['batch', 'sequence', hh * d],
      3: ['batch', 1, 1, 'sequence'],
    });
  });

  it('tiny_gpt: packed heads, causal mask [sequence, sequence] (Trilu) and [1, 1, sequence, sequence]', async () => {
    const [hh, d] = [2, 6];
    const causal = (c: number[]) => (c[c.length - 1]! > c[c.length - 2]! ? -Infinity : 0);
    for (const lead of [[], [1, 1]]) {
      const make = (b: number, s: number, seed: number) => [...qkv(seed, [b], s, s, hh * d, hh * 5), tensorOf([...lead, s, s], causal)];
      await atEverySize(att(hh, 0.4), make, {
        0: ['batch', 'sequence', hh * d],
        1: ['batch', 'sequence', hh * d],
        2: ['batch', 'sequence', hh * 5],
        3: [...lead, 'sequence', 'sequence'],
      });
    }
  });

  it('unpacked heads [batch, H, sequence, D], a finite additive mask broadcast over heads', async () => {
    const make = (b: number, s: number, seed: number) => {
      const r = rng(seed + 1);
      return [...qkv(seed, [b, 3], s, s, 5, 7), tensorOf([b, 1, s, s], () => (r() < 0.2 ? -1e4 : r() - 0.5))];
    };
    await atEverySize(att(0, 0.45), make, {
      0: ['batch', 3, 'sequence', 5],
      1: ['batch', 3, 'sequence', 5],
      2: ['batch', 3, 'sequence', 7],
      3: ['batch', 1, 'sequence', 'sequence'],
    });
  });

  it('queries and keys of different symbolic lengths, down to no keys at all', async () => {
    // `sequence` queries against `past` keys: one token against a cache, many against few, none.
    const shapes = { 0: [2, 'sequence', 8], 1: [2, 'past', 8], 2: [2, 'past', 6] };
    const op = att(2, 0.5);
    for (const mode of MODES) {
      const sources = new Set<string>();
      for (const [i, [s, t]] of [[1, 130], [7, 3], [5, 0], [66, 129]].entries()) {
        const { kernels, actual } = await check(forced(mode), op, qkv(40 + i, [2], s!, t!, 8, 6), { ...TOL, symbolic: shapes });
        sources.add(kernels[0]!.wgsl);
        // No keys: the reference's empty sum, 0 (not the NaN of a fully masked row).
        if (t === 0) expect([...(actual.data as Float32Array)].every((x) => x === 0)).toBe(true);
      }
      expect(sources.size, mode).toBe(1);
    }
  });
});
