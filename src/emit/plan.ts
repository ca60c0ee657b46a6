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
 *
 * Symbolic models: sizes, dims and workgroup counts stay Dims (expression strings) in the plan,
 * and the plan lists the symbols with the input axis that defines each, the dims table kernels
 * read, the graph's dim assertions and the declared upper bounds (`maxDims`). Every symbol must be
 * the whole dim of some input axis — the runtime has no other way to learn its value — else the
 * shape depends on data, which is refused here.
 */

import type { Kernel } from '../../codegen/kernel.js';
import { deviceBytes, type MemoryPlan } from '../../codegen/schedule/memory.js';
import type { Graph, Value } from '../../ir/graph.js';
import { gpuStorageOf } from '../../ir/dtype.js';
import { dimSymbols, evalDim, type Dim } from '../../ir/dim.js';
import { toDeviceWords, type ElemType } from '../../runtime/convert.js';
import {
  PLAN_VERSION,
  type ModelPlan,
  type PlanBinding,
  type PlanDim,
  type PlanDimAssertion,
  type PlanSymbol,
  type PlanTensor,
  type PlanWeight,
} from '../../runtime/plan.js';
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
  /** The dims table (codegen KernelPlan.dims); empty or absent when every size is static. */
  dims?: readonly string[];
  /** Declared upper bounds of symbols (`--max-dim`). */
  maxDims?: Readonly<Record<string, number>>;
  /** Sizes that must be equal at run time (Graph.dimAssertions, where the IR records them). */
  dimAssertions?: readonly PlanDimAssertion[];
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

/** A plain symbol (`batch`), as opposed to an expression over symbols. */
function isPlainSymbol(d: Dim): d is string {
  return typeof d === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(d);
}

/**
 * Each symbol's defining input axis: the first input axis whose dim is exactly that symbol; or,
 * for a symbol the importer made of a small integer input's values, that input element. A
 * symbol some size uses but neither defines is refused (its value would come from data).
 */
function planSymbols(src: PlanSource, used: ReadonlySet<string>): PlanSymbol[] {
  const symbols = new Map<string, PlanSymbol>();
  for (const v of src.graph.inputs) {
    const declared = src.declaredDims?.get(v.name);
    v.type.shape.forEach((d, axis) => {
      if (!isPlainSymbol(d) || symbols.has(d)) return;
      const s: PlanSymbol = { name: d, input: v.name, axis };
      const original = declared && declared.length === v.type.shape.length ? declared[axis] : undefined;
      if (typeof original === 'string' && original !== d) s.original = original;
      symbols.set(d, s);
    });
  }
  // Symbols given by an input's values (Graph.valueSymbols), where some size uses them; scaled
  // ones last, so the runtime binds in plan order (a scale's base is a dim over the others).
  const valueSymbols = [...(src.graph.valueSymbols ?? [])].sort((a, b) => Number(a.scaleOf !== undefined) - Number(b.scaleOf !== undefined));
  for (const v of valueSymbols) {
    if (symbols.has(v.name) || !used.has(v.name) || !src.graph.inputs.some((x) => x.name === v.input)) continue;
    const s: PlanSymbol = { name: v.name, input: v.input, index: v.index };
    if (v.offset) s.offset = v.offset;
    if (v.scaleOf !== undefined) s.scaleOf = v.scaleOf;
    symbols.set(v.name, s);
  }
  const missing = [...used].filter((s) => !symbols.has(s));
  if (missing.length > 0) {
    throw new CompileError(
      `the symbolic dim${missing.length > 1 ? 's' : ''} ${missing.map((s) => `'${s}'`).join(', ')} ` +
        `${missing.length > 1 ? 'are' : 'is'} not the size of any input axis (computed from data at run time); data-dependent shapes are not supported`,
    );
  }
  return [...symbols.values()];
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
  const shaderOf = (wgsl: string): number => {
    let shader = shaderIndex.get(wgsl);
    if (shader === undefined) {
      shader = shaders.length;
      shaders.push(wgsl);
      shaderIndex.set(wgsl, shader);
    }
    return shader;
  };
  const planKernels = kernels.map((k) => {
    const shader = shaderOf(k.wgsl);
    const where = `kernel '${k.name}'`;
    return {
      name: k.name,
      shader,
      inputs: k.inputs.map((v) => binding(v, where)),
      outputs: k.outputs.map((v) => binding(v, where)),
      workgroups: [...k.workgroups] as [PlanDim, PlanDim, PlanDim],
      ...(k.usesDims ? { usesDims: true } : {}),
      ...(k.config ? { config: k.config } : {}),
      ...(k.fallback ? { fallback: { shader: shaderOf(k.fallback.wgsl), workgroups: [...k.fallback.workgroups] as [PlanDim, PlanDim, PlanDim] } } : {}),
    };
  });

  const tensor = (v: Value, name: string): PlanTensor => {
    const dims: PlanDim[] = [...v.type.shape];
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

  // Every symbol a size, dim, count or table entry uses must be defined by an input axis.
  const used = new Set<string>();
  const use = (d: PlanDim) => dimSymbols(d).forEach((s) => used.add(s));
  buffers.forEach((b) => use(b.size));
  planKernels.forEach((k) => k.workgroups.forEach(use));
  [...inputs, ...outputs].forEach((t) => t.dims.forEach(use));
  (src.dims ?? []).forEach(use);
  (src.dimAssertions ?? []).forEach((a) => (use(a.a), use(a.b)));
  const symbols = planSymbols(src, used);
  const maxDims = { ...(src.maxDims ?? {}) };
  for (const name of Object.keys(maxDims)) {
    if (!symbols.some((s) => s.name === name)) {
      const known = symbols.map((s) => s.name).join(', ') || 'none';
      throw new CompileError(`--max-dim ${name}: the compiled model has no symbolic dim '${name}' (symbolic dims: ${known})`);
    }
  }

  // Limits cover the static sizes, and the symbolic ones where every symbol they use has a bound.
  const known = (ds: PlanDim[]) => ds.filter((d) => dimSymbols(d).every((s) => s in maxDims)).map((d) => evalDim(d, maxDims));
  const maxBuffer = Math.max(0, ...known(buffers.map((b) => b.size)));
  const maxBindings = Math.max(0, ...planKernels.map((k) => k.inputs.length + k.outputs.length));
  const maxGroups = Math.max(0, ...known(planKernels.flatMap((k) => k.workgroups)));

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
    dims: [...(src.dims ?? [])],
    symbols,
    dimAssertions: [...(src.dimAssertions ?? [])],
    maxDims,
  };
  return { plan, weights: weightBytes };
}
