/**
 * Output comparison with the ONNX backend test's rule (onnx/backend/test/runner): the dtypes must
 * be equal, then `numpy.testing.assert_allclose(expected, actual, rtol=1e-3, atol=1e-7)`, i.e.
 * every element satisfies |actual − expected| ≤ atol + rtol·|expected|, with NaN equal to NaN,
 * an infinity equal only to the same infinity, and dims equal exactly (numpy would broadcast; the
 * backend test's outputs never rely on it, and a wrong shape is a bug we want to see).
 *
 * Integers (int64 included: our int64 comes back as BigInt64Array) are compared as numbers under
 * the same rule, as numpy does. This file is pure host code so its rule can be unit-tested.
 */

import type { DType } from '../../ir/dtype.js';

export const RTOL = 1e-3;
export const ATOL = 1e-7;
/**
 * bfloat16 outputs: one bfloat16 ulp (2^-7 relative; 8 significant bits). ONNX 1.12's reference
 * truncates f32 to bfloat16 where onnxruntime, PyTorch and later ONNX round to nearest even, as we
 * do; the two differ by at most one ulp.
 */
export const BF16_RTOL = 2 ** -7;

/** The host arrays on either side: decoded .pb tensors and runtime outputs. */
export type NumericArray = ArrayLike<number> | ArrayLike<bigint>;

export interface CompareTensor {
  dtype: DType;
  dims: readonly number[];
  data: NumericArray;
}

export interface OutputComparison {
  name: string;
  ok: boolean;
  /** Largest |actual − expected| over elements where both are finite (0 when there are none). */
  maxAbsErr: number;
  /** Elements violating the rule (NaN/infinity mismatches included). */
  mismatches: number;
  /** Why it failed, one line; undefined when ok. */
  detail?: string;
}

function num(x: number | bigint): number {
  return typeof x === 'bigint' ? Number(x) : x;
}

/** numpy.isclose(actual, expected, rtol, atol, equal_nan=True) for one element. */
export function isClose(actual: number, expected: number, rtol = RTOL, atol = ATOL): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) && Number.isNaN(expected);
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

/** Flat offset → "[i, j, k]" for messages. */
export function indexOf(offset: number, dims: readonly number[]): string {
  const idx = new Array<number>(dims.length).fill(0);
  let rest = offset;
  for (let a = dims.length - 1; a >= 0; a--) {
    const d = dims[a]!;
    idx[a] = d > 0 ? rest % d : 0;
    rest = d > 0 ? Math.floor(rest / d) : 0;
  }
  return `[${idx.join(', ')}]`;
}

function fmt(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  return Number(x.toPrecision(6)).toString();
}

/** Compares one output; `name` labels it in the detail. */
export function compareOutput(name: string, actual: CompareTensor, expected: CompareTensor): OutputComparison {
  const label = `output '${name}'`;
  if (actual.dtype !== expected.dtype) {
    return { name, ok: false, maxAbsErr: NaN, mismatches: 0, detail: `${label} is ${actual.dtype} but expected ${expected.dtype}` };
  }
  const sameDims = actual.dims.length === expected.dims.length && actual.dims.every((d, i) => d === expected.dims[i]);
  if (!sameDims) {
    return {
      name,
      ok: false,
      maxAbsErr: NaN,
      mismatches: 0,
      detail: `${label} has dims [${actual.dims.join(', ')}] but expected [${expected.dims.join(', ')}]`,
    };
  }
  const n = expected.data.length;
  if (actual.data.length !== n) {
    return { name, ok: false, maxAbsErr: NaN, mismatches: 0, detail: `${label} has ${actual.data.length} elements but expected ${n}` };
  }
  let maxAbsErr = 0;
  let mismatches = 0;
  // The element that violates the rule by the largest margin (NaN/inf mismatches rank first).
  let worst = -1;
  let worstExcess = -Infinity;
  const rtol = expected.dtype === 'bfloat16' ? BF16_RTOL : RTOL;
  for (let i = 0; i < n; i++) {
    const a = num(actual.data[i]!);
    const e = num(expected.data[i]!);
    const diff = Math.abs(a - e);
    if (Number.isFinite(diff) && diff > maxAbsErr) maxAbsErr = diff;
    if (isClose(a, e, rtol)) continue;
    mismatches++;
    const excess = Number.isFinite(diff) ? diff - (ATOL + rtol * Math.abs(e)) : Infinity;
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (mismatches === 0) return { name, ok: true, maxAbsErr, mismatches };
  const a = num(actual.data[worst]!);
  const e = num(expected.data[worst]!);
  return {
    name,
    ok: false,
    maxAbsErr,
    mismatches,
    detail:
      `${label}: ${mismatches}/${n} elements differ, max abs err ${fmt(maxAbsErr)}; ` +
      `worst at ${indexOf(worst, expected.dims)}: got ${fmt(a)}, expected ${fmt(e)}`,
  };
}

export interface Verdict {
  ok: boolean;
  outputs: OutputComparison[];
  /** The failing output with the largest error (or the first with a dtype/dims problem). */
  worst?: OutputComparison;
}

/** Compares every output; `actual` and `expected` are in the same order. */
export function compareOutputs(names: readonly string[], actual: readonly CompareTensor[], expected: readonly CompareTensor[]): Verdict {
  const outputs = names.map((name, i) => compareOutput(name, actual[i]!, expected[i]!));
  const failing = outputs.filter((o) => !o.ok);
  if (failing.length === 0) return { ok: true, outputs };
  // A structural problem (NaN maxAbsErr) is the most telling, then the largest numeric error.
  const rank = (o: OutputComparison) => (Number.isNaN(o.maxAbsErr) ? Infinity : o.maxAbsErr);
  const worst = failing.reduce((w, o) => (rank(o) > rank(w) ? o : w));
  return { ok: false, outputs, worst };
}
