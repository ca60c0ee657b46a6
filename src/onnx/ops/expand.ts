/**
 * Broadcasting copies → IR `expand` / `tile`.
 *
 * ONNX: Expand (opset 8/13), Tile (1/6/13). Opsets 8 / 1 to MAX_OPSET; any element type.
 * - Expand: the `shape` input (a constant or a shape computation on symbolic dims) broadcasts
 *   *with* the input shape (numpy rules both ways, so a 1 in `shape` keeps the input's dim); the
 *   IR gets the resolved result shape.
 * - Tile: the constant `repeats` input, one non-negative count per axis. Before opset 6, two
 *   constant scalar inputs `tiles` and `axis` (of the input's type) repeat one axis. A symbolic
 *   repeat is accepted on an axis of size 1 (an expand to that size).
 * Lowers to: `expand(shape)` / `tile(repeats)`; a no-op (same shape, all repeats 1) is the input
 * itself.
 */

import type { Value } from '../../../ir/graph.js';
import { broadcastShapes, type Dim } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

function expand(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  const target = ctx.constDims(1, 'shape');
  if (target.some((d) => typeof d === 'number' && (d < 0 || !Number.isInteger(d)))) ctx.fail(`shape [${target.join(', ')}] has an invalid dim`);
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
  const given: Dim[] = ctx.opset < 6 ? legacyRepeats(ctx, x.rank) : ctx.constDims(1, 'repeats');
  if (given.length !== x.rank) ctx.fail(`repeats has ${given.length} values for rank ${x.rank}`);
  if (given.some((r) => typeof r === 'string')) return [symbolicTile(ctx, x, given)];
  const repeats = given as number[];
  if (repeats.some((r) => r < 0 || !Number.isInteger(r))) ctx.fail(`repeats [${repeats.join(', ')}] must be non-negative integers`);
  if (repeats.every((r) => r === 1)) return [x];
  return [ctx.addOut1({ kind: 'tile', repeats }, [x])];
}

/**
 * Tile with symbolic repeats: an axis of size 1 repeated r times is an expand to r; anything else
 * (a symbolic number of copies of a longer axis) has no IR form.
 */
function symbolicTile(ctx: ImportContext, x: Value, repeats: Dim[]): Value {
  const shape = x.type.shape;
  const bad = repeats.findIndex((r, i) => typeof r === 'string' && shape[i] !== 1);
  if (bad >= 0) ctx.unsupported(`repeat ${repeats[bad]} on axis ${bad} of size ${shape[bad]} is symbolic (only an axis of size 1 may repeat a symbolic number of times)`);
  const expanded = repeats.map((r, i) => (typeof r === 'string' ? r : shape[i]!));
  const rest = repeats.map((r) => (typeof r === 'string' ? 1 : r));
  if (rest.some((r) => r < 0 || !Number.isInteger(r))) ctx.fail(`repeats [${repeats.join(', ')}] must be non-negative integers`);
  if (rest.every((r) => r === 1)) return ctx.addOut1({ kind: 'expand', shape: expanded }, [x]);
  return ctx.addOut1({ kind: 'tile', repeats: rest }, [ctx.add1({ kind: 'expand', shape: expanded }, [x])]);
}

export const expandImporters: OpImporter[] = [importer('Expand', expand, 8), importer('Tile', tile, 1)];
