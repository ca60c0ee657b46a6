/**
 * Movement kernels generated once for symbolic shapes (batch, sequence) and run at several symbol
 * values — 1, small, and odd sizes that are no multiple of a workgroup (7, 130) — each against the
 * CPU reference at that size, outputs poisoned (test/kernels/harness.ts). The kernels only copy,
 * so every comparison is exact.
 */

import { describe, it } from 'vitest';
import { generateConcat, generateExpand, generatePad, generateSlice, generateTile, generateTranspose } from '../../codegen/kernels/movement.js';
import type { Tensor } from '../../ir/graph.js';
import type { Dim } from '../../ir/dim.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';
import { checkWithEnv } from './symbolic-env.js';

/** (batch, sequence) values: 1, small, and odd sizes. */
const SIZES = [
  [1, 1],
  [2, 7],
  [3, 130],
  [1, 130],
] as const;

const f32 = (dims: number[], seed: number): Tensor => randomTensor('float32', dims, rng(seed), -5, 5);

/** Expand of `x` (declared `declared`) to `shape`, whose symbols `env` binds. */
async function checkExpand(x: Tensor, declared: Dim[], shape: Dim[], env: Record<string, number>): Promise<void> {
  const bound = shape.map((d) => (typeof d === 'number' ? d : env[d]!));
  await checkWithEnv(generateExpand, { kind: 'expand', shape }, { kind: 'expand', shape: bound }, [{ data: x, shape: declared }], env);
}

describe('symbolic transpose, expand, tile', () => {
  for (const [b, s] of SIZES) {
    it(`batch=${b}, sequence=${s}`, async () => {
      const sym = { 0: ['batch', 'sequence', 5] };
      for (const perm of [
        [1, 0, 2],
        [2, 0, 1],
        [0, 2, 1],
      ]) {
        await check(generateTranspose, { kind: 'transpose', perm }, [f32([b, s, 5], b + s)], { symbolic: sym });
      }
      const xi = randomTensor('int32', [b, 4, s, 3], rng(s), -1000, 1000);
      await check(generateTranspose, { kind: 'transpose', perm: [2, 0, 3, 1] }, [xi], { symbolic: { 0: ['batch', 4, 'sequence', 3] } });
      // A per-position row broadcast over a batch that only the target shape names.
      await checkExpand(f32([1, s, 1], 7 * s), [1, 'sequence', 1], ['batch', 'sequence', 6], { batch: b, sequence: s });
      await checkExpand(f32([s, 1], 3 * s), ['sequence', 1], ['batch', 2, 'sequence', 6], { batch: b, sequence: s });
      await check(generateExpand, { kind: 'expand', shape: ['batch', 3, 'sequence'] }, [f32([b, 1, s], s)], {
        symbolic: { 0: ['batch', 1, 'sequence'] },
        reference: { kind: 'expand', shape: [b, 3, s] },
      });
      await check(generateTile, { kind: 'tile', repeats: [2, 1, 3] }, [f32([b, s, 5], 3)], { symbolic: sym });
      await check(generateTile, { kind: 'tile', repeats: [1, 3, 1] }, [f32([b, s, 5], 4)], { symbolic: sym });
      await check(generateTile, { kind: 'tile', repeats: [1, 2] }, [randomTensor('bool', [s, 3], rng(5))], { symbolic: { 0: ['sequence', 3] } });
    });
  }
});

describe('symbolic slice', () => {
  for (const [b, s] of SIZES) {
    it(`batch=${b}, sequence=${s}: static axes of symbolic tensors, whole symbolic axes`, async () => {
      const x = f32([b, s, 9], 11 * s + b);
      const sym = { 0: ['batch', 'sequence', 9] };
      const cases: { axes: number[]; starts: number[]; ends: number[]; steps: number[] }[] = [
        { axes: [2], starts: [2], ends: [7], steps: [1] },
        { axes: [2], starts: [-1], ends: [-100], steps: [-2] },
        { axes: [1, 2], starts: [0, 1], ends: [2 ** 63, 9], steps: [1, 3] }, // the symbolic axis kept whole
      ];
      for (const c of cases) await check(generateSlice, { kind: 'slice', ...c }, [x], { symbolic: sym });
    });
    it(`batch=${b}, sequence=${s}: starts and ends relative to the symbolic axis`, async () => {
      const x = f32([b, s, 3], 17 * s + b);
      const sym = { 0: ['batch', 'sequence', 3] };
      const END = 2 ** 31 - 1;
      const cases: { axes: number[]; starts: number[]; ends: number[]; steps: number[] }[] = [
        { axes: [1], starts: [-1], ends: [END], steps: [1] }, // the last position (x[:, -1:])
        { axes: [1], starts: [1], ends: [END], steps: [1] }, // x[:, 1:] (empty at sequence = 1)
        { axes: [1], starts: [0], ends: [-1], steps: [1] }, // x[:, :-1]
        { axes: [1, 2], starts: [-1, 2], ends: [-END, 0], steps: [-1, -1] }, // reversed
        { axes: [1], starts: [-3], ends: [END], steps: [2] }, // clamped at short lengths
        { axes: [0, 1], starts: [0, 2], ends: [1, -2], steps: [1, 3] },
      ];
      for (const c of cases) await check(generateSlice, { kind: 'slice', ...c }, [x], { symbolic: sym });
    });
    it(`sequence=${s}: a static table sliced to a symbolic end (positions [0, sequence))`, async () => {
      const table = f32([140, 4], 5);
      await checkWithEnv(
        generateSlice,
        { kind: 'slice', axes: [0], starts: [0], ends: ['sequence'], steps: [1] },
        { kind: 'slice', axes: [0], starts: [0], ends: [s], steps: [1] },
        [{ data: table, shape: [140, 4] }],
        { sequence: s },
      );
      // And starting at a symbolic offset: rows [sequence, 140) of a [140, 4] table.
      await checkWithEnv(
        generateSlice,
        { kind: 'slice', axes: [0], starts: ['sequence'], ends: [140], steps: [1] },
        { kind: 'slice', axes: [0], starts: [s], ends: [140], steps: [1] },
        [{ data: table, shape: [140, 4] }],
        { sequence: s },
      );
    });
  }
});

describe('symbolic pad', () => {
  for (const [b, s] of SIZES) {
    it(`batch=${b}, sequence=${s}: constant, edge, reflect and crops of symbolic tensors`, async () => {
      const x = f32([b, s, 4], 13 * s);
      const sym = { 0: ['batch', 'sequence', 4] };
      // Pads [begin…, end…], on the symbolic axes too.
      await check(generatePad, { kind: 'pad', mode: 'constant', pads: [0, 0, 1, 0, 0, 3], value: 1.5 }, [x], { symbolic: sym });
      await check(generatePad, { kind: 'pad', mode: 'constant', pads: [1, 2, 1, 0, 3, 0], value: 1.5 }, [x], { symbolic: sym });
      await check(generatePad, { kind: 'pad', mode: 'edge', pads: [0, 0, 5, 0, 0, 2], value: 0 }, [x], { symbolic: sym });
      await check(generatePad, { kind: 'pad', mode: 'edge', pads: [2, 3, 0, 1, 2, 1], value: 0 }, [x], { symbolic: sym });
      await check(generatePad, { kind: 'pad', mode: 'reflect', pads: [0, 0, 2, 0, 0, 3], value: 0 }, [x], { symbolic: sym });
      const xi = randomTensor('int32', [s, 6], rng(s), -50, 50);
      await check(generatePad, { kind: 'pad', mode: 'constant', pads: [0, -1, 0, -2], value: -7 }, [xi], { symbolic: { 0: ['sequence', 6] } });
      await check(generatePad, { kind: 'pad', mode: 'reflect', pads: [0, 2, 0, 4], value: 0 }, [xi], { symbolic: { 0: ['sequence', 6] } });
    });
  }
});

describe('symbolic reflect pad', () => {
  for (const s of [1, 6, 129]) {
    it(`an axis of sequence + 1 = ${s + 1} (reflect needs 2 or more)`, async () => {
      const x = f32([s + 1, 5], s);
      const pads = [1, 2, 1, 1];
      await checkWithEnv(
        generatePad,
        { kind: 'pad', mode: 'reflect', pads, value: 0 },
        { kind: 'pad', mode: 'reflect', pads, value: 0 },
        [{ data: x, shape: ['sequence+1', 5] }],
        { sequence: s },
      );
    });
  }
});

describe('symbolic concat', () => {
  for (const [b, s] of SIZES) {
    it(`batch=${b}, sequence=${s}: along symbolic axes (a KV-cache append, a batch join)`, async () => {
      // past [batch, 3, 4] ++ new [batch, sequence, 4] ++ past: the output axis is 6 + sequence.
      const past = f32([b, 3, 4], 1);
      const cur = f32([b, s, 4], 2);
      await check(generateConcat, { kind: 'concat', axis: 1 }, [past, cur, past], {
        symbolic: { 0: ['batch', 3, 4], 1: ['batch', 'sequence', 4], 2: ['batch', 3, 4] },
        kernels: 1,
      });
      await check(generateConcat, { kind: 'concat', axis: 0 }, [randomTensor('int64', [b, s], rng(9), -9, 9), randomTensor('int64', [2, s], rng(8), -9, 9)], {
        symbolic: { 0: ['batch', 'sequence'], 1: [2, 'sequence'] },
      });
    });
    it(`batch=${b}, sequence=${s}: along static axes of symbolic tensors`, async () => {
      // Heads of [batch, sequence, ·] joined along the feature axis.
      await check(generateConcat, { kind: 'concat', axis: 2 }, [f32([b, s, 2], 3), f32([b, s, 5], 4), f32([b, s, 1], 5)], {
        symbolic: { 0: ['batch', 'sequence', 2], 1: ['batch', 'sequence', 5], 2: ['batch', 'sequence', 1] },
        kernels: 1,
      });
      await check(generateConcat, { kind: 'concat', axis: 1 }, [f32([b, 3, s], 1), f32([b, 1, s], 2)], {
        symbolic: { 0: ['batch', 3, 'sequence'], 1: ['batch', 1, 'sequence'] },
      });
      await check(generateConcat, { kind: 'concat', axis: 1 }, [randomTensor('int64', [s, 2], rng(9), -9, 9), randomTensor('int64', [s, 3], rng(8), -9, 9)], {
        symbolic: { 0: ['sequence', 2], 1: ['sequence', 3] },
      });
    });
  }
  it('splits symbolic inputs over the storage-buffer limit', async () => {
    // Five inputs of five different symbolic lengths, 2 per kernel (3 buffers with the output).
    const inputs = [1, 2, 3, 4, 5].map((k) => f32([3, 2 * k + 1], k));
    const symbolic = Object.fromEntries(inputs.map((_, k) => [k, [3, `s${k}`]]));
    await check(generateConcat, { kind: 'concat', axis: 1 }, inputs, { symbolic, limits: { maxStorageBuffersPerShaderStage: 3 }, kernels: 3 });
  });
});
