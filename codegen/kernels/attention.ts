/**
 * Fused scaled dot-product attention, y = softmax(scale · q·kᵀ + mask) · v, in one kernel: the
 * scores never reach memory (a [B, H, S, T] scores tensor would dwarf q, k and v).
 *
 * Each (batch·head, query row) is handled on its own, with the softmax in its online form — a
 * running max m and sum l; when the max grows, the sum and the accumulated outputs are rescaled
 * by exp(m_old − m_new) — so a row of any length needs no scores array. Two strategies, as for
 * the row reductions (row-reduce.ts):
 * - `workgroup`: one workgroup per row. Keys are visited in tiles of `wg` (the workgroup size):
 *   invocation j scores key t0 + j, the tile's max and weights exp(s − max) pass through
 *   workgroup memory, then each invocation folds the tile into its output columns
 *   (c = lid + k·wg). Fills a GPU even with few rows (one query when decoding).
 * - `invocation`: one invocation per row, a plain loop over the keys, all Dv accumulators
 *   private. No barriers, so it is about twice as fast on CPU drivers (lavapipe), but it needs
 *   many rows to fill a GPU and its accumulators cost registers.
 *
 * Both layouts share the code: the unpacked one (heads = 0, [..., S, D]) is the packed one
 * ([..., S, H·D], head h in columns [h·D, (h+1)·D)) with H = 1. The mask broadcasts one way to
 * the scores' [..., H, S, T] (unpacked: [..., S, T]); row r = (b·H + h)·S + i of the scores maps
 * to a mask offset through a strided-offset function with zero strides on broadcast axes.
 *
 * Edges match the CPU reference (ir/eval/attention.ts): a row whose keys are all masked with −∞
 * is NaN there (exp(−∞ − (−∞))). Here the running max starts at the lowest finite f32 instead of
 * −∞, so exp never sees −∞ − (−∞) mid-row; a row with no unmasked key ends with l = 0 (every
 * exp(−∞ − m) is 0), and exactly those rows are written as NaN. A finite large negative mask
 * (−1e9, −FLT_MAX) is just a number: such a row is an ordinary softmax. NaN scores propagate
 * through l. No keys at all (T = 0) gives the reference's empty sum, 0.
 *
 * Symbolic shapes (a model compiled for any batch and sequence length): the leading dims, S and
 * T may be symbolic; head counts and widths (H, D, Dv) must be static. Nothing is sized by S or T
 * — the key loop's bound, the row count and the offsets read the dims table (codegen/dims.ts) —
 * and the strategy and workgroup size come from the static sizes (`chooseAttentionMode`).
 */

import type { Node } from '../../ir/graph.js';
import { dimMul, dimProductOf, type Dim } from '../../ir/dim.js';
import { dimStrides } from '../../ir/shape.js';
import type { CodegenContext, Kernel, KernelGenerator } from '../kernel.js';
import { u32 } from '../dims.js';
import { declareBindings, dispatch1d, f32Lit, shapeOf } from '../wgsl.js';
import { kernelName, stridedOffsetFn, unsupported } from './common.js';
import { fewestOf } from './row-reduce.js';
import { WgslHelpers } from './wgsl-math.js';

export type AttentionMode = 'workgroup' | 'invocation';

/** Upper bound on the workgroup size: keys per tile and output columns per pass. */
const MAX_WG = 64;

/** The lowest finite f32: the running max's start (see the header). */
const LOWEST_F32 = -3.4028234663852886e38;

/** Rows from which one invocation per row fills a device (row-reduce.ts uses the same bound). */
const MANY_ROWS = 2048;

/** The most private accumulators an invocation may hold in `invocation` mode. */
const MAX_PRIVATE_COLS = 64;

function nextPow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

/** Facts of one attention node: sizes per row and the WGSL of its mask offsets. */
interface Geometry {
  scale: number;
  /** Rows, S and T may be symbolic; the head sizes below are static. */
  rows: Dim;
  S: Dim;
  T: Dim;
  H: number;
  D: number;
  Dv: number;
  /** Row widths of q/k (H·D) and of v/y (H·Dv). */
  qw: number;
  vw: number;
  /** Module-scope WGSL (the mask's row-offset function) and the mask term added to a score. */
  decls: string[];
  maskTerm: string;
}

function geometry(node: Node): Geometry {
  const op = node.op;
  if (op.kind !== 'attention') return unsupported(node, 'not an attention');
  const [q, k, v, mask] = node.inputs;
  if (!q || !k || !v || node.inputs.length > 4 || node.outputs.length !== 1) {
    return unsupported(node, 'needs inputs [q, k, v, mask?] and one output');
  }
  for (const t of [...node.inputs, ...node.outputs]) {
    if (t.type.dtype !== 'float32' && t.type.dtype !== 'float16') unsupported(node, `attention needs float tensors, got ${t.type.dtype} for '${t.name}'`);
  }
  const [qd, kd, vd] = [shapeOf(q), shapeOf(k), shapeOf(v)];
  const rank = qd.length;
  if (rank < 2 || kd.length !== rank || vd.length !== rank) unsupported(node, `q, k, v must share one rank ≥ 2, got [${qd}], [${kd}], [${vd}]`);
  const lead = qd.slice(0, -2);
  const S = qd[rank - 2]!;
  const T = kd[rank - 2]!;
  const H = Math.max(op.heads, 1);
  const qw = qd[rank - 1]!;
  const vw = vd[rank - 1]!;
  // Head widths size private arrays and unrolled column loops.
  if (typeof qw !== 'number' || typeof vw !== 'number') return unsupported(node, `needs static head widths, got last dims ${qw} and ${vw}`);
  if (qw % H !== 0 || vw % H !== 0) unsupported(node, `last dims ${qw} and ${vw} do not split into ${H} heads`);
  const rows = dimMul(dimProductOf(lead), H, S);
  const decls: string[] = [];
  let maskTerm = '';
  if (mask) {
    // Scores are [..., H, S, T] (packed) or [..., S, T]; the mask aligns to them from the right.
    const target = op.heads > 0 ? [...lead, H, S, T] : [...lead, S, T];
    const md = shapeOf(mask);
    if (md.length > target.length || md.some((d, i) => d !== 1 && d !== target[target.length - md.length + i])) {
      unsupported(node, `mask [${md}] does not broadcast to the scores [${target}]`);
    }
    const own = dimStrides(md);
    const strides = target.map((_, i): Dim => {
      const m = i - (target.length - md.length);
      return m >= 0 && md[m] !== 1 ? own[m]! : 0;
    });
    decls.push(stridedOffsetFn('maskRow', target.slice(0, -1), strides.slice(0, -1)));
    const ks = strides[strides.length - 1]!;
    maskTerm = ` + in3[mBase${ks === 0 ? '' : ks === 1 ? ' + j' : ` + j * ${u32(ks)}`}]`;
  }
  return { scale: op.scale, rows, S, T, H, D: qw / H, Dv: vw / H, qw, vw, decls, maskTerm };
}

/** Statements binding a row's offsets: qBase, kBase (key j at + j·qw), vBase, oBase, mBase. */
function rowPrologue(g: Geometry, hasMask: boolean): string[] {
  return [
    `let i = row % ${u32(g.S)};`,
    `let bh = row / ${u32(g.S)};`,
    `let hd = bh % ${g.H}u;`,
    `let b = bh / ${g.H}u;`,
    `let qBase = (b * ${u32(g.S)} + i) * ${g.qw}u + hd * ${g.D}u;`,
    `let kBase = b * ${u32(dimMul(g.T, g.qw))} + hd * ${g.D}u;`,
    `let vBase = b * ${u32(dimMul(g.T, g.vw))} + hd * ${g.Dv}u;`,
    `let oBase = (b * ${u32(g.S)} + i) * ${g.vw}u + hd * ${g.Dv}u;`,
    ...(hasMask ? ['let mBase = maskRow(row);'] : []),
    `var m = ${f32Lit(LOWEST_F32)};`,
    'var l = 0.0;',
  ];
}

/** Statements setting `s` to key j's score (j, kBase, qBase bound). */
function score(g: Geometry): string[] {
  return [
    `let kRow = kBase + j * ${g.qw}u;`,
    'var dot = 0.0;',
    `for (var c = 0u; c < ${g.D}u; c = c + 1u) { dot = dot + in0[qBase + c] * in1[kRow + c]; }`,
    `s = ${f32Lit(g.scale)} * dot${g.maskTerm};`,
  ];
}

/** One workgroup per row (see the header). */
function workgroupBody(g: Geometry, wg: number, out: (acc: string) => string): string[] {
  const cols = Math.max(1, Math.ceil(g.Dv / wg));
  // Output column lid + cc·wg lives in acc[cc]; the guard drops columns past Dv.
  const perCol = (f: (cc: number) => string) =>
    Array.from({ length: cols }, (_, cc) => {
      const guard = (cc + 1) * wg <= g.Dv ? '' : `if (lid + ${cc * wg}u < ${g.Dv}u) `;
      return `${guard}{ let c = lid + ${cc * wg}u; ${f(cc)} }`;
    });
  const ind = (lines: string[], pad: string) => lines.map((line) => `${pad}${line}`);
  return [
    `var acc: array<f32, ${cols}>;`,
    `for (var t0 = 0u; t0 < ${u32(g.T)}; t0 = t0 + ${wg}u) {`,
    `  let n = min(${wg}u, ${u32(g.T)} - t0);`,
    '  var s = 0.0;',
    '  if (lid < n) {',
    '    let j = t0 + lid;',
    ...ind(score(g), '    '),
    '    sc[lid] = s;',
    '  }',
    '  workgroupBarrier();',
    '  var mt = m;',
    '  for (var u = 0u; u < n; u = u + 1u) { mt = max(mt, sc[u]); }',
    '  if (lid < n) { pr[lid] = exp(s - mt); }',
    '  workgroupBarrier();',
    '  // A larger max rescales what was summed so far (by exactly 1 when it did not change).',
    '  let corr = exp(m - mt);',
    '  l = l * corr;',
    // Columns past Dv are rescaled too: harmless, they are never written.
    ...Array.from({ length: cols }, (_, cc) => `  acc[${cc}] = acc[${cc}] * corr;`),
    '  for (var u = 0u; u < n; u = u + 1u) {',
    '    let p = pr[u];',
    '    l = l + p;',
    `    let vRow = vBase + (t0 + u) * ${g.vw}u;`,
    ...ind(perCol((cc) => `acc[${cc}] = acc[${cc}] + p * in2[vRow + c];`), '    '),
    '  }',
    '  m = mt;',
    '  // Before the next tile overwrites sc and pr.',
    '  workgroupBarrier();',
    '}',
    ...perCol((cc) => `out0[oBase + c] = ${out(`acc[${cc}]`)};`),
  ];
}

/** One invocation per row (see the header). */
function invocationBody(g: Geometry, out: (acc: string) => string): string[] {
  return [
    `var acc: array<f32, ${Math.max(1, g.Dv)}>;`,
    `for (var j = 0u; j < ${u32(g.T)}; j = j + 1u) {`,
    '  var s = 0.0;',
    ...score(g).map((line) => `  ${line}`),
    '  // A new max rescales what was summed so far; NaN and −∞ scores never take this branch.',
    '  if (s > m) {',
    '    let corr = exp(m - s);',
    '    l = l * corr;',
    `    for (var c = 0u; c < ${g.Dv}u; c = c + 1u) { acc[c] = acc[c] * corr; }`,
    '    m = s;',
    '  }',
    '  let p = exp(s - m);',
    '  l = l + p;',
    `  let vRow = vBase + j * ${g.vw}u;`,
    `  for (var c = 0u; c < ${g.Dv}u; c = c + 1u) { acc[c] = acc[c] + p * in2[vRow + c]; }`,
    '}',
    `for (var c = 0u; c < ${g.Dv}u; c = c + 1u) { out0[oBase + c] = ${out('acc[c]')}; }`,
  ];
}

/**
 * The strategy for a node: many rows and few columns per row favour one invocation per row.
 * Symbolic rows count as their fewest (every symbol 1), so a model compiled for any size keeps
 * the choice that fills a device at batch 1 and sequence 1.
 */
export function chooseAttentionMode(rows: Dim, dv: number): AttentionMode {
  return fewestOf(rows) >= MANY_ROWS && dv <= MAX_PRIVATE_COLS ? 'invocation' : 'workgroup';
}

/** A symbolic dispatch's x count is known per run only: its row stride comes from num_workgroups. */
function numWorkgroups(nx: Dim): string {
  return typeof nx === 'number' ? '' : ', @builtin(num_workgroups) nwg: vec3<u32>';
}

/** The attention kernel for `node`; `force` overrides the strategy (for tests and tuning). */
export function attentionKernels(node: Node, ctx: CodegenContext, force?: AttentionMode): Kernel[] {
  const g = geometry(node);
  const mode = force ?? chooseAttentionMode(g.rows, g.Dv);
  const y = node.outputs[0]!;
  const h = new WgslHelpers();
  const out = (acc: string) => {
    if (g.T === 0) return '0.0';
    let r = `select(${acc} / l, ${h.use('nan')}(), l == 0.0)`;
    // A symbolic T may be 0 at run time: the empty sum, as above.
    if (typeof g.T !== 'number') r = `select(${r}, 0.0, ${u32(g.T)} == 0u)`;
    return y.type.dtype === 'float16' ? `${h.use('f16round')}(${r})` : r;
  };
  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const cap = 2 ** Math.floor(Math.log2(Math.min(MAX_WG, ctx.limits.maxComputeInvocationsPerWorkgroup)));
  let wg: number;
  let workgroups: [Dim, Dim, Dim];
  let head: string[];
  let body: string[];
  if (mode === 'workgroup') {
    // A power of two of at least 8 (a SIMD width on CPU drivers), no more than a row needs; a
    // symbolic key count may be long, so it gets the cap.
    wg = typeof g.T === 'number' ? Math.min(cap, Math.max(8, nextPow2(Math.max(g.T, g.Dv)))) : cap;
    workgroups = dispatch1d(g.rows, 1, maxPerDim);
    const nx = workgroups[0];
    head = [
      `var<workgroup> sc: array<f32, ${wg}>;`,
      `var<workgroup> pr: array<f32, ${wg}>;`,
      `@compute @workgroup_size(${wg})`,
      `fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lidv: vec3<u32>${numWorkgroups(nx)}) {`,
      // Uniform per workgroup (a literal or the uniform dims table), so the barriers below stay
      // in uniform control flow.
      `  let row = wid.x + wid.y * ${typeof nx === 'number' ? `${nx}u` : 'nwg.x'};`,
      `  if (row >= ${u32(g.rows)}) { return; }`,
      '  let lid = lidv.x;',
    ];
    body = workgroupBody(g, wg, out);
  } else {
    wg = cap;
    workgroups = dispatch1d(g.rows, wg, maxPerDim);
    const nx = workgroups[0];
    head = [
      `@compute @workgroup_size(${wg})`,
      `fn main(@builtin(global_invocation_id) gid: vec3<u32>${numWorkgroups(nx)}) {`,
      `  let row = gid.x + gid.y * ${typeof nx === 'number' ? `${nx * wg}u` : `(nwg.x * ${wg}u)`};`,
      `  if (row >= ${u32(g.rows)}) { return; }`,
    ];
    body = invocationBody(g, out);
  }
  // Helpers render after the body is built: `out` records the ones it calls.
  const wgsl = [
    declareBindings(node.inputs, [y]),
    h.render(),
    ...g.decls,
    ...head,
    ...[...rowPrologue(g, node.inputs.length > 3), ...body].map((line) => `  ${line}`),
    '}',
    '',
  ]
    .filter((s) => s !== '')
    .join('\n');
  return [{ name: kernelName(node), wgsl, inputs: node.inputs, outputs: [y], workgroups }];
}

export const generateAttention: KernelGenerator = (node, ctx) => attentionKernels(node, ctx);
