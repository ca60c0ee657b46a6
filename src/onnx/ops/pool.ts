/**
 * Pooling → IR `pool` / `reduce`.
 *
 * ONNX: MaxPool (opset 1/8/10/11/12/22), AveragePool (1/7/10/11/19/22), GlobalAveragePool,
 * GlobalMaxPool (1/22). Opsets 1 to MAX_OPSET.
 * - `ceil_mode` (10+), `dilations` (MaxPool 10+, AveragePool 19+) and `count_include_pad` (7+)
 *   default to 0 / 1s / 0 when absent, which is exactly the older versions' behaviour.
 * - auto_pad is resolved to explicit pads like Conv's (shared `resolveWindowPads`).
 * - MaxPool's optional Indices output (8+) becomes the pool's int64 `indices` output: flat
 *   offsets into X, the spatial part row-major (`storage_order` 0) or column-major (1).
 *   `storage_order` only affects that output, so it is ignored otherwise.
 * Types: float (MaxPool also int8/uint8 from 12), checked by IR inference.
 * Lowers to: `pool(max|avg)`; the global pools → `reduce(mean|max)` over the spatial axes with
 * keepdims, which the scheduler treats as the reduction it is.
 */

import type { ImportContext, OpImporter } from './context.js';
import { explicitPads, importer, iota, readAutoPad, resolveWindowPads, spatialInts } from './common.js';

function pool(type: 'max' | 'avg') {
  return (ctx: ImportContext) => {
    const x = ctx.input(0, 'X');
    if (x.rank < 3) ctx.fail(`input X must have rank ≥ 3 (N, C, spatial…), got rank ${x.rank}`);
    if (ctx.opset < 8 && ctx.hasOutput(1)) ctx.fail(`MaxPool has one output before opset 8, got ${ctx.outputCount}`);
    const order = ctx.getInt('storage_order', 0);
    if (order !== 0 && order !== 1) ctx.fail(`storage_order must be 0 or 1, got ${order}`);
    const indices = type === 'max' && ctx.hasOutput(1) ? (order === 0 ? 'rowMajor' : 'colMajor') : 'none';
    const n = x.rank - 2;
    const kernel = ctx.getInts('kernel_shape');
    if (kernel.length !== n) ctx.fail(`kernel_shape has ${kernel.length} values, expected ${n}`);
    const strides = spatialInts(ctx, 'strides', n, 1);
    const dilations = spatialInts(ctx, 'dilations', n, 1);
    const pads = resolveWindowPads(readAutoPad(ctx), x.type.shape.slice(2), kernel, strides, dilations, explicitPads(ctx, n));
    const ceilMode = ctx.getInt('ceil_mode', 0) !== 0;
    const countIncludePad = type === 'avg' && ctx.getInt('count_include_pad', 0) !== 0;
    const op = { kind: 'pool', type, kernel, strides, pads, dilations, ceilMode, countIncludePad, indices } as const;
    return indices === 'none' ? [ctx.addOut1(op, [x])] : ctx.addOut(op, [x]);
  };
}

function globalPool(fn: 'mean' | 'max') {
  return (ctx: ImportContext) => {
    const x = ctx.input(0, 'X');
    if (x.rank < 3) ctx.fail(`input X must have rank ≥ 3 (N, C, spatial…), got rank ${x.rank}`);
    return [ctx.addOut1({ kind: 'reduce', fn, axes: iota(x.rank - 2, 2), keepdims: true }, [x])];
  };
}

export const poolImporters: OpImporter[] = [
  importer('MaxPool', pool('max'), 1),
  importer('AveragePool', pool('avg'), 1),
  importer('GlobalAveragePool', globalPool('mean'), 1),
  importer('GlobalMaxPool', globalPool('max'), 1),
];
