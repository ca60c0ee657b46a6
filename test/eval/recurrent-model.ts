/**
 * One-node ONNX RNN / GRU / LSTM models for the recurrent tests (evaluator, importer, kernels),
 * run on onnxruntime-node's CPU provider (test/import/ort.ts), the independent reference. The bytes come from the
 * project's one model writer (test/import/one-node-model.ts); this file adds the recurrent
 * vocabulary on top: inputs named in0…, outputs out0… with omitted slots, random canonical
 * inputs for a cell, and the ONNX attribute form of an IR `rnn` op.
 */

import type { Tensor } from '../../ir/graph.js';
import type { Op, RnnActivation } from '../../ir/ops.js';
import { buildNodeModel, type Attr, type ConstInput, type RuntimeInput } from '../import/one-node-model.js';
import { randomTensor, rng } from '../helpers/random.js';

export type { Attr } from '../import/one-node-model.js';
export type RnnOp = Extract<Op, { kind: 'rnn' }>;
export type Cell = RnnOp['cell'];
export type Direction = RnnOp['direction'];

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

/** The model's bytes and the feeds (by input name) its fed inputs need. */
export function buildRecurrentModel(spec: ModelSpec): { bytes: Uint8Array; feeds: Record<string, Tensor>; outputs: string[] } {
  const feeds: Record<string, Tensor> = {};
  const inputs = spec.inputs.map((inp, i): RuntimeInput | ConstInput | '' => {
    if (inp === null) return '';
    const name = `in${i}`;
    if ('init' in inp) return { name, tensor: inp.init };
    feeds[name] = inp.feed;
    return { name, dtype: inp.feed.dtype, dims: [...(inp.dims ?? inp.feed.dims)] };
  });
  // Trailing omitted inputs and outputs are left out of the node, as exporters do.
  while (inputs.length > 0 && inputs[inputs.length - 1] === '') inputs.pop();
  const outs = [...spec.outputs];
  while (outs.length > 0 && !outs[outs.length - 1]) outs.pop();
  const outputNames = outs.map((on, i) => (on ? `out${i}` : ''));
  const bytes = buildNodeModel({ op: spec.opType, nodeName: 'node', opset: spec.opset, attrs: spec.attrs, inputs, outputs: outputNames });
  return { bytes, feeds, outputs: outputNames.filter((n) => n !== '') };
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
  if (op.clip !== Infinity) attrs.clip = { float: op.clip };
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
