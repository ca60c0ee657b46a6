/**
 * TopK → IR `topK` (two outputs: values, int64 indices).
 *
 * ONNX: TopK opset 1 (`k` attribute), 10 (`k` becomes an input), 11 (`largest`, `sorted`,
 * negative axis). Opsets 1 to MAX_OPSET.
 * Types: numeric x; k an int64 1-element tensor, which must be a compile-time constant because
 * it sets the output dims.
 * Lowers to: `topK(axis, k, largest, sorted)` with the axis normalized.
 */

import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

function topK(ctx: ImportContext) {
  const x = ctx.input(0, 'X');
  let k: number;
  if (ctx.opset < 10) k = ctx.getInt('k');
  else {
    ctx.rejectMovedAttr('k', 10);
    k = ctx.constScalar(1, 'K');
  }
  if (ctx.opset < 11) {
    for (const name of ['largest', 'sorted']) {
      if (ctx.hasAttr(name)) ctx.fail(`attribute '${name}' is not valid at opset ${ctx.opset} (it exists since opset 11)`);
    }
  }
  const axis = normalizeAxis(ctx.getInt('axis', -1), x.rank);
  const op = { kind: 'topK', axis, k, largest: ctx.getInt('largest', 1) !== 0, sorted: ctx.getInt('sorted', 1) !== 0 } as const;
  return ctx.addOut(op, [x]);
}

export const topKImporters: OpImporter[] = [importer('TopK', topK, 1)];
