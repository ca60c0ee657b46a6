/**
 * Fused scaled dot-product attention, y = softmax(scale · q·kᵀ + mask) · v, in one kernel: the
 * scores never reach memory (a [B, H, S, T] scores tensor would dwarf q, k and v).
 *
 * One workgroup per (batch·head, query row). The keys are visited in tiles of `wg` (the workgroup
 * size): invocation j scores key t0 + j against the query row (a dot product of D elements plus
 * the mask), the tile's maximum and exp(score - max) go through workgroup memory, and each
 * invocation then folds the tile into its share of the output columns (column c = lid + k·wg).
 * The softmax is the online form — a running max m and sum l; when a tile raises the max, the
 * sum and the accumulated outputs are rescaled by exp(m_old - m_new) — so a row of any length
 * needs only two tile-sized arrays.
 *
 * Both layouts share the code: the unpacked one (heads = 0, [..., S, D]) is the packed one
 * ([..., S, H·D], head h in columns [h·D, (h+1)·D)) with H = 1. The mask broadcasts one way to
 * the scores' [..., H, S, T] (unpacked: [..., S, T]); row r = (b·H + h)·S + i of the scores maps
 * to a mask offset through a strided-offset function with zero strides on broadcast axes.
 *
 * Semantics at the edges match the CPU reference (ir/eval/attention.ts): a row whose keys are all
 * masked with −∞ is NaN there (exp(−∞ − (−∞))). Here the running max starts at the lowest finite
 * f32 instead of −∞, so exp never sees −∞ − (−∞) mid-row; a row with no unmasked key ends with
 * l = 0 (every exp(−∞ − m) is 0), and exactly those rows are written as NaN. A finite large
 * negative mask (−1e9, −FLT_MAX) is just a number: such a row is an ordinary softmax.
 */

import { stridesOf } from '../../ir/shape.js';
import type { KernelGenerator } from '../kernel.js';
import { declareBindings, dimsOf, dispatch1d, f32Lit } from '../wgsl.js';
import { kernelName, stridedOffsetFn, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

/** Upper bound on the workgroup size: keys per tile, and output columns per pass. */
const MAX_WG = 64;

/** The lowest finite f32: the running max's start (see the header). */
const LOWEST_F32 = -3.4028234663852886e38;

function nextPow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

export const generateAttention: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'attention') return unsupported(node, 'not an attention');
  const [q, k, v, mask] = node.inputs;
  const y = node.outputs[0];
  if (!q || !k || !v || !y || node.inputs.length > 4) return unsupported(node, 'needs inputs [q, k, v, mask?] and one output');
  for (const t of node.inputs) {
    if (t.type.dtype !== 'float32' && t.type.dtype !== 'float16') unsupported(node, `attention needs float inputs, got ${t.type.dtype} for '${t.name}'`);
  }
  const qd = dimsOf(q);
  const kd = dimsOf(k);
  const vd = dimsOf(v);
  const rank = qd.length;
  if (rank < 2 || kd.length !== rank || vd.length !== rank) unsupported(node, `q, k, v must share one rank ≥ 2, got [${qd}], [${kd}], [${vd}]`);
  const lead = qd.slice(0, -2);
  const batch = lead.reduce((a, b) => a * b, 1);
  const S = qd[rank - 2]!;
  const T = kd[rank - 2]!;
  const H = Math.max(op.heads, 1);
  const qw = qd[rank - 1]!; // row width of q and k: H·D
  const vw = vd[rank - 1]!; // row width of v and y: H·Dv
  if (qw % H !== 0 || vw % H !== 0) unsupported(node, `last dims ${qw} and ${vw} do not split into ${H} heads`);
  const D = qw / H;
  const Dv = vw / H;
  const rows = batch * H * S;

  // Keys per tile = output columns per pass = invocations. A power of two at least 8 (a SIMD
  // width on CPU drivers), no more than the row needs, within the device limit.
  const cap = 2 ** Math.floor(Math.log2(Math.min(MAX_WG, ctx.limits.maxComputeInvocationsPerWorkgroup)));
  const wg = Math.min(cap, Math.max(8, nextPow2(Math.max(T, Dv))));
  const cols = Math.max(1, Math.ceil(Dv / wg));
  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const workgroups = dispatch1d(rows, 1, maxPerDim);

  const h = new WgslHelpers();
  const decls: string[] = [];
  let maskTerm = '';
  if (mask) {
    // Scores are [..., H, S, T] (packed) or [..., S, T]; the mask aligns to them from the right.
    const target = op.heads > 0 ? [...lead, H, S, T] : [...lead, S, T];
    const md = dimsOf(mask);
    if (md.length > target.length || md.some((d, i) => d !== 1 && d !== target[target.length - md.length + i])) {
      unsupported(node, `mask [${md}] does not broadcast to the scores [${target}]`);
    }
    const own = stridesOf(md);
    const strides = target.map((_, i) => {
      const m = i - (target.length - md.length);
      return m >= 0 && md[m] !== 1 ? own[m]! : 0;
    });
    decls.push(stridedOffsetFn('maskRow', target.slice(0, -1), strides.slice(0, -1)));
    const keyStride = strides[strides.length - 1]!;
    maskTerm = ` + in3[mBase${keyStride === 0 ? '' : keyStride === 1 ? ' + j' : ` + j * ${keyStride}u`}]`;
  }

  // Per column share: acc[cc] holds output column lid + cc·wg (absent past Dv).
  const colGuard = (cc: number) => (Dv % wg === 0 || (cc + 1) * wg <= Dv ? '' : `if (lid + ${cc * wg}u < ${Dv}u) `);
  const perCol = (f: (cc: number, c: string) => string) =>
    Array.from({ length: cols }, (_, cc) => `${colGuard(cc)}{ let c = lid + ${cc * wg}u; ${f(cc, 'c')} }`);

  const result = (cc: number) => {
    // No keys at all: the reference's empty sum is 0. Otherwise l = 0 only when every key is −∞.
    if (T === 0) return '0.0';
    const r = `select(acc[${cc}] / l, ${h.use('nan')}(), l == 0.0)`;
    return y.type.dtype === 'float16' ? `${h.use('f16round')}(${r})` : r;
  };

  const ind = (lines: string[], pad: string) => lines.map((l) => `${pad}${l}`).join('\n');
  const body = [
    `let row = wid.x + wid.y * ${workgroups[0]}u;`,
    `if (row >= ${rows}u) { return; }`,
    'let lid = lidv.x;',
    `let i = row % ${S}u;`,
    `let bh = row / ${S}u;`,
    `let hd = bh % ${H}u;`,
    `let b = bh / ${H}u;`,
    `let qBase = (b * ${S}u + i) * ${qw}u + hd * ${D}u;`,
    `let kBase = b * ${T * qw}u + hd * ${D}u;`,
    `let vBase = b * ${T * vw}u + hd * ${Dv}u;`,
    `let oBase = (b * ${S}u + i) * ${vw}u + hd * ${Dv}u;`,
    ...(mask ? ['let mBase = maskRow(row);'] : []),
    `var m = ${f32Lit(LOWEST_F32)};`,
    'var l = 0.0;',
    `var acc: array<f32, ${cols}>;`,
    `for (var t0 = 0u; t0 < ${T}u; t0 = t0 + ${wg}u) {`,
    `  let n = min(${wg}u, ${T}u - t0);`,
    '  // Score this invocation\'s key of the tile.',
    '  var s = 0.0;',
    '  if (lid < n) {',
    '    let j = t0 + lid;',
    `    let kRow = kBase + j * ${qw}u;`,
    '    var dot = 0.0;',
    `    for (var c = 0u; c < ${D}u; c = c + 1u) { dot = dot + in0[qBase + c] * in1[kRow + c]; }`,
    `    s = ${f32Lit(op.scale)} * dot${maskTerm};`,
    '    sc[lid] = s;',
    '  }',
    '  workgroupBarrier();',
    '  var mt = m;',
    '  for (var u = 0u; u < n; u = u + 1u) { mt = max(mt, sc[u]); }',
    '  if (lid < n) { pr[lid] = exp(s - mt); }',
    '  workgroupBarrier();',
    '  // A larger max rescales what was summed so far (by 1 when it did not change).',
    '  let corr = exp(m - mt);',
    '  l = l * corr;',
    ...perCol((cc) => `acc[${cc}] = acc[${cc}] * corr;`).map((s) => `  ${s}`),
    '  for (var u = 0u; u < n; u = u + 1u) {',
    '    let p = pr[u];',
    '    l = l + p;',
    `    let vRow = vBase + (t0 + u) * ${vw}u;`,
    ...perCol((cc, c) => `acc[${cc}] = acc[${cc}] + p * in2[vRow + ${c}];`).map((s) => `    ${s}`),
    '  }',
    '  m = mt;',
    '  // Before the next tile overwrites sc and pr.',
    '  workgroupBarrier();',
    '}',
    ...perCol((cc, c) => `out0[oBase + ${c}] = ${result(cc)};`),
  ];
  // Helpers are rendered last: `result` above records the ones it uses.
  const wgsl = [
    declareBindings(node.inputs, [y]),
    h.render(),
    ...decls,
    `var<workgroup> sc: array<f32, ${wg}>;`,
    `var<workgroup> pr: array<f32, ${wg}>;`,
    `@compute @workgroup_size(${wg})`,
    'fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lidv: vec3<u32>) {',
    ind(body, '  '),
    '}',
    '',
  ]
    .filter((s) => s !== '')
    .join('\n');
  return [{ name: kernelName(node), wgsl, inputs: node.inputs, outputs: [y], workgroups }];
};
