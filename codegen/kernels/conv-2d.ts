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
  /**
   * Share the weight loads across the subgroup (WGSL `subgroups`, see `conv2dSubgroupApplies`):
   * the first 8 lanes each load one of a kernel row's weight vec4s and every lane takes them with
   * `subgroupBroadcast`. Needs a device with the `subgroups` feature and subgroups of at least 8.
   */
  subgroupWeights?: boolean;
}

/** Lanes of a subgroup that load a kernel row's weights in the subgroup form (one vec4 each). */
export const SUBGROUP_WEIGHT_LANES = 8;

/**
 * Whether the subgroup-weights form applies: packed weights (a vec4 per 4 channels and window
 * position), a workgroup that is one row of invocations (so every lane of a subgroup works on the
 * same channel block and reads the same weights) whose width is a multiple of 8 (the first 8 lanes
 * of every subgroup exist, given a subgroup size of at least 8).
 *
 * Why: on lavapipe a storage load inside a loop costs as much as 50–100 multiply-adds whether or
 * not its address is the same for all lanes, and the weights are two thirds of this kernel's loads
 * (8 channels × 8 pixels, 3×3: 6 weight vec4s and 3 input vec4s per kernel row). Measured on
 * resnet18's 64-channel 56×56 conv: the kernel ran in about 0.6 of the time.
 */
export function conv2dSubgroupApplies(tiling: Conv2dTiling, packed: boolean): boolean {
  return !!tiling.subgroupWeights && packed && tiling.wgY === 1 && tiling.wgX % SUBGROUP_WEIGHT_LANES === 0;
}

/**
 * The heuristic tiling; with `subgroups` (a device offering WGSL subgroups of at least 8 lanes) the
 * subgroup-weights form. Measured on lavapipe (process CPU time per run, resnet18's 3×3 convs):
 * 64 channels at 56×56, 22 ms against 39 for the plain 8×8 form; 256 at 14×14, 32 ms with 16
 * channels per invocation against 53. Weights shared across the subgroup make wider channel
 * blocks cheap; a row of invocations (wgY 1) keeps a subgroup on one channel block, and small
 * grids take 8-wide workgroups so lanes are not left idle.
 */
export function defaultConv2dTiling(geo: ConvGeometry, subgroups = false): Conv2dTiling {
  if (subgroups) {
    const Mg = geo.M / geo.group;
    const g2 = as2d(geo);
    const pixels = g2.outDims[1] > 4 ? 8 : 4;
    const channels = Mg >= 128 ? 16 : Mg > 4 ? 8 : 4;
    const tilesP = g2.outDims[0] * Math.ceil(g2.outDims[1] / pixels);
    return { channels, pixels, wgX: tilesP <= 8 ? 8 : 16, wgY: 1, unroll: 1, subgroupWeights: true };
  }
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
  const shared = conv2dSubgroupApplies(tiling, packed);
  const Mb = Math.ceil(Mg / 4);
  const TB = TM / 4; // channel blocks (vec4s) per window position, packed
  // Subgroup form: the kernel row's TB·kW weight vec4s, SUBGROUP_WEIGHT_LANES per load.
  const rowVecs = TB * kW;
  const loadsPerRow = Math.ceil(rowVecs / SUBGROUP_WEIGHT_LANES);

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
    if (shared) {
      // Vec4 v = kw·TB + b of the row comes from lane v % 8 of load ⌊v / 8⌋ (ws<j>; pws<j> below).
      for (let j = 0; j < loadsPerRow; j++) out.push(`let ws${j} = w[pws${j} + wc + ${wRow}];`);
      for (let v = 0; v < rowVecs; v++) {
        const lane = v % SUBGROUP_WEIGHT_LANES;
        out.push(`let w${v % TB}_${Math.floor(v / TB)} = subgroupBroadcast(ws${Math.floor(v / SUBGROUP_WEIGHT_LANES)}, ${lane}u);`);
      }
    }
    for (let kw = 0; kw < kW; kw++) {
      if (shared) {
        // Broadcast above, from the subgroup's loads.
      } else if (packed) for (let b = 0; b < TB; b++) out.push(`let w${b}_${kw} = w[pw${b} + wc + ${wRow} + ${kw}u];`);
      else for (let i = 0; i < TM; i++) out.push(`let w${i}_${kw} = w[pw${i} + wc + ${wRow} + ${kw}u];`);
      for (let i = 0; i < TM; i++) {
        const wi = packed ? `w${i >> 2}_${kw}.${LANES[i & 3]}` : `w${i}_${kw}`;
        for (let q = 0; q < groups; q++) out.push(`acc${i}_${q} = fma(vec4<f32>(${wi}), ${window(kw, q)}, acc${i}_${q});`);
      }
    }
    return out;
  };

  const lines: string[] = [];
  if (shared) {
    // Lane s of load j reads vec4 v = 8j + s % 8 of every kernel row (clamped to the row's last):
    // window position v / TB of channel block v % TB, both fixed per lane, so folded in here.
    for (let j = 0; j < loadsPerRow; j++) {
      lines.push(`let sv${j} = min(${SUBGROUP_WEIGHT_LANES * j}u + sgLane % ${SUBGROUP_WEIGHT_LANES}u, ${rowVecs - 1}u);`);
      lines.push(`let pws${j} = (g * ${Mb}u + min(m0 / 4u + sv${j} % ${TB}u, ${Mb - 1}u)) * ${Cg * K}u + sv${j} / ${TB}u;`);
    }
  } else if (packed) for (let b = 0; b < TB; b++) lines.push(`let pw${b} = (g * ${Mb}u + min(m0 / 4u + ${b}u, ${Mb - 1}u)) * ${Cg * K}u;`);
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
  const storeStart = lines.length;
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

  // The subgroup form keeps every lane running to the end (a broadcast reads its source lane, which
  // must not have returned): out-of-range tiles compute a clamped tile and skip only the stores.
  if (shared) lines.push('}');
  if (shared) lines.splice(storeStart, 0, 'if (live) {');
  const entry = shared
    ? [`let live = tpRaw < ${tilesP}u && tmRaw < ${tilesM}u;`, `let tp = min(tpRaw, ${tilesP - 1}u);`, `let tm = min(tmRaw, ${tilesM - 1}u);`]
    : [`if (tpRaw >= ${tilesP}u || tmRaw >= ${tilesM}u) { return; }`, 'let tp = tpRaw;', 'let tm = tmRaw;'];

  const wgsl = `${shared ? 'enable subgroups;\n' : ''}@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<${packed ? 'vec4<f32>' : 'f32'}>;
${hasBias ? '@group(0) @binding(2) var<storage, read> bias: array<f32>;\n' : ''}${out.declarations()}

@compute @workgroup_size(${wgX}, ${wgY})
fn main(${GRID_BUILTINS}${shared ? ', @builtin(subgroup_invocation_id) sgLane: u32' : ''}) {
  ${grid.prologue}
  let tpRaw = wg.x * ${wgX}u + lid.x;
  let tmRaw = ${wgY === 1 ? 'wg.y' : `wg.y * ${wgY}u + lid.y`};
  ${entry.join('\n  ')}
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
