/**
 * Reductions → IR `reduce` / `argReduce`.
 *
 * ONNX: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
 * ReduceLogSum, ReduceLogSumExp, ReduceSumSquare (opset 1/11/13/18, ReduceMax/Min also 20),
 * ArgMax, ArgMin (1/11/12/13). Opsets 1 to MAX_OPSET.
 * - Axes: the `axes` attribute, or — ReduceSum from opset 13, the others from 18 — an optional
 *   `axes` input: a constant, or a graph input compiled once per legal value (src/variants.ts).
 *   Negative axes from 11. Absent or empty axes reduce everything, unless
 *   `noop_with_empty_axes=1` (same opsets as the input form), which makes the op the identity.
 * - `keepdims` defaults to 1.
 * - ArgMax/ArgMin: `axis` (default 0), `keepdims`, `select_last_index` (12+, default 0).
 * Types: numeric (ReduceMax/Min bool from 20), checked by IR inference; Arg* output int64.
 * Lowers to: `reduce(fn, axes sorted and explicit, keepdims)`, `argReduce(fn, axis, …)`.
 */

import type { ReduceFn } from '../../../ir/ops.js';
import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, iota, normalizeAxes } from './common.js';

const REDUCERS: [string, ReduceFn][] = [
  ['ReduceSum', 'sum'],
  ['ReduceMean', 'mean'],
  ['ReduceMax', 'max'],
  ['ReduceMin', 'min'],
  ['ReduceProd', 'prod'],
  ['ReduceL1', 'l1'],
  ['ReduceL2', 'l2'],
  ['ReduceLogSum', 'logSum'],
  ['ReduceLogSumExp', 'logSumExp'],
  ['ReduceSumSquare', 'sumSquare'],
];

function reduce(fn: ReduceFn, inputFormSince: number) {
  return (ctx: ImportContext) => {
    const x = ctx.input(0, 'data');
    const inputForm = ctx.opset >= inputFormSince;
    if (inputForm) ctx.rejectMovedAttr('axes', inputFormSince);
    // Axes fed as a graph input are compiled once per legal value (src/variants.ts).
    const axesInput = () => (ctx.hasInput(1) ? ctx.structuralInput(1, 'axes', { kind: 'axes', rank: x.rank, order: 'set' }) : undefined);
    const given = inputForm ? axesInput() : ctx.hasAttr('axes') ? ctx.getInts('axes') : undefined;
    const noop = inputForm && ctx.getInt('noop_with_empty_axes', 0) !== 0;
    let axes: number[];
    if (given === undefined || given.length === 0) {
      if (noop) return [x];
      axes = iota(x.rank);
    } else {
      axes = normalizeAxes(given, x.rank, `${ctx.opType} axes`).sort((a, b) => a - b);
    }
    const keepdims = ctx.getInt('keepdims', 1) !== 0;
    return [ctx.addOut1({ kind: 'reduce', fn, axes, keepdims }, [x])];
  };
}

function argReduce(fn: 'max' | 'min') {
  return (ctx: ImportContext) => {
    const x = ctx.input(0, 'data');
    const op = {
      kind: 'argReduce',
      fn,
      axis: normalizeAxis(ctx.getInt('axis', 0), x.rank),
      keepdims: ctx.getInt('keepdims', 1) !== 0,
      selectLastIndex: ctx.opset >= 12 && ctx.getInt('select_last_index', 0) !== 0,
    } as const;
    return [ctx.addOut1(op, [x])];
  };
}

export const reduceImporters: OpImporter[] = [
  ...REDUCERS.map(([opType, fn]) => importer(opType, reduce(fn, opType === 'ReduceSum' ? 13 : 18), 1)),
  importer('ArgMax', argReduce('max'), 1),
  importer('ArgMin', argReduce('min'), 1),
];
