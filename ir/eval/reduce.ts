/**
 * Reductions (`reduce`, every ReduceFn) and arg-reductions (`argReduce`) on the host.
 *
 * A reduction walks the input once, in order, with the accumulator array "broadcast" over the
 * reduced axes (the shared row iterator gives each input row its accumulator offset and a step
 * of 0 or 1), so any set of axes costs the same single pass. logSumExp takes a first pass for the
 * running maximum so the exponentials cannot overflow. int64/uint64 sums, products, extrema, means
 * (truncating) and squares stay exact in BigInt. Empty reductions give the identity of the fn
 * (sum 0, prod 1, max −∞, min +∞; mean is 0/0 = NaN), as ONNX-18 specifies.
 */

import type { Tensor } from '../graph.js';
import type { Op, ReduceFn } from '../ops.js';
import { normalizeAxis } from '../shape.js';
import { forEachBroadcastRow } from './broadcast.js';
import type { ElemArray } from './tensor.js';
import { describe, emptyTensor, fromFloat64, isBigIntType, numericData, sizeOf, splitAtAxis } from './tensor.js';

type ReduceOp = Extract<Op, { kind: 'reduce' }>;
type ArgReduceOp = Extract<Op, { kind: 'argReduce' }>;

/** acc[oOff + i·oStep] = f(acc[…], x[xOff + i]) over the input, accumulator broadcast to it. */
function fold<T>(dims: readonly number[], keptDims: readonly number[], x: ArrayLike<T>, acc: { [i: number]: T }, f: (a: T, v: T) => T): void {
  forEachBroadcastRow(dims, [dims, keptDims], (_start, len, offs, steps) => {
    let xi = offs[0]!;
    let ai = offs[1]!;
    const xs = steps[0]!;
    const as = steps[1]!;
    for (let i = 0; i < len; i++, xi += xs, ai += as) acc[ai] = f(acc[ai]!, x[xi]!);
  });
}

const maxNaN = (a: number, v: number) => (v > a || Number.isNaN(v) ? v : a);
const minNaN = (a: number, v: number) => (v < a || Number.isNaN(v) ? v : a);

function reduceNumbers(fn: ReduceFn, x: Tensor, keptDims: number[], count: number): Float64Array {
  const xv = numericData(x);
  const acc = new Float64Array(sizeOf(keptDims));
  switch (fn) {
    case 'sum':
    case 'mean':
    case 'logSum':
      fold(x.dims, keptDims, xv, acc, (a, v) => a + v);
      break;
    case 'prod':
      acc.fill(1);
      fold(x.dims, keptDims, xv, acc, (a, v) => a * v);
      break;
    case 'max':
      acc.fill(-Infinity);
      fold(x.dims, keptDims, xv, acc, maxNaN);
      break;
    case 'min':
      acc.fill(Infinity);
      fold(x.dims, keptDims, xv, acc, minNaN);
      break;
    case 'l1':
      fold(x.dims, keptDims, xv, acc, (a, v) => a + Math.abs(v));
      break;
    case 'l2':
    case 'sumSquare':
      fold(x.dims, keptDims, xv, acc, (a, v) => a + v * v);
      break;
    case 'logSumExp': {
      const max = new Float64Array(acc.length).fill(-Infinity);
      fold(x.dims, keptDims, xv, max, maxNaN);
      // Shift by the max so exp cannot overflow; an all −∞ (or empty) slice keeps shift 0.
      const shift = max.map((m) => (Number.isFinite(m) ? m : 0));
      forEachBroadcastRow(x.dims, [x.dims, keptDims], (_s, len, offs, steps) => {
        for (let i = 0, xi = offs[0]!, ai = offs[1]!; i < len; i++, xi += steps[0]!, ai += steps[1]!) {
          acc[ai] += Math.exp(xv[xi]! - shift[ai]!);
        }
      });
      for (let i = 0; i < acc.length; i++) acc[i] = shift[i]! + Math.log(acc[i]!);
      return acc;
    }
    default: {
      const never: never = fn;
      throw new Error(`unknown reduce fn ${String(never)}`);
    }
  }
  if (fn === 'mean') for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! / count;
  else if (fn === 'l2') for (let i = 0; i < acc.length; i++) acc[i] = Math.sqrt(acc[i]!);
  else if (fn === 'logSum') for (let i = 0; i < acc.length; i++) acc[i] = Math.log(acc[i]!);
  return acc;
}

/** Exact int64/uint64 reductions; undefined for the fns that need real arithmetic. */
function reduceBigInt(fn: ReduceFn, x: Tensor, keptDims: number[], count: number): Tensor | undefined {
  const xv = x.data as BigInt64Array | BigUint64Array;
  const out = emptyTensor(x.dtype, keptDims);
  const acc = out.data as BigInt64Array | BigUint64Array;
  switch (fn) {
    case 'sum':
    case 'mean':
      fold(x.dims, keptDims, xv, acc, (a, v) => a + v);
      if (fn === 'mean') {
        if (count === 0) throw new Error(`mean over an empty set of ${describe(x)} has no integer value`);
        for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! / BigInt(count);
      }
      return out;
    case 'prod':
      acc.fill(1n);
      fold(x.dims, keptDims, xv, acc, (a, v) => a * v);
      return out;
    case 'max':
    case 'min': {
      if (count === 0) throw new Error(`${fn} over an empty set of ${describe(x)} has no integer value`);
      // No integer plays −∞/+∞: each accumulator takes the first element it sees, then compares.
      const seen = new Uint8Array(acc.length);
      const better = fn === 'max' ? (a: bigint, v: bigint) => v > a : (a: bigint, v: bigint) => v < a;
      forEachBroadcastRow(x.dims, [x.dims, keptDims], (_s, len, offs, steps) => {
        for (let i = 0, xi = offs[0]!, ai = offs[1]!; i < len; i++, xi += steps[0]!, ai += steps[1]!) {
          const v = xv[xi]!;
          if (!seen[ai] || better(acc[ai]!, v)) {
            acc[ai] = v;
            seen[ai] = 1;
          }
        }
      });
      return out;
    }
    case 'l1':
      fold(x.dims, keptDims, xv, acc, (a, v) => a + (v < 0n ? -v : v));
      return out;
    case 'sumSquare':
      fold(x.dims, keptDims, xv, acc, (a, v) => a + v * v);
      return out;
    default:
      return undefined;
  }
}

export function evalReduce(op: ReduceOp, x: Tensor): Tensor {
  const rank = x.dims.length;
  const axes = op.axes.length === 0 ? x.dims.map((_, i) => i) : op.axes.map((a) => normalizeAxis(a, rank, 'reduce axis'));
  const reduced = new Set(axes);
  const keptDims = x.dims.map((d, i) => (reduced.has(i) ? 1 : d));
  const outDims = op.keepdims ? keptDims : x.dims.filter((_, i) => !reduced.has(i));
  const count = axes.reduce((n, a) => n * x.dims[a]!, 1);
  if (x.dtype === 'bool' || x.dtype === 'string') throw new Error(`reduce ${op.fn} is not defined on ${describe(x)}`);
  if (isBigIntType(x.dtype)) {
    const exact = reduceBigInt(op.fn, x, keptDims, count);
    if (exact) return { ...exact, dims: outDims };
  }
  return fromFloat64(x.dtype, outDims, reduceNumbers(op.fn, x, keptDims, count));
}

export function evalArgReduce(op: ArgReduceOp, x: Tensor): Tensor {
  const axis = normalizeAxis(op.axis, x.dims.length, 'argReduce axis');
  const [outer, len, inner] = splitAtAxis(x.dims, axis);
  if (len === 0) throw new Error(`arg${op.fn} over an empty axis of ${describe(x)}`);
  const xv = x.data as ElemArray;
  const out = new BigInt64Array(outer * inner);
  const isMax = op.fn === 'max';
  const last = op.selectLastIndex;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = xv[base]!;
      let bestIdx = 0;
      for (let j = 1; j < len; j++) {
        const v = xv[base + j * inner]!;
        // Ties keep the first index unless selectLastIndex, which takes the last.
        const wins = isMax ? (last ? v >= best : v > best) : last ? v <= best : v < best;
        if (wins) {
          best = v;
          bestIdx = j;
        }
      }
      out[o * inner + i] = BigInt(bestIdx);
    }
  }
  const dims = op.keepdims ? x.dims.map((d, i) => (i === axis ? 1 : d)) : x.dims.filter((_, i) => i !== axis);
  return { dtype: 'int64', dims, data: out };
}
