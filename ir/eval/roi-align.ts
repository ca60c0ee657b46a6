/**
 * roiAlign on the host, following onnxruntime's RoiAlign (the algorithm of Detectron's ROIAlign):
 *
 * - A box [x1, y1, x2, y2] is scaled by spatialScale and shifted by −0.5 under half_pixel. Under
 *   output_half_pixel a box smaller than 1×1 is widened to 1×1 (half_pixel keeps it as is).
 * - It is cut into outputHeight × outputWidth bins; each bin takes samplingRatio² samples (or
 *   ceil(box / bins) per axis when samplingRatio is 0) at the centers of a regular sub-grid.
 * - A sample more than one pixel outside the map contributes nothing (weight 0); otherwise its
 *   coordinates clamp at 0 and the last row/column, and it is interpolated bilinearly.
 * - avg: the mean of the samples. max: the max over samples of the largest of the four weighted
 *   corner terms w·v — onnxruntime's reading (not the max of interpolated values), which the ONNX
 *   backend data follows too. A bin with no samples is 0.
 *
 * Coordinates and weights are computed in float32, operation by operation in onnxruntime's order
 * (Math.fround), so sample positions truncate to the same pixels as there and on the GPU; the
 * sums run in float64.
 */

import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { describe, float64Data, fromFloat64, requireFloat } from './tensor.js';

type RoiAlignOp = Extract<Op, { kind: 'roiAlign' }>;

const f = Math.fround;

/** The geometry of one box, in float32 as onnxruntime computes it. */
export interface RoiGeometry {
  startW: number;
  startH: number;
  binW: number;
  binH: number;
  gridW: number;
  gridH: number;
}

export function roiGeometry(op: RoiAlignOp, box: ArrayLike<number>): RoiGeometry {
  const offset = op.halfPixel ? 0.5 : 0;
  const scale = f(op.spatialScale);
  const startW = f(f(box[0]! * scale) - offset);
  const startH = f(f(box[1]! * scale) - offset);
  let width = f(f(f(box[2]! * scale) - offset) - startW);
  let height = f(f(f(box[3]! * scale) - offset) - startH);
  if (!op.halfPixel) {
    width = Math.max(width, 1);
    height = Math.max(height, 1);
  }
  const binH = f(height / op.outputHeight);
  const binW = f(width / op.outputWidth);
  const gridH = op.samplingRatio > 0 ? op.samplingRatio : Math.ceil(binH);
  const gridW = op.samplingRatio > 0 ? op.samplingRatio : Math.ceil(binW);
  return { startW, startH, binW, binH, gridW, gridH };
}

/** A sample's four corner offsets in the map and their bilinear weights (all 0 outside). */
interface Sample {
  pos: [number, number, number, number];
  w: [number, number, number, number];
}

function bilinearSample(yIn: number, xIn: number, height: number, width: number): Sample {
  if (yIn < -1 || yIn > height || xIn < -1 || xIn > width) return { pos: [0, 0, 0, 0], w: [0, 0, 0, 0] };
  let y = yIn <= 0 ? 0 : yIn;
  let x = xIn <= 0 ? 0 : xIn;
  let yLow = Math.trunc(y);
  let xLow = Math.trunc(x);
  let yHigh: number;
  let xHigh: number;
  if (yLow >= height - 1) {
    yHigh = yLow = height - 1;
    y = yLow;
  } else yHigh = yLow + 1;
  if (xLow >= width - 1) {
    xHigh = xLow = width - 1;
    x = xLow;
  } else xHigh = xLow + 1;
  const ly = f(y - yLow);
  const lx = f(x - xLow);
  const hy = f(1 - ly);
  const hx = f(1 - lx);
  return {
    pos: [yLow * width + xLow, yLow * width + xHigh, yHigh * width + xLow, yHigh * width + xHigh],
    w: [f(hy * hx), f(hy * lx), f(ly * hx), f(ly * lx)],
  };
}

export function evalRoiAlign(op: RoiAlignOp, x: Tensor, rois: Tensor, batchIndices: Tensor): Tensor {
  requireFloat(x, 'roiAlign x');
  const [batch, channels, height, width] = x.dims as [number, number, number, number];
  const count = rois.dims[0]!;
  if (rois.dims.length !== 2 || rois.dims[1] !== 4 || batchIndices.data.length !== count) {
    throw new Error(`roiAlign: rois ${describe(rois)} and batchIndices ${describe(batchIndices)} must be (R, 4) and (R)`);
  }
  const xs = float64Data(x);
  const boxes = float64Data(rois);
  const [oh, ow] = [op.outputHeight, op.outputWidth];
  const out = new Float64Array(count * channels * oh * ow);
  for (let r = 0; r < count; r++) {
    const b = Number(batchIndices.data[r]!);
    if (!Number.isInteger(b) || b < 0 || b >= batch) throw new Error(`roiAlign: batch index ${b} of box ${r} is out of range for ${batch} images`);
    const g = roiGeometry(op, boxes.subarray(r * 4, r * 4 + 4));
    // The samples of every bin, shared by all channels.
    const bins: Sample[][] = [];
    for (let ph = 0; ph < oh; ph++) {
      for (let pw = 0; pw < ow; pw++) {
        const samples: Sample[] = [];
        for (let iy = 0; iy < g.gridH; iy++) {
          const y = f(f(g.startH + f(ph * g.binH)) + f(f((iy + 0.5) * g.binH) / g.gridH));
          for (let ix = 0; ix < g.gridW; ix++) {
            const xx = f(f(g.startW + f(pw * g.binW)) + f(f((ix + 0.5) * g.binW) / g.gridW));
            samples.push(bilinearSample(y, xx, height, width));
          }
        }
        bins.push(samples);
      }
    }
    const divisor = Math.max(g.gridH * g.gridW, 1);
    for (let c = 0; c < channels; c++) {
      const base = (b * channels + c) * height * width;
      bins.forEach((samples, bin) => {
        let acc = op.mode === 'avg' || samples.length === 0 ? 0 : -Infinity;
        for (const s of samples) {
          const terms = s.w.map((w, k) => w * xs[base + s.pos[k]!]!);
          acc = op.mode === 'avg' ? acc + terms[0]! + terms[1]! + terms[2]! + terms[3]! : Math.max(acc, ...terms);
        }
        out[((r * channels + c) * oh * ow) + bin] = op.mode === 'avg' ? acc / divisor : acc;
      });
    }
  }
  return fromFloat64(x.dtype, [count, channels, oh, ow], out);
}
