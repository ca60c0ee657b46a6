/**
 * Convolutions → IR `conv` / `convTranspose`.
 *
 * ONNX: Conv (opset 1/11/22), ConvTranspose (1/11/22). Opsets 1 to MAX_OPSET: version 11 only
 * made `kernel_shape` optional on paper (we always take it from W) and 22 added bfloat16.
 * Types: float tensors X, W and optional 1-d B (checked by IR inference).
 * Lowers to: `conv` / `convTranspose` with every attribute explicit. 1-d, 2-d and 3-d (any N) work.
 * - kernel sizes come from W's shape; a `kernel_shape` attribute must agree with it.
 * - auto_pad is resolved into explicit pads from the input shape (see `resolveWindowPads`).
 * - ConvTranspose's `output_shape` and SAME auto_pad become pads by the spec's formula:
 *     total = stride·(in−1) + output_padding + (k−1)·dilation + 1 − out
 *   with the odd element at the end for SAME_UPPER and at the start otherwise (what onnxruntime
 *   does too). A negative total (asking for more than the kernel reaches) grows the end side,
 *   which the IR expresses as extra output padding.
 */

import type { Value } from '../../../ir/graph.js';
import type { ImportContext, OpImporter } from './context.js';
import { explicitPads, importer, readAutoPad, resolveWindowPads, spatialInts, staticDim } from './common.js';

/** The window attributes Conv, ConvTranspose, ConvInteger and QLinearConv share. */
export interface ConvWindow {
  kernel: number[];
  strides: number[];
  dilations: number[];
  group: number;
}

/**
 * Checks the ranks of X and W and reads the shared window attributes; `names` are the op's own
 * spellings of its two inputs (X/W for Conv, x/w for ConvInteger) so errors name what the user wrote.
 */
export function readConvWindow(ctx: ImportContext, x: Value, w: Value, names: [string, string] = ['X', 'W']): ConvWindow {
  const [xn, wn] = names;
  if (x.rank < 3) ctx.fail(`input ${xn} must have rank ≥ 3 (N, C, spatial…), got rank ${x.rank}`);
  if (w.rank !== x.rank) ctx.fail(`weight ${wn} has rank ${w.rank}, expected ${x.rank} like ${xn}`);
  const n = x.rank - 2;
  const kernel = w.type.shape.slice(2).map((d) => staticDim(d, `the kernel size (${wn} dims)`));
  if (ctx.hasAttr('kernel_shape')) {
    const attr = ctx.getInts('kernel_shape');
    if (attr.length !== n || attr.some((k, i) => k !== kernel[i])) {
      ctx.fail(`kernel_shape [${attr.join(', ')}] does not match the weight's spatial dims [${kernel.join(', ')}]`);
    }
  }
  const group = ctx.getInt('group', 1);
  if (group < 1) ctx.fail(`group must be ≥ 1, got ${group}`);
  return { kernel, strides: spatialInts(ctx, 'strides', n, 1), dilations: spatialInts(ctx, 'dilations', n, 1), group };
}

/** Explicit pads of a (non-transposed) convolution window, auto_pad resolved against X's shape. */
export function convPads(ctx: ImportContext, x: Value, c: ConvWindow): number[] {
  const n = c.kernel.length;
  return resolveWindowPads(readAutoPad(ctx), x.type.shape.slice(2), c.kernel, c.strides, c.dilations, explicitPads(ctx, n));
}

interface ConvCommon extends ConvWindow {
  x: Value;
  inputs: Value[];
}

function readCommon(ctx: ImportContext): ConvCommon {
  const x = ctx.input(0, 'X');
  const w = ctx.input(1, 'W');
  const b = ctx.optionalInput(2);
  return { x, inputs: b === undefined ? [x, w] : [x, w, b], ...readConvWindow(ctx, x, w) };
}

function conv(ctx: ImportContext) {
  const c = readCommon(ctx);
  const pads = convPads(ctx, c.x, c);
  return [ctx.addOut1({ kind: 'conv', strides: c.strides, pads, dilations: c.dilations, group: c.group }, c.inputs)];
}

function convTranspose(ctx: ImportContext) {
  const c = readCommon(ctx);
  const n = c.kernel.length;
  const autoPad = readAutoPad(ctx);
  const outputPadding = spatialInts(ctx, 'output_padding', n, 0);
  let pads = explicitPads(ctx, n);

  let outputShape: number[] | undefined;
  if (ctx.hasAttr('output_shape')) {
    outputShape = ctx.getInts('output_shape');
    // Some exporters give the full output shape (N, C, spatial…); only the spatial part matters.
    if (outputShape.length === n + 2) outputShape = outputShape.slice(2);
    if (outputShape.length !== n) ctx.fail(`output_shape has ${outputShape.length} values, expected ${n}`);
  }

  if (outputShape !== undefined || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const begin: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = c.strides[i]!;
      const reach = outputPadding[i]! + (c.kernel[i]! - 1) * c.dilations[i]! + 1;
      let total: number;
      if (outputShape !== undefined) {
        const inSize = staticDim(c.x.type.shape[i + 2]!, 'ConvTranspose with output_shape');
        total = s * (inSize - 1) + reach - outputShape[i]!;
      } else {
        // SAME: out = in·stride, so the input size cancels out of the total (symbols are fine).
        total = reach - s;
      }
      const half = Math.floor(total / 2);
      let b = autoPad === 'SAME_UPPER' ? half : total - half;
      let e = total - b;
      if (e < 0) {
        outputPadding[i] = outputPadding[i]! - e;
        e = 0;
      }
      if (b < 0) {
        const shape = outputShape === undefined ? '' : ` [${outputShape.join(', ')}]`;
        ctx.unsupported(`output_shape${shape} needs negative padding at the start of spatial axis ${i}`);
      }
      begin.push(b);
      end.push(e);
    }
    pads = [...begin, ...end];
  } else if (autoPad === 'VALID') {
    pads = new Array<number>(2 * n).fill(0);
  }

  return [
    ctx.addOut1(
      { kind: 'convTranspose', strides: c.strides, pads, dilations: c.dilations, group: c.group, outputPadding },
      c.inputs,
    ),
  ];
}

export const convImporters: OpImporter[] = [importer('Conv', conv, 1), importer('ConvTranspose', convTranspose, 1)];
