/**
 * Ops that run along one axis or over a matrix's triangle → IR `cumSum` / `trilu`.
 *
 * ONNX: CumSum (opset 11/14), Trilu (14). Opsets 11 / 14 to MAX_OPSET.
 * - CumSum: the scalar `axis` input (negative counts from the end); attributes `exclusive` and
 *   `reverse` (default 0).
 * - Trilu: optional scalar `k` (default 0) offsets the diagonal; `upper` (default 1) keeps the
 *   upper triangle, 0 the lower, over the last two dims.
 * A constant axis / k (or one known from shapes at compile time) becomes the attribute; one
 * computed at run time (a graph input, data) stays a second input the kernel reads, which works
 * because neither changes the output shape. An out-of-range run-time axis is undefined output
 * on the GPU (the CPU reference raises).
 * Types: numeric.
 * Lowers to: `cumSum(axis, exclusive, reverse)` on [x] or [x, axis], `trilu(upper, k)` on [x]
 * or [x, k].
 */

import { symbolicContents } from '../../../ir/eval/symbolic.js';
import type { Value } from '../../../ir/graph.js';
import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

/** The input's single value when known at compile time (a constant, or shape math), else undefined. */
function knownScalar(ctx: ImportContext, index: number, what: string): number | undefined {
  const v = ctx.input(index, what);
  if (v.data !== undefined) return ctx.constScalar(index, what);
  const known = symbolicContents(v);
  return known?.length === 1 && typeof known[0] === 'number' ? known[0] : undefined;
}

function cumSum(ctx: ImportContext) {
  const x = ctx.input(0, 'x');
  const exclusive = ctx.getInt('exclusive', 0) !== 0;
  const reverse = ctx.getInt('reverse', 0) !== 0;
  const axis = knownScalar(ctx, 1, 'axis');
  if (axis === undefined) return [ctx.addOut1({ kind: 'cumSum', axis: 0, exclusive, reverse }, [x, ctx.input(1, 'axis')])];
  return [ctx.addOut1({ kind: 'cumSum', axis: normalizeAxis(axis, x.rank), exclusive, reverse }, [x])];
}

function trilu(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  if (x.rank < 2) ctx.fail(`input must have rank ≥ 2, got ${x.rank}`);
  const upper = ctx.getInt('upper', 1) !== 0;
  const k = ctx.hasInput(1) ? knownScalar(ctx, 1, 'k') : 0;
  const inputs: Value[] = k === undefined ? [x, ctx.input(1, 'k')] : [x];
  return [ctx.addOut1({ kind: 'trilu', upper, k: k ?? 0 }, inputs)];
}

export const scanImporters: OpImporter[] = [importer('CumSum', cumSum, 11), importer('Trilu', trilu, 14)];
