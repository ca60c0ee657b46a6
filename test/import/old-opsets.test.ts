/**
 * Models from opsets 1–6, imported and evaluated on the CPU (no GPU), each compared with
 * onnxruntime running the same computation written in a modern opset — onnxruntime has no
 * kernels for most opset-6 forms, and the modern form is the independent statement of what the
 * old one means (the legacy `broadcast`/`axis` attributes as an explicit reshape, Cast's type name
 * as its code, …). Inputs are random, never all zeros. Also checked: the legacy forms that are
 * refused (training mode, shapes the old rules do not allow) say why, the ops still without an
 * old-opset importer are listed as unsupported, and `f64AsF32` reads a model's float64 as float32.
 */

import { describe, expect, test } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/graph.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { ImportError, UnsupportedFormError, UnsupportedOpsError } from '../../src/onnx/errors.js';
import { importModel } from '../../src/onnx/import.js';
import { MODERN_OPSET } from '../../src/onnx/ops/common.js';
import { IMPORTERS } from '../../src/onnx/ops/index.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { buildNodeModel, type Attr, type NodeModel } from './one-node-model.js';
import { runIr, runOrt } from './ort.js';

const rand = rng(20241125);
const f32 = (dims: number[]) => randomTensor('float32', dims, rand, -2, 2);
const constant = (name: string, tensor: Tensor) => ({ name, tensor });
const int64 = (values: number[]): Tensor => ({ dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, BigInt) });
const floats = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

/** A one-op model whose inputs are fed at run time, plus initializers. */
function node(
  op: string,
  opset: number,
  inputs: Record<string, { dtype: DType; dims: number[] } | Tensor>,
  attrs: Record<string, Attr> = {},
  outputs = ['y'],
): NodeModel {
  return {
    op,
    opset,
    attrs,
    outputs,
    inputs: Object.entries(inputs).map(([name, v]) => ('data' in v ? constant(name, v) : { name, ...v })),
  };
}

const input = (dims: number[], dtype: DType = 'float32') => ({ dtype, dims });

function importOld(m: NodeModel) {
  return importModel(decodeModel(buildNodeModel(m)));
}

/** Our import of `old` on the CPU vs onnxruntime on `modern`, on the same feeds. */
async function sameAs(old: NodeModel, modern: NodeModel, feeds: Record<string, Tensor>, rtol = 1e-5): Promise<void> {
  const ours = runIr(importOld(old), feeds);
  const ref = await runOrt(buildNodeModel(modern), feeds);
  for (const name of modern.outputs.filter((o) => o !== '')) {
    expect(ours[name]!.dtype, name).toBe(ref[name]!.dtype);
    expectClose(ours[name]!, ref[name]!, rtol, 1e-6, name);
  }
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe('legacy broadcast (opsets 1–6)', () => {
  test.each([
    ['Add', 6, [2, 3, 4, 5], [3, 4], 1],
    ['Sub', 6, [2, 3, 4, 5], [2], 0],
    ['Mul', 1, [2, 3, 4, 5], [4, 5], undefined],
    ['Div', 6, [2, 3], [2, 1], 0],
    ['Pow', 1, [2, 3, 4], [1, 1], 1],
  ] as const)('%s opset %i: A %j, B %j, axis %s', async (op, opset, aDims, bDims, axis) => {
    const a = op === 'Pow' ? randomTensor('float32', [...aDims], rand, 0.5, 2) : f32([...aDims]);
    const b = f32([...bDims]);
    const attrs: Record<string, Attr> = { broadcast: 1, ...(axis === undefined ? {} : { axis }) };
    if (opset === 1) attrs['consumed_inputs'] = [0, 0];
    // The modern statement: B with trailing 1s so numpy aligns it at `axis`.
    const start = axis ?? aDims.length - bDims.length;
    const aligned = [...bDims, ...new Array<number>(aDims.length - start - bDims.length).fill(1)];
    const bModern: Tensor = { ...b, dims: aligned };
    await sameAs(
      node(op, opset, { a: input([...aDims]), b }, attrs),
      node(op, 7, { a: input([...aDims]), b: bModern }),
      { a },
    );
  });

  test('comparisons and logic ops broadcast the same way', async () => {
    const a = f32([2, 3, 4]);
    const b = f32([3]);
    await sameAs(
      node('Greater', 1, { a: input([2, 3, 4]), b }, { broadcast: 1, axis: 1 }),
      node('Greater', 7, { a: input([2, 3, 4]), b: { ...b, dims: [3, 1] } }),
      { a },
    );
    const p = randomTensor('bool', [2, 3], rand);
    const q = randomTensor('bool', [3], rand);
    await sameAs(node('Xor', 1, { p: input([2, 3], 'bool'), q }, { broadcast: 1 }), node('Xor', 7, { p: input([2, 3], 'bool'), q }), { p });
  });

  test('broadcast=0 needs equal shapes; broadcast=1 needs B to fit inside A', () => {
    const e = thrown(() => importOld(node('Add', 6, { a: input([2, 3]), b: input([3]) })));
    expect(e).toBeInstanceOf(ImportError);
    expect(e.message).toMatch(/broadcast=0/);
    expect(() => importOld(node('Add', 6, { a: input([2, 3]), b: input([4]) }, { broadcast: 1 }))).toThrow(/neither 3 nor 1/);
    expect(() => importOld(node('Add', 6, { a: input([3]), b: input([2, 3]) }, { broadcast: 1 }))).toThrow(/more dims/);
    expect(() => importOld(node('Add', 6, { a: input([2, 3]), b: input([3]) }, { broadcast: 1, axis: 0 }))).toThrow(/neither 2 nor 1/);
    // Opset 7 is numpy broadcasting: the same B [3] against A [2, 3] needs no attribute.
    expect(importOld(node('Add', 7, { a: input([2, 3]), b: input([3]) })).outputs[0]!.type.shape).toEqual([2, 3]);
  });

  test('Gemm before 7: C broadcasts only with broadcast=1', async () => {
    const a = f32([4, 3]);
    const bMat = f32([5, 3]);
    const c = f32([5]);
    await sameAs(
      node('Gemm', 6, { a: input([4, 3]), b: bMat, c }, { broadcast: 1, transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } }),
      node('Gemm', 7, { a: input([4, 3]), b: bMat, c }, { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } }),
      { a },
    );
    const full = f32([4, 5]);
    await sameAs(node('Gemm', 1, { a: input([4, 3]), b: bMat, c: full }, { transB: 1 }), node('Gemm', 7, { a: input([4, 3]), b: bMat, c: full }, { transB: 1 }), { a });
    expect(() => importOld(node('Gemm', 6, { a: input([4, 3]), b: bMat, c }, { transB: 1 }))).toThrow(/must be \[4, 5\] with broadcast=0/);
  });

  test('PRelu before 7: one slope, or one per channel (axis 1)', async () => {
    const x = f32([2, 3, 4, 5]);
    const perChannel = f32([3]);
    await sameAs(node('PRelu', 6, { x: input([2, 3, 4, 5]), s: perChannel }), node('PRelu', 7, { x: input([2, 3, 4, 5]), s: { ...perChannel, dims: [3, 1, 1] } }), { x });
    const one = f32([1]);
    await sameAs(node('PRelu', 1, { x: input([2, 3, 4, 5]), s: one }, { consumed_inputs: [0] }), node('PRelu', 7, { x: input([2, 3, 4, 5]), s: one }), { x });
    const e = thrown(() => importOld(node('PRelu', 6, { x: input([2, 3, 4, 5]), s: f32([5]) })));
    expect(e).toBeInstanceOf(UnsupportedFormError);
    expect(e.message).toMatch(/one per channel/);
  });
});

describe('test mode and training mode (opsets 1–6)', () => {
  const bnParams = () => ({ scale: f32([3]), bias: f32([3]), mean: f32([3]), var: randomTensor('float32', [3], rand, 0.5, 2) });

  test('BatchNormalization with is_test=1 is inference batch norm', async () => {
    const x = f32([2, 3, 4, 5]);
    const p = bnParams();
    await sameAs(
      node('BatchNormalization', 6, { x: input([2, 3, 4, 5]), ...p }, { is_test: 1, epsilon: { float: 1e-3 }, momentum: { float: 0.9 } }),
      node('BatchNormalization', 7, { x: input([2, 3, 4, 5]), ...p }, { epsilon: { float: 1e-3 } }),
      { x },
    );
    await sameAs(
      node('BatchNormalization', 1, { x: input([2, 3, 4, 5]), ...p }, { is_test: 1, consumed_inputs: [0, 0, 0, 1, 1] }),
      node('BatchNormalization', 7, { x: input([2, 3, 4, 5]), ...p }),
      { x },
    );
  });

  test('is_test=0 (the default before 7) is training mode and refused', () => {
    for (const m of [
      node('BatchNormalization', 6, { x: input([2, 3, 4]), ...bnParams() }),
      node('Dropout', 6, { x: input([2, 3]) }, { ratio: { float: 0.3 } }),
    ]) {
      const e = thrown(() => importOld(m));
      expect(e).toBeInstanceOf(UnsupportedFormError);
      expect(e.message).toMatch(/is_test=0 \(training mode/);
    }
    const spatial = thrown(() => importOld(node('BatchNormalization', 6, { x: input([2, 3, 4]), ...bnParams() }, { is_test: 1, spatial: 0 })));
    expect(spatial.message).toMatch(/spatial=0/);
  });

  test('Dropout with is_test=1 is the identity; its unspecified mask is refused', () => {
    const x = f32([2, 3]);
    expect(runIr(importOld(node('Dropout', 6, { x: input([2, 3]) }, { is_test: 1 })), { x }).y).toEqual(x);
    const e = thrown(() => importOld(node('Dropout', 6, { x: input([2, 3]) }, { is_test: 1 }, ['y', 'mask'])));
    expect(e).toBeInstanceOf(UnsupportedFormError);
  });
});

describe('attribute forms that became inputs or changed (opsets 1–5)', () => {
  test('Cast before 6 names the type', async () => {
    const x = f32([3, 4]);
    await sameAs(node('Cast', 1, { x: input([3, 4]) }, { to: 'INT32' }), node('Cast', 6, { x: input([3, 4]) }, { to: 6 }), { x });
    expect(() => importOld(node('Cast', 5, { x: input([3]) }, { to: 'REAL' }))).toThrow(/not a TensorProto.DataType name/);
  });

  test('Concat before 4 defaults to axis 1', async () => {
    const [a, b] = [f32([2, 3]), f32([2, 2])];
    await sameAs(node('Concat', 1, { a: input([2, 3]), b: input([2, 2]) }), node('Concat', 4, { a: input([2, 3]), b: input([2, 2]) }, { axis: 1 }), { a, b });
  });

  test('Split-1 takes sizes from its second input; without an axis it is refused', async () => {
    const x = f32([2, 6]);
    await sameAs(
      node('Split', 1, { x: input([2, 6]), split: floats([2], [4, 2]) }, { axis: 1 }, ['p', 'q']),
      node('Split', 2, { x: input([2, 6]) }, { axis: 1, split: [4, 2] }, ['p', 'q']),
      { x },
    );
    await sameAs(node('Split', 1, { x: input([2, 6]) }, { axis: 1, split: [1, 5] }, ['p', 'q']), node('Split', 2, { x: input([2, 6]) }, { axis: 1, split: [1, 5] }, ['p', 'q']), { x });
    expect(thrown(() => importOld(node('Split', 1, { x: input([2, 6]) }, {}, ['p', 'q'])))).toBeInstanceOf(UnsupportedFormError);
  });

  test('Reshape before 5 takes the shape as an attribute', async () => {
    const x = f32([2, 3, 4]);
    await sameAs(
      node('Reshape', 1, { x: input([2, 3, 4]) }, { shape: [0, -1], consumed_inputs: [1] }),
      node('Reshape', 5, { x: input([2, 3, 4]), shape: int64([0, -1]) }),
      { x },
    );
  });

  test.each(['constant', 'reflect', 'edge'])('Pad-1 calls pads "paddings" (mode %s)', async (mode) => {
    const x = f32([2, 3, 4]);
    const pads = [0, 1, 2, 0, 2, 1];
    await sameAs(
      node('Pad', 1, { x: input([2, 3, 4]) }, { paddings: pads, mode, value: { float: 1.5 } }),
      node('Pad', 2, { x: input([2, 3, 4]) }, { pads, mode, value: { float: 1.5 } }),
      { x },
    );
  });

  test('Tile before 6 repeats one axis, given as (tiles, axis) inputs', async () => {
    const x = f32([2, 3, 2]);
    await sameAs(node('Tile', 1, { x: input([2, 3, 2]), tiles: floats([], [3]), axis: floats([], [1]) }), node('Tile', 6, { x: input([2, 3, 2]), repeats: int64([1, 3, 1]) }), { x });
  });

  test.each(['nearest', 'bilinear'])('Upsample-1 (%s) is Upsample-7 with scales [1, 1, h, w]', async (mode) => {
    const x = f32([1, 2, 3, 4]);
    await sameAs(
      node('Upsample', 1, { x: input([1, 2, 3, 4]) }, { height_scale: { float: 2 }, width_scale: { float: 3 }, mode }),
      node('Upsample', 7, { x: input([1, 2, 3, 4]) }, { scales: { floats: [1, 1, 2, 3] }, mode: mode === 'bilinear' ? 'linear' : mode }),
      { x },
    );
    expect(() => importOld(node('Upsample', 6, { x: input([2, 3, 4]) }, { height_scale: { float: 2 }, width_scale: { float: 2 } }))).toThrow(/4-d/);
  });

  test('forms the modern importers already read: Slice-1, TopK-1, Softmax-1 (2-d coercion), Clip-1', async () => {
    const x = f32([2, 3, 4]);
    await sameAs(
      node('Slice', 1, { x: input([2, 3, 4]) }, { starts: [1, -3], ends: [3, 100], axes: [2, 1] }),
      node('Slice', 10, { x: input([2, 3, 4]), s: int64([1, -3]), e: int64([3, 100]), a: int64([2, 1]) }),
      { x },
    );
    await sameAs(node('TopK', 1, { x: input([2, 3, 4]) }, { k: 2, axis: 1 }, ['v', 'i']), node('TopK', 10, { x: input([2, 3, 4]), k: int64([2]) }, { axis: 1 }, ['v', 'i']), { x });
    await sameAs(node('Softmax', 1, { x: input([2, 3, 4]) }), node('Softmax', 11, { x: input([2, 3, 4]) }, { axis: 1 }), { x });
    await sameAs(
      node('Clip', 1, { x: input([2, 3, 4]) }, { min: { float: -0.5 }, consumed_inputs: [1] }),
      node('Clip', 6, { x: input([2, 3, 4]) }, { min: { float: -0.5 } }),
      { x },
    );
  });

  test("Selu-1's defaults are the rounded 1.6732 and 1.0507", async () => {
    const x = f32([3, 5]);
    await sameAs(node('Selu', 1, { x: input([3, 5]) }), node('Selu', 6, { x: input([3, 5]) }, { alpha: { float: 1.6732 }, gamma: { float: 1.0507 } }), { x });
    await sameAs(node('Selu', 6, { x: input([3, 5]) }), node('Selu', 7, { x: input([3, 5]) }), { x });
  });

  test('consumed_inputs is ignored (unary, variadic, InstanceNormalization)', async () => {
    const x = f32([2, 3, 4]);
    await sameAs(node('Relu', 1, { x: input([2, 3, 4]) }, { consumed_inputs: [1] }), node('Relu', 6, { x: input([2, 3, 4]) }), { x });
    const [a, b] = [f32([2, 3]), f32([2, 3])];
    await sameAs(node('Max', 1, { a: input([2, 3]), b: input([2, 3]) }, { consumed_inputs: [0, 0] }), node('Max', 8, { a: input([2, 3]), b: input([2, 3]) }), { a, b });
    await sameAs(node('Mean', 6, { a: input([2, 3]), b: input([2, 3]) }), node('Mean', 8, { a: input([2, 3]), b: input([2, 3]) }), { a, b });
    const inorm = { scale: f32([3]), bias: f32([3]) };
    await sameAs(
      node('InstanceNormalization', 1, { x: input([2, 3, 4]), ...inorm }, { consumed_inputs: [0, 0, 0] }),
      node('InstanceNormalization', 6, { x: input([2, 3, 4]), ...inorm }),
      { x },
    );
  });
});

describe('the registry below opset 7', () => {
  // Every op accepted below 7, each reviewed against the changelog: its old versions are the
  // current form, or the importer handles their differences (legacy.ts). An importer that
  // starts below 7 without being listed here has not been reviewed.
  const REVIEWED = `Abs Add And ArgMax ArgMin AveragePool BatchNormalization Cast Ceil Clip Concat Constant Conv
    ConvTranspose DepthToSpace Div Dropout Elu Equal Exp Flatten Floor Gather Gemm GlobalAveragePool
    GlobalMaxPool Greater Hardmax HardSigmoid Identity If InstanceNormalization LeakyRelu Less Log
    LogSoftmax LpNormalization LRN MatMul Max MaxPool Mean Min Mul Neg Not Or Pad Pow PRelu Reciprocal
    ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum
    ReduceSumSquare Relu Reshape Selu Shape Sigmoid Size Slice Softmax Softplus Softsign SpaceToDepth Split
    Sqrt Squeeze Sub Sum Tanh Tile TopK Transpose Unsqueeze Upsample Xor`.split(/\s+/);

  test('every importer that accepts an opset below 7 is one reviewed for it', () => {
    const old = IMPORTERS.filter((i) => i.domain === '' && i.since < MODERN_OPSET).map((i) => i.opType);
    expect(old.sort()).toEqual([...REVIEWED].sort());
  });

  test('ops whose old versions are not handled are refused at those opsets', () => {
    const lstm = node('LSTM', 6, { x: input([2, 1, 3]), w: f32([1, 8, 3]), r: f32([1, 8, 2]) }, { hidden_size: 2 });
    const e = thrown(() => importOld(lstm));
    expect(e).toBeInstanceOf(UnsupportedOpsError);
    expect(e.message).toMatch(/LSTM \(opset 6\)/);
  });
});

describe('f64AsF32 reads the model’s float64 as float32', () => {
  const model = (): Uint8Array =>
    buildNodeModel(node('Add', 13, { x: input([2, 3], 'float64'), b: { dtype: 'float64', dims: [3], data: Float64Array.from([0.1, 0.2, 1e-9]) } }));

  test('inputs, initializers and what was read that way', () => {
    const seen: string[] = [];
    const g = importModel(decodeModel(model()), { f64AsF32: true, onF64AsF32: (w) => seen.push(w) });
    expect(g.inputs[0]!.type.dtype).toBe('float32');
    expect(g.outputs[0]!.type.dtype).toBe('float32');
    expect(seen).toEqual(["input 'x'", "initializer 'b'"]);
    const x: Tensor = { dtype: 'float32', dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(runIr(g, { x }).y!.data as Float32Array)).toEqual(Array.from(Float32Array.from([1.1, 2.2, 3, 4.1, 5.2, 6])));
  });

  test('without the option float64 stays float64', () => {
    expect(importModel(decodeModel(model())).inputs[0]!.type.dtype).toBe('float64');
  });

  test('element-type attributes: Cast to DOUBLE becomes a cast to float32 (here, none at all)', () => {
    const seen: string[] = [];
    const cast = buildNodeModel(node('Cast', 13, { x: input([4], 'float32') }, { to: 11 }));
    const g = importModel(decodeModel(cast), { f64AsF32: true, onF64AsF32: (w) => seen.push(w) });
    expect(g.nodes.map((n) => n.op.kind)).toEqual(['unary']); // the identity naming the output
    expect(g.outputs[0]!.type.dtype).toBe('float32');
    expect(seen).toEqual(["attribute 'to' of node 'Cast_0'"]);
  });
});
