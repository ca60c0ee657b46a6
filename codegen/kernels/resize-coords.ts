/**
 * Resize's per-axis coordinate maps for codegen/kernels/resize.ts, as WGSL expressions: the input
 * coordinate of an output coordinate under each coordinate transformation mode, on a static axis
 * (lengths and scale are literals) or a dynamic one (lengths from the dims table, the scale and
 * ROI as expressions); the nearest-index rounding; Keys' cubic weights; and, for static axes, the
 * host replay of the device's f32 arithmetic that finds the nearest indices onnxruntime computes
 * differently (half_pixel_symmetric's final step in double), which the kernel then corrects.
 */

import { nearestIndex, resizeCoordinate } from '../../ir/eval/index.js';
import type { Op } from '../../ir/ops.js';
import type { Dim } from '../../ir/shape.js';
import { f32Lit } from '../wgsl.js';
import { f32 as f32Dim, u32 } from '../dims.js';

type ResizeOp = Extract<Op, { kind: 'resize' }>;

const f32 = Math.fround;

/** WGSL f32 expression: the input coordinate of output coordinate `c` (u32) along a static axis. */
export function coordExpr(op: ResizeOp, c: string, scale: number, inLen: number, outLen: number): string {
  const x = `f32(${c})`;
  const s = f32Lit(f32(scale));
  switch (op.coordMode) {
    case 'half_pixel':
      return `(${x} + 0.5) / ${s} - 0.5`;
    case 'pytorch_half_pixel':
      return outLen > 1 ? `(${x} + 0.5) / ${s} - 0.5` : '0.0';
    case 'align_corners':
      // Divides by the integer output length − 1, as the spec text and onnxruntime do.
      return outLen === 1 ? '0.0' : `(${x} * ${f32Lit(inLen - 1)}) / ${f32Lit(outLen - 1)}`;
    case 'asymmetric':
      return `${x} / ${s}`;
    case 'tf_half_pixel_for_nn':
      return `(${x} + 0.5) / ${s}`;
    case 'half_pixel_symmetric': {
      // Centres the scaled extent scale·in on the output canvas; the constants are f32 as in
      // onnxruntime (which takes the final sum in double: a 1-ulp difference at worst).
      const adjustment = f32(outLen / f32(f32(scale) * inLen));
      const offset = f32(f32(inLen / 2) * f32(1 - adjustment));
      return `${f32Lit(offset)} + ((${x} + 0.5) / ${s} - 0.5)`;
    }
    case 'tf_crop_and_resize':
      // ROI [0, 1]: start·(in − 1) + c·(end − start)·(in − 1)/(out − 1), or the ROI centre.
      return outLen > 1 ? `(${x} * ${f32Lit(inLen - 1)}) / ${f32Lit(outLen - 1)}` : f32Lit(0.5 * (inLen - 1));
    default: {
      const never: never = op.coordMode;
      throw new Error(`unknown coordinate mode ${String(never)}`);
    }
  }
}

/** A dynamic axis (see the header): its lengths, and its scale and ROI as WGSL f32 expressions. */
export interface DynamicAxis {
  inDim: Dim;
  outDim: Dim;
  /** Unused (empty) where the transform does not read the scale. */
  scale: string;
  /** ROI start and end; undefined: the whole input. */
  roi?: [string, string];
}

/** `d − minus` as a WGSL f32 expression (a literal when static). */
export function lenF(d: Dim, minus = 0): string {
  if (typeof d === 'number') return f32Lit(d - minus);
  return minus ? `(${f32Dim(d)} - ${f32Lit(minus)})` : f32Dim(d);
}

/** `e` where the output length exceeds 1, else `otherwise` (decided at codegen when static). */
function ifLonger(outDim: Dim, e: string, otherwise: string): string {
  if (typeof outDim === 'number') return outDim > 1 ? e : otherwise;
  return `select(${otherwise}, ${e}, ${u32(outDim)} > 1u)`;
}

/** WGSL f32 expression: the input coordinate of output coordinate `c` along a dynamic axis. */
export function dynamicCoordExpr(op: ResizeOp, c: string, a: DynamicAxis): string {
  const x = `f32(${c})`;
  const s = a.scale;
  const inM1 = lenF(a.inDim, 1);
  switch (op.coordMode) {
    case 'half_pixel':
      return `(${x} + 0.5) / ${s} - 0.5`;
    case 'pytorch_half_pixel':
      return ifLonger(a.outDim, `(${x} + 0.5) / ${s} - 0.5`, '0.0');
    case 'align_corners':
      return ifLonger(a.outDim, `(${x} * ${inM1}) / ${lenF(a.outDim, 1)}`, '0.0');
    case 'asymmetric':
      return `${x} / ${s}`;
    case 'tf_half_pixel_for_nn':
      // The one transform that moves a kept axis (o + 0.5); at scale 1 onnxruntime maps each
      // index to itself, as static axes of scale 1 are skipped (and the host does).
      return `select((${x} + 0.5) / ${s}, ${x}, ${s} == 1.0)`;
    case 'half_pixel_symmetric': {
      const inF = lenF(a.inDim);
      return `(${inF} / 2.0) * (1.0 - ${lenF(a.outDim)} / (${s} * ${inF})) + ((${x} + 0.5) / ${s} - 0.5)`;
    }
    case 'tf_crop_and_resize': {
      if (!a.roi) return ifLonger(a.outDim, `(${x} * ${inM1}) / ${lenF(a.outDim, 1)}`, `0.5 * ${inM1}`);
      const [start, end] = a.roi;
      // onnxruntime's operation order: start·(in − 1) + ((x·(end − start))·(in − 1)) / (out − 1).
      return ifLonger(a.outDim, `${start} * ${inM1} + (${x} * (${end} - ${start}) * ${inM1}) / ${lenF(a.outDim, 1)}`, `0.5 * (${start} + ${end}) * ${inM1}`);
    }
    default: {
      const never: never = op.coordMode;
      throw new Error(`unknown coordinate mode ${String(never)}`);
    }
  }
}

/**
 * The f32 value `coordExpr` computes on the device, evaluated on the host with the same
 * operations in the same order (Math.fround after each), assuming correctly rounded f32 ops.
 */
function deviceCoord(op: ResizeOp, c: number, scale: number, inLen: number, outLen: number): number {
  const s = f32(scale);
  const hp = () => f32(f32(f32(c + 0.5) / s) - 0.5);
  switch (op.coordMode) {
    case 'half_pixel':
      return hp();
    case 'pytorch_half_pixel':
      return outLen > 1 ? hp() : 0;
    case 'align_corners':
    case 'tf_crop_and_resize':
      if (outLen > 1) return f32(f32(c * (inLen - 1)) / (outLen - 1));
      return op.coordMode === 'align_corners' ? 0 : f32(0.5 * (inLen - 1));
    case 'asymmetric':
      return f32(c / s);
    case 'tf_half_pixel_for_nn':
      return f32(f32(c + 0.5) / s);
    case 'half_pixel_symmetric': {
      const adjustment = f32(outLen / f32(s * inLen));
      const offset = f32(f32(inLen / 2) * f32(1 - adjustment));
      return f32(offset + hp());
    }
    default: {
      const never: never = op.coordMode;
      throw new Error(`unknown coordinate mode ${String(never)}`);
    }
  }
}

/**
 * Output coordinates of one axis whose nearest source index, as the device computes it, differs
 * from onnxruntime's (the reference's) — with the index to use instead. Empty for every mode but
 * half_pixel_symmetric, where onnxruntime takes the last step in double: there the device's f32
 * rounding can move a coordinate across a rounding boundary (e.g. 3.9999998 instead of 4.0).
 */
export function nearestCorrections(op: ResizeOp, scale: number, inLen: number, outLen: number): [number, number][] {
  if (op.coordMode === 'tf_crop_and_resize') return []; // the reference has no ROI; same formula
  const clampI = (i: number) => Math.min(Math.max(i, 0), inLen - 1);
  const out: [number, number][] = [];
  for (let c = 0; c < outLen; c++) {
    const want = clampI(nearestIndex(op.nearestMode, resizeCoordinate(op.coordMode, c, scale, inLen, outLen), f32(scale)));
    const got = clampI(nearestIndex(op.nearestMode, deviceCoord(op, c, scale, inLen, outLen), f32(scale)));
    if (want !== got) out.push([c, want]);
  }
  return out;
}

/**
 * WGSL i32 expression: the nearest source index of coordinate `x` (before clamping); `scale` (a
 * number, or a WGSL f32 expression on a dynamic axis) decides `simple`.
 */
export function nearestExpr(op: ResizeOp, x: string, f: string, scale: number | string): string {
  // round() rounds ties to even, but only non-ties reach it: ties are decided explicitly.
  switch (op.nearestMode) {
    case 'simple':
      if (typeof scale === 'number') return f32(scale) < 1 ? `i32(ceil(${x}))` : `i32(${f})`;
      return `select(i32(${f}), i32(ceil(${x})), ${scale} < 1.0)`;
    case 'round_prefer_floor':
      return `i32(select(round(${x}), ${f}, ${x} == ${f} + 0.5))`;
    case 'round_prefer_ceil':
      return `i32(select(round(${x}), ${f} + 1.0, ${x} == ${f} + 0.5))`;
    case 'floor':
      return `i32(${f})`;
    case 'ceil':
      return `i32(ceil(${x}))`;
    default: {
      const never: never = op.nearestMode;
      throw new Error(`unknown nearest mode ${String(never)}`);
    }
  }
}

/** Keys cubic weights of the taps floor(x) − 1 … floor(x) + 2 at fraction t (WGSL, f32). */
export function cubicWeightExprs(t: string, a: number): string[] {
  const A = f32Lit(a);
  const far = (d: string) => `((${A} * ${d} - 5.0 * ${A}) * ${d} + 8.0 * ${A}) * ${d} - 4.0 * ${A}`;
  const near = (d: string) => `((${A} + 2.0) * ${d} - (${A} + 3.0)) * ${d} * ${d} + 1.0`;
  return [far(`(${t} + 1.0)`), near(t), near(`(1.0 - ${t})`), far(`(2.0 - ${t})`)];
}
