/**
 * Data movement and indexing against onnxruntime: transpose, concat, slice (negative and
 * out-of-range bounds, INT64 sentinels, negative steps), gather (negative indices),
 * gatherElements, pad (constant / reflect / edge, with negative pads), expand, tile, reshape.
 */

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Op } from '../../ir/ops.js';
import { evaluate } from '../../ir/eval/index.js';
import { expectMatchesOrt } from './helpers/check.js';
import { randomTensor, rng, tensor } from './helpers/tensors.js';

const i64 = (values: readonly (number | bigint)[]) => ({ const: tensor('int64', [values.length], values) });
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

describe('transpose and concat', () => {
  for (const dtype of ['float32', 'int64', 'bool'] as DType[]) {
    it(`transpose ${dtype}`, async () => {
      const x = randomTensor(rng(1), dtype, [2, 3, 4, 5]);
      for (const perm of [[0, 1, 2, 3], [3, 2, 1, 0], [0, 2, 3, 1], [1, 0, 3, 2]]) {
        await expectMatchesOrt({ kind: 'transpose', perm }, [x], { opType: 'Transpose', attrs: { perm } });
      }
      await expectMatchesOrt({ kind: 'transpose', perm: [] }, [x], { opType: 'Transpose' }); // default: reverse
    });

    it(`concat ${dtype}`, async () => {
      const random = rng(2);
      for (const axis of [0, 1, 2]) {
        const dims = (k: number) => [3, 4, 5].map((d, i) => (i === axis ? d + k : d));
        const xs = [randomTensor(random, dtype, dims(0)), randomTensor(random, dtype, dims(-2)), randomTensor(random, dtype, dims(1))];
        await expectMatchesOrt({ kind: 'concat', axis }, xs, { opType: 'Concat', attrs: { axis } });
      }
    });
  }
});

describe('slice', () => {
  const x = randomTensor(rng(3), 'float32', [5, 7, 6]);
  const cases: { axes: number[]; starts: (number | bigint)[]; ends: (number | bigint)[]; steps: number[] }[] = [
    { axes: [0, 2], starts: [1, -4], ends: [4, 1000], steps: [1, 1] },
    { axes: [1], starts: [-1], ends: [-1000], steps: [-2] },
    { axes: [1], starts: [0], ends: [INT64_MAX], steps: [3] },
    { axes: [2, 0], starts: [INT64_MAX, -1], ends: [INT64_MIN, INT64_MIN], steps: [-1, -3] },
    { axes: [0], starts: [10], ends: [20], steps: [1] },
    { axes: [2], starts: [4], ends: [1], steps: [1] },
    { axes: [0, 1, 2], starts: [-100, 2, 5], ends: [100, 3, 0], steps: [2, 1, -2] },
  ];
  cases.forEach((c, i) => {
    it(`case ${i}: axes [${c.axes}] starts [${c.starts}] ends [${c.ends}] steps [${c.steps}]`, async () => {
      const op: Op = { kind: 'slice', axes: c.axes, starts: c.starts.map(Number), ends: c.ends.map(Number), steps: c.steps };
      await expectMatchesOrt(op, [x], { opType: 'Slice', inputs: [x, i64(c.starts), i64(c.ends), i64(c.axes), i64(c.steps)] });
    });
  });

  it('slices int64 and bool data', async () => {
    for (const dtype of ['int64', 'bool'] as DType[]) {
      const t = randomTensor(rng(4), dtype, [6, 5]);
      const op: Op = { kind: 'slice', axes: [1, 0], starts: [1, 5], ends: [4, 0], steps: [2, -2] };
      await expectMatchesOrt(op, [t], { opType: 'Slice', inputs: [t, i64([1, 5]), i64([4, 0]), i64([1, 0]), i64([2, -2])] });
    }
  });
});

describe('gather and gatherElements', () => {
  const data = randomTensor(rng(5), 'float32', [5, 4, 3]);
  for (const axis of [0, 1, 2]) {
    it(`gather on axis ${axis} with negative, int32 and scalar indices`, async () => {
      const dim = data.dims[axis]!;
      const idx = tensor('int64', [2, 3], [0, -1, dim - 1, 1, -dim, 0]);
      await expectMatchesOrt({ kind: 'gather', axis }, [data, idx], { opType: 'Gather', attrs: { axis } });
      const idx32 = tensor('int32', [4], [1, -2, 0, 1]);
      await expectMatchesOrt({ kind: 'gather', axis }, [data, idx32], { opType: 'Gather', attrs: { axis } });
      const scalar = tensor('int64', [], [-1]);
      const y = await expectMatchesOrt({ kind: 'gather', axis }, [data, scalar], { opType: 'Gather', attrs: { axis } });
      expect(y.dims.length).toBe(2);
    });
  }

  it('gather of int64 shape values (shape plumbing)', async () => {
    const shape = tensor('int64', [4], [1, 3, 2n ** 40n, 7]);
    await expectMatchesOrt({ kind: 'gather', axis: 0 }, [shape, tensor('int64', [2], [2, -1])], { opType: 'Gather', attrs: { axis: 0 } });
  });

  it('gather rejects out-of-range indices', () => {
    expect(() => evaluate({ kind: 'gather', axis: 0 }, [data, tensor('int64', [1], [5])])).toThrow(/out of range/);
    expect(() => evaluate({ kind: 'gather', axis: 1 }, [data, tensor('int64', [1], [-5])])).toThrow(/out of range/);
  });

  for (const axis of [0, 1, 2]) {
    it(`gatherElements on axis ${axis}`, async () => {
      const d = randomTensor(rng(6), 'float32', [4, 5, 3]);
      const idxDims = [3, 4, 2].map((n, i) => (i === axis ? 6 : n));
      const dim = d.dims[axis]!;
      const idx = randomTensor(rng(7 + axis), 'int64', idxDims, { min: -dim, max: dim - 1 });
      await expectMatchesOrt({ kind: 'gatherElements', axis }, [d, idx], { opType: 'GatherElements', attrs: { axis } });
    });
  }
});

describe('pad', () => {
  const x = randomTensor(rng(8), 'float32', [3, 4, 5]);
  const cases: { mode: 'constant' | 'reflect' | 'edge'; pads: number[]; value: number }[] = [
    { mode: 'constant', pads: [1, 0, 2, 0, 3, 1], value: 1.5 },
    { mode: 'constant', pads: [-1, 1, 0, 1, -2, 2], value: -2 },
    { mode: 'reflect', pads: [2, 1, 0, 1, 3, 2], value: 0 },
    { mode: 'edge', pads: [2, 1, 3, 4, 0, 2], value: 0 },
    { mode: 'reflect', pads: [-1, 2, 0, 1, -1, 3], value: 0 },
    { mode: 'edge', pads: [0, -1, 2, -1, 3, -2], value: 0 },
  ];
  cases.forEach((c) => {
    it(`${c.mode} pads [${c.pads}]`, async () => {
      const inputs = [x, i64(c.pads), { const: tensor('float32', [], [c.value]) }];
      await expectMatchesOrt({ kind: 'pad', ...c }, [x], { opType: 'Pad', attrs: { mode: c.mode }, inputs });
    });
  });

  it('pads int64 with a constant converted to the dtype', async () => {
    const t = randomTensor(rng(9), 'int64', [2, 3]);
    await expectMatchesOrt({ kind: 'pad', mode: 'constant', pads: [1, 2, 0, 1], value: 7 }, [t], {
      opType: 'Pad',
      inputs: [t, i64([1, 2, 0, 1]), { const: tensor('int64', [], [7]) }],
    });
  });
});

describe('expand, tile, reshape', () => {
  const cases: [number[], number[]][] = [
    [[3, 1, 5], [2, 3, 4, 5]],
    [[1], [2, 3]],
    [[3, 4], [1, 4]],
    [[3, 4], [2, 1, 1]],
    [[], [3, 2]],
  ];
  for (const [from, shape] of cases) {
    it(`expand [${from}] by [${shape}]`, async () => {
      for (const dtype of ['float32', 'int64'] as DType[]) {
        const x = randomTensor(rng(10), dtype, from);
        await expectMatchesOrt({ kind: 'expand', shape }, [x], { opType: 'Expand', inputs: [x, i64(shape)] });
      }
    });
  }

  for (const repeats of [[2, 1, 3], [1, 0, 2], [1, 1, 1], [3, 2, 1]]) {
    it(`tile by [${repeats}]`, async () => {
      const x = randomTensor(rng(11), 'float32', [2, 3, 4]);
      await expectMatchesOrt({ kind: 'tile', repeats }, [x], { opType: 'Tile', inputs: [x, i64(repeats)] });
    });
  }

  it('reshape, binding a symbol or inferring one unknown dim', async () => {
    const x = randomTensor(rng(12), 'float32', [2, 3, 4]);
    await expectMatchesOrt({ kind: 'reshape', shape: [4, 6] }, [x], { opType: 'Reshape', inputs: [x, i64([4, 6])] });
    expect(evaluate({ kind: 'reshape', shape: ['batch', 12] }, [x], { batch: 2 })[0]!.dims).toEqual([2, 12]);
    expect(evaluate({ kind: 'reshape', shape: [3, 'n'] }, [x])[0]!.dims).toEqual([3, 8]);
    expect(() => evaluate({ kind: 'reshape', shape: [5, 5] }, [x])).toThrow(/cannot reshape/);
  });
});
