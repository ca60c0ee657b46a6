/**
 * Resize and Upsample whose scales, sizes or region of interest are graph inputs: each one-node
 * model is compiled once (output sizes are value symbols, ⌊in · scale⌋ or the sizes' elements),
 * loaded once and run with several values, each against onnxruntime on the same inputs. Nearest
 * copies must match exactly; linear and cubic within rtol 1e-5 / atol 1e-5 (both compute
 * coordinates in f32; onnxruntime's weights and sums are f32 too, ours f32 in a different order).
 * Also the run-time refusal of a scale that makes an output size 0.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { compileModel } from '../../src/compile.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { createModel, type Model } from '../../runtime/index.js';
import { UnsupportedValueError } from '../../runtime/errors.js';
import { buildNodeModel, type NodeModel } from '../import/one-node-model.js';
import { runOrt } from '../import/ort.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

const f32 = (values: number[]): Tensor => ({ dtype: 'float32', dims: [values.length], data: Float32Array.from(values) });
const i64 = (values: number[]): Tensor => ({ dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
const asInput = (t: Tensor) => ({ data: t.data as Float32Array | BigInt64Array, dims: t.dims });

let device: GPUDevice;
const loaded: Model[] = [];
let seed = 40;

interface Loaded {
  bytes: Uint8Array;
  model: Model;
}

async function load(m: NodeModel): Promise<Loaded> {
  const bytes = buildNodeModel(m);
  const compiled = compileModel(decodeModel(bytes), m.op);
  const model = await createModel(compiled.plan, compiled.weights, { device });
  loaded.push(model);
  return { bytes, model };
}

/** Runs `l` and onnxruntime on x (fresh random data of `dims`) plus `feeds`; outputs must match. */
async function expectLikeOrt(l: Loaded, dims: number[], feeds: Record<string, Tensor>, tol: number, what: string): Promise<void> {
  const all = { X: randomTensor('float32', dims, rng(seed++), -5, 5), ...feeds };
  const got = await l.model.run(Object.fromEntries(Object.entries(all).map(([k, t]) => [k, asInput(t)])));
  const want = (await runOrt(l.bytes, all)).Y!;
  const y = got.Y!;
  expect(y.dims, `dims, ${what}`).toEqual(want.dims);
  expectClose({ dtype: 'float32', dims: y.dims, data: y.data as Float32Array }, want, tol, tol, what);
}

const X = { name: 'X', dtype: 'float32' as const, dims: [1, 2, 4, 5] };

beforeAll(async () => {
  device = await getDevice();
});
afterAll(() => {
  for (const m of loaded.splice(0)) m.dispose();
});

describe('scales as a graph input', () => {
  test('nearest (scales on every axis), linear and cubic: one compiled model, several scales', async () => {
    const scales = { name: 'scales', dtype: 'float32' as const, dims: [4] };
    const nearest = await load({ op: 'Resize', inputs: [X, '', scales], outputs: ['Y'], attrs: { mode: 'nearest' }, opset: 13 });
    for (const s of [[1, 1, 2, 3], [2, 1.5, 0.5, 0.6], [1, 3, 1.75, 1]]) await expectLikeOrt(nearest, X.dims, { scales: f32(s) }, 0, `nearest ${s}`);
    // onnxruntime's linear and cubic take 4-d input only with N and C at scale 1.
    for (const [mode, coord] of [['linear', 'half_pixel'], ['linear', 'asymmetric'], ['cubic', 'pytorch_half_pixel'], ['cubic', 'align_corners']]) {
      const l = await load({ op: 'Resize', inputs: [X, '', scales], outputs: ['Y'], attrs: { mode: mode!, coordinate_transformation_mode: coord! }, opset: 13 });
      for (const s of [[1, 1, 2, 1.5], [1, 1, 0.5, 0.8], [1, 1, 2.5, 0.4]]) await expectLikeOrt(l, X.dims, { scales: f32(s) }, 1e-5, `${mode} ${coord} ${s}`);
    }
  });

  test('Upsample-9 nearest with its scales input', async () => {
    const l = await load({ op: 'Upsample', inputs: [X, { name: 'scales', dtype: 'float32', dims: [4] }], outputs: ['Y'], attrs: { mode: 'nearest' }, opset: 9 });
    for (const s of [[1, 1, 2, 3], [1, 2, 1.5, 1]]) await expectLikeOrt(l, X.dims, { scales: f32(s) }, 0, `upsample ${s}`);
  });

  test('Resize-10 nearest: down on one axis, up on another (constant and run-time scales)', async () => {
    const l = await load({ op: 'Resize', inputs: [X, { name: 'scales', dtype: 'float32', dims: [4] }], outputs: ['Y'], attrs: { mode: 'nearest' }, opset: 10 });
    for (const s of [[1, 1, 0.6, 2.5], [2, 0.5, 1.5, 0.4]]) await expectLikeOrt(l, X.dims, { scales: f32(s) }, 0, `resize-10 ${s}`);
    const fixed = await load({ op: 'Resize', inputs: [X, { name: 'scales', tensor: f32([1, 1, 0.6, 2.5]) }], outputs: ['Y'], attrs: { mode: 'nearest' }, opset: 10 });
    await expectLikeOrt(fixed, X.dims, {}, 0, 'resize-10 constant mixed scales');
  });

  test('a scale that makes an output size 0 is refused, naming the input and element', async () => {
    const l = await load({ op: 'Resize', inputs: [X, '', { name: 'scales', dtype: 'float32', dims: [4] }], outputs: ['Y'], attrs: { mode: 'nearest' }, opset: 13 });
    const x = randomTensor('float32', X.dims, rng(1));
    const run = l.model.run({ X: asInput(x), scales: asInput(f32([1, 1, 0.2, 1])) });
    await expect(run).rejects.toThrow(UnsupportedValueError);
    await expect(l.model.run({ X: asInput(x), scales: asInput(f32([1, 1, 0.2, 1])) })).rejects.toThrow(/input 'scales' element 2 is 0\.2.*⌊4 × 0\.2.*⌋ = 0/);
    // The same model still runs with a valid scale afterwards.
    await expectLikeOrt(l, X.dims, { scales: f32([1, 1, 0.5, 2]) }, 0, 'after a refusal');
  });
});

describe('sizes and roi as graph inputs', () => {
  test('cubic and nearest with the sizes as an input', async () => {
    const sizes = { name: 'sizes', dtype: 'int64' as const, dims: [4] };
    const cubic = await load({ op: 'Resize', inputs: [X, '', '', sizes], outputs: ['Y'], attrs: { mode: 'cubic' }, opset: 13 });
    for (const s of [[1, 2, 7, 3], [1, 2, 3, 9], [1, 2, 4, 5]]) await expectLikeOrt(cubic, X.dims, { sizes: i64(s) }, 1e-5, `cubic sizes ${s}`);
    // Opset 11 requires the roi and scales inputs: empty constants stand for "not given".
    const empty = (name: string) => ({ name, tensor: f32([]) });
    const nearest = await load({ op: 'Resize', inputs: [X, empty('roi'), empty('scales'), sizes], outputs: ['Y'], attrs: { mode: 'nearest', nearest_mode: 'ceil', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, opset: 11 });
    for (const s of [[1, 2, 7, 3], [2, 1, 3, 9]]) await expectLikeOrt(nearest, X.dims, { sizes: i64(s) }, 0, `nearest sizes ${s}`);
  });

  test('tf_crop_and_resize with roi and sizes as inputs, extrapolation', async () => {
    const l = await load({
      op: 'Resize',
      inputs: [X, { name: 'roi', dtype: 'float32', dims: [8] }, '', { name: 'sizes', dtype: 'int64', dims: [4] }],
      outputs: ['Y'],
      attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: 10 } },
      opset: 13,
    });
    const runs: [number[], number[]][] = [
      [[0, 0, 0.4, 0.6, 1, 1, 1.2, 1.7], [1, 2, 3, 3]],
      [[0, 0, 0.1, 0.2, 1, 1, 0.9, 0.7], [1, 2, 6, 4]],
    ];
    for (const [roi, sizes] of runs) await expectLikeOrt(l, X.dims, { roi: f32(roi), sizes: i64(sizes) }, 1e-5, `roi ${roi} sizes ${sizes}`);
  });
});
