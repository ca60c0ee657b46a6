/**
 * Layer normalization against the CPU reference: normalizing over one, two or all trailing axes
 * (short rows by a loop, long rows by a workgroup), full-size and broadcast scale/bias, no bias,
 * inputs with a large common offset (where one-pass variance would cancel), and a capped dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generateLayerNorm } from '../../codegen/kernels/layer-norm.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

const DIMS = [4, 37, 29];

describe('layerNorm', () => {
  it('over each trailing axis range, scale and bias full-size', async () => {
    const r = rng(1);
    const x = randomTensor('float32', DIMS, r, -3, 3);
    for (const axis of [0, 1, 2]) {
      const norm = DIMS.slice(axis);
      const scale = randomTensor('float32', norm, r, 0.5, 1.5);
      const bias = randomTensor('float32', norm, r, -1, 1);
      await check(generateLayerNorm, { kind: 'layerNorm', axis, epsilon: 1e-5 }, [x, scale, bias], { rtol: 2e-5, atol: 2e-6 });
    }
  });
  it('broadcast scale/bias, no bias, and a larger epsilon', async () => {
    const r = rng(2);
    const x = randomTensor('float32', DIMS, r, -3, 3);
    const scale = randomTensor('float32', [29], r, 0.5, 1.5);
    const bias = randomTensor('float32', [1, 29], r, -1, 1);
    await check(generateLayerNorm, { kind: 'layerNorm', axis: 1, epsilon: 1e-3 }, [x, scale, bias], { rtol: 2e-5, atol: 2e-6 });
    await check(generateLayerNorm, { kind: 'layerNorm', axis: 2, epsilon: 1e-5 }, [x, scale], { rtol: 2e-5, atol: 2e-6 });
  });
  it('is stable for inputs with a large common offset', async () => {
    const r = rng(3);
    const x = randomTensor('float32', [6, 768], r, 1000, 1001);
    const scale = randomTensor('float32', [768], r, 0.5, 1.5);
    const bias = randomTensor('float32', [768], r, -1, 1);
    // A mean rounded to f32 near 1000 would be off by ~3e-5, i.e. 1e-4 of the output's scale.
    await check(generateLayerNorm, { kind: 'layerNorm', axis: 1, epsilon: 1e-5 }, [x, scale, bias], { rtol: 2e-5, atol: 2e-6 });
  });
  it('splits rows over a 2-d grid in both strategies', async () => {
    const r = rng(4);
    // 7 rows of 7200: a workgroup per row, 7 groups → 3 × 3; 200 rows of 30: a loop per row,
    // 4 groups of 64 → 2 × 2.
    for (const [dims, grid] of [[[7, 7200], [3, 3, 1]], [[200, 30], [2, 2, 1]]] as const) {
      const x = randomTensor('float32', [...dims], r, -2, 2);
      const { kernels } = await check(generateLayerNorm, { kind: 'layerNorm', axis: 1, epsilon: 1e-5 }, [x, randomTensor('float32', [dims[1]], r)], {
        limits: { maxComputeWorkgroupsPerDimension: 3 },
        rtol: 2e-5,
        atol: 2e-6,
      });
      expect(kernels[0]!.workgroups).toEqual(grid);
    }
  });
});
