/**
 * Resize on the host: nearest (every rounding mode), N-d multilinear and cubic interpolation,
 * under every coordinate transform, tf_crop_and_resize with its region of interest (the op's
 * second input, or the whole input) and extrapolation value.
 *
 * Interpolation in ONNX is a tensor product of 1-D interpolations, so it is applied one axis at a
 * time: each axis gets, per output index, a few (source index, weight) taps — 1 for nearest, 2 for
 * linear, 4 for cubic — computed exactly as the ONNX reference does (edge-clamped neighbours,
 * exclude_outside renormalisation), and the tensor is contracted along that axis in float64.
 * Nearest is a pure index map, so it copies elements and works for every dtype, int64 included.
 *
 * The per-axis scale is the op's (a compile-time number), else the scales input's element (given
 * at run time), else sizes/in (sizes given at run time), as ONNX derives it.
 *
 * The coordinate transforms follow the ONNX spec text and onnxruntime where the ONNX reference
 * implementation differs: align_corners divides by (output length − 1) using the integer output
 * length (the reference uses scale · input length), and pytorch_half_pixel maps to 0 when the
 * output length is 1 (the reference uses −0.5). Coordinates are float32 (see resizeCoordinate);
 * interpolation weights and sums are float64.
 */

import type { Tensor } from '../graph.js';
import type { Op, ResizeCoordMode, ResizeNearestMode } from '../ops.js';
import { formatShape, stridesOf } from '../shape.js';
import { identityTable, remap } from './movement.js';
import { describe, float64Data, fromFloat64, isBigIntType, sizeOf } from './tensor.js';

type ResizeOp = Extract<Op, { kind: 'resize' }>;

const f32 = Math.fround;

/** tf_crop_and_resize's region of one axis, as fractions of (input length − 1). */
export type Roi = readonly [start: number, end: number];

const FULL_ROI: Roi = [0, 1];

/**
 * Input coordinate of output index `x` along an axis (ONNX coordinate_transformation_mode),
 * evaluated in float32 arithmetic operation by operation, as onnxruntime (and any f32 GPU kernel)
 * computes it. The difference from float64 is tiny but decides nearest-neighbour rounding when a
 * coordinate lands on a tie through an inexact division (scale 1/7: (0 + 0.5) · 7 − 0.5 is 3 in
 * exact arithmetic, 2.9999998 in float32). `roi` is used by tf_crop_and_resize only.
 */
export function resizeCoordinate(mode: ResizeCoordMode, x: number, scale: number, inLen: number, outLen: number, roi: Roi = FULL_ROI): number {
  const s = f32(scale);
  switch (mode) {
    case 'half_pixel':
      return f32(f32(f32(x + 0.5) / s) - 0.5);
    case 'pytorch_half_pixel':
      return outLen > 1 ? f32(f32(f32(x + 0.5) / s) - 0.5) : 0;
    case 'align_corners':
      // Divides by the integer output length, as the spec text and onnxruntime do.
      return outLen === 1 ? 0 : f32(f32(x * (inLen - 1)) / (outLen - 1));
    case 'asymmetric':
      return f32(x / s);
    case 'tf_half_pixel_for_nn':
      return f32(f32(x + 0.5) / s);
    case 'half_pixel_symmetric': {
      // Centres the (possibly fractional) scaled extent scale·in on the integer output canvas.
      const adjustment = f32(outLen / f32(s * inLen));
      const offset = f32(f32(inLen / 2) * f32(1 - adjustment));
      return f32(offset + (x + 0.5) / s - 0.5); // onnxruntime takes this last step in double
    }
    case 'tf_crop_and_resize': {
      // start·(in − 1) + x·(end − start)·(in − 1)/(out − 1), or the region's centre; f32 as in
      // onnxruntime, whose full-ROI case reduces to x·(in − 1)/(out − 1) exactly.
      const [a, b] = [f32(roi[0]), f32(roi[1])];
      if (outLen === 1) return f32(0.5 * f32(a + b) * (inLen - 1)); // in double, as onnxruntime
      const span = f32(f32(f32(x * f32(b - a)) * (inLen - 1)) / (outLen - 1));
      return f32(f32(a * (inLen - 1)) + span);
    }
    default: {
      const never: never = mode;
      throw new Error(`unknown resize coordinate mode ${String(never)}`);
    }
  }
}

/**
 * Rounds an input coordinate to a source index per ONNX nearest_mode (before clamping); `simple`
 * rounds up where the axis downsamples (`scale` < 1), down elsewhere.
 */
export function nearestIndex(mode: ResizeNearestMode, x: number, scale: number): number {
  switch (mode) {
    case 'simple':
      return scale < 1 ? Math.ceil(x) : Math.floor(x);
    case 'round_prefer_floor':
      return x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil':
      return x === Math.floor(x) + 0.5 ? Math.ceil(x) : Math.round(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    default: {
      const never: never = mode;
      throw new Error(`unknown nearest mode ${String(never)}`);
    }
  }
}

/** Keys' cubic convolution weights for the 4 neighbours floor(x) − 1 … floor(x) + 2 at fraction t. */
function cubicWeights(t: number, a: number): [number, number, number, number] {
  const far = (d: number) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; // 1 ≤ d < 2
  const near = (d: number) => ((a + 2) * d - (a + 3)) * d * d + 1; // 0 ≤ d ≤ 1
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** One axis's geometry: lengths, the scale of the coordinate transform, the ROI. */
interface Axis {
  inLen: number;
  outLen: number;
  scale: number;
  roi: Roi;
}

const coordinate = (op: ResizeOp, o: number, a: Axis) => resizeCoordinate(op.coordMode, o, a.scale, a.inLen, a.outLen, a.roi);

/** Whether output index `o` lies outside the input (tf_crop_and_resize extrapolates there). */
function outside(op: ResizeOp, o: number, a: Axis): boolean {
  if (op.coordMode !== 'tf_crop_and_resize') return false;
  const x = coordinate(op, o, a);
  return x < 0 || x > a.inLen - 1;
}

interface AxisTaps {
  /** Taps per output index. */
  width: number;
  /** Source index of tap j of output o at [o·width + j] (already clamped into the input). */
  index: Int32Array;
  weight: Float64Array;
}

function axisTaps(op: ResizeOp, a: Axis): AxisTaps {
  const { inLen, outLen } = a;
  const width = op.mode === 'linear' ? 2 : 4;
  const index = new Int32Array(outLen * width);
  const weight = new Float64Array(outLen * width);
  const clamp = (i: number) => (i < 0 ? 0 : i >= inLen ? inLen - 1 : i);
  for (let o = 0; o < outLen; o++) {
    const x = coordinate(op, o, a);
    const x0 = Math.floor(x);
    const t = x - x0;
    const at = o * width;
    if (op.mode === 'linear') {
      index[at] = clamp(x0);
      index[at + 1] = clamp(x0 + 1);
      weight[at] = 1 - t;
      weight[at + 1] = t;
      continue;
    }
    const w = cubicWeights(t, op.cubicCoeffA);
    let sum = 0;
    for (let j = 0; j < 4; j++) {
      const src = x0 - 1 + j;
      // exclude_outside drops neighbours outside the input and renormalises the rest; otherwise
      // they read the edge element (the reference pads with 'edge').
      const wj = op.excludeOutside && (src < 0 || src >= inLen) ? 0 : w[j]!;
      index[at + j] = clamp(src);
      weight[at + j] = wj;
      sum += wj;
    }
    if (op.excludeOutside) for (let j = 0; j < 4; j++) weight[at + j] = weight[at + j]! / sum;
  }
  return { width, index, weight };
}

/** Contracts `src` (shape dims) along `axis` with the taps, giving length outLen on that axis. */
function interpolateAxis(src: Float64Array, dims: readonly number[], axis: number, outLen: number, taps: AxisTaps): Float64Array {
  const inLen = dims[axis]!;
  const outer = sizeOf(dims.slice(0, axis));
  const inner = sizeOf(dims.slice(axis + 1));
  const out = new Float64Array(outer * outLen * inner);
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < outLen; o++) {
      const dst = (b * outLen + o) * inner;
      for (let j = 0; j < taps.width; j++) {
        const w = taps.weight[o * taps.width + j]!;
        const s = (b * inLen + taps.index[o * taps.width + j]!) * inner;
        for (let k = 0; k < inner; k++) out[dst + k] += w * src[s + k]!;
      }
    }
  }
  return out;
}

/** The geometry of every axis: the op's scales, else the scales input, else sizes/in. */
function axesOf(op: ResizeOp, x: Tensor, outDims: readonly number[], param: Tensor | undefined): Axis[] {
  const rank = x.dims.length;
  const crop = op.coordMode === 'tf_crop_and_resize';
  const values = param ? float64Data(param) : undefined;
  const want = crop ? 2 * rank : rank;
  if (values && values.length !== want) throw new Error(`resize ${crop ? 'roi' : 'scales'} input ${describe(param!)} must hold ${want} values`);
  if (op.scales.length !== 0 && op.scales.length !== rank) throw new Error(`resize scales ${formatShape(op.scales)} do not match ${describe(x)}`);
  return x.dims.map((inLen, d) => {
    const outLen = outDims[d]!;
    // tf_crop_and_resize ignores the scale; its input is the ROI.
    const scale = op.scales[d] ?? (values && !crop ? values[d]! : outLen / inLen);
    const roi: Roi = values && crop ? [values[d]!, values[rank + d]!] : FULL_ROI;
    return { inLen, outLen, scale, roi };
  });
}

/** Whether an axis maps every index to itself (kept length, scale 1, the whole ROI). */
function isIdentity(op: ResizeOp, a: Axis): boolean {
  if (a.inLen !== a.outLen) return false;
  if (op.coordMode === 'tf_crop_and_resize') return (a.roi[0] === 0 && a.roi[1] === 1) || a.inLen === 1;
  return a.scale === 1;
}

/** Sets every output element whose coordinate lies outside the input on some axis to `value`. */
function extrapolate(op: ResizeOp, t: Tensor, axes: readonly Axis[]): Tensor {
  const masks = axes.map((a) => Array.from({ length: a.outLen }, (_, o) => outside(op, o, a)));
  if (!masks.some((m) => m.includes(true))) return t;
  const strides = stridesOf(t.dims);
  const data = t.data;
  const v = op.extrapolationValue;
  const fill = isBigIntType(t.dtype) ? BigInt(Math.trunc(v)) : t.dtype === 'bool' ? Number(v !== 0) : v;
  for (let i = 0; i < sizeOf(t.dims); i++) {
    if (masks.some((m, d) => m[Math.floor(i / strides[d]!) % t.dims[d]!])) (data as unknown as (number | bigint)[])[i] = fill;
  }
  return t;
}

/**
 * `param` is the op's second input (the run-time scales or the ROI, see ir/ops.ts); `bindings`
 * resolve symbolic sizes.
 */
export function evalResize(op: ResizeOp, x: Tensor, bindings: Readonly<Record<string, number>> = {}, param?: Tensor): Tensor {
  const rank = x.dims.length;
  const outDims = op.sizes.map((d) => {
    const v = typeof d === 'string' ? bindings[d] : d;
    if (v === undefined) throw new Error(`resize output size '${d}' is not bound`);
    return v;
  });
  if (outDims.length !== rank) throw new Error(`resize sizes ${formatShape(op.sizes)} do not match ${describe(x)}`);
  const axes = axesOf(op, x, outDims, param);
  if (op.mode === 'nearest') {
    const strides = stridesOf(x.dims);
    const tables = axes.map((a, d) => {
      if (isIdentity(op, a)) return identityTable(a.outLen, strides[d]!);
      const t = new Int32Array(a.outLen);
      for (let o = 0; o < a.outLen; o++) {
        const i = nearestIndex(op.nearestMode, coordinate(op, o, a), f32(a.scale));
        t[o] = Math.min(Math.max(i, 0), a.inLen - 1) * strides[d]!;
      }
      return t;
    });
    return extrapolate(op, remap(x, outDims, tables), axes);
  }
  if (isBigIntType(x.dtype) || x.dtype === 'bool') throw new Error(`${op.mode} resize is not defined on ${describe(x)}`);
  let data = float64Data(x);
  const dims = [...x.dims];
  for (let d = 0; d < rank; d++) {
    // Axes that map every index to itself are skipped.
    if (isIdentity(op, axes[d]!)) continue;
    if (dims[d] === 0 && outDims[d]! > 0) throw new Error(`cannot resize an empty axis ${d} of ${describe(x)}`);
    data = interpolateAxis(data, dims, d, outDims[d]!, axisTaps(op, axes[d]!));
    dims[d] = outDims[d]!;
  }
  return extrapolate(op, fromFloat64(x.dtype, outDims, data === x.data ? data.slice() : data), axes);
}
