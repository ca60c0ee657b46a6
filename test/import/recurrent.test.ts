/**
 * The RNN / GRU / LSTM importers (src/onnx/ops/recurrent.ts): each ONNX form is imported, the IR
 * graph evaluated on the CPU and compared with onnxruntime running the model itself — opsets 7,
 * 14 and 21, absent optional inputs (in the middle and trailing), weights as initializers, any
 * subset of outputs, layout 1 (which onnxruntime's CPU provider rejects, so the reference there is
 * the layout-0 model on transposed data), activation names and parameter defaults, symbolic dims,
 * and the errors for malformed nodes. Then the ONNX backend node tests for these ops (reference
 * outputs from ONNX itself, layout 1 included), and the zoo's recurrent models against
 * onnxruntime: lstm_tagger (bidirectional LSTM, opset 13) and dtln_model_1 (LSTM with states).
 *
 * Tolerance rtol 1e-4 / atol 1e-5: float64 reference vs float32 onnxruntime through a recurrence.
 */

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { evaluate, evaluateGraph } from '../../ir/eval/index.js';
import type { Graph, Tensor } from '../../ir/graph.js';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';
import { verifyGraph } from '../../ir/verify.js';
import { decodeModel, decodeTensorFile, loadModelFile } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { compareTensors, randomTensor, rng } from '../helpers/random.js';
import {
  buildRecurrentModel,
  onnxAttrs,
  randomInputs,
  rnnOp,
  type Attr,
  type Cell,
  type ModelInput,
  type ModelSpec,
} from '../eval/recurrent-model.js';
import { checkDataInstalled, dataRoot } from '../conformance/cases.js';
import { ZOO } from './fixtures.js';
import { runOrt } from './ort.js';

const OP_TYPE = { rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' } as const;

function expectNear(actual: Tensor, expected: Tensor, what: string): void {
  const c = compareTensors(actual, expected, 1e-4, 1e-5);
  if (c.firstBad >= 0) {
    throw new Error(`${what}: element ${c.firstBad} = ${actual.data[c.firstBad]} expected ${expected.data[c.firstBad]} (max abs err ${c.maxAbs})`);
  }
}

function importBytes(bytes: Uint8Array, dims: Record<string, number> = {}): Graph {
  const g = importModel(decodeModel(bytes), { dims });
  verifyGraph(g);
  return g;
}

/** Imports `spec`, evaluates it and compares every output with onnxruntime on the same model. */
async function checkModel(spec: ModelSpec, dims: Record<string, number> = {}): Promise<Graph> {
  const { bytes, feeds, outputs } = buildRecurrentModel(spec);
  const g = importBytes(bytes, dims);
  expect(g.outputs.map((v) => v.name)).toEqual(outputs);
  const got = evaluateGraph(g, feeds);
  const want = await runOrt(bytes, feeds, false);
  for (const name of outputs) expectNear(got.get(name)!, want[name]!, `${spec.opType} opset ${spec.opset} ${name}`);
  return g;
}

/** The ONNX inputs for a cell from canonical tensors: all fed, or as `pick` chooses per slot. */
function modelInputs(t: Tensor[], pick: (i: number, t: Tensor) => ModelInput = (_, x) => ({ feed: x })): ModelInput[] {
  return t.map((x, i) => pick(i, x));
}

const CELLS: Cell[] = ['rnn', 'gru', 'lstm'];
const SIZES = { S: 4, B: 3, I: 5 };
/** Every output of the cell requested. */
const allOutputs = (n: number): boolean[] => new Array<boolean>(n).fill(true);

describe('recurrent importers vs onnxruntime', () => {
  for (const cell of CELLS) {
    const n = cell === 'lstm' ? 3 : 2;
    for (const opset of [7, 14, 21]) {
      test(`${cell} opset ${opset}, weights as initializers`, async () => {
        const op = rnnOp(cell, 'bidirectional', 3, { linearBeforeReset: cell === 'gru' });
        const t = randomInputs(op, SIZES, 11, [4, 1, 3]);
        const inputs = modelInputs(t, (i, x) => (i >= 1 && i <= 3 ? { init: x } : { feed: x }));
        await checkModel({ opType: OP_TYPE[cell], opset, attrs: onnxAttrs(op), inputs, outputs: allOutputs(n) });
      });
    }

    test(`${cell}: only X, W, R (every optional input absent)`, async () => {
      const op = rnnOp(cell, 'forward', 4);
      const t = randomInputs(op, SIZES, 12);
      const spec = { opType: OP_TYPE[cell], opset: 14, attrs: { hidden_size: 4 }, inputs: modelInputs(t.slice(0, 3)), outputs: allOutputs(n) };
      const g = await checkModel(spec);
      // The absent inputs became constants feeding the one rnn node.
      const node = g.nodes.find((x) => x.op.kind === 'rnn')!;
      expect(node.inputs.slice(3).every((v) => v.isConstant)).toBe(true);
    });

    test(`${cell}: absent inputs in the middle ('' slots)`, async () => {
      const op = rnnOp(cell, 'reverse', 3);
      const t = randomInputs(op, SIZES, 13);
      // No B and no sequence_lens, but initial_h (and for LSTM no initial_c, with P).
      const inputs = modelInputs(t, (i, x) => (i === 3 || i === 4 || i === 6 ? null : { feed: x }));
      await checkModel({ opType: OP_TYPE[cell], opset: 14, attrs: { hidden_size: 3, direction: 'reverse' }, inputs, outputs: allOutputs(n) });
    });

    test(`${cell}: output subsets`, async () => {
      const op = rnnOp(cell, 'bidirectional', 2);
      const t = randomInputs(op, SIZES, 14, [2, 4, 1]);
      const subsets = cell === 'lstm' ? [[true], [false, true], [false, false, true], [true, false, true]] : [[true], [false, true]];
      for (const outputs of subsets) await checkModel({ opType: OP_TYPE[cell], opset: 14, attrs: onnxAttrs(op), inputs: modelInputs(t), outputs });
    });

    test(`${cell}: layout 1`, async () => {
      const op = rnnOp(cell, 'bidirectional', 3, { clip: 0.9 });
      const t = randomInputs(op, SIZES, 15, [3, 4, 2]);
      const swap = (x: Tensor, perm: number[]) => evaluate({ kind: 'transpose', perm }, [x])[0]!;
      // Batch-first X [B, S, I] and states [B, D, H].
      const batchFirst = t.map((x, i) => (i === 0 || i === 5 || i === 6 ? swap(x, [1, 0, 2]) : x));
      const model = buildRecurrentModel({ opType: OP_TYPE[cell], opset: 14, attrs: { ...onnxAttrs(op), layout: 1 }, inputs: modelInputs(batchFirst), outputs: allOutputs(n) });
      const got = evaluateGraph(importBytes(model.bytes), model.feeds);
      const ref = buildRecurrentModel({ opType: OP_TYPE[cell], opset: 14, attrs: onnxAttrs(op), inputs: modelInputs(t), outputs: allOutputs(n) });
      const want = await runOrt(ref.bytes, ref.feeds, false);
      expectNear(got.get('out0')!, swap(want.out0!, [2, 0, 1, 3]), 'Y');
      for (let i = 1; i < n; i++) expectNear(got.get(`out${i}`)!, swap(want[`out${i}`]!, [1, 0, 2]), `output ${i}`);
    });

    test(`${cell}: symbolic batch and sequence`, async () => {
      const op = rnnOp(cell, 'bidirectional', 3);
      const t = randomInputs(op, SIZES, 16);
      const inputs: ModelInput[] = [{ feed: t[0]!, dims: ['sequence', 'batch', 5] }, { init: t[1]! }, { init: t[2]! }];
      const spec: ModelSpec = { opType: OP_TYPE[cell], opset: 14, attrs: { hidden_size: 3, direction: 'bidirectional' }, inputs, outputs: allOutputs(n) };
      // Unbound: zero states and full lengths are computed from the input's shape at run time.
      const g = await checkModel(spec);
      expect(g.outputs[0]!.type.shape).toEqual(['sequence', 2, 'batch', 3]);
      // Bound: the same values fold to constants.
      const bound = await checkModel(spec, { sequence: 4, batch: 3 });
      expect(bound.nodes.map((x) => x.op.kind)).toEqual(['rnn']);
    });
  }

  test('lstm peepholes and input_forget', async () => {
    const op = rnnOp('lstm', 'bidirectional', 3, { inputForget: true });
    const t = randomInputs(op, SIZES, 17, [4, 2, 3]);
    await checkModel({ opType: 'LSTM', opset: 14, attrs: onnxAttrs(op), inputs: modelInputs(t), outputs: [true, true, true] });
  });

  test('activations: names in any case, parameters consumed by the functions that take them', async () => {
    const attrs: Record<string, Attr> = {
      hidden_size: 3,
      direction: 'bidirectional',
      activations: { strings: ['HardSigmoid', 'leakyrelu', 'SOFTSIGN', 'Sigmoid', 'ScaledTanh', 'Elu'] },
      activation_alpha: { floats: [0.3, 0.2, 0.9, 0.7] },
      activation_beta: { floats: [0.6, 1.2] },
    };
    const weights = modelInputs(randomInputs(rnnOp('lstm', 'bidirectional', 3), SIZES, 18).slice(0, 3));
    const { bytes } = buildRecurrentModel({ opType: 'LSTM', opset: 14, attrs, inputs: weights, outputs: [true] });
    const op = importBytes(bytes).nodes.find((x) => x.op.kind === 'rnn')!.op;
    expect(op).toMatchObject({
      activations: ['hardSigmoid', 'leakyRelu', 'softsign', 'sigmoid', 'scaledTanh', 'elu'],
      activationAlpha: [0.3, 0.2, 0, 0, 0.9, 0.7].map(Math.fround),
      activationBeta: [0.6, 0, 0, 0, 1.2, 0].map(Math.fround),
    });
    // onnxruntime lower-cases LSTM activation names too, so it runs this model as written.
    const t = randomInputs(rnnOp('lstm', 'bidirectional', 3), SIZES, 18);
    await checkModel({ opType: 'LSTM', opset: 14, attrs, inputs: modelInputs(t), outputs: [true, true, true] });
  });

  test('activation parameter defaults are the ONNX operators’ defaults', async () => {
    // LeakyRelu 0.01, HardSigmoid 0.2 / 0.5, Elu 1: onnxruntime agrees, so run it.
    const t = randomInputs(rnnOp('gru', 'bidirectional', 3), SIZES, 19);
    const attrs: Record<string, Attr> = { hidden_size: 3, direction: 'bidirectional', activations: { strings: ['HardSigmoid', 'LeakyRelu', 'Sigmoid', 'Elu'] } };
    const g = await checkModel({ opType: 'GRU', opset: 14, attrs, inputs: modelInputs(t), outputs: [true, true] });
    expect(g.nodes.find((x) => x.op.kind === 'rnn')!.op).toMatchObject({ activationAlpha: [0.2, 0.01, 0, 1], activationBeta: [0.5, 0, 0, 0] });
    // ThresholdedRelu α 1, Affine α 1 β 0, ScaledTanh α 1 β 1 (onnxruntime uses 0 for these, so
    // only the import is checked); a short list gives its values first, defaults after.
    const spec: ModelSpec = {
      opType: 'LSTM',
      opset: 14,
      attrs: { hidden_size: 2, activations: { strings: ['ThresholdedRelu', 'Affine', 'ScaledTanh'] }, activation_alpha: { floats: [0.5] } },
      inputs: modelInputs(randomInputs(rnnOp('lstm', 'forward', 2), SIZES, 20).slice(0, 3)),
      outputs: [true],
    };
    const op = importBytes(buildRecurrentModel(spec).bytes).nodes.find((x) => x.op.kind === 'rnn')!.op;
    expect(op).toMatchObject({ activationAlpha: [0.5, 1, 1], activationBeta: [0, 0, 1] });
  });

  test('the imported rnn prints as IR text and parses back', () => {
    const op = rnnOp('lstm', 'bidirectional', 2, {
      clip: 2.5,
      inputForget: true,
      activations: ['hardSigmoid', 'tanh', 'affine', 'sigmoid', 'elu', 'softsign'],
      activationAlpha: [0.25, 0, 0.5, 0, 0.75, 0],
      activationBeta: [0.5, 0, -1, 0, 0, 0],
    });
    const t = randomInputs(op, SIZES, 22);
    // Symbolic dims keep the shape / expand nodes that build the absent inputs in the text.
    const inputs: ModelInput[] = [{ feed: t[0]!, dims: ['sequence', 'batch', 5] }, { init: t[1]! }, { init: t[2]! }];
    const { bytes, feeds } = buildRecurrentModel({ opType: 'LSTM', opset: 14, attrs: onnxAttrs(op), inputs, outputs: [true, true, true] });
    const g = importBytes(bytes);
    const text = printGraph(g);
    expect(text).toContain('activations = [hardSigmoid, tanh, affine, sigmoid, elu, softsign]');
    const back = parseGraph(text);
    expect(printGraph(back)).toBe(text);
    const a = evaluateGraph(g, feeds);
    const b = evaluateGraph(back, feeds);
    for (const [name, v] of a) expect(b.get(name)!.data).toEqual(v.data);
  });

  test('malformed nodes are errors naming the problem', () => {
    const t = randomInputs(rnnOp('gru', 'forward', 3), SIZES, 21);
    const importSpec = (attrs: Record<string, Attr>, opset = 14, outputs = [true]) =>
      importBytes(buildRecurrentModel({ opType: 'GRU', opset, attrs: { hidden_size: 3, ...attrs }, inputs: modelInputs(t.slice(0, 3)), outputs }).bytes);
    expect(() => importSpec({ activations: { strings: ['Sigmoid'] } })).toThrow(/needs 2 activations/);
    expect(() => importSpec({ activations: { strings: ['Sigmoid', 'Gelu'] } })).toThrow(/activation function 'Gelu'/);
    expect(() => importSpec({ activation_alpha: { floats: [1] } })).toThrow(/more than the activations/);
    expect(() => importSpec({ direction: 'sideways' })).toThrow(/direction 'sideways'/);
    expect(() => importSpec({ layout: 1 }, 13)).toThrow(/'layout' exists from opset 14/);
    expect(() => importSpec({ hidden_size: 4 })).toThrow(/w must have dims \[1, 12, 5\]/);
    expect(() => importSpec({ clip: { float: -1 } })).toThrow(/clip must be positive/);
  });
});

// The ONNX backend node tests: reference outputs from ONNX's own implementation, which also
// covers layout 1 (the *_batchwise cases) independently of onnxruntime. Missing data fails (via
// checkDataInstalled) rather than skipping, like the conformance suite.
const NODE_TESTS = join(dataRoot(), 'node');
describe('ONNX backend node tests', () => {
  checkDataInstalled();
  const cases = readdirSync(NODE_TESTS).filter((n) => /^test_(lstm|gru|rnn|simple_rnn)_/.test(n));
  test('the recurrent cases are there', () => expect(cases.length).toBeGreaterThanOrEqual(12));
  test.each(cases)('%s', (name) => {
    const data = join(NODE_TESTS, name, 'test_data_set_0');
    const files = readdirSync(data).sort();
    expect(files.some((f) => f.startsWith('output')), `${name} has no reference outputs`).toBe(true);
    const g = importModel(loadModelFile(join(NODE_TESTS, name, 'model.onnx')));
    verifyGraph(g);
    const read = (prefix: string) => files.filter((f) => f.startsWith(prefix)).map((f) => decodeTensorFile(readFileSync(join(data, f)), f));
    const feeds = Object.fromEntries(read('input').map((t, i) => [g.inputs[i]!.name, t]));
    const got = evaluateGraph(g, feeds);
    read('output').forEach((want, i) => expectNear(got.get(g.outputs[i]!.name)!, want, `${name} output ${i}`));
  });
});

describe('zoo recurrent models vs onnxruntime', () => {
  // Token ids as models.json gives them: int64 [batch, sequence] in [0, 299].
  for (const [batch, sequence] of [
    [1, 20],
    [3, 7],
  ] as const) {
    test(`lstm_tagger (bidirectional LSTM ×2, opset 13), batch ${batch} sequence ${sequence}`, async () => {
      const path = join(ZOO, 'lstm_tagger.onnx');
      const g = importModel(loadModelFile(path), { dims: { batch, sequence } });
      verifyGraph(g);
      expect(g.nodes.filter((x) => x.op.kind === 'rnn')).toHaveLength(2);
      const ids = randomTensor('int64', [batch, sequence], rng(30 + batch), 0, 299);
      const got = evaluateGraph(g, { ids });
      const want = await runOrt(path, { ids });
      expect(Object.keys(want).length).toBeGreaterThan(0);
      for (const [name, t] of Object.entries(want)) expectNear(got.get(name)!, t, `lstm_tagger ${name}`);
    });
  }

  const dtln = join(ZOO, 'real/dtln_model_1.onnx');
  test('dtln_model_1 (LSTM with initial states, opset 11)', async () => {
    const g = importModel(loadModelFile(dtln));
    verifyGraph(g);
    const rand = rng(31);
    const feeds = { input_2: randomTensor('float32', [1, 1, 257], rand, 0, 2), input_3: randomTensor('float32', [1, 2, 128, 2], rand, -1, 1) };
    const got = evaluateGraph(g, feeds);
    const want = await runOrt(dtln, feeds);
    for (const [name, t] of Object.entries(want)) expectNear(got.get(name)!, t, `dtln_model_1 ${name}`);
  });
});
