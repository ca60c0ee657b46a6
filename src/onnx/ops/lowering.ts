/**
 * Small builders for importers that lower one ONNX op to a subgraph of canonical IR ops (the loss
 * functions, the normalizations, quantization, Einsum, …): elementwise arithmetic, casts and
 * reshapes that vanish when they would be no-ops, per-axis parameter broadcasting, and index
 * ranges. Every builder goes through `ctx.add1`, so a subgraph whose inputs are constants folds
 * into a constant as it is built, and the same lowering serves both cases.
 */

import type { DType } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/graph.js';
import type { BinaryFn, ReduceFn, UnaryFn } from '../../../ir/ops.js';
import type { Dim } from '../../../ir/shape.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { makeTensor, MAX_OPSET, unary } from './common.js';

/**
 * Declares an importer from `since` — the same as `importer` in common.ts (which now honours any
 * `since` down to opset 1); kept for the importers written against it.
 */
export function importerSince(opType: string, fn: (ctx: ImportContext) => ImportResult, since: number, until = MAX_OPSET): OpImporter {
  return { opType, domain: '', since, until, import: fn };
}

export function binary(ctx: ImportContext, fn: BinaryFn, a: Value, b: Value): Value {
  return ctx.add1({ kind: 'binary', fn }, [a, b]);
}

export function unaryOf(ctx: ImportContext, fn: UnaryFn, x: Value, alpha = 0, beta = 0): Value {
  return ctx.add1(unary(fn, alpha, beta), [x]);
}

export function where(ctx: ImportContext, cond: Value, a: Value, b: Value): Value {
  return ctx.add1({ kind: 'where' }, [cond, a, b]);
}

/** x as `dtype` (x itself when it already is). */
export function castTo(ctx: ImportContext, x: Value, dtype: DType): Value {
  return x.type.dtype === dtype ? x : ctx.add1({ kind: 'cast', to: dtype }, [x]);
}

/** x with a new shape of the same size (x itself when the shape does not change). */
export function reshapeTo(ctx: ImportContext, x: Value, shape: readonly Dim[]): Value {
  const same = shape.length === x.rank && shape.every((d, i) => d === x.type.shape[i]);
  return same ? x : ctx.add1({ kind: 'reshape', shape: [...shape] }, [x]);
}

/** Reduction over `axes` (sorted here). */
export function reduce(ctx: ImportContext, fn: ReduceFn, x: Value, axes: readonly number[], keepdims: boolean): Value {
  return ctx.add1({ kind: 'reduce', fn, axes: [...axes].sort((a, b) => a - b), keepdims }, [x]);
}

/** A 0-d constant of `dtype`. */
export function scalarOf(ctx: ImportContext, label: string, dtype: DType, value: number): Value {
  return ctx.scalar(label, dtype, value);
}

/** A constant tensor. */
export function constOf(ctx: ImportContext, label: string, dtype: DType, dims: number[], values: readonly number[]): Value {
  return ctx.constant(label, makeTensor(dtype, dims, values));
}

/** `shape` with a dim of size `dim` inserted at `axis`. */
export function insertDim(shape: readonly Dim[], axis: number, dim: Dim = 1): Dim[] {
  return [...shape.slice(0, axis), dim, ...shape.slice(axis)];
}

/**
 * A scalar or one-element parameter as a 0-d value, or a 1-d per-axis parameter (length
 * `dims[axis]`) reshaped to [n, 1, …, 1] so it broadcasts along `axis` of a rank-`rank` tensor.
 * `what` names the input in errors.
 */
export function perAxisParam(ctx: ImportContext, p: Value, axis: number, rank: number, axisDim: Dim, what: string): Value {
  if (p.rank === 0) return p;
  if (p.rank === 1 && p.type.shape[0] === 1) return reshapeTo(ctx, p, []);
  if (p.rank !== 1) ctx.fail(`input '${what}' must be a scalar or 1-d, got rank ${p.rank}`);
  if (p.type.shape[0] !== axisDim) ctx.fail(`input '${what}' has ${p.type.shape[0]} values, but axis ${axis} has size ${axisDim}`);
  return reshapeTo(ctx, p, [axisDim, ...new Array<Dim>(rank - axis - 1).fill(1)]);
}

/**
 * The int64 indices 0, 1, …, n−1 shaped to run along `axis` of a rank-`rank` tensor
 * ([n, 1, …, 1] with rank − axis − 1 trailing ones). `n` is a static size, or a scalar int64
 * value computed at run time (the range then has a data-dependent length).
 */
export function indicesAlong(ctx: ImportContext, n: number | Value, axis: number, rank: number): Value {
  const trailing = new Array<Dim>(rank - axis - 1).fill(1);
  if (typeof n === 'number') {
    return constOf(ctx, `iota${n}`, 'int64', [n, ...trailing.map(() => 1)], Array.from({ length: n }, (_, i) => i));
  }
  const r = ctx.add1({ kind: 'range' }, [scalarOf(ctx, 'zero', 'int64', 0), n, scalarOf(ctx, 'one', 'int64', 1)]);
  return reshapeTo(ctx, r, [r.type.shape[0]!, ...trailing]);
}

/** The size of `x` along `axis` as a static number, or as a 0-d int64 value when it is a symbol. */
export function dimOf(ctx: ImportContext, x: Value, axis: number): number | Value {
  const d = x.type.shape[axis]!;
  if (typeof d === 'number') return d;
  // shape → gather of one index, the form IR inference recognizes as "this dim", so a range
  // over it keeps the symbol as its length instead of a made-up one.
  const s = ctx.add1({ kind: 'shape', start: 0, end: x.rank }, [x]);
  return ctx.add1({ kind: 'gather', axis: 0 }, [s, scalarOf(ctx, `axis${axis}`, 'int64', axis)]);
}
