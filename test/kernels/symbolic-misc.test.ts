/**
 * The less common indexing and math kernels with symbolic outer dims — scatterElements,
 * scatterND, topK, det, dft, gridSample and roiAlign — generated once and run at several symbol
 * values (1, small, and odd sizes 7 and 130) against the CPU reference, outputs poisoned
 * (test/kernels/harness.ts). Their inner sizes (matrix size, image size, DFT length, k) stay
 * static. Tolerances are those of each kernel's own test file: exact for copies and integer sums,
 * rtol 1e-4 / atol 1e-5 for f32 arithmetic against the f64 reference (1e-4 / 1e-4 for DFT sums).
 */

import { describe, it } from 'vitest';
import { generateScatterElements, generateScatterND } from '../../codegen/kernels/scatter.js';
import { generateTopK } from '../../codegen/kernels/topk.js';
import { generateDet } from '../../codegen/kernels/det.js';
import { generateDft } from '../../codegen/kernels/dft.js';
import { generateGridSample } from '../../codegen/kernels/grid-sample.js';
import { generateRoiAlign } from '../../codegen/kernels/roi-align.js';
import type { Tensor } from '../../ir/graph.js';
import { randomTensor, rng } from '../helpers/random.js';
import { check } from './harness.js';

const SIZES = [1, 7, 130];
const TOL = { rtol: 1e-4, atol: 1e-5 };

describe('symbolic scatter', () => {
  for (const n of SIZES) {
    it(`scatterElements over a batch of ${n} (none and add, duplicates)`, async () => {
      const data = randomTensor('float32', [n, 7, 3], rng(n), -3, 3);
      const idx = randomTensor('int64', [n, 4, 3], rng(n + 1), -7, 6);
      const upd = randomTensor('float32', [n, 4, 3], rng(n + 2), -3, 3);
      const symbolic = { 0: ['batch', 7, 3], 1: ['batch', 4, 3], 2: ['batch', 4, 3] };
      for (const reduction of ['none', 'add'] as const) {
        await check(generateScatterElements, { kind: 'scatterElements', axis: 1, reduction }, [data, idx, upd], { symbolic, ...TOL });
      }
    });
    it(`scatterND into ${n} rows, and ${n} index rows into a static table`, async () => {
      const data = randomTensor('float32', [n, 5], rng(n + 3), -3, 3);
      const idx = randomTensor('int64', [3, 1], rng(n + 4), -n, n - 1);
      await check(generateScatterND, { kind: 'scatterND', reduction: 'add' }, [data, idx, randomTensor('float32', [3, 5], rng(n + 5), -3, 3)], {
        symbolic: { 0: ['sequence', 5] },
        ...TOL,
      });
      const table = randomTensor('int32', [10, 4], rng(n + 6), -50, 50);
      const rows = randomTensor('int64', [n, 1], rng(n + 7), -10, 9);
      await check(generateScatterND, { kind: 'scatterND', reduction: 'add' }, [table, rows, randomTensor('int32', [n, 4], rng(n + 8), -50, 50)], {
        symbolic: { 1: ['sequence', 1], 2: ['sequence', 4] },
      });
    });
  }
});

describe('symbolic topK, det, dft', () => {
  for (const n of SIZES) {
    it(`batch ${n}`, async () => {
      const x = randomTensor('float32', [n, 12], rng(n + 9), -5, 5);
      for (const largest of [true, false]) {
        await check(generateTopK, { kind: 'topK', axis: 1, k: 3, largest, sorted: true }, [x], { symbolic: { 0: ['batch', 12] } });
      }
      // Lines across a symbolic middle axis.
      await check(generateTopK, { kind: 'topK', axis: 0, k: 2, largest: false, sorted: true }, [randomTensor('float32', [5, n, 2], rng(n + 10), -5, 5)], {
        symbolic: { 0: [5, 'sequence', 2] },
      });
      await check(generateDet, { kind: 'det' }, [randomTensor('float32', [n, 3, 3], rng(n + 11), -1, 1)], { symbolic: { 0: ['batch', 3, 3] }, ...TOL });
      // A real signal of symbolic length transformed at length 8 (padded or cut), per batch entry.
      const sig = randomTensor('float32', [2, n, 1], rng(n + 12), -1, 1);
      for (const onesided of [false, true]) {
        await check(generateDft, { kind: 'dft', axis: 1, length: 8, inverse: false, onesided }, [sig], { symbolic: { 0: [2, 'sequence', 1] }, rtol: 1e-4, atol: 1e-4 });
      }
    });
  }
});

describe('symbolic gridSample and roiAlign', () => {
  for (const n of SIZES) {
    it(`batch and points ${n}`, async () => {
      const b = Math.min(n, 3);
      const x = randomTensor('float32', [b, 2, 5, 7], rng(n + 13), -2, 2);
      const grid = randomTensor('float32', [b, n, 3, 2], rng(n + 14), -1.2, 1.2);
      for (const mode of ['linear', 'nearest'] as const) {
        await check(generateGridSample, { kind: 'gridSample', mode, padding: 'zeros', alignCorners: false }, [x, grid], {
          symbolic: { 0: ['batch', 2, 5, 7], 1: ['batch', 'points', 3, 2] },
          ...TOL,
        });
      }
      const boxes: Tensor = randomTensor('float32', [n, 4], rng(n + 15), 0, 6);
      const batchIdx = randomTensor('int64', [n], rng(n + 16), 0, b - 1);
      await check(
        generateRoiAlign,
        { kind: 'roiAlign', mode: 'avg', outputHeight: 2, outputWidth: 3, samplingRatio: 2, spatialScale: 1, halfPixel: true },
        [x, boxes, batchIdx],
        { symbolic: { 0: ['batch', 2, 5, 7], 1: ['rois', 4], 2: ['rois'] }, ...TOL },
      );
    });
  }
});
