/**
 * Inference batch normalization → IR `batchNorm`.
 *
 * ONNX: BatchNormalization, opset forms 1 (`is_test`, `consumed_inputs`), 6 (consumed_inputs
 * removed), 7 (is_test removed), 9 (`spatial` removed), 14 (`training_mode`, running-stat
 * outputs), 15 (scale/bias and mean/var may differ in type). Opsets 1 to MAX_OPSET.
 * Types: float X; scale, B, mean, var 1-d of size C.
 * Lowers to: `batchNorm(epsilon)` on [X, scale, B, mean, var]. Training forms are rejected:
 * `training_mode=1`, any requested output after Y (running or saved statistics), `spatial=0`
 * before 9 (per-activation statistics), and before 7 `is_test=0` — the default then — which
 * normalizes with the batch's own statistics.
 */

import type { ImportContext, OpImporter } from './context.js';
import { importer, MODERN_OPSET } from './common.js';
import { requireTestMode } from './legacy.js';

function batchNorm(ctx: ImportContext) {
  if (ctx.opset < MODERN_OPSET) requireTestMode(ctx, 'normalizing with batch statistics');
  if (ctx.opset < 9 && ctx.getInt('spatial', 1) === 0) ctx.unsupported('spatial=0 (per-activation statistics) is not supported');
  if (ctx.opset >= 14 && ctx.getInt('training_mode', 0) !== 0) ctx.unsupported('training_mode=1 is not supported (inference only)');
  for (let i = 1; i < ctx.outputCount; i++) {
    if (ctx.hasOutput(i)) ctx.unsupported(`output ${i} (training statistics) is not supported (inference only)`);
  }
  const x = ctx.input(0, 'X');
  if (x.rank < 2) ctx.fail(`input X must have rank ≥ 2 (N, C, …), got rank ${x.rank}`);
  const inputs = [x, ctx.input(1, 'scale'), ctx.input(2, 'B'), ctx.input(3, 'mean'), ctx.input(4, 'var')];
  return [ctx.addOut1({ kind: 'batchNorm', epsilon: ctx.getFloat('epsilon', 1e-5) }, inputs)];
}

export const batchNormImporters: OpImporter[] = [importer('BatchNormalization', batchNorm, 1)];
