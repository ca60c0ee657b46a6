/**
 * Small checks shared by the per-op inference rules: input counts, dtype classes, static-dim
 * requirements and integer attribute lists.
 *
 * Every check throws a short message prefixed with the op (`"conv: …"`); `Graph.add` adds the node
 * name and the input types around it, so messages here only say what is wrong with the op itself.
 */

import type { DType } from '../dtype.js';
import { isFloat, isInteger } from '../dtype.js';
import type { TensorType, Value } from '../graph.js';
import type { Dim } from '../shape.js';
import { broadcastShapes, formatShape, normalizeAxis } from '../shape.js';

export function fail(what: string, message: string): never {
  throw new Error(`${what}: ${message}`);
}

/** Checks the input count (`max` defaults to `min`) and returns the input types. */
export function arity(what: string, inputs: readonly Value[], min: number, max = min): TensorType[] {
  if (inputs.length < min || inputs.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    fail(what, `expects ${want} input${want === '1' ? '' : 's'}, got ${inputs.length}`);
  }
  return inputs.map((v) => v.type);
}

/**
 * Classes of element types an operand may take:
 * `numeric` excludes bool; `signed` is floats and signed integers (ops whose result can be negative
 * from a non-negative input, like neg or relu's ONNX type list).
 */
export type DTypeClass = 'any' | 'numeric' | 'float' | 'integer' | 'signed' | 'unsigned' | 'bool' | 'index';

export function inClass(dtype: DType, cls: DTypeClass): boolean {
  switch (cls) {
    case 'any':
      return true;
    case 'numeric':
      return isFloat(dtype) || isInteger(dtype);
    case 'float':
      return isFloat(dtype);
    case 'integer':
      return isInteger(dtype);
    case 'signed':
      return isFloat(dtype) || dtype === 'int8' || dtype === 'int16' || dtype === 'int32' || dtype === 'int64';
    case 'unsigned':
      return dtype === 'uint8' || dtype === 'uint16' || dtype === 'uint32' || dtype === 'uint64';
    case 'bool':
      return dtype === 'bool';
    case 'index':
      return dtype === 'int32' || dtype === 'int64';
  }
}

const CLASS_WORDS: Record<DTypeClass, string> = {
  any: 'any type',
  numeric: 'a numeric type',
  float: 'a float type',
  integer: 'an integer type',
  signed: 'a float or signed integer type',
  unsigned: 'an unsigned integer type',
  bool: 'bool',
  index: 'int32 or int64',
};

export function checkDType(what: string, role: string, dtype: DType, cls: DTypeClass): void {
  if (!inClass(dtype, cls)) fail(what, `${role} must be ${CLASS_WORDS[cls]}, got ${dtype}`);
}

/** All operands share one dtype (ONNX's single type variable `T`). */
export function sameDType(what: string, types: readonly TensorType[], roles: readonly string[]): DType {
  const first = types[0]!.dtype;
  types.forEach((t, i) => {
    if (t.dtype !== first) fail(what, `${roles[0]} and ${roles[i] ?? `input ${i}`} dtypes ${first} and ${t.dtype} differ`);
  });
  return first;
}

export function checkRank(what: string, role: string, t: TensorType, min: number, max = min): void {
  const r = t.shape.length;
  if (r < min || r > max) {
    const want = min === max ? `${min}` : max === Infinity ? `≥ ${min}` : `${min} to ${max}`;
    fail(what, `${role} must have rank ${want}, got ${formatShape(t.shape)}`);
  }
}

/** A dim the rule needs as a number; symbols are an error naming what needed it. */
export function needNumber(what: string, role: string, d: Dim): number {
  if (typeof d !== 'number') fail(what, `${role} is the symbol '${d}' but must be static`);
  return d;
}

/** Integers ≥ `min` (e.g. strides ≥ 1, repeats ≥ 0), `length` of them unless null. */
export function checkInts(what: string, name: string, values: readonly number[], length: number | null, min: number): void {
  if (length !== null && values.length !== length) fail(what, `${name} must have ${length} entries, got ${values.length}`);
  for (const v of values) {
    if (!Number.isInteger(v) || v < min) {
      fail(what, `${name} must be integers${min === -Infinity ? '' : ` ≥ ${min}`}, got [${values.join(', ')}]`);
    }
  }
}

/** Dims of a target shape: non-negative integers or symbol names. */
export function checkDims(what: string, name: string, dims: readonly Dim[]): void {
  for (const d of dims) {
    if (typeof d === 'string' ? d.length === 0 : !Number.isInteger(d) || d < 0) {
      fail(what, `${name} must be non-negative integers or symbols, got ${formatShape(dims)}`);
    }
  }
}

export function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Numpy broadcast with the op named in the error. */
export function broadcast(what: string, ...shapes: (readonly Dim[])[]): Dim[] {
  try {
    return broadcastShapes(...shapes);
  } catch (e) {
    return fail(what, (e as Error).message);
  }
}

/** `from` must broadcast to `target` without changing it (ONNX "unidirectional" broadcasting). */
export function checkUnidirectional(what: string, role: string, from: readonly Dim[], target: readonly Dim[]): void {
  let ok = from.length <= target.length;
  if (ok) {
    try {
      ok = sameShape(broadcastShapes(target, from), target);
    } catch {
      ok = false;
    }
  }
  if (!ok) fail(what, `${role} shape ${formatShape(from)} does not broadcast to ${formatShape(target)}`);
}

export function axisOf(what: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis)) fail(what, `axis must be an integer, got ${axis}`);
  try {
    return normalizeAxis(axis, rank);
  } catch (e) {
    return fail(what, (e as Error).message);
  }
}

/** Normalized, duplicate-free, sorted axes. */
export function axesOf(what: string, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => axisOf(what, a, rank));
  const unique = [...new Set(out)].sort((x, y) => x - y);
  if (unique.length !== out.length) fail(what, `axes [${axes.join(', ')}] repeat an axis`);
  return unique;
}

/** The single number held by a constant with one element, or undefined. */
export function constantScalar(v: Value): number | undefined {
  const t = v.data;
  if (!t || t.data.length !== 1) return undefined;
  return Number(t.data[0]);
}
