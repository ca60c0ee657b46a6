/**
 * Normalizations on the host: softmax / log-softmax along one axis, layer normalization over the
 * trailing axes, and inference batch normalization over axis 1.
 *
 * All are float64 computations stored once in the input dtype. Softmax subtracts the slice
 * maximum before exponentiating (no overflow; an all −∞ slice yields NaN as in ONNX). Layer norm
 * uses the two-pass variance (mean of squared deviations), as the ONNX function body defines it,
 * rather than E[x²] − E[x]², which cancels badly for large means.
 */

import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { formatShape, normalizeAxis } from '../shape.js';
import { forEachBroadcastRow } from './broadcast.js';
import { describe, float64Data, fromFloat64, requireFloat, sizeOf, splitAtAxis } from './tensor.js';

type SoftmaxOp = Extract<Op, { kind: 'softmax' }>;
type LayerNormOp = Extract<Op, { kind: 'layerNorm' }>;
type BatchNormOp = Extract<Op, { kind: 'batchNorm' }>;

export function evalSoftmax(op: SoftmaxOp, x: Tensor): Tensor {
  requireFloat(x, 'softmax');
  const axis = normalizeAxis(op.axis, x.dims.length, 'softmax axis');
  const [outer, len, inner] = splitAtAxis(x.dims, axis);
  const xv = float64Data(x);
  const out = new Float64Array(xv.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, xv[base + j * inner]!);
      let sum = 0;
      for (let j = 0; j < len; j++) sum += Math.exp(xv[base + j * inner]! - max);
      if (op.log) {
        const logSum = Math.log(sum);
        for (let j = 0; j < len; j++) out[base + j * inner] = xv[base + j * inner]! - max - logSum;
      } else {
        for (let j = 0; j < len; j++) out[base + j * inner] = Math.exp(xv[base + j * inner]! - max) / sum;
      }
    }
  }
  return fromFloat64(x.dtype, x.dims, out);
}

/** `t` broadcast (numpy rules) to `dims`, as a contiguous Float64Array. */
function broadcastTo(t: Tensor, dims: readonly number[], what: string): Float64Array {
  const src = float64Data(t);
  const out = new Float64Array(sizeOf(dims));
  try {
    forEachBroadcastRow(dims, [t.dims], (start, len, offs, steps) => {
      for (let i = 0, j = offs[0]!; i < len; i++, j += steps[0]!) out[start + i] = src[j]!;
    });
  } catch {
    throw new Error(`${what} ${describe(t)} does not broadcast to ${formatShape(dims)}`);
  }
  return out;
}

export function evalLayerNorm(op: LayerNormOp, x: Tensor, scale: Tensor, bias?: Tensor): Tensor {
  requireFloat(x, 'layerNorm');
  const axis = normalizeAxis(op.axis, x.dims.length, 'layerNorm axis');
  const normDims = x.dims.slice(axis);
  const inner = sizeOf(normDims);
  const outer = sizeOf(x.dims.slice(0, axis));
  const s = broadcastTo(scale, normDims, 'layerNorm scale');
  const b = bias ? broadcastTo(bias, normDims, 'layerNorm bias') : new Float64Array(inner);
  const xv = float64Data(x);
  const out = new Float64Array(xv.length);
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    let mean = 0;
    for (let i = 0; i < inner; i++) mean += xv[base + i]!;
    mean /= inner;
    let variance = 0;
    for (let i = 0; i < inner; i++) {
      const d = xv[base + i]! - mean;
      variance += d * d;
    }
    variance /= inner;
    const inv = 1 / Math.sqrt(variance + op.epsilon);
    for (let i = 0; i < inner; i++) out[base + i] = (xv[base + i]! - mean) * inv * s[i]! + b[i]!;
  }
  return fromFloat64(x.dtype, x.dims, out);
}

export function evalBatchNorm(op: BatchNormOp, x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor): Tensor {
  requireFloat(x, 'batchNorm');
  if (x.dims.length < 2) throw new Error(`batchNorm input must have rank ≥ 2, got ${describe(x)}`);
  const [n, c] = [x.dims[0]!, x.dims[1]!];
  const plane = sizeOf(x.dims.slice(2));
  const params = [scale, bias, mean, variance].map((t) => {
    if (t.data.length !== c) throw new Error(`batchNorm parameters must have ${c} elements, got ${describe(t)}`);
    return float64Data(t);
  });
  const [sv, bv, mv, vv] = params as [Float64Array, Float64Array, Float64Array, Float64Array];
  const xv = float64Data(x);
  const out = new Float64Array(xv.length);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      // y = (x − mean) / √(var + ε) · scale + bias, folded into one multiply-add per element.
      const k = sv[ch]! / Math.sqrt(vv[ch]! + op.epsilon);
      const m = mv[ch]!;
      const b = bv[ch]!;
      const base = (i * c + ch) * plane;
      for (let j = 0; j < plane; j++) out[base + j] = (xv[base + j]! - m) * k + b;
    }
  }
  return fromFloat64(x.dtype, x.dims, out);
}
