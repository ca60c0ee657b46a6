/**
 * RoiAlign kernel: the ONNX backend tests on the GPU, then random maps and boxes (partly outside,
 * inverted) against the CPU reference — avg and max, both coordinate modes, fixed and adaptive
 * sampling, a spatial scale, float16, odd sizes.
 */

import { describe, it } from 'vitest';
import { generateRoiAlign } from '../../codegen/kernels/roi-align.js';
import type { Tensor } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { tensor } from '../eval/helpers/tensors.js';
import { randomTensor, rng } from '../helpers/random.js';
import { expectBackendCaseOnGpu } from './backend.js';
import { check } from './harness.js';

describe('backend tests on the GPU', () => {
  for (const name of ['test_roialign_aligned_false', 'test_roialign_aligned_true']) {
    it(name, () => expectBackendCaseOnGpu(name, { roiAlign: generateRoiAlign }, { kinds: ['roiAlign'] }));
  }
});

type RoiAlignOp = Extract<Op, { kind: 'roiAlign' }>;
const r = rng(13);

function boxes(count: number, h: number, w: number, scale: number): Tensor {
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const x1 = (r() * (w + 4) - 2) / scale;
    const y1 = (r() * (h + 4) - 2) / scale;
    const sign = i % 5 === 4 ? -1 : 1;
    values.push(x1, y1, x1 + (sign * r() * w) / scale, y1 + (sign * r() * h) / scale);
  }
  return tensor('float32', [count, 4], values);
}

describe('roiAlign', () => {
  const x = randomTensor('float32', [2, 3, 11, 13], r, -2, 2);
  const batch = tensor('int64', [7], [0, 1, 1, 0, 1, 0, 1]);
  for (const mode of ['avg', 'max'] as const) {
    for (const halfPixel of [true, false]) {
      it(`${mode}, ${halfPixel ? 'half_pixel' : 'output_half_pixel'}, adaptive and fixed sampling`, async () => {
        for (const [samplingRatio, spatialScale] of [[0, 1], [2, 0.5]] as const) {
          const op: RoiAlignOp = { kind: 'roiAlign', mode, outputHeight: 3, outputWidth: 5, samplingRatio, spatialScale, halfPixel };
          await check(generateRoiAlign, op, [x, boxes(7, 11, 13, spatialScale), batch], { rtol: 1e-4, atol: 1e-5 });
        }
      });
    }
  }
  it('float16', async () => {
    const xh = randomTensor('float16', [1, 2, 9, 7], r, -2, 2);
    const rois: Tensor = { ...boxes(5, 9, 7, 1), dtype: 'float16' };
    const op: RoiAlignOp = { kind: 'roiAlign', mode: 'avg', outputHeight: 2, outputWidth: 3, samplingRatio: 0, spatialScale: 1, halfPixel: true };
    await check(generateRoiAlign, op, [xh, rois, tensor('int64', [5], [0, 0, 0, 0, 0])], { rtol: 2e-3, atol: 2e-3 });
  });
});
