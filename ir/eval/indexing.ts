/**
 * Indexing ops on the host: slice, gather and gatherElements.
 *
 * Slice clamping (negative starts/ends, out-of-range values and the INT64_MAX/INT64_MIN sentinels
 * exporters write, negative steps) is ONNX's rule as stated once in shape inference's
 * `resolveSlice`, so the evaluator and the inferred shapes cannot disagree about a slice.
 * Gather indices may be negative (counted from the end); out-of-range indices are an error.
 */

import { isInteger } from '../dtype.js';
import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { resolveSlice } from '../infer.js';
import { formatShape, normalizeAxis, stridesOf } from '../shape.js';
import type { ElemArray } from './tensor.js';
import { describe, emptyTensor, sizeOf } from './tensor.js';
import { remap } from './movement.js';

type SliceOp = Extract<Op, { kind: 'slice' }>;
type GatherOp = Extract<Op, { kind: 'gather' }>;
type GatherElementsOp = Extract<Op, { kind: 'gatherElements' }>;

export function evalSlice(op: SliceOp, x: Tensor): Tensor {
  const strides = stridesOf(x.dims);
  // One range per input axis (untouched axes keep their full range), clamped per ONNX.
  const ranges = resolveSlice(x.dims, op);
  const outDims = ranges.map((r) => r.size as number);
  const tables = ranges.map((r, axis) => {
    const t = new Int32Array(r.size as number);
    for (let j = 0; j < t.length; j++) t[j] = (r.start + j * r.step) * strides[axis]!;
    return t;
  });
  return remap(x, outDims, tables);
}

/** Index values as numbers, wrapped from negative, checked against the axis length. */
function checkedIndices(indices: Tensor, dim: number, what: string): Int32Array {
  if (!isInteger(indices.dtype)) {
    throw new Error(`${what} indices must be integers, got ${describe(indices)}`);
  }
  const src = indices.data as ElemArray;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const raw = Number(src[i]!);
    const v = raw < 0 ? raw + dim : raw;
    if (v < 0 || v >= dim) throw new Error(`${what} index ${raw} is out of range for an axis of length ${dim}`);
    out[i] = v;
  }
  return out;
}

export function evalGather(op: GatherOp, data: Tensor, indices: Tensor): Tensor {
  const axis = normalizeAxis(op.axis, data.dims.length, 'gather axis');
  const dim = data.dims[axis]!;
  const idx = checkedIndices(indices, dim, 'gather');
  const outDims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  const out = emptyTensor(data.dtype, outDims);
  const o = out.data as ElemArray;
  const src = data.data as ElemArray;
  const outer = sizeOf(data.dims.slice(0, axis));
  const inner = sizeOf(data.dims.slice(axis + 1));
  let at = 0;
  for (let i = 0; i < outer; i++) {
    for (let j = 0; j < idx.length; j++) {
      const base = (i * dim + idx[j]!) * inner;
      for (let k = 0; k < inner; k++) o[at++] = src[base + k]!;
    }
  }
  return out;
}

export function evalGatherElements(op: GatherElementsOp, data: Tensor, indices: Tensor): Tensor {
  const rank = data.dims.length;
  if (indices.dims.length !== rank) throw new Error(`gatherElements indices ${describe(indices)} must have the rank of data ${describe(data)}`);
  const axis = normalizeAxis(op.axis, rank, 'gatherElements axis');
  for (let d = 0; d < rank; d++) {
    if (d !== axis && indices.dims[d]! > data.dims[d]!) {
      throw new Error(`gatherElements indices ${formatShape(indices.dims)} exceed data ${formatShape(data.dims)} on axis ${d}`);
    }
  }
  const idx = checkedIndices(indices, data.dims[axis]!, 'gatherElements');
  const strides = stridesOf(data.dims);
  const out = emptyTensor(data.dtype, indices.dims);
  const o = out.data as ElemArray;
  const src = data.data as ElemArray;
  const pos = new Array<number>(rank).fill(0);
  for (let i = 0; i < idx.length; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += (d === axis ? idx[i]! : pos[d]!) * strides[d]!;
    o[i] = src[off]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++pos[d]! < indices.dims[d]!) break;
      pos[d] = 0;
    }
  }
  return out;
}
