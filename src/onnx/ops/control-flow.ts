/**
 * Control flow the host can decide at compile time, inlined into the graph.
 *
 * ONNX: If (opset 1/11/13/16), Scan (opset 8, 9/11/16). Opsets 7 (If; Scan from 8) to MAX_OPSET.
 * - If: the branch whose condition is known when the model is compiled — a constant, a
 *   condition computed from tensor shapes (`Value.symbolic`, e.g. an exporter's
 *   `If(Equal(Shape(x)[0], 1))`), or a bool graph input, for which compile makes one variant per
 *   value (ctx.structuralInput, src/variants.ts) — is imported inline; the other branch is never
 *   imported. A condition computed from tensor data on the GPU is refused: the compiled program
 *   has no control flow, and running both branches would hide an unsupported op in one of them.
 *   Branch outputs must be tensors (sequence and optional outputs are refused by their importers).
 * - Scan: the body is unrolled over the scan axis, whose length must be static (at most
 *   MAX_UNROLL iterations): iteration t slices step t of every scan input (reversed for
 *   direction 1), runs the body on the current states, and the scan outputs' slices are stacked
 *   along their axis (prepended for direction 1). Opset 8's form has a leading batch axis on every
 *   input and output, unrolled as well, and `sequence_lens`, which must be absent.
 * Lowers to: the body's or branch's own IR (its nodes are named `<node>/<label>/<body node>`),
 * plus slice / reshape / concat for Scan.
 */

import type { Value } from '../../../ir/graph.js';
import type { Dim } from '../../../ir/shape.js';
import { symbolicContents } from '../../../ir/eval/symbolic.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { importer, normalizeAxes } from './common.js';

/** Most loop iterations Scan unrolls (each adds the body's nodes to the graph). */
export const MAX_UNROLL = 256;

function ifOp(ctx: ImportContext): ImportResult {
  const cond = ctx.input(0, 'cond');
  if (!cond.type.shape.every((d) => d === 1)) ctx.fail(`cond must hold one value, got shape [${cond.type.shape.join(', ')}]`);
  let value: number | undefined;
  const known = symbolicContents(cond)?.[0];
  if (typeof known === 'number') value = known;
  else if (known === undefined && cond.data === undefined && cond.producer === undefined) {
    value = ctx.structuralInput(0, 'cond', { kind: 'bool' })[0];
  }
  if (value === undefined) {
    ctx.unsupported(
      typeof known === 'string'
        ? `cond is ${known} ≠ 0, which depends on a symbolic dim; compile with --dim to decide it`
        : 'cond is computed from tensor data at run time; only conditions known when compiling (constants, shapes, a bool graph input) are supported',
    );
  }
  const branch = ctx.getGraph(value !== 0 ? 'then_branch' : 'else_branch');
  const outs = ctx.inlineGraph(branch, [], value !== 0 ? 'then' : 'else');
  if (outs.length !== ctx.outputCount) ctx.fail(`the branch has ${outs.length} outputs, the node ${ctx.outputCount}`);
  return outs;
}

/** One step along `axis` of `x` with that axis removed. */
function step(ctx: ImportContext, x: Value, axis: number, t: number): Value {
  const s = ctx.add1({ kind: 'slice', axes: [axis], starts: [t], ends: [t + 1], steps: [1] }, [x]);
  return ctx.add1({ kind: 'reshape', shape: x.type.shape.filter((_, a) => a !== axis) }, [s]);
}

/** `xs` stacked along a new axis `axis`. */
function stack(ctx: ImportContext, xs: Value[], axis: number): Value {
  const parts = xs.map((x) => {
    const shape: Dim[] = [...x.type.shape];
    shape.splice(axis, 0, 1);
    return ctx.add1({ kind: 'reshape', shape }, [x]);
  });
  return parts.length === 1 ? parts[0]! : ctx.add1({ kind: 'concat', axis }, parts);
}

interface ScanForm {
  states: Value[];
  scans: Value[];
  inputAxes: number[];
  inputReverse: boolean[];
  outputAxes: number[];
  outputReverse: boolean[];
}

/** Unrolls the body over `form`; returns the final states and the stacked scan outputs. */
function unroll(ctx: ImportContext, form: ScanForm, label: string): Value[] {
  const body = ctx.getGraph('body');
  const lengths = form.scans.map((x, i) => x.type.shape[form.inputAxes[i]!]);
  const n = lengths[0];
  if (typeof n !== 'number' || lengths.some((l) => l !== n)) {
    ctx.unsupported(`the scan inputs' lengths along their scan axes (${lengths.join(', ')}) must be one static number to unroll`);
  }
  if (n > MAX_UNROLL) ctx.unsupported(`the scan runs ${n} iterations; at most ${MAX_UNROLL} are unrolled`);
  if (n < 1) ctx.unsupported('a scan of 0 iterations is not supported');
  let states = form.states;
  const outSlices: Value[][] = [];
  for (let t = 0; t < n; t++) {
    const slices = form.scans.map((x, i) => step(ctx, x, form.inputAxes[i]!, form.inputReverse[i] ? n - 1 - t : t));
    const outs = ctx.inlineGraph(body, [...states, ...slices], `${label}${t}`);
    if (outs.length < states.length) ctx.fail(`the body has ${outs.length} outputs, fewer than the ${states.length} states`);
    states = outs.slice(0, states.length);
    outSlices.push(outs.slice(states.length));
  }
  const k = outSlices[0]!.length;
  const stacked = Array.from({ length: k }, (_, j) => {
    const seq = outSlices.map((o) => o[j]!);
    if (form.outputReverse[j]) seq.reverse();
    const rank = seq[0]!.rank + 1;
    return stack(ctx, seq, normalizeAxes([form.outputAxes[j] ?? 0], rank, 'scan_output_axes')[0]!);
  });
  return [...states, ...stacked];
}

function scanForm(ctx: ImportContext, states: Value[], scans: Value[], axisOffset: number): ScanForm {
  const m = scans.length;
  const k = ctx.outputCount - states.length;
  const ints = (name: string, count: number, fallback: number) => {
    const v = ctx.getInts(name, new Array<number>(count).fill(fallback));
    if (v.length !== count) ctx.fail(`${name} has ${v.length} entries for ${count} tensors`);
    return v;
  };
  const inputAxes = ints('scan_input_axes', m, 0).map((a, i) => normalizeAxes([a], scans[i]!.rank - axisOffset, 'scan_input_axes')[0]! + axisOffset);
  return {
    states,
    scans,
    inputAxes,
    inputReverse: ints('scan_input_directions', m, 0).map((d) => d === 1),
    outputAxes: ints('scan_output_axes', k, 0),
    outputReverse: ints('scan_output_directions', k, 0).map((d) => d === 1),
  };
}

/** Scan from opset 9: [states…, scan inputs…] → [final states…, scan outputs…]. */
function scan9(ctx: ImportContext): ImportResult {
  const all = ctx.presentInputs();
  const m = ctx.getInt('num_scan_inputs');
  if (m < 1 || m > all.length) ctx.fail(`num_scan_inputs ${m} does not fit ${all.length} inputs`);
  const form = scanForm(ctx, all.slice(0, all.length - m), all.slice(all.length - m), 0);
  return unroll(ctx, form, 'iter');
}

/**
 * Scan at opset 8: [sequence_lens?, states…, scan inputs…], every tensor with a leading batch axis
 * and scan inputs scanned along axis 1 (`directions` for their directions); unrolled per batch
 * element, whose results are stacked back along axis 0.
 */
function scan8(ctx: ImportContext): ImportResult {
  if (ctx.hasInput(0)) ctx.unsupported("input 'sequence_lens' is not supported (every sequence must run the full length)");
  const all = Array.from({ length: ctx.inputCount - 1 }, (_, i) => ctx.input(i + 1));
  const m = ctx.getInt('num_scan_inputs');
  if (m < 1 || m > all.length) ctx.fail(`num_scan_inputs ${m} does not fit ${all.length} inputs`);
  const batch = all[0]!.type.shape[0];
  if (typeof batch !== 'number') ctx.unsupported('the batch axis must be static to unroll');
  const perBatch: Value[][] = [];
  for (let b = 0; b < batch; b++) {
    const sliced = all.map((x) => step(ctx, x, 0, b));
    const states = sliced.slice(0, all.length - m);
    const scans = sliced.slice(all.length - m);
    const form: ScanForm = {
      states,
      scans,
      inputAxes: scans.map(() => 0),
      inputReverse: ctx.getInts('directions', scans.map(() => 0)).map((d) => d === 1),
      outputAxes: [],
      outputReverse: [],
    };
    perBatch.push(unroll(ctx, form, `b${b}_iter`));
  }
  return perBatch[0]!.map((_, j) => stack(ctx, perBatch.map((o) => o[j]!), 0));
}

export const controlFlowImporters: OpImporter[] = [importer('If', ifOp, 1), importer('Scan', (ctx) => (ctx.opset < 9 ? scan8(ctx) : scan9(ctx)), 8)];
