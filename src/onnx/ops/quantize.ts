/**
 * Linear quantization → elementwise ops in float32 (and reductions for the dynamic form).
 *
 * ONNX (opsets to MAX_OPSET):
 * - QuantizeLinear (10/13/19/21): y = saturate(round_half_even(x / y_scale) + y_zero_point).
 *   x float32/float16/int32; y_scale a scalar (per tensor) or, from 13, a 1-d tensor along `axis`
 *   (default 1, per axis); y_zero_point of y's type (default uint8 zero), shaped like y_scale.
 *   y is uint8, int8, uint16 or int16 (float8 and int4 types have no IR dtype); `output_dtype`
 *   (21) may name it when there is no zero point. Blocked quantization (`block_size`, 21) is
 *   rejected as a form; `saturate` (19) only concerns float8 outputs.
 * - DequantizeLinear (10/13/19/21): y = (x − x_zero_point) · x_scale, in x_scale's float type,
 *   with the same per-tensor / per-axis forms.
 * - DynamicQuantizeLinear (11): uint8 quantization with the scale and zero point computed from
 *   x's range widened to include 0: scale = (max − min) / 255, zero point =
 *   round(clip(−min / scale, 0, 255)). Outputs y, y_scale, y_zero_point.
 * Every quantity is computed in float32 (rounding, zero-point addition and clipping are exact
 * there for these integer ranges), then cast.
 * Lowers to: `cast`, `div`, `round`, `add`, `clip`, `sub`, `mul`; per-axis parameters are reshaped
 * to broadcast along `axis`; DynamicQuantizeLinear adds `reduce min`/`max`.
 */

import type { DType } from '../../../ir/dtype.js';
import { isFloat } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/graph.js';
import { normalizeAxis } from '../../../ir/shape.js';
import { dtypeFromCode } from './cast.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { importer, iota, unary } from './common.js';
import { binary, castTo, perAxisParam, reduce, scalarOf, unaryOf } from './lowering.js';

/** The integer range of each quantized type. */
const RANGES: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
};

export function quantizedRange(ctx: ImportContext, dtype: DType, what: string): [number, number] {
  const r = RANGES[dtype];
  if (r === undefined) ctx.unsupported(`${what} of type ${dtype}: only uint8, int8, uint16 and int16 quantization is supported`);
  return r;
}

/** Rejects blocked quantization (opset 21's block_size), which has no lowering here. */
function rejectBlocked(ctx: ImportContext): void {
  if (ctx.opset >= 21 && ctx.getInt('block_size', 0) !== 0) ctx.unsupported('blocked quantization (block_size ≠ 0) is not supported');
}

/**
 * A scale or zero-point input as a float32 value that broadcasts against x: a scalar (per tensor)
 * or, from opset 13, a 1-d tensor along `axis` (per axis).
 */
export function quantParam(ctx: ImportContext, p: Value, x: Value, what: string): Value {
  const perAxis = p.rank === 1 && p.type.shape[0] !== 1;
  if (perAxis && ctx.opset < 13) ctx.fail(`input '${what}' must be a scalar before opset 13 (per-axis quantization is opset 13+)`);
  const axis = perAxis ? normalizeAxis(ctx.getInt('axis', 1), x.rank) : 0;
  return castTo(ctx, perAxisParam(ctx, p, axis, x.rank, perAxis ? x.type.shape[axis]! : 1, what), 'float32');
}

/**
 * saturate(round(xf / scale) + zeroPoint) as `dtype`, all operands float32 (no scale: xf is
 * already scaled); the cast carries ONNX output `output`.
 */
export function quantizeValue(ctx: ImportContext, xf: Value, scale: Value | undefined, zeroPoint: Value | undefined, dtype: DType, output: number): Value {
  const [lo, hi] = quantizedRange(ctx, dtype, 'output');
  let q = unaryOf(ctx, 'round', scale === undefined ? xf : binary(ctx, 'div', xf, scale));
  if (zeroPoint !== undefined) q = binary(ctx, 'add', q, zeroPoint);
  return ctx.addOut1({ kind: 'cast', to: dtype }, [ctx.add1(unary('clip', lo, hi), [q])], output);
}

function quantizeLinear(ctx: ImportContext): ImportResult {
  rejectBlocked(ctx);
  const x = ctx.input(0, 'x');
  if (!isFloat(x.type.dtype) && x.type.dtype !== 'int32') ctx.fail(`x must be a float type or int32, got ${x.type.dtype}`);
  const zp = ctx.optionalInput(2);
  let dtype: DType = zp?.type.dtype ?? 'uint8';
  const outputDtype = ctx.opset >= 21 ? ctx.getInt('output_dtype', 0) : 0;
  if (outputDtype !== 0) {
    const named = dtypeFromCode(ctx, outputDtype, "attribute 'output_dtype'");
    if (zp !== undefined && named !== dtype) ctx.fail(`output_dtype ${named} differs from the zero point's type ${dtype}`);
    dtype = named;
  }
  quantizedRange(ctx, dtype, 'y');
  const scale = quantParam(ctx, ctx.input(1, 'y_scale'), x, 'y_scale');
  const zeroPoint = zp === undefined ? undefined : quantParam(ctx, zp, x, 'y_zero_point');
  return [quantizeValue(ctx, castTo(ctx, x, 'float32'), scale, zeroPoint, dtype, 0)];
}

function dequantizeLinear(ctx: ImportContext): ImportResult {
  rejectBlocked(ctx);
  const x = ctx.input(0, 'x');
  if (x.type.dtype !== 'int32') quantizedRange(ctx, x.type.dtype, 'x');
  const scaleIn = ctx.input(1, 'x_scale');
  if (!isFloat(scaleIn.type.dtype)) ctx.fail(`x_scale must be a float type, got ${scaleIn.type.dtype}`);
  const zp = ctx.optionalInput(2);
  if (zp !== undefined && zp.type.dtype !== x.type.dtype) ctx.fail(`x_zero_point's type ${zp.type.dtype} differs from x's ${x.type.dtype}`);
  let centered = castTo(ctx, x, 'float32');
  if (zp !== undefined) centered = binary(ctx, 'sub', centered, quantParam(ctx, zp, x, 'x_zero_point'));
  const y = binary(ctx, 'mul', centered, quantParam(ctx, scaleIn, x, 'x_scale'));
  return [ctx.addOut1({ kind: 'cast', to: scaleIn.type.dtype }, [y])];
}

function dynamicQuantizeLinear(ctx: ImportContext): ImportResult {
  const x = ctx.input(0, 'x');
  if (x.type.dtype !== 'float32') ctx.fail(`x must be float32, got ${x.type.dtype}`);
  const f = (label: string, v: number) => scalarOf(ctx, label, 'float32', v);
  const all = iota(x.rank);
  // The range always includes 0, so 0 is exactly representable.
  const lo = binary(ctx, 'min', reduce(ctx, 'min', x, all, false), f('zero', 0));
  const hi = binary(ctx, 'max', reduce(ctx, 'max', x, all, false), f('zero', 0));
  const scale = ctx.addOut1({ kind: 'binary', fn: 'div' }, [binary(ctx, 'sub', hi, lo), f('qrange', 255)], 1);
  const zpFloat = unaryOf(ctx, 'round', ctx.add1(unary('clip', 0, 255), [binary(ctx, 'div', unaryOf(ctx, 'neg', lo), scale)]));
  const zp = ctx.addOut1({ kind: 'cast', to: 'uint8' }, [zpFloat], 2);
  return [quantizeValue(ctx, x, scale, zpFloat, 'uint8', 0), scale, zp];
}

export const quantizeImporters: OpImporter[] = [
  importer('QuantizeLinear', quantizeLinear, 10),
  importer('DequantizeLinear', dequantizeLinear, 10),
  importer('DynamicQuantizeLinear', dynamicQuantizeLinear, 11),
];
