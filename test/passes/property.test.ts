/**
 * Property test: random small graphs, built from motifs that include every pattern the passes
 * rewrite (decomposed softmax / layer norm / activations / attention, no-ops, transpose and
 * reshape chains, batch norms, constant subgraphs, matmul + bias) and plain ops around them,
 * compute the same outputs before and after the whole pipeline on the CPU evaluator, with the
 * verifier run after every pass, and reach a fixed point (a second run changes nothing). Odd
 * seeds give the input a symbolic batch dim. Each seed is one test so a failure names its graph.
 */

import { describe, expect, it } from 'vitest';
import { Graph, type Value } from '../../ir/graph.js';
import type { BinaryFn, Op, UnaryFn } from '../../ir/ops.js';
import { printGraph } from '../../ir/print.js';
import { ALL_PASSES, opHistogram, runPipeline } from '../../src/passes/pipeline.js';
import { randomTensor, rng } from '../helpers/random.js';
import { expectSameResults } from './helpers.js';

class Gen {
  readonly g = new Graph();
  readonly rand: () => number;
  readonly pool: Value[] = [];
  /** [2, 3, 4], or [n, 3, 4] with a symbolic batch for odd seeds. */
  readonly shape: (number | string)[];
  constructor(seed: number) {
    this.rand = rng(seed);
    this.shape = seed % 2 === 1 ? ['n', 3, 4] : [2, 3, 4];
  }
  get batch(): number | string {
    return this.shape[0]!;
  }
  /** A constant shape broadcasting into the value's, full-size only when the batch is static. */
  broadcastDims(): number[] {
    return this.pick(typeof this.batch === 'number' ? [[4], [3, 1], [], [2, 3, 4]] : [[4], [3, 1], [], [1, 3, 4]]);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }
  node(op: Op, inputs: Value[]): Value {
    // No folding at build time: constant subgraphs are left for fold-constants.
    return this.g.add(op, inputs, undefined, [], false)[0]!;
  }
  constant(dims: number[], lo = -1, hi = 1): Value {
    return this.g.addConstant('k', randomTensor('float32', dims, this.rand, lo, hi));
  }
  scalar(x: number): Value {
    return this.g.addConstant('s', { dtype: 'float32', dims: [], data: Float32Array.of(x) });
  }
  un(fn: UnaryFn, x: Value, alpha = 0, beta = 0): Value {
    return this.node({ kind: 'unary', fn, alpha, beta }, [x]);
  }
  bin(fn: BinaryFn, a: Value, b: Value): Value {
    return this.node({ kind: 'binary', fn }, [a, b]);
  }
  mm(a: Value, b: Value, transB = false): Value {
    return this.node({ kind: 'matmul', transA: false, transB, alpha: 1, beta: 0 }, [a, b]);
  }
  reduce(fn: 'mean' | 'sum' | 'max', x: Value, axes: number[]): Value {
    return this.node({ kind: 'reduce', fn, axes, keepdims: true }, [x]);
  }
}

/** Each motif maps a [b, 3, 4] value to a [b, 3, 4] value. */
const MOTIFS: ((m: Gen, x: Value) => Value)[] = [
  (m, x) => m.un(m.pick(['relu', 'tanh', 'sigmoid', 'neg', 'abs', 'identity', 'softsign'] as const), x),
  (m, x) => m.bin(m.pick(['add', 'mul', 'sub', 'max'] as const), x, m.constant(m.broadcastDims())),
  (m, x) => m.bin(m.pick(['mul', 'div', 'pow'] as const), x, m.scalar(1)),
  (m, x) => (m.rand() < 0.5 ? m.bin('add', m.scalar(0), x) : m.bin('sub', x, m.scalar(0))),
  (m, x) => m.bin('add', x, m.pick(m.pool)),
  // transpose there and back, through an elementwise op
  (m, x) => {
    const p = m.pick([[1, 2, 0], [2, 0, 1], [0, 2, 1]]);
    const inv = p.map((_, i) => p.indexOf(i));
    const t = m.node({ kind: 'transpose', perm: p }, [x]);
    const u = m.un('tanh', t);
    const last = u.type.shape[2]!;
    const w = m.bin('mul', u, m.constant([typeof last === 'number' ? last : 1]));
    return m.node({ kind: 'transpose', perm: inv }, [w]);
  },
  (m, x) => {
    const via = typeof m.batch === 'number' ? m.pick([[6, 4], [2, 12], [24]]) : m.pick([[m.batch, 12], [m.batch, 2, 6]]);
    return m.node({ kind: 'reshape', shape: m.shape }, [m.node({ kind: 'reshape', shape: via }, [x])]);
  },
  (m, x) => m.node({ kind: 'cast', to: 'float32' }, [x]),
  (m, x) => m.node({ kind: 'pad', mode: 'constant', pads: [0, 0, 0, 0, 0, 0], value: 0 }, [x]),
  (m, x) => m.node({ kind: 'slice', axes: [2], starts: [0], ends: [100], steps: [1] }, [x]),
  // decomposed softmax over a random axis
  (m, x) => {
    const axis = m.pick([0, 1, 2]);
    const z = m.bin('sub', x, m.reduce('max', x, [axis]));
    const e = m.un('exp', z);
    return m.bin('div', e, m.reduce('sum', e, [axis]));
  },
  // decomposed layer norm with γ and β
  (m, x) => {
    const d = m.bin('sub', x, m.reduce('mean', x, [2]));
    const v = m.reduce('mean', m.bin('pow', d, m.scalar(2)), [2]);
    const n = m.bin('div', d, m.un('sqrt', m.bin('add', v, m.scalar(1e-5))));
    return m.bin('add', m.bin('mul', n, m.constant([4])), m.constant([4]));
  },
  (m, x) => m.bin('mul', x, m.un('sigmoid', x)),
  (m, x) => m.bin('mul', m.un('hardSigmoid', x, 1 / 6, 0.5), x),
  (m, x) => m.bin('div', m.bin('mul', x, m.un('clip', m.bin('add', x, m.scalar(3)), 0, 6)), m.scalar(6)),
  // GELU, tanh form
  (m, x) => {
    const inner = m.bin('mul', m.scalar(Math.sqrt(2 / Math.PI)), m.bin('add', x, m.bin('mul', m.scalar(0.044715), m.bin('pow', x, m.scalar(3)))));
    return m.bin('mul', m.bin('mul', m.scalar(0.5), x), m.bin('add', m.scalar(1), m.un('tanh', inner)));
  },
  // log-softmax over the last axis
  (m, x) => {
    const z = m.bin('sub', x, m.reduce('max', x, [2]));
    return m.bin('sub', z, m.un('log', m.reduce('sum', m.un('exp', z), [2])));
  },
  (m, x) => {
    const e = m.un('erf', m.bin('div', x, m.scalar(Math.SQRT2)));
    return m.bin('mul', m.bin('mul', x, m.bin('add', e, m.scalar(1))), m.scalar(0.5));
  },
  // batch norm over the 3 channels, after a 1-d conv or alone
  (m, x) => {
    const y = m.rand() < 0.5 ? x : m.node({ kind: 'conv', strides: [1], pads: [1, 1], dilations: [1], group: 1 }, [x, m.constant([3, 3, 3]), m.constant([3])]);
    return m.node({ kind: 'batchNorm', epsilon: 1e-3 }, [y, m.constant([3]), m.constant([3]), m.constant([3]), m.constant([3], 0.5, 2)]);
  },
  // a constant-only subgraph feeding the value
  (m, x) => m.bin('add', x, m.un('exp', m.bin('mul', m.constant([4]), m.constant([3, 1])))),
  // linear layer: matmul + bias
  (m, x) => m.bin('add', m.constant([4]), m.mm(x, m.constant([4, 4]))),
  // attention with packed heads: 2 heads of width 2 over the 3 rows, merged back
  (m, x) => {
    const split = (v: Value, perm: number[]) => m.node({ kind: 'transpose', perm }, [m.node({ kind: 'reshape', shape: [m.batch, 3, 2, 2] }, [v])]);
    const q = split(m.mm(x, m.constant([4, 4])), [0, 2, 1, 3]);
    const kt = split(m.mm(x, m.constant([4, 4])), [0, 2, 3, 1]);
    const v = split(m.mm(x, m.constant([4, 4])), [0, 2, 1, 3]);
    const p = m.node({ kind: 'softmax', axis: 3, log: false }, [m.bin('div', m.mm(q, kt), m.scalar(1.5))]);
    const o = m.node({ kind: 'transpose', perm: [0, 2, 1, 3] }, [m.mm(p, v)]);
    return m.node({ kind: 'reshape', shape: m.shape }, [o]);
  },
  // self-attention over the [3, 4] rows of each batch, with a causal Where mask
  (m, x) => {
    const kt = m.node({ kind: 'transpose', perm: [0, 2, 1] }, [m.mm(x, m.constant([4, 4]))]);
    let s = m.bin('mul', m.mm(x, kt), m.scalar(0.5));
    if (m.rand() < 0.5) {
      const causal = m.g.addConstant('causal', { dtype: 'bool', dims: [3, 3], data: Uint8Array.of(0, 1, 1, 0, 0, 1, 0, 0, 0) });
      s = m.node({ kind: 'where' }, [causal, m.scalar(-Infinity), s]);
    }
    const p = m.node({ kind: 'softmax', axis: 2, log: false }, [s]);
    return m.mm(p, m.mm(x, m.constant([4, 4])));
  },
];

function randomGraph(seed: number): Graph {
  const m = new Gen(seed);
  let x = m.g.addInput('x', { dtype: 'float32', shape: m.shape });
  m.pool.push(x);
  const steps = 3 + Math.floor(m.rand() * 6);
  for (let i = 0; i < steps; i++) {
    x = m.pick(MOTIFS)(m, x);
    m.pool.push(x);
  }
  // Sometimes a dead branch
  if (m.rand() < 0.3) m.un('exp', m.pick(m.pool));
  // Sometimes an inner value is an output too, so rewrites must keep it (and its name).
  m.g.outputs = m.rand() < 0.4 && m.pool.length > 2 ? [x, m.pool[1 + Math.floor(m.rand() * (m.pool.length - 2))]!] : [x];
  if (m.g.outputs.length === 2 && m.g.outputs[0] === m.g.outputs[1]) m.g.outputs.pop();
  return m.g;
}

const SEEDS = 150;

describe('pipeline preserves results on random graphs', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, () => {
      const g = randomGraph(seed);
      const names = g.outputs.map((v) => v.name);
      let result;
      try {
        result = runPipeline(g, { verify: true });
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${printGraph(g)}`);
      }
      expect(result.graph.outputs.map((v) => v.name)).toEqual(names);
      expectSameResults(g, result.graph, seed, 1e-4, 1e-5);
      // A fixed point: a second run finds nothing to do.
      expect(runPipeline(result.graph).report.filter((r) => r.changed).map((r) => r.pass)).toEqual([]);
    });
  }

  it('the random graphs exercise every pass and every recognized op', () => {
    const fired = new Set<string>();
    const ops = new Set<string>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { graph, report } = runPipeline(randomGraph(seed));
      report.filter((r) => r.changed).forEach((r) => fired.add(r.pass));
      Object.keys(opHistogram(graph)).forEach((k) => ops.add(k));
      graph.nodes.forEach((n) => n.op.kind === 'attention' && ops.add(`attention heads=${n.op.heads}`));
    }
    // dce is left out: every pass that fires already drops what it leaves dead (its own test covers it).
    expect([...fired].sort()).toEqual(ALL_PASSES.map((p) => p.name).filter((n) => n !== 'dce').sort());
    for (const op of ['attention heads=0', 'attention heads=2', 'layerNorm', 'softmax', 'unary.silu', 'unary.hardSwish', 'unary.gelu']) expect(ops).toContain(op);
  });
});
