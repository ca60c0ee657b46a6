/**
 * Pieces shared by the two schedules of the recurrent layer op `rnn` (recurrent.ts loops over time
 * inside one kernel; recurrent-steps.ts dispatches once per step): the cell's activation functions
 * in WGSL, and the input projection of every step at once — xw[d, t·B + b, :] = x[t, b, :]·W[d]ᵀ
 * + Wb[d] (+ Rb[d] where the cell adds it unchanged) — as one batched GEMM (the register-blocked
 * emitter in gemm-core.ts, batch = directions) whose row count M = S·B may be symbolic.
 */

import { dimMul, type Dim } from '../../ir/dim.js';
import type { Node, Value } from '../../ir/graph.js';
import type { Op, RnnActivation } from '../../ir/ops.js';
import type { CodegenContext, Kernel } from '../kernel.js';
import { u32 } from '../dims.js';
import { f32Lit } from '../wgsl.js';
import { defaultGemmTiling, emitGemm } from './gemm-core.js';
import { kernelName } from './common.js';
import type { WgslHelpers } from './wgsl-math.js';

export type RnnOp = Extract<Op, { kind: 'rnn' }>;

/** Gate count per cell: rnn 1, gru 3 (z r h), lstm 4 (i o f c). */
export function gatesOf(op: RnnOp): number {
  return op.cell === 'lstm' ? 4 : op.cell === 'gru' ? 3 : 1;
}

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
export function activationFns(op: RnnOp, D: number, h: WgslHelpers): string {
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

/**
 * Which recurrent biases the projection adds: none, or Rb for every gate but GRU's candidate
 * under linear_before_reset (which scales h·Rhᵀ + Rbh by r, so Rbh cannot move out).
 */
export type RecurrentBiasFold = 'none' | 'outside-reset';

/**
 * The projection kernel: writes `xw` [D, S·B, G·H] from x [S, B, I], w [D, G·H, I] and
 * bias [D, 2·G·H]. S and B may be symbolic (M = S·B rows).
 */
export function projectionKernel(
  node: Node,
  ctx: CodegenContext,
  io: { x: Value; w: Value; bias: Value; xw: Value },
  sizes: { S: Dim; B: Dim; I: number; D: number; GH: number; H: number },
  fold: RecurrentBiasFold,
): Kernel {
  const { S, B, I, D, GH, H } = sizes;
  const op = node.op as RnnOp;
  const M = dimMul(S, B);
  let bias = (n: string) => `bias[bz * ${2 * GH}u + ${n}]`;
  if (fold === 'outside-reset') {
    const wb = bias;
    const rb = (n: string) => `bias[bz * ${2 * GH}u + ${GH}u + ${n}]`;
    const keepOut = op.cell === 'gru' && op.linearBeforeReset;
    // Both reads stay in range; the select drops Rbh of GRU's candidate gate when it must stay out.
    bias = keepOut ? (n) => `${wb(n)} + select(0.0, ${rb(n)}, ${n} < ${2 * H}u)` : (n) => `${wb(n)} + ${rb(n)}`;
  }
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
      batchPrologue: `let aBase = 0u;\n  let bBase = bz * ${GH * I}u;\n  let oBase = bz * ${u32(dimMul(M, GH))};`,
      store: (m, n, acc) => `xw[oBase + ${m} * ${GH}u + ${n}] = ${acc} + ${bias(n)};`,
    },
    defaultGemmTiling(M, GH, I),
    ctx.limits.maxComputeWorkgroupsPerDimension,
  );
  return { name: kernelName(node, 'proj'), wgsl, inputs: [io.x, io.w, io.bias], outputs: [io.xw], workgroups };
}
