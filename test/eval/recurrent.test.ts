/**
 * The CPU reference for `rnn` (ir/eval/recurrent.ts) against onnxruntime's CPU RNN / GRU / LSTM
 * on one-node models with every input fed (the canonical form the importer produces): all
 * cells and directions, sequence lengths shorter than the sequence, peepholes, input_forget,
 * clip, GRU's two reset forms, and every activation function with its parameters.
 *
 * Tolerance: the reference computes in float64 and onnxruntime in float32 (with its own
 * tanh/sigmoid approximations), and the recurrence carries rounding from step to step, so outputs
 * are compared with rtol 1e-4 and atol 1e-5.
 */

import { describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import type { RnnActivation } from '../../ir/ops.js';
import { evaluate } from '../../ir/eval/index.js';
import { compareTensors } from '../helpers/random.js';
import { runOrt } from '../import/ort.js';
import {
  buildRecurrentModel,
  onnxAttrs,
  randomInputs,
  rnnOp,
  type Cell,
  type Direction,
  type RnnOp,
  type Sizes,
} from './recurrent-model.js';

const OP_TYPE = { rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' } as const;

function expectNear(actual: Tensor, expected: Tensor, what: string): void {
  const c = compareTensors(actual, expected, 1e-4, 1e-5);
  if (c.firstBad >= 0) {
    const i = c.firstBad;
    throw new Error(`${what}: element ${i} = ${actual.data[i]} expected ${expected.data[i]} (max abs err ${c.maxAbs})`);
  }
}

/** Evaluates `op` and the equivalent ONNX node on the same inputs and compares every output. */
async function checkAgainstOrt(op: RnnOp, sizes: Sizes, seed: number, lens?: number[], opset = 14): Promise<Tensor[]> {
  const inputs = randomInputs(op, sizes, seed, lens);
  const got = evaluate(op, inputs);
  const nOut = op.cell === 'lstm' ? 3 : 2;
  expect(got).toHaveLength(nOut);
  const { bytes, feeds } = buildRecurrentModel({
    opType: OP_TYPE[op.cell],
    opset,
    attrs: onnxAttrs(op),
    inputs: inputs.map((t) => ({ feed: t })),
    outputs: new Array<boolean>(nOut).fill(true),
  });
  const want = await runOrt(bytes, feeds, false);
  const what = `${op.cell} ${op.direction} ${JSON.stringify(sizes)} lens ${lens ?? 'full'}`;
  got.forEach((t, i) => expectNear(t, want[`out${i}`]!, `${what} output ${i}`));
  return got;
}

const CELLS: Cell[] = ['rnn', 'gru', 'lstm'];
const DIRECTIONS: Direction[] = ['forward', 'reverse', 'bidirectional'];

describe('rnn reference vs onnxruntime', () => {
  for (const cell of CELLS) {
    for (const direction of DIRECTIONS) {
      test(`${cell} ${direction}`, async () => {
        await checkAgainstOrt(rnnOp(cell, direction, 5), { S: 4, B: 3, I: 3 }, 1);
      });
      test(`${cell} ${direction} with sequence lengths`, async () => {
        const [y] = await checkAgainstOrt(rnnOp(cell, direction, 3), { S: 5, B: 3, I: 2 }, 2, [5, 2, 3]);
        // Steps past a length are zeros in y (here batch 1 from step 2 on, both directions).
        const D = direction === 'bidirectional' ? 2 : 1;
        for (let d = 0; d < D; d++) for (let j = 0; j < 3; j++) expect(y!.data[((2 * D + d) * 3 + 1) * 3 + j]).toBe(0);
      });
    }
  }

  test('gru linear_before_reset', async () => {
    for (const direction of DIRECTIONS) await checkAgainstOrt(rnnOp('gru', direction, 4, { linearBeforeReset: true }), { S: 3, B: 2, I: 5 }, 3, [3, 1]);
  });

  test('lstm input_forget', async () => {
    await checkAgainstOrt(rnnOp('lstm', 'bidirectional', 4, { inputForget: true }), { S: 3, B: 2, I: 3 }, 4);
  });

  test('clip', async () => {
    // Weights large enough that the clip (0.5) bounds most pre-activations.
    for (const cell of CELLS) {
      const op = rnnOp(cell, 'bidirectional', 3, { clip: 0.5, linearBeforeReset: cell === 'gru' });
      await checkAgainstOrt(op, { S: 3, B: 2, I: 4 }, 5);
      await checkAgainstOrt({ ...op, linearBeforeReset: false }, { S: 3, B: 2, I: 4 }, 6);
    }
  });

  test('sequence length 0 gives zero final states', async () => {
    for (const cell of CELLS) {
      const got = await checkAgainstOrt(rnnOp(cell, 'bidirectional', 2), { S: 3, B: 2, I: 2 }, 7, [0, 3]);
      // yH (and yC) of batch 0 in both directions: [d, b, j] at d·4 + j.
      for (const t of got.slice(1)) for (const i of [0, 1, 4, 5]) expect(t.data[i]).toBe(0);
    }
  });

  // Each function with non-trivial parameters, as f (the gate function) and as g / h.
  const FUNCS: [RnnActivation, number, number][] = [
    ['relu', 0, 0],
    ['tanh', 0, 0],
    ['sigmoid', 0, 0],
    ['affine', 0.7, -0.2],
    ['leakyRelu', 0.3, 0],
    ['thresholdedRelu', 0.2, 0],
    ['scaledTanh', 1.3, 0.6],
    ['hardSigmoid', 0.3, 0.4],
    ['elu', 0.8, 0],
    ['softsign', 0, 0],
    ['softplus', 0, 0],
  ];
  for (const [fn, alpha, beta] of FUNCS) {
    test(`activation ${fn}`, async () => {
      // lstm: fn as f; the reverse direction uses fn as g and h, so the alpha/beta lists
      // interleave entries of both directions.
      const lstm = rnnOp('lstm', 'bidirectional', 3, {
        activations: [fn, 'tanh', 'tanh', 'sigmoid', fn, fn],
        activationAlpha: [alpha, 0, 0, 0, alpha * 0.5, alpha],
        activationBeta: [beta, 0, 0, 0, beta * 0.5, beta],
      });
      await checkAgainstOrt(lstm, { S: 3, B: 2, I: 3 }, 8);
      const gru = rnnOp('gru', 'forward', 3, { activations: ['sigmoid', fn], activationAlpha: [0, alpha], activationBeta: [0, beta] });
      await checkAgainstOrt(gru, { S: 3, B: 2, I: 3 }, 9);
      const rnn = rnnOp('rnn', 'reverse', 3, { activations: [fn], activationAlpha: [alpha], activationBeta: [beta] });
      await checkAgainstOrt(rnn, { S: 3, B: 2, I: 3 }, 10);
    });
  }
});
