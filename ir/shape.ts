/**
 * Tensor shapes with numeric or symbolic dimensions.
 *
 * A dimension is a non-negative integer or a symbolic expression (ir/dim.ts): the name of a symbol
 * (`batch`, `sequence`) taken from the model's inputs, or sums, products, floor divisions and
 * min/max of symbols and constants, in a canonical text form so equal sizes compare equal. Symbols are bound to numbers by `bindDims` (the compile-time `--dim` values
 * or a run's actual input dims). Shape rules compare symbols by name: two equal names are the same
 * size, a symbol against 1 broadcasts to the symbol, and two different symbolic dims that must
 * match unify to the simpler one with a recorded run-time assertion (`unifyDims`).
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

/**
 * A run-time obligation recorded where shape inference met two dims it cannot prove equal but
 * that must be (a broadcast of `min(512,sequence)` against `sequence`): "a must equal b at run
 * time". `where` names the node. The graph keeps them (`Graph.dimAssertions`); the runtime checks
 * them for each input shape.
 */
export interface DimAssertion {
  a: Dim;
  b: Dim;
  where: string;
}

/** Pairs recorded by `unifyDims` while `collectDimAssertions` runs (a stack: calls may nest). */
const sinks: { a: Dim; b: Dim }[][] = [];

/** Runs `fn`, returning its result and the dim equalities shape rules assumed while it ran. */
export function collectDimAssertions<T>(fn: () => T): [T, { a: Dim; b: Dim }[]] {
  const sink: { a: Dim; b: Dim }[] = [];
  sinks.push(sink);
  try {
    return [fn(), sink];
  } finally {
    sinks.pop();
  }
}

/** How plain a dim is: numbers first, then plain symbols, then shorter expressions. */
function simplicity(d: Dim): number {
  if (typeof d === 'number') return 0;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(d) ? 1 : 2 + d.length;
}

/**
 * Two dims that must be the same size (broadcast axes, matmul inner dims, concat side dims).
 * Equal dims, or two numbers that differ (an error: returns undefined), are decided here. When a
 * symbol is involved and the two are not provably equal, the simpler one is kept and "dropped ==
 * kept" is recorded as a run-time assertion (see `collectDimAssertions`); by the symbolic-dim
 * assumption (ir/dim-range.ts) a symbol never stands for a broadcast 1.
 */
export function unifyDims(a: Dim, b: Dim): Dim | undefined {
  if (a === b) return a;
  if (typeof a === 'number' && typeof b === 'number') return undefined;
  const [keep, drop] = simplicity(b) < simplicity(a) || (simplicity(b) === simplicity(a) && String(b) < String(a)) ? [b, a] : [a, b];
  const sink = sinks[sinks.length - 1];
  if (sink && !sink.some((p) => p.a === drop && p.b === keep)) sink.push({ a: drop, b: keep });
  return keep;
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
        const u = unifyDims(d, e);
        if (u === undefined) {
          throw new Error(`shapes ${shapes.map(formatShape).join(' and ')} do not broadcast (axis ${i}: ${d} vs ${e})`);
        }
        d = u;
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
