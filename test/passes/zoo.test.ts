/**
 * The whole pipeline on every importable zoo model: the verifier passes after every pass; no
 * identity, batchNorm, shape, or constant-only node is left; LayerNorm, GELU, attention, SiLU
 * and HardSwish are single ops where the model contains them (and none of their decomposed
 * forms remain); and on the small models the CPU evaluator gives the same outputs before and
 * after (the large ones are compared in zoo-numerics.test.ts).
 */

import { describe, expect, it } from 'vitest';
import type { Graph, Node, Value } from '../../ir/graph.js';
import { opHistogram, runPipeline } from '../../src/passes/pipeline.js';
import { near } from '../../src/passes/graph-edit.js';
import { expectSameResults } from './helpers.js';
import { loadZooModel, withInnerOutputs, zooModelNames } from './zoo-helpers.js';

/** The models small enough for the CPU evaluator in a unit test. */
const SMALL_MODELS = new Set(['tiny_vit', 'tiny_bert', 'tiny_gpt', 'tiny_unet', 'super_resolution', 'lstm_tagger']);

/** What each model must contain after the pipeline (op → minimum count), and what must be gone. */
const EXPECT: Record<string, { has: Record<string, number>; gone: string[] }> = {
  tiny_bert: { has: { attention: 2, 'unary.gelu': 2, layerNorm: 5 }, gone: ['softmax', 'unary.erf', 'transpose'] },
  tiny_gpt: { has: { attention: 2, 'unary.gelu': 2, layerNorm: 5 }, gone: ['softmax', 'unary.erf', 'transpose', 'where'] },
  tiny_vit: { has: { attention: 2, 'unary.gelu': 2, layerNorm: 5 }, gone: ['softmax', 'unary.erf'] },
  efficientnet_b0: { has: { 'unary.silu': 49 }, gone: [] },
  lraspp_mobilenet_v3: { has: { 'unary.hardSwish': 20 }, gone: [] },
};

const producerIs = (v: Value, test: (n: Node) => boolean) => v.producer !== undefined && test(v.producer);

/** Problems a fully optimized graph must not have. */
function leftovers(g: Graph): string[] {
  const problems: string[] = [];
  for (const n of g.nodes) {
    const o = n.op;
    const where = `node '${n.name}' (${o.kind}${o.kind === 'unary' || o.kind === 'binary' ? ` ${o.fn}` : ''})`;
    if (o.kind === 'unary' && o.fn === 'identity') problems.push(`${where} is an identity`);
    if (o.kind === 'batchNorm') problems.push(`${where} is a batchNorm`);
    if (o.kind === 'shape') problems.push(`${where} reads only a shape`);
    if (n.inputs.length > 0 && n.inputs.every((v) => v.isConstant)) problems.push(`${where} has only constant inputs`);
    if (o.kind === 'binary' && o.fn === 'mul') {
      const [a, b] = n.inputs as [Value, Value];
      for (const [x, s] of [[a, b], [b, a]] as [Value, Value][]) {
        if (producerIs(s, (p) => p.op.kind === 'unary' && p.op.fn === 'sigmoid' && p.inputs[0] === x)) problems.push(`${where} is an unrecognized SiLU`);
        if (producerIs(s, (p) => p.op.kind === 'unary' && p.op.fn === 'hardSigmoid' && p.inputs[0] === x && near(p.op.alpha, 1 / 6))) {
          problems.push(`${where} is an unrecognized HardSwish`);
        }
      }
    }
  }
  return problems;
}

describe('the pipeline on the model zoo', () => {
  for (const name of zooModelNames()) {
    it(name, () => {
      const m = loadZooModel(name);
      const { graph } = runPipeline(m.graph, { verify: true });
      expect(leftovers(graph)).toEqual([]);
      const ops = opHistogram(graph);
      const want = EXPECT[name];
      for (const [op, n] of Object.entries(want?.has ?? {})) expect(ops[op] ?? 0, op).toBeGreaterThanOrEqual(n);
      for (const op of want?.gone ?? []) expect(ops[op], op).toBeUndefined();
      expect(graph.nodes.length).toBeLessThanOrEqual(m.graph.nodes.length);
      expect(graph.outputs.map((v) => v.name)).toEqual(m.graph.outputs.map((v) => v.name));
      // The pipeline reached a fixed point: running it again finds nothing to do.
      expect(runPipeline(graph).report.filter((r) => r.changed).map((r) => r.pass)).toEqual([]);
      if (SMALL_MODELS.has(name)) {
        const g = withInnerOutputs(m.graph);
        expectSameResults(g, runPipeline(g, { verify: true }).graph, 3, 1e-4, 1e-5);
      }
    });
  }
});
