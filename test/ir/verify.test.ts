/**
 * The verifier accepts well-formed graphs and catches each class of defect, built by mutating a
 * good graph: use before definition, SSA violations, stale types, undefined outputs, dangling or
 * wrong producer links, bad constants, duplicate names — and reports them all at once.
 */

import { describe, expect, it } from 'vitest';
import { Graph, type Value } from '../../ir/graph.js';
import { verifyGraph, VerifyError } from '../../ir/verify.js';

/** x → relu → matmul(w) → add(b) → softmax, with constants w and b. */
function build() {
  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: ['batch', 4] });
  const w = g.addConstant('w', { dtype: 'float32', dims: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5) });
  const b = g.addConstant('b', { dtype: 'float32', dims: [3], data: Float32Array.from([0.5, -1.5, 2.25]) });
  const [r] = g.add({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [x], 'relu');
  const [m] = g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [r!, w], 'mm');
  const [a] = g.add({ kind: 'binary', fn: 'add' }, [m!, b], 'bias');
  const [s] = g.add({ kind: 'softmax', axis: -1, log: false }, [a!], 'sm');
  g.outputs = [s!];
  return { g, x, w, b, r: r!, m: m!, a: a!, s: s! };
}

function problems(g: Graph): string[] {
  try {
    verifyGraph(g);
  } catch (e) {
    expect(e).toBeInstanceOf(VerifyError);
    return (e as VerifyError).problems;
  }
  return [];
}

describe('verifyGraph', () => {
  it('accepts a well-formed graph, constants and inputs as outputs included', () => {
    const { g, x, w } = build();
    expect(problems(g)).toEqual([]);
    g.outputs.push(x, w);
    expect(problems(g)).toEqual([]);
  });

  it('catches a use before definition', () => {
    const { g } = build();
    [g.nodes[0], g.nodes[1]] = [g.nodes[1]!, g.nodes[0]!];
    expect(problems(g)).toEqual(["node 'mm' (matmul): %relu_out0 is used before node 'relu' defines it"]);
  });

  it('catches a value defined twice (SSA)', () => {
    const { g, r } = build();
    g.nodes[2]!.outputs.push(r);
    const p = problems(g);
    expect(p).toContain("node 'bias' (binary): %relu_out0 is already defined (SSA)");
    expect(p).toContain("node 'bias' (binary): output %relu_out0 names node 'relu' as its producer");
    expect(p).toContain("node 'bias' (binary): has 2 outputs but the op yields 1");
  });

  it('catches stored types that differ from inference', () => {
    const { g, m } = build();
    m.type = { dtype: 'float32', shape: ['batch', 4] };
    const p = problems(g);
    expect(p[0]).toBe("node 'mm' (matmul): output %mm_out0 is typed float32[batch, 4] but infers to float32[batch, 3]");
    // The stale type also breaks the next node's inference.
    expect(p[1]).toMatch(/^node 'bias' \(binary\): type inference fails: binary add: shapes/);
  });

  it('catches ops whose attributes no longer type-check', () => {
    const { g } = build();
    g.nodes[1]!.op = { kind: 'matmul', transA: false, transB: true, alpha: 1, beta: 1 };
    expect(problems(g)[0]).toBe("node 'mm' (matmul): type inference fails: matmul: inner dims 4 and 3 differ");
  });

  it('catches undefined graph outputs and inputs from elsewhere', () => {
    const { g } = build();
    const other = new Graph();
    const stray = other.addInput('stray', { dtype: 'float32', shape: [3] });
    g.outputs.push(stray);
    g.nodes[3]!.inputs = [stray];
    const p = problems(g);
    expect(p).toContain("node 'sm' (softmax): %stray is not a graph input, a constant, or a node output");
    expect(p).toContain('graph output %stray: %stray is not a graph input, a constant, or a node output');
  });

  it('catches dangling producer links after a node is dropped', () => {
    const { g } = build();
    g.nodes.splice(1, 1);
    expect(problems(g)).toEqual(["node 'bias' (binary): %mm_out0 is produced by node 'mm', which is not in the graph"]);
  });

  it('catches an output whose producer points elsewhere', () => {
    const { g, a } = build();
    a.producer = g.nodes[0];
    expect(problems(g)).toContain("node 'bias' (binary): output %bias_out0 names node 'relu' as its producer");
  });

  it('catches constants whose data do not match their type', () => {
    const { g, w, b } = build();
    w.data = { ...w.data!, data: new Float32Array(11) };
    b.data = { ...b.data!, dtype: 'float64', data: new Float64Array(3) };
    const p = problems(g);
    expect(p).toContain('constant %w: data has 11 elements, dims [4, 3] need 12');
    expect(p).toContain('constant %b: data is float64[3] but the value is typed float32[3]');
  });

  it('catches constants held in the wrong array type', () => {
    const { g, w } = build();
    w.data = { ...w.data!, data: new Float64Array(12) };
    expect(problems(g)).toEqual(['constant %w: float32 data is held in a Float64Array']);
  });

  it('catches duplicate value names and repeated nodes', () => {
    const { g, m } = build();
    m.name = 'relu_out0';
    g.nodes.push(g.nodes[3]!);
    const p = problems(g);
    expect(p).toContain("node 'mm' (matmul): value name %relu_out0 is used by two values");
    expect(p).toContain("node 'sm' (softmax) appears twice in the node list");
  });

  it('catches graph inputs that carry data or a producer', () => {
    const { g, x } = build();
    x.data = { dtype: 'float32', dims: [1, 4], data: new Float32Array(4) };
    const p = problems(g);
    expect(p[0]).toBe('graph input %x also holds constant data');
  });

  it('lists every problem in the error message', () => {
    const { g, m, s } = build();
    m.type = { dtype: 'int32', shape: ['batch', 3] };
    s.producer = undefined;
    const err = (() => {
      try {
        verifyGraph(g);
      } catch (e) {
        return e as VerifyError;
      }
      throw new Error('verifyGraph accepted a broken graph');
    })();
    expect(err.problems.length).toBeGreaterThanOrEqual(3);
    expect(err.message).toContain(`graph verification failed (${err.problems.length} problems)`);
    for (const p of err.problems) expect(err.message).toContain(p);
  });

  it('needs no producer-less values to be graph inputs when they are constants', () => {
    const g = new Graph();
    const c: Value = g.addConstant('k', { dtype: 'int64', dims: [2], data: new BigInt64Array([3n, 4n]) });
    g.outputs = [c];
    expect(problems(g)).toEqual([]);
  });
});
