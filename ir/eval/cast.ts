/**
 * Element type conversion (`cast`) on the host, with ONNX/C semantics:
 * float → integer truncates toward zero (out-of-range values wrap, as the typed arrays store them;
 * ONNX leaves them undefined), anything → bool is x != 0 (NaN is true), bool → number is 0/1,
 * float → float16 rounds to nearest even, and integer → integer wraps modulo the target width —
 * done in BigInt when either side is 64-bit so large int64 values convert exactly.
 */

import type { DType } from '../dtype.js';
import { allocHost, isFloat } from '../dtype.js';
import type { Tensor } from '../graph.js';
import { describe, fromFloat64, numericData, toBigInt64 } from './tensor.js';

/** Bit width and signedness of an integer dtype below 64 bits (bool excluded). */
function narrowInt(dtype: DType): { bits: number; signed: boolean } | null {
  switch (dtype) {
    case 'int8':
      return { bits: 8, signed: true };
    case 'uint8':
      return { bits: 8, signed: false };
    case 'int16':
      return { bits: 16, signed: true };
    case 'uint16':
      return { bits: 16, signed: false };
    case 'int32':
      return { bits: 32, signed: true };
    case 'uint32':
      return { bits: 32, signed: false };
    default:
      return null;
  }
}

export function evalCast(to: DType, x: Tensor): Tensor {
  if (to === 'string' || x.dtype === 'string') throw new Error(`cast between strings and numbers is not supported (${describe(x)} to ${to})`);
  const n = x.data.length;
  const dims = [...x.dims];
  const src = x.data;

  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    const out = allocHost(to, n);
    if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) out[i] = src[i]!; // the store wraps between int64 and uint64
      return { dtype: to, dims, data: out };
    }
    const narrow = narrowInt(to);
    if (narrow) {
      // Wrap in BigInt first: Number() of a value above 2^53 would lose the low bits.
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        out[i] = Number(narrow.signed ? BigInt.asIntN(narrow.bits, v) : BigInt.asUintN(narrow.bits, v));
      }
      return { dtype: to, dims, data: out };
    }
    // float or bool targets
    return fromFloat64(to, dims, numericData(x));
  }

  if (to === 'int64' || to === 'uint64') {
    const out = to === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
    if (isFloat(x.dtype)) {
      for (let i = 0; i < n; i++) out[i] = toBigInt64(src[i]!, to === 'uint64');
    } else {
      for (let i = 0; i < n; i++) out[i] = BigInt(src[i]!); // exact; the store wraps negatives into uint64
    }
    return { dtype: to, dims, data: out };
  }

  if (to === x.dtype) return { dtype: to, dims, data: src.slice() };
  // Everything else is a double-valued conversion: fromFloat64 truncates, wraps, rounds to f16/f32
  // and maps to bool as required.
  return fromFloat64(to, dims, src);
}
