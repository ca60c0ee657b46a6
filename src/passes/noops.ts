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
import { normalizePerm, resolveSlice } from '../../ir/infer.js';
import { isIdentityPerm, sameType } from './graph-edit.js';
import { rulePass } from './pass.js';
import { binary, op, rule, splat, unary, v, type Match } from './rewrite.js';

/** The bound value `name` when it has exactly the root's type (so it can stand in for it). */
export function keep(m: Match, name: string): Value | undefined {
  const x = m.value(name);
  return sameType(x.type, m.root.outputs[0]!.type) ? x : undefined;
}

const x = v('x');

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
    op('slice', [x], { test: (o, n) => resolveSlice(n.inputs[0]!.type.shape, o).every((r, i) => r.start === 0 && r.step === 1 && r.size === n.inputs[0]!.type.shape[i]) }),
    (m) => keep(m, 'x'),
  ),
  // expand(x) to x's own shape → x
  rule(op('expand', [x]), (m) => keep(m, 'x')),
  // tile(x) by ones → x
  rule(op('tile', [x], { test: (o) => o.repeats.every((r) => r === 1) }), (m) => keep(m, 'x')),
  // concat(x) of one input → x
  rule(op('concat', [x]), (m) => keep(m, 'x')),
];

export const removeNoopsPass = rulePass('remove-noops', 'drop identities and ops that return their input unchanged', NOOP_RULES);
