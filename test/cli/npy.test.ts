/**
 * src/npy.ts against files written by numpy itself (test/fixtures/cli/sample-*.npy, made by
 * make-fixtures.py): values, dims and dtypes read back exactly, unsupported layouts fail with a
 * message naming the problem, and our writer round-trips through our reader.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { floatToHalf, readNpy, writeNpy } from '../../src/npy.js';
import { NpyError } from '../../src/errors.js';
import { halfToFloat } from '../../runtime/convert.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/cli/${name}`, import.meta.url));
const signed = Array.from({ length: 24 }, (_, i) => 3 * i - 20);

describe('readNpy on numpy-written files', () => {
  test.each([
    ['sample-f4.npy', 'float32', Float32Array],
    ['sample-f2.npy', 'float16', Float32Array],
    ['sample-i4.npy', 'int32', Int32Array],
  ] as const)('%s', (file, dtype, ctor) => {
    const a = readNpy(fixture(file), file);
    expect(a.dtype).toBe(dtype);
    expect(a.dims).toEqual([2, 3, 4]);
    expect(a.data).toBeInstanceOf(ctor);
    expect(Array.from(a.data as ArrayLike<number>)).toEqual(signed);
  });

  test('int64 as BigInt64Array', () => {
    const a = readNpy(fixture('sample-i8.npy'));
    expect(a.dtype).toBe('int64');
    expect(Array.from(a.data as BigInt64Array)).toEqual(signed.map(BigInt));
  });

  test('uint8 and bool', () => {
    const u = readNpy(fixture('sample-u1.npy'));
    expect(u.dtype).toBe('uint8');
    expect(Array.from(u.data as Uint8Array)).toEqual(Array.from({ length: 24 }, (_, i) => (7 * i) % 256));
    const b = readNpy(fixture('sample-b1.npy'));
    expect(b.dtype).toBe('bool');
    expect(b.dims).toEqual([2, 3]);
    expect(Array.from(b.data as Uint8Array)).toEqual([1, 0, 0, 1, 0, 0]);
  });

  test('a 0-d array has dims []', () => {
    const a = readNpy(fixture('sample-f4-scalar.npy'));
    expect(a.dims).toEqual([]);
    expect(Array.from(a.data as Float32Array)).toEqual([2.5]);
  });

  test.each([
    ['sample-f4-fortran.npy', /Fortran-order/],
    ['sample-f8.npy', /dtype '<f8' is not supported/],
    ['sample-f4-bigendian.npy', /big-endian/],
  ])('%s is rejected clearly', (file, message) => {
    expect(() => readNpy(fixture(file), file)).toThrow(NpyError);
    expect(() => readNpy(fixture(file), file)).toThrow(message);
  });

  test('truncated data and non-npy bytes', () => {
    const bytes = fixture('sample-f4.npy');
    expect(() => readNpy(bytes.subarray(0, bytes.length - 4), 'cut.npy')).toThrow(/cut.npy: truncated data/);
    expect(() => readNpy(new TextEncoder().encode('hello world, not numpy'), 'x.txt')).toThrow(/x.txt is not a .npy file/);
  });
});

describe('writeNpy', () => {
  test('round-trips every supported dtype', () => {
    const cases = [
      { dtype: 'float32', dims: [2, 2], data: Float32Array.from([1.5, -2, 3.25, 1e-8]) },
      { dtype: 'int32', dims: [3], data: Int32Array.from([-7, 0, 2147483647]) },
      { dtype: 'int64', dims: [2], data: BigInt64Array.from([-(2n ** 40n), 5n]) },
      { dtype: 'uint8', dims: [1, 3], data: Uint8Array.from([0, 128, 255]) },
      { dtype: 'bool', dims: [2], data: Uint8Array.from([1, 0]) },
      { dtype: 'float16', dims: [3], data: Float32Array.from([0.5, -65504, 1 / 1024]) },
    ] as const;
    for (const c of cases) {
      const bytes = writeNpy({ ...c, dims: [...c.dims] });
      const bodyBytes = c.dtype === 'float16' ? c.data.length * 2 : c.data.byteLength;
      expect((bytes.length - bodyBytes) % 64).toBe(0); // data aligned as numpy writes it
      const back = readNpy(bytes);
      expect(back.dtype).toBe(c.dtype);
      expect(back.dims).toEqual(c.dims);
      expect(Array.from(back.data as ArrayLike<number>)).toEqual(Array.from(c.data as ArrayLike<number>));
    }
  });

  test('file bytes match numpy for the same array', () => {
    // numpy wrote sample-i4.npy; ours for the same values must be byte-identical.
    const ours = writeNpy({ dtype: 'int32', dims: [2, 3, 4], data: Int32Array.from(signed) });
    expect(Buffer.from(ours).equals(fixture('sample-i4.npy'))).toBe(true);
  });
});

test('floatToHalf rounds to nearest even and inverts halfToFloat', () => {
  // Every finite half value converts back to its own bits.
  const wrong: number[] = [];
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) === 0x7c00) continue; // inf/nan
    if (floatToHalf(halfToFloat(h)) !== h) wrong.push(h);
  }
  expect(wrong).toEqual([]);
  expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even (1.0)
  expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (1 + 2^-9)
  expect(floatToHalf(65520)).toBe(0x7c00); // overflows to +inf
  expect(floatToHalf(NaN) & 0x7c00).toBe(0x7c00);
  expect(floatToHalf(-0)).toBe(0x8000);
});
