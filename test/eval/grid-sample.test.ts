/**
 * gridSample: the ONNX backend tests through import + the CPU reference, then random grids
 * (inside and well outside [−1, 1]) against onnxruntime for every mode × padding × alignCorners
 * in 2-D (opset 16 names) and linear/nearest in 3-D (opset 20; onnxruntime has no 3-D cubic).
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import type { Op } from '../../ir/ops.js';
import { expectBackendCaseOnCpu } from './helpers/backend-data.js';
import { expectMatchesOrt } from './helpers/check.js';
import { randomTensor, rng, tensor } from './helpers/tensors.js';

const BACKEND = [
  'test_gridsample',
  'test_gridsample_aligncorners_true',
  'test_gridsample_bicubic',
  'test_gridsample_bilinear',
  'test_gridsample_border_padding',
  'test_gridsample_nearest',
  'test_gridsample_reflection_padding',
  'test_gridsample_zeros_padding',
];

describe('backend tests on the CPU reference', () => {
  for (const name of BACKEND) it(name, () => void expectBackendCaseOnCpu(name));
});

type GridSampleOp = Extract<Op, { kind: 'gridSample' }>;
const MODES: GridSampleOp['mode'][] = ['linear', 'nearest', 'cubic'];
const PADDINGS: GridSampleOp['padding'][] = ['zeros', 'border', 'reflection'];
const LEGACY_NAMES = { linear: 'bilinear', nearest: 'nearest', cubic: 'bicubic' } as const;

/** A grid of points mostly in [−1.2, 1.2], a few far outside (several reflection periods). */
function randomGrid(random: () => number, dims: number[]): Tensor {
  const g = randomTensor(random, 'float32', dims, { min: -1.2, max: 1.2 });
  const d = g.data as Float32Array;
  for (let i = 0; i < d.length; i += 7) d[i] = (random() - 0.5) * 12;
  return g;
}

describe('gridSample vs onnxruntime, 2-D', () => {
  const r = rng(51);
  const x = randomTensor(r, 'float32', [2, 3, 5, 7]);
  const grid = randomGrid(r, [2, 4, 6, 2]);
  for (const mode of MODES) {
    for (const padding of PADDINGS) {
      it(`${mode}, ${padding}, alignCorners false and true`, async () => {
        for (const alignCorners of [false, true]) {
          const op: GridSampleOp = { kind: 'gridSample', mode, padding, alignCorners };
          await expectMatchesOrt(op, [x, grid], {
            opType: 'GridSample',
            attrs: { mode: LEGACY_NAMES[mode], padding_mode: padding, align_corners: Number(alignCorners) },
            opset: 16,
          }, { rtol: 1e-4, atol: 1e-5 });
        }
      });
    }
  }
});

describe('gridSample vs onnxruntime, 3-D (opset 20)', () => {
  const r = rng(52);
  const x = randomTensor(r, 'float32', [1, 2, 3, 4, 5]);
  const grid = randomGrid(r, [1, 2, 3, 5, 3]);
  for (const mode of ['linear', 'nearest'] as const) {
    for (const padding of PADDINGS) {
      it(`${mode}, ${padding}, alignCorners false and true`, async () => {
        for (const alignCorners of [false, true]) {
          const op: GridSampleOp = { kind: 'gridSample', mode, padding, alignCorners };
          await expectMatchesOrt(op, [x, grid], {
            opType: 'GridSample',
            attrs: { mode, padding_mode: padding, align_corners: Number(alignCorners) },
            opset: 20,
          }, { rtol: 1e-4, atol: 1e-5 });
        }
      });
    }
  }
});

describe('details', () => {
  it('nearest rounds half to even', () => {
    // Width 4 without alignCorners: g = −0.5 → x = 0.5 → pixel 0; g = 0.25 → x = 2.0; g = 0 → 1.5 → 2.
    const x = tensor('float32', [1, 1, 1, 4], [10, 11, 12, 13]);
    const grid = tensor('float32', [1, 1, 3, 2], [-0.5, 0, 0.25, 0, 0, 0]);
    const [y] = evaluate({ kind: 'gridSample', mode: 'nearest', padding: 'zeros', alignCorners: false }, [x, grid]);
    expect(Array.from(y!.data as Float32Array)).toEqual([10, 12, 12]);
  });
  it('rejects a grid whose last dim is not the spatial rank', () => {
    const x = tensor('float32', [1, 1, 2, 2], [1, 2, 3, 4]);
    expect(() => evaluate({ kind: 'gridSample', mode: 'linear', padding: 'zeros', alignCorners: false }, [x, tensor('float32', [1, 1, 1, 3], [0, 0, 0])])).toThrow(/does not match/);
  });
});
