/**
 * Reductions and arg-reductions against the CPU reference: every ReduceFn over contiguous,
 * strided and multi-axis (non-adjacent) axis sets, keepdims on/off, both strategies (a loop per
 * row and a workgroup tree per row), integer inputs, ties for argmax/argmin, and dispatch caps.
 */

import { describe, expect, it } from 'vitest';
import { generateArgReduce, generateReduce } from '../../codegen/kernels/reduce.js';
import type { Tensor } from '../../ir/graph.js';
import type { ReduceFn } from '../../ir/ops.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

const DIMS = [3, 37, 5, 13];

/** Axis sets: all (one long row), last (short contiguous rows), a strided middle axis, two
 * non-adjacent axes (short and long rows). Together they hit both strategies. */
const AXES: number[][] = [[], [3], [1], [0, 2], [1, 3]];

/** Inputs per fn, in ranges where each is well conditioned (prod near 1, logSum positive). */
function input(fn: ReduceFn, seed: number): Tensor {
  const r = rng(seed);
  if (fn === 'prod') return randomTensor('float32', DIMS, r, 0.9, 1.1);
  if (fn === 'logSum') return randomTensor('float32', DIMS, r, 0.05, 2);
  return randomTensor('float32', DIMS, r, -2, 2);
}

const FNS: ReduceFn[] = ['sum', 'mean', 'max', 'min', 'prod', 'l1', 'l2', 'logSum', 'logSumExp', 'sumSquare'];

describe('reduce float32', () => {
  for (const fn of FNS) {
    it(`${fn} over every axis set`, async () => {
      const x = input(fn, fn.length * 7);
      for (const [i, axes] of AXES.entries()) {
        // f32 accumulation over up to 7215 terms (the reference sums in f64): sums of ±2 values
        // cancel, so the absolute error scales with the number of terms, not with the result.
        await check(generateReduce, { kind: 'reduce', fn, axes, keepdims: i % 2 === 0 }, [x], { rtol: 2e-5, atol: 2e-5 });
      }
    });
  }

  it('logSumExp stays finite for large inputs; max/min propagate NaN', async () => {
    const x = randomTensor('float32', DIMS, rng(3), 80, 100);
    await check(generateReduce, { kind: 'reduce', fn: 'logSumExp', axes: [1], keepdims: false }, [x]);
    const y = randomTensor('float32', DIMS, rng(4), -1, 1);
    (y.data as Float32Array)[100] = NaN;
    for (const axes of [[1], [3], []]) {
      await check(generateReduce, { kind: 'reduce', fn: 'max', axes, keepdims: false }, [y]);
      await check(generateReduce, { kind: 'reduce', fn: 'min', axes, keepdims: false }, [y]);
    }
  });

  it('global average pool shapes (7×7 and 56×56 over many channels)', async () => {
    const r = rng(5);
    await check(generateReduce, { kind: 'reduce', fn: 'mean', axes: [2, 3], keepdims: true }, [randomTensor('float32', [2, 300, 7, 7], r)]);
    await check(generateReduce, { kind: 'reduce', fn: 'mean', axes: [2, 3], keepdims: true }, [randomTensor('float32', [1, 17, 56, 56], r)]);
  });
});

describe('reduce integer', () => {
  const fns: ReduceFn[] = ['sum', 'mean', 'max', 'min', 'prod', 'l1', 'l2', 'sumSquare', 'logSumExp'];
  for (const fn of fns) {
    it(`${fn} int32`, async () => {
      const x = randomTensor('int32', DIMS, rng(fn.length), fn === 'prod' ? -2 : -50, fn === 'prod' ? 2 : 50);
      for (const axes of [[3], [1], []]) {
        if (fn === 'prod' && axes.length === 0) continue; // 2^7215 wraps differently in f64 and i32
        // logSumExp is real-valued, truncated into int32: f32 vs f64 may straddle an integer.
        await check(generateReduce, { kind: 'reduce', fn, axes, keepdims: false }, [x], fn === 'logSumExp' ? { atol: 1 } : {});
      }
    });
  }
  it('int8 sums wrap to 8 bits', async () => {
    const x = randomTensor('int8', DIMS, rng(13), -100, 100);
    await check(generateReduce, { kind: 'reduce', fn: 'sum', axes: [1], keepdims: false }, [x]);
  });
  it('logSum and max on uint8', async () => {
    const x = randomTensor('uint8', DIMS, rng(12), 1, 255);
    await check(generateReduce, { kind: 'reduce', fn: 'logSum', axes: [1], keepdims: true }, [x], { atol: 1 });
    await check(generateReduce, { kind: 'reduce', fn: 'max', axes: [0, 2], keepdims: true }, [x]);
  });
});

describe('argReduce', () => {
  // Small integers as floats so that ties are common: first vs last index matters.
  const x = randomTensor('float32', DIMS, rng(21), -3, 3);
  (x.data as Float32Array).forEach((v, i, d) => (d[i] = Math.round(v)));
  for (const fn of ['max', 'min'] as const) {
    for (const selectLastIndex of [false, true]) {
      it(`arg${fn} selectLastIndex=${selectLastIndex} on every axis`, async () => {
        for (let axis = 0; axis < DIMS.length; axis++) {
          await check(generateArgReduce, { kind: 'argReduce', fn, axis, keepdims: axis % 2 === 0, selectLastIndex }, [x]);
        }
      });
    }
  }
  it('long rows (workgroup tree) with ties, and int32 input', async () => {
    const r = rng(22);
    const long = randomTensor('float32', [3, 1000], r, -4, 4);
    (long.data as Float32Array).forEach((v, i, d) => (d[i] = Math.round(v)));
    for (const selectLastIndex of [false, true]) {
      await check(generateArgReduce, { kind: 'argReduce', fn: 'max', axis: 1, keepdims: false, selectLastIndex }, [long]);
      await check(generateArgReduce, { kind: 'argReduce', fn: 'min', axis: 1, keepdims: true, selectLastIndex }, [long]);
    }
    const ints = randomTensor('int32', DIMS, r, -5, 5);
    await check(generateArgReduce, { kind: 'argReduce', fn: 'max', axis: 1, keepdims: false, selectLastIndex: true }, [ints]);
    await check(generateArgReduce, { kind: 'argReduce', fn: 'min', axis: 3, keepdims: false, selectLastIndex: false }, [ints]);
  });
});

describe('dispatch', () => {
  it('splits rows over a 2-d grid in both strategies', async () => {
    const limits = { maxComputeWorkgroupsPerDimension: 3 };
    // 5 rows of 6000 (a workgroup per row: 5 groups → 3 × 2); 555 rows of 13 (a loop per row:
    // 9 groups of 64 → 3 × 3).
    const long = randomTensor('float32', [5, 2, 3000], rng(31), -1, 1);
    const short = input('sum', 31);
    for (const [x, axes] of [[long, [1, 2]], [short, [3]]] as const) {
      const { kernels } = await check(generateReduce, { kind: 'reduce', fn: 'sum', axes: [...axes], keepdims: false }, [x], { limits, rtol: 2e-5, atol: 2e-5 });
      expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
    }
  });
  it('more than 65535 workgroups of rows at the default cap', async () => {
    const x = randomTensor('float32', [65535 * 64 + 5, 2], rng(32), -1, 1);
    const { kernels } = await check(generateReduce, { kind: 'reduce', fn: 'max', axes: [1], keepdims: false }, [x]);
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
});
