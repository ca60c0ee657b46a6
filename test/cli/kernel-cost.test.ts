/**
 * `profile`'s cost model (src/cli/kernel-cost.ts) and the timing statistics (src/cli/stats.ts),
 * without a GPU: FLOPs of conv, grouped conv, batched and transposed matmul, attention and
 * elementwise nodes against counts worked out by hand from the shapes; kernels matched to their
 * nodes through ':suffix' and '+fn' names; nearest-rank quantiles and the geometric mean.
 */

import { describe, expect, test } from 'vitest';
import { Graph, type Value } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { kernelCosts, nodeFlops } from '../../src/cli/kernel-cost.js';
import { geomean, quantile, summarize } from '../../src/cli/stats.js';
import type { PlanKernel } from '../../runtime/plan.js';
import { randomTensor, rng } from '../helpers/random.js';

const rand = rng(3);
const f32 = (dims: number[]) => ({ dtype: 'float32' as const, shape: dims });
const weight = (g: Graph, name: string, dims: number[]) => g.addConstant(name, randomTensor('float32', dims, rand));
const node = (g: Graph, op: Op, inputs: Value[], name: string) => {
  g.add(op, inputs, name, [], false);
  return g.nodes.at(-1)!;
};

describe('nodeFlops', () => {
  test('grouped conv with bias: 2·N·M·OH·OW·(C/g)·kh·kw + one per output', () => {
    const g = new Graph();
    const x = g.addInput('x', f32([2, 6, 10, 10]));
    const conv = node(
      g,
      { kind: 'conv', strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 2 },
      [x, weight(g, 'w', [8, 3, 3, 3]), weight(g, 'b', [8])],
      'conv',
    );
    expect(conv.outputs[0]!.type.shape).toEqual([2, 8, 10, 10]);
    expect(nodeFlops(conv)).toBe(2 * (2 * 8 * 10 * 10) * (3 * 3 * 3) + 2 * 8 * 10 * 10);
  });

  test('strided conv without bias counts outputs of the strided shape', () => {
    const g = new Graph();
    const x = g.addInput('x', f32([1, 3, 9, 9]));
    const conv = node(g, { kind: 'conv', strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, [x, weight(g, 'w', [5, 3, 3, 3])], 'c');
    expect(nodeFlops(conv)).toBe(2 * (5 * 4 * 4) * 27);
  });

  test('batched matmul, and gemm with transA and a bias', () => {
    const g = new Graph();
    const a = g.addInput('a', f32([3, 5, 7]));
    const mm = node(g, { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [a, weight(g, 'b', [7, 4])], 'mm');
    expect(nodeFlops(mm)).toBe(2 * 3 * 5 * 4 * 7);
    const at = g.addInput('at', f32([7, 5]));
    const gemm = node(g, { kind: 'matmul', transA: true, transB: false, alpha: 1, beta: 1 }, [at, weight(g, 'b2', [7, 4]), weight(g, 'c', [4])], 'gemm');
    expect(nodeFlops(gemm)).toBe(2 * 5 * 4 * 7 + 5 * 4);
  });

  test('attention with packed heads: per head 2·S·T·D + 2·S·T·Dv + 5·S·T', () => {
    const g = new Graph();
    const q = g.addInput('q', f32([1, 6, 8]));
    const k = g.addInput('k', f32([1, 10, 8]));
    const v = g.addInput('v', f32([1, 10, 8]));
    const att = node(g, { kind: 'attention', heads: 2, scale: 0.5 }, [q, k, v], 'att');
    expect(nodeFlops(att)).toBe(2 * (6 * 10 * (2 * 4 + 2 * 4 + 5)));
  });

  test('elementwise: one per output element (broadcast output); movement: none', () => {
    const g = new Graph();
    const a = g.addInput('a', f32([4, 1, 5]));
    const b = g.addInput('b', f32([3, 1]));
    const add = node(g, { kind: 'binary', fn: 'add' }, [a, b], 'add');
    expect(nodeFlops(add)).toBe(4 * 3 * 5);
    const t = node(g, { kind: 'transpose', perm: [2, 1, 0] }, [add.outputs[0]!], 't');
    expect(nodeFlops(t)).toBe(0);
  });
});

describe('kernelCosts', () => {
  test("matches kernels to nodes through ':suffix', '/suffix' and '+fn'; the node's FLOPs go to its main kernel", () => {
    const g = new Graph();
    const x = g.addInput('x', f32([1, 2, 6, 6]));
    const conv = node(g, { kind: 'conv', strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, [x, weight(g, 'w', [3, 2, 3, 3])], 'stem/conv');
    node(g, { kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [conv.outputs[0]!], 'stem/relu');
    const flat = g.addInput('m', f32([4, 6]));
    const mm = node(g, { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [flat, weight(g, 'k', [6, 2])], 'fc');
    const kernel = (name: string, sizes: number[]): PlanKernel => ({
      name,
      shader: 0,
      inputs: sizes.slice(1).map((size) => ({ buffer: 0, size })),
      outputs: [{ buffer: 1, size: sizes[0]! }],
      workgroups: [1, 1, 1],
    });
    const costs = kernelCosts(
      {
        kernels: [
          kernel('stem/conv:pad', [400, 288]),
          kernel('stem/conv+relu+mul', [192, 400, 216, 4]),
          kernel('fc/pad', [96, 96]),
          kernel('fc', [32, 96, 48]),
          kernel('mystery', [8]),
        ],
      },
      g,
    );
    const convOut = 3 * 4 * 4;
    expect(costs).toEqual([
      { name: 'stem/conv:pad', op: 'conv:pad', flops: 0, bytes: 688 },
      { name: 'stem/conv+relu+mul', op: 'conv+relu+mul', flops: nodeFlops(conv) + 2 * convOut, bytes: 812 },
      { name: 'fc/pad', op: 'matmul/pad', flops: 0, bytes: 192 },
      { name: 'fc', op: 'matmul', flops: 2 * 4 * 2 * 6, bytes: 176 },
      { name: 'mystery', op: '?', flops: null, bytes: 8 },
    ]);
    expect(nodeFlops(conv)).toBe(2 * convOut * 18);
    expect(nodeFlops(mm)).toBe(96);
  });
});

describe('stats', () => {
  test('nearest-rank quantiles are measured values', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(quantile(xs, 0.5)).toBe(5);
    expect(quantile(xs, 0.9)).toBe(9);
    expect(quantile([3], 0.9)).toBe(3);
    expect(quantile([], 0.5)).toBeNaN();
    const s = summarize([2, 8, 4]);
    expect([s.median, s.p90, s.min, s.max, s.samples]).toEqual([4, 8, 2, 8, [2, 8, 4]]);
  });

  test('geometric mean skips non-positive and non-finite ratios', () => {
    expect(geomean([0.5, 2, 4])).toBeCloseTo(Math.cbrt(4), 12);
    expect(geomean([1, 0, NaN, Infinity])).toBe(1);
    expect(geomean([])).toBeNaN();
  });
});
