/**
 * GridSample → IR `gridSample`.
 *
 * ONNX: GridSample opset 16 (4-D x only; modes bilinear / nearest / bicubic), 20 (N-d x; the
 * modes renamed linear / nearest / cubic). Opsets 16 to MAX_OPSET; each opset accepts only its
 * own mode names.
 * Types: float x and grid (float16, float32).
 * Lowers to: `gridSample(mode, padding, alignCorners)` with the mode in the opset-20 names.
 */

import type { Op } from '../../../ir/ops.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

type GridSampleOp = Extract<Op, { kind: 'gridSample' }>;

function mode(ctx: ImportContext): GridSampleOp['mode'] {
  const legacy = ctx.opset < 20;
  const m = ctx.getString('mode', legacy ? 'bilinear' : 'linear');
  const names: Record<string, GridSampleOp['mode']> = legacy
    ? { bilinear: 'linear', nearest: 'nearest', bicubic: 'cubic' }
    : { linear: 'linear', nearest: 'nearest', cubic: 'cubic' };
  const resolved = names[m];
  if (resolved === undefined) ctx.fail(`mode '${m}' is not one of ${Object.keys(names).join(', ')} at opset ${ctx.opset}`);
  return resolved;
}

function gridSample(ctx: ImportContext) {
  const x = ctx.input(0, 'X');
  const grid = ctx.input(1, 'grid');
  if (ctx.opset < 20 && x.rank !== 4) ctx.fail(`X must be 4-D at opset ${ctx.opset} (N-d sampling exists since opset 20), got rank ${x.rank}`);
  const padding = ctx.getEnum('padding_mode', ['zeros', 'border', 'reflection'], 'zeros');
  const op: GridSampleOp = { kind: 'gridSample', mode: mode(ctx), padding, alignCorners: ctx.getInt('align_corners', 0) !== 0 };
  return [ctx.addOut1(op, [x, grid])];
}

export const gridSampleImporters: OpImporter[] = [importer('GridSample', gridSample, 16)];
