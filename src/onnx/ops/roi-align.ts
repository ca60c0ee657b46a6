/**
 * RoiAlign → IR `roiAlign`.
 *
 * ONNX: RoiAlign opset 10, 16 (adds `coordinate_transformation_mode`, default half_pixel; opset 10
 * behaves as output_half_pixel). Opsets 10 to MAX_OPSET.
 * Types: float X and rois (float16, float32); int64 batch_indices.
 * Lowers to: `roiAlign(mode, outputHeight, outputWidth, samplingRatio, spatialScale, halfPixel)`.
 */

import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

function roiAlign(ctx: ImportContext) {
  const x = ctx.input(0, 'X');
  const rois = ctx.input(1, 'rois');
  const batchIndices = ctx.input(2, 'batch_indices');
  const mode = ctx.getEnum('mode', ['avg', 'max'], 'avg');
  let halfPixel = false;
  if (ctx.opset >= 16) {
    const t = ctx.getEnum('coordinate_transformation_mode', ['half_pixel', 'output_half_pixel'], 'half_pixel');
    halfPixel = t === 'half_pixel';
  } else if (ctx.hasAttr('coordinate_transformation_mode')) {
    ctx.fail(`attribute 'coordinate_transformation_mode' is not valid at opset ${ctx.opset} (it exists since opset 16)`);
  }
  const op = {
    kind: 'roiAlign',
    mode,
    outputHeight: ctx.getInt('output_height', 1),
    outputWidth: ctx.getInt('output_width', 1),
    samplingRatio: ctx.getInt('sampling_ratio', 0),
    spatialScale: ctx.getFloat('spatial_scale', 1),
    halfPixel,
  } as const;
  return [ctx.addOut1(op, [x, rois, batchIndices])];
}

export const roiAlignImporters: OpImporter[] = [importer('RoiAlign', roiAlign, 10)];
