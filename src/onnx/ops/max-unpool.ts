/**
 * MaxUnpool → zeros, then IR `scatterND` of the pooled values at their flat indices.
 *
 * ONNX: MaxUnpool opset 9, 11 (types only). Opsets 9 to MAX_OPSET.
 * Types: float X; int64 I holding MaxPool's flat indices into the whole output tensor (batch and
 * channel included); optional output_shape input (int64, every output dim), which must be a
 * compile-time constant.
 * Lowers to: y = reshape(scatterND(expand(0, [total]), reshape(I, [M, 1]), reshape(X, [M])), dims)
 * with reduction 'none'. The output dims are output_shape when given (pads are then ignored, as
 * ONNX says), else (in − 1)·stride + kernel − pad_begin − pad_end per spatial axis.
 * Indices that repeat come from overlapping pooling windows and carry the same maximum, so the
 * write order (unspecified on the GPU for 'none') cannot change the result.
 */

import { convTransposeOutputSize } from '../../../ir/infer.js';
import type { Dim } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { explicitPads, importer, spatialInts, staticDim } from './common.js';

function outputDims(ctx: ImportContext, xShape: readonly Dim[]): number[] {
  const n = xShape.length - 2;
  if (ctx.hasInput(2)) {
    const dims = ctx.constNumbers(2, 'output_shape');
    if (dims.length !== xShape.length) ctx.fail(`output_shape has ${dims.length} values, expected ${xShape.length} (one per dim of X)`);
    return dims;
  }
  const kernel = ctx.getInts('kernel_shape');
  if (kernel.length !== n) ctx.fail(`kernel_shape has ${kernel.length} values, expected ${n} (one per spatial axis)`);
  const strides = spatialInts(ctx, 'strides', n, 1);
  const pads = explicitPads(ctx, n);
  const spatial = xShape.slice(2).map((d, i) => {
    const size = staticDim(d, 'MaxUnpool output size');
    // The inverse of the pool's window arithmetic: a transposed window with no dilation.
    try {
      return convTransposeOutputSize(size, kernel[i]!, strides[i]!, pads[i]!, pads[n + i]!, 1, 0);
    } catch (e) {
      return ctx.fail(`spatial axis ${i}: ${(e as Error).message}`);
    }
  });
  return [staticDim(xShape[0]!, 'MaxUnpool batch'), staticDim(xShape[1]!, 'MaxUnpool channels'), ...spatial];
}

function maxUnpool(ctx: ImportContext) {
  const x = ctx.input(0, 'X');
  const indices = ctx.input(1, 'I');
  if (x.rank < 3) ctx.fail(`X must have rank ≥ 3 (N, C, spatial…), got rank ${x.rank}`);
  const dims = outputDims(ctx, x.type.shape);
  for (const d of dims) if (!Number.isInteger(d) || d < 0) ctx.fail(`output dims [${dims.join(', ')}] must be non-negative integers`);
  const total = dims.reduce((a, b) => a * b, 1);
  const count = x.type.shape.map((d) => staticDim(d, 'MaxUnpool input size')).reduce((a, b) => a * b, 1);

  // The zero background is an expand node, not a folded constant: the output can be large and
  // would otherwise sit in the weights file as zeros.
  const zero = ctx.scalar('zero', x.type.dtype, 0);
  const [zeros] = ctx.graph.add({ kind: 'expand', shape: [total] }, [zero], `${ctx.name}/zeros`, [], false);
  const flatIndices = ctx.add1({ kind: 'reshape', shape: [count, 1] }, [indices]);
  const flatValues = ctx.add1({ kind: 'reshape', shape: [count] }, [x]);
  const scattered = ctx.add1({ kind: 'scatterND', reduction: 'none' }, [zeros!, flatIndices, flatValues]);
  return [ctx.addOut1({ kind: 'reshape', shape: dims }, [scattered])];
}

export const maxUnpoolImporters: OpImporter[] = [importer('MaxUnpool', maxUnpool, 9)];
