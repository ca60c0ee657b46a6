/**
 * Benchmark of the matmul kernel on the local WebGPU adapter (not a test): times an M×K · K×N f32
 * product for the default tiling and any tilings given, reporting the median and best of several
 * runs in GFLOP/s, the CPU time the process used per run (on lavapipe the GPU is the CPU, so this
 * is a less load-dependent measure on a shared machine), and the first-dispatch time (shader
 * compile). Tilings are timed in interleaved rounds so that a drifting machine load hits all alike.
 *
 *   npx tsc -p tsconfig.json && node dist/codegen/kernels/bench-matmul.js [M N K] \
 *     [--reps 5] [--tiling '{"rows":4,"cols":4,"wgX":8,"wgY":8,"vec4":true}' ...] [--symbolic]
 *
 * The default tiling is the one matmul.ts picks for this adapter: with subgroups of 8+ lanes, the
 * subgroup-rows form (`"subgroupRows":true` in a tiling; gemm-core.ts), else the plain form.
 *
 * `--symbolic` compiles the kernel with M left symbolic (codegen/dims.ts: sizes read from the dims
 * table, a linearized grid), as for a model compiled for any batch·sequence, and binds the table
 * for the given M — to measure what the symbolic form costs against the static one.
 *
 * A later tuning stage does the same per device over a candidate set of tilings.
 */

import { requestBenchDevice } from './bench-device.js';
import { Graph } from '../../ir/graph.js';
import { DEFAULT_LIMITS, type CodegenContext } from '../kernel.js';
import { attachDims, dimTableWords, DimTable, withDimTable } from '../dims.js';
import { evalDim } from '../../ir/dim.js';
import { defaultGemmTiling, defaultSubgroupTiling, type GemmTiling } from './gemm-core.js';
import { matmulKernels } from './matmul.js';

interface Args {
  M: number;
  N: number;
  K: number;
  reps: number;
  tilings: GemmTiling[];
  symbolic: boolean;
}

function parseArgs(argv: string[]): Args {
  const sizes: number[] = [];
  const tilings: GemmTiling[] = [];
  let reps = 5;
  let symbolic = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--reps') reps = Number(argv[++i]);
    else if (a === '--symbolic') symbolic = true;
    else if (a === '--tiling') tilings.push(JSON.parse(argv[++i]!) as GemmTiling);
    else if (/^\d+$/.test(a)) sizes.push(Number(a));
    else throw new Error(`bench-matmul: unknown argument '${a}'`);
  }
  const [M = 1024, N = M, K = N] = sizes;
  return { M, N, K, reps, tilings, symbolic };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { adapter, device } = await requestBenchDevice('bench-matmul');
  const info = adapter.info;
  console.log(`adapter: ${info.vendor} ${info.architecture} ${info.device} ${info.description}`.trim());

  const { M, N, K, reps } = args;
  const g = new Graph();
  const a = g.addInput('a', { dtype: 'float32', shape: [args.symbolic ? 'm' : M, K] });
  const env = { m: M };
  const b = g.addInput('b', { dtype: 'float32', shape: [K, N] });
  g.add({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1 }, [a, b], 'matmul', [], false);
  const node = g.nodes[0]!;
  const ctx: CodegenContext = {
    limits: {
      ...DEFAULT_LIMITS,
      maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
      // The default tiling for this adapter: the subgroup form when it has subgroups of 8+ lanes.
      subgroupMinSize: device.features.has('subgroups') ? (info as GPUAdapterInfo & { subgroupMinSize?: number }).subgroupMinSize : undefined,
    },
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
  const Md = args.symbolic ? 'm' : M;
  // The default as matmul.ts chooses it (the subgroup form only where the layout allows it).
  const shared = defaultSubgroupTiling(Md, N, K, ctx.limits.subgroupMinSize);
  const tilings = [shared && K % 4 === 0 ? shared : defaultGemmTiling(Md, N, K), ...args.tilings];
  console.log(`matmul ${M}×${K} · ${K}×${N} (${(flop / 1e9).toFixed(2)} GFLOP)${args.symbolic ? ', M symbolic' : ''}, ${reps} interleaved reps`);

  // Compile every tiling first, then time them in interleaved rounds: on a shared machine the
  // load drifts over seconds, and interleaving spreads that drift over all candidates alike.
  const runs: { tiling: GemmTiling; run: () => Promise<{ ms: number; cpuMs: number }>; first: number; ms: number[]; cpu: number[] }[] = [];
  for (const tiling of tilings) {
    const table = new DimTable();
    const [kernel] = withDimTable(table, () => matmulKernels(node, ctx, tiling)).map(attachDims);
    const module = device.createShaderModule({ code: kernel!.wgsl });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buf, i) => ({ binding: i, resource: { buffer: buf } })),
    });
    // The dims table, for a kernel that reads it (a symbolic M).
    let dimsGroup: GPUBindGroup | undefined;
    if (kernel!.usesDims) {
      const words = dimTableWords(table.exprs, env);
      const buf = device.createBuffer({ size: words.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buf, 0, words);
      dimsGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(1), entries: [{ binding: 0, resource: { buffer: buf } }] });
    }
    const workgroups = kernel!.workgroups.map((d) => evalDim(d, env)) as [number, number, number];
    const run = async (): Promise<{ ms: number; cpuMs: number }> => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      if (dimsGroup) pass.setBindGroup(1, dimsGroup);
      pass.dispatchWorkgroups(...workgroups);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const cpu = process.cpuUsage(cpu0);
      return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    const first = await run(); // includes the driver's shader compile (lavapipe compiles lazily)
    runs.push({ tiling, run, first: first.ms, ms: [], cpu: [] });
  }
  for (let i = 0; i < reps; i++) {
    for (const r of runs) {
      const t = await r.run();
      r.ms.push(t.ms);
      r.cpu.push(t.cpuMs);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const r of runs) {
    const med = median(r.ms);
    const best = Math.min(...r.ms);
    console.log(
      `${JSON.stringify(r.tiling)}: median ${med.toFixed(1)} ms, ${(flop / med / 1e6).toFixed(2)} GFLOP/s; best ${(flop / best / 1e6).toFixed(2)} GFLOP/s` +
        ` (process CPU ${median(r.cpu).toFixed(0)} ms median, ${Math.min(...r.cpu).toFixed(0)} min per run; first run ${r.first.toFixed(0)} ms)`,
    );
  }
  for (const buf of buffers) buf.destroy();
  device.destroy();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
