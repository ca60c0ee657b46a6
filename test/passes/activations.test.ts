/**
 * recognize-activations: SiLU, HardSwish (HardSigmoid and clip forms) and GELU (erf form in the
 * exporters' operand orders, tanh form with pow or repeated products), each with near misses
 * that must stay: a different operand, a wrong constant, an inner value read elsewhere.
 */

import { describe, it } from 'vitest';
import { recognizeActivationsPass } from '../../src/passes/activations.js';
import { expectRewrite } from './helpers.js';

const pass = recognizeActivationsPass;
const T = 'f32[2, 5]';
const act = (fn: string, beta = 0) => `graph(%x: ${T}) {
  %y = unary(%x) {alpha = 0, beta = ${beta}, fn = ${fn}} : ${T}
  return %y
}`;
const body = (lines: string, inputs = `%x: ${T}`, ret = '%y') => `graph(${inputs}) {
  ${lines}
  return ${ret}
}`;

describe('SiLU', () => {
  it('x · sigmoid(x) in both operand orders', () => {
    expectRewrite(pass, body(`%s = unary(%x) {alpha = 0, beta = 0, fn = sigmoid} : ${T}
      %y = binary(%x, %s) {fn = mul} : ${T}`), act('silu'));
    expectRewrite(pass, body(`%s = unary(%x) {alpha = 0, beta = 0, fn = sigmoid} : ${T}
      %y = binary(%s, %x) {fn = mul} : ${T}`), act('silu'));
  });

  it('not x · sigmoid(z), and not when the sigmoid is read elsewhere', () => {
    expectRewrite(pass, body(`%s = unary(%z) {alpha = 0, beta = 0, fn = sigmoid} : ${T}
      %y = binary(%x, %s) {fn = mul} : ${T}`, `%x: ${T}, %z: ${T}`), 'unchanged');
    expectRewrite(pass, body(`%s = unary(%x) {alpha = 0, beta = 0, fn = sigmoid} : ${T}
      %y = binary(%x, %s) {fn = mul} : ${T}`, `%x: ${T}`, '%y, %s'), 'unchanged');
  });
});

describe('HardSwish', () => {
  it('x · hardSigmoid(x) with α = 1/6, β = 1/2', () => {
    expectRewrite(pass, body(`%h = unary(%x) {alpha = 0.16666667, beta = 0.5, fn = hardSigmoid} : ${T}
      %y = binary(%x, %h) {fn = mul} : ${T}`), act('hardSwish'), { rtol: 1e-6, atol: 1e-6 });
  });

  it('not with ONNX default HardSigmoid parameters (α = 0.2)', () => {
    expectRewrite(pass, body(`%h = unary(%x) {alpha = 0.2, beta = 0.5, fn = hardSigmoid} : ${T}
      %y = binary(%x, %h) {fn = mul} : ${T}`), 'unchanged');
  });

  it('x · clip(x + 3, 0, 6) / 6 and x · clip(3 + x, 0, 6) · (1/6)', () => {
    const pre = `%three = const f32[] dense<[3]>
      %a = binary(%x, %three) {fn = add} : ${T}
      %c = unary(%a) {alpha = 0, beta = 6, fn = clip} : ${T}
      %m = binary(%x, %c) {fn = mul} : ${T}`;
    expectRewrite(pass, body(`${pre}
      %six = const f32[] dense<[6]>
      %y = binary(%m, %six) {fn = div} : ${T}`), act('hardSwish'));
    expectRewrite(pass, body(`%three = const f32[] dense<[3]>
      %a = binary(%three, %x) {fn = add} : ${T}
      %c = unary(%a) {alpha = 0, beta = 6, fn = clip} : ${T}
      %m = binary(%c, %x) {fn = mul} : ${T}
      %k = const f32[] dense<[0.16666667]>
      %y = binary(%k, %m) {fn = mul} : ${T}`), act('hardSwish'), { rtol: 1e-6 });
  });

  it('not x · clip(x + 3, 0, 6) without the 1/6', () => {
    expectRewrite(pass, body(`%three = const f32[] dense<[3]>
      %a = binary(%x, %three) {fn = add} : ${T}
      %c = unary(%a) {alpha = 0, beta = 6, fn = clip} : ${T}
      %y = binary(%x, %c) {fn = mul} : ${T}`), 'unchanged');
  });
});

describe('GELU', () => {
  const consts = `%sqrt2 = const f32[] dense<[1.4142135]>
      %one = const f32[] dense<[1]>
      %half = const f32[] dense<[0.5]>`;

  it('PyTorch order: (x · (erf(x / √2) + 1)) · 0.5', () => {
    expectRewrite(pass, body(`${consts}
      %d = binary(%x, %sqrt2) {fn = div} : ${T}
      %e = unary(%d) {alpha = 0, beta = 0, fn = erf} : ${T}
      %a = binary(%e, %one) {fn = add} : ${T}
      %m = binary(%x, %a) {fn = mul} : ${T}
      %y = binary(%m, %half) {fn = mul} : ${T}`), act('gelu'));
  });

  it('(x · 0.5) · (1 + erf(x · 1/√2)) and x · (0.5 · (1 + erf(…)))', () => {
    expectRewrite(pass, body(`%r = const f32[] dense<[0.70710677]>
      %one = const f32[] dense<[1]>
      %half = const f32[] dense<[0.5]>
      %h = binary(%x, %half) {fn = mul} : ${T}
      %d = binary(%r, %x) {fn = mul} : ${T}
      %e = unary(%d) {alpha = 0, beta = 0, fn = erf} : ${T}
      %a = binary(%one, %e) {fn = add} : ${T}
      %y = binary(%h, %a) {fn = mul} : ${T}`), act('gelu'));
    expectRewrite(pass, body(`${consts}
      %d = binary(%x, %sqrt2) {fn = div} : ${T}
      %e = unary(%d) {alpha = 0, beta = 0, fn = erf} : ${T}
      %a = binary(%one, %e) {fn = add} : ${T}
      %p = binary(%half, %a) {fn = mul} : ${T}
      %y = binary(%x, %p) {fn = mul} : ${T}`), act('gelu'));
  });

  it('not with the wrong scale, the wrong erf argument, or an erf read elsewhere', () => {
    const pre = (div: string, half: string) => `%k = const f32[] dense<[${div}]>
      %one = const f32[] dense<[1]>
      %half = const f32[] dense<[${half}]>
      %d = binary(%x, %k) {fn = div} : ${T}
      %e = unary(%d) {alpha = 0, beta = 0, fn = erf} : ${T}
      %a = binary(%e, %one) {fn = add} : ${T}
      %m = binary(%x, %a) {fn = mul} : ${T}
      %y = binary(%m, %half) {fn = mul} : ${T}`;
    expectRewrite(pass, body(pre('1.4142135', '0.6')), 'unchanged');
    expectRewrite(pass, body(pre('2', '0.5')), 'unchanged');
    expectRewrite(pass, body(pre('1.4142135', '0.5'), `%x: ${T}`, '%y, %e'), 'unchanged');
  });

  it('tanh form with pow(x, 3) and with x·x·x', () => {
    const tanhConsts = `%c = const f32[] dense<[0.7978846]>
      %k = const f32[] dense<[0.044715]>
      %one = const f32[] dense<[1]>
      %half = const f32[] dense<[0.5]>`;
    const tail = `%kc = binary(%k, %cube) {fn = mul} : ${T}
      %s = binary(%x, %kc) {fn = add} : ${T}
      %arg = binary(%c, %s) {fn = mul} : ${T}
      %t = unary(%arg) {alpha = 0, beta = 0, fn = tanh} : ${T}
      %a = binary(%one, %t) {fn = add} : ${T}
      %h = binary(%half, %x) {fn = mul} : ${T}
      %y = binary(%h, %a) {fn = mul} : ${T}`;
    expectRewrite(pass, body(`${tanhConsts}
      %three = const f32[] dense<[3]>
      %cube = binary(%x, %three) {fn = pow} : ${T}
      ${tail}`), act('gelu', 1));
    expectRewrite(pass, body(`${tanhConsts}
      %sq = binary(%x, %x) {fn = mul} : ${T}
      %cube = binary(%sq, %x) {fn = mul} : ${T}
      ${tail}`), act('gelu', 1));
  });

  it('not a tanh form with the wrong cubic coefficient', () => {
    expectRewrite(pass, body(`%c = const f32[] dense<[0.7978846]>
      %k = const f32[] dense<[0.05]>
      %one = const f32[] dense<[1]>
      %half = const f32[] dense<[0.5]>
      %three = const f32[] dense<[3]>
      %cube = binary(%x, %three) {fn = pow} : ${T}
      %kc = binary(%k, %cube) {fn = mul} : ${T}
      %s = binary(%x, %kc) {fn = add} : ${T}
      %arg = binary(%c, %s) {fn = mul} : ${T}
      %t = unary(%arg) {alpha = 0, beta = 0, fn = tanh} : ${T}
      %a = binary(%one, %t) {fn = add} : ${T}
      %h = binary(%half, %x) {fn = mul} : ${T}
      %y = binary(%h, %a) {fn = mul} : ${T}`), 'unchanged');
  });
});
