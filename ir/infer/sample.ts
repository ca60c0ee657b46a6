/**
 * Inference for the ops that sample a feature map at computed points: gridSample (ONNX
 * GridSample) and roiAlign (ONNX RoiAlign). Both read x as (N, C, spatial…) in a float type.
 */

import type { TensorType, Value } from '../graph.js';
import type { Op } from '../ops.js';
import { formatShape } from '../shape.js';
import { arity, checkDType, checkRank, fail, sameShape } from './common.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

export function inferGridSample(op: OpOf<'gridSample'>, inputs: readonly Value[]): TensorType[] {
  const what = 'gridSample';
  if (op.mode !== 'linear' && op.mode !== 'nearest' && op.mode !== 'cubic') fail(what, `mode must be linear, nearest or cubic, got '${String(op.mode)}'`);
  if (op.padding !== 'zeros' && op.padding !== 'border' && op.padding !== 'reflection') {
    fail(what, `padding must be zeros, border or reflection, got '${String(op.padding)}'`);
  }
  const [x, grid] = arity(what, inputs, 2) as [TensorType, TensorType];
  checkDType(what, 'x', x.dtype, 'float');
  checkDType(what, 'grid', grid.dtype, 'float');
  checkRank(what, 'x', x, 3, Infinity);
  const r = x.shape.length - 2;
  const want = `(N, O1…O${r}, ${r})`;
  if (grid.shape.length !== r + 2) fail(what, `grid must have rank ${r + 2} ${want} for x ${formatShape(x.shape)}, got ${formatShape(grid.shape)}`);
  if (grid.shape[r + 1] !== r) fail(what, `the last dim of grid must be ${r} (one coordinate per spatial axis), got ${formatShape(grid.shape)}`);
  if (grid.shape[0] !== x.shape[0]) fail(what, `grid batch ${grid.shape[0]} differs from x batch ${x.shape[0]}`);
  return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...grid.shape.slice(1, r + 1)] }];
}

export function inferRoiAlign(op: OpOf<'roiAlign'>, inputs: readonly Value[]): TensorType[] {
  const what = 'roiAlign';
  if (op.mode !== 'avg' && op.mode !== 'max') fail(what, `mode must be avg or max, got '${String(op.mode)}'`);
  for (const [name, v] of [['outputHeight', op.outputHeight], ['outputWidth', op.outputWidth]] as const) {
    if (!Number.isInteger(v) || v < 1) fail(what, `${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(op.samplingRatio) || op.samplingRatio < 0) fail(what, `samplingRatio must be a non-negative integer, got ${op.samplingRatio}`);
  if (!Number.isFinite(op.spatialScale)) fail(what, `spatialScale must be finite, got ${op.spatialScale}`);
  const [x, rois, batchIndices] = arity(what, inputs, 3) as [TensorType, TensorType, TensorType];
  checkDType(what, 'x', x.dtype, 'float');
  checkRank(what, 'x', x, 4);
  if (rois.dtype !== x.dtype) fail(what, `rois dtype ${rois.dtype} differs from x dtype ${x.dtype}`);
  checkRank(what, 'rois', rois, 2);
  if (rois.shape[1] !== 4) fail(what, `rois must be (num_rois, 4), got ${formatShape(rois.shape)}`);
  checkDType(what, 'batchIndices', batchIndices.dtype, 'index');
  if (!sameShape(batchIndices.shape, [rois.shape[0]!])) {
    fail(what, `batchIndices must be (${rois.shape[0]}) to match rois ${formatShape(rois.shape)}, got ${formatShape(batchIndices.shape)}`);
  }
  return [{ dtype: x.dtype, shape: [rois.shape[0]!, x.shape[1]!, op.outputHeight, op.outputWidth] }];
}
