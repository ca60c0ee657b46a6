/**
 * Recurrent layers → IR `rnn`.
 *
 * ONNX: RNN, GRU, LSTM (opset 7; 14 added `layout`; 22 only bfloat16). Opsets 7 to MAX_OPSET
 * (version 1's `output_sequence` attribute is not handled, so older models are refused).
 * Types: float X, W, R, B, initial_h, initial_c, P (one type); int32 sequence_lens.
 * Lowers to: one `rnn` node in canonical form, which only ever sees layout 0 and every input:
 * - layout 1 (batch first): X and the initial states are transposed to layout 0 on the way in
 *   and Y / Y_h / Y_c back on the way out, with IR `transpose` nodes.
 * - absent optional inputs become constants: zero B, zero initial_h / initial_c, zero P (no
 *   peepholes), and sequence_lens full (= seq_length). With symbolic dims the zeros are `expand`s
 *   of a scalar and the full lengths come from `shape(X)`.
 * - `activations` (names matched case-insensitively; a list of D × (1 rnn, 2 gru, 3 lstm)
 *   entries, forward direction first) default to Tanh / Sigmoid,Tanh / Sigmoid,Tanh,Tanh per
 *   direction. `activation_alpha` / `activation_beta` are consumed in order by the functions that
 *   take a parameter (as onnxruntime reads them); a function left without a value gets the default
 *   of the corresponding ONNX operator: LeakyRelu α 0.01, ThresholdedRelu α 1, HardSigmoid α 0.2
 *   β 0.5, Elu α 1, Affine α 1 β 0, and ScaledTanh α 1 β 1 (its operator had no default).
 *   onnxruntime uses 0 for the last three; exporters write the values explicitly in practice.
 * - `clip` absent → Infinity; `hidden_size` absent → taken from R's last dim.
 * Outputs Y, Y_h (, Y_c) may be any subset (omitted names are ''); the IR op always computes all.
 */

import type { DType } from '../../../ir/dtype.js';
import { allocHost } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/graph.js';
import type { Op, RnnActivation } from '../../../ir/ops.js';
import type { Dim } from '../../../ir/shape.js';
import { isStaticShape } from '../../../ir/shape.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { importer, makeTensor } from './common.js';

type RnnOp = Extract<Op, { kind: 'rnn' }>;
type Cell = RnnOp['cell'];

/** Lower-cased ONNX name → IR activation. */
const ACTIVATIONS: Readonly<Record<string, RnnActivation>> = {
  relu: 'relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  affine: 'affine',
  leakyrelu: 'leakyRelu',
  thresholdedrelu: 'thresholdedRelu',
  scaledtanh: 'scaledTanh',
  hardsigmoid: 'hardSigmoid',
  elu: 'elu',
  softsign: 'softsign',
  softplus: 'softplus',
};

/** Default [alpha, beta] of each function; undefined where it takes no such parameter. */
const PARAMS: Readonly<Record<RnnActivation, [number | undefined, number | undefined]>> = {
  relu: [undefined, undefined],
  tanh: [undefined, undefined],
  sigmoid: [undefined, undefined],
  affine: [1, 0],
  leakyRelu: [0.01, undefined],
  thresholdedRelu: [1, undefined],
  scaledTanh: [1, 1],
  hardSigmoid: [0.2, 0.5],
  elu: [1, undefined],
  softsign: [undefined, undefined],
  softplus: [undefined, undefined],
};

const DEFAULT_ACTIVATIONS: Readonly<Record<Cell, RnnActivation[]>> = {
  rnn: ['tanh'],
  gru: ['sigmoid', 'tanh'],
  lstm: ['sigmoid', 'tanh', 'tanh'],
};

const GATES: Readonly<Record<Cell, number>> = { rnn: 1, gru: 3, lstm: 4 };

function readDirection(ctx: ImportContext): RnnOp['direction'] {
  return ctx.getEnum<RnnOp['direction']>('direction', ['forward', 'reverse', 'bidirectional'], 'forward');
}

/** The activation list with one resolved alpha and beta per entry (see the file header). */
function readActivations(ctx: ImportContext, cell: Cell, directions: number): Pick<RnnOp, 'activations' | 'activationAlpha' | 'activationBeta'> {
  let activations: RnnActivation[];
  if (!ctx.hasAttr('activations')) {
    activations = Array.from({ length: directions }, () => DEFAULT_ACTIVATIONS[cell]).flat();
  } else {
    const names = ctx.getStrings('activations');
    const known = 'Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus';
    activations = names.map((name) => ACTIVATIONS[name.toLowerCase()] ?? ctx.unsupported(`activation function '${name}' is not one of ${known}`));
    const want = directions * DEFAULT_ACTIVATIONS[cell].length;
    if (activations.length !== want) {
      ctx.fail(`a ${directions === 2 ? 'bidirectional' : 'one-direction'} ${ctx.opType} needs ${want} activations, got [${names.join(', ')}]`);
    }
  }
  const alphas = ctx.getFloats('activation_alpha', []);
  const betas = ctx.getFloats('activation_beta', []);
  const activationAlpha: number[] = [];
  const activationBeta: number[] = [];
  for (const fn of activations) {
    const [alpha, beta] = PARAMS[fn];
    activationAlpha.push(alpha === undefined ? 0 : (alphas.shift() ?? alpha));
    activationBeta.push(beta === undefined ? 0 : (betas.shift() ?? beta));
  }
  if (alphas.length > 0 || betas.length > 0) {
    const extra = `${alphas.length} / ${betas.length} values more than the activations [${activations.join(', ')}] take`;
    ctx.fail(`activation_alpha / activation_beta have ${extra}`);
  }
  return { activations, activationAlpha, activationBeta };
}

/** A tensor of zeros (a constant when the shape is static, else an expanded scalar). */
function zeros(ctx: ImportContext, label: string, dtype: DType, shape: Dim[]): Value {
  if (isStaticShape(shape)) {
    return ctx.constant(label, { dtype, dims: shape, data: allocHost(dtype, shape.reduce((a, b) => a * b, 1)) });
  }
  return ctx.add1({ kind: 'expand', shape }, [ctx.scalar(`${label}_zero`, dtype, 0)]);
}

/** sequence_lens when absent: every batch entry runs the whole sequence. */
function fullLengths(ctx: ImportContext, x: Value): Value {
  const [S, B] = x.type.shape as [Dim, Dim];
  if (typeof S === 'number' && typeof B === 'number') return ctx.constant('sequence_lens', makeTensor('int32', [B], new Array<number>(B).fill(S)));
  // A symbolic S as a value without reading shapes at run time: the last entry of 1, 2, …, S.
  const s =
    typeof S === 'number'
      ? ctx.scalar('seq_length', 'int32', S)
      : ctx.add1({ kind: 'slice', axes: [0], starts: [-1], ends: [2 ** 31 - 1], steps: [1] }, [
          ctx.add1({ kind: 'arange', start: 1, delta: 1, length: S, dtype: 'int32' }, []),
        ]);
  return ctx.add1({ kind: 'expand', shape: [B] }, [s]);
}

const transpose = (perm: number[]): Op => ({ kind: 'transpose', perm });

function recurrent(cell: Cell) {
  return (ctx: ImportContext): ImportResult => {
    const lstm = cell === 'lstm';
    const maxOutputs = lstm ? 3 : 2;
    if (ctx.outputCount > maxOutputs) ctx.fail(`${ctx.opType} has at most ${maxOutputs} outputs, the node lists ${ctx.outputCount}`);
    const layout = ctx.opset >= 14 ? ctx.getInt('layout', 0) : 0;
    if (layout !== 0 && layout !== 1) ctx.fail(`layout must be 0 or 1, got ${layout}`);
    if (ctx.opset < 14 && ctx.hasAttr('layout')) ctx.fail(`attribute 'layout' exists from opset 14, the model is opset ${ctx.opset}`);
    const batchFirst = layout === 1;

    // Layout 1 keeps the batch first in X [B, S, I] and the states [B, D, H]; swap the first two axes.
    const swap01 = (v: Value) => (batchFirst ? ctx.add1(transpose([1, 0, 2]), [v]) : v);
    const x = swap01(ctx.input(0, 'X'));
    if (x.rank !== 3) ctx.fail(`X must have rank 3, got ${x.rank}`);
    const w = ctx.input(1, 'W');
    const r = ctx.input(2, 'R');
    const direction = readDirection(ctx);
    const D = direction === 'bidirectional' ? 2 : 1;
    const rDim = r.type.shape[2];
    const hiddenSize = ctx.hasAttr('hidden_size')
      ? ctx.getInt('hidden_size')
      : typeof rDim === 'number'
        ? rDim
        : ctx.fail('hidden_size is absent and R has no static last dim to take it from');
    const H = hiddenSize;
    const GH = GATES[cell] * H;
    const dtype = x.type.dtype;
    const B = x.type.shape[1]!;

    const b = ctx.optionalInput(3) ?? zeros(ctx, 'B', dtype, [D, 2 * GH]);
    const given = ctx.optionalInput(4);
    const lens = given === undefined ? fullLengths(ctx, x) : given.type.dtype === 'int32' ? given : ctx.add1({ kind: 'cast', to: 'int32' }, [given]);
    const state = (index: number, label: string) => {
      const v = ctx.optionalInput(index);
      return v === undefined ? zeros(ctx, label, dtype, [D, B, H]) : swap01(v);
    };
    const inputs = [x, w, r, b, lens, state(5, 'initial_h')];
    if (lstm) inputs.push(state(6, 'initial_c'), ctx.optionalInput(7) ?? zeros(ctx, 'P', dtype, [D, 3 * H]));

    const op: RnnOp = {
      kind: 'rnn',
      cell,
      direction,
      hiddenSize,
      ...readActivations(ctx, cell, D),
      clip: ctx.hasAttr('clip') ? ctx.getFloat('clip') : Infinity,
      inputForget: lstm && ctx.getInt('input_forget', 0) !== 0,
      linearBeforeReset: cell === 'gru' && ctx.getInt('linear_before_reset', 0) !== 0,
    };
    if (!batchFirst) return ctx.addOut(op, inputs);

    // Y [S, D, B, H] → [B, S, D, H]; Y_h, Y_c [D, B, H] → [B, D, H].
    const outs = ctx.add(op, inputs);
    return outs.map((v, i) => (ctx.hasOutput(i) ? ctx.addOut1(transpose(i === 0 ? [2, 0, 1, 3] : [1, 0, 2]), [v], i) : undefined));
  };
}

export const recurrentImporters: OpImporter[] = [
  importer('RNN', recurrent('rnn'), 7),
  importer('GRU', recurrent('gru'), 7),
  importer('LSTM', recurrent('lstm'), 7),
];
