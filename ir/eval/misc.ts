/**
 * Small ops on the host: shape, range, cumSum and trilu.
 *
 * `shape` and `range` are shape plumbing, so integers stay exact: int64 ranges are counted and
 * generated in BigInt. Float ranges accumulate `value += delta` in the output precision, as the
 * ONNX function body (a Loop adding delta) and onnxruntime do, rather than start + i·delta.
 */

import { isFloat } from '../dtype.js';
import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { normalizeAxis } from '../shape.js';
import { roundingTo } from './float16.js';
import type { ElemArray } from './tensor.js';
import { describe, emptyTensor, float64Data, fromFloat64, scalarNumber, splitAtAxis } from './tensor.js';

type ShapeOp = Extract<Op, { kind: 'shape' }>;
type CumSumOp = Extract<Op, { kind: 'cumSum' }>;
type TriluOp = Extract<Op, { kind: 'trilu' }>;

export function evalShape(op: ShapeOp, x: Tensor): Tensor {
  const rank = x.dims.length;
  // Shape-15: negative bounds count from the end, then both clamp to [0, rank].
  const clampBound = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const dims = x.dims.slice(clampBound(op.start), clampBound(op.end));
  return { dtype: 'int64', dims: [dims.length], data: BigInt64Array.from(dims, (d) => BigInt(d)) };
}

/** ⌈a / b⌉ for bigints of any sign. */
function ceilDivBig(a: bigint, b: bigint): bigint {
  const q = a / b; // truncated toward zero
  return q * b !== a && a < 0n === b < 0n ? q + 1n : q;
}

export function evalRange(start: Tensor, limit: Tensor, delta: Tensor): Tensor {
  const dtype = start.dtype;
  if (limit.dtype !== dtype || delta.dtype !== dtype) {
    throw new Error(`range needs start, limit and delta of one dtype, got ${[start, limit, delta].map(describe).join(', ')}`);
  }
  for (const [t, name] of [[start, 'start'], [limit, 'limit'], [delta, 'delta']] as const) {
    if (t.data.length !== 1) throw new Error(`range ${name} must be a scalar, got ${describe(t)}`);
  }
  if (start.data instanceof BigInt64Array || start.data instanceof BigUint64Array) {
    const s = start.data[0]!;
    const l = (limit.data as BigInt64Array)[0]!;
    const d = (delta.data as BigInt64Array)[0]!;
    if (d === 0n) throw new Error('range delta must be non-zero');
    const count = ceilDivBig(l - s, d);
    const n = count > 0n ? Number(count) : 0;
    const out = emptyTensor(dtype, [n]);
    const o = out.data as BigInt64Array;
    for (let i = 0; i < n; i++) o[i] = s + BigInt(i) * d;
    return out;
  }
  const s = scalarNumber(start, 'range start');
  const l = scalarNumber(limit, 'range limit');
  const d = scalarNumber(delta, 'range delta');
  if (d === 0) throw new Error('range delta must be non-zero');
  const n = Math.max(0, Math.ceil((l - s) / d));
  if (!Number.isFinite(n)) throw new Error(`range from ${s} to ${l} by ${d} has no finite length`);
  const values = new Float64Array(n);
  if (isFloat(dtype)) {
    // Accumulate in the output precision, like the reference loop.
    const round = roundingTo(dtype);
    let v = s;
    for (let i = 0; i < n; i++, v = round(v + d)) values[i] = v;
  } else {
    for (let i = 0; i < n; i++) values[i] = s + i * d; // exact for ≤32-bit integers
  }
  return fromFloat64(dtype, [n], values);
}

/** arange: `length` values start, start + delta, … (accumulated in the output precision for floats, as range). */
export function evalArange(op: Extract<Op, { kind: 'arange' }>, length: number): Tensor {
  if (!Number.isInteger(length) || length < 0) throw new Error(`arange length must be a non-negative integer, got ${length}`);
  const values = new Float64Array(length);
  if (isFloat(op.dtype)) {
    const round = roundingTo(op.dtype);
    let v = op.start;
    for (let i = 0; i < length; i++, v = round(v + op.delta)) values[i] = v;
  } else {
    for (let i = 0; i < length; i++) values[i] = op.start + i * op.delta;
  }
  return fromFloat64(op.dtype, [length], values);
}

export function evalCumSum(op: CumSumOp, x: Tensor): Tensor {
  const axis = normalizeAxis(op.axis, x.dims.length, 'cumSum axis');
  const [outer, len, inner] = splitAtAxis(x.dims, axis);
  // Walk each line forwards or backwards; exclusive writes the running sum before adding.
  const order = (j: number) => (op.reverse ? len - 1 - j : j);
  if (x.data instanceof BigInt64Array || x.data instanceof BigUint64Array) {
    const src = x.data;
    const out = emptyTensor(x.dtype, x.dims);
    const o = out.data as BigInt64Array | BigUint64Array;
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        let sum = 0n;
        for (let j = 0; j < len; j++) {
          const at = (a * len + order(j)) * inner + b;
          if (op.exclusive) {
            o[at] = sum;
            sum += src[at]!;
          } else {
            sum += src[at]!;
            o[at] = sum;
          }
        }
      }
    }
    return out;
  }
  if (x.dtype === 'bool') throw new Error(`cumSum is not defined on ${describe(x)}`);
  const src = float64Data(x);
  const out = new Float64Array(src.length);
  for (let a = 0; a < outer; a++) {
    for (let b = 0; b < inner; b++) {
      let sum = 0;
      for (let j = 0; j < len; j++) {
        const at = (a * len + order(j)) * inner + b;
        if (op.exclusive) {
          out[at] = sum;
          sum += src[at]!;
        } else {
          sum += src[at]!;
          out[at] = sum;
        }
      }
    }
  }
  return fromFloat64(x.dtype, x.dims, out);
}

export function evalTrilu(op: TriluOp, x: Tensor): Tensor {
  const rank = x.dims.length;
  if (rank < 2) throw new Error(`trilu needs rank ≥ 2, got ${describe(x)}`);
  const rows = x.dims[rank - 2]!;
  const cols = x.dims[rank - 1]!;
  const out = emptyTensor(x.dtype, x.dims); // zero-filled: only the kept triangle is copied
  const o = out.data as ElemArray;
  const src = x.data as ElemArray;
  const matrices = src.length / (rows * cols) || 0;
  for (let m = 0; m < matrices; m++) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        // upper keeps j − i ≥ k, lower keeps j − i ≤ k
        const keep = op.upper ? j - i >= op.k : j - i <= op.k;
        if (keep) {
          const at = (m * rows + i) * cols + j;
          o[at] = src[at]!;
        }
      }
    }
  }
  return out;
}
