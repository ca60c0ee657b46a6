/**
 * Strided slicing → IR `slice`.
 *
 * ONNX: Slice (opset 1/10/11/13). Opsets 1 to MAX_OPSET; any element type.
 * - Before opset 10: `starts`, `ends` and optional `axes` attributes, step 1.
 * - From 10: inputs starts, ends, axes?, steps?, all known at compile time: steps constants;
 *   axes constants or a graph input compiled once per legal value (src/variants.ts); starts and
 *   ends constants, shape computations on symbolic dims (`x[:, :seq]` with seq read from another
 *   input's shape), or small integer graph inputs read as value symbols bound per run (starts
 *   from 0, ends from 1; negative values are refused at run time).
 * Negative axes are normalized; repeated axes and zero steps are errors. starts/ends keep ONNX
 * meaning (negative counts from the end, out of range clamps); values beyond ±(2³¹−1) — the
 * INT64 sentinels exporters use for "to the end" — are clamped to that range, which selects the
 * same elements for any dim that fits the GPU's 32-bit indices.
 * Lowers to: `slice(axes, starts, ends, steps)`.
 */

import type { Dim } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, iota } from './common.js';

const LIMIT = 2 ** 31 - 1;
const clampIndex = (v: Dim): Dim => (typeof v === 'number' ? Math.min(LIMIT, Math.max(-LIMIT, v)) : v);

function slice(ctx: ImportContext) {
  const x = ctx.input(0, 'data');
  let starts: Dim[];
  let ends: Dim[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = ctx.getInts('starts');
    ends = ctx.getInts('ends');
    axes = ctx.hasAttr('axes') ? ctx.getInts('axes') : undefined;
  } else {
    for (const a of ['starts', 'ends', 'axes']) ctx.rejectMovedAttr(a, 10);
    // A graph input of starts may hold 0 (the usual start): its elements read as symbol − 1.
    starts = ctx.knownDimsFromZero(1) ?? ctx.constDims(1, 'starts');
    ends = ctx.constDims(2, 'ends');
    // Axes fed as a graph input are compiled once per legal (ordered) value: src/variants.ts.
    axes = ctx.hasInput(3) ? ctx.structuralInput(3, 'axes', { kind: 'axes', rank: x.rank, order: 'list' }) : undefined;
    steps = ctx.optionalConstNumbers(4, 'steps');
  }
  const n = starts.length;
  axes ??= iota(n);
  steps ??= new Array<number>(n).fill(1);
  if (ends.length !== n || axes.length !== n || steps.length !== n) {
    ctx.fail(`starts, ends, axes and steps must have equal lengths, got ${n}, ${ends.length}, ${axes.length}, ${steps.length}`);
  }
  axes = axes.map((a) => {
    const b = a < 0 ? a + x.rank : a;
    if (b < 0 || b >= x.rank) ctx.fail(`axis ${a} is out of range for rank ${x.rank}`);
    return b;
  });
  if (new Set(axes).size !== n) ctx.fail(`repeated axis in [${axes.join(', ')}]`);
  if (steps.includes(0)) ctx.fail('steps must not be 0');
  const op = { kind: 'slice', axes, starts: starts.map(clampIndex), ends: ends.map(clampIndex), steps } as const;
  return [ctx.addOut1(op, [x])];
}

export const sliceImporters: OpImporter[] = [importer('Slice', slice, 1)];
