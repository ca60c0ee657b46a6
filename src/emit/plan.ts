/**
 * Builds the runtime's plan (runtime/plan.ts) and the bytes of weights.bin from the compiled graph:
 * kernels and their WGSL (deduplicated — identical kernels share one shader and so one pipeline),
 * the memory plan's buffers, the model's inputs and outputs, and every constant a kernel reads,
 * converted to device words.
 *
 * Constants are laid out in weights.bin at 256-byte boundaries (WebGPU's storage-buffer offset
 * alignment), so a later runtime can bind slices of one large weight buffer without a re-layout.
 * int64 constants become i32 words; one that does not fit is a compile error naming it, since
 * wrapping it would silently change the model.
 */

import type { Kernel } from '../../codegen/kernel.js';
import { deviceBytes, type MemoryPlan } from '../../codegen/schedule/memory.js';
import type { Graph, Value } from '../../ir/graph.js';
import { gpuStorageOf } from '../../ir/dtype.js';
import { toDeviceWords, type ElemType } from '../../runtime/convert.js';
import { PLAN_VERSION, type ModelPlan, type PlanBinding, type PlanTensor, type PlanWeight } from '../../runtime/plan.js';
import { CompileError } from '../errors.js';

export const WEIGHT_ALIGNMENT = 256;

/** WebGPU's default limits: the plan never asks for less. */
const WEBGPU_DEFAULTS = {
  maxStorageBufferBindingSize: 134217728,
  maxBufferSize: 268435456,
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupsPerDimension: 65535,
};

export interface PlanSource {
  graph: Graph;
  kernels: readonly Kernel[];
  memory: MemoryPlan;
  /** The model file's name, for messages. */
  modelName: string;
  /** Dims as the ONNX model declares them, by input/output name (symbols kept). */
  declaredDims?: ReadonlyMap<string, (number | string | null)[]>;
}

export interface BuiltPlan {
  plan: ModelPlan;
  weights: Uint8Array;
}

function elemTypeOf(v: Value): ElemType {
  const d = v.type.dtype;
  if (gpuStorageOf(d) === null) throw new CompileError(`value '${v.name}' has dtype ${d}, which has no GPU representation`);
  return d as ElemType;
}

function staticDims(v: Value): number[] {
  return v.type.shape.map((d) => {
    if (typeof d !== 'number') throw new CompileError(`value '${v.name}' still has the symbolic dim '${d}'; bind it with --dim ${d}=N`);
    return d;
  });
}

function describeBuffer(values: readonly Value[]): string {
  const names = [...new Set(values.map((v) => `'${v.name}'`))];
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

export function buildPlan(src: PlanSource): BuiltPlan {
  const { graph, kernels, memory } = src;
  const bufferIndex = (v: Value, where: string): number => {
    const b = memory.bufferOf.get(v);
    if (b === undefined) throw new Error(`${where}: value '${v.name}' has no buffer in the memory plan`);
    return b;
  };
  const binding = (v: Value, where: string): PlanBinding => {
    elemTypeOf(v);
    return { buffer: bufferIndex(v, where), size: deviceBytes(v) };
  };

  const shaderIndex = new Map<string, number>();
  const shaders: string[] = [];
  const planKernels = kernels.map((k) => {
    let shader = shaderIndex.get(k.wgsl);
    if (shader === undefined) {
      shader = shaders.length;
      shaders.push(k.wgsl);
      shaderIndex.set(k.wgsl, shader);
    }
    const where = `kernel '${k.name}'`;
    return {
      name: k.name,
      shader,
      inputs: k.inputs.map((v) => binding(v, where)),
      outputs: k.outputs.map((v) => binding(v, where)),
      workgroups: [...k.workgroups] as [number, number, number],
    };
  });

  const tensor = (v: Value, name: string): PlanTensor => {
    const dims = staticDims(v);
    const declared = src.declaredDims?.get(name);
    return {
      name,
      dtype: elemTypeOf(v),
      dims,
      declaredDims: declared && declared.length === dims.length ? [...declared] : [...dims],
      buffer: bufferIndex(v, `${name}`),
    };
  };
  const inputs = graph.inputs.map((v) => tensor(v, v.name));
  const outputs = graph.outputs.map((v) => tensor(v, v.name));

  // Constants: one per constant buffer (its root value holds the data).
  const chunks: { offset: number; words: Uint8Array }[] = [];
  const weights: PlanWeight[] = [];
  let offset = 0;
  for (const b of memory.buffers) {
    if (b.role !== 'constant') continue;
    const v = b.values.find((x) => x.data !== undefined);
    if (!v?.data) throw new Error(`constant buffer ${b.index} holds no constant data`);
    let words: Float32Array | Int32Array | Uint32Array;
    try {
      words = toDeviceWords(elemTypeOf(v), v.data.data, `constant '${v.name}' (${v.type.dtype})`);
    } catch (e) {
      if (e instanceof CompileError) throw e;
      throw new CompileError((e as Error).message, { cause: e });
    }
    const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    offset = Math.ceil(offset / WEIGHT_ALIGNMENT) * WEIGHT_ALIGNMENT;
    chunks.push({ offset, words: bytes });
    weights.push({ name: v.name, buffer: b.index, offset, byteLength: bytes.byteLength });
    offset += bytes.byteLength;
  }
  const weightBytes = new Uint8Array(offset);
  for (const c of chunks) weightBytes.set(c.words, c.offset);

  const buffers = memory.buffers.map((b) => ({ size: b.size, label: describeBuffer(b.values) }));
  const maxBuffer = Math.max(0, ...buffers.map((b) => b.size));
  const maxBindings = Math.max(0, ...planKernels.map((k) => k.inputs.length + k.outputs.length));
  const maxGroups = Math.max(0, ...planKernels.flatMap((k) => k.workgroups));

  const plan: ModelPlan = {
    version: PLAN_VERSION,
    modelName: src.modelName,
    shaders,
    buffers,
    kernels: planKernels,
    inputs,
    outputs,
    weights,
    weightsByteLength: weightBytes.byteLength,
    limits: {
      maxStorageBufferBindingSize: Math.max(WEBGPU_DEFAULTS.maxStorageBufferBindingSize, maxBuffer),
      maxBufferSize: Math.max(WEBGPU_DEFAULTS.maxBufferSize, maxBuffer),
      maxStorageBuffersPerShaderStage: Math.max(WEBGPU_DEFAULTS.maxStorageBuffersPerShaderStage, maxBindings),
      maxComputeWorkgroupsPerDimension: Math.max(WEBGPU_DEFAULTS.maxComputeWorkgroupsPerDimension, maxGroups),
    },
  };
  return { plan, weights: weightBytes };
}
