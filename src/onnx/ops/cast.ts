/**
 * Element type conversion → IR `cast`.
 *
 * ONNX: Cast (opset 1/6/9/13/19/21), CastLike (15/19/21).
 * Opsets: 1 to MAX_OPSET. Before 6 `to` is a TensorProto.DataType name ("FLOAT") rather than
 * its code (legacy.ts maps it). Otherwise versions differ only in the types allowed (bfloat16,
 * float8 and int4 codes have no IR dtype and are rejected as a form) and opset 19's `saturate`,
 * which only affects float8 targets.
 * Types: any numeric or bool to any numeric or bool; string targets are rejected.
 * Lowers to: `cast(to)`; a cast to the input's own type is the input itself.
 */

import type { DType } from '../../../ir/dtype.js';
import { ONNX_DTYPE_CODES } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/graph.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer } from './common.js';
import { legacyTypeCode } from './legacy.js';

/**
 * Maps an ONNX TensorProto.DataType code to an IR dtype, rejecting codes the IR lacks. DOUBLE
 * maps to float32 when the model's float64 is read as float32 (`--f64-as-f32`): every importer
 * reads element-type attributes (Cast's `to`, EyeLike's `dtype`, …) through here.
 */
export function dtypeFromCode(ctx: ImportContext, code: number, what: string): DType {
  const dtype = ONNX_DTYPE_CODES[code];
  if (dtype === undefined) {
    ctx.unsupported(`${what}: ONNX element type code ${code} has no IR dtype (bfloat16, complex, float8 and 4-bit types are not supported)`);
  }
  if (dtype === 'string') ctx.unsupported(`${what}: string tensors are not supported`);
  if (dtype === 'float64' && ctx.onF64AsF32 !== undefined) {
    ctx.onF64AsF32(`${what} of node '${ctx.name}'`);
    return 'float32';
  }
  return dtype;
}

function castTo(ctx: ImportContext, x: Value, to: DType): Value[] {
  if (x.type.dtype === to) return [x];
  return [ctx.addOut1({ kind: 'cast', to }, [x])];
}

function cast(ctx: ImportContext): Value[] {
  const code = ctx.opset < 6 ? legacyTypeCode(ctx, ctx.getString('to')) : ctx.getInt('to');
  return castTo(ctx, ctx.input(0, 'input'), dtypeFromCode(ctx, code, "attribute 'to'"));
}

export const castImporters: OpImporter[] = [
  importer('Cast', cast, 1),
  importer('CastLike', (ctx) => castTo(ctx, ctx.input(0, 'input'), ctx.input(1, 'target_type').type.dtype), 15),
];
