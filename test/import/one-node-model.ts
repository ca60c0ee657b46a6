/**
 * Test helper: the one writer of one-node ONNX models for every test folder (importer, evaluator,
 * recurrent ops, IR shape inference, conformance). A test states an op form — attributes, which
 * inputs are initializers (constants), symbolic input dims, omitted optional inputs and outputs,
 * the opset — next to its assertions, then runs the same bytes through our importer and through
 * onnxruntime (test/import/ort.ts) on the same inputs.
 *
 * Encoded with protobufjs from the project's own ONNX schema, so every attribute kind ONNX has is
 * available without a hand-written wire encoder. Output types are left undeclared: onnxruntime
 * infers them, so nothing of ours decides what the reference computes.
 */

import protobuf from 'protobufjs';
import { onnxDTypeCode, type DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import type { Dim } from '../../ir/shape.js';
import { float16ArrayToBits } from '../../ir/eval/index.js';
import { ONNX_SCHEMA } from '../../src/onnx/onnx-schema.js';

const ModelProto = protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');

/**
 * An attribute value. A plain number is an INT when integral and a FLOAT otherwise; `{ float }`
 * forces FLOAT for an integral value. Arrays of numbers are INTS; `{ floats }` and `{ strings }`
 * are the other list kinds.
 */
export type Attr = number | number[] | string | { float: number } | { floats: number[] } | { strings: string[] };

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
  /** The node's name ('' by default), which our importer's error messages quote. */
  nodeName?: string;
}

// AttributeProto.AttributeType codes (onnx.proto).
const FLOAT = 1;
const INT = 2;
const STRING = 3;
const FLOATS = 6;
const INTS = 7;
const STRINGS = 8;

function attribute(name: string, v: Attr): Record<string, unknown> {
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: INT, i: v } : { name, type: FLOAT, f: v };
  if (typeof v === 'string') return { name, type: STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: INTS, ints: v };
  if ('float' in v) return { name, type: FLOAT, f: v.float };
  if ('floats' in v) return { name, type: FLOATS, floats: v.floats };
  return { name, type: STRINGS, strings: v.strings.map((s) => new TextEncoder().encode(s)) };
}

/** Little-endian raw_data bytes of a host tensor (float16/bfloat16 as their bits, bool one byte each). */
function rawBytes(t: Tensor): Uint8Array {
  const f = t.data as Float32Array;
  // bfloat16 bits are the top half of each f32 (values held on the host are exact bfloat16s).
  const d = t.dtype === 'float16' ? float16ArrayToBits(f) : t.dtype === 'bfloat16' ? Uint16Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length), (w) => w >>> 16) : t.data;
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

/** The lowest IR version that allows `opset`: 8 up to opset 18, 9 for 19–20, 10 from 21. */
function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
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
        name: m.nodeName ?? '',
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
    output: m.outputs.filter((o) => o !== '').map((name) => ({ name })),
  };
  const opsets = [{ domain: m.domain ?? '', version: m.opset }];
  const model = { ir_version: irVersionFor(m.opset), producer_name: 'onnx-wgsl-test', opset_import: opsets, graph };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
