/**
 * Data-dependent selection and reordering → index arithmetic and gathers.
 *
 * ONNX (opsets to MAX_OPSET):
 * - ReverseSequence (10): for each batch entry b, the first sequence_lens[b] steps along
 *   `time_axis` (default 0) are reversed, the rest copied; `batch_axis` (default 1) is the other
 *   of axes 0 and 1. Any element type; int64 sequence_lens [batch].
 *   Lowers to: an index tensor idx[t, b] = t < len[b] ? len[b] − 1 − t : t (0…T−1 along time,
 *   a constant unless T is a symbol; `less`, `sub`, `where`), `expand`ed to x's shape, then
 *   `gatherElements` along time_axis. A constant sequence_lens folds the indices to a constant.
 * - Compress (9/11): the slices along `axis` whose condition entry is true (the input flattened
 *   when there is no axis; negative axis from 11); a condition shorter than the axis ignores the
 *   rest. Any element type; bool condition.
 *   Lowers to: the k-th selected position = #{ j : cumsum(condition)[j] ≤ k } (`cast`, `cumSum`,
 *   `range` over the count of trues, `lessOrEqual`, `reduce sum`), then `gather`. With a constant
 *   condition all of it folds to constant indices, leaving one `gather`; a condition computed at
 *   run time makes the output length depend on data.
 */

import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { dimProduct, importer } from './common.js';
import { binary, castTo, dimOf, indicesAlong, perAxisParam, reduce, reshapeTo, scalarOf, where } from './lowering.js';

function reverseSequence(ctx: ImportContext): ImportResult {
  const x = ctx.input(0, 'input');
  if (x.rank < 2) ctx.fail(`input must have rank ≥ 2, got rank ${x.rank}`);
  const timeAxis = normalizeAxis(ctx.getInt('time_axis', 0), x.rank, 'time_axis');
  const batchAxis = normalizeAxis(ctx.getInt('batch_axis', 1), x.rank, 'batch_axis');
  if (timeAxis > 1 || batchAxis > 1 || timeAxis === batchAxis) ctx.fail(`time_axis and batch_axis must be 0 and 1 in some order, got ${timeAxis} and ${batchAxis}`);
  const lensIn = ctx.input(1, 'sequence_lens');
  if (lensIn.type.dtype !== 'int64') ctx.fail(`sequence_lens must be int64, got ${lensIn.type.dtype}`);
  if (lensIn.rank !== 1) ctx.fail(`sequence_lens must be 1-d, got rank ${lensIn.rank}`);

  const t = indicesAlong(ctx, dimOf(ctx, x, timeAxis), timeAxis, x.rank);
  const lens = perAxisParam(ctx, lensIn, batchAxis, x.rank, x.type.shape[batchAxis]!, 'sequence_lens');
  const reversed = binary(ctx, 'sub', binary(ctx, 'sub', lens, scalarOf(ctx, 'one', 'int64', 1)), t);
  const index = where(ctx, binary(ctx, 'less', t, lens), reversed, t);
  const full = ctx.add1({ kind: 'expand', shape: [...x.type.shape] }, [index]);
  return [ctx.addOut1({ kind: 'gatherElements', axis: timeAxis }, [x, full])];
}

function compress(ctx: ImportContext): ImportResult {
  let x = ctx.input(0, 'input');
  const condition = ctx.input(1, 'condition');
  if (condition.type.dtype !== 'bool') ctx.fail(`condition must be bool, got ${condition.type.dtype}`);
  if (condition.rank !== 1) ctx.fail(`condition must be 1-d, got rank ${condition.rank}`);
  let axis = 0;
  if (ctx.hasAttr('axis')) axis = normalizeAxis(ctx.getInt('axis'), x.rank);
  else x = reshapeTo(ctx, x, [dimProduct(x.type.shape, 'Compress without axis (flattening the input)')]);

  // Position of the k-th true entry: how many prefix counts are ≤ k.
  const flags = castTo(ctx, condition, 'int64');
  const prefix = ctx.add1({ kind: 'cumSum', axis: 0, exclusive: false, reverse: false }, [flags]);
  const count = reduce(ctx, 'sum', flags, [0], false);
  const k = indicesAlong(ctx, count, 0, 2);
  const atOrBefore = binary(ctx, 'lessOrEqual', reshapeTo(ctx, prefix, [1, condition.type.shape[0]!]), k);
  const positions = reduce(ctx, 'sum', castTo(ctx, atOrBefore, 'int64'), [1], false);
  return [ctx.addOut1({ kind: 'gather', axis }, [x, positions])];
}

export const selectImporters: OpImporter[] = [importer('ReverseSequence', reverseSequence, 10), importer('Compress', compress, 9)];
