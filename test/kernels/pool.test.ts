/**
 * pool (max / average) against the CPU reference: 1-d, 2-d and 3-d windows with strides,
 * dilations and asymmetric pads; ceil mode (including the dropped last window and a window that
 * overhangs the end padding) with count_include_pad both ways; a window larger than the padded
 * input; integer max pooling; and a capped dispatch. Max pooling with its indices output (row-
 * and column-major) checks both outputs exactly, on random inputs and on inputs full of ties
 * (the first max in window order wins), static and with symbolic batch and channels.
 */

import { describe, expect, it } from 'vitest';
import { generatePool } from '../../codegen/kernels/pool.js';
import { attachDims, DimTable, withDimTable } from '../../codegen/dims.js';
import type { Dim } from '../../ir/dim.js';
import type { Op } from '../../ir/ops.js';
import { Graph, type Tensor } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import { runKernels } from '../helpers/gpu.js';
import { compareTensors, randomTensor, rng } from '../helpers/random.js';
import { check, makeCtx } from './harness.js';

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
    indices: o.indices ?? 'none',
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

/**
 * Runs a max pool with indices on the GPU (outputs poisoned by runKernels) and checks both
 * outputs exactly against the CPU reference; `declared` gives x a symbolic shape.
 */
async function checkWithIndices(op: Pool, x: Tensor, declared: Dim[] = x.dims): Promise<void> {
  const g = new Graph();
  const input = g.addInput('x', { dtype: x.dtype, shape: [...declared] });
  const outs = g.add(op, [input], 'pool', [], false);
  expect(outs.length).toBe(2);
  const env: Record<string, number> = {};
  declared.forEach((d, i) => {
    if (typeof d === 'string') env[d] = x.dims[i]!;
  });
  const table = new DimTable();
  const kernels = withDimTable(table, () => generatePool(g.nodes[0]!, makeCtx())).map(attachDims);
  if (declared.some((d) => typeof d === 'string')) expect(kernels.some((k) => k.usesDims)).toBe(true);
  const results = await runKernels(kernels, new Map([[input, x]]), { table, env });
  const expected = evaluate(op, [x]);
  outs.forEach((v, i) => {
    const c = compareTensors(results.get(v)!, expected[i]!, 0, 0);
    if (c.firstBad >= 0) {
      const got = results.get(v)!.data[c.firstBad];
      throw new Error(`${JSON.stringify(op)} on ${x.dtype}[${x.dims}] output ${i}: element ${c.firstBad} = ${got}, expected ${expected[i]!.data[c.firstBad]}`);
    }
  });
}

/** Small integers (as floats), so most windows hold a tie. */
function withTies(dims: number[]): Tensor {
  const x = randomTensor('float32', dims, rng(seed++), -3, 3);
  const d = x.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = Math.round(d[i]!);
  return x;
}

describe('max pool with indices', () => {
  for (const indices of ['rowMajor', 'colMajor'] as const) {
    it(`${indices}: 1-d, 2-d and 3-d, random and tied inputs`, async () => {
      const cases: [number[], Pool][] = [
        [[2, 3, 11, 12], pool('max', [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], indices })],
        [[1, 2, 9, 8], pool('max', [2, 3], { dilations: [2, 1], pads: [0, 2, 1, 1], ceilMode: true, indices })],
        [[3, 2, 17], pool('max', [3], { strides: [2], pads: [1, 2], indices })],
        [[1, 2, 5, 6, 7], pool('max', [2, 3, 2], { strides: [2, 1, 2], pads: [1, 0, 1, 0, 1, 1], indices })],
        // Pads as large as the kernel: some windows are empty (value -inf, index -1).
        [[1, 1, 4, 5], pool('max', [2, 2], { pads: [2, 2, 0, 0], indices })],
      ];
      for (const [dims, op] of cases) {
        await checkWithIndices(op, rand(dims));
        await checkWithIndices(op, withTies(dims));
      }
    });
  }

  it('integer input', async () => {
    const ints = randomTensor('int32', [2, 3, 7, 6], rng(seed++), -4, 4);
    await checkWithIndices(pool('max', [3, 2], { strides: [2, 2], pads: [1, 0, 1, 1], indices: 'colMajor' }), ints);
    await checkWithIndices(pool('max', [3, 2], { strides: [1, 2], indices: 'rowMajor' }), ints);
  });

  it('symbolic batch and channels, at several sizes', async () => {
    for (const [n, c] of [[1, 1], [2, 3], [3, 5]] as const) {
      for (const indices of ['rowMajor', 'colMajor'] as const) {
        await checkWithIndices(pool('max', [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], indices }), withTies([n, c, 9, 10]), ['batch', 'chan', 9, 10]);
      }
    }
  });
});
