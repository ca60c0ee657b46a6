/**
 * Host-tensor plumbing shared by the CPU evaluator's op families.
 *
 * The evaluator computes float math in float64 and stores the result in the output dtype once
 * (`fromFloat64`), so float32 results are rounded exactly once and float16 results are rounded
 * straight from the double (no float32 detour). int64/uint64 data stay BigInt wherever the op is
 * integer arithmetic (shape plumbing must be exact); ops that only move elements copy them through
 * `ElemArray`, which reads and writes any host array without caring whether elements are numbers
 * or bigints.
 */

import type { DType } from '../dtype.js';
import { allocHost, isFloat } from '../dtype.js';
import type { Tensor } from '../graph.js';
import { formatShape } from '../shape.js';
import { roundToBfloat16, roundToFloat16 } from './float16.js';

/** Index access to any host array, for ops that copy elements without looking at them. */
export type ElemArray = { [index: number]: number | bigint; readonly length: number };

/** True for the dtypes held in BigInt64Array / BigUint64Array. */
export function isBigIntType(dtype: DType): dtype is 'int64' | 'uint64' {
  return dtype === 'int64' || dtype === 'uint64';
}

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A fresh zero-filled tensor. */
export function emptyTensor(dtype: DType, dims: readonly number[]): Tensor {
  return { dtype, dims: [...dims], data: allocHost(dtype, sizeOf(dims)) };
}

export function describe(t: Tensor): string {
  return `${t.dtype}${formatShape(t.dims)}`;
}

/** The tensor's elements as numbers: the array itself unless it holds bigints (then a copy). */
export function numericData(t: Tensor): ArrayLike<number> {
  const d = t.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
    return out;
  }
  return d;
}

/**
 * The tensor's elements in a Float64Array (the array itself when it already is one). Hot loops
 * read this rather than `numericData` so they see one array type and stay monomorphic.
 */
export function float64Data(t: Tensor): Float64Array {
  if (t.data instanceof Float64Array) return t.data;
  const src = numericData(t);
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]!;
  return out;
}

/** The tensor's elements as bigints (integer dtypes only; exact for every integer type). */
export function bigintData(t: Tensor): ArrayLike<bigint> {
  const d = t.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return d;
  if (isFloat(t.dtype)) throw new Error(`expected an integer tensor, got ${describe(t)}`);
  const out = new BigInt64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = BigInt(d[i]!);
  return out;
}

const INT64_MIN = -(2n ** 63n);

/**
 * Converts a double to the bigint an int64/uint64 store receives: truncation toward zero,
 * wrapped to 64 bits. NaN and ±Infinity have no integer value (undefined behaviour in ONNX); they
 * give INT64_MIN, the "integer indefinite" value x86 conversions produce.
 */
export function toBigInt64(x: number, unsigned = false): bigint {
  const v = Number.isFinite(x) ? BigInt(Math.trunc(x)) : INT64_MIN;
  return unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v);
}

/**
 * Stores float64 results as a tensor of `dtype`: float16 and bfloat16 are rounded to nearest even, float32
 * rounded once, integers truncated toward zero (wrapping like the typed arrays do), bool is x != 0.
 * A Float64Array passed for a float64 result is adopted, not copied.
 */
export function fromFloat64(dtype: DType, dims: readonly number[], values: ArrayLike<number>): Tensor {
  const n = values.length;
  if (n !== sizeOf(dims)) throw new Error(`internal: ${n} values for shape ${formatShape(dims)}`);
  if (dtype === 'float64' && values instanceof Float64Array) return { dtype, dims: [...dims], data: values };
  const data = allocHost(dtype, n);
  if (dtype === 'float16') {
    for (let i = 0; i < n; i++) data[i] = roundToFloat16(values[i]!);
  } else if (dtype === 'bfloat16') {
    for (let i = 0; i < n; i++) data[i] = roundToBfloat16(values[i]!);
  } else if (dtype === 'bool') {
    for (let i = 0; i < n; i++) data[i] = values[i] !== 0 ? 1 : 0;
  } else if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const unsigned = dtype === 'uint64';
    for (let i = 0; i < n; i++) data[i] = toBigInt64(values[i]!, unsigned);
  } else {
    // Typed-array stores do the rest: float32 rounds to nearest, the integer types truncate toward
    // zero and wrap modulo 2^bits (ToInt32 and friends), NaN stores as 0.
    data.set(values);
  }
  return { dtype, dims: [...dims], data };
}

/** Throws unless `t` holds floats, naming the op. */
export function requireFloat(t: Tensor, what: string): void {
  if (!isFloat(t.dtype)) throw new Error(`${what} needs a float tensor, got ${describe(t)}`);
}

/** The single value of a one-element tensor, as a number (range/pad/clip scalars). */
export function scalarNumber(t: Tensor, what: string): number {
  if (t.data.length !== 1) throw new Error(`${what} must have one element, got ${describe(t)}`);
  return Number(t.data[0]!);
}

/** Splits dims at `axis` into (outer, axis length, inner) for ops that walk one axis. */
export function splitAtAxis(dims: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(dims.slice(0, axis)), dims[axis]!, sizeOf(dims.slice(axis + 1))];
}
