/**
 * One-node ONNX RNN / GRU / LSTM models for the recurrent tests (evaluator, importer, kernels),
 * built in memory and run on onnxruntime-node's CPU provider, the independent reference.
 *
 * The shared one-node writer (test/eval/helpers/onnx-model.ts) has no string-list attributes and
 * names every output, but these ops need `activations` (a list of strings) and omitted outputs
 * (''), so models here are encoded with protobufjs from the project's own ONNX schema. Also here:
 * random canonical inputs for a cell, and the ONNX attribute form of an IR `rnn` op.
 */

import protobuf from 'protobufjs';
import * as ort from 'onnxruntime-node';
import { onnxDTypeCode } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import type { Op, RnnActivation } from '../../ir/ops.js';
import { ONNX_SCHEMA } from '../../src/onnx/onnx-schema.js';
import { randomTensor, rng } from '../helpers/random.js';

export type RnnOp = Extract<Op, { kind: 'rnn' }>;
export type Cell = RnnOp['cell'];
export type Direction = RnnOp['direction'];

/** An attribute value: int, float ({ f }), string, ints, floats ({ floats }) or strings ({ strings }). */
export type Attr = number | { f: number } | string | number[] | { floats: number[] } | { strings: string[] };

/**
 * A node input: fed at run time (declared with `dims`, which may name symbols, or the feed's
 * dims), an initializer, or omitted ('').
 */
export type ModelInput = { feed: Tensor; dims?: (number | string)[] } | { init: Tensor } | null;

export interface ModelSpec {
  opType: 'RNN' | 'GRU' | 'LSTM';
  opset: number;
  attrs: Record<string, Attr>;
  inputs: ModelInput[];
  /** Output slots: true = produced (named out<i>), false = omitted (''). Trailing falses are dropped. */
  outputs: boolean[];
}

let modelType: protobuf.Type | undefined;

function tensorProto(name: string, t: Tensor): object {
  const d = t.data;
  return {
    name,
    dims: t.dims,
    data_type: onnxDTypeCode(t.dtype),
    raw_data: new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)),
  };
}

function attribute(name: string, v: Attr): object {
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if ('f' in v) return { name, type: 1, f: v.f };
  if ('floats' in v) return { name, type: 6, floats: v.floats };
  return { name, type: 8, strings: v.strings.map((s) => new TextEncoder().encode(s)) };
}

/** The model's bytes and the feeds (by input name) its fed inputs need. */
export function buildRecurrentModel(spec: ModelSpec): { bytes: Uint8Array; feeds: Record<string, Tensor>; outputs: string[] } {
  modelType ??= protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const feeds: Record<string, Tensor> = {};
  const inputNames: string[] = [];
  const initializer: object[] = [];
  const graphInputs: object[] = [];
  spec.inputs.forEach((inp, i) => {
    if (inp === null) return inputNames.push('');
    const name = `in${i}`;
    inputNames.push(name);
    if ('init' in inp) initializer.push(tensorProto(name, inp.init));
    else {
      feeds[name] = inp.feed;
      const shape = { dim: (inp.dims ?? inp.feed.dims).map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) };
      graphInputs.push({ name, type: { tensor_type: { elem_type: onnxDTypeCode(inp.feed.dtype), shape } } });
    }
    return undefined;
  });
  while (inputNames.length > 0 && inputNames[inputNames.length - 1] === '') inputNames.pop();
  const outs = [...spec.outputs];
  while (outs.length > 0 && !outs[outs.length - 1]) outs.pop();
  const outputNames = outs.map((on, i) => (on ? `out${i}` : ''));
  const node = {
    name: 'node',
    op_type: spec.opType,
    input: inputNames,
    output: outputNames,
    attribute: Object.entries(spec.attrs).map(([k, v]) => attribute(k, v)),
  };
  const elem = onnxDTypeCode('float32');
  const graph = {
    name: 'recurrent',
    node: [node],
    initializer,
    input: graphInputs,
    output: outputNames.filter((n) => n !== '').map((name) => ({ name, type: { tensor_type: { elem_type: elem } } })),
  };
  // IR version 8 covers opsets up to 18; 9 (19–20) and 10 (21) for the newer ones.
  const irVersion = spec.opset <= 18 ? 8 : spec.opset <= 20 ? 9 : 10;
  const model = { ir_version: irVersion, producer_name: 'onnx-wgsl-test', graph, opset_import: [{ domain: '', version: spec.opset }] };
  const bytes = modelType.encode(modelType.fromObject(model)).finish();
  return { bytes, feeds, outputs: outputNames.filter((n) => n !== '') };
}

/** Runs a model on onnxruntime's CPU provider; outputs by name. */
export async function runOrtModel(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
    const result = await session.run(ortFeeds);
    const out: Record<string, Tensor> = {};
    for (const [name, r] of Object.entries(result)) {
      out[name] = { dtype: 'float32', dims: [...r.dims], data: (r.data as Float32Array).slice() };
    }
    return out;
  } finally {
    await session.release();
  }
}

export const GATES: Record<Cell, number> = { rnn: 1, gru: 3, lstm: 4 };
export const PER_DIRECTION: Record<Cell, number> = { rnn: 1, gru: 2, lstm: 3 };
export const DEFAULT_ACTIVATIONS: Record<Cell, RnnActivation[]> = {
  rnn: ['tanh'],
  gru: ['sigmoid', 'tanh'],
  lstm: ['sigmoid', 'tanh', 'tanh'],
};

/** ONNX spellings of the activation names. */
export const ONNX_ACTIVATION: Record<RnnActivation, string> = {
  relu: 'Relu',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  affine: 'Affine',
  leakyRelu: 'LeakyRelu',
  thresholdedRelu: 'ThresholdedRelu',
  scaledTanh: 'ScaledTanh',
  hardSigmoid: 'HardSigmoid',
  elu: 'Elu',
  softsign: 'Softsign',
  softplus: 'Softplus',
};

const USES_ALPHA = new Set<RnnActivation>(['affine', 'leakyRelu', 'thresholdedRelu', 'scaledTanh', 'hardSigmoid', 'elu']);
const USES_BETA = new Set<RnnActivation>(['affine', 'scaledTanh', 'hardSigmoid']);

/** An IR `rnn` op with defaults for everything not given. */
export function rnnOp(cell: Cell, direction: Direction, hiddenSize: number, extra: Partial<RnnOp> = {}): RnnOp {
  const D = direction === 'bidirectional' ? 2 : 1;
  const activations = extra.activations ?? Array.from({ length: D }, () => DEFAULT_ACTIVATIONS[cell]).flat();
  return {
    kind: 'rnn',
    cell,
    direction,
    hiddenSize,
    activations,
    activationAlpha: extra.activationAlpha ?? activations.map(() => 0),
    activationBeta: extra.activationBeta ?? activations.map(() => 0),
    clip: extra.clip ?? Infinity,
    inputForget: extra.inputForget ?? false,
    linearBeforeReset: extra.linearBeforeReset ?? false,
  };
}

/**
 * The ONNX attributes equivalent to an IR op: alpha/beta lists hold only the values of the
 * functions that take them, in order (how onnxruntime consumes the lists).
 */
export function onnxAttrs(op: RnnOp): Record<string, Attr> {
  const attrs: Record<string, Attr> = { hidden_size: op.hiddenSize, direction: op.direction };
  attrs.activations = { strings: op.activations.map((a) => ONNX_ACTIVATION[a]) };
  const alpha = op.activations.flatMap((a, i) => (USES_ALPHA.has(a) ? [op.activationAlpha[i]!] : []));
  const beta = op.activations.flatMap((a, i) => (USES_BETA.has(a) ? [op.activationBeta[i]!] : []));
  if (alpha.length) attrs.activation_alpha = { floats: alpha };
  if (beta.length) attrs.activation_beta = { floats: beta };
  if (op.clip !== Infinity) attrs.clip = { f: op.clip };
  if (op.cell === 'lstm') attrs.input_forget = op.inputForget ? 1 : 0;
  if (op.cell === 'gru') attrs.linear_before_reset = op.linearBeforeReset ? 1 : 0;
  return attrs;
}

export interface Sizes {
  S: number;
  B: number;
  I: number;
}

/** Random canonical inputs for `op` (x, w, r, b, seqLens, h0[, c0, p]); `lens` defaults to S. */
export function randomInputs(op: RnnOp, { S, B, I }: Sizes, seed: number, lens?: number[]): Tensor[] {
  const rand = rng(seed);
  const D = op.direction === 'bidirectional' ? 2 : 1;
  const H = op.hiddenSize;
  const GH = GATES[op.cell] * H;
  // Weights scaled so pre-activations stay in the functions' interesting range over many steps.
  const scale = 1 / Math.sqrt(Math.max(I, H));
  const inputs: Tensor[] = [
    randomTensor('float32', [S, B, I], rand, -1, 1),
    randomTensor('float32', [D, GH, I], rand, -scale * 2, scale * 2),
    randomTensor('float32', [D, GH, H], rand, -scale * 2, scale * 2),
    randomTensor('float32', [D, 2 * GH], rand, -0.5, 0.5),
    { dtype: 'int32', dims: [B], data: Int32Array.from(lens ?? new Array<number>(B).fill(S)) },
    randomTensor('float32', [D, B, H], rand, -1, 1),
  ];
  if (op.cell === 'lstm') inputs.push(randomTensor('float32', [D, B, H], rand, -1, 1), randomTensor('float32', [D, 3 * H], rand, -0.5, 0.5));
  return inputs;
}
