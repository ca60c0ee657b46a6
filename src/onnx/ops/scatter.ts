/**
 * Scatters and N-d gathers → IR `scatterElements` / `scatterND` / `gatherND`.
 *
 * ONNX: Scatter (opset 9; deprecated at 11 with unchanged semantics), ScatterElements (11, 13,
 * 16: `reduction` none/add/mul, 18: max/min), ScatterND (11, 13, 16, 18: the same reductions),
 * GatherND (11; 12: `batch_dims`; 13 types only).
 * Types: any data type (reductions: numeric); int64 indices (int32 accepted), negative values
 * counting from the end.
 * Lowers to: one IR op with the axis normalized and the reduction explicit ('none' before 16).
 */

import type { ScatterReduction } from '../../../ir/ops.js';
import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

/** The `reduction` attribute, checked against what the model's opset allows. */
function reduction(ctx: ImportContext): ScatterReduction {
  if (!ctx.hasAttr('reduction')) return 'none';
  if (ctx.opset < 16) ctx.fail(`attribute 'reduction' is not valid at opset ${ctx.opset} (it exists since opset 16)`);
  const r = ctx.getString('reduction');
  switch (r) {
    case 'none':
    case 'add':
    case 'mul':
      return r;
    case 'max':
    case 'min':
      if (ctx.opset < 18) ctx.fail(`reduction '${r}' is not valid at opset ${ctx.opset} (max and min exist since opset 18)`);
      return r;
    default:
      return ctx.fail(`reduction '${r}' is not one of none, add, mul, max, min`);
  }
}

function scatterElements(ctx: ImportContext) {
  const data = ctx.input(0, 'data');
  const indices = ctx.input(1, 'indices');
  const updates = ctx.input(2, 'updates');
  const axis = normalizeAxis(ctx.getInt('axis', 0), data.rank);
  return [ctx.addOut1({ kind: 'scatterElements', axis, reduction: reduction(ctx) }, [data, indices, updates])];
}

function scatterND(ctx: ImportContext) {
  const data = ctx.input(0, 'data');
  const indices = ctx.input(1, 'indices');
  const updates = ctx.input(2, 'updates');
  return [ctx.addOut1({ kind: 'scatterND', reduction: reduction(ctx) }, [data, indices, updates])];
}

function gatherND(ctx: ImportContext) {
  const data = ctx.input(0, 'data');
  const indices = ctx.input(1, 'indices');
  if (ctx.opset < 12 && ctx.hasAttr('batch_dims')) ctx.fail(`attribute 'batch_dims' is not valid at opset ${ctx.opset} (it exists since opset 12)`);
  return [ctx.addOut1({ kind: 'gatherND', batchDims: ctx.getInt('batch_dims', 0) }, [data, indices])];
}

export const scatterImporters: OpImporter[] = [
  importer('Scatter', scatterElements, 9),
  importer('ScatterElements', scatterElements, 11),
  importer('ScatterND', scatterND, 11),
  importer('GatherND', gatherND, 11),
];
