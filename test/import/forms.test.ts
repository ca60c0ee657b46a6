/**
 * What the importers produce, checked on the IR: each opset form lowers to the expected canonical
 * ops with every attribute resolved (auto_pad pads, ConvTranspose output_shape, Softmax before and
 * after opset 13, Clip's attribute and input forms, Reshape 0/-1/allowzero, Squeeze/Unsqueeze and
 * Split in both forms, Shape folding), and the graph-level contract: input symbols, output names,
 * and the errors (unsupported ops listed together, unsupported forms, order, undefined values).
 * Numerics of the same fixtures are checked against onnxruntime in ops.test.ts.
 */

import { describe, expect, test } from 'vitest';
import type { Graph, Node, Value } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { ImportError, UnsupportedFormError, UnsupportedOpsError } from '../../src/onnx/errors.js';
import { importModel } from '../../src/onnx/import.js';
import { MAX_OPSET } from '../../src/onnx/ops/common.js';
import { importFixture, loadFixture } from './fixtures.js';

const kinds = (g: Graph) => g.nodes.map((n) => n.op.kind);
const only = (g: Graph): Node => {
  expect(g.nodes).toHaveLength(1);
  return g.nodes[0]!;
};
function opOf<K extends Op['kind']>(n: Node, kind: K): Extract<Op, { kind: K }> {
  expect(n.op.kind).toBe(kind);
  return n.op as Extract<Op, { kind: K }>;
}
const outShapes = (g: Graph) => g.outputs.map((v) => v.type.shape);
/** The elements of a constant value (numbers, or bigints for int64). */
const constValues = (v: Value): (number | bigint)[] => Array.from(v.data!.data as ArrayLike<number | bigint>);

function importError(name: string, dims: Record<string, number> = {}): Error {
  try {
    importFixture(name, dims);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`importing ${name} did not fail`);
}

describe('convolutions', () => {
  test('auto_pad SAME_UPPER puts the odd pad at the end, SAME_LOWER at the start', () => {
    expect(opOf(only(importFixture('conv_same_upper_s2')), 'conv').pads).toEqual([0, 0, 1, 1]);
    expect(opOf(only(importFixture('conv_same_lower_s2')), 'conv').pads).toEqual([1, 1, 0, 0]);
    expect(outShapes(importFixture('conv_same_upper_s2'))).toEqual([[1, 4, 4, 4]]);
  });

  test('VALID, explicit pads, groups, 1-d and 3-d keep their attributes', () => {
    expect(opOf(only(importFixture('conv_valid')), 'conv')).toMatchObject({ pads: [0, 0, 0, 0], strides: [2, 1] });
    expect(opOf(only(importFixture('conv_pads_group')), 'conv')).toMatchObject({ pads: [1, 0, 2, 1], group: 2, strides: [1, 2] });
    expect(opOf(only(importFixture('conv1d')), 'conv')).toMatchObject({ pads: [2, 1], strides: [2], dilations: [2] });
    expect(opOf(only(importFixture('conv3d')), 'conv')).toMatchObject({ pads: [0, 1, 1, 1, 0, 1], strides: [1, 1, 1] });
  });

  test('SAME with stride 1 works on symbolic dims; with stride 2 it needs them bound', () => {
    const g = importFixture('conv_same_symbolic');
    expect(opOf(only(g), 'conv').pads).toEqual([1, 1, 1, 1]);
    expect(outShapes(g)).toEqual([['batch', 4, 7, 6]]);
    const e = importError('conv_same_symbolic_s2');
    expect(e).toBeInstanceOf(UnsupportedFormError);
    expect(e.message).toMatch(/^Conv 'y_node': .*symbol 'h'/);
    // h = 9 needs 2 pads in total (1 + 1); w = 6 needs 1, which SAME_LOWER puts at the start.
    expect(opOf(only(importFixture('conv_same_symbolic_s2', { h: 9, w: 6 })), 'conv').pads).toEqual([1, 1, 1, 0]);
  });

  test('ConvTranspose output_shape and SAME auto_pad become pads and output padding', () => {
    // 3 → full 7 rows: target 6 trims one at the start; target 8 columns grows the end by one.
    const ot = opOf(only(importFixture('convtranspose_output_shape')), 'convTranspose');
    expect(ot).toMatchObject({ pads: [1, 0, 0, 0], outputPadding: [0, 1], strides: [2, 2] });
    expect(opOf(only(importFixture('convtranspose_same_upper')), 'convTranspose').pads).toEqual([0, 0, 1, 1]);
    expect(opOf(only(importFixture('convtranspose_same_lower')), 'convTranspose').pads).toEqual([1, 1, 0, 0]);
    expect(outShapes(importFixture('convtranspose_same_lower'))).toEqual([[1, 2, 6, 8]]);
    expect(opOf(only(importFixture('convtranspose_output_padding')), 'convTranspose').outputPadding).toEqual([2, 1]);
  });
});

describe('softmax forms', () => {
  test('opset 11 coerces to 2-d around the softmax when the block has several axes', () => {
    const g = importFixture('softmax_opset11_axis1');
    expect(kinds(g)).toEqual(['reshape', 'softmax', 'reshape']);
    expect(opOf(g.nodes[0]!, 'reshape').shape).toEqual([2, 12]);
    expect(opOf(g.nodes[1]!, 'softmax')).toEqual({ kind: 'softmax', axis: 1, log: false });
    expect(outShapes(g)).toEqual([[2, 3, 4]]);
    expect(opOf(importFixture('logsoftmax_opset11_default').nodes[1]!, 'softmax').log).toBe(true);
  });

  test('opset 11 on the last axis (or a block of one non-1 dim) is a plain softmax', () => {
    expect(opOf(only(importFixture('softmax_opset11_last')), 'softmax').axis).toBe(2);
    expect(opOf(only(importFixture('softmax_opset11_trailing_ones')), 'softmax').axis).toBe(1);
    const g = importFixture('softmax_opset11_symbolic');
    expect(opOf(only(g), 'softmax').axis).toBe(2);
    expect(outShapes(g)).toEqual([['batch', 'seq', 8]]);
  });

  test('opset 13 normalizes along the given axis, default the last', () => {
    expect(opOf(only(importFixture('softmax_opset13_axis1')), 'softmax').axis).toBe(1);
    expect(opOf(only(importFixture('softmax_opset13_default')), 'softmax').axis).toBe(2);
  });
});

describe('clip forms', () => {
  const clip = (name: string) => opOf(only(importFixture(name)), 'unary');
  test('attributes before opset 11, with the float32 range as default', () => {
    expect(clip('clip_opset10')).toMatchObject({ fn: 'clip', alpha: Math.fround(-0.2), beta: Math.fround(0.4) });
    expect(clip('clip_opset7_default')).toMatchObject({ alpha: -3.4028234663852886e38, beta: Math.fround(0.1) });
  });
  test('optional constant inputs from opset 11; absent bounds are infinite', () => {
    expect(clip('clip_opset11_none')).toMatchObject({ alpha: -Infinity, beta: Infinity });
    expect(clip('clip_opset12_min')).toMatchObject({ alpha: Math.fround(-0.3), beta: Infinity });
    expect(clip('clip_opset13_max_only')).toMatchObject({ alpha: -Infinity, beta: 0.25 });
    expect(clip('clip_int')).toMatchObject({ alpha: -2, beta: 3 });
  });
  test('a bound computed at run time becomes max/min', () => {
    const g = importFixture('clip_opset13_runtime');
    expect(g.nodes.map((n) => n.op)).toEqual([
      { kind: 'binary', fn: 'max' },
      { kind: 'binary', fn: 'min' },
    ]);
  });
});

describe('shape ops', () => {
  const reshapeOf = (name: string, dims: Record<string, number> = {}) => opOf(only(importFixture(name, dims)), 'reshape').shape;

  test('Reshape: 0 copies, -1 is inferred (symbolically too), allowzero keeps literal dims', () => {
    expect(reshapeOf('reshape_zero_minus1')).toEqual([2, 6, 2]);
    expect(reshapeOf('reshape_allowzero')).toEqual([4, 3, 2]);
    expect(reshapeOf('reshape_symbolic')).toEqual(['batch', 4, 3]);
    expect(reshapeOf('reshape_symbolic', { batch: 5 })).toEqual([5, 4, 3]);
  });

  test('Reshape to a shape given as a graph input reads its values as symbols bound per run', () => {
    const g = importFixture('error/reshape_runtime');
    expect(g.valueSymbols).toEqual([
      { name: 's_0', input: 's', index: 0 },
      { name: 's_1', input: 's', index: 1 },
    ]);
    expect(opOf(only(g), 'reshape').shape).toEqual(['s_0', 's_1']);
    expect(g.dimAssertions).toEqual([{ a: 's_0*s_1', b: 6, where: 'reshape_rt' }]);
  });

  test('Squeeze and Unsqueeze in the attribute (<13) and input (≥13) forms', () => {
    expect(reshapeOf('squeeze_opset11')).toEqual([2, 3]);
    expect(reshapeOf('squeeze_opset13')).toEqual([2, 1, 3]);
    expect(reshapeOf('squeeze_all')).toEqual([2, 3]);
    expect(reshapeOf('unsqueeze_opset11')).toEqual([1, 2, 3, 1]);
    expect(reshapeOf('unsqueeze_opset13')).toEqual([2, 1, 3, 1]);
  });

  test('Squeeze without axes needs symbolic dims bound (a symbol may be 1)', () => {
    const e = importError('squeeze_symbolic');
    expect(e).toBeInstanceOf(UnsupportedFormError);
    expect(e.message).toMatch(/^Squeeze 'y_node': Squeeze without axes on the symbolic dim 'batch'/);
    expect(reshapeOf('squeeze_symbolic', { batch: 1 })).toEqual([3]);
    expect(reshapeOf('squeeze_symbolic', { batch: 2 })).toEqual([2, 3]);
  });

  test('Flatten at each axis form', () => {
    expect(reshapeOf('flatten_axis0')).toEqual([1, 24]);
    expect(reshapeOf('flatten_axis2')).toEqual([6, 20]);
    expect(reshapeOf('flatten_negative')).toEqual([6, 4]);
    expect(reshapeOf('flatten_default')).toEqual([2, 12]);
  });

  test('Split: attribute sizes, input sizes, equal parts, and opset 18 uneven chunks', () => {
    const starts = (name: string) => importFixture(name).nodes.map((n) => opOf(n, 'slice')).map((s) => [s.axes[0], s.starts[0], s.ends[0]]);
    expect(starts('split_opset11')).toEqual([[1, 0, 1], [1, 1, 4], [1, 4, 6]]);
    expect(starts('split_opset13')).toEqual([[2, 0, 4], [2, 4, 5]]);
    expect(starts('split_equal')).toEqual([[0, 0, 2], [0, 2, 4], [0, 4, 6]]);
    expect(starts('split_opset18_uneven')).toEqual([[1, 0, 3], [1, 3, 6], [1, 6, 7]]);
    expect(importFixture('split_opset11').outputs.map((v) => v.name)).toEqual(['a', 'b', 'c']);
  });

  test('Slice keeps ONNX starts/ends with negative axes normalized and INT64 sentinels clamped', () => {
    const s = opOf(only(importFixture('slice_opset13')), 'slice');
    expect(s).toEqual({ kind: 'slice', axes: [2, 1, 0], starts: [-1, 1, 0], ends: [-(2 ** 31 - 1), 2 ** 31 - 1, 4], steps: [-2, 2, 1] });
    expect(opOf(only(importFixture('slice_opset9')), 'slice')).toMatchObject({ axes: [0, 2], starts: [1, -3], ends: [1000, -1], steps: [1, 1] });
  });

  test('Shape → Gather → Concat → Reshape folds away when dims are bound', () => {
    const g = importFixture('shape_chain', { batch: 2 });
    expect(kinds(g)).toEqual(['reshape']);
    expect(outShapes(g)).toEqual([[2, 12], [3], [1], []]);
    expect(constValues(g.outputs[1]!)).toEqual([2n, 3n, 4n]);
    expect(constValues(g.outputs[2]!)).toEqual([3n]); // Shape-15 start=1, end=-1
    expect(g.outputs[3]!.data!.data[0]).toBe(24n);
  });

  test('with symbolic dims Shape is a node with known symbolic contents, and a Reshape fed by it resolves', () => {
    const g = importFixture('shape_symbolic');
    expect(kinds(g)).toEqual(['shape', 'shape', 'reduce']);
    expect(outShapes(g)).toEqual([[2], []]);
    expect(g.outputs.map((v) => v.symbolic)).toEqual([['batch', 3], ['3*batch']]);
    expect(kinds(importFixture('shape_symbolic', { batch: 3 }))).toEqual([]);
    // Shape → Gather → Unsqueeze → Concat([batch], [-1]) → Reshape: the plumbing is evaluated
    // symbolically and dropped; only the graph outputs that are shapes keep their nodes.
    const c = importFixture('shape_chain');
    expect(c.nodes.filter((n) => n.op.kind === 'reshape').map((n) => n.op)).toEqual([{ kind: 'reshape', shape: ['batch', 12] }]);
    expect(kinds(c).filter((k) => k !== 'reshape').sort()).toEqual(['reduce', 'shape', 'shape']);
    expect(outShapes(c)).toEqual([['batch', 12], [3], [1], []]);
    expect(constValues(c.outputs[2]!)).toEqual([3n]);
    expect(c.outputs[3]!.symbolic).toEqual(['12*batch']);
  });

  test('Transpose defaults to reversing the axes', () => {
    expect(opOf(only(importFixture('transpose_default')), 'transpose').perm).toEqual([2, 1, 0]);
  });

  test('DepthToSpace DCR and CRD lower to reshape-transpose-reshape', () => {
    const dcr = importFixture('depth_to_space_dcr');
    expect(kinds(dcr)).toEqual(['reshape', 'transpose', 'reshape']);
    expect(opOf(dcr.nodes[0]!, 'reshape').shape).toEqual([1, 2, 2, 2, 2, 3]);
    expect(opOf(dcr.nodes[1]!, 'transpose').perm).toEqual([0, 3, 4, 1, 5, 2]);
    expect(opOf(importFixture('depth_to_space_crd').nodes[1]!, 'transpose').perm).toEqual([0, 1, 4, 2, 5, 3]);
    expect(outShapes(dcr)).toEqual([[1, 2, 4, 6]]);
  });
});

describe('other forms', () => {
  test('reductions take axes from attributes or inputs, sorted; noop_with_empty_axes is the input', () => {
    const g13 = importFixture('reduce_opset13');
    expect(g13.nodes.map((n) => n.op)).toEqual([
      { kind: 'reduce', fn: 'sum', axes: [1], keepdims: false },
      { kind: 'reduce', fn: 'sum', axes: [0, 1, 2], keepdims: true },
      { kind: 'reduce', fn: 'mean', axes: [1], keepdims: true },
      // The no-op reduction is x itself; naming it as a graph output takes an identity.
      { kind: 'unary', fn: 'identity', alpha: 0, beta: 0 },
    ]);
    expect(g13.outputs[2]!.name).toBe('noop');
    expect(g13.nodes[3]!.inputs[0]).toBe(g13.inputs[0]);
    expect(opOf(importFixture('reduce_opset11').nodes[0]!, 'reduce').axes).toEqual([0, 2]);
    expect(opOf(importFixture('reduce_opset18').nodes[0]!, 'reduce')).toMatchObject({ fn: 'max', axes: [0, 2] });
  });

  test('global pools are spatial reductions with keepdims', () => {
    expect(opOf(only(importFixture('global_avgpool')), 'reduce')).toEqual({ kind: 'reduce', fn: 'mean', axes: [2, 3], keepdims: true });
  });

  test('Gemm carries trans/alpha/beta; MatMul is a plain matmul', () => {
    expect(opOf(only(importFixture('gemm_opset7')), 'matmul')).toEqual({ kind: 'matmul', transA: false, transB: true, alpha: 0.5, beta: 2 });
    const noC = only(importFixture('gemm_opset11_noc'));
    expect(noC.inputs).toHaveLength(2);
    expect(opOf(noC, 'matmul').transA).toBe(true);
  });

  test('Resize computes sizes from scales (floor) and scales from sizes', () => {
    const r10 = opOf(only(importFixture('resize_opset10_nearest')), 'resize');
    expect(r10).toMatchObject({ coordMode: 'asymmetric', nearestMode: 'floor', sizes: [1, 2, 6, 6] });
    const r11 = opOf(only(importFixture('resize_opset11_linear_sizes')), 'resize');
    expect(r11).toMatchObject({ mode: 'linear', coordMode: 'align_corners', sizes: [1, 2, 7, 3], scales: [1, 1, 7 / 4, 3 / 4] });
    expect(opOf(only(importFixture('resize_opset18_axes')), 'resize').sizes).toEqual([1, 2, 6, 9]);
    expect(opOf(only(importFixture('resize_symbolic_batch')), 'resize').sizes).toEqual(['batch', 2, 6, 6]);
    expect(opOf(only(importFixture('upsample_opset7')), 'resize')).toMatchObject({ sizes: [1, 1, 4, 9], coordMode: 'asymmetric' });
    // tf_crop_and_resize's constant roi becomes the op's second input (the kernel reads it).
    const crop = only(importFixture('error/resize_tf_crop'));
    expect(opOf(crop, 'resize')).toMatchObject({ coordMode: 'tf_crop_and_resize', sizes: [1, 1, 8, 8] });
    expect(crop.inputs.map((v) => v.name)).toEqual(['x', 'roi']);
  });

  test('negative pads become a slice before the pad', () => {
    const g = importFixture('pad_negative');
    expect(kinds(g)).toEqual(['slice', 'pad']);
    expect(opOf(g.nodes[1]!, 'pad').pads).toEqual([0, 2, 1, 0]);
    expect(opOf(only(importFixture('pad_opset18_axes')), 'pad').pads).toEqual([0, 2, 1, 0, 0, 2]);
  });

  test('Identity and Dropout alias their input; an aliased graph output gets its own name', () => {
    const g = importFixture('identity_dropout');
    expect(g.outputs.map((v) => v.name)).toEqual(['y', 'a', 'mask']);
    expect(opOf(g.nodes.find((n) => n.outputs[0]!.name === 'y')!, 'unary').fn).toBe('relu');
    expect(g.nodes.find((n) => n.outputs[0]!.name === 'y')!.inputs[0]).toBe(g.inputs[0]);
    const aliases = importFixture('aliases');
    expect(aliases.outputs.map((v) => v.name)).toEqual(['r', 'r_copy', 'x_copy']);
    expect(aliases.nodes.filter((n) => n.op.kind === 'unary' && n.op.fn === 'identity')).toHaveLength(2);
  });

  test('Constant attribute forms and ConstantOfShape fold into constants', () => {
    const g = importFixture('constants');
    expect(g.outputs.slice(1).map((v) => [v.type.dtype, v.type.shape])).toEqual([
      ['float32', [3]],
      ['int64', []],
      ['int64', [2]],
    ]);
    const cos = importFixture('constant_of_shape');
    expect(cos.outputs[1]!.data?.dtype).toBe('int64');
    expect(constValues(cos.outputs[2]!)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('graph contract and errors', () => {
  test('unknown input dims get a generated symbol', () => {
    expect(importFixture('unknown_dim').inputs[0]!.type.shape).toEqual(['unk_x_0', 3]);
    expect(importFixture('unknown_dim', { unk_x_0: 7 }).outputs[0]!.type.shape).toEqual([7, 3]);
  });

  test('binding a symbol no input uses is an error naming the symbols there are', () => {
    expect(() => importFixture('reshape_symbolic', { batchh: 2 })).toThrow("dims binds 'batchh', which no graph input uses (symbols: batch)");
  });

  test('every unsupported op is listed with its opset, count and first node names', () => {
    const e = importError('error/unsupported');
    expect(e).toBeInstanceOf(UnsupportedOpsError);
    expect(e.message).toBe('6 unsupported ops: NonMaxSuppression (opset 11) ×5: nms_1, nms_2, nms_3, …; Unique (opset 11) ×1: unique_0');
    expect((e as UnsupportedOpsError).ops).toEqual([
      { opType: 'NonMaxSuppression', domain: '', opset: 11, count: 5, nodes: ['nms_1', 'nms_2', 'nms_3', 'nms_4', 'nms_5'] },
      { opType: 'Unique', domain: '', opset: 11, count: 1, nodes: ['unique_0'] },
    ]);
  });

  test('an op at an opset outside its importer range is unsupported', () => {
    // The fixture's opset 6 is supported now (old-opsets.test.ts); one past MAX_OPSET is not.
    const model = loadFixture('error/unsupported_opset');
    model.opsets.set('', MAX_OPSET + 1);
    expect(() => importModel(model)).toThrow(`1 unsupported op: Relu (opset ${MAX_OPSET + 1}) ×1: old_relu`);
  });

  test('other domains are named in the message', () => {
    const model = loadFixture('aliases');
    model.graph.nodes[0] = { ...model.graph.nodes[0]!, domain: 'com.microsoft', opType: 'FusedConv', name: 'fc' };
    model.opsets.set('com.microsoft', 1);
    expect(() => importModel(model)).toThrow('1 unsupported op: FusedConv (com.microsoft opset 1) ×1: fc');
  });

  test('training-only outputs and forms without an IR equivalent are rejected by name', () => {
    const cases: [string, RegExp][] = [
      ['error/dropout_training', /^Dropout 'y_node': training_mode=true/],
    ];
    for (const [name, message] of cases) {
      const e = importError(name);
      expect(e, name).toBeInstanceOf(UnsupportedFormError);
      expect(e.message, name).toMatch(message);
      expect((e as UnsupportedFormError).nodeName).toBe('y_node');
    }
  });

  test('batch-statistics BatchNormalization and MaxPool Indices import (stats-forms.test.ts checks the values)', () => {
    // Both fixtures live in error/ from when they were refused.
    const bn = importFixture('error/batchnorm_training');
    expect(bn.outputs.map((v) => v.name)).toEqual(['y', 'rm', 'rv']);
    expect(bn.nodes.map((n) => n.op.kind)).toContain('batchNorm');
    const mp = importFixture('error/maxpool_indices');
    expect(mp.outputs.map((v) => `${v.name}:${v.type.dtype}[${v.type.shape.join(',')}]`)).toEqual(['y:float32[1,1,3,3]', 'idx:int64[1,1,3,3]']);
    expect(mp.nodes.map((n) => n.op)).toMatchObject([{ kind: 'pool', type: 'max', indices: 'rowMajor' }]);
  });

  test('an attribute that moved to an input at the model opset is an error, not ignored', () => {
    const e = importError('error/squeeze_moved_attr');
    expect(e).toBeInstanceOf(ImportError);
    expect(e.message).toBe("Squeeze 'y_node': attribute 'axes' is not valid at opset 13: since opset 13 it is an input");
  });

  test('scalars (0-d tensors) keep rank 0 through the shape ops', () => {
    const g = importFixture('scalars');
    const shapes = Object.fromEntries(g.outputs.map((v) => [v.name, v.type.shape]));
    expect(shapes).toEqual({ r: [], a: [3], u: [1], q: [], n: [], sh: [0], rs: [], back: [], g: [], e: [2, 2], w: [3], ci: [] });
  });

  test('a node using a value defined later, or nowhere, is a clear error', () => {
    const later = importError('error/not_topological');
    expect(later).toBeInstanceOf(ImportError);
    expect(later.message).toBe(
      "Relu 'second': input 'a' is not defined before this node: it is produced by node 'first' (Neg), which comes later: nodes must be in topological order",
    );
    expect(importError('error/undefined_input').message).toMatch(/^Relu 'lost': input 'nowhere' .* not a graph input, an initializer or any node's output/);
  });
});
