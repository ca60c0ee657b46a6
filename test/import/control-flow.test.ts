/**
 * If and Scan inlined at import (src/onnx/ops/control-flow.ts), each compiled and run on the GPU
 * against onnxruntime on the same model and inputs (f32: rtol 1e-5 / atol 1e-6, the ops are adds
 * and multiplies): If whose condition is a constant, a shape computation, or a bool graph input
 * (one variant per value, one compile); Scan at opset 9+ with reversed scan inputs and outputs and
 * a non-zero output axis, and opset 8's batched form. Also the refusals: a condition computed from
 * data, and an unsupported op inside a branch, named by its path.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { printGraph } from '../../ir/print.js';
import { compileModel } from '../../src/compile.js';
import { UnsupportedFormError, UnsupportedOpsError } from '../../src/onnx/errors.js';
import { importModel } from '../../src/onnx/import.js';
import { createModel, type Model } from '../../runtime/index.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { buildGraphModel, encodeGraphModel, int64s, type GraphModel } from './graph-model.js';
import { runOrt } from './ort.js';

const f32 = (values: number[], dims = [values.length]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
const bool = (b: boolean): Tensor => ({ dtype: 'bool', dims: [], data: Uint8Array.of(b ? 1 : 0) });

/** A branch adding `k` to the outer value `x`. */
const addBranch = (k: number): { graph: GraphModel } => ({
  graph: {
    inputs: [],
    initializers: { [`k${k}`]: f32([k]) },
    nodes: [{ op: 'Add', inputs: ['x', `k${k}`], outputs: [`out${k}`] }],
    outputs: [`out${k}`],
    outputTypes: { [`out${k}`]: { dtype: 'float32', dims: [2, 3] } },
  },
});

function ifModel(cond: GraphModel['nodes'], inputs: GraphModel['inputs'] = [], initializers: GraphModel['initializers'] = {}): GraphModel {
  return {
    inputs: [{ name: 'x', dtype: 'float32', dims: [2, 3] }, ...inputs],
    initializers,
    nodes: [...cond, { op: 'If', inputs: ['c'], outputs: ['y'], attrs: { then_branch: addBranch(1), else_branch: addBranch(100) } }],
    outputs: ['y'],
    opset: 13,
  };
}

let device: GPUDevice;
const models: Model[] = [];
beforeAll(async () => {
  device = await getDevice();
});
afterAll(() => models.splice(0).forEach((m) => m.dispose()));

/** Compiles `m` once, then for each feed set runs it and onnxruntime and compares every output. */
async function expectLikeOrt(m: GraphModel, feedSets: Record<string, Tensor>[]): Promise<void> {
  const compiled = compileModel(buildGraphModel(m), 'cf');
  const model = await createModel(compiled.plan, compiled.weights, { device });
  models.push(model);
  const bytes = encodeGraphModel(m);
  for (const feeds of feedSets) {
    const got = await model.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }])));
    const want = await runOrt(bytes, feeds);
    for (const [name, w] of Object.entries(want)) {
      expect(got[name]!.dims, name).toEqual(w.dims);
      expectClose({ dtype: 'float32', dims: got[name]!.dims, data: got[name]!.data as Float32Array }, w, 1e-5, 1e-6, name);
    }
  }
}

describe('If', () => {
  const x = () => randomTensor('float32', [2, 3], rng(3), -2, 2);

  test('a constant condition imports only its branch', async () => {
    const m = ifModel([], [], { c: bool(false) });
    const text = printGraph(importModel(buildGraphModel(m)));
    expect(text).toMatch(/if_\d+\/else\//);
    expect(text).not.toMatch(/\/then\//);
    await expectLikeOrt(m, [{ x: x() }]);
  });

  test('a condition computed from shapes is decided at compile time', async () => {
    const m = ifModel(
      [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['d0'], attrs: { axis: 0 } },
        { op: 'Equal', inputs: ['d0', 'two'], outputs: ['c'] },
      ],
      [],
      { zero: int64s([0], []), two: int64s([2], []) },
    );
    expect(printGraph(importModel(buildGraphModel(m)))).toMatch(/if_\d+\/then\//);
    await expectLikeOrt(m, [{ x: x() }]);
  });

  test('a bool graph input compiles both branches as variants, selected per run', async () => {
    const m = ifModel([], [{ name: 'c', dtype: 'bool', dims: [] }]);
    await expectLikeOrt(m, [
      { x: x(), c: bool(true) },
      { x: x(), c: bool(false) },
      { x: x(), c: bool(true) },
    ]);
  });

  test('a condition computed from data is refused clearly', () => {
    const m = ifModel([{ op: 'ReduceMax', inputs: ['x'], outputs: ['mx'], attrs: { keepdims: 0 } }, { op: 'Greater', inputs: ['mx', 'zero'], outputs: ['c'] }], [], { zero: f32([0], []) });
    expect(() => importModel(buildGraphModel(m))).toThrow(UnsupportedFormError);
    expect(() => importModel(buildGraphModel(m))).toThrow(/cond is computed from tensor data at run time/);
  });

  test('an unsupported op inside a branch is listed with its path', () => {
    const m = ifModel([], [], { c: bool(true) });
    m.nodes[0]!.attrs!.then_branch = { graph: { inputs: [], nodes: [{ op: 'StringNormalizer', inputs: ['x'], outputs: ['o'], name: 'norm' }], outputs: ['o'] } };
    expect(() => importModel(buildGraphModel(m))).toThrow(UnsupportedOpsError);
    expect(() => importModel(buildGraphModel(m))).toThrow(/StringNormalizer \(opset 13\) ×1: if_\d+\/then_branch\/norm/);
  });
});

/** Scan body: two states (sum, product) and two scan inputs; outputs both states and two scans. */
const body: GraphModel = {
  inputs: [
    { name: 'sum_in', dtype: 'float32', dims: [2] },
    { name: 'prod_in', dtype: 'float32', dims: [2] },
    { name: 'a', dtype: 'float32', dims: [2] },
    { name: 'b', dtype: 'float32', dims: [2] },
  ],
  nodes: [
    { op: 'Add', inputs: ['sum_in', 'a'], outputs: ['sum_out'] },
    { op: 'Mul', inputs: ['prod_in', 'b'], outputs: ['prod_out'] },
    { op: 'Sub', inputs: ['sum_out', 'b'], outputs: ['diff'] },
    { op: 'Identity', inputs: ['prod_out'], outputs: ['prod_copy'] },
  ],
  outputs: ['sum_out', 'prod_out', 'diff', 'prod_copy'],
  outputTypes: { sum_out: { dtype: 'float32', dims: [2] }, prod_out: { dtype: 'float32', dims: [2] }, diff: { dtype: 'float32', dims: [2] }, prod_copy: { dtype: 'float32', dims: [2] } },
};

describe('Scan', () => {
  test('opset 9+: reversed scan input and output, scan input axis 1, output axis 1', async () => {
    const m: GraphModel = {
      inputs: [
        { name: 's0', dtype: 'float32', dims: [2] },
        { name: 'p0', dtype: 'float32', dims: [2] },
        { name: 'xa', dtype: 'float32', dims: [5, 2] },
        { name: 'xb', dtype: 'float32', dims: [2, 5] },
      ],
      nodes: [
        {
          op: 'Scan',
          inputs: ['s0', 'p0', 'xa', 'xb'],
          outputs: ['s', 'p', 'd', 'pc'],
          attrs: { body: { graph: body }, num_scan_inputs: 2, scan_input_axes: [0, 1], scan_input_directions: [0, 1], scan_output_axes: [0, 1], scan_output_directions: [1, 0] },
        },
      ],
      outputs: ['s', 'p', 'd', 'pc'],
      opset: 16,
    };
    const r = rng(11);
    await expectLikeOrt(m, [{ s0: randomTensor('float32', [2], r), p0: randomTensor('float32', [2], r, 0.5, 1.5), xa: randomTensor('float32', [5, 2], r), xb: randomTensor('float32', [2, 5], r, 0.5, 1.5) }]);
  });

  test('opset 8: a batch axis on every tensor', async () => {
    const m: GraphModel = {
      inputs: [
        { name: 's0', dtype: 'float32', dims: [3, 2] },
        { name: 'p0', dtype: 'float32', dims: [3, 2] },
        { name: 'xa', dtype: 'float32', dims: [3, 4, 2] },
        { name: 'xb', dtype: 'float32', dims: [3, 4, 2] },
      ],
      nodes: [{ op: 'Scan', inputs: ['', 's0', 'p0', 'xa', 'xb'], outputs: ['s', 'p', 'd', 'pc'], attrs: { body: { graph: body }, num_scan_inputs: 2, directions: [1, 0] } }],
      outputs: ['s', 'p', 'd', 'pc'],
      opset: 8,
    };
    const r = rng(12);
    await expectLikeOrt(m, [{ s0: randomTensor('float32', [3, 2], r), p0: randomTensor('float32', [3, 2], r, 0.5, 1.5), xa: randomTensor('float32', [3, 4, 2], r), xb: randomTensor('float32', [3, 4, 2], r, 0.5, 1.5) }]);
  });
});
