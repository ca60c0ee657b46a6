/**
 * Kernel generator for the IR `rnn` op (ONNX RNN, GRU, LSTM in canonical form: layout 0, every
 * input present). A recurrence is serial in time, so the work splits into:
 *
 * 1. `proj` — the input projection of every step at once, xw[d, t·B + b, :] = x[t, b, :]·W[d]ᵀ +
 *    Wb[d]: one batched GEMM (the register-blocked emitter in gemm-core.ts, batch = directions).
 * 2. `init` — copies h0 (and c0) into a state buffer.
 * 3. `step` × seq_length — one dispatch per time step (two for GRU without linear_before_reset,
 *    whose candidate gate needs the whole r ⊙ h vector first), one invocation per (direction,
 *    batch, hidden unit): the recurrent dot products H_{t-1}·Rᵀ + Rb for that unit's gates, the
 *    gate equations, and the writes of y[t] and of the new state. Both directions of a
 *    bidirectional layer run in the same dispatches. One dispatch per step in one command encoder
 *    is fine for the sequence lengths of the models we compile (tens of steps); a persistent
 *    kernel looping over time would need a grid-wide barrier, which WebGPU does not have.
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

import type { Node, Value } from '../../ir/graph.js';
import type { Op, RnnActivation } from '../../ir/ops.js';
import type { CodegenContext, Kernel, KernelGenerator } from '../kernel.js';
import { WG, declareBindings, dimsOf, dispatch1d, f32Lit, flatMain } from '../wgsl.js';
import { defaultGemmTiling, emitGemm } from './gemm-core.js';
import { requireFloat } from './grid.js';
import { kernelName, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

type RnnOp = Extract<Op, { kind: 'rnn' }>;

/** Storage buffers the widest step kernel binds (lstm: xw r bias lens p sIn → y sOut). */
const BINDINGS_NEEDED = 8;

/** WGSL for activation `fn` of `v` with its parameters. */
function activationWgsl(fn: RnnActivation, alpha: number, beta: number, v: string, h: WgslHelpers): string {
  const a = f32Lit(alpha);
  const b = f32Lit(beta);
  switch (fn) {
    case 'relu':
      return `max(${v}, 0.0)`;
    case 'tanh':
      return `${h.use('tanh')}(${v})`;
    case 'sigmoid':
      return `${h.use('sigmoid')}(${v})`;
    case 'affine':
      return `${a} * ${v} + ${b}`;
    case 'leakyRelu':
      return `select(${a} * ${v}, ${v}, ${v} >= 0.0)`;
    case 'thresholdedRelu':
      return `select(0.0, ${v}, ${v} > ${a})`;
    case 'scaledTanh':
      return `${a} * ${h.use('tanh')}(${b} * ${v})`;
    case 'hardSigmoid':
      return `clamp(${a} * ${v} + ${b}, 0.0, 1.0)`;
    case 'elu':
      return `select(${a} * ${h.use('expm1')}(${v}), ${v}, ${v} >= 0.0)`;
    case 'softsign':
      return `${v} / (1.0 + abs(${v}))`;
    case 'softplus':
      return `${h.use('softplus')}(${v})`;
    default: {
      const never: never = fn;
      throw new Error(`rnn: unknown activation '${String(never)}'`);
    }
  }
}

/**
 * `fn act<j>(d: u32, v: f32) -> f32` for each of the cell's functions (f, g, h), choosing by
 * direction when the two directions differ, and `fn clipped(v: f32) -> f32`.
 */
function activationFns(op: RnnOp, D: number, h: WgslHelpers): string {
  const perDir = op.activations.length / D;
  const expr = (i: number) => activationWgsl(op.activations[i]!, op.activationAlpha[i]!, op.activationBeta[i]!, 'v', h);
  const fns: string[] = [];
  for (let j = 0; j < perDir; j++) {
    const e0 = expr(j);
    const e1 = D === 2 ? expr(perDir + j) : e0;
    const body = e0 === e1 ? `return ${e0};` : `if (d == 0u) { return ${e0}; }\n  return ${e1};`;
    // `d` is unused when the directions agree; WGSL allows unused parameters.
    fns.push(`fn act${j}(d: u32, v: f32) -> f32 {\n  ${body}\n}`);
  }
  // A clip beyond f32's range bounds nothing (and has no finite literal).
  const bounded = op.clip < 3.4e38;
  fns.push(`fn clipped(v: f32) -> f32 { return ${bounded ? `clamp(v, ${f32Lit(-op.clip)}, ${f32Lit(op.clip)})` : 'v'}; }`);
  return fns.join('\n\n');
}

/** A flat kernel (one invocation per `total`) with named bindings. */
function flat(
  node: Node,
  ctx: CodegenContext,
  suffix: string,
  ins: [string, Value][],
  outs: [string, Value][],
  total: number,
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
  const [S, B, I] = dimsOf(x) as [number, number, number];
  const D = op.direction === 'bidirectional' ? 2 : 1;
  const H = op.hiddenSize;
  const G = lstm ? 4 : op.cell === 'gru' ? 3 : 1;
  const GH = G * H;
  const DBH = D * B * H;
  if (B === 0) return [];

  const kernels: Kernel[] = [];
  const f32 = (shape: number[]) => ({ dtype: 'float32' as const, shape });
  const stateSize = 1 + DBH * (lstm ? 2 : 1);
  const states = [ctx.scratch(f32([stateSize]), 'stateA'), ctx.scratch(f32([stateSize]), 'stateB')];
  const cAt = 1 + DBH; // where c starts in a state buffer

  // 1. xw = x·Wᵀ + Wb for every step and direction: M = S·B rows, N = G·H, K = I, batch = D.
  // (An empty sequence has no steps, so neither the projection nor its buffer.)
  const xw = S > 0 ? ctx.scratch(f32([D, S * B, GH]), 'xw') : undefined;
  if (xw) {
    const M = S * B;
    const t = defaultGemmTiling(M, GH, I);
    const { wgsl, workgroups } = emitGemm(
      {
        M,
        N: GH,
        K: I,
        batch: D,
        a: { name: 'x', kContiguous: true, ld: I, baseAligned4: true },
        b: { name: 'w', kContiguous: true, ld: I, baseAligned4: D === 1 || (GH * I) % 4 === 0 },
        declarations: (aVec4, bVec4) =>
          [
            `@group(0) @binding(0) var<storage, read> x: array<${aVec4 ? 'vec4<f32>' : 'f32'}>;`,
            `@group(0) @binding(1) var<storage, read> w: array<${bVec4 ? 'vec4<f32>' : 'f32'}>;`,
            '@group(0) @binding(2) var<storage, read> bias: array<f32>;',
            '@group(0) @binding(3) var<storage, read_write> xw: array<f32>;',
          ].join('\n'),
        batchPrologue: `let aBase = 0u;\n  let bBase = bz * ${GH * I}u;\n  let oBase = bz * ${M * GH}u;`,
        store: (m, n, acc) => `xw[oBase + ${m} * ${GH}u + ${n}] = ${acc} + bias[bz * ${2 * GH}u + ${n}];`,
      },
      t,
      ctx.limits.maxComputeWorkgroupsPerDimension,
    );
    kernels.push({ name: kernelName(node, 'proj'), wgsl, inputs: [x, w, bias], outputs: [xw], workgroups });
  }

  // 2. The initial state, step counter 0.
  const initIns: [string, Value][] = [['h0', h0]];
  if (lstm) initIns.push(['c0', c0!]);
  const initBody = ['if (idx == 0u) { st[0] = 0.0; }', 'st[1u + idx] = h0[idx];'];
  if (lstm) initBody.push(`st[${cAt}u + idx] = c0[idx];`);
  kernels.push(flat(node, ctx, 'init', initIns, [['st', states[0]!]], DBH, '', initBody));

  // 3. The steps. Shared prologue: the step t, this invocation's (d, b, j), and the inactive case.
  const helpers = new WgslHelpers();
  const acts = activationFns(op, D, helpers);
  const prelude = [helpers.render(), acts].filter((s) => s !== '').join('\n\n');
  const tt = op.direction === 'forward' ? 't' : op.direction === 'reverse' ? 'len - 1u - t' : 'select(t, len - 1u - t, d == 1u)';
  const coords = [
    'let t = u32(sIn[0]);',
    `let d = idx / ${B * H}u;`,
    `let bb = (idx / ${H}u) % ${B}u;`,
    `let j = idx % ${H}u;`,
    `let len = min(u32(max(lens[bb], 0)), ${S}u);`,
  ];
  // Past this entry's length: keep the state, zeros in y at step t.
  const inactive = [
    'if (t >= len) {',
    '  sOut[1u + idx] = sIn[1u + idx];',
    ...(lstm ? [`  sOut[${cAt}u + idx] = sIn[${cAt}u + idx];`] : []),
    `  y[((t * ${D}u + d) * ${B}u + bb) * ${H}u + j] = 0.0;`,
    '  return;',
    '}',
  ];
  const located = [
    `let tt = ${tt};`,
    `let xwAt = d * ${S * B * GH}u + (tt * ${B}u + bb) * ${GH}u + j;`,
    `let rAt = d * ${GH * H}u + j * ${H}u;`,
    `let bAt = d * ${2 * GH}u + ${GH}u + j;`,
    `let row = (d * ${B}u + bb) * ${H}u;`,
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
  const store = (hNew: string) => ['sOut[1u + idx] = ' + hNew + ';', `y[((tt * ${D}u + d) * ${B}u + bb) * ${H}u + j] = ${hNew};`];
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
        `let cPrev = sIn[${cAt}u + idx];`,
        `let pAt = d * ${3 * H}u + j;`,
        `let gi = act0(d, clipped(${pre(0)} + p[pAt] * cPrev));`,
        op.inputForget ? 'let gf = 1.0 - gi;' : `let gf = act0(d, clipped(${pre(2)} + p[pAt + ${2 * H}u] * cPrev));`,
        `let gc = act1(d, clipped(${pre(3)}));`,
        'let cNew = gf * cPrev + gi * gc;',
        `let go = act0(d, clipped(${pre(1)} + p[pAt + ${H}u] * cNew));`,
        'let hNew = go * act2(d, cNew);',
        `sOut[${cAt}u + idx] = cNew;`,
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
        gates = ctx.scratch(f32([2 * DBH]), 'gates');
        gatesBody = [
          ...coords,
          'if (t >= len) { return; }',
          ...located,
          ...dots([0, 1], 'sIn', 'hAt'),
          `gates[idx] = act0(d, clipped(${pre(0)}));`,
          `gates[${DBH}u + idx] = act0(d, clipped(${pre(1)})) * sIn[1u + idx];`,
        ];
        body = [
          ...dots([2], 'gates', `${DBH}u + row`),
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
  const finalBody = [`let empty = lens[(idx / ${H}u) % ${B}u] <= 0;`, 'yH[idx] = select(st[1u + idx], 0.0, empty);'];
  if (lstm) finalBody.push(`yC[idx] = select(st[${cAt}u + idx], 0.0, empty);`);
  kernels.push(flat(node, ctx, 'final', [['lens', lens], ['st', last]], finalOuts, DBH, '', finalBody));
  return kernels;
};
