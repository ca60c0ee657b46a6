/**
 * The IR additions the recognizers produce: `attention` (both layouts, masks with −inf, fully
 * masked rows) checked against the same computation spelled with the evaluator's matmul,
 * softmax, reshape and transpose; its shape inference and errors; and unary `silu`.
 */

import { describe, expect, it } from 'vitest';
import { evaluate } from '../../ir/eval/index.js';
import { Graph, type Tensor } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

const ev = (op: Op, inputs: Tensor[]): Tensor => evaluate(op, inputs)[0]!;
const mm = (a: Tensor, b: Tensor, transB = false) => ev({ kind: 'matmul', transA: false, transB, alpha: 1, beta: 0 }, [a, b]);

/** softmax(scale · q·kᵀ + mask) · v for q [..., S, D] etc., from the evaluator's own ops. */
function reference(q: Tensor, k: Tensor, v: Tensor, scale: number, mask?: Tensor): Tensor {
  let s = ev({ kind: 'binary', fn: 'mul' }, [mm(q, k, true), { dtype: 'float32', dims: [], data: Float32Array.of(scale) }]);
  if (mask) s = ev({ kind: 'binary', fn: 'add' }, [s, mask]);
  return mm(ev({ kind: 'softmax', axis: -1, log: false }, [s]), v);
}

/** [..., S, H·D] → [..., H, S, D] */
function splitHeads(x: Tensor, h: number): Tensor {
  const [s, hd] = x.dims.slice(-2) as [number, number];
  const lead = x.dims.slice(0, -2);
  const r = ev({ kind: 'reshape', shape: [...lead, s, h, hd / h] }, [x]);
  const n = r.dims.length;
  const perm = [...Array(n).keys()];
  [perm[n - 3], perm[n - 2]] = [perm[n - 2]!, perm[n - 3]!];
  return ev({ kind: 'transpose', perm }, [r]);
}

function mergeHeads(x: Tensor): Tensor {
  const n = x.dims.length;
  const perm = [...Array(n).keys()];
  [perm[n - 3], perm[n - 2]] = [perm[n - 2]!, perm[n - 3]!];
  const t = ev({ kind: 'transpose', perm }, [x]);
  return ev({ kind: 'reshape', shape: [...t.dims.slice(0, -2), t.dims[n - 2]! * t.dims[n - 1]!] }, [t]);
}

const rand = rng(42);

describe('attention evaluator', () => {
  it('unpacked form with a broadcast mask holding −inf', () => {
    const q = randomTensor('float32', [2, 3, 4, 5], rand);
    const k = randomTensor('float32', [2, 3, 6, 5], rand);
    const v = randomTensor('float32', [2, 3, 6, 7], rand);
    const mask = randomTensor('float32', [3, 1, 6], rand);
    (mask.data as Float32Array)[2] = -Infinity;
    const got = ev({ kind: 'attention', heads: 0, scale: 0.45 }, [q, k, v, mask]);
    expect(got.dims).toEqual([2, 3, 4, 7]);
    expectClose(got, reference(q, k, v, 0.45, mask), 1e-5, 1e-6);
    expectClose(ev({ kind: 'attention', heads: 0, scale: 1.3 }, [q, k, v]), reference(q, k, v, 1.3), 1e-5, 1e-6);
  });

  it('packed heads equal split → attention → merge', () => {
    const h = 3;
    const q = randomTensor('float32', [2, 4, h * 2], rand);
    const k = randomTensor('float32', [2, 5, h * 2], rand);
    const v = randomTensor('float32', [2, 5, h * 4], rand);
    const mask = randomTensor('float32', [2, h, 1, 5], rand, -3, 0);
    const got = ev({ kind: 'attention', heads: h, scale: 0.7 }, [q, k, v, mask]);
    expect(got.dims).toEqual([2, 4, h * 4]);
    const want = mergeHeads(reference(splitHeads(q, h), splitHeads(k, h), splitHeads(v, h), 0.7, mask));
    expectClose(got, want, 1e-5, 1e-6);
  });

  it('a fully masked row is NaN, as softmax makes it', () => {
    const q = randomTensor('float32', [1, 2, 2], rand);
    const k = randomTensor('float32', [1, 2, 2], rand);
    const v = randomTensor('float32', [1, 2, 2], rand);
    const mask: Tensor = { dtype: 'float32', dims: [2, 2], data: Float32Array.of(-Infinity, -Infinity, 0, 0) };
    const got = ev({ kind: 'attention', heads: 0, scale: 1 }, [q, k, v, mask]).data as Float32Array;
    expect(Number.isNaN(got[0]!) && Number.isNaN(got[1]!)).toBe(true);
    expect(Number.isFinite(got[2]!) && Number.isFinite(got[3]!)).toBe(true);
  });
});

describe('attention inference', () => {
  const g = new Graph();
  const input = (name: string, shape: (number | string)[]) => g.addInput(name, { dtype: 'float32', shape });
  const q = input('q', ['b', 's', 8]);
  const k = input('k', ['b', 't', 8]);
  const v = input('v', ['b', 't', 12]);

  it('types both layouts, symbols included', () => {
    expect(g.add({ kind: 'attention', heads: 0, scale: 1 }, [q, k, v])[0]!.type.shape).toEqual(['b', 's', 12]);
    expect(g.add({ kind: 'attention', heads: 4, scale: 1 }, [q, k, v, input('m', ['b', 4, 's', 't'])])[0]!.type.shape).toEqual(['b', 's', 12]);
  });

  it('rejects heads that do not divide, mismatched dims, and a mask that does not broadcast', () => {
    expect(() => g.add({ kind: 'attention', heads: 3, scale: 1 }, [q, k, v])).toThrow(/does not split into 3 heads/);
    expect(() => g.add({ kind: 'attention', heads: 0, scale: 1 }, [q, input('k2', ['b', 't', 6]), v])).toThrow(/last dims 8 and 6 differ/);
    expect(() => g.add({ kind: 'attention', heads: 0, scale: 1 }, [q, k, input('v2', ['b', 'u', 12])])).toThrow(/key counts/);
    expect(() => g.add({ kind: 'attention', heads: 0, scale: 1 }, [q, k, v, input('m2', [4, 's', 't'])])).toThrow(/mask shape/);
  });
});

describe('unary silu', () => {
  it('equals x · sigmoid(x)', () => {
    const x = randomTensor('float32', [50], rand, -8, 8);
    const want = ev({ kind: 'binary', fn: 'mul' }, [x, ev({ kind: 'unary', fn: 'sigmoid', alpha: 0, beta: 0 }, [x])]);
    expectClose(ev({ kind: 'unary', fn: 'silu', alpha: 0, beta: 0 }, [x]), want, 1e-6, 1e-7);
  });
});
