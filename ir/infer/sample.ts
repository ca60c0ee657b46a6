/**
 * Inference for the ops that sample a feature map at computed points: gridSample (ONNX
 * GridSample) and roiAlign (ONNX RoiAlign). Both read x as (N, C, spatial…) in a float type.
 */

import type { TensorType, Value } from '../graph.js';
import type { Op } from '../ops.js';
import { formatShape } from '../shape.js';
import { arity, checkDType, checkRank, fail } from './common.js';

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
