/**
 * For symbolic kernel tests whose symbols are not all dims of the op's inputs (an expand to
 * [batch, …] of a [1, …] row, a slice ending at `sequence` of a static table, an arange of
 * length `sequence`): generates the op's kernels for the declared shapes, runs them with the
 * symbols bound by `env` (outputs poisoned, test/helpers/gpu.ts), and compares with the CPU
 * reference of `reference` — the same op with its symbolic attributes bound — on the inputs,
 * every output (dims included).
 */

import { expect } from 'vitest';
import { attachDims, DimTable, withDimTable } from '../../codegen/dims.js';
import type { KernelGenerator } from '../../codegen/kernel.js';
import { evalDim, type Dim } from '../../ir/dim.js';
import { evaluate } from '../../ir/eval/index.js';
import { Graph, type Tensor, type Value } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { runKernels } from '../helpers/gpu.js';
import { expectClose } from '../helpers/random.js';
import { makeCtx } from './harness.js';

export async function checkWithEnv(
  gen: KernelGenerator,
  op: Op,
  reference: Op,
  inputs: { data: Tensor; shape: Dim[] }[],
  env: Record<string, number>,
  tol: { rtol?: number; atol?: number } = {},
): Promise<Tensor> {
  const g = new Graph();
  const feeds = new Map<Value, Tensor>();
  const values = inputs.map(({ data, shape }, i) => {
    const v = g.addInput(`x${i}`, { dtype: data.dtype, shape });
    feeds.set(v, data);
    return v;
  });
  const outs = g.add(op, values, 'node', [], false);
  const table = new DimTable();
  const kernels = withDimTable(table, () => gen(g.nodes[g.nodes.length - 1]!, makeCtx())).map(attachDims);
  expect(kernels.some((k) => k.usesDims), 'a symbolic test whose kernels never read the dims table').toBe(true);
  const got = await runKernels(kernels, feeds, { table, env });
  // Every output; one with no elements has nothing to compare (and no kernel needs to write it).
  const want = evaluate(reference, inputs.map((x) => x.data), env);
  outs.forEach((v, i) => {
    const w = want[i]!;
    const what = `${op.kind} output ${i} at ${JSON.stringify(env)}`;
    if (w.data.length === 0) return;
    const a = got.get(v);
    if (!a) throw new Error(`${what}: never written`);
    expect(v.type.shape.map((d) => evalDim(d, env)), `${what} dims`).toEqual(w.dims);
    expectClose({ ...a, dims: w.dims }, w, tol.rtol ?? 0, tol.atol ?? 0, what);
  });
  return got.get(outs[0]!)!;
}
