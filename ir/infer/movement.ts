/**
 * Inference for the data-movement ops: reshape, transpose, concat, pad, expand, tile and shape,
 * plus the helpers other stages share (`normalizePerm`, `resolveShapeRange`).
 *
 * Symbolic dims pass through where the rule keeps a dim unchanged (an unpadded axis, a repeat of
 * 1, a transposed axis); where a rule would have to do arithmetic on a symbol it throws.
 */

import type { TensorType, Value } from '../graph.js';
import type { Op } from '../ops.js';
import type { Dim } from '../shape.js';
import { formatShape } from '../shape.js';
import { arity, axisOf, broadcast, checkDims, checkInts, fail, sameDType } from './common.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

/** Splits a shape into its numeric product and its sorted symbols. */
function factor(shape: readonly Dim[]): { product: number; symbols: string[] } {
  let product = 1;
  const symbols: string[] = [];
  for (const d of shape) {
    if (typeof d === 'number') product *= d;
    else symbols.push(d);
  }
  return { product, symbols: symbols.sort() };
}

export function inferReshape(op: OpOf<'reshape'>, inputs: readonly Value[]): TensorType[] {
  const what = 'reshape';
  const [x] = arity(what, inputs, 1) as [TensorType];
  checkDims(what, 'shape', op.shape);
  // The element counts must match. With symbols this is checkable only when both sides carry
  // the same symbols (then the numeric parts must agree); [batch, 4] → [n] stays unchecked.
  const from = factor(x.shape);
  const to = factor(op.shape);
  if (JSON.stringify(from.symbols) === JSON.stringify(to.symbols) && from.product !== to.product) {
    fail(what, `cannot reshape ${formatShape(x.shape)} to ${formatShape(op.shape)}: element counts differ`);
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
  let total = 0;
  const symbols: string[] = [];
  types.forEach((t, i) => {
    if (t.shape.length !== first.length) fail(what, `input ${i} has rank ${t.shape.length}, input 0 has ${first.length}`);
    t.shape.forEach((d, k) => {
      if (k !== axis && d !== first[k]) fail(what, `input ${i} dim ${k} is ${d}, input 0 has ${first[k]}`);
    });
    const d = t.shape[axis]!;
    if (typeof d === 'number') total += d;
    else symbols.push(d);
  });
  // A single symbolic part among empty ones is still that symbol; a sum with a symbol is not a dim.
  let size: Dim = total;
  if (symbols.length === 1 && total === 0) size = symbols[0]!;
  else if (symbols.length > 0) fail(what, `axis ${axis} sums symbolic sizes (${symbols.join(', ')}); static sizes are needed`);
  const shape = [...first];
  shape[axis] = size;
  return [{ dtype, shape }];
}

export function inferPad(op: OpOf<'pad'>, inputs: readonly Value[]): TensorType[] {
  const what = `pad ${op.mode}`;
  const [x] = arity(what, inputs, 1) as [TensorType];
  if (op.mode !== 'constant' && op.mode !== 'reflect' && op.mode !== 'edge') fail('pad', `unknown mode '${String(op.mode)}'`);
  const rank = x.shape.length;
  // Pads may be negative: a negative pad crops.
  checkInts(what, 'pads', op.pads, 2 * rank, -Infinity);
  const shape = x.shape.map((d, i) => {
    const begin = op.pads[i]!;
    const end = op.pads[i + rank]!;
    if (begin === 0 && end === 0) return d;
    const n = typeof d === 'number' ? d : fail(what, `axis ${i} is the symbol '${d}' but pads [${begin}, ${end}] need a static size`);
    if (op.mode === 'reflect' && Math.max(begin, end) > n - 1) {
      fail(what, `reflect pads [${begin}, ${end}] on axis ${i} must be smaller than its size ${n}`);
    }
    if (op.mode === 'edge' && n === 0 && Math.max(begin, end) > 0) fail(what, `edge mode cannot pad empty axis ${i}`);
    const out = n + begin + end;
    if (out < 0) fail(what, `pads [${begin}, ${end}] crop axis ${i} of size ${n} below zero`);
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
    if (typeof d !== 'number') return r === 0 ? 0 : fail(what, `axis ${i} is the symbol '${d}' but repeat ${r} needs a static size`);
    return d * r;
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
