/**
 * topK on the host: per line along the axis, a stable sort of the positions by value (descending
 * for largest, ascending for smallest), then the first k. Stability gives onnxruntime's tie rule
 * (lower index first). NaN ranks above every number, as in numpy's and PyTorch's sorts, so it
 * leads a largest-k and trails a smallest-k. int64 values compare as bigints (exact).
 */

import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { normalizeAxis } from '../shape.js';
import type { ElemArray } from './tensor.js';
import { emptyTensor, splitAtAxis } from './tensor.js';

/** The op with k bound to a number (ir/eval/index.ts binds a symbolic k first). */
type TopKOp = Extract<Op, { kind: 'topK' }> & { k: number };

/** Three-way comparison with NaN above everything (bigints are never NaN). */
function compare(a: number | bigint, b: number | bigint): number {
  const an = typeof a === 'number' && Number.isNaN(a);
  const bn = typeof b === 'number' && Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function evalTopK(op: TopKOp, x: Tensor): Tensor[] {
  const axis = normalizeAxis(op.axis, x.dims.length, 'topK axis');
  const [outer, n, inner] = splitAtAxis(x.dims, axis);
  if (!Number.isInteger(op.k) || op.k < 0 || op.k > n) throw new Error(`topK: k = ${op.k} is not in [0, ${n}]`);
  const dims = x.dims.map((d, i) => (i === axis ? op.k : d));
  const values = emptyTensor(x.dtype, dims);
  const indices = emptyTensor('int64', dims);
  const src = x.data as ElemArray;
  const v = values.data as ElemArray;
  const ix = indices.data as BigInt64Array;
  const sign = op.largest ? -1 : 1;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (t: number) => (o * n + t) * inner + i;
      for (let t = 0; t < n; t++) order[t] = t;
      // Array.prototype.sort is stable, and the tie-break on position makes that explicit.
      order.sort((a, b) => sign * compare(src[at(a)]!, src[at(b)]!) || a - b);
      for (let j = 0; j < op.k; j++) {
        const out = (o * op.k + j) * inner + i;
        v[out] = src[at(order[j]!)]!;
        ix[out] = BigInt(order[j]!);
      }
    }
  }
  return [values, indices];
}
