/**
 * CumSum whose axis and Trilu whose k are run-time data (a second, fed input) rather than
 * attributes: random axes (every axis, negative ones included) and random k (negative, zero,
 * positive, past the matrix, ±(2^31 − 1)), static and symbolic shapes, against the CPU reference
 * with poisoned outputs (test/kernels/harness.ts). Float sums: rtol 1e-5, atol 1e-4 (lines up to
 * 130 long of values in [-2, 2]); integer sums and Trilu copies are exact.
 *
 * An axis outside [-rank, rank) is an error in ONNX and in the reference; the kernel clamps it
 * (documented as undefined output), and the last test pins that it stays in bounds by comparing
 * with the clamped axis.
 */

import { describe, expect, it } from 'vitest';
import { generateCumSum, generateTrilu } from '../../codegen/kernels/scan.js';
import { attachDims, DimTable, withDimTable } from '../../codegen/dims.js';
import { evaluate } from '../../ir/eval/index.js';
import { Graph, type Tensor, type Value } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { runKernels } from '../helpers/gpu.js';
import { compareTensors, randomTensor, rng } from '../helpers/random.js';
import { check, makeCtx } from './harness.js';

const r = rng(41);

/** A one-element int tensor (shape [] or [1]) holding `v`. */
function scalar(dtype: 'int32' | 'int64', v: number, dims: number[] = []): Tensor {
  return { dtype, dims, data: dtype === 'int64' ? BigInt64Array.from([BigInt(v)]) : Int32Array.from([v]) };
}

/** A random integer in [lo, hi]. */
const randInt = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const COMBOS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

describe('cumSum with the axis as data', () => {
  const DIMS = [3, 37, 5, 13];
  const x = randomTensor('float32', DIMS, r, -2, 2);
  for (const [exclusive, reverse] of COMBOS) {
    it(`exclusive=${exclusive} reverse=${reverse}: every axis, positive and negative`, async () => {
      for (let axis = -DIMS.length; axis < DIMS.length; axis++) {
        const a = scalar(r() < 0.5 ? 'int64' : 'int32', axis);
        await check(generateCumSum, { kind: 'cumSum', axis: 0, exclusive, reverse }, [x, a], { rtol: 1e-5, atol: 1e-4 });
      }
    });
  }

  it('ignores the axis attribute when the axis is an input', async () => {
    const { actual, expected } = await check(generateCumSum, { kind: 'cumSum', axis: 0, exclusive: false, reverse: false }, [x, scalar('int64', 3, [1])], { atol: 1e-4 });
    const [alongLast] = evaluate({ kind: 'cumSum', axis: 3, exclusive: false, reverse: false }, [x]);
    expect(compareTensors(actual, alongLast!, 1e-5, 1e-4).firstBad).toBe(-1);
    expect(compareTensors(expected, alongLast!, 0, 0).firstBad).toBe(-1);
  });

  it('int32, int64 and int8 (wrapping) data, random axes', async () => {
    for (const dtype of ['int32', 'int64', 'int8'] as const) {
      const xi = randomTensor(dtype, [4, 9, 6], r, -100, 100);
      for (let n = 0; n < 4; n++) {
        const [exclusive, reverse] = COMBOS[randInt(0, 3)]!;
        await check(generateCumSum, { kind: 'cumSum', axis: 0, exclusive, reverse }, [xi, scalar('int64', randInt(-3, 2))]);
      }
    }
  });

  it('rank 1 and a length-1 axis', async () => {
    await check(generateCumSum, { kind: 'cumSum', axis: 0, exclusive: true, reverse: true }, [randomTensor('float32', [17], r, -2, 2), scalar('int32', -1)]);
    await check(generateCumSum, { kind: 'cumSum', axis: 0, exclusive: false, reverse: false }, [randomTensor('int32', [5, 1, 3], r, -9, 9), scalar('int64', 1)]);
  });

  for (const [b, s] of [
    [1, 1],
    [2, 7],
    [3, 130],
  ] as const) {
    it(`symbolic [batch, sequence, 3] at batch=${b}, sequence=${s}: every axis`, async () => {
      const xs = randomTensor('float32', [b, s, 3], rng(s + 50), -2, 2);
      for (let axis = -3; axis < 3; axis++) {
        const [exclusive, reverse] = COMBOS[(axis + 3) % 4]!;
        await check(generateCumSum, { kind: 'cumSum', axis: 0, exclusive, reverse }, [xs, scalar('int64', axis)], {
          symbolic: { 0: ['batch', 'sequence', 3] },
          atol: 1e-4,
        });
      }
      const mask = randomTensor('int64', [b, s], rng(s + 51), 0, 1);
      await check(generateCumSum, { kind: 'cumSum', axis: 0, exclusive: false, reverse: false }, [mask, scalar('int64', -1)], {
        symbolic: { 0: ['batch', 'sequence'] },
      });
    });
  }
});

describe('trilu with k as data', () => {
  for (const upper of [false, true]) {
    it(`${upper ? 'upper' : 'lower'}: random k around and past the matrix, batched, wide and tall`, async () => {
      for (const dims of [[3, 7, 11], [13, 5], [2, 1, 6]]) {
        const x = randomTensor('float32', dims, r, -2, 2);
        const rows = dims[dims.length - 2]!;
        const cols = dims[dims.length - 1]!;
        const ks = [0, 2 ** 31 - 1, -(2 ** 31 - 1), -(rows + 2), cols + 2];
        for (let n = 0; n < 6; n++) ks.push(randInt(-rows - 3, cols + 3));
        for (const k of ks) await check(generateTrilu, { kind: 'trilu', upper, k: 0 }, [x, scalar('int64', k)]);
      }
    });
  }

  it('ignores the k attribute; int32 data and an int32 k of shape [1]', async () => {
    const xi = randomTensor('int32', [6, 9], r, -9, 9);
    for (const k of [-4, 0, 3]) {
      const { actual } = await check(generateTrilu, { kind: 'trilu', upper: true, k: 5 }, [xi, scalar('int32', k, [1])]);
      const [want] = evaluate({ kind: 'trilu', upper: true, k }, [xi]);
      expect(compareTensors(actual, want!, 0, 0).firstBad).toBe(-1);
    }
  });

  for (const s of [1, 7, 130]) {
    it(`symbolic [batch, sequence, sequence] at sequence=${s}`, async () => {
      const x = randomTensor('float32', [2, s, s], rng(s + 60), -5, 5);
      for (const upper of [false, true]) {
        for (const k of [0, randInt(-s - 2, s + 2), randInt(-s - 2, s + 2), s + 1]) {
          await check(generateTrilu, { kind: 'trilu', upper, k: 0 }, [x, scalar('int64', k)], { symbolic: { 0: ['batch', 'sequence', 'sequence'] } });
        }
      }
    });
  }
});

describe('empty tensors (a 0 dim: nothing runs, but the WGSL must still compile)', () => {
  it('trilu and cumSum on [3, 0, 5] and [2, 4, 0], attribute and data forms', async () => {
    for (const dims of [[3, 0, 5], [2, 4, 0]]) {
      const x = randomTensor('float32', dims, r, -2, 2);
      await check(generateTrilu, { kind: 'trilu', upper: false, k: 6 }, [x]);
      await check(generateTrilu, { kind: 'trilu', upper: true, k: 0 }, [x, scalar('int64', 6)]);
      for (let axis = 0; axis < 3; axis++) {
        await check(generateCumSum, { kind: 'cumSum', axis, exclusive: false, reverse: true }, [x]);
        await check(generateCumSum, { kind: 'cumSum', axis: 0, exclusive: true, reverse: false }, [x, scalar('int32', axis - 3)]);
      }
    }
  });
});

describe('cumSum with an out-of-range axis as data', () => {
  /** Runs the generated kernel; the reference would raise, so the caller supplies the comparison. */
  async function runGpu(op: Op, x: Tensor, axis: Tensor): Promise<Tensor> {
    const g = new Graph();
    const xv = g.addInput('x', { dtype: x.dtype, shape: [...x.dims] });
    const av = g.addInput('axis', { dtype: axis.dtype, shape: [...axis.dims] });
    const [y] = g.add(op, [xv, av], 'node', [], false);
    const node = g.nodes[g.nodes.length - 1]!;
    const table = new DimTable();
    const kernels = withDimTable(table, () => generateCumSum(node, makeCtx())).map(attachDims);
    const results = await runKernels(kernels, new Map<Value, Tensor>([[xv, x], [av, axis]]), { table, env: {} });
    return results.get(y!)!;
  }

  it('clamps into [0, rank) instead of reading out of bounds (undefined output in ONNX)', async () => {
    const x = randomTensor('float32', [4, 6, 5], r, -2, 2);
    const op: Op = { kind: 'cumSum', axis: 0, exclusive: false, reverse: true };
    expect(() => evaluate(op, [x, scalar('int64', 3)])).toThrow();
    for (const [given, clamped] of [
      [3, 2],
      [40, 2],
      [-4, 0],
      [-(2 ** 31 - 1), 0],
    ] as const) {
      const got = await runGpu(op, x, scalar('int64', given));
      const [want] = evaluate({ ...op, axis: clamped }, [x]);
      expect(compareTensors(got, want!, 1e-5, 1e-5).firstBad, `axis ${given}`).toBe(-1);
    }
  });
});
