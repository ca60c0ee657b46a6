/**
 * Inference for the recurrent layer op `rnn` (ONNX RNN, GRU, LSTM after import).
 *
 * The importer hands over a canonical node — layout 0, every optional input materialized — so the
 * rule here is strict: exact input count per cell, one float dtype for every weight and state,
 * int32 sequence lengths, and every operand's dims tied to (S, B, I) from x and (D, G·H) from the
 * attributes. The attribute lists are checked too (one activation per cell function and
 * direction, known names, one alpha and beta per activation), because the evaluator and the WGSL
 * kernel index them blindly.
 */

import type { TensorType, Value } from '../graph.js';
import type { Op, RnnActivation } from '../ops.js';
import type { Dim } from '../shape.js';
import { formatShape } from '../shape.js';
import { arity, checkDType, checkRank, fail, sameDType, sameShape } from './common.js';

type RnnOp = Extract<Op, { kind: 'rnn' }>;

/** Gates per cell: rnn 1, gru 3 (z r h), lstm 4 (i o f c). */
export function rnnGates(cell: RnnOp['cell']): number {
  switch (cell) {
    case 'rnn':
      return 1;
    case 'gru':
      return 3;
    case 'lstm':
      return 4;
    default: {
      const never: never = cell;
      throw new Error(`rnn: unknown cell '${String(never)}'`);
    }
  }
}

/** Activation functions per direction: rnn f, gru f g, lstm f g h. */
export function rnnActivationsPerDirection(cell: RnnOp['cell']): number {
  return cell === 'rnn' ? 1 : cell === 'gru' ? 2 : 3;
}

export function rnnDirections(direction: RnnOp['direction']): number {
  switch (direction) {
    case 'forward':
    case 'reverse':
      return 1;
    case 'bidirectional':
      return 2;
    default: {
      const never: never = direction;
      throw new Error(`rnn: unknown direction '${String(never)}'`);
    }
  }
}

const ACTIVATIONS: readonly RnnActivation[] = [
  'relu',
  'tanh',
  'sigmoid',
  'affine',
  'leakyRelu',
  'thresholdedRelu',
  'scaledTanh',
  'hardSigmoid',
  'elu',
  'softsign',
  'softplus',
];

export function isRnnActivation(s: unknown): s is RnnActivation {
  return typeof s === 'string' && (ACTIVATIONS as readonly string[]).includes(s);
}

function checkAttrs(op: RnnOp): void {
  const what = 'rnn';
  if (op.cell !== 'rnn' && op.cell !== 'gru' && op.cell !== 'lstm') fail(what, `cell must be rnn, gru or lstm, got '${String(op.cell)}'`);
  if (op.direction !== 'forward' && op.direction !== 'reverse' && op.direction !== 'bidirectional') {
    fail(what, `direction must be forward, reverse or bidirectional, got '${String(op.direction)}'`);
  }
  if (!Number.isInteger(op.hiddenSize) || op.hiddenSize < 1) fail(what, `hiddenSize must be a positive integer, got ${op.hiddenSize}`);
  const n = rnnDirections(op.direction) * rnnActivationsPerDirection(op.cell);
  if (op.activations.length !== n) {
    fail(what, `a ${op.direction} ${op.cell} needs ${n} activations, got [${op.activations.join(', ')}]`);
  }
  for (const a of op.activations) if (!isRnnActivation(a)) fail(what, `unknown activation '${String(a)}'`);
  if (op.activationAlpha.length !== n || op.activationBeta.length !== n) {
    const got = `${op.activationAlpha.length} and ${op.activationBeta.length}`;
    fail(what, `activationAlpha and activationBeta need ${n} entries (one per activation), got ${got}`);
  }
  if (!(op.clip > 0)) fail(what, `clip must be positive (Infinity for none), got ${op.clip}`);
  if (op.inputForget && op.cell !== 'lstm') fail(what, 'inputForget applies to lstm only');
  if (op.linearBeforeReset && op.cell !== 'gru') fail(what, 'linearBeforeReset applies to gru only');
}

export function inferRnn(op: RnnOp, inputs: readonly Value[]): TensorType[] {
  const what = 'rnn';
  checkAttrs(op);
  const lstm = op.cell === 'lstm';
  const types = arity(what, inputs, lstm ? 8 : 6);
  const roles = lstm ? ['x', 'w', 'r', 'b', 'seqLens', 'h0', 'c0', 'p'] : ['x', 'w', 'r', 'b', 'seqLens', 'h0'];
  const [x, w, r, b, seqLens, h0, c0, p] = types as TensorType[];
  checkDType(what, 'x', x!.dtype, 'float');
  checkRank(what, 'x', x!, 3);
  const floats = types.filter((_, i) => i !== 4);
  const dtype = sameDType(what, floats, roles.filter((_, i) => i !== 4));
  if (seqLens!.dtype !== 'int32') fail(what, `seqLens must be int32, got ${seqLens!.dtype}`);

  const [S, B, I] = x!.shape as [Dim, Dim, Dim];
  const D = rnnDirections(op.direction);
  const H = op.hiddenSize;
  const GH = rnnGates(op.cell) * H;
  const expect = (role: string, t: TensorType, shape: Dim[]) => {
    if (!sameShape(t.shape, shape)) fail(what, `${role} must have dims ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  };
  expect('w', w!, [D, GH, I]);
  expect('r', r!, [D, GH, H]);
  expect('b', b!, [D, 2 * GH]);
  expect('seqLens', seqLens!, [B]);
  expect('h0', h0!, [D, B, H]);
  const out: TensorType[] = [
    { dtype, shape: [S, D, B, H] },
    { dtype, shape: [D, B, H] },
  ];
  if (lstm) {
    expect('c0', c0!, [D, B, H]);
    expect('p', p!, [D, 3 * H]);
    out.push({ dtype, shape: [D, B, H] });
  }
  return out;
}
