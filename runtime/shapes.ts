/**
 * The sizes of one binding of a plan's symbols: everything the model must know about a run's
 * shapes before recording it — each buffer's bytes, each kernel's workgroup counts, each output's
 * dims and bytes, and the dims table's uniform words — evaluated once per new binding (model.ts
 * keeps the last one and reuses it while the shapes stay the same).
 *
 * The checks that depend on the binding happen here, before anything touches the device: the
 * plan's dim assertions (sizes the model needs equal), and every buffer and workgroup count
 * against the device's limits, each naming the tensor (or kernel) and the input dims that asked
 * for it.
 *
 * This file is copied into every output folder, so it imports only the runtime.
 */

import { evalDim } from './dim-expr.js';
import { DeviceLimitError, InputValidationError } from './errors.js';
import { DIMS_TABLE_BYTES, type ModelPlan, type PlanDim } from './plan.js';

export interface ShapeLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

export interface BoundShapes {
  /** Identifies the binding: equal keys, equal shapes. */
  key: string;
  env: Record<string, number>;
  /** Bytes of each plan buffer (at least 4). */
  bufferBytes: number[];
  /** Per kernel; a 0 anywhere means the dispatch is skipped. */
  workgroups: [number, number, number][];
  outputDims: number[][];
  /** Bytes to read back per output (at least 4). */
  outputBytes: number[];
  /** The dims table's uniform contents (DIMS_TABLE_BYTES), or undefined when the plan has none. */
  table: Uint32Array<ArrayBuffer> | undefined;
}

/** The key of a binding: the symbol values in plan order. */
export function bindingKey(plan: Pick<ModelPlan, 'symbols'>, env: Readonly<Record<string, number>>): string {
  return (plan.symbols ?? []).map((s) => env[s.name]).join(',');
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** A bytes size at a binding, with WebGPU's 4-byte floor. */
export function bytesAt(d: PlanDim, env: Readonly<Record<string, number>>): number {
  return Math.max(4, evalDim(d, env));
}

/**
 * Evaluates every size of `plan` at `env` (derived from `inputDims`, which only name the run in
 * errors) and checks it; `limits` are the device's.
 */
export function bindShapes(plan: ModelPlan, env: Record<string, number>, inputDims: readonly number[][], limits: ShapeLimits): BoundShapes {
  const inputs = () => plan.inputs.map((t, i) => `${t.name} [${(inputDims[i] ?? []).join(', ')}]`).join(', ');
  for (const a of plan.dimAssertions ?? []) {
    const x = evalDim(a.a, env);
    const y = evalDim(a.b, env);
    if (x !== y) {
      throw new InputValidationError(
        `the input dims (${inputs()}) give ${a.a} = ${x} but ${a.b} = ${y}; the model needs them equal (assumed by shape inference at ${a.where})`,
      );
    }
  }
  const maxTensor = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const bufferBytes = plan.buffers.map((b) => {
    const n = bytesAt(b.size, env);
    if (n > maxTensor) {
      const which = n > limits.maxStorageBufferBindingSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
      throw new DeviceLimitError(
        `the input dims (${inputs()}) make tensor ${b.label} ${mib(n)}, more than the device's ${which} (${mib(limits[which])}); nothing was run`,
      );
    }
    return n;
  });
  const workgroups = plan.kernels.map((k) => {
    const w = k.workgroups.map((d) => evalDim(d, env)) as [number, number, number];
    const big = w.find((n) => n > limits.maxComputeWorkgroupsPerDimension);
    if (big !== undefined) {
      throw new DeviceLimitError(
        `the input dims (${inputs()}) make kernel '${k.name}' dispatch ${big} workgroups in one dimension, more than the device's ` +
          `maxComputeWorkgroupsPerDimension (${limits.maxComputeWorkgroupsPerDimension}); nothing was run`,
      );
    }
    return w;
  });
  const outputDims = plan.outputs.map((o) => o.dims.map((d) => evalDim(d, env)));
  const outputBytes = outputDims.map((dims) => Math.max(4, 4 * dims.reduce((a, b) => a * b, 1)));
  let table: Uint32Array<ArrayBuffer> | undefined;
  if ((plan.dims ?? []).length > 0) {
    table = new Uint32Array(DIMS_TABLE_BYTES / 4);
    plan.dims.forEach((e, i) => (table![i] = evalDim(e, env)));
  }
  return { key: bindingKey(plan, env), env, bufferBytes, workgroups, outputDims, outputBytes, table };
}
