/**
 * Broadcasting copies → IR `expand` / `tile`.
 *
 * ONNX: Expand (opset 8/13), Tile (1/6/13). Opsets 8 / 1 to MAX_OPSET; any element type.
 * - Expand: the constant `shape` input broadcasts *with* the input shape (numpy rules both ways,
 *   so a 1 in `shape` keeps the input's dim); the IR gets the resolved result shape.
 * - Tile: the constant `repeats` input, one non-negative count per axis. Before opset 6, two
 *   constant scalar inputs `tiles` and `axis` (of the input's type) repeat one axis.
 * Lowers to: `expand(shape)` / `tile(repeats)`; a no-op (same shape, all repeats 1) is the input
 * itself.
 */

import { broadcastShapes } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

function expand(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  const target = ctx.constNumbers(1, 'shape');
  const shape = broadcastShapes(x.type.shape, target);
  if (shape.length === x.rank && shape.every((d, i) => d === x.type.shape[i])) return [x];
  return [ctx.addOut1({ kind: 'expand', shape }, [x])];
}

/** Tile-1's (tiles, axis) as a repeats list: `tiles` copies along `axis`, 1 elsewhere. */
function legacyRepeats(ctx: ImportContext, rank: number): number[] {
  const tiles = ctx.constScalar(1, 'tiles');
  const axis = ctx.constScalar(2, 'axis');
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) ctx.fail(`axis ${axis} is not an axis of a rank-${rank} input`);
  const repeats = new Array<number>(rank).fill(1);
  repeats[axis < 0 ? axis + rank : axis] = tiles;
  return repeats;
}

function tile(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  const repeats = ctx.opset < 6 ? legacyRepeats(ctx, x.rank) : ctx.constNumbers(1, 'repeats');
  if (repeats.length !== x.rank) ctx.fail(`repeats has ${repeats.length} values for rank ${x.rank}`);
  if (repeats.some((r) => r < 0 || !Number.isInteger(r))) ctx.fail(`repeats [${repeats.join(', ')}] must be non-negative integers`);
  if (repeats.every((r) => r === 1)) return [x];
  return [ctx.addOut1({ kind: 'tile', repeats }, [x])];
}

export const expandImporters: OpImporter[] = [importer('Expand', expand, 8), importer('Tile', tile, 1)];
