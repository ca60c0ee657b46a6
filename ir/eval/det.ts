/**
 * det on the host: LU decomposition with partial pivoting per matrix, in float64, the determinant
 * being the product of the pivots times the permutation's sign. A 0×0 matrix has determinant 1
 * (the empty product); a singular one gives exactly 0 once a pivot column is all zeros.
 */

import type { Tensor } from '../graph.js';
import { float64Data, fromFloat64, requireFloat, sizeOf } from './tensor.js';

/** The determinant of the n×n row-major matrix at `a[offset…]` (a is not modified). */
export function determinant(a: ArrayLike<number>, offset: number, n: number): number {
  const m = Float64Array.from({ length: n * n }, (_, i) => a[offset + i]!);
  let det = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]!) > Math.abs(m[p * n + k]!)) p = i;
    const pivot = m[p * n + k]!;
    if (pivot === 0) return 0;
    if (p !== k) {
      for (let j = k; j < n; j++) [m[k * n + j], m[p * n + j]] = [m[p * n + j]!, m[k * n + j]!];
      det = -det;
    }
    det *= pivot;
    for (let i = k + 1; i < n; i++) {
      const factor = m[i * n + k]! / pivot;
      for (let j = k + 1; j < n; j++) m[i * n + j]! -= factor * m[k * n + j]!;
    }
  }
  return det;
}

export function evalDet(x: Tensor): Tensor {
  requireFloat(x, 'det');
  const n = x.dims[x.dims.length - 1]!;
  if (x.dims.length < 2 || x.dims[x.dims.length - 2] !== n) throw new Error(`det: x must be (…, M, M), got dims [${x.dims.join(', ')}]`);
  const batch = x.dims.slice(0, -2);
  const xs = float64Data(x);
  const out = new Float64Array(sizeOf(batch));
  for (let b = 0; b < out.length; b++) out[b] = determinant(xs, b * n * n, n);
  return fromFloat64(x.dtype, batch, out);
}
