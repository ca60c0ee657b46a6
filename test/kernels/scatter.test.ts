/**
 * ScatterElements, ScatterND and GatherND kernels: the ONNX backend tests on the GPU, then random
 * cases against the CPU reference — every reduction, every axis, duplicate and negative indices,
 * float/int/narrow-int/bool data, odd sizes, and a capped dispatch.
 */

import { describe, expect, it } from 'vitest';
import { generateGatherND } from '../../codegen/kernels/gather-nd.js';
import { generateScatterElements, generateScatterND } from '../../codegen/kernels/scatter.js';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import type { ScatterReduction } from '../../ir/ops.js';
import { randomTensor, rng } from '../helpers/random.js';
import { expectBackendCaseOnGpu } from './backend.js';
import { check } from './harness.js';

const generators = { scatterElements: generateScatterElements, scatterND: generateScatterND, gatherND: generateGatherND };

describe('backend tests on the GPU', () => {
  const cases: [string, 'scatterElements' | 'scatterND' | 'gatherND'][] = [
    ['test_scatter_elements_with_axis', 'scatterElements'],
    ['test_scatter_elements_with_duplicate_indices', 'scatterElements'],
    ['test_scatter_elements_with_negative_indices', 'scatterElements'],
    ['test_scatter_elements_without_axis', 'scatterElements'],
    ['test_scatter_with_axis', 'scatterElements'],
    ['test_scatter_without_axis', 'scatterElements'],
    ['test_scatternd', 'scatterND'],
    ['test_scatternd_add', 'scatterND'],
    ['test_scatternd_multiply', 'scatterND'],
    ['test_gathernd_example_float32', 'gatherND'],
    ['test_gathernd_example_int32', 'gatherND'],
    ['test_gathernd_example_int32_batch_dim1', 'gatherND'],
  ];
  for (const [name, kind] of cases) it(name, () => expectBackendCaseOnGpu(name, generators, { kinds: [kind] }));
});

const r = rng(7);
const REDUCTIONS: ScatterReduction[] = ['none', 'add', 'mul', 'max', 'min'];

/** int64 indices in [-dim, dim): negatives and duplicates. */
function indices(dims: number[], limits: number[]): Tensor {
  const t = randomTensor('int64', dims, r, 0, 0);
  const data = t.data as BigInt64Array;
  for (let i = 0; i < data.length; i++) {
    const d = limits[i % limits.length]!;
    data[i] = BigInt(Math.floor(r() * 2 * d) - d);
  }
  return t;
}

/** Rows of distinct index tuples (for 'none', where duplicate rows are undefined in ONNX). */
function distinctRows(rows: number, limits: number[]): Tensor {
  const total = limits.reduce((a, b) => a * b, 1);
  const picks = Array.from({ length: total }, (_, i) => i).sort(() => r() - 0.5).slice(0, rows);
  const values = picks.flatMap((p) => {
    const tuple: number[] = [];
    for (let t = limits.length - 1; t >= 0; t--) {
      tuple.unshift((p % limits[t]!) - (r() < 0.5 ? limits[t]! : 0));
      p = Math.floor(p / limits[t]!);
    }
    return tuple;
  });
  return { dtype: 'int64', dims: [rows, limits.length], data: BigInt64Array.from(values.map(BigInt)) };
}

describe('scatterElements', () => {
  const dims = [5, 7, 3];
  for (const reduction of REDUCTIONS) {
    // Every axis for the two main forms; one axis each for the others (shader compiles are slow here).
    const axes = reduction === 'none' || reduction === 'add' ? [0, 1, 2] : [REDUCTIONS.indexOf(reduction) % 3];
    it(`float32, reduction ${reduction}, axes ${axes}, duplicates`, async () => {
      const data = randomTensor('float32', dims, r, -3, 3);
      for (const axis of axes) {
        const upd = dims.map((d, i) => (i === axis ? 9 : d - 1));
        await check(generateScatterElements, { kind: 'scatterElements', axis, reduction }, [
          data,
          indices(upd, [dims[axis]!]),
          randomTensor('float32', upd, r, -3, 3),
        ]);
      }
    });
  }
  it('int8 add and mul wrap; int32 max; float16 add rounds', async () => {
    const d = [6, 5];
    const idx = indices([6, 9], [5]);
    for (const [dtype, reduction] of [['int8', 'add'], ['int8', 'mul'], ['int32', 'max'], ['float16', 'add']] as [DType, ScatterReduction][]) {
      const lo = dtype === 'float16' ? -3 : -100;
      const inputs = [randomTensor(dtype, d, r, lo, -lo), idx, randomTensor(dtype, [6, 9], r, lo, -lo)];
      // float16 rounds at every step on the device (as onnxruntime does), once on the host.
      const tol = dtype === 'float16' ? { rtol: 2e-3, atol: 1e-2 } : {};
      await check(generateScatterElements, { kind: 'scatterElements', axis: 1, reduction }, inputs, tol);
    }
  });
  it('rank 1: one line, applied in order', async () => {
    await check(generateScatterElements, { kind: 'scatterElements', axis: 0, reduction: 'mul' }, [
      randomTensor('float32', [13], r, -2, 2),
      indices([21], [13]),
      randomTensor('float32', [21], r, -2, 2),
    ]);
  });
  it('bool data, int32 indices, capped dispatch', async () => {
    const { kernels } = await check(
      generateScatterElements,
      { kind: 'scatterElements', axis: 0, reduction: 'none' },
      [randomTensor('bool', [9, 70], r), randomTensor('int32', [4, 70], r, -9, 8), randomTensor('bool', [4, 70], r)],
      { limits: { maxComputeWorkgroupsPerDimension: 4 } },
    );
    expect(kernels[0]!.workgroups[1]).toBeGreaterThan(1);
  });
});

describe('scatterND', () => {
  const dims = [6, 5, 7];
  for (const reduction of REDUCTIONS) {
    const full = reduction === 'none' || reduction === 'add';
    const dtypes: DType[] = full ? ['float32', 'int32'] : [reduction === 'mul' ? 'int32' : 'float32'];
    const depths = full ? [1, 2, 3] : [2];
    it(`${dtypes.join(' and ')}, reduction ${reduction}, index depth ${depths}`, async () => {
      for (const dtype of dtypes) {
        const data = randomTensor(dtype, dims, r, -4, 4);
        for (const k of depths) {
          const rows = 5;
          const idx = reduction === 'none' ? distinctRows(rows, dims.slice(0, k)) : indices([rows, k], dims.slice(0, k));
          const upd = randomTensor(dtype, [rows, ...dims.slice(k)], r, -4, 4);
          await check(generateScatterND, { kind: 'scatterND', reduction }, [data, idx, upd]);
        }
      }
    });
  }
  it('indices with two row dims, int64 data, add', async () => {
    const data = randomTensor('int64', dims, r, -50, 50);
    await check(generateScatterND, { kind: 'scatterND', reduction: 'add' }, [data, indices([3, 4, 2], [6, 5]), randomTensor('int64', [3, 4, 7], r, -50, 50)]);
  });
});

describe('gatherND', () => {
  const cases: [number[], number[], number][] = [
    [[5, 4, 3], [7, 1], 0],
    [[5, 4, 3], [2, 3, 2], 0],
    [[5, 4, 3], [6, 3], 0],
    [[3, 4, 5, 2], [3, 6, 1], 1],
    [[3, 4, 5, 2], [3, 4, 2, 1], 2],
    [[3, 7, 5], [3, 2, 2], 1],
  ];
  for (const [dataDims, idxDims, batchDims] of cases) {
    it(`data [${dataDims}] indices [${idxDims}] batch_dims ${batchDims}`, async () => {
      const k = idxDims[idxDims.length - 1]!;
      const data = randomTensor('float32', dataDims, r, -5, 5);
      await check(generateGatherND, { kind: 'gatherND', batchDims }, [data, indices(idxDims, dataDims.slice(batchDims, batchDims + k))]);
    });
  }
  it('int32 data with int32 indices', async () => {
    const idx = randomTensor('int32', [9, 2], r, -4, 3);
    await check(generateGatherND, { kind: 'gatherND', batchDims: 0 }, [randomTensor('int32', [4, 6, 3], r, -99, 99), idx]);
  });
});
