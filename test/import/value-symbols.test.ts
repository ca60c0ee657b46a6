/**
 * Small integer graph inputs read as shapes (ctx.constDims): their elements become symbols bound
 * per run from the input's data (Graph.valueSymbols, printed `symbol s = %input[i]`), as IR text.
 * Expand keeps the input's dim where an element faces a dim ≠ 1 and records the run-time check
 * that the element is 1 or that dim; Tile repeats of longer axes are an expand between views; a
 * Range limit or a window size becomes the length of an `arange`.
 * What stays refused: inputs the symbols cannot stand for (float, over 16 elements, of symbolic length; computed from an input: symbolic-fold.test.ts)
 * and Reshape targets whose counts can only match with a 0 or -1.
 */

import { describe, expect, test } from 'vitest';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';
import { UnsupportedFormError } from '../../src/onnx/errors.js';
import { importModel } from '../../src/onnx/import.js';
import { buildGraphModel, type GraphModel } from './graph-model.js';

const irOf = (m: GraphModel) => printGraph(importModel(buildGraphModel(m)));

describe('value symbols at import', () => {
  test('Expand, Tile and ConstantOfShape read graph inputs as symbols (IR text, round trip)', () => {
    const g = importModel(
      buildGraphModel({
        inputs: [
          { name: 'x', dtype: 'float32', dims: [3, 1] },
          { name: 'new shape', dtype: 'int64', dims: [3] },
          { name: 'reps', dtype: 'int64', dims: [2] },
        ],
        nodes: [
          { op: 'Expand', inputs: ['x', 'new shape'], outputs: ['y'], name: 'grow' },
          { op: 'Tile', inputs: ['x', 'reps'], outputs: ['t'], name: 'tile' },
          { op: 'ConstantOfShape', inputs: ['reps'], outputs: ['z'], name: 'fill' },
        ],
        outputs: ['y', 't', 'z'],
      }),
    );
    const text = printGraph(g);
    expect(text).toBe(`graph(%x: f32[3, 1], %"new shape": i64[3], %reps: i64[2]) {
  %"fill/value" = const f32[] dense<[0]>
  symbol new_shape_0 = %"new shape"[0]
  symbol new_shape_1 = %"new shape"[1]
  symbol new_shape_2 = %"new shape"[2]
  symbol reps_0 = %reps[0]
  symbol reps_1 = %reps[1]
  %y = expand(%x) {shape = [new_shape_0, 3, new_shape_2]} : f32[new_shape_0, 3, new_shape_2] loc("grow")
  %"tile/reshape_out0" = reshape(%x) {shape = [1, 3, 1, 1]} : f32[1, 3, 1, 1] loc("tile/reshape")
  %"tile/expand_out0" = expand(%"tile/reshape_out0") {shape = [reps_0, 3, reps_1, 1]} : f32[reps_0, 3, reps_1, 1] loc("tile/expand")
  %t = reshape(%"tile/expand_out0") {shape = [3*reps_0, reps_1]} : f32[3*reps_0, reps_1] loc("tile")
  %z = expand(%"fill/value") {shape = [reps_0, reps_1]} : f32[reps_0, reps_1] loc("fill")
  assert new_shape_1*new_shape_1-4*new_shape_1+3 == 0 loc("grow: element 1 of input 'shape' must be 1 or 3 (the input's dim)")
  return %y, %t, %z
}
`);
    expect(g.symbolNames.get('reps_1')).toBe("element 1 of input 'reps'");
    const back = parseGraph(text);
    expect(back.valueSymbols).toEqual(g.valueSymbols);
    expect(printGraph(back)).toBe(text);
    expect(printGraph(back.clone())).toBe(text);
  });

  test('a scalar int32 input is one symbol; a symbol name already taken gets a suffix', () => {
    const ir = irOf({
      inputs: [
        { name: 'n', dtype: 'int32', dims: [] },
        { name: 'x', dtype: 'float32', dims: ['n_0', 1] },
      ],
      nodes: [
        { op: 'Unsqueeze', inputs: ['n', 'axes'], outputs: ['n1'] },
        { op: 'Expand', inputs: ['x', 'n'], outputs: ['y'], name: 'grow' },
      ],
      initializers: { axes: { dtype: 'int64', dims: [1], data: BigInt64Array.from([0n]) } },
      outputs: ['y'],
    });
    expect(ir).toContain('symbol n_0_1 = %n[0]');
    expect(ir).toContain('%y = expand(%x) {shape = [n_0, n_0_1]} : f32[n_0, n_0_1] loc("grow")');
  });

  test('a Range limit and a window size given as inputs are lengths of an input-free arange', () => {
    const i64 = (v: number) => ({ dtype: 'int64' as const, dims: [], data: BigInt64Array.from([BigInt(v)]) });
    expect(
      irOf({
        inputs: [{ name: 'n', dtype: 'int64', dims: [] }],
        initializers: { s: i64(2), d: i64(3) },
        nodes: [{ op: 'Range', inputs: ['s', 'n', 'd'], outputs: ['y'], name: 'r' }],
        outputs: ['y'],
      }),
    ).toBe(`graph(%n: i64[]) {
  symbol n_0 = %n[0]
  %y = arange() {delta = 3, dtype = int64, length = ((n_0)//3), start = 2} : i64[((n_0)//3)] loc("r")
  return %y
}
`);
    const w = irOf({ inputs: [{ name: 'size', dtype: 'int32', dims: [] }], nodes: [{ op: 'HannWindow', inputs: ['size'], outputs: ['y'], name: 'w' }], outputs: ['y'] });
    expect(w).toContain('symbol size_0 = %size[0]');
    expect(w).toContain('arange() {delta = 1, dtype = float32, length = size_0, start = 0} : f32[size_0]');
    expect(w).toContain(': f32[size_0] loc("w")');
  });

  test('inputs the symbols cannot stand for stay an UnsupportedFormError', () => {
    const cases: [string, GraphModel][] = [
      ['float', { inputs: [{ name: 's', dtype: 'float32', dims: [2] }], nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'] }], outputs: ['z'] }],
      ['17 elements', { inputs: [{ name: 's', dtype: 'int64', dims: [17] }], nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'] }], outputs: ['z'] }],
      ['symbolic length', { inputs: [{ name: 's', dtype: 'int64', dims: ['k'] }], nodes: [{ op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'] }], outputs: ['z'] }],
    ];
    for (const [what, m] of cases) {
      expect(() => importModel(buildGraphModel(m)), what).toThrow(UnsupportedFormError);
      expect(() => importModel(buildGraphModel(m)), what).toThrow(/input 'input' must be a constant or computed from tensor shapes at compile time/);
    }
  });

  test('a Reshape whose counts only match with a 0 or -1 given at run time is refused by name', () => {
    const m = buildGraphModel({
      inputs: [
        { name: 'x', dtype: 'float32', dims: [0, 3] },
        { name: 's', dtype: 'int64', dims: [2] },
      ],
      nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'], name: 'flat' }],
      outputs: ['y'],
    });
    expect(() => importModel(m)).toThrow(UnsupportedFormError);
    expect(() => importModel(m)).toThrow(/^Reshape 'flat': reshape \[0, 3\] to \[s_0, s_1\]: element counts differ \(0 vs s_0\*s_1\) for every target value ≥ 1/);
  });
});
