/**
 * A loaded model: everything created once at load — pipelines (asynchronously, all of them),
 * buffers from the static memory plan, uploaded weights, bind groups, readback buffers — and a
 * run() that does only the per-inference work: validate and upload inputs, record every dispatch
 * in one command encoder, copy outputs to the readback buffers, one submit, map and convert.
 *
 * run() calls are queued, not interleaved: the plan's buffers (inputs, intermediates, readbacks)
 * are shared state, so two inferences in flight at once would overwrite each other.
 *
 * Usage flags are numeric literals because Node has no GPUBufferUsage global unless the caller
 * installs the `webgpu` package's globals, which this runtime does not require.
 */

import { fromDeviceWords, type ElemType, type HostData } from './convert.js';
import { acquireDevice } from './device.js';
import { ModelLoadError } from './errors.js';
import { PLAN_VERSION, type ModelPlan, type PlanBinding, type PlanTensor } from './plan.js';
import { profileMode, TimestampRecorder, type ProfileMode, type RunProfile } from './profile.js';
import { validateInputs, type InputTensor } from './validate.js';

const MAP_READ = 0x0001;
const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;
const STORAGE = 0x0080;
const SHADER_STAGE_COMPUTE = 0x4;
const MAP_MODE_READ = 0x1;

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

/** Counters for tests and tooling: what load created and what each run does. */
export interface ModelStats {
  shaderModulesCreated: number;
  pipelinesCreated: number;
  bindGroupsCreated: number;
  buffersCreated: number;
  dispatchesPerRun: number;
  submitsPerRun: number;
  runs: number;
}

export interface Model {
  readonly device: GPUDevice;
  readonly inputs: readonly PlanTensor[];
  readonly outputs: readonly PlanTensor[];
  readonly stats: Readonly<ModelStats>;
  /** The GPU timings of the last completed run, when the model was created with `profile`. */
  readonly lastProfile: RunProfile | undefined;
  run(inputs: Record<string, InputTensor>): Promise<Record<string, OutputTensor>>;
  /** Destroys the buffers (and the device, when load created it). The model cannot run after. */
  dispose(): void;
}

interface Step {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

class LoadedModel implements Model {
  readonly stats: ModelStats = {
    shaderModulesCreated: 0,
    pipelinesCreated: 0,
    bindGroupsCreated: 0,
    buffersCreated: 0,
    dispatchesPerRun: 0,
    submitsPerRun: 0,
    runs: 0,
  };
  private buffers: GPUBuffer[] = [];
  private readbacks: GPUBuffer[] = [];
  private steps: Step[] = [];
  private pending: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private timestamps: TimestampRecorder | undefined;
  lastProfile: RunProfile | undefined;

  constructor(
    private readonly plan: ModelPlan,
    readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
    private readonly profile: ProfileMode | undefined,
  ) {}

  get inputs(): readonly PlanTensor[] {
    return this.plan.inputs;
  }
  get outputs(): readonly PlanTensor[] {
    return this.plan.outputs;
  }

  private createBuffer(size: number, usage: number, label: string): GPUBuffer {
    this.stats.buffersCreated++;
    return this.device.createBuffer({ size, usage, label });
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
    this.buffers = plan.buffers.map((b) => this.createBuffer(b.size, STORAGE | COPY_SRC | COPY_DST, b.label));
    this.readbacks = plan.outputs.map((o) => this.createBuffer(plan.buffers[o.buffer]!.size, MAP_READ | COPY_DST, `readback ${o.name}`));
    for (const w of plan.weights) {
      if (w.byteLength > 0) {
        device.queue.writeBuffer(this.buffers[w.buffer]!, 0, weights.buffer as ArrayBuffer, weights.byteOffset + w.offset, w.byteLength);
      }
    }

    // One bind group layout per (inputs, outputs) count: explicit layouts keep a binding valid even
    // when a shader declares it without reading it ('auto' layouts would drop it).
    const layouts = new Map<string, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
    const layoutFor = (nIn: number, nOut: number) => {
      const key = `${nIn}:${nOut}`;
      let l = layouts.get(key);
      if (!l) {
        const entries: GPUBindGroupLayoutEntry[] = [];
        for (let i = 0; i < nIn + nOut; i++) {
          entries.push({ binding: i, visibility: SHADER_STAGE_COMPUTE, buffer: { type: i < nIn ? 'read-only-storage' : 'storage' } });
        }
        const group = device.createBindGroupLayout({ entries });
        l = { group, pipeline: device.createPipelineLayout({ bindGroupLayouts: [group] }) };
        layouts.set(key, l);
      }
      return l;
    };

    const modules = plan.shaders.map((code, i) => {
      this.stats.shaderModulesCreated++;
      return device.createShaderModule({ code, label: `shader ${i}` });
    });

    // Pipelines are keyed by shader and layout, so kernels sharing WGSL share one pipeline.
    const pipelines = new Map<string, Promise<GPUComputePipeline>>();
    const pipelineFor = (shader: number, nIn: number, nOut: number) => {
      const key = `${shader}:${nIn}:${nOut}`;
      let p = pipelines.get(key);
      if (!p) {
        this.stats.pipelinesCreated++;
        p = device.createComputePipelineAsync({
          layout: layoutFor(nIn, nOut).pipeline,
          compute: { module: modules[shader]!, entryPoint: 'main' },
        });
        pipelines.set(key, p);
      }
      return p;
    };
    const bind = (b: PlanBinding, binding: number): GPUBindGroupEntry => ({
      binding,
      resource: { buffer: this.buffers[b.buffer]!, offset: 0, size: b.size },
    });
    // Shader errors first: they name the kernel, where the error scope only has Dawn's text.
    let failure: unknown;
    try {
      await Promise.all(modules.map((m, i) => this.checkShader(m, i)));
      this.steps = await Promise.all(
        plan.kernels.map(async (k) => {
          const pipeline = await pipelineFor(k.shader, k.inputs.length, k.outputs.length);
          this.stats.bindGroupsCreated++;
          const bindGroup = device.createBindGroup({
            layout: layoutFor(k.inputs.length, k.outputs.length).group,
            entries: [...k.inputs.map((b, i) => bind(b, i)), ...k.outputs.map((b, i) => bind(b, k.inputs.length + i))],
          });
          return { pipeline, bindGroup, workgroups: k.workgroups };
        }),
      );
    } catch (e) {
      failure = e instanceof ModelLoadError ? e : new ModelLoadError(`creating a compute pipeline failed: ${(e as Error).message}`);
    }
    const scopeError = await device.popErrorScope();
    const memoryError = await device.popErrorScope();
    if (failure) throw failure;
    if (scopeError) throw new ModelLoadError(`WebGPU rejected the plan at load: ${scopeError.message}`);
    if (memoryError) {
      const total = plan.buffers.reduce((n, b) => n + b.size, 0);
      throw new ModelLoadError(`the device ran out of memory allocating the model's buffers (${(total / 2 ** 20).toFixed(1)} MiB): ${memoryError.message}`);
    }
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

  run(inputs: Record<string, InputTensor>): Promise<Record<string, OutputTensor>> {
    // Chain onto the previous run whether it succeeded or not, so one bad call does not wedge the queue.
    const result = this.pending.then(
      () => this.runNow(inputs),
      () => this.runNow(inputs),
    );
    this.pending = result.catch(() => undefined);
    return result;
  }

  private async runNow(inputs: Record<string, InputTensor>): Promise<Record<string, OutputTensor>> {
    if (this.disposed) throw new ModelLoadError('run() called after dispose()');
    const { plan, device } = this;
    const words = validateInputs(plan.inputs, inputs);
    plan.inputs.forEach((t, i) => {
      const w = words[i]!;
      if (w.byteLength > 0) device.queue.writeBuffer(this.buffers[t.buffer]!, 0, w.buffer, w.byteOffset, w.byteLength);
    });

    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder();
    const ts = this.timestamps;
    const dispatch = (pass: GPUComputePassEncoder, s: Step) => {
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.bindGroup);
      pass.dispatchWorkgroups(s.workgroups[0], s.workgroups[1], s.workgroups[2]);
    };
    if (ts?.mode === 'kernels') {
      // One pass per kernel: timestamps are written at pass boundaries only.
      this.steps.forEach((s, i) => {
        const pass = encoder.beginComputePass({ timestampWrites: ts.passTimestamps(i) });
        dispatch(pass, s);
        pass.end();
      });
    } else {
      const pass = encoder.beginComputePass(ts ? { timestampWrites: ts.passTimestamps(0) } : undefined);
      for (const s of this.steps) dispatch(pass, s);
      pass.end();
    }
    ts?.resolve(encoder);
    plan.outputs.forEach((o, i) => {
      const rb = this.readbacks[i]!;
      encoder.copyBufferToBuffer(this.buffers[o.buffer]!, 0, rb, 0, rb.size);
    });
    device.queue.submit([encoder.finish()]);
    const err = await device.popErrorScope();
    if (err) throw new Error(`WebGPU validation error during run: ${err.message}`);

    await Promise.all([...this.readbacks.map((rb) => rb.mapAsync(MAP_MODE_READ)), ts?.map()]);
    if (ts) this.lastProfile = ts.read();
    const out: Record<string, OutputTensor> = {};
    plan.outputs.forEach((o, i) => {
      const rb = this.readbacks[i]!;
      const length = o.dims.reduce((a, b) => a * b, 1);
      out[o.name] = { data: fromDeviceWords(o.dtype, rb.getMappedRange(), length), dims: [...o.dims], dtype: o.dtype };
      rb.unmap();
    });
    this.stats.runs++;
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of [...this.buffers, ...this.readbacks]) b.destroy();
    this.timestamps?.destroy();
    this.timestamps = undefined;
    this.buffers = [];
    this.readbacks = [];
    this.steps = [];
    if (this.ownsDevice) this.device.destroy();
  }
}

/** Loads a plan and its weights (the bytes of weights.bin) onto a device. */
export async function createModel(plan: ModelPlan, weights: Uint8Array, options: CreateOptions = {}): Promise<Model> {
  const profile = profileMode(options.profile);
  const { device, owned } = await acquireDevice(plan, options.device, profile ? { optionalFeatures: ['timestamp-query'] } : {});
  const model = new LoadedModel(plan, device, owned, profile);
  try {
    await model.init(weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
