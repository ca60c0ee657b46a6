/**
 * Helpers for the scheduling tests: a small graph builder over ir/graph.ts, and `runScheduled`,
 * which generates a graph's kernels with codegen/generate.ts (fusion on or off), runs them on the
 * WebGPU device through test/helpers/gpu.ts (every written buffer poisoned first, so an element a
 * fused store misses shows as NaN) and compares every graph output with the CPU reference
 * evaluator on the same random inputs.
 */

import { expect } from 'vitest';
import { DEFAULT_LIMITS, type DeviceLimits, type Kernel } from '../../codegen/kernel.js';
import { generateKernels } from '../../codegen/generate.js';
import { Graph, type Tensor, type Value } from '../../ir/graph.js';
import type { DType } from '../../ir/dtype.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import type { BinaryFn, Op, UnaryFn } from '../../ir/ops.js';
import { runKernels, runnablePlan } from '../helpers/gpu.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

export const unary = (fn: UnaryFn, alpha = 0, beta = 0): Op => ({ kind: 'unary', fn, alpha, beta });
export const binary = (fn: BinaryFn): Op => ({ kind: 'binary', fn });

/** A graph under construction with seeded random inputs and constants. */
export class Builder {
  readonly g = new Graph();
  readonly feeds = new Map<string, Tensor>();
  private readonly rand: () => number;
  constructor(seed = 1) {
    this.rand = rng(seed);
  }
  input(name: string, dims: number[], dtype: DType = 'float32', lo = -1, hi = 1): Value {
    this.feeds.set(name, randomTensor(dtype, dims, this.rand, lo, hi));
    return this.g.addInput(name, { dtype, shape: dims });
  }
  constant(name: string, dims: number[], dtype: DType = 'float32', lo = -1, hi = 1): Value {
    return this.g.addConstant(name, randomTensor(dtype, dims, this.rand, lo, hi));
  }
  scalar(name: string, x: number, dtype: DType = 'float32'): Value {
    const data = dtype === 'int64' ? BigInt64Array.from([BigInt(x)]) : dtype === 'int32' ? Int32Array.from([x]) : Float32Array.from([x]);
    return this.g.addConstant(name, { dtype, dims: [], data });
  }
  op(op: Op, inputs: Value[], name?: string): Value {
    return this.g.add(op, inputs, name, name ? [name] : [], false)[0]!;
  }
  outputs(...vs: Value[]): Graph {
    this.g.outputs = vs;
    return this.g;
  }
}

export interface RunResult {
  kernels: Kernel[];
}

/**
 * Generates `graph`'s kernels (fused unless `fuse` is false), runs them with outputs poisoned, and
 * checks every graph output against `evaluateGraph`. Reshape views are resolved to the value whose
 * buffer they share, as the memory planner does.
 */
export async function runScheduled(
  graph: Graph,
  feeds: Map<string, Tensor>,
  opts: { fuse?: boolean; limits?: Partial<DeviceLimits>; rtol?: number; atol?: number } = {},
): Promise<RunResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const plan = generateKernels(graph, limits, { fuse: opts.fuse });
  const { kernels, root } = runnablePlan(plan);
  for (const k of kernels) expect(k.inputs.length + k.outputs.length, k.name).toBeLessThanOrEqual(limits.maxStorageBuffersPerShaderStage);
  const byValue = new Map<Value, Tensor>();
  for (const v of graph.inputs) byValue.set(v, feeds.get(v.name)!);
  const results = await runKernels(kernels, byValue);
  const expected = evaluateGraph(graph, feeds);
  for (const out of graph.outputs) {
    const got = results.get(root(out));
    if (!got) throw new Error(`no kernel wrote output '${out.name}'`);
    const want = expected.get(out.name)!;
    expectClose({ ...got, dims: want.dims }, want, opts.rtol ?? 1e-5, opts.atol ?? 1e-5, out.name);
  }
  return { kernels: plan.kernels };
}
