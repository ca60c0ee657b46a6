/**
 * Property test with symbolic dims: random small graphs over x [batch, seq, 8], built from the
 * motifs symbolic import leaves (reshapes to products `batch*seq`, slices of position tables to
 * `min(16,seq)` rows, `arange(seq)`, fills expanded to symbolic shapes and moved around, matmuls
 * and transposes, decomposed softmax / layer norm / GELU around them), compute the same outputs
 * before and after the whole pipeline on the CPU evaluator at several symbol values (1 included),
 * with the verifier after every pass, and the pipeline reaches a fixed point. The text form of
 * each graph round-trips too. Each seed is one test so a failure names its graph.
 */

import { describe, expect, it } from 'vitest';
import { evaluateGraph } from '../../ir/eval/index.js';
import { Graph, type Value } from '../../ir/graph.js';
import type { BinaryFn, Op } from '../../ir/ops.js';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';
import { opHistogram, runPipeline } from '../../src/passes/pipeline.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

const SEEDS = 24;

class Gen {
  readonly g = new Graph();
  readonly rand: () => number;
  readonly x: Value;
  constructor(seed: number) {
    this.rand = rng(seed);
    this.x = this.g.addInput('x', { dtype: 'float32', shape: ['batch', 'seq', 8] });
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }
  node(op: Op, inputs: Value[]): Value {
    return this.g.add(op, inputs, undefined, [], false)[0]!;
  }
  constant(dims: number[]): Value {
    return this.g.addConstant('k', randomTensor('float32', dims, this.rand, -1, 1));
  }
  scalar(x: number): Value {
    return this.g.addConstant('s', { dtype: 'float32', dims: [], data: Float32Array.of(x) });
  }
  bin(fn: BinaryFn, a: Value, b: Value): Value {
    return this.node({ kind: 'binary', fn }, [a, b]);
  }
}

/** One motif on h ([batch, seq, 8]), returning a value of the same shape. */
function motif(m: Gen, h: Value): Value {
  switch (m.pick(['flatten', 'positions', 'arange', 'fill', 'moved', 'transpose', 'softmax', 'norm', 'gelu'] as const)) {
    case 'flatten': {
      // [batch, seq, 8] → [batch*seq, 8] · W → back: the exporters' 2-d Gemm form.
      const f = m.node({ kind: 'reshape', shape: ['batch*seq', 8] }, [h]);
      const y = m.node({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [f, m.constant([8, 8]), m.constant([8])]);
      return m.node({ kind: 'reshape', shape: ['batch', 'seq', 8] }, [y]);
    }
    case 'positions': {
      // table[:seq] added: min(16, seq) rows, asserted equal to seq.
      const rows = m.node({ kind: 'slice', axes: [0], starts: [0], ends: ['seq'], steps: [1] }, [m.constant([16, 8])]);
      return m.bin('add', h, rows);
    }
    case 'arange': {
      const r = m.node({ kind: 'arange', start: 1, delta: 0.5, length: 'seq', dtype: 'float32' }, []);
      return m.bin('mul', h, m.node({ kind: 'reshape', shape: [1, 'seq', 1] }, [r]));
    }
    case 'fill': {
      // ConstantOfShape's form: a scalar expanded to a symbolic shape, then an elementwise op.
      const fill = m.node({ kind: 'expand', shape: ['batch', 'seq', 8] }, [m.scalar(m.pick([0, 1, 0.5]))]);
      return m.bin(m.pick(['add', 'mul', 'sub'] as const), h, fill);
    }
    case 'moved': {
      // A fill moved around (sliced, transposed) before use: still a fill.
      const fill = m.node({ kind: 'expand', shape: [2, 'batch', 'seq', 8] }, [m.scalar(0.25)]);
      const one = m.node({ kind: 'slice', axes: [0], starts: [1], ends: [2], steps: [1] }, [fill]);
      const t = m.node({ kind: 'reshape', shape: ['batch', 'seq', 8] }, [one]);
      return m.bin('add', h, t);
    }
    case 'transpose': {
      const t = m.node({ kind: 'transpose', perm: [1, 0, 2] }, [h]);
      const y = m.node({ kind: 'unary', fn: 'tanh', alpha: 0, beta: 0 }, [t]);
      return m.node({ kind: 'transpose', perm: [1, 0, 2] }, [y]);
    }
    case 'softmax': {
      const mx = m.node({ kind: 'reduce', fn: 'max', axes: [2], keepdims: true }, [h]);
      const e = m.node({ kind: 'unary', fn: 'exp', alpha: 0, beta: 0 }, [m.bin('sub', h, mx)]);
      return m.bin('div', e, m.node({ kind: 'reduce', fn: 'sum', axes: [2], keepdims: true }, [e]));
    }
    case 'norm': {
      const mean = m.node({ kind: 'reduce', fn: 'mean', axes: [2], keepdims: true }, [h]);
      const d = m.bin('sub', h, mean);
      const v = m.node({ kind: 'reduce', fn: 'mean', axes: [2], keepdims: true }, [m.bin('mul', d, d)]);
      const sd = m.node({ kind: 'unary', fn: 'sqrt', alpha: 0, beta: 0 }, [m.bin('add', v, m.scalar(1e-5))]);
      return m.bin('div', d, sd);
    }
    case 'gelu': {
      const e = m.node({ kind: 'unary', fn: 'erf', alpha: 0, beta: 0 }, [m.bin('div', h, m.scalar(Math.SQRT2))]);
      return m.bin('mul', m.bin('mul', h, m.bin('add', e, m.scalar(1))), m.scalar(0.5));
    }
  }
}

function randomGraph(seed: number): Graph {
  const m = new Gen(seed);
  let h = m.x;
  const outs: Value[] = [];
  for (let i = 0; i < 5; i++) {
    h = motif(m, h);
    if (m.rand() < 0.3) outs.push(h);
  }
  m.g.outputs = [...outs, h];
  return m.g;
}

describe('the pipeline on random symbolic graphs', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, () => {
      const g = randomGraph(seed);
      const text = printGraph(g);
      expect(printGraph(parseGraph(text))).toBe(text);
      const result = runPipeline(g, { verify: true });
      const graph = result.graph;
      expect(runPipeline(graph).report.filter((r) => r.changed).map((r) => r.pass), 'fixed point').toEqual([]);
      const rand = rng(1000 + seed);
      for (const [batch, seq] of [[1, 1], [2, 5], [3, 16]] as const) {
        const feeds = { x: randomTensor('float32', [batch, seq, 8], rand) };
        const want = evaluateGraph(g, feeds);
        const got = evaluateGraph(graph, feeds);
        g.outputs.forEach((v, i) => expectClose(got.get(graph.outputs[i]!.name)!, want.get(v.name)!, 1e-4, 1e-5, `seed ${seed} output ${i} at ${batch}×${seq}\n${text}`));
      }
    });
  }

  it('the random graphs exercise the symbolic motifs and the fused ops', () => {
    const ops = new Set<string>();
    for (let seed = 1; seed <= SEEDS; seed++) Object.keys(opHistogram(runPipeline(randomGraph(seed)).graph)).forEach((k) => ops.add(k));
    for (const op of ['arange', 'slice', 'layerNorm', 'softmax', 'unary.gelu', 'matmul']) expect(ops).toContain(op);
    // Fills used by elementwise ops and moved fills are rewritten away: no expand of a fill survives
    // as an input of an elementwise op.
    for (let seed = 1; seed <= SEEDS; seed++) {
      for (const n of runPipeline(randomGraph(seed)).graph.nodes) {
        if (n.op.kind !== 'binary') continue;
        for (const v of n.inputs) expect(v.producer?.op.kind === 'expand' && v.producer.inputs[0]!.isConstant, `seed ${seed}`).toBe(false);
      }
    }
  });
});
