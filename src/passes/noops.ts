/**
 * No-op removal: ops that return their input unchanged disappear, their readers reading the
 * input. Each rule keeps the value's type exactly (a broadcast that grows the shape, or a cast
 * that changes the dtype, is not a no-op), which `keep` checks.
 *
 * Identity and Dropout are already gone at import (they alias their input); the Identity nodes
 * left are the ones that give a graph output its own name, which must stay when the input is a
 * graph input or another output (`applyRules` declines those replacements).
 *
 * Adding +0 turns −0 into +0, the one bit a removal can change; onnxruntime removes it alike.
 */

import type { Value } from '../../ir/graph.js';
import { normalizePerm, resolveSliceDims } from '../../ir/infer.js';
import { broadcastShapes } from '../../ir/shape.js';
import { isIdentityPerm, sameDims, sameType } from './graph-edit.js';
import { rulePass } from './pass.js';
import { binary, c, op, rule, splat, unary, v, type Builder, type Match } from './rewrite.js';

/** The bound value `name` when it has exactly the root's type (so it can stand in for it). */
export function keep(m: Match, name: string): Value | undefined {
  const x = m.value(name);
  return sameType(x.type, m.root.outputs[0]!.type) ? x : undefined;
}

const x = v('x');

function expandAt(inputs: readonly Value[], i: number): boolean {
  return inputs[i]?.producer?.op.kind === 'expand';
}

/** The root recomputed with input i's expand dropped, when that keeps the result's type. */
function unexpand(m: Match, b: Builder, i: number): Value | undefined {
  const inputs = [...m.root.inputs];
  inputs[i] = inputs[i]!.producer!.inputs[0]!;
  const out = m.root.outputs[0]!;
  const shapes = inputs.map((v) => v.type.shape);
  let shape;
  try {
    shape = broadcastShapes(...shapes);
  } catch {
    return undefined;
  }
  if (!sameDims(shape, out.type.shape)) return undefined;
  return b.add(m.root.op, inputs);
}

/** A tensor filled with one value: expand of a one-element constant (ConstantOfShape's form). */
const filled = op('expand', [c('fill', (t) => t.data.length === 1)]);

/** movement(fill) → the fill expanded to the result's shape (no data to move). */
function refill(m: Match, b: Builder): Value | undefined {
  const out = m.root.outputs[0]!;
  const fill = m.value('fill');
  if (fill.rank > out.rank) return undefined;
  return b.add({ kind: 'expand', shape: [...out.type.shape] }, [fill]);
}

export const NOOP_RULES = [
  // identity(x) → x
  rule(unary('identity', x), (m) => keep(m, 'x')),
  // reshape(x) to x's own shape → x
  rule(op('reshape', [x]), (m) => keep(m, 'x')),
  // cast(x) to x's own dtype → x
  rule(op('cast', [x]), (m) => keep(m, 'x')),
  // transpose(x, [0, 1, …]) → x
  rule(op('transpose', [x], { test: (o, n) => isIdentityPerm(normalizePerm(o.perm, n.inputs[0]!.rank)) }), (m) => keep(m, 'x')),
  // x * 1 → x
  rule(binary('mul', x, splat(1)), (m) => keep(m, 'x')),
  // x / 1 → x
  rule(binary('div', x, splat(1)), (m) => keep(m, 'x')),
  // x + 0 → x
  rule(binary('add', x, splat(0)), (m) => keep(m, 'x')),
  // x - 0 → x
  rule(binary('sub', x, splat(0)), (m) => keep(m, 'x')),
  // x ** 1 → x
  rule(binary('pow', x, splat(1)), (m) => keep(m, 'x')),
  // pad(x) by zeros on every side → x
  rule(op('pad', [x], { test: (o) => o.pads.every((p) => p === 0) }), (m) => keep(m, 'x')),
  // slice(x) of every element in order → x
  rule(
    op('slice', [x], { test: (o, n) => resolveSliceDims(n.inputs[0]!.type.shape, o).every((r, i) => r.start === 0 && r.step === 1 && r.size === n.inputs[0]!.type.shape[i]) }),
    (m) => keep(m, 'x'),
  ),
  // expand(x) to x's own shape → x
  rule(op('expand', [x]), (m) => keep(m, 'x')),
  // tile(x) by ones → x
  rule(op('tile', [x], { test: (o) => o.repeats.every((r) => r === 1) }), (m) => keep(m, 'x')),
  // concat(x) of one input → x
  rule(op('concat', [x]), (m) => keep(m, 'x')),
  // binary(a, expand(y)) or where(…, expand(y), …) → the same op on y when broadcasting alone
  // gives the result its shape (the expand only materialized what broadcasting does anyway)
  ...[0, 1].map((i) => rule(op('binary', undefined, { test: (_o, n) => expandAt(n.inputs, i) }), (m, b) => unexpand(m, b, i))),
  ...[0, 1, 2].map((i) => rule(op('where', undefined, { test: (_o, n) => expandAt(n.inputs, i) }), (m, b) => unexpand(m, b, i))),
  // slice / reshape / transpose / expand / tile of expand(c) → expand(c) to the result's shape
  // (with symbolic dims, ConstantOfShape → Slice stays a node instead of folding to a constant)
  ...(['slice', 'reshape', 'transpose', 'expand', 'tile'] as const).map((k) => rule(op(k, [filled]), refill)),
];

export const removeNoopsPass = rulePass('remove-noops', 'drop identities and ops that return their input unchanged', NOOP_RULES);
