/**
 * Zoo models imported and optimized with their symbolic dims (batch, sequence) left unbound:
 * the exporters' shape plumbing resolves symbolically at import (no `shape` node left), the
 * optimizer recognizes the same fused ops as with the sizes bound, and the symbolic graph, once
 * specialized to sizes (ir/specialize.ts), computes what the bound import computes on the CPU
 * evaluator for the same random inputs.
 *
 * "The same ops" is compared at sizes above 1 (see sizesOf) on the nodes that read a graph input: with sizes bound, subgraphs
 * that read no input (position ids `arange(sequence)`, a causal mask, LSTM zero states) fold to
 * constants, while with symbols they stay small nodes (arange, expand, trilu) of symbolic size.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Graph, Node, Tensor } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import { specializeGraph } from '../../ir/specialize.js';
import { verifyGraph } from '../../ir/verify.js';
import { loadModelFile } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { expectClose } from '../helpers/random.js';
import { ZOO, randomFeeds } from './fixtures.js';

const MODELS = ['tiny_bert', 'tiny_gpt', 'lstm_tagger', 'resnet18', 'mobilenet_v2'];

interface ModelInfo {
  inputs: Record<string, { shape: number[]; range: number[] }>;
  symbolic?: Record<string, number[]>;
}
const INFO = (JSON.parse(readFileSync(join(ZOO, 'models.json'), 'utf8')) as { models: Record<string, ModelInfo> }).models;

/**
 * Sizes to bind for the comparison: per symbol, the first models.json test size above 1. A size of
 * 1 would let the bound import simplify more than any symbolic graph may (a transpose moving a
 * 1-sized axis is a reshape), while symbols are assumed not to be 1 (ir/dim-range.ts).
 */
function sizesOf(name: string): Record<string, number> {
  return Object.fromEntries(Object.entries(INFO[name]!.symbolic ?? {}).map(([s, sizes]) => [s, sizes.find((n) => n > 1)!]));
}

/** Nodes that (transitively) read a graph input: the ones a bound import cannot fold away. */
function inputDependent(g: Graph): Node[] {
  const live = new Set(g.inputs);
  return g.nodes.filter((n) => {
    const reads = n.inputs.some((v) => live.has(v));
    if (reads) n.outputs.forEach((v) => live.add(v));
    return reads;
  });
}

function histogram(nodes: Node[]): Record<string, number> {
  const h: Record<string, number> = {};
  for (const n of nodes) {
    const k = n.op.kind === 'unary' || n.op.kind === 'binary' ? `${n.op.kind}.${n.op.fn}` : n.op.kind;
    h[k] = (h[k] ?? 0) + 1;
  }
  return h;
}

/**
 * Known differences (symbolic minus bound). tiny_bert's attention splits heads as
 * [sequence, batch, 128] → [sequence, 4·batch, 32] → transpose: with batch bound, the 4·batch
 * "heads" are a number and the split/merge transposes fold into `attention{heads = 8}`; with
 * batch symbolic the head count is not a number, so the attention stays in its unpacked form
 * with its 4 transposes per layer (2 layers).
 */
const KNOWN_DIFF: Record<string, Record<string, number>> = { tiny_bert: { transpose: 8 } };

const load = (name: string, dims: Record<string, number> = {}) => importModel(loadModelFile(join(ZOO, `${name}.onnx`)), { dims });

describe('zoo models with symbols unbound', () => {
  test.each(MODELS)('%s imports with no shape plumbing left and symbolic output shapes', (name) => {
    const g = load(name);
    verifyGraph(g);
    expect(g.nodes.filter((n) => n.op.kind === 'shape').map((n) => n.name)).toEqual([]);
    expect(g.nodes.filter((n) => n.outputs.some((v) => v.symbolic)).map((n) => n.name)).toEqual([]);
    // Every output keeps the model's symbols (nothing was silently fixed to a number).
    for (const v of g.outputs) expect(v.type.shape.some((d) => typeof d === 'string'), v.name).toBe(true);
    expect([...g.symbolNames.keys()].sort()).toEqual(Object.keys(INFO[name]!.symbolic ?? {}).sort());
  });

  test.each(MODELS)('%s: the pipeline gives the same fused ops as with the sizes bound', (name) => {
    const sym = runPipeline(load(name), { verify: true }).graph;
    const bound = runPipeline(load(name, sizesOf(name)), { verify: true }).graph;
    for (const n of sym.nodes) {
      expect(n.op.kind, n.name).not.toBe('shape');
      expect(n.op.kind === 'unary' && n.op.fn === 'identity', n.name).toBe(false);
      // Only a result of symbolic size may be computed from constants alone (it cannot fold).
      const constantOnly = n.inputs.every((v) => v.isConstant);
      const symbolicSize = n.outputs.some((v) => v.type.shape.some((d) => typeof d === 'string'));
      expect(constantOnly && !symbolicSize, `${n.name} has only constant inputs and a static size`).toBe(false);
    }
    const want = histogram(bound.nodes);
    for (const [k, d] of Object.entries(KNOWN_DIFF[name] ?? {})) want[k] = (want[k] ?? 0) + d;
    expect(histogram(inputDependent(sym))).toEqual(want);
    // The bound graph has nothing that reads no input (it all folded).
    expect(inputDependent(bound).length).toBe(bound.nodes.length);
  });

  test('the fused ops are there: attention, layerNorm, gelu', () => {
    for (const name of ['tiny_bert', 'tiny_gpt']) {
      const h = histogram(runPipeline(load(name)).graph.nodes);
      expect(h, name).toMatchObject({ attention: 2, layerNorm: 5, 'unary.gelu': 2 });
      expect(h.softmax, name).toBeUndefined();
    }
  });
});

/** Random feeds valid for the model: token ids in range, masks 0/1 with at least one 1 per row. */
function feedsFor(name: string, env: Record<string, number>, seed: number): Record<string, Tensor> {
  const model = loadModelFile(join(ZOO, `${name}.onnx`));
  const feeds = randomFeeds(model, env, seed);
  for (const [k, t] of Object.entries(feeds)) {
    if (t.dtype !== 'int64') continue;
    const hi = BigInt(INFO[name]!.inputs[k]!.range[1]! + 1);
    const data = BigInt64Array.from(t.data as BigInt64Array, (v) => ((v % hi) + hi) % hi);
    if (k === 'attention_mask') data.forEach((_, i) => i % t.dims[1]! === 0 && (data[i] = 1n));
    feeds[k] = { ...t, data };
  }
  return feeds;
}

describe('the symbolic graph computes what the bound import computes', () => {
  const cases: [string, Record<string, number>][] = [
    ['tiny_bert', { batch: 2, sequence: 16 }],
    ['tiny_bert', { batch: 1, sequence: 1 }],
    ['tiny_gpt', { batch: 2, sequence: 7 }],
    ['lstm_tagger', { batch: 3, sequence: 20 }],
    ['lstm_tagger', { batch: 1, sequence: 1 }],
  ];
  test.each(cases)('%s at %o, imported and after the pipeline', (name, env) => {
    const feeds = feedsFor(name, env, 7);
    const bound = load(name, env);
    const sym = load(name);
    const want = evaluateGraph(bound, feeds);
    const got = evaluateGraph(specializeGraph(sym, env), feeds);
    const optimized = evaluateGraph(specializeGraph(runPipeline(sym, { verify: true }).graph, env), feeds);
    for (const [k, t] of want) {
      expect(got.get(k)!.dims).toEqual(t.dims);
      // The same ops on the same data: bit-identical but for evaluation order in fused ops.
      expectClose(got.get(k)!, t, 1e-6, 1e-6, `${name} ${k}`);
      expectClose(optimized.get(k)!, t, 1e-4, 1e-5, `${name} ${k} (optimized)`);
    }
  });
});
