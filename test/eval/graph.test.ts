/**
 * evaluateGraph: whole graphs with symbolic dims bound from the feeds, constants, output lookup
 * by name, and the checks that name the offending input or node; plus canEvaluate and constant
 * folding through Graph.add.
 */

import { describe, expect, it } from 'vitest';
import { Graph } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { canEvaluate, evaluate, evaluateGraph } from '../../ir/eval/index.js';
import { expectClose, randomTensor, rng, tensor } from './helpers/tensors.js';

const matmul: Op = { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 };
const relu: Op = { kind: 'unary', fn: 'relu', alpha: 0, beta: 0 };

function buildGraph() {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 3, 8] });
  const w = g.addConstant('w', randomTensor(rng(1), 'float32', [8, 4]));
  const [h] = g.add(matmul, [x, w], 'mm', ['h']);
  const [r] = g.add(relu, [h!], 'act');
  const [y] = g.add({ kind: 'reshape', shape: ['batch', 12] }, [r!], 'flatten');
  const [s] = g.add({ kind: 'softmax', axis: 1, log: false }, [y!], 'sm', ['probs']);
  g.outputs = [s!, h!];
  return { g, w: w.data! };
}

describe('evaluateGraph', () => {
  it('runs the nodes in order for any batch size and returns outputs by name', () => {
    const { g, w } = buildGraph();
    for (const batch of [1, 2, 5]) {
      const x = randomTensor(rng(batch), 'float32', [batch, 3, 8]);
      const out = evaluateGraph(g, { x });
      expect([...out.keys()]).toEqual(['probs', 'h']);
      // The same computation op by op.
      const [h] = evaluate(matmul, [x, w]);
      const [r] = evaluate(relu, [h!]);
      const [y] = evaluate({ kind: 'reshape', shape: [batch, 12] }, [r!]);
      const [s] = evaluate({ kind: 'softmax', axis: 1, log: false }, [y!]);
      expectClose(out.get('h')!, h!, { rtol: 0, atol: 0 });
      expectClose(out.get('probs')!, s!, { rtol: 0, atol: 0 });
      expect(out.get('probs')!.dims).toEqual([batch, 12]);
    }
  });

  it('accepts a Map of feeds', () => {
    const { g } = buildGraph();
    const out = evaluateGraph(g, new Map([['x', randomTensor(rng(3), 'float32', [2, 3, 8])]]));
    expect(out.get('h')!.dims).toEqual([2, 3, 4]);
  });

  it('names missing inputs, wrong dtypes and wrong dims', () => {
    const { g } = buildGraph();
    expect(() => evaluateGraph(g, {})).toThrow(/missing graph input 'x'/);
    expect(() => evaluateGraph(g, { x: randomTensor(rng(1), 'float64', [2, 3, 8]) })).toThrow(/'x' must be float32/);
    expect(() => evaluateGraph(g, { x: randomTensor(rng(1), 'float32', [2, 4, 8]) })).toThrow(/'x' has dims \[2, 4, 8\]/);
    expect(() => evaluateGraph(g, { x: randomTensor(rng(1), 'float32', [2, 3]) })).toThrow(/rank 2/);
  });

  it('binds a symbol once and rejects a contradiction', () => {
    const g = new Graph();
    const a = g.addInput('a', { dtype: 'float32', shape: ['n'] });
    const b = g.addInput('b', { dtype: 'float32', shape: ['n'] });
    const [c] = g.add({ kind: 'binary', fn: 'add' }, [a, b]);
    g.outputs = [c!];
    const t = (n: number) => randomTensor(rng(n), 'float32', [n]);
    expect(evaluateGraph(g, { a: t(3), b: t(3) }).get(c!.name)!.dims).toEqual([3]);
    expect(() => evaluateGraph(g, { a: t(3), b: t(4) })).toThrow(/'n' = 3/);
  });

  it('names the node whose result disagrees with its declared type', () => {
    const { g } = buildGraph();
    g.nodes[1]!.outputs[0]!.type.shape = ['batch', 3, 5]; // corrupt the inferred shape of 'act'
    expect(() => evaluateGraph(g, { x: randomTensor(rng(1), 'float32', [2, 3, 8]) })).toThrow(/node 'act'/);
  });

  it('wraps op errors with the node name and input shapes', () => {
    const g = new Graph();
    const idx = g.addInput('i', { dtype: 'int64', shape: [1] });
    const data = g.addConstant('d', tensor('float32', [3], [1, 2, 3]));
    const [y] = g.add({ kind: 'gather', axis: 0 }, [data, idx], 'pick');
    g.outputs = [y!];
    expect(() => evaluateGraph(g, { i: tensor('int64', [1], [7]) })).toThrow(/node 'pick' \(gather\).*out of range/);
  });
});

describe('canEvaluate and constant folding', () => {
  it('folds shape arithmetic on constants at Graph.add', () => {
    const g = new Graph();
    const a = g.addConstant('a', tensor('int64', [2], [6, 4]));
    const b = g.addConstant('b', tensor('int64', [2], [2, -3]));
    const [c] = g.add({ kind: 'binary', fn: 'div' }, [a, b]);
    expect(c!.isConstant).toBe(true);
    expect(Array.from(c!.data!.data as BigInt64Array)).toEqual([3n, -1n]);
    expect(g.nodes.length).toBe(0);
  });

  it('says which ops need runtime symbols', () => {
    expect(canEvaluate(relu)).toBe(true);
    expect(canEvaluate({ kind: 'expand', shape: ['batch', 3] })).toBe(false);
    expect(canEvaluate({ kind: 'reshape', shape: ['batch', 3] })).toBe(true); // one unknown is inferred
    expect(canEvaluate({ kind: 'reshape', shape: ['batch', 'seq'] })).toBe(false);
    const resize: Op = { kind: 'resize', mode: 'linear', coordMode: 'tf_crop_and_resize', nearestMode: 'floor', cubicCoeffA: -0.75, excludeOutside: false, extrapolationValue: 0, scales: [], sizes: ['n'] };
    expect(canEvaluate(resize)).toBe(false);
  });
});
