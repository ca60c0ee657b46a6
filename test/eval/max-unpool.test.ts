/**
 * MaxUnpool (imported as expand + scatterND + reshapes): the ONNX backend tests through import +
 * the CPU reference, then random one-node models against onnxruntime — with and without
 * output_shape, strides, pads, 1-D to 3-D.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { expectBackendCaseOnCpu, expectBackendOutputs, loadBackendCase, runCaseOnOrt } from './helpers/backend-data.js';
import { buildModel, runOrt, type AttrValue, type NodeSpec } from './helpers/onnx-model.js';
import { expectClose, randomTensor, rng, tensor } from './helpers/tensors.js';

describe('backend tests on the CPU reference', () => {
  it('test_maxunpool_export_without_output_shape', () => void expectBackendCaseOnCpu('test_maxunpool_export_without_output_shape'));

  // The data set reads the indices in the layout of the size inferred from kernel and strides
  // (4×4) and moves each value to the same coordinates of the 5×5 output. onnxruntime and the ONNX
  // reference implementation use them as flat indices into the output itself — what MaxPool's
  // indices are, so what real models need — and so do we: this test's data is not matched.
  it('test_maxunpool_export_with_output_shape: flat indices into output_shape, as onnxruntime', async () => {
    const name = 'test_maxunpool_export_with_output_shape';
    const c = loadBackendCase(name, ['output_shape']);
    const got = evaluateGraph(c.graph, c.feeds).get('y')!;
    expectClose(got, (await runCaseOnOrt(name)).get('y')!, {}, name);
    expect(() => expectBackendOutputs(c, new Map([['y', got]]))).toThrow(/element 5 of 25/);
  });
});

/** Imports the one-node model of `spec` and evaluates it on the CPU reference. */
function importAndEvaluate(spec: NodeSpec): Tensor {
  const { bytes, feeds } = buildModel(spec);
  const graph = importModel(decodeModel(bytes));
  expect(graph.nodes.some((n) => n.op.kind === 'scatterND')).toBe(true);
  return evaluateGraph(graph, feeds).get('out0')!;
}

describe('MaxUnpool vs onnxruntime', () => {
  const r = rng(61);
  const cases: { x: number[]; out: number[]; attrs: Record<string, AttrValue>; explicit: boolean }[] = [
    { x: [2, 3, 4, 5], out: [2, 3, 8, 10], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, explicit: false },
    { x: [1, 2, 3, 3], out: [1, 2, 5, 6], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 1] }, explicit: false },
    { x: [1, 2, 4, 4], out: [1, 2, 9, 9], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, explicit: true },
    { x: [2, 2, 7], out: [2, 2, 15], attrs: { kernel_shape: [3], strides: [2] }, explicit: false },
    { x: [1, 2, 2, 3, 2], out: [1, 2, 4, 6, 4], attrs: { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }, explicit: false },
  ];
  for (const c of cases) {
    it(`X [${c.x}] → [${c.out}] ${JSON.stringify(c.attrs)}${c.explicit ? ' with output_shape' : ''}`, async () => {
      const x = randomTensor(r, 'float32', c.x);
      const total = c.out.reduce((a, b) => a * b, 1);
      // Distinct random flat positions in the output (a shuffled prefix of 0..total-1).
      const positions = Array.from({ length: total }, (_, i) => i);
      for (let i = total - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [positions[i], positions[j]] = [positions[j]!, positions[i]!];
      }
      const indices = tensor('int64', c.x, positions.slice(0, x.data.length));
      const inputs = c.explicit ? [x, indices, { const: tensor('int64', [c.out.length], c.out) }] : [x, indices];
      const spec: NodeSpec = { opType: 'MaxUnpool', inputs, attrs: c.attrs, outputs: ['float32'], opset: 11 };
      const [want] = await runOrt(spec);
      expectClose(importAndEvaluate(spec), want!, {}, 'MaxUnpool');
    });
  }
});
