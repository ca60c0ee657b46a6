/**
 * N-d max and average pooling on the host, with strides, dilations, explicit pads and ceil mode.
 *
 * Output size per axis: floor (or ceil) of (in + padBegin + padEnd − ((k − 1)·dil + 1)) / s + 1;
 * in ceil mode a last window that would start in the end padding is dropped (the ONNX / PyTorch
 * rule). Max ignores padding. Average divides by
 * - countIncludePad = false: the number of taps inside the unpadded input;
 * - countIncludePad = true: the number of taps inside the *padded* input, so a ceil-mode window
 *   that runs past the end padding is not charged for the overhang (onnxruntime's behaviour).
 * Per window, the taps inside a range form a box, so both counts are products of per-axis counts.
 *
 * Max with `indices` also returns where each max came from (ONNX MaxPool's Indices, as the ONNX
 * reference and onnxruntime compute it): plane · planeSize + the spatial position flattened
 * row-major or column-major. The first max in window order (row-major over the taps) wins a tie;
 * a NaN replaces the max as it does in the value; an empty window gives -1.
 */

import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { poolOutputSize } from '../infer.js';
import { formatShape, stridesOf } from '../shape.js';
import { describe, float64Data, fromFloat64, sizeOf } from './tensor.js';

type PoolOp = Extract<Op, { kind: 'pool' }>;

/** Taps k in [0, kernel) with lo ≤ start + k·dil < hi, as the half-open range [kLo, kHi). */
function tapRange(start: number, dil: number, kernel: number, lo: number, hi: number): [number, number] {
  const kLo = Math.max(0, Math.ceil((lo - start) / dil));
  const kHi = Math.min(kernel, Math.floor((hi - 1 - start) / dil) + 1);
  return [kLo, Math.max(kLo, kHi)];
}

export function evalPool(op: PoolOp, x: Tensor): Tensor[] {
  const nd = x.dims.length - 2;
  if (nd < 1) throw new Error(`pool input must have rank ≥ 3, got ${describe(x)}`);
  if (op.kernel.length !== nd) throw new Error(`pool kernel ${formatShape(op.kernel)} does not match input ${describe(x)}`);
  if (x.dtype === 'bool' || x.dtype === 'int64' || x.dtype === 'uint64') throw new Error(`pool is not defined on ${describe(x)}`);
  const [n, c] = [x.dims[0]!, x.dims[1]!];
  const inSp = x.dims.slice(2);
  const kernel = op.kernel;
  const strides = inSp.map((_, d) => op.strides[d] ?? 1);
  const dil = inSp.map((_, d) => op.dilations[d] ?? 1);
  const pb = inSp.map((_, d) => op.pads[d] ?? 0);
  const pe = inSp.map((_, d) => op.pads[nd + d] ?? 0);
  const outSp = inSp.map((s, d) => poolOutputSize(s, kernel[d]!, strides[d]!, pb[d]!, pe[d]!, dil[d]!, op.ceilMode));

  const isMax = op.type === 'max';
  const xv = float64Data(x);
  const inPlane = sizeOf(inSp);
  const outPlane = sizeOf(outSp);
  const inStrides = stridesOf(inSp);
  const out = new Float64Array(n * c * outPlane);
  const withIndices = isMax && op.indices !== 'none';
  const indices = new Float64Array(withIndices ? n * c * outPlane : 0);
  // Spatial strides of the index output's flattening (column-major: the first axis fastest).
  const indexStrides = inSp.map((_, d) => (op.indices === 'colMajor' ? sizeOf(inSp.slice(0, d)) : inStrides[d]!));
  const last = nd - 1;
  const o = new Array<number>(nd).fill(0); // output position (odometer)
  const kLo = new Array<number>(nd).fill(0);
  const kHi = new Array<number>(nd).fill(0);
  const k = new Array<number>(nd).fill(0); // tap position (odometer)

  for (let plane = 0; plane < n * c; plane++) {
    const inBase = plane * inPlane;
    o.fill(0);
    for (let oi = 0; oi < outPlane; oi++) {
      let base = inBase; // input offset of the window's first tap, ignoring padding
      let taps = 1;
      let padTaps = 1;
      for (let d = 0; d < nd; d++) {
        const start = o[d]! * strides[d]! - pb[d]!;
        const [lo, hi] = tapRange(start, dil[d]!, kernel[d]!, 0, inSp[d]!);
        kLo[d] = lo;
        kHi[d] = hi;
        taps *= hi - lo;
        const [plo, phi] = tapRange(start, dil[d]!, kernel[d]!, -pb[d]!, inSp[d]! + pe[d]!);
        padTaps *= phi - plo;
        base += start * inStrides[d]!;
      }
      let acc = isMax ? -Infinity : 0;
      let best = -1; // input offset of the max (the first tap replaces the initial -inf)
      if (taps > 0) {
        for (let d = 0; d < last; d++) k[d] = kLo[d]!;
        const step = dil[last]! * inStrides[last]!;
        for (;;) {
          let idx = base + kLo[last]! * step;
          for (let d = 0; d < last; d++) idx += k[d]! * dil[d]! * inStrides[d]!;
          for (let t = kLo[last]!; t < kHi[last]!; t++, idx += step) {
            const v = xv[idx]!;
            if (isMax) {
              // NaN propagates, as onnxruntime's max; ties keep the first.
              if (v > acc || Number.isNaN(v) || best < 0) {
                acc = v;
                best = idx;
              }
            } else acc += v;
          }
          let d = last - 1;
          for (; d >= 0; d--) {
            if (++k[d]! < kHi[d]!) break;
            k[d] = kLo[d]!;
          }
          if (d < 0) break;
        }
      }
      out[plane * outPlane + oi] = isMax ? acc : acc / (op.countIncludePad ? padTaps : taps);
      if (withIndices) {
        let at = best < 0 ? -1 : plane * inPlane;
        for (let d = 0; d < nd && best >= 0; d++) at += (Math.floor((best - inBase) / inStrides[d]!) % inSp[d]!) * indexStrides[d]!;
        indices[plane * outPlane + oi] = at;
      }
      // Advance the output odometer.
      for (let d = last; d >= 0; d--) {
        if (++o[d]! < outSp[d]!) break;
        o[d] = 0;
      }
    }
  }
  const y = fromFloat64(x.dtype, [n, c, ...outSp], out);
  return withIndices ? [y, fromFloat64('int64', [n, c, ...outSp], indices)] : [y];
}
