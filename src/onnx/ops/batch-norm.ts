/**
 * Batch normalization → IR `batchNorm` (inference), or a reduce/elementwise subgraph (training).
 *
 * ONNX: BatchNormalization, opset forms 1 (`is_test`, `consumed_inputs`), 6 (consumed_inputs
 * removed), 7 (is_test removed), 9 (`spatial` removed), 14 (`training_mode`, running-stat
 * outputs), 15 (scale/bias and mean/var may differ in type). Opsets 1 to MAX_OPSET.
 * Types: float X; scale, B, mean, var 1-d of size C.
 * Lowers to: `batchNorm(epsilon)` on [X, scale, B, mean, var]. With `training_mode=1` (14+) the
 * statistics are the batch's own, computed per channel over N and the spatial axes:
 *   μ = mean(X), σ² = mean((X − μ)²) (biased, as the ONNX reference and onnxruntime),
 *   Y = batchNorm(X, scale, B, μ, σ²),
 *   running_mean = input_mean·momentum + μ·(1 − momentum), running_var likewise with σ²;
 * all of it is deterministic, so it lowers to `reduce(mean)` + elementwise ops exactly.
 * Still rejected: the other training forms — any output after Y without training_mode (opsets
 * 9–13 list saved statistics), `spatial=0` before 9 (per-activation statistics), and before 7
 * `is_test=0`, the default then.
 */

import type { Value } from '../../../ir/graph.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { importer, iota, MODERN_OPSET } from './common.js';
import { requireTestMode } from './legacy.js';
import { binary, castTo, reduce, reshapeTo, scalarOf } from './lowering.js';

function batchNorm(ctx: ImportContext): ImportResult {
  if (ctx.opset < MODERN_OPSET) requireTestMode(ctx, 'normalizing with batch statistics');
  if (ctx.opset < 9 && ctx.getInt('spatial', 1) === 0) ctx.unsupported('spatial=0 (per-activation statistics) is not supported');
  const training = ctx.opset >= 14 && ctx.getInt('training_mode', 0) !== 0;
  const x = ctx.input(0, 'X');
  if (x.rank < 2) ctx.fail(`input X must have rank ≥ 2 (N, C, …), got rank ${x.rank}`);
  if (training) return trainingBatchNorm(ctx, x);
  for (let i = 1; i < ctx.outputCount; i++) {
    if (ctx.hasOutput(i)) ctx.unsupported(`output ${i} (training statistics) is not supported (inference only)`);
  }
  const inputs = [x, ctx.input(1, 'scale'), ctx.input(2, 'B'), ctx.input(3, 'mean'), ctx.input(4, 'var')];
  return [ctx.addOut1({ kind: 'batchNorm', epsilon: ctx.getFloat('epsilon', 1e-5) }, inputs)];
}

/** training_mode=1: normalize with the batch statistics; outputs Y, running_mean, running_var. */
function trainingBatchNorm(ctx: ImportContext, x: Value): ImportResult {
  if (ctx.outputCount > 3) ctx.fail(`training mode has at most 3 outputs (Y, running_mean, running_var), got ${ctx.outputCount}`);
  const c = x.type.shape[1]!;
  const axes = [0, ...iota(x.rank - 2, 2)];
  // μ and σ² in X's type (the reference computes them in X's precision too).
  const meanK = reduce(ctx, 'mean', x, axes, true);
  const centered = binary(ctx, 'sub', x, meanK);
  const varC = reduce(ctx, 'mean', binary(ctx, 'mul', centered, centered), axes, false);
  const meanC = reshapeTo(ctx, meanK, [c]);
  const inputs = [x, ctx.input(1, 'scale'), ctx.input(2, 'B'), meanC, varC];
  const y = ctx.addOut1({ kind: 'batchNorm', epsilon: ctx.getFloat('epsilon', 1e-5) }, inputs);
  const momentum = ctx.getFloat('momentum', 0.9);
  // running = input·momentum + current·(1 − momentum), in the running statistics' type (T2).
  const running = (index: number, input: Value, current: Value): Value | undefined => {
    if (!ctx.hasOutput(index)) return undefined;
    const t = input.type.dtype;
    const kept = binary(ctx, 'mul', input, scalarOf(ctx, 'momentum', t, momentum));
    const added = binary(ctx, 'mul', castTo(ctx, current, t), scalarOf(ctx, 'one_minus_momentum', t, 1 - momentum));
    return ctx.addOut1({ kind: 'binary', fn: 'add' }, [kept, added], index);
  };
  const runningMean = running(1, ctx.input(3, 'input_mean'), meanC);
  const runningVar = running(2, ctx.input(4, 'input_var'), varC);
  return [y, runningMean, runningVar];
}

export const batchNormImporters: OpImporter[] = [importer('BatchNormalization', batchNorm, 1)];
