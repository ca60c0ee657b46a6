/**
 * The one numpy-broadcast iterator of the CPU evaluator.
 *
 * Every op that reads inputs broadcast to an output shape (binary fns, where, expand, the
 * reductions' accumulator walk, matmul's C) goes through `forEachBroadcastRow`. It hands out rows:
 * runs of output elements that are contiguous in the output and advance each input by a fixed step
 * (0 for a broadcast axis). Adjacent axes that every input walks the same way are merged first, so
 * `[N, C, 1, 1] + [N, C, H, W]` becomes rows of H·W and a scalar operand costs one step of 0 —
 * the callers' inner loops then run over plain typed-array ranges with no per-element bookkeeping.
 */

import { formatShape } from '../shape.js';

/**
 * Called once per row: output elements [outOffset, outOffset + length), input k at
 * offsets[k] + i * steps[k]. `offsets` is reused between calls; read it, do not keep it.
 */
export type RowFn = (outOffset: number, length: number, offsets: readonly number[], steps: readonly number[]) => void;

/**
 * Walks `outDims` row by row with each input in `inDims` broadcast to it (numpy rules, inputs
 * right-aligned; an input dim must be 1 or equal to the output dim).
 */
export function forEachBroadcastRow(outDims: readonly number[], inDims: readonly (readonly number[])[], row: RowFn): void {
  const rank = outDims.length;
  const k = inDims.length;
  let total = 1;
  for (const d of outDims) total *= d;
  if (total === 0) return;

  // Per-input strides over the output axes (0 where the input broadcasts).
  const strides: number[][] = inDims.map((dims) => {
    if (dims.length > rank) throw new Error(`cannot broadcast ${formatShape(dims)} to ${formatShape(outDims)}`);
    const s = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = dims.length - 1; i >= 0; i--) {
      const axis = rank - dims.length + i;
      const d = dims[i]!;
      if (d !== 1 && d !== outDims[axis]) {
        throw new Error(`cannot broadcast ${formatShape(dims)} to ${formatShape(outDims)}`);
      }
      s[axis] = d === 1 ? 0 : acc;
      acc *= d;
    }
    return s;
  });

  // Merge adjacent axes (outer i, inner j) wherever every input steps over i exactly as a run of
  // j would: stride_i == stride_j * dim_j (also true for two broadcast axes, 0 == 0 * d).
  const dims: number[] = [];
  const st: number[][] = inDims.map(() => []);
  for (let axis = 0; axis < rank; axis++) {
    const d = outDims[axis]!;
    if (d === 1) continue; // a length-1 output axis adds nothing to any offset
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, m) => st[m]![last] === s[axis]! * d)) {
      dims[last] = dims[last]! * d;
      for (let m = 0; m < k; m++) st[m]![last] = strides[m]![axis]!;
    } else {
      dims.push(d);
      for (let m = 0; m < k; m++) st[m]!.push(strides[m]![axis]!);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    for (let m = 0; m < k; m++) st[m]!.push(0);
  }

  const inner = dims.length - 1;
  const rowLen = dims[inner]!;
  const steps = st.map((s) => s[inner]!);
  const offsets = new Array<number>(k).fill(0);
  const counter = new Array<number>(inner).fill(0);
  const rows = total / rowLen;
  for (let r = 0, out = 0; r < rows; r++, out += rowLen) {
    row(out, rowLen, offsets, steps);
    // Odometer over the outer axes, updating input offsets incrementally.
    for (let axis = inner - 1; axis >= 0; axis--) {
      if (++counter[axis]! < dims[axis]!) {
        for (let m = 0; m < k; m++) offsets[m] = offsets[m]! + st[m]![axis]!;
        break;
      }
      counter[axis] = 0;
      for (let m = 0; m < k; m++) offsets[m] = offsets[m]! - st[m]![axis]! * (dims[axis]! - 1);
    }
  }
}
