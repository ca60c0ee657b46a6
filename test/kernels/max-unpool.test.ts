/**
 * MaxUnpool on the GPU: its import (expand of zeros, reshapes, scatterND) runs node by node on the
 * kernels, for the ONNX backend tests and for a larger random model checked against the CPU
 * reference of the same graph.
 */

import { describe, expect, it } from 'vitest';
import { generateExpand } from '../../codegen/kernels/movement.js';
import { generateScatterND } from '../../codegen/kernels/scatter.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { loadBackendCase, runCaseOnOrt } from '../eval/helpers/backend-data.js';
import { buildModel } from '../eval/helpers/onnx-model.js';
import { expectClose, tensor } from '../eval/helpers/tensors.js';
import { randomTensor, rng } from '../helpers/random.js';
import { expectBackendCaseOnGpu, runCaseOnGpu } from './backend.js';

const generators = { expand: generateExpand, scatterND: generateScatterND };

describe('backend tests on the GPU', () => {
  it('test_maxunpool_export_without_output_shape', () =>
    expectBackendCaseOnGpu('test_maxunpool_export_without_output_shape', generators, { kinds: ['scatterND', 'expand'] }));
  it('test_maxunpool_export_with_output_shape (flat indices, as onnxruntime: see test/eval/max-unpool.test.ts)', async () => {
    const name = 'test_maxunpool_export_with_output_shape';
    const got = await runCaseOnGpu(loadBackendCase(name, ['output_shape']), generators);
    expectClose(got.get('y')!, (await runCaseOnOrt(name)).get('y')!, {}, name);
  });
});

describe('MaxUnpool', () => {
  it('a 2×3×9×11 unpool with strides and pads matches the CPU reference', async () => {
    const r = rng(3);
    const dims = [2, 3, 9, 11];
    const out = [2, 3, 17, 21]; // (9−1)·2 + 3 − 1 − 1, (11−1)·2 + 3 − 1 − 1
    const total = out.reduce((a, b) => a * b, 1);
    // One index per pooled value, distinct (594 · 3 < 2142): a stride-3 walk over the output,
    // each step offset at random within its 3 elements.
    const count = dims.reduce((a, b) => a * b, 1);
    expect(count * 3).toBeLessThanOrEqual(total);
    const indices = tensor('int64', dims, Array.from({ length: count }, (_, i) => i * 3 + Math.floor(r() * 3)));
    const x = randomTensor('float32', dims, r, -3, 3);
    const { bytes, feeds } = buildModel({
      opType: 'MaxUnpool',
      inputs: [x, indices],
      attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
      outputs: ['float32'],
      opset: 11,
    });
    const graph = importModel(decodeModel(bytes));
    expect(graph.outputs[0]!.type.shape).toEqual(out);
    const c = { name: 'maxunpool', graph, feeds, expected: new Map() };
    const got = await runCaseOnGpu(c, generators);
    expectClose(got.get('out0')!, evaluateGraph(graph, feeds).get('out0')!, {}, 'MaxUnpool');
  });
});
