/**
 * Kernel generator for the IR `convTranspose` op (ONNX ConvTranspose): N-d transposed
 * convolution with groups, strides, dilations, final pads, output padding and optional bias.
 * Weights in ONNX layout (C, M/group, k…).
 *
 * Gather formulation, no atomics: each invocation owns `channels` output channels of one output
 * pixel and sums over the input pixels that map onto it. Input pixel i reaches output
 * o = i·stride − padBegin + k·dilation, so for each kernel tap k the candidate is
 * i = (o + padBegin − k·dilation) / stride, which counts only when the division is exact and i is
 * inside the input; taps are checked axis by axis in the loop nest, so an invalid outer tap skips
 * its whole inner loop. The input value is loaded once per (tap, input channel) and reused for
 * every output channel of the invocation.
 *
 * None of the target CNNs use ConvTranspose (it appears in decoders and GANs), so this favours
 * simplicity over the register blocking of the forward conv.
 *
 * The batch N may be symbolic (codegen/dims.ts): it only sets the flat invocation count; the
 * index math divides by static channel and spatial sizes.
 */

import type { CodegenContext, Kernel } from '../kernel.js';
import type { Node } from '../../ir/graph.js';
import { convTransposeOutputSize } from '../../ir/infer.js';
import { stridesOf } from '../../ir/shape.js';
import { dimsOf, dispatch1d, flatMain, shapeOf, WG } from '../wgsl.js';
import { opaqueBound, requireFloat, splitStatic } from './grid.js';
import { dimMul } from '../../ir/dim.js';

const prod = (d: readonly number[]): number => d.reduce((x, y) => x * y, 1);

export interface ConvTransposeTiling {
  /** Output channels per invocation. */
  channels: number;
}

export const generateConvTranspose = (node: Node, ctx: CodegenContext): Kernel[] => convTransposeKernels(node, ctx);

export function convTransposeKernels(node: Node, ctx: CodegenContext, tiling?: ConvTransposeTiling): Kernel[] {
  const op = node.op;
  if (op.kind !== 'convTranspose') throw new Error(`generateConvTranspose: node '${node.name}' is ${op.kind}, not convTranspose`);
  const what = `convTranspose '${node.name}'`;
  const [x, w, b] = node.inputs;
  const y = node.outputs[0];
  if (!x || !w || !y || node.inputs.length > 3) throw new Error(`${what} needs inputs [x, w, bias?] and one output`);
  requireFloat('convTranspose', node.name, [...node.inputs, y].map((v) => v.type.dtype));
  const xs = splitStatic(x, 1, what);
  const xd = [...xs.lead, ...xs.tail];
  const wd = dimsOf(w);
  const nd = xd.length - 2;
  if (nd < 1 || wd.length !== xd.length) throw new Error(`${what}: x [${xd}] and w [${wd}] must have the same rank >= 3`);
  const N = xs.lead[0]!;
  const C = xs.tail[0]!;
  const G = op.group;
  if (wd[0] !== C || C % G !== 0) throw new Error(`${what}: w has ${wd[0]} input channels, x has ${C}; group ${G} must divide it`);
  const Cg = C / G;
  const Mg = wd[1]!;
  const M = Mg * G;
  if (b && (b.rank !== 1 || dimsOf(b)[0] !== M)) throw new Error(`${what}: bias must be [${M}], got [${dimsOf(b)}]`);
  const { strides, dilations, pads, outputPadding } = op;
  if (strides.length !== nd || dilations.length !== nd || pads.length !== 2 * nd || outputPadding.length !== nd) {
    throw new Error(`${what}: strides/dilations/outputPadding need ${nd} entries and pads ${2 * nd}`);
  }
  const inSp = xs.tail.slice(1);
  const kernel = wd.slice(2);
  const outSp = inSp.map((n, i) => convTransposeOutputSize(n, kernel[i]!, strides[i]!, pads[i]!, pads[nd + i]!, dilations[i]!, outputPadding[i]!));
  const expected = [N, M, ...outSp];
  if (shapeOf(y).join(',') !== expected.join(',')) throw new Error(`${what}: output is [${shapeOf(y)}], expected [${expected}]`);
  if (dimMul(...expected) === 0) return [];

  const TM = Math.max(1, Math.min(tiling?.channels ?? 4, Mg));
  const tilesM = Math.ceil(Mg / TM);
  const P = prod(outSp);
  const S = prod(inSp);
  const K = prod(kernel);
  const total = dimMul(N, G * tilesM * P);
  const outStrides = stridesOf(outSp);
  const inStrides = stridesOf(inSp);
  const kStrides = stridesOf(kernel);

  const lines: string[] = [];
  lines.push(`let pix = idx % ${P}u;`);
  lines.push(`let rest = idx / ${P}u;`);
  lines.push(`let m0 = rest % ${tilesM}u * ${TM}u;`);
  lines.push(`let ng = rest / ${tilesM}u;`);
  lines.push(`let n = ng / ${G}u;`);
  lines.push(`let g = ng % ${G}u;`);
  lines.push(`let xb = (n * ${C}u + g * ${Cg}u) * ${S}u;`);
  for (let i = 0; i < TM; i++) lines.push(`let wb${i} = (g * ${Cg * Mg}u + min(m0 + ${i}u, ${Mg - 1}u)) * ${K}u;`);
  for (let i = 0; i < TM; i++) lines.push(`var acc${i} = 0.0;`);
  let xo = 'xb';
  let ko = '0u';
  for (let a = 0; a < nd; a++) {
    const ind = '  '.repeat(a);
    const coord = a === 0 ? `pix / ${outStrides[0]}u` : `pix / ${outStrides[a]}u % ${outSp[a]}u`;
    lines.push(`${ind}let o${a} = i32(${coord}) + ${pads[a]}i;`);
    lines.push(`${ind}for (var k${a} = 0i; k${a} < ${opaqueBound(kernel[a]!, 'gid.x', 'i32')}; k${a}++) {`);
    lines.push(`${ind}  let t${a} = o${a} - k${a} * ${dilations[a]}i;`);
    // Short-circuit: t % stride is only taken for t >= 0.
    lines.push(`${ind}  if (t${a} < 0i || t${a} % ${strides[a]}i != 0i || t${a} / ${strides[a]}i >= ${inSp[a]}i) { continue; }`);
    lines.push(`${ind}  let x${a} = ${xo} + u32(t${a} / ${strides[a]}i) * ${inStrides[a]}u;`);
    lines.push(`${ind}  let w${a} = ${ko} + u32(k${a}) * ${kStrides[a]}u;`);
    xo = `x${a}`;
    ko = `w${a}`;
  }
  const ind = '  '.repeat(nd);
  lines.push(`${ind}for (var c = 0u; c < ${opaqueBound(Cg, 'gid.x')}; c++) {`);
  lines.push(`${ind}  let xv = x[${xo} + c * ${S}u];`);
  lines.push(`${ind}  let wc = ${ko} + c * ${Mg * K}u;`);
  for (let i = 0; i < TM; i++) lines.push(`${ind}  acc${i} = fma(xv, w[wb${i} + wc], acc${i});`);
  lines.push(`${ind}}`);
  for (let a = nd - 1; a >= 0; a--) lines.push(`${'  '.repeat(a)}}`);
  // The one store: bias, then (later) a fused epilogue.
  for (let i = 0; i < TM; i++) {
    const guard = Mg % TM === 0 ? '' : `if (m0 + ${i}u < ${Mg}u) `;
    lines.push(`${guard}{ let ch = g * ${Mg}u + m0 + ${i}u; let v = acc${i}${b ? ' + bias[ch]' : ''}; y[(n * ${M}u + ch) * ${P}u + pix] = v; }`);
  }

  const maxDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const wgsl = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
${b ? '@group(0) @binding(2) var<storage, read> bias: array<f32>;\n' : ''}@group(0) @binding(${b ? 3 : 2}) var<storage, read_write> y: array<f32>;

${flatMain(total, WG, maxDim)}
  ${lines.join('\n  ')}
}
`;
  return [{ name: node.name, wgsl, inputs: [...node.inputs], outputs: [y], workgroups: dispatch1d(total, WG, maxDim) }];
}
