/**
 * Inference for topK: values of x's dtype and int64 indices, both with the axis cut to k.
 * The axis length must be static so a static k can be checked against it (ONNX requires k ≤ the
 * axis). A symbolic k (a K input read at run time) is a size ≥ 1 by the symbol assumption
 * (ir/dim-range.ts); k ≤ the axis is then a run-time assertion the importer records.
 */

import type { TensorType, Value } from '../graph.js';
import type { Op } from '../ops.js';
import { dimIsNonNegative } from '../dim-range.js';
import { arity, axisOf, checkDType, fail, needNumber } from './common.js';

type TopKOp = Extract<Op, { kind: 'topK' }>;

export function inferTopK(op: TopKOp, inputs: readonly Value[]): TensorType[] {
  const what = 'topK';
  const [x] = arity(what, inputs, 1) as [TensorType];
  checkDType(what, 'x', x.dtype, 'numeric');
  if (x.shape.length === 0) fail(what, 'x must have rank ≥ 1');
  const axis = axisOf(what, op.axis, x.shape.length);
  const n = needNumber(what, `axis ${axis}`, x.shape[axis]!);
  if (typeof op.k === 'number') {
    if (!Number.isInteger(op.k) || op.k < 0 || op.k > n) fail(what, `k must be an integer in [0, ${n}] (the axis length), got ${op.k}`);
  } else if (!dimIsNonNegative(op.k)) {
    fail(what, `k = ${op.k} may be negative`);
  }
  const shape = x.shape.map((d, i) => (i === axis ? op.k : d));
  return [
    { dtype: x.dtype, shape },
    { dtype: 'int64', shape: [...shape] },
  ];
}
