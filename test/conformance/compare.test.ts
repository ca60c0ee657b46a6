/**
 * The conformance comparison rule (compare.ts) against numpy.isclose's definition, written out
 * here independently: |a − e| ≤ atol + rtol·|e|, NaN == NaN, infinities equal only to themselves,
 * plus the structural checks (dtype, dims) and the failure detail the report shows. Random
 * inputs are perturbed just inside and just outside the bound so a wrong rule cannot pass.
 */

import { describe, expect, test } from 'vitest';
import { ATOL, RTOL, compareOutput, compareOutputs, indexOf, isClose } from './compare.js';

/** A seeded generator so failures reproduce (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('isClose', () => {
  test('random values just inside the bound are close, just outside are not', () => {
    const r = rng(3);
    for (let i = 0; i < 1000; i++) {
      const e = (r() - 0.5) * 10 ** Math.floor(r() * 8 - 4);
      const bound = ATOL + RTOL * Math.abs(e);
      const sign = r() < 0.5 ? -1 : 1;
      expect(isClose(e + sign * bound * 0.99, e)).toBe(true);
      expect(isClose(e + sign * bound * 1.01, e)).toBe(false);
    }
  });

  test('the bound is relative to the expected value, not the actual one (numpy semantics)', () => {
    // |1001.0005 − 1000| = 1.0005: over 1e-7 + 1e-3·1000, within 1e-7 + 1e-3·1001.0005.
    expect(isClose(1001.0005, 1000)).toBe(false);
    expect(isClose(1000, 1001.0005)).toBe(true);
    // An expected 0 allows only atol.
    expect(isClose(1e-7, 0)).toBe(true);
    expect(isClose(2e-7, 0)).toBe(false);
  });

  test('NaN equals NaN only; infinities equal themselves only', () => {
    expect(isClose(NaN, NaN)).toBe(true);
    expect(isClose(NaN, 1)).toBe(false);
    expect(isClose(1, NaN)).toBe(false);
    expect(isClose(Infinity, Infinity)).toBe(true);
    expect(isClose(-Infinity, Infinity)).toBe(false);
    expect(isClose(1e308, Infinity)).toBe(false);
    expect(isClose(Infinity, 1e308)).toBe(false);
  });
});

describe('compareOutput', () => {
  const f = (data: number[], dims = [data.length]) => ({ dtype: 'float32' as const, dims, data: Float32Array.from(data) });

  test('passes equal data and reports the max abs error', () => {
    const c = compareOutput('y', f([1, 2, 3.0001]), f([1, 2, 3]));
    expect(c.ok).toBe(true);
    expect(c.maxAbsErr).toBeCloseTo(1e-4, 6);
  });

  test('fails with the count, the max error and the worst element', () => {
    const c = compareOutput('y', f([1, 2, 3, 4, 5, 7], [2, 3]), f([1, 2.5, 3, 4, 5, 6], [2, 3]));
    expect(c.ok).toBe(false);
    expect(c.mismatches).toBe(2);
    expect(c.maxAbsErr).toBe(1);
    expect(c.detail).toBe("output 'y': 2/6 elements differ, max abs err 1; worst at [1, 2]: got 7, expected 6");
  });

  test('dims must match exactly, even when the element count agrees', () => {
    const c = compareOutput('y', f([1, 2, 3, 4], [2, 2]), f([1, 2, 3, 4], [4]));
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/dims \[2, 2\] but expected \[4\]/);
  });

  test('dtypes must be equal', () => {
    const c = compareOutput('y', { dtype: 'int32', dims: [2], data: Int32Array.from([1, 2]) }, f([1, 2]));
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/is int32 but expected float32/);
  });

  test('int64 compares as numbers, BigInt against BigInt', () => {
    const e = { dtype: 'int64' as const, dims: [3], data: BigInt64Array.from([1n, -5n, 70000n]) };
    expect(compareOutput('i', { ...e, data: BigInt64Array.from([1n, -5n, 70000n]) }, e).ok).toBe(true);
    // rtol applies to integers too, as in numpy: 70050 is within 1e-3 of 70000, 70100 is not.
    expect(compareOutput('i', { ...e, data: BigInt64Array.from([1n, -5n, 70050n]) }, e).ok).toBe(true);
    expect(compareOutput('i', { ...e, data: BigInt64Array.from([1n, -5n, 70100n]) }, e).ok).toBe(false);
  });

  test('a NaN where a number is expected fails', () => {
    const c = compareOutput('y', f([1, NaN]), f([1, 2]));
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/worst at \[1\]: got NaN, expected 2/);
  });

  test('empty outputs with equal dims pass', () => {
    expect(compareOutput('y', f([], [0, 3]), f([], [0, 3])).ok).toBe(true);
  });
});

test('compareOutputs names the worst failing output', () => {
  const f = (data: number[]) => ({ dtype: 'float32' as const, dims: [data.length], data: Float32Array.from(data) });
  const v = compareOutputs(['a', 'b', 'c'], [f([1]), f([3]), f([10])], [f([1]), f([2]), f([4])]);
  expect(v.ok).toBe(false);
  expect(v.worst?.name).toBe('c');
  expect(v.outputs.map((o) => o.ok)).toEqual([true, false, false]);
});

test('indexOf turns a flat offset into a multi-index', () => {
  expect(indexOf(0, [])).toBe('[]');
  expect(indexOf(23, [2, 3, 4])).toBe('[1, 2, 3]');
  expect(indexOf(5, [2, 3, 4])).toBe('[0, 1, 1]');
});

test('RTOL and ATOL are the ONNX backend test defaults', () => {
  expect(RTOL).toBe(1e-3);
  expect(ATOL).toBe(1e-7);
});
