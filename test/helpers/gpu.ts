/**
 * Test harness that runs codegen kernels directly on the WebGPU device, without the planner or the
 * emitted runtime: every value a kernel touches gets its own buffer, constants and feeds are
 * uploaded, every kernel output buffer is first filled with a poison pattern (NaN for floats,
 * 0x7fffffff-ish sentinels for integers) so elements a kernel fails to write show up as errors.
 *
 * A missing WebGPU adapter throws: on CI that must fail the run, never skip.
 */

import { create, globals } from 'webgpu';
import type { Kernel } from '../../codegen/kernel.js';
import type { Tensor, Value } from '../../ir/graph.js';
import { evalDim } from '../../ir/dim.js';
import { DimTable, dimTableWords } from '../../codegen/dims.js';
import type { KernelPlan } from '../../codegen/generate.js';
import { toDeviceWords, fromDeviceWords, type ElemType } from '../../runtime/convert.js';

let devicePromise: Promise<GPUDevice> | undefined;
// The Dawn instance must outlive the device: if it is garbage-collected, later async calls
// (createComputePipelineAsync) abort the process with "std::system_error: Invalid argument".
let gpuInstance: GPU | undefined;

export function getDevice(): Promise<GPUDevice> {
  devicePromise ??= (async () => {
    Object.assign(globalThis, globals);
    const gpu = create([]);
    gpuInstance = gpu;
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter (install mesa-vulkan-drivers from bookworm-backports)');
    const device = await adapter.requestDevice({
      // Subgroups when offered: kernels tuned to share loads across a subgroup need them.
      requiredFeatures: adapter.features.has('subgroups') ? ['subgroups'] : [],
      requiredLimits: {
        maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    });
    return device;
  })();
  return devicePromise;
}

let plainDevicePromise: Promise<GPUDevice> | undefined;

/**
 * A second device on the same adapter with no optional features (no subgroups) and default
 * limits, as a browser page that asks for nothing gets: for the fallback paths.
 */
export function getPlainDevice(): Promise<GPUDevice> {
  plainDevicePromise ??= (async () => {
    await getDevice();
    const adapter = await gpuInstance!.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter (install mesa-vulkan-drivers from bookworm-backports)');
    return adapter.requestDevice();
  })();
  return plainDevicePromise;
}

/** Pipelines by WGSL source, as the runtime caches them: lavapipe compiles each shader once. */
const pipelines = new Map<string, GPUComputePipeline>();

const POISON_F32 = 0x7fc00000; // quiet NaN bits
const POISON_INT = 0x7eadbeef;

/** For kernels generated with symbolic dims: the table they read and the symbols' values. */
export interface SymbolicRun {
  table: DimTable;
  env: Record<string, number>;
}

/**
 * Runs `kernels` in order. `feeds` gives host data for non-constant inputs; constants come from
 * Value.data. Returns the host tensors of every value written by some kernel. With `symbolic`,
 * value sizes and dispatch counts are evaluated for `env` and kernels marked `usesDims` get the
 * table's uniform buffer at @group(1), as the runtime does.
 */
export async function runKernels(kernels: Kernel[], feeds: Map<Value, Tensor>, symbolic?: SymbolicRun): Promise<Map<Value, Tensor>> {
  const device = await getDevice();
  const env = symbolic?.env ?? {};
  const dimsOfValue = (v: Value): number[] => v.type.shape.map((d) => evalDim(d, env));
  const numel = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  let dimsBuffer: GPUBuffer | undefined;
  if (symbolic) {
    const words = dimTableWords(symbolic.table.exprs, env);
    dimsBuffer = device.createBuffer({ size: words.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(dimsBuffer, 0, words);
  }
  const buffers = new Map<Value, GPUBuffer>();
  const written = new Set<Value>();
  for (const k of kernels) k.outputs.forEach((v) => written.add(v));

  const bufferFor = (v: Value): GPUBuffer => {
    let b = buffers.get(v);
    if (b) return b;
    const n = numel(dimsOfValue(v));
    b = device.createBuffer({
      size: Math.max(4, n * 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const host = feeds.get(v) ?? v.data;
    if (host && !written.has(v)) {
      const words = toDeviceWords(v.type.dtype as ElemType, host.data, v.name);
      device.queue.writeBuffer(b, 0, words.buffer, words.byteOffset, words.byteLength);
    } else if (written.has(v)) {
      const poison = new Uint32Array(Math.max(1, n)).fill(v.type.dtype.startsWith('float') ? POISON_F32 : POISON_INT);
      device.queue.writeBuffer(b, 0, poison);
    } else {
      throw new Error(`runKernels: value '${v.name}' is read but neither fed, constant, nor written`);
    }
    buffers.set(v, b);
    return b;
  };

  const enc = device.createCommandEncoder();
  device.pushErrorScope('validation');
  for (const k of kernels) {
    let pipeline = pipelines.get(k.wgsl);
    if (!pipeline) {
      const module = device.createShaderModule({ code: k.wgsl });
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length) {
        throw new Error(`WGSL of ${k.name} failed to compile:\n${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}\n${k.wgsl}`);
      }
      pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      pipelines.set(k.wgsl, pipeline);
    }
    const all = [...k.inputs, ...k.outputs];
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: all.map((v, i) => ({ binding: i, resource: { buffer: bufferFor(v) } })),
    });
    const workgroups = k.workgroups.map((d) => evalDim(d, env)) as [number, number, number];
    if (workgroups.some((w) => w === 0)) continue;
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    if (k.usesDims) {
      if (!dimsBuffer) throw new Error(`runKernels: kernel ${k.name} reads the dims table but no symbolic run was given`);
      pass.setBindGroup(1, device.createBindGroup({ layout: pipeline.getBindGroupLayout(1), entries: [{ binding: 0, resource: { buffer: dimsBuffer } }] }));
    }
    pass.dispatchWorkgroups(...workgroups);
    pass.end();
  }
  const readbacks: [Value, GPUBuffer][] = [];
  for (const v of written) {
    const src = bufferFor(v);
    const rb = device.createBuffer({ size: src.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    enc.copyBufferToBuffer(src, 0, rb, 0, src.size);
    readbacks.push([v, rb]);
  }
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`WebGPU validation error: ${err.message}`);

  const out = new Map<Value, Tensor>();
  for (const [v, rb] of readbacks) {
    await rb.mapAsync(GPUMapMode.READ);
    const dims = dimsOfValue(v);
    const data = fromDeviceWords(v.type.dtype as ElemType, rb.getMappedRange(), numel(dims));
    rb.unmap();
    rb.destroy();
    out.set(v, { dtype: v.type.dtype, dims: [...dims], data });
  }
  for (const b of buffers.values()) b.destroy();
  dimsBuffer?.destroy();
  return out;
}

/**
 * A generated plan's kernels as `runKernels` takes them: reshape views resolved to the value whose
 * buffer they share (as the memory planner does), and the plan's dims table for symbolic runs.
 */
export function runnablePlan(plan: KernelPlan): { kernels: Kernel[]; root: (v: Value) => Value; table: DimTable } {
  const root = (v: Value): Value => {
    let r = v;
    while (plan.views.has(r)) r = plan.views.get(r)!;
    return r;
  };
  const table = new DimTable();
  for (const e of plan.dims) table.slot(e);
  const kernels = plan.kernels.map((k) => ({ ...k, inputs: k.inputs.map(root), outputs: k.outputs.map(root) }));
  return { kernels, root, table };
}
