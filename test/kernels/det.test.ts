/**
 * Det kernel: the ONNX backend tests on the GPU, then random batches against the CPU reference —
 * 1×1 to 9×9 in a private array, 17×17 through the scratch buffer, singular matrices (exact 0),
 * float16, a capped dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generateDet } from '../../codegen/kernels/det.js';
import { tensor } from '../eval/helpers/tensors.js';
import { randomTensor, rng } from '../helpers/random.js';
import { expectBackendCaseOnGpu } from './backend.js';
import { check } from './harness.js';

describe('backend tests on the GPU', () => {
  for (const name of ['test_det_2d', 'test_det_nd']) it(name, () => expectBackendCaseOnGpu(name, { det: generateDet }, { kinds: ['det'] }));
});

const r = rng(17);
// f32 elimination against the f64 reference: a few ulps per step, relative to |det|.
const TOL = { rtol: 1e-4, atol: 1e-5 };

describe('det', () => {
  for (const dims of [[1, 1], [7, 2, 2], [3, 3, 3], [2, 3, 5, 5], [5, 9, 9]]) {
    it(`[${dims}] in a private array`, async () => {
      const { kernels } = await check(generateDet, { kind: 'det' }, [randomTensor('float32', dims, r, -1, 1)], TOL);
      expect(kernels[0]!.outputs.length).toBe(1);
    });
  }
  it('[3, 17, 17] through the scratch buffer', async () => {
    const { kernels } = await check(generateDet, { kind: 'det' }, [randomTensor('float32', [3, 17, 17], r, -1, 1)], { rtol: 1e-3, atol: 1e-4 });
    expect(kernels[0]!.outputs.length).toBe(2);
  });
  it('singular matrices give exactly 0; row swaps flip the sign', async () => {
    const x = tensor('float32', [3, 3, 3], [1, 2, 3, 2, 4, 6, 0, 1, 5, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
    await check(generateDet, { kind: 'det' }, [x], { rtol: 0, atol: 0 });
  });
  it('float16, capped dispatch', async () => {
    const { kernels } = await check(generateDet, { kind: 'det' }, [randomTensor('float16', [300, 3, 3], r, -1, 1)], {
      rtol: 5e-3,
      atol: 5e-3,
      limits: { maxComputeWorkgroupsPerDimension: 3 }, // 300 matrices: 5 workgroups → 3 × 2
    });
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
});
