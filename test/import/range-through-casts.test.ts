/**
 * A Range whose limit is an integer graph input seen through casts — expanded window functions
 * write `Range(0.0, Cast<float>(size), 1.0)` — imports as an `arange` whose length is the input's
 * value symbol (ctx.knownScalarThroughCasts), and runs on the GPU for several sizes from one
 * compile, matching onnxruntime. A non-integer delta keeps the length unknown and stays refused.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { printGraph } from '../../ir/print.js';
import { compileModel } from '../../src/compile.js';
import { importModel } from '../../src/onnx/import.js';
import { createModel, type Model } from '../../runtime/index.js';
import { buildGraphModel, encodeGraphModel, type GraphModel } from './graph-model.js';
import { getDevice } from '../helpers/gpu.js';
import { runOrt } from './ort.js';
import { expectClose } from '../helpers/random.js';

const f32 = (x: number): Tensor => ({ dtype: 'float32', dims: [], data: Float32Array.of(x) });

function windowModel(delta: number): GraphModel {
  return {
    inputs: [{ name: 'size', dtype: 'int32', dims: [] }],
    initializers: { zero: f32(0), step: f32(delta), tau: f32(6.2831855) },
    nodes: [
      { op: 'Cast', inputs: ['size'], outputs: ['size_fp'], attrs: { to: 1 } },
      { op: 'Range', inputs: ['zero', 'size_fp', 'step'], outputs: ['r'] },
      { op: 'Div', inputs: ['tau', 'size_fp'], outputs: ['inc'] },
      { op: 'Mul', inputs: ['r', 'inc'], outputs: ['angle'] },
      { op: 'Cos', inputs: ['angle'], outputs: ['y'] },
    ],
    outputs: ['y'],
  };
}

let device: GPUDevice;
let model: Model | undefined;
beforeAll(async () => {
  device = await getDevice();
});
afterAll(() => model?.dispose());

describe('Range through casts', () => {
  test('imports as an arange of the input value symbol', () => {
    const text = printGraph(importModel(buildGraphModel(windowModel(1))));
    expect(text).toContain('symbol size_0 = %size[0]');
    expect(text).toMatch(/%r = arange\(\) \{[^}]*length = size_0[^}]*\} : f32\[size_0\]/);
  });

  test('runs for several sizes from one compile, like onnxruntime', async () => {
    const onnx = buildGraphModel(windowModel(1));
    const compiled = compileModel(onnx, 'window');
    model = await createModel(compiled.plan, compiled.weights, { device });
    const bytes = encodeGraphModel(windowModel(1));
    for (const n of [1, 7, 64]) {
      const got = await model.run({ size: { data: Int32Array.of(n), dims: [] } });
      const want = await runOrt(bytes, { size: { dtype: 'int32', dims: [], data: Int32Array.of(n) } });
      expect(got.y!.dims).toEqual([n]);
      // cos of the same f32 angles: within a few ulps of onnxruntime's CPU cos.
      expectClose({ dtype: 'float32', dims: got.y!.dims, data: got.y!.data as Float32Array }, want.y!, 1e-5, 2e-6, `size ${n}`);
    }
  });

  test('a non-integer delta keeps the length data-dependent, refused clearly', () => {
    expect(() => compileModel(buildGraphModel(windowModel(0.5)), 'window')).toThrow(/length computed from data at run time/);
  });
});
