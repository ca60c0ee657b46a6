/**
 * det: the ONNX backend tests through import + the CPU reference, then random batches of
 * matrices (1×1 to 9×9, singular ones, float16) against onnxruntime.
 */

import { describe, expect, it } from 'vitest';
import { evaluate } from '../../ir/eval/index.js';
import { expectBackendCaseOnCpu } from './helpers/backend-data.js';
import { expectMatchesOrt } from './helpers/check.js';
import { randomTensor, rng, tensor } from './helpers/tensors.js';

describe('backend tests on the CPU reference', () => {
  for (const name of ['test_det_2d', 'test_det_nd']) it(name, () => void expectBackendCaseOnCpu(name));
});

describe('det vs onnxruntime', () => {
  const r = rng(81);
  for (const dims of [[1, 1], [3, 2, 2], [4, 3, 3], [2, 2, 4, 4], [5, 5], [3, 9, 9]]) {
    it(`float32 [${dims}]`, async () => {
      const x = randomTensor(r, 'float32', dims, { min: -1, max: 1 });
      // onnxruntime computes in float32; the reference in float64.
      await expectMatchesOrt({ kind: 'det' }, [x], { opType: 'Det' }, { rtol: 1e-4, atol: 1e-5 });
    });
  }
  it('a singular matrix and a permuted identity', () => {
    const x = tensor('float32', [2, 3, 3], [1, 2, 3, 2, 4, 6, 0, 1, 5, 0, 1, 0, 0, 0, 1, 1, 0, 0]);
    const [y] = evaluate({ kind: 'det' }, [x]);
    expect(Array.from(y!.data as Float32Array)).toEqual([0, 1]);
  });
  it('float16', async () => {
    const x = randomTensor(r, 'float16', [3, 3, 3], { min: -1, max: 1 });
    await expectMatchesOrt({ kind: 'det' }, [x], { opType: 'Det' }, { rtol: 5e-3, atol: 5e-3 });
  });
});
