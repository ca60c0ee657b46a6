/**
 * Writes model.d.ts: the generated module's API typed for this model — each input and output by
 * name with the typed array its dtype takes and returns, and its dims in a comment (with the
 * model's symbol names, e.g. `[batch=1, 3, 224, 224]`, so a reader sees what was bound at compile
 * time).
 *
 * A symbolic dim is `number` in the tuple type and named in the comment (`[batch, sequence, 768]`),
 * with which input defines each symbol and its declared maximum; an input with symbolic dims must
 * pass `dims` (not optional). Outputs show the expression of each symbolic dim.
 *
 * GPU-resident inputs and outputs (runtime/model.ts): `RunInputs` lets each input be host data or
 * `{ buffer, dims, dtype? }` on the model's device, and run()'s overloads type `{ outputs: 'gpu' }`
 * (every output as `{ buffer, dims, dtype }`) and `{ outputs: ['name', …] }` (those on the GPU, the
 * rest on the host); the dims and dtype types are the host outputs' own, so chaining one model's
 * GPU output into another's input type-checks exactly when the host data would.
 *
 * The file stands alone: it imports nothing, and names the GPUDevice and GPUBuffer types only
 * through conditional types that resolve to them when the project has WebGPU types (e.g.
 * @webgpu/types) and to `object` when it does not, so it type-checks either way.
 */

import { wordTypeOf, type ElemType } from '../../runtime/convert.js';
import type { ModelPlan, PlanDim, PlanTensor } from '../../runtime/plan.js';
import { describeValueRule } from '../../runtime/dim-expr.js';

/** The typed arrays run() accepts for an input of each dtype (mirrors runtime/validate.ts). */
function inputArrayType(dtype: ElemType): string {
  switch (dtype) {
    case 'float32':
      return 'Float32Array';
    case 'float16':
    case 'bfloat16':
      return 'Float32Array | Uint16Array';
    case 'float64':
      return 'Float64Array';
    case 'int8':
      return 'Int8Array';
    case 'uint8':
    case 'bool':
      return 'Uint8Array';
    case 'int16':
      return 'Int16Array';
    case 'uint16':
      return 'Uint16Array';
    case 'int32':
      return 'Int32Array';
    case 'uint32':
      return 'Uint32Array';
    case 'int64':
      return 'BigInt64Array | Int32Array';
  }
}

/** The typed array run() returns for an output of each dtype (mirrors runtime/convert.ts). */
function outputArrayType(dtype: ElemType): string {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return 'Float32Array';
    case 'int64':
      return 'BigInt64Array';
    case 'bool':
      return 'Uint8Array';
    default:
      return inputArrayType(dtype);
  }
}

const ALL_DTYPES: readonly ElemType[] = ['float32', 'float16', 'bfloat16', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'bool'];
/** Inputs whose values fill their whole word, so any dtype of that word type fits (runtime/validate.ts). */
const WIDE: ReadonlySet<ElemType> = new Set(['float32', 'float16', 'bfloat16', 'float64', 'int32', 'int64', 'uint32']);

/** The dtypes a GPU input of `dtype` accepts (mirrors runtime/validate.ts wordsFit). */
function gpuInputDtypes(dtype: ElemType): ElemType[] {
  if (!WIDE.has(dtype)) return [dtype];
  return [dtype, ...ALL_DTYPES.filter((d) => d !== dtype && wordTypeOf(d) === wordTypeOf(dtype))];
}

function dimsComment(t: PlanTensor): string {
  const dims = t.dims.map((d, i) => {
    if (typeof d === 'string') return d;
    const declared = t.declaredDims[i];
    return typeof declared === 'string' ? `${declared}=${d}` : String(d);
  });
  return `${t.dtype} [${dims.join(', ')}]`;
}

/** The dims tuple: literal numbers where fixed, `number` where symbolic. */
function dimsTuple(dims: readonly PlanDim[]): string {
  return dims.map((d) => (typeof d === 'number' ? String(d) : 'number')).join(', ');
}

/**
 * Output `i`'s dims comment and type. With variants (inputs that decide the structure, e.g. axes
 * given at run time) an output's dims may differ by variant: a dim that differs is `number`, and
 * an output whose rank differs is `number[]`.
 */
function outputDims(plan: ModelPlan, i: number): { comment: string; dims: string } {
  const t = plan.outputs[i]!;
  if (!plan.variants) return { comment: dimsComment(t), dims: `[${dimsTuple(t.dims)}]` };
  const all = plan.variants.table.map((v) => v.plan.outputs[i]!.dims);
  const shown = [...new Set(all.map((d) => `[${d.join(', ')}]`))];
  const comment = shown.length === 1 ? dimsComment(t) : `${t.dtype}, by variant: ${shown.join(' or ')}`;
  if (!all.every((d) => d.length === t.dims.length)) return { comment, dims: 'number[]' };
  const merged = t.dims.map((d, axis) => (all.every((x) => x[axis] === d) ? d : 'differs'));
  return { comment, dims: `[${dimsTuple(merged)}]` };
}

/** A comment saying which inputs select the variant (empty without variants). */
function variantNote(plan: ModelPlan): string {
  const v = plan.variants;
  if (!v) return '';
  const inputs = v.selectors.map((s) => `'${s.input}' (${s.usedBy})`).join(', ');
  return `/**
 * Compiled variants: ${v.table.length}, one per legal value of input${v.selectors.length > 1 ? 's' : ''} ${inputs}, which decide${v.selectors.length > 1 ? '' : 's'}
 * the graph's structure. run() reads ${v.selectors.length > 1 ? 'their values' : 'its value'} on the host (never a GPUBuffer) and runs that variant.
 */
`;
}

/** What the symbols of a plan mean, one comment line each. */
function symbolNotes(plan: ModelPlan): string[] {
  return (plan.symbols ?? []).map((s) => {
    const original = s.original ? ` (the model's '${s.original}')` : '';
    const max = plan.maxDims?.[s.name];
    const bound = max === undefined ? 'any size' : `at most ${max}`;
    const source = 'index' in s ? `${describeValueRule(s, `element ${s.index}`)} (≥ 1)` : `axis ${s.axis}`;
    return ` * - ${s.name}${original}: ${bound}, given by input '${s.input}' ${source}`;
  });
}

/** A property key: bare when it is an identifier, quoted otherwise (ONNX names may hold '/' or '.'). */
function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

export function generateDts(plan: ModelPlan): string {
  const inputs = plan.inputs.map((t) => {
    const optional = t.dims.every((d) => typeof d === 'number') ? '?' : '';
    return `  /** ${dimsComment(t)} */\n  ${key(t.name)}: { data: ${inputArrayType(t.dtype)}; dims${optional}: readonly [${dimsTuple(t.dims)}] };`;
  });
  const gpuInputs = plan.inputs.map((t) => {
    const optional = t.dims.every((d) => typeof d === 'number') ? '?' : '';
    const dtypes = gpuInputDtypes(t.dtype).map((d) => `'${d}'`).join(' | ');
    return `  ${key(t.name)}: { buffer: GPUBufferType; dims${optional}: readonly [${dimsTuple(t.dims)}]; dtype?: ${dtypes} };`;
  });
  const outputs = plan.outputs.map((t, i) => {
    const { comment, dims } = outputDims(plan, i);
    return `  /** ${comment} */\n  ${key(t.name)}: { data: ${outputArrayType(t.dtype)}; dims: ${dims}; dtype: '${t.dtype}' };`;
  });
  const notes = symbolNotes(plan);
  const symbolic =
    notes.length === 0
      ? ''
      : `/**
 * Symbolic dims: the model runs at any size of these (same shaders, no recompile). A symbol takes
 * its size from the input axis named here; every other axis with that symbol must have the same
 * size, or run() throws InputValidationError naming both inputs, the axis and the symbol.
${notes.join('\n')}
 */
`;
  return `// Generated by onnx-wgsl from ${plan.modelName}. Do not edit.

/** GPUDevice when WebGPU types are available to the project, else any object. */
type GPUDeviceType = typeof globalThis extends { GPUDevice: { prototype: infer D } } ? D : object;
/** GPUBuffer when WebGPU types are available to the project, else any object. */
type GPUBufferType = typeof globalThis extends { GPUBuffer: { prototype: infer B } } ? B : object;

${symbolic}${variantNote(plan)}export interface ModelInputs {
${inputs.join('\n')}
}

/**
 * Inputs already on the model's device: device words (one 32-bit word per element: f32 for float
 * dtypes, i32 for signed integers and int64, u32 for unsigned and bool), at least 4·numel bytes,
 * COPY_SRC usage, not mapped. run() copies each into the model's input buffer on the GPU. \`dtype\`,
 * when given, must be one whose words the input takes as they are.
 */
export interface ModelGpuInputs {
${gpuInputs.join('\n')}
}

export interface ModelOutputs {
${outputs.join('\n')}
}

/** run()'s inputs: each as host data (ModelInputs) or as a GPUBuffer on the model's device (ModelGpuInputs). */
export type RunInputs = { [K in keyof ModelInputs]: ModelInputs[K] | ModelGpuInputs[K] };

/**
 * An output left on the GPU: the model's own buffer, holding \`dims\` in device words from offset 0
 * (it may be larger). Read-only (it may hold a weight or an input of the model). Valid until this
 * model runs again or is disposed: await the run() that consumes it (e.g. another model's, on the
 * same device) before calling this model's run() again.
 */
export type GpuOutputs = {
  [K in keyof ModelOutputs]: { buffer: GPUBufferType; dims: ModelOutputs[K]['dims']; dtype: ModelOutputs[K]['dtype'] };
};

export interface ModelStats {
  readonly shaderModulesCreated: number;
  readonly pipelinesCreated: number;
  readonly bindGroupsCreated: number;
  readonly buffersCreated: number;
  readonly dispatchesPerRun: number;
  readonly submitsPerRun: number;
  /** Outputs mapped and read back by the last run (outputs left on the GPU are not). */
  readonly readbacksPerRun: number;
  /** Inputs the last run copied from a GPUBuffer. */
  readonly gpuInputsPerRun: number;
  readonly runs: number;
  readonly uniformUploads: number;
  readonly shapeChanges: number;
}

export interface Model {
  readonly device: GPUDeviceType;
  readonly stats: ModelStats;
  /**
   * Runs one inference. Concurrent calls are queued. Throws InputValidationError on bad inputs
   * (names, dtypes, ranks, fixed dims, disagreeing or over-the-maximum symbolic dims) and
   * DeviceLimitError when the input dims need a buffer larger than the device allows. Inputs may be
   * GPUBuffers (ModelGpuInputs), e.g. another model's GpuOutputs; the options below leave outputs
   * on the GPU.
   */
  run(inputs: RunInputs, options?: { outputs?: 'host' }): Promise<ModelOutputs>;
  /** Every output left on the GPU (GpuOutputs): nothing is read back. */
  run(inputs: RunInputs, options: { outputs: 'gpu' }): Promise<GpuOutputs>;
  /** The named outputs left on the GPU, the others read back. */
  run<K extends keyof ModelOutputs>(inputs: RunInputs, options: { outputs: readonly K[] }): Promise<Pick<GpuOutputs, K> & Omit<ModelOutputs, K>>;
  /** Frees the GPU buffers (and the device, when load() created it). */
  dispose(): void;
}

export interface LoadOptions {
  /** Run on this device instead of requesting one. */
  device?: GPUDeviceType;
  /** Where to read weights.bin from; relative URLs resolve against model.js. */
  weightsUrl?: string | URL;
}

/** Creates every pipeline, allocates buffers and uploads the weights. */
export declare function load(options?: LoadOptions): Promise<Model>;

export declare class InputValidationError extends Error {}
/** A value of a shape-like input (read as a size ≥ 1 when compiled) that this compiled model does not take. */
export declare class UnsupportedValueError extends InputValidationError {}
export declare class DeviceLimitError extends Error {}
export declare class ModelLoadError extends Error {}
`;
}
