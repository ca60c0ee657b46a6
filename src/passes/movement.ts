/**
 * Data-movement simplification: chains of transposes and of reshapes collapse into one, a
 * transpose that only moves size-1 axes becomes a reshape (a view, no kernel), and transposes
 * sink through elementwise ops when that brings them onto another transpose they merge with.
 *
 * Sinking is guarded by `sinkPaysOff`: moving a transpose below an op keeps the kernel count, so
 * it happens only where the chain of single-reader elementwise ops below ends at a transpose
 * (the two merge, often into nothing) or at a binary op whose other operand carries the same
 * transpose (the two become one). Elsewhere transposes stay where the exporter put them.
 */

import type { Graph, Node, Value } from '../../ir/graph.js';
import { isElementwise } from '../../ir/ops.js';
import { normalizePerm } from '../../ir/infer.js';
import { invertPerm, isIdentityPerm, sameType, usersOf } from './graph-edit.js';
import { rulePass } from './pass.js';
import { op, rule, v, type Builder, type Match } from './rewrite.js';

function permOf(n: Node): number[] {
  if (n.op.kind !== 'transpose') throw new Error(`expected a transpose, got ${n.op.kind}`);
  return normalizePerm(n.op.perm, n.inputs[0]!.rank);
}

/** Whether a transpose keeps every axis longer than 1 in order (then it only reshapes). */
function movesOnlyUnitAxes(n: Node): boolean {
  const shape = n.inputs[0]!.type.shape;
  const perm = permOf(n);
  if (isIdentityPerm(perm)) return false; // remove-noops drops it
  const kept = perm.filter((p) => shape[p] !== 1);
  return kept.every((p, i) => i === 0 || p > kept[i - 1]!);
}

/** The other operand of a binary node, and whether `x` is its first operand. */
function otherOperand(n: Node, x: Value): { other: Value; xFirst: boolean } {
  return n.inputs[0] === x ? { other: n.inputs[1]!, xFirst: true } : { other: n.inputs[0]!, xFirst: false };
}

/** A transpose by `perm` whose output has a single reader and is not a graph output. */
function isTransposeWith(x: Value, perm: readonly number[], users: Map<Value, Node[]>, g: Graph): boolean {
  const p = x.producer;
  return p?.op.kind === 'transpose' && (users.get(x)?.length ?? 0) === 1 && !g.outputs.includes(x) && permOf(p).join() === perm.join();
}

/** An elementwise node the transpose can pass (its output keeps the operand's type). */
function sinkable(n: Node, x: Value, perm: readonly number[], users: Map<Value, Node[]>, g: Graph): boolean {
  if (!isElementwise(n.op) || n.op.kind === 'where' || !sameType({ dtype: n.outputs[0]!.type.dtype, shape: x.type.shape }, n.outputs[0]!.type)) return false;
  if (n.op.kind !== 'binary') return true;
  const { other } = otherOperand(n, x);
  return other === x || other.isConstant || isTransposeWith(other, perm, users, g);
}

/**
 * Whether a transpose by `perm` placed on `x` would meet a transpose to merge with, passing only
 * through single-reader elementwise ops.
 */
function sinkPaysOff(g: Graph, x: Value, perm: readonly number[], depth = 0): boolean {
  const users = usersOf(g);
  const readers = users.get(x) ?? [];
  if (readers.length !== 1 || g.outputs.includes(x) || depth > 16) return false;
  const n = readers[0]!;
  if (n.op.kind === 'transpose') return true;
  if (!sinkable(n, x, perm, users, g)) return false;
  if (n.op.kind === 'binary' && isTransposeWith(otherOperand(n, x).other, perm, users, g)) return true;
  return sinkPaysOff(g, n.outputs[0]!, perm, depth + 1);
}

/** A constant operand moved above a transpose by `perm`: rank-padded and inversely transposed. */
function unpermuted(b: Builder, c: Value, perm: readonly number[]): Value {
  const rank = perm.length;
  const padded = c.rank === rank ? c : b.add({ kind: 'reshape', shape: [...Array<number>(rank - c.rank).fill(1), ...c.type.shape] }, [c]);
  return b.add({ kind: 'transpose', perm: invertPerm(perm) }, [padded]);
}

/** Rebuilds the root elementwise op on un-transposed operands, then transposes the result. */
function sinkTranspose(m: Match, b: Builder): Value | undefined {
  const n = m.root;
  const t = m.node('t');
  const x = m.value('t');
  const perm = permOf(t);
  const users = usersOf(b.graph);
  if (!sinkable(n, x, perm, users, b.graph) || (users.get(x)?.length ?? 0) !== 1 || b.graph.outputs.includes(x)) return undefined;
  let inputs: Value[];
  if (n.op.kind === 'binary') {
    const { other, xFirst } = otherOperand(n, x);
    const both = isTransposeWith(other, perm, users, b.graph);
    if (!both && !sinkPaysOff(b.graph, n.outputs[0]!, perm)) return undefined;
    const moved = other === x ? t.inputs[0]! : both ? other.producer!.inputs[0]! : unpermuted(b, other, perm);
    inputs = xFirst ? [t.inputs[0]!, moved] : [moved, t.inputs[0]!];
  } else {
    if (!sinkPaysOff(b.graph, n.outputs[0]!, perm)) return undefined;
    inputs = [t.inputs[0]!];
  }
  return b.add({ kind: 'transpose', perm }, [b.add(n.op, inputs)]);
}

const x = v('x');
const transposed = op('transpose', [x], { name: 't' });

export const MOVEMENT_RULES = [
  // transpose(transpose(x, p), q) → transpose(x, p∘q)
  rule(op('transpose', [op('transpose', [x], { name: 'inner' })]), (m, b) => {
    const p = permOf(m.node('inner'));
    const q = permOf(m.root);
    return b.add({ kind: 'transpose', perm: q.map((i) => p[i]!) }, [m.value('x')]);
  }),
  // reshape(reshape(x)) → reshape(x)
  rule(op('reshape', [op('reshape', [x])]), (m, b) => b.add(m.op('reshape'), [m.value('x')])),
  // transpose(x) moving only size-1 axes → reshape(x)
  rule(op('transpose', [x], { test: (_o, n) => movesOnlyUnitAxes(n) }), (m, b) =>
    b.add({ kind: 'reshape', shape: [...m.root.outputs[0]!.type.shape] }, [m.value('x')]),
  ),
  // f(transpose(x, p)) → transpose(f(x), p), where it meets another transpose below
  rule(op('unary', [transposed]), sinkTranspose),
  rule(op('cast', [transposed]), sinkTranspose),
  // transpose(a, p) ⊙ c → transpose(a ⊙ c', p), and transpose(a, p) ⊙ transpose(b, p) → transpose(a ⊙ b, p)
  rule(op('binary', [transposed, v('y')], { commutative: true }), sinkTranspose),
];

export const simplifyMovementPass = rulePass(
  'simplify-movement',
  'collapse transpose and reshape chains, turn unit-axis transposes into reshapes, sink transposes onto others',
  MOVEMENT_RULES,
);
