/**
 * Resampling → IR `resize`.
 *
 * ONNX: Resize (opset 10/11/13/18/19), Upsample (1/7/9; deprecated from 10). Opsets 10 to
 * MAX_OPSET for Resize, 1–9 for Upsample.
 * - Resize-10: inputs X, scales; modes nearest/linear with Upsample's geometry (asymmetric
 *   coordinates). The spec does not say how nearest rounds; onnxruntime rounds down when
 *   upsampling and up when downsampling, and so do we (mixing both across axes is rejected).
 * - Resize-11+: inputs X, roi, scales, sizes — exactly one of scales/sizes (an empty scales
 *   tensor counts as absent), known at compile time (sizes may be a shape computation whose
 *   symbolic entries keep their axis). Attributes mode, coordinate_
 *   transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside, extrapolation_value.
 *   From 18: `axes` (scales/sizes apply to those axes only) and keep_aspect_ratio_policy; from
 *   19 the half_pixel_symmetric mode. `antialias=1` (18+), tf_crop_and_resize (needs roi, which
 *   the IR op does not carry) and opset 11's tf_half_pixel_for_nn are rejected as forms.
 * - Upsample-1: 4-d NCHW input, `height_scale` and `width_scale` attributes (≥ 1), modes nearest
 *   and bilinear; Upsample-7: `scales` attribute; Upsample-9: scales input; modes nearest/linear.
 *   All share the asymmetric geometry, so version 1 is version 7 with scales [1, 1, h, w].
 * Output sizes follow the spec: floor(in · scale) from scales; from sizes, scale = out / in. An
 * axis whose dim is a symbol keeps its size (scale 1) or scales by an integer factor or its
 * inverse (in · k, in // k).
 * Types: any numeric X; float scales; int64 sizes.
 * Lowers to: `resize` with per-axis scales and sizes and every attribute explicit.
 */

import type { ResizeCoordMode, ResizeNearestMode } from '../../../ir/ops.js';
import type { Dim } from '../../../ir/shape.js';
import { dimFloorDiv, dimMul } from '../../../ir/dim.js';
import type { Value } from '../../../ir/graph.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, iota, normalizeAxes, staticDim, tensorToNumbers } from './common.js';

type Mode = 'nearest' | 'linear' | 'cubic';
const COORD_MODES: ResizeCoordMode[] = [
  'half_pixel',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_crop_and_resize',
  'half_pixel_symmetric',
];
const NEAREST_MODES: ResizeNearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

function readMode(ctx: ImportContext, allowed: string[]): Mode {
  const mode = ctx.getString('mode', 'nearest');
  // Upsample-1 called linear 'bilinear'; accept it as the same thing.
  const m = mode === 'bilinear' ? 'linear' : mode;
  if (!allowed.includes(m)) ctx.fail(`mode '${mode}' is not one of ${allowed.join(', ')}`);
  return m as Mode;
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

/** Resize-10 and Upsample: asymmetric coordinates, given scales (see the header on rounding). */
function legacyResize(ctx: ImportContext, x: Value, scales: number[], mode: Mode): Value[] {
  if (scales.length !== x.rank) ctx.fail(`scales has ${scales.length} values for rank ${x.rank}`);
  if (scales.some((s) => !(s > 0))) ctx.fail(`scales [${scales.join(', ')}] must be positive`);
  const down = scales.some((s) => s < 1);
  if (mode === 'nearest' && down && scales.some((s) => s > 1)) {
    ctx.unsupported(`nearest resize that upsamples some axes and downsamples others (scales [${scales.join(', ')}]) before opset 11`);
  }
  const op = {
    kind: 'resize',
    mode,
    coordMode: 'asymmetric',
    nearestMode: down ? 'ceil' : 'floor',
    cubicCoeffA: -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    scales,
    sizes: sizesFromScales(x, scales),
  } as const;
  return [ctx.addOut1(op, [x])];
}

function upsample(ctx: ImportContext) {
  const x = ctx.input(0, 'X');
  if (ctx.opset >= 9) ctx.rejectMovedAttr('scales', 9);
  let scales: number[];
  if (ctx.opset < 7) {
    if (x.rank !== 4) ctx.fail(`X must be 4-d (N, C, H, W) at opset ${ctx.opset}, got rank ${x.rank}`);
    scales = [1, 1, ctx.getFloat('height_scale'), ctx.getFloat('width_scale')];
  } else {
    scales = ctx.opset < 9 ? ctx.getFloats('scales') : ctx.constNumbers(1, 'scales');
  }
  if (scales.some((s) => s < 1)) ctx.fail(`Upsample scales [${scales.join(', ')}] must be ≥ 1`);
  return legacyResize(ctx, x, scales, readMode(ctx, ['nearest', 'linear']));
}

function resize(ctx: ImportContext) {
  const x = ctx.input(0, 'X');
  if (ctx.opset < 11) return legacyResize(ctx, x, ctx.constNumbers(1, 'scales'), readMode(ctx, ['nearest', 'linear']));

  const mode = readMode(ctx, ['nearest', 'linear', 'cubic']);
  const coord = ctx.getString('coordinate_transformation_mode', 'half_pixel');
  if (coord === 'tf_half_pixel_for_nn') ctx.unsupported("coordinate_transformation_mode 'tf_half_pixel_for_nn' is not supported");
  if (coord === 'tf_crop_and_resize') ctx.unsupported("coordinate_transformation_mode 'tf_crop_and_resize' (roi) is not supported");
  if (!(COORD_MODES as string[]).includes(coord)) ctx.fail(`coordinate_transformation_mode '${coord}' is unknown`);
  const nearest = ctx.getString('nearest_mode', 'round_prefer_floor');
  if (!(NEAREST_MODES as string[]).includes(nearest)) ctx.fail(`nearest_mode '${nearest}' is unknown`);
  if (ctx.opset >= 18 && ctx.getInt('antialias', 0) !== 0) ctx.unsupported('antialias=1 is not supported');

  const axes = ctx.opset >= 18 && ctx.hasAttr('axes') ? normalizeAxes(ctx.getInts('axes'), x.rank, 'Resize axes') : iota(x.rank);
  const scalesT = ctx.hasInput(2) ? ctx.constInput(2, 'scales') : undefined;
  const givenScales = scalesT !== undefined && scalesT.data.length > 0 ? tensorToNumbers(scalesT) : undefined;
  // Sizes may come from a shape computation: a symbolic size is accepted on an axis it keeps.
  const givenDims = ctx.optionalConstDims(3, 'sizes');
  const keptSymbolic = new Set<number>();
  const givenSizes = givenDims?.map((d, k) => {
    if (typeof d === 'number') return d;
    const a = axes[k];
    if (a !== undefined && x.type.shape[a] === d) {
      keptSymbolic.add(k);
      return 0; // never read: the axis keeps its dim
    }
    return ctx.unsupported(`size ${d} on axis ${a} is symbolic and differs from the input dim; only a kept symbolic axis is supported`);
  });
  if ((givenScales === undefined) === (givenSizes === undefined)) ctx.fail('exactly one of scales and sizes must be given');
  const given = (givenScales ?? givenSizes)!;
  if (given.length !== axes.length) ctx.fail(`${givenScales ? 'scales' : 'sizes'} has ${given.length} values for ${axes.length} axes`);

  const scales = new Array<number>(x.rank).fill(1);
  let sizes: Dim[];
  if (givenScales !== undefined) {
    if (givenScales.some((s) => !(s > 0))) ctx.fail(`scales [${givenScales.join(', ')}] must be positive`);
    axes.forEach((a, k) => (scales[a] = givenScales[k]!));
    sizes = sizesFromScales(x, scales);
  } else {
    sizes = [...x.type.shape];
    const inOf = (a: number) => staticDim(x.type.shape[a]!, `resizing axis ${a} to a given size`);
    const policy = ctx.opset >= 18 ? ctx.getString('keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy === 'stretch') {
      axes.forEach((a, k) => {
        if (keptSymbolic.has(k) || givenSizes![k] === x.type.shape[a]) return; // unchanged axis: scale 1, symbols allowed
        sizes[a] = givenSizes![k]!;
        scales[a] = givenSizes![k]! / inOf(a);
      });
    } else if (policy === 'not_larger' || policy === 'not_smaller') {
      if (keptSymbolic.size > 0) ctx.unsupported(`keep_aspect_ratio_policy '${policy}' with symbolic sizes is not supported`);
      const ratios = axes.map((a, k) => givenSizes![k]! / inOf(a));
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
    coordMode: coord as ResizeCoordMode,
    nearestMode: nearest as ResizeNearestMode,
    cubicCoeffA: ctx.getFloat('cubic_coeff_a', -0.75),
    excludeOutside: ctx.getInt('exclude_outside', 0) !== 0,
    extrapolationValue: ctx.getFloat('extrapolation_value', 0),
    scales,
    sizes,
  } as const;
  return [ctx.addOut1(op, [x])];
}

export const resizeImporters: OpImporter[] = [importer('Resize', resize, 10), importer('Upsample', upsample, 1, 9)];
