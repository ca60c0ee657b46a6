/**
 * Random tensors and tolerant comparison for the evaluator tests.
 *
 * Inputs come from a seeded generator (each test passes its own seed, so a failure reproduces)
 * and are never all zeros. `expectClose` compares dtype, dims and every element — floats with
 * relative + absolute tolerance and NaN equal to NaN, integers and bools exactly — and reports
 * the first mismatching index with both values.
 */

import { expect } from 'vitest';
import type { DType } from '../../../ir/dtype.js';
import { allocHost, isFloat } from '../../../ir/dtype.js';
import type { Tensor } from '../../../ir/graph.js';
import { roundToFloat16 } from '../../../ir/eval/index.js';

/** The same seeded generator the CLI uses for its random inputs (mulberry32). */
export { seededRandom as rng } from '../../../src/cli/inputs.js';

export interface RandomOptions {
  min?: number;
  max?: number;
  /** Floats with integral values only (so comparisons see ties). */
  integral?: boolean;
}

/**
 * A tensor of uniform random values in [min, max] (floats) or integers in [min, max]; bools are
 * random 0/1. Defaults: floats in [-2, 2], integers in [-20, 20] (unsigned: [0, 40]).
 */
export function randomTensor(random: () => number, dtype: DType, dims: number[], opts: RandomOptions = {}): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = allocHost(dtype, n);
  const unsigned = dtype.startsWith('uint') || dtype === 'bool';
  const min = opts.min ?? (isFloat(dtype) ? -2 : unsigned ? 0 : -20);
  const max = opts.max ?? (isFloat(dtype) ? 2 : unsigned ? (dtype === 'bool' ? 1 : 40) : 20);
  for (let i = 0; i < n; i++) {
    if (isFloat(dtype)) {
      const v = opts.integral ? min + Math.floor((max - min + 1) * random()) : min + (max - min) * random();
      data[i] = dtype === 'float16' ? roundToFloat16(v) : v;
    } else {
      const v = min + Math.floor((max - min + 1) * random());
      if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(v);
      else data[i] = v;
    }
  }
  // Guarantee some non-zero content so a kernel that writes nothing cannot pass.
  if (n > 0 && Array.from(data as ArrayLike<number | bigint>).every((v) => Number(v) === 0)) {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[0] = 1n;
    else data[0] = 1;
  }
  return { dtype, dims, data };
}

export function tensor(dtype: DType, dims: number[], values: readonly (number | bigint)[]): Tensor {
  const data = allocHost(dtype, values.length);
  values.forEach((v, i) => {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(v);
    else data[i] = Number(v);
  });
  return { dtype, dims, data };
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** Default tolerances: results computed in float64 vs a float32 (or float16) engine. */
function defaultTolerance(dtype: DType): Required<Tolerance> {
  if (dtype === 'float16') return { rtol: 2e-3, atol: 2e-3 };
  if (dtype === 'float32') return { rtol: 1e-5, atol: 1e-5 };
  if (dtype === 'float64') return { rtol: 1e-12, atol: 1e-12 };
  return { rtol: 0, atol: 0 };
}

export function expectClose(actual: Tensor, expected: Tensor, tol: Tolerance = {}, what = ''): void {
  const label = what ? `${what}: ` : '';
  expect(actual.dtype, `${label}dtype`).toBe(expected.dtype);
  expect(actual.dims, `${label}dims`).toEqual(expected.dims);
  expect(actual.data.length, `${label}length`).toBe(expected.data.length);
  const { rtol, atol } = { ...defaultTolerance(expected.dtype), ...tol };
  const a = actual.data as ArrayLike<number | bigint>;
  const e = expected.data as ArrayLike<number | bigint>;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (typeof x === 'bigint' || typeof y === 'bigint') {
      if (x !== y) expect.fail(`${label}element ${i}: got ${x}, expected ${y}`);
      continue;
    }
    if (Number.isNaN(y)) {
      if (!Number.isNaN(x)) expect.fail(`${label}element ${i}: got ${x}, expected NaN`);
      continue;
    }
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      expect.fail(`${label}element ${i} of ${e.length}: got ${x}, expected ${y} (|diff| ${Math.abs(x - y)})`);
    }
  }
}
