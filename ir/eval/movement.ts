/**
 * Data movement on the host: reshape, transpose, concat, expand, tile and pad.
 *
 * These ops never look at element values, so they work on every dtype through `ElemArray`. Most
 * are one routine, `remap`: each output axis gets a table from its index to the source offset it
 * contributes (or −1 for "fill value"), and the output is built row by row from the sum of the
 * tables. Transpose, tile and all pad modes (constant, reflect, edge, negative pads that crop) are
 * then just table construction; slice (in indexing.ts) uses it too.
 */

import type { DType } from '../dtype.js';
import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import type { Dim } from '../shape.js';
import { broadcastShapes, formatShape, normalizeAxis, stridesOf } from '../shape.js';
import { dimSymbols, evalDim, parseDimExpr } from '../dim.js';
import { forEachBroadcastRow } from './broadcast.js';
import type { ElemArray } from './tensor.js';
import { describe, emptyTensor, fromFloat64, sizeOf } from './tensor.js';

type TransposeOp = Extract<Op, { kind: 'transpose' }>;
type ConcatOp = Extract<Op, { kind: 'concat' }>;
type TileOp = Extract<Op, { kind: 'tile' }>;
/** The op with its pads bound to numbers (ir/eval/index.ts binds symbolic pads first). */
type PadOp = Extract<Op, { kind: 'pad' }> & { pads: number[] };

/**
 * Builds a tensor of `outDims` whose element at (o_0, …, o_{r−1}) is src[Σ tables[d][o_d]], or
 * `fill` where any table entry is −1.
 */
export function remap(x: Tensor, outDims: readonly number[], tables: readonly Int32Array[], fill: number | bigint = 0): Tensor {
  const out = emptyTensor(x.dtype, outDims);
  const o = out.data as ElemArray;
  const src = x.data as ElemArray;
  const total = o.length;
  if (total === 0) return out;
  const rank = outDims.length;
  if (rank === 0) {
    o[0] = src[0]!;
    return out;
  }
  const last = rank - 1;
  const lastTable = tables[last]!;
  const rowLen = outDims[last]!;
  const idx = new Array<number>(last).fill(0);
  for (let row = 0, ob = 0; ob < total; row++, ob += rowLen) {
    let base = 0;
    let inside = true;
    for (let d = 0; d < last; d++) {
      const c = tables[d]![idx[d]!]!;
      if (c < 0) inside = false;
      base += c;
    }
    if (!inside) {
      for (let i = 0; i < rowLen; i++) o[ob + i] = fill;
    } else {
      for (let i = 0; i < rowLen; i++) {
        const c = lastTable[i]!;
        o[ob + i] = c < 0 ? fill : src[base + c]!;
      }
    }
    for (let d = last - 1; d >= 0; d--) {
      if (++idx[d]! < outDims[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The table of an axis copied unchanged (index · stride). */
export function identityTable(len: number, stride: number): Int32Array {
  const t = new Int32Array(len);
  for (let i = 0; i < len; i++) t[i] = i * stride;
  return t;
}

/**
 * Resolves reshape's target dims against the input: symbols are substituted from `bindings`; one
 * remaining unknown (an unbound symbol, or −1) is inferred from the element count.
 */
/** The value of a symbolic dim when every symbol in it is bound, else undefined. */
export function boundDim(d: Dim, bindings: Readonly<Record<string, number>>): number | undefined {
  if (typeof d === 'number') return d;
  if (d in bindings) return bindings[d];
  if (!isDimExpression(d)) return undefined;
  return dimSymbols(d).every((s) => s in bindings) ? evalDim(d, bindings) : undefined;
}

/** Whether `d` parses as a dim expression (a quoted name like `batch size` does not: it is a name). */
export function isDimExpression(d: string): boolean {
  try {
    parseDimExpr(d);
    return true;
  } catch {
    return false;
  }
}

export function resolveReshape(shape: readonly Dim[], x: Tensor, bindings: Readonly<Record<string, number>> = {}): number[] {
  const n = x.data.length;
  const dims: number[] = [];
  let unknown = -1;
  shape.forEach((d, i) => {
    const v = typeof d === 'string' ? boundDim(d, bindings) : d === -1 ? undefined : d;
    if (v === undefined) {
      if (unknown >= 0) throw new Error(`reshape to ${formatShape(shape)} has more than one unknown dimension`);
      unknown = i;
      dims.push(1);
    } else dims.push(v);
  });
  if (unknown >= 0) {
    const known = sizeOf(dims);
    if (known === 0 || n % known !== 0) throw new Error(`cannot reshape ${describe(x)} to ${formatShape(shape)}`);
    dims[unknown] = n / known;
  }
  if (sizeOf(dims) !== n) throw new Error(`cannot reshape ${describe(x)} (${n} elements) to ${formatShape(shape)}`);
  return dims;
}

export function evalReshape(shape: readonly Dim[], x: Tensor, bindings?: Readonly<Record<string, number>>): Tensor {
  return { dtype: x.dtype, dims: resolveReshape(shape, x, bindings), data: x.data.slice() };
}

export function evalTranspose(op: TransposeOp, x: Tensor): Tensor {
  const rank = x.dims.length;
  const perm = op.perm.length === 0 ? x.dims.map((_, i) => rank - 1 - i) : op.perm;
  if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank)) {
    throw new Error(`transpose perm ${formatShape(perm)} is not a permutation of the axes of ${describe(x)}`);
  }
  const strides = stridesOf(x.dims);
  const outDims = perm.map((p) => x.dims[p]!);
  return remap(x, outDims, perm.map((p) => identityTable(x.dims[p]!, strides[p]!)));
}

export function evalConcat(op: ConcatOp, xs: Tensor[]): Tensor {
  if (xs.length === 0) throw new Error('concat needs at least one input');
  const first = xs[0]!;
  const rank = first.dims.length;
  const axis = normalizeAxis(op.axis, rank, 'concat axis');
  for (const t of xs) {
    if (t.dtype !== first.dtype || t.dims.length !== rank || t.dims.some((d, i) => i !== axis && d !== first.dims[i])) {
      throw new Error(`concat inputs must match except on axis ${axis}: ${xs.map(describe).join(', ')}`);
    }
  }
  const outDims = [...first.dims];
  outDims[axis] = xs.reduce((s, t) => s + t.dims[axis]!, 0);
  const out = emptyTensor(first.dtype, outDims);
  const o = out.data as ElemArray;
  const outer = sizeOf(first.dims.slice(0, axis));
  const inner = sizeOf(first.dims.slice(axis + 1));
  let at = 0;
  for (let i = 0; i < outer; i++) {
    for (const t of xs) {
      const block = t.dims[axis]! * inner; // this input's contiguous run for outer index i
      const src = t.data as ElemArray;
      for (let j = 0, s = i * block; j < block; j++) o[at++] = src[s + j]!;
    }
  }
  return out;
}

export function evalExpand(shape: readonly number[], x: Tensor): Tensor {
  // ONNX Expand is bidirectional: the result is the broadcast of both shapes.
  const outDims = broadcastShapes(x.dims, shape) as number[];
  const out = emptyTensor(x.dtype, outDims);
  const o = out.data as ElemArray;
  const src = x.data as ElemArray;
  forEachBroadcastRow(outDims, [x.dims], (start, len, offs, steps) => {
    for (let i = 0, j = offs[0]!; i < len; i++, j += steps[0]!) o[start + i] = src[j]!;
  });
  return out;
}

export function evalTile(op: TileOp, x: Tensor): Tensor {
  if (op.repeats.length !== x.dims.length) throw new Error(`tile repeats ${formatShape(op.repeats)} do not match ${describe(x)}`);
  if (op.repeats.some((r) => r < 0 || !Number.isInteger(r))) throw new Error(`tile repeats must be non-negative integers, got ${formatShape(op.repeats)}`);
  const strides = stridesOf(x.dims);
  const outDims = x.dims.map((d, i) => d * op.repeats[i]!);
  const tables = outDims.map((len, d) => {
    const t = new Int32Array(len);
    for (let i = 0; i < len; i++) t[i] = (i % x.dims[d]!) * strides[d]!;
    return t;
  });
  return remap(x, outDims, tables);
}

/** The pad value converted to the tensor's element type (f16 rounding, integer truncation…). */
function fillValue(dtype: DType, value: number): number | bigint {
  return (fromFloat64(dtype, [1], [value]).data as ElemArray)[0]!;
}

export function evalPad(op: PadOp, x: Tensor): Tensor {
  const rank = x.dims.length;
  if (op.pads.length !== 2 * rank) throw new Error(`pad needs ${2 * rank} pads for ${describe(x)}, got ${formatShape(op.pads)}`);
  const strides = stridesOf(x.dims);
  const outDims: number[] = [];
  const tables = x.dims.map((n, d) => {
    const begin = op.pads[d]!;
    const end = op.pads[rank + d]!;
    // Negative pads crop first; the padding then applies around the cropped range [lo, lo + len).
    const lo = Math.max(0, -begin);
    const len = n - lo - Math.max(0, -end);
    const outLen = n + begin + end;
    if (len < 0 || outLen < 0) throw new Error(`pads ${formatShape(op.pads)} crop more than axis ${d} of ${describe(x)} holds`);
    if (len === 0 && op.mode !== 'constant' && outLen > 0) {
      throw new Error(`${op.mode} padding of an empty axis ${d} (${describe(x)}) has nothing to copy`);
    }
    outDims.push(outLen);
    const shift = Math.max(0, begin);
    const period = 2 * (len - 1); // reflect repeats with this period (numpy 'reflect')
    const t = new Int32Array(outLen);
    for (let o = 0; o < outLen; o++) {
      let c = o - shift; // position within the cropped range
      if (c < 0 || c >= len) {
        if (op.mode === 'constant') {
          t[o] = -1;
          continue;
        }
        if (op.mode === 'edge' || len === 1) c = c < 0 ? 0 : len - 1;
        else {
          c = ((c % period) + period) % period;
          if (c >= len) c = period - c;
        }
      }
      t[o] = (lo + c) * strides[d]!;
    }
    return t;
  });
  return remap(x, outDims, tables, fillValue(x.dtype, op.value));
}
