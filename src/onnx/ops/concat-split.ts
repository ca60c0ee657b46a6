/**
 * Joining and splitting along an axis → IR `concat` / `slice`.
 *
 * ONNX: Concat (opset 1/4/11/13), Split (1/2/11/13/18). Opsets 1 to MAX_OPSET; any element type.
 * - Concat: `axis` required from opset 4 (before, optional with default 1); negative from 11.
 * - Split: `axis` (default 0, negative from 11); part sizes from the `split` attribute before
 *   opset 13 (at opset 1 also from an optional second input, which must then be a constant;
 *   Split-1 has no documented default axis, so it must have `axis`),
 *   the `split` input from 13 — a constant, or a graph input read per run as value symbols
 *   (context.ts knownDimsFromZero: each size is a symbol − 1, so parts of size 0 are allowed,
 *   negative ones refused at run time, and the sizes must sum to the axis: a recorded run-time
 *   assertion; the slices then start at symbolic offsets); without them, equal parts — one per output, or
 *   `num_outputs` from 18, where the last part may be smaller (ceil-sized chunks). A symbolic
 *   axis splits into exact symbolic parts (its size must divide), ceil chunks, or given sizes
 *   (then the axis must equal their sum at run time: a recorded dim assertion).
 * Lowers to: `concat(axis)`; Split → one `slice` per requested output (an omitted output ''
 * gets no node). A single-input Concat or single-output Split is the input itself.
 */

import type { Value } from '../../../ir/graph.js';
import type { Op } from '../../../ir/ops.js';
import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';
import { dimAdd, dimCeilDiv, dimEquals, dimFloorDiv, dimMul, type Dim } from '../../../ir/dim.js';
import { dimIsNonNegative } from '../../../ir/dim-range.js';
import { SymbolicDimError } from '../errors.js';

function concat(ctx: ImportContext) {
  const inputs = ctx.presentInputs();
  if (inputs.length === 0) ctx.fail('needs at least one input');
  const axis = normalizeAxis(ctx.getInt('axis', ctx.opset < 4 ? 1 : undefined), inputs[0]!.rank);
  if (inputs.length === 1) return [inputs[0]!];
  return [ctx.addOut1({ kind: 'concat', axis }, inputs)];
}

/** Sizes of the parts along the axis, from the split attribute/input or equal division. */
function partSizes(ctx: ImportContext, x: Value, axis: number): Dim[] {
  const outputs = ctx.outputCount;
  let sizes: Dim[] | undefined;
  if (ctx.opset < 2 && ctx.hasInput(1)) {
    // Split-1's optional second input: the sizes as a tensor of the input's (float) type.
    sizes = ctx.constNumbers(1, 'split');
    if (ctx.hasAttr('split') && ctx.getInts('split').join() !== sizes.join()) ctx.fail("the 'split' input and attribute disagree");
  } else if (ctx.opset < 13) sizes = ctx.hasAttr('split') ? ctx.getInts('split') : undefined;
  else {
    ctx.rejectMovedAttr('split', 13);
    // Anything but a constant or a small graph input (data computed at run time) gets constNumbers' error.
    if (ctx.hasInput(1)) sizes = ctx.knownDimsFromZero(1) ?? ctx.constNumbers(1, 'split');
  }

  if (sizes !== undefined) {
    if (sizes.length !== outputs) ctx.fail(`split has ${sizes.length} sizes for ${outputs} outputs`);
    const shown = `[${sizes.join(', ')}]`;
    const invalid = (s: Dim) => (typeof s === 'number' ? s < 0 || !Number.isInteger(s) : !dimIsNonNegative(s));
    if (sizes.some(invalid)) ctx.fail(`split sizes ${shown} must be non-negative integers`);
    const d = x.type.shape[axis]!;
    const total = dimAdd(...sizes);
    if (typeof d === 'number' && typeof total === 'number' && total !== d) {
      ctx.fail(`split sizes ${shown} sum to ${total}, but axis ${axis} has size ${d}`);
    }
    // A symbolic axis split into fixed sizes works only at one size, and sizes given at run time
    // must sum to the axis: checked for each run.
    if (typeof d === 'string' || typeof total === 'string') {
      ctx.graph.assertDims(d, total, typeof total === 'string' ? `${ctx.name}: the sizes in input 'split' must sum to ${d}, the length of axis ${axis}` : ctx.name);
    }
    return sizes;
  }

  const d = x.type.shape[axis]!;
  if (ctx.opset >= 18 && ctx.hasAttr('num_outputs')) {
    const n = ctx.getInt('num_outputs');
    if (n !== outputs) ctx.fail(`num_outputs is ${n} but the node has ${outputs} outputs`);
    // Chunks of ⌈d / n⌉; with a symbolic d the slices clamp the last ones to the axis.
    if (typeof d === 'string') return new Array<Dim>(n).fill(dimCeilDiv(d, n));
    const chunk = Math.ceil(d / n);
    return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
  }
  if (typeof d === 'string') {
    const part = dimFloorDiv(d, outputs);
    if (!dimEquals(dimMul(part, outputs), d)) {
      throw new SymbolicDimError(`Split of the symbolic axis ${d} into ${outputs} equal parts needs ${d} to divide by ${outputs}; bind it with --dim`);
    }
    return new Array<Dim>(outputs).fill(part);
  }
  const dim = d;
  if (dim % outputs !== 0) ctx.fail(`axis ${axis} of size ${dim} does not split into ${outputs} equal parts`);
  return new Array<number>(outputs).fill(dim / outputs);
}

function split(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  // Split-1 documents no default axis (0 is Split-2's); guessing one could split the wrong axis.
  if (ctx.opset < 2 && !ctx.hasAttr('axis')) ctx.unsupported("Split-1 without 'axis' (version 1 specifies no default) is not supported");
  const axis = normalizeAxis(ctx.getInt('axis', 0), x.rank);
  const sizes = partSizes(ctx, x, axis);
  if (sizes.length === 1) return [x];
  const results: (Value | undefined)[] = [];
  let offset: Dim = 0;
  sizes.forEach((size, i) => {
    if (ctx.hasOutput(i)) {
      const op: Op = { kind: 'slice', axes: [axis], starts: [offset], ends: [dimAdd(offset, size)], steps: [1] };
      results.push(ctx.addOut1(op, [x], i));
    } else {
      results.push(undefined);
    }
    offset = dimAdd(offset, size);
  });
  return results;
}

export const concatSplitImporters: OpImporter[] = [importer('Concat', concat, 1), importer('Split', split, 1)];
