/**
 * Recognition of decomposed normalizations: LayerNorm spelled as ReduceMean/Sub/Pow/ReduceMean/
 * Add/Sqrt/Div (then Mul by γ, Add of β), and Softmax / LogSoftmax spelled as Exp / ReduceSum /
 * Div (with or without subtracting the max first — with it is the same value, computed stably).
 *
 * LayerNorm is recognized at its normalizing Div (or Mul by a reciprocal square root), with scale
 * 1; two more rules then absorb a following Mul by a constant γ and Add of a constant β into its
 * scale and bias — which also folds an affine map an exporter left after a real LayerNorm.
 * The reduced axes must be the trailing ones, which is what layerNorm normalizes over.
 */

import type { Node, Value } from '../../ir/graph.js';
import { isFloat } from '../../ir/dtype.js';
import { broadcastsInto, makeTensor, scalarValue, staticDims, useCounts, type OpOf } from './graph-edit.js';
import { rulePass } from './pass.js';
import { binary, c, op, rule, type Builder, type Match } from './rewrite.js';

/** The producer of `x` if it is a `kind` node (passing `test`), read only once when `single`. */
function producerOf<K extends Node['op']['kind']>(
  x: Value,
  kind: K,
  uses: Map<Value, number>,
  single: boolean,
  test: (o: OpOf<K>) => boolean = () => true,
): (Node & { op: OpOf<K> }) | undefined {
  const p = x.producer;
  if (!p || p.op.kind !== kind || (single && uses.get(x) !== 1) || !test(p.op as OpOf<K>)) return undefined;
  return p as Node & { op: OpOf<K> };
}

/** The binary node's operands as (non-constant, scalar constant), either order. */
function withScalar(n: Node): [Value, number] | undefined {
  const [a, b] = n.inputs as [Value, Value];
  const sb = scalarValue(b);
  if (sb !== undefined) return [a, sb];
  const sa = scalarValue(a);
  return sa !== undefined ? [b, sa] : undefined;
}

/** `a` when the sorted `axes` are exactly the trailing axes [a, rank) (empty = all), else undefined. */
function trailingAxis(axes: readonly number[], rank: number): number | undefined {
  if (axes.length === 0) return rank === 0 ? undefined : 0;
  return axes.every((a, i) => a === rank - axes.length + i) ? axes[0] : undefined;
}

interface LayerNormParts {
  x: Value;
  axis: number;
  epsilon: number;
}

/**
 * The reduced axes and ε when `stdPlusEps` (the value under the square root, or raised to ±½) is
 * mean(d²) + ε over some axes, the square written as d² or d·d.
 */
function varianceOf(d: Value, stdPlusEps: Value, uses: Map<Value, number>): { axes: number[]; epsilon: number } | undefined {
  const add = producerOf(stdPlusEps, 'binary', uses, true, (o) => o.fn === 'add');
  const parts = add && withScalar(add);
  if (!parts) return undefined;
  const [variance, epsilon] = parts;
  const mean = producerOf(variance, 'reduce', uses, true, (o) => o.fn === 'mean' && o.keepdims);
  const sq = mean && mean.inputs[0]!;
  const sqNode = sq && producerOf(sq, 'binary', uses, true, (o) => o.fn === 'pow' || o.fn === 'mul');
  if (!mean || !sqNode) return undefined;
  const squares = sqNode.op.fn === 'pow' ? sqNode.inputs[0] === d && scalarValue(sqNode.inputs[1]!) === 2 : sqNode.inputs[0] === d && sqNode.inputs[1] === d;
  return squares ? { axes: mean.op.axes, epsilon } : undefined;
}

/** x, axis and ε of a decomposed layer norm whose normalizing node is `root`. */
function layerNormParts(root: Node, uses: Map<Value, number>): LayerNormParts | undefined {
  if (root.op.kind !== 'binary') return undefined;
  const [a, b] = root.inputs as [Value, Value];
  let d: Value | undefined;
  let stats: { axes: number[]; epsilon: number } | undefined;
  const sqrtOf = (v: Value) => producerOf(v, 'unary', uses, true, (o) => o.fn === 'sqrt');
  const powOf = (v: Value) => producerOf(v, 'binary', uses, true, (o) => o.fn === 'pow');
  if (root.op.fn === 'div') {
    // (x − mean) / √(var + ε), or / (var + ε)^½
    d = a;
    const sq = sqrtOf(b);
    const pw = powOf(b);
    if (sq) stats = varianceOf(d, sq.inputs[0]!, uses);
    else if (pw && scalarValue(pw.inputs[1]!) === 0.5) stats = varianceOf(d, pw.inputs[0]!, uses);
  } else if (root.op.fn === 'mul') {
    // (x − mean) · 1/√(var + ε), or · (var + ε)^−½, either operand order
    for (const [dd, inv] of [[a, b], [b, a]] as [Value, Value][]) {
      const rec = producerOf(inv, 'unary', uses, true, (o) => o.fn === 'reciprocal');
      const sq = rec && sqrtOf(rec.inputs[0]!);
      const pw = powOf(inv);
      if (sq) stats = varianceOf(dd, sq.inputs[0]!, uses);
      else if (pw && scalarValue(pw.inputs[1]!) === -0.5) stats = varianceOf(dd, pw.inputs[0]!, uses);
      if (stats) {
        d = dd;
        break;
      }
    }
  }
  if (!d || !stats) return undefined;
  const sub = producerOf(d, 'binary', uses, false, (o) => o.fn === 'sub');
  const mean = sub && producerOf(sub.inputs[1]!, 'reduce', uses, true, (o) => o.fn === 'mean' && o.keepdims);
  const x = sub?.inputs[0];
  if (!mean || !x || mean.inputs[0] !== x || mean.op.axes.join() !== stats.axes.join() || !isFloat(x.type.dtype)) return undefined;
  const axis = trailingAxis(mean.op.axes, x.rank);
  return axis === undefined ? undefined : { x, axis, epsilon: stats.epsilon };
}

function recognizeLayerNorm(m: Match, b: Builder): Value | undefined {
  const p = layerNormParts(m.root, useCounts(b.graph));
  if (!p) return undefined;
  // Scale 1 over the normalized dims (a scalar when they are symbolic); γ and β fold in next.
  const norm = staticDims(p.x.type.shape.slice(p.axis));
  const ones = norm ? makeTensor(p.x.type.dtype, norm, new Array<number>(norm.reduce((s, n) => s * n, 1)).fill(1)) : makeTensor(p.x.type.dtype, [], [1]);
  return b.add({ kind: 'layerNorm', axis: p.axis, epsilon: p.epsilon }, [p.x, b.constant(ones)]);
}

/** layerNorm · γ or layerNorm + β with a constant broadcasting into the normalized dims. */
function absorbAffine(m: Match, b: Builder): Value | undefined {
  const ln = m.node('ln');
  const k = m.value('k');
  const o = ln.op as OpOf<'layerNorm'>;
  const [x, scale, bias] = ln.inputs as [Value, Value, Value | undefined];
  if (!broadcastsInto(k.type.shape, x.type.shape.slice(o.axis))) return undefined;
  const fn = m.op('binary').fn;
  if (fn === 'mul') {
    const s = b.add({ kind: 'binary', fn: 'mul' }, [scale, k]);
    return b.add(o, bias ? [x, s, b.add({ kind: 'binary', fn: 'mul' }, [bias, k])] : [x, s]);
  }
  return b.add(o, [x, scale, bias ? b.add({ kind: 'binary', fn: 'add' }, [bias, k]) : k]);
}

/** softmax(x) from exp(z) / Σ exp(z) or z − log Σ exp(z), z = x or x − max(x), one axis. */
function recognizeSoftmax(m: Match, b: Builder): Value | undefined {
  const uses = useCounts(b.graph);
  const root = m.root;
  const fn = m.op('binary').fn;
  let [a, d] = root.inputs as [Value, Value];
  // exp(z) · 1/Σ in either operand order
  if (fn === 'mul' && producerOf(a, 'unary', uses, true, (o) => o.fn === 'reciprocal')) [a, d] = [d, a];
  let z: Value | undefined;
  let sumNode: Node | undefined;
  const sumOf = (v: Value) => producerOf(v, 'reduce', uses, true, (o) => o.fn === 'sum' && o.keepdims);
  if (fn === 'div' || fn === 'mul') {
    const s = fn === 'div' ? d : producerOf(d, 'unary', uses, true, (o) => o.fn === 'reciprocal')?.inputs[0];
    const e = producerOf(a, 'unary', uses, false, (o) => o.fn === 'exp');
    sumNode = s && sumOf(s);
    if (!e || sumNode?.inputs[0] !== a) return undefined;
    z = e.inputs[0];
  } else if (fn === 'sub') {
    const lg = producerOf(d, 'unary', uses, true, (o) => o.fn === 'log');
    sumNode = lg && sumOf(lg.inputs[0]!);
    const e = sumNode && producerOf(sumNode.inputs[0]!, 'unary', uses, true, (o) => o.fn === 'exp');
    if (!e || e.inputs[0] !== a) return undefined;
    z = a;
  }
  if (!z || !sumNode || sumNode.op.kind !== 'reduce' || !isFloat(z.type.dtype)) return undefined;
  const axes = sumNode.op.axes.length === 0 && z.rank === 1 ? [0] : sumNode.op.axes;
  if (axes.length !== 1) return undefined;
  // z = x − max(x) over the same axis, or x itself.
  let x = z;
  const sub = producerOf(z, 'binary', uses, false, (o) => o.fn === 'sub');
  const max = sub && producerOf(sub.inputs[1]!, 'reduce', uses, true, (o) => o.fn === 'max' && o.keepdims);
  if (max && max.inputs[0] === sub.inputs[0] && max.op.axes.join() === axes.join()) x = sub.inputs[0]!;
  return b.add({ kind: 'softmax', axis: axes[0]!, log: fn === 'sub' }, [x]);
}

const ln = op('layerNorm', undefined, { name: 'ln', oneUse: true });

export const NORMALIZATION_RULES = [
  // (x − mean(x)) / √(mean((x − mean(x))²) + ε) → layerNorm(x, 1)
  rule(op('binary', undefined, { test: (o) => o.fn === 'div' || o.fn === 'mul' }), recognizeLayerNorm),
  // layerNorm(x, g, b) · γ → layerNorm(x, g·γ, b·γ)
  rule(binary('mul', ln, c('k')), absorbAffine),
  // layerNorm(x, g, b) + β → layerNorm(x, g, b + β)
  rule(binary('add', ln, c('k')), absorbAffine),
  // exp(x − max x) / Σ exp(x − max x) → softmax(x)
  rule(op('binary', undefined, { test: (o) => o.fn === 'div' || o.fn === 'mul' }), recognizeSoftmax),
  // (x − max x) − log Σ exp(x − max x) → logSoftmax(x)
  rule(op('binary', undefined, { test: (o) => o.fn === 'sub' }), recognizeSoftmax),
];

export const recognizeNormalizationsPass = rulePass('recognize-normalizations', 'recognize decomposed LayerNorm, Softmax and LogSoftmax', NORMALIZATION_RULES);
