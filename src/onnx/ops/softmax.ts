/**
 * Softmax family → IR `softmax`.
 *
 * ONNX: Softmax, LogSoftmax (opset 1/11/13). Opsets 1 to MAX_OPSET.
 * - From opset 13: normalizes along `axis` (default -1).
 * - Before 13: the input is coerced to 2-d [prod(d < axis), prod(d ≥ axis)] (axis default 1)
 *   and normalized along the second dim, i.e. over the whole block of axes ≥ axis. When at most
 *   one of those axes is not 1 this is a plain softmax along that axis, which is what we emit
 *   (also the common case axis = rank−1); otherwise reshape → softmax(axis 1) → reshape back.
 * Types: float.
 * Lowers to: `softmax(axis, log)`, possibly between two `reshape`s.
 */

import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { dimProduct, importer } from './common.js';

function softmax(log: boolean) {
  return (ctx: ImportContext) => {
    const x = ctx.input(0, 'input');
    const dims = x.type.shape;
    const axis = normalizeAxis(ctx.getInt('axis', ctx.opset >= 13 ? -1 : 1), x.rank);
    if (ctx.opset >= 13) return [ctx.addOut1({ kind: 'softmax', axis, log }, [x])];

    const notOne = dims.flatMap((d, i) => (i >= axis && d !== 1 ? [i] : []));
    if (notOne.length <= 1) return [ctx.addOut1({ kind: 'softmax', axis: notOne[0] ?? axis, log }, [x])];

    const what = `${ctx.opType} (opset ${ctx.opset}) coercing to 2-d at axis ${axis}`;
    const rows = dimProduct(dims.slice(0, axis), what);
    const cols = dimProduct(dims.slice(axis), what);
    const flat = ctx.add1({ kind: 'reshape', shape: [rows, cols] }, [x]);
    const y = ctx.add1({ kind: 'softmax', axis: 1, log }, [flat]);
    return [ctx.addOut1({ kind: 'reshape', shape: [...dims] }, [y])];
  };
}

export const softmaxImporters: OpImporter[] = [importer('Softmax', softmax(false), 1), importer('LogSoftmax', softmax(true), 1)];
