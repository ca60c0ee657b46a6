/**
 * Shape/dtype inference for the compute ops: elementwise, conv/convTranspose/pool/batchNorm,
 * matmul and the axis ops. Window sizes are also checked against a brute-force count of window
 * positions on random parameters (the ORT-backed test covers ceil_mode and slicing).
 */

import { describe, expect, it } from 'vitest';
import { Graph } from '../../ir/graph.js';
import { collectDimAssertions } from '../../ir/shape.js';
import { convOutputSize, convTransposeOutputSize, poolOutputSize } from '../../ir/infer.js';
import { rng } from '../helpers/random.js';
import { constant, conv, convT, f32, infer, matmul, pool, shapeOf, val } from './infer-helpers.js';

describe('elementwise', () => {
  it('keeps the shape for unary fns and gives bool for tests', () => {
    expect(infer({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, f32('batch', 3))).toEqual({ dtype: 'float32', shape: ['batch', 3] });
    expect(infer({ kind: 'unary', fn: 'isNaN', alpha: 0, beta: 0 }, f32(2))).toEqual({ dtype: 'bool', shape: [2] });
    expect(infer({ kind: 'unary', fn: 'abs', alpha: 0, beta: 0 }, val('int32', [4])).dtype).toBe('int32');
    expect(infer({ kind: 'unary', fn: 'not', alpha: 0, beta: 0 }, val('bool', [4])).dtype).toBe('bool');
  });

  it('rejects dtypes outside the fn domain', () => {
    expect(() => infer({ kind: 'unary', fn: 'exp', alpha: 0, beta: 0 }, val('int32', [2]))).toThrow(
      'unary exp: x must be a float type, got int32',
    );
    expect(() => infer({ kind: 'unary', fn: 'neg', alpha: 0, beta: 0 }, val('uint8', [2]))).toThrow('signed');
    expect(() => infer({ kind: 'unary', fn: 'not', alpha: 0, beta: 0 }, f32(2))).toThrow('must be bool');
    expect(() => infer({ kind: 'unary', fn: 'nope' as 'relu', alpha: 0, beta: 0 }, f32(2))).toThrow("unknown unary fn 'nope'");
  });

  it('broadcasts binary operands numpy-style, symbols included', () => {
    expect(shapeOf({ kind: 'binary', fn: 'add' }, f32(2, 1, 4), f32(3, 1))).toEqual([2, 3, 4]);
    expect(shapeOf({ kind: 'binary', fn: 'mul' }, f32('batch', 1, 4), f32(1, 'seq', 1))).toEqual(['batch', 'seq', 4]);
    expect(shapeOf({ kind: 'binary', fn: 'sub' }, f32('batch', 4), f32('batch', 4))).toEqual(['batch', 4]);
    expect(shapeOf({ kind: 'binary', fn: 'div' }, f32(), f32(5))).toEqual([5]);
    expect(() => shapeOf({ kind: 'binary', fn: 'add' }, f32(2, 3), f32(4))).toThrow(/binary add: .*do not broadcast/);
    // Two different symbols must be equal at run time: the simpler (then alphabetical) one is
    // kept and the equality recorded as an assumption for the runtime to check.
    const [shape, assumed] = collectDimAssertions(() => shapeOf({ kind: 'binary', fn: 'add' }, f32('seq'), f32('batch')));
    expect(shape).toEqual(['batch']);
    expect(assumed).toEqual([{ a: 'seq', b: 'batch' }]);
    expect(collectDimAssertions(() => shapeOf({ kind: 'binary', fn: 'add' }, f32(1, 'min(512,seq)'), f32(2, 'seq')))).toEqual([
      [2, 'seq'],
      [{ a: 'min(512,seq)', b: 'seq' }],
    ]);
    expect(collectDimAssertions(() => shapeOf({ kind: 'binary', fn: 'add' }, f32('seq'), f32(8)))).toEqual([[8], [{ a: 'seq', b: 8 }]]);
  });

  it('applies ONNX dtype rules per binary fn', () => {
    expect(infer({ kind: 'binary', fn: 'less' }, f32(2), f32(2)).dtype).toBe('bool');
    expect(infer({ kind: 'binary', fn: 'equal' }, val('bool', [2]), val('bool', [2])).dtype).toBe('bool');
    expect(infer({ kind: 'binary', fn: 'pow' }, f32(2), val('int64', [2])).dtype).toBe('float32');
    expect(infer({ kind: 'binary', fn: 'bitShiftLeft' }, val('uint8', [2]), val('uint8', [1])).dtype).toBe('uint8');
    expect(() => infer({ kind: 'binary', fn: 'add' }, f32(2), val('int64', [2]))).toThrow(
      'binary add: a and b dtypes float32 and int64 differ',
    );
    expect(() => infer({ kind: 'binary', fn: 'and' }, f32(2), f32(2))).toThrow('must be bool');
    expect(() => infer({ kind: 'binary', fn: 'bitShiftRight' }, val('int32', [2]), val('int32', [2]))).toThrow('unsigned');
    expect(() => infer({ kind: 'binary', fn: 'add' }, val('bool', [2]), val('bool', [2]))).toThrow('numeric');
  });

  it('broadcasts the prelu slope one way, to x', () => {
    expect(shapeOf({ kind: 'binary', fn: 'prelu' }, f32('n', 3, 4, 4), f32(3, 1, 1))).toEqual(['n', 3, 4, 4]);
    expect(() => shapeOf({ kind: 'binary', fn: 'prelu' }, f32(3, 1), f32(3, 4))).toThrow('slope shape [3, 4] does not broadcast to [3, 1]');
  });

  it('where needs a bool condition and broadcasts all three', () => {
    expect(infer({ kind: 'where' }, val('bool', [1, 'seq']), f32(4, 1), f32())).toEqual({ dtype: 'float32', shape: [4, 'seq'] });
    expect(() => infer({ kind: 'where' }, f32(2), f32(2), f32(2))).toThrow('where: cond must be bool, got float32');
    expect(() => infer({ kind: 'where' }, val('bool', [2]), f32(2), val('int32', [2]))).toThrow('dtypes');
  });

  it('cast changes only the dtype', () => {
    expect(infer({ kind: 'cast', to: 'int64' }, f32('b', 2))).toEqual({ dtype: 'int64', shape: ['b', 2] });
    expect(() => infer({ kind: 'cast', to: 'f32' as 'float32' }, f32(2))).toThrow("cast: unknown dtype 'f32'");
  });
});

/** Counts windows by walking them: start o·stride in padded coordinates, extent (k-1)·d + 1. */
function bruteWindows(input: number, k: number, s: number, pb: number, pe: number, d: number): number {
  let count = 0;
  for (let start = 0; start + (k - 1) * d + 1 <= input + pb + pe; start += s) count++;
  return count;
}

describe('conv, convTranspose, pool, batchNorm', () => {
  it('computes conv output sizes with a symbolic batch', () => {
    const x = f32('batch', 3, 224, 224);
    const w = f32(16, 3, 3, 3);
    expect(infer(conv(2, { pads: [1, 1, 1, 1] }), x, w, f32(16))).toEqual({ dtype: 'float32', shape: ['batch', 16, 224, 224] });
    expect(shapeOf(conv(2, { strides: [2, 2], pads: [0, 1, 0, 1] }), x, w)).toEqual(['batch', 16, 111, 112]);
    expect(shapeOf(conv(2, { dilations: [2, 3] }), x, w)).toEqual(['batch', 16, 220, 218]);
    expect(shapeOf(conv(1), f32(1, 4, 10), f32(2, 4, 3))).toEqual([1, 2, 8]);
    expect(shapeOf(conv(3), f32(1, 2, 5, 6, 7), f32(4, 2, 1, 2, 3))).toEqual([1, 4, 5, 5, 5]);
  });

  it('checks conv channels, groups, bias and windows', () => {
    expect(shapeOf(conv(2, { group: 8 }), f32(1, 8, 5, 5), f32(8, 1, 3, 3))).toEqual([1, 8, 3, 3]);
    expect(() => shapeOf(conv(2), f32(1, 4, 5, 5), f32(8, 3, 3, 3))).toThrow('conv: x has 4 channels but w expects 3 per group × group 1');
    expect(() => shapeOf(conv(2, { group: 2 }), f32(1, 4, 5, 5), f32(3, 2, 3, 3))).toThrow('not divisible by group 2');
    expect(() => shapeOf(conv(2), f32(1, 3, 5, 5), f32(8, 3, 3, 3), f32(4))).toThrow('bias must have shape [8], got [4]');
    expect(() => shapeOf(conv(2), f32(1, 3, 2, 2), f32(8, 3, 3, 3))).toThrow('conv: spatial axis 0: window 3');
    expect(shapeOf(conv(2), f32(1, 3, 'h', 5), f32(8, 3, 3, 3))).toEqual([1, 8, 'h-2', 3]);
    expect(shapeOf(conv(2, { strides: [2, 2], pads: [1, 1, 1, 1] }), f32(1, 3, 'h', 5), f32(8, 3, 3, 3))).toEqual([1, 8, '((h+1)//2)', 3]);
    expect(() => shapeOf(conv(2), f32(1, 'c', 5, 5), f32(8, 3, 3, 3))).toThrow("conv: x channels is the symbol 'c' but must be static");
    expect(() => shapeOf(conv(2, { strides: [1] }), f32(1, 3, 5, 5), f32(8, 3, 3, 3))).toThrow('strides must have 2 entries');
    expect(() => shapeOf(conv(2), val('int32', [1, 3, 5, 5]), val('int32', [8, 3, 3, 3]))).toThrow('float');
  });

  it('matches a brute-force window count on random parameters', () => {
    const r = rng(7);
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    for (let t = 0; t < 500; t++) {
      const [input, k, s, pb, pe, d] = [int(1, 20), int(1, 5), int(1, 4), int(0, 3), int(0, 3), int(1, 3)];
      const want = bruteWindows(input, k, s, pb, pe, d);
      if (want === 0) {
        expect(() => convOutputSize(input, k, s, pb, pe, d)).toThrow('exceeds padded input');
        continue;
      }
      expect(convOutputSize(input, k, s, pb, pe, d)).toBe(want);
      expect(poolOutputSize(input, k, s, pb, pe, d, false)).toBe(want);
      // With padding narrower than the window (as ONNX pooling requires), ceil mode adds at most
      // the one partial window, and only if it starts inside the input or the left padding.
      if (pe >= (k - 1) * d + 1) continue;
      const ceil = poolOutputSize(input, k, s, pb, pe, d, true);
      expect(ceil - want).toBeGreaterThanOrEqual(0);
      expect(ceil - want).toBeLessThanOrEqual(1);
      expect((ceil - 1) * s).toBeLessThan(input + pb);
    }
  });

  it('applies ceil_mode and drops a last window starting in the right padding', () => {
    expect(shapeOf(pool([2, 2], { strides: [2, 2] }), f32('n', 3, 5, 5))).toEqual(['n', 3, 2, 2]);
    expect(shapeOf(pool([2, 2], { strides: [2, 2], ceilMode: true }), f32('n', 3, 5, 5))).toEqual(['n', 3, 3, 3]);
    // in 5, k 2, stride 3, pad end 1: rounding up gives 3 windows, but the third would start at 6,
    // past the input and its left padding, so it is dropped.
    expect(poolOutputSize(5, 2, 3, 0, 1, 1, true)).toBe(2);
    expect(poolOutputSize(5, 2, 3, 0, 1, 1, false)).toBe(2);
    expect(poolOutputSize(5, 2, 2, 0, 0, 1, true)).toBe(3);
    expect(poolOutputSize(5, 2, 2, 0, 0, 1, false)).toBe(2);
    expect(shapeOf(pool([3], { strides: [2], pads: [1, 1], ceilMode: true }), f32(1, 1, 6))).toEqual([1, 1, 4]);
    expect(shapeOf(pool([2, 2, 2], { type: 'avg' }), f32(1, 1, 3, 4, 5))).toEqual([1, 1, 2, 3, 4]);
    expect(() => shapeOf(pool([2], { type: 'avg' }), val('int32', [1, 1, 4]))).toThrow('pool avg: x must be a float type');
    expect(shapeOf(pool([2]), val('uint8', [1, 1, 4]))).toEqual([1, 1, 3]);
    expect(() => shapeOf(pool([2, 2]), f32(1, 1, 4))).toThrow('kernel must have 1 entries');
  });

  it('computes convTranspose output sizes', () => {
    expect(shapeOf(convT(2, { strides: [2, 2] }), f32('n', 4, 3, 3), f32(4, 2, 3, 3))).toEqual(['n', 2, 7, 7]);
    expect(shapeOf(convT(2, { strides: [2, 2], outputPadding: [1, 0], pads: [1, 1, 1, 1] }), f32(1, 4, 3, 3), f32(4, 2, 3, 3))).toEqual([
      1, 2, 6, 5,
    ]);
    expect(shapeOf(convT(1, { group: 2 }), f32(1, 4, 5), f32(4, 3, 2), f32(6))).toEqual([1, 6, 6]);
    expect(convTransposeOutputSize(5, 3, 2, 0, 0, 2, 1)).toBe(2 * 4 + 1 + 5);
    expect(() => shapeOf(convT(1, { strides: [2], outputPadding: [2] }), f32(1, 4, 5), f32(4, 3, 2))).toThrow(
      'outputPadding 2 on axis 0 must be smaller than stride or dilation',
    );
    expect(() => shapeOf(convT(1), f32(1, 4, 5), f32(3, 3, 2))).toThrow('x has 4 channels but w has 3');
  });

  it('batchNorm keeps x and checks the per-channel params', () => {
    const p = () => f32('c');
    expect(shapeOf({ kind: 'batchNorm', epsilon: 1e-5 }, f32(2, 'c', 4), p(), p(), p(), p())).toEqual([2, 'c', 4]);
    expect(() => shapeOf({ kind: 'batchNorm', epsilon: 1e-5 }, f32(2, 3, 4), f32(3), f32(3), f32(4), f32(3))).toThrow(
      'batchNorm: mean must have shape [3], got [4]',
    );
  });
});

describe('matmul', () => {
  it('follows numpy for 1-d operands and batch broadcasting', () => {
    expect(shapeOf(matmul(), f32(3, 4), f32(4, 5))).toEqual([3, 5]);
    expect(shapeOf(matmul(), f32(4), f32(4, 5))).toEqual([5]);
    expect(shapeOf(matmul(), f32(2, 3, 4), f32(4))).toEqual([2, 3]);
    expect(shapeOf(matmul(), f32(4), f32(4))).toEqual([]);
    expect(shapeOf(matmul(), f32(2, 1, 3, 4), f32(5, 4, 6))).toEqual([2, 5, 3, 6]);
    expect(shapeOf(matmul(), f32('batch', 'seq', 64), f32(64, 32))).toEqual(['batch', 'seq', 32]);
    expect(shapeOf(matmul(), f32('b', 8, 'seq', 16), f32('b', 8, 16, 'seq'))).toEqual(['b', 8, 'seq', 'seq']);
  });

  it('applies trans flags and the bias', () => {
    expect(shapeOf(matmul({ transA: true }), f32(4, 3), f32(4, 5))).toEqual([3, 5]);
    expect(shapeOf(matmul({ transB: true }), f32(3, 4), f32(5, 4), f32(5))).toEqual([3, 5]);
    expect(shapeOf(matmul({ transA: true, transB: true }), f32(4, 3), f32(5, 4), f32(3, 1))).toEqual([3, 5]);
    expect(() => shapeOf(matmul(), f32(3, 4), f32(4, 5), f32(4))).toThrow('matmul: c shape [4] does not broadcast to [3, 5]');
    expect(() => shapeOf(matmul({ transA: true }), f32(4), f32(4, 5))).toThrow('transA needs a of rank ≥ 2');
  });

  it('names the differing inner dims', () => {
    expect(() => shapeOf(matmul(), f32(2, 64), f32(32, 8))).toThrow('matmul: inner dims 64 and 32 differ');
    // A symbol against a number: the number, with 'k = 32' left for the runtime to check.
    expect(collectDimAssertions(() => shapeOf(matmul(), f32(2, 'k'), f32(32, 8)))).toEqual([[2, 8], [{ a: 'k', b: 32 }]]);
    expect(() => shapeOf(matmul(), f32(2, 3, 4), f32(5, 4, 6))).toThrow('do not broadcast');
    expect(() => shapeOf(matmul(), f32(), f32(4))).toThrow('a must have rank ≥ 1');
    expect(() => shapeOf(matmul(), val('bool', [2, 2]), val('bool', [2, 2]))).toThrow('numeric');
  });
});

describe('axis ops', () => {
  it('reduces with keepdims, empty axes meaning all, and negative axes', () => {
    const x = f32('n', 3, 4, 5);
    expect(shapeOf({ kind: 'reduce', fn: 'sum', axes: [1, 3], keepdims: true }, x)).toEqual(['n', 1, 4, 1]);
    expect(shapeOf({ kind: 'reduce', fn: 'mean', axes: [1, 3], keepdims: false }, x)).toEqual(['n', 4]);
    expect(shapeOf({ kind: 'reduce', fn: 'max', axes: [], keepdims: false }, x)).toEqual([]);
    expect(shapeOf({ kind: 'reduce', fn: 'l2', axes: [], keepdims: true }, x)).toEqual([1, 1, 1, 1]);
    expect(shapeOf({ kind: 'reduce', fn: 'sum', axes: [-1], keepdims: false }, x)).toEqual(['n', 3, 4]);
    expect(() => shapeOf({ kind: 'reduce', fn: 'sum', axes: [1, -3], keepdims: false }, x)).toThrow('repeat an axis');
    expect(() => shapeOf({ kind: 'reduce', fn: 'sum', axes: [4], keepdims: false }, x)).toThrow('axis 4 is out of range for rank 4');
  });

  it('argReduce outputs int64', () => {
    expect(infer({ kind: 'argReduce', fn: 'max', axis: 1, keepdims: true, selectLastIndex: false }, f32(2, 3))).toEqual({
      dtype: 'int64',
      shape: [2, 1],
    });
    expect(shapeOf({ kind: 'argReduce', fn: 'min', axis: -1, keepdims: false, selectLastIndex: true }, f32(2, 3))).toEqual([2]);
  });

  it('softmax, layerNorm, cumSum and trilu keep the shape and check axes', () => {
    expect(shapeOf({ kind: 'softmax', axis: -1, log: false }, f32('b', 7))).toEqual(['b', 7]);
    expect(() => shapeOf({ kind: 'softmax', axis: 2, log: true }, f32('b', 7))).toThrow('softmax (log): axis 2 is out of range');
    expect(shapeOf({ kind: 'layerNorm', axis: -1, epsilon: 1e-5 }, f32('b', 's', 8), f32(8), f32(8))).toEqual(['b', 's', 8]);
    expect(shapeOf({ kind: 'layerNorm', axis: 1, epsilon: 1e-5 }, f32(2, 3, 8), f32(3, 8))).toEqual([2, 3, 8]);
    expect(() => shapeOf({ kind: 'layerNorm', axis: -1, epsilon: 1e-5 }, f32(2, 8), f32(4))).toThrow(
      'layerNorm: scale shape [4] does not broadcast to [8]',
    );
    expect(shapeOf({ kind: 'cumSum', axis: 0, exclusive: false, reverse: true }, val('int32', [5]))).toEqual([5]);
    expect(shapeOf({ kind: 'trilu', upper: true, k: -1 }, val('bool', [2, 3, 3]))).toEqual([2, 3, 3]);
    expect(() => shapeOf({ kind: 'trilu', upper: true, k: 0 }, f32(3))).toThrow('trilu: x must have rank ≥ 2');
  });
});

describe('attributes and errors', () => {
  it('rejects malformed op objects with the attribute named', () => {
    const bad = { kind: 'conv', strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] } as unknown as Parameters<typeof infer>[0];
    expect(() => infer(bad, f32(1, 1, 3, 3), f32(1, 1, 1, 1))).toThrow("conv: attribute 'group' is missing");
    const extra = { kind: 'where', foo: 1 } as unknown as Parameters<typeof infer>[0];
    expect(() => infer(extra)).toThrow("where: unknown attribute 'foo'");
    const unknown = { kind: 'frobnicate' } as unknown as Parameters<typeof infer>[0];
    expect(() => infer(unknown)).toThrow("unknown op kind 'frobnicate'");
    expect(() => infer({ kind: 'softmax', axis: '1' as unknown as number, log: false }, f32(2))).toThrow(
      "softmax: attribute 'axis' must be number",
    );
  });

  it('checks input counts', () => {
    expect(() => infer({ kind: 'binary', fn: 'add' }, f32(2))).toThrow('binary add: expects 2 inputs, got 1');
    expect(() => infer({ kind: 'batchNorm', epsilon: 0 }, f32(1, 2))).toThrow('batchNorm: expects 5 inputs, got 1');
  });

  it('Graph.add names the node and its inputs', () => {
    const g = new Graph();
    const a = g.addInput('a', { dtype: 'float32', shape: [2, 64] });
    const b = g.addInput('b', { dtype: 'float32', shape: [32, 8] });
    expect(() => g.add(matmul(), [a, b], 'mm')).toThrow("node 'mm' (matmul) on inputs (float32[2, 64], float32[32, 8]): matmul: inner dims 64 and 32 differ");
    expect(constant('int64', [2], [1, 2]).type.shape).toEqual([2]);
  });
});
