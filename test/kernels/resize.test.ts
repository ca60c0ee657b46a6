/**
 * Resize against the CPU reference: nearest under every (nearest mode × coordinate mode) pair with
 * ties, linear and cubic (both coefficients, exclude_outside) on the NCHW spatial case and on
 * other axes, upsampling and downsampling, given scales that differ from sizes/in, integer data,
 * tf_crop_and_resize without a roi input (the whole input: also the reference's align_corners
 * when the output has > 1 element), tf_half_pixel_for_nn, and a capped 2-d dispatch. Scales,
 * sizes and ROIs given at run time: resize-runtime.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { generateResize } from '../../codegen/kernels/resize.js';
import type { Op, ResizeCoordMode, ResizeNearestMode } from '../../ir/ops.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

type ResizeOp = Extract<Op, { kind: 'resize' }>;

const COORD: ResizeCoordMode[] = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric'];
const NEAREST: ResizeNearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

/** A resize op to `sizes`; scales default to sizes/in as ONNX derives them. */
function resize(x: Tensor, sizes: number[], extra: Partial<ResizeOp> = {}): ResizeOp {
  return {
    kind: 'resize',
    mode: 'nearest',
    coordMode: 'half_pixel',
    nearestMode: 'round_prefer_floor',
    cubicCoeffA: -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    scales: sizes.map((s, i) => s / x.dims[i]!),
    sizes,
    ...extra,
  };
}

const r = rng(1);
const X = randomTensor('float32', [2, 3, 6, 9], r, -5, 5);
// Upsample ×2 (asymmetric coordinates land on .5 ties), ×7/3, and downsample ×1/2 (half_pixel ties).
const SIZES = [
  [2, 3, 12, 21],
  [2, 3, 3, 5],
];

describe('nearest', () => {
  for (const coordMode of COORD) {
    it(`every nearest mode with ${coordMode}`, async () => {
      for (const nearestMode of NEAREST) {
        for (const sizes of SIZES) await check(generateResize, resize(X, sizes, { coordMode, nearestMode }), [X]);
      }
    });
  }
  it('scale 1/7 ties decided in f32 as onnxruntime does, given scales, int data', async () => {
    const x = randomTensor('int64', [1, 1, 3, 2], r, -100, 100);
    await check(generateResize, resize(x, [1, 1, 21, 5], { scales: [1, 1, 7, 2.5], coordMode: 'half_pixel' }), [x]);
    await check(generateResize, resize(x, [1, 1, 21, 5], { scales: [1, 1, 7, 2.5], coordMode: 'asymmetric', nearestMode: 'round_prefer_ceil' }), [x]);
    const u = randomTensor('uint8', [4, 5], r, 0, 255);
    await check(generateResize, resize(u, [9, 3], { coordMode: 'align_corners', nearestMode: 'floor' }), [u]);
  });
});

describe('linear', () => {
  for (const coordMode of COORD) {
    it(`NCHW up and down with ${coordMode}`, async () => {
      // half_pixel_symmetric: onnxruntime (and the reference) take the coordinate's last step in
      // double; the device's f32 coordinate can be 1 ulp off, moving weights by ~1e-7.
      const atol = coordMode === 'half_pixel_symmetric' ? 1e-5 : 1e-6;
      for (const sizes of SIZES) await check(generateResize, resize(X, sizes, { mode: 'linear', coordMode }), [X], { atol });
    });
  }
  it('three resized axes including the batch axis; output length 1', async () => {
    const x = randomTensor('float32', [2, 5, 4, 6], r, -5, 5);
    await check(generateResize, resize(x, [3, 9, 4, 11], { mode: 'linear' }), [x]);
    await check(generateResize, resize(x, [2, 1, 4, 1], { mode: 'linear', coordMode: 'pytorch_half_pixel' }), [x]);
  });
  it('int32 data interpolates and truncates', async () => {
    const x = randomTensor('int32', [5, 7], r, -1000, 1000);
    // f32 weights vs the f64 reference can straddle an integer boundary: off by one at most.
    await check(generateResize, resize(x, [11, 4], { mode: 'linear', coordMode: 'asymmetric' }), [x], { atol: 1 });
  });
});

describe('cubic', () => {
  for (const excludeOutside of [false, true]) {
    for (const cubicCoeffA of [-0.75, -0.5]) {
      it(`a=${cubicCoeffA} excludeOutside=${excludeOutside}`, async () => {
        for (const coordMode of ['half_pixel', 'align_corners', 'asymmetric'] as const) {
          for (const sizes of SIZES) {
            await check(generateResize, resize(X, sizes, { mode: 'cubic', coordMode, cubicCoeffA, excludeOutside }), [X], { rtol: 1e-5, atol: 5e-6 });
          }
        }
      });
    }
  }
});

describe('tf_crop_and_resize and dispatch', () => {
  it('full ROI (no roi input), up and down; it equals align_corners on outputs longer than 1', async () => {
    for (const mode of ['nearest', 'linear', 'cubic'] as const) {
      for (const sizes of SIZES) await check(generateResize, resize(X, sizes, { mode, coordMode: 'tf_crop_and_resize', extrapolationValue: 7 }), [X], { atol: 5e-6 });
      const op = resize(X, SIZES[0]!, { mode, coordMode: 'tf_crop_and_resize', extrapolationValue: 7 });
      await check(generateResize, op, [X], { reference: { ...op, coordMode: 'align_corners' }, atol: 5e-6 });
    }
  });
  it('simple (Resize-10) rounds up on a downsampled axis and down on an upsampled one', async () => {
    await check(generateResize, resize(X, [2, 3, 3, 21], { coordMode: 'asymmetric', nearestMode: 'simple' }), [X]);
  });
  it('tf_half_pixel_for_nn (static axes)', async () => {
    for (const nearestMode of NEAREST) for (const sizes of SIZES) await check(generateResize, resize(X, sizes, { coordMode: 'tf_half_pixel_for_nn', nearestMode }), [X]);
  });
  it('splits a large output over a 2-d grid', async () => {
    const { kernels } = await check(generateResize, resize(X, SIZES[0]!, { mode: 'linear' }), [X], { limits: { maxComputeWorkgroupsPerDimension: 20 } });
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
});
