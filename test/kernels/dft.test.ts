/**
 * DFT kernel (and STFT, imported as gather + mul + dft): the ONNX backend tests on the GPU, then
 * random signals against the CPU reference — real and complex, forward and inverse, onesided,
 * every axis, dft_length padding and cutting, a long transform, float16.
 */

import { describe, it } from 'vitest';
import { generateDft } from '../../codegen/kernels/dft.js';
import { generateElementwise } from '../../codegen/kernels/elementwise.js';
import { generateGather } from '../../codegen/kernels/gather.js';
import type { Op } from '../../ir/ops.js';
import { randomTensor, rng } from '../helpers/random.js';
import { expectBackendCaseOnGpu } from './backend.js';
import { check } from './harness.js';

// f32 sums of L terms against the f64 reference.
const TOL = { rtol: 1e-4, atol: 1e-4 };

describe('backend tests on the GPU', () => {
  const generators = { dft: generateDft, gather: generateGather, binary: generateElementwise };
  for (const name of ['test_dft', 'test_dft_axis', 'test_dft_inverse']) {
    it(name, () => expectBackendCaseOnGpu(name, generators, { kinds: ['dft'], tol: TOL }));
  }
  it('test_stft', () => expectBackendCaseOnGpu('test_stft', generators, { constInputs: ['frame_step', 'frame_length'], kinds: ['dft', 'gather'], tol: TOL }));
  it('test_stft_with_window', () =>
    expectBackendCaseOnGpu('test_stft_with_window', generators, { constInputs: ['frame_step'], kinds: ['dft', 'gather', 'binary'], tol: TOL }));
});

type DftOp = Extract<Op, { kind: 'dft' }>;
const r = rng(19);

describe('dft', () => {
  const real = randomTensor('float32', [2, 11, 3, 1], r, -1, 1);
  const complex = randomTensor('float32', [2, 11, 3, 2], r, -1, 1);
  for (const inverse of [false, true]) {
    it(`${inverse ? 'inverse' : 'forward'}, axes 0 to 2, real and complex, onesided when forward`, async () => {
      for (const x of [real, complex]) {
        for (const axis of [0, 1, 2]) {
          const n = x.dims[axis]!;
          for (const onesided of inverse ? [false] : [false, true]) {
            const op: DftOp = { kind: 'dft', axis, length: n, inverse, onesided };
            await check(generateDft, op, [x], TOL);
          }
        }
      }
    });
  }
  it('dft_length longer and shorter than the axis', async () => {
    for (const length of [16, 6]) await check(generateDft, { kind: 'dft', axis: 1, length, inverse: false, onesided: false }, [complex], TOL);
  });
  it('a 1000-point transform keeps its accuracy', async () => {
    const x = randomTensor('float32', [1, 1000, 2], r, -1, 1);
    await check(generateDft, { kind: 'dft', axis: 1, length: 1000, inverse: true, onesided: false }, [x], { rtol: 1e-4, atol: 2e-5 });
  });
  it('float16', async () => {
    const x = randomTensor('float16', [3, 9, 1], r, -1, 1);
    await check(generateDft, { kind: 'dft', axis: 1, length: 9, inverse: false, onesided: true }, [x], { rtol: 3e-3, atol: 3e-3 });
  });
});
