/**
 * `onnx-wgsl profile MODEL.onnx`: where the GPU time of one inference goes. The model is compiled
 * in memory and loaded with `profile: 'kernels'` (every kernel in its own compute pass between
 * two timestamps, runtime/profile.ts), run `warmup` + `runs` times on seeded inputs, and each
 * kernel's median time is set against its estimated FLOPs and bound bytes (kernel-cost.ts) for
 * achieved GFLOP/s and GB/s. Output: a table sorted by time, a per-op summary, `--json`, and
 * `--out report.html`, a self-contained bar chart (profile-html.ts).
 *
 * Kernel times add up to a little less than the GPU span of a run (pass boundaries) and much
 * less than the end-to-end time on a slow host path; all three are reported so the gap shows.
 */

import { writeFileSync } from 'node:fs';
import { createModel } from '../../runtime/index.js';
import { compileModel } from '../compile.js';
import { UsageError } from '../errors.js';
import { describeAdapter, prepareModel } from './bench.js';
import type { Io } from './io.js';
import { kernelCosts } from './kernel-cost.js';
import type { Range } from './options.js';
import { renderProfileHtml, si } from './profile-html.js';
import { toFeeds } from './session.js';
import { quantile, summarize, timeRuns, type TimingStats } from './stats.js';
import { zooEntryFor } from './zoo.js';

export interface ProfileOptions {
  runs: number;
  warmup: number;
  seed: number;
  dims: Record<string, number>;
  ranges: Map<string, Range>;
  json: boolean;
  /** Write the HTML chart here. */
  out?: string;
}

export interface KernelProfile {
  name: string;
  op: string;
  /** Median GPU time over the runs, ms. */
  ms: number;
  /** Share of the summed kernel time, 0..1. */
  share: number;
  /** Estimated operations (null when the kernel's node is unknown). */
  flops: number | null;
  /** Bytes bound (inputs + outputs). */
  bytes: number;
  gflops: number | null;
  gbps: number;
}

export interface OpProfile {
  op: string;
  kernels: number;
  ms: number;
  share: number;
}

export interface ProfileResult {
  model: string;
  adapter: string;
  runs: number;
  warmup: number;
  dims: Record<string, number>;
  /** Host inputs in → host outputs out, of the profiled runs (one pass per kernel), ms. */
  e2e: TimingStats;
  /** First kernel start → last kernel end, per run, ms. */
  gpuSpan: TimingStats;
  /** Sum of the per-kernel medians, ms. */
  kernelSumMs: number;
  flops: number;
  bytes: number;
  /** Sorted by time, slowest first. */
  kernels: KernelProfile[];
  /** Time per op kind, slowest first. */
  ops: OpProfile[];
}

export async function profileModel(path: string, opts: ProfileOptions): Promise<ProfileResult> {
  const { name, model, dims, inputs } = prepareModel(path, zooEntryFor(path), opts);
  const compiled = compileModel(model, name, { dims });
  const loaded = await createModel(compiled.plan, compiled.weights, { profile: 'kernels' });
  const adapter = describeAdapter(loaded.device);
  const perKernel: number[][] = compiled.plan.kernels.map(() => []);
  const spans: number[] = [];
  let e2e: number[];
  try {
    const feeds = toFeeds(inputs);
    let timed = -opts.warmup;
    e2e = await timeRuns(async () => {
      await loaded.run(feeds);
      if (timed++ < 0) return; // warm-up runs are not recorded
      const p = loaded.lastProfile!;
      p.kernels.forEach((k, i) => perKernel[i]!.push(k.durationNs / 1e6));
      spans.push(p.gpuNs / 1e6);
    }, opts.warmup, opts.runs);
  } finally {
    // createModel made the device, so dispose() destroys it too.
    loaded.dispose();
  }
  const costs = kernelCosts(compiled.plan, compiled.graph);
  const medians = perKernel.map((xs) => quantile(xs, 0.5));
  const kernelSumMs = medians.reduce((a, b) => a + b, 0);
  const kernels: KernelProfile[] = costs.map((c, i) => {
    const ms = medians[i]!;
    const seconds = ms / 1e3;
    return {
      name: c.name,
      op: c.op,
      ms,
      share: kernelSumMs > 0 ? ms / kernelSumMs : 0,
      flops: c.flops,
      bytes: c.bytes,
      gflops: c.flops === null || seconds <= 0 ? null : c.flops / seconds / 1e9,
      gbps: seconds <= 0 ? 0 : c.bytes / seconds / 1e9,
    };
  });
  const byOp = new Map<string, OpProfile>();
  for (const k of kernels) {
    const o = byOp.get(k.op) ?? { op: k.op, kernels: 0, ms: 0, share: 0 };
    o.kernels++;
    o.ms += k.ms;
    o.share += k.share;
    byOp.set(k.op, o);
  }
  return {
    model: name,
    adapter,
    runs: opts.runs,
    warmup: opts.warmup,
    dims,
    e2e: summarize(e2e),
    gpuSpan: summarize(spans),
    kernelSumMs,
    flops: costs.reduce((n, c) => n + (c.flops ?? 0), 0),
    bytes: costs.reduce((n, c) => n + c.bytes, 0),
    kernels: [...kernels].sort((a, b) => b.ms - a.ms),
    ops: [...byOp.values()].sort((a, b) => b.ms - a.ms),
  };
}

export function formatProfileText(r: ProfileResult): string[] {
  const f3 = (x: number) => x.toFixed(3);
  const header = ['#', 'kernel', 'op', 'ms', '%', 'FLOP', 'GFLOP/s', 'bytes', 'GB/s'];
  const rows = r.kernels.map((k, i) => [
    String(i + 1),
    k.name,
    k.op,
    f3(k.ms),
    (100 * k.share).toFixed(1),
    k.flops === null ? '?' : si(k.flops).trim(),
    k.gflops === null ? '?' : k.gflops.toFixed(2),
    `${si(k.bytes)}B`,
    k.gbps.toFixed(2),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const left = new Set([1, 2]);
  const line = (row: string[]) => row.map((s, c) => (left.has(c) ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ').trimEnd();
  const rate = r.kernelSumMs > 0 ? (r.flops / (r.kernelSumMs / 1e3) / 1e9).toFixed(2) : '?';
  return [
    `profile ${r.model} on ${r.adapter}: median of ${r.runs} runs after ${r.warmup} warm-up`,
    `  ${r.kernels.length} kernels, sum ${f3(r.kernelSumMs)} ms; GPU span ${f3(r.gpuSpan.median)} ms; end to end ${f3(r.e2e.median)} ms (one pass per kernel)`,
    `  ${si(r.flops)}FLOP estimated, ${rate} GFLOP/s over the kernel time; ${si(r.bytes)}B bound`,
    line(header),
    ...rows.map(line),
    'by op:',
    ...r.ops.map((o) => `  ${o.op.padEnd(20)} ${String(o.kernels).padStart(4)} kernels  ${f3(o.ms).padStart(10)} ms  ${(100 * o.share).toFixed(1).padStart(5)}%`),
  ];
}

export async function profileCommand(path: string, opts: ProfileOptions, io: Io): Promise<number> {
  if (opts.out !== undefined && !/\.html?$/i.test(opts.out)) throw new UsageError(`--out ${opts.out}: the chart is HTML; name the file .html`);
  const r = await profileModel(path, opts);
  if (opts.json) io.out(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2));
  else for (const l of formatProfileText(r)) io.out(l);
  if (opts.out !== undefined) {
    writeFileSync(opts.out, renderProfileHtml(r));
    io.err(`wrote ${opts.out}`);
  }
  return 0;
}
