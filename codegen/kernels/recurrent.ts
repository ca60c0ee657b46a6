/**
 * Kernel generator for the IR `rnn` op (ONNX RNN, GRU, LSTM in canonical form: layout 0, every
 * input present; the importer transposes batch-first layouts). A recurrence is serial in time,
 * and WebGPU has no grid-wide barrier, so the time loop runs inside one workgroup per
 * (direction, batch entry), which needs only workgroup barriers between steps:
 *
 * 1. `proj` — the input projection of every step at once, x·Wᵀ + Wb (+ Rb where the cell adds it
 *    unchanged), one batched GEMM with M = S·B rows (recurrent-cell.ts).
 * 2. `prep` — R transposed to [D, G, H (k), H (j)], followed by h0 (and c0) in one buffer: lanes
 *    j, j + 1, … then read adjacent words of R at each k (vector loads on CPU drivers, coalesced
 *    ones on GPUs, where R's own rows would be H words apart), and the loop kernel binds 7
 *    storage buffers at most, within the 8 WebGPU guarantees.
 * 3. `loop` — one workgroup per (d, b) walks its sequence: each invocation owns hidden units
 *    j = lid + u·wg; a step dots the previous h (in workgroup memory) with the unit's R columns,
 *    applies the gate equations, writes y and the new h. h is double-buffered in workgroup
 *    memory (step t reads one half and writes the other), so a step needs one barrier (GRU
 *    without linear_before_reset two: its candidate gate reads every unit's r ⊙ h). LSTM's c
 *    stays private to the unit's invocation. The final state goes to yH (and yC).
 *
 * Two or three kernels per layer, whatever the sequence length, and that length (and the batch)
 * may be symbolic: the loop bound and the offsets read the dims table (codegen/dims.ts), and
 * nothing is sized by them. Hidden sizes too large for one workgroup to carry (more than
 * `MAX_UNITS` units per invocation, or a state beyond the workgroup memory WebGPU guarantees)
 * take the per-step schedule of recurrent-steps.ts, which needs a static sequence length.
 *
 * Sequence lengths follow the reference (ir/eval/recurrent.ts): entry b runs min(len_b, S)
 * steps (lengths clamped to [0, S]); the reverse direction walks its valid prefix backwards; y is
 * zero past the length; a zero length leaves zeros in yH / yC.
 */

import { dimAdd, dimMul, type Dim } from '../../ir/dim.js';
import type { Value } from '../../ir/graph.js';
import type { DeviceLimits, Kernel, KernelGenerator } from '../kernel.js';
import { u32 } from '../dims.js';
import { WG, declareBindings, dispatch1d, flatMain, shapeOf } from '../wgsl.js';
import { requireFloat } from './grid.js';
import { kernelName, unsupported } from './common.js';
import { activationFns, gatesOf, projectionKernel, type RnnOp } from './recurrent-cell.js';
import { rnnStepKernels } from './recurrent-steps.js';
import { WgslHelpers } from './wgsl-math.js';

/** Storage buffers the widest loop kernel binds (lstm: xw rs lens p → y yH yC). */
const BINDINGS_NEEDED = 7;

/** Upper bound on the loop kernel's workgroup size. */
const MAX_WG = 256;

/**
 * The most hidden units one invocation carries: each step costs it units·G·H multiply-adds in
 * series, so beyond this the per-step schedule, D·B·H invocations wide, spreads better.
 */
const MAX_UNITS = 4;

/** Workgroup memory every WebGPU device provides (maxComputeWorkgroupStorageSize's minimum). */
const WORKGROUP_BYTES = 16384;

/** The loop kernel's shape: invocations per workgroup and units per invocation. */
interface LoopPlan {
  wg: number;
  units: number;
}

/** The loop schedule for `op`, or undefined when its hidden size does not fit one workgroup. */
function planLoop(op: RnnOp, limits: DeviceLimits): LoopPlan | undefined {
  const H = op.hiddenSize;
  const cap = 2 ** Math.floor(Math.log2(Math.min(MAX_WG, limits.maxComputeInvocationsPerWorkgroup)));
  // A power of two of at least 8 (a SIMD width on CPU drivers), no more than the units need.
  const wg = Math.min(cap, Math.max(8, 2 ** Math.ceil(Math.log2(Math.max(1, H)))));
  const units = Math.ceil(H / wg);
  const words = (op.cell === 'gru' && !op.linearBeforeReset ? 3 : 2) * H;
  return units <= MAX_UNITS && words * 4 <= WORKGROUP_BYTES ? { wg, units } : undefined;
}

/** Named storage declarations (inputs read-only, then outputs). */
function bindings(ins: [string, Value][], outs: [string, Value][]): string {
  return declareBindings(
    ins.map(([, v]) => v),
    outs.map(([, v]) => v),
    ins.map(([n]) => n),
    outs.map(([n]) => n),
  );
}

export const generateRnn: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'rnn') return unsupported(node, 'not an rnn');
  const lstm = op.cell === 'lstm';
  const [x, w, r, bias, lens, h0, c0, p] = node.inputs as [Value, Value, Value, Value, Value, Value, Value?, Value?];
  const [y, yH, yC] = node.outputs as [Value, Value, Value?];
  requireFloat('rnn', node.name, [...node.inputs.filter((v) => v !== lens), ...node.outputs].map((v) => v.type.dtype));
  if (ctx.limits.maxStorageBuffersPerShaderStage < BINDINGS_NEEDED) {
    unsupported(node, `needs ${BINDINGS_NEEDED} storage buffers per shader stage, the device allows ${ctx.limits.maxStorageBuffersPerShaderStage}`);
  }
  const [S, B, I] = shapeOf(x) as [Dim, Dim, Dim];
  if (typeof I !== 'number') return unsupported(node, `needs a static input size, got '${I}'`);
  const D = op.direction === 'bidirectional' ? 2 : 1;
  const H = op.hiddenSize;
  const GH = gatesOf(op) * H;
  const DBH = dimMul(D, B, H);
  if (B === 0 || H === 0) return [];

  const plan = planLoop(op, ctx.limits);
  if (!plan) {
    if (typeof S !== 'number') {
      unsupported(node, `hidden size ${H} is too large to run the recurrence in one workgroup, which a symbolic sequence length ('${S}') needs; bind it with --dim`);
    }
    return rnnStepKernels(node, ctx, S as number, B, I);
  }

  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  if (S === 0) {
    // No steps: y is empty, and every length is 0, so yH (and yC) are zeros.
    const outs: [string, Value][] = lstm ? [['yH', yH], ['yC', yC!]] : [['yH', yH]];
    const body = outs.map(([n]) => `  ${n}[idx] = 0.0;`).join('\n');
    const wgsl = `${bindings([], outs)}\n\n${flatMain(DBH, WG, maxPerDim)}\n${body}\n}\n`;
    return [{ name: kernelName(node, 'empty'), wgsl, inputs: [], outputs: outs.map(([, v]) => v), workgroups: dispatch1d(DBH, WG, maxPerDim) }];
  }

  const kernels: Kernel[] = [];
  const f32 = (shape: Dim[]) => ({ dtype: 'float32' as const, shape });
  const xw = ctx.scratch(f32([D, dimMul(S, B), GH]), 'xw');
  kernels.push(projectionKernel(node, ctx, { x, w, bias, xw }, { S, B, I, D, GH, H }, 'outside-reset'));

  // rs = [Rᵀ per gate (D·G·H·H), h0 (D·B·H), c0 (D·B·H, lstm)] (see the header).
  const RT = D * GH * H;
  const prepIns: [string, Value][] = lstm ? [['r', r], ['h0', h0], ['c0', c0!]] : [['r', r], ['h0', h0]];
  const total = dimAdd(RT, dimMul(DBH, lstm ? 2 : 1));
  const rs = ctx.scratch(f32([total]), 'rs');
  const prep = [
    `if (idx < ${RT}u) {`,
    // idx = ((d·G + g)·H + k)·H + j reads R[d, g·H + j, k].
    `  rs[idx] = r[(idx / ${H * H}u * ${H}u + idx % ${H}u) * ${H}u + idx / ${H}u % ${H}u];`,
    `} else if (idx < ${u32(dimAdd(RT, DBH))}) {`,
    `  rs[idx] = h0[idx - ${RT}u];`,
    ...(lstm ? ['} else {', `  rs[idx] = c0[idx - ${u32(dimAdd(RT, DBH))}];`] : []),
    '}',
  ].map((l) => `  ${l}`);
  const prepWgsl = `${bindings(prepIns, [['rs', rs]])}\n\n${flatMain(total, WG, maxPerDim)}\n${prep.join('\n')}\n}\n`;
  kernels.push({ name: kernelName(node, 'prep'), wgsl: prepWgsl, inputs: prepIns.map(([, v]) => v), outputs: [rs], workgroups: dispatch1d(total, WG, maxPerDim) });

  const gruReset = op.cell === 'gru' && !op.linearBeforeReset;
  const ins: [string, Value][] = [['xw', xw], ['rs', rs], ['lens', lens]];
  if (lstm) ins.push(['p', p!]);
  // Only GRU's candidate under linear_before_reset keeps a recurrent bias out of the projection.
  if (op.cell === 'gru' && op.linearBeforeReset) ins.push(['bias', bias]);
  const outs: [string, Value][] = [['y', y], ['yH', yH]];
  if (lstm) outs.push(['yC', yC!]);

  const { wg, units } = plan;
  const rows = dimMul(D, B);
  const workgroups = dispatch1d(rows, 1, maxPerDim);
  const nx = workgroups[0];
  const h = new WgslHelpers();
  const acts = activationFns(op, D, h);
  const tt = op.direction === 'forward' ? 't' : op.direction === 'reverse' ? 'len - 1u - t' : 'select(t, len - 1u - t, d == 1u)';

  /**
   * Statements run for each unit j this invocation owns, unrolled (`u` is its index among them,
   * a TS number): per-unit values are scalars named by u, since private arrays indexed by a loop
   * variable end up in per-invocation memory on CPU drivers. Only a last partial block is guarded.
   */
  const perUnit = (body: (u: number) => string[]): string[] =>
    Array.from({ length: units }, (_, u) => [
      `${(u + 1) * wg <= H ? '' : `if (lid + ${u * wg}u < ${H}u) `}{`,
      `  let j = lid${u === 0 ? '' : ` + ${u * wg}u`};`,
      ...body(u).map((l) => `  ${l}`),
      '}',
    ]).flat();
  /** a<g> = Σ_k src[at + k] · R[d, gate g, j, k] for the listed gates (R transposed in rs). */
  const dots = (gates: number[], src: string, at: string): string[] => [
    ...gates.map((g) => `var a${g} = 0.0;`),
    `for (var k = 0u; k < ${H}u; k++) {`,
    `  let hk = ${src}[${at} + k];`,
    `  let rk = rBase + k * ${H}u + j;`,
    ...gates.map((g) => `  a${g} = fma(hk, rs[rk${g === 0 ? '' : ` + ${g * H * H}u`}], a${g});`),
    '}',
  ];
  /** Gate g's pre-activation without its recurrent term: x·Wᵀ + biases (from the projection). */
  const xg = (g: number) => `xw[xj${g === 0 ? '' : ` + ${g * H}u`}]`;
  const emit = (hNew: string) => [`let hNew = ${hNew};`, 'hs[nxt + j] = hNew;', 'y[yRow + j] = hNew;'];

  let step: string[];
  switch (op.cell) {
    case 'rnn':
      step = perUnit(() => [...dots([0], 'hs', 'cur'), 'let xj = xwRow + j;', ...emit(`act0(d, clipped(${xg(0)} + a0))`)]);
      break;
    case 'lstm':
      step = perUnit((u) => [
        ...dots([0, 1, 2, 3], 'hs', 'cur'),
        'let xj = xwRow + j;',
        `let pj = d * ${3 * H}u + j;`,
        `let cPrev = c${u};`,
        `let gi = act0(d, clipped(${xg(0)} + a0 + p[pj] * cPrev));`,
        op.inputForget ? 'let gf = 1.0 - gi;' : `let gf = act0(d, clipped(${xg(2)} + a2 + p[pj + ${2 * H}u] * cPrev));`,
        `let gc = act1(d, clipped(${xg(3)} + a3));`,
        'let cNew = gf * cPrev + gi * gc;',
        `let go = act0(d, clipped(${xg(1)} + a1 + p[pj + ${H}u] * cNew));`,
        `c${u} = cNew;`,
        ...emit('go * act2(d, cNew)'),
      ]);
      break;
    case 'gru':
      if (op.linearBeforeReset) {
        step = perUnit(() => [
          ...dots([0, 1, 2], 'hs', 'cur'),
          'let xj = xwRow + j;',
          `let z = act0(d, clipped(${xg(0)} + a0));`,
          `let rg = act0(d, clipped(${xg(1)} + a1));`,
          `let hh = act1(d, clipped(${xg(2)} + rg * (a2 + bias[d * ${2 * GH}u + ${GH + 2 * H}u + j])));`,
          ...emit('(1.0 - z) * hh + z * hs[cur + j]'),
        ]);
      } else {
        // z and r ⊙ h first; the candidate reads every unit's r ⊙ h, after a barrier.
        step = [
          ...perUnit((u) => [
            ...dots([0, 1], 'hs', 'cur'),
            'let xj = xwRow + j;',
            `z${u} = act0(d, clipped(${xg(0)} + a0));`,
            `rh[j] = act0(d, clipped(${xg(1)} + a1)) * hs[cur + j];`,
          ]),
          'workgroupBarrier();',
          ...perUnit((u) => [
            ...dots([2], 'rh', '0u'),
            'let xj = xwRow + j;',
            `let hh = act1(d, clipped(${xg(2)} + a2));`,
            ...emit(`(1.0 - z${u}) * hh + z${u} * hs[cur + j]`),
          ]),
        ];
      }
      break;
    default: {
      const never: never = op.cell;
      throw new Error(`rnn: unknown cell '${String(never)}'`);
    }
  }

  const body = [
    // Uniform per workgroup (workgroup id, literals, the uniform dims table, read-only storage at
    // a uniform index), so every barrier below is in uniform control flow.
    `let row = wid.x + wid.y * ${typeof nx === 'number' ? `${nx}u` : 'nwg.x'};`,
    `if (row >= ${u32(rows)}) { return; }`,
    `let d = row / ${u32(B)};`,
    `let bb = row % ${u32(B)};`,
    'let lid = lidv.x;',
    `let len = min(u32(max(lens[bb], 0)), ${u32(S)});`,
    `let sAt = row * ${H}u;`,
    `let rBase = d * ${GH * H}u;`,
    `let xwBase = d * ${u32(dimMul(S, B, GH))};`,
    // Per-unit state private to its invocation: LSTM's c, GRU's z between its two phases.
    ...Array.from({ length: units }, (_, u) => [...(lstm ? [`var c${u} = 0.0;`] : []), ...(gruReset ? [`var z${u} = 0.0;`] : [])]).flat(),
    ...perUnit((u) => [`hs[j] = rs[${RT}u + sAt + j];`, ...(lstm ? [`c${u} = rs[${u32(dimAdd(RT, DBH))} + sAt + j];`] : [])]),
    'workgroupBarrier();',
    'for (var t = 0u; t < len; t++) {',
    ...[
      `let tt = ${tt};`,
      // h_{t-1} is in half `cur` of hs, h_t goes to the other.
      `let cur = (t % 2u) * ${H}u;`,
      `let nxt = ${H}u - cur;`,
      `let xwRow = xwBase + (tt * ${u32(B)} + bb) * ${GH}u;`,
      `let yRow = ((tt * ${D}u + d) * ${u32(B)} + bb) * ${H}u;`,
      ...step,
      // Before the next step reads the new h (and overwrites the half just read).
      'workgroupBarrier();',
    ].map((l) => `  ${l}`),
    '}',
    `let fin = (len % 2u) * ${H}u;`,
    // Zeros in y past the length, then the final state (zeros for an empty sequence).
    `for (var t = len; t < ${u32(S)}; t++) {`,
    ...perUnit(() => [`y[((t * ${D}u + d) * ${u32(B)} + bb) * ${H}u + j] = 0.0;`]).map((l) => `  ${l}`),
    '}',
    ...perUnit((u) => [
      'yH[sAt + j] = select(hs[fin + j], 0.0, len == 0u);',
      ...(lstm ? [`yC[sAt + j] = select(c${u}, 0.0, len == 0u);`] : []),
    ]),
  ];
  const nwg = typeof nx === 'number' ? '' : ', @builtin(num_workgroups) nwg: vec3<u32>';
  const wgsl = [
    bindings(ins, outs),
    [h.render(), acts].filter((s) => s !== '').join('\n\n'),
    `var<workgroup> hs: array<f32, ${2 * H}>;`,
    ...(gruReset ? [`var<workgroup> rh: array<f32, ${H}>;`] : []),
    `@compute @workgroup_size(${wg})`,
    `fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lidv: vec3<u32>${nwg}) {`,
    ...body.map((l) => `  ${l}`),
    '}',
    '',
  ].join('\n');
  kernels.push({ name: kernelName(node, 'loop'), wgsl, inputs: ins.map(([, v]) => v), outputs: outs.map(([, v]) => v), workgroups });
  return kernels;
};
