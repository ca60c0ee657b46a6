/**
 * The CPU reference evaluator: computes any IR op on host tensors with full ONNX semantics.
 *
 * It is the oracle every GPU kernel is tested against and the engine of compile-time constant
 * folding (`Graph.add`), so it favours exactness over speed — float math in float64, stored once
 * in the output dtype; int64 in BigInt — while keeping the heavy ops (conv, matmul, pool, resize)
 * as plain loops over typed arrays so real layer sizes evaluate in seconds.
 *
 * One file per op family; this file only dispatches (an exhaustive switch on `op.kind`), checks
 * input counts, and runs whole graphs (`evaluateGraph`).
 */

import type { Graph, Tensor, Value } from '../graph.js';
import type { Op } from '../ops.js';
import type { Dim } from '../shape.js';
import { formatShape } from '../shape.js';
import { describeValueRule, valueSymbolOf } from '../../runtime/dim-expr.js';
import { evalAttention } from './attention.js';
import { evalBinary, evalWhere } from './binary.js';
import { evalCast } from './cast.js';
import { evalConv } from './conv.js';
import { evalConvTranspose } from './conv-transpose.js';
import { evalGather, evalGatherElements, evalSlice } from './indexing.js';
import { evalMatmul } from './matmul.js';
import { evalArange, evalCumSum, evalRange, evalShape, evalTrilu } from './misc.js';
import { boundDim, isDimExpression, evalConcat, evalExpand, evalPad, evalReshape, evalTile, evalTranspose } from './movement.js';
import { evalBatchNorm, evalLayerNorm, evalSoftmax } from './normalize.js';
import { evalPool } from './pool.js';
import { evalRnn } from './recurrent.js';
import { evalArgReduce, evalReduce } from './reduce.js';
import { evalResize } from './resize.js';
import { evalGatherND, evalScatterElements, evalScatterND } from './scatter.js';
import { evalTopK } from './topk.js';
import { evalGridSample } from './grid-sample.js';
import { evalRoiAlign } from './roi-align.js';
import { evalDet } from './det.js';
import { evalDft } from './dft.js';
import { describe, scalarNumber } from './tensor.js';
import { evalUnary } from './unary.js';

export { roundToFloat16, numberToFloat16Bits, float16BitsToNumber, toFloat16Array, float16ArrayToBits, float16BitsToArray } from './float16.js';
export { erf } from './math.js';
export { resizeCoordinate, nearestIndex } from './resize.js';

/** Symbol values (`batch`, `sequence`) for ops whose attributes hold symbolic dims. */
export type Bindings = Readonly<Record<string, number>>;

function arity(op: Op, inputs: readonly Tensor[], min: number, max = min): void {
  if (inputs.length < min || inputs.length > max) {
    const want = min === max ? `${min}` : `${min}–${max}`;
    throw new Error(`${op.kind} takes ${want} inputs, got ${inputs.length}`);
  }
}

function bindAll(dims: readonly Dim[], bindings: Bindings, what: string): number[] {
  return dims.map((d) => {
    const v = boundDim(d, bindings);
    if (v === undefined) throw new Error(`${what} ${formatShape(dims)}: '${d}' has an unbound symbol`);
    return v;
  });
}

/**
 * Computes `op` on `inputs`, returning its outputs (one for every op but `rnn` and `topK`).
 * `bindings` resolves symbolic dims in reshape/expand/resize attributes.
 */
export function evaluate(op: Op, inputs: Tensor[], bindings: Bindings = {}): Tensor[] {
  const out = evaluateOne(op, inputs, bindings);
  return Array.isArray(out) ? out : [out];
}

function evaluateOne(op: Op, x: Tensor[], bindings: Bindings): Tensor | Tensor[] {
  switch (op.kind) {
    case 'unary':
      arity(op, x, 1);
      return evalUnary(op, x[0]!);
    case 'binary':
      arity(op, x, 2);
      return evalBinary(op, x[0]!, x[1]!);
    case 'where':
      arity(op, x, 3);
      return evalWhere(x[0]!, x[1]!, x[2]!);
    case 'cast':
      arity(op, x, 1);
      return evalCast(op.to, x[0]!);
    case 'conv':
      arity(op, x, 2, 3);
      return evalConv(op, x[0]!, x[1]!, x[2]);
    case 'convTranspose':
      arity(op, x, 2, 3);
      return evalConvTranspose(op, x[0]!, x[1]!, x[2]);
    case 'batchNorm':
      arity(op, x, 5);
      return evalBatchNorm(op, x[0]!, x[1]!, x[2]!, x[3]!, x[4]!);
    case 'pool':
      arity(op, x, 1);
      return evalPool(op, x[0]!);
    case 'matmul':
      arity(op, x, 2, 3);
      return evalMatmul(op, x[0]!, x[1]!, x[2]);
    case 'reduce':
      arity(op, x, 1);
      return evalReduce(op, x[0]!);
    case 'argReduce':
      arity(op, x, 1);
      return evalArgReduce(op, x[0]!);
    case 'softmax':
      arity(op, x, 1);
      return evalSoftmax(op, x[0]!);
    case 'layerNorm':
      arity(op, x, 2, 3);
      return evalLayerNorm(op, x[0]!, x[1]!, x[2]);
    case 'attention':
      arity(op, x, 3, 4);
      return evalAttention(op, x[0]!, x[1]!, x[2]!, x[3]);
    case 'reshape':
      arity(op, x, 1);
      return evalReshape(op.shape, x[0]!, bindings);
    case 'transpose':
      arity(op, x, 1);
      return evalTranspose(op, x[0]!);
    case 'concat':
      arity(op, x, 1, Infinity);
      return evalConcat(op, x);
    case 'slice':
      arity(op, x, 1);
      return evalSlice({ ...op, starts: bindAll(op.starts, bindings, 'slice starts'), ends: bindAll(op.ends, bindings, 'slice ends') }, x[0]!);
    case 'gather':
      arity(op, x, 2);
      return evalGather(op, x[0]!, x[1]!);
    case 'gatherElements':
      arity(op, x, 2);
      return evalGatherElements(op, x[0]!, x[1]!);
    case 'pad':
      arity(op, x, 1, 2);
      // A second input carries the fill value as data; the attribute is then ignored.
      return evalPad({ ...op, pads: bindAll(op.pads, bindings, 'pads'), value: x[1] ? scalarNumber(x[1], 'pad value') : op.value }, x[0]!);
    case 'expand':
      arity(op, x, 1);
      return evalExpand(bindAll(op.shape, bindings, 'expand shape'), x[0]!);
    case 'tile':
      arity(op, x, 1);
      return evalTile(op, x[0]!);
    case 'resize':
      arity(op, x, 1, 2);
      return evalResize(op, x[0]!, bindings, x[1]);
    case 'shape':
      arity(op, x, 1);
      return evalShape(op, x[0]!);
    case 'cumSum':
      arity(op, x, 1, 2);
      // A second input carries the axis as data; the attribute is then ignored.
      return evalCumSum(x[1] ? { ...op, axis: scalarNumber(x[1], 'cumSum axis') } : op, x[0]!);
    case 'trilu':
      arity(op, x, 1, 2);
      // A second input carries k as data (±2^63 compare correctly as doubles).
      return evalTrilu(x[1] ? { ...op, k: scalarNumber(x[1], 'trilu k') } : op, x[0]!);
    case 'range':
      arity(op, x, 3);
      return evalRange(x[0]!, x[1]!, x[2]!);
    case 'arange':
      arity(op, x, 0);
      return evalArange(op, bindAll([op.length], bindings, 'arange length')[0]!);
    case 'rnn':
      arity(op, x, op.cell === 'lstm' ? 8 : 6);
      return evalRnn(op, x);
    case 'scatterElements':
      arity(op, x, 3);
      return evalScatterElements(op, x[0]!, x[1]!, x[2]!);
    case 'scatterND':
      arity(op, x, 3);
      return evalScatterND(op, x[0]!, x[1]!, x[2]!);
    case 'gatherND':
      arity(op, x, 2);
      return evalGatherND(op, x[0]!, x[1]!);
    case 'topK':
      arity(op, x, 1);
      return evalTopK({ ...op, k: bindAll([op.k], bindings, 'topK k')[0]! }, x[0]!);
    case 'gridSample':
      arity(op, x, 2);
      return evalGridSample(op, x[0]!, x[1]!);
    case 'roiAlign':
      arity(op, x, 3);
      return evalRoiAlign(op, x[0]!, x[1]!, x[2]!);
    case 'det':
      arity(op, x, 1);
      return evalDet(x[0]!);
    case 'dft':
      arity(op, x, 1);
      return evalDft(op, x[0]!);
    default: {
      const never: never = op;
      throw new Error(`the CPU evaluator does not know op ${(never as Op).kind}`);
    }
  }
}

/**
 * Whether `evaluate` can compute `op` from its inputs alone (no symbol bindings): every op kind,
 * except forms whose attributes hold unresolved symbols.
 */
export function canEvaluate(op: Op): boolean {
  switch (op.kind) {
    case 'reshape':
      // One unknown dim is inferred from the element count; two cannot be.
      return op.shape.filter((d) => typeof d === 'string').length <= 1;
    case 'expand':
      return op.shape.every((d) => typeof d === 'number');
    case 'slice':
      return [...op.starts, ...op.ends].every((d) => typeof d === 'number');
    case 'pad':
      return op.pads.every((d) => typeof d === 'number');
    case 'topK':
      return typeof op.k === 'number';
    case 'arange':
      return typeof op.length === 'number';
    case 'resize':
      return op.sizes.every((d) => typeof d === 'number');
    default:
      return true;
  }
}

/** Records symbol values implied by a tensor's actual dims, rejecting contradictions. */
function unify(declared: readonly Dim[], actual: readonly number[], bindings: Record<string, number>, what: string): void {
  if (declared.length !== actual.length) {
    throw new Error(`${what} has rank ${actual.length} (dims ${formatShape(actual)}), expected ${formatShape(declared)}`);
  }
  declared.forEach((d, i) => {
    const a = actual[i]!;
    if (typeof d === 'number') {
      if (d !== a) throw new Error(`${what} has dims ${formatShape(actual)}, expected ${formatShape(declared)}`);
    } else if (d in bindings) {
      if (bindings[d] !== a) throw new Error(`${what} has dims ${formatShape(actual)}, but '${d}' = ${bindings[d]} elsewhere`);
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(d) || !isDimExpression(d)) {
      bindings[d] = a;
    } else {
      // An expression (`128*batch`, `min(512,sequence)`): checked once its symbols are bound.
      const v = boundDim(d, bindings);
      if (v !== undefined && v !== a) throw new Error(`${what} has dims ${formatShape(actual)}, but ${d} = ${v}`);
    }
  });
}

/**
 * Runs a whole graph on the host: inputs by name from `feeds`, constants from their data, nodes
 * in order. Returns the graph outputs by name. Symbolic dims bind from the feeds' dims (value
 * symbols, Graph.valueSymbols, from their values) and from each node's results, and every result
 * is checked against its value's declared dtype and shape, so a disagreement between shape
 * inference and the evaluator names the node where it happens.
 */
export function evaluateGraph(g: Graph, feeds: Map<string, Tensor> | Record<string, Tensor>): Map<string, Tensor> {
  const feedMap = feeds instanceof Map ? feeds : new Map(Object.entries(feeds));
  const env = new Map<Value, Tensor>();
  const bindings: Record<string, number> = {};
  for (const v of g.inputs) {
    const t = feedMap.get(v.name);
    if (!t) throw new Error(`missing graph input '${v.name}' (${v.type.dtype}${formatShape(v.type.shape)})`);
    if (t.dtype !== v.type.dtype) throw new Error(`graph input '${v.name}' must be ${v.type.dtype}, got ${describe(t)}`);
    if (t.data.length !== t.dims.reduce((n, d) => n * d, 1)) throw new Error(`graph input '${v.name}' has ${t.data.length} elements for dims ${formatShape(t.dims)}`);
    unify(v.type.shape, t.dims, bindings, `graph input '${v.name}'`);
    env.set(v, t);
  }
  // Symbols given by input values (Graph.valueSymbols): the element, truncated like a cast to an
  // integer type for a float input, or by its rule (an offset, a scale of another dim; scaled ones
  // last); the compiled shapes assume ≥ 1, as the runtime checks.
  for (const s of [...g.valueSymbols].sort((a, b) => Number(a.scaleOf !== undefined) - Number(b.scaleOf !== undefined))) {
    const t = feedMap.get(s.input);
    if (!t || !g.inputs.some((v) => v.name === s.input)) continue;
    const n = valueSymbolOf(Number(t.data[s.index]), s, bindings);
    if (!(n >= 1)) throw new Error(`graph input '${s.input}' element ${s.index} is ${String(t.data[s.index])}; the symbol '${s.name}' (${describeValueRule(s, 'element')}) must be ≥ 1`);
    bindings[s.name] = n;
  }
  const valueOf = (v: Value): Tensor => {
    const t = env.get(v) ?? v.data;
    if (!t) throw new Error(`value '${v.name}' is used before it is computed`);
    return t;
  };
  for (const node of g.nodes) {
    let results: Tensor[];
    try {
      results = evaluate(node.op, node.inputs.map(valueOf), bindings);
    } catch (e) {
      const shapes = node.inputs.map((v) => describe(valueOf(v))).join(', ');
      throw new Error(`node '${node.name}' (${node.op.kind}) on (${shapes}): ${(e as Error).message}`);
    }
    if (results.length !== node.outputs.length) {
      throw new Error(`node '${node.name}' (${node.op.kind}) computed ${results.length} outputs, the graph declares ${node.outputs.length}`);
    }
    node.outputs.forEach((v, i) => {
      const t = results[i]!;
      const what = `output '${v.name}' of node '${node.name}' (${node.op.kind})`;
      if (t.dtype !== v.type.dtype) throw new Error(`${what} is ${describe(t)}, declared ${v.type.dtype}`);
      unify(v.type.shape, t.dims, bindings, what);
      env.set(v, t);
    });
  }
  const out = new Map<string, Tensor>();
  for (const v of g.outputs) out.set(v.name, valueOf(v));
  return out;
}
