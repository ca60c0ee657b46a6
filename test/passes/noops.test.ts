/**
 * remove-noops: one rewrite per rule, and a near miss that must stay (a broadcast that grows the
 * shape, a reversing slice, a transpose that permutes, a constant that is not all ones …).
 */

import { describe, it } from 'vitest';
import { removeNoopsPass } from '../../src/passes/noops.js';
import { expectRewrite } from './helpers.js';

const pass = removeNoopsPass;

/** `%y = <line>` on %x: f32[2, 3] followed by a relu so the no-op is not the graph output. */
function wrap(line: string, consts = '', input = 'f32[2, 3]', out = 'f32[2, 3]'): string {
  return `graph(%x: ${input}) {
    ${consts}
    %y = ${line}
    %z = unary(%y) {alpha = 0, beta = 0, fn = relu} : ${out}
    return %z
  }`;
}

const direct = (input = 'f32[2, 3]') => `graph(%x: ${input}) {
  %z = unary(%x) {alpha = 0, beta = 0, fn = relu} : ${input}
  return %z
}`;

describe('remove-noops', () => {
  it('identity(x) → x', () => {
    expectRewrite(pass, wrap('unary(%x) {alpha = 0, beta = 0, fn = identity} : f32[2, 3]'), direct());
  });

  it('keeps an identity that names a graph output fed by a graph input', () => {
    expectRewrite(pass, `graph(%x: f32[2]) {
      %out = unary(%x) {alpha = 0, beta = 0, fn = identity} : f32[2]
      return %out
    }`, 'unchanged');
  });

  it('hands the output name over when the no-op is a graph output', () => {
    const g = expectRewrite(pass, `graph(%x: f32[2]) {
      %r = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      %out = unary(%r) {alpha = 0, beta = 0, fn = identity} : f32[2]
      return %out
    }`, `graph(%x: f32[2]) {
      %out = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      return %out
    }`);
    if (g.outputs[0]!.name !== 'out') throw new Error(`output renamed to ${g.outputs[0]!.name}`);
  });

  it('reshape to the same shape → x; a real reshape stays', () => {
    expectRewrite(pass, wrap('reshape(%x) {shape = [2, 3]} : f32[2, 3]'), direct());
    expectRewrite(pass, wrap('reshape(%x) {shape = [3, 2]} : f32[3, 2]', '', 'f32[2, 3]', 'f32[3, 2]'), 'unchanged');
  });

  it('reshape with the same symbolic shape → x', () => {
    expectRewrite(pass, wrap('reshape(%x) {shape = [n, 3]} : f32[n, 3]', '', 'f32[n, 3]', 'f32[n, 3]'), direct('f32[n, 3]'));
  });

  it('cast to the same dtype → x; a real cast stays', () => {
    expectRewrite(pass, wrap('cast(%x) {to = float32} : f32[2, 3]'), direct());
    expectRewrite(pass, `graph(%x: f32[2, 3]) {
      %y = cast(%x) {to = int32} : i32[2, 3]
      %z = unary(%y) {alpha = 0, beta = 0, fn = abs} : i32[2, 3]
      return %z
    }`, 'unchanged');
  });

  it('identity transpose → x; a permuting one stays', () => {
    expectRewrite(pass, wrap('transpose(%x) {perm = [0, 1]} : f32[2, 3]'), direct());
    expectRewrite(pass, wrap('transpose(%x) {perm = [1, 0]} : f32[2, 2]', '', 'f32[2, 2]', 'f32[2, 2]'), 'unchanged');
  });

  it('x * 1, 1 * x, x / 1, x + 0, x - 0, x ** 1 → x', () => {
    const one = '%one = const f32[] dense<[1]>';
    const zero = '%zero = const f32[3] dense<splat 0>';
    expectRewrite(pass, wrap('binary(%x, %one) {fn = mul} : f32[2, 3]', one), direct());
    expectRewrite(pass, wrap('binary(%one, %x) {fn = mul} : f32[2, 3]', one), direct());
    expectRewrite(pass, wrap('binary(%x, %one) {fn = div} : f32[2, 3]', one), direct());
    expectRewrite(pass, wrap('binary(%zero, %x) {fn = add} : f32[2, 3]', zero), direct());
    expectRewrite(pass, wrap('binary(%x, %zero) {fn = sub} : f32[2, 3]', zero), direct());
    expectRewrite(pass, wrap('binary(%x, %one) {fn = pow} : f32[2, 3]', one), direct());
  });

  it('keeps 1 / x, 0 - x, a mul by a non-splat constant, and a mul by 1 that broadcasts x larger', () => {
    const one = '%one = const f32[] dense<[1]>';
    expectRewrite(pass, wrap('binary(%one, %x) {fn = div} : f32[2, 3]', one), 'unchanged');
    expectRewrite(pass, wrap('binary(%zero, %x) {fn = sub} : f32[2, 3]', '%zero = const f32[] dense<[0]>'), 'unchanged');
    expectRewrite(pass, wrap('binary(%x, %k) {fn = mul} : f32[2, 3]', '%k = const f32[3] dense<[1, 1, 2]>'), 'unchanged');
    expectRewrite(pass, wrap('binary(%x, %ones) {fn = mul} : f32[4, 2, 3]', '%ones = const f32[4, 1, 1] dense<splat 1>', 'f32[2, 3]', 'f32[4, 2, 3]'), 'unchanged');
  });

  it('zero pad → x; a real pad stays', () => {
    expectRewrite(pass, wrap('pad(%x) {mode = constant, pads = [0, 0, 0, 0], value = 5} : f32[2, 3]'), direct());
    expectRewrite(pass, wrap('pad(%x) {mode = constant, pads = [0, 1, 0, 0], value = 0} : f32[2, 4]', '', 'f32[2, 3]', 'f32[2, 4]'), 'unchanged');
  });

  it('full slice → x; a reversing or partial slice stays', () => {
    expectRewrite(pass, wrap('slice(%x) {axes = [1], ends = [9007199254740991], starts = [0], steps = [1]} : f32[2, 3]'), direct());
    expectRewrite(pass, wrap('slice(%x) {axes = [0, 1], ends = [2, 3], starts = [-5, 0], steps = [1, 1]} : f32[2, 3]'), direct());
    expectRewrite(pass, wrap('slice(%x) {axes = [1], ends = [-9007199254740991], starts = [-1], steps = [-1]} : f32[2, 3]'), 'unchanged');
    expectRewrite(pass, wrap('slice(%x) {axes = [1], ends = [2], starts = [0], steps = [1]} : f32[2, 2]', '', 'f32[2, 3]', 'f32[2, 2]'), 'unchanged');
  });

  it('expand to the same shape → x; a growing expand stays', () => {
    expectRewrite(pass, wrap('expand(%x) {shape = [1, 3]} : f32[2, 3]'), direct());
    expectRewrite(pass, wrap('expand(%x) {shape = [2, 2, 3]} : f32[2, 2, 3]', '', 'f32[2, 3]', 'f32[2, 2, 3]'), 'unchanged');
  });

  it('tile by ones and concat of one input → x', () => {
    expectRewrite(pass, wrap('tile(%x) {repeats = [1, 1]} : f32[2, 3]'), direct());
    expectRewrite(pass, wrap('concat(%x) {axis = 1} : f32[2, 3]'), direct());
    expectRewrite(pass, wrap('tile(%x) {repeats = [1, 2]} : f32[2, 6]', '', 'f32[2, 3]', 'f32[2, 6]'), 'unchanged');
  });

  it('removes chains of no-ops in one run', () => {
    expectRewrite(pass, `graph(%x: f32[2, 3]) {
      %one = const f32[] dense<[1]>
      %a = unary(%x) {alpha = 0, beta = 0, fn = identity} : f32[2, 3]
      %b = binary(%a, %one) {fn = mul} : f32[2, 3]
      %c = reshape(%b) {shape = [2, 3]} : f32[2, 3]
      %z = unary(%c) {alpha = 0, beta = 0, fn = relu} : f32[2, 3]
      return %z
    }`, direct());
  });
});
