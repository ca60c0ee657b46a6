/**
 * The general convolution kernel: a register-blocked implicit GEMM. Each invocation computes
 * `channels` output channels × `pixels` output pixels (flattened over all spatial axes) of one
 * (image, group), accumulating Σ_c Σ_window W[m, c, window] · X[c, pixel·stride + window·dilation]
 * in registers. It reads the input already zero-padded (see conv.ts), so no load is bounds
 * checked: out-of-range channels and pixels are clamped once per invocation and not stored.
 *
 * The kernel window is unrolled (its offsets become constants) up to `unroll` positions; larger
 * windows loop over their leading axes and unroll the trailing ones. Works for any number of
 * spatial axes (1-d, 2-d, 3-d).
 *
 * Weights are read in ONNX layout: consecutive window positions of one channel are contiguous,
 * and the lanes of a SIMD group share the same channel block, so weight loads are broadcasts.
 */

import { stridesOf } from '../../ir/shape.js';
import type { ConvGeometry, ConvOutput } from './conv.js';
import { GRID_BUILTINS, gridFor, opaqueBound } from './grid.js';
import { dimMul, type Dim } from '../../ir/dim.js';

export interface DirectConvTiling {
  /** Output channels per invocation. */
  channels: number;
  /** Output pixels per invocation. */
  pixels: number;
  /** Workgroup shape: x spans pixel tiles, y spans channel tiles. */
  wgX: number;
  wgY: number;
  /** Most kernel-window positions unrolled into straight-line code (larger windows loop). */
  unroll: number;
}

const prod = (d: readonly number[]): number => d.reduce((x, y) => x * y, 1);

export function defaultDirectTiling(geo: ConvGeometry): DirectConvTiling {
  const Mg = geo.M / geo.group;
  const channels = Mg >= 4 ? 4 : Mg;
  const pixels = 4;
  const tilesM = Math.ceil(Mg / channels);
  let wgY = 8;
  while (wgY > 1 && wgY / 2 >= tilesM) wgY /= 2;
  // Unrolling only the innermost window axis keeps compile time on lavapipe near a second.
  return { channels, pixels, wgX: 64 / wgY, wgY, unroll: 4 };
}

const LANES = ['x', 'y', 'z', 'w'];

export function emitDirectConv(geo: ConvGeometry, out: ConvOutput, srcDims: number[], tiling: DirectConvTiling, maxDim: number): { wgsl: string; workgroups: [Dim, Dim, Dim] } {
  const { N, C, M, group: G, kernel, outDims, strides, dilations, hasBias } = geo;
  const { channels: TM, pixels: TN, wgX, wgY } = tiling;
  const Cg = C / G;
  const Mg = M / G;
  const P = prod(outDims);
  const S = prod(srcDims);
  const K = prod(kernel);
  const srcStrides = stridesOf(srcDims);
  const tilesP = Math.ceil(P / TN);
  const tilesM = Math.ceil(Mg / TM);
  const grid = gridFor([Math.ceil(tilesP / wgX), Math.ceil(tilesM / wgY), dimMul(N, G)], maxDim);

  // Split the window into looped leading axes and unrolled trailing axes.
  let split = kernel.length;
  while (split > 0 && prod(kernel.slice(split - 1)) <= tiling.unroll) split--;
  const looped = kernel.slice(0, split);
  const unrolled = kernel.slice(split);
  const kStrides = stridesOf(kernel);
  const xStep = (i: number) => dilations[i]! * srcStrides[i]!; // input offset per window step on axis i

  const lines: string[] = [];
  // Per-pixel window origins in the padded input.
  const outStrides = stridesOf(outDims);
  for (let j = 0; j < TN; j++) {
    lines.push(`let q${j} = min(p0 + ${j}u, ${P - 1}u);`);
    const terms: string[] = [];
    outDims.forEach((_, i) => {
      const coord = i === 0 ? `q${j} / ${outStrides[0]}u` : `(q${j} / ${outStrides[i]}u) % ${outDims[i]}u`;
      terms.push(`${coord} * ${strides[i]! * srcStrides[i]!}u`);
    });
    lines.push(`let px${j} = xBase + ${terms.join(' + ')};`);
  }
  for (let i = 0; i < TM; i++) lines.push(`let pw${i} = (g * ${Mg}u + min(m0 + ${i}u, ${Mg - 1}u)) * ${Cg * K}u;`);

  const vecAcc = TN % 4 === 0;
  const groups = vecAcc ? TN / 4 : TN;
  for (let i = 0; i < TM; i++) for (let q = 0; q < groups; q++) lines.push(`var acc${i}_${q} = ${vecAcc ? 'vec4<f32>' : 'f32'}(0.0);`);

  // Loop nest: channels, then the looped window axes; the body is the unrolled window.
  const inner: string[] = [];
  const open: string[] = [`for (var c = 0u; c < ${opaqueBound(Cg, 'wid.x')}; c++) {`, `  let xo = c * ${S}u;`, `  let wo = c * ${K}u;`];
  let xo = 'xo';
  let wo = 'wo';
  looped.forEach((k, i) => {
    const ind = '  '.repeat(i + 1);
    open.push(`${ind}for (var k${i} = 0u; k${i} < ${opaqueBound(k, 'wid.x')}; k${i}++) {`);
    open.push(`${ind}  let xo${i} = ${xo} + k${i} * ${xStep(i)}u;`);
    open.push(`${ind}  let wo${i} = ${wo} + k${i} * ${kStrides[i]}u;`);
    xo = `xo${i}`;
    wo = `wo${i}`;
  });
  const depth = looped.length + 1;
  const positions = prod(unrolled);
  const uStrides = stridesOf(unrolled);
  for (let t = 0; t < positions; t++) {
    let xOff = 0;
    let wOff = 0;
    unrolled.forEach((_, u) => {
      const idx = Math.floor(t / uStrides[u]!) % unrolled[u]!;
      xOff += idx * xStep(split + u);
      wOff += idx * kStrides[split + u]!;
    });
    for (let j = 0; j < TN; j++) inner.push(`let x${t}_${j} = x[px${j} + ${xo} + ${xOff}u];`);
    for (let i = 0; i < TM; i++) inner.push(`let w${t}_${i} = w[pw${i} + ${wo} + ${wOff}u];`);
    for (let i = 0; i < TM; i++) {
      for (let q = 0; q < groups; q++) {
        const xv = vecAcc ? `vec4<f32>(${[0, 1, 2, 3].map((l) => `x${t}_${4 * q + l}`).join(', ')})` : `x${t}_${q}`;
        const wv = vecAcc ? `vec4<f32>(w${t}_${i})` : `w${t}_${i}`;
        inner.push(`acc${i}_${q} = fma(${wv}, ${xv}, acc${i}_${q});`);
      }
    }
  }
  lines.push(...open, ...inner.map((s) => '  '.repeat(depth) + s));
  for (let i = depth - 1; i >= 0; i--) lines.push(`${'  '.repeat(i)}}`);

  for (let i = 0; i < TM; i++) {
    lines.push(`if (m0 + ${i}u < ${Mg}u) {`);
    lines.push(`  let ch = g * ${Mg}u + m0 + ${i}u;`);
    for (let j = 0; j < TN; j++) {
      const acc = vecAcc ? `acc${i}_${Math.floor(j / 4)}.${LANES[j % 4]}` : `acc${i}_${j}`;
      lines.push(`  if (p0 + ${j}u < ${P}u) { ${out.store('ch', `(n * ${M}u + ch) * ${P}u + p0 + ${j}u`, acc)} }`);
    }
    lines.push('}');
  }

  const wgsl = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
${hasBias ? '@group(0) @binding(2) var<storage, read> bias: array<f32>;\n' : ''}${out.declarations()}

@compute @workgroup_size(${wgX}, ${wgY})
fn main(${GRID_BUILTINS}) {
  ${grid.prologue}
  let tc = wg.x * ${wgX}u + lid.x;
  let tr = wg.y * ${wgY}u + lid.y;
  if (tc >= ${tilesP}u || tr >= ${tilesM}u) { return; }
  let n = wg.z / ${G}u;
  let g = wg.z % ${G}u;
  let xBase = (n * ${C}u + g * ${Cg}u) * ${S}u;
  let p0 = tc * ${TN}u;
  let m0 = tr * ${TM}u;
  ${lines.join('\n  ')}
}
`;
  return { wgsl, workgroups: grid.workgroups };
}
