/**
 * Elementwise functions of two tensors (`binary`) and the three-input `where`, with numpy
 * broadcasting through the shared row iterator.
 *
 * Three arithmetic domains, chosen by the first input's dtype:
 * - floats: float64 math, stored once in the dtype (`mod` is C fmod on floats, as `fmod`);
 * - 8/16/32-bit integers: exact integer semantics in doubles (division truncates toward zero,
 *   `mod` takes the divisor's sign as Python does, 32-bit products via Math.imul so they wrap);
 * - int64/uint64: BigInt, so shape arithmetic stays exact.
 * Comparisons and logic fns produce bool. Integer division by zero is an error, not garbage.
 */

import type { DType } from '../dtype.js';
import { isFloat } from '../dtype.js';
import type { Tensor } from '../graph.js';
import type { BinaryFn, Op } from '../ops.js';
import { binaryOutputsBool } from '../ops.js';
import { broadcastShapes } from '../shape.js';
import { forEachBroadcastRow } from './broadcast.js';
import type { ElemArray } from './tensor.js';
import { bigintData, describe, emptyTensor, fromFloat64, isBigIntType, numericData, sizeOf } from './tensor.js';

type BinaryOp = Extract<Op, { kind: 'binary' }>;

/** out[i] = f(a[ia], b[ib]) over the broadcast of the two shapes. */
export function mapBroadcast2<A, B, R>(
  outDims: readonly number[],
  a: ArrayLike<A>,
  aDims: readonly number[],
  b: ArrayLike<B>,
  bDims: readonly number[],
  out: { [i: number]: R },
  f: (x: A, y: B) => R,
): void {
  forEachBroadcastRow(outDims, [aDims, bDims], (o, len, offs, steps) => {
    let ia = offs[0]!;
    let ib = offs[1]!;
    const sa = steps[0]!;
    const sb = steps[1]!;
    for (let i = 0; i < len; i++, ia += sa, ib += sb) out[o + i] = f(a[ia]!, b[ib]!);
  });
}

function intBits(dtype: DType): number {
  switch (dtype) {
    case 'int8':
    case 'uint8':
    case 'bool':
      return 8;
    case 'int16':
    case 'uint16':
      return 16;
    default:
      return 32;
  }
}

function checkDivisor(y: number | bigint): void {
  if (y === 0 || y === 0n) throw new Error('integer division by zero');
}

/** Scalar fn on doubles: float semantics for float dtypes, exact integer semantics for ≤32-bit integers. */
function numberFn(fn: BinaryFn, dtype: DType): (x: number, y: number) => number {
  const int = !isFloat(dtype);
  const bits = intBits(dtype);
  switch (fn) {
    case 'add':
      return (x, y) => x + y;
    case 'sub':
      return (x, y) => x - y;
    case 'mul':
      // A 32-bit product can exceed 2^53 and lose its low bits in a double; imul keeps them.
      return int && bits === 32 ? (x, y) => Math.imul(x, y) : (x, y) => x * y;
    case 'div':
      if (!int) return (x, y) => x / y;
      return (x, y) => {
        checkDivisor(y);
        return Math.trunc(x / y); // exact: |x|, |y| < 2^32
      };
    case 'pow':
      return Math.pow; // integer results are exact below 2^53; the store truncates/wraps like C
    case 'max':
      return Math.max; // propagates NaN, as numpy.maximum
    case 'min':
      return Math.min;
    case 'mod':
      if (!int) return (x, y) => x % y;
      return (x, y) => {
        checkDivisor(y);
        const r = x % y;
        return r !== 0 && r < 0 !== y < 0 ? r + y : r;
      };
    case 'fmod':
      if (!int) return (x, y) => x % y; // JS % is C fmod: the result takes the dividend's sign
      return (x, y) => {
        checkDivisor(y);
        return x % y;
      };
    case 'prelu':
      return (x, y) => (x < 0 ? x * y : x);
    case 'equal':
      return (x, y) => (x === y ? 1 : 0);
    case 'less':
      return (x, y) => (x < y ? 1 : 0);
    case 'lessOrEqual':
      return (x, y) => (x <= y ? 1 : 0);
    case 'greater':
      return (x, y) => (x > y ? 1 : 0);
    case 'greaterOrEqual':
      return (x, y) => (x >= y ? 1 : 0);
    case 'and':
      return (x, y) => (x !== 0 && y !== 0 ? 1 : 0);
    case 'or':
      return (x, y) => (x !== 0 || y !== 0 ? 1 : 0);
    case 'xor':
      return (x, y) => ((x !== 0) !== (y !== 0) ? 1 : 0);
    case 'bitShiftLeft':
      // Unsigned types only (ONNX); shifting by the width or more leaves nothing.
      if (bits === 32) return (x, y) => (y >= 32 ? 0 : (x << y) >>> 0);
      return (x, y) => (y >= bits ? 0 : (x * 2 ** y) % 2 ** bits);
    case 'bitShiftRight':
      return (x, y) => (y >= bits ? 0 : Math.floor(x / 2 ** y));
    case 'bitAnd':
      return (x, y) => x & y; // the store reinterprets the int32 result for unsigned types
    case 'bitOr':
      return (x, y) => x | y;
    case 'bitXor':
      return (x, y) => x ^ y;
    default: {
      const never: never = fn;
      throw new Error(`unknown binary fn ${String(never)}`);
    }
  }
}

/** x^y modulo 2^64 by repeated squaring (x ** y itself could have billions of digits). */
function powWrapped(x: bigint, y: bigint): bigint {
  let result = 1n;
  let base = BigInt.asUintN(64, x);
  for (let e = y; e > 0n; e >>= 1n) {
    if (e & 1n) result = BigInt.asUintN(64, result * base);
    base = BigInt.asUintN(64, base * base);
  }
  return result; // the int64 store reinterprets the low 64 bits as signed
}

/** Scalar fn on bigints for int64/uint64; the 64-bit array stores wrap results to the type. */
function bigintFn(fn: BinaryFn, unsigned: boolean): (x: bigint, y: bigint) => bigint | number {
  switch (fn) {
    case 'add':
      return (x, y) => x + y;
    case 'sub':
      return (x, y) => x - y;
    case 'mul':
      return (x, y) => x * y;
    case 'div':
      return (x, y) => {
        checkDivisor(y);
        return x / y; // BigInt division truncates toward zero
      };
    case 'pow':
      return (x, y) => {
        if (y >= 0n) return powWrapped(x, y);
        // Negative exponents: C++ casts pow's fraction to an integer, so only |x| = 1 survives.
        if (x === 1n) return 1n;
        if (x === -1n) return y % 2n === 0n ? 1n : -1n;
        checkDivisor(x);
        return 0n;
      };
    case 'max':
      return (x, y) => (x > y ? x : y);
    case 'min':
      return (x, y) => (x < y ? x : y);
    case 'mod':
      return (x, y) => {
        checkDivisor(y);
        const r = x % y;
        return r !== 0n && r < 0n !== y < 0n ? r + y : r;
      };
    case 'fmod':
      return (x, y) => {
        checkDivisor(y);
        return x % y;
      };
    case 'prelu':
      return (x, y) => (x < 0n ? x * y : x);
    case 'equal':
      return (x, y) => (x === y ? 1 : 0);
    case 'less':
      return (x, y) => (x < y ? 1 : 0);
    case 'lessOrEqual':
      return (x, y) => (x <= y ? 1 : 0);
    case 'greater':
      return (x, y) => (x > y ? 1 : 0);
    case 'greaterOrEqual':
      return (x, y) => (x >= y ? 1 : 0);
    case 'bitShiftLeft':
      return (x, y) => (y >= 64n ? 0n : BigInt.asUintN(64, x << y));
    case 'bitShiftRight':
      return (x, y) => (y >= 64n ? 0n : (unsigned ? x : BigInt.asUintN(64, x)) >> y);
    case 'bitAnd':
      return (x, y) => x & y;
    case 'bitOr':
      return (x, y) => x | y;
    case 'bitXor':
      return (x, y) => x ^ y;
    case 'and':
    case 'or':
    case 'xor':
      throw new Error(`${fn} needs bool tensors, got int64`);
    default: {
      const never: never = fn;
      throw new Error(`unknown binary fn ${String(never)}`);
    }
  }
}

export function evalBinary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const { fn } = op;
  const outDims = broadcastShapes(a.dims, b.dims) as number[];
  const boolOut = binaryOutputsBool(fn);
  if ((fn === 'and' || fn === 'or' || fn === 'xor') && (a.dtype !== 'bool' || b.dtype !== 'bool')) {
    throw new Error(`${fn} needs bool tensors, got ${describe(a)} and ${describe(b)}`);
  }
  // pow may raise to an exponent of another type (ONNX T1); everything else needs equal dtypes.
  if (fn !== 'pow' && a.dtype !== b.dtype) {
    throw new Error(`${fn} needs inputs of one dtype, got ${describe(a)} and ${describe(b)}`);
  }

  // BigInt domain: int64/uint64 operands (for pow: an integer base with an integer exponent).
  if (isBigIntType(a.dtype) && !isFloat(b.dtype)) {
    const f = bigintFn(fn, a.dtype === 'uint64');
    const out = emptyTensor(boolOut ? 'bool' : a.dtype, outDims);
    mapBroadcast2(outDims, bigintData(a), a.dims, bigintData(b), b.dims, out.data as ElemArray, f);
    return out;
  }

  // Doubles: floats, ≤32-bit integers, and pow of any base with an int64 exponent (exponents
  // that matter are small) or of an int64 base with a float exponent (truncated on store).
  const f = numberFn(fn, a.dtype);
  const av = numericData(a);
  const bv = numericData(b);
  if (boolOut) {
    const out = emptyTensor('bool', outDims);
    mapBroadcast2(outDims, av, a.dims, bv, b.dims, out.data as Uint8Array, f);
    return out;
  }
  const out = new Float64Array(sizeOf(outDims));
  mapBroadcast2(outDims, av, a.dims, bv, b.dims, out, f);
  return fromFloat64(a.dtype, outDims, out);
}

/** y = cond ? a : b, all three broadcast together; elements are copied, any dtype. */
export function evalWhere(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  if (cond.dtype !== 'bool') throw new Error(`where condition must be bool, got ${describe(cond)}`);
  if (a.dtype !== b.dtype) throw new Error(`where needs a and b of one dtype, got ${describe(a)} and ${describe(b)}`);
  const outDims = broadcastShapes(cond.dims, a.dims, b.dims) as number[];
  const out = emptyTensor(a.dtype, outDims);
  const o = out.data as ElemArray;
  const c = cond.data;
  const av = a.data as ElemArray;
  const bv = b.data as ElemArray;
  forEachBroadcastRow(outDims, [cond.dims, a.dims, b.dims], (start, len, offs, steps) => {
    let ic = offs[0]!;
    let ia = offs[1]!;
    let ib = offs[2]!;
    for (let i = 0; i < len; i++, ic += steps[0]!, ia += steps[1]!, ib += steps[2]!) {
      o[start + i] = c[ic] ? av[ia]! : bv[ib]!;
    }
  });
  return out;
}
