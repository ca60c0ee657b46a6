/**
 * IEEE 754 binary16 (half precision) helpers, and rounding to bfloat16 (the top half of an f32).
 *
 * The host holds float16 tensors as Float32Array whose values are exactly representable halves
 * (see `allocHost`). Every stage that produces float16 data — the CPU evaluator, constant folding,
 * the runtime's upload/readback of `Uint16Array` bits — needs the same correctly rounded
 * conversions, so they live here: rounding to nearest with ties to even, overflow to ±Infinity,
 * gradual underflow through the subnormals, NaN kept, and the sign of zero kept. Decoding bits to
 * values is the runtime's `halfToFloat` (runtime/convert.ts), re-exported under this file's names.
 */

import { halfToFloat } from '../../runtime/convert.js';
import type { DType } from '../dtype.js';

/** Largest finite half (0x7bff). */
export const FLOAT16_MAX = 65504;

/** Smallest positive normal half, 2^-14. */
const MIN_NORMAL = 2 ** -14;
/** Spacing of the subnormal halves, 2^-24. */
const SUBNORMAL_STEP = 2 ** -24;

/** Rounds a non-negative finite double to an integer, ties to even. */
function roundTiesToEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The half-precision value nearest to `x` (ties to even), as a number. Rounds from the double
 * directly, so no double-rounding through float32 happens.
 */
export function roundToFloat16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x; // ±0, ±Infinity, NaN pass through
  const a = Math.abs(x);
  // 65520 is halfway between 65504 and 65536 (the first unrepresentable power); the tie rounds to
  // the even mantissa, which is the overflowing 65536, so 65520 and above become Infinity.
  if (a >= 65520) return x < 0 ? -Infinity : Infinity;
  let quantum: number;
  if (a < MIN_NORMAL) {
    quantum = SUBNORMAL_STEP;
  } else {
    // Exponent of a, corrected for the inexactness of log2 near powers of two.
    let e = Math.floor(Math.log2(a));
    if (2 ** e > a) e--;
    else if (2 ** (e + 1) <= a) e++;
    quantum = 2 ** (e - 10); // 10 explicit mantissa bits
  }
  // a / quantum and the product are exact: both are scalings by powers of two within range.
  const r = roundTiesToEven(a / quantum) * quantum;
  return x < 0 ? -r : r; // a negative value that underflows keeps its sign (-0)
}

/** Encodes `x` (rounded to nearest half, ties to even) as its 16-bit pattern. */
export function numberToFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(roundToFloat16(x));
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  if (a < MIN_NORMAL) return sign | Math.round(a / SUBNORMAL_STEP); // exact: a is a multiple of 2^-24
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const mantissa = Math.round((a / 2 ** e - 1) * 1024); // exact after rounding above
  return sign | ((e + 15) << 10) | mantissa;
}

/**
 * Decodes a 16-bit half pattern to its value. The runtime owns the decoder (it is copied into
 * output folders and imports nothing); this name keeps the evaluator's vocabulary.
 */
export const float16BitsToNumber: (bits: number) => number = halfToFloat;

/** Rounds every element of `src` to half precision into a new Float32Array (host f16 layout). */
export function toFloat16Array(src: ArrayLike<number>): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = roundToFloat16(src[i]!);
  return out;
}

/** Host f16 values (Float32Array) → their 16-bit patterns, e.g. for upload or ONNX raw_data. */
export function float16ArrayToBits(src: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = numberToFloat16Bits(src[i]!);
  return out;
}

/** 16-bit patterns → host f16 values (Float32Array). */
export function float16BitsToArray(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToNumber(bits[i]!);
  return out;
}

/**
 * The bfloat16 value nearest to `x` (ties to even), as a number: bfloat16 is the top half of an
 * IEEE f32 (8 exponent bits, 7 explicit mantissa bits), so it has f32's range, normal spacing
 * 2^(e-7) and subnormal spacing 2^-133. Rounded from the double directly (no double rounding
 * through f32). Values from (2 − 2^-8)·2^127 up (the midpoint above the largest finite bfloat16,
 * whose tie goes to the even, overflowing neighbour) become ±Infinity.
 */
export function roundToBfloat16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  if (a >= (2 - 2 ** -8) * 2 ** 127) return x < 0 ? -Infinity : Infinity;
  let quantum: number;
  if (a < 2 ** -126) {
    quantum = 2 ** -133;
  } else {
    let e = Math.floor(Math.log2(a));
    if (2 ** e > a) e--;
    else if (2 ** (e + 1) <= a) e++;
    quantum = 2 ** (e - 7);
  }
  const r = roundTiesToEven(a / quantum) * quantum;
  return x < 0 ? -r : r;
}

/** Rounding of a double to a float dtype's values (identity for float64 and non-floats). */
export function roundingTo(dtype: DType): (x: number) => number {
  switch (dtype) {
    case 'float32':
      return Math.fround;
    case 'float16':
      return roundToFloat16;
    case 'bfloat16':
      return roundToBfloat16;
    default:
      return (x) => x;
  }
}
