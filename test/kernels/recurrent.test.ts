/**
 * The `rnn` kernels (codegen/kernels/recurrent.ts) on the WebGPU device against the CPU reference
 * (ir/eval/recurrent.ts): every output (y, yH, yC) of every cell and direction, on random inputs
 * with sizes that are not multiples of 4, sequence lengths shorter than the sequence (and zero),
 * LSTM peepholes and input_forget, GRU with both linear_before_reset values, clip, and the
 * activation functions, plus a model-sized layer that takes the vec4 GEMM path — in the
 * time-loop schedule (recurrent.ts) and in the per-step one it falls back to for hidden sizes one
 * workgroup cannot carry (recurrent-steps.ts, forced here by a small invocation cap). Then the
 * same kernels generated for a symbolic batch and sequence length, run at several values of each.
 * Output and scratch buffers are poisoned (NaN) before the run, so an unwritten element fails.
 *
 * Tolerance rtol 1e-4 / atol 1e-5: the GPU computes in f32 and the reference in float64, and the
 * recurrence carries the rounding differences from step to step (over 130 steps too: the states
 * are bounded by the gates' saturating activations, so the differences do not grow).
 */

import { describe, expect, test } from 'vitest';
import { generateRnn } from '../../codegen/kernels/recurrent.js';
import { attachDims, DimTable, withDimTable } from '../../codegen/dims.js';
import type { DeviceLimits, Kernel } from '../../codegen/kernel.js';
import type { Dim } from '../../ir/dim.js';
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
  /** Declare x as [S, B, I] with these dims (symbols), and the batch-sized inputs to match. */
  symbolic?: { S: Dim; B: Dim };
  limits?: Partial<DeviceLimits>;
}

/** Inputs whose dims follow the batch (seqLens, h0, c0) or the sequence and batch (x). */
function declaredShape(i: number, dims: number[], sym: { S: Dim; B: Dim }): Dim[] {
  if (i === 0) return [sym.S, sym.B, dims[2]!];
  if (i === 4) return [sym.B];
  if (i === 5 || i === 6) return [dims[0]!, sym.B, dims[2]!];
  return dims;
}

/** Runs the kernels of `op` and compares all outputs with the reference; returns the kernels. */
async function checkRnn(op: RnnOp, sizes: Sizes, seed: number, opts: Options = {}) {
  const inputs = randomInputs(op, sizes, seed, opts.lens);
  const g = new Graph();
  const feeds = new Map<Value, Tensor>();
  const weight = (i: number) => i === 1 || i === 2 || i === 3 || i === 7;
  const values = inputs.map((t, i) => {
    if (opts.constWeights && weight(i)) return g.addConstant(`c${i}`, t);
    const shape = opts.symbolic ? declaredShape(i, t.dims, opts.symbolic) : [...t.dims];
    const v = g.addInput(`x${i}`, { dtype: t.dtype, shape });
    feeds.set(v, t);
    return v;
  });
  const outs = g.add(op, values, 'rnn', [], false);
  const table = new DimTable();
  const kernels: Kernel[] = withDimTable(table, () => generateRnn(g.nodes[0]!, makeCtx(opts.limits))).map(attachDims);
  const env: Record<string, number> = {};
  if (opts.symbolic) {
    for (const [d, n] of [[opts.symbolic.S, sizes.S], [opts.symbolic.B, sizes.B]] as const) if (typeof d === 'string') env[d] = n;
    expect(kernels.some((k) => k.usesDims)).toBe(true);
  }
  const results = await runKernels(kernels, feeds, { table, env });
  const expected = evaluate(op, inputs);
  const what = `${op.cell} ${op.direction} ${JSON.stringify(sizes)} lens ${opts.lens ?? 'full'}`;
  outs.forEach((v, i) => {
    const actual = results.get(v);
    // An empty output (y of an empty sequence) has nothing to write.
    if (!actual && expected[i]!.data.length === 0) return;
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
      // The projection, R transposed with the initial state, the time loop.
      expect(kernels.map((k) => k.name.split(':').pop())).toEqual(['proj', 'prep', 'loop']);
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
    // Projection, R transposed with h0/c0, the time loop: three kernels at any sequence length.
    expect(kernels.map((k) => k.name.split(':').pop())).toEqual(['proj', 'prep', 'loop']);
  });

  test('hidden units spread over few invocations (several units each, a partial last one)', async () => {
    // An invocation cap of 8: H 29 is 4 units per invocation, the last invocation's 4th idle.
    for (const cell of CELLS) {
      const kernels = await checkRnn(rnnOp(cell, 'bidirectional', 29), { S: 5, B: 2, I: 6 }, 10, { lens: [5, 3], limits: { maxComputeInvocationsPerWorkgroup: 8 } });
      expect(kernels[kernels.length - 1]!.wgsl).toContain('@workgroup_size(8)');
    }
  });

  test('an empty sequence: zeros in yH / yC', async () => {
    for (const cell of CELLS) await checkRnn(rnnOp(cell, 'bidirectional', 3), { S: 0, B: 2, I: 3 }, 11, { lens: [0, 0] });
  });
});

describe('the per-step schedule (hidden size beyond one workgroup)', () => {
  // An invocation cap of 4 holds at most 16 units (4 per invocation); H 17 does not fit.
  const limits = { maxComputeInvocationsPerWorkgroup: 4 };
  for (const cell of CELLS) {
    test(`${cell} bidirectional with lengths, static and with a symbolic batch`, async () => {
      const op = rnnOp(cell, 'bidirectional', 17, { linearBeforeReset: cell === 'gru' });
      const kernels = await checkRnn(op, { S: 3, B: 3, I: 5 }, 12, { lens: [3, 0, 2], limits });
      // proj, init, one step per time step, final; every step the same shader.
      expect(kernels).toHaveLength(3 + 3);
      const steps = kernels.filter((k) => k.name.includes(':step'));
      expect(new Set(steps.map((k) => k.wgsl)).size).toBe(1);
      await checkRnn(op, { S: 3, B: 2, I: 5 }, 13, { lens: [1, 3], limits, symbolic: { S: 3, B: 'batch' } });
    });
  }
  test('GRU without linear_before_reset: two dispatches per step', async () => {
    const kernels = await checkRnn(rnnOp('gru', 'reverse', 17), { S: 3, B: 2, I: 4 }, 14, { lens: [3, 2], limits });
    expect(kernels).toHaveLength(3 + 2 * 3);
  });
  test('a symbolic sequence length is an error naming the hidden size', () => {
    const g = new Graph();
    const op = rnnOp('lstm', 'forward', 17);
    const inputs = randomInputs(op, { S: 2, B: 1, I: 3 }, 15);
    const values = inputs.map((t, i) => g.addInput(`x${i}`, { dtype: t.dtype, shape: i === 0 ? ['sequence', 1, 3] : [...t.dims] }));
    g.add(op, values, 'rnn', [], false);
    expect(() => withDimTable(new DimTable(), () => generateRnn(g.nodes[0]!, makeCtx(limits)))).toThrow(/hidden size 17 .*symbolic sequence length/);
  });
});

describe('rnn kernels at a symbolic batch and sequence length', () => {
  // Sequence 1, odd, ≥ 128 steps and 0; batch 1 to 3 (lengths cover full, zero and partial).
  const RUNS: { S: number; B: number; lens: number[] }[] = [
    { S: 1, B: 1, lens: [1] },
    { S: 7, B: 3, lens: [7, 0, 4] },
    { S: 130, B: 2, lens: [130, 61] },
    // No steps at all: the projection's dispatch is empty, yH / yC are zeros.
    { S: 0, B: 2, lens: [0, 0] },
  ];
  const sym = { S: 'sequence', B: 'batch' };
  for (const cell of CELLS) {
    test(`${cell} bidirectional with sequence_lens, one set of kernels at every size`, async () => {
      const op = rnnOp(cell, 'bidirectional', 12);
      const sources = new Set<string>();
      for (const [k, run] of RUNS.entries()) {
        const kernels = await checkRnn(op, { S: run.S, B: run.B, I: 5 }, 20 + k, { lens: run.lens, symbolic: sym });
        sources.add(kernels.map((kk) => kk.wgsl).join('\n'));
      }
      expect(sources.size).toBe(1);
    });
  }
  test('gru with linear_before_reset, forward and reverse, symbolic sequence only', async () => {
    for (const direction of ['forward', 'reverse'] as const) {
      const op = rnnOp('gru', direction, 9, { linearBeforeReset: true });
      await checkRnn(op, { S: 130, B: 2, I: 4 }, 30, { lens: [100, 130], symbolic: { S: 'sequence', B: 2 } });
      await checkRnn(op, { S: 3, B: 2, I: 4 }, 31, { lens: [3, 1], symbolic: { S: 'sequence', B: 2 } });
    }
  });
  test('lstm_tagger-sized (H 64, I 128) at sequence 130, weights constant', async () => {
    await checkRnn(rnnOp('lstm', 'bidirectional', 64), { S: 130, B: 1, I: 128 }, 32, { constWeights: true, symbolic: sym });
  });
});
