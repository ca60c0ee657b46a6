/**
 * `f64AsF32` (`--f64-as-f32`), which every conformance test compiles with, end to end on the GPU:
 * a model with float64 inputs, constants and outputs compiles, run() takes Float64Array and
 * returns Float64Array with dtype 'float64', and the values match onnxruntime's float64 results
 * to f32 precision. Without the option float64 is refused with a message naming it.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { createModel, InputValidationError, type Model } from '../../runtime/index.js';
import { compileModel } from '../../src/compile.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { buildNodeModel } from '../import/one-node-model.js';
import { runOrt } from '../import/ort.js';

const rand = rng(64);
const x = randomTensor('float64', [2, 3, 4], rand, -3, 3);
const b = randomTensor('float64', [4], rand, -3, 3);
// x · b + … in float64: one Mul with a float64 initializer, a float64 input and output.
const mulBytes = buildNodeModel({
  op: 'Mul',
  opset: 13,
  inputs: [{ name: 'x', dtype: 'float64', dims: [2, 3, 4] }, { name: 'b', tensor: b }],
  outputs: ['y'],
});
const castBytes = buildNodeModel({ op: 'Cast', opset: 13, inputs: [{ name: 'x', dtype: 'float32', dims: [5] }], outputs: ['y'], attrs: { to: 11 } });

async function load(bytes: Uint8Array): Promise<Model> {
  const { plan, weights } = compileModel(decodeModel(bytes), 'f64', { f64AsF32: true, log: () => {} });
  return createModel(plan, weights, { device: await getDevice() });
}

describe('--f64-as-f32', () => {
  let mul: Model;
  beforeAll(async () => {
    mul = await load(mulBytes);
  });
  afterAll(() => mul?.dispose());

  test('the plan keeps float64 at the boundary and the report says what ran in f32', () => {
    const { plan, report } = compileModel(decodeModel(mulBytes), 'f64', { f64AsF32: true, log: () => {} });
    expect(plan.inputs.map((t) => t.dtype)).toEqual(['float64']);
    expect(plan.outputs.map((t) => t.dtype)).toEqual(['float64']);
    expect(report.f64AsF32).toEqual(["input 'x'", "initializer 'b'"]);
    expect(report.notes.join('\n')).toMatch(/float64 is computed and stored as f32 .*--f64-as-f32/);
  });

  test('run() takes and returns Float64Array, matching onnxruntime to f32 precision', async () => {
    const out = await mul.run({ x: { data: x.data as Float64Array, dims: [2, 3, 4] } });
    expect(out.y!.dtype).toBe('float64');
    expect(out.y!.data).toBeInstanceOf(Float64Array);
    const ref = (await runOrt(mulBytes, { x })).y!;
    expect(ref.dtype).toBe('float64');
    const ours: Tensor = { dtype: 'float64', dims: out.y!.dims, data: out.y!.data as Float64Array };
    expectClose(ours, ref, 1e-6, 1e-6, 'y');
    // Computed in f32: not bit-equal to the float64 result.
    expect(Array.from(ours.data as Float64Array)).not.toEqual(Array.from(ref.data as Float64Array));
  });

  test('a Float32Array for a float64 input is rejected, naming what it takes', async () => {
    await expect(mul.run({ x: { data: new Float32Array(24), dims: [2, 3, 4] } })).rejects.toThrow(InputValidationError);
    await expect(mul.run({ x: { data: new Float32Array(24), dims: [2, 3, 4] } })).rejects.toThrow(/float64 data as Float64Array/);
  });

  test('Cast to DOUBLE returns the float32 values exactly, as float64', async () => {
    const model = await load(castBytes);
    try {
      const v = randomTensor('float32', [5], rand, -100, 100);
      const out = await model.run({ x: { data: v.data as Float32Array } });
      expect(out.y!.dtype).toBe('float64');
      expect(Array.from(out.y!.data as Float64Array)).toEqual(Array.from(v.data as Float32Array));
    } finally {
      model.dispose();
    }
  });

  test('without the option float64 is refused, pointing at it', () => {
    expect(() => compileModel(decodeModel(mulBytes), 'f64', { log: () => {} })).toThrow(/is float64: .*--f64-as-f32/);
  });
});
