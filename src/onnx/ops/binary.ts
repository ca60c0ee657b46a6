/**
 * Elementwise ops of two or more inputs → IR `binary` / `where`.
 *
 * ONNX: Add, Sub, Mul, Div, Pow, PRelu, Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And,
 * Or, Xor, Mod, BitShift, BitwiseAnd/Or/Xor, Where; variadic Max, Min, Sum, Mean.
 * Opsets: 1 (or the op's introduction: Mod 10, BitShift 11, LessOrEqual/GreaterOrEqual 12,
 * Bitwise* 18, Where 9) to MAX_OPSET. From 7 numpy broadcasting everywhere; before 7 the
 * arithmetic, logical and comparison ops had the legacy `broadcast`/`axis` attributes (B aligned
 * to A, see legacy.ts) and PRelu's slope was one value or one per channel; Max/Min/Sum/Mean
 * required equal shapes before 8, which numpy broadcasting computes identically. `consumed_inputs`
 * (before 6) is ignored. Later versions only widened type lists (Pow-12 allows a differently
 * typed exponent, which IR inference accepts).
 * Types: numeric for arithmetic, bool for And/Or/Xor, integers for BitShift/Bitwise*, anything
 * comparable for comparisons; checked by IR inference.
 * Lowers to: `binary(fn)`; PRelu → `binary prelu` (slope broadcasts to X, as ONNX's
 * unidirectional broadcast); Mod → `mod` or `fmod` per the `fmod` attribute; Max/Min/Sum → a
 * left-to-right chain of binaries (one input → the input itself); Mean → Sum chain ÷ N.
 */

import type { BinaryFn } from '../../../ir/ops.js';
import { isFloat } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/graph.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, MODERN_OPSET } from './common.js';
import { legacyBroadcast, legacyPreluSlope } from './legacy.js';

/** [ONNX op, IR fn, first opset]; ops from before 7 take the legacy broadcast form there. */
const TABLE: [string, BinaryFn, number][] = [
  ['Add', 'add', 1],
  ['Sub', 'sub', 1],
  ['Mul', 'mul', 1],
  ['Div', 'div', 1],
  ['Pow', 'pow', 1],
  ['Equal', 'equal', 1],
  ['Less', 'less', 1],
  ['Greater', 'greater', 1],
  ['LessOrEqual', 'lessOrEqual', 12],
  ['GreaterOrEqual', 'greaterOrEqual', 12],
  ['And', 'and', 1],
  ['Or', 'or', 1],
  ['Xor', 'xor', 1],
  ['BitwiseAnd', 'bitAnd', 18],
  ['BitwiseOr', 'bitOr', 18],
  ['BitwiseXor', 'bitXor', 18],
];

function binaryOut(ctx: ImportContext, fn: BinaryFn): Value[] {
  const a = ctx.input(0, 'A');
  const b = ctx.input(1, 'B');
  return [ctx.addOut1({ kind: 'binary', fn }, [a, ctx.opset < MODERN_OPSET ? legacyBroadcast(ctx, a, b) : b])];
}

function prelu(ctx: ImportContext): Value[] {
  const x = ctx.input(0, 'X');
  const slope = ctx.input(1, 'slope');
  return [ctx.addOut1({ kind: 'binary', fn: 'prelu' }, [x, ctx.opset < MODERN_OPSET ? legacyPreluSlope(ctx, x, slope) : slope])];
}

function mod(ctx: ImportContext) {
  const fmod = ctx.getInt('fmod', 0) !== 0;
  const a = ctx.input(0, 'A');
  // The spec requires fmod=1 for floating inputs (Python-style mod is defined for integers only).
  if (!fmod && isFloat(a.type.dtype)) ctx.fail(`fmod=0 is only defined for integer inputs, got ${a.type.dtype} (set fmod=1)`);
  return binaryOut(ctx, fmod ? 'fmod' : 'mod');
}

function bitShift(ctx: ImportContext) {
  const direction = ctx.getString('direction');
  if (direction === 'LEFT') return binaryOut(ctx, 'bitShiftLeft');
  if (direction === 'RIGHT') return binaryOut(ctx, 'bitShiftRight');
  return ctx.fail(`direction '${direction}' is not LEFT or RIGHT`);
}

/** Folds the inputs left to right with `fn`; the last binary carries the ONNX output name. */
function chain(ctx: ImportContext, fn: BinaryFn, inputs: Value[], nameLast: boolean): Value {
  if (inputs.length === 0) ctx.fail('needs at least one input');
  let acc = inputs[0]!;
  for (let i = 1; i < inputs.length; i++) {
    const op = { kind: 'binary', fn } as const;
    acc = nameLast && i === inputs.length - 1 ? ctx.addOut1(op, [acc, inputs[i]!]) : ctx.add1(op, [acc, inputs[i]!]);
  }
  return acc;
}

function variadic(fn: BinaryFn) {
  return (ctx: ImportContext) => [chain(ctx, fn, ctx.presentInputs(), true)];
}

function mean(ctx: ImportContext) {
  const inputs = ctx.presentInputs();
  if (inputs.length === 1) return [inputs[0]!];
  const sum = chain(ctx, 'add', inputs, false);
  const n = ctx.scalar('count', sum.type.dtype, inputs.length);
  return [ctx.addOut1({ kind: 'binary', fn: 'div' }, [sum, n])];
}

function where(ctx: ImportContext) {
  return [ctx.addOut1({ kind: 'where' }, [ctx.input(0, 'condition'), ctx.input(1, 'X'), ctx.input(2, 'Y')])];
}

export const binaryImporters: OpImporter[] = [
  ...TABLE.map(([opType, fn, since]) => importer(opType, (ctx) => binaryOut(ctx, fn), since)),
  importer('PRelu', prelu, 1),
  importer('Mod', mod, 10),
  importer('BitShift', bitShift, 11),
  importer('Max', variadic('max'), 1),
  importer('Min', variadic('min'), 1),
  importer('Sum', variadic('add'), 1),
  importer('Mean', mean, 1),
  importer('Where', where, 9),
];
