/**
 * Data movement kernels against the CPU reference: transpose, expand, tile, slice (clamping,
 * negative steps), pad (every mode, negative pads), concat (split over the storage-buffer limit),
 * on float, int and bool data, plus a transpose big enough for a 2-d dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generateConcat, generateExpand, generatePad, generateSlice, generateTile, generateTranspose } from '../../codegen/kernels/movement.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

const DIMS = [3, 37, 5, 13];
const r = rng(1);
const X = randomTensor('float32', DIMS, r, -5, 5);
const XI = randomTensor('int32', DIMS, r, -1000, 1000);

describe('transpose', () => {
  for (const perm of [
    [3, 2, 1, 0],
    [0, 2, 1, 3],
    [2, 3, 0, 1],
    [0, 1, 2, 3],
  ]) {
    it(`perm [${perm}]`, async () => {
      await check(generateTranspose, { kind: 'transpose', perm }, [X]);
    });
  }
  it('int32 and bool data', async () => {
    await check(generateTranspose, { kind: 'transpose', perm: [1, 3, 0, 2] }, [XI]);
    await check(generateTranspose, { kind: 'transpose', perm: [1, 0] }, [randomTensor('bool', [37, 13], r)]);
  });
  it('more than 65535 workgroups', async () => {
    const x = randomTensor('float32', [1025, 4097], rng(2), -1, 1);
    const { kernels } = await check(generateTranspose, { kind: 'transpose', perm: [1, 0] }, [x]);
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
});

describe('expand and tile', () => {
  it('expand broadcasts size-1 and missing axes', async () => {
    await check(generateExpand, { kind: 'expand', shape: DIMS }, [randomTensor('float32', [37, 1, 13], r)]);
    await check(generateExpand, { kind: 'expand', shape: [5, 7] }, [randomTensor('int64', [1], r, -9, 9)]);
    await check(generateExpand, { kind: 'expand', shape: [2, 5, 6] }, [randomTensor('float32', [5, 1], r)]);
  });
  it('tile repeats each axis', async () => {
    await check(generateTile, { kind: 'tile', repeats: [2, 1, 3] }, [randomTensor('float32', [3, 5, 7], r)]);
    await check(generateTile, { kind: 'tile', repeats: [3, 2] }, [randomTensor('bool', [5, 7], r)]);
  });
});

describe('slice', () => {
  const cases: { axes: number[]; starts: number[]; ends: number[]; steps: number[] }[] = [
    { axes: [1, 3], starts: [2, 1], ends: [30, 12], steps: [1, 1] },
    { axes: [1], starts: [3], ends: [35], steps: [3] },
    { axes: [0, 1, 3], starts: [-1, -2, 100], ends: [-100, 0, -100], steps: [-1, -3, -2] }, // negative steps, clamped
    { axes: [2], starts: [-1000], ends: [2 ** 63], steps: [1] }, // sentinels clamp to the whole axis
    { axes: [3, 1], starts: [0, 36], ends: [13, -38], steps: [2, -1] }, // a full reversal of axis 1
  ];
  for (const c of cases) {
    it(`axes [${c.axes}] starts [${c.starts}] ends [${c.ends}] steps [${c.steps}]`, async () => {
      await check(generateSlice, { kind: 'slice', ...c }, [X]);
    });
  }
  it('int32 data', async () => {
    await check(generateSlice, { kind: 'slice', axes: [2], starts: [4], ends: [0], steps: [-2] }, [XI]);
  });
});

describe('pad', () => {
  const x = randomTensor('float32', [3, 7, 6], r, -5, 5);
  const padSets = [
    [0, 2, 1, 0, 3, 2], // positive
    [1, -2, 0, 0, 1, -3], // crops on some axes
  ];
  // Wide pads: as wide as reflect allows (size - 1), and wider than the axis for the others.
  const wide = { constant: [0, 9, 13, 0, 8, 11], edge: [0, 9, 13, 0, 8, 11], reflect: [2, 6, 5, 2, 6, 5] };
  for (const mode of ['constant', 'reflect', 'edge'] as const) {
    it(`${mode}`, async () => {
      for (const pads of [...padSets, wide[mode]]) await check(generatePad, { kind: 'pad', mode, pads, value: 1.5 }, [x]);
    });
  }
  it('int32 constant and reflect', async () => {
    const xi = randomTensor('int32', [4, 9], r, -50, 50);
    await check(generatePad, { kind: 'pad', mode: 'constant', pads: [1, 2, 3, 4], value: -7 }, [xi]);
    await check(generatePad, { kind: 'pad', mode: 'reflect', pads: [2, 3, 1, 5], value: 0 }, [xi]);
  });
});

describe('concat', () => {
  const parts = (axis: number, sizes: number[]): Tensor[] =>
    sizes.map((s) => randomTensor('float32', DIMS.map((d, i) => (i === axis ? s : d)), r, -5, 5));
  for (const axis of [0, 1, 3]) {
    it(`three inputs along axis ${axis}`, async () => {
      await check(generateConcat, { kind: 'concat', axis }, parts(axis, [2, 5, 3]), { kernels: 1 });
    });
  }
  it('splits many inputs over the storage-buffer limit, skipping empty ones', async () => {
    const inputs = parts(2, [1, 2, 0, 3, 1, 2, 1, 4, 2, 1]);
    // 9 non-empty inputs, 3 per kernel (4 buffers with the output).
    await check(generateConcat, { kind: 'concat', axis: 2 }, inputs, { limits: { maxStorageBuffersPerShaderStage: 4 }, kernels: 3 });
  });
  it('int64 and bool', async () => {
    await check(generateConcat, { kind: 'concat', axis: 0 }, [randomTensor('int64', [2, 3], r, -9, 9), randomTensor('int64', [5, 3], r, -9, 9)]);
    await check(generateConcat, { kind: 'concat', axis: 1 }, [randomTensor('bool', [2, 3], r), randomTensor('bool', [2, 1], r)]);
  });
});
