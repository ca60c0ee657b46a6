/**
 * TopK → IR `topK` (two outputs: values, int64 indices).
 *
 * ONNX: TopK opset 1 (`k` attribute), 10 (`k` becomes an input), 11 (`largest`, `sorted`,
 * negative axis). Opsets 1 to MAX_OPSET.
 * Types: numeric x; K an int64 1-element tensor: a compile-time constant, or a graph input read
 * per run as a value symbol − 1 (context.ts knownDimsFromZero, so K = 0 is legal and a negative K
 * is refused at run time), which then sizes the outputs' axis. Such a K must be at most the axis
 * length (a recorded run-time assertion, as ONNX requires).
 * Lowers to: `topK(axis, k, largest, sorted)` with the axis normalized.
 */

import { dimMin, type Dim } from '../../../ir/dim.js';
import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

function topK(ctx: ImportContext) {
  const x = ctx.input(0, 'X');
  const axis = normalizeAxis(ctx.getInt('axis', -1), x.rank);
  let k: Dim;
  if (ctx.opset < 10) k = ctx.getInt('k');
  else {
    ctx.rejectMovedAttr('k', 10);
    const known = ctx.knownDimsFromZero(1);
    // Anything else (data computed at run time) gets constScalar's error.
    k = known === undefined ? ctx.constScalar(1, 'K') : known.length === 1 ? known[0]! : ctx.fail(`input 'K' must hold one value, got ${known.length}`);
  }
  if (ctx.opset < 11) {
    for (const name of ['largest', 'sorted']) {
      if (ctx.hasAttr(name)) ctx.fail(`attribute '${name}' is not valid at opset ${ctx.opset} (it exists since opset 11)`);
    }
  }
  if (typeof k === 'string') {
    // k ≤ n ⇔ min(n, k) = k: checked for each run's K.
    const n = x.type.shape[axis]!;
    ctx.graph.assertDims(dimMin(n, k), k, `${ctx.name}: input 'K' must be at most ${n}, the length of axis ${axis}`);
  }
  const op = { kind: 'topK', axis, k, largest: ctx.getInt('largest', 1) !== 0, sorted: ctx.getInt('sorted', 1) !== 0 } as const;
  return ctx.addOut(op, [x]);
}

export const topKImporters: OpImporter[] = [importer('TopK', topK, 1)];
