/**
 * Inference for dft: float x (…, n, …, c) with c ∈ {1, 2} → (…, m, …, 2), m = length or
 * floor(length/2) + 1 (onesided). The transformed axis must not be the component dim.
 */

import type { TensorType, Value } from '../graph.js';
import type { Op } from '../ops.js';
import { formatShape } from '../shape.js';
import { arity, checkDType, checkRank, fail } from './common.js';

type DftOp = Extract<Op, { kind: 'dft' }>;

/** Bins a DFT of `length` points returns. */
export function dftBins(op: DftOp): number {
  return op.onesided ? Math.floor(op.length / 2) + 1 : op.length;
}

export function inferDft(op: DftOp, inputs: readonly Value[]): TensorType[] {
  const what = 'dft';
  const [x] = arity(what, inputs, 1) as [TensorType];
  checkDType(what, 'x', x.dtype, 'float');
  checkRank(what, 'x', x, 2, Infinity);
  const rank = x.shape.length;
  const c = x.shape[rank - 1];
  if (c !== 1 && c !== 2) fail(what, `the last dim of x must be 1 (real) or 2 (complex), got ${formatShape(x.shape)}`);
  if (!Number.isInteger(op.axis) || op.axis < 0 || op.axis >= rank - 1) {
    fail(what, `axis must be in [0, ${rank - 2}] (not the component dim), got ${op.axis}`);
  }
  if (!Number.isInteger(op.length) || op.length < 1) fail(what, `length must be a positive integer, got ${op.length}`);
  // ONNX gives inverse + onesided the meaning of an inverse real FFT (half spectrum in, real
  // signal out), a different op; it has no IR form.
  if (op.inverse && op.onesided) fail(what, 'inverse and onesided together (an inverse real FFT) are not supported');
  return [{ dtype: x.dtype, shape: [...x.shape.slice(0, op.axis), dftBins(op), ...x.shape.slice(op.axis + 1, -1), 2] }];
}
