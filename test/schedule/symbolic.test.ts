/**
 * Fusion on symbolic shapes: each graph is built twice, once with symbolic dims (batch,
 * sequence) and once with them bound, and must partition into the same kernels — same count,
 * same names — so leaving a dim symbolic costs no fusion. The symbolic kernels are then generated
 * once (codegen/generate.ts, with its dims table) and run at several symbol values (1, small, and
 * odd sizes 7 and 130), outputs poisoned, against the CPU reference on the bound graph. Fused
 * paths covered: elementwise DAGs with broadcast operands, anchor epilogues, stores through
 * transposes, slices (static and relative to a symbolic axis) and concat parts, and copy groups.
 */

import { describe, expect, test } from 'vitest';
import { DEFAULT_LIMITS, type Kernel } from '../../codegen/kernel.js';
import { generateKernels } from '../../codegen/generate.js';
import { DimTable } from '../../codegen/dims.js';
import type { Dim } from '../../ir/dim.js';
import { Graph, type Tensor, type Value } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import type { Op } from '../../ir/ops.js';
import { runKernels, runnablePlan } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';
import { binary, unary } from './helpers.js';

const MATMUL: Op = { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 };
const END = 2 ** 31 - 1;

/** Builds a graph with each dim either a symbol or its bound value. */
interface Ctx {
  dim(name: 'batch' | 'sequence'): Dim;
  input(name: string, shape: Dim[]): Value;
  constant(name: string, dims: number[]): Value;
  op(op: Op, inputs: Value[], name: string): Value;
}
type Build = (c: Ctx) => Value[];

function build(fn: Build, env: Record<string, number> | undefined): Graph {
  const g = new Graph();
  const r = rng(99);
  const c: Ctx = {
    dim: (name) => (env ? env[name]! : name),
    input: (name, shape) => g.addInput(name, { dtype: 'float32', shape }),
    constant: (name, dims) => g.addConstant(name, randomTensor('float32', dims, r, -1, 1)),
    op: (op, inputs, name) => g.add(op, inputs, name, [name], false)[0]!,
  };
  g.outputs = fn(c);
  return g;
}

/**
 * Partitions `fn`'s graph symbolic and bound at each size, checks both give the same kernels,
 * and runs the symbolic kernels at each size against the reference. Returns the kernels.
 */
async function checkSymbolic(fn: Build, sizes: [number, number][]): Promise<Kernel[]> {
  const graph = build(fn, undefined);
  const plan = generateKernels(graph, DEFAULT_LIMITS);
  expect(plan.dims.length, 'the symbolic plan reads no dims').toBeGreaterThan(0);
  const { kernels, root, table } = runnablePlan(plan);
  for (const [b, s] of sizes) {
    const env = { batch: b, sequence: s };
    const bound = build(fn, env);
    const staticPlan = generateKernels(bound, DEFAULT_LIMITS);
    expect(staticPlan.dims).toEqual([]);
    expect(plan.kernels.map((k) => k.name), `kernels at batch=${b}, sequence=${s}`).toEqual(staticPlan.kernels.map((k) => k.name));
    const feeds = new Map<string, Tensor>();
    const r = rng(b * 1000 + s);
    for (const v of bound.inputs) feeds.set(v.name, randomTensor('float32', v.type.shape as number[], r, -2, 2));
    const byValue = new Map<Value, Tensor>(graph.inputs.map((v) => [v, feeds.get(v.name)!]));
    const results = await runKernels(kernels, byValue, { table, env });
    const expected = evaluateGraph(bound, feeds);
    for (const out of graph.outputs) {
      const got = results.get(root(out));
      if (!got) throw new Error(`no kernel wrote output '${out.name}'`);
      const want = expected.get(out.name)!;
      expectClose({ ...got, dims: want.dims }, want, 1e-5, 1e-5, `${out.name} at batch=${b}, sequence=${s}`);
    }
  }
  return plan.kernels;
}

// Sizes where no two different symbolic sizes coincide (batch ≠ sequence), so bound and symbolic
// graphs must fuse identically; batch = sequence = 1 runs too (only the symbolic plan there).
const SIZES: [number, number][] = [
  [2, 7],
  [3, 130],
  [1, 5],
];

describe('symbolic fusion', () => {
  test('elementwise DAG with broadcast operands, stored transposed: one kernel', async () => {
    const ks = await checkSymbolic((c) => {
      const [B, S] = [c.dim('batch'), c.dim('sequence')];
      const x = c.input('x', [B, S, 8]);
      const y = c.input('y', [B, S, 8]);
      const gate = c.input('gate', [B, 1, 8]);
      const h = c.op(unary('gelu'), [c.op(binary('add'), [x, c.constant('bias', [8])], 'add')], 'gelu');
      const m = c.op(binary('mul'), [c.op(binary('mul'), [h, y], 'mul'), gate], 'gate');
      return [c.op({ kind: 'transpose', perm: [0, 2, 1] }, [m], 'out')];
    }, SIZES);
    expect(ks).toHaveLength(1);
  });

  test('matmul → add → gelu → transpose: the matmul stores its epilogue transposed', async () => {
    const ks = await checkSymbolic((c) => {
      const [B, S] = [c.dim('batch'), c.dim('sequence')];
      const x = c.input('x', [B, S, 16]);
      const mm = c.op(MATMUL, [x, c.constant('w', [16, 12])], 'mm');
      const g = c.op(unary('gelu'), [c.op(binary('add'), [mm, c.constant('b', [12])], 'add')], 'gelu');
      return [c.op({ kind: 'transpose', perm: [1, 0, 2] }, [g], 'out')];
    }, SIZES);
    expect(ks).toHaveLength(1);
  });

  test('one value stored into slices and a concat: the last position, a feature slice, concat parts', async () => {
    await checkSymbolic((c) => {
      const [B, S] = [c.dim('batch'), c.dim('sequence')];
      const x = c.input('x', [B, S, 6]);
      const y = c.input('y', [B, S, 4]);
      const t = c.op(unary('tanh'), [x], 'tanh');
      const last = c.op({ kind: 'slice', axes: [1], starts: [-1], ends: [END], steps: [1] }, [t], 'last');
      const feat = c.op({ kind: 'slice', axes: [2], starts: [5], ends: [0], steps: [-2] }, [t], 'feat');
      const e = c.op(unary('exp'), [y], 'exp');
      const cat = c.op({ kind: 'concat', axis: 2 }, [t, e], 'cat');
      return [c.op(unary('neg'), [last], 'out_last'), c.op(unary('abs'), [feat], 'out_feat'), c.op(unary('relu'), [cat], 'out_cat')];
    }, SIZES);
  });

  test('a KV-cache append: both parts of a concat along the symbolic axis are written in place', async () => {
    const ks = await checkSymbolic((c) => {
      const [B, S] = [c.dim('batch'), c.dim('sequence')];
      const past = c.input('past', [B, 3, 6]);
      const cur = c.op(unary('tanh'), [c.input('x', [B, S, 6])], 'k');
      const old = c.op(binary('mul'), [past, c.constant('decay', [6])], 'old');
      const cat = c.op({ kind: 'concat', axis: 1 }, [old, cur], 'cat'); // [B, 3 + S, 6]
      // The last 3 positions, transposed: a slice whose start (sequence) is symbolic.
      const shifted = c.op({ kind: 'slice', axes: [1], starts: [-3], ends: [END], steps: [1] }, [cat], 'tail');
      return [c.op(unary('neg'), [cat], 'out'), c.op({ kind: 'transpose', perm: [0, 2, 1] }, [shifted], 'tail_t')];
    }, SIZES);
    expect(ks.some((k) => k.name === 'cat')).toBe(false); // the concat itself runs no kernel
  });

  test('movement of graph inputs becomes copy groups (transpose + slice after a shift)', async () => {
    const ks = await checkSymbolic((c) => {
      const [B, S] = [c.dim('batch'), c.dim('sequence')];
      const x = c.input('x', [B, S, 5]);
      const tr = c.op({ kind: 'transpose', perm: [2, 0, 1] }, [x], 'tr');
      const sl = c.op({ kind: 'slice', axes: [1], starts: [1], ends: [END], steps: [1] }, [x], 'shifted');
      return [tr, sl];
    }, SIZES);
    expect(ks).toHaveLength(1);
  });

  test('conv → relu → 3×3 conv on a symbolic batch: the first conv writes the padded copy', async () => {
    const conv = (pads: number[]): Op => ({ kind: 'conv', strides: [1, 1], pads, dilations: [1, 1], group: 1 });
    const ks = await checkSymbolic((c) => {
      const x = c.input('x', [c.dim('batch'), 3, 6, 7]);
      const a = c.op(unary('relu'), [c.op(conv([0, 0, 0, 0]), [x, c.constant('w1', [4, 3, 1, 1])], 'c1')], 'relu');
      return [c.op(conv([1, 1, 1, 1]), [a, c.constant('w2', [5, 4, 3, 3])], 'out')];
    }, SIZES);
    expect(ks).toHaveLength(2);
    expect(ks[0]!.outputs.map((v) => v.type.shape)).toEqual([['batch', 4, 8, 12]]); // the padded copy
  });

  test('batch = sequence = 1: the symbolic kernels still run', async () => {
    const fn: Build = (c) => {
      const [B, S] = [c.dim('batch'), c.dim('sequence')];
      const x = c.input('x', [B, S, 3]);
      const t = c.op(unary('sigmoid'), [c.op(binary('add'), [x, c.input('r', [1, S, 3])], 'add')], 'sig');
      return [c.op({ kind: 'transpose', perm: [1, 2, 0] }, [t], 'out')];
    };
    const graph = build(fn, undefined);
    const plan = generateKernels(graph, DEFAULT_LIMITS);
    const table = new DimTable();
    for (const e of plan.dims) table.slot(e);
    const env = { batch: 1, sequence: 1 };
    const bound = build(fn, env);
    const feeds = new Map<string, Tensor>(bound.inputs.map((v) => [v.name, randomTensor('float32', v.type.shape as number[], rng(5), -2, 2)]));
    const results = await runKernels(plan.kernels, new Map(graph.inputs.map((v) => [v, feeds.get(v.name)!])), { table, env });
    const want = evaluateGraph(bound, feeds).get('out')!;
    const got = results.get(graph.outputs[0]!)!;
    expectClose({ ...got, dims: want.dims }, want, 1e-5, 1e-5, 'out');
  });
});
