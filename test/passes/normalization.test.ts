/**
 * recognize-normalizations: decomposed LayerNorm (div by √, mul by reciprocal √, pow −½, x·x
 * squares; one or several trailing axes) with γ/β absorbed, and Softmax / LogSoftmax with and
 * without the max subtraction — plus near misses over the wrong axes.
 */

import { describe, it } from 'vitest';
import { recognizeNormalizationsPass } from '../../src/passes/normalization.js';
import { expectRewrite } from './helpers.js';

const pass = recognizeNormalizationsPass;

/** Decomposed layer norm of %x: f32[3, 4] over `axes`, normalizing with `norm` (defines %n). */
function decomposed(norm: string, square = '%sq = binary(%d, %two) {fn = pow} : f32[3, 4]', axes = '[1]', stat = 'f32[3, 1]'): string {
  return `%two = const f32[] dense<[2]>
    %eps = const f32[] dense<[0.5]>
    %mean = reduce(%x) {axes = ${axes}, fn = mean, keepdims = true} : ${stat}
    %d = binary(%x, %mean) {fn = sub} : f32[3, 4]
    ${square}
    %var = reduce(%sq) {axes = ${axes}, fn = mean, keepdims = true} : ${stat}
    %ve = binary(%var, %eps) {fn = add} : ${stat}
    ${norm}`;
}

const SQRT_DIV = `%std = unary(%ve) {alpha = 0, beta = 0, fn = sqrt} : f32[3, 1]
    %n = binary(%d, %std) {fn = div} : f32[3, 4]`;

describe('LayerNorm', () => {
  it('(x − mean) / √(var + ε) · γ + β → layerNorm(x, γ, β)', () => {
    expectRewrite(pass, `graph(%x: f32[3, 4]) {
      %gamma = const f32[4] dense<[0.5, 2, -1, 1.5]>
      %beta = const f32[4] dense<[0.1, 0.2, 0.3, 0.4]>
      ${decomposed(SQRT_DIV)}
      %g = binary(%n, %gamma) {fn = mul} : f32[3, 4]
      %y = binary(%g, %beta) {fn = add} : f32[3, 4]
      return %y
    }`, `graph(%x: f32[3, 4]) {
      %gamma = const f32[4] dense<[0.5, 2, -1, 1.5]>
      %beta = const f32[4] dense<[0.1, 0.2, 0.3, 0.4]>
      %y = layerNorm(%x, %gamma, %beta) {axis = 1, epsilon = 0.5} : f32[3, 4]
      return %y
    }`);
  });

  it('without γ/β: scale 1', () => {
    expectRewrite(pass, `graph(%x: f32[3, 4]) {
      ${decomposed(SQRT_DIV)}
      return %n
    }`, `graph(%x: f32[3, 4]) {
      %ones = const f32[4] dense<splat 1>
      %n = layerNorm(%x, %ones) {axis = 1, epsilon = 0.5} : f32[3, 4]
      return %n
    }`);
  });

  it('· 1/√(var + ε), · (var + ε)^−½, and d·d squares', () => {
    const out = `graph(%x: f32[3, 4]) {
      %ones = const f32[4] dense<splat 1>
      %n = layerNorm(%x, %ones) {axis = 1, epsilon = 0.5} : f32[3, 4]
      return %n
    }`;
    expectRewrite(pass, `graph(%x: f32[3, 4]) {
      ${decomposed(`%std = unary(%ve) {alpha = 0, beta = 0, fn = sqrt} : f32[3, 1]
        %r = unary(%std) {alpha = 0, beta = 0, fn = reciprocal} : f32[3, 1]
        %n = binary(%r, %d) {fn = mul} : f32[3, 4]`)}
      return %n
    }`, out);
    expectRewrite(pass, `graph(%x: f32[3, 4]) {
      %mhalf = const f32[] dense<[-0.5]>
      ${decomposed(`%r = binary(%ve, %mhalf) {fn = pow} : f32[3, 1]
        %n = binary(%d, %r) {fn = mul} : f32[3, 4]`, '%sq = binary(%d, %d) {fn = mul} : f32[3, 4]')}
      return %n
    }`, out);
  });

  it('over the two trailing axes of a rank-3 input', () => {
    expectRewrite(pass, `graph(%x: f32[2, 3, 4]) {
      %two = const f32[] dense<[2]>
      %eps = const f32[] dense<[0.5]>
      %mean = reduce(%x) {axes = [1, 2], fn = mean, keepdims = true} : f32[2, 1, 1]
      %d = binary(%x, %mean) {fn = sub} : f32[2, 3, 4]
      %sq = binary(%d, %two) {fn = pow} : f32[2, 3, 4]
      %var = reduce(%sq) {axes = [1, 2], fn = mean, keepdims = true} : f32[2, 1, 1]
      %ve = binary(%eps, %var) {fn = add} : f32[2, 1, 1]
      %std = unary(%ve) {alpha = 0, beta = 0, fn = sqrt} : f32[2, 1, 1]
      %n = binary(%d, %std) {fn = div} : f32[2, 3, 4]
      return %n
    }`, `graph(%x: f32[2, 3, 4]) {
      %ones = const f32[3, 4] dense<splat 1>
      %n = layerNorm(%x, %ones) {axis = 1, epsilon = 0.5} : f32[2, 3, 4]
      return %n
    }`);
  });

  it('not over a leading axis, not with mismatched axes, not without keepdims-style stats', () => {
    expectRewrite(pass, `graph(%x: f32[3, 4]) {
      ${decomposed(`%std = unary(%ve) {alpha = 0, beta = 0, fn = sqrt} : f32[1, 4]
        %n = binary(%d, %std) {fn = div} : f32[3, 4]`, undefined, '[0]', 'f32[1, 4]')}
      return %n
    }`, 'unchanged');
    expectRewrite(pass, `graph(%x: f32[3, 4]) {
      %two = const f32[] dense<[2]>
      %eps = const f32[] dense<[0.5]>
      %mean = reduce(%x) {axes = [1], fn = mean, keepdims = true} : f32[3, 1]
      %d = binary(%x, %mean) {fn = sub} : f32[3, 4]
      %sq = binary(%d, %two) {fn = pow} : f32[3, 4]
      %var = reduce(%sq) {axes = [1], fn = sum, keepdims = true} : f32[3, 1]
      %ve = binary(%var, %eps) {fn = add} : f32[3, 1]
      ${SQRT_DIV}
      return %n
    }`, 'unchanged');
  });

  it('does not absorb a γ that varies along a non-normalized axis', () => {
    expectRewrite(pass, `graph(%x: f32[3, 4]) {
      %s = const f32[4] dense<[1, 2, 3, 4]>
      %k = const f32[3, 1] dense<[2, 3, 4]>
      %l = layerNorm(%x, %s) {axis = 1, epsilon = 0.5} : f32[3, 4]
      %y = binary(%l, %k) {fn = mul} : f32[3, 4]
      return %y
    }`, 'unchanged');
  });
});

describe('Softmax', () => {
  const T = 'f32[2, 5]';
  const sm = (log: boolean) => `graph(%x: ${T}) {
    %y = softmax(%x) {axis = 1, log = ${log}} : ${T}
    return %y
  }`;

  it('exp(x − max) / Σ exp(x − max) → softmax', () => {
    expectRewrite(pass, `graph(%x: ${T}) {
      %m = reduce(%x) {axes = [1], fn = max, keepdims = true} : f32[2, 1]
      %z = binary(%x, %m) {fn = sub} : ${T}
      %e = unary(%z) {alpha = 0, beta = 0, fn = exp} : ${T}
      %s = reduce(%e) {axes = [1], fn = sum, keepdims = true} : f32[2, 1]
      %y = binary(%e, %s) {fn = div} : ${T}
      return %y
    }`, sm(false));
  });

  it('exp(x) · 1/Σ exp(x) → softmax', () => {
    expectRewrite(pass, `graph(%x: ${T}) {
      %e = unary(%x) {alpha = 0, beta = 0, fn = exp} : ${T}
      %s = reduce(%e) {axes = [1], fn = sum, keepdims = true} : f32[2, 1]
      %r = unary(%s) {alpha = 0, beta = 0, fn = reciprocal} : f32[2, 1]
      %y = binary(%r, %e) {fn = mul} : ${T}
      return %y
    }`, sm(false));
  });

  it('(x − max) − log Σ exp(x − max) → logSoftmax', () => {
    expectRewrite(pass, `graph(%x: ${T}) {
      %m = reduce(%x) {axes = [1], fn = max, keepdims = true} : f32[2, 1]
      %z = binary(%x, %m) {fn = sub} : ${T}
      %e = unary(%z) {alpha = 0, beta = 0, fn = exp} : ${T}
      %s = reduce(%e) {axes = [1], fn = sum, keepdims = true} : f32[2, 1]
      %l = unary(%s) {alpha = 0, beta = 0, fn = log} : f32[2, 1]
      %y = binary(%z, %l) {fn = sub} : ${T}
      return %y
    }`, sm(true));
  });

  it('not a sum over two axes, and not a divisor that is not the sum of the same exp', () => {
    expectRewrite(pass, `graph(%x: ${T}) {
      %e = unary(%x) {alpha = 0, beta = 0, fn = exp} : ${T}
      %s = reduce(%e) {axes = [0, 1], fn = sum, keepdims = true} : f32[1, 1]
      %y = binary(%e, %s) {fn = div} : ${T}
      return %y
    }`, 'unchanged');
    expectRewrite(pass, `graph(%x: ${T}, %w: ${T}) {
      %e = unary(%x) {alpha = 0, beta = 0, fn = exp} : ${T}
      %s = reduce(%w) {axes = [1], fn = sum, keepdims = true} : f32[2, 1]
      %y = binary(%e, %s) {fn = div} : ${T}
      return %y
    }`, 'unchanged');
  });
});
