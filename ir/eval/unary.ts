/**
 * Elementwise functions of one tensor (the `unary` op) on the host.
 *
 * Float inputs are computed in float64 and stored once in the input dtype (float16 rounded
 * straight from the double). Integer inputs accept only the fns ONNX defines on integers (identity,
 * abs, neg, sign, relu, clip); int64/uint64 run those in BigInt so values above 2^53 stay exact.
 * isNaN / isInf / not produce bool.
 */

import { isFloat } from '../dtype.js';
import type { Tensor } from '../graph.js';
import type { Op, UnaryFn } from '../ops.js';
import { erf, roundHalfEven, sigmoid, softplus } from './math.js';
import { describe, fromFloat64, numericData } from './tensor.js';

type UnaryOp = Extract<Op, { kind: 'unary' }>;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The scalar function for `fn` on float64 values. */
function floatFn(fn: UnaryFn, alpha: number, beta: number): (x: number) => number {
  switch (fn) {
    case 'identity':
      return (x) => x;
    case 'relu':
      return (x) => (x < 0 ? 0 : x);
    case 'leakyRelu':
      return (x) => (x < 0 ? alpha * x : x);
    case 'elu':
      return (x) => (x < 0 ? alpha * Math.expm1(x) : x);
    case 'selu': // beta carries gamma
      return (x) => (x <= 0 ? beta * alpha * Math.expm1(x) : beta * x);
    case 'celu':
      return (x) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
    case 'thresholdedRelu':
      return (x) => (x > alpha ? x : 0);
    case 'sigmoid':
      return sigmoid;
    case 'hardSigmoid':
      return (x) => Math.max(0, Math.min(1, alpha * x + beta));
    case 'hardSwish':
      return (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5));
    case 'silu':
      return (x) => x * sigmoid(x);
    case 'softplus':
      return softplus;
    case 'softsign':
      return (x) => x / (1 + Math.abs(x));
    case 'mish':
      return (x) => x * Math.tanh(softplus(x));
    case 'gelu':
      // ONNX Gelu: approximate="tanh" is encoded as beta === 1, otherwise the exact erf form.
      if (beta === 1) return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'clip':
      // max then min, so NaN stays NaN and min > max yields max (as onnxruntime does).
      return (x) => Math.min(Math.max(x, alpha), beta);
    case 'shrink': // alpha = lambd, beta = bias
      return (x) => (x < -alpha ? x + beta : x > alpha ? x - beta : 0);
    case 'tanh':
      return Math.tanh;
    case 'neg':
      return (x) => -x;
    case 'exp':
      return Math.exp;
    case 'log':
      return Math.log;
    case 'abs':
      return Math.abs;
    case 'sqrt':
      return Math.sqrt;
    case 'reciprocal':
      return (x) => 1 / x;
    case 'erf':
      return erf;
    case 'floor':
      return Math.floor;
    case 'ceil':
      return Math.ceil;
    case 'round':
      return roundHalfEven;
    case 'sign':
      return (x) => (x > 0 ? 1 : x < 0 ? -1 : x); // keeps NaN and ±0
    case 'sin':
      return Math.sin;
    case 'cos':
      return Math.cos;
    case 'tan':
      return Math.tan;
    case 'asin':
      return Math.asin;
    case 'acos':
      return Math.acos;
    case 'atan':
      return Math.atan;
    case 'sinh':
      return Math.sinh;
    case 'cosh':
      return Math.cosh;
    case 'asinh':
      return Math.asinh;
    case 'acosh':
      return Math.acosh;
    case 'atanh':
      return Math.atanh;
    case 'not':
      return (x) => (x === 0 ? 1 : 0);
    case 'isNaN':
      return (x) => (Number.isNaN(x) ? 1 : 0);
    case 'isInf': {
      // alpha = detect_negative, beta = detect_positive
      const neg = alpha !== 0;
      const pos = beta !== 0;
      return (x) => ((x === Infinity && pos) || (x === -Infinity && neg) ? 1 : 0);
    }
    default: {
      const never: never = fn;
      throw new Error(`unknown unary fn ${String(never)}`);
    }
  }
}

/** Fns ONNX defines on integer tensors (computed exactly on integers). */
const INTEGER_FNS: ReadonlySet<UnaryFn> = new Set<UnaryFn>(['identity', 'abs', 'neg', 'sign', 'relu', 'clip']);

/** The BigInt form of the integer fns, for int64/uint64. Clip bounds are converted exactly. */
function bigintFn(fn: UnaryFn, alpha: number, beta: number): (x: bigint) => bigint {
  switch (fn) {
    case 'identity':
      return (x) => x;
    case 'abs':
      return (x) => (x < 0n ? -x : x);
    case 'neg':
      return (x) => -x;
    case 'sign':
      return (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n);
    case 'relu':
      return (x) => (x < 0n ? 0n : x);
    case 'clip': {
      // Bounds arrive as numbers (±Infinity when absent); integral bounds compare exactly.
      const lo = Number.isFinite(alpha) ? BigInt(Math.ceil(alpha)) : null;
      const hi = Number.isFinite(beta) ? BigInt(Math.floor(beta)) : null;
      return (x) => {
        let y = x;
        if (lo !== null && y < lo) y = lo;
        if (hi !== null && y > hi) y = hi;
        return y;
      };
    }
    default:
      throw new Error(`unary ${fn} is not defined on int64`);
  }
}

export function evalUnary(op: UnaryOp, x: Tensor): Tensor {
  const { fn, alpha, beta } = op;
  const n = x.data.length;
  if (fn === 'not') {
    if (x.dtype !== 'bool') throw new Error(`not needs a bool tensor, got ${describe(x)}`);
  } else if (fn === 'isNaN' || fn === 'isInf') {
    if (!isFloat(x.dtype)) throw new Error(`${fn} needs a float tensor, got ${describe(x)}`);
  } else if (!isFloat(x.dtype) && !INTEGER_FNS.has(fn)) {
    throw new Error(`unary ${fn} is not defined on ${describe(x)} (ONNX allows it on floats only)`);
  }
  const outType = fn === 'not' || fn === 'isNaN' || fn === 'isInf' ? 'bool' : x.dtype;

  if (x.data instanceof BigInt64Array || x.data instanceof BigUint64Array) {
    const f = bigintFn(fn, alpha, beta);
    const src = x.data;
    const out = x.data instanceof BigInt64Array ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = f(src[i]!); // stores wrap to 64 bits (neg of INT64_MIN)
    return { dtype: x.dtype, dims: [...x.dims], data: out };
  }

  // Integer clip bounds round inward so that a fractional bound cannot leak into an int result.
  const g = fn === 'clip' && !isFloat(x.dtype) ? floatFn('clip', Math.ceil(alpha), Math.floor(beta)) : floatFn(fn, alpha, beta);
  const src = numericData(x);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = g(src[i]!);
  return fromFloat64(outType, x.dims, out);
}
