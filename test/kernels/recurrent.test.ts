/**
 * The `rnn` kernels (codegen/kernels/recurrent.ts) on the WebGPU device against the CPU reference
 * (ir/eval/recurrent.ts): every output (y, yH, yC) of every cell and direction, on random inputs
 * with sizes that are not multiples of 4, sequence lengths shorter than the sequence (and zero),
 * LSTM peepholes and input_forget, GRU with both linear_before_reset values, clip, and the
 * activation functions, plus a model-sized layer that takes the vec4 GEMM path. Output and
 * scratch buffers are poisoned (NaN) before the run, so an unwritten element fails.
 *
 * Tolerance rtol 1e-4 / atol 1e-5: the GPU computes in f32 and the reference in float64, and the
 * recurrence carries the rounding differences from step to step.
 */

import { describe, expect, test } from 'vitest';
import { generateRnn } from '../../codegen/kernels/recurrent.js';
import { evaluate } from '../../ir/eval/index.js';
import { Graph, type Tensor, type Value } from '../../ir/graph.js';
import type { RnnActivation } from '../../ir/ops.js';
import { runKernels } from '../helpers/gpu.js';
import { compareTensors } from '../helpers/random.js';
import { randomInputs, rnnOp, type Cell, type Direction, type RnnOp, type Sizes } from '../eval/recurrent-model.js';
import { makeCtx } from './harness.js';

interface Options {
  lens?: number[];
  /** Bind the weights (w, r, b, p) as constants, as a compiled model does. */
  constWeights?: boolean;
}

/** Runs the kernels of `op` and compares all outputs with the reference; returns the kernels. */
async function checkRnn(op: RnnOp, sizes: Sizes, seed: number, opts: Options = {}) {
  const inputs = randomInputs(op, sizes, seed, opts.lens);
  const g = new Graph();
  const feeds = new Map<Value, Tensor>();
  const weight = (i: number) => i === 1 || i === 2 || i === 3 || i === 7;
  const values = inputs.map((t, i) => {
    if (opts.constWeights && weight(i)) return g.addConstant(`c${i}`, t);
    const v = g.addInput(`x${i}`, { dtype: t.dtype, shape: [...t.dims] });
    feeds.set(v, t);
    return v;
  });
  const outs = g.add(op, values, 'rnn', [], false);
  const kernels = generateRnn(g.nodes[0]!, makeCtx());
  const results = await runKernels(kernels, feeds);
  const expected = evaluate(op, inputs);
  const what = `${op.cell} ${op.direction} ${JSON.stringify(sizes)} lens ${opts.lens ?? 'full'}`;
  outs.forEach((v, i) => {
    const actual = results.get(v);
    if (!actual) throw new Error(`${what}: output ${i} never written`);
    const c = compareTensors(actual, expected[i]!, 1e-4, 1e-5);
    if (c.firstBad >= 0) {
      throw new Error(`${what}: output ${i} element ${c.firstBad} = ${actual.data[c.firstBad]} expected ${expected[i]!.data[c.firstBad]} (max abs err ${c.maxAbs})`);
    }
  });
  return kernels;
}

const CELLS: Cell[] = ['rnn', 'gru', 'lstm'];
const DIRECTIONS: Direction[] = ['forward', 'reverse', 'bidirectional'];
const SIZES: Sizes = { S: 3, B: 3, I: 7 };

// Each run compiles one shader per kernel (the test harness has no pipeline cache), so the cases
// below are packed to keep the suite at a few seconds on lavapipe.
describe('rnn kernels vs the reference', () => {
  for (const cell of CELLS) {
    for (const direction of DIRECTIONS) {
      // Lengths: batch 0 runs the whole sequence, batch 1 none (zero final state), batch 2 part.
      test(`${cell} ${direction}, full, zero and shorter sequence lengths`, async () => {
        await checkRnn(rnnOp(cell, direction, 5), SIZES, 1, { lens: [3, 0, 2] });
      });
    }
  }

  test('gru, both linear_before_reset values', async () => {
    for (const linearBeforeReset of [false, true]) {
      const kernels = await checkRnn(rnnOp('gru', 'bidirectional', 6, { linearBeforeReset }), { S: 4, B: 2, I: 3 }, 4, { lens: [4, 3] });
      // proj, init, one step per time step (two without linear_before_reset), final.
      expect(kernels).toHaveLength(3 + 4 * (linearBeforeReset ? 1 : 2));
    }
  });

  test('lstm peepholes with input_forget', async () => {
    await checkRnn(rnnOp('lstm', 'bidirectional', 5, { inputForget: true }), SIZES, 5, { lens: [3, 1, 2] });
  });

  test('clip', async () => {
    for (const cell of CELLS) await checkRnn(rnnOp(cell, 'bidirectional', 3, { clip: 0.4, linearBeforeReset: cell === 'gru' }), SIZES, 6, { lens: [3, 2, 3] });
  });

  test('activation functions, different per direction', async () => {
    // An LSTM's six slots (f g h forward, then reverse) hold six functions per run.
    const runs: [RnnActivation, number, number][][] = [
      [
        ['hardSigmoid', 0.3, 0.4],
        ['affine', 0.7, -0.2],
        ['leakyRelu', 0.3, 0],
        ['sigmoid', 0, 0],
        ['scaledTanh', 1.3, 0.6],
        ['elu', 0.8, 0],
      ],
      [
        ['thresholdedRelu', 0.2, 0],
        ['softsign', 0, 0],
        ['softplus', 0, 0],
        ['relu', 0, 0],
        ['tanh', 0, 0],
        ['thresholdedRelu', 0.1, 0],
      ],
    ];
    for (const [k, run] of runs.entries()) {
      const op = rnnOp('lstm', 'bidirectional', 3, {
        activations: run.map(([fn]) => fn),
        activationAlpha: run.map(([, a]) => a),
        activationBeta: run.map(([, , b]) => b),
      });
      await checkRnn(op, { S: 3, B: 2, I: 3 }, 7 + k, { lens: [3, 2] });
    }
  });

  test('a model-sized layer (lstm_tagger: bidirectional, H 64, I 128), weights constant', async () => {
    const kernels = await checkRnn(rnnOp('lstm', 'bidirectional', 64), { S: 6, B: 1, I: 128 }, 9, { constWeights: true });
    // Every step runs the same shader (the step index comes from the state buffer).
    const steps = kernels.filter((k) => k.name.includes(':step'));
    expect(steps).toHaveLength(6);
    expect(new Set(steps.map((k) => k.wgsl)).size).toBe(1);
  });
});
