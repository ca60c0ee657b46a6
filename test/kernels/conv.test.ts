/**
 * conv against the CPU reference, through each strategy: the row-segment 2-d kernel (2-d and
 * 1-d, strides, dilations, asymmetric pads, groups, batch, a 7×7 stride-2 window, no pads where
 * the input is read directly), the N-d kernel (3-d), the depthwise kernel (a channel multiplier,
 * strides, dilations, 1-d, rows narrower than a tile) and the pointwise GEMM (groups, batch).
 * Sizes avoid multiples of the tiles; bias is tested present and absent. Constant weights of the
 * 2-d kernel are repacked at compile time; one case feeds them at run time instead.
 *
 * With subgroups (`ConvTilings.subgroups`, or the subgroup-weights tiling given explicitly) the
 * 2-d and pointwise kernels share weight loads across the subgroup; those cases check ragged
 * channel blocks and row tails (every lane runs to the end, stores skipped), groups, strides,
 * dilation and a symbolic batch.
 *
 * Tolerance: f32 sums of C/group · prod(kernel) terms in a different order (and with fma) than
 * the float64 reference, so atol grows with sqrt of the reduction length.
 */

import { describe, expect, it } from 'vitest';
import { generateConv, convKernels } from '../../codegen/kernels/conv.js';
import type { Conv2dTiling } from '../../codegen/kernels/conv-2d.js';
import type { DirectConvTiling } from '../../codegen/kernels/conv-direct.js';
import type { Op } from '../../ir/ops.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

type Conv = Extract<Op, { kind: 'conv' }>;
let seed = 200;
const rand = (dims: number[]): Tensor => randomTensor('float32', dims, rng(seed++));

/** Runs conv x[N, C, ...spatial] with weights [M, C/group, ...kernel] and checks it. */
async function conv(
  xDims: number[],
  M: number,
  kernel: number[],
  o: Partial<Omit<Conv, 'kind'>> & { bias?: boolean; runtimeWeights?: boolean } = {},
  gen = generateConv,
) {
  const op: Conv = {
    kind: 'conv',
    strides: o.strides ?? kernel.map(() => 1),
    pads: o.pads ?? kernel.map(() => 0).concat(kernel.map(() => 0)),
    dilations: o.dilations ?? kernel.map(() => 1),
    group: o.group ?? 1,
  };
  const C = xDims[1]!;
  const inputs = [rand(xDims), rand([M, C / op.group, ...kernel])];
  if (o.bias ?? true) inputs.push(rand([M]));
  const K = (C / op.group) * kernel.reduce((a, b) => a * b, 1);
  const constants = (o.runtimeWeights ? [2] : [1, 2]).filter((i) => i < inputs.length);
  return check(gen, op, inputs, { rtol: 1e-4, atol: 1e-5 * Math.sqrt(K), constants });
}

describe('conv', () => {
  it('2-d: pads, strides, dilations, asymmetric pads, batch, 7×7, no bias', async () => {
    await conv([1, 3, 11, 13], 5, [3, 3], { pads: [1, 1, 1, 1] });
    await conv([2, 6, 9, 10], 7, [3, 3], { pads: [1, 0, 2, 1], strides: [2, 1] });
    await conv([1, 4, 12, 11], 6, [3, 2], { dilations: [2, 3], pads: [2, 1, 0, 3], bias: false });
    await conv([1, 3, 15, 17], 9, [7, 7], { pads: [3, 3, 3, 3], strides: [2, 2] }); // resnet's first conv, smaller
    await conv([2, 5, 8, 7], 3, [2, 2], { strides: [3, 2] }); // no pads, but rows widened to 8
    const { kernels } = await conv([2, 5, 8, 16], 3, [2, 2], { strides: [2, 2] }); // rows fit: x read directly
    expect(kernels.length).toBe(1);
  });

  it('2-d with groups (2 and 3 groups)', async () => {
    const { kernels } = await conv([1, 8, 9, 9], 6, [3, 3], { group: 2, pads: [1, 1, 1, 1] });
    expect(kernels.length).toBe(2); // pad + conv
    await conv([2, 6, 7, 8], 9, [3, 1], { group: 3, strides: [1, 2], pads: [0, 1, 2, 0], bias: false });
  });

  it('2-d weights: repacked at compile time (groups, a partial block of 4) or read as given at run time', async () => {
    // 2 groups of 10 channels, 8 per invocation: packed blocks of 4, the third half zeros.
    const { kernels } = await conv([1, 6, 9, 8], 20, [3, 3], { group: 2, pads: [1, 1, 1, 1] });
    const packed = kernels[kernels.length - 1]!.inputs[1]!;
    expect(packed.isConstant).toBe(true);
    expect(packed.type.shape).toEqual([2 * 3 * 3 * 9 * 4]);
    // The same conv with weights fed at run time reads the ONNX layout.
    const fed = await conv([1, 6, 9, 8], 20, [3, 3], { group: 2, pads: [1, 1, 1, 1], runtimeWeights: true });
    expect(fed.kernels[fed.kernels.length - 1]!.wgsl).toContain('var<storage, read> w: array<f32>');
  });

  it('1-d and 3-d', async () => {
    await conv([2, 5, 29], 7, [5], { pads: [2, 1], strides: [2] });
    await conv([1, 4, 30], 6, [3], { dilations: [4], group: 2, bias: false });
    await conv([1, 3, 6, 7, 5], 4, [3, 2, 3], { pads: [1, 0, 1, 1, 1, 0], strides: [1, 2, 1] });
  });

  it('depthwise: multiplier 1 and 2, strides, dilations, 1-d, widths off the tile', async () => {
    await conv([2, 6, 10, 11], 6, [3, 3], { group: 6, pads: [1, 1, 1, 1] });
    await conv([1, 5, 13, 9], 5, [5, 5], { group: 5, pads: [2, 2, 2, 2], strides: [2, 2], bias: false });
    await conv([1, 4, 9, 10], 8, [3, 3], { group: 4, pads: [0, 1, 2, 1], dilations: [2, 1] });
    await conv([1, 3, 3, 2], 3, [3, 3], { group: 3, pads: [1, 1, 1, 1] }); // rows narrower than a tile
    await conv([2, 4, 23], 4, [3], { group: 4, pads: [1, 1], strides: [2] });
  });

  it('pointwise as a GEMM: groups, batch, odd pixel counts, no bias', async () => {
    const { kernels } = await conv([2, 12, 7, 5], 10, [1, 1]);
    expect(kernels.length).toBe(1);
    await conv([1, 12, 4, 4], 9, [1, 1], { group: 3, bias: false });
    await conv([3, 8, 31], 5, [1]);
  });

  it('explicit tilings of the 2-d, N-d and depthwise kernels', async () => {
    // One shape per tiling: every distinct shader costs about a second to compile on lavapipe.
    const with2d = (conv2d: Conv2dTiling): typeof generateConv => (node, ctx) => convKernels(node, ctx, { conv2d });
    await conv([1, 5, 9, 11], 11, [3, 3], { pads: [1, 1, 1, 1] }, with2d({ channels: 1, pixels: 4, wgX: 8, wgY: 1, unroll: 1 }));
    await conv([1, 4, 10, 13], 6, [2, 3], { strides: [2, 3], dilations: [1, 2], pads: [0, 2, 1, 1] }, with2d({ channels: 3, pixels: 12, wgX: 4, wgY: 2, unroll: 9 }));
    await conv([1, 3, 9, 11], 13, [3, 3], { pads: [1, 1, 1, 1] }, with2d({ channels: 8, pixels: 8, wgX: 8, wgY: 8, unroll: 1 }));
    const withNd = (direct: DirectConvTiling): typeof generateConv => (node, ctx) => convKernels(node, ctx, { direct });
    await conv([1, 3, 5, 6, 4], 10, [2, 3, 2], { pads: [1, 1, 0, 0, 1, 1], strides: [1, 2, 1] }, withNd({ channels: 1, pixels: 1, wgX: 8, wgY: 1, unroll: 1 }));
    await conv([1, 3, 5, 6, 4], 10, [2, 3, 2], { pads: [1, 1, 0, 0, 1, 1], strides: [1, 2, 1] }, withNd({ channels: 5, pixels: 3, wgX: 4, wgY: 4, unroll: 12 }));
    const gen: typeof generateConv = (node, ctx) => convKernels(node, ctx, { depthwise: { pixels: 7, wgSize: 32 } });
    await conv([1, 6, 9, 11], 6, [3, 3], { group: 6, pads: [1, 1, 1, 1] }, gen);
  });

  it('2-d subgroup-weights form: ragged channel blocks, row tails, strides, groups, dilation, batch', async () => {
    // Every lane runs to the end (clamped tiles, stores skipped): row tails (OW % pixels ≠ 0) and
    // a partial last channel block (M/group not a multiple of `channels`) exercise the clamps.
    const sg = (conv2d: Conv2dTiling): typeof generateConv => (node, ctx) => convKernels(node, ctx, { conv2d });
    const t8: Conv2dTiling = { channels: 8, pixels: 8, wgX: 8, wgY: 1, unroll: 1, subgroupWeights: true };
    const a = await conv([2, 5, 11, 13], 13, [3, 3], { pads: [1, 1, 1, 1] }, sg(t8));
    expect(a.kernels[a.kernels.length - 1]!.wgsl.startsWith('enable subgroups;')).toBe(true);
    // 2 groups of 6 channels, stride 2, asymmetric pads, dilation, no bias; 16 lanes per workgroup.
    await conv([1, 6, 12, 9], 12, [3, 2], { group: 2, strides: [2, 1], dilations: [1, 2], pads: [1, 0, 2, 1], bias: false }, sg({ ...t8, wgX: 16 }));
    // 16 channels × 4 pixels: 12 weight vec4s per kernel row, two broadcast loads; unrolled window.
    await conv([1, 7, 6, 10], 20, [3, 3], { pads: [1, 1, 1, 1] }, sg({ channels: 16, pixels: 4, wgX: 8, wgY: 1, unroll: 9, subgroupWeights: true }));
    // 1-d, and a workgroup shape the form does not apply to (wgY > 1): the plain kernel.
    await conv([2, 3, 30], 9, [5], { pads: [2, 2] }, sg(t8));
    const plain = await conv([1, 5, 9, 11], 11, [3, 3], { pads: [1, 1, 1, 1] }, sg({ ...t8, wgX: 8, wgY: 2 }));
    expect(plain.kernels[plain.kernels.length - 1]!.wgsl).not.toContain('subgroup');
  });

  it('a target with subgroups: the default 2-d tiling takes the subgroup form, symbolic batch too', async () => {
    const withSubgroups: typeof generateConv = (node, ctx) => convKernels(node, ctx, { subgroups: true });
    const { kernels } = await conv([1, 6, 9, 10], 20, [3, 3], { pads: [1, 1, 1, 1], strides: [2, 1] }, withSubgroups);
    expect(kernels[kernels.length - 1]!.wgsl.startsWith('enable subgroups;')).toBe(true);
    const op: Conv = { kind: 'conv', strides: [1, 1], pads: [0, 1, 1, 0], dilations: [1, 1], group: 1 };
    await check(withSubgroups, op, [rand([3, 5, 7, 9]), rand([6, 5, 3, 3]), rand([6])], {
      rtol: 1e-4,
      atol: 1e-5 * Math.sqrt(45),
      constants: [1, 2],
      symbolic: { 0: ['batch', 5, 7, 9] },
    });
    // Pointwise: the GEMM's subgroup-rows form (big enough for it; 20 rows, a ragged row block).
    const pw = await conv([1, 36, 61, 53], 20, [1, 1], {}, withSubgroups);
    expect(pw.kernels.length).toBe(1);
    expect(pw.kernels[0]!.wgsl.startsWith('enable subgroups;')).toBe(true);
  });

  it('a capped dispatch re-splits the grid', async () => {
    const { kernels } = await check(
      generateConv,
      { kind: 'conv', strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 },
      [rand([3, 4, 9, 9]), rand([5, 4, 3, 3])],
      { rtol: 1e-4, atol: 1e-4, limits: { maxComputeWorkgroupsPerDimension: 6 } },
    );
    for (const k of kernels) expect(k.workgroups.every((d) => typeof d === 'number' && d <= 6)).toBe(true);
  });
});
