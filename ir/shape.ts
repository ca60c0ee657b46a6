/**
 * Tensor shapes with numeric or symbolic dimensions.
 *
 * A dimension is a non-negative integer or a symbolic expression (ir/dim.ts): the name of a symbol
 * (`batch`, `sequence`) taken from the model's inputs, or sums, products, floor divisions and
 * min/max of symbols and constants, in a canonical text form so equal sizes compare equal. Symbols are bound to numbers by `bindDims` (the compile-time `--dim` values
 * or a run's actual input dims). Shape rules compare symbols by name: two equal names are the same
 * size, a symbol against 1 broadcasts to the symbol.
 */

import { dimMul, type Dim } from './dim.js';

export type { Dim };
export type Shape = Dim[];

export function isStaticShape(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}

/** Number of elements; throws on a symbolic shape (callers bind symbols first). */
export function numel(shape: readonly Dim[]): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') throw new Error(`symbolic dimension '${d}' has no size here`);
    n *= d;
  }
  return n;
}

/** Row-major strides of a static shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Row-major strides of a shape whose dims may be symbolic. */
export function dimStrides(shape: readonly Dim[]): Dim[] {
  const s = new Array<Dim>(shape.length);
  let acc: Dim = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc = dimMul(acc, shape[i]!);
  }
  return s;
}

/** Numpy-style broadcast of several shapes; throws with both shapes on a mismatch. */
export function broadcastShapes(...shapes: (readonly Dim[])[]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      if (k < 0) continue;
      const e = s[k]!;
      if (e === 1) continue;
      if (d === 1) d = e;
      else if (d !== e) {
        throw new Error(`shapes ${shapes.map(formatShape).join(' and ')} do not broadcast (axis ${i}: ${d} vs ${e})`);
      }
    }
    out.push(d);
  }
  return out;
}

/** Substitutes bound symbols; unbound ones stay symbolic. */
export function bindDims(shape: readonly Dim[], bindings: Readonly<Record<string, number>>): Dim[] {
  return shape.map((d) => (typeof d === 'string' && d in bindings ? bindings[d]! : d));
}

export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.join(', ')}]`;
}

/** Normalizes a possibly negative axis against rank, with a clear error when out of range. */
export function normalizeAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}
