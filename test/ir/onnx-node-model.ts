/**
 * Test helper: builds a one-node ONNX model in memory (protobufjs with the project's ONNX schema)
 * and runs it in onnxruntime-node, returning the output dims — or the error ORT raised. The IR
 * shape-inference tests use it as an independent reference for ONNX's shape rules.
 */

import protobuf from 'protobufjs';
import * as ort from 'onnxruntime-node';
import { ONNX_SCHEMA } from '../../src/onnx/onnx-schema.js';

const root = protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root;
const ModelProto = root.lookupType('onnx.ModelProto');

export type OnnxAttr = number | number[] | string | { float: number } | { floats: number[] };

export interface OnnxFeed {
  name: string;
  dtype: 'float32' | 'int64' | 'bool' | 'int32';
  dims: number[];
  /** Values; omitted: random non-zero data. */
  data?: number[];
  /** Give it as an initializer (for inputs ONNX requires to be known, like Slice starts). */
  initializer?: boolean;
}

const ELEM: Record<OnnxFeed['dtype'], number> = { float32: 1, int32: 6, int64: 7, bool: 9 };

function attribute(name: string, v: OnnxAttr): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if ('float' in v) return { name, type: 1, f: v.float };
  return { name, type: 6, floats: v.floats };
}

function values(feed: OnnxFeed, seed: number): number[] {
  const n = feed.dims.reduce((a, b) => a * b, 1);
  if (feed.data) return feed.data;
  return Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % 97) / 13 + 0.5);
}

function tensorProto(feed: OnnxFeed): Record<string, unknown> {
  const data = values(feed, 1);
  const base = { name: feed.name, dims: feed.dims, data_type: ELEM[feed.dtype] };
  if (feed.dtype === 'float32') return { ...base, float_data: data };
  if (feed.dtype === 'int64') return { ...base, int64_data: data };
  return { ...base, int32_data: data };
}

function ortTensor(feed: OnnxFeed): ort.Tensor {
  const data = values(feed, 2);
  switch (feed.dtype) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(data), feed.dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(data), feed.dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(data.map((x) => BigInt(Math.trunc(x)))), feed.dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(data.map((x) => (Math.trunc(x) % 2 === 0 ? 0 : 1))), feed.dims);
  }
}

/**
 * Runs `opType` on `feeds` (in order) and returns the output dims, or `{ error }` when ORT rejects
 * the model or the run.
 */
export async function runOnnxNode(
  opType: string,
  feeds: OnnxFeed[],
  attrs: Record<string, OnnxAttr> = {},
  opset = 17,
): Promise<number[] | { error: string }> {
  const inputs = feeds.filter((f) => !f.initializer);
  const graph = {
    name: 'g',
    node: [{ op_type: opType, input: feeds.map((f) => f.name), output: ['out__'], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) }],
    initializer: feeds.filter((f) => f.initializer).map(tensorProto),
    input: inputs.map((f) => ({
      name: f.name,
      type: { tensor_type: { elem_type: ELEM[f.dtype], shape: { dim: f.dims.map((d) => ({ dim_value: d })) } } },
    })),
    // No output type: ORT infers it, so our inference is compared with ORT's run, not with ours.
    output: [{ name: 'out__' }],
  };
  const bytes = ModelProto.encode(
    ModelProto.fromObject({ ir_version: 8, opset_import: [{ domain: '', version: opset }], graph }),
  ).finish();
  try {
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 4 });
    const result = await session.run(Object.fromEntries(inputs.map((f) => [f.name, ortTensor(f)])));
    await session.release();
    return [...result.out__!.dims];
  } catch (e) {
    return { error: (e as Error).message };
  }
}
