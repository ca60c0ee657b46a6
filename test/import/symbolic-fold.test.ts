/**
 * Shape plumbing with symbols unbound, as IR text: small ONNX graphs in the exporters' forms
 * (Shape → Gather → Unsqueeze → Concat → Reshape, `x[:, :seq]` slicing of a position table,
 * ConstantOfShape(Shape(x)), Range(0, Shape(x)[1]), PyTorch's Where(Equal(shape, -1), 1, shape)
 * → Expand) import to the IR a bound import would give, with dim expressions where numbers were:
 * no `shape` node, no plumbing left. Also: data-dependent shapes stay an UnsupportedFormError,
 * and dim_param names that are not identifiers are sanitized (with a map back to the originals).
 */

import { describe, expect, test } from 'vitest';
import { printGraph } from '../../ir/print.js';
import { UnsupportedFormError } from '../../src/onnx/errors.js';
import { importModel, type ImportOptions } from '../../src/onnx/import.js';
import { buildGraphModel, int64s, type GraphModel } from './graph-model.js';

const f32 = (dims: number[], fill = 0.5) => ({ dtype: 'float32' as const, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(fill) });

function irOf(m: GraphModel, opts: ImportOptions = {}): string {
  return printGraph(importModel(buildGraphModel(m), opts), { elideConstantsOver: 4 });
}

/** Shape(x)[i] as a 1-d value named `${out}`: Shape → Gather(i) → Unsqueeze. */
const dimOf = (x: string, i: number, out: string) => [
  { op: 'Shape', inputs: [x], outputs: [`${out}_shape`] },
  { op: 'Gather', inputs: [`${out}_shape`, `i${i}`], outputs: [`${out}_scalar`], attrs: { axis: 0 } },
  { op: 'Unsqueeze', inputs: [`${out}_scalar`, 'axes0'], outputs: [out] },
];
const common = { i0: int64s([0], []), i1: int64s([1], []), axes0: int64s([0]) };

describe('symbolic shape plumbing at import, before → after', () => {
  test('Shape → Gather → Unsqueeze → Concat → Reshape becomes a reshape to [batch, sequence, 4, 32]', () => {
    const ir = irOf({
      inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 'sequence', 128] }],
      initializers: { ...common, heads: int64s([4, 32]) },
      nodes: [
        ...dimOf('x', 0, 'b'),
        ...dimOf('x', 1, 's'),
        { op: 'Concat', inputs: ['b', 's', 'heads'], outputs: ['target'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'], name: 'split_heads' },
      ],
      outputs: ['y'],
    });
    expect(ir).toBe(`graph(%x: f32[batch, sequence, 128]) {
  %y = reshape(%x) {shape = [batch, sequence, 4, 32]} : f32[batch, sequence, 4, 32] loc("split_heads")
  return %y
}
`);
  });

  test('Reshape with -1 divides exactly: [-1, 128] and back through the saved dims', () => {
    const ir = irOf({
      inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 'sequence', 128] }],
      initializers: { ...common, flat: int64s([-1, 128]), last: int64s([-1]) },
      nodes: [
        { op: 'Reshape', inputs: ['x', 'flat'], outputs: ['f'], name: 'flatten' },
        ...dimOf('x', 0, 'b'),
        ...dimOf('x', 1, 's'),
        { op: 'Concat', inputs: ['b', 's', 'last'], outputs: ['back'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['f', 'back'], outputs: ['y'], name: 'unflatten' },
      ],
      outputs: ['y'],
    });
    expect(ir).toBe(`graph(%x: f32[batch, sequence, 128]) {
  %f = reshape(%x) {shape = [batch*sequence, 128]} : f32[batch*sequence, 128] loc("flatten")
  %y = reshape(%f) {shape = [batch, sequence, 128]} : f32[batch, sequence, 128] loc("unflatten")
  return %y
}
`);
  });

  test('a position table sliced to the sequence length: min(512,sequence), asserted equal when added', () => {
    const m: GraphModel = {
      inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 'sequence', 4] }],
      initializers: { ...common, table: f32([512, 4]) },
      nodes: [
        ...dimOf('x', 1, 's'),
        { op: 'Slice', inputs: ['table', 'axes0', 's', 'axes0'], outputs: ['rows'], name: 'positions' },
        { op: 'Add', inputs: ['x', 'rows'], outputs: ['y'], name: 'add_positions' },
      ],
      outputs: ['y'],
    };
    expect(irOf(m)).toBe(`graph(%x: f32[batch, sequence, 4]) {
  %table = const f32[512, 4] dense<elided 2048>
  %rows = slice(%table) {axes = [0], ends = [sequence], starts = [0], steps = [1]} : f32[min(512,sequence), 4] loc("positions")
  %y = binary(%x, %rows) {fn = add} : f32[batch, sequence, 4] loc("add_positions")
  assert min(512,sequence) == sequence loc("add_positions")
  return %y
}
`);
    const g = importModel(buildGraphModel(m));
    expect(g.dimAssertions).toEqual([{ a: 'min(512,sequence)', b: 'sequence', where: 'add_positions' }]);
    // Bound, the same graph folds the slice to a constant and asserts nothing.
    expect(importModel(buildGraphModel(m), { dims: { batch: 2, sequence: 8 } }).dimAssertions).toEqual([]);
  });

  test('ConstantOfShape(Shape(x)) is an expand of the fill value; Range(0, Shape(x)[1], 1) an arange', () => {
    const ir = irOf({
      inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 'sequence'] }],
      initializers: { ...common, one: int64s([1], []) },
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['shp'] },
        { op: 'ConstantOfShape', inputs: ['shp'], outputs: ['zeros'], name: 'zeros', attrs: { value: f32([1], 0.25) } },
        { op: 'Gather', inputs: ['shp', 'i1'], outputs: ['seq'], attrs: { axis: 0 } },
        { op: 'Range', inputs: ['i0', 'seq', 'one'], outputs: ['pos'], name: 'positions' },
      ],
      outputs: ['zeros', 'pos'],
    });
    expect(ir).toBe(`graph(%x: f32[batch, sequence]) {
  %"zeros/value" = const f32[] dense<[0.25]>
  %zeros = expand(%"zeros/value") {shape = [batch, sequence]} : f32[batch, sequence] loc("zeros")
  %pos = arange() {delta = 1, dtype = int64, length = sequence, start = 0} : i64[sequence] loc("positions")
  return %zeros, %pos
}
`);
  });

  test("PyTorch's expand: Where(Equal(shape, -1), 1, shape) → Expand decides Equal(dim, -1) is false", () => {
    const ir = irOf({
      inputs: [{ name: 'mask', dtype: 'bool', dims: ['batch', 1, 1, 'sequence'] }],
      initializers: { ...common, i3: int64s([3], []), four: int64s([4]), one1: int64s([1]), minus1: int64s([-1], []), ones: int64s([1, 1, 1, 1]) },
      nodes: [
        ...dimOf('mask', 0, 'b'),
        ...dimOf('mask', 3, 's').map((n) => (n.op === 'Gather' ? { ...n, inputs: [n.inputs[0]!, 'i3'] } : n)),
        { op: 'Concat', inputs: ['b', 'four', 'one1', 's'], outputs: ['want'], attrs: { axis: 0 } },
        { op: 'Equal', inputs: ['want', 'minus1'], outputs: ['isneg'] },
        { op: 'Where', inputs: ['isneg', 'ones', 'want'], outputs: ['target'] },
        { op: 'Expand', inputs: ['mask', 'target'], outputs: ['y'], name: 'per_head' },
      ],
      outputs: ['y'],
    });
    expect(ir).toBe(`graph(%mask: bool[batch, 1, 1, sequence]) {
  %y = expand(%mask) {shape = [batch, 4, 1, sequence]} : bool[batch, 4, 1, sequence] loc("per_head")
  return %y
}
`);
  });

  test('Size and integer Div: Reshape(x, [Size(x) / 128, 128])', () => {
    const ir = irOf({
      inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 'sequence', 128] }],
      initializers: { d: int64s([128], []), axes0: int64s([0]), w: int64s([128]) },
      nodes: [
        { op: 'Size', inputs: ['x'], outputs: ['n'] },
        { op: 'Div', inputs: ['n', 'd'], outputs: ['rows'] },
        { op: 'Unsqueeze', inputs: ['rows', 'axes0'], outputs: ['rows1'] },
        { op: 'Concat', inputs: ['rows1', 'w'], outputs: ['target'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'], name: 'rows' },
      ],
      outputs: ['y'],
    });
    expect(ir).toContain('%y = reshape(%x) {shape = [batch*sequence, 128]} : f32[batch*sequence, 128] loc("rows")');
    expect(ir).not.toMatch(/= shape\(/);
  });
});

describe('symbolic sizes through other ops', () => {
  test('Resize by integer scales and their inverses, and Split into equal parts', () => {
    const scales = (v: number[]) => ({ dtype: 'float32' as const, dims: [v.length], data: Float32Array.from(v) });
    const g = importModel(
      buildGraphModel({
        inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 4, 'h', 'w'] }],
        initializers: { up: scales([1, 1, 2, 2]), down: scales([1, 1, 0.5, 0.25]) },
        nodes: [
          { op: 'Resize', inputs: ['x', '', 'up'], outputs: ['u'], name: 'up' },
          { op: 'Resize', inputs: ['x', '', 'down'], outputs: ['d'], name: 'down' },
          { op: 'Split', inputs: ['u'], outputs: ['s0', 's1'], attrs: { axis: 2 }, name: 'halves' },
        ],
        outputs: ['u', 'd', 's0', 's1'],
      }),
    );
    expect(g.outputs.map((v) => v.type.shape)).toEqual([
      ['batch', 4, '2*h', '2*w'],
      ['batch', 4, '((h)//2)', '((w)//4)'],
      ['batch', 4, 'h', '2*w'],
      ['batch', 4, 'h', '2*w'],
    ]);
    const halves = g.nodes.filter((n) => n.name === 'halves').map((n) => n.op);
    expect(halves).toEqual([
      { kind: 'slice', axes: [2], starts: [0], ends: ['h'], steps: [1] },
      { kind: 'slice', axes: [2], starts: ['h'], ends: ['2*h'], steps: [1] },
    ]);
  });
});

describe('symbolic repeats', () => {
  test('Tile of a 1-sized axis by a symbolic count is an expand; of a longer axis a view, an expand and a view', () => {
    const model = (table: number[]) =>
      buildGraphModel({
        inputs: [{ name: 'x', dtype: 'float32', dims: ['batch', 4] }],
        initializers: { ...common, row: f32(table), one: int64s([1]) },
        nodes: [...dimOf('x', 0, 'b'), { op: 'Concat', inputs: ['b', 'one'], outputs: ['reps'], attrs: { axis: 0 } }, { op: 'Tile', inputs: ['row', 'reps'], outputs: ['y'], name: 'rows' }],
        outputs: ['y'],
      });
    const g = importModel(model([1, 4]));
    expect(g.nodes.map((n) => n.op)).toEqual([{ kind: 'expand', shape: ['batch', 4] }]);
    // A longer axis: copies of the whole table, as an expand between two views (the first folds).
    expect(importModel(model([2, 4])).nodes.map((n) => n.op)).toEqual([
      { kind: 'expand', shape: ['batch', 2, 1, 4] },
      { kind: 'reshape', shape: ['2*batch', 4] },
    ]);
  });
});

describe('what stays an error, and symbol names', () => {
  test('a shape computed from tensor data is an UnsupportedFormError naming the input', () => {
    // A graph input read directly becomes value symbols (value-symbols.test.ts); computed from one, it stays data.
    const m = buildGraphModel({
      inputs: [{ name: 'n', dtype: 'int64', dims: [2] }],
      nodes: [
        { op: 'Abs', inputs: ['n'], outputs: ['a'] },
        { op: 'ConstantOfShape', inputs: ['a'], outputs: ['z'], name: 'fill' },
      ],
      outputs: ['z'],
    });
    expect(() => importModel(m)).toThrow(UnsupportedFormError);
    expect(() => importModel(m)).toThrow(/^ConstantOfShape 'fill': input 'input' must be a constant or computed from tensor shapes at compile time/);
  });

  test('dim_params that are not identifiers are sanitized, unnamed dims get unk_<input>_<axis>', () => {
    const m = buildGraphModel({
      inputs: [{ name: 'x', dtype: 'float32', dims: ['batch size', '2x', 'min', null] }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      outputs: ['y'],
    });
    const g = importModel(m);
    expect(g.inputs[0]!.type.shape).toEqual(['batch_size', '_2x', 'min_', 'unk_x_3']);
    expect(Object.fromEntries(g.symbolNames)).toEqual({
      batch_size: 'batch size',
      _2x: '2x',
      min_: 'min',
      unk_x_3: "unnamed dim 3 of input 'x'",
    });
    expect(printGraph(g)).toContain('graph(%x: f32[batch_size, _2x, min_, unk_x_3])');
    // Bindings may name a symbol as the model wrote it or as the IR spells it.
    expect(importModel(m, { dims: { 'batch size': 2, _2x: 3 } }).inputs[0]!.type.shape).toEqual([2, 3, 'min_', 'unk_x_3']);
    expect(() => importModel(m, { dims: { nope: 1 } })).toThrow(/dims binds 'nope', which no graph input uses/);
  });
});
