/**
 * Ops that pass their input through at inference → no IR node at all.
 *
 * ONNX: Identity (opset 1/13/14/16/19/21), Dropout (1/6/7/10/12/13/22). Opsets 1 to MAX_OPSET.
 * - Identity: the output is the input value (tensors only; sequence/optional inputs never reach
 *   here because the decoder has no such values).
 * - Dropout: inference semantics — the output is the input. Before opset 7, `is_test` chose
 *   between training (0, the default: random dropout, refused as a form) and test mode (1: the
 *   input itself; a requested mask, which the spec leaves unspecified there, is refused).
 *   Opsets 7–11 have a `ratio` attribute that inference ignores; from 12, `ratio` and
 *   `training_mode` are inputs, and training_mode must be absent or false (random masks are
 *   rejected as a form): a constant, or a bool graph input compiled per value (src/variants.ts),
 *   whose run-time true is then refused.
 *   The optional mask output, when requested, is a constant fill (bool from opset 10; the data
 *   type before), or an `expand` of a scalar when the shape is symbolic. Its value follows
 *   onnxruntime, since the spec leaves the inference mask unspecified before opset 12: all true
 *   from 12 (the spec: nothing is dropped, every element kept), all zero/false before (onnxruntime
 *   reports "no element dropped" that way for the older versions).
 * Lowers to: aliases of the input value (import.ts names graph outputs that alias other values).
 */

import type { Value } from '../../../ir/graph.js';
import { isStaticShape } from '../../../ir/shape.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, makeTensor, MODERN_OPSET } from './common.js';
import { requireTestMode } from './legacy.js';

function dropout(ctx: ImportContext) {
  const x = ctx.input(0, 'data');
  if (ctx.opset < MODERN_OPSET) {
    requireTestMode(ctx, 'random dropout');
    if (ctx.hasOutput(1)) ctx.unsupported(`the mask output, which opset ${ctx.opset} leaves unspecified in test mode (is_test=1), is not supported`);
    return [x];
  }
  if (ctx.opset >= 12 && ctx.hasInput(2)) {
    // A graph input is compiled per value (src/variants.ts): false is this inference form, and
    // true (random masks) has no variant, so run() refuses it with the reason below.
    const training = ctx.structuralInput(2, 'training_mode', { kind: 'bool' });
    if (training.length !== 1) ctx.fail("input 'training_mode' must be a scalar");
    if (training[0] !== 0) ctx.unsupported('training_mode=true is not supported (inference only)');
  }
  const results: Value[] = [x];
  if (ctx.hasOutput(1)) {
    const dtype = ctx.opset >= 10 ? 'bool' : x.type.dtype;
    const fill = ctx.opset >= 12 ? 1 : 0;
    const shape = x.type.shape;
    if (isStaticShape(shape)) {
      const n = shape.reduce((a, b) => a * b, 1);
      results.push(ctx.constantOut(makeTensor(dtype, shape, new Array<number>(n).fill(fill)), 1));
    } else {
      const one = ctx.constant('mask_value', makeTensor(dtype, [], [fill]));
      results.push(ctx.addOut1({ kind: 'expand', shape }, [one], 1));
    }
  }
  return results;
}

export const identityImporters: OpImporter[] = [
  importer('Identity', (ctx) => [ctx.input(0, 'input')], 1),
  importer('Dropout', dropout, 1),
];
