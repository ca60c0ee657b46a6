/**
 * Shapes given by the VALUES of small integer graph inputs (an Expand shape, Tile repeats, a
 * ConstantOfShape shape, a Reshape target, a Range limit, a window size, a OneHot depth): each model is compiled once, with those values as
 * symbols (Graph.valueSymbols → plan symbols with an `index`), loaded once and run with several
 * value sets, each against onnxruntime on the same inputs (copies and integers: exact equality;
 * window values: rtol 1e-5 / atol 1e-6). Also the
 * run-time refusals: a value < 1 (UnsupportedValueError naming input, element and symbol), an
 * Expand value that is neither 1 nor the input's dim, and a value input given as a GPUBuffer.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateDts } from '../../src/emit/dts.js';
import { InputValidationError, UnsupportedValueError } from '../../runtime/errors.js';
import type { NodeModel } from '../import/one-node-model.js';
import { asInput, disposeAll, expectLikeOrt, i64, loadNodeModel } from './node-models.js';
import { runOrt } from '../import/ort.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

let device: GPUDevice;
const load = (m: NodeModel) => loadNodeModel(device, m);

beforeAll(async () => {
  device = await getDevice();
});
afterAll(disposeAll);

describe('one compiled plan, several value sets', () => {
  test('Expand: the shape input broadcasts with x [3, 1] (1 or 3 against the 3, anything ≥ 1 elsewhere)', async () => {
    const l = await load({
      op: 'Expand',
      inputs: [{ name: 'x', dtype: 'float32', dims: [3, 1] }, { name: 'shape', dtype: 'int64', dims: [3] }],
      outputs: ['y'],
      opset: 13,
    });
    expect(l.compiled.plan.symbols).toEqual([
      { name: 'shape_0', input: 'shape', index: 0 },
      { name: 'shape_1', input: 'shape', index: 1 }, // only checked: (shape_1 - 1)·(shape_1 - 3) = 0
      { name: 'shape_2', input: 'shape', index: 2 },
    ]);
    expect(generateDts(l.compiled.plan)).toContain("shape_0: any size, given by input 'shape' element 0 (≥ 1)");
    const x = randomTensor('float32', [3, 1], rng(1));
    for (const [k, shape] of [[2, 1, 6], [1, 3, 1], [4, 3, 5], [1, 1, 1], [2, 1, 70]].entries()) {
      await expectLikeOrt(l, { x, shape: i64(shape) }, `shape [${shape.join(', ')}] (run ${k})`);
    }
    // Neither 1 nor 3 against the input's 3: the model is invalid there, and the run says so.
    await expect(l.model.run({ x: asInput(x), shape: asInput(i64([2, 2, 6])) })).rejects.toThrow(
      /the model needs them equal \(assumed by shape inference at Expand_0: element 1 of input 'shape' must be 1 or 3 \(the input's dim\)\)/,
    );
  });

  test('Tile: symbolic repeats of longer axes, at several repeat counts', async () => {
    const l = await load({
      op: 'Tile',
      inputs: [{ name: 'x', dtype: 'float32', dims: [2, 3] }, { name: 'repeats', dtype: 'int64', dims: [2] }],
      outputs: ['y'],
      opset: 13,
    });
    const x = randomTensor('float32', [2, 3], rng(2));
    for (const repeats of [[1, 1], [3, 2], [1, 5], [7, 1]]) await expectLikeOrt(l, { x, repeats: i64(repeats) }, `repeats [${repeats.join(', ')}]`);
  });

  test('ConstantOfShape and Reshape: sizes from the values, counts checked per run', async () => {
    const fill = await load({ op: 'ConstantOfShape', inputs: [{ name: 'shape', dtype: 'int64', dims: [2] }], outputs: ['y'], opset: 13 });
    for (const shape of [[1, 1], [3, 4], [2, 1000]]) await expectLikeOrt(fill, { shape: i64(shape) }, `shape [${shape.join(', ')}]`);

    const reshape = await load({
      op: 'Reshape',
      inputs: [{ name: 'x', dtype: 'float32', dims: [4, 6] }, { name: 'shape', dtype: 'int64', dims: [3] }],
      outputs: ['y'],
      opset: 14,
    });
    const x = randomTensor('float32', [4, 6], rng(3));
    for (const shape of [[2, 3, 4], [24, 1, 1], [1, 8, 3]]) await expectLikeOrt(reshape, { x, shape: i64(shape) }, `shape [${shape.join(', ')}]`);
    await expect(reshape.model.run({ x: asInput(x), shape: asInput(i64([2, 3, 5])) })).rejects.toThrow(/give shape_0\*shape_1\*shape_2 = 30 but 24 = 24/);
  });
});

describe('lengths from values: Range limit, window size', () => {
  test('Range with constant start/delta and the limit as an input: length ⌈(limit − 2) / 3⌉, 0 included', async () => {
    const l = await load({
      op: 'Range',
      inputs: [{ name: 'start', tensor: { dtype: 'int64', dims: [], data: BigInt64Array.from([2n]) } }, { name: 'limit', dtype: 'int64', dims: [] }, { name: 'delta', tensor: { dtype: 'int64', dims: [], data: BigInt64Array.from([3n]) } }],
      outputs: ['y'],
      opset: 11,
    });
    for (const limit of [1, 2, 3, 5, 6, 100]) {
      await expectLikeOrt(l, { limit: { dtype: 'int64', dims: [], data: BigInt64Array.from([BigInt(limit)]) } }, `limit ${limit}`);
    }
  });

  test('OneHot with a float depth input: truncated like the cast, several depths from one plan', async () => {
    const l = await load({
      op: 'OneHot',
      inputs: [{ name: 'indices', dtype: 'int64', dims: [4] }, { name: 'depth', dtype: 'float32', dims: [] }, { name: 'values', dtype: 'float32', dims: [2] }],
      outputs: ['y'],
      attrs: { axis: 0 },
      opset: 11,
    });
    const indices = { dtype: 'int64' as const, dims: [4], data: BigInt64Array.from([0n, 2n, -1n, 5n]) };
    const values = { dtype: 'float32' as const, dims: [2], data: Float32Array.from([-2, 7]) };
    for (const depth of [1, 3.7, 6, 11]) {
      await expectLikeOrt(l, { indices, depth: { dtype: 'float32', dims: [], data: Float32Array.from([depth]) }, values }, `depth ${depth}`);
    }
  });

  test('HannWindow (periodic and symmetric) at several sizes from one plan (f32, rtol 1e-5 / atol 1e-6)', async () => {
    for (const periodic of [1, 0]) {
      const l = await load({ op: 'HannWindow', inputs: [{ name: 'size', dtype: 'int32', dims: [] }], outputs: ['y'], attrs: { periodic }, opset: 17 });
      for (const size of [1, 2, 10, 257]) {
        const feeds = { size: { dtype: 'int32' as const, dims: [], data: Int32Array.from([size]) } };
        const got = await l.model.run({ size: { data: feeds.size.data, dims: [] } });
        const want = (await runOrt(l.bytes, feeds)).y!;
        expect(got.y!.dims, `periodic ${periodic}, size ${size}`).toEqual(want.dims);
        expectClose({ dtype: 'float32', dims: got.y!.dims, data: got.y!.data as Float32Array }, want, 1e-5, 1e-6, `periodic ${periodic}, size ${size}`);
      }
    }
  });
});

describe('run-time refusals', () => {
  test('a value below 1 is an UnsupportedValueError naming input, element and symbol', async () => {
    const l = await load({
      op: 'Reshape',
      inputs: [{ name: 'x', dtype: 'float32', dims: [4, 6] }, { name: 'shape', dtype: 'int64', dims: [2] }],
      outputs: ['y'],
      opset: 14,
    });
    const x = asInput(randomTensor('float32', [4, 6], rng(4)));
    const cases: [number[], number][] = [
      [[0, 24], 0],
      [[4, -1], 1],
    ];
    for (const [shape, at] of cases) {
      await expect(l.model.run({ x, shape: asInput(i64(shape)) })).rejects.toBeInstanceOf(UnsupportedValueError);
      await expect(l.model.run({ x, shape: asInput(i64(shape)) })).rejects.toThrow(
        `input 'shape' element ${at} is ${shape[at]}; this compiled model needs ≥ 1 there (it was compiled with that element as the symbol 'shape_${at}', a size ≥ 1), so this value is not supported`,
      );
    }
    // INT64_MAX (exporters' "to the end") does not fit a 32-bit size.
    const huge = { data: BigInt64Array.from([4n, 2n ** 63n - 1n]), dims: [2] };
    await expect(l.model.run({ x, shape: huge })).rejects.toThrow(
      "input 'shape' element 1 is 9223372036854775807; this compiled model takes at most 2147483647 there (the symbol 'shape_1' is a 32-bit size on the device), so this value is not supported",
    );
    // Still an InputValidationError for callers that catch those; and the model still runs after.
    await expect(l.model.run({ x, shape: asInput(i64([0, 24])) })).rejects.toBeInstanceOf(InputValidationError);
    const y = await l.model.run({ x, shape: asInput(i64([8, 3])) });
    expect(y.y!.dims).toEqual([8, 3]);
  });

  test('a value input given as a GPUBuffer is refused: run() needs its values on the host', async () => {
    const l = await load({ op: 'ConstantOfShape', inputs: [{ name: 'n', dtype: 'int64', dims: [1] }], outputs: ['y'], opset: 13 });
    const buffer = device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    try {
      await expect(l.model.run({ n: { buffer, dims: [1] } })).rejects.toThrow(
        "input 'n' must be given as host data ({ data, dims }), not a GPUBuffer: its values set tensor sizes in this compiled model (element 0 is 'n_0'), and run() reads them before dispatching",
      );
    } finally {
      buffer.destroy();
    }
  });
});
