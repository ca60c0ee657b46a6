/**
 * TopK's K, Split's sizes and Pad's pads (and constant_value) given as GRAPH INPUTS: each one-node
 * model is compiled once, with those values as value symbols (a pad or split size is a symbol − 1,
 * so 0 is legal; src/onnx/ops/context.ts knownDimsFromZero), loaded once and run with several
 * values, each against onnxruntime on the same inputs (copies and comparisons: exact equality of
 * dims and values). Then the run-time refusals, each a clear error naming the input: a negative
 * K or one above the axis, a negative pad or split size, split sizes that do not sum
 * to the axis, and reflect pads as long as the axis.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { InputValidationError, UnsupportedValueError } from '../../runtime/errors.js';
import type { NodeModel } from '../import/one-node-model.js';
import { asInput, disposeAll, expectLikeOrt, i64, loadNodeModel } from './node-models.js';
import { getDevice } from '../helpers/gpu.js';
import { randomTensor, rng } from '../helpers/random.js';

let device: GPUDevice;
const load = (m: NodeModel) => loadNodeModel(device, m);

beforeAll(async () => {
  device = await getDevice();
});
afterAll(disposeAll);

const topKModel = (largest: number): NodeModel => ({
  op: 'TopK',
  inputs: [{ name: 'x', dtype: 'float32', dims: [3, 11] }, { name: 'k', dtype: 'int64', dims: [1] }],
  outputs: ['values', 'indices'],
  attrs: { axis: -1, largest },
  opset: 11,
});

const splitModel: NodeModel = {
  op: 'Split',
  inputs: [{ name: 'x', dtype: 'int32', dims: [2, 7] }, { name: 'split', dtype: 'int64', dims: [3] }],
  outputs: ['a', 'b', 'c'],
  attrs: { axis: 1 },
  opset: 13,
};

const padModel = (mode: string, withValue: boolean): NodeModel => ({
  op: 'Pad',
  inputs: [
    { name: 'x', dtype: 'float32', dims: [2, 4, 5] },
    { name: 'pads', dtype: 'int64', dims: [6] },
    ...(withValue ? [{ name: 'value', dtype: 'float32' as const, dims: [] }] : []),
  ],
  outputs: ['y'],
  attrs: { mode },
  opset: 13,
});

describe('one compiled plan, several values', () => {
  test('TopK: K from 0 to the whole axis, largest and smallest, ties to the lower index', async () => {
    for (const largest of [1, 0]) {
      const l = await load(topKModel(largest));
      const x = randomTensor('float32', [3, 11], rng(5 + largest), -4, 4);
      x.data = (x.data as Float32Array).map((v) => Math.round(v)); // ties
      for (const k of [1, 4, 11, 0, 2]) await expectLikeOrt(l, { x, k: i64([k]) }, `largest ${largest}, K ${k}`);
    }
  });

  test('Split: sizes given per run, zeros included', async () => {
    const l = await load(splitModel);
    const x = randomTensor('int32', [2, 7], rng(6), -100, 100);
    for (const split of [[2, 3, 2], [7, 0, 0], [0, 0, 7], [1, 6, 0], [3, 0, 4]]) {
      await expectLikeOrt(l, { x, split: i64(split) }, `split [${split.join(', ')}]`);
    }
  });

  test('Pad: constant (with a value input, or 0 when omitted), edge and reflect, zero pads included', async () => {
    const x = randomTensor('float32', [2, 4, 5], rng(7), -5, 5);
    const padsList = [
      [0, 0, 0, 0, 0, 0],
      [0, 1, 2, 0, 3, 0],
      [1, 0, 4, 1, 3, 1],
      [0, 3, 4, 0, 2, 3],
    ];
    for (const [mode, withValue] of [['constant', true], ['constant', false], ['edge', false], ['reflect', false]] as const) {
      const l = await load(padModel(mode, withValue));
      for (const [i, pads] of padsList.entries()) {
        const feeds: Record<string, Tensor> = { x, pads: i64(pads) };
        if (withValue) feeds.value = { dtype: 'float32', dims: [], data: Float32Array.from([i * 1.5 - 2]) };
        await expectLikeOrt(l, feeds, `${mode}, pads [${pads.join(', ')}]`);
      }
    }
  });
});

describe('run-time refusals', () => {
  test('TopK: a negative K, and K above the axis', async () => {
    const l = await load(topKModel(1));
    const x = asInput(randomTensor('float32', [3, 11], rng(8)));
    const run = (k: number) => l.model.run({ x, k: asInput(i64([k])) });
    await expect(run(-1)).rejects.toBeInstanceOf(UnsupportedValueError);
    await expect(run(-1)).rejects.toThrow(/input 'k' element 0 is -1; this compiled model needs ≥ 0 there/);
    await expect(run(12)).rejects.toBeInstanceOf(InputValidationError);
    await expect(run(12)).rejects.toThrow(/input 'K' must be at most 11, the length of axis 1/);
    expect((await run(11)).values!.dims).toEqual([3, 11]);
  });

  test('Split: negative sizes, and sizes that do not sum to the axis', async () => {
    const l = await load(splitModel);
    const x = asInput(randomTensor('int32', [2, 7], rng(9), -9, 9));
    const run = (split: number[]) => l.model.run({ x, split: asInput(i64(split)) });
    await expect(run([8, -1, 0])).rejects.toBeInstanceOf(UnsupportedValueError);
    await expect(run([8, -1, 0])).rejects.toThrow(/input 'split' element 1 is -1; this compiled model needs ≥ 0 there/);
    await expect(run([2, 2, 2])).rejects.toThrow(/the sizes in input 'split' must sum to 7, the length of axis 1/);
  });

  test('Pad: negative pads (crops) and reflect pads as long as the axis', async () => {
    const reflect = await load(padModel('reflect', false));
    const x = asInput(randomTensor('float32', [2, 4, 5], rng(10)));
    const run = (pads: number[]) => reflect.model.run({ x, pads: asInput(i64(pads)) });
    await expect(run([0, -1, 0, 0, 0, 0])).rejects.toBeInstanceOf(UnsupportedValueError);
    await expect(run([0, -1, 0, 0, 0, 0])).rejects.toThrow(/input 'pads' element 1 is -1; this compiled model needs ≥ 0 there/);
    await expect(run([0, 4, 0, 0, 0, 0])).rejects.toThrow(/reflect pads on axis 1 must be smaller than its size 4/);
    await expect(run([0, 0, 0, 0, 0, 5])).rejects.toThrow(/reflect pads on axis 2 must be smaller than its size 5/);
    expect((await run([0, 3, 4, 0, 3, 4])).y!.dims).toEqual([2, 10, 13]);
  });
});
