/**
 * Layer normalization → IR `layerNorm`.
 *
 * ONNX: LayerNormalization (opset 17). Opsets 17 to MAX_OPSET.
 * Normalizes over axes [axis, rank) (`axis` default -1, `epsilon` default 1e-5), then scales and
 * optionally shifts. `stash_type` only chooses the precision of the intermediate statistics,
 * which the IR always computes in at least float32.
 * The optional Mean and InvStdDev outputs (training), when requested, are computed by lowering the
 * whole op to reductions (`layerNormWithStats` in normalization.ts).
 * Types: float X, Scale, B.
 * Lowers to: `layerNorm(axis, epsilon)` on [X, Scale, B?].
 */

import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';
import { layerNormWithStats } from './normalization.js';

function layerNorm(ctx: ImportContext) {
  // The statistics outputs (training) need them as values: normalization.ts lowers the whole op.
  if (ctx.hasOutput(1) || ctx.hasOutput(2)) return layerNormWithStats(ctx);
  const x = ctx.input(0, 'X');
  const scale = ctx.input(1, 'Scale');
  const bias = ctx.optionalInput(2);
  const axis = normalizeAxis(ctx.getInt('axis', -1), x.rank);
  const op = { kind: 'layerNorm', axis, epsilon: ctx.getFloat('epsilon', 1e-5) } as const;
  return [ctx.addOut1(op, bias === undefined ? [x, scale] : [x, scale, bias])];
}

export const layerNormImporters: OpImporter[] = [importer('LayerNormalization', layerNorm, 17)];
