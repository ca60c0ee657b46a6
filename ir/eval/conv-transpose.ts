/**
 * N-d transposed convolution on the host, with groups, strides, dilations, final begin/end pads,
 * output padding and bias: output size per axis is
 * stride·(in − 1) + outputPadding + ((k − 1)·dilation + 1) − padBegin − padEnd.
 *
 * Computed in scatter form, the definition of the op: every input element, times each kernel tap,
 * lands at output position i·stride + k·dilation − padBegin. For a fixed (input channel, output
 * channel, tap) the weight is one scalar and the input positions whose target lies inside the
 * output form a box computed once, so the inner loop is a bounds-check free strided multiply-add
 * along the last spatial axis, accumulated in float64.
 */

import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { convTransposeOutputSize } from '../infer.js';
import { formatShape, stridesOf } from '../shape.js';
import { addBias, checkChannels, kernelTaps } from './conv.js';
import { float64Data, fromFloat64, requireFloat, sizeOf } from './tensor.js';

type ConvTransposeOp = Extract<Op, { kind: 'convTranspose' }>;

/** One kernel tap: input positions [lo, hi) per axis write output position i·stride + off. */
interface Tap {
  lo: number[];
  hi: number[];
  off: number[];
}

/** out[outBase + Σ (i·s + off)·outStrides] += w · x[inBase + Σ i·inStrides] over the tap's box. */
function scatterTap(
  out: Float64Array,
  outBase: number,
  outStrides: readonly number[],
  xv: Float64Array,
  inBase: number,
  inStrides: readonly number[],
  strides: readonly number[],
  tap: Tap,
  w: number,
  counter: number[],
): void {
  const nd = tap.lo.length;
  const last = nd - 1;
  for (let d = 0; d < nd; d++) if (tap.hi[d]! <= tap.lo[d]!) return; // the tap misses entirely
  const len = tap.hi[last]! - tap.lo[last]!;
  const step = strides[last]!; // output stride of the last axis is 1
  for (let d = 0; d < last; d++) counter[d] = tap.lo[d]!;
  for (;;) {
    let oi = outBase + tap.lo[last]! * step + tap.off[last]!;
    let xi = inBase + tap.lo[last]!;
    for (let d = 0; d < last; d++) {
      oi += (counter[d]! * strides[d]! + tap.off[d]!) * outStrides[d]!;
      xi += counter[d]! * inStrides[d]!;
    }
    for (let i = 0; i < len; i++, oi += step, xi++) out[oi] += w * xv[xi]!;
    // Odometer over the box's outer axes.
    let d = last - 1;
    for (; d >= 0; d--) {
      if (++counter[d]! < tap.hi[d]!) break;
      counter[d] = tap.lo[d]!;
    }
    if (d < 0) return;
  }
}

export function evalConvTranspose(op: ConvTransposeOp, x: Tensor, w: Tensor, bias?: Tensor): Tensor {
  requireFloat(x, 'convTranspose');
  const { group } = op;
  const nd = checkChannels('convTranspose', x, w, group);
  const [n, c] = [x.dims[0]!, x.dims[1]!];
  if (w.dims[0] !== c) throw new Error(`convTranspose weight ${formatShape(w.dims)} needs ${c} input channels (x ${formatShape(x.dims)})`);
  const cg = c / group;
  const mg = w.dims[1]!;
  const m = mg * group;
  const inSp = x.dims.slice(2);
  const kernel = w.dims.slice(2);
  const strides = inSp.map((_, d) => op.strides[d] ?? 1);
  const dil = inSp.map((_, d) => op.dilations[d] ?? 1);
  const pb = inSp.map((_, d) => op.pads[d] ?? 0);
  const pe = inSp.map((_, d) => op.pads[nd + d] ?? 0);
  const outPad = inSp.map((_, d) => op.outputPadding[d] ?? 0);
  const outSp = inSp.map((s, d) => convTransposeOutputSize(s, kernel[d]!, strides[d]!, pb[d]!, pe[d]!, dil[d]!, outPad[d]!));

  // For each kernel tap: input positions i with 0 ≤ i·s + (k·dil − pb) < out.
  const taps: Tap[] = kernelTaps(kernel).map((k) => {
    const off = k.map((kd, d) => kd * dil[d]! - pb[d]!);
    return {
      lo: off.map((o, d) => Math.max(0, Math.ceil(-o / strides[d]!))),
      hi: off.map((o, d) => Math.min(inSp[d]!, Math.floor((outSp[d]! - 1 - o) / strides[d]!) + 1)),
      off,
    };
  });

  const xv = float64Data(x);
  const wv = float64Data(w);
  const inPlane = sizeOf(inSp);
  const outPlane = sizeOf(outSp);
  const inStrides = stridesOf(inSp);
  const outStrides = stridesOf(outSp);
  const kSize = sizeOf(kernel);
  const out = new Float64Array(n * m * outPlane);
  const counter = new Array<number>(nd).fill(0);
  for (let b = 0; b < n; b++) {
    for (let ic = 0; ic < c; ic++) {
      const g = Math.floor(ic / cg);
      const srcBase = (b * c + ic) * inPlane;
      for (let j = 0; j < mg; j++) {
        const dstBase = (b * m + g * mg + j) * outPlane;
        const wBase = (ic * mg + j) * kSize;
        for (let t = 0; t < kSize; t++) {
          scatterTap(out, dstBase, outStrides, xv, srcBase, inStrides, strides, taps[t]!, wv[wBase + t]!, counter);
        }
      }
    }
  }
  addBias(out, bias, n, m, outPlane);
  return fromFloat64(x.dtype, [n, m, ...outSp], out);
}
