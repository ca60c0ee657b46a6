/**
 * The Resize / Upsample importer's run-time forms (src/onnx/ops/resize.ts): scales as a graph
 * input (output sizes become ⌊in · scale⌋ value symbols; the op's second input is the scales
 * tensor only where the coordinate transform reads the scale), sizes as a graph input (value
 * symbols; scales derived per run), tf_crop_and_resize's roi as the op's second input, and the
 * forms still refused, each with its reason. The imported graphs print and parse back as text.
 */

import { describe, expect, test } from 'vitest';
import type { Graph } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { UnsupportedFormError } from '../../src/onnx/errors.js';
import { importModel } from '../../src/onnx/import.js';
import { buildNodeModel, type NodeModel } from './one-node-model.js';

const X = { name: 'X', dtype: 'float32' as const, dims: [1, 2, 4, 5] };
const SCALES = { name: 'scales', dtype: 'float32' as const, dims: [4] };
const SIZES = { name: 'sizes', dtype: 'int64' as const, dims: [4] };

const importNode = (m: Partial<NodeModel>): Graph => importModel(decodeModel(buildNodeModel({ op: 'Resize', inputs: [], outputs: ['Y'], opset: 13, ...m })));

function resizeOf(g: Graph): { op: Extract<Op, { kind: 'resize' }>; inputs: string[] } {
  const node = g.nodes.find((n) => n.op.kind === 'resize')!;
  if (node.op.kind !== 'resize') throw new Error('no resize');
  return { op: node.op, inputs: node.inputs.map((v) => v.name) };
}

function importFails(m: Partial<NodeModel>): Error {
  try {
    importNode(m);
  } catch (e) {
    return e as Error;
  }
  throw new Error('import succeeded');
}

describe('scales given at run time', () => {
  test('sizes are ⌊in · scale⌋ symbols; the scales input follows where the transform reads it', () => {
    const g = importNode({ inputs: [X, '', SCALES], attrs: { mode: 'linear' } });
    const { op, inputs } = resizeOf(g);
    expect(op.scales).toEqual([]);
    expect(op.sizes).toEqual(['scales_0', 'scales_1', 'scales_2', 'scales_3']);
    expect(inputs).toEqual(['X', 'scales']);
    expect(g.valueSymbols[2]).toEqual({ name: 'scales_2', input: 'scales', index: 2, scaleOf: 4 });
    // align_corners reads only lengths: no second input.
    expect(resizeOf(importNode({ inputs: [X, '', SCALES], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' } })).inputs).toEqual(['X']);
    expect(parseGraph(printGraph(g)).nodes[0]!.op).toEqual(op);
  });

  test('Upsample-9 and Resize-10 linear take their scales input the same way', () => {
    const up = resizeOf(importNode({ op: 'Upsample', opset: 9, inputs: [X, SCALES], attrs: { mode: 'nearest' } }));
    expect(up.op).toMatchObject({ coordMode: 'asymmetric', nearestMode: 'simple', scales: [] });
    expect(up.inputs).toEqual(['X', 'scales']);
    expect(resizeOf(importNode({ opset: 10, inputs: [X, SCALES], attrs: { mode: 'linear' } })).inputs).toEqual(['X', 'scales']);
  });

  test('Resize-10 nearest rounds per axis by its scale (simple), given at run time or mixed', () => {
    expect(resizeOf(importNode({ opset: 10, inputs: [X, SCALES], attrs: { mode: 'nearest' } })).op.nearestMode).toBe('simple');
    const mixed = { name: 'sc', tensor: { dtype: 'float32' as const, dims: [4], data: Float32Array.from([1, 1, 0.5, 2]) } };
    expect(resizeOf(importNode({ opset: 10, inputs: [X, mixed], attrs: { mode: 'nearest' } })).op).toMatchObject({ nearestMode: 'simple', sizes: [1, 2, 2, 10] });
  });

  test('refused: a subset of axes, scales computed from other tensors', () => {
    const axes = importFails({ opset: 18, inputs: [X, '', { ...SCALES, dims: [2] }], attrs: { axes: [2, 3] } });
    expect(axes).toBeInstanceOf(UnsupportedFormError);
    expect(axes.message).toMatch(/axes attribute/);
    expect(importFails({ inputs: [X, '', { ...SCALES, dims: ['n'] }] }).message).toMatch(/must then be a graph input holding 4 floats/);
  });
});

describe('sizes and roi given at run time', () => {
  test('sizes are value symbols and the op keeps no scales (out / in per run)', () => {
    const { op, inputs } = resizeOf(importNode({ inputs: [X, '', '', SIZES], attrs: { mode: 'cubic' } }));
    expect(op).toMatchObject({ scales: [], sizes: ['sizes_0', 'sizes_1', 'sizes_2', 'sizes_3'] });
    expect(inputs).toEqual(['X']);
  });

  test('tf_crop_and_resize: the roi is the second input; tf_half_pixel_for_nn imports', () => {
    const g = importNode({ inputs: [X, { name: 'roi', dtype: 'float32', dims: [8] }, '', SIZES], attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' } });
    expect(resizeOf(g).inputs).toEqual(['X', 'roi']);
    expect(parseGraph(printGraph(g)).nodes[0]!.inputs.map((v) => v.name)).toEqual(['X', 'roi']);
    const nn = importNode({ opset: 11, inputs: [X, { name: 'roi', tensor: { dtype: 'float32', dims: [0], data: new Float32Array() } }, { name: 'sc', tensor: { dtype: 'float32', dims: [0], data: new Float32Array() } }, SIZES], attrs: { coordinate_transformation_mode: 'tf_half_pixel_for_nn' } });
    expect(resizeOf(nn).op.coordMode).toBe('tf_half_pixel_for_nn');
    expect(resizeOf(nn).inputs).toEqual(['X']);
  });
});
