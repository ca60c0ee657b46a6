/**
 * Index-driven writes and N-d reads on the host: scatterElements, scatterND and gatherND.
 *
 * Scatters copy data, then apply the updates one by one in row-major order, so duplicate targets
 * resolve as onnxruntime resolves them (the last 'none' update wins; reductions combine in
 * order). The combining happens in a working copy suited to the dtype — float64 for floats (one
 * rounding at the end, as everywhere in the evaluator), BigInt for int64/uint64, the typed array
 * itself for narrower integers (whose stores wrap like the device's integer math).
 * Negative indices count from the end; an index out of range is an error, as ONNX specifies.
 */

import { isFloat } from '../dtype.js';
import type { Tensor } from '../graph.js';
import type { Op, ScatterReduction } from '../ops.js';
import { normalizeAxis, stridesOf } from '../shape.js';
import type { ElemArray } from './tensor.js';
import { describe, emptyTensor, float64Data, fromFloat64, sizeOf } from './tensor.js';

type ScatterElementsOp = Extract<Op, { kind: 'scatterElements' }>;
type ScatterNDOp = Extract<Op, { kind: 'scatterND' }>;
type GatherNDOp = Extract<Op, { kind: 'gatherND' }>;

/** A copy of data that updates combine into; `result` stores it back in data's dtype. */
interface Accumulator {
  apply(at: number, value: number | bigint): void;
  result(): Tensor;
}

function numberOp(reduction: ScatterReduction, imul: boolean): (a: number, b: number) => number {
  switch (reduction) {
    case 'none':
      return (_, b) => b;
    case 'add':
      return (a, b) => a + b;
    case 'mul':
      // Integer products need their low 32 bits exactly, which float64 loses beyond 2^53.
      return imul ? Math.imul : (a, b) => a * b;
    case 'max':
      return Math.max;
    case 'min':
      return Math.min;
    default: {
      const never: never = reduction;
      throw new Error(`unknown scatter reduction '${String(never)}'`);
    }
  }
}

function bigintOp(reduction: ScatterReduction, unsigned: boolean): (a: bigint, b: bigint) => bigint {
  const wrap = (v: bigint) => (unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v));
  switch (reduction) {
    case 'none':
      return (_, b) => b;
    case 'add':
      return (a, b) => wrap(a + b);
    case 'mul':
      return (a, b) => wrap(a * b);
    case 'max':
      return (a, b) => (a > b ? a : b);
    case 'min':
      return (a, b) => (a < b ? a : b);
    default: {
      const never: never = reduction;
      throw new Error(`unknown scatter reduction '${String(never)}'`);
    }
  }
}

function accumulator(data: Tensor, reduction: ScatterReduction, what: string): Accumulator {
  if (reduction !== 'none' && data.dtype === 'bool') throw new Error(`${what}: reduction '${reduction}' is not defined on bool data`);
  if (isFloat(data.dtype)) {
    const work = Float64Array.from(float64Data(data));
    const f = numberOp(reduction, false);
    return {
      apply: (at, v) => (work[at] = f(work[at]!, Number(v))),
      result: () => fromFloat64(data.dtype, data.dims, work),
    };
  }
  const out = emptyTensor(data.dtype, data.dims);
  if (out.data instanceof BigInt64Array || out.data instanceof BigUint64Array) {
    const work = out.data;
    work.set(data.data as BigInt64Array);
    const f = bigintOp(reduction, data.dtype === 'uint64');
    return { apply: (at, v) => (work[at] = f(work[at]!, BigInt(v))), result: () => out };
  }
  const work = out.data as Exclude<typeof out.data, BigInt64Array | BigUint64Array>;
  work.set(data.data as ArrayLike<number>);
  const f = numberOp(reduction, true);
  return { apply: (at, v) => (work[at] = f(work[at]!, Number(v))), result: () => out };
}

/** An index value wrapped from negative and checked against the axis length. */
function wrapIndex(raw: number | bigint, dim: number, what: string): number {
  const i = Number(raw);
  const v = i < 0 ? i + dim : i;
  if (!Number.isInteger(v) || v < 0 || v >= dim) throw new Error(`${what}: index ${i} is out of range for an axis of size ${dim}`);
  return v;
}

export function evalScatterElements(op: ScatterElementsOp, data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  const what = 'scatterElements';
  const rank = data.dims.length;
  const axis = normalizeAxis(op.axis, rank, `${what} axis`);
  if (indices.dims.join() !== updates.dims.join() || indices.dims.length !== rank) {
    throw new Error(`${what}: indices ${describe(indices)} and updates ${describe(updates)} must share one shape of rank ${rank}`);
  }
  const acc = accumulator(data, op.reduction, what);
  const strides = stridesOf(data.dims);
  const idx = indices.data as ElemArray;
  const upd = updates.data as ElemArray;
  const pos = new Array<number>(rank).fill(0);
  for (let i = 0; i < idx.length; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) {
      const c = d === axis ? wrapIndex(idx[i]!, data.dims[d]!, what) : pos[d]!;
      if (c >= data.dims[d]!) throw new Error(`${what}: updates ${describe(updates)} exceed data ${describe(data)} on axis ${d}`);
      off += c * strides[d]!;
    }
    acc.apply(off, upd[i]!);
    for (let d = rank - 1; d >= 0; d--) {
      if (++pos[d]! < indices.dims[d]!) break;
      pos[d] = 0;
    }
  }
  return acc.result();
}

/**
 * The flat offsets into data of the slices that each row of `indices` (…, k) names, rows over
 * `batch` independent blocks of `rowsPerBatch` rows each starting at `batchStride` in data.
 */
function sliceOffsets(data: Tensor, indices: Tensor, batchDims: number, what: string): number[] {
  const k = indices.dims[indices.dims.length - 1]!;
  const strides = stridesOf(data.dims);
  const idx = indices.data as ElemArray;
  const rows = idx.length / Math.max(k, 1);
  const batch = sizeOf(data.dims.slice(0, batchDims));
  const rowsPerBatch = batch === 0 ? 0 : rows / batch;
  const batchStride = batchDims > 0 ? strides[batchDims - 1]! : 0;
  const out = new Array<number>(rows);
  for (let r = 0; r < rows; r++) {
    let off = rowsPerBatch === 0 ? 0 : Math.floor(r / rowsPerBatch) * batchStride;
    for (let t = 0; t < k; t++) off += wrapIndex(idx[r * k + t]!, data.dims[batchDims + t]!, what) * strides[batchDims + t]!;
    out[r] = off;
  }
  return out;
}

export function evalScatterND(op: ScatterNDOp, data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  const what = 'scatterND';
  const k = indices.dims[indices.dims.length - 1]!;
  const want = [...indices.dims.slice(0, -1), ...data.dims.slice(k)];
  if (updates.dims.join() !== want.join()) throw new Error(`${what}: updates ${describe(updates)} must have dims [${want.join(', ')}]`);
  const acc = accumulator(data, op.reduction, what);
  const slice = sizeOf(data.dims.slice(k));
  const upd = updates.data as ElemArray;
  sliceOffsets(data, indices, 0, what).forEach((base, r) => {
    for (let j = 0; j < slice; j++) acc.apply(base + j, upd[r * slice + j]!);
  });
  return acc.result();
}

export function evalGatherND(op: GatherNDOp, data: Tensor, indices: Tensor): Tensor {
  const what = 'gatherND';
  const b = op.batchDims;
  const k = indices.dims[indices.dims.length - 1]!;
  for (let i = 0; i < b; i++) {
    if (data.dims[i] !== indices.dims[i]) throw new Error(`${what}: batch dim ${i} differs between ${describe(data)} and ${describe(indices)}`);
  }
  const out = emptyTensor(data.dtype, [...indices.dims.slice(0, -1), ...data.dims.slice(b + k)]);
  const slice = sizeOf(data.dims.slice(b + k));
  const src = data.data as ElemArray;
  const o = out.data as ElemArray;
  sliceOffsets(data, indices, b, what).forEach((base, r) => {
    for (let j = 0; j < slice; j++) o[r * slice + j] = src[base + j]!;
  });
  return out;
}
