/**
 * GridSample kernel: the ONNX backend tests on the GPU, then random grids (inside and far outside
 * [−1, 1]) against the CPU reference — every mode × padding × alignCorners in 2-D, 1-D and 3-D
 * samples (cubic included), float16, odd sizes and a capped dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generateGridSample } from '../../codegen/kernels/grid-sample.js';
import type { Tensor } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { randomTensor, rng } from '../helpers/random.js';
import { expectBackendCaseOnGpu } from './backend.js';
import { check } from './harness.js';

describe('backend tests on the GPU', () => {
  const names = [
    'test_gridsample',
    'test_gridsample_aligncorners_true',
    'test_gridsample_bicubic',
    'test_gridsample_bilinear',
    'test_gridsample_border_padding',
    'test_gridsample_nearest',
    'test_gridsample_reflection_padding',
    'test_gridsample_zeros_padding',
  ];
  for (const name of names) it(name, () => expectBackendCaseOnGpu(name, { gridSample: generateGridSample }, { kinds: ['gridSample'] }));
});

type GridSampleOp = Extract<Op, { kind: 'gridSample' }>;
const r = rng(9);

/** Points mostly in [−1.2, 1.2], every 7th far outside (several reflection periods). */
function randomGrid(dims: number[]): Tensor {
  const g = randomTensor('float32', dims, r, -1.2, 1.2);
  const d = g.data as Float32Array;
  for (let i = 0; i < d.length; i += 7) d[i] = (r() - 0.5) * 12;
  return g;
}

const TOL = { rtol: 1e-4, atol: 1e-5 };

describe('gridSample 2-D', () => {
  const x = randomTensor('float32', [2, 3, 5, 7], r, -2, 2);
  const grid = randomGrid([2, 5, 6, 2]);
  for (const mode of ['linear', 'nearest', 'cubic'] as const) {
    for (const padding of ['zeros', 'border', 'reflection'] as const) {
      it(`${mode}, ${padding}, alignCorners false and true`, async () => {
        for (const alignCorners of [false, true]) {
          const op: GridSampleOp = { kind: 'gridSample', mode, padding, alignCorners };
          await check(generateGridSample, op, [x, grid], TOL);
        }
      });
    }
  }
});

describe('gridSample in other ranks and types', () => {
  it('1-D and 3-D, every mode', async () => {
    const x1 = randomTensor('float32', [2, 3, 9], r, -2, 2);
    const x3 = randomTensor('float32', [1, 2, 3, 4, 5], r, -2, 2);
    for (const mode of ['linear', 'nearest', 'cubic'] as const) {
      await check(generateGridSample, { kind: 'gridSample', mode, padding: 'reflection', alignCorners: false }, [x1, randomGrid([2, 11, 1])], TOL);
      await check(generateGridSample, { kind: 'gridSample', mode, padding: 'border', alignCorners: true }, [x3, randomGrid([1, 2, 3, 5, 3])], TOL);
    }
  });
  it('float16, capped dispatch', async () => {
    const x = randomTensor('float16', [1, 4, 6, 5], r, -2, 2);
    const grid = randomTensor('float16', [1, 9, 11, 2], r, -1.1, 1.1);
    const { kernels } = await check(generateGridSample, { kind: 'gridSample', mode: 'linear', padding: 'zeros', alignCorners: false }, [x, grid], {
      rtol: 2e-3,
      atol: 2e-3,
      limits: { maxComputeWorkgroupsPerDimension: 4 }, // 396 elements: 7 workgroups → 4 × 2
    });
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
});
