/**
 * The main 1-d/2-d convolution kernel: register-blocked over `channels` output channels ×
 * `pixels` consecutive outputs of one output row, with the input read as aligned vec4 row
 * segments.
 *
 * Why row segments: on lavapipe a vec4 load costs about what one scalar gather does, so the
 * kernel reads, for each input channel and kernel row, the contiguous input span its `pixels`
 * outputs touch (e.g. 6 values for 4 outputs of a 3-wide stride-1 window: two vec4 loads) and
 * builds every window position from those registers by swizzling. That needs rows that start on a
 * 4-element boundary and are long enough for the last tile's span, so the kernel reads a copy of
 * the input zero-padded to such rows (conv.ts makes it; `rowWidth` says how wide) — or the input
 * itself when it already qualifies. Pixels past the row end compute on the zero tail and are not
 * stored.
 *
 * Weights: when they are constants (always, in exported models) conv.ts repacks them at compile
 * time with `packConv2dWeights` so that 4 consecutive output channels of one (input channel,
 * window position) sit together — [G, ⌈Mg/4⌉, C/g, kH, kW, 4] — and the kernel reads one vec4 per
 * 4 channels instead of 4 scalars (the lanes of a SIMD group share the channel block, so either
 * way these are broadcast loads). Weights given at run time are read in ONNX layout as scalars.
 */

import type { ConvGeometry, ConvOutput } from './conv.js';
import { GRID_BUILTINS, gridFor, opaqueBound } from './grid.js';
import { dimMul, type Dim } from '../../ir/dim.js';

export interface Conv2dTiling {
  /** Output channels per invocation. */
  channels: number;
  /** Consecutive outputs of a row per invocation (a multiple of 4). */
  pixels: number;
  /** Workgroup shape: x spans pixel tiles, y spans channel tiles. */
  wgX: number;
  wgY: number;
  /** Kernel windows with at most this many positions are fully unrolled; larger ones loop over rows. */
  unroll: number;
}

export function defaultConv2dTiling(geo: ConvGeometry): Conv2dTiling {
  // Measured on lavapipe over resnet18's convs: 8 channels × 8 pixels with the kernel rows looped
  // (not unrolled) ran 10–13 GFLOP/s against 5–8 for 4×4 or 4×8, and compiles in about half the
  // time of the fully unrolled window.
  const Mg = geo.M / geo.group;
  const channels = Math.min(8, Mg);
  const pixels = as2d(geo).outDims[1] > 4 ? 8 : 4;
  const tilesM = Math.ceil(Mg / channels);
  let wgY = 8;
  while (wgY > 1 && wgY / 2 >= tilesM) wgY /= 2;
  return { channels, pixels, wgX: 64 / wgY, wgY, unroll: 1 };
}

/** The geometry lifted to 2-d (a 1-d conv is a 2-d conv over one row). */
export function as2d(geo: ConvGeometry) {
  const lift = (a: number[], one: number): [number, number] => (a.length === 2 ? [a[0]!, a[1]!] : [one, a[0]!]);
  return {
    inDims: lift(geo.inDims, 1),
    kernel: lift(geo.kernel, 1),
    outDims: lift(geo.outDims, 1),
    strides: lift(geo.strides, 1),
    dilations: lift(geo.dilations, 1),
    padBegin: lift(geo.padBegin, 0),
    padEnd: lift(geo.padEnd, 0),
  };
}

/** Row width (a multiple of 4) the kernel needs for output rows tiled by `pixels`. */
export function rowWidth(geo: ConvGeometry, pixels: number): number {
  const g = as2d(geo);
  const tiles = Math.ceil(g.outDims[1] / pixels);
  const span = (tiles * pixels - 1) * g.strides[1] + (g.kernel[1] - 1) * g.dilations[1] + 1;
  const padded = g.inDims[1] + g.padBegin[1] + g.padEnd[1];
  return Math.ceil(Math.max(span, padded) / 4) * 4;
}

const LANES = ['x', 'y', 'z', 'w'];

/**
 * Emits the kernel reading `x` laid out as [N, C, rows, rowW] (rowW from `rowWidth`, pads
 * already applied).
 */
/**
 * ONNX conv weights (M, C/g, kH, kW) as [G, ⌈Mg/4⌉, C/g, kH, kW, 4]: element (m, c, k) of group g
 * at (((g·Mb + m/4)·Cg + c)·K + k)·4 + m%4, zeros filling the last block when 4 ∤ Mg.
 */
export function packConv2dWeights(data: ArrayLike<number>, M: number, G: number, Cg: number, K: number): Float32Array {
  const Mg = M / G;
  const Mb = Math.ceil(Mg / 4);
  const out = new Float32Array(G * Mb * Cg * K * 4);
  for (let g = 0; g < G; g++) {
    for (let m = 0; m < Mg; m++) {
      for (let c = 0; c < Cg; c++) {
        const src = ((g * Mg + m) * Cg + c) * K;
        const dst = (((g * Mb + (m >> 2)) * Cg + c) * K) * 4 + (m & 3);
        for (let k = 0; k < K; k++) out[dst + 4 * k] = data[src + k]!;
      }
    }
  }
  return out;
}

/**
 * The kernel's WGSL and dispatch. `packed` says the weights come from `packConv2dWeights` (needs
 * a channel block that is a multiple of 4).
 */
export function emitConv2d(
  geo: ConvGeometry,
  out: ConvOutput,
  rows: number,
  rowW: number,
  tiling: Conv2dTiling,
  maxDim: number,
  packed = false,
): { wgsl: string; workgroups: [Dim, Dim, Dim] } {
  const { N, C, M, group: G, hasBias } = geo;
  const g2 = as2d(geo);
  const [kH, kW] = g2.kernel;
  const [OH, OW] = g2.outDims;
  const [sh, sw] = g2.strides;
  const [dh, dw] = g2.dilations;
  const { channels: TM, pixels: TN, wgX, wgY } = tiling;
  if (TN % 4 !== 0) throw new Error(`conv tiling: pixels (${TN}) must be a multiple of 4`);
  if (packed && TM % 4 !== 0) throw new Error(`conv tiling: packed weights need channels (${TM}) to be a multiple of 4`);
  const Cg = C / G;
  const Mg = M / G;
  const W4 = rowW / 4;
  const tilesX = Math.ceil(OW / TN);
  const tilesP = OH * tilesX;
  const tilesM = Math.ceil(Mg / TM);
  const grid = gridFor([Math.ceil(tilesP / wgX), Math.ceil(tilesM / wgY), dimMul(N, G)], maxDim);
  const span = (TN - 1) * sw + (kW - 1) * dw + 1;
  const chunks = Math.ceil(span / 4);
  const groups = TN / 4;
  const K = kH * kW;

  // The value at offset o of the loaded row segment, and the vec4 of window position kw for
  // output group q (a plain register when it is one aligned chunk).
  const val = (o: number) => `v${o >> 2}.${LANES[o & 3]}`;
  const window = (kw: number, q: number): string => {
    const offs = [0, 1, 2, 3].map((l) => (4 * q + l) * sw + kw * dw);
    if (sw === 1 && offs[0]! % 4 === 0) return `v${offs[0]! >> 2}`;
    return `vec4<f32>(${offs.map(val).join(', ')})`;
  };
  const rowBody = (kh: string, khConst: number | undefined): string[] => {
    const out: string[] = [];
    const rowOff = khConst === undefined ? `${kh} * ${dh * W4}u` : `${khConst * dh * W4}u`;
    for (let c = 0; c < chunks; c++) out.push(`let v${c} = x[xc + ${rowOff} + ${c}u];`);
    const wRow = khConst === undefined ? `${kh} * ${kW}u` : `${khConst * kW}u`;
    for (let kw = 0; kw < kW; kw++) {
      if (packed) for (let b = 0; b < TM / 4; b++) out.push(`let w${b}_${kw} = w[pw${b} + wc + ${wRow} + ${kw}u];`);
      else for (let i = 0; i < TM; i++) out.push(`let w${i}_${kw} = w[pw${i} + wc + ${wRow} + ${kw}u];`);
      for (let i = 0; i < TM; i++) {
        const wi = packed ? `w${i >> 2}_${kw}.${LANES[i & 3]}` : `w${i}_${kw}`;
        for (let q = 0; q < groups; q++) out.push(`acc${i}_${q} = fma(vec4<f32>(${wi}), ${window(kw, q)}, acc${i}_${q});`);
      }
    }
    return out;
  };

  const lines: string[] = [];
  const Mb = Math.ceil(Mg / 4);
  if (packed) for (let b = 0; b < TM / 4; b++) lines.push(`let pw${b} = (g * ${Mb}u + min(m0 / 4u + ${b}u, ${Mb - 1}u)) * ${Cg * K}u;`);
  else for (let i = 0; i < TM; i++) lines.push(`let pw${i} = (g * ${Mg}u + min(m0 + ${i}u, ${Mg - 1}u)) * ${Cg * K}u;`);
  for (let i = 0; i < TM; i++) for (let q = 0; q < groups; q++) lines.push(`var acc${i}_${q} = vec4<f32>(0.0);`);
  lines.push(`for (var c = 0u; c < ${opaqueBound(Cg, 'wid.x')}; c++) {`);
  lines.push(`  let xc = xb + c * ${rows * W4}u;`);
  lines.push(`  let wc = c * ${K}u;`);
  if (K <= tiling.unroll) {
    for (let kh = 0; kh < kH; kh++) lines.push('  {', ...rowBody('', kh).map((s) => `    ${s}`), '  }');
  } else {
    lines.push(`  for (var kh = 0u; kh < ${opaqueBound(kH, 'wid.x')}; kh++) {`);
    lines.push(...rowBody('kh', undefined).map((s) => `    ${s}`));
    lines.push('  }');
  }
  lines.push('}');
  if (out.looped) {
    // A big store (a padded-copy border, a long epilogue) is emitted once, in a loop over the
    // block, rather than once per element: unrolled, it multiplied shader compile time.
    const accs = Array.from({ length: TM * groups }, (_, x) => `acc${Math.floor(x / groups)}_${x % groups}`);
    lines.push(`var res = array<vec4<f32>, ${TM * groups}>(${accs.join(', ')});`);
    lines.push(`for (var t = 0u; t < ${opaqueBound(TM * TN, 'wid.x')}; t++) {`);
    lines.push(`  let i = t / ${TN}u;`, `  let j = t % ${TN}u;`);
    lines.push(`  if (m0 + i < ${Mg}u && ox0 + j < ${OW}u) {`);
    lines.push(`    let ch = g * ${Mg}u + m0 + i;`);
    lines.push(`    let ob = ((n * ${M}u + ch) * ${OH}u + oy) * ${OW}u + ox0 + j;`);
    lines.push(`    ${out.store('ch', 'ob', `res[i * ${groups}u + j / 4u][j % 4u]`).split('\n').join('\n    ')}`);
    lines.push('  }', '}');
  } else {
    for (let i = 0; i < TM; i++) {
      lines.push(`if (m0 + ${i}u < ${Mg}u) {`);
      lines.push(`  let ch = g * ${Mg}u + m0 + ${i}u;`);
      lines.push(`  let ob = ((n * ${M}u + ch) * ${OH}u + oy) * ${OW}u + ox0;`);
      for (let j = 0; j < TN; j++) {
        const guard = OW % TN === 0 ? '' : `if (ox0 + ${j}u < ${OW}u) `;
        lines.push(`  ${guard}{ ${out.store('ch', `ob + ${j}u`, `acc${i}_${j >> 2}.${LANES[j & 3]}`)} }`);
      }
      lines.push('}');
    }
  }

  const wgsl = `@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<${packed ? 'vec4<f32>' : 'f32'}>;
${hasBias ? '@group(0) @binding(2) var<storage, read> bias: array<f32>;\n' : ''}${out.declarations()}

@compute @workgroup_size(${wgX}, ${wgY})
fn main(${GRID_BUILTINS}) {
  ${grid.prologue}
  let tp = wg.x * ${wgX}u + lid.x;
  let tm = wg.y * ${wgY}u + lid.y;
  if (tp >= ${tilesP}u || tm >= ${tilesM}u) { return; }
  let n = wg.z / ${G}u;
  let g = wg.z % ${G}u;
  let oy = tp / ${tilesX}u;
  let ox0 = (tp % ${tilesX}u) * ${TN}u;
  let m0 = tm * ${TM}u;
  // vec4 index of this tile's first input row segment
  let xb = ((n * ${C}u + g * ${Cg}u) * ${rows}u + oy * ${sh}u) * ${W4}u + (ox0 / 4u) * ${sw}u;
  ${lines.join('\n  ')}
}
`;
  return { wgsl, workgroups: grid.workgroups };
}
