/**
 * Elementwise kernels (unary, binary, where, cast) and the expression builders behind them.
 *
 * Each builder turns one elementwise op into a WGSL expression over operand *names* (they may be
 * evaluated more than once, so pass `let`-bound names, never expressions with cost), recording
 * any helper functions it calls in a `WgslHelpers`. The fusion stage chains these builders into
 * one kernel, and anchor kernels (matmul, conv) render an epilogue with them; the generator at the
 * bottom is the one-op case.
 *
 * Types: floats compute in f32; int8…int64 in i32; uint8…uint32 and bool in u32 (see
 * ir/dtype.ts `gpuStorageOf`). Results of 8/16-bit integer types wrap to their width, as C and
 * numpy do, so every stored word holds a valid value of its dtype.
 */

import { isFloat, type DType } from '../../ir/dtype.js';
import type { BinaryFn, Op, UnaryFn } from '../../ir/ops.js';
import type { KernelGenerator } from '../kernel.js';
import { broadcastOffset, f32Lit, numelOf, scalarOf, shapeOf } from '../wgsl.js';
import { coordsOf, flatKernel, floatLit, typedLit, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

export { WgslHelpers } from './wgsl-math.js';

/** Wraps an integer expression of `dtype` to its bit width (a no-op for 32-bit types). */
export function wrapInt(e: string, dtype: DType): string {
  switch (dtype) {
    case 'int8':
      return `((${e}) << 24u) >> 24u`;
    case 'int16':
      return `((${e}) << 16u) >> 16u`;
    case 'uint8':
      return `((${e}) & 0xffu)`;
    case 'uint16':
      return `((${e}) & 0xffffu)`;
    default:
      return e;
  }
}

function floatUnary(fn: UnaryFn, x: string, alpha: number, beta: number, h: WgslHelpers): string | null {
  const a = floatLit(alpha, h);
  const b = floatLit(beta, h);
  switch (fn) {
    case 'identity':
      return x;
    case 'relu':
      return `max(${x}, 0.0)`;
    case 'leakyRelu':
      return `select(${x}, ${x} * ${a}, ${x} < 0.0)`;
    case 'elu':
      return `select(${x}, ${a} * ${h.use('expm1')}(${x}), ${x} < 0.0)`;
    case 'selu': // beta carries gamma
      return `${b} * select(${x}, ${a} * ${h.use('expm1')}(${x}), ${x} <= 0.0)`;
    case 'celu':
      return `max(${x}, 0.0) + min(0.0, ${a} * ${h.use('expm1')}(${x} / ${a}))`;
    case 'thresholdedRelu':
      return `select(0.0, ${x}, ${x} > ${a})`;
    case 'sigmoid':
      return `${h.use('sigmoid')}(${x})`;
    case 'silu':
      return `${x} * ${h.use('sigmoid')}(${x})`;
    case 'hardSigmoid':
      return `clamp(${a} * ${x} + ${b}, 0.0, 1.0)`;
    case 'hardSwish':
      return `${x} * clamp(${x} / 6.0 + 0.5, 0.0, 1.0)`;
    case 'softplus':
      return `${h.use('softplus')}(${x})`;
    case 'softsign':
      return `${x} / (1.0 + abs(${x}))`;
    case 'mish':
      return `${x} * ${h.use('tanh')}(${h.use('softplus')}(${x}))`;
    case 'gelu':
      if (beta === 1) {
        // tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        return `0.5 * ${x} * (1.0 + ${h.use('tanh')}(0.7978845608028654 * (${x} + 0.044715 * ${x} * ${x} * ${x})))`;
      }
      return `0.5 * ${x} * (1.0 + ${h.use('erf')}(${x} * 0.7071067811865476))`;
    case 'clip': {
      // max then min: a min above the max yields the max, as onnxruntime does. Infinite bounds
      // (absent inputs) are skipped rather than compared.
      let e = x;
      if (Number.isFinite(alpha)) e = `max(${e}, ${a})`;
      if (Number.isFinite(beta)) e = `min(${e}, ${b})`;
      return e;
    }
    case 'shrink':
      return `select(select(0.0, ${x} - ${b}, ${x} > ${a}), ${x} + ${b}, ${x} < -${a})`;
    case 'tanh':
      return `${h.use('tanh')}(${x})`;
    case 'neg':
      return `-${x}`;
    case 'exp':
      return `exp(${x})`;
    case 'log':
      return `log(${x})`;
    case 'abs':
      return `abs(${x})`;
    case 'sqrt':
      return `sqrt(${x})`;
    case 'reciprocal':
      return `1.0 / ${x}`;
    case 'erf':
      return `${h.use('erf')}(${x})`;
    case 'floor':
      return `floor(${x})`;
    case 'ceil':
      return `ceil(${x})`;
    case 'round':
      return `round(${x})`; // WGSL round() is specified as ties-to-even
    case 'sign':
      return `sign(${x})`;
    case 'sin':
      return `sin(${x})`;
    case 'cos':
      return `cos(${x})`;
    case 'tan':
      return `tan(${x})`;
    case 'asin':
      return `${h.use('asin')}(${x})`;
    case 'acos':
      return `${h.use('acos')}(${x})`;
    case 'atan':
      return `${h.use('atan')}(${x})`;
    case 'sinh':
      return `${h.use('sinh')}(${x})`;
    case 'cosh':
      return `cosh(${x})`;
    case 'asinh':
      return `${h.use('asinh')}(${x})`;
    case 'acosh':
      return `acosh(${x})`;
    case 'atanh':
      return `${h.use('atanh')}(${x})`;
    case 'isNaN':
      return `u32(${h.use('isnan')}(${x}))`;
    case 'isInf': {
      // alpha = detect_negative, beta = detect_positive
      const neg = alpha !== 0;
      const pos = beta !== 0;
      if (neg && pos) return `u32(${h.use('isinf')}(${x}))`;
      if (!neg && !pos) return '0u';
      return `u32(${h.use('isinf')}(${x}) && ${x} ${pos ? '>' : '<'} 0.0)`;
    }
    case 'not':
      return null;
    default: {
      const never: never = fn;
      throw new Error(`unknown unary fn ${String(never)}`);
    }
  }
}

/** The integer fns ONNX defines (on i32 or u32 words); null when `fn` has no integer form. */
function intUnary(fn: UnaryFn, x: string, alpha: number, beta: number, dtype: DType, h: WgslHelpers): string | null {
  const s = scalarOf(dtype);
  const signed = s === 'i32';
  if (dtype === 'bool') {
    if (fn === 'identity') return x;
    if (fn === 'not') return `u32(${x} == 0u)`;
    return null;
  }
  switch (fn) {
    case 'identity':
      return x;
    case 'relu':
      return signed ? `max(${x}, 0)` : x;
    case 'neg':
      return signed ? wrapInt(`-${x}`, dtype) : null;
    case 'abs':
      return signed ? wrapInt(`abs(${x})`, dtype) : x;
    case 'sign':
      return signed ? `sign(${x})` : `min(${x}, 1u)`;
    case 'clip': {
      // Fractional bounds round inward so they cannot leak into an integer result.
      let e = x;
      if (Number.isFinite(alpha)) e = `max(${e}, ${typedLit(Math.ceil(alpha), s, h)})`;
      if (Number.isFinite(beta)) e = `min(${e}, ${typedLit(Math.floor(beta), s, h)})`;
      return e;
    }
    default:
      return null;
  }
}

/** WGSL for `fn(x)` where `x` names a value of `dtype`; the result has the op's output type. */
export function unaryExpr(fn: UnaryFn, x: string, alpha: number, beta: number, dtype: DType, h: WgslHelpers): string {
  const e = isFloat(dtype) ? floatUnary(fn, x, alpha, beta, h) : intUnary(fn, x, alpha, beta, dtype, h);
  if (e === null) throw new Error(`unary ${fn} is not supported on ${dtype}`);
  return e;
}

const COMPARE: Partial<Record<BinaryFn, string>> = {
  equal: '==',
  less: '<',
  lessOrEqual: '<=',
  greater: '>',
  greaterOrEqual: '>=',
};

/** Converts a value of dtype `from` to f32, for pow with mixed operand types. */
function asF32(x: string, from: DType): string {
  return isFloat(from) ? x : `f32(${x})`;
}

/**
 * WGSL for `fn(a, b)` with `a` of `aType` and `b` of `bType` (equal except for pow's exponent).
 * Comparisons and logic produce u32 0/1 (bool).
 */
export function binaryExpr(fn: BinaryFn, a: string, b: string, aType: DType, bType: DType, h: WgslHelpers): string {
  const s = scalarOf(aType);
  const cmp = COMPARE[fn];
  if (cmp) return `u32(${a} ${cmp} ${b})`;
  const fail = (): never => {
    throw new Error(`binary ${fn} is not supported on ${aType}`);
  };
  const zero = s === 'i32' ? '0' : s === 'u32' ? '0u' : '0.0';
  switch (fn) {
    case 'add':
      return wrapInt(`${a} + ${b}`, aType);
    case 'sub':
      return wrapInt(`${a} - ${b}`, aType);
    case 'mul':
      return wrapInt(`${a} * ${b}`, aType);
    case 'div':
      // WGSL integer division truncates toward zero, as ONNX requires (and x/0 yields x, not a trap).
      return wrapInt(`${a} / ${b}`, aType);
    case 'pow': {
      const bs = scalarOf(bType);
      if (s === 'f32') return `${h.use('pow')}(${a}, ${asF32(b, bType)})`;
      // Integer base: exact integer power for an integer exponent; a float exponent computes in
      // f32 and truncates, as onnxruntime's static_cast of std::pow does.
      if (bs === 'f32') return wrapInt(`${s}(${h.use('pow')}(${asF32(a, aType)}, ${b}))`, aType);
      if (s === 'i32') return wrapInt(`${h.use('ipow')}(${a}, ${bs === 'i32' ? b : `bitcast<i32>(${b})`})`, aType);
      if (bs === 'u32') return wrapInt(`${h.use('upow')}(${a}, ${b})`, aType);
      return wrapInt(`bitcast<u32>(${h.use('ipow')}(bitcast<i32>(${a}), ${b}))`, aType);
    }
    case 'max':
    case 'min': {
      // WGSL leaves NaN operands to the driver; numpy (and ONNX runtimes) propagate them.
      if (s !== 'f32') return `${fn}(${a}, ${b})`;
      const nan = h.use('isnan');
      return `select(${fn}(${a}, ${b}), ${a} + ${b}, ${nan}(${a}) || ${nan}(${b}))`;
    }
    case 'mod':
      // Python-style for signed integers; unsigned ones never differ from C. Floats take C fmod,
      // the only form ONNX allows on them (fmod=1).
      if (s === 'f32') return `${h.use('fmod')}(${a}, ${b})`;
      return s === 'i32' ? `${h.use('imod')}(${a}, ${b})` : `${a} % ${b}`;
    case 'fmod':
      return s === 'f32' ? `${h.use('fmod')}(${a}, ${b})` : `${a} % ${b}`;
    case 'prelu':
      return s === 'u32' ? a : wrapInt(`select(${a}, ${a} * ${b}, ${a} < ${zero})`, aType);
    case 'and':
      return `u32(${a} != 0u && ${b} != 0u)`;
    case 'or':
      return `u32(${a} != 0u || ${b} != 0u)`;
    case 'xor':
      return `u32((${a} != 0u) != (${b} != 0u))`;
    case 'bitShiftLeft':
      // WGSL takes the shift amount modulo 32; ONNX shifts everything out.
      if (s !== 'u32') return fail();
      return wrapInt(`select(0u, ${a} << ${b}, ${b} < 32u)`, aType);
    case 'bitShiftRight':
      if (s !== 'u32') return fail();
      return `select(0u, ${a} >> ${b}, ${b} < 32u)`;
    case 'bitAnd':
      return s === 'f32' ? fail() : `${a} & ${b}`;
    case 'bitOr':
      return s === 'f32' ? fail() : `${a} | ${b}`;
    case 'bitXor':
      return s === 'f32' ? fail() : `${a} ^ ${b}`;
    case 'equal':
    case 'less':
    case 'lessOrEqual':
    case 'greater':
    case 'greaterOrEqual':
      throw new Error('unreachable: comparisons are handled above');
    default: {
      const never: never = fn;
      throw new Error(`unknown binary fn ${String(never)}`);
    }
  }
}

/** WGSL for where(cond, a, b); `cond` names a bool (u32) value. */
export function whereExpr(cond: string, a: string, b: string): string {
  return `select(${b}, ${a}, ${cond} != 0u)`;
}

/**
 * WGSL converting `x` from dtype `from` to `to`: float → integer truncates toward zero,
 * integer → narrower integer wraps, anything → bool is x != 0 (NaN is true), → float16 and
 * bfloat16 round to nearest even. Out-of-range float → integer is undefined in ONNX; here it saturates.
 */
export function castExpr(x: string, from: DType, to: DType, h: WgslHelpers): string {
  const fs = scalarOf(from);
  // Floats test their bits: NaN != 0.0 is unreliable under fast-math, and NaN must give true.
  if (to === 'bool') return fs === 'f32' ? `u32((bitcast<u32>(${x}) & 0x7fffffffu) != 0u)` : `u32(${x} != ${fs === 'i32' ? '0' : '0u'})`;
  if (from === to && to !== 'float16' && to !== 'bfloat16') return x;
  const ts = scalarOf(to);
  if (ts === 'f32') {
    // float16/bfloat16 values are f32 words that may carry more precision (computed in f32).
    const f = fs === 'f32' ? x : `f32(${x})`;
    if (to === 'float16') return `${h.use('f16round')}(${f})`;
    return to === 'bfloat16' ? `${h.use('bf16round')}(${f})` : f;
  }
  if (ts === 'i32') {
    const i = fs === 'f32' ? `i32(${x})` : fs === 'u32' ? `bitcast<i32>(${x})` : x;
    return wrapInt(i, to);
  }
  // u32 targets. Floats at or above 2^31 do not fit i32: convert those directly.
  let u: string;
  if (fs === 'f32') u = `select(bitcast<u32>(i32(${x})), u32(${x}), ${x} >= 2147483648.0)`;
  else if (fs === 'i32') u = `bitcast<u32>(${x})`;
  else u = x;
  return wrapInt(u, to);
}

type ElementwiseOp = Extract<Op, { kind: 'unary' | 'binary' | 'where' | 'cast' }>;

/** WGSL for any elementwise op applied to the named operands of dtypes `types`. */
export function elementwiseExpr(op: ElementwiseOp, args: readonly string[], types: readonly DType[], h: WgslHelpers): string {
  switch (op.kind) {
    case 'unary':
      return unaryExpr(op.fn, args[0]!, op.alpha, op.beta, types[0]!, h);
    case 'binary':
      return binaryExpr(op.fn, args[0]!, args[1]!, types[0]!, types[1]!, h);
    case 'where':
      return whereExpr(args[0]!, args[1]!, args[2]!);
    case 'cast':
      return castExpr(args[0]!, types[0]!, op.to, h);
    default: {
      const never: never = op;
      throw new Error(`not an elementwise op: ${(never as Op).kind}`);
    }
  }
}

/**
 * One kernel computing a unary/binary/where/cast node: one invocation per output element, each
 * input read at its broadcast offset (inputs already of the output's shape read at `idx`, scalars
 * at 0, so the common cases need no coordinate math).
 */
export const generateElementwise: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'unary' && op.kind !== 'binary' && op.kind !== 'where' && op.kind !== 'cast') {
    return unsupported(node, 'not an elementwise op');
  }
  const out = node.outputs[0]!;
  const outDims = shapeOf(out);
  const total = numelOf(out);
  const h = new WgslHelpers();
  const names = node.inputs.map((_, i) => `a${i}`);
  let expr: string;
  try {
    expr = elementwiseExpr(
      op,
      names,
      node.inputs.map((v) => v.type.dtype),
      h,
    );
  } catch (e) {
    return unsupported(node, (e as Error).message);
  }
  let needCoords = false;
  const loads = node.inputs.map((v, i) => {
    const dims = shapeOf(v);
    const n = numelOf(v);
    let off: string;
    // Each input dim is 1 or the output's, so an equal element count means an identical layout.
    if (n === total) off = 'idx';
    else if (n === 1) off = '0u';
    else {
      needCoords = true;
      off = broadcastOffset(dims, outDims.length, 'o');
    }
    return `let ${names[i]} = in${i}[${off}];`;
  });
  const body = [...(needCoords ? [coordsOf('idx', outDims, 'o')] : []), ...loads, `out0[idx] = ${expr};`].join('\n');
  return [flatKernel(node, ctx, { inputs: node.inputs, outputs: [out], total, prelude: h.render(), body })];
};
