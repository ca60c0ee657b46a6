/**
 * Loss functions → gathers, elementwise ops and reductions.
 *
 * ONNX: NegativeLogLikelihoodLoss (opset 12/13/22), SoftmaxCrossEntropyLoss (12/13/22).
 * Opsets 12 to MAX_OPSET (13 and 22 only widened the types).
 * Types: float input/scores (N, C, d1…dk), int32/int64 target/labels (N, d1…dk), optional
 * float weight (C). Attributes: `reduction` none | sum | mean (default mean), `ignore_index`
 * (optional: targets equal to it contribute nothing and weigh 0).
 *
 * NLL: loss[n, d…] = −input[n, target[n, d…], d…] · weight[target[n, d…]]; reduction 'none'
 * returns that (target's shape), 'sum' its sum, 'mean' its sum divided by the sum of the
 * per-element weights (the count of non-ignored elements without a weight input).
 * SoftmaxCrossEntropyLoss is NLL on log_softmax(scores, axis 1), and can also output that
 * log-probability tensor.
 * Lowers to: `softmax(log)` (SCE), `gatherElements` along axis 1 with the targets unsqueezed
 * (ignored targets first replaced by 0, a valid class, so the gather stays in range), `gather`
 * of the weights, `where` masks for ignore_index, `neg`, and `reduce sum`/`mean` + `div`.
 */

import { isFloat } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/graph.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, iota } from './common.js';
import { binary, insertDim, reduce, reshapeTo, scalarOf, where } from './lowering.js';

type Reduction = 'none' | 'sum' | 'mean';

function readReduction(ctx: ImportContext): Reduction {
  return ctx.getEnum<Reduction>('reduction', ['none', 'sum', 'mean'], 'mean');
}

/**
 * The NLL loss of log-probabilities `logp` (N, C, d…) at `target` (N, d…); the last node carries
 * ONNX output 0.
 */
function nll(ctx: ImportContext, logp: Value, target: Value, weight: Value | undefined): Value {
  const reduction = readReduction(ctx);
  if (!isFloat(logp.type.dtype)) ctx.fail(`input must be a float tensor, got ${logp.type.dtype}`);
  if (target.type.dtype !== 'int32' && target.type.dtype !== 'int64') ctx.fail(`target must be int32 or int64, got ${target.type.dtype}`);
  if (logp.rank < 2) ctx.fail(`input must have rank ≥ 2 (N, C, …), got rank ${logp.rank}`);
  if (target.rank !== logp.rank - 1) ctx.fail(`target must have rank ${logp.rank - 1} (input's without C), got rank ${target.rank}`);
  const dtype = logp.type.dtype;

  // Ignored targets may be any value (often −100 or a class past C): replace them with class 0
  // before indexing and zero their contribution afterwards.
  let ignored: Value | undefined;
  let t = target;
  if (ctx.hasAttr('ignore_index')) {
    const ii = scalarOf(ctx, 'ignore_index', target.type.dtype, ctx.getInt('ignore_index'));
    ignored = binary(ctx, 'equal', target, ii);
    t = where(ctx, ignored, scalarOf(ctx, 'class0', target.type.dtype, 0), target);
  }

  const picked = ctx.add1({ kind: 'gatherElements', axis: 1 }, [logp, reshapeTo(ctx, t, insertDim(target.type.shape, 1))]);
  const negated = { kind: 'unary', fn: 'neg', alpha: 0, beta: 0 } as const;
  const pickedFlat = reshapeTo(ctx, picked, target.type.shape);

  // Per-element weights: weight[target], or 1; ignored elements weigh 0.
  let w: Value | undefined = weight === undefined ? undefined : ctx.add1({ kind: 'gather', axis: 0 }, [weight, t]);
  if (ignored !== undefined) {
    const zero = scalarOf(ctx, 'zero', dtype, 0);
    w = where(ctx, ignored, zero, w ?? scalarOf(ctx, 'one', dtype, 1));
  }
  // With reduction 'none' the last elementwise op is the output and carries its name.
  if (reduction === 'none') {
    if (w === undefined) return ctx.addOut1(negated, [pickedFlat]);
    return ctx.addOut1({ kind: 'binary', fn: 'mul' }, [ctx.add1(negated, [pickedFlat]), w]);
  }
  const loss = w === undefined ? ctx.add1(negated, [pickedFlat]) : binary(ctx, 'mul', ctx.add1(negated, [pickedFlat]), w);

  const all = iota(target.rank);
  if (reduction === 'sum' || w === undefined) {
    return ctx.addOut1({ kind: 'reduce', fn: reduction, axes: all, keepdims: false }, [loss]);
  }
  // Weighted mean: divide by the total weight, not the element count.
  return ctx.addOut1({ kind: 'binary', fn: 'div' }, [reduce(ctx, 'sum', loss, all, false), reduce(ctx, 'sum', w, all, false)]);
}

function negativeLogLikelihoodLoss(ctx: ImportContext) {
  return [nll(ctx, ctx.input(0, 'input'), ctx.input(1, 'target'), ctx.optionalInput(2))];
}

function softmaxCrossEntropyLoss(ctx: ImportContext) {
  const scores = ctx.input(0, 'scores');
  if (scores.rank < 2) ctx.fail(`scores must have rank ≥ 2 (N, C, …), got rank ${scores.rank}`);
  const op = { kind: 'softmax', axis: 1, log: true } as const;
  const logp = ctx.hasOutput(1) ? ctx.addOut1(op, [scores], 1) : ctx.add1(op, [scores]);
  const loss = nll(ctx, logp, ctx.input(1, 'labels'), ctx.optionalInput(2));
  return ctx.hasOutput(1) ? [loss, logp] : [loss];
}

export const lossImporters: OpImporter[] = [
  importer('NegativeLogLikelihoodLoss', negativeLogLikelihoodLoss, 12),
  importer('SoftmaxCrossEntropyLoss', softmaxCrossEntropyLoss, 12),
];
