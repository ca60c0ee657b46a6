/**
 * gridSample on the host (ONNX GridSample, any number r of spatial axes), following onnxruntime's
 * and the ONNX reference's algorithm step for step:
 *
 * 1. Denormalize each grid coordinate to a pixel position: alignCorners maps −1/1 to the centers of
 *    the edge pixels ((g+1)/2·(S−1)), otherwise to the outer edges (((g+1)·S − 1)/2).
 * 2. nearest rounds the position half to even.
 * 3. Taps around the position (1 nearest, 2 linear, 4 cubic per axis, weights multiplied across
 *    axes; cubic uses Keys' kernel with A = −0.75) read pixels with the padding rule: zeros reads
 *    0 outside the image, border clamps the tap index, reflection reflects it into [lo, hi] —
 *    [0, S−1] with alignCorners, else [−0.5, S−0.5] — and truncates.
 *
 * Padding applies per tap, as onnxruntime does. The ONNX 1.12 reference first also clamps or
 * reflects an out-of-range position; reflection and linear/nearest border give the same result
 * either way, and only cubic with border padding differs (onnxruntime is followed there).
 * Step 1 runs in float32 (Math.fround after every operation, in onnxruntime's order), so the
 * discrete decisions — rounding, floor — fall exactly where onnxruntime's and the GPU kernel's
 * do; the weighted sums run in float64 as elsewhere in the evaluator.
 */

import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { describe, float64Data, fromFloat64, requireFloat, sizeOf } from './tensor.js';

type GridSampleOp = Extract<Op, { kind: 'gridSample' }>;

const f = Math.fround;

/** Grid coordinate → pixel position along an axis of size `size` (float32 arithmetic). */
export function gridDenormalize(g: number, size: number, alignCorners: boolean): number {
  return alignCorners ? f(f(f(g + 1) / 2) * (size - 1)) : f(f(f(f(g + 1) * size) - 1) / 2);
}

/** Reflects x into [lo, hi] (float32 arithmetic, as onnxruntime's GsReflect). */
export function gridReflect(x: number, lo: number, hi: number): number {
  const range = f(hi - lo);
  if (range <= 0) return lo; // a 1-pixel axis with alignCorners: the only position there is
  if (x < lo) {
    const d = f(lo - x);
    const n = Math.trunc(f(d / range));
    const r = f(d - f(n * range));
    return n % 2 === 0 ? f(lo + r) : f(hi - r);
  }
  if (x > hi) {
    const d = f(x - hi);
    const n = Math.trunc(f(d / range));
    const r = f(d - f(n * range));
    return n % 2 === 0 ? f(hi - r) : f(lo + r);
  }
  return x;
}

/** Round half to even. */
function rint(x: number): number {
  const fl = Math.floor(x);
  const d = x - fl;
  if (d !== 0.5) return d < 0.5 ? fl : fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** Keys' cubic convolution weights of the 4 taps floor(x)-1 … floor(x)+2, t = x − floor(x). */
export function cubicWeights(t: number, a = -0.75): [number, number, number, number] {
  const far = (d: number) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; // 1 < d < 2
  const near = (d: number) => ((a + 2) * d - (a + 3)) * d * d + 1; // d ≤ 1
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** Taps of one axis: pixel indices (−1 = reads zero) and their weights. */
interface AxisTaps {
  index: number[];
  weight: number[];
}

function axisTaps(op: GridSampleOp, g: number, size: number): AxisTaps {
  const lo = op.alignCorners ? 0 : -0.5;
  const hi = op.alignCorners ? size - 1 : size - 0.5;
  let x = gridDenormalize(g, size, op.alignCorners);
  if (op.mode === 'nearest') x = rint(x);
  const pixel = (i: number): number => {
    switch (op.padding) {
      case 'zeros':
        return i >= 0 && i < size ? i : -1;
      case 'border':
        return Math.min(Math.max(i, 0), size - 1);
      case 'reflection':
        return Math.trunc(gridReflect(i, lo, hi));
      default: {
        const never: never = op.padding;
        throw new Error(`gridSample: unknown padding '${String(never)}'`);
      }
    }
  };
  const fl = Math.floor(x);
  switch (op.mode) {
    case 'nearest':
      return { index: [pixel(x)], weight: [1] };
    case 'linear':
      return { index: [pixel(fl), pixel(fl + 1)], weight: [fl + 1 - x, x - fl] };
    case 'cubic':
      return { index: [-1, 0, 1, 2].map((t) => pixel(fl + t)), weight: cubicWeights(x - fl) };
    default: {
      const never: never = op.mode;
      throw new Error(`gridSample: unknown mode '${String(never)}'`);
    }
  }
}

export function evalGridSample(op: GridSampleOp, x: Tensor, grid: Tensor): Tensor {
  requireFloat(x, 'gridSample x');
  requireFloat(grid, 'gridSample grid');
  const r = x.dims.length - 2;
  if (r < 1 || grid.dims.length !== r + 2 || grid.dims[r + 1] !== r || grid.dims[0] !== x.dims[0]) {
    throw new Error(`gridSample: grid ${describe(grid)} does not match x ${describe(x)}`);
  }
  const [batch, channels] = [x.dims[0]!, x.dims[1]!];
  const sizes = x.dims.slice(2);
  const points = sizeOf(grid.dims.slice(1, r + 1));
  const plane = sizeOf(sizes);
  const xs = float64Data(x);
  const gs = float64Data(grid);
  const out = new Float64Array(batch * channels * points);
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < points; p++) {
      const g = (n * points + p) * r;
      // grid[…, 0] runs along the last axis, so axis s reads component r − 1 − s.
      const taps = sizes.map((size, s) => axisTaps(op, gs[g + r - 1 - s]!, size));
      // Every combination of one tap per axis: its flat pixel offset (−1 = zero) and weight.
      let combos: { offset: number; weight: number }[] = [{ offset: 0, weight: 1 }];
      taps.forEach((t, s) => {
        const next: typeof combos = [];
        for (const c of combos) {
          t.index.forEach((i, j) => {
            const offset = c.offset < 0 || i < 0 ? -1 : c.offset * sizes[s]! + i;
            next.push({ offset, weight: c.weight * t.weight[j]! });
          });
        }
        combos = next;
      });
      for (let c = 0; c < channels; c++) {
        const base = (n * channels + c) * plane;
        let acc = 0;
        for (const k of combos) if (k.offset >= 0) acc += k.weight * xs[base + k.offset]!;
        out[(n * channels + c) * points + p] = acc;
      }
    }
  }
  return fromFloat64(x.dtype, [batch, channels, ...grid.dims.slice(1, r + 1)], out);
}
