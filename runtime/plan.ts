/**
 * The execution plan: everything the runtime needs to run a compiled model, as plain JSON.
 *
 * The compiler (src/emit) writes one of these into every generated `model.js`; the runtime reads it
 * at load. It is deliberately dumb data — shader sources (deduplicated), buffers with byte sizes,
 * kernels that name a shader, the buffers bound to it in binding order and a dispatch size — so the
 * runtime makes no decisions beyond creating what the plan lists. Everything is static: symbols are
 * bound at compile time, so every tensor has fixed dims and every buffer a fixed size.
 *
 * Every element occupies one 32-bit word on the device (see convert.ts), so a tensor of n elements
 * needs 4·n bytes (at least 4: WebGPU cannot bind an empty buffer).
 */

import type { ElemType } from './convert.js';

export const PLAN_VERSION = 1;

export interface PlanBuffer {
  /** Bytes, a multiple of 4 and at least 4. */
  size: number;
  /** The values stored in this buffer (first few names), for errors and debugging. */
  label: string;
}

/** One binding of a kernel: a buffer and how many bytes of it (from offset 0) the kernel sees. */
export interface PlanBinding {
  buffer: number;
  size: number;
}

export interface PlanKernel {
  name: string;
  /** Index into `shaders`. */
  shader: number;
  /** Read-only inputs at @binding(0..), then read_write outputs (the Kernel contract). */
  inputs: PlanBinding[];
  outputs: PlanBinding[];
  workgroups: [number, number, number];
}

/** A graph input or output as the caller sees it. */
export interface PlanTensor {
  name: string;
  dtype: ElemType;
  /** Bound dims (what run() checks and returns). */
  dims: number[];
  /** The dims as the ONNX model declares them (symbol names where it has symbols), for messages. */
  declaredDims: (number | string | null)[];
  buffer: number;
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
  limits: PlanLimits;
}
