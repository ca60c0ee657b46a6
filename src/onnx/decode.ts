/**
 * ONNX model bytes → `OnnxModel` (model.ts): the first stage of the compiler.
 *
 * `proto.ts` does the protobuf wire decoding; this file turns the raw messages into plain typed
 * objects and checks what the importers will rely on (every node has an op type, every tensor's
 * data matches its dims, names are unique), so a corrupt file fails here with one specific sentence
 * rather than somewhere downstream. Everything thrown is an `OnnxDecodeError` whose message starts
 * with the model's name. Opset domains 'ai.onnx' and '' are the same domain and come out as ''.
 * Constant nodes stay nodes (their tensors decoded); the importer turns them into constants.
 */

import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ONNX_DTYPE_CODES } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import { DecodeProblem, OnnxDecodeError, invalid, toDecodeError } from './decode-error.js';
import { ExternalDataReader } from './external.js';
import type { OnnxAttributeValue, OnnxDim, OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from './model.js';
import { decodeModelProto, decodeTensorProto, has } from './proto.js';
import type { AttributeProtoMsg, DimensionMsg, GraphProtoMsg, NodeProtoMsg, ValueInfoProtoMsg } from './proto.js';
import { densifySparse, longToNumber, tensorFromProto } from './tensor.js';
import type { ExternalSource } from './tensor.js';

export { OnnxDecodeError } from './decode-error.js';

/** A tensor decoded from a standalone file, with the name the TensorProto carries ('' if none). */
export interface NamedTensor extends Tensor {
  name: string;
}

export interface DecodeOptions {
  /** Folder that external data locations are relative to (required only if the model has any). */
  baseDir?: string;
  /** How errors name the model; loadModelFile passes the path. Default 'model'. */
  name?: string;
}

/** Reads and decodes an .onnx file; external data is looked up next to it. */
export function loadModelFile(path: string): OnnxModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(err)})`;
    throw new OnnxDecodeError(`${path}: ${why}`, { cause: err });
  }
  return decodeModel(bytes, { baseDir: dirname(path), name: path });
}

/**
 * Decodes ModelProto bytes. Large raw initializers are views on `bytes.buffer` (where aligned), so
 * the caller must not reuse that buffer while the model is in use.
 */
export function decodeModel(bytes: Uint8Array, opts: DecodeOptions = {}): OnnxModel {
  const name = opts.name ?? 'model';
  const external = new ExternalDataReader(opts.baseDir);
  try {
    if (bytes.byteLength === 0) invalid('the file is empty');
    return convertModel(bytes, external);
  } catch (err) {
    if (err instanceof DecodeProblem) {
      // The likeliest wrong inputs deserve a direct hint rather than a wire-format complaint.
      const hint = err.kind === 'invalid' ? textHint(bytes) : undefined;
      throw toDecodeError(name, hint ? new DecodeProblem(hint) : err);
    }
    // Anything else is a bug or an exotic corruption (e.g. graphs nested past the stack limit).
    const detail = err instanceof Error ? err.message : String(err);
    throw new OnnxDecodeError(`${name} is not a valid ONNX model: ${detail}`, { cause: err });
  } finally {
    external.close();
  }
}

/**
 * Decodes a standalone TensorProto file (the `input_N.pb` / `output_N.pb` of the ONNX backend test
 * data). `name` names the file in errors. Such files carry their data inline: external data has no
 * folder to be found in here and is reported as an error.
 */
export function decodeTensorFile(bytes: Uint8Array, name: string): NamedTensor {
  const external = new ExternalDataReader(undefined);
  try {
    if (bytes.byteLength === 0) invalid('the file is empty');
    const proto = decodeTensorProto(bytes);
    const tensor = tensorFromProto(proto, proto.name ? `tensor '${proto.name}'` : 'the tensor', external);
    return { ...tensor, name: proto.name };
  } catch (err) {
    if (err instanceof DecodeProblem) {
      const problem = err.kind === 'invalid' ? `${name} is not a valid TensorProto file: ${err.detail}` : `${name}: ${err.detail}`;
      throw new OnnxDecodeError(problem, { cause: err });
    }
    const detail = err instanceof Error ? err.message : String(err);
    throw new OnnxDecodeError(`${name} is not a valid TensorProto file: ${detail}`, { cause: err });
  } finally {
    external.close();
  }
}

/**
 * A hint when the bytes are text. Binary ONNX starts with a control byte: serializers write
 * fields in number order, so the required ir_version (tag 0x08) comes first.
 */
function textHint(bytes: Uint8Array): string | undefined {
  const head = bytes.subarray(0, 512);
  if (head.length === 0) return undefined;
  for (const b of head) if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return undefined;
  const start = new TextDecoder().decode(head);
  if (start.startsWith('version https://git-lfs')) return 'it is a Git LFS pointer file, not the model itself (run `git lfs pull`)';
  return 'it is a text file, not a binary ONNX protobuf';
}

function convertModel(bytes: Uint8Array, external: ExternalSource): OnnxModel {
  const proto = decodeModelProto(bytes);
  if (!proto.graph) invalid('no graph');
  const irVersion = longToNumber(proto.ir_version);
  const opsets = new Map<string, number>();
  for (const op of proto.opset_import) {
    const domain = normalizeDomain(op.domain);
    const version = longToNumber(op.version);
    if (!(version >= 1)) invalid(`opset import for domain '${domain || 'ai.onnx'}' has version ${version}`);
    // A domain listed twice is malformed; the newer version is the safer reading.
    opsets.set(domain, Math.max(version, opsets.get(domain) ?? 0));
  }
  // IR versions before 3 had no opset_import: they implied the default domain at opset 1.
  if (proto.opset_import.length === 0 && irVersion < 3) opsets.set('', 1);
  return {
    irVersion,
    producerName: proto.producer_name,
    producerVersion: proto.producer_version,
    opsets,
    graph: convertGraph(proto.graph, 'the main graph', external),
  };
}

function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

function convertGraph(g: GraphProtoMsg, where: string, external: ExternalSource): OnnxGraph {
  const initializers = new Map<string, Tensor>();
  const addInitializer = (name: string, tensor: Tensor): void => {
    if (name === '') invalid(`an initializer of ${where} has no name`);
    if (initializers.has(name)) invalid(`initializer '${name}' appears twice in ${where}`);
    initializers.set(name, tensor);
  };
  for (const t of g.initializer) addInitializer(t.name, tensorFromProto(t, `initializer '${t.name}'`, external));
  for (const sp of g.sparse_initializer) {
    const tname = sp.values?.name ?? '';
    addInitializer(tname, densifySparse(sp, `sparse initializer '${tname}'`, external));
  }
  const nodes = g.node.map((n, i) => convertNode(n, i, where, external));
  return {
    name: g.name,
    nodes,
    initializers,
    // Older exporters (IR < 4) list every initializer as a graph input too; those are not inputs.
    inputs: g.input.filter((v) => !initializers.has(v.name)).map((v) => convertValueInfo(v, `an input of ${where}`)),
    outputs: g.output.map((v) => convertValueInfo(v, `an output of ${where}`)),
    // value_info entries are only type hints: an unnamed one is dropped rather than fatal.
    valueInfo: g.value_info.filter((v) => v.name !== '').map((v) => convertValueInfo(v, `a value_info of ${where}`)),
  };
}

function convertNode(n: NodeProtoMsg, index: number, graph: string, external: ExternalSource): OnnxNode {
  const label = n.name ? `node '${n.name}'` : `node #${index}`;
  if (n.op_type === '') invalid(`${label} of ${graph} has no op_type`);
  const where = `${label} (${n.op_type})`;
  const attributes = new Map<string, OnnxAttributeValue>();
  for (const a of n.attribute) {
    if (a.name === '') invalid(`an attribute of ${where} has no name`);
    if (attributes.has(a.name)) invalid(`attribute '${a.name}' appears twice on ${where}`);
    attributes.set(a.name, convertAttribute(a, `attribute '${a.name}' of ${where}`, external));
  }
  return {
    name: n.name,
    opType: n.op_type,
    domain: normalizeDomain(n.domain),
    inputs: n.input,
    outputs: n.output,
    attributes,
  };
}

// AttributeProto.AttributeType (onnx.proto).
const AttrType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

const utf8 = new TextDecoder();

/** A proto2 `bytes` value as text; an absent field's default (not a Uint8Array) reads as ''. */
function text(bytes: Uint8Array): string {
  return bytes instanceof Uint8Array ? utf8.decode(bytes) : '';
}

function convertAttribute(a: AttributeProtoMsg, where: string, external: ExternalSource): OnnxAttributeValue {
  const type: number = a.type === AttrType.UNDEFINED ? inferAttrType(a, where) : a.type;
  switch (type) {
    case AttrType.FLOAT:
      return { type: 'float', value: a.f };
    case AttrType.INT:
      return { type: 'int', value: longToNumber(a.i) };
    case AttrType.STRING:
      return { type: 'string', value: text(a.s) };
    case AttrType.TENSOR:
      if (!a.t) invalid(`${where} is a TENSOR attribute with no tensor`);
      return { type: 'tensor', value: tensorFromProto(a.t, where, external) };
    case AttrType.GRAPH:
      if (!a.g) invalid(`${where} is a GRAPH attribute with no graph`);
      return { type: 'graph', value: convertGraph(a.g, `the subgraph ${where}`, external) };
    case AttrType.FLOATS:
      return { type: 'floats', value: a.floats.slice() };
    case AttrType.INTS:
      return { type: 'ints', value: a.ints.map((v) => longToNumber(v)) };
    case AttrType.STRINGS:
      return { type: 'strings', value: a.strings.map(text) };
    case AttrType.TENSORS:
      return { type: 'tensors', value: a.tensors.map((t, i) => tensorFromProto(t, `tensor ${i} of ${where}`, external)) };
    case AttrType.GRAPHS:
      return { type: 'graphs', value: a.graphs.map((g, i) => convertGraph(g, `subgraph ${i} of ${where}`, external)) };
    // Sparse and type attributes carry no payload in model.ts; no standard op this compiler
    // imports takes them, so the importer rejects the node. The plural kinds share the tags.
    case AttrType.SPARSE_TENSOR:
    case AttrType.SPARSE_TENSORS:
      return { type: 'sparse_tensor', value: null };
    case AttrType.TYPE_PROTO:
    case AttrType.TYPE_PROTOS:
      return { type: 'type_proto', value: null };
    default:
      return invalid(`${where} has unknown attribute type ${type}`);
  }
}

/** IR version 1 files may omit `type`: infer it from the one value field that is set. */
function inferAttrType(a: AttributeProtoMsg, where: string): number {
  if (has(a, 'f')) return AttrType.FLOAT;
  if (has(a, 'i')) return AttrType.INT;
  if (has(a, 's')) return AttrType.STRING;
  if (a.t) return AttrType.TENSOR;
  if (a.g) return AttrType.GRAPH;
  if (a.sparse_tensor) return AttrType.SPARSE_TENSOR;
  if (a.tp) return AttrType.TYPE_PROTO;
  if (a.floats.length) return AttrType.FLOATS;
  if (a.ints.length) return AttrType.INTS;
  if (a.strings.length) return AttrType.STRINGS;
  if (a.tensors.length) return AttrType.TENSORS;
  if (a.graphs.length) return AttrType.GRAPHS;
  if (a.sparse_tensors.length) return AttrType.SPARSE_TENSORS;
  if (a.type_protos.length) return AttrType.TYPE_PROTOS;
  return invalid(`${where} has no type and no value`);
}

function convertValueInfo(v: ValueInfoProtoMsg, where: string): OnnxValueInfo {
  if (v.name === '') invalid(`${where} has no name`);
  const tensorType = v.type?.value === 'tensor_type' ? v.type.tensor_type : null;
  if (!tensorType) return { name: v.name, dtype: null, shape: null };
  return {
    name: v.name,
    dtype: ONNX_DTYPE_CODES[tensorType.elem_type] ?? null,
    shape: tensorType.shape ? tensorType.shape.dim.map(convertDim) : null,
  };
}

/** A dim_value ≥ 0 is a size, a non-empty dim_param a symbol; anything else is unknown. */
function convertDim(d: DimensionMsg): OnnxDim {
  if (d.value === 'dim_value') {
    const size = longToNumber(d.dim_value);
    return size >= 0 && size < Number.MAX_SAFE_INTEGER ? size : null;
  }
  if (d.value === 'dim_param' && d.dim_param !== '') return d.dim_param;
  return null;
}
