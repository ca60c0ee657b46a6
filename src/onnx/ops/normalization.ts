/**
 * Normalizations with no IR op of their own → `layerNorm`, reductions, pooling and elementwise ops.
 *
 * ONNX (types: float X and parameters; opsets to MAX_OPSET):
 * - InstanceNormalization (6/22): y = (x − mean) / sqrt(var + ε) · scale[c] + B[c], statistics
 *   over the spatial axes of each (n, c). Lowers to `layerNorm(axis 2)` with a unit scale, then a
 *   per-channel `mul`/`add` (the IR layerNorm's scale covers the normalized axes, not channels).
 *   Version 1 differed only by `consumed_inputs`, which is ignored.
 * - MeanVarianceNormalization (9/13): y = (x − E[x]) / (sqrt(E[(x − E[x])²]) + 1e-9) over `axes`
 *   (default [0, 2, 3]), as the ONNX function body defines it (ε added to the deviation, not the
 *   variance). Lowers to `reduce mean` ×2 and elementwise ops.
 * - LpNormalization (1/22): y = x / ‖x‖_p along `axis` (default −1), p ∈ {1, 2} (default 2).
 *   Lowers to `reduce l1|l2` (keepdims) and `div`.
 * - LRN (1/13): y = x / (bias + α/size · Σ x²)^β, the sum over channels
 *   [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] clipped to [0, C). Lowers to `mul` (square) → `reshape`
 *   to (N, 1, C, D) → `pool avg` over a (size, 1) window with zero padding counted (which is
 *   Σ/size exactly) → `reshape` back → `pow`, `div`.
 * - LayerNormalization (17) with its Mean / InvStdDev outputs requested: `layerNormWithStats`,
 *   called by layer-norm.ts, lowers the whole op to reductions so the statistics are values.
 */

import type { DType } from '../../../ir/dtype.js';
import { isFloat } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/graph.js';
import type { Dim } from '../../../ir/shape.js';
import { normalizeAxis } from '../../../ir/shape.js';
import { dtypeFromCode } from './cast.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { dimProduct, importer, iota, normalizeAxes } from './common.js';
import { binary, castTo, constOf, importerSince, perAxisParam, reduce, reshapeTo, scalarOf, unaryOf } from './lowering.js';

function requireFloat(ctx: ImportContext, x: Value, what: string): DType {
  if (!isFloat(x.type.dtype)) ctx.fail(`${what} must be a float tensor, got ${x.type.dtype}`);
  return x.type.dtype;
}

function instanceNormalization(ctx: ImportContext): ImportResult {
  const x = ctx.input(0, 'input');
  const dtype = requireFloat(ctx, x, 'input');
  if (x.rank < 3) ctx.fail(`input must have rank ≥ 3 (N, C, D…), got rank ${x.rank}`);
  const channels = x.type.shape[1]!;
  const scale = perAxisParam(ctx, ctx.input(1, 'scale'), 1, x.rank, channels, 'scale');
  const bias = perAxisParam(ctx, ctx.input(2, 'B'), 1, x.rank, channels, 'B');
  const unit = constOf(ctx, 'unit_scale', dtype, [1], [1]);
  const normalized = ctx.add1({ kind: 'layerNorm', axis: 2, epsilon: ctx.getFloat('epsilon', 1e-5) }, [x, unit]);
  return [ctx.addOut1({ kind: 'binary', fn: 'add' }, [binary(ctx, 'mul', normalized, scale), bias])];
}

function meanVarianceNormalization(ctx: ImportContext): ImportResult {
  const x = ctx.input(0, 'X');
  const dtype = requireFloat(ctx, x, 'X');
  const axes = normalizeAxes(ctx.getInts('axes', [0, 2, 3]), x.rank, 'MeanVarianceNormalization axes');
  const centered = binary(ctx, 'sub', x, reduce(ctx, 'mean', x, axes, true));
  const variance = reduce(ctx, 'mean', binary(ctx, 'mul', centered, centered), axes, true);
  const std = binary(ctx, 'add', unaryOf(ctx, 'sqrt', variance), scalarOf(ctx, 'epsilon', dtype, 1e-9));
  return [ctx.addOut1({ kind: 'binary', fn: 'div' }, [centered, std])];
}

function lpNormalization(ctx: ImportContext): ImportResult {
  const x = ctx.input(0, 'input');
  requireFloat(ctx, x, 'input');
  const axis = normalizeAxis(ctx.getInt('axis', -1), x.rank);
  const p = ctx.getInt('p', 2);
  if (p !== 1 && p !== 2) ctx.fail(`p = ${p}: ONNX defines only p = 1 and p = 2`);
  const norm = reduce(ctx, p === 1 ? 'l1' : 'l2', x, [axis], true);
  return [ctx.addOut1({ kind: 'binary', fn: 'div' }, [x, norm])];
}

function lrn(ctx: ImportContext): ImportResult {
  const x = ctx.input(0, 'X');
  const dtype = requireFloat(ctx, x, 'X');
  if (x.rank < 2) ctx.fail(`X must have rank ≥ 2 (N, C, …), got rank ${x.rank}`);
  const size = ctx.getInt('size');
  if (size < 1) ctx.fail(`size must be ≥ 1, got ${size}`);
  const alpha = ctx.getFloat('alpha', 1e-4);
  const beta = ctx.getFloat('beta', 0.75);
  const bias = ctx.getFloat('bias', 1);

  // Channels become the first spatial axis of a 2-d pool, everything after them the second.
  const [n, c] = [x.type.shape[0]!, x.type.shape[1]!];
  const rest: Dim = dimProduct(x.type.shape.slice(2), 'LRN flattening the spatial axes');
  const squares = reshapeTo(ctx, binary(ctx, 'mul', x, x), [n, 1, c, rest]);
  const before = Math.floor((size - 1) / 2);
  const after = size - 1 - before;
  const meanSq = ctx.add1(
    {
      kind: 'pool',
      type: 'avg',
      kernel: [size, 1],
      strides: [1, 1],
      pads: [before, 0, after, 0],
      dilations: [1, 1],
      ceilMode: false,
      countIncludePad: true,
      indices: 'none',
    },
    [squares],
  );
  // α/size · Σ = α · (Σ / size), and the pool's average over a window of `size` is Σ / size.
  const scaled = binary(ctx, 'mul', reshapeTo(ctx, meanSq, x.type.shape), scalarOf(ctx, 'alpha', dtype, alpha));
  const base = binary(ctx, 'add', scaled, scalarOf(ctx, 'bias', dtype, bias));
  const denominator = binary(ctx, 'pow', base, scalarOf(ctx, 'beta', dtype, beta));
  return [ctx.addOut1({ kind: 'binary', fn: 'div' }, [x, denominator])];
}

/**
 * LayerNormalization with its statistics outputs: mean and 1/sqrt(var + ε) over [axis, rank)
 * (keepdims), computed in the `stash_type` precision (default float32); Y in X's type.
 */
export function layerNormWithStats(ctx: ImportContext): ImportResult {
  const x = ctx.input(0, 'X');
  requireFloat(ctx, x, 'X');
  const axis = normalizeAxis(ctx.getInt('axis', -1), x.rank);
  const epsilon = ctx.getFloat('epsilon', 1e-5);
  const stash = dtypeFromCode(ctx, ctx.getInt('stash_type', 1), "attribute 'stash_type'");
  if (!isFloat(stash)) ctx.fail(`stash_type must be a float type, got ${stash}`);
  const axes = iota(x.rank - axis, axis);

  const xs = castTo(ctx, x, stash);
  const meanOp = { kind: 'reduce', fn: 'mean', axes, keepdims: true } as const;
  const mean = ctx.hasOutput(1) ? ctx.addOut1(meanOp, [xs], 1) : ctx.add1(meanOp, [xs]);
  const centered = binary(ctx, 'sub', xs, mean);
  const variance = reduce(ctx, 'mean', binary(ctx, 'mul', centered, centered), axes, true);
  const std = unaryOf(ctx, 'sqrt', binary(ctx, 'add', variance, scalarOf(ctx, 'epsilon', stash, epsilon)));
  const invOp = { kind: 'unary', fn: 'reciprocal', alpha: 0, beta: 0 } as const;
  const invStd = ctx.hasOutput(2) ? ctx.addOut1(invOp, [std], 2) : ctx.add1(invOp, [std]);

  const normalized = castTo(ctx, binary(ctx, 'mul', centered, invStd), x.type.dtype);
  const bias = ctx.optionalInput(2);
  const scale = ctx.input(1, 'Scale');
  const y =
    bias === undefined
      ? ctx.addOut1({ kind: 'binary', fn: 'mul' }, [normalized, scale])
      : ctx.addOut1({ kind: 'binary', fn: 'add' }, [binary(ctx, 'mul', normalized, scale), bias]);
  return [y, mean, invStd];
}

export const normalizationImporters: OpImporter[] = [
  importerSince('InstanceNormalization', instanceNormalization, 1),
  importer('MeanVarianceNormalization', meanVarianceNormalization, 9),
  importer('LpNormalization', lpNormalization, 1),
  importer('LRN', lrn, 1),
];
