/**
 * Depthwise convolution (one input channel per group, any channel multiplier), 1-d or 2-d: each
 * invocation computes `pixels` consecutive outputs along a row of one output channel. The input
 * values a row of the kernel touches for those outputs overlap heavily (stride 1, 3-wide kernel,
 * 4 outputs: 6 distinct inputs instead of 12), so each is loaded once and reused; the channel's
 * kernel weights are loaded once into registers.
 *
 * Reads the zero-padded input (see conv.ts), so loads are unchecked. The last tile of a row is
 * shifted left to end at the row's end instead of running past it (it recomputes a few outputs
 * of its neighbour, with identical values), so every load and store stays in range.
 */

import type { ConvGeometry } from './conv.js';
import { dispatch1d, flatMain } from '../wgsl.js';

export interface DepthwiseTiling {
  /** Consecutive outputs along a row per invocation. */
  pixels: number;
  /** Invocations per workgroup. */
  wgSize: number;
}

export function defaultDepthwiseTiling(geo: ConvGeometry): DepthwiseTiling {
  void geo;
  return { pixels: 4, wgSize: 64 };
}

export function emitDepthwiseConv(geo: ConvGeometry, srcDims: number[], tiling: DepthwiseTiling, maxDim: number): { wgsl: string; workgroups: [number, number, number] } {
  const { N, C, M, hasBias } = geo;
  // 1-d is 2-d with one row.
  const two = geo.inDims.length === 2;
  const lift = (a: number[], one: number) => (two ? a : [one, ...a]);
  const [Hp, Wp] = lift(srcDims, 1) as [number, number];
  const [kH, kW] = lift(geo.kernel, 1) as [number, number];
  const [OH, OW] = lift(geo.outDims, 1) as [number, number];
  const [sh, sw] = lift(geo.strides, 1) as [number, number];
  const [dh, dw] = lift(geo.dilations, 1) as [number, number];
  const mult = M / C; // output channels per input channel
  const TN = Math.max(1, Math.min(tiling.pixels, OW));
  const tilesX = Math.ceil(OW / TN);
  const total = N * M * OH * tilesX;

  const lines: string[] = [];
  lines.push(`let tx = idx % ${tilesX}u;`);
  lines.push(`let rest = idx / ${tilesX}u;`);
  lines.push(`let oy = rest % ${OH}u;`);
  lines.push(`let nm = rest / ${OH}u;`); // n * M + m
  lines.push(`let m = nm % ${M}u;`);
  lines.push(`let n = nm / ${M}u;`);
  lines.push(`let ox0 = min(tx * ${TN}u, ${OW - TN}u);`);
  lines.push(`let xrow = ((n * ${C}u + m / ${mult}u) * ${Hp}u + oy * ${sh}u) * ${Wp}u + ox0 * ${sw}u;`);
  lines.push(`let wb = m * ${kH * kW}u;`);
  for (let t = 0; t < kH * kW; t++) lines.push(`let w${t} = w[wb + ${t}u];`);
  for (let j = 0; j < TN; j++) lines.push(`var acc${j} = 0.0;`);
  // Distinct input offsets within a kernel row for TN outputs.
  const offsets = new Set<number>();
  for (let j = 0; j < TN; j++) for (let kw = 0; kw < kW; kw++) offsets.add(j * sw + kw * dw);
  const sorted = [...offsets].sort((a, b) => a - b);
  for (let kh = 0; kh < kH; kh++) {
    const rowOff = kh * dh * Wp;
    for (const o of sorted) lines.push(`let x${kh}_${o} = x[xrow + ${rowOff + o}u];`);
    for (let j = 0; j < TN; j++) {
      for (let kw = 0; kw < kW; kw++) lines.push(`acc${j} = fma(w${kh * kW + kw}, x${kh}_${j * sw + kw * dw}, acc${j});`);
    }
  }
  // The one store: bias, then (later) a fused epilogue.
  lines.push(`let ob = (nm * ${OH}u + oy) * ${OW}u + ox0;`);
  // A shifted last tile skips the outputs its neighbour already writes (no racing stores).
  lines.push(`let first = tx * ${TN}u - ox0;`);
  for (let j = 0; j < TN; j++) {
    const guard = OW % TN === 0 ? '' : `if (${j}u >= first) `;
    lines.push(`${guard}{ let v = acc${j}${hasBias ? ' + bias[m]' : ''}; y[ob + ${j}u] = v; }`);
  }

  const wgsl = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
${hasBias ? '@group(0) @binding(2) var<storage, read> bias: array<f32>;\n' : ''}@group(0) @binding(${hasBias ? 3 : 2}) var<storage, read_write> y: array<f32>;

${flatMain(total, tiling.wgSize, maxDim)}
  ${lines.join('\n  ')}
}
`;
  return { wgsl, workgroups: dispatch1d(total, tiling.wgSize, maxDim) };
}
