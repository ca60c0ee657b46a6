/**
 * matmul against onnxruntime's MatMul (numpy 1-d rules, batch broadcasting, int32/int64) and Gemm
 * (transposes, alpha, beta, every C broadcast form).
 */

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Op } from '../../ir/ops.js';
import { evaluate } from '../../ir/eval/index.js';
import { expectMatchesOrt } from './helpers/check.js';
import { randomTensor, rng, tensor } from './helpers/tensors.js';

const matmul = (over: Partial<Extract<Op, { kind: 'matmul' }>> = {}): Op => ({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1, ...over });

const MATMUL_SHAPES: [number[], number[], number[]][] = [
  [[5, 7], [7, 3], [5, 3]],
  [[2, 1, 5, 7], [3, 7, 4], [2, 3, 5, 4]],
  [[7], [7, 3], [3]],
  [[5, 7], [7], [5]],
  [[7], [7], []],
  [[7], [2, 7, 3], [2, 3]],
  [[2, 3, 5, 7], [7], [2, 3, 5]],
  [[1, 5, 1], [3, 1, 6], [3, 5, 6]],
];

describe('matmul (ONNX MatMul) vs onnxruntime', () => {
  for (const dtype of ['float32', 'int32', 'int64'] as DType[]) {
    it(`numpy rules on ${dtype}`, async () => {
      const random = rng(500);
      for (const [sa, sb, so] of MATMUL_SHAPES) {
        const a = randomTensor(random, dtype, sa);
        const b = randomTensor(random, dtype, sb);
        const y = await expectMatchesOrt(matmul(), [a, b], { opType: 'MatMul' }, {}, `[${sa}]×[${sb}]`);
        expect(y.dims).toEqual(so);
      }
    });
  }

  it('rejects mismatched inner dims', () => {
    expect(() => evaluate(matmul(), [tensor('float32', [2, 3], [1, 2, 3, 4, 5, 6]), tensor('float32', [2, 1], [1, 2])])).toThrow(/inner dimensions/);
  });
});

describe('matmul (ONNX Gemm) vs onnxruntime', () => {
  const M = 5;
  const K = 6;
  const N = 7;
  const cShapes: (number[] | null)[] = [null, [N], [M, 1], [M, N], [], [1, N]];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA} transB=${transB}, alpha/beta, every C shape`, async () => {
        const random = rng(600 + Number(transA) * 2 + Number(transB));
        const a = randomTensor(random, 'float32', transA ? [K, M] : [M, K]);
        const b = randomTensor(random, 'float32', transB ? [N, K] : [K, N]);
        for (const cs of cShapes) {
          const c = cs ? randomTensor(random, 'float32', cs) : undefined;
          const op = matmul({ transA, transB, alpha: 0.75, beta: cs ? -1.5 : 1 });
          const attrs = { transA: Number(transA), transB: Number(transB), alpha: { float: 0.75 }, beta: { float: cs ? -1.5 : 1 } };
          await expectMatchesOrt(op, c ? [a, b, c] : [a, b], { opType: 'Gemm', attrs }, {}, `C ${cs ? `[${cs}]` : 'none'}`);
        }
      });
    }
  }

  it('beta 0 ignores C', () => {
    const a = tensor('float32', [1, 1], [2]);
    const b = tensor('float32', [1, 1], [3]);
    const c = tensor('float32', [1, 1], [NaN]);
    expect(evaluate(matmul({ beta: 0 }), [a, b, c])[0]!.data[0]).toBe(6);
  });

  it('int64 stays exact past 2^53', () => {
    const a = tensor('int64', [1, 2], [2n ** 40n, 3n]);
    const b = tensor('int64', [2, 1], [2n ** 20n + 1n, 5n]);
    expect(evaluate(matmul(), [a, b])[0]!.data[0]).toBe(2n ** 60n + 2n ** 40n + 15n);
  });
});
