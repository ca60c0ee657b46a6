/**
 * What codegen produces for one IR node: kernels, each a plain description from which the runtime
 * needs nothing else — its WGSL, the values bound to it in order, and its dispatch size.
 *
 * Binding order is fixed: `inputs` at @group(0) @binding(0..n-1) (read-only storage), then
 * `outputs` at the following bindings (read_write storage). Every kernel's entry point is `main`.
 * Sizes that depend on the model's symbolic dims are read from a uniform table (codegen/dims.ts).
 * Pipelines are cached by WGSL source, so two kernels with the same source share one pipeline —
 * the cache key is derived, never hand-written.
 *
 * A generator may need scratch tensors between its own kernels (e.g. a two-pass reduction): it
 * creates them with `ctx.scratch`, and the memory planner treats them like any other value.
 */

import type { Dim } from '../ir/dim.js';
import type { Node, TensorType, Value } from '../ir/graph.js';

export interface Kernel {
  /** For profiles and errors: the IR node name plus a suffix when a node emits several kernels. */
  name: string;
  wgsl: string;
  inputs: Value[];
  outputs: Value[];
  /** Symbolic counts (a model compiled for any batch or length) are evaluated per run. */
  workgroups: [Dim, Dim, Dim];
  /**
   * Set by codegen/generate.ts when the WGSL reads the dims table (codegen/dims.ts): the runtime
   * then binds the table's uniform buffer at @group(1) @binding(0).
   */
  usesDims?: boolean;
  /** The op kind of the node that anchors the kernel's group (set by codegen/generate.ts). */
  anchorKind?: string;
  /** The configuration chosen for it when not the default (e.g. a tuned GEMM tiling). */
  config?: string;
  /**
   * The same kernel without WebGPU subgroups — same bindings, its own WGSL and dispatch — for a
   * kernel whose WGSL enables them: the runtime uses it on a device without subgroups of 8+ lanes,
   * so a compiled model runs everywhere and takes the faster form where it can.
   */
  fallback?: { wgsl: string; workgroups: [Dim, Dim, Dim] };
}

/** Device facts a generator may read to choose a kernel variant. */
export interface DeviceLimits {
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBuffersPerShaderStage: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxStorageBufferBindingSize: number;
  /**
   * The smallest subgroup the target device forms, when the target is known to offer the WebGPU
   * `subgroups` feature (absent: not assumed). GEMMs share loads across subgroups of 8+ lanes.
   */
  subgroupMinSize?: number;
}

export const DEFAULT_LIMITS: DeviceLimits = {
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBuffersPerShaderStage: 8,
  maxComputeInvocationsPerWorkgroup: 256,
  maxStorageBufferBindingSize: 128 * 1024 * 1024,
};

export interface CodegenContext {
  limits: DeviceLimits;
  /** A fresh value that exists only between kernels of one node. */
  scratch(type: TensorType, name: string): Value;
}

export type KernelGenerator = (node: Node, ctx: CodegenContext) => Kernel[];
