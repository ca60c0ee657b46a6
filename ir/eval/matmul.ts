/**
 * y = alpha · op(A) · op(B) + beta · C on the host (ONNX MatMul and Gemm).
 *
 * numpy matmul rules: a 1-d A is a row vector [1, K] and a 1-d B a column [K, 1], the added axis
 * dropped from the result; leading (batch) dims broadcast. C broadcasts to the result. Floats and
 * ≤32-bit integers accumulate in float64 (an i-k-j loop over a contiguous copy of B, so the inner
 * loop is a unit-stride axpy); int64/uint64 accumulate in BigInt.
 */

import { isFloat } from '../dtype.js';
import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { broadcastShapes, formatShape } from '../shape.js';
import { forEachBroadcastRow } from './broadcast.js';
import { bigintData, describe, emptyTensor, fromFloat64, isBigIntType, numericData, sizeOf } from './tensor.js';

type MatmulOp = Extract<Op, { kind: 'matmul' }>;

interface Plan {
  m: number;
  k: number;
  n: number;
  /** Element strides of A along (i, k) and of B along (k, j) inside one matrix. */
  aRow: number;
  aCol: number;
  bRow: number;
  bCol: number;
  aBatch: number[];
  bBatch: number[];
  batch: number[];
  outDims: number[];
}

function plan(op: MatmulOp, aDims: readonly number[], bDims: readonly number[]): Plan {
  if (aDims.length === 0 || bDims.length === 0) throw new Error('matmul operands must have rank ≥ 1');
  const a1 = aDims.length === 1;
  const b1 = bDims.length === 1;
  // Transposes apply to matrices only; 1-d operands follow numpy.
  const transA = op.transA && !a1;
  const transB = op.transB && !b1;
  const aMat = a1 ? [1, aDims[0]!] : aDims.slice(-2);
  const bMat = b1 ? [bDims[0]!, 1] : bDims.slice(-2);
  const [m, ka] = transA ? [aMat[1]!, aMat[0]!] : [aMat[0]!, aMat[1]!];
  const [kb, n] = transB ? [bMat[1]!, bMat[0]!] : [bMat[0]!, bMat[1]!];
  if (ka !== kb) {
    throw new Error(`matmul inner dimensions differ: ${formatShape(aDims)}${op.transA ? 'ᵀ' : ''} × ${formatShape(bDims)}${op.transB ? 'ᵀ' : ''} (${ka} vs ${kb})`);
  }
  const aBatch = a1 ? [] : aDims.slice(0, -2);
  const bBatch = b1 ? [] : bDims.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch) as number[];
  const outDims = [...batch, ...(a1 ? [] : [m]), ...(b1 ? [] : [n])];
  return {
    m,
    k: ka,
    n,
    aRow: transA ? 1 : ka,
    aCol: transA ? m : 1,
    bRow: transB ? 1 : n,
    bCol: transB ? kb : 1,
    aBatch,
    bBatch,
    batch,
    outDims,
  };
}

/** Calls body(outMatrix, aMatrix, bMatrix) with matrix indices for every broadcast batch entry. */
function forEachBatch(p: Plan, body: (o: number, a: number, b: number) => void): void {
  let o = 0;
  forEachBroadcastRow(p.batch, [p.aBatch, p.bBatch], (_start, len, offs, steps) => {
    for (let i = 0, ia = offs[0]!, ib = offs[1]!; i < len; i++, ia += steps[0]!, ib += steps[1]!) body(o++, ia, ib);
  });
}

export function evalMatmul(op: MatmulOp, a: Tensor, b: Tensor, c?: Tensor): Tensor {
  if (a.dtype !== b.dtype) throw new Error(`matmul needs operands of one dtype, got ${describe(a)} and ${describe(b)}`);
  const p = plan(op, a.dims, b.dims);
  if (isBigIntType(a.dtype)) return matmulBigInt(op, p, a, b, c);
  const { m, k, n } = p;
  const av = numericData(a);
  const bv = numericData(b);
  const out = new Float64Array(sizeOf(p.outDims));
  const bm = new Float64Array(k * n); // B of one batch entry, contiguous [k][n]
  const acc = new Float64Array(n);
  forEachBatch(p, (o, ai, bi) => {
    const aBase = ai * m * k;
    const bBase = bi * k * n;
    for (let kk = 0; kk < k; kk++) for (let j = 0; j < n; j++) bm[kk * n + j] = bv[bBase + kk * p.bRow + j * p.bCol]!;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let kk = 0; kk < k; kk++) {
        const x = av[aBase + i * p.aRow + kk * p.aCol]!;
        const row = kk * n;
        for (let j = 0; j < n; j++) acc[j] += x * bm[row + j]!;
      }
      const oBase = (o * m + i) * n;
      for (let j = 0; j < n; j++) out[oBase + j] = op.alpha * acc[j]!;
    }
  });
  if (c && op.beta !== 0) {
    const cv = numericData(c);
    const beta = op.beta;
    forEachBroadcastRow(p.outDims, [c.dims], (start, len, offs, steps) => {
      for (let i = 0, ic = offs[0]!; i < len; i++, ic += steps[0]!) out[start + i] += beta * cv[ic]!;
    });
  }
  return fromFloat64(a.dtype, p.outDims, out);
}

/** Exact integer matmul for int64/uint64; alpha and beta must be integers here. */
function matmulBigInt(op: MatmulOp, p: Plan, a: Tensor, b: Tensor, c?: Tensor): Tensor {
  if (!Number.isInteger(op.alpha) || !Number.isInteger(op.beta)) {
    throw new Error(`integer matmul needs integer alpha/beta, got ${op.alpha}/${op.beta}`);
  }
  const alpha = BigInt(op.alpha);
  const beta = BigInt(op.beta);
  const { m, k, n } = p;
  const av = bigintData(a);
  const bv = bigintData(b);
  const out = emptyTensor(a.dtype, p.outDims);
  const od = out.data as BigInt64Array | BigUint64Array;
  forEachBatch(p, (o, ai, bi) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0n;
        for (let kk = 0; kk < k; kk++) s += av[ai * m * k + i * p.aRow + kk * p.aCol]! * bv[bi * k * n + kk * p.bRow + j * p.bCol]!;
        od[(o * m + i) * n + j] = alpha * s;
      }
    }
  });
  if (c && beta !== 0n) {
    if (isFloat(c.dtype)) throw new Error(`matmul C must match the operands' dtype, got ${describe(c)}`);
    const cv = bigintData(c);
    forEachBroadcastRow(p.outDims, [c.dims], (start, len, offs, steps) => {
      for (let i = 0, ic = offs[0]!; i < len; i++, ic += steps[0]!) od[start + i] = od[start + i]! + beta * cv[ic]!;
    });
  }
  return out;
}
