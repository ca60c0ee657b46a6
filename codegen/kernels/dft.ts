/**
 * DFT as a direct sum: one invocation per output bin (outer, k, inner) accumulates
 * Σ_j x[j]·e^{∓2πi·jk/L} over the signal's samples and writes the bin's real and imaginary parts.
 * O(L²) per line — fine for the sizes models and tests use, and with no scratch, no barriers and
 * one pass, simple on every device.
 *
 * Accuracy: the twiddle angle is kept exact in integers — m = j·k mod L, advanced by k per
 * sample — and reduced to a quadrant q and a remainder: 2π·m/L = q·π/2 + φ with φ = (π/2)·r/L in
 * [0, π/2), r = 4m − qL. cos and sin only ever see φ, and the quadrant turns are exact sign and
 * swap steps, so multiples of a quarter turn give exactly 0 and ±1 (a real signal's bins that are
 * real come out with an imaginary part of exactly 0, as the backend data expects). No overflow
 * for L < 2^30.
 *
 * The outer and inner axes and the signal's length may be symbolic (dims table, codegen/dims.ts);
 * the DFT length is an attribute, so the bins and the twiddles stay static.
 */

import { dimMin, dimMul, dimProductOf } from '../../ir/dim.js';
import type { KernelGenerator } from '../kernel.js';
import { u32 } from '../dims.js';
import { f32Lit, numelOf, shapeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

export const generateDft: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'dft') return unsupported(node, 'not a dft');
  const x = node.inputs[0]!;
  const dtype = x.type.dtype;
  if (dtype !== 'float32' && dtype !== 'float16') unsupported(node, `dft needs float data, got ${dtype}`);
  if (op.inverse && op.onesided) unsupported(node, 'inverse with onesided (an inverse real FFT) is not supported');
  const out = node.outputs[0]!;
  if (numelOf(out) === 0) return [];
  const dims = shapeOf(x);
  const c = dims[dims.length - 1]!;
  if (c !== 1 && c !== 2) return unsupported(node, `the last axis holds ${c} components; it must be 1 (real) or 2 (complex)`);
  const n = dims[op.axis]!;
  const inner = dimProductOf(dims.slice(op.axis + 1, -1));
  const L = op.length;
  const outDims = shapeOf(out);
  const bins = outDims[op.axis]!;
  const used = dimMin(n, L); // samples past L are cut; missing ones are zeros and add nothing
  const h = new WgslHelpers();
  // e^{isθ}: s = −1 forward, +1 inverse (which also scales by 1/L).
  const s = op.inverse ? 1 : -1;
  const round = (e: string) => (dtype === 'float16' ? `${h.use('f16round')}(${e})` : e);
  const scale = op.inverse ? ` * ${f32Lit(1 / L)}` : '';
  const body = [
    `let i = idx % ${u32(inner)};`,
    `let k = (idx / ${u32(inner)}) % ${u32(bins)};`,
    `let o = idx / ${u32(dimMul(inner, bins))};`,
    `let first = (o * ${u32(dimMul(n, inner))} + i) * ${c}u;`,
    'var re = 0.0;',
    'var im = 0.0;',
    'var m = 0u;',
    `for (var j = 0u; j < ${u32(used)}; j = j + 1u) {`,
    `  let at = first + j * ${u32(dimMul(inner, c))};`,
    '  let xr = in0[at];',
    `  let xi = ${c === 2 ? 'in0[at + 1u]' : '0.0'};`,
    `  let q = (4u * m) / ${L}u;`,
    `  let phi = ${f32Lit(Math.PI / 2 / L)} * f32(4u * m - q * ${L}u);`,
    '  let c0 = cos(phi);',
    '  let s0 = sin(phi);',
    // e^{i(qπ/2 + φ)}: quadrants 0..3 turn (cos φ, sin φ) by multiples of 90°.
    '  let cs = select(select(select(s0, -c0, q == 2u), -s0, q == 1u), c0, q == 0u);',
    `  let sn = ${s > 0 ? '' : '-'}select(select(select(-c0, -s0, q == 2u), c0, q == 1u), s0, q == 0u);`,
    '  re = re + xr * cs - xi * sn;',
    '  im = im + xr * sn + xi * cs;',
    `  m = (m + k) % ${L}u;`,
    '}',
    `out0[idx * 2u] = ${round(`re${scale}`)};`,
    `out0[idx * 2u + 1u] = ${round(`im${scale}`)};`,
  ].join('\n');
  // One invocation per complex bin: the output's last axis is its (re, im) pair.
  return [flatKernel(node, ctx, { inputs: [x], outputs: [out], total: dimProductOf(outDims.slice(0, -1)), prelude: h.render(), body })];
};
