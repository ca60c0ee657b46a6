/**
 * Shared harness for the kernel tests in this folder: builds a one-node graph for an op, runs
 * the generator's kernels on the WebGPU device (outputs poisoned first), and compares the result
 * with the CPU reference evaluator on the same inputs.
 */

import { expect } from 'vitest';
import { DEFAULT_LIMITS, type CodegenContext, type DeviceLimits, type Kernel, type KernelGenerator } from '../../codegen/kernel.js';
import { Graph, type Node, type Tensor, type TensorType, type Value } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import type { Op } from '../../ir/ops.js';
import { runKernels } from '../helpers/gpu.js';
import { attachDims, DimTable, withDimTable } from '../../codegen/dims.js';
import { evalDim, type Dim } from '../../ir/dim.js';
import { compareTensors } from '../helpers/random.js';

/** A codegen context over `graph` with the given limits; scratch values are plain graph values. */
export function makeCtx(limits: Partial<DeviceLimits> = {}): CodegenContext {
  const g = new Graph();
  let n = 0;
  return {
    limits: { ...DEFAULT_LIMITS, ...limits },
    scratch: (type: TensorType, name: string): Value => g.addInput(`${name}_${n++}`, type),
  };
}

export interface CheckOptions {
  rtol?: number;
  atol?: number;
  /** Device limits the generator sees (e.g. a small workgroup cap to force 2-d dispatch). */
  limits?: Partial<DeviceLimits>;
  /** Inputs (by position) to bind as graph constants instead of feeds. */
  constants?: number[];
  /** Expected number of kernels, when the test is about how the work is split. */
  kernels?: number;
  /** Evaluate this op instead for the expected output (an equivalent form the reference has). */
  reference?: Op;
  /**
   * Declared shapes (by input position) with symbols in them, e.g. `{ 0: ['batch', 16] }`: the
   * kernels are generated for the symbolic shapes and run with the symbols bound to the fed dims.
   */
  symbolic?: Record<number, Dim[]>;
}

export interface CheckResult {
  kernels: Kernel[];
  actual: Tensor;
  expected: Tensor;
}

/**
 * Builds `op` on `inputs`, generates and runs its kernels, and checks the output against
 * `evaluate`: elements must satisfy |a - e| <= atol + rtol·|e| (exact for integers by default).
 */
export async function check(gen: KernelGenerator, op: Op, inputs: Tensor[], opts: CheckOptions = {}): Promise<CheckResult> {
  const g = new Graph();
  const feeds = new Map<Value, Tensor>();
  const env: Record<string, number> = {};
  const values = inputs.map((t, i) => {
    if (opts.constants?.includes(i)) return g.addConstant(`c${i}`, t);
    const declared = opts.symbolic?.[i] ?? t.dims;
    if (declared.length !== t.dims.length) throw new Error(`symbolic shape of input ${i} has the wrong rank`);
    declared.forEach((d, axis) => {
      if (typeof d !== 'string') return;
      if (env[d] !== undefined && env[d] !== t.dims[axis]) throw new Error(`symbol ${d} fed as ${env[d]} and ${t.dims[axis]}`);
      env[d] = t.dims[axis]!;
    });
    const v = g.addInput(`x${i}`, { dtype: t.dtype, shape: [...declared] });
    feeds.set(v, t);
    return v;
  });
  const [y] = g.add(op, values, 'node', [], false);
  const node = g.nodes[g.nodes.length - 1] as Node;
  const table = new DimTable();
  const kernels = withDimTable(table, () => gen(node, makeCtx(opts.limits))).map(attachDims);
  if (opts.kernels !== undefined) expect(kernels.length).toBe(opts.kernels);
  for (const k of kernels) {
    for (const d of k.workgroups) expect(evalDim(d, env)).toBeLessThanOrEqual(opts.limits?.maxComputeWorkgroupsPerDimension ?? 65535);
  }
  if (opts.symbolic) expect(kernels.some((k) => k.usesDims), 'a symbolic test whose kernels never read the dims table').toBe(true);
  const results = await runKernels(kernels, feeds, { table, env });
  const actual = results.get(y!);
  if (!actual) throw new Error('the kernels never wrote the output');
  const [expected] = evaluate(opts.reference ?? op, inputs);
  const float = expected!.dtype.startsWith('float');
  const rtol = opts.rtol ?? (float ? 1e-5 : 0);
  const atol = opts.atol ?? (float ? 1e-6 : 0);
  const c = compareTensors(actual, expected!, rtol, atol);
  if (c.firstBad >= 0) {
    const i = c.firstBad;
    throw new Error(
      `${op.kind} ${JSON.stringify(op).slice(0, 200)} on ${inputs.map((t) => `${t.dtype}[${t.dims}]`).join(', ')}: ` +
        `element ${i} = ${actual.data[i]} expected ${expected!.data[i]} (max abs err ${c.maxAbs}, rtol ${rtol}, atol ${atol})`,
    );
  }
  return { kernels, actual, expected: expected! };
}

/** A float32 tensor from explicit values. */
export function f32(dims: number[], values: number[]): Tensor {
  return { dtype: 'float32', dims, data: Float32Array.from(values) };
}
