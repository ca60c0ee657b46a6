/**
 * Optimizer update steps → elementwise IR subgraphs.
 *
 * ONNX: Adagrad, Momentum (domain ai.onnx.preview.training, opset 1). Each updates n
 * tensors at once: inputs R (learning rate, float scalar), T (update count, int64 scalar), then
 * n tensors per group — X (the parameters), G (their gradients), and the optimizer's state
 * (Adagrad: H, accumulated squared gradients; Momentum: V) — each group listed
 * X_1..X_n, G_1..G_n, …; outputs X_new_1..n, then the new state tensors. The step is
 * deterministic arithmetic on the values (T only enters as a number: a decay, or whether the
 * step is the first), so it lowers exactly to elementwise ops, the
 * scalars broadcasting; each tensor's math runs in its own float type, R and T cast to it.
 * Formulas (g = norm_coefficient·X + G, as the ONNX spec and reference):
 * - Adagrad: r = R / (1 + T·decay_factor); H' = H + g²; X' = X − r·g / (√H' + ε).
 * - Momentum: b = T > 0 ? beta : 1; V' = alpha·V + b·g; X' = X − R·V' (standard) or
 *   X − R·(g + alpha·V') (nesterov).
 * Adam stays refused (refused.ts): it lowers the same way, but the ONNX backend test
 * test_adam_multiple expects ε = 1e-2 while its node omits epsilon (default 1e-6), so a correct
 * lowering fails it.
 * Types: float tensors; R float, T int64 (any numeric is cast).
 */

import type { Value } from '../../../ir/graph.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { binary, castTo, scalarOf, unaryOf, where } from './lowering.js';

const TRAINING_DOMAIN = 'ai.onnx.preview.training';

/** The n tensors of each of `groups` input groups after R and T, checked against the outputs. */
function groupsOf(ctx: ImportContext, groups: number): Value[][] {
  const rest = ctx.inputCount - 2;
  if (rest <= 0 || rest % groups !== 0) ctx.fail(`expected R, T and ${groups} groups of n tensors, got ${ctx.inputCount} inputs`);
  const n = rest / groups;
  if (ctx.outputCount > n * groups) ctx.fail(`expected at most ${n * groups} outputs for ${n} tensors, got ${ctx.outputCount}`);
  return Array.from({ length: groups }, (_, k) => Array.from({ length: n }, (_, i) => ctx.input(2 + k * n + i, `#${2 + k * n + i}`)));
}

/** Shared per-tensor helpers: R and T as scalars of x's type, constants, and the output node. */
function stepper(ctx: ImportContext) {
  const r = ctx.input(0, 'R');
  const t = ctx.input(1, 'T');
  if (r.rank !== 0 && !(r.rank === 1 && r.type.shape[0] === 1)) ctx.fail(`input R must be a scalar, got rank ${r.rank}`);
  return {
    r: (x: Value) => castTo(ctx, r, x.type.dtype),
    t: (x: Value) => castTo(ctx, t, x.type.dtype),
    /** T > 0 as a bool scalar. */
    started: () => binary(ctx, 'greater', t, ctx.scalar('zero', t.type.dtype, 0)),
    k: (x: Value, label: string, v: number) => scalarOf(ctx, label, x.type.dtype, v),
    mul: (a: Value, b: Value) => binary(ctx, 'mul', a, b),
    add: (a: Value, b: Value) => binary(ctx, 'add', a, b),
    div: (a: Value, b: Value) => binary(ctx, 'div', a, b),
    /** The node computing ONNX output `index` when requested, else an intermediate one. */
    out: (index: number, fn: 'add' | 'sub' | 'mul', a: Value, b: Value): Value =>
      ctx.hasOutput(index) ? ctx.addOut1({ kind: 'binary', fn }, [a, b], index) : binary(ctx, fn, a, b),
  };
}

function adagrad(ctx: ImportContext): ImportResult {
  const [xs, gs, hs] = groupsOf(ctx, 3) as [Value[], Value[], Value[]];
  const s = stepper(ctx);
  const n = xs.length;
  const [decay, eps, norm] = [ctx.getFloat('decay_factor', 0), ctx.getFloat('epsilon', 0), ctx.getFloat('norm_coefficient', 0)];
  const out: Value[] = new Array<Value>(2 * n);
  xs.forEach((x, i) => {
    const rate = s.div(s.r(x), s.add(s.k(x, 'one', 1), s.mul(s.t(x), s.k(x, 'decay_factor', decay))));
    const g = s.add(s.mul(s.k(x, 'norm_coefficient', norm), x), gs[i]!);
    const h = s.out(n + i, 'add', hs[i]!, s.mul(g, g));
    const denom = s.add(unaryOf(ctx, 'sqrt', h), s.k(x, 'epsilon', eps));
    out[i] = s.out(i, 'sub', x, s.div(s.mul(rate, g), denom));
    out[n + i] = h;
  });
  return out;
}

function momentum(ctx: ImportContext): ImportResult {
  const [xs, gs, vs] = groupsOf(ctx, 3) as [Value[], Value[], Value[]];
  const s = stepper(ctx);
  const n = xs.length;
  const [alpha, beta, norm] = [ctx.getFloat('alpha'), ctx.getFloat('beta'), ctx.getFloat('norm_coefficient')];
  const mode = ctx.getString('mode');
  if (mode !== 'standard' && mode !== 'nesterov') ctx.fail(`mode must be 'standard' or 'nesterov', got '${mode}'`);
  const out: Value[] = new Array<Value>(2 * n);
  xs.forEach((x, i) => {
    const g = s.add(s.mul(s.k(x, 'norm_coefficient', norm), x), gs[i]!);
    // The first step (T = 0) takes the whole gradient.
    const b = where(ctx, s.started(), s.k(x, 'beta', beta), s.k(x, 'one', 1));
    const v = s.out(n + i, 'add', s.mul(s.k(x, 'alpha', alpha), vs[i]!), s.mul(b, g));
    const step = mode === 'standard' ? v : s.add(g, s.mul(s.k(x, 'alpha', alpha), v));
    out[i] = s.out(i, 'sub', x, s.mul(s.r(x), step));
    out[n + i] = v;
  });
  return out;
}

export const optimizerImporters: OpImporter[] = [
  { opType: 'Adagrad', domain: TRAINING_DOMAIN, since: 1, until: 1, import: adagrad },
  { opType: 'Momentum', domain: TRAINING_DOMAIN, since: 1, until: 1, import: momentum },
];
