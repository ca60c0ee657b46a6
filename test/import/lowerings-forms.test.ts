/**
 * The forms of the lowered ops that the ONNX backend tests leave out, each checked against
 * onnxruntime on random inputs (never all zeros): LpNormalization, opset-11 Hardmax, constant
 * OneHot depths and Compress conditions, Einsum equations beyond the five backend ones,
 * integer products long enough to need splitting (and the float64 fallback), per-axis
 * quantization, ReverseSequence batch-major, LRN with an even size, LayerNormalization with only
 * some statistics requested, windows and MelWeightMatrix with constant inputs (folded), and
 * symbolic dims where a lowering needs a size at run time.
 */

import { describe, expect, test } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { buildNodeModel, type Attr, type NodeModel } from './one-node-model.js';
import { runIr, runOrt } from './ort.js';

const rand = rng(20240611);

function t(dtype: DType, dims: number[], values: number[]): Tensor {
  const x = randomTensor(dtype, dims, rand);
  values.forEach((v, i) => {
    if (x.data instanceof BigInt64Array) x.data[i] = BigInt(v);
    else (x.data as Float32Array)[i] = v;
  });
  return x;
}

const f32 = (dims: number[], lo = -2, hi = 2) => randomTensor('float32', dims, rand, lo, hi);
const scalar = (dtype: DType, v: number): Tensor => t(dtype, [], [v]);

/** Imports and evaluates `m` on the CPU and compares every output with onnxruntime's. */
async function check(
  m: NodeModel,
  feeds: Record<string, Tensor>,
  opts: { dims?: Record<string, number>; rtol?: number; atol?: number; nodes?: (kinds: string[]) => void } = {},
): Promise<void> {
  const bytes = buildNodeModel(m);
  const g = importModel(decodeModel(bytes), { dims: opts.dims });
  opts.nodes?.(g.nodes.map((n) => n.op.kind));
  const ours = runIr(g, feeds);
  const ref = await runOrt(bytes, feeds);
  const names = m.outputs.filter((o) => o !== '');
  expect(Object.keys(ours).sort()).toEqual([...names].sort());
  for (const name of names) {
    expect(ours[name]!.dtype, name).toBe(ref[name]!.dtype);
    expectClose(ours[name]!, ref[name]!, opts.rtol ?? 1e-5, opts.atol ?? 1e-6, name);
  }
}

/** A one-op model whose inputs are all fed at run time (dims as declared). */
function node(op: string, opset: number, inputs: Record<string, { dtype: DType; dims: (number | string)[] }>, attrs: Record<string, Attr> = {}, outputs = ['y']): NodeModel {
  return { op, opset, attrs, outputs, inputs: Object.entries(inputs).map(([name, v]) => ({ name, ...v })) };
}

describe('normalizations', () => {
  test.each([
    [1, 1],
    [2, -1],
  ])('LpNormalization p=%i axis=%i', async (p, axis) => {
    await check(node('LpNormalization', 11, { x: { dtype: 'float32', dims: [3, 4, 5] } }, { p, axis }), { x: f32([3, 4, 5]) });
  });

  test('LRN, size 5', async () => {
    const attrs = { size: 5, alpha: { float: 0.01 }, beta: { float: 0.6 }, bias: { float: 1.5 } };
    await check(node('LRN', 13, { x: { dtype: 'float32', dims: [2, 6, 3, 2] } }, attrs), { x: f32([2, 6, 3, 2]) });
  });

  // onnxruntime takes only 4-d inputs and odd sizes: these are checked against the ONNX formula.
  test.each([
    [4, [2, 6, 3]],
    [3, [1, 5, 2, 2, 3]],
  ])('LRN, size %i on %j', (size, dims) => {
    const [alpha, beta, bias] = [0.01, 0.6, 1.5];
    const m = node('LRN', 13, { x: { dtype: 'float32', dims } }, { size, alpha: { float: alpha }, beta: { float: beta }, bias: { float: bias } });
    const x = f32(dims);
    const y = runIr(importModel(decodeModel(buildNodeModel(m))), { x }).y!;
    // square_sum[n, c, d] over channels [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] within [0, C).
    const [batch, channels] = [dims[0]!, dims[1]!];
    const inner = dims.slice(2).reduce((a, b) => a * b, 1);
    const expected = new Float32Array(x.data.length);
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        for (let d = 0; d < inner; d++) {
          let sum = 0;
          for (let k = c - Math.floor((size - 1) / 2); k <= c + Math.ceil((size - 1) / 2); k++) {
            if (k >= 0 && k < channels) sum += Number(x.data[(n * channels + k) * inner + d]) ** 2;
          }
          const i = (n * channels + c) * inner + d;
          expected[i] = Number(x.data[i]) / (bias + (alpha / size) * sum) ** beta;
        }
      }
    }
    expectClose(y, { dtype: 'float32', dims, data: expected }, 1e-5, 1e-6);
  });

  test('InstanceNormalization on rank 3 with a symbolic batch', async () => {
    const m = node('InstanceNormalization', 6, { x: { dtype: 'float32', dims: ['n', 3, 7] }, s: { dtype: 'float32', dims: [3] }, b: { dtype: 'float32', dims: [3] } }, { epsilon: { float: 0.01 } });
    await check(m, { x: f32([2, 3, 7]), s: f32([3]), b: f32([3]) });
  });

  test('LayerNormalization with only Mean requested and no bias', async () => {
    const m = node('LayerNormalization', 17, { x: { dtype: 'float32', dims: [2, 3, 4] }, s: { dtype: 'float32', dims: [3, 4] } }, { axis: 1 }, ['y', 'mean', '']);
    await check(m, { x: f32([2, 3, 4], 5, 9), s: f32([3, 4]) });
  });
});

describe('one-hot encodings', () => {
  test.each([11, 13])('Hardmax opset %i on [2, 3, 4], axis 1', async (opset) => {
    // Ties included: the first maximum wins.
    const x = t('float32', [2, 3, 4], [1, 1, 0.5]);
    await check(node('Hardmax', opset, { x: { dtype: 'float32', dims: [2, 3, 4] } }, { axis: 1 }), { x });
  });

  test('Hardmax along a symbolic axis', async () => {
    await check(node('Hardmax', 13, { x: { dtype: 'float32', dims: ['n', 5] } }, { axis: 0 }), { x: f32([4, 5]) });
  });

  test('OneHot with a constant depth folds the class range', async () => {
    const m: NodeModel = {
      op: 'OneHot',
      opset: 11,
      attrs: { axis: 0 },
      outputs: ['y'],
      inputs: [
        { name: 'i', dtype: 'int64', dims: [2, 3] },
        { name: 'depth', tensor: { dtype: 'int64', dims: [], data: BigInt64Array.from([4n]) } },
        { name: 'v', tensor: { dtype: 'float32', dims: [2], data: Float32Array.from([0.25, 3]) } },
      ],
    };
    // Negative indices count from depth; −5 and 4 are out of range (an all-off column).
    const i = t('int64', [2, 3], [-1, 3, -5, 4, 0, -4]);
    await check(m, { i }, { nodes: (kinds) => expect(kinds).not.toContain('range') });
  });

  test('EyeLike off the diagonal, int64, symbolic dims', async () => {
    await check(node('EyeLike', 9, { x: { dtype: 'float32', dims: ['r', 'c'] } }, { k: -1, dtype: 7 }), { x: f32([4, 3]) });
  });
});

describe('selection', () => {
  const x = f32([3, 4]);
  const condition = (values: number[]) => ({ name: 'c', tensor: { dtype: 'bool' as const, dims: [values.length], data: Uint8Array.from(values) } });

  test('Compress with a constant condition is one gather', async () => {
    const m: NodeModel = { op: 'Compress', opset: 11, attrs: { axis: -1 }, outputs: ['y'], inputs: [{ name: 'x', dtype: 'float32', dims: [3, 4] }, condition([1, 0, 1, 1])] };
    await check(m, { x }, { nodes: (kinds) => expect(kinds).toEqual(['gather']) });
  });

  test('Compress of the flattened input with a shorter condition', async () => {
    const m: NodeModel = { op: 'Compress', opset: 11, outputs: ['y'], inputs: [{ name: 'x', dtype: 'float32', dims: [3, 4] }, condition([0, 1, 1, 0, 1])] };
    await check(m, { x });
  });

  test('ReverseSequence batch-major, rank 3, symbolic time', async () => {
    const m = node('ReverseSequence', 10, { x: { dtype: 'float32', dims: [3, 't', 2] }, lens: { dtype: 'int64', dims: [3] } }, { batch_axis: 0, time_axis: 1 });
    await check(m, { x: f32([3, 5, 2]), lens: t('int64', [3], [5, 1, 3]) });
  });
});

describe('Einsum', () => {
  const cases: [string, number[][]][] = [
    ['ij,jk->ik', [[3, 4], [4, 5]]],
    ['bij,bkj->bik', [[2, 3, 4], [2, 5, 4]]],
    ['ii->i', [[4, 4]]],
    ['ii', [[4, 4]]],
    ['ij->', [[3, 4]]],
    ['i,j->ij', [[3], [4]]],
    ['ij,ij->ij', [[3, 4], [3, 4]]],
    ['ijk,ikl->jl', [[2, 3, 4], [2, 4, 5]]],
    ['ab,bc,cd->ad', [[2, 3], [3, 4], [4, 5]]],
    ['...ij,...jk->...ik', [[2, 5, 3, 4], [2, 5, 4, 2]]],
    ['...ij,jk', [[2, 3, 4], [4, 5]]],
    ['bij,jk', [[2, 3, 4], [4, 5]]],
    ['iij->ji', [[3, 3, 2]]],
    ['ab,ab->', [[3, 4], [3, 4]]],
  ];
  test.each(cases)('%s', async (equation, shapes) => {
    const names = shapes.map((_, i) => `x${i}`);
    const m = node('Einsum', 12, Object.fromEntries(names.map((n, i) => [n, { dtype: 'float32' as const, dims: shapes[i]! }])), { equation });
    await check(m, Object.fromEntries(names.map((n, i) => [n, f32(shapes[i]!)])), { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('quantization', () => {
  test('QuantizeLinear int8 per axis 0, with ties', async () => {
    const m = node('QuantizeLinear', 13, { x: { dtype: 'float32', dims: [2, 4] }, s: { dtype: 'float32', dims: [2] }, z: { dtype: 'int8', dims: [2] } }, { axis: 0 });
    // x / 0.5 hits exact halves (ties to even) and saturates at both ends.
    const x = t('float32', [2, 4], [1.25, -1.25, 0.75, 200, -300, 2.25, 0.1, -0.3]);
    await check(m, { x, s: t('float32', [2], [0.5, 0.5]), z: t('int8', [2], [3, -2]) });
  });

  test('DequantizeLinear int8 per axis 0, and int32 without a zero point', async () => {
    const m = node('DequantizeLinear', 13, { x: { dtype: 'int8', dims: [3, 2] }, s: { dtype: 'float32', dims: [3] }, z: { dtype: 'int8', dims: [3] } }, { axis: 0 });
    await check(m, { x: randomTensor('int8', [3, 2], rand, -128, 127), s: f32([3], 0.1, 2), z: randomTensor('int8', [3], rand, -20, 20) });
    const m32 = node('DequantizeLinear', 13, { x: { dtype: 'int32', dims: [5] }, s: { dtype: 'float32', dims: [] } });
    await check(m32, { x: randomTensor('int32', [5], rand, -100000, 100000), s: f32([], 0.01, 0.1) });
  });
});

describe('integer products', () => {
  const u8 = (dims: number[]) => randomTensor('uint8', dims, rand, 0, 255);
  const i8 = (dims: number[]) => randomTensor('int8', dims, rand, -128, 127);

  test('MatMulInteger with K = 600 (split into exact float32 chunks)', async () => {
    const m: NodeModel = {
      op: 'MatMulInteger',
      opset: 10,
      outputs: ['y'],
      inputs: [
        { name: 'a', dtype: 'uint8', dims: [3, 600] },
        { name: 'b', tensor: i8([600, 4]) },
        { name: 'az', tensor: scalar('uint8', 7) },
        { name: 'bz', tensor: scalar('int8', -3) },
      ],
    };
    await check(m, { a: u8([3, 600]) }, { rtol: 0, atol: 0, nodes: (kinds) => expect(kinds.filter((k) => k === 'matmul').length).toBe(2) });
  });

  test('ConvInteger with 40 channels of 3×3 (split over input channels)', async () => {
    const m: NodeModel = {
      op: 'ConvInteger',
      opset: 10,
      attrs: { pads: [1, 1, 1, 1] },
      outputs: ['y'],
      inputs: [
        { name: 'x', dtype: 'uint8', dims: [1, 40, 5, 5] },
        { name: 'w', tensor: u8([2, 40, 3, 3]) },
        { name: 'xz', dtype: 'uint8', dims: [] },
      ],
    };
    await check(m, { x: u8([1, 40, 5, 5]), xz: scalar('uint8', 200) }, { rtol: 0, atol: 0, nodes: (kinds) => expect(kinds.filter((k) => k === 'conv').length).toBe(2) });
  });

  test('grouped ConvInteger, split per group and over channels', async () => {
    const m: NodeModel = { op: 'ConvInteger', opset: 10, attrs: { group: 2 }, outputs: ['y'], inputs: [{ name: 'x', dtype: 'uint8', dims: [1, 80, 4, 4] }, { name: 'w', dtype: 'uint8', dims: [4, 40, 3, 3] }] };
    // 40 channels × 9 taps per group, 28 channels per exact chunk: 2 groups × 2 chunks.
    await check(m, { x: u8([1, 80, 4, 4]), w: u8([4, 40, 3, 3]) }, { rtol: 0, atol: 0, nodes: (kinds) => expect(kinds.filter((k) => k === 'conv').length).toBe(4) });
  });

  test('ConvInteger whose single-channel window is too long for float32 is computed in float64', async () => {
    const m: NodeModel = { op: 'ConvInteger', opset: 10, outputs: ['y'], inputs: [{ name: 'x', dtype: 'uint8', dims: [1, 1, 20, 20] }, { name: 'w', dtype: 'uint8', dims: [1, 1, 17, 17] }] };
    const g = importModel(decodeModel(buildNodeModel(m)));
    expect(g.nodes.find((n) => n.op.kind === 'conv')!.outputs[0]!.type.dtype).toBe('float64');
    await check(m, { x: u8([1, 1, 20, 20]), w: u8([1, 1, 17, 17]) }, { rtol: 0, atol: 0 });
  });

  test('QLinearMatMul with per-column scales and zero points for B', async () => {
    const m: NodeModel = {
      op: 'QLinearMatMul',
      opset: 10,
      outputs: ['y'],
      inputs: [
        { name: 'a', dtype: 'uint8', dims: [2, 5, 6] },
        { name: 'as', tensor: scalar('float32', 0.02) },
        { name: 'az', tensor: scalar('uint8', 128) },
        { name: 'b', tensor: u8([6, 3]) },
        { name: 'bs', tensor: t('float32', [3], [0.01, 0.03, 0.005]) },
        { name: 'bz', tensor: t('uint8', [3], [120, 130, 0]) },
        { name: 'ys', tensor: scalar('float32', 0.15) },
        { name: 'yz', tensor: scalar('uint8', 100) },
      ],
    };
    await check(m, { a: u8([2, 5, 6]) }, { rtol: 0, atol: 1 });
  });
});

describe('constant generators fold', () => {
  test('BlackmanWindow of a constant size in float64', async () => {
    const m: NodeModel = { op: 'BlackmanWindow', opset: 17, attrs: { periodic: 0, output_datatype: 11 }, outputs: ['y'], inputs: [{ name: 'n', tensor: scalar('int64', 9) }] };
    await check(m, {}, { atol: 1e-6, nodes: (kinds) => expect(kinds).toEqual([]) });
  });

  test('MelWeightMatrix of constant inputs', async () => {
    const m: NodeModel = {
      op: 'MelWeightMatrix',
      opset: 17,
      outputs: ['y'],
      inputs: [
        { name: 'bins', tensor: scalar('int64', 10) },
        { name: 'dft', tensor: scalar('int64', 64) },
        { name: 'rate', tensor: scalar('int64', 16000) },
        { name: 'lo', tensor: scalar('float32', 100) },
        { name: 'hi', tensor: scalar('float32', 7000) },
      ],
    };
    await check(m, {}, { nodes: (kinds) => expect(kinds).toEqual([]) });
  });
});
