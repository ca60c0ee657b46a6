/**
 * One-hot encodings → comparisons of indices with an index range.
 *
 * Each op compares a tensor of class indices with 0, 1, …, n−1 laid along one axis (`equal`
 * broadcasts the two into the one-hot shape) and turns the bool result into values. When the
 * inputs are constants the whole subgraph folds into a constant at import.
 *
 * ONNX (opsets to MAX_OPSET):
 * - Hardmax (1/11/13): 1 at the first maximum along `axis`, 0 elsewhere. From 13 along `axis`
 *   (default −1); before, the input is coerced to 2-d at `axis` (default 1) as Softmax was, and
 *   the maximum is over the whole block of axes ≥ axis. Float types.
 *   Lowers to: `argReduce max` (keepdims, first index) → `equal` with the index range → `cast`.
 * - OneHot (9/11): out[…, k, …] = values[1] where indices[…] == k (negative indices count from
 *   `depth`), values[0] elsewhere; indices outside [−depth, depth) give an all-off row. `axis`
 *   (default −1) is where the depth axis is inserted. Any numeric indices and depth (cast to
 *   int64, truncating), any values type. A depth given as a graph input is a symbol bound per
 *   run to its truncated value (≥ 1; an `arange` of that length); one computed at run time
 *   gives an output dim that depends on data (a `range` of that length).
 *   Lowers to: `cast`, `where` (negative indices), `reshape`, `equal` with a `range`, `where`.
 * - EyeLike (9/22): a 2-d tensor like the input with ones on diagonal `k` (column − row = k),
 *   of type `dtype` (default: the input's).
 *   Lowers to: row indices + k `equal` column indices → `cast` (a constant unless a dim is a
 *   symbol).
 */

import { isFloat } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/graph.js';
import { normalizeAxis } from '../../../ir/shape.js';
import { dtypeFromCode } from './cast.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { dimProduct, importer } from './common.js';
import { binary, castTo, dimOf, indicesAlong, insertDim, reshapeTo, scalarOf, where } from './lowering.js';

/** One-hot of the first maximum of `x` along `axis`, in x's dtype; `last` names ONNX output 0. */
function hardmaxAlong(ctx: ImportContext, x: Value, axis: number, last: boolean): Value {
  const argmax = ctx.add1({ kind: 'argReduce', fn: 'max', axis, keepdims: true, selectLastIndex: false }, [x]);
  const isMax = binary(ctx, 'equal', argmax, indicesAlong(ctx, dimOf(ctx, x, axis), axis, x.rank));
  const op = { kind: 'cast', to: x.type.dtype } as const;
  return last ? ctx.addOut1(op, [isMax]) : ctx.add1(op, [isMax]);
}

function hardmax(ctx: ImportContext): ImportResult {
  const x = ctx.input(0, 'input');
  if (!isFloat(x.type.dtype)) ctx.fail(`input must be a float tensor, got ${x.type.dtype}`);
  const dims = x.type.shape;
  const axis = normalizeAxis(ctx.getInt('axis', ctx.opset >= 13 ? -1 : 1), x.rank);
  if (ctx.opset >= 13) return [hardmaxAlong(ctx, x, axis, true)];

  // Coerced to 2-d: with at most one non-1 dim from `axis` on, that dim is the whole block.
  const notOne = dims.flatMap((d, i) => (i >= axis && d !== 1 ? [i] : []));
  if (notOne.length <= 1) return [hardmaxAlong(ctx, x, notOne[0] ?? axis, true)];
  const what = `Hardmax (opset ${ctx.opset}) coercing to 2-d at axis ${axis}`;
  const flat = reshapeTo(ctx, x, [dimProduct(dims.slice(0, axis), what), dimProduct(dims.slice(axis), what)]);
  return [ctx.addOut1({ kind: 'reshape', shape: [...dims] }, [hardmaxAlong(ctx, flat, 1, false)])];
}

/** A scalar or one-element input as a 0-d value. */
function scalarInput(ctx: ImportContext, index: number, what: string): Value {
  const v = ctx.input(index, what);
  if (!v.type.shape.every((d) => d === 1)) ctx.fail(`input '${what}' must hold one value, got shape [${v.type.shape.join(', ')}]`);
  return reshapeTo(ctx, v, []);
}

function oneHot(ctx: ImportContext): ImportResult {
  const indices = ctx.input(0, 'indices');
  const values = ctx.input(2, 'values');
  if (values.rank !== 1 || values.type.shape[0] !== 2) ctx.fail(`values must be [off_value, on_value], got shape [${values.type.shape.join(', ')}]`);
  const rank = indices.rank + 1;
  const axis = normalizeAxis(ctx.getInt('axis', -1), rank);

  // The depth: a static number when it is a constant, so the index range is a constant too; a
  // symbol bound per run when it is a graph input (its value truncated, as the cast does).
  const symbol = ctx.truncatedScalarSymbol(1);
  const depthV = castTo(ctx, scalarInput(ctx, 1, 'depth'), 'int64');
  let depth: number | Value = depthV;
  if (depthV.data !== undefined) {
    depth = Number(depthV.data.data[0]!);
    if (depth < 1) ctx.fail(`depth must be ≥ 1, got ${depth}`);
  } else if (symbol !== undefined) {
    depthV.symbolic ??= [symbol];
  }
  const along =
    symbol === undefined || typeof depth === 'number'
      ? indicesAlong(ctx, depth, axis, rank)
      : reshapeTo(ctx, ctx.add1({ kind: 'arange', start: 0, delta: 1, length: symbol, dtype: 'int64' }, []), [symbol, ...new Array<number>(rank - axis - 1).fill(1)]);

  const idx = castTo(ctx, indices, 'int64');
  const negative = binary(ctx, 'less', idx, scalarOf(ctx, 'zero', 'int64', 0));
  const wrapped = where(ctx, negative, binary(ctx, 'add', idx, depthV), idx);
  const hot = binary(ctx, 'equal', reshapeTo(ctx, wrapped, insertDim(indices.type.shape, axis)), along);

  const pick = (i: number) => reshapeTo(ctx, ctx.add1({ kind: 'slice', axes: [0], starts: [i], ends: [i + 1], steps: [1] }, [values]), []);
  return [ctx.addOut1({ kind: 'where' }, [hot, pick(1), pick(0)])];
}

function eyeLike(ctx: ImportContext): ImportResult {
  const x = ctx.input(0, 'input');
  if (x.rank !== 2) ctx.fail(`input must be 2-d, got rank ${x.rank}`);
  const dtype = ctx.hasAttr('dtype') ? dtypeFromCode(ctx, ctx.getInt('dtype'), "attribute 'dtype'") : x.type.dtype;
  const k = ctx.getInt('k', 0);
  const rows = binary(ctx, 'add', indicesAlong(ctx, dimOf(ctx, x, 0), 0, 2), scalarOf(ctx, 'k', 'int64', k));
  const onDiagonal = binary(ctx, 'equal', rows, indicesAlong(ctx, dimOf(ctx, x, 1), 1, 2));
  return [ctx.addOut1({ kind: 'cast', to: dtype }, [onDiagonal])];
}

export const oneHotImporters: OpImporter[] = [
  importer('Hardmax', hardmax, 1),
  importer('OneHot', oneHot, 9),
  importer('EyeLike', eyeLike, 9),
];
