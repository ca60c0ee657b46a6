/**
 * Recognition of decomposed activations: the exporters spell SiLU, HardSwish and GELU as small
 * products of elementwise ops, in several operand orders; each becomes one `unary` op.
 *
 * A product is read as a whole: `productOf` flattens a tree of single-reader Mul nodes (and
 * divisions by a scalar constant) into its non-constant factors and one scalar, so
 * `x·0.5·(1+erf(x/√2))`, `(x·(1+erf(x·0.7071)))·0.5` and `0.5·x·(…)` are the same product
 * {x, 1+erf(…)} · 0.5. The argument of erf/tanh is read as a polynomial in x (`polyOf`) and
 * compared by coefficients, which covers x/√2, x·(1/√2), √(2/π)·(x + 0.044715·x³) and the
 * expanded forms alike. Every inner node must have no other reader, so nothing is computed twice.
 */

import type { Node, Value } from '../../ir/graph.js';
import { isFloat } from '../../ir/dtype.js';
import type { UnaryFn } from '../../ir/ops.js';
import { near, scalarValue, useCounts } from './graph-edit.js';
import { rulePass } from './pass.js';
import { op, rule, type Builder, type Match } from './rewrite.js';

export interface Product {
  factors: Value[];
  scale: number;
}

/** The factors and constant scale of the product rooted at `root` (a mul, or a div by a scalar). */
export function productOf(root: Node, uses: Map<Value, number>): Product {
  const factors: Value[] = [];
  let scale = 1;
  const walk = (x: Value, isRoot: boolean) => {
    const s = scalarValue(x);
    if (s !== undefined) {
      scale *= s;
      return;
    }
    const p = x.producer;
    const inner = p && p.op.kind === 'binary' && (isRoot || uses.get(x) === 1);
    if (inner && p.op.kind === 'binary' && p.op.fn === 'mul') {
      walk(p.inputs[0]!, false);
      walk(p.inputs[1]!, false);
    } else if (inner && p.op.kind === 'binary' && p.op.fn === 'div' && scalarValue(p.inputs[1]!) !== undefined) {
      scale /= scalarValue(p.inputs[1]!)!;
      walk(p.inputs[0]!, false);
    } else {
      factors.push(x);
    }
  };
  walk(root.outputs[0]!, true);
  return { factors, scale };
}

/** A polynomial in x: coefficient by degree. */
export type Poly = Map<number, number>;

function addPoly(a: Poly, b: Poly, sign: number): Poly {
  const out = new Map(a);
  for (const [d, k] of b) out.set(d, (out.get(d) ?? 0) + sign * k);
  return out;
}

function mulPoly(a: Poly, b: Poly): Poly {
  const out: Poly = new Map();
  for (const [da, ka] of a) for (const [db, kb] of b) out.set(da + db, (out.get(da + db) ?? 0) + ka * kb);
  return out;
}

/**
 * `e` as a polynomial in `x` (degree ≤ 3) built from single-reader add/sub/mul/div-by-constant/
 * pow-by-small-integer nodes and scalar constants; undefined otherwise.
 */
export function polyOf(e: Value, x: Value, uses: Map<Value, number>, depth = 0): Poly | undefined {
  if (e === x) return new Map([[1, 1]]);
  const s = scalarValue(e);
  if (s !== undefined) return new Map([[0, s]]);
  const p = e.producer;
  if (!p || p.op.kind !== 'binary' || uses.get(e) !== 1 || depth > 8) return undefined;
  const a = () => polyOf(p.inputs[0]!, x, uses, depth + 1);
  const b = () => polyOf(p.inputs[1]!, x, uses, depth + 1);
  let out: Poly | undefined;
  switch (p.op.fn) {
    case 'add':
    case 'sub': {
      const [pa, pb] = [a(), b()];
      out = pa && pb && addPoly(pa, pb, p.op.fn === 'add' ? 1 : -1);
      break;
    }
    case 'mul': {
      const [pa, pb] = [a(), b()];
      out = pa && pb && mulPoly(pa, pb);
      break;
    }
    case 'div': {
      const d = scalarValue(p.inputs[1]!);
      const pa = a();
      out = pa && d !== undefined ? new Map([...pa].map(([deg, k]) => [deg, k / d])) : undefined;
      break;
    }
    case 'pow': {
      const n = scalarValue(p.inputs[1]!);
      const pa = a();
      if (!pa || n === undefined || !Number.isInteger(n) || n < 1 || n > 3) return undefined;
      out = pa;
      for (let i = 1; i < n; i++) out = mulPoly(out, pa);
      break;
    }
    default:
      return undefined;
  }
  return out && [...out.keys()].every((d) => d <= 3) ? out : undefined;
}

/** Whether `p` has exactly the coefficients `want` (others zero), to float32 precision. */
export function polyIs(p: Poly | undefined, want: Record<number, number>): boolean {
  if (!p) return false;
  const degrees = new Set([...p.keys(), ...Object.keys(want).map(Number)]);
  return [...degrees].every((d) => {
    const k = p.get(d) ?? 0;
    const w = want[d] ?? 0;
    return w === 0 ? Math.abs(k) < 1e-7 : near(k, w);
  });
}

/** The non-constant operand of `1 + f(…)` (either order), if `s` is that sum with one reader. */
function onePlus(s: Value, fn: UnaryFn, uses: Map<Value, number>): Node | undefined {
  const p = s.producer;
  if (!p || p.op.kind !== 'binary' || p.op.fn !== 'add' || uses.get(s) !== 1) return undefined;
  const [a, b] = p.inputs as [Value, Value];
  const f = scalarValue(a) === 1 ? b : scalarValue(b) === 1 ? a : undefined;
  const g = f?.producer;
  return g && g.op.kind === 'unary' && g.op.fn === fn && uses.get(f!) === 1 ? g : undefined;
}

/** One activation: which scale the product must have, and whether `gate` is its gate of `x`. */
interface Activation {
  fn: UnaryFn;
  beta: number;
  scale: number;
  gate: (gate: Value, x: Value, uses: Map<Value, number>) => boolean;
}

const unaryOf = (s: Value, fn: UnaryFn, uses: Map<Value, number>): Node | undefined => {
  const p = s.producer;
  return p?.op.kind === 'unary' && p.op.fn === fn && uses.get(s) === 1 ? p : undefined;
};

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const SILU: Activation = { fn: 'silu', beta: 0, scale: 1, gate: (s, x, u) => unaryOf(s, 'sigmoid', u)?.inputs[0] === x };
const HARD_SWISH: Activation = {
  fn: 'hardSwish',
  beta: 0,
  scale: 1,
  gate: (s, x, u) => {
    const h = unaryOf(s, 'hardSigmoid', u);
    return h?.op.kind === 'unary' && h.inputs[0] === x && near(h.op.alpha, 1 / 6) && near(h.op.beta, 0.5);
  },
};
const HARD_SWISH_CLIP: Activation = {
  fn: 'hardSwish',
  beta: 0,
  scale: 1 / 6,
  gate: (s, x, u) => {
    const h = unaryOf(s, 'clip', u);
    return h?.op.kind === 'unary' && h.op.alpha === 0 && h.op.beta === 6 && polyIs(polyOf(h.inputs[0]!, x, u), { 0: 3, 1: 1 });
  },
};
const GELU_ERF: Activation = {
  fn: 'gelu',
  beta: 0,
  scale: 0.5,
  gate: (s, x, u) => {
    const e = onePlus(s, 'erf', u);
    return e !== undefined && polyIs(polyOf(e.inputs[0]!, x, u), { 1: Math.SQRT1_2 });
  },
};
const GELU_TANH: Activation = {
  fn: 'gelu',
  beta: 1,
  scale: 0.5,
  gate: (s, x, u) => {
    const t = onePlus(s, 'tanh', u);
    return t !== undefined && polyIs(polyOf(t.inputs[0]!, x, u), { 1: SQRT_2_OVER_PI, 3: SQRT_2_OVER_PI * 0.044715 });
  },
};

/** Replaces the product rooted at the match by `act` of x, if it is one. */
function recognize(act: Activation) {
  return (m: Match, b: Builder): Value | undefined => {
    const out = m.root.outputs[0]!;
    if (!isFloat(out.type.dtype)) return undefined;
    const uses = useCounts(b.graph);
    const { factors, scale } = productOf(m.root, uses);
    if (factors.length !== 2 || !near(scale, act.scale)) return undefined;
    for (const [x, gate] of [factors, [...factors].reverse()] as [Value, Value][]) {
      if (act.gate(gate, x, uses)) return b.add({ kind: 'unary', fn: act.fn, alpha: 0, beta: act.beta }, [x]);
    }
    return undefined;
  };
}

const product = op('binary', undefined, { test: (o) => o.fn === 'mul' || o.fn === 'div' });

export const ACTIVATION_RULES = [
  // x · sigmoid(x) → silu(x)
  rule(product, recognize(SILU)),
  // x · hardSigmoid(x) {α = 1/6, β = 1/2} → hardSwish(x)
  rule(product, recognize(HARD_SWISH)),
  // x · clip(x + 3, 0, 6) / 6 → hardSwish(x)
  rule(product, recognize(HARD_SWISH_CLIP)),
  // x · ½ · (1 + erf(x / √2)) → gelu(x)
  rule(product, recognize(GELU_ERF)),
  // x · ½ · (1 + tanh(√(2/π) · (x + 0.044715 x³))) → gelu_tanh(x)
  rule(product, recognize(GELU_TANH)),
];

export const recognizeActivationsPass = rulePass('recognize-activations', 'recognize decomposed SiLU, HardSwish and GELU (erf and tanh forms)', ACTIVATION_RULES);
