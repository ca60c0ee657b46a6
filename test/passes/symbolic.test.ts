/**
 * Passes on graphs with symbolic dims, as IR text: fills (a scalar expanded to a symbolic shape,
 * what ConstantOfShape becomes) moved by slice/reshape/transpose stay fills, an expand feeding
 * an elementwise op is dropped when broadcasting gives the same result, `arange` folds once its
 * length is a number and merges under CSE, and a slice that keeps a symbolic axis whole is a
 * no-op.
 */

import { describe, it } from 'vitest';
import { csePass } from '../../src/passes/cse.js';
import { foldConstantsPass } from '../../src/passes/fold-constants.js';
import { removeNoopsPass } from '../../src/passes/noops.js';
import { expectRewrite } from './helpers.js';

describe('fills with symbolic shapes', () => {
  it('slice of expand(c) → expand(c) to the slice’s shape', () => {
    expectRewrite(removeNoopsPass, `graph(%x: f32[2, batch, 4]) {
      %c = const f32[] dense<[0.5]>
      %f = expand(%c) {shape = [4, batch, 4]} : f32[4, batch, 4]
      %s = slice(%f) {axes = [0], ends = [2], starts = [0], steps = [1]} : f32[2, batch, 4]
      %y = binary(%x, %s) {fn = mul} : f32[2, batch, 4]
      return %y
    }`, `graph(%x: f32[2, batch, 4]) {
      %c = const f32[] dense<[0.5]>
      %y = binary(%x, %c) {fn = mul} : f32[2, batch, 4]
      return %y
    }`);
  });

  it('a moved fill that is an output stays an expand of the scalar', () => {
    expectRewrite(removeNoopsPass, `graph(%x: f32[batch, seq]) {
      %c = const f32[] dense<[2]>
      %f = expand(%c) {shape = [seq, batch]} : f32[seq, batch]
      %t = transpose(%f) {perm = [1, 0]} : f32[batch, seq]
      return %t
    }`, `graph(%x: f32[batch, seq]) {
      %c = const f32[] dense<[2]>
      %t = expand(%c) {shape = [batch, seq]} : f32[batch, seq]
      return %t
    }`);
  });

  it('where(cond, a, expand(c)) → where(cond, a, c) when broadcasting keeps the shape', () => {
    expectRewrite(removeNoopsPass, `graph(%m: bool[batch, 1, seq]) {
      %ninf = const f32[] dense<[-inf]>
      %z = const f32[] dense<[0]>
      %f = expand(%z) {shape = [batch, 1, seq]} : f32[batch, 1, seq]
      %y = where(%m, %ninf, %f) : f32[batch, 1, seq]
      return %y
    }`, `graph(%m: bool[batch, 1, seq]) {
      %ninf = const f32[] dense<[-inf]>
      %z = const f32[] dense<[0]>
      %y = where(%m, %ninf, %z) : f32[batch, 1, seq]
      return %y
    }`);
  });

  it('an expand that grows the result stays', () => {
    expectRewrite(removeNoopsPass, `graph(%x: f32[seq, 1]) {
      %c = const f32[] dense<[1]>
      %f = expand(%c) {shape = [seq, 4]} : f32[seq, 4]
      %y = binary(%x, %f) {fn = add} : f32[seq, 4]
      return %y
    }`, 'unchanged');
  });

  it('a slice keeping a symbolic axis whole is the input', () => {
    expectRewrite(removeNoopsPass, `graph(%x: f32[seq, 4]) {
      %s = slice(%x) {axes = [0], ends = [seq], starts = [0], steps = [1]} : f32[seq, 4]
      %y = unary(%s) {alpha = 0, beta = 0, fn = relu} : f32[seq, 4]
      return %y
    }`, `graph(%x: f32[seq, 4]) {
      %y = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[seq, 4]
      return %y
    }`);
  });
});

describe('arange', () => {
  it('folds when its length is a number; stays when symbolic', () => {
    expectRewrite(foldConstantsPass, `graph(%x: i64[seq]) {
      %r = arange() {delta = 2, dtype = int64, length = 3, start = 1} : i64[3]
      %q = arange() {delta = 1, dtype = int64, length = seq, start = 0} : i64[seq]
      %y = binary(%x, %q) {fn = add} : i64[seq]
      return %y, %r
    }`, `graph(%x: i64[seq]) {
      %r = const i64[3] dense<[1, 3, 5]>
      %q = arange() {delta = 1, dtype = int64, length = seq, start = 0} : i64[seq]
      %y = binary(%x, %q) {fn = add} : i64[seq]
      return %y, %r
    }`);
  });

  it('two equal aranges merge under CSE', () => {
    expectRewrite(csePass, `graph(%x: i64[seq]) {
      %a = arange() {delta = 1, dtype = int64, length = seq, start = 0} : i64[seq]
      %b = arange() {delta = 1, dtype = int64, length = seq, start = 0} : i64[seq]
      %c = arange() {delta = 1, dtype = int64, length = seq, start = 1} : i64[seq]
      %y = binary(%a, %b) {fn = add} : i64[seq]
      %z = binary(%y, %c) {fn = add} : i64[seq]
      return %z
    }`, `graph(%x: i64[seq]) {
      %a = arange() {delta = 1, dtype = int64, length = seq, start = 0} : i64[seq]
      %c = arange() {delta = 1, dtype = int64, length = seq, start = 1} : i64[seq]
      %y = binary(%a, %a) {fn = add} : i64[seq]
      %z = binary(%y, %c) {fn = add} : i64[seq]
      return %z
    }`);
  });
});
