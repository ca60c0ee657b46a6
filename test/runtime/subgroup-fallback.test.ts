/**
 * Subgroup GEMM and conv kernels carry a plain fallback (codegen Kernel.fallback → PlanKernel.fallback): a
 * default compile of a big MatMul emits both forms, a device with subgroups runs the subgroup
 * form, a device created without them runs the fallback (runtime/device.ts planForDevice) and
 * never compiles the subgroup shader; both match the CPU reference (f32, rtol 1e-4 / atol 1e-5·√K
 * for sums of K = 256 products). `subgroups: false` emits plain kernels only.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { evaluateGraph } from '../../ir/eval/index.js';
import { compileModel } from '../../src/compile.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { createModel, type Model } from '../../runtime/index.js';
import { planForDevice, usesSubgroups } from '../../runtime/device.js';
import { buildNodeModel } from '../import/one-node-model.js';
import { getDevice, getPlainDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

const M = 128;
const K = 256;
const N = 192;
const bytes = buildNodeModel({
  op: 'MatMul',
  inputs: [{ name: 'a', dtype: 'float32', dims: [M, K] }, { name: 'b', dtype: 'float32', dims: [K, N] }],
  outputs: ['y'],
  opset: 13,
});

let withSubgroups: GPUDevice;
let plain: GPUDevice;
const models: Model[] = [];
beforeAll(async () => {
  withSubgroups = await getDevice();
  plain = await getPlainDevice();
});
afterAll(() => models.splice(0).forEach((m) => m.dispose()));

describe('subgroup fallback', () => {
  const compiled = compileModel(decodeModel(bytes), 'mm');
  const r = rng(5);
  const a = randomTensor('float32', [M, K], r);
  const b = randomTensor('float32', [K, N], r);
  const want = evaluateGraph(importModel(decodeModel(bytes)), { a, b }).get('y')!;

  async function runOn(device: GPUDevice) {
    const model = await createModel(compiled.plan, compiled.weights, { device });
    models.push(model);
    const got = await model.run({ a: { data: a.data as Float32Array, dims: [M, K] }, b: { data: b.data as Float32Array, dims: [K, N] } });
    expectClose({ dtype: 'float32', dims: got.y!.dims, data: got.y!.data as Float32Array }, want, 1e-4, 1e-5 * Math.sqrt(K));
    return model;
  }

  test('a default compile carries both forms', () => {
    const k = compiled.plan.kernels.find((x) => x.fallback);
    expect(k).toBeDefined();
    expect(usesSubgroups(compiled.plan.shaders[k!.shader]!)).toBe(true);
    expect(usesSubgroups(compiled.plan.shaders[k!.fallback!.shader]!)).toBe(false);
  });

  test('a device with subgroups runs the subgroup form', async () => {
    if (!withSubgroups.features.has('subgroups')) throw new Error('the test device has no subgroups (lavapipe offers them)');
    const chosen = planForDevice(compiled.plan, withSubgroups).kernels.find((k) => k.name === compiled.plan.kernels.find((x) => x.fallback)!.name)!;
    expect(usesSubgroups(compiled.plan.shaders[chosen.shader]!)).toBe(true);
    await runOn(withSubgroups);
  });

  test('a device without subgroups runs the fallback and never compiles the subgroup shader', async () => {
    expect(plain.features.has('subgroups')).toBe(false);
    const chosen = planForDevice(compiled.plan, plain);
    expect(chosen.kernels.some((k) => usesSubgroups(compiled.plan.shaders[k.shader]!))).toBe(false);
    const model = await runOn(plain);
    expect(model.stats.shaderModulesCreated).toBe(new Set(chosen.kernels.map((k) => k.shader)).size);
  });

  test('subgroups: false emits plain kernels only', () => {
    const only = compileModel(decodeModel(bytes), 'mm', { subgroups: false });
    expect(only.plan.shaders.some(usesSubgroups)).toBe(false);
    expect(only.plan.kernels.some((k) => k.fallback)).toBe(false);
  });
});

describe('subgroup fallback for convs', () => {
  const convBytes = buildNodeModel({
    op: 'Conv',
    inputs: [
      { name: 'x', dtype: 'float32', dims: [2, 16, 19, 21] },
      { name: 'w', tensor: randomTensor('float32', [32, 16, 3, 3], rng(6)) },
    ],
    outputs: ['y'],
    attrs: { pads: [1, 1, 1, 1] },
    opset: 13,
  });
  const compiled = compileModel(decodeModel(convBytes), 'conv');
  const x = randomTensor('float32', [2, 16, 19, 21], rng(7));
  const want = evaluateGraph(importModel(decodeModel(convBytes)), { x }).get('y')!;

  test('a 3×3 conv runs its subgroup form and its fallback alike', async () => {
    const k = compiled.plan.kernels.find((c) => c.fallback);
    expect(k).toBeDefined();
    expect(usesSubgroups(compiled.plan.shaders[k!.shader]!)).toBe(true);
    for (const device of [withSubgroups, plain]) {
      const model = await createModel(compiled.plan, compiled.weights, { device });
      models.push(model);
      const got = await model.run({ x: { data: x.data as Float32Array, dims: x.dims } });
      // Sums of 16·9 = 144 products.
      expectClose({ dtype: 'float32', dims: got.y!.dims, data: got.y!.data as Float32Array }, want, 1e-4, 1e-5 * Math.sqrt(144));
    }
  });
});
