/**
 * The one GPUDevice a conformance run shares across all its tests (creating a device per test
 * would cost more than most tests), obtained like test/helpers/gpu.ts does: Dawn through the
 * `webgpu` package, limits raised to the adapter's. It also watches the device: uncaptured
 * WebGPU errors are collected so the test that caused them can be marked 'error', and a lost
 * device (or one left busy by a test that timed out on the GPU) is replaced by a fresh one, so one
 * bad test cannot take the rest of the run down with it.
 */

import { create, globals } from 'webgpu';

export class GpuSession {
  private uncaptured: string[] = [];
  private lost: string | undefined;
  private constructor(
    // The Dawn instance must outlive its devices: if it is garbage-collected, later async calls
    // abort the process (see test/helpers/gpu.ts).
    private readonly gpu: GPU,
    public device: GPUDevice,
    readonly adapterName: string,
  ) {
    this.watch(device);
  }

  static async open(): Promise<GpuSession> {
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const { device, name } = await requestDevice(gpu);
    return new GpuSession(gpu, device, name);
  }

  private watch(device: GPUDevice): void {
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      if (device === this.device) this.uncaptured.push(ev.error.message);
    };
    void device.lost.then((info) => {
      if (device === this.device) this.lost = info.message || String(info.reason);
    });
  }

  /** Why the device was lost, if it was. */
  get lostReason(): string | undefined {
    return this.lost;
  }

  /** Uncaptured errors since the last call (and forgets them). */
  takeUncaptured(): string[] {
    const errors = this.uncaptured;
    this.uncaptured = [];
    return errors;
  }

  /**
   * Replaces the device with a fresh one from a fresh adapter (an adapter gives out one device).
   * The old device is destroyed unless it may still be executing: destroying a device with work in
   * flight would wait on that work.
   */
  async renew(destroyOld: boolean): Promise<void> {
    const old = this.device;
    const { device } = await requestDevice(this.gpu);
    this.device = device;
    this.uncaptured = [];
    this.lost = undefined;
    this.watch(device);
    if (destroyOld) old.destroy();
  }

  close(): void {
    this.device.destroy();
  }
}

async function requestDevice(gpu: GPU): Promise<{ device: GPUDevice; name: string }> {
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter (on Linux without a GPU, install mesa-vulkan-drivers from bookworm-backports)');
  const info = adapter.info;
  const name = [info.description || info.device, info.vendor && `vendor ${info.vendor}`, info.architecture].filter(Boolean).join(', ');
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
    },
  });
  return { device, name };
}
