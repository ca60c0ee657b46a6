/**
 * A loaded model: everything created once at load — pipelines (asynchronously, all of them),
 * buffers from the memory plan, uploaded weights, bind groups, readback buffers — and a run() that
 * does only the per-inference work: validate and upload inputs, record every dispatch in one
 * command encoder, copy outputs to the readback buffers, one submit, map and convert.
 *
 * A symbolic plan (sizes that are expressions over `batch`, `sequence`, …) runs at any size with
 * the same shaders and pipelines. Each run derives the symbols' values from the input dims
 * (validate.ts); only when that binding differs from the last run's does the model check the
 * plan's dim assertions, evaluate buffer sizes and workgroup counts, GROW the buffers (and
 * readbacks) that are now too small — never shrink — re-create just the bind groups that
 * reference a re-created buffer, and write the dims table into its one uniform buffer (bound at
 * @group(1) to kernels marked `usesDims`). Same-shape runs evaluate nothing and upload only their
 * inputs. With declared upper bounds (`maxDims`) the buffers are allocated for them at load. A
 * size beyond the device's buffer limits is an error naming the tensor and the input dims, raised
 * before anything is submitted. A static plan is the special case whose one binding is set up at
 * load.
 *
 * run() calls are queued, not interleaved: the plan's buffers (inputs, intermediates, readbacks)
 * are shared state, so two inferences in flight at once would overwrite each other.
 *
 * GPU-resident inputs and outputs, so chained models skip the host round trip:
 * - An input given as `{ buffer, dims, dtype? }` (validate.ts says what the buffer must hold) is
 *   copied into the model's input buffer by copyBufferToBuffer at the start of the run's command
 *   encoder, in queue order after whatever the caller submitted before (e.g. the model that
 *   produced it). A buffer created by some model of this runtime on another device is refused by
 *   name; any other foreign buffer fails WebGPU's validation, reported with a hint naming the GPU
 *   inputs. Feeding a model its own output works (the copy precedes the dispatches, and a buffer
 *   grown for a new size is destroyed only after the submit that copies from it).
 * - `run(inputs, { outputs: 'gpu' })`, or a list of output names, returns those outputs as
 *   `{ buffer, dims, dtype }` without readback: the model's own buffer for that output (no copy),
 *   holding `dims` in device words from offset 0 (the buffer may be larger, a symbolic model's
 *   buffers being sized for the largest run so far). It is owned by the model and READ-ONLY (it
 *   may be a weight or an input of the model), and valid until this model runs again or is
 *   disposed: the caller awaits the run() that consumes it before calling this model's run() again
 *   (a consumer's run may wait on its own queue before it records the copy). Model-owned rather
 *   than caller-provided buffers: a chain costs one copy (into the consumer's input buffer), and
 *   the caller sizes and allocates nothing.
 *   Outputs not selected are read back as before; a run with every output on the GPU maps nothing
 *   (stats.readbacksPerRun).
 *
 * Usage flags are numeric literals because Node has no GPUBufferUsage global unless the caller
 * installs the `webgpu` package's globals, which this runtime does not require.
 */

import { fromDeviceWords, type ElemType, type HostData } from './convert.js';
import { acquireDevice, atMaxDims, planForDevice } from './device.js';
import { DeviceLimitError, InputValidationError, ModelLoadError } from './errors.js';
import { DIMS_TABLE_BYTES, PLAN_VERSION, type ModelPlan, type PlanBinding, type PlanKernel, type PlanTensor } from './plan.js';
import { profileMode, TimestampRecorder, type ProfileMode, type RunProfile } from './profile.js';
import { bindingKey, bindShapes, type BoundShapes } from './shapes.js';
import { validateInputs, type RunInput } from './validate.js';
import { createVariantModel, type SharedResources } from './variants.js';

const MAP_READ = 0x0001;
const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;
const UNIFORM = 0x0040;
const STORAGE = 0x0080;
const SHADER_STAGE_COMPUTE = 0x4;
const MAP_MODE_READ = 0x1;

/** The device of every buffer a model of this runtime created, to name a GPU input from another device. */
const bufferDevices = new WeakMap<GPUBuffer, GPUDevice>();

export interface CreateOptions {
  /** Run on this device instead of requesting one; it is not destroyed by dispose(). */
  device?: GPUDevice;
  /**
   * Time runs on the GPU with timestamp queries (runtime/profile.ts): true or 'kernels' times
   * every kernel, 'run' only the whole run. Needs the 'timestamp-query' feature (requested when
   * the runtime creates the device; a given device must have it). Off by default, at no cost.
   */
  profile?: boolean | ProfileMode;
}

export interface OutputTensor {
  data: HostData;
  dims: number[];
  dtype: ElemType;
}

/** An output left on the GPU: the model's buffer, read-only, valid until its next run() or dispose(). */
export interface GpuOutputTensor {
  buffer: GPUBuffer;
  dims: number[];
  dtype: ElemType;
}

export interface RunOptions {
  /**
   * Where outputs go: 'host' (default) reads every output back; 'gpu' leaves every output on the
   * GPU; a list of output names leaves those on the GPU and reads the others back.
   */
  outputs?: 'host' | 'gpu' | readonly string[];
}

/** Counters for tests and tooling: what load created and what each run does. */
export interface ModelStats {
  /** Created at load only: a run never creates a shader module or a pipeline. */
  shaderModulesCreated: number;
  pipelinesCreated: number;
  /** At load, plus those re-created when a larger shape re-creates a buffer they bind. */
  bindGroupsCreated: number;
  /** At load, plus buffers (and readbacks) grown for a larger shape. */
  buffersCreated: number;
  /** Dispatches recorded by the last run (kernels whose workgroup count is 0 are skipped). */
  dispatchesPerRun: number;
  submitsPerRun: number;
  runs: number;
  /** Outputs mapped and read back by the last run (outputs left on the GPU are not). */
  readbacksPerRun: number;
  /** Inputs the last run copied from a caller's GPUBuffer (no host upload). */
  gpuInputsPerRun: number;
  /** Writes of the dims table's uniform buffer: one per change of the input shapes. */
  uniformUploads: number;
  /** Runs whose input shapes differed from the previous run's (sizes re-evaluated). */
  shapeChanges: number;
}

export interface Model {
  readonly device: GPUDevice;
  readonly inputs: readonly PlanTensor[];
  readonly outputs: readonly PlanTensor[];
  readonly stats: Readonly<ModelStats>;
  /** The GPU timings of the last completed run, when the model was created with `profile`. */
  readonly lastProfile: RunProfile | undefined;
  // Overloads, the host form last so that ReturnType<Model['run']> is the host outputs.
  /** Every output left on the GPU: no readback. */
  run(inputs: Record<string, RunInput>, options: { outputs: 'gpu' }): Promise<Record<string, GpuOutputTensor>>;
  /** The named outputs left on the GPU, the others read back. */
  run(inputs: Record<string, RunInput>, options: { outputs: readonly string[] }): Promise<Record<string, OutputTensor | GpuOutputTensor>>;
  /** Host data in, host data out (by default). Inputs may also be GPUBuffers (`{ buffer, dims }`). */
  run(inputs: Record<string, RunInput>, options?: { outputs?: 'host' }): Promise<Record<string, OutputTensor>>;
  /** Destroys the buffers (and the device, when load created it). The model cannot run after. */
  dispose(): void;
}

interface Step {
  kernel: PlanKernel;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  /** Undefined until every buffer it binds exists (a symbolic plan's first run). */
  bindGroup: GPUBindGroup | undefined;
  /** The buffers it binds, to know which bind groups a re-created buffer invalidates. */
  buffers: Set<number>;
}

class LoadedModel implements Model {
  readonly stats: ModelStats = {
    shaderModulesCreated: 0,
    pipelinesCreated: 0,
    bindGroupsCreated: 0,
    buffersCreated: 0,
    dispatchesPerRun: 0,
    submitsPerRun: 0,
    readbacksPerRun: 0,
    gpuInputsPerRun: 0,
    runs: 0,
    uniformUploads: 0,
    shapeChanges: 0,
  };
  /** Plan buffers, undefined until first allocated; `sizes` are their allocated bytes. */
  private buffers: (GPUBuffer | undefined)[] = [];
  private sizes: number[] = [];
  private readbacks: (GPUBuffer | undefined)[] = [];
  /** Buffers replaced by larger ones, destroyed after the next submit (a GPU input may copy from one). */
  private retired: GPUBuffer[] = [];
  private steps: Step[] = [];
  /** The dims table's uniform buffer and the group(1) bind group over it (when the plan has one). */
  private dimsBuffer: GPUBuffer | undefined;
  private dimsGroup: GPUBindGroup | undefined;
  /** The shapes of the last run (or, for a static plan, of load). */
  private shapes: BoundShapes | undefined;
  private pending: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private timestamps: TimestampRecorder | undefined;
  lastProfile: RunProfile | undefined;

  constructor(
    private readonly plan: ModelPlan,
    readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
    private readonly profile: ProfileMode | undefined,
    /** Set for the variants of one model (runtime/variants.ts): identical weights and pipelines are created once. */
    private readonly shared?: SharedResources,
  ) {}

  get inputs(): readonly PlanTensor[] {
    return this.plan.inputs;
  }
  get outputs(): readonly PlanTensor[] {
    return this.plan.outputs;
  }

  private createBuffer(size: number, usage: number, label: string): GPUBuffer {
    this.stats.buffersCreated++;
    const b = this.device.createBuffer({ size, usage, label });
    bufferDevices.set(b, this.device);
    return b;
  }

  private destroyRetired(): void {
    for (const b of this.retired.splice(0)) b.destroy();
  }

  /**
   * Makes every plan buffer at least `bytes[i]` (undefined: not known yet) and re-creates the bind
   * groups of steps that bind a re-created buffer. Buffers only grow.
   */
  private grow(bytes: readonly (number | undefined)[]): Set<number> {
    const changed = new Set<number>();
    bytes.forEach((n, i) => {
      if (n === undefined || (this.buffers[i] && this.sizes[i]! >= n)) return;
      const old = this.buffers[i];
      if (old) this.retired.push(old);
      this.buffers[i] = this.createBuffer(n, STORAGE | COPY_SRC | COPY_DST, this.plan.buffers[i]!.label);
      this.sizes[i] = n;
      changed.add(i);
    });
    for (const s of this.steps) {
      if (s.bindGroup && ![...s.buffers].some((b) => changed.has(b))) continue;
      if (![...s.buffers].every((b) => this.buffers[b])) continue;
      s.bindGroup = this.createBindGroup(s);
    }
    return changed;
  }

  /**
   * Undoes an allocation the device could not make: the buffers (and readbacks) just created are
   * dropped with the bind groups over them, and the shapes forgotten, so the next run allocates
   * again instead of using an invalid buffer.
   */
  private dropAllocation(buffers: ReadonlySet<number>, readbacks: ReadonlySet<number>): void {
    for (const i of buffers) {
      this.buffers[i]?.destroy();
      this.buffers[i] = undefined;
      this.sizes[i] = 0;
    }
    for (const s of this.steps) if ([...s.buffers].some((b) => buffers.has(b))) s.bindGroup = undefined;
    for (const i of readbacks) {
      this.readbacks[i]?.destroy();
      this.readbacks[i] = undefined;
    }
    this.shapes = undefined;
  }

  private createBindGroup(s: Step): GPUBindGroup {
    const k = s.kernel;
    // A static binding size is the value's exact bytes (as before symbolic plans); a symbolic one
    // binds the whole buffer, so the group stays valid at every size the buffer holds.
    const bind = (b: PlanBinding, binding: number): GPUBindGroupEntry => ({
      binding,
      resource: typeof b.size === 'number' ? { buffer: this.buffers[b.buffer]!, offset: 0, size: b.size } : { buffer: this.buffers[b.buffer]! },
    });
    this.stats.bindGroupsCreated++;
    return this.device.createBindGroup({
      layout: s.layout,
      entries: [...k.inputs.map((b, i) => bind(b, i)), ...k.outputs.map((b, i) => bind(b, k.inputs.length + i))],
    });
  }

  /**
   * Sets the model up for a run's shapes: nothing when they equal the last run's; else evaluate
   * and check them (shapes.ts), grow buffers and readbacks, and upload the dims table.
   */
  private applyShapes(env: Record<string, number>, inputDims: readonly number[][]): { shapes: BoundShapes; buffers: Set<number>; readbacks: Set<number> } {
    const last = this.shapes;
    if (last && last.key === bindingKey(this.plan, env)) return { shapes: last, buffers: new Set(), readbacks: new Set() };
    const shapes = bindShapes(this.plan, env, inputDims, this.device.limits);
    const buffers = this.grow(shapes.bufferBytes);
    const readbacks = new Set<number>();
    shapes.outputBytes.forEach((n, i) => {
      const rb = this.readbacks[i];
      if (rb && rb.size >= n) return;
      rb?.destroy();
      this.readbacks[i] = this.createBuffer(n, MAP_READ | COPY_DST, `readback ${this.plan.outputs[i]!.name}`);
      readbacks.add(i);
    });
    if (shapes.table && this.dimsBuffer) {
      this.device.queue.writeBuffer(this.dimsBuffer, 0, shapes.table);
      this.stats.uniformUploads++;
    }
    if (last) this.stats.shapeChanges++;
    this.shapes = shapes;
    return { shapes, buffers, readbacks };
  }

  /** Builds every GPU object the plan lists; called once by createModel. */
  async init(weights: Uint8Array): Promise<void> {
    const { plan, device } = this;
    if (plan.version !== PLAN_VERSION) {
      throw new ModelLoadError(`plan version ${plan.version} is not supported by this runtime (expects ${PLAN_VERSION}); recompile the model`);
    }
    if (weights.byteLength !== plan.weightsByteLength) {
      throw new ModelLoadError(
        `weights are ${weights.byteLength} bytes but the plan expects ${plan.weightsByteLength}: weights.bin does not belong to this model.js`,
      );
    }
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    // Static sizes, and symbolic ones at their declared bounds, are allocated now; the rest at the
    // first run. Constants always have static sizes, so the weights go up here.
    this.buffers = plan.buffers.map(() => undefined);
    this.sizes = plan.buffers.map(() => 0);
    this.readbacks = plan.outputs.map(() => undefined);
    this.grow(plan.buffers.map((b) => {
      const n = atMaxDims(plan, b.size);
      return n === undefined ? undefined : Math.max(4, n);
    }));
    for (const w of plan.weights) {
      const reused = this.shared?.weightBuffer(w, this.buffers[w.buffer]!);
      if (reused) {
        this.buffers[w.buffer]!.destroy();
        this.buffers[w.buffer] = reused;
        continue;
      }
      if (w.byteLength > 0) {
        device.queue.writeBuffer(this.buffers[w.buffer]!, 0, weights.buffer as ArrayBuffer, weights.byteOffset + w.offset, w.byteLength);
      }
    }
    // Readbacks too, where every output dim is known at the bounds.
    plan.outputs.forEach((o, i) => {
      const dims = o.dims.map((d) => atMaxDims(plan, d));
      if (dims.some((d) => d === undefined)) return;
      const n = Math.max(4, 4 * (dims as number[]).reduce((a, b) => a * b, 1));
      this.readbacks[i] = this.createBuffer(n, MAP_READ | COPY_DST, `readback ${o.name}`);
    });
    if (plan.kernels.some((k) => k.usesDims)) {
      this.dimsBuffer = this.createBuffer(DIMS_TABLE_BYTES, UNIFORM | COPY_DST, 'dims table');
    }

    // One bind group layout per (inputs, outputs) count: explicit layouts keep a binding valid even
    // when a shader declares it without reading it ('auto' layouts would drop it). Kernels reading
    // the dims table get a second group with its one uniform.
    const dimsLayout = this.dimsBuffer
      ? device.createBindGroupLayout({ entries: [{ binding: 0, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform' } }] })
      : undefined;
    if (dimsLayout && this.dimsBuffer) {
      this.dimsGroup = device.createBindGroup({ layout: dimsLayout, entries: [{ binding: 0, resource: { buffer: this.dimsBuffer } }] });
      this.stats.bindGroupsCreated++;
    }
    const layouts = new Map<string, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
    const layoutFor = (nIn: number, nOut: number, usesDims: boolean) => {
      const key = `${nIn}:${nOut}:${usesDims ? 1 : 0}`;
      let l = layouts.get(key);
      if (!l) {
        const entries: GPUBindGroupLayoutEntry[] = [];
        for (let i = 0; i < nIn + nOut; i++) {
          entries.push({ binding: i, visibility: SHADER_STAGE_COMPUTE, buffer: { type: i < nIn ? 'read-only-storage' : 'storage' } });
        }
        const group = device.createBindGroupLayout({ entries });
        const groups = usesDims && dimsLayout ? [group, dimsLayout] : [group];
        l = { group, pipeline: device.createPipelineLayout({ bindGroupLayouts: groups }) };
        layouts.set(key, l);
      }
      return l;
    };

    // Only the shaders the kernels run: a plan also carries the forms this device does not take
    // (subgroup kernels or their fallbacks, device.ts planForDevice).
    const used = new Set(plan.kernels.map((k) => k.shader));
    const modules = plan.shaders.map((code, i) => {
      if (!used.has(i)) return undefined;
      const create = () => {
        this.stats.shaderModulesCreated++;
        return device.createShaderModule({ code, label: `shader ${i}` });
      };
      return this.shared ? this.shared.module(code, create) : create();
    });

    // Pipelines are keyed by shader and layout, so kernels sharing WGSL share one pipeline.
    const pipelines = new Map<string, Promise<GPUComputePipeline>>();
    const pipelineFor = (k: PlanKernel) => {
      const key = `${k.shader}:${k.inputs.length}:${k.outputs.length}:${k.usesDims ? 1 : 0}`;
      let p = pipelines.get(key);
      if (!p) {
        const create = () => {
          this.stats.pipelinesCreated++;
          return device.createComputePipelineAsync({
            layout: layoutFor(k.inputs.length, k.outputs.length, !!k.usesDims).pipeline,
            compute: { module: modules[k.shader]!, entryPoint: 'main' },
          });
        };
        // Across variants the key is the WGSL itself (equal layouts are interchangeable in WebGPU).
        p = this.shared ? this.shared.pipeline(`${key.slice(key.indexOf(':'))}\n${plan.shaders[k.shader]}`, create) : create();
        pipelines.set(key, p);
      }
      return p;
    };
    // Shader errors first: they name the kernel, where the error scope only has Dawn's text.
    let failure: unknown;
    try {
      await Promise.all(modules.map((m, i) => (m ? this.checkShader(m, i) : undefined)));
      this.steps = await Promise.all(
        plan.kernels.map(async (k) => ({
          kernel: k,
          pipeline: await pipelineFor(k),
          layout: layoutFor(k.inputs.length, k.outputs.length, !!k.usesDims).group,
          bindGroup: undefined,
          buffers: new Set([...k.inputs, ...k.outputs].map((b) => b.buffer)),
        })),
      );
      this.grow([]); // bind groups of the steps whose buffers all exist
      // A static plan has one shape: set it up now, so run() only uploads inputs.
      if ((plan.symbols ?? []).length === 0) this.applyShapes({}, plan.inputs.map((t) => t.dims as number[]));
    } catch (e) {
      failure = e instanceof ModelLoadError ? e : new ModelLoadError(`creating a compute pipeline failed: ${(e as Error).message}`);
    }
    const scopeError = await device.popErrorScope();
    const memoryError = await device.popErrorScope();
    if (failure) throw failure;
    if (scopeError) throw new ModelLoadError(`WebGPU rejected the plan at load: ${scopeError.message}`);
    if (memoryError) {
      const total = this.sizes.reduce((n, b) => n + b, 0);
      throw new ModelLoadError(`the device ran out of memory allocating the model's buffers (${(total / 2 ** 20).toFixed(1)} MiB): ${memoryError.message}`);
    }
    this.destroyRetired();
    this.stats.dispatchesPerRun = this.steps.length;
    this.stats.submitsPerRun = 1;
    if (this.profile) {
      this.timestamps = new TimestampRecorder(device, this.profile, plan.kernels.map((k) => k.name));
      this.stats.buffersCreated += this.timestamps.buffersCreated;
    }
  }

  private async checkShader(module: GPUShaderModule, index: number): Promise<void> {
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length === 0) return;
    const users = this.plan.kernels.filter((k) => k.shader === index).map((k) => k.name);
    const detail = errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ');
    throw new ModelLoadError(`WGSL of kernel '${users[0] ?? index}' does not compile: ${detail}`);
  }

  run(inputs: Record<string, RunInput>, options: { outputs: 'gpu' }): Promise<Record<string, GpuOutputTensor>>;
  run(inputs: Record<string, RunInput>, options: { outputs: readonly string[] }): Promise<Record<string, OutputTensor | GpuOutputTensor>>;
  run(inputs: Record<string, RunInput>, options?: { outputs?: 'host' }): Promise<Record<string, OutputTensor>>;
  run(inputs: Record<string, RunInput>, options: RunOptions = {}): Promise<Record<string, OutputTensor | GpuOutputTensor>> {
    // Chain onto the previous run whether it succeeded or not, so one bad call does not wedge the queue.
    const result = this.pending.then(
      () => this.runNow(inputs, options),
      () => this.runNow(inputs, options),
    );
    this.pending = result.catch(() => undefined);
    return result;
  }

  /** Which outputs stay on the GPU, by plan index; validates the option. */
  private gpuOutputs(options: RunOptions): boolean[] {
    const o = options?.outputs ?? 'host';
    if (o === 'host' || o === 'gpu') return this.plan.outputs.map(() => o === 'gpu');
    const names = this.plan.outputs.map((t) => t.name);
    if (!Array.isArray(o)) {
      throw new InputValidationError(`run() option 'outputs' must be 'host', 'gpu' or a list of output names (${names.join(', ')}), got ${JSON.stringify(o)}`);
    }
    for (const n of o) {
      if (!names.includes(n)) throw new InputValidationError(`run() option 'outputs' names '${n}', which is not an output; the model's outputs are: ${names.join(', ')}`);
    }
    return names.map((n) => o.includes(n));
  }

  private async runNow(inputs: Record<string, RunInput>, options: RunOptions): Promise<Record<string, OutputTensor | GpuOutputTensor>> {
    try {
      return await this.record(inputs, options);
    } finally {
      this.destroyRetired();
    }
  }

  private async record(inputs: Record<string, RunInput>, options: RunOptions): Promise<Record<string, OutputTensor | GpuOutputTensor>> {
    if (this.disposed) throw new ModelLoadError('run() called after dispose()');
    const { plan, device } = this;
    const onGpu = this.gpuOutputs(options);
    const given = validateInputs(plan, inputs);
    // Before anything is allocated: a buffer this runtime made on another device is named here.
    plan.inputs.forEach((t, i) => {
      const b = given.buffers[i];
      const owner = b && bufferDevices.get(b);
      if (owner && owner !== device) {
        throw new InputValidationError(`input '${t.name}': the GPUBuffer belongs to another device than this model's; create both models with the same { device }`);
      }
      // A GPU input copied from this model's own input buffer would read it after this run's uploads.
      const j = b ? plan.inputs.findIndex((u) => this.buffers[u.buffer] === b) : -1;
      if (j >= 0 && j !== i) {
        throw new InputValidationError(`input '${t.name}': the GPUBuffer is this model's buffer for input '${plan.inputs[j]!.name}', which this run overwrites; copy it first`);
      }
    });
    // Errors about sizes are raised here, before the device sees anything of this run. A new
    // shape may allocate: the device's answer is awaited only then (same-shape runs pay nothing).
    const changing = this.shapes?.key !== bindingKey(plan, given.env);
    if (changing) device.pushErrorScope('out-of-memory');
    let bound: ReturnType<LoadedModel['applyShapes']>;
    try {
      bound = this.applyShapes(given.env, given.dims);
    } catch (e) {
      if (changing) await device.popErrorScope();
      throw e;
    }
    const oom = changing ? await device.popErrorScope() : null;
    if (oom) {
      this.dropAllocation(bound.buffers, bound.readbacks);
      const dims = plan.inputs.map((t, i) => `${t.name} [${given.dims[i]!.join(', ')}]`).join(', ');
      throw new DeviceLimitError(`the device ran out of memory growing the model's buffers for the input dims (${dims}): ${oom.message}`);
    }
    const { shapes } = bound;
    plan.inputs.forEach((t, i) => {
      const w = given.words[i];
      if (w && w.byteLength > 0) device.queue.writeBuffer(this.buffers[t.buffer]!, 0, w.buffer, w.byteOffset, w.byteLength);
    });

    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder();
    // GPU inputs first: copies are ordered before the dispatches that read them.
    let gpuInputs = 0;
    plan.inputs.forEach((t, i) => {
      const src = given.buffers[i];
      if (!src) return;
      gpuInputs++;
      const dst = this.buffers[t.buffer]!;
      const bytes = 4 * given.dims[i]!.reduce((a, b) => a * b, 1);
      if (src !== dst && bytes > 0) encoder.copyBufferToBuffer(src, 0, dst, 0, bytes);
    });
    const ts = this.timestamps;
    let dispatches = 0;
    const dispatch = (pass: GPUComputePassEncoder, s: Step, i: number) => {
      const [x, y, z] = shapes.workgroups[i]!;
      if (x === 0 || y === 0 || z === 0) return; // an empty tensor: nothing to compute
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.bindGroup!);
      if (s.kernel.usesDims) pass.setBindGroup(1, this.dimsGroup!);
      pass.dispatchWorkgroups(x, y, z);
      dispatches++;
    };
    if (ts?.mode === 'kernels') {
      // One pass per kernel (empty for a skipped dispatch): timestamps are written at pass boundaries only.
      this.steps.forEach((s, i) => {
        const pass = encoder.beginComputePass({ timestampWrites: ts.passTimestamps(i) });
        dispatch(pass, s, i);
        pass.end();
      });
    } else {
      const pass = encoder.beginComputePass(ts ? { timestampWrites: ts.passTimestamps(0) } : undefined);
      this.steps.forEach((s, i) => dispatch(pass, s, i));
      pass.end();
    }
    ts?.resolve(encoder);
    const readbacks: GPUBuffer[] = [];
    plan.outputs.forEach((o, i) => {
      if (onGpu[i]) return;
      encoder.copyBufferToBuffer(this.buffers[o.buffer]!, 0, this.readbacks[i]!, 0, shapes.outputBytes[i]!);
      readbacks.push(this.readbacks[i]!);
    });
    device.queue.submit([encoder.finish()]);
    this.stats.dispatchesPerRun = dispatches;
    this.stats.readbacksPerRun = readbacks.length;
    this.stats.gpuInputsPerRun = gpuInputs;
    const err = await device.popErrorScope();
    if (err) {
      const gpu = plan.inputs.filter((_, i) => given.buffers[i]).map((t) => `'${t.name}'`);
      const hint = gpu.length === 0 ? '' : ` (GPU inputs ${gpu.join(', ')}: each GPUBuffer must belong to the model's device and not be destroyed)`;
      throw new Error(`WebGPU validation error during run: ${err.message}${hint}`);
    }

    await Promise.all([...readbacks.map((rb) => rb.mapAsync(MAP_MODE_READ, 0, rb.size)), ts?.map()]);
    if (ts) this.lastProfile = ts.read();
    const out: Record<string, OutputTensor | GpuOutputTensor> = {};
    plan.outputs.forEach((o, i) => {
      const dims = shapes.outputDims[i]!;
      if (onGpu[i]) {
        out[o.name] = { buffer: this.buffers[o.buffer]!, dims: [...dims], dtype: o.dtype };
        return;
      }
      const rb = this.readbacks[i]!;
      const length = dims.reduce((a, b) => a * b, 1);
      out[o.name] = { data: fromDeviceWords(o.dtype, rb.getMappedRange(), length), dims: [...dims], dtype: o.dtype };
      rb.unmap();
    });
    this.stats.runs++;
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of [...this.buffers, ...this.readbacks, this.dimsBuffer]) b?.destroy();
    this.destroyRetired();
    this.timestamps?.destroy();
    this.timestamps = undefined;
    this.buffers = [];
    this.readbacks = [];
    this.dimsBuffer = undefined;
    this.steps = [];
    if (this.ownsDevice) this.device.destroy();
  }
}

/**
 * Loads a plan and its weights (the bytes of weights.bin) onto a device. `shared` is internal: the
 * variants of one model (runtime/variants.ts) pass one, to create identical GPU objects once.
 */
export async function createModel(plan: ModelPlan, weights: Uint8Array, options: CreateOptions = {}, shared?: SharedResources): Promise<Model> {
  // A plan with variants (inputs that decide the structure) loads each variant as a model of its own.
  if (plan.variants) return createVariantModel(plan, plan.variants, weights, options, createModel);
  const profile = profileMode(options.profile);
  const { device, owned } = await acquireDevice(plan, options.device, profile ? { optionalFeatures: ['timestamp-query'] } : {});
  // Subgroup-sharing kernels take their plain fallback on a device without usable subgroups.
  const model = new LoadedModel(planForDevice(plan, device), device, owned, profile, shared);
  try {
    await model.init(weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
