/**
 * Runs an ONNX backend test's imported graph on the GPU one node at a time: each node's kernels
 * come from the generator the test names for its op kind, run through `runKernels` (outputs
 * poisoned first) with the node's inputs uploaded from the previous nodes' read-back results.
 * Reshapes are views in the compiler (no kernel), so here they are applied on the host.
 *
 * This checks the kernels on the backend data without codegen/generate.ts, whose op table is
 * owned elsewhere; the conformance runner exercises the full pipeline.
 */

import { expect } from 'vitest';
import type { KernelGenerator } from '../../codegen/kernel.js';
import type { Tensor, Value } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import type { OpKind } from '../../ir/ops.js';
import { runKernels } from '../helpers/gpu.js';
import { expectBackendOutputs, loadBackendCase, type BackendCase } from '../eval/helpers/backend-data.js';
import type { Tolerance } from '../eval/helpers/tensors.js';
import { makeCtx } from './harness.js';

export type Generators = Partial<Record<OpKind, KernelGenerator>>;

/** Runs every node of `c.graph` on the GPU (reshape on the host); returns the graph outputs. */
export async function runCaseOnGpu(c: BackendCase, generators: Generators): Promise<Map<string, Tensor>> {
  const env = new Map<Value, Tensor>();
  for (const v of c.graph.inputs) env.set(v, c.feeds.get(v.name)!);
  const valueOf = (v: Value): Tensor => {
    const t = env.get(v) ?? v.data;
    if (!t) throw new Error(`value '${v.name}' is used before it is computed`);
    return t;
  };
  for (const node of c.graph.nodes) {
    if (node.op.kind === 'reshape') {
      env.set(node.outputs[0]!, evaluate(node.op, [valueOf(node.inputs[0]!)])[0]!);
      continue;
    }
    const gen = generators[node.op.kind];
    if (!gen) throw new Error(`${c.name}: no generator given for node '${node.name}' (${node.op.kind})`);
    const feeds = new Map<Value, Tensor>();
    for (const v of node.inputs) if (!v.isConstant) feeds.set(v, valueOf(v));
    const results = await runKernels(gen(node, makeCtx()), feeds);
    for (const v of node.outputs) {
      const t = results.get(v);
      if (!t) throw new Error(`${c.name}: node '${node.name}' never wrote output '${v.name}'`);
      env.set(v, t);
    }
  }
  return new Map(c.graph.outputs.map((v) => [v.name, valueOf(v)]));
}

/**
 * Loads backend test `name` and checks its outputs computed on the GPU. `kinds` are op kinds the
 * graph must contain (so a test cannot pass by folding everything to constants at import).
 */
export async function expectBackendCaseOnGpu(
  name: string,
  generators: Generators,
  opts: { constInputs?: string[]; kinds?: OpKind[]; tol?: Tolerance } = {},
): Promise<void> {
  const c = loadBackendCase(name, opts.constInputs);
  const kinds = new Set(c.graph.nodes.map((n) => n.op.kind));
  for (const k of opts.kinds ?? []) expect(kinds.has(k), `${name} has a ${k} node`).toBe(true);
  expectBackendOutputs(c, await runCaseOnGpu(c, generators), opts.tol);
}
