/**
 * The execution plan: everything the runtime needs to run a compiled model, as plain JSON.
 *
 * The compiler (src/emit) writes one of these into every generated `model.js`; the runtime reads it
 * at load. It is deliberately dumb data — shader sources (deduplicated), buffers with byte sizes,
 * kernels that name a shader, the buffers bound to it in binding order and a dispatch size — so the
 * runtime makes no decisions beyond creating what the plan lists and evaluating its sizes.
 *
 * Sizes are `PlanDim`s: a number, or an expression over the model's symbols (`batch`,
 * `4*batch*sequence`, `((sequence+63)//64)`: the grammar of runtime/dim-expr.ts). A model compiled
 * with every symbol bound (`--dim`) has numbers only. A symbolic model's run derives the symbol
 * values from its input dims (`symbols` says which input axis defines each; a few come from the
 * values of small integer inputs instead, such as a Reshape target), evaluates every size
 * once per new binding, and uploads the `dims` table that kernels marked `usesDims` read as a
 * uniform at @group(1) @binding(0).
 *
 * Every element occupies one 32-bit word on the device (see convert.ts), so a tensor of n elements
 * needs 4·n bytes (at least 4: WebGPU cannot bind an empty buffer; the runtime applies that floor
 * to symbolic sizes when it evaluates them).
 */

import type { ElemType } from './convert.js';
import type { PlanVariants } from './variants.js';

/** 2: sizes may be symbolic (PlanDim), plus dims/symbols/dimAssertions/maxDims/usesDims. */
export const PLAN_VERSION = 2;

/** Bytes of the dims table's uniform buffer (codegen/dims.ts: DIMS_VEC4S vec4<u32> slots). */
export const DIMS_TABLE_BYTES = 1024;

/** A size: a number, or a symbolic expression evaluated per run (runtime/dim-expr.ts). */
export type PlanDim = number | string;

export interface PlanBuffer {
  /** Bytes (a multiple of 4; at least 4 once evaluated). */
  size: PlanDim;
  /** The values stored in this buffer (first few names), for errors and debugging. */
  label: string;
}

/** One binding of a kernel: a buffer and how many bytes of it (from offset 0) the kernel sees. */
export interface PlanBinding {
  buffer: number;
  size: PlanDim;
}

export interface PlanKernel {
  name: string;
  /** Index into `shaders`. */
  shader: number;
  /** Read-only inputs at @binding(0..), then read_write outputs (the Kernel contract). */
  inputs: PlanBinding[];
  outputs: PlanBinding[];
  /** A count that evaluates to 0 skips the dispatch. */
  workgroups: [PlanDim, PlanDim, PlanDim];
  /** The shader reads the dims table: bind its uniform buffer at @group(1) @binding(0). */
  usesDims?: boolean;
  /**
   * The configuration the kernel was generated with when it is not the heuristic default, e.g.
   * `tuned {"rows":4,…}` for a GEMM tiling measured by `compile --tune`. For the record only.
   */
  config?: string;
  /**
   * For a shader that enables WebGPU subgroups: the same kernel without them (same bindings), which
   * the runtime runs on a device without subgroups of 8+ lanes (device.ts planForDevice).
   */
  fallback?: { shader: number; workgroups: [PlanDim, PlanDim, PlanDim] };
}

/** A graph input or output as the caller sees it. */
export interface PlanTensor {
  name: string;
  dtype: ElemType;
  /** Dims, symbolic where the model is: what run() checks and evaluates for its outputs. */
  dims: PlanDim[];
  /** The dims as the ONNX model declares them (symbol names where it has symbols), for messages. */
  declaredDims: (number | string | null)[];
  buffer: number;
}

/**
 * A symbol of the model and where a run gives its value: the size of an input axis (`axis`), or
 * element `index` of a small integer input's data (a Reshape target, an Expand shape given at run
 * time), which must then be host data, an integer ≥ 1.
 */
export type PlanSymbol = PlanDimSymbol | PlanValueSymbol;

export interface PlanDimSymbol {
  name: string;
  /** The model's own name for it, when the compiler's differs (an unnamed dim, a renamed one). */
  original?: string;
  input: string;
  axis: number;
}

export interface PlanValueSymbol {
  name: string;
  original?: string;
  input: string;
  index: number;
  /**
   * The symbol is the element plus `offset`, or ⌊scaleOf · element⌋ (dim-expr.ts valueSymbolOf);
   * a scaled symbol comes after every symbol its `scaleOf` uses, since run() binds in plan order.
   */
  offset?: number;
  scaleOf?: PlanDim;
}

/** Two sizes the model needs equal (e.g. the inputs of an add), checked when the binding changes. */
export interface PlanDimAssertion {
  a: PlanDim;
  b: PlanDim;
  /** What requires it, for the error. */
  where: string;
}

/** A constant: `byteLength` bytes of device words at `offset` in weights.bin, uploaded to `buffer`. */
export interface PlanWeight {
  name: string;
  buffer: number;
  offset: number;
  byteLength: number;
}

/** Device limits the plan needs above WebGPU's defaults (requested at requestDevice). */
export interface PlanLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxStorageBuffersPerShaderStage: number;
  maxComputeWorkgroupsPerDimension: number;
}

export interface ModelPlan {
  version: number;
  /** The source model's file name, for messages. */
  modelName: string;
  shaders: string[];
  buffers: PlanBuffer[];
  kernels: PlanKernel[];
  inputs: PlanTensor[];
  outputs: PlanTensor[];
  weights: PlanWeight[];
  /** Total size of weights.bin in bytes. */
  weightsByteLength: number;
  /**
   * Device limits for the static sizes (and the symbolic ones at `maxDims`); symbolic sizes
   * without a bound are checked against the device per run.
   */
  limits: PlanLimits;
  /** The dims table: the symbolic sizes `usesDims` kernels read, by slot. Empty when static. */
  dims: string[];
  /** The symbols left symbolic, each defined by an input axis or value. Empty when every dim is bound. */
  symbols: PlanSymbol[];
  dimAssertions: PlanDimAssertion[];
  /** Declared upper bounds (`--max-dim`): buffers are allocated for them at load, larger runs refused. */
  maxDims: Record<string, number>;
  /**
   * Set when inputs decide the graph's structure (runtime/variants.ts): one complete plan per legal
   * value of those inputs, selected per run by their host values. The fields above are then those
   * of the first variant (for tools that describe a plan); run() uses the selected variant's.
   */
  variants?: PlanVariants;
}
