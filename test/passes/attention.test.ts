/**
 * recognize-attention: the core pattern (scale on the scores, on Q or on Kᵀ; additive mask;
 * Where(−inf) mask; Kᵀ as a transpose, as a plain input, or through transB), head packing in
 * the batch-first (GPT) and sequence-first (PyTorch MultiheadAttention) layouts, and near misses.
 * The numeric half of each test compares the attention evaluator with the decomposed graph.
 */

import { describe, it } from 'vitest';
import { recognizeAttentionPass } from '../../src/passes/attention.js';
import { expectRewrite } from './helpers.js';

const pass = recognizeAttentionPass;
const mm = (a: string, b: string, out: string, t: string, transB = false) =>
  `${out} = matmul(${a}, ${b}) {alpha = 1, beta = 0, transA = false, transB = ${transB}} : ${t}`;
const inputs = '%q: f32[2, 3, 4], %k: f32[2, 5, 4], %v: f32[2, 5, 6]';
const S = 'f32[2, 3, 5]';
const Y = 'f32[2, 3, 6]';

/** kᵀ, q·kᵀ and its last lines from softmax input %z on. */
const core = (z: string) => `%p = softmax(${z}) {axis = 2, log = false} : ${S}
  ${mm('%p', '%v', '%y', Y)}
  return %y`;

describe('attention core', () => {
  it('softmax(q·kᵀ · c) · v with kᵀ a transpose of k', () => {
    expectRewrite(pass, `graph(${inputs}) {
      %c = const f32[] dense<[0.35]>
      %kt = transpose(%k) {perm = [0, 2, 1]} : f32[2, 4, 5]
      ${mm('%q', '%kt', '%s', S)}
      %z = binary(%s, %c) {fn = mul} : ${S}
      ${core('%z')}
    }`, `graph(${inputs}) {
      %y = attention(%q, %k, %v) {heads = 0, scale = 0.3499999940395355} : ${Y}
      return %y
    }`);
  });

  it('scales on q and kᵀ multiply in; an additive mask becomes the fourth input', () => {
    expectRewrite(pass, `graph(${inputs}, %m: f32[2, 1, 5]) {
      %two = const f32[] dense<[2]>
      %c = const f32[] dense<[4]>
      %qs = binary(%q, %two) {fn = div} : f32[2, 3, 4]
      %kt = transpose(%k) {perm = [0, 2, 1]} : f32[2, 4, 5]
      %kts = binary(%c, %kt) {fn = mul} : f32[2, 4, 5]
      ${mm('%qs', '%kts', '%s', S)}
      %z = binary(%m, %s) {fn = add} : ${S}
      ${core('%z')}
    }`, `graph(${inputs}, %m: f32[2, 1, 5]) {
      %y = attention(%q, %k, %v, %m) {heads = 0, scale = 2} : ${Y}
      return %y
    }`);
  });

  it('a scale applied after the mask scales the mask too', () => {
    expectRewrite(pass, `graph(${inputs}, %m: f32[2, 1, 5]) {
      %c = const f32[] dense<[0.5]>
      %kt = transpose(%k) {perm = [0, 2, 1]} : f32[2, 4, 5]
      ${mm('%q', '%kt', '%s', S)}
      %a = binary(%s, %m) {fn = add} : ${S}
      %z = binary(%a, %c) {fn = mul} : ${S}
      ${core('%z')}
    }`, `graph(${inputs}, %m: f32[2, 1, 5]) {
      %c = const f32[] dense<[0.5]>
      %m2 = binary(%m, %c) {fn = mul} : f32[2, 1, 5]
      %y = attention(%q, %k, %v, %m2) {heads = 0, scale = 0.5} : ${Y}
      return %y
    }`);
  });

  it('where(causal, −inf, scores) becomes an additive 0/−inf mask', () => {
    expectRewrite(pass, `graph(${inputs}) {
      %causal = const bool[3, 5] dense<[0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1]>
      %ninf = const f32[] dense<[-inf]>
      %kt = transpose(%k) {perm = [0, 2, 1]} : f32[2, 4, 5]
      ${mm('%q', '%kt', '%s', S)}
      %z = where(%causal, %ninf, %s) : ${S}
      ${core('%z')}
    }`, `graph(${inputs}) {
      %mask = const f32[3, 5] dense<[0, -inf, -inf, -inf, -inf, 0, 0, -inf, -inf, -inf, 0, 0, 0, -inf, -inf]>
      %y = attention(%q, %k, %v, %mask) {heads = 0, scale = 1} : ${Y}
      return %y
    }`);
  });

  it('kᵀ given directly gets a transpose; transB reads k as is', () => {
    expectRewrite(pass, `graph(%q: f32[2, 3, 4], %kt: f32[2, 4, 5], %v: f32[2, 5, 6]) {
      ${mm('%q', '%kt', '%s', S)}
      ${core('%s')}
    }`, `graph(%q: f32[2, 3, 4], %kt: f32[2, 4, 5], %v: f32[2, 5, 6]) {
      %k = transpose(%kt) {perm = [0, 2, 1]} : f32[2, 5, 4]
      %y = attention(%q, %k, %v) {heads = 0, scale = 1} : ${Y}
      return %y
    }`);
    expectRewrite(pass, `graph(${inputs}) {
      ${mm('%q', '%k', '%s', S, true)}
      ${core('%s')}
    }`, `graph(${inputs}) {
      %y = attention(%q, %k, %v) {heads = 0, scale = 1} : ${Y}
      return %y
    }`);
  });

  it('not: softmax over another axis, a scaled output product, scores read elsewhere, a finite Where fill', () => {
    expectRewrite(pass, `graph(${inputs}) {
      %kt = transpose(%k) {perm = [0, 2, 1]} : f32[2, 4, 5]
      ${mm('%q', '%kt', '%s', S)}
      %p = softmax(%s) {axis = 1, log = false} : ${S}
      ${mm('%p', '%v', '%y', Y)}
      return %y
    }`, 'unchanged');
    expectRewrite(pass, `graph(${inputs}) {
      %kt = transpose(%k) {perm = [0, 2, 1]} : f32[2, 4, 5]
      ${mm('%q', '%kt', '%s', S)}
      %p = softmax(%s) {axis = 2, log = false} : ${S}
      %y = matmul(%p, %v) {alpha = 2, beta = 0, transA = false, transB = false} : ${Y}
      return %y
    }`, 'unchanged');
    expectRewrite(pass, `graph(${inputs}) {
      %kt = transpose(%k) {perm = [0, 2, 1]} : f32[2, 4, 5]
      ${mm('%q', '%kt', '%s', S)}
      %p = softmax(%s) {axis = 2, log = false} : ${S}
      ${mm('%p', '%v', '%y', Y)}
      return %y, %s
    }`, 'unchanged');
    expectRewrite(pass, `graph(${inputs}, %c: bool[3, 5]) {
      %big = const f32[] dense<[-10000]>
      %kt = transpose(%k) {perm = [0, 2, 1]} : f32[2, 4, 5]
      ${mm('%q', '%kt', '%s', S)}
      %z = where(%c, %big, %s) : ${S}
      ${core('%z')}
    }`, 'unchanged');
  });
});

describe('attention heads', () => {
  it('batch-first split [B, S, H, D] → [B, H, S, D] and merge back → packed heads', () => {
    const split = (x: string, out: string, perm: string, t: string) => `%${out}r = reshape(%${x}) {shape = [2, 3, 2, 4]} : f32[2, 3, 2, 4]
      %${out} = transpose(%${out}r) {perm = ${perm}} : ${t}`;
    expectRewrite(pass, `graph(%xq: f32[2, 3, 8], %xk: f32[2, 3, 8], %xv: f32[2, 3, 8]) {
      %c = const f32[] dense<[0.5]>
      ${split('xq', 'q', '[0, 2, 1, 3]', 'f32[2, 2, 3, 4]')}
      ${split('xk', 'kt', '[0, 2, 3, 1]', 'f32[2, 2, 4, 3]')}
      ${split('xv', 'v', '[0, 2, 1, 3]', 'f32[2, 2, 3, 4]')}
      ${mm('%q', '%kt', '%s', 'f32[2, 2, 3, 3]')}
      %z = binary(%s, %c) {fn = mul} : f32[2, 2, 3, 3]
      %p = softmax(%z) {axis = 3, log = false} : f32[2, 2, 3, 3]
      ${mm('%p', '%v', '%o', 'f32[2, 2, 3, 4]')}
      %t = transpose(%o) {perm = [0, 2, 1, 3]} : f32[2, 3, 2, 4]
      %y = reshape(%t) {shape = [2, 3, 8]} : f32[2, 3, 8]
      return %y
    }`, `graph(%xq: f32[2, 3, 8], %xk: f32[2, 3, 8], %xv: f32[2, 3, 8]) {
      %a = attention(%xq, %xk, %xv) {heads = 2, scale = 0.5} : f32[2, 3, 8]
      %t = reshape(%a) {shape = [2, 3, 2, 4]} : f32[2, 3, 2, 4]
      %y = reshape(%t) {shape = [2, 3, 8]} : f32[2, 3, 8]
      return %y
    }`);
  });

  it('sequence-first split [S, H, D] → [H, S, D] (batch 1) with a mask → packed heads', () => {
    const split = (x: string, out: string, perm: string, t: string) => `%${out}r = reshape(%${x}) {shape = [3, 2, 4]} : f32[3, 2, 4]
      %${out} = transpose(%${out}r) {perm = ${perm}} : ${t}`;
    expectRewrite(pass, `graph(%xq: f32[3, 1, 8], %xk: f32[3, 1, 8], %xv: f32[3, 1, 8], %m: f32[2, 1, 3]) {
      %c = const f32[] dense<[2]>
      ${split('xq', 'q', '[1, 0, 2]', 'f32[2, 3, 4]')}
      ${split('xk', 'kt', '[1, 2, 0]', 'f32[2, 4, 3]')}
      ${split('xv', 'v', '[1, 0, 2]', 'f32[2, 3, 4]')}
      %qs = binary(%q, %c) {fn = div} : f32[2, 3, 4]
      ${mm('%qs', '%kt', '%s', 'f32[2, 3, 3]')}
      %z = binary(%s, %m) {fn = add} : f32[2, 3, 3]
      %p = softmax(%z) {axis = 2, log = false} : f32[2, 3, 3]
      ${mm('%p', '%v', '%o', 'f32[2, 3, 4]')}
      %t = transpose(%o) {perm = [1, 0, 2]} : f32[3, 2, 4]
      %y = reshape(%t) {shape = [3, 8]} : f32[3, 8]
      return %y
    }`, `graph(%xq: f32[3, 1, 8], %xk: f32[3, 1, 8], %xv: f32[3, 1, 8], %m: f32[2, 1, 3]) {
      %pq = reshape(%xq) {shape = [3, 8]} : f32[3, 8]
      %pk = reshape(%xk) {shape = [3, 8]} : f32[3, 8]
      %pv = reshape(%xv) {shape = [3, 8]} : f32[3, 8]
      %a = attention(%pq, %pk, %pv, %m) {heads = 2, scale = 0.5} : f32[3, 8]
      %t = reshape(%a) {shape = [3, 2, 4]} : f32[3, 2, 4]
      %y = reshape(%t) {shape = [3, 8]} : f32[3, 8]
      return %y
    }`);
  });

  it('stays unpacked when the output is not merged back', () => {
    expectRewrite(pass, `graph(%xq: f32[3, 8], %k: f32[2, 3, 4], %v: f32[2, 3, 4]) {
      %qr = reshape(%xq) {shape = [3, 2, 4]} : f32[3, 2, 4]
      %q = transpose(%qr) {perm = [1, 0, 2]} : f32[2, 3, 4]
      ${mm('%q', '%k', '%s', 'f32[2, 3, 3]', true)}
      %p = softmax(%s) {axis = 2, log = false} : f32[2, 3, 3]
      ${mm('%p', '%v', '%y', 'f32[2, 3, 4]')}
      return %y
    }`, `graph(%xq: f32[3, 8], %k: f32[2, 3, 4], %v: f32[2, 3, 4]) {
      %qr = reshape(%xq) {shape = [3, 2, 4]} : f32[3, 2, 4]
      %q = transpose(%qr) {perm = [1, 0, 2]} : f32[2, 3, 4]
      %y = attention(%q, %k, %v) {heads = 0, scale = 1} : f32[2, 3, 4]
      return %y
    }`);
  });
});
