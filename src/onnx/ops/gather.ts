/**
 * Indexing → IR `gather` / `gatherElements`.
 *
 * ONNX: Gather (opset 1/11/13), GatherElements (11/13). Opsets 1 (11 for GatherElements) to
 * MAX_OPSET. Versions 11+ allow negative axes and negative indices; 13 only added types.
 * Types: any data type; int32/int64 indices (negative counting from the end).
 * Lowers to: `gather(axis)` / `gatherElements(axis)` with the axis normalized. Gathers of constants
 * (shape plumbing) fold at import.
 */

import { normalizeAxis } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';

function gather(kind: 'gather' | 'gatherElements') {
  return (ctx: ImportContext) => {
    const data = ctx.input(0, 'data');
    const indices = ctx.input(1, 'indices');
    const axis = normalizeAxis(ctx.getInt('axis', 0), data.rank);
    return [ctx.addOut1({ kind, axis }, [data, indices])];
  };
}

export const gatherImporters: OpImporter[] = [
  importer('Gather', gather('gather'), 1),
  importer('GatherElements', gather('gatherElements'), 11),
];
