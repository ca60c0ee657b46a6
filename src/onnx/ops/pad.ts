/**
 * Padding → IR `pad` (and `slice` for negative pads).
 *
 * ONNX: Pad (opset 1/2/11/13/18/19/21). Opsets 1 to MAX_OPSET.
 * - Before 11: `pads` and `value` attributes (at opset 1 `pads` was called `paddings`, same layout). From 11: `pads` and optional `constant_value`
 *   inputs; from 18 an optional constant `axes` input selects the padded axes (pads then has
 *   2·len(axes) values). `pads` is a constant, or a graph input read per run as value symbols
 *   (context.ts knownDimsFromZero: each pad is a symbol − 1, so 0 is allowed and a negative pad is
 *   refused at run time); reflect pads must then stay below the axis length and edge pads of an
 *   empty axis be 0 (recorded run-time assertions, as onnxruntime requires). A `constant_value`
 *   that is not a constant becomes the pad's second input, read by the kernel.
 * - `mode`: constant (default), reflect, edge; opset 19's wrap is rejected as a form.
 * - Negative pads remove elements: they become a `slice` before the pad (the crop and the pad
 *   touch different sides of each axis, so the order matches onnxruntime's result).
 * Types: any numeric; constant_value has the input's type.
 * Lowers to: `pad(mode, pads over all axes, value)`, optionally preceded by `slice`; all-zero pads
 * are the input itself.
 */

import { dimAdd, dimMax, dimSub, type Dim } from '../../../ir/dim.js';
import { dimIsNonNegative } from '../../../ir/dim-range.js';
import type { Value } from '../../../ir/graph.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, iota, normalizeAxes } from './common.js';

type PadMode = 'constant' | 'reflect' | 'edge';

function pad(ctx: ImportContext) {
  const x = ctx.input(0, 'data');
  const r = x.rank;
  const mode = ctx.getString('mode', 'constant');
  if (mode === 'wrap') ctx.unsupported("mode 'wrap' is not supported");
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') ctx.fail(`mode '${mode}' is not constant, reflect or edge`);

  let given: Dim[];
  let value = 0;
  let valueInput: Value | undefined;
  let axes = iota(r);
  if (ctx.opset < 11) {
    given = ctx.getInts(ctx.opset < 2 ? 'paddings' : 'pads');
    value = ctx.getFloat('value', 0);
  } else {
    ctx.rejectMovedAttr('pads', 11);
    ctx.rejectMovedAttr('value', 11);
    // Anything but a constant or a small graph input (data computed at run time) gets constNumbers' error.
    given = ctx.knownDimsFromZero(1) ?? ctx.constNumbers(1, 'pads');
    const v = ctx.optionalInput(2);
    if (v !== undefined && v.data === undefined && mode === 'constant') {
      if (v.type.dtype !== x.type.dtype) ctx.fail(`constant_value has type ${v.type.dtype}, data has ${x.type.dtype}`);
      valueInput = v;
    } else if (v !== undefined && v.data !== undefined) value = ctx.constScalar(2, 'constant_value');
    if (ctx.opset >= 18 && ctx.hasInput(3)) axes = normalizeAxes(ctx.constNumbers(3, 'axes'), r, 'Pad axes');
  }
  if (given.length !== 2 * axes.length) ctx.fail(`pads has ${given.length} values, expected ${2 * axes.length}`);
  // Pads from a shape computation may be symbolic with no known sign: crop or pad is undecided.
  const unsigned = given.find((p) => typeof p === 'string' && !dimIsNonNegative(p));
  if (unsigned !== undefined) ctx.unsupported(`pad ${unsigned} may be negative or not; whether it crops is decided only at run time`);

  // Spread the per-listed-axis pads over every axis: [begin_0 … begin_{r-1}, end_0 … end_{r-1}].
  const pads = new Array<Dim>(2 * r).fill(0);
  axes.forEach((a, k) => {
    pads[a] = given[k]!;
    pads[r + a] = given[axes.length + k]!;
  });

  let input: Value = x;
  const cropped = (p: Dim) => typeof p === 'number' && p < 0;
  if (pads.some(cropped)) {
    const cut = iota(r).filter((a) => cropped(pads[a]!) || cropped(pads[r + a]!));
    const op = {
      kind: 'slice',
      axes: cut,
      starts: cut.map((a) => (cropped(pads[a]!) ? -(pads[a] as number) : 0)),
      // A negative end counts from the end, so this works for symbolic dims too.
      ends: cut.map((a) => (cropped(pads[r + a]!) ? pads[r + a]! : 2 ** 31 - 1)),
      steps: cut.map(() => 1),
    } as const;
    input = ctx.add1(op, [x]);
    for (let i = 0; i < 2 * r; i++) if (cropped(pads[i]!)) pads[i] = 0;
  }
  if (pads.every((p) => p === 0)) return [input];
  assumeSymbolicPads(ctx, mode as PadMode, input, pads);
  return [ctx.addOut1({ kind: 'pad', mode: mode as PadMode, pads, value }, valueInput ? [input, valueInput] : [input])];
}

/**
 * Records what run-time pads must satisfy where the static checks of inference cannot see them:
 * a reflect pad below the axis length (the reflection must not run past the far edge), and no
 * edge padding of an empty axis. Pads from a graph input that break these are refused per run.
 */
function assumeSymbolicPads(ctx: ImportContext, mode: PadMode, x: Value, pads: readonly Dim[]): void {
  const r = x.rank;
  for (let a = 0; a < r; a++) {
    const [begin, end] = [pads[a]!, pads[r + a]!];
    if (typeof begin === 'number' && typeof end === 'number') continue;
    const d = x.type.shape[a]!;
    if (mode === 'reflect') {
      const last = dimSub(d, 1);
      ctx.graph.assertDims(dimMax(begin, end, last), last, `${ctx.name}: reflect pads on axis ${a} must be smaller than its size ${d}`);
    } else if (mode === 'edge' && d === 0) {
      ctx.graph.assertDims(dimAdd(begin, end), 0, `${ctx.name}: edge padding of the empty axis ${a} must be 0`);
    }
  }
}

export const padImporters: OpImporter[] = [importer('Pad', pad, 1)];
