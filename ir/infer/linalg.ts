/**
 * Inference for matmul and the ops that work along axes: reduce, argReduce, softmax, layerNorm,
 * cumSum and trilu.
 *
 * matmul follows numpy: a 1-d `a` is a row vector [1, K] and a 1-d `b` a column vector [K, 1],
 * the added dim removed from the result; leading (batch) dims broadcast. Inner dims must be equal —
 * the same number or the same symbol.
 */

import type { TensorType, Value } from '../graph.js';
import type { Op, ReduceFn } from '../ops.js';
import type { Dim } from '../shape.js';
import { formatShape, unifyDims } from '../shape.js';
import {
  arity,
  axesOf,
  axisOf,
  broadcast,
  checkDType,
  checkRank,
  checkUnidirectional,
  fail,
  sameDType,
} from './common.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

export function inferMatmul(op: OpOf<'matmul'>, inputs: readonly Value[]): TensorType[] {
  const what = 'matmul';
  const types = arity(what, inputs, 2, 3);
  const [a, b, c] = types as [TensorType, TensorType, TensorType | undefined];
  checkDType(what, 'a', a.dtype, 'numeric');
  const dtype = sameDType(what, types, ['a', 'b', 'c']);
  checkRank(what, 'a', a, 1, Infinity);
  checkRank(what, 'b', b, 1, Infinity);
  // A transpose of a vector is meaningless here; importers only set trans* on 2-d Gemm operands.
  if (a.shape.length === 1 && op.transA) fail(what, 'transA needs a of rank ≥ 2');
  if (b.shape.length === 1 && op.transB) fail(what, 'transB needs b of rank ≥ 2');
  const a2 = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape.slice(-2);
  const b2 = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape.slice(-2);
  const [m, ka] = op.transA ? [a2[1]!, a2[0]!] : [a2[0]!, a2[1]!];
  const [kb, n] = op.transB ? [b2[1]!, b2[0]!] : [b2[0]!, b2[1]!];
  if (unifyDims(ka, kb) === undefined) fail(what, `inner dims ${ka} and ${kb} differ`);
  const batch = broadcast(what, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape: Dim[] = [...batch];
  if (a.shape.length > 1) shape.push(m);
  if (b.shape.length > 1) shape.push(n);
  if (c) checkUnidirectional(what, 'c', c.shape, shape);
  return [{ dtype, shape }];
}

/** Every reduce fn; the exhaustive switch makes a new fn a type error until it is listed here. */
function checkReduceFn(fn: ReduceFn): void {
  switch (fn) {
    case 'sum':
    case 'mean':
    case 'max':
    case 'min':
    case 'prod':
    case 'l1':
    case 'l2':
    case 'logSum':
    case 'logSumExp':
    case 'sumSquare':
      return;
    default: {
      const never: never = fn;
      throw new Error(`reduce: unknown fn '${String(never)}'`);
    }
  }
}

/** Shape after reducing `axes` (already normalized); keepdims leaves 1s in their place. */
export function reducedShape(shape: readonly Dim[], axes: readonly number[], keepdims: boolean): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

export function inferReduce(op: OpOf<'reduce'>, inputs: readonly Value[]): TensorType[] {
  const what = `reduce ${op.fn}`;
  const [x] = arity(what, inputs, 1) as [TensorType];
  checkReduceFn(op.fn);
  checkDType(what, 'x', x.dtype, 'numeric');
  const rank = x.shape.length;
  // Empty axes mean every axis (noop_with_empty_axes is resolved by the importer).
  const axes = op.axes.length === 0 ? [...Array(rank).keys()] : axesOf(what, op.axes, rank);
  return [{ dtype: x.dtype, shape: reducedShape(x.shape, axes, op.keepdims) }];
}

export function inferArgReduce(op: OpOf<'argReduce'>, inputs: readonly Value[]): TensorType[] {
  const what = `argReduce ${op.fn}`;
  const [x] = arity(what, inputs, 1) as [TensorType];
  if (op.fn !== 'max' && op.fn !== 'min') fail('argReduce', `fn must be max or min, got '${String(op.fn)}'`);
  checkDType(what, 'x', x.dtype, 'numeric');
  const axis = axisOf(what, op.axis, x.shape.length);
  return [{ dtype: 'int64', shape: reducedShape(x.shape, [axis], op.keepdims) }];
}

export function inferSoftmax(op: OpOf<'softmax'>, inputs: readonly Value[]): TensorType[] {
  const what = op.log ? 'softmax (log)' : 'softmax';
  const [x] = arity(what, inputs, 1) as [TensorType];
  checkDType(what, 'x', x.dtype, 'float');
  axisOf(what, op.axis, x.shape.length);
  return [{ dtype: x.dtype, shape: [...x.shape] }];
}

export function inferLayerNorm(op: OpOf<'layerNorm'>, inputs: readonly Value[]): TensorType[] {
  const what = 'layerNorm';
  const types = arity(what, inputs, 2, 3);
  const x = types[0]!;
  checkDType(what, 'x', x.dtype, 'float');
  sameDType(what, types, ['x', 'scale', 'bias']);
  const axis = axisOf(what, op.axis, x.shape.length);
  // scale and bias cover the normalized dims x.shape[axis:], broadcasting into them.
  const normalized = x.shape.slice(axis);
  checkUnidirectional(what, 'scale', types[1]!.shape, normalized);
  if (types[2]) checkUnidirectional(what, 'bias', types[2].shape, normalized);
  return [{ dtype: x.dtype, shape: [...x.shape] }];
}

/**
 * attention: q, k and v share rank and leading dims; q·kᵀ contracts the last dims (D), the scores'
 * key axis T is k's and v's second-to-last. With heads = H the last dims pack H heads and must be
 * numbers divisible by H. The mask broadcasts one way to the scores ([..., S, T], or
 * [..., H, S, T] with packed heads).
 */
export function inferAttention(op: OpOf<'attention'>, inputs: readonly Value[]): TensorType[] {
  const what = 'attention';
  const types = arity(what, inputs, 3, 4);
  const [q, k, v, mask] = types as [TensorType, TensorType, TensorType, TensorType | undefined];
  checkDType(what, 'q', q.dtype, 'float');
  sameDType(what, types, ['q', 'k', 'v', 'mask']);
  if (!Number.isInteger(op.heads) || op.heads < 0) fail(what, `heads must be a non-negative integer, got ${op.heads}`);
  if (!Number.isFinite(op.scale)) fail(what, `scale must be finite, got ${op.scale}`);
  checkRank(what, 'q', q, 2, Infinity);
  const rank = q.shape.length;
  checkRank(what, 'k', k, rank);
  checkRank(what, 'v', v, rank);
  const lead = q.shape.slice(0, -2);
  for (const [role, t] of [['k', k], ['v', v]] as const) {
    if (!t.shape.slice(0, -2).every((d, i) => d === lead[i])) {
      fail(what, `${role} leading dims ${formatShape(t.shape.slice(0, -2))} differ from q's ${formatShape(lead)}`);
    }
  }
  const [s, d] = q.shape.slice(-2) as [Dim, Dim];
  const [t, dk] = k.shape.slice(-2) as [Dim, Dim];
  const [tv, dv] = v.shape.slice(-2) as [Dim, Dim];
  if (d !== dk) fail(what, `q and k last dims ${d} and ${dk} differ`);
  if (t !== tv) fail(what, `k and v key counts ${t} and ${tv} differ`);
  const h = op.heads;
  if (h > 0) {
    for (const [role, dim] of [['q/k', d], ['v', dv]] as const) {
      if (typeof dim !== 'number' || dim % h !== 0) fail(what, `${role} last dim ${dim} does not split into ${h} heads`);
    }
  }
  if (mask) checkUnidirectional(what, 'mask', mask.shape, h > 0 ? [...lead, h, s, t] : [...lead, s, t]);
  return [{ dtype: q.dtype, shape: [...lead, s, dv] }];
}

export function inferCumSum(op: OpOf<'cumSum'>, inputs: readonly Value[]): TensorType[] {
  const what = 'cumSum';
  const [x, axis] = arity(what, inputs, 1, 2) as [TensorType, TensorType?];
  checkDType(what, 'x', x.dtype, 'numeric');
  // A run-time axis is normalized against the static rank, so only the rank is checked here.
  if (axis) {
    checkRank(what, 'x', x, 1, Infinity);
    runtimeScalar(what, 'axis', axis);
  } else {
    axisOf(what, op.axis, x.shape.length);
  }
  return [{ dtype: x.dtype, shape: [...x.shape] }];
}

export function inferTrilu(op: OpOf<'trilu'>, inputs: readonly Value[]): TensorType[] {
  const what = 'trilu';
  const [x, k] = arity(what, inputs, 1, 2) as [TensorType, TensorType?];
  checkRank(what, 'x', x, 2, Infinity);
  if (k) runtimeScalar(what, 'k', k);
  else if (!Number.isInteger(op.k)) fail(what, `k must be an integer, got ${op.k}`);
  return [{ dtype: x.dtype, shape: [...x.shape] }];
}

/** An int32/int64 input holding one element (shape [] or [1]), read by the kernel at run time. */
function runtimeScalar(what: string, role: string, t: TensorType): void {
  checkDType(what, role, t.dtype, 'index');
  if (t.shape.length > 1 || (t.shape.length === 1 && t.shape[0] !== 1)) {
    fail(what, `${role} must be a scalar or hold one element, got shape ${formatShape(t.shape)}`);
  }
}
