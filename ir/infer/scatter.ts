/**
 * Inference for the index-driven writes and N-d reads: scatterElements, scatterND and gatherND.
 *
 * The rules check what ONNX requires of the operand shapes (indices and updates of one shape for
 * scatterElements; updates = indices.dims[:-1] + data.dims[k:] for scatterND; shared batch dims
 * for gatherND) and that the index depth k — the last dim of indices — is a static number, since
 * it decides the output's rank. Constant indices are range-checked here, where the node is built.
 */

import type { TensorType, Value } from '../graph.js';
import type { Op, ScatterReduction } from '../ops.js';
import type { Dim } from '../shape.js';
import { formatShape } from '../shape.js';
import { arity, axisOf, checkDType, fail, needNumber, sameShape } from './common.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

const REDUCTIONS: readonly ScatterReduction[] = ['none', 'add', 'mul', 'max', 'min'];

function checkReduction(what: string, reduction: ScatterReduction, data: TensorType): void {
  if (!REDUCTIONS.includes(reduction)) fail(what, `reduction must be one of ${REDUCTIONS.join(', ')}, got '${String(reduction)}'`);
  if (reduction !== 'none' && data.dtype === 'bool') fail(what, `reduction '${reduction}' is not defined on bool data`);
}

/** Every element of a constant index tensor lies in [-dim, dim) (dims from `dimAt`). */
function checkConstIndices(what: string, indices: Value, depth: number, dimAt: (j: number) => Dim): void {
  const c = indices.data;
  if (!c) return;
  for (let i = 0; i < c.data.length; i++) {
    const d = dimAt(i % depth);
    if (typeof d !== 'number') continue;
    const v = Number(c.data[i]!);
    if (v < -d || v >= d) fail(what, `index ${v} is out of range for an axis of size ${d}`);
  }
}

/** The checks both scatters share: (data, indices, updates), index dtype, reduction, rank ≥ 1. */
function scatterOperands(what: string, reduction: ScatterReduction, inputs: readonly Value[]): [TensorType, TensorType, TensorType] {
  const [data, indices, updates] = arity(what, inputs, 3) as [TensorType, TensorType, TensorType];
  checkDType(what, 'indices', indices.dtype, 'index');
  checkReduction(what, reduction, data);
  if (updates.dtype !== data.dtype) fail(what, `updates dtype ${updates.dtype} differs from data dtype ${data.dtype}`);
  if (data.shape.length === 0) fail(what, 'data must have rank ≥ 1');
  return [data, indices, updates];
}

export function inferScatterElements(op: OpOf<'scatterElements'>, inputs: readonly Value[]): TensorType[] {
  const what = 'scatterElements';
  const [data, indices, updates] = scatterOperands(what, op.reduction, inputs);
  const rank = data.shape.length;
  if (!sameShape(indices.shape, updates.shape)) {
    fail(what, `indices ${formatShape(indices.shape)} and updates ${formatShape(updates.shape)} must have one shape`);
  }
  if (indices.shape.length !== rank) fail(what, `indices rank ${indices.shape.length} differs from data rank ${rank}`);
  const axis = axisOf(what, op.axis, rank);
  indices.shape.forEach((d, i) => {
    const limit = data.shape[i]!;
    if (i !== axis && typeof d === 'number' && typeof limit === 'number' && d > limit) {
      fail(what, `indices ${formatShape(indices.shape)} exceed data ${formatShape(data.shape)} on axis ${i}`);
    }
  });
  checkConstIndices(what, inputs[1]!, 1, () => data.shape[axis]!);
  return [{ dtype: data.dtype, shape: [...data.shape] }];
}

/** k, the index depth: the last dim of indices, which must be static. */
function indexDepth(what: string, indices: TensorType): number {
  if (indices.shape.length === 0) fail(what, 'indices must have rank ≥ 1');
  return needNumber(what, 'the last dim of indices', indices.shape[indices.shape.length - 1]!);
}

export function inferScatterND(op: OpOf<'scatterND'>, inputs: readonly Value[]): TensorType[] {
  const what = 'scatterND';
  const [data, indices, updates] = scatterOperands(what, op.reduction, inputs);
  const rank = data.shape.length;
  const k = indexDepth(what, indices);
  if (k < 1 || k > rank) fail(what, `the last dim of indices (${k}) must be between 1 and the data rank ${rank}`);
  const want: Dim[] = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
  if (!sameShape(updates.shape, want)) {
    fail(what, `updates must have dims ${formatShape(want)} (indices dims but the last, then data dims from ${k}), got ${formatShape(updates.shape)}`);
  }
  checkConstIndices(what, inputs[1]!, k, (j) => data.shape[j]!);
  return [{ dtype: data.dtype, shape: [...data.shape] }];
}

export function inferGatherND(op: OpOf<'gatherND'>, inputs: readonly Value[]): TensorType[] {
  const what = 'gatherND';
  const [data, indices] = arity(what, inputs, 2) as [TensorType, TensorType];
  checkDType(what, 'indices', indices.dtype, 'index');
  const r = data.shape.length;
  const q = indices.shape.length;
  const b = op.batchDims;
  if (!Number.isInteger(b) || b < 0) fail(what, `batchDims must be a non-negative integer, got ${b}`);
  if (r === 0 || q === 0) fail(what, 'data and indices must have rank ≥ 1');
  if (b >= Math.min(r, q)) fail(what, `batchDims ${b} must be less than both ranks (data ${r}, indices ${q})`);
  const k = indexDepth(what, indices);
  if (k < 1 || b + k > r) fail(what, `the last dim of indices (${k}) must be between 1 and data rank − batchDims (${r - b})`);
  for (let i = 0; i < b; i++) {
    const [x, y] = [data.shape[i]!, indices.shape[i]!];
    if (x !== y) fail(what, `batch dim ${i} differs: data ${formatShape(data.shape)}, indices ${formatShape(indices.shape)}`);
  }
  checkConstIndices(what, inputs[1]!, k, (j) => data.shape[b + j]!);
  return [{ dtype: data.dtype, shape: [...indices.shape.slice(0, -1), ...data.shape.slice(b + k)] }];
}
