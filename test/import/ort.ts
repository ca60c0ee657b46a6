/**
 * Test helpers for the importer: run a model with onnxruntime-node (the independent reference)
 * and the imported IR graph with the CPU evaluator on the same random inputs.
 */

import * as ort from 'onnxruntime-node';
import type { DType } from '../../ir/dtype.js';
import type { Graph, Tensor } from '../../ir/graph.js';
import { evaluateGraph, float16ArrayToBits, float16BitsToArray } from '../../ir/eval/index.js';

const ORT_TYPES: Partial<Record<DType, ort.Tensor.Type>> = {
  float32: 'float32',
  float16: 'float16',
  float64: 'float64',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  bool: 'bool',
};

const FROM_ORT: Record<string, DType> = Object.fromEntries(Object.entries(ORT_TYPES).map(([k, v]) => [v, k as DType]));

/** An IR host tensor as onnxruntime wants it: float16 as half bits, bool as a fresh Uint8Array. */
function toOrt(t: Tensor): ort.Tensor {
  const type = ORT_TYPES[t.dtype];
  if (type === undefined) throw new Error(`no onnxruntime type for ${t.dtype}`);
  if (t.dtype === 'float16') return new ort.Tensor(type, float16ArrayToBits(t.data as Float32Array), t.dims);
  const data = t.dtype === 'bool' ? new Uint8Array(t.data as Uint8Array) : t.data;
  return new ort.Tensor(type, data as ort.Tensor.DataType, t.dims);
}

/** An onnxruntime result as an IR host tensor, copied (its buffer is freed with the session). */
function fromOrt(r: ort.Tensor): Tensor {
  const dtype = FROM_ORT[r.type];
  if (dtype === undefined) throw new Error(`unexpected onnxruntime output type ${r.type}`);
  const dims = [...r.dims];
  if (dtype === 'float16') {
    // Older bindings hand back Uint16Array bits; newer ones may hand back Float16Array values.
    const d = r.data as ArrayLike<number>;
    return { dtype, dims, data: d instanceof Uint16Array ? float16BitsToArray(d) : Float32Array.from(d) };
  }
  const data = dtype === 'bool' ? Uint8Array.from(r.data as ArrayLike<number | boolean>, Number) : (r.data as Tensor['data']).slice();
  return { dtype, dims, data: data as Tensor['data'] };
}

/**
 * Runs `path` (or model bytes) in onnxruntime's CPU provider and returns every output as an IR
 * tensor, by name. `optimize: false` turns graph optimizations off, so the reference computes the
 * node as written (the evaluator tests compare rounding, which a fused or folded graph can change).
 */
export async function runOrt(model: string | Uint8Array, feeds: Record<string, Tensor>, optimize = true): Promise<Record<string, Tensor>> {
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: optimize ? 'all' : 'disabled' };
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  try {
    const results = await session.run(Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, toOrt(t)])));
    return Object.fromEntries(Object.entries(results).map(([name, r]) => [name, fromOrt(r)]));
  } finally {
    await session.release();
  }
}

/** Evaluates the imported graph on the host; outputs by name. */
export function runIr(g: Graph, feeds: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(evaluateGraph(g, feeds));
}
