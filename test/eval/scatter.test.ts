/**
 * scatterElements, scatterND and gatherND: the ONNX backend tests through import + the CPU
 * reference, then random cases (every reduction, duplicate and negative indices, int and float
 * data, batch_dims) against onnxruntime, and the errors for malformed operands.
 */

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import type { ScatterReduction } from '../../ir/ops.js';
import { expectBackendCaseOnCpu } from './helpers/backend-data.js';
import { expectMatchesOrt } from './helpers/check.js';
import { randomTensor, rng, tensor } from './helpers/tensors.js';

const BACKEND = [
  'test_scatter_elements_with_axis',
  'test_scatter_elements_with_duplicate_indices',
  'test_scatter_elements_with_negative_indices',
  'test_scatter_elements_without_axis',
  'test_scatter_with_axis',
  'test_scatter_without_axis',
  'test_scatternd',
  'test_scatternd_add',
  'test_scatternd_multiply',
  'test_gathernd_example_float32',
  'test_gathernd_example_int32',
  'test_gathernd_example_int32_batch_dim1',
];

describe('backend tests on the CPU reference', () => {
  for (const name of BACKEND) it(name, () => void expectBackendCaseOnCpu(name));
});

/** Random int64 indices in [-dim, dim), so about half are negative and duplicates are likely. */
function indices(random: () => number, dims: number[], dim: number | number[]): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const limits = Array.isArray(dim) ? dim : [dim];
  const values = Array.from({ length: n }, (_, i) => {
    const d = limits[i % limits.length]!;
    return Math.floor(random() * 2 * d) - d;
  });
  return tensor('int64', dims, values);
}

const REDUCTIONS: ScatterReduction[] = ['none', 'add', 'mul', 'max', 'min'];
const onnxReduction = (r: ScatterReduction): Record<string, string> => (r === 'none' ? {} : { reduction: r });

describe('scatterElements vs onnxruntime', () => {
  for (const dtype of ['float32', 'int32', 'int64'] as DType[]) {
    for (const reduction of REDUCTIONS) {
      it(`${dtype}, reduction ${reduction}, every axis`, async () => {
        const r = rng(11);
        const dims = [4, 5, 3];
        const data = randomTensor(r, dtype, dims, { min: -5, max: 5 });
        for (let axis = 0; axis < 3; axis++) {
          const updDims = dims.map((d, i) => (i === axis ? 6 : Math.max(1, d - 1)));
          const upd = randomTensor(r, dtype, updDims, { min: -5, max: 5 });
          const idx = indices(r, updDims, dims[axis]!);
          await expectMatchesOrt({ kind: 'scatterElements', axis, reduction }, [data, idx, upd], {
            opType: 'ScatterElements',
            attrs: { axis, ...onnxReduction(reduction) },
            opset: 18,
          });
        }
      });
    }
  }
  it('bool data, no reduction', async () => {
    const r = rng(12);
    const data = randomTensor(r, 'bool', [3, 7]);
    await expectMatchesOrt({ kind: 'scatterElements', axis: 1, reduction: 'none' }, [data, indices(r, [3, 2], 7), randomTensor(r, 'bool', [3, 2])], {
      opType: 'ScatterElements',
      attrs: { axis: 1 },
    });
  });
});

describe('scatterND vs onnxruntime', () => {
  for (const reduction of REDUCTIONS) {
    it(`float32 and int32, reduction ${reduction}, index depth 1 to 3`, async () => {
      const r = rng(21);
      const dims = [5, 4, 3];
      for (const dtype of ['float32', 'int32'] as DType[]) {
        const data = randomTensor(r, dtype, dims, { min: -4, max: 4 });
        for (const k of [1, 2, 3]) {
          const rows = [2, 3];
          const idx = indices(r, [...rows, k], dims.slice(0, k));
          const upd = randomTensor(r, dtype, [...rows, ...dims.slice(k)], { min: -4, max: 4 });
          await expectMatchesOrt({ kind: 'scatterND', reduction }, [data, idx, upd], {
            opType: 'ScatterND',
            attrs: onnxReduction(reduction),
            opset: 18,
          });
        }
      }
    });
  }
});

describe('gatherND vs onnxruntime', () => {
  const cases: [number[], number[], number][] = [
    [[5, 4, 3], [7, 1], 0],
    [[5, 4, 3], [2, 3, 2], 0],
    [[5, 4, 3], [6, 3], 0],
    [[3, 4, 5, 2], [3, 6, 1], 1],
    [[3, 4, 5, 2], [3, 4, 2, 1], 2],
    [[3, 4, 5], [3, 2, 2], 1],
  ];
  for (const [dataDims, idxDims, batchDims] of cases) {
    it(`data [${dataDims}] indices [${idxDims}] batch_dims ${batchDims}`, async () => {
      const r = rng(31);
      const k = idxDims[idxDims.length - 1]!;
      const data = randomTensor(r, 'float32', dataDims);
      const idx = indices(r, idxDims, dataDims.slice(batchDims, batchDims + k));
      await expectMatchesOrt({ kind: 'gatherND', batchDims }, [data, idx], { opType: 'GatherND', attrs: { batch_dims: batchDims } });
    });
  }
  it('int64 data', async () => {
    const r = rng(32);
    const data = randomTensor(r, 'int64', [4, 6]);
    await expectMatchesOrt({ kind: 'gatherND', batchDims: 0 }, [data, indices(r, [5, 2], [4, 6])], { opType: 'GatherND' });
  });
});

describe('errors', () => {
  const data = tensor('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
  it('rejects out-of-range indices', () => {
    const idx = tensor('int64', [1, 1], [3]);
    expect(() => evaluate({ kind: 'scatterElements', axis: 1, reduction: 'none' }, [data, idx, tensor('float32', [1, 1], [9])])).toThrow(/index 3 is out of range/);
    expect(() => evaluate({ kind: 'gatherND', batchDims: 0 }, [data, tensor('int64', [1], [-3])])).toThrow(/index -3 is out of range/);
  });
  it('rejects reductions on bool', () => {
    const b = tensor('bool', [2], [1, 0]);
    expect(() => evaluate({ kind: 'scatterND', reduction: 'add' }, [b, tensor('int64', [1, 1], [0]), tensor('bool', [1], [1])])).toThrow(/not defined on bool/);
  });
});
