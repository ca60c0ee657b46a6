/**
 * Resampling → IR `resize`.
 *
 * ONNX: Resize (opset 10/11/13/18/19), Upsample (1/7/9; deprecated from 10). Opsets 10 to
 * MAX_OPSET for Resize, 1–9 for Upsample.
 * - Resize-10: inputs X, scales; modes nearest/linear with Upsample's geometry (asymmetric
 *   coordinates). The spec does not say how nearest rounds; onnxruntime rounds down on an axis
 *   it upsamples and up on one it downsamples, and so do we (nearest mode `simple`).
 * - Resize-11+: inputs X, roi, scales, sizes — exactly one of scales/sizes (an empty tensor
 *   counts as absent). Attributes mode, coordinate_transformation_mode, nearest_mode,
 *   cubic_coeff_a, exclude_outside, extrapolation_value; opset 11's tf_half_pixel_for_nn. From
 *   18: `axes` (scales/sizes apply to those axes only) and keep_aspect_ratio_policy; from 19 the
 *   half_pixel_symmetric mode. `antialias=1` (18+) is rejected as a form.
 * - Upsample-1: 4-d NCHW input, `height_scale` and `width_scale` attributes (≥ 1), modes nearest
 *   and bilinear; Upsample-7: `scales` attribute; Upsample-9: scales input; modes nearest/linear.
 *   All share the asymmetric geometry, so version 1 is version 7 with scales [1, 1, h, w].
 * Output sizes follow the spec: floor(in · scale) from scales; from sizes, scale = out / in. An
 * axis whose dim is a symbol keeps its size (scale 1) or scales by an integer factor or its
 * inverse (in · k, in // k).
 *
 * Known only at run time:
 * - scales as a graph input (every axis): each output size is a value symbol ⌊in · scale⌋ bound
 *   per run (ctx.scaledSizes); the op's `scales` are empty and, where the coordinate transform
 *   uses the scale itself, the scales tensor is the op's second input, read by the kernel per run.
 * - sizes as a graph input or a shape computation: the output dims are symbols; where a scale
 *   (out / in) is not a compile-time number the op's `scales` are empty and the kernel divides the
 *   bound dims, as ONNX derives the scale.
 * - tf_crop_and_resize's roi (constant or not) is the op's second input, read by the kernel.
 * Types: any numeric X; float scales and roi; int64 sizes.
 * Lowers to: `resize` with per-axis scales and sizes and every attribute explicit.
 */

import { RESIZE_COORD_MODES, type ResizeCoordMode, type ResizeNearestMode } from '../../../ir/ops.js';
import type { Dim } from '../../../ir/shape.js';
import { dimFloorDiv, dimMul } from '../../../ir/dim.js';
import type { Value } from '../../../ir/graph.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, iota, normalizeAxes, staticDim, tensorToNumbers } from './common.js';

type Mode = 'nearest' | 'linear' | 'cubic';
const COORD_MODES: readonly string[] = RESIZE_COORD_MODES;
const NEAREST_MODES: ResizeNearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

/** Whether a coordinate transform reads the scale itself (the others use lengths and the ROI). */
const usesScale = (coord: ResizeCoordMode) => coord !== 'align_corners' && coord !== 'tf_crop_and_resize';

function readMode(ctx: ImportContext, allowed: string[]): Mode {
  const mode = ctx.getString('mode', 'nearest');
  // Upsample-1 called linear 'bilinear'; accept it as the same thing.
  const m = mode === 'bilinear' ? 'linear' : mode;
  if (!allowed.includes(m)) ctx.fail(`mode '${mode}' is not one of ${allowed.join(', ')}`);
  return m as Mode;
}

/** Whether an optional float input is absent or holds no elements (ONNX's "not given"). */
function isEmpty(v: Value | undefined): boolean {
  if (v === undefined) return true;
  if (v.data !== undefined) return v.data.data.length === 0;
  return v.type.shape.some((d) => d === 0);
}

/**
 * A scales input: its numbers when constant, the value itself when given at run time, undefined
 * when absent or empty.
 */
function readScales(ctx: ImportContext, index: number): number[] | Value | undefined {
  const v = ctx.optionalInput(index);
  if (isEmpty(v)) return undefined;
  return v!.data !== undefined ? tensorToNumbers(v!.data) : v;
}

/** Output sizes ⌊in · scale⌋ for scales given at run time: value symbols bound per run. */
function runtimeScaledSizes(ctx: ImportContext, index: number, x: Value): Dim[] {
  const sizes = ctx.scaledSizes(index, x.type.shape);
  if (sizes === undefined) {
    ctx.unsupported(
      `input 'scales' is computed at run time; it must then be a graph input holding ${x.rank} floats (scales computed from other tensors are not supported)`,
    );
  }
  return sizes;
}

/**
 * Per-axis sizes from per-axis scales: floor(in · scale), the input dim itself where scale is 1.
 * A symbolic dim is scaled exactly by an integer factor k (in · k) or its inverse (in // k);
 * other scales need the dim bound.
 */
function sizesFromScales(x: Value, scales: number[]): Dim[] {
  return x.type.shape.map((d, i) => {
    const s = scales[i]!;
    if (s === 1) return d;
    if (typeof d === 'string') {
      if (Number.isInteger(s)) return dimMul(d, s);
      // floor(in · 1/k) = in // k, exactly, when 1/k is what the float holds.
      const k = Math.round(1 / s);
      if (k > 1 && 1 / k === s) return dimFloorDiv(d, k);
    }
    return Math.floor(staticDim(d, `resizing axis ${i} by ${s}`) * s);
  });
}

/**
 * Resize-10 and Upsample: asymmetric coordinates, given scales (see the header on rounding: one
 * mode for all axes where it can be, else `simple`, which rounds per axis by its scale). Scales
 * given at run time (input `index`) are read by the kernel, with `simple` rounding.
 */
function legacyResize(ctx: ImportContext, x: Value, given: number[] | Value, mode: Mode, index: number): Value[] {
  const common = { kind: 'resize', mode, coordMode: 'asymmetric', cubicCoeffA: -0.75, excludeOutside: false, extrapolationValue: 0 } as const;
  if (!Array.isArray(given)) {
    const op = { ...common, nearestMode: 'simple' as const, scales: [], sizes: runtimeScaledSizes(ctx, index, x) };
    return [ctx.addOut1(op, [x, given])];
  }
  const scales = given;
  if (scales.length !== x.rank) ctx.fail(`scales has ${scales.length} values for rank ${x.rank}`);
  if (scales.some((s) => !(s > 0))) ctx.fail(`scales [${scales.join(', ')}] must be positive`);
  const down = scales.some((s) => s < 1);
  const up = scales.some((s) => s > 1);
  const op = { ...common, nearestMode: down && up ? 'simple' : down ? 'ceil' : 'floor', scales, sizes: sizesFromScales(x, scales) } as const;
  return [ctx.addOut1(op, [x])];
}

function upsample(ctx: ImportContext) {
  const x = ctx.input(0, 'X');
  if (ctx.opset >= 9) ctx.rejectMovedAttr('scales', 9);
  let scales: number[] | Value;
  if (ctx.opset < 7) {
    if (x.rank !== 4) ctx.fail(`X must be 4-d (N, C, H, W) at opset ${ctx.opset}, got rank ${x.rank}`);
    scales = [1, 1, ctx.getFloat('height_scale'), ctx.getFloat('width_scale')];
  } else if (ctx.opset < 9) {
    scales = ctx.getFloats('scales');
  } else {
    ctx.input(1, 'scales');
    scales = readScales(ctx, 1) ?? ctx.fail('scales must not be empty');
  }
  if (Array.isArray(scales) && scales.some((s) => s < 1)) ctx.fail(`Upsample scales [${scales.join(', ')}] must be ≥ 1`);
  return legacyResize(ctx, x, scales, readMode(ctx, ['nearest', 'linear']), 1);
}

function resize(ctx: ImportContext) {
  const x = ctx.input(0, 'X');
  if (ctx.opset < 11) {
    ctx.input(1, 'scales');
    const scales = readScales(ctx, 1) ?? ctx.fail('scales must not be empty');
    return legacyResize(ctx, x, scales, readMode(ctx, ['nearest', 'linear']), 1);
  }

  const mode = readMode(ctx, ['nearest', 'linear', 'cubic']);
  const coord = ctx.getString('coordinate_transformation_mode', 'half_pixel') as ResizeCoordMode;
  if (!COORD_MODES.includes(coord)) ctx.fail(`coordinate_transformation_mode '${coord}' is unknown`);
  const nearest = ctx.getString('nearest_mode', 'round_prefer_floor');
  if (!(NEAREST_MODES as string[]).includes(nearest)) ctx.fail(`nearest_mode '${nearest}' is unknown`);
  if (ctx.opset >= 18 && ctx.getInt('antialias', 0) !== 0) ctx.unsupported('antialias=1 is not supported');

  const axes = ctx.opset >= 18 && ctx.hasAttr('axes') ? normalizeAxes(ctx.getInts('axes'), x.rank, 'Resize axes') : iota(x.rank);
  const allAxes = axes.length === x.rank && axes.every((a, k) => a === k);
  const givenScales = readScales(ctx, 2);
  // Sizes may come from a shape computation or a graph input (symbols bound per run).
  const sizesIn = ctx.hasInput(3) && !isEmpty(ctx.optionalInput(3)) ? ctx.constDims(3, 'sizes') : undefined;
  if ((givenScales === undefined) === (sizesIn === undefined)) ctx.fail('exactly one of scales and sizes must be given');
  const givenLength = Array.isArray(givenScales) ? givenScales.length : sizesIn?.length;
  if (givenLength !== undefined && givenLength !== axes.length) ctx.fail(`${givenScales ? 'scales' : 'sizes'} has ${givenLength} values for ${axes.length} axes`);

  // tf_crop_and_resize's region of interest travels as the op's second input (the kernel reads it).
  let param: Value | undefined;
  if (coord === 'tf_crop_and_resize' && !isEmpty(ctx.optionalInput(1))) {
    if (!allAxes) ctx.unsupported('a roi input together with the axes attribute is not supported');
    param = ctx.input(1, 'roi');
  }

  let scales = new Array<number>(x.rank).fill(1);
  let sizes: Dim[];
  if (givenScales !== undefined && !Array.isArray(givenScales)) {
    // Scales given at run time: every output size is a symbol; the kernel reads the scales.
    if (!allAxes) ctx.unsupported('scales given at run time together with the axes attribute are not supported');
    sizes = runtimeScaledSizes(ctx, 2, x);
    scales = [];
    if (usesScale(coord)) param = givenScales;
  } else if (givenScales !== undefined) {
    if (givenScales.some((s) => !(s > 0))) ctx.fail(`scales [${givenScales.join(', ')}] must be positive`);
    axes.forEach((a, k) => (scales[a] = givenScales[k]!));
    sizes = sizesFromScales(x, scales);
  } else {
    const given = sizesIn!;
    sizes = [...x.type.shape];
    const policy = ctx.opset >= 18 ? ctx.getString('keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy === 'stretch') {
      // scale = out / in; where that is not a compile-time number, the kernel divides the bound dims.
      let runtime = false;
      axes.forEach((a, k) => {
        const d = given[k]!;
        const inDim = x.type.shape[a]!;
        if (d === inDim) return; // unchanged axis: scale 1, symbols allowed
        sizes[a] = d;
        if (typeof d === 'number' && typeof inDim === 'number') scales[a] = d / inDim;
        else runtime = true;
      });
      if (runtime) scales = [];
    } else if (policy === 'not_larger' || policy === 'not_smaller') {
      const inOf = (a: number) => staticDim(x.type.shape[a]!, `resizing axis ${a} to a given size`);
      const givenNumbers = given.map((d, k) => (typeof d === 'number' ? d : ctx.unsupported(`keep_aspect_ratio_policy '${policy}' with the symbolic size ${d} on axis ${axes[k]} is not supported`)));
      const ratios = axes.map((a, k) => givenNumbers[k]! / inOf(a));
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      // The spec rounds half up here: out = round_half_up(in · scale).
      axes.forEach((a) => {
        scales[a] = s;
        sizes[a] = Math.floor(inOf(a) * s + 0.5);
      });
    } else {
      ctx.fail(`keep_aspect_ratio_policy '${policy}' is not stretch, not_larger or not_smaller`);
    }
  }

  const op = {
    kind: 'resize',
    mode,
    coordMode: coord,
    nearestMode: nearest as ResizeNearestMode,
    cubicCoeffA: ctx.getFloat('cubic_coeff_a', -0.75),
    excludeOutside: ctx.getInt('exclude_outside', 0) !== 0,
    extrapolationValue: ctx.getFloat('extrapolation_value', 0),
    scales,
    sizes,
  } as const;
  return [ctx.addOut1(op, param ? [x, param] : [x])];
}

export const resizeImporters: OpImporter[] = [importer('Resize', resize, 10), importer('Upsample', upsample, 1, 9)];
