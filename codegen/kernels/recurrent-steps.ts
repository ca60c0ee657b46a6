/**
 * The per-step schedule of the recurrent layer op `rnn`, for hidden sizes too large for one
 * workgroup to carry the state (recurrent.ts keeps the time loop inside one kernel otherwise).
 * The sequence length must be static here: it sets the number of dispatches. The batch may be
 * symbolic (read from the dims table).
 *
 * 1. `proj` — the input projection of every step at once (recurrent-cell.ts).
 * 2. `init` — copies h0 (and c0) into a state buffer.
 * 3. `step` × seq_length — one dispatch per time step (two for GRU without linear_before_reset,
 *    whose candidate gate needs the whole r ⊙ h vector first), one invocation per (direction,
 *    batch, hidden unit): the recurrent dot products H_{t-1}·Rᵀ + Rb for that unit's gates, the
 *    gate equations, and the writes of y[t] and of the new state. Both directions of a
 *    bidirectional layer run in the same dispatches.
 * 4. `final` — copies the last state into yH (and yC).
 *
 * The state lives in two scratch buffers used in turn (ping-pong: a kernel cannot read and write
 * one buffer), laid out as [step counter, h (D·B·H), c (D·B·H, lstm)]. The counter makes every
 * step's WGSL identical — a step reads t from its input state and writes t + 1 to its output
 * state — so all steps share one pipeline instead of compiling seq_length shaders.
 *
 * Sequence lengths follow the reference (ir/eval/recurrent.ts): at step t, a batch entry with
 * len ≤ t keeps its state and writes zeros to y[t]; otherwise the forward direction handles time t
 * and the reverse one time len − 1 − t, so each element of y is written exactly once. A zero
 * length leaves zeros in yH / yC. Lengths are clamped to [0, seq_length] (runtime data).
 */

import { dimAdd, dimMul, type Dim } from '../../ir/dim.js';
import type { Node, Value } from '../../ir/graph.js';
import type { CodegenContext, Kernel } from '../kernel.js';
import { u32 } from '../dims.js';
import { WG, declareBindings, dispatch1d, flatMain } from '../wgsl.js';
import { activationFns, gatesOf, projectionKernel, type RnnOp } from './recurrent-cell.js';
import { kernelName, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

/** A flat kernel (one invocation per `total`) with named bindings. */
function flat(
  node: Node,
  ctx: CodegenContext,
  suffix: string,
  ins: [string, Value][],
  outs: [string, Value][],
  total: Dim,
  prelude: string,
  body: string[],
): Kernel {
  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const decls = declareBindings(
    ins.map(([, v]) => v),
    outs.map(([, v]) => v),
    ins.map(([n]) => n),
    outs.map(([n]) => n),
  );
  const wgsl = `${decls}\n\n${prelude}${prelude ? '\n\n' : ''}${flatMain(total, WG, maxPerDim)}\n${body.map((l) => `  ${l}`).join('\n')}\n}\n`;
  return {
    name: kernelName(node, suffix),
    wgsl,
    inputs: ins.map(([, v]) => v),
    outputs: outs.map(([, v]) => v),
    workgroups: dispatch1d(total, WG, maxPerDim),
  };
}

/** The kernels of `node` as one dispatch per time step; `S` is the static sequence length. */
export function rnnStepKernels(node: Node, ctx: CodegenContext, S: number, B: Dim, I: number): Kernel[] {
  const op = node.op as RnnOp;
  // The widest step kernel binds 8 storage buffers (lstm: xw r bias lens p sIn → y sOut).
  if (ctx.limits.maxStorageBuffersPerShaderStage < 8) {
    unsupported(node, `needs 8 storage buffers per shader stage, the device allows ${ctx.limits.maxStorageBuffersPerShaderStage}`);
  }
  const lstm = op.cell === 'lstm';
  const [x, w, r, bias, lens, h0, c0, p] = node.inputs as [Value, Value, Value, Value, Value, Value, Value?, Value?];
  const [y, yH, yC] = node.outputs as [Value, Value, Value?];
  const D = op.direction === 'bidirectional' ? 2 : 1;
  const H = op.hiddenSize;
  const GH = gatesOf(op) * H;
  const DBH = dimMul(D, B, H);
  const BH = dimMul(B, H);

  const kernels: Kernel[] = [];
  const f32 = (shape: Dim[]) => ({ dtype: 'float32' as const, shape });
  const stateSize = dimAdd(1, dimMul(DBH, lstm ? 2 : 1));
  const states = [ctx.scratch(f32([stateSize]), 'stateA'), ctx.scratch(f32([stateSize]), 'stateB')];
  const cAt = u32(dimAdd(1, DBH)); // where c starts in a state buffer

  // 1. xw = x·Wᵀ + Wb for every step and direction (Rb is added per step).
  // (An empty sequence has no steps, so neither the projection nor its buffer.)
  const xw = S > 0 ? ctx.scratch(f32([D, dimMul(S, B), GH]), 'xw') : undefined;
  if (xw) kernels.push(projectionKernel(node, ctx, { x, w, bias, xw }, { S, B, I, D, GH, H }, 'none'));

  // 2. The initial state, step counter 0.
  const initIns: [string, Value][] = [['h0', h0]];
  if (lstm) initIns.push(['c0', c0!]);
  const initBody = ['if (idx == 0u) { st[0] = 0.0; }', 'st[1u + idx] = h0[idx];'];
  if (lstm) initBody.push(`st[${cAt} + idx] = c0[idx];`);
  kernels.push(flat(node, ctx, 'init', initIns, [['st', states[0]!]], DBH, '', initBody));

  // 3. The steps. Shared prologue: the step t, this invocation's (d, b, j), and the inactive case.
  const helpers = new WgslHelpers();
  const acts = activationFns(op, D, helpers);
  const prelude = [helpers.render(), acts].filter((s) => s !== '').join('\n\n');
  const tt = op.direction === 'forward' ? 't' : op.direction === 'reverse' ? 'len - 1u - t' : 'select(t, len - 1u - t, d == 1u)';
  const coords = [
    'let t = u32(sIn[0]);',
    `let d = idx / ${u32(BH)};`,
    `let bb = (idx / ${H}u) % ${u32(B)};`,
    `let j = idx % ${H}u;`,
    `let len = min(u32(max(lens[bb], 0)), ${S}u);`,
  ];
  // Past this entry's length: keep the state, zeros in y at step t.
  const inactive = [
    'if (t >= len) {',
    '  sOut[1u + idx] = sIn[1u + idx];',
    ...(lstm ? [`  sOut[${cAt} + idx] = sIn[${cAt} + idx];`] : []),
    `  y[((t * ${D}u + d) * ${u32(B)} + bb) * ${H}u + j] = 0.0;`,
    '  return;',
    '}',
  ];
  const located = [
    `let tt = ${tt};`,
    `let xwAt = d * ${u32(dimMul(S, B, GH))} + (tt * ${u32(B)} + bb) * ${GH}u + j;`,
    `let rAt = d * ${GH * H}u + j * ${H}u;`,
    `let bAt = d * ${2 * GH}u + ${GH}u + j;`,
    `let row = (d * ${u32(B)} + bb) * ${H}u;`,
    'let hAt = 1u + row;',
  ];
  /** acc<g> = H_{t-1}·R[gate g, j]ᵀ for the listed gates, reading h from `src` at `at`. */
  const dots = (gates: number[], src: string, at: string): string[] => [
    ...gates.map((g) => `var acc${g} = 0.0;`),
    `for (var k = 0u; k < ${H}u; k++) {`,
    `  let hk = ${src}[${at} + k];`,
    ...gates.map((g) => `  acc${g} = fma(hk, r[rAt + ${g * H * H}u + k], acc${g});`),
    '}',
  ];
  /** Pre-activation of gate g: x part + recurrent part + Rb. */
  const pre = (g: number) => `xw[xwAt + ${g * H}u] + acc${g} + bias[bAt + ${g * H}u]`;
  const store = (hNew: string) => ['sOut[1u + idx] = ' + hNew + ';', `y[((tt * ${D}u + d) * ${u32(B)} + bb) * ${H}u + j] = ${hNew};`];
  const counter = 'if (idx == 0u) { sOut[0] = f32(t + 1u); }';

  const stepIns = (s: number, extra: [string, Value][] = []): [string, Value][] => [
    ['xw', xw!],
    ['r', r],
    ['bias', bias],
    ['lens', lens],
    ...(lstm ? [['p', p!] as [string, Value]] : []),
    ['sIn', states[s % 2]!],
    ...extra,
  ];
  const stepOuts = (s: number): [string, Value][] => [
    ['y', y],
    ['sOut', states[(s + 1) % 2]!],
  ];

  let body: string[];
  let gates: Value | undefined;
  let gatesBody: string[] = [];
  switch (op.cell) {
    case 'rnn':
      body = [...dots([0], 'sIn', 'hAt'), `let hNew = act0(d, clipped(${pre(0)}));`, ...store('hNew')];
      break;
    case 'lstm':
      body = [
        ...dots([0, 1, 2, 3], 'sIn', 'hAt'),
        `let cPrev = sIn[${cAt} + idx];`,
        `let pAt = d * ${3 * H}u + j;`,
        `let gi = act0(d, clipped(${pre(0)} + p[pAt] * cPrev));`,
        op.inputForget ? 'let gf = 1.0 - gi;' : `let gf = act0(d, clipped(${pre(2)} + p[pAt + ${2 * H}u] * cPrev));`,
        `let gc = act1(d, clipped(${pre(3)}));`,
        'let cNew = gf * cPrev + gi * gc;',
        `let go = act0(d, clipped(${pre(1)} + p[pAt + ${H}u] * cNew));`,
        'let hNew = go * act2(d, cNew);',
        `sOut[${cAt} + idx] = cNew;`,
        ...store('hNew'),
      ];
      break;
    case 'gru':
      if (op.linearBeforeReset) {
        body = [
          ...dots([0, 1, 2], 'sIn', 'hAt'),
          `let z = act0(d, clipped(${pre(0)}));`,
          `let rg = act0(d, clipped(${pre(1)}));`,
          `let hh = act1(d, clipped(xw[xwAt + ${2 * H}u] + rg * (acc2 + bias[bAt + ${2 * H}u])));`,
          'let hNew = (1.0 - z) * hh + z * sIn[1u + idx];',
          ...store('hNew'),
        ];
      } else {
        // Two dispatches per step: z and r ⊙ h_{t-1} into `gates` [z (D·B·H), r⊙h (D·B·H)], then
        // the candidate (r ⊙ h)·Rhᵀ, which needs every unit's r ⊙ h.
        gates = ctx.scratch(f32([dimMul(2, DBH)]), 'gates');
        gatesBody = [
          ...coords,
          'if (t >= len) { return; }',
          ...located,
          ...dots([0, 1], 'sIn', 'hAt'),
          `gates[idx] = act0(d, clipped(${pre(0)}));`,
          `gates[${u32(DBH)} + idx] = act0(d, clipped(${pre(1)})) * sIn[1u + idx];`,
        ];
        body = [
          ...dots([2], 'gates', `${u32(DBH)} + row`),
          'let z = gates[idx];',
          `let hh = act1(d, clipped(${pre(2)}));`,
          'let hNew = (1.0 - z) * hh + z * sIn[1u + idx];',
          ...store('hNew'),
        ];
      }
      break;
    default: {
      const never: never = op.cell;
      throw new Error(`rnn: unknown cell '${String(never)}'`);
    }
  }
  for (let s = 0; s < S; s++) {
    if (gates) {
      kernels.push(flat(node, ctx, `gates${s}`, stepIns(s), [['gates', gates]], DBH, prelude, gatesBody));
    }
    const ins = stepIns(s, gates ? [['gates', gates]] : []);
    kernels.push(flat(node, ctx, `step${s}`, ins, stepOuts(s), DBH, prelude, [...coords, counter, ...inactive, ...located, ...body]));
  }

  // 4. yH (and yC) from the last state; zeros for zero-length entries.
  const last = states[S % 2]!;
  const finalOuts: [string, Value][] = [['yH', yH]];
  if (lstm) finalOuts.push(['yC', yC!]);
  const finalBody = [`let empty = lens[(idx / ${H}u) % ${u32(B)}] <= 0;`, 'yH[idx] = select(st[1u + idx], 0.0, empty);'];
  if (lstm) finalBody.push(`yC[idx] = select(st[${cAt} + idx], 0.0, empty);`);
  kernels.push(flat(node, ctx, 'final', [['lens', lens], ['st', last]], finalOuts, DBH, '', finalBody));
  return kernels;
}
