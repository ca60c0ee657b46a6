/**
 * dft and STFT: the ONNX backend tests through import + the CPU reference (STFT's frame_step and
 * frame_length made constants), then random signals against onnxruntime — real and complex,
 * forward and inverse, onesided, every axis, dft_length padding and cutting, opset 17 and 20
 * forms — and STFT with and without a window.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { expectBackendCaseOnCpu } from './helpers/backend-data.js';
import { buildModel, runOrt, type NodeSpec } from './helpers/onnx-model.js';
import { expectClose, randomTensor, rng, tensor } from './helpers/tensors.js';

describe('backend tests on the CPU reference', () => {
  for (const name of ['test_dft', 'test_dft_axis', 'test_dft_inverse']) it(name, () => void expectBackendCaseOnCpu(name, [], { rtol: 1e-4, atol: 1e-4 }));
  it('test_stft', () => void expectBackendCaseOnCpu('test_stft', ['frame_step', 'frame_length'], { rtol: 1e-4, atol: 1e-4 }));
  it('test_stft_with_window', () => void expectBackendCaseOnCpu('test_stft_with_window', ['frame_step'], { rtol: 1e-4, atol: 1e-4 }));
});

/** Imports the one-node model of `spec`, evaluates it, and compares with onnxruntime. */
async function expectImportMatchesOrt(spec: NodeSpec, kind: string): Promise<void> {
  const { bytes, feeds } = buildModel(spec);
  const graph = importModel(decodeModel(bytes));
  expect(graph.nodes.some((n) => n.op.kind === kind)).toBe(true);
  const got = evaluateGraph(graph, feeds).get('out0')!;
  const [want] = await runOrt(spec);
  // onnxruntime sums in float32 (an FFT for powers of two, the direct sum otherwise).
  expectClose(got, want!, { rtol: 1e-4, atol: 1e-4 }, `${spec.opType} ${JSON.stringify(spec.attrs)}`);
}

const scalar = (v: number): { const: Tensor } => ({ const: tensor('int64', [], [v]) });

describe('DFT vs onnxruntime', () => {
  const r = rng(91);
  const real = randomTensor(r, 'float32', [2, 12, 5, 1]);
  const complex = randomTensor(r, 'float32', [2, 12, 5, 2]);
  for (const inverse of [0, 1]) {
    for (const onesided of inverse ? [0] : [0, 1]) {
      it(`opset 17, inverse ${inverse}, onesided ${onesided}, axes 1 and 2, real and complex`, async () => {
        for (const x of onesided ? [real] : [real, complex]) {
          for (const axis of [1, 2]) {
            await expectImportMatchesOrt({ opType: 'DFT', inputs: [x], attrs: { axis, inverse, onesided }, outputs: ['float32'], opset: 17 }, 'dft');
          }
        }
      });
    }
  }
  it('opset 17, dft_length longer and shorter than the axis', async () => {
    for (const length of [16, 7]) {
      await expectImportMatchesOrt({ opType: 'DFT', inputs: [complex, scalar(length)], attrs: { axis: 1 }, outputs: ['float32'], opset: 17 }, 'dft');
    }
  });
  it('opset 20: axis input (negative and default) and dft_length', async () => {
    await expectImportMatchesOrt({ opType: 'DFT', inputs: [complex, null, scalar(-3)], outputs: ['float32'], opset: 20 }, 'dft');
    await expectImportMatchesOrt({ opType: 'DFT', inputs: [real, scalar(9)], attrs: { onesided: 1 }, outputs: ['float32'], opset: 20 }, 'dft');
  });
});

describe('forms without an IR lowering', () => {
  it('rejects inverse with onesided (an inverse real FFT)', () => {
    const { bytes } = buildModel({ opType: 'DFT', inputs: [tensor('float32', [1, 4, 2], [1, 2, 3, 4, 5, 6, 7, 8])], attrs: { inverse: 1, onesided: 1 }, outputs: ['float32'], opset: 17 });
    expect(() => importModel(decodeModel(bytes))).toThrow(/inverse real FFT/);
  });
});

describe('STFT vs onnxruntime', () => {
  const r = rng(92);
  it('real signal with a window, onesided; complex signal with frame_length, two-sided', async () => {
    const signal = randomTensor(r, 'float32', [2, 50, 1]);
    const window = randomTensor(r, 'float32', [12], { min: 0, max: 1 });
    await expectImportMatchesOrt({ opType: 'STFT', inputs: [signal, scalar(5), window], outputs: ['float32'], opset: 17 }, 'dft');
    const complex = randomTensor(r, 'float32', [1, 40, 2]);
    await expectImportMatchesOrt(
      { opType: 'STFT', inputs: [complex, scalar(7), null, scalar(10)], attrs: { onesided: 0 }, outputs: ['float32'], opset: 17 },
      'dft',
    );
  });
});
