/**
 * fold-batchnorm and fuse-bias: BatchNormalization folded into conv / convTranspose (grouped
 * included) / 2-d matmul weights, a lone one into a scale and shift, and constant adds moved
 * into matmul and conv biases. The folded constants' values are checked numerically (the
 * helper evaluates before and after), so the texts elide them.
 */

import { describe, it } from 'vitest';
import { foldBatchNormPass } from '../../src/passes/batchnorm.js';
import { fuseBiasPass } from '../../src/passes/fuse-bias.js';
import { expectRewrite } from './helpers.js';

const BN = `%s = const f32[4] dense<[0.5, -1.5, 2, 0.75]>
  %t = const f32[4] dense<[0.1, 0.2, -0.3, 0.4]>
  %m = const f32[4] dense<[1, -2, 0.5, 0.25]>
  %var = const f32[4] dense<[0.5, 2, 1.25, 3]>`;

const bn = (x: string, type: string) => `%y = batchNorm(${x}, %s, %t, %m, %var) {epsilon = 0.001} : ${type}`;

describe('fold-batchnorm', () => {
  it('folds into a conv with bias', () => {
    expectRewrite(foldBatchNormPass, `graph(%x: f32[1, 3, 5, 5]) {
      %w = const f32[4, 3, 3, 3] dense<[${Array.from({ length: 108 }, (_, i) => ((i * 37) % 17) / 8 - 1).join(', ')}]>
      %b = const f32[4] dense<[0.3, -0.2, 0.1, 0.7]>
      ${BN}
      %c = conv(%x, %w, %b) {dilations = [1, 1], group = 1, pads = [1, 1, 1, 1], strides = [1, 1]} : f32[1, 4, 5, 5]
      ${bn('%c', 'f32[1, 4, 5, 5]')}
      return %y
    }`, `graph(%x: f32[1, 3, 5, 5]) {
      %w = const f32[4, 3, 3, 3] dense<elided 108>
      %b = const f32[4] dense<elided 4>
      %y = conv(%x, %w, %b) {dilations = [1, 1], group = 1, pads = [1, 1, 1, 1], strides = [1, 1]} : f32[1, 4, 5, 5]
      return %y
    }`, { elide: true });
  });

  it('folds into a grouped convTranspose without bias', () => {
    expectRewrite(foldBatchNormPass, `graph(%x: f32[1, 4, 3, 3]) {
      %w = const f32[4, 2, 2, 2] dense<[${Array.from({ length: 32 }, (_, i) => ((i * 13) % 11) / 5 - 1).join(', ')}]>
      ${BN}
      %c = convTranspose(%x, %w) {dilations = [1, 1], group = 2, outputPadding = [0, 0], pads = [0, 0, 0, 0], strides = [2, 2]} : f32[1, 4, 6, 6]
      ${bn('%c', 'f32[1, 4, 6, 6]')}
      return %y
    }`, `graph(%x: f32[1, 4, 3, 3]) {
      %w = const f32[4, 2, 2, 2] dense<elided 32>
      %b = const f32[4] dense<elided 4>
      %y = convTranspose(%x, %w, %b) {dilations = [1, 1], group = 2, outputPadding = [0, 0], pads = [0, 0, 0, 0], strides = [2, 2]} : f32[1, 4, 6, 6]
      return %y
    }`, { elide: true });
  });

  it('folds into a 2-d matmul (transB, with c and beta)', () => {
    expectRewrite(foldBatchNormPass, `graph(%x: f32[2, 3]) {
      %w = const f32[4, 3] dense<[0.5, -1, 2, 1.5, 0.25, -0.75, 1, 1, -2, 0.3, 0.6, 0.9]>
      %c = const f32[1, 4] dense<[1, 2, 3, 4]>
      ${BN}
      %g = matmul(%x, %w, %c) {alpha = 0.5, beta = 2, transA = false, transB = true} : f32[2, 4]
      ${bn('%g', 'f32[2, 4]')}
      return %y
    }`, `graph(%x: f32[2, 3]) {
      %w = const f32[4, 3] dense<elided 12>
      %c = const f32[1, 4] dense<elided 4>
      %y = matmul(%x, %w, %c) {alpha = 0.5, beta = 1, transA = false, transB = true} : f32[2, 4]
      return %y
    }`, { elide: true });
  });

  it('folds into a 2-d matmul without c', () => {
    expectRewrite(foldBatchNormPass, `graph(%x: f32[2, 3]) {
      %w = const f32[3, 4] dense<[0.5, -1, 2, 1.5, 0.25, -0.75, 1, 1, -2, 0.3, 0.6, 0.9]>
      ${BN}
      %g = matmul(%x, %w) {alpha = 1, beta = 0, transA = false, transB = false} : f32[2, 4]
      ${bn('%g', 'f32[2, 4]')}
      return %y
    }`, `graph(%x: f32[2, 3]) {
      %w = const f32[3, 4] dense<elided 12>
      %c = const f32[4] dense<elided 4>
      %y = matmul(%x, %w, %c) {alpha = 1, beta = 1, transA = false, transB = false} : f32[2, 4]
      return %y
    }`, { elide: true });
  });

  it('turns a batchNorm whose producer has another reader into a scale and shift', () => {
    expectRewrite(foldBatchNormPass, `graph(%x: f32[1, 3, 2, 2]) {
      %w = const f32[4, 3, 1, 1] dense<[0.5, -1, 2, 1.5, 0.25, -0.75, 1, 1, -2, 0.3, 0.6, 0.9]>
      ${BN}
      %c = conv(%x, %w) {dilations = [1, 1], group = 1, pads = [0, 0, 0, 0], strides = [1, 1]} : f32[1, 4, 2, 2]
      ${bn('%c', 'f32[1, 4, 2, 2]')}
      return %y, %c
    }`, `graph(%x: f32[1, 3, 2, 2]) {
      %w = const f32[4, 3, 1, 1] dense<elided 12>
      %k = const f32[4, 1, 1] dense<elided 4>
      %sh = const f32[4, 1, 1] dense<elided 4>
      %c = conv(%x, %w) {dilations = [1, 1], group = 1, pads = [0, 0, 0, 0], strides = [1, 1]} : f32[1, 4, 2, 2]
      %m = binary(%c, %k) {fn = mul} : f32[1, 4, 2, 2]
      %y = binary(%m, %sh) {fn = add} : f32[1, 4, 2, 2]
      return %y, %c
    }`, { elide: true });
  });

  it('lone batchNorm on a 2-d input → per-channel mul + add', () => {
    expectRewrite(foldBatchNormPass, `graph(%x: f32[3, 4]) {
      ${BN}
      ${bn('%x', 'f32[3, 4]')}
      return %y
    }`, `graph(%x: f32[3, 4]) {
      %k = const f32[4] dense<elided 4>
      %sh = const f32[4] dense<elided 4>
      %m = binary(%x, %k) {fn = mul} : f32[3, 4]
      %y = binary(%m, %sh) {fn = add} : f32[3, 4]
      return %y
    }`, { elide: true });
  });

  it('leaves a batchNorm with computed parameters alone', () => {
    expectRewrite(foldBatchNormPass, `graph(%x: f32[1, 4, 2], %s: f32[4]) {
      %t = const f32[4] dense<[0.1, 0.2, -0.3, 0.4]>
      %m = const f32[4] dense<[1, -2, 0.5, 0.25]>
      %var = const f32[4] dense<[0.5, 2, 1.25, 3]>
      ${bn('%x', 'f32[1, 4, 2]')}
      return %y
    }`, 'unchanged');
  });
});

describe('fuse-bias', () => {
  it('matmul(a, b) + bias → matmul(a, b, bias) {beta = 1}, bias on either side', () => {
    for (const add of ['binary(%bias, %mm)', 'binary(%mm, %bias)']) {
      expectRewrite(fuseBiasPass, `graph(%x: f32[2, 5, 3]) {
        %w = const f32[3, 4] dense<[0.5, -1, 2, 1.5, 0.25, -0.75, 1, 1, -2, 0.3, 0.6, 0.9]>
        %bias = const f32[4] dense<[1, 2, 3, 4]>
        %mm = matmul(%x, %w) {alpha = 2, beta = 0, transA = false, transB = false} : f32[2, 5, 4]
        %y = ${add} {fn = add} : f32[2, 5, 4]
        return %y
      }`, `graph(%x: f32[2, 5, 3]) {
        %w = const f32[3, 4] dense<[0.5, -1, 2, 1.5, 0.25, -0.75, 1, 1, -2, 0.3, 0.6, 0.9]>
        %bias = const f32[4] dense<[1, 2, 3, 4]>
        %y = matmul(%x, %w, %bias) {alpha = 2, beta = 1, transA = false, transB = false} : f32[2, 5, 4]
        return %y
      }`);
    }
  });

  it('merges into an existing constant c', () => {
    expectRewrite(fuseBiasPass, `graph(%x: f32[2, 3]) {
      %w = const f32[3, 2] dense<[0.5, -1, 2, 1.5, 0.25, -0.75]>
      %c = const f32[2] dense<[1, 2]>
      %bias = const f32[2, 1] dense<[10, 20]>
      %mm = matmul(%x, %w, %c) {alpha = 1, beta = 3, transA = false, transB = false} : f32[2, 2]
      %y = binary(%mm, %bias) {fn = add} : f32[2, 2]
      return %y
    }`, `graph(%x: f32[2, 3]) {
      %w = const f32[3, 2] dense<[0.5, -1, 2, 1.5, 0.25, -0.75]>
      %c = const f32[2, 2] dense<[13, 16, 23, 26]>
      %y = matmul(%x, %w, %c) {alpha = 1, beta = 1, transA = false, transB = false} : f32[2, 2]
      return %y
    }`);
  });

  it('keeps a computed addend (a residual), a bias that broadcasts the output larger, and a shared matmul', () => {
    const w = '%w = const f32[3, 2] dense<[0.5, -1, 2, 1.5, 0.25, -0.75]>';
    expectRewrite(fuseBiasPass, `graph(%x: f32[2, 3], %r: f32[2, 2]) {
      ${w}
      %mm = matmul(%x, %w) {alpha = 1, beta = 0, transA = false, transB = false} : f32[2, 2]
      %y = binary(%mm, %r) {fn = add} : f32[2, 2]
      return %y
    }`, 'unchanged');
    expectRewrite(fuseBiasPass, `graph(%x: f32[2, 3]) {
      ${w}
      %bias = const f32[4, 1, 1] dense<[1, 2, 3, 4]>
      %mm = matmul(%x, %w) {alpha = 1, beta = 0, transA = false, transB = false} : f32[2, 2]
      %y = binary(%mm, %bias) {fn = add} : f32[4, 2, 2]
      return %y
    }`, 'unchanged');
    expectRewrite(fuseBiasPass, `graph(%x: f32[2, 3]) {
      ${w}
      %bias = const f32[2] dense<[1, 2]>
      %mm = matmul(%x, %w) {alpha = 1, beta = 0, transA = false, transB = false} : f32[2, 2]
      %y = binary(%mm, %bias) {fn = add} : f32[2, 2]
      return %y, %mm
    }`, 'unchanged');
  });

  it('conv + per-channel constant → conv bias; a spatially varying addend stays', () => {
    const conv = (b: string) => `%c = conv(%x, %w${b}) {dilations = [1], group = 1, pads = [0, 0], strides = [1]} : f32[1, 2, 3]`;
    expectRewrite(fuseBiasPass, `graph(%x: f32[1, 2, 3]) {
      %w = const f32[2, 2, 1] dense<[0.5, -1, 2, 1.5]>
      %b = const f32[2] dense<[1, 2]>
      %d = const f32[2, 1] dense<[10, 20]>
      ${conv(', %b')}
      %y = binary(%c, %d) {fn = add} : f32[1, 2, 3]
      return %y
    }`, `graph(%x: f32[1, 2, 3]) {
      %w = const f32[2, 2, 1] dense<[0.5, -1, 2, 1.5]>
      %b = const f32[2] dense<[11, 22]>
      %y = conv(%x, %w, %b) {dilations = [1], group = 1, pads = [0, 0], strides = [1]} : f32[1, 2, 3]
      return %y
    }`);
    expectRewrite(fuseBiasPass, `graph(%x: f32[1, 2, 3]) {
      %w = const f32[2, 2, 1] dense<[0.5, -1, 2, 1.5]>
      %d = const f32[3] dense<[10, 20, 30]>
      ${conv('')}
      %y = binary(%c, %d) {fn = add} : f32[1, 2, 3]
      return %y
    }`, 'unchanged');
  });
});
