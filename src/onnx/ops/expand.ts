/**
 * Broadcasting copies → IR `expand` / `tile`.
 *
 * ONNX: Expand (opset 8/13), Tile (1/6/13). Opsets 8 / 1 to MAX_OPSET; any element type.
 * - Expand: the `shape` input (a constant or a shape computation on symbolic dims) broadcasts
 *   *with* the input shape (numpy rules both ways, so a 1 in `shape` keeps the input's dim); the
 *   IR gets the resolved result shape. A `shape` given as a graph input is read as symbols bound
 *   per run (`ctx.constDims`); where such an element faces an input dim d ≠ 1 the output keeps d
 *   and the runtime checks the element is 1 or d.
 * - Tile: the constant `repeats` input, one non-negative count per axis. Before opset 6, two
 *   constant scalar inputs `tiles` and `axis` (of the input's type) repeat one axis. A symbolic
 *   repeat (a shape computation, or `repeats` given as a graph input and bound per run) on an
 *   axis of size 1 is an expand to that size; on a longer axis, an expand between two views.
 * Lowers to: `expand(shape)` / `tile(repeats)`; a no-op (same shape, all repeats 1) is the input
 * itself.
 */

import type { Value } from '../../../ir/graph.js';
import { dimMul, dimSub } from '../../../ir/dim.js';
import { broadcastShapes, type Dim } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

function expand(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  const target = ctx.constDims(1, 'shape');
  if (target.some((d) => typeof d === 'number' && (d < 0 || !Number.isInteger(d)))) ctx.fail(`shape [${target.join(', ')}] has an invalid dim`);
  const shape = broadcastShapes(x.type.shape, valueSymbolsBroadcast(ctx, x.type.shape, target));
  if (shape.length === x.rank && shape.every((d, i) => d === x.type.shape[i])) return [x];
  return [ctx.addOut1({ kind: 'expand', shape }, [x])];
}

/**
 * The target with each value symbol (an element of a `shape` given as a graph input, which
 * unlike a dim symbol may be a broadcast 1) facing an input dim d ≠ 1 replaced by d: the output
 * dim is d both when the value is 1 and when it is d, and the runtime checks it is one of the two
 * ((v-1)·(v-d) = 0), so no other value passes silently.
 */
function valueSymbolsBroadcast(ctx: ImportContext, xShape: readonly Dim[], target: readonly Dim[]): Dim[] {
  const offset = xShape.length - target.length;
  return target.map((t, i) => {
    const d = xShape[i + offset];
    if (d === undefined || d === 1 || d === t || !ctx.isValueSymbol(t)) return t;
    const where = `${ctx.name}: element ${i} of input 'shape' must be 1 or ${d} (the input's dim)`;
    ctx.graph.assertDims(dimMul(dimSub(t, 1), dimSub(t, d)), 0, where);
    return d;
  });
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
 * Tile with symbolic repeats: an axis of size 1 repeated r times is an expand to r (then a tile of
 * the numeric repeats); a symbolic number of copies of a longer axis takes interleavedTile.
 */
function symbolicTile(ctx: ImportContext, x: Value, repeats: Dim[]): Value {
  const shape = x.type.shape;
  if (repeats.some((r) => typeof r === 'number' && (r < 0 || !Number.isInteger(r)))) ctx.fail(`repeats [${repeats.join(', ')}] must be non-negative integers`);
  if (repeats.some((r, i) => typeof r === 'string' && shape[i] !== 1)) return interleavedTile(ctx, x, repeats);
  const expanded = repeats.map((r, i) => (typeof r === 'string' ? r : shape[i]!));
  const rest = repeats.map((r) => (typeof r === 'string' ? 1 : r));
  if (rest.every((r) => r === 1)) return ctx.addOut1({ kind: 'expand', shape: expanded }, [x]);
  return ctx.addOut1({ kind: 'tile', repeats: rest }, [ctx.add1({ kind: 'expand', shape: expanded }, [x])]);
}

/**
 * Tile as views and one broadcast: x [d0, d1, …] viewed as [1, d0, 1, d1, …], expanded to
 * [r0, d0, r1, d1, …] and viewed as [r0·d0, r1·d1, …] — copy k of axis a is block k of the
 * merged axis, which is what Tile lays out. Exact for any repeats, symbolic ones included.
 */
function interleavedTile(ctx: ImportContext, x: Value, repeats: Dim[]): Value {
  const shape = x.type.shape;
  const split = shape.flatMap((d) => [1, d]);
  const expanded = shape.flatMap((d, i) => [repeats[i]!, d]);
  const merged = shape.map((d, i) => dimMul(repeats[i]!, d));
  const viewed = ctx.add1({ kind: 'reshape', shape: split }, [x]);
  const copies = ctx.add1({ kind: 'expand', shape: expanded }, [viewed]);
  return ctx.addOut1({ kind: 'reshape', shape: merged }, [copies]);
}

export const expandImporters: OpImporter[] = [importer('Expand', expand, 8), importer('Tile', tile, 1)];
