/**
 * Shape-only ops → IR `reshape` (a view: no data moves).
 *
 * ONNX: Reshape (opset 1/5/13/14/19/21), Flatten (1/9/11/13/21), Squeeze (1/11/13/21),
 * Unsqueeze (1/11/13/21). Opsets 1 to MAX_OPSET; any element type.
 * - Reshape: the `shape` input must be known at compile time: a constant or a shape computation
 *   on symbolic dims (before opset 5, the `shape` attribute). 0 copies the input dim at that
 *   position (unless allowzero=1, opset 14+, where 0 means a zero-size dim); one -1 is inferred
 *   from the element count by exact symbolic division (e.g. [batch, 6] → [-1, 3, 2] gives batch,
 *   [batch, sequence, 128] → [-1, 128] gives batch*sequence).
 * - Flatten: [prod(d < axis), prod(d ≥ axis)] (symbolic products allowed); negative axis from 11.
 * - Squeeze/Unsqueeze: `axes` attribute before opset 13, input from 13 (a constant, or a graph
 *   input compiled once per legal value, src/variants.ts); negative axes from 11. Squeeze
 *   without axes (or with an empty list, as onnxruntime reads it) drops every dim of size 1, so
 *   it needs symbolic dims bound (whether a symbol is 1 decides the output rank).
 * Lowers to: `reshape` with a fully resolved shape (numbers and symbols, no 0 or -1); a reshape to
 * the input's own shape is the input itself.
 */

import type { Value } from '../../../ir/graph.js';
import type { Dim } from '../../../ir/shape.js';
import { formatShape } from '../../../ir/shape.js';
import { dimEquals, dimFloorDiv, dimMul, dimProductOf } from '../../../ir/dim.js';
import { compareDims, dimIsNonNegative } from '../../../ir/dim-range.js';
import { SymbolicDimError } from '../errors.js';
import type { ImportContext, OpImporter } from './context.js';
import { dimProduct, importer, normalizeAxes } from './common.js';

/**
 * Resolves an ONNX Reshape target against the input shape: 0 → copied dim (unless allowZero),
 * -1 → inferred by exact symbolic division (`(128*batch*sequence) / (128*batch)` is `sequence`).
 * Target entries may themselves be symbolic (from a shape computation). Throws on malformed
 * targets and on element counts that certainly differ, SymbolicDimError when the -1 is not an
 * exact quotient. When the counts are equal only for some symbol values, `assume(a, b)` is told
 * "a must equal b at run time" (the importer records it on the graph).
 */
export function resolveReshape(
  input: readonly Dim[],
  target: readonly Dim[],
  allowZero: boolean,
  assume: (a: Dim, b: Dim) => void = () => {},
): Dim[] {
  const what = `reshape ${formatShape(input)} to ${formatShape(target)}`;
  if (allowZero && target.includes(0) && target.includes(-1)) throw new Error(`${what}: allowzero=1 forbids 0 and -1 together`);
  const out: Dim[] = [];
  let inferAt = -1;
  target.forEach((t, i) => {
    if (t === -1) {
      if (inferAt >= 0) throw new Error(`${what}: more than one -1`);
      inferAt = i;
      out.push(-1);
    } else if (t === 0 && !allowZero) {
      if (i >= input.length) throw new Error(`${what}: 0 at position ${i} has no input dim to copy`);
      out.push(input[i]!);
    } else if (typeof t === 'number' && (t < 0 || !Number.isInteger(t))) {
      throw new Error(`${what}: invalid dim ${t}`);
    } else if (typeof t === 'string' && !dimIsNonNegative(t)) {
      throw new SymbolicDimError(`${what}: target dim ${t} may be negative (a -1 or 0 computed at run time)`);
    } else {
      out.push(t);
    }
  });

  const inCount = dimProductOf(input);
  const rest = dimProductOf(out.filter((_, i) => i !== inferAt));
  if (inferAt < 0) {
    if (!dimEquals(inCount, rest)) {
      // Different for every symbol value (by their bounds) is an error; otherwise assumed.
      if (compareDims(inCount, rest) !== undefined) {
        // Symbols in the target (a shape given at run time) are ≥ 1, so only a 0 or -1 given at
        // run time could make the counts agree: a form this lowering cannot express.
        if (target.some((t) => typeof t === 'string')) {
          throw new SymbolicDimError(`${what}: element counts differ (${inCount} vs ${rest}) for every target value ≥ 1; a 0 or -1 computed at run time is not supported`);
        }
        throw new Error(`${what}: element counts differ (${inCount} vs ${rest})`);
      }
      assume(rest, inCount);
    }
    return out;
  }

  if (rest === 0) throw new Error(`${what}: -1 cannot be inferred when another dim is 0`);
  if (inCount === 0) {
    out[inferAt] = 0;
    return out;
  }
  const q = dimFloorDiv(inCount, rest);
  if (!dimEquals(dimMul(q, rest), inCount)) {
    if (typeof inCount === 'number' && typeof rest === 'number') throw new Error(`${what}: ${inCount} elements do not divide by ${rest}`);
    throw new SymbolicDimError(`${what}: -1 would be ${inCount} / ${rest}, which does not divide exactly for every symbol value; bind the symbols with --dim`);
  }
  out[inferAt] = q;
  return out;
}

function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The node's output as `x` viewed with `shape` (x itself when the shape is unchanged). */
function reshapeOut(ctx: ImportContext, x: Value, shape: Dim[]): Value[] {
  if (sameShape(x.type.shape, shape)) return [x];
  return [ctx.addOut1({ kind: 'reshape', shape }, [x])];
}

function reshape(ctx: ImportContext) {
  const x = ctx.input(0, 'data');
  // Reshape-1 (with the ignorable consumed_inputs) took the same target as an attribute.
  if (ctx.opset < 5) return reshapeOut(ctx, x, resolveReshape(x.type.shape, ctx.getInts('shape'), false));
  const shapeIn = ctx.input(1, 'shape');
  if (shapeIn.rank !== 1) ctx.fail(`input 'shape' must be 1-d, got dims [${shapeIn.type.shape.join(', ')}]`);
  const target = ctx.constDims(1, 'shape');
  const allowZero = ctx.opset >= 14 && ctx.getInt('allowzero', 0) !== 0;
  const assume = (a: Dim, b: Dim) => ctx.graph.assertDims(a, b, ctx.name);
  return reshapeOut(ctx, x, resolveReshape(x.type.shape, target, allowZero, assume));
}

function flatten(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  const r = x.rank;
  let axis = ctx.getInt('axis', 1);
  if (axis < -r || axis > r) ctx.fail(`axis ${axis} is out of range for rank ${r}`);
  if (axis < 0) axis += r;
  const dims = x.type.shape;
  const shape = [dimProduct(dims.slice(0, axis), 'Flatten'), dimProduct(dims.slice(axis), 'Flatten')];
  return reshapeOut(ctx, x, shape);
}

/**
 * Squeeze/Unsqueeze axes: the attribute before opset 13, the input from 13 (a constant, or a graph
 * input compiled once per legal value: src/variants.ts). Unsqueeze's axes index the output rank.
 */
function readAxes(ctx: ImportContext, required: boolean, rank: number, outputRank: boolean): number[] | undefined {
  if (ctx.opset < 13) return ctx.hasAttr('axes') || required ? ctx.getInts('axes') : undefined;
  ctx.rejectMovedAttr('axes', 13);
  if (!ctx.hasInput(1)) {
    if (required) ctx.fail("input 'axes' is required");
    return undefined;
  }
  return ctx.structuralInput(1, 'axes', { kind: 'axes', rank, order: 'set', ...(outputRank ? { outputRank } : {}) });
}

function squeeze(ctx: ImportContext) {
  const x = ctx.input(0, 'data');
  const dims = x.type.shape;
  const given = readAxes(ctx, false, x.rank, false);
  let drop: number[];
  if (given === undefined || given.length === 0) {
    // Without axes (or with an empty list, as onnxruntime reads it) every size-1 dim goes;
    // whether a symbol is 1 is only known once it is bound.
    const symbol = dims.find((d) => typeof d === 'string');
    if (symbol !== undefined) {
      throw new SymbolicDimError(`Squeeze without axes on the symbolic dim '${symbol}' (it may or may not be 1); bind it with --dim`);
    }
    drop = dims.flatMap((d, i) => (d === 1 ? [i] : []));
  } else {
    drop = normalizeAxes(given, x.rank, 'Squeeze axes');
    for (const a of drop) {
      const d = dims[a]!;
      if (typeof d === 'string') {
        throw new SymbolicDimError(`Squeeze axis ${a} is the symbol '${d}', not known to be 1; bind it with --dim`);
      }
      if (d !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${d} (shape ${formatShape(dims)})`);
    }
  }
  return reshapeOut(ctx, x, dims.filter((_, i) => !drop.includes(i)));
}

function unsqueeze(ctx: ImportContext) {
  const x = ctx.input(0, 'data');
  const given = readAxes(ctx, true, x.rank, true)!;
  const outRank = x.rank + given.length;
  const axes = normalizeAxes(given, outRank, 'Unsqueeze axes');
  const shape: Dim[] = [];
  let k = 0;
  for (let i = 0; i < outRank; i++) shape.push(axes.includes(i) ? 1 : x.type.shape[k++]!);
  return reshapeOut(ctx, x, shape);
}

export const reshapeImporters: OpImporter[] = [
  importer('Reshape', reshape, 1),
  importer('Flatten', flatten, 1),
  importer('Squeeze', squeeze, 1),
  importer('Unsqueeze', unsqueeze, 1),
];
