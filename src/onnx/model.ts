/**
 * The decoded ONNX model, as plain typed objects: what `decode.ts` produces from the protobuf bytes
 * and what the importers read. Field names follow onnx.proto; values are already converted to
 * convenient JS types (numbers, strings, host tensors) so importers never touch protobuf.
 */

import type { Tensor } from '../../ir/graph.js';
import type { DType } from '../../ir/dtype.js';

/** A dimension of a graph input/output: a number, a symbol name, or unknown (null). */
export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  /** null when the value info has no tensor type (or an unsupported elem type code). */
  dtype: DType | null;
  /** null when the shape is absent (unknown rank). */
  shape: OnnxDim[] | null;
}

export type OnnxAttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number } // int64 attributes converted to number (exact below 2^53; saturated beyond)
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'graph'; value: OnnxGraph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: Tensor[] }
  | { type: 'graphs'; value: OnnxGraph[] }
  | { type: 'sparse_tensor'; value: null }
  | { type: 'type_proto'; value: null };

export interface OnnxNode {
  name: string;
  opType: string;
  /** '' for the default ONNX domain ('ai.onnx' is normalized to ''). */
  domain: string;
  /** Input names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttributeValue>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  /** Initializers by name (tensor data are views on the file buffer where alignment allows). */
  initializers: Map<string, Tensor>;
  /** Graph inputs, excluding those that are initializers. */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** Opset version per domain ('' = default ONNX domain). */
  opsets: Map<string, number>;
  graph: OnnxGraph;
}
