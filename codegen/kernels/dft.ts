/**
 * DFT as a direct sum: one invocation per output bin (outer, k, inner) accumulates
 * Σ_j x[j]·e^{∓2πi·jk/L} over the signal's samples and writes the bin's real and imaginary parts.
 * O(L²) per line — fine for the sizes models and tests use, and with no scratch, no barriers and
 * one pass, simple on every device.
 *
 * Accuracy: the twiddle angle is kept exact in integers — m = j·k mod L, advanced by k per
 * sample (no overflow for L < 2^31) — and folded to (−L/2, L/2] before its one rounding into
 * f32 (a multiply by 2π/L), so cos and sin always see |θ| ≤ π, not arguments that grow with j·k.
 */

import type { KernelGenerator } from '../kernel.js';
import { dimsOf, f32Lit, sizeOf } from '../wgsl.js';
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
  if (sizeOf(out) === 0) return [];
  const dims = dimsOf(x);
  const c = dims[dims.length - 1]!;
  const n = dims[op.axis]!;
  const inner = dims.slice(op.axis + 1, -1).reduce((a, b) => a * b, 1);
  const L = op.length;
  const bins = dimsOf(out)[op.axis]!;
  const used = Math.min(n, L); // samples past L are cut; missing ones are zeros and add nothing
  const h = new WgslHelpers();
  // e^{isθ}: s = −1 forward, +1 inverse (which also scales by 1/L).
  const s = op.inverse ? 1 : -1;
  const round = (e: string) => (dtype === 'float16' ? `${h.use('f16round')}(${e})` : e);
  const scale = op.inverse ? ` * ${f32Lit(1 / L)}` : '';
  const body = [
    `let i = idx % ${inner}u;`,
    `let k = (idx / ${inner}u) % ${bins}u;`,
    `let o = idx / ${inner * bins}u;`,
    `let first = (o * ${n * inner}u + i) * ${c}u;`,
    'var re = 0.0;',
    'var im = 0.0;',
    'var m = 0u;',
    `for (var j = 0u; j < ${used}u; j = j + 1u) {`,
    `  let at = first + j * ${inner * c}u;`,
    '  let xr = in0[at];',
    `  let xi = ${c === 2 ? 'in0[at + 1u]' : '0.0'};`,
    `  let folded = select(i32(m), i32(m) - ${L}, m > ${Math.floor(L / 2)}u);`,
    `  let theta = ${f32Lit((2 * Math.PI) / L)} * f32(folded);`,
    '  let cs = cos(theta);',
    `  let sn = ${s > 0 ? '' : '-'}sin(theta);`,
    '  re = re + xr * cs - xi * sn;',
    '  im = im + xr * sn + xi * cs;',
    `  m = (m + k) % ${L}u;`,
    '}',
    `out0[idx * 2u] = ${round(`re${scale}`)};`,
    `out0[idx * 2u + 1u] = ${round(`im${scale}`)};`,
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [x], outputs: [out], total: sizeOf(out) / 2, prelude: h.render(), body })];
};
