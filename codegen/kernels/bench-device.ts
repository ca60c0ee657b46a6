/**
 * The device the kernel micro-benchmarks (bench-matmul.ts, bench-conv.ts) time on: the default
 * adapter through Dawn, with subgroups when offered (for the subgroup-sharing GEMM and conv forms)
 * and the adapter's full storage limits, so the biggest shapes fit one binding.
 */

import { create, globals } from 'webgpu';

// Dawn's instance must outlive the device (a collected instance aborts later async calls).
let instance: GPU | undefined;

export async function requestBenchDevice(tool: string): Promise<{ adapter: GPUAdapter; device: GPUDevice }> {
  Object.assign(globalThis, globals);
  instance ??= create([]);
  const adapter = await instance.requestAdapter();
  if (!adapter) throw new Error(`${tool}: no WebGPU adapter`);
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('subgroups') ? ['subgroups'] : [],
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
  });
  return { adapter, device };
}
