/**
 * The protobuf layer: parses the ONNX schema once with protobufjs, decodes ModelProto bytes, and
 * describes the decoded messages as TypeScript interfaces so the rest of the decoder is typed.
 *
 * Decoded messages are protobufjs reflection instances: a field absent from the wire is not an own
 * property (its default lives on the prototype), which is how `has` tells presence for proto2
 * optionals; repeated fields are always arrays. `bytes` fields are subarray views on the input
 * (we always hand protobufjs a plain Uint8Array, never a Node Buffer, so its Reader and not its
 * BufferReader runs: the latter silently truncates strings that run past the end). int64 fields
 * decode to Long objects (protobufjs finds the `long` package) or, without it, to {low, high}
 * objects; `tensor.ts` converts both. Wire errors become `DecodeProblem`s naming the byte offset.
 */

import protobuf from 'protobufjs';
import { ONNX_SCHEMA } from './onnx-schema.js';
import { DecodeProblem } from './decode-error.js';

/** An int64/uint64 as protobufjs decodes it (a Long, its {low, high} shape, or a default 0). */
export type LongLike = number | { low: number; high: number; unsigned?: boolean };

export interface StringStringEntryMsg {
  key: string;
  value: string;
}

export interface SegmentMsg {
  begin: LongLike;
  end: LongLike;
}

export interface TensorProtoMsg {
  dims: LongLike[];
  data_type: number;
  segment: SegmentMsg | null;
  float_data: number[];
  int32_data: number[];
  string_data: Uint8Array[];
  int64_data: LongLike[];
  name: string;
  doc_string: string;
  raw_data: Uint8Array;
  external_data: StringStringEntryMsg[];
  data_location: number;
  double_data: number[];
  uint64_data: LongLike[];
}

export interface SparseTensorProtoMsg {
  values: TensorProtoMsg | null;
  indices: TensorProtoMsg | null;
  dims: LongLike[];
}

export interface DimensionMsg {
  dim_value: LongLike;
  dim_param: string;
  /** The oneof: which of dim_value / dim_param is set, if either. */
  value?: 'dim_value' | 'dim_param';
  denotation: string;
}

export interface TensorShapeProtoMsg {
  dim: DimensionMsg[];
}

export interface TypeProtoMsg {
  tensor_type: { elem_type: number; shape: TensorShapeProtoMsg | null } | null;
  /** The oneof: which kind of type this is (tensor, sequence, map, optional, sparse, opaque). */
  value?: string;
}

export interface ValueInfoProtoMsg {
  name: string;
  type: TypeProtoMsg | null;
}

export interface AttributeProtoMsg {
  name: string;
  ref_attr_name: string;
  type: number;
  f: number;
  i: LongLike;
  s: Uint8Array;
  t: TensorProtoMsg | null;
  g: GraphProtoMsg | null;
  sparse_tensor: SparseTensorProtoMsg | null;
  tp: TypeProtoMsg | null;
  floats: number[];
  ints: LongLike[];
  strings: Uint8Array[];
  tensors: TensorProtoMsg[];
  graphs: GraphProtoMsg[];
  sparse_tensors: SparseTensorProtoMsg[];
  type_protos: TypeProtoMsg[];
}

export interface NodeProtoMsg {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain: string;
  attribute: AttributeProtoMsg[];
}

export interface GraphProtoMsg {
  node: NodeProtoMsg[];
  name: string;
  initializer: TensorProtoMsg[];
  sparse_initializer: SparseTensorProtoMsg[];
  input: ValueInfoProtoMsg[];
  output: ValueInfoProtoMsg[];
  value_info: ValueInfoProtoMsg[];
}

export interface OperatorSetIdProtoMsg {
  domain: string;
  version: LongLike;
}

export interface ModelProtoMsg {
  ir_version: LongLike;
  opset_import: OperatorSetIdProtoMsg[];
  producer_name: string;
  producer_version: string;
  graph: GraphProtoMsg | null;
}

/** Whether a decoded message carries `field` on the wire (proto2 presence). */
export function has(message: object, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, field);
}

// Parsed lazily: the first decode pays ~ms for parsing and decoder generation, imports pay nothing.
let modelType: protobuf.Type | undefined;

function modelProtoType(): protobuf.Type {
  if (!modelType) {
    // keepCase: field names stay as in onnx.proto (raw_data, not rawData), matching the interfaces.
    const root = protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root;
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/**
 * Decodes ModelProto bytes. Throws a `DecodeProblem` for wire-level damage (a length running past
 * the end, an invalid wire type or varint, absurd nesting), with the byte offset where it was found.
 */
export function decodeModelProto(bytes: Uint8Array): ModelProtoMsg {
  const type = modelProtoType();
  // A plain Uint8Array view (not a Buffer) selects protobufjs's strict Reader; see the header.
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = protobuf.Reader.create(plain);
  try {
    return type.decode(reader) as unknown as ModelProtoMsg;
  } catch (err) {
    // reader.len is the end of the innermost message being read when the error struck.
    throw new DecodeProblem(describeWireError(err, reader.pos, reader.len, bytes.byteLength));
  }
}

/** Turns a protobufjs exception into a short, specific sentence (never its stack). */
function describeWireError(err: unknown, pos: number, limit: number, total: number): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = Math.min(pos, total);
  if (err instanceof RangeError && message.startsWith('index out of range')) {
    // Overrunning the whole data is what truncation looks like (the outermost field is cut
    // short); overrunning an inner message's end means a corrupt length inside the file.
    return limit >= total
      ? `truncated at byte ${total} (the field at byte ${at} runs past the end)`
      : `corrupt at byte ${at}: a field runs past the end of the message that contains it`;
  }
  const wire = /invalid wire type (\d+) at offset (\d+)/.exec(message);
  if (wire) return `corrupt at byte ${wire[2]}: invalid protobuf wire type ${wire[1]}`;
  if (message.includes('invalid varint')) return `corrupt at byte ${at}: invalid varint encoding`;
  if (message.includes('nesting depth')) return `corrupt at byte ${at}: messages nested too deeply`;
  return `undecodable at byte ${at}: ${message}`;
}

// The TensorProto type of the same parsed schema, for standalone .pb tensor files.
let tensorType: protobuf.Type | undefined;

/**
 * Decodes the bytes of a standalone TensorProto (a `.pb` file of the ONNX backend test data).
 * Wire errors become `DecodeProblem`s, as for models.
 */
export function decodeTensorProto(bytes: Uint8Array): TensorProtoMsg {
  tensorType ??= modelProtoType().lookupType('.onnx.TensorProto');
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = protobuf.Reader.create(plain);
  try {
    return tensorType.decode(reader) as unknown as TensorProtoMsg;
  } catch (err) {
    throw new DecodeProblem(describeWireError(err, reader.pos, reader.len, bytes.byteLength));
  }
}
