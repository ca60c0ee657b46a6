/**
 * GridSample for any number r of spatial axes: one invocation per output element (n, c, point).
 *
 * Each invocation reads its point's r grid coordinates, turns each into a pixel position and a
 * list of taps along that axis (1 nearest, 2 linear, 4 cubic), each tap an index already passed
 * through the padding rule (−1 = reads zero) with its weight, and sums the product of the r weights
 * times the pixel over every combination of taps (nested loops, T^r terms). The arithmetic mirrors
 * the CPU reference (ir/eval/grid-sample.ts) operation for operation in f32, so rounding and floor
 * land on the same pixels.
 *
 * Positions are clamped to ±2^24 before conversion to i32: a point that far outside the image
 * reads padding under zeros and border either way; under reflection f32 can no longer place it
 * within a pixel, so the reflected tap is as arbitrary as the position's rounding already was.
 *
 * The batch, the channels and the grid's points may be symbolic (dims table, codegen/dims.ts);
 * the image's spatial sizes enter the f32 position arithmetic as constants, so they are static.
 */

import { dimProductOf } from '../../ir/dim.js';
import type { KernelGenerator } from '../kernel.js';
import { u32 } from '../dims.js';
import { f32Lit, numelOf, shapeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

/** onnxruntime's GsReflect in f32: folds x into [lo, hi] by mirroring at the bounds. */
const REFLECT = `fn gs_reflect(x: f32, lo: f32, hi: f32) -> f32 {
  let range = hi - lo;
  if (range <= 0.0) { return lo; }
  if (x < lo) {
    let d = lo - x;
    let n = trunc(d / range);
    let r = d - n * range;
    return select(hi - r, lo + r, (i32(n) & 1) == 0);
  }
  if (x > hi) {
    let d = x - hi;
    let n = trunc(d / range);
    let r = d - n * range;
    return select(lo + r, hi - r, (i32(n) & 1) == 0);
  }
  return x;
}`;

/** Keys' cubic kernel (A = −0.75) for 1 < |d| < 2 and |d| ≤ 1. */
const CUBIC = `fn gs_far(d: f32) -> f32 { return ((-0.75 * d + 3.75) * d - 6.0) * d + 3.0; }
fn gs_near(d: f32) -> f32 { return (1.25 * d - 2.25) * d * d + 1.0; }`;

export const generateGridSample: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'gridSample') return unsupported(node, 'not a gridSample');
  const [x, grid] = node.inputs;
  if (!x || !grid) return unsupported(node, 'needs inputs [x, grid]');
  const dtype = x.type.dtype;
  if ((dtype !== 'float32' && dtype !== 'float16') || (grid.type.dtype !== 'float32' && grid.type.dtype !== 'float16')) {
    unsupported(node, `gridSample needs float x and grid, got ${dtype} and ${grid.type.dtype}`);
  }
  const out = node.outputs[0]!;
  if (numelOf(out) === 0) return [];
  const dims = shapeOf(x);
  const sizes = dims.slice(2).map((d, s) => (typeof d === 'number' ? d : unsupported(node, `spatial axis ${s} of x is the symbol '${d}'; it must be static`)));
  const r = sizes.length;
  const channels = dims[1]!;
  const points = dimProductOf(shapeOf(grid).slice(1, r + 1));
  const plane = sizes.reduce((a, b) => a * b, 1);
  const taps = op.mode === 'nearest' ? 1 : op.mode === 'linear' ? 2 : 4;
  const first = op.mode === 'cubic' ? -1 : 0; // offset of tap 0 from floor(position)
  const h = new WgslHelpers();

  const lines = [
    `let p = idx % ${u32(points)};`,
    `let nc = idx / ${u32(points)};`,
    `let gbase = ((nc / ${u32(channels)}) * ${u32(points)} + p) * ${r}u;`,
    `let xbase = nc * ${plane}u;`,
  ];
  sizes.forEach((size, s) => {
    const S = f32Lit(size);
    const g = `in1[gbase + ${r - 1 - s}u]`;
    // Grid coordinate → pixel position, in the reference's operation order.
    const pos = op.alignCorners ? `((${g} + 1.0) / 2.0) * ${f32Lit(size - 1)}` : `((${g} + 1.0) * ${S} - 1.0) / 2.0`;
    lines.push(`var x${s} = ${pos};`);
    if (op.mode === 'nearest') lines.push(`x${s} = round(x${s});`);
    lines.push(`let f${s} = floor(x${s});`, `let b${s} = i32(clamp(f${s}, -16777216.0, 16777216.0));`);
    lines.push(`var i${s}: array<i32, ${taps}>;`, `var w${s}: array<f32, ${taps}>;`);
    for (let t = 0; t < taps; t++) {
      const tap = `b${s} + ${t + first}`;
      let index: string;
      switch (op.padding) {
        case 'zeros':
          index = `select(-1, ${tap}, ${tap} >= 0 && ${tap} < ${size})`;
          break;
        case 'border':
          index = `clamp(${tap}, 0, ${size - 1})`;
          break;
        case 'reflection': {
          const [lo, hi] = op.alignCorners ? [0, size - 1] : [-0.5, size - 0.5];
          index = `i32(gs_reflect(f32(${tap}), ${f32Lit(lo)}, ${f32Lit(hi)}))`;
          break;
        }
        default: {
          const never: never = op.padding;
          throw new Error(`gridSample: unknown padding '${String(never)}'`);
        }
      }
      lines.push(`i${s}[${t}] = ${index};`);
    }
    const t = `x${s} - f${s}`;
    const weights = { nearest: ['1.0'], linear: [`f${s} + 1.0 - x${s}`, t], cubic: [`gs_far(${t} + 1.0)`, `gs_near(${t})`, `gs_near(1.0 - (${t}))`, `gs_far(2.0 - (${t}))`] }[op.mode];
    weights.forEach((w, k) => lines.push(`w${s}[${k}] = ${w};`));
  });

  // Nested loops over one tap per axis; a tap index of −1 (zeros padding) contributes nothing.
  const strides = sizes.map((_, s) => sizes.slice(s + 1).reduce((a, b) => a * b, 1));
  lines.push('var acc = 0.0;');
  sizes.forEach((_, s) => lines.push(`${'  '.repeat(s)}for (var t${s} = 0u; t${s} < ${taps}u; t${s} = t${s} + 1u) {`));
  const pad = '  '.repeat(r);
  const valid = sizes.map((_, s) => `i${s}[t${s}] >= 0`).join(' && ');
  const offset = sizes.map((_, s) => `u32(i${s}[t${s}])${strides[s] === 1 ? '' : ` * ${strides[s]}u`}`).join(' + ');
  const weight = sizes.map((_, s) => `w${s}[t${s}]`).join(' * ');
  lines.push(`${pad}if (${valid}) { acc = acc + ${weight} * in0[xbase + ${offset}]; }`);
  for (let s = r - 1; s >= 0; s--) lines.push(`${'  '.repeat(s)}}`);
  lines.push(`out0[idx] = ${dtype === 'float16' ? `${h.use('f16round')}(acc)` : 'acc'};`);

  const prelude = [op.padding === 'reflection' ? REFLECT : '', op.mode === 'cubic' ? CUBIC : '', h.render()].filter((p) => p !== '').join('\n\n');
  return [flatKernel(node, ctx, { inputs: [x, grid], outputs: [out], total: numelOf(out), prelude, body: lines.join('\n') })];
};
