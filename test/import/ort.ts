/**
 * Test helpers for the importer: run a model with onnxruntime-node (the independent reference)
 * and the imported IR graph with the CPU evaluator on the same random inputs.
 */

import * as ort from 'onnxruntime-node';
import type { DType } from '../../ir/dtype.js';
import type { Graph, Tensor } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/eval/index.js';

const ORT_TYPES: Partial<Record<DType, ort.Tensor.Type>> = {
  float32: 'float32',
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

/** Runs `path` (or model bytes) in onnxruntime (CPU) and returns every output as an IR tensor. */
export async function runOrt(model: string | Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    const type = ORT_TYPES[t.dtype];
    if (type === undefined) throw new Error(`no onnxruntime type for ${t.dtype}`);
    const data = t.dtype === 'bool' ? new Uint8Array(t.data as Uint8Array) : t.data;
    ortFeeds[name] = new ort.Tensor(type, data as ort.Tensor.DataType, t.dims);
  }
  const results = await session.run(ortFeeds);
  const out: Record<string, Tensor> = {};
  for (const [name, r] of Object.entries(results)) {
    const dtype = FROM_ORT[r.type];
    if (dtype === undefined) throw new Error(`unexpected onnxruntime output type ${r.type}`);
    // Copy: the result's buffer belongs to onnxruntime and is freed with the session.
    const data = dtype === 'bool' ? Uint8Array.from(r.data as ArrayLike<number | boolean>, Number) : (r.data as Tensor['data']).slice();
    out[name] = { dtype, dims: [...r.dims], data: data as Tensor['data'] };
  }
  await session.release();
  return out;
}

/** Evaluates the imported graph on the host; outputs by name. */
export function runIr(g: Graph, feeds: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(evaluateGraph(g, feeds));
}
