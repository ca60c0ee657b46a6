/**
 * pool (max / average) against the CPU reference: 1-d, 2-d and 3-d windows with strides,
 * dilations and asymmetric pads; ceil mode (including the dropped last window and a window that
 * overhangs the end padding) with count_include_pad both ways; a window larger than the padded
 * input; integer max pooling; and a capped dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generatePool } from '../../codegen/kernels/pool.js';
import type { Op } from '../../ir/ops.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

type Pool = Extract<Op, { kind: 'pool' }>;
let seed = 300;
const rand = (dims: number[]): Tensor => randomTensor('float32', dims, rng(seed++), -2, 2);

function pool(type: 'max' | 'avg', kernel: number[], o: Partial<Omit<Pool, 'kind' | 'type' | 'kernel'>> = {}): Pool {
  const n = kernel.length;
  return {
    kind: 'pool',
    type,
    kernel,
    strides: o.strides ?? kernel.map(() => 1),
    pads: o.pads ?? new Array<number>(2 * n).fill(0),
    dilations: o.dilations ?? kernel.map(() => 1),
    ceilMode: o.ceilMode ?? false,
    countIncludePad: o.countIncludePad ?? false,
  };
}

describe('pool', () => {
  it('2-d max and avg: strides, dilations, asymmetric pads', async () => {
    const x = rand([2, 3, 11, 12]);
    for (const type of ['max', 'avg'] as const) {
      await check(generatePool, pool(type, [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }), [x]);
      await check(generatePool, pool(type, [2, 3], { strides: [1, 2], pads: [0, 2, 1, 1], dilations: [2, 1] }), [x]);
      await check(generatePool, pool(type, [11, 12]), [x]); // a global pool
    }
  });

  it('ceil mode with count_include_pad both ways', async () => {
    // 12 + 1 + 1 with k=3, s=2: ceil gives a last window that overhangs the end pad by one.
    const x = rand([1, 2, 12, 9]);
    for (const countIncludePad of [false, true]) {
      for (const pads of [[1, 0, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0]]) {
        const o = { strides: [2, 2], pads, ceilMode: true, countIncludePad };
        await check(generatePool, pool('avg', [3, 3], o), [x]);
        await check(generatePool, pool('max', [3, 3], o), [x]);
      }
      // A last window that would start in the end padding is dropped (7 + 2 pads, k 2, s 3).
      await check(generatePool, pool('avg', [2, 2], { strides: [3, 3], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad }), [rand([1, 1, 7, 7])]);
      await check(generatePool, pool('avg', [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], countIncludePad }), [x]);
    }
  });

  it('1-d and 3-d', async () => {
    await check(generatePool, pool('avg', [4], { strides: [3], pads: [2, 1], ceilMode: true, countIncludePad: true }), [rand([2, 3, 20])]);
    await check(generatePool, pool('max', [3], { dilations: [2], pads: [1, 2] }), [rand([1, 4, 17])]);
    const x3 = rand([1, 2, 5, 6, 7]);
    await check(generatePool, pool('max', [2, 3, 2], { strides: [2, 1, 2], pads: [1, 0, 1, 0, 1, 1] }), [x3]);
    await check(generatePool, pool('avg', [3, 2, 3], { strides: [1, 2, 2], pads: [1, 1, 0, 1, 1, 1], ceilMode: true }), [x3]);
  });

  it('a window larger than the padded input, integer max, capped dispatch', async () => {
    // 3 + 1 + 0 = 4 < kernel 5 (by less than the stride): one output whose window overhangs
    // the padded input (onnxruntime keeps it).
    await check(generatePool, pool('avg', [5], { strides: [2], pads: [1, 0], countIncludePad: true }), [rand([1, 2, 3])]);
    await check(generatePool, pool('max', [5], { strides: [2], pads: [1, 0] }), [rand([1, 2, 3])]);
    const ints = randomTensor('int32', [1, 3, 7, 6], rng(seed++), -50, 50);
    await check(generatePool, pool('max', [3, 2], { strides: [2, 2], pads: [1, 0, 1, 1] }), [ints]);
    const { kernels } = await check(generatePool, pool('max', [2, 2], { strides: [2, 2] }), [rand([4, 16, 20, 20])], {
      limits: { maxComputeWorkgroupsPerDimension: 16 },
    });
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
});
