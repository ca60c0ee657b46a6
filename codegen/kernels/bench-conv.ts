/**
 * Benchmark of the conv kernels on the local WebGPU adapter (not a test): builds one conv node
 * with constant weights, generates its kernels for the default tilings and any given, and times
 * the conv kernel alone (a pad kernel, when there is one, runs once beforehand and is not timed),
 * reporting the best of several runs in GFLOP/s and the first-dispatch time (lavapipe compiles
 * shaders lazily, so that is mostly compile time).
 *
 *   npx tsc -p . && node dist/codegen/kernels/bench-conv.js N C H W M k [stride pad group] \
 *     [--reps 5] [--tilings '{"conv2d":{"channels":8,"pixels":8,"wgX":64,"wgY":1,"unroll":1,"subgroupWeights":true}}' ...]
 *
 * BENCH_CONV_WGSL=1 prints each conv kernel's WGSL.
 *
 * The shapes that dominate the zoo: resnet18's 3×3 convs (1 64 56 56 64 3 1 1), mobilenet's
 * depthwise ones (1 96 112 112 96 3 2 1 96), squeezenet's expand3x3 (1 32 54 54 128 3 1 1).
 */

import { requestBenchDevice } from './bench-device.js';
import { Graph, type Value } from '../../ir/graph.js';
import type { Op } from '../../ir/ops.js';
import { DEFAULT_LIMITS, type CodegenContext, type Kernel } from '../kernel.js';
import { convKernels, type ConvTilings } from './conv.js';

interface Args {
  sizes: number[];
  reps: number;
  tilings: ConvTilings[];
}

function parseArgs(argv: string[]): Args {
  const sizes: number[] = [];
  const tilings: ConvTilings[] = [{}];
  let reps = 5;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--reps') reps = Number(argv[++i]);
    else if (a === '--tilings') tilings.push(JSON.parse(argv[++i]!) as ConvTilings);
    else if (/^\d+$/.test(a)) sizes.push(Number(a));
    else throw new Error(`bench-conv: unknown argument '${a}'`);
  }
  return { sizes, reps, tilings };
}

async function main(): Promise<void> {
  const { sizes, reps, tilings } = parseArgs(process.argv.slice(2));
  const [N = 1, C = 64, H = 56, W = 56, M = 64, k = 3, stride = 1, pad = 1, group = 1] = sizes;
  const { adapter, device } = await requestBenchDevice('bench-conv');

  const g = new Graph();
  const x = g.addInput('x', { dtype: 'float32', shape: [N, C, H, W] });
  const wDims = [M, C / group, k, k];
  const wData = Float32Array.from({ length: wDims.reduce((a, b) => a * b, 1) }, () => Math.random() - 0.5);
  const w = g.addConstant('w', { dtype: 'float32', dims: wDims, data: wData });
  const b = g.addConstant('b', { dtype: 'float32', dims: [M], data: Float32Array.from({ length: M }, () => Math.random()) });
  const op: Op = { kind: 'conv', group, strides: [stride, stride], dilations: [1, 1], pads: [pad, pad, pad, pad] };
  g.add(op, [x, w, b], 'conv', [], false);
  const node = g.nodes[g.nodes.length - 1]!;
  const scratchGraph = new Graph();
  let n = 0;
  const ctx: CodegenContext = {
    limits: { ...DEFAULT_LIMITS, maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension },
    scratch: (type, name) => scratchGraph.addInput(`${name}_${n++}`, type),
  };
  const OH = Math.floor((H + 2 * pad - k) / stride) + 1;
  const OW = Math.floor((W + 2 * pad - k) / stride) + 1;
  const flop = 2 * N * M * OH * OW * (C / group) * k * k;
  console.log(`conv N${N} C${C} ${H}×${W} → M${M} k${k} s${stride} p${pad} g${group} (${(flop / 1e6).toFixed(1)} MFLOP), best of ${reps}`);

  const buffers = new Map<Value, GPUBuffer>();
  const bufferFor = (v: Value): GPUBuffer => {
    let buf = buffers.get(v);
    if (buf) return buf;
    const count = v.type.shape.reduce<number>((a, d) => a * (d as number), 1);
    buf = device.createBuffer({ size: Math.max(4, count * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    const data = v.data ? Float32Array.from(v.data.data as ArrayLike<number>) : Float32Array.from({ length: count }, () => Math.random() - 0.5);
    device.queue.writeBuffer(buf, 0, data);
    buffers.set(v, buf);
    return buf;
  };
  const prepare = async (kernel: Kernel) => {
    const module = device.createShaderModule({ code: kernel.wgsl });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [...kernel.inputs, ...kernel.outputs].map((v, i) => ({ binding: i, resource: { buffer: bufferFor(v) } })),
    });
    return async (): Promise<{ ms: number; cpuMs: number }> => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...(kernel.workgroups as [number, number, number]));
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const cpu = process.cpuUsage(cpu0);
      return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
  };

  for (const tiling of tilings) {
    const kernels = convKernels(node, ctx, tiling);
    for (const pre of kernels.slice(0, -1)) await (await prepare(pre))();
    if (process.env.BENCH_CONV_WGSL) console.log(kernels[kernels.length - 1]!.wgsl);
    const run = await prepare(kernels[kernels.length - 1]!);
    const first = await run();
    let best = Infinity;
    let bestCpu = Infinity;
    for (let i = 0; i < reps; i++) {
      const r = await run();
      best = Math.min(best, r.ms);
      bestCpu = Math.min(bestCpu, r.cpuMs);
    }
    // On lavapipe the "GPU" is this process's threads: its CPU time is a load-independent measure.
    console.log(
      `${JSON.stringify(tiling)}: ${best.toFixed(2)} ms, ${(flop / best / 1e6).toFixed(2)} GFLOP/s` +
        ` (process CPU ${bestCpu.toFixed(1)} ms per run; first run ${first.ms.toFixed(0)} ms)`,
    );
  }
  for (const buf of buffers.values()) buf.destroy();
  device.destroy();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
