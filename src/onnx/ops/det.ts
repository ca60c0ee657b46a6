/**
 * Det → IR `det`.
 *
 * ONNX: Det opset 11 (22 only adds bfloat16). Opsets 11 to MAX_OPSET.
 * Types: float x (…, M, M).
 * Lowers to: `det` on x as is.
 */

import type { OpImporter } from './context.js';
import { importer } from './common.js';

export const detImporters: OpImporter[] = [importer('Det', (ctx) => [ctx.addOut1({ kind: 'det' }, [ctx.input(0, 'X')])], 11)];
