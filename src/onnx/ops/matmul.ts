/**
 * Matrix products → IR `matmul`.
 *
 * ONNX: Gemm (opset 1/6/7/9/11/13), MatMul (1/9/13). Opsets 1 to MAX_OPSET.
 * - Gemm: y = alpha·op(A)·op(B) + beta·C on 2-d A and B; C is required before opset 11 and
 *   optional after, and broadcasts to (M, N) (unidirectional since 7). Before 7 a `broadcast`
 *   attribute said whether C may broadcast (1, with the same unidirectional rule) or must be
 *   exactly (M, N) (0, the default). Versions 6/9/13 only changed types.
 * - MatMul: numpy matmul (batched, broadcast leading dims, 1-d operands promoted and squeezed).
 * Types: float (MatMul also integer), checked by IR inference.
 * Lowers to: `matmul(transA, transB, alpha, beta)` on [A, B, C?]; MatMul has alpha 1 and no C.
 */

import type { ImportContext, OpImporter } from './context.js';
import { formatShape } from '../../../ir/shape.js';
import { importer, MODERN_OPSET } from './common.js';

function gemm(ctx: ImportContext) {
  const a = ctx.input(0, 'A');
  const b = ctx.input(1, 'B');
  if (a.rank !== 2 || b.rank !== 2) ctx.fail(`A and B must be 2-d, got ranks ${a.rank} and ${b.rank}`);
  const c = ctx.opset < 11 ? ctx.input(2, 'C') : ctx.optionalInput(2);
  const transA = ctx.getInt('transA', 0) !== 0;
  const transB = ctx.getInt('transB', 0) !== 0;
  if (ctx.opset < MODERN_OPSET && c !== undefined && ctx.getInt('broadcast', 0) === 0) {
    const mn = [a.type.shape[transA ? 1 : 0]!, b.type.shape[transB ? 0 : 1]!];
    const cs = c.type.shape;
    if (cs.length !== 2 || cs[0] !== mn[0] || cs[1] !== mn[1]) {
      ctx.fail(`C ${formatShape(cs)} must be ${formatShape(mn)} with broadcast=0 (before opset ${MODERN_OPSET} C broadcasts only with broadcast=1)`);
    }
  }
  const op = {
    kind: 'matmul',
    transA,
    transB,
    alpha: ctx.getFloat('alpha', 1),
    beta: c === undefined ? 0 : ctx.getFloat('beta', 1),
  } as const;
  return [ctx.addOut1(op, c === undefined ? [a, b] : [a, b, c])];
}

function matmul(ctx: ImportContext) {
  const op = { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 0 } as const;
  return [ctx.addOut1(op, [ctx.input(0, 'A'), ctx.input(1, 'B')])];
}

export const matmulImporters: OpImporter[] = [importer('Gemm', gemm, 1), importer('MatMul', matmul, 1)];
