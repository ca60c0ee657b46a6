/**
 * Constants and generated tensors.
 *
 * ONNX: Constant (opset 1/9/11/12/13/19/21), ConstantOfShape (9/20/21), Range (11).
 * Opsets 1 (Constant; ConstantOfShape and Range from their introduction) to MAX_OPSET.
 * - Constant: exactly one of `value` (a tensor), `value_float`/`value_floats` (float32 0-d/1-d),
 *   `value_int`/`value_ints` (int64 0-d/1-d). `sparse_value` and `value_string(s)` are rejected.
 * - ConstantOfShape: the int64 `shape` input (a constant or a shape computation on symbolic dims)
 *   filled with `value` (a one-element tensor, default float32 0); an empty shape gives a scalar.
 *   A `shape` given as a graph input is read as symbols bound per run (≥ 1: a 0 is refused then).
 * - Range: numbers from start to limit (exclusive) by delta; scalar inputs of one numeric type.
 *   Constant start and delta with a limit read from a symbolic dim, or given as an integer graph
 *   input (a symbol bound per run, ≥ 1), give `arange` (length max(0, ⌈(limit − start) / delta⌉)
 *   as a dim expression).
 * Lowers to: graph constants; ConstantOfShape → `expand` of a 0-d constant to the shape (folded
 * into a constant by Graph.add unless it is huge); Range → `range` (folded when its inputs are
 * constants).
 */

import type { Tensor } from '../../../ir/graph.js';
import type { ImportContext, OpImporter } from './context.js';
import { importer, makeTensor } from './common.js';
import { dimCeilDiv, dimMax, dimSub } from '../../../ir/dim.js';
import { dimIsNonNegative } from '../../../ir/dim-range.js';
import { scalarDim } from '../../../ir/infer/indexing.js';

const VALUE_ATTRS = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings', 'sparse_value'];

function constant(ctx: ImportContext) {
  const present = VALUE_ATTRS.filter((a) => ctx.hasAttr(a));
  if (present.length !== 1) ctx.fail(`needs exactly one value attribute, got ${present.length === 0 ? 'none' : present.join(', ')}`);
  const which = present[0]!;
  let t: Tensor;
  switch (which) {
    case 'value':
      t = ctx.getTensor('value');
      if (t.dtype === 'string') ctx.unsupported('string tensors are not supported');
      break;
    case 'value_float':
      t = makeTensor('float32', [], [ctx.getFloat('value_float')]);
      break;
    case 'value_floats': {
      const v = ctx.getFloats('value_floats');
      t = makeTensor('float32', [v.length], v);
      break;
    }
    case 'value_int':
      t = makeTensor('int64', [], [ctx.getInt('value_int')]);
      break;
    case 'value_ints': {
      const v = ctx.getInts('value_ints');
      t = makeTensor('int64', [v.length], v);
      break;
    }
    default:
      return ctx.unsupported(`attribute '${which}' is not supported (string and sparse constants have no IR form)`);
  }
  return [ctx.constantOut(t)];
}

function constantOfShape(ctx: ImportContext) {
  const shapeIn = ctx.input(0, 'input');
  if (shapeIn.rank !== 1) ctx.fail(`input shape must be 1-d, got dims [${shapeIn.type.shape.join(', ')}]`);
  const shape = ctx.constDims(0, 'input');
  if (shape.some((d) => (typeof d === 'number' ? d < 0 : !dimIsNonNegative(d)))) ctx.fail(`shape [${shape.join(', ')}] has a negative dim`);
  let fill: Tensor = makeTensor('float32', [], [0]);
  if (ctx.hasAttr('value')) {
    const v = ctx.getTensor('value');
    if (v.data.length !== 1) ctx.fail(`attribute 'value' must hold one element, got ${v.data.length}`);
    if (v.dtype === 'string') ctx.unsupported('string tensors are not supported');
    fill = { dtype: v.dtype, dims: [], data: v.data.slice(0, 1) };
  }
  const scalar = ctx.constant('value', fill);
  return [ctx.addOut1({ kind: 'expand', shape }, [scalar])];
}

function range(ctx: ImportContext) {
  // With constant start and delta, a limit given as a graph input is a symbol bound per run
  // (ctx.knownDims): the length becomes a dim expression of it.
  // Through casts too: expanded window functions write Range(0, Cast<float>(size), 1).
  if (ctx.input(0, 'start').data !== undefined && ctx.input(2, 'delta').data !== undefined) ctx.knownScalarThroughCasts(1);
  const inputs = ['start', 'limit', 'delta'].map((what, i) => {
    const v = ctx.input(i, what);
    if (v.rank === 0) return v;
    // onnxruntime accepts one-element vectors too, and some exporters produce them.
    if (v.rank === 1 && v.type.shape[0] === 1) return ctx.add1({ kind: 'reshape', shape: [] }, [v]);
    return ctx.fail(`input '${what}' must be a scalar, got shape [${v.type.shape.join(', ')}]`);
  });
  // scalarDim reads float constants too (0.0, 1.0 in expanded window functions) and looks through casts.
  const [start, limit, delta] = inputs.map((v) => scalarDim(v));
  if (typeof start === 'number' && typeof delta === 'number' && typeof limit === 'string' && Number.isInteger(start) && Number.isInteger(delta)) {
    // A symbolic length (arange(sequence)): an input-free op whose size is a dim expression.
    if (delta === 0) ctx.fail('delta is 0');
    const span = delta > 0 ? dimSub(limit, start) : dimSub(start, limit);
    const n = dimCeilDiv(span, Math.abs(delta));
    const length = dimIsNonNegative(n) ? n : dimMax(n, 0);
    return [ctx.addOut1({ kind: 'arange', start, delta, length, dtype: inputs[0]!.type.dtype }, [])];
  }
  if (limit !== undefined && (typeof start === 'string' || typeof delta === 'string')) {
    ctx.unsupported('a symbolic start or delta (only the limit may be symbolic) is not supported');
  }
  return [ctx.addOut1({ kind: 'range' }, inputs)];
}

export const constantImporters: OpImporter[] = [
  importer('Constant', constant, 1),
  importer('ConstantOfShape', constantOfShape, 9),
  importer('Range', range, 11),
];
