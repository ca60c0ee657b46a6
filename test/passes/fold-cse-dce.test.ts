/**
 * fold-constants, cse and dce as IR text: folding through the evaluator (and `shape` of static
 * dims) with its size cap, structural CSE (attributes, commutative operands, equal constants,
 * graph outputs kept distinct), and dead-code elimination.
 */

import { describe, expect, it } from 'vitest';
import { csePass } from '../../src/passes/cse.js';
import { dcePass } from '../../src/passes/dce.js';
import { FOLD_SMALL_ELEMENTS, foldConstantsPass } from '../../src/passes/fold-constants.js';
import { expectRewrite } from './helpers.js';

describe('fold-constants', () => {
  it('evaluates nodes whose inputs are all constants, in a chain', () => {
    expectRewrite(foldConstantsPass, `graph(%x: f32[2, 3]) {
      %a = const f32[3] dense<[1, 2, 3]>
      %b = const f32[3] dense<[0.5, 0.5, 2]>
      %c = binary(%a, %b) {fn = mul} : f32[3]
      %d = unary(%c) {alpha = 0, beta = 0, fn = neg} : f32[3]
      %y = binary(%x, %d) {fn = add} : f32[2, 3]
      return %y
    }`, `graph(%x: f32[2, 3]) {
      %d = const f32[3] dense<[-0.5, -1, -6]>
      %y = binary(%x, %d) {fn = add} : f32[2, 3]
      return %y
    }`);
  });

  it('turns shape() of static dims into a constant; leaves symbolic ones', () => {
    expectRewrite(foldConstantsPass, `graph(%x: f32[2, n, 4]) {
      %s = shape(%x) {end = 3, start = 2} : i64[1]
      %t = shape(%x) {end = 2, start = 0} : i64[2]
      return %s, %t
    }`, `graph(%x: f32[2, n, 4]) {
      %s = const i64[1] dense<[4]>
      %t = shape(%x) {end = 2, start = 0} : i64[2]
      return %s, %t
    }`);
  });

  it('a folded graph output keeps its name', () => {
    const g = expectRewrite(foldConstantsPass, `graph(%x: f32[2]) {
      %a = const f32[2] dense<[1, 2]>
      %out = unary(%a) {alpha = 0, beta = 0, fn = neg} : f32[2]
      return %x, %out
    }`, `graph(%x: f32[2]) {
      %out = const f32[2] dense<[-1, -2]>
      return %x, %out
    }`);
    expect(g.outputs[1]!.name).toBe('out');
  });

  it('does not materialize a large result that grows from small constants', () => {
    const n = FOLD_SMALL_ELEMENTS * 2;
    expectRewrite(foldConstantsPass, `graph(%x: f32[${n}]) {
      %a = const f32[] dense<[1.5]>
      %e = expand(%a) {shape = [${n}]} : f32[${n}]
      %y = binary(%x, %e) {fn = add} : f32[${n}]
      return %y
    }`, 'unchanged');
  });
});

describe('cse', () => {
  it('merges equal ops on equal inputs, commutative operands in either order', () => {
    expectRewrite(csePass, `graph(%x: f32[2], %y: f32[2]) {
      %a = binary(%x, %y) {fn = add} : f32[2]
      %b = binary(%y, %x) {fn = add} : f32[2]
      %c = binary(%a, %b) {fn = mul} : f32[2]
      return %c
    }`, `graph(%x: f32[2], %y: f32[2]) {
      %a = binary(%x, %y) {fn = add} : f32[2]
      %c = binary(%a, %a) {fn = mul} : f32[2]
      return %c
    }`);
  });

  it('keeps ops that differ in an attribute or in operand order of a non-commutative fn', () => {
    expectRewrite(csePass, `graph(%x: f32[2], %y: f32[2]) {
      %a = binary(%x, %y) {fn = sub} : f32[2]
      %b = binary(%y, %x) {fn = sub} : f32[2]
      %c = unary(%x) {alpha = 0.1, beta = 0, fn = leakyRelu} : f32[2]
      %d = unary(%x) {alpha = 0.2, beta = 0, fn = leakyRelu} : f32[2]
      return %a, %b, %c, %d
    }`, 'unchanged');
  });

  it('merges equal constants first, which exposes equal nodes', () => {
    expectRewrite(csePass, `graph(%x: f32[2]) {
      %h1 = const f32[] dense<[0.5]>
      %h2 = const f32[] dense<[0.5]>
      %a = binary(%x, %h1) {fn = mul} : f32[2]
      %b = binary(%x, %h2) {fn = mul} : f32[2]
      %c = binary(%a, %b) {fn = sub} : f32[2]
      return %c
    }`, `graph(%x: f32[2]) {
      %h1 = const f32[] dense<[0.5]>
      %a = binary(%x, %h1) {fn = mul} : f32[2]
      %c = binary(%a, %a) {fn = sub} : f32[2]
      return %c
    }`);
  });

  it('keeps two graph outputs that compute the same value distinct', () => {
    expectRewrite(csePass, `graph(%x: f32[2]) {
      %a = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      %b = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      return %a, %b
    }`, 'unchanged');
  });
});

describe('dce', () => {
  it('drops nodes no output depends on, keeps unused graph inputs', () => {
    expectRewrite(dcePass, `graph(%x: f32[2], %unused: f32[3]) {
      %a = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      %dead = unary(%a) {alpha = 0, beta = 0, fn = exp} : f32[2]
      %dead2 = binary(%dead, %x) {fn = add} : f32[2]
      %b = unary(%a) {alpha = 0, beta = 0, fn = neg} : f32[2]
      return %b
    }`, `graph(%x: f32[2], %unused: f32[3]) {
      %a = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      %b = unary(%a) {alpha = 0, beta = 0, fn = neg} : f32[2]
      return %b
    }`);
  });
});
