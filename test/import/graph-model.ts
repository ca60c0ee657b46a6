/**
 * Test helper: small multi-node ONNX models written in a test, for importer behaviour that needs
 * a chain of nodes (the exporters' shape plumbing: Shape → Gather → Unsqueeze → Concat →
 * Reshape). One-node models have their own writer (one-node-model.ts); this one adds several
 * nodes, initializers by name, and inputs whose dims may be symbolic, unnamed (null) or any text.
 */

import protobuf from 'protobufjs';
import { onnxDTypeCode, type DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import { decodeModel } from '../../src/onnx/decode.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { ONNX_SCHEMA } from '../../src/onnx/onnx-schema.js';

const ModelProto = protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');

/** int / ints attributes, a tensor attribute (ConstantOfShape's `value`), or a subgraph (If, Scan). */
export type GraphAttr = number | number[] | Tensor | { graph: GraphModel };

export interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, GraphAttr>;
  name?: string;
}

export interface GraphModel {
  inputs: { name: string; dtype: DType; dims: (number | string | null)[] }[];
  initializers?: Record<string, Tensor>;
  nodes: GraphNode[];
  outputs: string[];
  /** Declared output types (subgraph outputs need them for onnxruntime). */
  outputTypes?: Record<string, { dtype: DType; dims: (number | string | null)[] }>;
  opset?: number;
}

function tensorProto(name: string, t: Tensor): Record<string, unknown> {
  const d = t.data;
  return { name, dims: t.dims, data_type: onnxDTypeCode(t.dtype), raw_data: new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)) };
}

function attribute(name: string, v: GraphAttr): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if ('graph' in v) return { name, type: 5, g: graphProto(v.graph, name) };
  return { name, type: 4, t: tensorProto(name, v) };
}

/** GraphProto of `m` (inputs typed; outputs typed when `outputTypes` gives them, as subgraphs need). */
function graphProto(m: GraphModel, name: string): Record<string, unknown> {
  const valueInfo = (i: { name: string; dtype: DType; dims: (number | string | null)[] }) => ({
    name: i.name,
    type: {
      tensor_type: {
        elem_type: onnxDTypeCode(i.dtype),
        shape: { dim: i.dims.map((d) => (d === null ? {} : typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  });
  return {
    name,
    node: m.nodes.map((n, i) => ({
      name: n.name ?? `${n.op.toLowerCase()}_${i}`,
      op_type: n.op,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    })),
    initializer: Object.entries(m.initializers ?? {}).map(([k, t]) => tensorProto(k, t)),
    input: m.inputs.map(valueInfo),
    output: m.outputs.map((o) => m.outputTypes?.[o] ? valueInfo({ name: o, ...m.outputTypes[o]! }) : { name: o }),
  };
}

/** An int64 tensor (1-d unless dims say otherwise). */
export function int64s(values: number[], dims = [values.length]): Tensor {
  return { dtype: 'int64', dims, data: BigInt64Array.from(values.map(BigInt)) };
}

/** The model's ONNX bytes (for onnxruntime, which reads the same model). */
export function encodeGraphModel(m: GraphModel): Uint8Array {
  const opset = m.opset ?? 17;
  const graph = graphProto(m, 'g');
  return ModelProto.encode(
    ModelProto.fromObject({ ir_version: 8, producer_name: 'onnx-wgsl-test', opset_import: [{ domain: '', version: opset }], graph }),
  ).finish();
}

export function buildGraphModel(m: GraphModel): OnnxModel {
  return decodeModel(encodeGraphModel(m));
}
