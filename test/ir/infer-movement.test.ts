/**
 * Shape/dtype inference for the data-movement and indexing ops: reshape, transpose, concat,
 * slice (ONNX clamping, negative steps, INT64 sentinels), gather, pad, expand, tile, resize,
 * shape and range (constant, symbolic through Shape, and unknown lengths).
 */

import { describe, expect, it } from 'vitest';
import { Graph } from '../../ir/graph.js';
import { normalizePerm, resolveSlice, resolveSliceDims, scalarDim } from '../../ir/infer.js';
import { constant, f32, infer, INT64_MAX, INT64_MIN, resize, shapeOf, slice, val } from './infer-helpers.js';

describe('reshape, transpose, concat', () => {
  it('reshape checks element counts when they are comparable', () => {
    expect(shapeOf({ kind: 'reshape', shape: [6, 4] }, f32(2, 3, 4))).toEqual([6, 4]);
    expect(shapeOf({ kind: 'reshape', shape: ['batch', 12] }, f32('batch', 3, 4))).toEqual(['batch', 12]);
    expect(shapeOf({ kind: 'reshape', shape: [24] }, f32('batch', 3, 8))).toEqual([24]);
    expect(() => shapeOf({ kind: 'reshape', shape: [5, 5] }, f32(2, 3, 4))).toThrow('reshape: cannot reshape [2, 3, 4] to [5, 5]');
    expect(() => shapeOf({ kind: 'reshape', shape: ['batch', 13] }, f32('batch', 3, 4))).toThrow('element counts differ');
    expect(() => shapeOf({ kind: 'reshape', shape: ['batch', 6] }, f32('batch', 3, 4))).toThrow('element counts differ');
    expect(shapeOf({ kind: 'reshape', shape: ['batch*seq', 12] }, f32('batch', 'seq', 3, 4))).toEqual(['batch*seq', 12]);
    expect(shapeOf({ kind: 'reshape', shape: ['n', 12] }, f32('batch', 'seq', 3, 4))).toEqual(['n', 12]);
    expect(() => shapeOf({ kind: 'reshape', shape: [-1, 4] }, f32(2, 3, 4))).toThrow('non-negative integers or symbols');
  });

  it('transpose permutes dims; normalizePerm validates', () => {
    expect(shapeOf({ kind: 'transpose', perm: [0, 2, 3, 1] }, f32('n', 3, 4, 5))).toEqual(['n', 4, 5, 3]);
    expect(normalizePerm([], 3)).toEqual([2, 1, 0]);
    expect(normalizePerm([-1, 0, 1], 3)).toEqual([2, 0, 1]);
    expect(() => normalizePerm([0, 0, 1], 3)).toThrow('not a permutation');
    expect(() => shapeOf({ kind: 'transpose', perm: [1, 0] }, f32(1, 2, 3))).toThrow('transpose: perm [1, 0] has 2 entries for rank 3');
  });

  it('concat sums the axis and requires the other dims equal', () => {
    expect(shapeOf({ kind: 'concat', axis: 1 }, f32('b', 2, 4), f32('b', 3, 4), f32('b', 0, 4))).toEqual(['b', 5, 4]);
    expect(shapeOf({ kind: 'concat', axis: -1 }, f32(2, 'seq'), f32(2, 0))).toEqual([2, 'seq']);
    expect(() => shapeOf({ kind: 'concat', axis: 0 }, f32(2, 3), f32(2, 4))).toThrow('concat: input 1 dim 1 is 4, input 0 has 3');
    expect(() => shapeOf({ kind: 'concat', axis: 0 }, f32(2, 3), f32(2))).toThrow('input 1 has rank 1');
    expect(shapeOf({ kind: 'concat', axis: 0 }, f32('past', 3), f32(1, 3), f32('seq', 3))).toEqual(['past+seq+1', 3]);
    expect(() => shapeOf({ kind: 'concat', axis: 0 }, f32(2), val('int64', [2]))).toThrow('dtypes');
  });
});

describe('slice', () => {
  it('clamps starts and ends as ONNX does', () => {
    const x = f32(10, 'b', 6);
    expect(shapeOf(slice([0], [2], [8]), x)).toEqual([6, 'b', 6]);
    expect(shapeOf(slice([0, 2], [-3, 1], [INT64_MAX, -1]), x)).toEqual([3, 'b', 4]);
    expect(shapeOf(slice([0], [-100], [100]), x)).toEqual([10, 'b', 6]);
    expect(shapeOf(slice([0], [5], [2]), x)).toEqual([0, 'b', 6]);
    expect(shapeOf(slice([2], [0], [6], [4]), x)).toEqual([10, 'b', 2]);
  });

  it('handles negative steps and INT64 sentinels', () => {
    const x = f32(10);
    expect(shapeOf(slice([0], [-1], [INT64_MIN], [-1]), x)).toEqual([10]);
    expect(shapeOf(slice([0], [INT64_MAX], [INT64_MIN], [-3]), x)).toEqual([4]);
    expect(shapeOf(slice([0], [7], [2], [-2]), x)).toEqual([3]);
    expect(shapeOf(slice([0], [2], [7], [-1]), x)).toEqual([0]);
    // ONNX clamps a negative-step start into [0, dim - 1] (numpy would give an empty slice here).
    expect(shapeOf(slice([0], [-100], [-200], [-1]), x)).toEqual([1]);
    // INT_MAX as an end runs to the far end in the step's direction, whichever form it arrives
    // in: 2^63 (a plain int64 → number), MAX_SAFE_INTEGER (the decoder's saturation), 2^31 - 1.
    for (const end of [INT64_MAX, Number.MAX_SAFE_INTEGER, 2147483647]) {
      expect(shapeOf(slice([0], [-1], [end], [-1]), x)).toEqual([10]);
      expect(shapeOf(slice([0], [3], [end], [1]), x)).toEqual([7]);
    }
    expect(shapeOf(slice([0], [-1], [2147483646], [-1]), x)).toEqual([0]);
    expect(() => shapeOf(slice([0], [0.5], [3]), x)).toThrow('start and end on axis 0 must be integers');
    const [r] = resolveSlice([10], slice([0], [INT64_MAX], [INT64_MIN], [-3]));
    expect(r).toEqual({ start: 9, end: -1, step: -3, size: 4 });
  });

  it('resolves every axis, keeping untouched ones whole', () => {
    expect(resolveSlice(['n', 8], slice([-1], [1], [INT64_MAX], [2]))).toEqual([
      { start: 0, end: 'n', step: 1, size: 'n' },
      { start: 1, end: 8, step: 2, size: 4 },
    ]);
  });

  it('slices symbolic axes and symbolic bounds with ONNX clamping as dim expressions', () => {
    expect(shapeOf(slice([0], [0], [INT64_MAX]), f32('seq', 4))).toEqual(['seq', 4]);
    expect(shapeOf(slice([0], [INT64_MIN], [2147483647]), f32('seq', 4))).toEqual(['seq', 4]);
    expect(shapeOf(slice([0], [1], [INT64_MAX]), f32('seq', 4))).toEqual(['seq-1', 4]);
    // A start past a symbolic end clamps: [2:] of seq is max(0, seq-2) long (seq may be 1).
    expect(shapeOf(slice([0], [2], [INT64_MAX]), f32('seq', 4))).toEqual(['max(0,seq-2)', 4]);
    expect(shapeOf(slice([0], [-1], [INT64_MAX]), f32('seq'))).toEqual([1]);
    expect(shapeOf(slice([0], [0], [-1]), f32('seq'))).toEqual(['seq-1']);
    expect(shapeOf(slice([0], [INT64_MAX], [INT64_MIN], [-1]), f32('seq'))).toEqual(['seq']);
    expect(shapeOf(slice([0], [0], [INT64_MAX], [2]), f32('seq'))).toEqual(['((seq+1)//2)']);
    // Symbolic ends (read from another input's shape) clamp against the axis: min(512, seq).
    expect(shapeOf(slice([1], [0], ['seq']), f32(1, 512))).toEqual([1, 'min(512,seq)']);
    expect(shapeOf(slice([0], [0], ['seq']), f32('seq', 3))).toEqual(['seq', 3]);
    expect(shapeOf(slice([0], ['seq-1'], ['seq']), f32('seq'))).toEqual([1]);
    expect(resolveSliceDims([512], slice([0], ['seq'], [INT64_MAX]))).toEqual([{ start: 'min(512,seq)', end: 512, step: 1, size: 'max(0,512-seq)' }]);
    expect(() => resolveSlice([512], slice([0], ['seq'], [INT64_MAX]))).toThrow('symbolic');
    // A bound whose sign depends on the symbols has no decided meaning.
    expect(() => shapeOf(slice([0], ['seq-4'], [INT64_MAX]), f32(8))).toThrow('may be negative or not');
    expect(() => shapeOf(slice([0], [0], [3], [0]), f32(4))).toThrow('step on axis 0 must be a non-zero integer');
    expect(() => shapeOf(slice([0, 0], [0, 0], [1, 1]), f32(4))).toThrow('axis 0 is sliced twice');
    expect(() => shapeOf(slice([0], [0, 1], [1]), f32(4))).toThrow('equal lengths');
  });
});

describe('gather and gatherElements', () => {
  it('puts the indices shape in place of the axis', () => {
    expect(shapeOf({ kind: 'gather', axis: 0 }, f32(100, 16), val('int64', ['b', 'seq']))).toEqual(['b', 'seq', 16]);
    expect(shapeOf({ kind: 'gather', axis: 1 }, f32(2, 5, 3), val('int32', [4, 1]))).toEqual([2, 4, 1, 3]);
    expect(shapeOf({ kind: 'gather', axis: -1 }, val('int64', [4]), constant('int64', [], [-1]))).toEqual([]);
  });

  it('rejects float indices and out-of-range constant indices', () => {
    expect(() => shapeOf({ kind: 'gather', axis: 0 }, f32(4), f32(2))).toThrow('gather: indices must be int32 or int64, got float32');
    expect(() => shapeOf({ kind: 'gather', axis: 0 }, f32(4), constant('int64', [2], [1, 4]))).toThrow(
      'gather: index 4 is out of range for axis 0 of size 4',
    );
    expect(() => shapeOf({ kind: 'gather', axis: 0 }, f32(4), constant('int64', [1], [-5]))).toThrow('index -5');
  });

  it('gatherElements outputs the indices shape', () => {
    expect(shapeOf({ kind: 'gatherElements', axis: 1 }, f32(3, 4), val('int64', [3, 2]))).toEqual([3, 2]);
    expect(() => shapeOf({ kind: 'gatherElements', axis: 0 }, f32(3, 4), val('int64', [3]))).toThrow('indices rank 1 differs from data rank 2');
  });
});

describe('pad, expand, tile, resize, shape, cumSum', () => {
  it('pads, with negative pads cropping', () => {
    const pad = (pads: number[], mode: 'constant' | 'reflect' | 'edge' = 'constant') => ({ kind: 'pad' as const, mode, pads, value: 0 });
    expect(shapeOf(pad([0, 1, 2, 0, 3, -1]), f32('n', 4, 5))).toEqual(['n', 8, 6]);
    expect(shapeOf(pad([0, -2, 0, -2]), f32(3, 4))).toEqual([3, 0]);
    expect(() => shapeOf(pad([0, -3, 0, -2]), f32(3, 4))).toThrow('crop axis 1 of size 4 below zero');
    expect(shapeOf(pad([1, 0, 2, 0]), f32('n', 4))).toEqual(['n+3', 4]);
    expect(shapeOf(pad([0, 0, -1, 0]), f32('n+1', 4))).toEqual(['n', 4]);
    expect(shapeOf(pad([0, 0, -1, 0]), f32('n', 4))).toEqual(['n-1', 4]);
    expect(() => shapeOf(pad([0, 0, -2, 0]), f32('n', 4))).toThrow('crop axis 0 of size n below zero');
    expect(() => shapeOf(pad([1, 0, 0, 0], 'reflect'), f32('n', 4))).toThrow('must be smaller than its size n');
    expect(() => shapeOf(pad([0, 4, 0, 0], 'reflect'), f32(3, 4))).toThrow('pad reflect: reflect pads [4, 0] on axis 1 must be smaller than its size 4');
    expect(() => shapeOf(pad([0, 1]), f32(3, 4))).toThrow('pads must have 4 entries');
  });

  it('expand broadcasts both ways; tile multiplies', () => {
    expect(shapeOf({ kind: 'expand', shape: [2, 1, 4] }, f32(3, 1))).toEqual([2, 3, 4]);
    expect(shapeOf({ kind: 'expand', shape: ['b', 1, 1] }, f32(1, 'seq'))).toEqual(['b', 1, 'seq']);
    expect(() => shapeOf({ kind: 'expand', shape: [2, 4] }, f32(3, 1))).toThrow('expand: shapes');
    expect(shapeOf({ kind: 'tile', repeats: [1, 3, 0] }, f32('b', 2, 5))).toEqual(['b', 6, 0]);
    expect(shapeOf({ kind: 'tile', repeats: [2, 1] }, f32('b', 2))).toEqual(['2*b', 2]);
    expect(() => shapeOf({ kind: 'tile', repeats: [2] }, f32(2, 2))).toThrow('repeats must have 2 entries');
  });

  it('resize outputs its sizes', () => {
    expect(shapeOf(resize(['n', 3, 20, 30], [1, 1, 2, 3]), f32('n', 3, 10, 10))).toEqual(['n', 3, 20, 30]);
    expect(() => shapeOf(resize([1, 3], [1, 1]), f32(1, 3, 4))).toThrow('resize: sizes must have 3 entries');
    expect(() => shapeOf({ ...resize([2], [1]), coordMode: 'bogus' as 'asymmetric' }, f32(2))).toThrow("unknown coordMode 'bogus'");
  });

  it('shape gives int64 [end - start] with ONNX clamping', () => {
    const x = f32('b', 3, 4, 5);
    expect(infer({ kind: 'shape', start: 0, end: 4 }, x)).toEqual({ dtype: 'int64', shape: [4] });
    expect(shapeOf({ kind: 'shape', start: -2, end: INT64_MAX }, x)).toEqual([2]);
    expect(shapeOf({ kind: 'shape', start: 3, end: 1 }, x)).toEqual([0]);
    expect(shapeOf({ kind: 'cumSum', axis: -1, exclusive: true, reverse: false }, x)).toEqual(['b', 3, 4, 5]);
    expect(() => shapeOf({ kind: 'cumSum', axis: 4, exclusive: true, reverse: false }, x)).toThrow('cumSum: axis 4');
  });
});

describe('range', () => {
  const range = { kind: 'range' as const };
  const i64 = (x: number) => constant('int64', [], [x]);

  it('computes the length from constant operands', () => {
    expect(infer(range, i64(0), i64(10), i64(3))).toEqual({ dtype: 'int64', shape: [4] });
    expect(shapeOf(range, i64(10), i64(0), i64(-3))).toEqual([4]);
    expect(shapeOf(range, i64(5), i64(1), i64(1))).toEqual([0]);
    const f = (x: number) => constant('float32', [], [x]);
    expect(infer(range, f(0), f(1), f(0.25))).toEqual({ dtype: 'float32', shape: [4] });
    expect(() => shapeOf(range, i64(0), i64(4), i64(0))).toThrow('range: delta is 0');
    expect(() => shapeOf(range, i64(0), constant('int32', [], [4]), i64(1))).toThrow('dtypes int64 and int32 differ');
    expect(() => shapeOf(range, i64(0), val('int64', [2]), i64(1))).toThrow('limit must be a scalar');
  });

  it('reads a symbolic limit through shape → gather (arange(x.size(1)))', () => {
    const g = new Graph();
    const x = g.addInput('ids', { dtype: 'int64', shape: ['batch', 'sequence'] });
    const [shape] = g.add({ kind: 'shape', start: 0, end: 2 }, [x]);
    const idx = g.addConstant('one', { dtype: 'int64', dims: [], data: new BigInt64Array([1n]) });
    const [seq] = g.add({ kind: 'gather', axis: 0 }, [shape!, idx], undefined, [], false);
    expect(scalarDim(seq!)).toBe('sequence');
    const zero = g.addConstant('zero', { dtype: 'int64', dims: [], data: new BigInt64Array([0n]) });
    const one = g.addConstant('step', { dtype: 'int64', dims: [], data: new BigInt64Array([1n]) });
    const [r] = g.add(range, [zero, seq!, one]);
    expect(r!.type).toEqual({ dtype: 'int64', shape: ['sequence'] });
    // A start other than 0 leaves the length unknown: a symbol named after the operands.
    const [r2] = g.add(range, [one, seq!, one]);
    expect(r2!.type.shape).toEqual([`range_len_step_${seq!.name}_step`]);
  });

  it('names an unknown length after its operands', () => {
    const g = new Graph();
    const n = g.addInput('n.limit', { dtype: 'int32', shape: [] });
    const s = g.addInput('s', { dtype: 'int32', shape: [] });
    const [r] = g.add(range, [s, n, s]);
    expect(r!.type.shape).toEqual(['range_len_s_n_limit_s']);
  });
});
