/**
 * Integer (quantized) matrix products and convolutions → float `matmul` / `conv` that are exact.
 *
 * ONNX (opset 10 to MAX_OPSET; 8-bit integer operands, uint8 or int8):
 * - MatMulInteger: int32 (A − a_zero_point) · (B − b_zero_point), numpy matmul rules; a_zero_point
 *   per tensor or per row of A ([M]), b_zero_point per tensor or per column of B ([N]).
 * - ConvInteger: int32 conv(X − x_zero_point, W − w_zero_point) with Conv's attributes;
 *   x_zero_point per tensor, w_zero_point per tensor or per output channel ([M]). Padding holds
 *   the zero point, i.e. contributes 0 once centered.
 * - QLinearMatMul / QLinearConv: the same integer products (QLinearConv plus its int32 bias B),
 *   requantized: y = saturate(round(acc · a_scale·b_scale / y_scale) + y_zero_point), scales per
 *   tensor or per row (A) / column (B) / output channel (W).
 *
 * The GPU's matmul and conv are float only, so the centered operands are cast to float32: every
 * product and partial sum is then an integer, exact in float32 while below 2^24. The bound on a
 * sum is (terms) · max|A − a_zp| · max|B − b_zp|, from the dtypes' ranges and, where inputs are
 * constants (weights, zero points), from their actual values. A product too long for one exact
 * float32 pass is split along its reduction axis (matmul's K; a conv's input channels, group by
 * group) into exact chunks whose int32 results are added. Where that cannot work (a symbolic K,
 * a single channel's kernel window longer than the bound allows), it is computed in float64,
 * exact, which the CPU evaluator runs and the GPU refuses by name — never a silently rounded
 * result.
 * Lowers to: `cast`, `sub`, `matmul` / `conv` (float32, or float64 as above), `slice` + `add` for
 * chunks (+ `concat` of the groups), `cast` int32; the QLinear ops then `mul`, `round`, `add`,
 * `clip`, `cast`.
 */

import type { DType } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/graph.js';
import type { Op } from '../../../ir/ops.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { importer, staticDim } from './common.js';
import { convPads, readConvWindow } from './conv.js';
import { binary, castTo, perAxisParam, reshapeTo } from './lowering.js';
import { quantizedRange, quantizeValue } from './quantize.js';

/** Largest integer below which every float32 integer sum is exact. */
const EXACT_F32 = 2 ** 24;

interface Operand {
  /** The 8-bit integer input, and its zero point shaped to broadcast against it. */
  x: Value;
  zp: Value | undefined;
  /** max |x − zp| over every element. */
  bound: number;
}

/** The range of a constant's values (a loop: weights can have millions of elements). */
function minMax(v: Value): [number, number] | undefined {
  if (v.data === undefined) return undefined;
  const data = v.data.data;
  if (data.length === 0) return [0, 0];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const x = Number(data[i]!);
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/** An 8-bit operand and its zero point (already shaped to broadcast against it). */
function operand(ctx: ImportContext, x: Value, zp: Value | undefined, what: string): Operand {
  if (x.type.dtype !== 'uint8' && x.type.dtype !== 'int8') ctx.fail(`${what} must be uint8 or int8, got ${x.type.dtype}`);
  if (zp !== undefined && zp.type.dtype !== x.type.dtype) ctx.fail(`${what}'s zero point is ${zp.type.dtype}, expected ${x.type.dtype}`);
  const range = quantizedRange(ctx, x.type.dtype, what);
  const [xlo, xhi] = minMax(x) ?? range;
  const [zlo, zhi] = zp === undefined ? [0, 0] : (minMax(zp) ?? range);
  return { x, zp, bound: Math.max(xhi - zlo, zhi - xlo, 0) };
}

/** x − zp in `dtype` (a float type). */
function centered(ctx: ImportContext, o: Operand, dtype: DType): Value {
  const xf = castTo(ctx, o.x, dtype);
  return o.zp === undefined ? xf : binary(ctx, 'sub', xf, castTo(ctx, o.zp, dtype));
}

/** How many products may be summed exactly in float32. */
function exactTerms(a: Operand, b: Operand): number {
  const p = a.bound * b.bound;
  return p === 0 ? Infinity : Math.floor(EXACT_F32 / p);
}

/** Adds int32 partial results; the last op carries ONNX output `out` when given. */
function sumInt32(ctx: ImportContext, parts: Value[], build: (op: Op, inputs: Value[]) => Value): Value {
  let acc = parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    const op: Op = { kind: 'binary', fn: 'add' };
    acc = i === parts.length - 1 ? build(op, [acc, parts[i]!]) : ctx.add1(op, [acc, parts[i]!]);
  }
  return acc;
}

/** int32 (A − a_zp)·(B − b_zp); `build` adds the final node. */
function integerMatmul(ctx: ImportContext, a: Operand, b: Operand, build: (op: Op, inputs: Value[]) => Value): Value {
  const mm: Op = { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 0 };
  const toInt: Op = { kind: 'cast', to: 'int32' };
  const k = a.x.type.shape[a.x.rank - 1]!;
  const chunk = exactTerms(a, b);
  if (typeof k !== 'number') {
    // An unknown K cannot be bounded or split (unless an operand is all zero deviations).
    const dtype = chunk === Infinity ? 'float32' : 'float64';
    return build(toInt, [ctx.add1(mm, [centered(ctx, a, dtype), centered(ctx, b, dtype)])]);
  }
  const af = centered(ctx, a, 'float32');
  const bf = centered(ctx, b, 'float32');
  if (k <= chunk) return build(toInt, [ctx.add1(mm, [af, bf])]);
  // Split K: A's last axis, B's second-to-last (its only one when 1-d).
  const bAxis = b.x.rank === 1 ? 0 : b.x.rank - 2;
  const parts: Value[] = [];
  for (let k0 = 0; k0 < k; k0 += chunk) {
    const k1 = Math.min(k, k0 + chunk);
    const slice = (v: Value, axis: number) => ctx.add1({ kind: 'slice', axes: [axis], starts: [k0], ends: [k1], steps: [1] }, [v]);
    parts.push(ctx.add1(toInt, [ctx.add1(mm, [slice(af, a.x.rank - 1), slice(bf, bAxis)])]));
  }
  return sumInt32(ctx, parts, build);
}

/** A per-row zero point or scale of A ([M]) as [M, 1]; scalars stay scalars. */
function perRow(ctx: ImportContext, p: Value, a: Value, what: string): Value {
  if (a.rank < 2) return perAxisParam(ctx, p, 0, 1, a.type.shape[0]!, what);
  return perAxisParam(ctx, p, a.rank - 2, a.rank, a.type.shape[a.rank - 2]!, what);
}

/** A per-column zero point or scale of B ([N]) broadcasts along the last axis as it is. */
function perColumn(ctx: ImportContext, p: Value, b: Value, what: string): Value {
  return perAxisParam(ctx, p, b.rank - 1, b.rank, b.type.shape[b.rank - 1]!, what);
}

function matmulOperands(ctx: ImportContext, ia: number, iaz: number, ib: number, ibz: number): [Operand, Operand] {
  const a = ctx.input(ia, 'A');
  const b = ctx.input(ib, 'B');
  const az = ctx.optionalInput(iaz);
  const bz = ctx.optionalInput(ibz);
  return [
    operand(ctx, a, az === undefined ? undefined : perRow(ctx, az, a, 'a_zero_point'), 'A'),
    operand(ctx, b, bz === undefined ? undefined : perColumn(ctx, bz, b, 'b_zero_point'), 'B'),
  ];
}

function matMulInteger(ctx: ImportContext): ImportResult {
  const [a, b] = matmulOperands(ctx, 0, 2, 1, 3);
  return [integerMatmul(ctx, a, b, (op, inputs) => ctx.addOut1(op, inputs))];
}

interface ConvAttrs {
  strides: number[];
  pads: number[];
  dilations: number[];
  group: number;
}

function convAttrs(ctx: ImportContext, x: Value, w: Value): ConvAttrs {
  const c = readConvWindow(ctx, x, w, ['x', 'w']);
  return { strides: c.strides, pads: convPads(ctx, x, c), dilations: c.dilations, group: c.group };
}

/** int32 conv(x − x_zp, w − w_zp); `build` adds the final node. */
function integerConv(ctx: ImportContext, x: Operand, w: Operand, attrs: ConvAttrs, build: (op: Op, inputs: Value[]) => Value): Value {
  const conv: Op = { kind: 'conv', ...attrs };
  const toInt: Op = { kind: 'cast', to: 'int32' };
  const window = w.x.type.shape.slice(2).reduce<number>((p, d) => p * staticDim(d, 'the kernel size'), 1);
  const perGroup = staticDim(w.x.type.shape[1]!, "w's input channels");
  const chunk = exactTerms(x, w);
  if (perGroup * window <= chunk) return build(toInt, [ctx.add1(conv, [centered(ctx, x, 'float32'), centered(ctx, w, 'float32')])]);
  // Even one input channel's window is too long for float32: float64 (see the file header).
  const channels = Math.floor(chunk / window);
  if (channels === 0) return build(toInt, [ctx.add1(conv, [centered(ctx, x, 'float64'), centered(ctx, w, 'float64')])]);

  // Each group separately (x's channels [g·C/G, (g+1)·C/G), w's outputs [g·M/G, (g+1)·M/G)), as
  // ungrouped convs over chunks of its input channels; the groups' outputs are concatenated.
  const xf = centered(ctx, x, 'float32');
  const wf = centered(ctx, w, 'float32');
  const { group } = attrs;
  const outPerGroup = staticDim(w.x.type.shape[0]!, "w's output channels") / group;
  const slice = (v: Value, axis: number, start: number, end: number) =>
    ctx.add1({ kind: 'slice', axes: [axis], starts: [start], ends: [end], steps: [1] }, [v]);
  const ungrouped: Op = { kind: 'conv', ...attrs, group: 1 };
  const groups: Value[] = [];
  for (let g = 0; g < group; g++) {
    const wg = group === 1 ? wf : slice(wf, 0, g * outPerGroup, (g + 1) * outPerGroup);
    const parts: Value[] = [];
    for (let c0 = 0; c0 < perGroup; c0 += channels) {
      const c1 = Math.min(perGroup, c0 + channels);
      const xc = slice(xf, 1, g * perGroup + c0, g * perGroup + c1);
      parts.push(ctx.add1(toInt, [ctx.add1(ungrouped, [xc, slice(wg, 1, c0, c1)])]));
    }
    groups.push(group === 1 ? sumInt32(ctx, parts, build) : sumInt32(ctx, parts, (op, inputs) => ctx.add1(op, inputs)));
  }
  return group === 1 ? groups[0]! : build({ kind: 'concat', axis: 1 }, groups);
}

/** w's per-output-channel parameter ([M]) as [M, 1, …], scalars as they are. */
function perOutputChannel(ctx: ImportContext, p: Value, w: Value, what: string): Value {
  return perAxisParam(ctx, p, 0, w.rank, w.type.shape[0]!, what);
}

function convInteger(ctx: ImportContext): ImportResult {
  const xv = ctx.input(0, 'x');
  const wv = ctx.input(1, 'w');
  const xz = ctx.optionalInput(2);
  const wz = ctx.optionalInput(3);
  if (xz !== undefined && !xz.type.shape.every((d) => d === 1)) ctx.unsupported('a per-channel x_zero_point is not supported (ONNX defines it per tensor)');
  const x = operand(ctx, xv, xz === undefined ? undefined : reshapeTo(ctx, xz, []), 'x');
  const w = operand(ctx, wv, wz === undefined ? undefined : perOutputChannel(ctx, wz, wv, 'w_zero_point'), 'w');
  return [integerConv(ctx, x, w, convAttrs(ctx, xv, wv), (op, inputs) => ctx.addOut1(op, inputs))];
}

/** Requantizes an int32 accumulator: saturate(round(acc · scale) + zp) as zp's type. */
function requantize(ctx: ImportContext, acc: Value, scale: Value, yzp: Value | undefined, yScaleIndex: number): Value {
  const dtype: DType = yzp?.type.dtype ?? 'uint8';
  const yScale = castTo(ctx, ctx.input(yScaleIndex, 'y_scale'), 'float32');
  if (!yScale.type.shape.every((d) => d === 1)) ctx.unsupported('a per-axis y_scale is not supported (ONNX defines it per tensor)');
  const multiplier = binary(ctx, 'div', scale, reshapeTo(ctx, yScale, []));
  const scaled = binary(ctx, 'mul', castTo(ctx, acc, 'float32'), multiplier);
  const zp = yzp === undefined ? undefined : castTo(ctx, reshapeTo(ctx, yzp, []), 'float32');
  return quantizeValue(ctx, scaled, undefined, zp, dtype, 0);
}

function qLinearMatMul(ctx: ImportContext): ImportResult {
  const [a, b] = matmulOperands(ctx, 0, 2, 3, 5);
  const acc = integerMatmul(ctx, a, b, (op, inputs) => ctx.add1(op, inputs));
  const scale = binary(
    ctx,
    'mul',
    castTo(ctx, perRow(ctx, ctx.input(1, 'a_scale'), a.x, 'a_scale'), 'float32'),
    castTo(ctx, perColumn(ctx, ctx.input(4, 'b_scale'), b.x, 'b_scale'), 'float32'),
  );
  return [requantize(ctx, acc, scale, ctx.optionalInput(7), 6)];
}

function qLinearConv(ctx: ImportContext): ImportResult {
  const xv = ctx.input(0, 'x');
  const wv = ctx.input(3, 'w');
  const xz = ctx.input(2, 'x_zero_point');
  if (!xz.type.shape.every((d) => d === 1)) ctx.unsupported('a per-channel x_zero_point is not supported (ONNX defines it per tensor)');
  const x = operand(ctx, xv, reshapeTo(ctx, xz, []), 'x');
  const w = operand(ctx, wv, perOutputChannel(ctx, ctx.input(5, 'w_zero_point'), wv, 'w_zero_point'), 'w');
  let acc = integerConv(ctx, x, w, convAttrs(ctx, xv, wv), (op, inputs) => ctx.add1(op, inputs));
  const bias = ctx.optionalInput(8);
  if (bias !== undefined) {
    if (bias.type.dtype !== 'int32') ctx.fail(`B must be int32, got ${bias.type.dtype}`);
    acc = binary(ctx, 'add', acc, perAxisParam(ctx, bias, 1, xv.rank, wv.type.shape[0]!, 'B'));
  }
  const xScale = castTo(ctx, reshapeTo(ctx, ctx.input(1, 'x_scale'), []), 'float32');
  const wScale = castTo(ctx, perAxisParam(ctx, ctx.input(4, 'w_scale'), 1, xv.rank, wv.type.shape[0]!, 'w_scale'), 'float32');
  return [requantize(ctx, acc, binary(ctx, 'mul', xScale, wScale), ctx.optionalInput(7), 6)];
}

export const integerImporters: OpImporter[] = [
  importer('MatMulInteger', matMulInteger, 10),
  importer('ConvInteger', convInteger, 10),
  importer('QLinearMatMul', qLinearMatMul, 10),
  importer('QLinearConv', qLinearConv, 10),
];
