/**
 * Shape queries → int64 constants, or IR `shape` when dims are symbolic.
 *
 * ONNX: Shape (opset 1/13/15/19/21), Size (1/13/19/21). Opsets 1 to MAX_OPSET; any input type.
 * - Shape: `start`/`end` (opset 15) select a range of dims; negative values count from the end
 *   and both are clamped to [0, rank], so start ≥ end gives an empty result.
 * - Size: the element count as an int64 scalar.
 * Lowers to: an int64 constant when the selected dims are static (so the exporters' shape
 * plumbing — Shape → Gather → Concat → Reshape — folds away at import), otherwise `shape(start,
 * end)`, and for Size `shape` → `reduce prod` to a scalar.
 */

import { isStaticShape } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { int64Tensor, makeTensor, importer } from './common.js';

function shape(ctx: ImportContext) {
  const x = ctx.input(0, 'data');
  const r = x.rank;
  const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
  const start = ctx.opset >= 15 ? clamp(ctx.getInt('start', 0)) : 0;
  const end = Math.max(start, ctx.opset >= 15 ? clamp(ctx.getInt('end', r)) : r);
  const dims = x.type.shape.slice(start, end);
  if (isStaticShape(dims)) return [ctx.constantOut(int64Tensor(dims))];
  return [ctx.addOut1({ kind: 'shape', start, end }, [x])];
}

function size(ctx: ImportContext) {
  const x = ctx.input(0, 'data');
  const dims = x.type.shape;
  if (isStaticShape(dims)) {
    const n = dims.reduce((a, b) => a * b, 1);
    return [ctx.constantOut(makeTensor('int64', [], [n]))];
  }
  const s = ctx.add1({ kind: 'shape', start: 0, end: x.rank }, [x]);
  return [ctx.addOut1({ kind: 'reduce', fn: 'prod', axes: [0], keepdims: false }, [s])];
}

export const shapeImporters: OpImporter[] = [importer('Shape', shape, 1), importer('Size', size, 1)];
