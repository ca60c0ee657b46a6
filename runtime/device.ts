/**
 * Getting a GPUDevice that can run a plan: the caller's own device, `navigator.gpu` in browsers, or
 * the `webgpu` package (Dawn) in Node, imported lazily so browsers never see it. The device is
 * requested with its limits raised to what the plan needs, and a plan that needs more than the
 * adapter offers fails here, at load, naming the tensor or kernel that does not fit — not later as
 * an opaque validation error in the middle of a run.
 *
 * Symbolic sizes are checked here at the declared upper bounds (`maxDims`) when every symbol they
 * use has one; the others only have a size per run, where the model checks them (model.ts). A
 * device the runtime requests for such a plan gets the adapter's largest buffer limits.
 */

import { dimSymbols, evalDim } from './dim-expr.js';
import { DeviceLimitError, ModelLoadError } from './errors.js';
import type { ModelPlan, PlanDim } from './plan.js';

export interface AcquiredDevice {
  device: GPUDevice;
  /** True when the runtime created the device (and so destroys it on dispose). */
  owned: boolean;
}

/** The subset of GPUSupportedLimits the plan is checked against. */
type LimitsLike = Pick<
  GPUSupportedLimits,
  'maxStorageBufferBindingSize' | 'maxBufferSize' | 'maxStorageBuffersPerShaderStage' | 'maxComputeWorkgroupsPerDimension'
>;

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Throws DeviceLimitError when the plan needs more than `limits`; `where` names the device. */
/** The value of `d` at the plan's upper bounds, or undefined when a symbol it uses has none. */
export function atMaxDims(plan: Pick<ModelPlan, 'maxDims'>, d: PlanDim): number | undefined {
  const maxDims = plan.maxDims ?? {};
  return dimSymbols(d).every((s) => s in maxDims) ? evalDim(d, maxDims) : undefined;
}

/** Whether some buffer's size is symbolic without a bound on every symbol it uses. */
export function hasUnboundedSizes(plan: Pick<ModelPlan, 'buffers' | 'maxDims'>): boolean {
  return plan.buffers.some((b) => atMaxDims(plan, b.size) === undefined);
}

export function checkLimits(plan: ModelPlan, limits: LimitsLike, where: string): void {
  const maxTensor = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  const bounds = plan.symbols?.length ? ` at the declared maximum dims (${Object.entries(plan.maxDims ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
  for (const b of plan.buffers) {
    const size = atMaxDims(plan, b.size);
    if (size !== undefined && size > maxTensor) {
      const which = size > limits.maxStorageBufferBindingSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
      throw new DeviceLimitError(
        `tensor ${b.label} needs a ${mb(size)} buffer${typeof b.size === 'string' ? bounds : ''} but ${where}'s ${which} is ${mb(limits[which])}`,
      );
    }
  }
  for (const k of plan.kernels) {
    const bindings = k.inputs.length + k.outputs.length;
    if (bindings > limits.maxStorageBuffersPerShaderStage) {
      throw new DeviceLimitError(
        `kernel '${k.name}' binds ${bindings} storage buffers but ${where} allows ${limits.maxStorageBuffersPerShaderStage} per shader stage`,
      );
    }
    const big = k.workgroups.map((d) => atMaxDims(plan, d)).find((n) => n !== undefined && n > limits.maxComputeWorkgroupsPerDimension);
    if (big !== undefined) {
      throw new DeviceLimitError(
        `kernel '${k.name}' dispatches ${big} workgroups in one dimension but ${where} allows ${limits.maxComputeWorkgroupsPerDimension}`,
      );
    }
  }
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * Dawn's GPU object in Node, created once per process: every model that requests its own device
 * shares it, since several Dawn instances alive at once have crashed the process on lavapipe.
 */
let nodeGpu: Promise<GPU> | undefined;

async function createNodeGpu(): Promise<GPU> {
  let webgpu: { create(options: string[]): GPU };
  try {
    webgpu = await import('webgpu');
  } catch (e) {
    throw new ModelLoadError(
      `WebGPU in Node needs the 'webgpu' package (npm install webgpu), or pass { device } to load(): ${(e as Error).message}`,
    );
  }
  // Dawn rounds timestamps to a few microseconds by default (a browser's defence against timing
  // attacks); a native process profiling its own kernels wants them exact.
  return webgpu.create(['disable-dawn-features=timestamp_quantization']);
}

/** navigator.gpu where the platform has it, else Dawn through the `webgpu` package in Node. */
async function getGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode()) throw new ModelLoadError('WebGPU is not available here (navigator.gpu is undefined)');
  nodeGpu ??= createNodeGpu();
  nodeGpu.catch(() => (nodeGpu = undefined)); // a failed import may be fixed by the next call
  return nodeGpu;
}

/** Whether WGSL enables the subgroups extension (it must come first, before any declaration). */
export function usesSubgroups(wgsl: string): boolean {
  return wgsl.startsWith('enable subgroups;');
}

/** Smallest number of lanes a subgroup-sharing kernel needs (gemm-core.ts SUBGROUP_ROW_LANES). */
const SUBGROUP_MIN_LANES = 8;

/**
 * The plan to run on `device`: each kernel with a subgroup-free fallback takes it unless the device
 * has subgroups of at least 8 lanes (the adapter's subgroupMinSize, where the platform reports it;
 * a device without it reported is trusted as having enabled the feature).
 */
export function planForDevice(plan: ModelPlan, device: GPUDevice): ModelPlan {
  if (!plan.kernels.some((k) => k.fallback)) return plan;
  const info = (device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number } }).adapterInfo;
  const usable = device.features.has('subgroups') && (info?.subgroupMinSize ?? SUBGROUP_MIN_LANES) >= SUBGROUP_MIN_LANES;
  if (usable) return plan;
  return { ...plan, kernels: plan.kernels.map((k) => (k.fallback ? { ...k, shader: k.fallback.shader, workgroups: k.fallback.workgroups } : k)) };
}

/** The platform's default WebGPU adapter (the same shared GPU object models load through). */
export async function requestDefaultAdapter(): Promise<GPUAdapter> {
  const adapter = await (await getGpu()).requestAdapter();
  if (!adapter) throw new ModelLoadError('no WebGPU adapter is available (on Linux without a GPU, install Mesa lavapipe)');
  return adapter;
}

export interface DeviceRequest {
  /** Optional features to enable when the adapter offers them (e.g. 'timestamp-query' for profiling). */
  optionalFeatures?: readonly GPUFeatureName[];
}

/**
 * Returns `given` after checking it can run the plan, or requests a fresh device that can, with
 * those of `request.optionalFeatures` the adapter has (the caller checks `device.features`).
 */
export async function acquireDevice(plan: ModelPlan, given?: GPUDevice, request: DeviceRequest = {}): Promise<AcquiredDevice> {
  // Kernels that share loads across a subgroup (codegen/kernels/gemm-core.ts) want subgroups; one
  // without a subgroup-free fallback (a tuned tiling) needs them.
  const subgroupKernels = plan.kernels.filter((k) => usesSubgroups(plan.shaders[k.shader]!));
  const needsSubgroups = subgroupKernels.some((k) => !k.fallback);
  const wantsSubgroups = subgroupKernels.length > 0;
  if (given) {
    checkLimits(plan, given.limits, 'the given device');
    if (needsSubgroups && !given.features.has('subgroups')) {
      throw new ModelLoadError("this model was compiled (tuned) for WebGPU subgroups: request the 'subgroups' feature on the given device");
    }
    return { device: given, owned: false };
  }
  const gpu = await getGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new ModelLoadError('no WebGPU adapter is available (on Linux without a GPU, install Mesa lavapipe)');
  checkLimits(plan, adapter.limits, 'this adapter');
  // Ask for what the plan needs; values below WebGPU's defaults are raised to them by the API.
  // Sizes known only per run may need anything up to what the adapter offers.
  const unbounded = hasUnboundedSizes(plan);
  if (needsSubgroups && !adapter.features.has('subgroups')) {
    throw new ModelLoadError('this model was compiled (tuned) for WebGPU subgroups, which this adapter does not offer');
  }
  const device = await adapter.requestDevice({
    requiredFeatures: [
      ...(wantsSubgroups && adapter.features.has('subgroups') ? ['subgroups' as GPUFeatureName] : []),
      ...(request.optionalFeatures ?? []).filter((f) => adapter.features.has(f)),
    ],
    requiredLimits: {
      maxStorageBufferBindingSize: unbounded ? adapter.limits.maxStorageBufferBindingSize : plan.limits.maxStorageBufferBindingSize,
      maxBufferSize: unbounded ? adapter.limits.maxBufferSize : plan.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: plan.limits.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupsPerDimension: plan.limits.maxComputeWorkgroupsPerDimension,
    },
  });
  return { device, owned: true };
}
