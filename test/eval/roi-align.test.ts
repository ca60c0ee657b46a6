/**
 * roiAlign: the ONNX backend tests through import + the CPU reference, then random maps and boxes
 * (some partly or wholly outside the map, some inverted) against onnxruntime for avg and max,
 * both coordinate modes, fixed and adaptive sampling, spatial scales, and opset 10's default.
 */

import { describe, it } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { expectBackendCaseOnCpu } from './helpers/backend-data.js';
import { expectMatchesOrt } from './helpers/check.js';
import { randomTensor, rng, tensor } from './helpers/tensors.js';

describe('backend tests on the CPU reference', () => {
  for (const name of ['test_roialign_aligned_false', 'test_roialign_aligned_true']) it(name, () => void expectBackendCaseOnCpu(name));
});

type RoiAlignOp = Extract<Op, { kind: 'roiAlign' }>;

/** Boxes in map coordinates / scale: mostly inside, some past the edges, some inverted. */
function randomBoxes(random: () => number, count: number, h: number, w: number, scale: number): Tensor {
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const x1 = (random() * (w + 4) - 2) / scale;
    const y1 = (random() * (h + 4) - 2) / scale;
    const sign = i % 5 === 4 ? -1 : 1; // every fifth box inverted (x2 < x1)
    values.push(x1, y1, x1 + (sign * random() * w) / scale, y1 + (sign * random() * h) / scale);
  }
  return tensor('float32', [count, 4], values);
}

describe('roiAlign vs onnxruntime', () => {
  const r = rng(71);
  const x = randomTensor(r, 'float32', [2, 3, 11, 13]);
  const batch = tensor('int64', [7], [0, 1, 1, 0, 1, 0, 0]);
  for (const mode of ['avg', 'max'] as const) {
    for (const halfPixel of [true, false]) {
      it(`${mode}, ${halfPixel ? 'half_pixel' : 'output_half_pixel'}, sampling 0 and 2, scales 1 and 0.5`, async () => {
        for (const [samplingRatio, spatialScale] of [[0, 1], [2, 0.5], [3, 1]] as const) {
          const op: RoiAlignOp = { kind: 'roiAlign', mode, outputHeight: 3, outputWidth: 4, samplingRatio, spatialScale, halfPixel };
          const attrs = {
            mode,
            output_height: 3,
            output_width: 4,
            sampling_ratio: samplingRatio,
            spatial_scale: { float: spatialScale },
            coordinate_transformation_mode: halfPixel ? 'half_pixel' : 'output_half_pixel',
          };
          const rois = randomBoxes(r, 7, 11, 13, spatialScale);
          await expectMatchesOrt(op, [x, rois, batch], { opType: 'RoiAlign', attrs, opset: 16 }, { rtol: 1e-4, atol: 1e-5 });
        }
      });
    }
  }
  it('opset 10 (output_half_pixel implied)', async () => {
    const rois = randomBoxes(r, 7, 11, 13, 1);
    const op: RoiAlignOp = { kind: 'roiAlign', mode: 'avg', outputHeight: 2, outputWidth: 5, samplingRatio: 0, spatialScale: 1, halfPixel: false };
    await expectMatchesOrt(op, [x, rois, batch], { opType: 'RoiAlign', attrs: { output_height: 2, output_width: 5 }, opset: 10 }, { rtol: 1e-4, atol: 1e-5 });
  });
});
