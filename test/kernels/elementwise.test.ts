/**
 * Elementwise kernels (unary, binary, where, cast) against the CPU reference on seeded random
 * inputs: every UnaryFn and BinaryFn, broadcasting, int/uint/bool dtypes, every cast pair class,
 * and a size that needs a 2-d dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generateElementwise, unaryExpr, WgslHelpers } from '../../codegen/kernels/elementwise.js';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import type { BinaryFn, UnaryFn } from '../../ir/ops.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check, f32 } from './harness.js';

const DIMS = [37, 29];

/** Random floats in [lo, hi) with no exact zeros, plus a few values at the edges worth hitting. */
function floats(seed: number, lo: number, hi: number, extra: number[] = []): Tensor {
  const t = randomTensor('float32', DIMS, rng(seed), lo, hi);
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) if (d[i] === 0) d[i] = 0.5;
  extra.forEach((v, i) => (d[i * 7] = v));
  return t;
}

const unary = (fn: UnaryFn, alpha = 0, beta = 0) => ({ kind: 'unary' as const, fn, alpha, beta });
const binary = (fn: BinaryFn) => ({ kind: 'binary' as const, fn });

describe('unary float', () => {
  // [fn, alpha, beta, lo, hi, extra values, rtol]: ranges keep each fn in its domain; extras hit
  // overflow-prone inputs (tanh/sigmoid/softplus at ±100) and rounding ties.
  const cases: [UnaryFn, number, number, number, number, number[], number?][] = [
    ['identity', 0, 0, -3, 3, []],
    ['relu', 0, 0, -3, 3, []],
    ['leakyRelu', 0.1, 0, -3, 3, []],
    ['elu', 0.7, 0, -3, 3, [-1e-4, -30]],
    ['selu', 1.6732632, 1.0507009, -3, 3, [-1e-4]],
    ['celu', 1.3, 0, -3, 3, [-2e-5]],
    ['thresholdedRelu', 0.4, 0, -3, 3, []],
    ['sigmoid', 0, 0, -8, 8, [-100, 100, -89, 88]],
    ['hardSigmoid', 0.2, 0.5, -5, 5, []],
    ['hardSwish', 0, 0, -5, 5, []],
    ['softplus', 0, 0, -8, 8, [-100, 100, -20, 20]],
    ['softsign', 0, 0, -8, 8, []],
    ['mish', 0, 0, -6, 6, [-100, 100]],
    ['gelu', 0, 0, -5, 5, [-30, 30]], // erf form
    ['gelu', 0, 1, -5, 5, [-30, 30]], // tanh approximation
    ['clip', -0.5, 0.7, -2, 2, []],
    ['clip', -Infinity, 0.3, -2, 2, []],
    ['clip', 0.2, Infinity, -2, 2, []],
    ['shrink', 0.5, 0.2, -2, 2, []],
    ['tanh', 0, 0, -4, 4, [-100, 100, 1e4, -1e30, 1e-5, -3e-4]],
    ['neg', 0, 0, -3, 3, []],
    // exp/log/trig: transcendental builtins carry a few ulp of error (Vulkan allows more), so 4e-6.
    ['exp', 0, 0, -10, 10, [], 4e-6],
    ['log', 0, 0, 1e-3, 50, [1, 1.0001], 4e-6],
    ['abs', 0, 0, -3, 3, []],
    ['sqrt', 0, 0, 1e-3, 50, []],
    ['reciprocal', 0, 0, 0.1, 5, [-0.3]],
    ['erf', 0, 0, -4.5, 4.5, [1e-6, -1e-3, 6, -6]],
    ['floor', 0, 0, -5, 5, [-2, 3, -0.5]],
    ['ceil', 0, 0, -5, 5, [-2, 3, -0.5]],
    ['round', 0, 0, -5, 5, [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 1e7 + 1]],
    ['sign', 0, 0, -3, 3, []],
    ['sin', 0, 0, -6, 6, [], 4e-6],
    ['cos', 0, 0, -6, 6, [], 4e-6],
    ['tan', 0, 0, -1.4, 1.4, [], 4e-6],
    ['asin', 0, 0, -0.99, 0.99, [], 4e-6],
    ['acos', 0, 0, -0.99, 0.99, [], 4e-6],
    ['atan', 0, 0, -8, 8, [], 4e-6],
    ['sinh', 0, 0, -5, 5, [1e-5, -2e-3], 4e-6],
    ['cosh', 0, 0, -5, 5, [], 4e-6],
    ['asinh', 0, 0, -8, 8, [1e-5, -2e-3], 4e-6],
    ['acosh', 0, 0, 1.01, 8, [], 4e-6],
    ['atanh', 0, 0, -0.95, 0.95, [1e-5, -2e-3], 4e-6],
  ];
  for (const [fn, alpha, beta, lo, hi, extra, rtol] of cases) {
    it(`${fn}(${alpha}, ${beta})`, async () => {
      await check(generateElementwise, unary(fn, alpha, beta), [floats(fn.length * 31 + lo, lo, hi, extra)], { rtol: rtol ?? 1e-5 });
    });
  }

  it('erf stays within 1e-6 absolute over [-5, 5]', async () => {
    const n = 20011;
    const x = f32([n], Array.from({ length: n }, (_, i) => -5 + (10 * i) / (n - 1)));
    await check(generateElementwise, unary('erf'), [x], { rtol: 0, atol: 1e-6 });
  });

  it('isNaN and isInf (each detect combination)', async () => {
    const x = floats(3, -3, 3, [NaN, Infinity, -Infinity, NaN, 1e38]);
    await check(generateElementwise, unary('isNaN'), [x]);
    for (const [neg, pos] of [
      [1, 1],
      [1, 0],
      [0, 1],
      [0, 0],
    ]) {
      await check(generateElementwise, unary('isInf', neg!, pos!), [x]);
    }
  });
});

describe('unary integer and bool', () => {
  const ints = (dtype: DType, seed: number) => randomTensor(dtype, DIMS, rng(seed), -100, 100);
  for (const fn of ['identity', 'relu', 'neg', 'abs', 'sign'] as UnaryFn[]) {
    it(`${fn} int32`, async () => {
      await check(generateElementwise, unary(fn), [ints('int32', 5)]);
    });
  }
  it('clip int32 rounds fractional bounds inward', async () => {
    await check(generateElementwise, unary('clip', -20.5, 30.7), [ints('int32', 6)]);
  });
  it('neg and abs of int8 wrap at -128', async () => {
    const t = randomTensor('int8', DIMS, rng(7), -128, 127);
    (t.data as Int8Array)[0] = -128;
    await check(generateElementwise, unary('neg'), [t]);
    await check(generateElementwise, unary('abs'), [t]);
  });
  it('abs, sign and clip on uint8', async () => {
    const t = randomTensor('uint8', DIMS, rng(8), 0, 255);
    await check(generateElementwise, unary('sign'), [t]);
    await check(generateElementwise, unary('clip', 10, 200), [t]);
  });
  it('not on bool', async () => {
    await check(generateElementwise, unary('not'), [randomTensor('bool', DIMS, rng(9))]);
  });
  it('rejects float-only fns on integers with a clear error', () => {
    expect(() => unaryExpr('erf', 'x', 0, 0, 'int32', new WgslHelpers())).toThrow(/erf is not supported on int32/);
  });
});

describe('binary', () => {
  // Broadcasting shapes (not multiples of 4): [5,1,7] ⊕ [3,1] → [5,3,7], plus same-shape and scalar.
  const shapes: [number[], number[]][] = [
    [
      [5, 1, 7],
      [3, 1],
    ],
    [DIMS, DIMS],
    [DIMS, []],
    [[1], DIMS],
  ];
  const floatFns: BinaryFn[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'fmod', 'mod', 'prelu', 'equal', 'less', 'lessOrEqual', 'greater', 'greaterOrEqual'];
  for (const fn of floatFns) {
    it(`${fn} float32 with broadcasting`, async () => {
      const r = rng(fn.length * 13);
      // prelu's slope broadcasts one way, to x.
      const cases = fn === 'prelu' ? ([[[5, 3, 7], [3, 1]], [DIMS, [29]], [DIMS, []]] as [number[], number[]][]) : shapes;
      for (const [sa, sb] of cases) {
        const a = randomTensor('float32', [...sa], r, -4, 4);
        const b = randomTensor('float32', [...sb], r, 0.3, 3);
        if (fn.startsWith('less') || fn.startsWith('greater') || fn === 'equal') (a.data as Float32Array)[0] = (b.data as Float32Array)[0]!;
        if (fn === 'max' || fn === 'min') (a.data as Float32Array)[1] = NaN; // propagates, as in numpy
        await check(generateElementwise, binary(fn), [a, b]);
      }
    });
  }
  it('pow float32: negative bases with integral exponents, zero exponents, fractional ones', async () => {
    const r = rng(77);
    const a = randomTensor('float32', [5, 1, 7], r, -3, 3);
    const b = f32([3, 1], [2, -3, 0.5]);
    // Vulkan pow is exp2(y·log2 x): a few ulp, so 1e-5 relative; NaN where the base is negative.
    await check(generateElementwise, binary('pow'), [a, b]);
    await check(generateElementwise, binary('pow'), [a, randomTensor('int32', [3, 1], r, -3, 4)]);
  });

  const intFns: BinaryFn[] = ['add', 'sub', 'mul', 'div', 'mod', 'fmod', 'max', 'min', 'prelu', 'pow', 'equal', 'less', 'greaterOrEqual', 'bitAnd', 'bitOr', 'bitXor'];
  for (const fn of intFns) {
    it(`${fn} int32 (negative operands)`, async () => {
      const r = rng(fn.length * 17 + 1);
      const a = randomTensor('int32', [5, 3, 7], r, -1000, 1000);
      const b = randomTensor('int32', [3, 1], r, fn === 'pow' ? -2 : -9, 9);
      const bd = b.data as Int32Array;
      for (let i = 0; i < bd.length; i++) if (bd[i] === 0) bd[i] = 3; // division by zero is an error on the host
      if (fn === 'pow') (a.data as Int32Array).forEach((v, i, d) => (d[i] = v % 20));
      await check(generateElementwise, binary(fn), [a, b]);
    });
  }
  it('uint8 arithmetic wraps; shifts saturate past the width', async () => {
    const r = rng(21);
    const a = randomTensor('uint8', DIMS, r, 0, 255);
    const b = randomTensor('uint8', DIMS, r, 1, 255);
    for (const fn of ['add', 'sub', 'mul', 'div', 'mod', 'bitAnd', 'bitXor'] as BinaryFn[]) await check(generateElementwise, binary(fn), [a, b]);
    const s = randomTensor('uint8', DIMS, r, 0, 10);
    await check(generateElementwise, binary('bitShiftLeft'), [a, s]);
    await check(generateElementwise, binary('bitShiftRight'), [a, s]);
    const a32 = randomTensor('uint32', DIMS, r, 0, 2 ** 31);
    const s32 = randomTensor('uint32', DIMS, r, 0, 40);
    await check(generateElementwise, binary('bitShiftLeft'), [a32, s32]);
    await check(generateElementwise, binary('bitShiftRight'), [a32, s32]);
  });
  it('int16 products wrap to 16 bits', async () => {
    const r = rng(22);
    await check(generateElementwise, binary('mul'), [randomTensor('int16', DIMS, r, -3000, 3000), randomTensor('int16', DIMS, r, -3000, 3000)]);
  });
  it('bool logic and equality', async () => {
    const r = rng(23);
    const a = randomTensor('bool', [5, 1, 7], r);
    const b = randomTensor('bool', [3, 1], r);
    for (const fn of ['and', 'or', 'xor', 'equal'] as BinaryFn[]) await check(generateElementwise, binary(fn), [a, b]);
  });
});

describe('where', () => {
  it('broadcasts all three inputs (float and int)', async () => {
    const r = rng(31);
    const c = randomTensor('bool', [5, 1, 7], r);
    await check(generateElementwise, { kind: 'where' }, [c, randomTensor('float32', [3, 1], r), randomTensor('float32', [1, 3, 7], r)]);
    await check(generateElementwise, { kind: 'where' }, [c, randomTensor('int64', [3, 7], r, -50, 50), randomTensor('int64', [], r, -5, 5)]);
  });
});

describe('cast', () => {
  const targets: DType[] = ['float32', 'float16', 'bfloat16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'int64', 'uint32', 'bool'];
  it('from float32 (truncation toward zero, wrapping, f16/bf16 rounding, NaN → true)', async () => {
    const x = floats(41, -300, 300, [0, -0.7, 0.7, 65519, 65520, -70000, 2049.5, 1e-8, NaN]);
    for (const to of targets) {
      if (to !== 'bool' && !to.includes('float')) (x.data as Float32Array)[8 * 7] = 1; // NaN → int is undefined
      else (x.data as Float32Array)[8 * 7] = NaN;
      await check(generateElementwise, { kind: 'cast', to }, [x], { rtol: 0, atol: 0 });
    }
  });
  it('to bfloat16: ties to even, overflow, subnormals, NaN and infinities', async () => {
    // 1 + 2^-8 ties down to 1, 1 + 3·2^-8 up to 1 + 2^-6; the largest bfloat16 stays, the midpoint
    // above it overflows; a subnormal rounds on the same bits; NaN stays NaN.
    const x = floats(43, -1e6, 1e6, [1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 3.3895313892515355e38, 3.3961775292304135e38, 1e-40, -1e-39, NaN, Infinity, -Infinity]);
    await check(generateElementwise, { kind: 'cast', to: 'bfloat16' }, [x], { rtol: 0, atol: 0 });
  });
  it('from int32, uint8, bool and bfloat16', async () => {
    const r = rng(42);
    const sources = [randomTensor('int32', DIMS, r, -70000, 70000), randomTensor('uint8', DIMS, r, 0, 255), randomTensor('bool', DIMS, r), randomTensor('bfloat16', DIMS, r, -300, 300)];
    for (const x of sources) for (const to of targets) await check(generateElementwise, { kind: 'cast', to }, [x], { rtol: 0, atol: 0 });
  });
});

describe('dispatch', () => {
  it('covers > 65535 workgroups with a 2-d grid', async () => {
    const n = 65535 * 64 + 37;
    const x = randomTensor('float32', [n], rng(51), -2, 2);
    const { kernels } = await check(generateElementwise, unary('relu'), [x]);
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
  it('respects a small per-dimension cap with broadcasting', async () => {
    const r = rng(52);
    // 37·5·29 = 5365 elements = 84 workgroups of 64, over a cap of 10 per dimension (10 × 9).
    const { kernels } = await check(generateElementwise, binary('add'), [randomTensor('float32', [37, 1, 29], r), randomTensor('float32', [5, 1], r)], {
      limits: { maxComputeWorkgroupsPerDimension: 10 },
    });
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
});
