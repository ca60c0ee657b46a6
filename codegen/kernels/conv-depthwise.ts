/**
 * Depthwise convolution (one input channel per group, any channel multiplier), 1-d or 2-d: each
 * invocation computes `pixels` consecutive outputs along a row of one output channel. The input
 * values a kernel row touches for those outputs overlap heavily (stride 1, 3-wide kernel,
 * 4 outputs: 6 distinct inputs instead of 12), so each is loaded once and reused; the channel's
 * kernel weights are loaded once into registers.
 *
 * Depthwise layers do ~9 multiply-adds per input value, so they are bound by memory traffic:
 * unlike the dense kernels, this one reads the unpadded input with bounds checks (a clamped
 * address and a select per loaded value) rather than paying a separate pass to pad it — measured
 * on lavapipe, the padding pass alone took twice as long as the convolution.
 */

import type { ConvGeometry, ConvOutput } from './conv.js';
import { as2d } from './conv-2d.js';
import { dispatch1d, flatMain } from '../wgsl.js';
import { dimMul, type Dim } from '../../ir/dim.js';

export interface DepthwiseTiling {
  /** Consecutive outputs along a row per invocation. */
  pixels: number;
  /** Invocations per workgroup. */
  wgSize: number;
}

export function defaultDepthwiseTiling(geo: ConvGeometry): DepthwiseTiling {
  return { pixels: as2d(geo).outDims[1] > 4 ? 8 : 4, wgSize: 64 };
}

export function emitDepthwiseConv(geo: ConvGeometry, out: ConvOutput, tiling: DepthwiseTiling, maxDim: number): { wgsl: string; workgroups: [Dim, Dim, Dim] } {
  const { N, C, M, hasBias } = geo;
  const g = as2d(geo);
  const [H, W] = g.inDims;
  const [kH, kW] = g.kernel;
  const [OH, OW] = g.outDims;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const [pt, pl] = g.padBegin;
  const mult = M / C; // output channels per input channel
  const TN = Math.max(1, Math.min(tiling.pixels, OW));
  const tilesX = Math.ceil(OW / TN);
  // A symbolic batch only scales the flat count: every index below divides by static sizes.
  const total = dimMul(N, M * OH * tilesX);

  const lines: string[] = [];
  lines.push(`let tx = idx % ${tilesX}u;`);
  lines.push(`let rest = idx / ${tilesX}u;`);
  lines.push(`let oy = rest % ${OH}u;`);
  lines.push(`let nm = rest / ${OH}u;`); // n * M + m
  lines.push(`let m = nm % ${M}u;`);
  lines.push(`let plane = (nm / ${M}u * ${C}u + m / ${mult}u) * ${H * W}u;`);
  lines.push(`let ox0 = tx * ${TN}u;`);
  // Input coordinates may be "negative": u32 wrap-around makes one compare catch both sides.
  lines.push(`let c0 = ox0 * ${sw}u - ${pl}u;`);
  lines.push(`let wb = m * ${kH * kW}u;`);
  for (let t = 0; t < kH * kW; t++) lines.push(`let w${t} = w[wb + ${t}u];`);
  for (let j = 0; j < TN; j++) lines.push(`var acc${j} = 0.0;`);
  // Distinct input offsets within a kernel row for TN outputs.
  const offsets = new Set<number>();
  for (let j = 0; j < TN; j++) for (let kw = 0; kw < kW; kw++) offsets.add(j * sw + kw * dw);
  const sorted = [...offsets].sort((a, b) => a - b);
  for (const o of sorted) {
    lines.push(`let col${o} = c0 + ${o}u;`);
    lines.push(`let cok${o} = col${o} < ${W}u;`);
    lines.push(`let cc${o} = min(col${o}, ${W - 1}u);`);
  }
  for (let kh = 0; kh < kH; kh++) {
    lines.push('{');
    lines.push(`  let r = oy * ${sh}u + ${kh * dh}u - ${pt}u;`);
    lines.push(`  let rok = r < ${H}u;`);
    lines.push(`  let rb = plane + min(r, ${H - 1}u) * ${W}u;`);
    for (const o of sorted) lines.push(`  let x${o} = select(0.0, x[rb + cc${o}], rok && cok${o});`);
    for (let j = 0; j < TN; j++) {
      for (let kw = 0; kw < kW; kw++) lines.push(`  acc${j} = fma(w${kh * kW + kw}, x${j * sw + kw * dw}, acc${j});`);
    }
    lines.push('}');
  }
  lines.push(`let ob = (nm * ${OH}u + oy) * ${OW}u + ox0;`);
  for (let j = 0; j < TN; j++) {
    const guard = OW % TN === 0 ? '' : `if (ox0 + ${j}u < ${OW}u) `;
    lines.push(`${guard}{ ${out.store('m', `ob + ${j}u`, `acc${j}`)} }`);
  }

  const wgsl = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
${hasBias ? '@group(0) @binding(2) var<storage, read> bias: array<f32>;\n' : ''}${out.declarations()}

${flatMain(total, tiling.wgSize, maxDim)}
  ${lines.join('\n  ')}
}
`;
  return { wgsl, workgroups: dispatch1d(total, tiling.wgSize, maxDim) };
}
