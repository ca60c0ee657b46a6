/**
 * Benchmark of the matmul kernel on the local WebGPU adapter (not a test): times an M×K · K×N f32
 * product for the default tiling and any tilings given, reporting the best of several runs in
 * GFLOP/s, the CPU time the process used per run (on lavapipe the GPU is the CPU, so this is a
 * load-independent measure on a shared machine), and the first-dispatch time (shader compile).
 *
 *   npx tsc -p tsconfig.json && node dist/codegen/kernels/bench-matmul.js [M N K] \
 *     [--reps 5] [--tiling '{"rows":4,"cols":4,"wgX":8,"wgY":8,"vec4":true}' ...]
 *
 * A later tuning stage does the same per device over a candidate set of tilings.
 */

import { create, globals } from 'webgpu';
import { Graph } from '../../ir/graph.js';
import { DEFAULT_LIMITS, type CodegenContext } from '../kernel.js';
import { defaultGemmTiling, type GemmTiling } from './gemm-core.js';
import { matmulKernels } from './matmul.js';

interface Args {
  M: number;
  N: number;
  K: number;
  reps: number;
  tilings: GemmTiling[];
}

function parseArgs(argv: string[]): Args {
  const sizes: number[] = [];
  const tilings: GemmTiling[] = [];
  let reps = 5;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--reps') reps = Number(argv[++i]);
    else if (a === '--tiling') tilings.push(JSON.parse(argv[++i]!) as GemmTiling);
    else if (/^\d+$/.test(a)) sizes.push(Number(a));
    else throw new Error(`bench-matmul: unknown argument '${a}'`);
  }
  const [M = 1024, N = M, K = N] = sizes;
  return { M, N, K, reps, tilings };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('bench-matmul: no WebGPU adapter');
  const device = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
  });
  const info = adapter.info;
  console.log(`adapter: ${info.vendor} ${info.architecture} ${info.device} ${info.description}`.trim());

  const { M, N, K, reps } = args;
  const g = new Graph();
  const a = g.addInput('a', { dtype: 'float32', shape: [M, K] });
  const b = g.addInput('b', { dtype: 'float32', shape: [K, N] });
  g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [a, b], 'matmul', [], false);
  const node = g.nodes[0]!;
  const ctx: CodegenContext = {
    limits: { ...DEFAULT_LIMITS, maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension },
    scratch: () => {
      throw new Error('matmul needs no scratch');
    },
  };

  const buffer = (n: number, fill: boolean): GPUBuffer => {
    const buf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    if (fill) device.queue.writeBuffer(buf, 0, Float32Array.from({ length: n }, () => Math.random() - 0.5));
    return buf;
  };
  const buffers = [buffer(M * K, true), buffer(K * N, true), buffer(M * N, false)];
  const flop = 2 * M * N * K;
  const tilings = [defaultGemmTiling(M, N, K), ...args.tilings];
  console.log(`matmul ${M}×${K} · ${K}×${N} (${(flop / 1e9).toFixed(2)} GFLOP), best of ${reps}`);

  for (const tiling of tilings) {
    const [kernel] = matmulKernels(node, ctx, tiling);
    const module = device.createShaderModule({ code: kernel!.wgsl });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buf, i) => ({ binding: i, resource: { buffer: buf } })),
    });
    const run = async (): Promise<{ ms: number; cpuMs: number }> => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...(kernel!.workgroups as [number, number, number]));
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const cpu = process.cpuUsage(cpu0);
      return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    const first = await run(); // includes the driver's shader compile (lavapipe compiles lazily)
    let best = Infinity;
    let bestCpu = Infinity;
    for (let i = 0; i < reps; i++) {
      const r = await run();
      best = Math.min(best, r.ms);
      bestCpu = Math.min(bestCpu, r.cpuMs);
    }
    console.log(
      `${JSON.stringify(tiling)}: ${best.toFixed(1)} ms, ${(flop / best / 1e6).toFixed(2)} GFLOP/s` +
        ` (process CPU ${bestCpu.toFixed(0)} ms per run; first run ${first.ms.toFixed(0)} ms)`,
    );
  }
  for (const buf of buffers) buf.destroy();
  device.destroy();
  void gpu;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
