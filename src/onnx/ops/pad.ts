/**
 * Padding → IR `pad` (and `slice` for negative pads).
 *
 * ONNX: Pad (opset 1/2/11/13/18/19/21). Opsets 1 to MAX_OPSET.
 * - Before 11: `pads` and `value` attributes (at opset 1 `pads` was called `paddings`, same layout). From 11: `pads` and optional `constant_value`
 *   inputs, which must be constants; from 18 an optional constant `axes` input selects the padded
 *   axes (pads then has 2·len(axes) values).
 * - `mode`: constant (default), reflect, edge; opset 19's wrap is rejected as a form.
 * - Negative pads remove elements: they become a `slice` before the pad (the crop and the pad
 *   touch different sides of each axis, so the order matches onnxruntime's result).
 * Types: any numeric; constant_value has the input's type.
 * Lowers to: `pad(mode, pads over all axes, value)`, optionally preceded by `slice`; all-zero pads
 * are the input itself.
 */

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

  let given: number[];
  let value = 0;
  let axes = iota(r);
  if (ctx.opset < 11) {
    given = ctx.getInts(ctx.opset < 2 ? 'paddings' : 'pads');
    value = ctx.getFloat('value', 0);
  } else {
    ctx.rejectMovedAttr('pads', 11);
    ctx.rejectMovedAttr('value', 11);
    given = ctx.constNumbers(1, 'pads');
    if (ctx.hasInput(2)) value = ctx.constScalar(2, 'constant_value');
    if (ctx.opset >= 18 && ctx.hasInput(3)) axes = normalizeAxes(ctx.constNumbers(3, 'axes'), r, 'Pad axes');
  }
  if (given.length !== 2 * axes.length) ctx.fail(`pads has ${given.length} values, expected ${2 * axes.length}`);

  // Spread the per-listed-axis pads over every axis: [begin_0 … begin_{r-1}, end_0 … end_{r-1}].
  const pads = new Array<number>(2 * r).fill(0);
  axes.forEach((a, k) => {
    pads[a] = given[k]!;
    pads[r + a] = given[axes.length + k]!;
  });

  let input: Value = x;
  if (pads.some((p) => p < 0)) {
    const cut = iota(r).filter((a) => pads[a]! < 0 || pads[r + a]! < 0);
    const op = {
      kind: 'slice',
      axes: cut,
      starts: cut.map((a) => Math.max(0, -pads[a]!)),
      // A negative end counts from the end, so this works for symbolic dims too.
      ends: cut.map((a) => (pads[r + a]! < 0 ? pads[r + a]! : 2 ** 31 - 1)),
      steps: cut.map(() => 1),
    } as const;
    input = ctx.add1(op, [x]);
    for (let i = 0; i < 2 * r; i++) pads[i] = Math.max(0, pads[i]!);
  }
  if (pads.every((p) => p === 0)) return [input];
  return [ctx.addOut1({ kind: 'pad', mode: mode as PadMode, pads, value }, [input])];
}

export const padImporters: OpImporter[] = [importer('Pad', pad, 1)];
