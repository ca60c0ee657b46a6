/**
 * Inference for the data-movement ops: reshape, transpose, concat, pad, expand, tile and shape,
 * plus the helpers other stages share (`normalizePerm`, `resolveShapeRange`).
 *
 * Symbolic dims pass through where the rule keeps a dim unchanged and become dim expressions
 * where it computes one (concat sums, pads, repeats); see ir/dim.ts.
 */

import type { TensorType, Value } from '../graph.js';
import type { Op } from '../ops.js';
import type { Dim } from '../shape.js';
import { formatShape, unifyDims } from '../shape.js';
import { dimAdd, dimEquals, dimFloorDiv, dimMul, dimProductOf } from '../dim.js';
import { compareDims, dimAtLeast, dimIsNonNegative } from '../dim-range.js';
import { arity, axisOf, broadcast, checkDims, checkInts, fail, sameDType } from './common.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

export function inferReshape(op: OpOf<'reshape'>, inputs: readonly Value[]): TensorType[] {
  const what = 'reshape';
  const [x] = arity(what, inputs, 1) as [TensorType];
  checkDims(what, 'shape', op.shape);
  // The element counts must match. With symbols this is decided when one count is larger for
  // every symbol value or they differ by a constant factor; [batch, 4] → [n] stays unchecked
  // (the importer records such equalities as run-time assertions).
  const from = dimProductOf(x.shape);
  const to = dimProductOf(op.shape);
  if (!dimEquals(from, to)) {
    const ratio = (a: Dim, b: Dim) => (b === 0 ? undefined : dimFloorDiv(a, b));
    const exact = (a: Dim, b: Dim) => {
      const q = ratio(a, b);
      return typeof q === 'number' && dimEquals(dimMul(q, b), a) ? q : undefined;
    };
    if (compareDims(from, to) !== undefined || exact(from, to) !== undefined || exact(to, from) !== undefined) {
      fail(what, `cannot reshape ${formatShape(x.shape)} to ${formatShape(op.shape)}: element counts differ`);
    }
  }
  return [{ dtype: x.dtype, shape: [...op.shape] }];
}

/**
 * Validates a permutation of [0, rank), normalizing negative entries; an empty perm is ONNX's
 * default, the reversed axes.
 */
export function normalizePerm(perm: readonly number[], rank: number): number[] {
  if (perm.length === 0) return [...Array(rank).keys()].reverse();
  if (perm.length !== rank) throw new Error(`perm [${perm.join(', ')}] has ${perm.length} entries for rank ${rank}`);
  const out = perm.map((p) => (p < 0 ? p + rank : p));
  const seen = new Set(out);
  if (seen.size !== rank || out.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw new Error(`perm [${perm.join(', ')}] is not a permutation of rank ${rank}`);
  }
  return out;
}

export function inferTranspose(op: OpOf<'transpose'>, inputs: readonly Value[]): TensorType[] {
  const what = 'transpose';
  const [x] = arity(what, inputs, 1) as [TensorType];
  let perm: number[];
  try {
    perm = normalizePerm(op.perm, x.shape.length);
  } catch (e) {
    return fail(what, (e as Error).message);
  }
  return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }];
}

export function inferConcat(op: OpOf<'concat'>, inputs: readonly Value[]): TensorType[] {
  const what = 'concat';
  const types = arity(what, inputs, 1, Infinity);
  const dtype = sameDType(what, types, types.map((_, i) => `input ${i}`));
  const first = types[0]!.shape;
  const axis = axisOf(what, op.axis, first.length);
  // The other dims must agree (equal, or unified with a run-time assertion); the axis sums.
  const shape = [...first];
  types.forEach((t, i) => {
    if (t.shape.length !== first.length) fail(what, `input ${i} has rank ${t.shape.length}, input 0 has ${first.length}`);
    t.shape.forEach((d, k) => {
      if (k === axis) return;
      const u = unifyDims(shape[k]!, d);
      if (u === undefined) fail(what, `input ${i} dim ${k} is ${d}, input 0 has ${first[k]}`);
      shape[k] = u;
    });
  });
  shape[axis] = dimAdd(...types.map((t) => t.shape[axis]!));
  return [{ dtype, shape }];
}

export function inferPad(op: OpOf<'pad'>, inputs: readonly Value[]): TensorType[] {
  const what = `pad ${op.mode}`;
  const [x, value] = arity(what, inputs, 1, 2) as [TensorType, TensorType | undefined];
  if (op.mode !== 'constant' && op.mode !== 'reflect' && op.mode !== 'edge') fail('pad', `unknown mode '${String(op.mode)}'`);
  if (value !== undefined) {
    // The fill value given as data: one element of x's type (ONNX's constant_value input).
    sameDType(what, [x, value], ['x', 'value']);
    if (!value.shape.every((d) => d === 1)) fail(what, `the value input must hold one element, got ${formatShape(value.shape)}`);
  }
  const rank = x.shape.length;
  // Static pads may be negative (a negative pad crops); symbolic ones (a pads input read at run
  // time) must be provably ≥ 0, and the conditions on their sizes that reflect and edge padding
  // need are run-time assertions the importer records.
  checkInts(what, 'pads', op.pads.filter((p): p is number => typeof p === 'number'), null, -Infinity);
  if (op.pads.length !== 2 * rank) fail(what, `pads must have ${2 * rank} entries, got ${op.pads.length}`);
  for (const p of op.pads) if (typeof p === 'string' && !dimIsNonNegative(p)) fail(what, `pad ${p} may be negative`);
  const shape = x.shape.map((d, i) => {
    const begin = op.pads[i]!;
    const end = op.pads[i + rank]!;
    if (begin === 0 && end === 0) return d;
    if (typeof begin === 'number' && typeof end === 'number') {
      // Reflect needs more than max(begin, end) elements, edge at least one; a symbolic size is ≥ 1.
      if (op.mode === 'reflect' && !dimAtLeast(d, Math.max(begin, end) + 1)) {
        fail(what, `reflect pads [${begin}, ${end}] on axis ${i} must be smaller than its size ${d}`);
      }
      if (op.mode === 'edge' && d === 0 && Math.max(begin, end) > 0) fail(what, `edge mode cannot pad empty axis ${i}`);
    }
    const out = dimAdd(d, begin, end);
    if (!dimIsNonNegative(out)) fail(what, `pads [${begin}, ${end}] crop axis ${i} of size ${d} below zero`);
    return out;
  });
  return [{ dtype: x.dtype, shape }];
}

export function inferExpand(op: OpOf<'expand'>, inputs: readonly Value[]): TensorType[] {
  const what = 'expand';
  const [x] = arity(what, inputs, 1) as [TensorType];
  checkDims(what, 'shape', op.shape);
  return [{ dtype: x.dtype, shape: broadcast(what, x.shape, op.shape) }];
}

export function inferTile(op: OpOf<'tile'>, inputs: readonly Value[]): TensorType[] {
  const what = 'tile';
  const [x] = arity(what, inputs, 1) as [TensorType];
  checkInts(what, 'repeats', op.repeats, x.shape.length, 0);
  const shape = x.shape.map((d, i) => {
    const r = op.repeats[i]!;
    if (r === 1) return d;
    return dimMul(d, r);
  });
  return [{ dtype: x.dtype, shape }];
}

/** ONNX Shape-15 start/end: negatives count from the end, both clamp to [0, rank]. */
export function resolveShapeRange(rank: number, start: number, end: number): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const s = clamp(start);
  return [s, Math.max(clamp(end), s)];
}

export function inferShape(op: OpOf<'shape'>, inputs: readonly Value[]): TensorType[] {
  const what = 'shape';
  const [x] = arity(what, inputs, 1) as [TensorType];
  if (!Number.isInteger(op.start) || !Number.isInteger(op.end)) fail(what, `start and end must be integers`);
  const [s, e] = resolveShapeRange(x.shape.length, op.start, op.end);
  return [{ dtype: 'int64', shape: [e - s] }];
}
