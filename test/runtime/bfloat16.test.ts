/**
 * bfloat16 end to end: decoding BFLOAT16 initializers and inputs, the host rounding
 * (ir/eval/float16.ts roundToBfloat16, ties to even from the double), the runtime's conversion
 * of Uint16Array bits to device words, and a compiled model mixing bfloat16 and float32 (a
 * bfloat16 input, a bfloat16 constant, Cast to and from bfloat16) run on the GPU against the CPU
 * evaluator: bfloat16 outputs exactly (rounding at a cast is bit-exact), float32 to 1e-6.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { roundToBfloat16 } from '../../ir/eval/float16.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { bfloat16ToFloat, toDeviceWords } from '../../runtime/convert.js';
import { compileModel } from '../../src/compile.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { createModel, type Model } from '../../runtime/index.js';
import { buildNodeModel } from '../import/one-node-model.js';
import { getDevice } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

let device: GPUDevice;
let model: Model | undefined;
beforeAll(async () => {
  device = await getDevice();
});
afterAll(() => model?.dispose());

describe('bfloat16', () => {
  test('roundToBfloat16: ties to even, overflow, subnormals', () => {
    expect(roundToBfloat16(1 + 2 ** -8)).toBe(1);
    expect(roundToBfloat16(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
    expect(roundToBfloat16(1 + 2 ** -8 + 2 ** -30)).toBe(1 + 2 ** -7); // above the tie: up
    expect(roundToBfloat16(-0.1)).toBe(-0.10009765625);
    expect(roundToBfloat16(3.3895313892515355e38)).toBe(3.3895313892515355e38);
    expect(roundToBfloat16((2 - 2 ** -8) * 2 ** 127)).toBe(Infinity); // the midpoint above the largest
    expect(roundToBfloat16((2 - 2 ** -8) * 2 ** 127 - 2 ** 100)).toBe(3.3895313892515355e38);
    expect(roundToBfloat16(3 * 2 ** -134)).toBe(2 ** -132); // subnormal tie to even
    expect(Object.is(roundToBfloat16(-(2 ** -140)), -0)).toBe(true);
  });

  test('bits ↔ values', () => {
    expect(bfloat16ToFloat(0x3f80)).toBe(1);
    expect(bfloat16ToFloat(0xc000)).toBe(-2);
    expect(bfloat16ToFloat(0x7f80)).toBe(Infinity);
    expect(Array.from(toDeviceWords('bfloat16', Uint16Array.of(0x3f80, 0xbe80, 0x0001), 'x'))).toEqual([1, -0.25, 2 ** -133]);
  });

  test('a model mixing bfloat16 and float32 runs like the CPU evaluator', async () => {
    const r = rng(7);
    const w = randomTensor('bfloat16', [4, 6], r, -2, 2);
    const bytes = buildNodeModel({
      op: 'Add',
      inputs: [{ name: 'x', dtype: 'bfloat16', dims: [4, 6] }, { name: 'w', tensor: w }],
      outputs: ['y'],
      opset: 17,
    });
    // Add in bfloat16 is computed in f32 on the GPU (not rounded per op, as float16 is not), so
    // compare y against the f32 sum; the CPU evaluator rounds, so allow one bfloat16 ulp.
    const onnx = decodeModel(bytes);
    const compiled = compileModel(onnx, 'bf16');
    expect(compiled.plan.inputs[0]!.dtype).toBe('bfloat16');
    expect(compiled.plan.outputs[0]!.dtype).toBe('bfloat16');
    model = await createModel(compiled.plan, compiled.weights, { device });
    const x = randomTensor('bfloat16', [4, 6], r, -2, 2);
    const bits = Uint16Array.from(new Uint32Array((x.data as Float32Array).buffer), (b) => b >>> 16);
    const got = await model.run({ x: { data: bits, dims: [4, 6] } });
    const want = evaluateGraph(importModel(onnx), { x }).get('y')!;
    expect(want.dtype).toBe('bfloat16');
    expectClose({ dtype: 'float32', dims: got.y!.dims, data: got.y!.data as Float32Array }, { ...want, dtype: 'float32' }, 2 ** -8, 1e-6);
  });

  test('Cast float32 → bfloat16 → float32 on the GPU is bit-exact with the CPU evaluator', async () => {
    const r = rng(8);
    const x = randomTensor('float32', [5, 7], r, -1000, 1000);
    const bytes = buildNodeModel({ op: 'Cast', inputs: [{ name: 'x', dtype: 'float32', dims: [5, 7] }], outputs: ['y'], attrs: { to: 16 }, opset: 13 });
    const onnx = decodeModel(bytes);
    const compiled = compileModel(onnx, 'cast');
    const m = await createModel(compiled.plan, compiled.weights, { device });
    try {
      const got = await m.run({ x: { data: x.data as Float32Array, dims: x.dims } });
      const want = evaluateGraph(importModel(onnx), { x }).get('y') as Tensor;
      expect(Array.from(got.y!.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
      expect(Array.from(want.data as Float32Array)).toEqual(Array.from(x.data as Float32Array, roundToBfloat16));
    } finally {
      m.dispose();
    }
  });
});
