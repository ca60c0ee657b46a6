/**
 * simplify-movement: transpose and reshape chains, unit-axis transposes, and transpose sinking
 * (only where the sunk transpose meets another one).
 */

import { describe, it } from 'vitest';
import { simplifyMovementPass } from '../../src/passes/movement.js';
import { expectRewrite } from './helpers.js';

const pass = simplifyMovementPass;
const relu = (a: string, b: string, t: string) => `${b} = unary(${a}) {alpha = 0, beta = 0, fn = relu} : ${t}`;

describe('simplify-movement', () => {
  it('transpose∘transpose → one transpose with the composed perm', () => {
    expectRewrite(pass, `graph(%x: f32[2, 3, 4]) {
      %a = transpose(%x) {perm = [1, 2, 0]} : f32[3, 4, 2]
      %b = transpose(%a) {perm = [0, 2, 1]} : f32[3, 2, 4]
      return %b
    }`, `graph(%x: f32[2, 3, 4]) {
      %b = transpose(%x) {perm = [1, 0, 2]} : f32[3, 2, 4]
      return %b
    }`);
  });

  it('transpose∘transpose that cancels leaves an identity transpose for remove-noops', () => {
    expectRewrite(pass, `graph(%x: f32[2, 3]) {
      %a = transpose(%x) {perm = [1, 0]} : f32[3, 2]
      %b = transpose(%a) {perm = [1, 0]} : f32[2, 3]
      ${relu('%b', '%c', 'f32[2, 3]')}
      return %c
    }`, `graph(%x: f32[2, 3]) {
      %b = transpose(%x) {perm = [0, 1]} : f32[2, 3]
      ${relu('%b', '%c', 'f32[2, 3]')}
      return %c
    }`);
  });

  it('reshape∘reshape → one reshape, symbolic dims included', () => {
    expectRewrite(pass, `graph(%x: f32[n, 6]) {
      %a = reshape(%x) {shape = [n, 2, 3]} : f32[n, 2, 3]
      %b = reshape(%a) {shape = [n, 3, 2]} : f32[n, 3, 2]
      return %b
    }`, `graph(%x: f32[n, 6]) {
      %b = reshape(%x) {shape = [n, 3, 2]} : f32[n, 3, 2]
      return %b
    }`);
  });

  it('a transpose that only moves size-1 axes → reshape; one that moves data stays', () => {
    expectRewrite(pass, `graph(%x: f32[1, 8, 4]) {
      %a = transpose(%x) {perm = [1, 0, 2]} : f32[8, 1, 4]
      return %a
    }`, `graph(%x: f32[1, 8, 4]) {
      %a = reshape(%x) {shape = [8, 1, 4]} : f32[8, 1, 4]
      return %a
    }`);
    expectRewrite(pass, `graph(%x: f32[2, 8, 1]) {
      %a = transpose(%x) {perm = [1, 0, 2]} : f32[8, 2, 1]
      return %a
    }`, 'unchanged');
  });

  it('sinks a transpose through unary ops onto the transpose that undoes it', () => {
    expectRewrite(pass, `graph(%x: f32[2, 3]) {
      %a = transpose(%x) {perm = [1, 0]} : f32[3, 2]
      ${relu('%a', '%b', 'f32[3, 2]')}
      %c = unary(%b) {alpha = 0, beta = 0, fn = tanh} : f32[3, 2]
      %d = transpose(%c) {perm = [1, 0]} : f32[2, 3]
      return %d
    }`, `graph(%x: f32[2, 3]) {
      ${relu('%x', '%b', 'f32[2, 3]')}
      %c = unary(%b) {alpha = 0, beta = 0, fn = tanh} : f32[2, 3]
      %d = transpose(%c) {perm = [0, 1]} : f32[2, 3]
      return %d
    }`);
  });

  it('merges equal transposes on both operands of a binary op into one after it', () => {
    expectRewrite(pass, `graph(%x: f32[2, 3, 4], %y: f32[2, 3, 4]) {
      %a = transpose(%x) {perm = [2, 0, 1]} : f32[4, 2, 3]
      %b = transpose(%y) {perm = [2, 0, 1]} : f32[4, 2, 3]
      %c = binary(%a, %b) {fn = sub} : f32[4, 2, 3]
      return %c
    }`, `graph(%x: f32[2, 3, 4], %y: f32[2, 3, 4]) {
      %c0 = binary(%x, %y) {fn = sub} : f32[2, 3, 4]
      %c = transpose(%c0) {perm = [2, 0, 1]} : f32[4, 2, 3]
      return %c
    }`);
  });

  it('moves a constant operand across the transpose (rank-padded, inversely permuted)', () => {
    expectRewrite(pass, `graph(%x: f32[2, 3]) {
      %k = const f32[2] dense<[10, -20]>
      %a = transpose(%x) {perm = [1, 0]} : f32[3, 2]
      %b = binary(%k, %a) {fn = sub} : f32[3, 2]
      %c = transpose(%b) {perm = [1, 0]} : f32[2, 3]
      return %c
    }`, `graph(%x: f32[2, 3]) {
      %k = const f32[2, 1] dense<[10, -20]>
      %b = binary(%k, %x) {fn = sub} : f32[2, 3]
      %c = transpose(%b) {perm = [0, 1]} : f32[2, 3]
      return %c
    }`);
  });

  it('does not sink where no transpose waits below, or when the transpose has other readers', () => {
    expectRewrite(pass, `graph(%x: f32[2, 3]) {
      %a = transpose(%x) {perm = [1, 0]} : f32[3, 2]
      ${relu('%a', '%b', 'f32[3, 2]')}
      %c = unary(%b) {alpha = 0, beta = 0, fn = tanh} : f32[3, 2]
      return %c
    }`, 'unchanged');
    expectRewrite(pass, `graph(%x: f32[2, 3]) {
      %a = transpose(%x) {perm = [1, 0]} : f32[3, 2]
      ${relu('%a', '%b', 'f32[3, 2]')}
      %d = transpose(%b) {perm = [1, 0]} : f32[2, 3]
      return %d, %a
    }`, 'unchanged');
  });

  it('does not sink through a binary op that broadcasts the transposed operand larger', () => {
    expectRewrite(pass, `graph(%x: f32[3, 2]) {
      %k = const f32[4, 2, 3] dense<splat 2>
      %a = transpose(%x) {perm = [1, 0]} : f32[2, 3]
      %b = binary(%a, %k) {fn = mul} : f32[4, 2, 3]
      %c = transpose(%b) {perm = [0, 2, 1]} : f32[4, 3, 2]
      return %c
    }`, 'unchanged');
  });

  it('sinks a transposed pair when the larger operand is the one kept in place', () => {
    expectRewrite(pass, `graph(%x: f32[3, 1], %y: f32[3, 4]) {
      %a = transpose(%x) {perm = [1, 0]} : f32[1, 3]
      %b = transpose(%y) {perm = [1, 0]} : f32[4, 3]
      %c = binary(%a, %b) {fn = mul} : f32[4, 3]
      %d = transpose(%c) {perm = [1, 0]} : f32[3, 4]
      return %d
    }`, `graph(%x: f32[3, 1], %y: f32[3, 4]) {
      %c = binary(%x, %y) {fn = mul} : f32[3, 4]
      %d = transpose(%c) {perm = [0, 1]} : f32[3, 4]
      return %d
    }`);
  });
});
