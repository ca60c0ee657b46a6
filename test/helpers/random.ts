/**
 * Seeded random data and comparisons for tests: kernels are checked on fresh random inputs
 * (never zeros), and results compared with a stated tolerance.
 */

import { allocHost, type DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';

/** The same seeded generator the CLI uses for its random inputs (mulberry32). */
export { seededRandom as rng } from '../../src/cli/inputs.js';
import { roundToBfloat16 } from '../../ir/eval/float16.js';

/** Uniform random tensor in [lo, hi) (integers: inclusive range). */
export function randomTensor(dtype: DType, dims: number[], rand: () => number, lo = -1, hi = 1): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = allocHost(dtype, n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'float32' || dtype === 'float16' || dtype === 'float64') (data as Float32Array)[i] = lo + (hi - lo) * rand();
    else if (dtype === 'bfloat16') (data as Float32Array)[i] = roundToBfloat16(lo + (hi - lo) * rand());
    else if (dtype === 'bool') (data as Uint8Array)[i] = rand() < 0.5 ? 1 : 0;
    else {
      const v = Math.floor(lo + (hi - lo + 1) * rand());
      if (data instanceof BigInt64Array) data[i] = BigInt(v);
      else (data as Int32Array)[i] = v;
    }
  }
  return { dtype, dims, data };
}

export interface Closeness {
  maxAbs: number;
  relL2: number;
  /** First index where the mismatch rule fails, or -1. */
  firstBad: number;
}

/**
 * Compares two tensors elementwise: an element passes when |a-e| <= atol + rtol·|e| (NaN only
 * matches NaN). Also reports max abs error and relative L2 error.
 */
export function compareTensors(actual: Tensor, expected: Tensor, rtol: number, atol: number): Closeness {
  if (actual.dims.join(',') !== expected.dims.join(',')) {
    throw new Error(`dims differ: got [${actual.dims}] expected [${expected.dims}]`);
  }
  const a = Array.from(actual.data as ArrayLike<number | bigint>, Number);
  const e = Array.from(expected.data as ArrayLike<number | bigint>, Number);
  let maxAbs = 0;
  let num = 0;
  let den = 0;
  let firstBad = -1;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y) || Number.isNaN(x)) {
      if (!(Number.isNaN(x) && Number.isNaN(y)) && firstBad < 0) firstBad = i;
      continue;
    }
    if (x === y) continue; // covers matching infinities
    const d = Math.abs(x - y);
    maxAbs = Math.max(maxAbs, d);
    num += d * d;
    den += y * y;
    if (!(d <= atol + rtol * Math.abs(y)) && firstBad < 0) firstBad = i;
  }
  return { maxAbs, relL2: den > 0 ? Math.sqrt(num / den) : Math.sqrt(num), firstBad };
}

/** Throws with context when `actual` is not close to `expected`. */
export function expectClose(actual: Tensor, expected: Tensor, rtol = 1e-5, atol = 1e-5, what = 'output'): void {
  const c = compareTensors(actual, expected, rtol, atol);
  if (c.firstBad >= 0) {
    const i = c.firstBad;
    throw new Error(
      `${what}: element ${i} = ${actual.data[i]} expected ${expected.data[i]} (max abs err ${c.maxAbs}, rel L2 ${c.relL2}, rtol ${rtol}, atol ${atol})`,
    );
  }
}
