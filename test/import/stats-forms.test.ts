/**
 * The forms with an extra statistics output that the importer lowers exactly, checked against
 * onnxruntime on random inputs: BatchNormalization with training_mode=1 (batch statistics and
 * the running-statistics outputs) and MaxPool with its Indices output (storage_order 0 and 1,
 * with ties and padding). Tolerances: 1e-5 relative / 1e-6 absolute for floats (a reduction's
 * rounding), indices exact.
 */

import { describe, expect, test } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { buildNodeModel, type Attr, type NodeModel } from './one-node-model.js';
import { runIr, runOrt } from './ort.js';

const rand = rng(20261203);
const f32 = (dims: number[], lo = -2, hi = 2) => randomTensor('float32', dims, rand, lo, hi);

/**
 * Imports and evaluates `m` on the CPU and compares every requested output with onnxruntime's
 * run of `refModel` (default `m`; the same node with more outputs where onnxruntime needs them).
 */
async function check(m: NodeModel, feeds: Record<string, Tensor>, refModel = m): Promise<Record<string, Tensor>> {
  const ours = runIr(importModel(decodeModel(buildNodeModel(m))), feeds);
  const ref = await runOrt(buildNodeModel(refModel), feeds);
  const names = m.outputs.filter((o) => o !== '');
  expect(Object.keys(ours).sort()).toEqual([...names].sort());
  for (const name of names) {
    expect(ours[name]!.dtype, name).toBe(ref[name]!.dtype);
    expectClose(ours[name]!, ref[name]!, 1e-5, 1e-6, name);
  }
  return ours;
}

function node(op: string, opset: number, inputs: Record<string, { dtype: DType; dims: number[] }>, attrs: Record<string, Attr>, outputs: string[]): NodeModel {
  return { op, opset, attrs, outputs, inputs: Object.entries(inputs).map(([name, v]) => ({ name, ...v })) };
}

describe('BatchNormalization training_mode=1', () => {
  const params = (c: number) => ({
    scale: { dtype: 'float32' as const, dims: [c] },
    b: { dtype: 'float32' as const, dims: [c] },
    mean: { dtype: 'float32' as const, dims: [c] },
    var: { dtype: 'float32' as const, dims: [c] },
  });
  const feeds = (dims: number[]) => {
    const c = dims[1]!;
    return { x: f32(dims), scale: f32([c]), b: f32([c]), mean: f32([c]), var: f32([c], 0.5, 2) };
  };

  // onnxruntime insists on all three outputs in training mode (and crashes on an omitted middle
  // one), while ONNX makes the running statistics optional: a subset is checked against its run
  // with all three.
  test.each([
    [[2, 3, 4, 5], 15, ['y', 'rm', 'rv']],
    [[3, 4], 14, ['y', 'rm', 'rv']],
    [[2, 2, 3, 2, 3], 15, ['y', '', 'rv']],
    [[1, 3, 7], 15, ['y']],
    [[5, 2, 1, 3], 15, ['y', 'rm']],
  ] as const)('x %j at opset %i, outputs %j', async (dims, opset, outputs) => {
    const attrs = { training_mode: 1, epsilon: { float: 1e-3 }, momentum: { float: 0.8 } };
    const m = (outs: string[]) => node('BatchNormalization', opset, { x: { dtype: 'float32', dims: [...dims] }, ...params(dims[1]!) }, attrs, outs);
    await check(m([...outputs]), feeds([...dims]), m(['y', 'rm', 'rv']));
  });

  test('default momentum (0.9) and epsilon', async () => {
    await check(node('BatchNormalization', 15, { x: { dtype: 'float32', dims: [4, 3, 2] }, ...params(3) }, { training_mode: 1 }, ['y', 'rm', 'rv']), feeds([4, 3, 2]));
  });
});

describe('MaxPool with Indices', () => {
  /** Small integers as floats, so most windows hold ties (the first max in window order wins). */
  const ties = (dims: number[]): Tensor => {
    const x = f32(dims, -3, 3);
    const d = x.data as Float32Array;
    for (let i = 0; i < d.length; i++) d[i] = Math.round(d[i]!);
    return x;
  };

  const cases: [string, number[], Record<string, Attr>][] = [
    ['2-d, pads, storage_order 0', [2, 3, 5, 6], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }],
    ['2-d, strides, storage_order 1', [2, 3, 7, 5], { kernel_shape: [2, 2], strides: [2, 2], storage_order: 1 }],
    ['2-d, dilations and ceil mode, storage_order 1', [1, 2, 9, 8], { kernel_shape: [2, 3], dilations: [2, 1], ceil_mode: 1, storage_order: 1 }],
    ['1-d', [3, 2, 11], { kernel_shape: [3], strides: [2], pads: [1, 1] }],
    ['3-d, storage_order 0', [1, 2, 4, 5, 6], { kernel_shape: [2, 2, 3], strides: [1, 2, 2], pads: [1, 0, 1, 0, 1, 1] }],
    ['3-d, storage_order 1', [2, 1, 5, 4, 3], { kernel_shape: [3, 2, 2], pads: [1, 1, 0, 1, 0, 1], storage_order: 1 }],
  ];
  test.each(cases)('%s', async (_name, dims, attrs) => {
    const m = node('MaxPool', 12, { x: { dtype: 'float32', dims } }, attrs, ['y', 'i']);
    for (const x of [f32(dims), ties(dims)]) {
      const ours = await check(m, { x });
      expect(ours.i!.dtype).toBe('int64');
    }
  });

  test('only the Indices output requested', async () => {
    const dims = [2, 2, 6, 6];
    const full = node('MaxPool', 12, { x: { dtype: 'float32', dims } }, { kernel_shape: [3, 3], strides: [2, 2], storage_order: 1 }, ['y', 'i']);
    await check({ ...full, outputs: ['', 'i'] }, { x: ties(dims) }, full);
  });
});
