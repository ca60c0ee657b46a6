/**
 * The import side of value-specialized variants (src/onnx/structural.ts, src/variants.ts),
 * without a GPU: an importer that needs a graph input as a constant stops the import with a
 * StructuralInputRequest naming the input and its domain; with a value pinned it imports that
 * value, and the input stays a graph input; compile explores the cartesian product of several
 * such inputs (an input a failed path never reached is a wildcard there); an input read with two
 * different domains, or a computed one, is refused.
 */

import { describe, expect, test } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { UnsupportedFormError } from '../../src/onnx/errors.js';
import { importModel } from '../../src/onnx/import.js';
import { StructuralInputRequest, type PinnedValue } from '../../src/onnx/structural.js';
import type { SelectorDomain } from '../../runtime/variants.js';
import { buildGraphModel, int64s, type GraphModel } from './graph-model.js';

const reduceModel: GraphModel = {
  inputs: [
    { name: 'x', dtype: 'float32', dims: [2, 3, 4] },
    { name: 'axes', dtype: 'int64', dims: [2] },
  ],
  nodes: [{ op: 'ReduceSum', inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims: 0 }, name: 'r' }],
  outputs: ['y'],
  opset: 13,
};
const setOf2: SelectorDomain = { kind: 'axes', rank: 3, order: 'set', length: 2 };

describe('structural inputs at import', () => {
  test('without a pinned value the import asks for one, naming the input and its domain', () => {
    let thrown: unknown;
    try {
      importModel(buildGraphModel(reduceModel));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(StructuralInputRequest);
    const req = thrown as StructuralInputRequest;
    expect([req.input, req.domain, req.usedBy]).toEqual(['axes', setOf2, "ReduceSum 'r' axes"]);
  });

  test('a pinned value is what the importer reads; the input stays a graph input', () => {
    const pinned = new Map<string, PinnedValue>([['axes', { values: [0, 2], domain: setOf2 }]]);
    const g = importModel(buildGraphModel(reduceModel), { pinned });
    const reduce = g.nodes.find((n) => n.op.kind === 'reduce')!;
    expect(reduce.op).toMatchObject({ axes: [0, 2], keepdims: false });
    expect(reduce.inputs.map((v) => v.name)).toEqual(['x']);
    expect(g.inputs.map((v) => [v.name, v.type.dtype, v.type.shape])).toEqual([
      ['x', 'float32', [2, 3, 4]],
      ['axes', 'int64', [2]],
    ]);
    expect(g.outputs[0]!.type.shape).toEqual([3]);
  });

  test('several inputs: the cartesian product, a failed path leaving later inputs as wildcards', () => {
    // x [1, 1, 3]: Squeeze(sq) of axis 0 or 1 leaves [1, 3] (axis 2 has size 3: no variant), then
    // ReduceSum over one of its 2 axes.
    const m: GraphModel = {
      inputs: [
        { name: 'x', dtype: 'float32', dims: [1, 1, 3] },
        { name: 'sq', dtype: 'int64', dims: [1] },
        { name: 'rd', dtype: 'int64', dims: [1] },
      ],
      nodes: [
        { op: 'Squeeze', inputs: ['x', 'sq'], outputs: ['s'], name: 'squeeze' },
        { op: 'ReduceSum', inputs: ['s', 'rd'], outputs: ['y'], name: 'reduce' },
      ],
      outputs: ['y'],
      opset: 13,
    };
    const v = compileModel(buildGraphModel(m), 'two').plan.variants!;
    expect(v.selectors.map((s) => s.input)).toEqual(['sq', 'rd']);
    expect(v.table.map((t) => t.values)).toEqual([
      [[0], [0]],
      [[0], [1]],
      [[1], [0]],
      [[1], [1]],
    ]);
    expect(v.absent).toEqual([{ values: [[2], null], reason: "Squeeze 'squeeze': cannot squeeze axis 2 of size 3 (shape [1, 1, 3])" }]);
    expect(v.table[3]!.plan.outputs[0]!.dims).toEqual([1, 1]);
  });

  test('axes of any length: every subset, the empty one squeezing every 1 (as onnxruntime does)', () => {
    const m: GraphModel = {
      inputs: [
        { name: 'x', dtype: 'float32', dims: [1, 3, 1] },
        { name: 'axes', dtype: 'int64', dims: ['k'] },
      ],
      nodes: [{ op: 'Squeeze', inputs: ['x', 'axes'], outputs: ['y'], name: 'sq' }],
      outputs: ['y'],
      opset: 13,
    };
    const v = compileModel(buildGraphModel(m), 'any-length').plan.variants!;
    expect(v.table.map((t) => [t.values[0], t.plan.outputs[0]!.dims])).toEqual([
      [[], [3]],
      [[0], [3, 1]],
      [[2], [1, 3]],
      [[0, 2], [3]],
    ]);
    expect(v.absent.map((a) => a.values[0])).toEqual([[1], [0, 1], [1, 2], [0, 1, 2]]);
  });

  test('one input read as axes of two different ranks is refused (a -1 could not select both)', () => {
    const m: GraphModel = {
      inputs: [
        { name: 'x', dtype: 'float32', dims: [2, 3, 4] },
        { name: 'w', dtype: 'float32', dims: [2, 3] },
        { name: 'axes', dtype: 'int64', dims: [1] },
      ],
      nodes: [
        { op: 'ReduceSum', inputs: ['x', 'axes'], outputs: ['y'], name: 'r3' },
        { op: 'ReduceSum', inputs: ['w', 'axes'], outputs: ['z'], name: 'r2' },
      ],
      outputs: ['y', 'z'],
      opset: 13,
    };
    const attempt = () => compileModel(buildGraphModel(m), 'mixed');
    expect(attempt).toThrow(UnsupportedFormError);
    expect(attempt).toThrow(/ReduceSum 'r2': input 'axes' decides the structure of nodes that read it differently/);
  });

  test('axes computed at run time (not a graph input) are refused as before', () => {
    const m: GraphModel = {
      inputs: [
        { name: 'x', dtype: 'float32', dims: [2, 3] },
        { name: 'a', dtype: 'int64', dims: [1] },
      ],
      initializers: { one: int64s([1]) },
      nodes: [
        { op: 'Sub', inputs: ['a', 'one'], outputs: ['axes'], name: 'sub' },
        { op: 'ReduceSum', inputs: ['x', 'axes'], outputs: ['y'], name: 'r' },
      ],
      outputs: ['y'],
      opset: 13,
    };
    expect(() => compileModel(buildGraphModel(m), 'computed')).toThrow(
      "ReduceSum 'r': input 'axes' must be a constant (computed at run time is not supported yet)",
    );
  });
});
