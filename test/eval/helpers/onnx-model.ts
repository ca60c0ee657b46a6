/**
 * One-node ONNX models for the evaluator tests, built in memory and run on onnxruntime-node's CPU
 * provider — the independent reference the evaluator is compared against.
 *
 * The model is written with a minimal protobuf encoder (the handful of onnx.proto fields a
 * one-node graph needs), so every test case can choose its own shapes, dtypes and attributes
 * without a committed .onnx file per combination. Inputs are either fed at run time or embedded
 * as initializers (for the attribute-like inputs of newer opsets: axes, pads, scales…).
 */

import * as ort from 'onnxruntime-node';
import type { DType } from '../../../ir/dtype.js';
import { onnxDTypeCode } from '../../../ir/dtype.js';
import type { Tensor } from '../../../ir/graph.js';
import { float16ArrayToBits, float16BitsToArray } from '../../../ir/eval/index.js';

/** Protobuf wire encoding: just varints, fixed32 floats and length-delimited fields. */
class Writer {
  private readonly bytes: number[] = [];

  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v)); // negatives as 10-byte two's complement, as protobuf does
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
    return this;
  }
  private tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }
  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.bytes.push(...b);
    return this;
  }
  raw(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  string(field: number, s: string): this {
    return this.raw(field, new TextEncoder().encode(s));
  }
  message(field: number, w: Writer): this {
    return this.raw(field, w.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

function attribute(name: string, v: AttrValue): Writer {
  const w = new Writer().string(1, name);
  if (typeof v === 'string') return w.string(4, v).int(20, 3);
  if (typeof v === 'number') {
    // Integral numbers are INT attributes; use { float } for a float attribute with an integral value.
    return Number.isInteger(v) ? w.int(3, v).int(20, 2) : w.float(2, v).int(20, 1);
  }
  if (Array.isArray(v)) {
    for (const x of v) w.int(8, x);
    return w.int(20, 7);
  }
  if ('float' in v) return w.float(2, v.float).int(20, 1);
  for (const x of v.floats) w.float(7, x);
  return w.int(20, 6);
}

/** Little-endian bytes of a host tensor in ONNX raw_data layout (float16 as half bits). */
function rawData(t: Tensor): Uint8Array {
  const data = t.dtype === 'float16' ? float16ArrayToBits(t.data as Float32Array) : t.data;
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

function tensorProto(name: string, t: Tensor): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  return w.int(2, onnxDTypeCode(t.dtype)).string(8, name).raw(9, rawData(t));
}

function valueInfo(name: string, dtype: DType, dims?: readonly number[]): Writer {
  const tensorType = new Writer().int(1, onnxDTypeCode(dtype));
  if (dims) {
    const shape = new Writer();
    for (const d of dims) shape.message(1, new Writer().int(1, d));
    tensorType.message(2, shape);
  }
  return new Writer().string(1, name).message(2, new Writer().message(1, tensorType));
}

/** A node input: fed at run time, embedded as an initializer, or omitted (an empty name). */
export type NodeInput = Tensor | { const: Tensor } | null;

export interface NodeSpec {
  opType: string;
  inputs: NodeInput[];
  attrs?: Record<string, AttrValue>;
  /** dtypes of the outputs (declared in the model). */
  outputs: DType[];
  opset?: number;
}

export const DEFAULT_OPSET = 20;

export function buildModel(spec: NodeSpec): { bytes: Uint8Array; feeds: Map<string, Tensor> } {
  const graph = new Writer();
  const node = new Writer();
  const feeds = new Map<string, Tensor>();
  spec.inputs.forEach((inp, i) => {
    if (inp === null) {
      node.string(1, '');
      return;
    }
    const name = `in${i}`;
    node.string(1, name);
    if ('const' in inp) graph.message(5, tensorProto(name, inp.const));
    else {
      feeds.set(name, inp);
      graph.message(11, valueInfo(name, inp.dtype, inp.dims));
    }
  });
  spec.outputs.forEach((dtype, i) => {
    node.string(2, `out${i}`);
    graph.message(12, valueInfo(`out${i}`, dtype));
  });
  node.string(3, 'node').string(4, spec.opType);
  for (const [k, v] of Object.entries(spec.attrs ?? {})) node.message(5, attribute(k, v));
  graph.message(1, node).string(2, 'test');
  const model = new Writer()
    .int(1, 8) // ir_version 8 (opsets up to 20)
    .string(2, 'onnx-wgsl-test')
    .message(7, graph)
    .message(8, new Writer().string(1, '').int(2, spec.opset ?? DEFAULT_OPSET));
  return { bytes: model.finish(), feeds };
}

function toOrt(t: Tensor): ort.Tensor {
  if (t.dtype === 'float16') return new ort.Tensor('float16', float16ArrayToBits(t.data as Float32Array), t.dims);
  return new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
}

function fromOrt(t: ort.Tensor, dtype: DType): Tensor {
  const dims = [...t.dims].map(Number);
  if (dtype === 'float16') {
    const d = t.data as ArrayLike<number>;
    // Older bindings hand back Uint16Array bits; newer ones may hand back Float16Array values.
    const values = d instanceof Uint16Array ? float16BitsToArray(d) : Float32Array.from(d);
    return { dtype, dims, data: values };
  }
  return { dtype, dims, data: t.data as Tensor['data'] };
}

/** Runs the one-node model on onnxruntime's CPU provider and returns its outputs. */
export async function runOrt(spec: NodeSpec): Promise<Tensor[]> {
  const { bytes, feeds } = buildModel(spec);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of feeds) ortFeeds[name] = toOrt(t);
    const result = await session.run(ortFeeds);
    return spec.outputs.map((dtype, i) => fromOrt(result[`out${i}`]!, dtype));
  } finally {
    await session.release();
  }
}
