/**
 * Test helper: a one-node ONNX model built in memory (protobufjs with the project's schema), so a
 * test can state an op form — attributes, which inputs are initializers (constants), symbolic
 * input dims, the opset — next to its assertions, then run the same bytes through our importer
 * and through onnxruntime (test/import/ort.ts) on the same inputs.
 */

import protobuf from 'protobufjs';
import { onnxDTypeCode, type DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import type { Dim } from '../../ir/shape.js';
import { ONNX_SCHEMA } from '../../src/onnx/onnx-schema.js';

const ModelProto = protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');

export type Attr = number | number[] | string | { float: number } | { floats: number[] };

/** A graph input fed at run time, with the dims the model declares (symbols allowed). */
export interface RuntimeInput {
  name: string;
  dtype: DType;
  dims: Dim[];
}

/** An input given as an initializer: a constant of the model. */
export interface ConstInput {
  name: string;
  tensor: Tensor;
}

export interface NodeModel {
  op: string;
  /** In the node's input order; '' for an omitted optional input. */
  inputs: (RuntimeInput | ConstInput | '')[];
  /** Output names; '' for an output not requested. */
  outputs: string[];
  attrs?: Record<string, Attr>;
  opset: number;
  domain?: string;
}

function attribute(name: string, v: Attr): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if ('float' in v) return { name, type: 1, f: v.float };
  return { name, type: 6, floats: v.floats };
}

/** Little-endian raw bytes of a host tensor (bool as one byte per element). */
function rawBytes(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

/** The model's bytes. */
export function buildNodeModel(m: NodeModel): Uint8Array {
  const present = m.inputs.filter((i): i is RuntimeInput | ConstInput => i !== '');
  const runtime = present.filter((i): i is RuntimeInput => 'dims' in i);
  const consts = present.filter((i): i is ConstInput => 'tensor' in i);
  const graph = {
    name: 'g',
    node: [
      {
        op_type: m.op,
        domain: m.domain ?? '',
        input: m.inputs.map((i) => (i === '' ? '' : i.name)),
        output: m.outputs,
        attribute: Object.entries(m.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      },
    ],
    initializer: consts.map((c) => ({ name: c.name, dims: c.tensor.dims, data_type: onnxDTypeCode(c.tensor.dtype), raw_data: rawBytes(c.tensor) })),
    input: runtime.map((i) => ({
      name: i.name,
      type: {
        tensor_type: {
          elem_type: onnxDTypeCode(i.dtype),
          shape: { dim: i.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
        },
      },
    })),
    // No output types: onnxruntime infers them, so nothing of ours decides what it computes.
    output: m.outputs.filter((o) => o !== '').map((name) => ({ name })),
  };
  const opsets = [{ domain: m.domain ?? '', version: m.opset }];
  return ModelProto.encode(ModelProto.fromObject({ ir_version: 8, opset_import: opsets, graph })).finish();
}
