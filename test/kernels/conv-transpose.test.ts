/**
 * convTranspose against the CPU reference: 1-d and 2-d (and one 3-d), strides with and without
 * output padding, dilations, asymmetric pads, groups, bias present and absent, channel counts off
 * the per-invocation block.
 *
 * Tolerance: f32 sums of up to C/group · prod(kernel) terms against a float64 reference.
 */

import { describe, it } from 'vitest';
import { generateConvTranspose, convTransposeKernels } from '../../codegen/kernels/conv-transpose.js';
import type { Op } from '../../ir/ops.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

type ConvT = Extract<Op, { kind: 'convTranspose' }>;
let seed = 500;
const rand = (dims: number[]): Tensor => randomTensor('float32', dims, rng(seed++));

async function convT(xDims: number[], Mg: number, kernel: number[], o: Partial<Omit<ConvT, 'kind'>> & { bias?: boolean } = {}, gen = generateConvTranspose) {
  const n = kernel.length;
  const op: ConvT = {
    kind: 'convTranspose',
    strides: o.strides ?? kernel.map(() => 1),
    pads: o.pads ?? new Array<number>(2 * n).fill(0),
    dilations: o.dilations ?? kernel.map(() => 1),
    group: o.group ?? 1,
    outputPadding: o.outputPadding ?? kernel.map(() => 0),
  };
  const C = xDims[1]!;
  const inputs = [rand(xDims), rand([C, Mg, ...kernel])];
  if (o.bias ?? true) inputs.push(rand([Mg * op.group]));
  const K = (C / op.group) * kernel.reduce((a, b) => a * b, 1);
  await check(gen, op, inputs, { rtol: 1e-4, atol: 1e-5 * Math.sqrt(K), constants: [1, 2].filter((i) => i < inputs.length) });
}

describe('convTranspose', () => {
  it('2-d: strides, output padding, dilations, asymmetric pads', async () => {
    await convT([1, 3, 5, 6], 4, [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] });
    await convT([2, 4, 4, 5], 3, [4, 4], { strides: [2, 2], pads: [1, 1, 1, 1], bias: false });
    await convT([1, 2, 6, 5], 5, [3, 2], { strides: [3, 2], dilations: [2, 1], pads: [0, 2, 1, 0], outputPadding: [2, 0] });
    await convT([1, 5, 7, 7], 6, [3, 3], { pads: [1, 1, 1, 1] });
  });

  it('groups, 1-d, 3-d, channel blocks', async () => {
    await convT([1, 6, 5, 4], 2, [3, 3], { group: 3, strides: [2, 1], pads: [1, 0, 0, 1] });
    await convT([2, 3, 9], 5, [4], { strides: [3], pads: [1, 2], outputPadding: [1], dilations: [2] });
    await convT([1, 2, 3, 4, 3], 3, [2, 3, 2], { strides: [2, 1, 2], pads: [0, 1, 1, 1, 0, 0], bias: false });
    const gen: typeof generateConvTranspose = (node, ctx) => convTransposeKernels(node, ctx, { channels: 3 });
    await convT([1, 4, 5, 5], 7, [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }, gen);
  });
});
