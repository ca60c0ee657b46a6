/**
 * Ops that run along one axis or over a matrix's triangle → IR `cumSum` / `trilu`.
 *
 * ONNX: CumSum (opset 11/14), Trilu (14). Opsets 11 / 14 to MAX_OPSET.
 * - CumSum: the `axis` input must be a constant scalar (negative counts from the end);
 *   attributes `exclusive` and `reverse` (default 0).
 * - Trilu: optional constant scalar `k` (default 0) offsets the diagonal; `upper` (default 1)
 *   keeps the upper triangle, 0 the lower, over the last two dims.
 * Types: numeric.
 * Lowers to: `cumSum(axis, exclusive, reverse)`, `trilu(upper, k)`.
 */

import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

function cumSum(ctx: ImportContext) {
  const x = ctx.input(0, 'x');
  const op = {
    kind: 'cumSum',
    axis: normalizeAxis(ctx.constScalar(1, 'axis'), x.rank),
    exclusive: ctx.getInt('exclusive', 0) !== 0,
    reverse: ctx.getInt('reverse', 0) !== 0,
  } as const;
  return [ctx.addOut1(op, [x])];
}

function trilu(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  if (x.rank < 2) ctx.fail(`input must have rank ≥ 2, got ${x.rank}`);
  const k = ctx.hasInput(1) ? ctx.constScalar(1, 'k') : 0;
  return [ctx.addOut1({ kind: 'trilu', upper: ctx.getInt('upper', 1) !== 0, k }, [x])];
}

export const scanImporters: OpImporter[] = [importer('CumSum', cumSum, 11), importer('Trilu', trilu, 14)];
