/**
 * The IR side of sizes read from values at run time: topK with a symbolic k, pad with symbolic
 * pads and a fill value given as an input — their shape inference (what it accepts and refuses),
 * the CPU evaluator with the symbols bound, and the text form round trip.
 */

import { describe, expect, it } from 'vitest';
import { canEvaluate, evaluate } from '../../ir/eval/index.js';
import type { Tensor } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';
import { inferTypes } from '../../ir/infer.js';
import { f32, shapeOf, val } from './infer-helpers.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

const t32 = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

describe('inference', () => {
  it('topK: a symbolic k sizes the axis of both outputs', () => {
    const op: OpOf<'topK'> = { kind: 'topK', axis: 1, k: 'k-1', largest: true, sorted: true };
    expect(inferTypes(op, [f32(3, 8)])).toEqual([
      { dtype: 'float32', shape: [3, 'k-1'] },
      { dtype: 'int64', shape: [3, 'k-1'] },
    ]);
    // A k whose sign is unknown cannot size an axis.
    expect(() => inferTypes({ ...op, k: '4-k' }, [f32(3, 8)])).toThrow('topK: k = 4-k may be negative');
  });

  it('pad: symbolic pads add to the dims; they must be provably ≥ 0', () => {
    const pad: OpOf<'pad'> = { kind: 'pad', mode: 'reflect', pads: [0, 'a-1', 2, 'b-1'], value: 0 };
    expect(shapeOf(pad, f32(5, 6))).toEqual([7, 'a+b+4']);
    expect(shapeOf({ ...pad, mode: 'edge' }, f32('n', 6))).toEqual(['n+2', 'a+b+4']);
    expect(() => shapeOf({ ...pad, pads: [0, '1-a', 0, 0] }, f32(3, 6))).toThrow('pad reflect: pad 1-a may be negative');
  });

  it('pad: a fill value input of x dtype and one element', () => {
    const pad: OpOf<'pad'> = { kind: 'pad', mode: 'constant', pads: ['a', 0], value: 0 };
    expect(shapeOf(pad, f32(3), val('float32', []))).toEqual(['a+3']);
    expect(shapeOf(pad, f32(3), val('float32', [1]))).toEqual(['a+3']);
    expect(() => shapeOf(pad, f32(3), val('int32', []))).toThrow('dtypes float32 and int32 differ');
    expect(() => shapeOf(pad, f32(3), val('float32', [2]))).toThrow('the value input must hold one element');
  });
});

describe('CPU evaluator with bound symbols', () => {
  it('topK binds k (0 included)', () => {
    const op: OpOf<'topK'> = { kind: 'topK', axis: 0, k: 'k', largest: false, sorted: true };
    expect(canEvaluate(op)).toBe(false);
    const [v, i] = evaluate(op, [t32([5], [4, 1, 3, 1, 0])], { k: 3 });
    expect(Array.from(v!.data as Float32Array)).toEqual([0, 1, 1]);
    expect(Array.from(i!.data as BigInt64Array)).toEqual([4n, 1n, 3n]);
    expect(evaluate({ ...op, k: 'k-1' }, [t32([5], [4, 1, 3, 1, 0])], { k: 1 })[0]!.dims).toEqual([0]);
  });

  it('pad binds pads and reads the value input', () => {
    const op: OpOf<'pad'> = { kind: 'pad', mode: 'constant', pads: ['a-1', 'b-1'], value: 9 };
    expect(canEvaluate(op)).toBe(false);
    const x = t32([2], [5, 6]);
    expect(Array.from(evaluate(op, [x], { a: 2, b: 3 })[0]!.data as Float32Array)).toEqual([9, 5, 6, 9, 9]);
    expect(Array.from(evaluate(op, [x, t32([], [-1])], { a: 1, b: 2 })[0]!.data as Float32Array)).toEqual([5, 6, -1]);
  });
});

describe('text form', () => {
  it('round trips symbolic k, symbolic pads and the value input', () => {
    const text = `graph(%x: f32[3, 8], %k: i64[1], %pads: i64[4], %v: f32[]) {
  symbol k_0 = %k[0] + 1
  symbol pads_1 = %pads[1] + 1
  symbol pads_3 = %pads[3] + 1
  %values, %indices = topK(%x) {axis = 1, k = k_0-1, largest = true, sorted = true} : f32[3, k_0-1], i64[3, k_0-1]
  %y = pad(%x, %v) {mode = constant, pads = [0, pads_1-1, 0, pads_3-1], value = 0} : f32[3, pads_1+pads_3+6]
  return %values, %indices, %y
}
`;
    const g = parseGraph(text);
    expect(printGraph(g)).toBe(text);
  });
});
