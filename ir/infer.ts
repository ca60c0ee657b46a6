/**
 * Shape and dtype inference: the output types of every op from its attributes and input types.
 *
 * `Graph.add` calls `inferTypes` for every node it builds and the verifier calls it again to
 * check stored types, so a malformed node fails where it is created, with a short message naming
 * the op and what is wrong ("matmul: inner dims 64 and 32 differ"). The rules follow ONNX: numpy
 * broadcasting, conv/pool window arithmetic, slice clamping, and each op's type constraints.
 * Symbolic dims pass through wherever a rule keeps or broadcasts a dim; a rule that needs a number
 * and finds a symbol throws rather than guessing.
 *
 * The rules live in ir/infer/ by family; the helpers other stages reuse (output sizes, slice
 * resolution, permutations) are re-exported here so there is one import for them.
 */

import type { TensorType, Value } from './graph.js';
import type { Op } from './ops.js';
import { checkOpAttrs } from './infer/attrs.js';
import { fail } from './infer/common.js';
import { inferBinary, inferCast, inferUnary, inferWhere } from './infer/elementwise.js';
import { inferArange, inferGather, inferGatherElements, inferRange, inferSlice } from './infer/indexing.js';
import {
  inferArgReduce,
  inferAttention,
  inferCumSum,
  inferLayerNorm,
  inferMatmul,
  inferReduce,
  inferSoftmax,
  inferTrilu,
} from './infer/linalg.js';
import { inferConcat, inferExpand, inferPad, inferReshape, inferShape, inferTile, inferTranspose } from './infer/movement.js';
import { inferBatchNorm, inferConv, inferConvTranspose, inferPool, inferResize } from './infer/spatial.js';
import { inferRnn } from './infer/recurrent.js';
import { inferGatherND, inferScatterElements, inferScatterND } from './infer/scatter.js';
import { inferTopK } from './infer/topk.js';
import { inferGridSample, inferRoiAlign } from './infer/sample.js';
import { inferDet } from './infer/det.js';
import { inferDft } from './infer/dft.js';

export { convOutputSize, convTransposeOutputSize, poolOutputSize } from './infer/spatial.js';
export { resolveSlice, resolveSliceDims, scalarDim, type SliceRange, type SliceRangeDim } from './infer/indexing.js';
export { normalizePerm, resolveShapeRange } from './infer/movement.js';
export { reducedShape } from './infer/linalg.js';
export { OP_ATTRS, checkOpAttrs, isOpKind, type AttrKind, type AttrValue } from './infer/attrs.js';

/** The output types of `op` applied to `inputs`; throws a short message on any mismatch. */
export function inferTypes(op: Op, inputs: Value[]): TensorType[] {
  checkOpAttrs(op);
  inputs.forEach((v, i) => {
    if (v.type.dtype === 'string') fail(op.kind, `input ${i} is a string tensor, which is not supported`);
  });
  switch (op.kind) {
    case 'unary':
      return inferUnary(op, inputs);
    case 'binary':
      return inferBinary(op, inputs);
    case 'where':
      return inferWhere(inputs);
    case 'cast':
      return inferCast(op, inputs);
    case 'conv':
      return inferConv(op, inputs);
    case 'convTranspose':
      return inferConvTranspose(op, inputs);
    case 'batchNorm':
      return inferBatchNorm(inputs);
    case 'pool':
      return inferPool(op, inputs);
    case 'matmul':
      return inferMatmul(op, inputs);
    case 'reduce':
      return inferReduce(op, inputs);
    case 'argReduce':
      return inferArgReduce(op, inputs);
    case 'softmax':
      return inferSoftmax(op, inputs);
    case 'layerNorm':
      return inferLayerNorm(op, inputs);
    case 'attention':
      return inferAttention(op, inputs);
    case 'reshape':
      return inferReshape(op, inputs);
    case 'transpose':
      return inferTranspose(op, inputs);
    case 'concat':
      return inferConcat(op, inputs);
    case 'slice':
      return inferSlice(op, inputs);
    case 'gather':
      return inferGather(op, inputs);
    case 'gatherElements':
      return inferGatherElements(op, inputs);
    case 'pad':
      return inferPad(op, inputs);
    case 'expand':
      return inferExpand(op, inputs);
    case 'tile':
      return inferTile(op, inputs);
    case 'resize':
      return inferResize(op, inputs);
    case 'shape':
      return inferShape(op, inputs);
    case 'cumSum':
      return inferCumSum(op, inputs);
    case 'trilu':
      return inferTrilu(op, inputs);
    case 'range':
      return inferRange(inputs);
    case 'arange':
      return inferArange(op, inputs);
    case 'rnn':
      return inferRnn(op, inputs);
    case 'scatterElements':
      return inferScatterElements(op, inputs);
    case 'scatterND':
      return inferScatterND(op, inputs);
    case 'gatherND':
      return inferGatherND(op, inputs);
    case 'topK':
      return inferTopK(op, inputs);
    case 'gridSample':
      return inferGridSample(op, inputs);
    case 'roiAlign':
      return inferRoiAlign(op, inputs);
    case 'det':
      return inferDet(inputs);
    case 'dft':
      return inferDft(op, inputs);
    default: {
      const never: never = op;
      throw new Error(`unknown op kind '${(never as { kind: string }).kind}'`);
    }
  }
}
