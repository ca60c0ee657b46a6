/**
 * resize against the ONNX backend test data (committed fixture) and onnxruntime: nearest with
 * every nearest_mode and coordinate transform, N-d linear, cubic with cubic_coeff_a and
 * exclude_outside, up- and down-sampling, scales- and sizes-driven; tf_crop_and_resize with a
 * region of interest; scales read from an input or derived from the sizes (both given per run).
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import type { Op, ResizeCoordMode, ResizeNearestMode } from '../../ir/ops.js';
import { evaluate } from '../../ir/eval/index.js';
import { expectMatchesOrt } from './helpers/check.js';
import { fixture } from './helpers/fixture.js';
import { expectClose, randomTensor, rng, tensor } from './helpers/tensors.js';

type ResizeOp = Extract<Op, { kind: 'resize' }>;

function resizeOp(over: Partial<ResizeOp> & Pick<ResizeOp, 'mode' | 'scales' | 'sizes'>): ResizeOp {
  return {
    kind: 'resize',
    coordMode: 'half_pixel',
    nearestMode: 'round_prefer_floor',
    cubicCoeffA: -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    ...over,
  };
}

/**
 * Backend cases whose expected data came from the ONNX reference implementation's align_corners
 * rule x · (in − 1) / (scale · in − 1), which differs from the spec text and onnxruntime
 * (x · (in − 1) / (out − 1)) when scale · in is not an integer. We follow the spec and
 * onnxruntime, and check these cases against onnxruntime instead.
 */
const REFERENCE_ALIGN_CORNERS = new Set(['test_resize_downsample_scales_cubic_align_corners', 'test_resize_downsample_scales_linear_align_corners']);

describe('resize vs the ONNX backend test data', () => {
  for (const c of fixture.resize) {
    it(c.name, async () => {
      const x: Tensor = { dtype: 'float32', dims: c.inputDims, data: Float32Array.from(c.input) };
      const op = resizeOp({ ...c, sizes: c.outputDims });
      if (REFERENCE_ALIGN_CORNERS.has(c.name)) {
        await checkOrt({ x, op, byScales: true });
        return;
      }
      const [y] = evaluate(op, [x]);
      expectClose(y!, { dtype: 'float32', dims: c.outputDims, data: Float32Array.from(c.output) }, { rtol: 1e-5, atol: 1e-5 });
    });
  }
  it('covers nearest, linear and cubic cases', () => {
    expect(new Set(fixture.resize.map((c) => c.mode))).toEqual(new Set(['nearest', 'linear', 'cubic']));
    expect(fixture.resize.length - REFERENCE_ALIGN_CORNERS.size).toBeGreaterThanOrEqual(17);
  });
});

const COORD_MODES: ResizeCoordMode[] = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric'];
const NEAREST_MODES: ResizeNearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

interface OrtResize {
  x: Tensor;
  op: ResizeOp;
  /** Drive onnxruntime with the scales input (true) or the sizes input (false). */
  byScales: boolean;
}

async function checkOrt({ x, op, byScales }: OrtResize) {
  const attrs = {
    mode: op.mode,
    coordinate_transformation_mode: op.coordMode,
    nearest_mode: op.nearestMode,
    cubic_coeff_a: { float: op.cubicCoeffA },
    exclude_outside: Number(op.excludeOutside),
  };
  const rank = x.dims.length;
  const inputs = byScales
    ? [x, null, { const: tensor('float32', [rank], op.scales) }]
    : [x, null, null, { const: tensor('int64', [rank], op.sizes as number[]) }];
  await expectMatchesOrt(op, [x], { opType: 'Resize', attrs, inputs, opset: 19 }, { rtol: 1e-4, atol: 1e-4 }, JSON.stringify({ ...attrs, sizes: op.sizes, byScales }));
}

/** Scales exactly representable in float32, so both engines use the same value. */
function byScales(x: Tensor, scales: number[], over: Partial<ResizeOp> & Pick<ResizeOp, 'mode'>): OrtResize {
  const sizes = x.dims.map((d, i) => Math.floor(d * scales[i]!));
  return { x, op: resizeOp({ ...over, scales, sizes }), byScales: true };
}

function bySizes(x: Tensor, sizes: number[], over: Partial<ResizeOp> & Pick<ResizeOp, 'mode'>): OrtResize {
  return { x, op: resizeOp({ ...over, sizes, scales: sizes.map((s, i) => s / x.dims[i]!) }), byScales: false };
}

describe('resize vs onnxruntime', () => {
  const x4 = randomTensor(rng(1), 'float32', [2, 3, 5, 7]);

  for (const coordMode of COORD_MODES) {
    it(`nearest, ${coordMode}, every nearest_mode`, async () => {
      for (const nearestMode of NEAREST_MODES) {
        await checkOrt(byScales(x4, [1, 1, 2.5, 0.75], { mode: 'nearest', coordMode, nearestMode }));
        await checkOrt(byScales(x4, [1, 1, 0.5, 1.75], { mode: 'nearest', coordMode, nearestMode }));
        await checkOrt(bySizes(x4, [2, 3, 9, 1], { mode: 'nearest', coordMode, nearestMode }));
      }
    });

    it(`linear, ${coordMode}`, async () => {
      await checkOrt(byScales(x4, [1, 1, 2.5, 0.75], { mode: 'linear', coordMode }));
      await checkOrt(byScales(x4, [1, 1, 0.5, 1.75], { mode: 'linear', coordMode }));
      await checkOrt(bySizes(x4, [2, 3, 8, 1], { mode: 'linear', coordMode }));
      // 2-d input (both axes resized) and trilinear on a 5-d input.
      await checkOrt(byScales(randomTensor(rng(2), 'float32', [6, 5]), [1.5, 0.625], { mode: 'linear', coordMode }));
      await checkOrt(byScales(randomTensor(rng(3), 'float32', [1, 2, 3, 4, 5]), [1, 1, 2, 0.75, 1.5], { mode: 'linear', coordMode }));
    });

    it(`cubic, ${coordMode}, cubic_coeff_a and exclude_outside`, async () => {
      for (const [cubicCoeffA, excludeOutside] of [[-0.75, false], [-0.5, true], [-0.6, false]] as const) {
        await checkOrt(byScales(x4, [1, 1, 2.5, 0.75], { mode: 'cubic', coordMode, cubicCoeffA, excludeOutside }));
        await checkOrt(bySizes(x4, [2, 3, 3, 11], { mode: 'cubic', coordMode, cubicCoeffA, excludeOutside }));
      }
    });
  }

  it('nearest copies int64 exactly', () => {
    const x = tensor('int64', [1, 3], [2n ** 60n, -5n, 7n]);
    const [y] = evaluate(resizeOp({ mode: 'nearest', scales: [1, 2], sizes: [1, 6], coordMode: 'asymmetric', nearestMode: 'floor' }), [x]);
    expect(Array.from(y!.data as BigInt64Array)).toEqual([2n ** 60n, 2n ** 60n, -5n, -5n, 7n, 7n]);
  });

  it('pytorch_half_pixel maps to 0 when the output length is 1', async () => {
    const x = randomTensor(rng(4), 'float32', [1, 1, 4, 6]);
    await checkOrt(bySizes(x, [1, 1, 1, 3], { mode: 'linear', coordMode: 'pytorch_half_pixel' }));
    await checkOrt(bySizes(x, [1, 1, 1, 3], { mode: 'cubic', coordMode: 'pytorch_half_pixel' }));
  });

  it('tf_crop_and_resize with a region of interest (inside and beyond the input), extrapolation', async () => {
    const x = randomTensor(rng(5), 'float32', [1, 2, 5, 6]);
    const roi = tensor('float32', [8], [0, 0, 0.2, -0.3, 1, 1, 0.9, 1.4]);
    for (const mode of ['nearest', 'linear', 'cubic'] as const) {
      for (const sizes of [[1, 2, 4, 9], [1, 2, 1, 3]]) {
        const op = resizeOp({ mode, coordMode: 'tf_crop_and_resize', extrapolationValue: 7.5, scales: [], sizes });
        const attrs = { mode, coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: 7.5 } };
        const inputs = [x, roi, null, { const: tensor('int64', [4], sizes) }];
        await expectMatchesOrt(op, [x, roi], { opType: 'Resize', attrs, inputs, opset: 13 }, { rtol: 1e-4, atol: 1e-4 }, `${mode} ${sizes}`);
      }
    }
    // Without a roi input the whole input is the region.
    const [whole] = evaluate(resizeOp({ mode: 'linear', coordMode: 'tf_crop_and_resize', scales: [1, 1, 2, 2], sizes: [1, 2, 10, 12] }), [x]);
    const [corners] = evaluate(resizeOp({ mode: 'linear', coordMode: 'align_corners', scales: [1, 1, 2, 2], sizes: [1, 2, 10, 12] }), [x]);
    expectClose(whole!, corners!, { rtol: 1e-6, atol: 1e-6 });
  });

  it('scales given as an input (the op has none) and scales as sizes/in (sizes given at run time)', async () => {
    const x = randomTensor(rng(6), 'float32', [2, 3, 5, 7]);
    for (const coordMode of [...COORD_MODES, 'tf_half_pixel_for_nn'] as const) {
      const scales = [1, 1, 2.5, 0.75];
      const sizes = x.dims.map((d, i) => Math.floor(d * scales[i]!));
      const attrs = { mode: 'linear', coordinate_transformation_mode: coordMode };
      const scalesT = tensor('float32', [4], scales);
      // tf_half_pixel_for_nn exists up to opset 12; the others use opset 19's forms.
      const opset = coordMode === 'tf_half_pixel_for_nn' ? 11 : 19;
      // Empty roi and (for sizes) empty scales: opset 11 requires both inputs.
      const roiT = tensor('float32', [0], []);
      const scaled = resizeOp({ mode: 'linear', coordMode, scales: [], sizes });
      await expectMatchesOrt(scaled, [x, scalesT], { opType: 'Resize', attrs, inputs: [x, roiT, scalesT], opset }, { rtol: 1e-4, atol: 1e-4 }, coordMode);
      const bySize = resizeOp({ mode: 'cubic', coordMode, scales: [], sizes: [2, 3, 9, 3] });
      const sizesT = { const: tensor('int64', [4], [2, 3, 9, 3]) };
      await expectMatchesOrt(bySize, [x], { opType: 'Resize', attrs: { ...attrs, mode: 'cubic' }, inputs: [x, roiT, { const: roiT }, sizesT], opset }, { rtol: 1e-4, atol: 1e-4 }, coordMode);
    }
  });
});
