/**
 * `compile --tune`: measure GEMM tilings on the actual adapter and keep the fastest per kernel
 * signature. The default tiling (codegen/kernels/gemm-core.ts `defaultGemmTiling`) is a heuristic
 * measured on lavapipe; the best block and workgroup shape differ per device (SIMD width, register
 * file, cache sizes), which only measuring tells.
 *
 * For every matmul node of the optimized graph (transformer projections, classifier heads,
 * batched attention products when not fused into attention), the tuner builds the same product on
 * fresh random operands, times each candidate tiling — the median of several submits, each of
 * several back-to-back dispatches so that submit overhead does not swamp small kernels — and
 * records the winner in the tuning cache (src/tune/cache.ts) under the adapter and the kernel's
 * signature. Signatures already in the cache are not measured again. Symbolic dims are measured
 * at the given binding (the `--max-dim` bounds, or the compile's reference sizes).
 *
 * The timing loop is generic (`tuneTargets`): a target names a node, its static operand dims,
 * candidate tilings and how to generate the node's kernels for one; convs (src/tune/conv.ts) go
 * through the same loop.
 */

import { evalDim } from '../../ir/dim.js';
import { Graph, Value, type Node } from '../../ir/graph.js';
import { DEFAULT_LIMITS, type CodegenContext, type DeviceLimits, type Kernel } from '../../codegen/kernel.js';
import type { KernelTiling } from '../../codegen/generate.js';
import { defaultGemmTiling, type GemmTiling } from '../../codegen/kernels/gemm-core.js';
import { matmulKernels } from '../../codegen/kernels/matmul.js';
import { attachDims, DimTable, withDimTable } from '../../codegen/dims.js';
import type { TuningCache, TuningEntry } from './cache.js';

/** What the tuner measures for one node: its static operand dims and op attributes. */
export interface MatmulTarget {
  node: Node;
  signature: string;
  dims: number[][];
}

/** The signature of a matmul: operand dims, transposes, dtypes (what a tiling's speed depends on). */
export function matmulSignature(node: Node, dims: number[][]): string {
  const op = node.op;
  if (op.kind !== 'matmul') throw new Error(`matmulSignature: node '${node.name}' is ${op.kind}`);
  const ops = dims.map((d, i) => `${node.inputs[i]!.type.dtype}[${d.join('x')}]`).join(',');
  return `matmul(${ops};tA=${op.transA ? 1 : 0};tB=${op.transB ? 1 : 0})`;
}

/** Matmul nodes of `graph`, with symbolic dims evaluated at `env`. */
export function matmulTargets(graph: Graph, env: Readonly<Record<string, number>>): MatmulTarget[] {
  const out: MatmulTarget[] = [];
  for (const node of graph.nodes) {
    if (node.op.kind !== 'matmul') continue;
    const dims = node.inputs.map((v) => v.type.shape.map((d) => evalDim(d, env)));
    out.push({ node, signature: matmulSignature(node, dims), dims });
  }
  return out;
}

/** What the device running the tuned kernels offers, as far as the candidates care. */
export interface CandidateOptions {
  /**
   * The device has the `subgroups` feature with a minimum subgroup size of at least 8: adds the
   * subgroup-rows form (gemm-core.ts), which shares A's row loads across a subgroup.
   */
  subgroups?: boolean;
}

/**
 * Candidate tilings for an M×N×K product: register blocks × workgroup shapes, default first, then
 * (with subgroups) the subgroup-rows blocks. Those keep a one-row workgroup of 8 or 16 lanes and
 * tall blocks: A's rows cost one load per subgroup, so rows are cheap and columns (B, loaded per
 * lane) are what the block should spend least on; measured on lavapipe at 1024³, 16×4 and 24×4
 * blocks ran at about twice the speed of the best plain tiling.
 */
export function gemmCandidates(M: number, N: number, K: number, options: CandidateOptions = {}): GemmTiling[] {
  const seen = new Set<string>();
  const out: GemmTiling[] = [];
  const add = (t: GemmTiling) => {
    const key = JSON.stringify(t);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  };
  add(defaultGemmTiling(M, N, K));
  for (const rows of [1, 2, 4, 8]) {
    if (rows > 1 && rows > M) continue;
    for (const cols of [4, 8]) {
      if (cols > 4 && cols > N) continue;
      for (const [wgX, wgY] of [
        [64, 1],
        [16, 4],
        [8, 8],
      ] as const) {
        add({ rows, cols, wgX, wgY, vec4: true });
      }
    }
  }
  // The subgroup form applies only when K is a multiple of 4 (A read as vec4 along k).
  if (options.subgroups && K % 4 === 0) {
    for (const [rows, cols, wgX] of [
      [8, 4, 8],
      [16, 4, 8],
      [16, 4, 16],
      [24, 4, 8],
      [8, 8, 8],
    ] as const) {
      if (rows > 8 && rows > M) continue;
      if (cols > 4 && cols > N) continue;
      add({ rows, cols, wgX, wgY: 1, vec4: true, subgroupRows: true });
    }
  }
  return out;
}

/**
 * One node to tune: its signature (the cache key), operand dims with symbols evaluated, the
 * candidate tilings (the heuristic default first: its time is the entry's `defaultMs`) and the
 * generator that turns the node and a candidate into kernels.
 */
export interface TuneTarget {
  node: Node;
  signature: string;
  dims: number[][];
  candidates: KernelTiling[];
  kernels: (node: Node, ctx: CodegenContext, tiling: KernelTiling) => Kernel[];
}

export interface TuneOptions {
  device: GPUDevice;
  adapter: string;
  cache: TuningCache;
  /** Timed submits per candidate (median taken); default 7. */
  reps?: number;
  limits?: DeviceLimits;
  /** Candidate tilings for an M×N×K matmul product; default `gemmCandidates` (with `subgroups`). */
  candidates?: (M: number, N: number, K: number) => GemmTiling[];
  /**
   * The device offers `subgroups` with a minimum subgroup size of at least 8 (and will run the
   * compiled model: the runtime requests the feature for kernels that use it).
   */
  subgroups?: boolean;
  /** Called before each candidate is measured and once at the end (done === total). */
  progress?: (done: number, total: number, label: string) => void;
}

export interface TuneResult {
  /** The tiling to use per node name (from the cache or measured now). */
  tilings: Map<string, KernelTiling>;
  measured: number;
  reused: number;
}

/** The tune targets of matmul nodes. */
export function matmulTuneTargets(targets: MatmulTarget[], opts: Pick<TuneOptions, 'candidates' | 'subgroups'> = {}): TuneTarget[] {
  const candidates = opts.candidates ?? ((M: number, N: number, K: number) => gemmCandidates(M, N, K, { subgroups: opts.subgroups }));
  return targets.map((t) => ({
    ...t,
    candidates: candidatesFor(t, candidates),
    kernels: (node: Node, ctx: CodegenContext, tiling: KernelTiling) => {
      if ('channels' in tiling) throw new Error(`matmul '${node.name}' was given a conv tiling`);
      return matmulKernels(node, ctx, tiling);
    },
  }));
}

/** Measures (or reuses) a tiling for every matmul target. */
export function tuneMatmuls(targets: MatmulTarget[], opts: TuneOptions): Promise<TuneResult> {
  return tuneTargets(matmulTuneTargets(targets, opts), opts);
}

/**
 * Measures (or reuses) a tiling for every target, one progress count per candidate across all of
 * them; saves the cache after each new signature (an interrupted tune keeps what it measured).
 */
export async function tuneTargets(targets: TuneTarget[], opts: TuneOptions): Promise<TuneResult> {
  const tilings = new Map<string, KernelTiling>();
  const bySignature = new Map<string, TuneTarget[]>();
  for (const t of targets) bySignature.set(t.signature, [...(bySignature.get(t.signature) ?? []), t]);
  const todo = [...bySignature.entries()].filter(([sig]) => !opts.cache.get(opts.adapter, sig));
  const total = todo.reduce((n, [, ts]) => n + ts[0]!.candidates.length, 0);
  let done = 0;
  let measured = 0;
  for (const [sig, ts] of todo) {
    const start = done;
    try {
      const entry = await measure(ts[0]!, opts, (label) => opts.progress?.(done++, total, label));
      opts.cache.set(opts.adapter, sig, entry);
      opts.cache.save();
      measured++;
    } catch (e) {
      // Too big to bind on this device: keep the heuristic (not cached, so a later tune retries).
      if (!(e instanceof TooLargeToMeasure)) throw e;
      done = start + ts[0]!.candidates.length;
    }
  }
  opts.progress?.(total, total, 'done');
  for (const [sig, ts] of bySignature) {
    const entry = opts.cache.get(opts.adapter, sig);
    for (const t of ts) if (entry) tilings.set(t.node.name, entry.tiling);
  }
  return { tilings, measured, reused: bySignature.size - todo.length };
}

/** M, N, K of a target (batch dims folded into M for the candidate filter only). */
function candidatesFor(t: MatmulTarget, candidates: (M: number, N: number, K: number) => GemmTiling[]): GemmTiling[] {
  const op = t.node.op as Extract<Node['op'], { kind: 'matmul' }>;
  const a = t.dims[0]!;
  const b = t.dims[1]!;
  const M = a.length >= 2 ? a[op.transA ? a.length - 1 : a.length - 2]! : 1;
  const K = a[op.transA ? a.length - 2 : a.length - 1] ?? a[0]!;
  const N = b.length >= 2 ? b[op.transB ? b.length - 2 : b.length - 1]! : 1;
  return candidates(M, N, K);
}

/**
 * A one-node copy of the target with static operand shapes. Constants stay constants (conv
 * weights are repacked at compile time, and the packed layout is what the kernel reads).
 */
function standalone(t: TuneTarget): Node {
  const g = new Graph();
  const inputs = t.node.inputs.map((v, i) => (v.data ? g.addConstant(`in${i}`, v.data) : g.addInput(`in${i}`, { dtype: v.type.dtype, shape: t.dims[i]! })));
  g.add(t.node.op, inputs, t.node.name, [], false);
  return g.nodes[0]!;
}

/** A target whose tensors exceed the device's storage binding size at the measured dims. */
class TooLargeToMeasure extends Error {}

/**
 * Times the node's kernels for each candidate on fresh random buffers. Only the last kernel is
 * timed: the GEMM or conv itself. A conv may first run a pad kernel (conv.ts), which is the same
 * copy for every candidate and is usually not run at all (the producer writes the padded layout).
 */
async function measure(t: TuneTarget, opts: TuneOptions, onCandidate: (label: string) => void): Promise<TuningEntry> {
  const { device } = opts;
  const node = standalone(t);
  let nextId = -1;
  const ctx: CodegenContext = {
    limits: opts.limits ?? { ...DEFAULT_LIMITS, maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension },
    // Scratch values (a padded copy, packed weights) get buffers like every other binding.
    scratch: (type, name) => new Value(nextId--, name, type),
  };
  const reps = opts.reps ?? 7;
  let inner = 0;
  const times: number[] = [];
  for (const tiling of t.candidates) {
    onCandidate(`${t.node.name} ${JSON.stringify(tiling)}`);
    const table = new DimTable();
    const kernels = withDimTable(table, () => t.kernels(node, ctx, tiling)).map(attachDims);
    const k = kernels[kernels.length - 1];
    if (!k || kernels.some((x) => x.usesDims)) throw new Error(`tuning '${t.node.name}': expected static kernels`);
    const sizes = [...k.inputs, ...k.outputs].map((v) => Math.max(1, v.type.shape.reduce<number>((a, d) => a * (d as number), 1)));
    if (sizes.some((n) => 4 * n > device.limits.maxStorageBufferBindingSize)) throw new TooLargeToMeasure(`'${t.node.name}' does not fit a binding`);
    const buffers = sizes.map((n) => {
      // STORAGE | COPY_DST as numbers: Node has no GPUBufferUsage global unless webgpu installs it.
      const buf = device.createBuffer({ size: 4 * n, usage: 0x80 | 0x08 });
      device.queue.writeBuffer(buf, 0, Float32Array.from({ length: n }, () => Math.random() - 0.5));
      return buf;
    });
    // A candidate the device rejects must fail loudly, not be timed as a fast no-op.
    device.pushErrorScope('validation');
    try {
      const module = device.createShaderModule({ code: k.wgsl });
      const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: buffers.map((buffer, i) => ({ binding: i, resource: { buffer } })),
      });
      const wg = k.workgroups as [number, number, number];
      const run = async (n: number): Promise<number> => {
        const t0 = performance.now();
        const enc = device.createCommandEncoder();
        const pass = enc.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        for (let i = 0; i < n; i++) pass.dispatchWorkgroups(...wg);
        pass.end();
        device.queue.submit([enc.finish()]);
        await device.queue.onSubmittedWorkDone();
        return (performance.now() - t0) / n;
      };
      await run(1); // the driver compiles lazily: the first run is not timed
      // Dispatches per submit: enough for about 20 ms, decided once on the default tiling.
      if (inner === 0) inner = Math.max(1, Math.min(64, Math.round(20 / Math.max(0.01, await run(1)))));
      const samples: number[] = [];
      for (let r = 0; r < reps; r++) samples.push(await run(inner));
      samples.sort((a, b) => a - b);
      times.push(samples[Math.floor(samples.length / 2)]!);
    } finally {
      const error = await device.popErrorScope();
      for (const b of buffers) b.destroy();
      if (error) throw new Error(`tuning '${t.node.name}' with ${JSON.stringify(tiling)}: ${error.message}`);
    }
  }
  let best = 0;
  times.forEach((ms, i) => {
    if (ms < times[best]!) best = i;
  });
  return { tiling: t.candidates[best]!, ms: times[best]!, defaultMs: times[0]!, candidates: t.candidates.length, measuredAt: new Date().toISOString() };
}
