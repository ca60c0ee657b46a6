/**
 * Elementwise ops of one input → IR `unary`.
 *
 * ONNX: Relu, LeakyRelu, Elu, Selu, Celu, ThresholdedRelu, Softplus, Softsign, Sigmoid, Tanh,
 * HardSigmoid, HardSwish, Mish, Gelu, Shrink, Neg, Exp, Log, Abs, Sqrt, Reciprocal, Erf, Floor,
 * Ceil, Round, Sign, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, Not, IsNaN,
 * IsInf, and Clip.
 * Opsets: from 1 (or the op's introduction: trigonometric 7, Celu 12, ThresholdedRelu 10,
 * HardSwish 14, Mish 18, Gelu 20, Shrink/Erf/Sign/IsNaN/hyperbolics 9, IsInf 10, Round 11) to
 * MAX_OPSET. Version 1 of the older ops differed from 6 only by `consumed_inputs` (an in-place
 * hint, ignored here), except Selu, whose version-1 defaults were the rounded 1.6732 / 1.0507.
 * Later versions only widened the type lists, so one lowering serves every version.
 * Types: float types for the transcendental ones; Relu/Neg/Abs/Sign/Clip also integers (ONNX
 * ≥13/14); Not takes bool. Type checks are left to IR inference, which knows what each fn accepts.
 * Lowers to: `unary(fn, alpha, beta)` with the ONNX defaults filled in; Clip → `unary clip` when
 * min/max are constants (attributes before opset 11, optional inputs from 11), otherwise
 * `binary max`/`binary min` with the runtime bound.
 */

import type { UnaryFn } from '../../../ir/ops.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, unary } from './common.js';

/** Reads an op's parameters (alpha, beta) from its attributes, with the ONNX defaults. */
type Params = (ctx: ImportContext) => [number, number];

const none: Params = () => [0, 0];

/** Selu's defaults: the float32 values the spec gives from opset 6; version 1's were 1.6732 / 1.0507. */
const seluParams: Params = (c) =>
  c.opset < 6
    ? [c.getFloat('alpha', 1.6732000112533569), c.getFloat('gamma', 1.0506999492645264)]
    : [c.getFloat('alpha', 1.67326319217681884765625), c.getFloat('gamma', 1.05070102214813232421875)];

/** [ONNX op, IR fn, first opset, parameters]. */
const TABLE: [string, UnaryFn, number, Params][] = [
  ['Relu', 'relu', 1, none],
  ['LeakyRelu', 'leakyRelu', 1, (c) => [c.getFloat('alpha', 0.01), 0]],
  ['Elu', 'elu', 1, (c) => [c.getFloat('alpha', 1), 0]],
  ['Selu', 'selu', 1, seluParams],
  ['Celu', 'celu', 12, (c) => [c.getFloat('alpha', 1), 0]],
  ['ThresholdedRelu', 'thresholdedRelu', 10, (c) => [c.getFloat('alpha', 1), 0]],
  ['Softplus', 'softplus', 1, none],
  ['Softsign', 'softsign', 1, none],
  ['Sigmoid', 'sigmoid', 1, none],
  ['Tanh', 'tanh', 1, none],
  ['HardSigmoid', 'hardSigmoid', 1, (c) => [c.getFloat('alpha', 0.2), c.getFloat('beta', 0.5)]],
  ['HardSwish', 'hardSwish', 14, none],
  ['Mish', 'mish', 18, none],
  ['Shrink', 'shrink', 9, (c) => [c.getFloat('lambd', 0.5), c.getFloat('bias', 0)]],
  ['Neg', 'neg', 1, none],
  ['Exp', 'exp', 1, none],
  ['Log', 'log', 1, none],
  ['Abs', 'abs', 1, none],
  ['Sqrt', 'sqrt', 1, none],
  ['Reciprocal', 'reciprocal', 1, none],
  ['Erf', 'erf', 9, none],
  ['Floor', 'floor', 1, none],
  ['Ceil', 'ceil', 1, none],
  ['Round', 'round', 11, none],
  ['Sign', 'sign', 9, none],
  ['Sin', 'sin', 7, none],
  ['Cos', 'cos', 7, none],
  ['Tan', 'tan', 7, none],
  ['Asin', 'asin', 7, none],
  ['Acos', 'acos', 7, none],
  ['Atan', 'atan', 7, none],
  ['Sinh', 'sinh', 9, none],
  ['Cosh', 'cosh', 9, none],
  ['Asinh', 'asinh', 9, none],
  ['Acosh', 'acosh', 9, none],
  ['Atanh', 'atanh', 9, none],
  ['Not', 'not', 1, none],
  ['IsNaN', 'isNaN', 9, none],
  ['IsInf', 'isInf', 10, (c) => [c.getInt('detect_negative', 1) ? 1 : 0, c.getInt('detect_positive', 1) ? 1 : 0]],
];

function gelu(ctx: ImportContext) {
  const approximate = ctx.getString('approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh') ctx.fail(`approximate '${approximate}' is not 'none' or 'tanh'`);
  // IR convention: beta === 1 selects the tanh approximation.
  return [ctx.addOut1(unary('gelu', 0, approximate === 'tanh' ? 1 : 0), [ctx.input(0, 'X')])];
}

/**
 * Clip. Opsets 1–10 carry min/max as attributes (defaulting to the float32 range, as the spec
 * says); from 11 they are optional scalar inputs, absent meaning unbounded. Constant bounds fold
 * into `unary clip`; a bound computed at run time becomes max(x, min) / min(·, max), which gives
 * the spec's result (max) when min > max too.
 */
function clip(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  if (ctx.opset < 11) {
    const lo = ctx.getFloat('min', -3.4028234663852886e38);
    const hi = ctx.getFloat('max', 3.4028234663852886e38);
    return [ctx.addOut1(unary('clip', lo, hi), [x])];
  }
  ctx.rejectMovedAttr('min', 11);
  ctx.rejectMovedAttr('max', 11);
  const minV = ctx.optionalInput(1);
  const maxV = ctx.optionalInput(2);
  if ((minV === undefined || minV.isConstant) && (maxV === undefined || maxV.isConstant)) {
    const lo = minV === undefined ? -Infinity : ctx.constScalar(1, 'min');
    const hi = maxV === undefined ? Infinity : ctx.constScalar(2, 'max');
    return [ctx.addOut1(unary('clip', lo, hi), [x])];
  }
  let y = x;
  if (minV !== undefined) {
    const op = { kind: 'binary', fn: 'max' } as const;
    // The last op of the lowering carries the ONNX output name.
    y = maxV === undefined ? ctx.addOut1(op, [y, minV]) : ctx.add1(op, [y, minV]);
  }
  if (maxV !== undefined) y = ctx.addOut1({ kind: 'binary', fn: 'min' }, [y, maxV]);
  return [y];
}

export const unaryImporters: OpImporter[] = [
  ...TABLE.map(([opType, fn, since, params]) =>
    importer(opType, (ctx) => {
      const [alpha, beta] = params(ctx);
      return [ctx.addOut1(unary(fn, alpha, beta), [ctx.input(0, 'X')])];
    }, since),
  ),
  importer('Gelu', gelu, 20),
  importer('Clip', clip, 1),
];
