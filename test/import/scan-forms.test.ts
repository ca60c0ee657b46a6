/**
 * CumSum's axis and Trilu's k given as graph inputs (data) rather than constants: the importer
 * keeps them as a second input of `cumSum` / `trilu` (the attribute ignored), a constant one
 * still becomes the attribute, and the imported graph evaluates like onnxruntime for random
 * axes (every axis, negative ones) and k (negative, zero, positive, past the matrix), with static
 * and symbolic dims. Exact for integers; floats at rtol 1e-5, atol 1e-5.
 */

import { describe, expect, test } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Graph, Tensor } from '../../ir/graph.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { buildNodeModel, type NodeModel } from './one-node-model.js';
import { runIr, runOrt } from './ort.js';

const rand = rng(7331);
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

function scalar(dtype: 'int32' | 'int64', v: number): Tensor {
  return { dtype, dims: [], data: dtype === 'int64' ? BigInt64Array.from([BigInt(v)]) : Int32Array.from([v]) };
}

/** Imports `m`, checks the graph's one node, and compares its CPU evaluation with onnxruntime. */
async function check(m: NodeModel, feeds: Record<string, Tensor>, node: (g: Graph) => void): Promise<void> {
  const bytes = buildNodeModel(m);
  const g = importModel(decodeModel(bytes));
  node(g);
  const ours = runIr(g, feeds);
  const ref = await runOrt(bytes, feeds);
  expectClose(ours.y!, ref.y!, 1e-5, 1e-5, 'y');
}

function cumSumModel(xDType: DType, xDims: (number | string)[], axisDType: DType, attrs: Record<string, number>): NodeModel {
  return {
    op: 'CumSum',
    opset: 14,
    attrs,
    outputs: ['y'],
    inputs: [
      { name: 'x', dtype: xDType, dims: xDims },
      { name: 'axis', dtype: axisDType, dims: [] },
    ],
  };
}

const runtimeForm = (kind: string) => (g: Graph) => {
  expect(g.nodes.map((n) => n.op.kind)).toEqual([kind]);
  expect(g.nodes[0]!.inputs.map((v) => v.name)).toEqual(kind === 'cumSum' ? ['x', 'axis'] : ['x', 'k']);
};

describe('CumSum with a run-time axis', () => {
  for (const [exclusive, reverse] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ]) {
    test(`exclusive=${exclusive} reverse=${reverse}: every axis of float32 and int64 data`, async () => {
      for (const dtype of ['float32', 'int64'] as const) {
        const x = randomTensor(dtype, [3, 4, 5], rand, -9, 9);
        for (let axis = -3; axis < 3; axis++) {
          const axisDType = axis % 2 === 0 ? 'int64' : 'int32';
          await check(cumSumModel(dtype, [3, 4, 5], axisDType, { exclusive, reverse }), { x, axis: scalar(axisDType, axis) }, runtimeForm('cumSum'));
        }
      }
    });
  }

  test('symbolic dims', async () => {
    const m = cumSumModel('float32', ['batch', 'sequence'], 'int64', { reverse: 1 });
    for (const [b, s] of [
      [1, 1],
      [2, 9],
    ]) {
      for (const axis of [-2, -1, 0, 1]) {
        await check(m, { x: randomTensor('float32', [b!, s!], rand, -2, 2), axis: scalar('int64', axis) }, runtimeForm('cumSum'));
      }
    }
  });

  test('a constant axis is still the attribute', () => {
    const m: NodeModel = {
      op: 'CumSum',
      opset: 14,
      outputs: ['y'],
      inputs: [
        { name: 'x', dtype: 'float32', dims: [3, 4] },
        { name: 'axis', tensor: scalar('int32', -1) },
      ],
    };
    const g = importModel(decodeModel(buildNodeModel(m)));
    expect(g.nodes.map((n) => n.op)).toEqual([{ kind: 'cumSum', axis: 1, exclusive: false, reverse: false }]);
    expect(g.nodes[0]!.inputs).toHaveLength(1);
  });

  test('an axis that is not one int element is rejected at import', () => {
    const m = cumSumModel('float32', [3, 4], 'int64', {});
    (m.inputs[1] as { dims: number[] }).dims = [2];
    expect(() => importModel(decodeModel(buildNodeModel(m)))).toThrow(/axis must be a scalar or hold one element/);
  });
});

describe('Trilu with a run-time k', () => {
  const model = (dims: (number | string)[], upper: number): NodeModel => ({
    op: 'Trilu',
    opset: 14,
    attrs: { upper },
    outputs: ['y'],
    inputs: [
      { name: 'x', dtype: 'float32', dims },
      { name: 'k', dtype: 'int64', dims: [] },
    ],
  });

  for (const upper of [0, 1]) {
    test(`upper=${upper}: random k around and past the matrix, batched and symbolic`, async () => {
      const ks = [0, -7, 9, randInt(-6, 6), randInt(-6, 6), randInt(-6, 6)];
      for (const k of ks) {
        await check(model([2, 4, 5], upper), { x: randomTensor('float32', [2, 4, 5], rand, -2, 2), k: scalar('int64', k) }, runtimeForm('trilu'));
        await check(model(['s', 's'], upper), { x: randomTensor('float32', [6, 6], rand, -2, 2), k: scalar('int64', k) }, runtimeForm('trilu'));
      }
    });
  }

  test('a constant k is still the attribute', () => {
    const m: NodeModel = {
      op: 'Trilu',
      opset: 14,
      outputs: ['y'],
      inputs: [
        { name: 'x', dtype: 'float32', dims: [3, 4] },
        { name: 'k', tensor: scalar('int64', -2) },
      ],
    };
    const g = importModel(decodeModel(buildNodeModel(m)));
    expect(g.nodes.map((n) => n.op)).toEqual([{ kind: 'trilu', upper: true, k: -2 }]);
  });
});
