/** Inference for det: float x (…, M, M) → (…), the batch dims kept. */

import type { TensorType, Value } from '../graph.js';
import { formatShape } from '../shape.js';
import { arity, checkDType, checkRank, fail } from './common.js';

export function inferDet(inputs: readonly Value[]): TensorType[] {
  const what = 'det';
  const [x] = arity(what, inputs, 1) as [TensorType];
  checkDType(what, 'x', x.dtype, 'float');
  checkRank(what, 'x', x, 2, Infinity);
  const [m, n] = x.shape.slice(-2);
  if (m !== n) fail(what, `the last two dims must be equal (square matrices), got ${formatShape(x.shape)}`);
  return [{ dtype: x.dtype, shape: x.shape.slice(0, -2) }];
}
