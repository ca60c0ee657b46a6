/**
 * `onnx-wgsl bench MODEL.onnx` and `bench --zoo DIR`: latency of our compiled model against
 * onnxruntime-node's WebGPU and CPU execution providers, in one process, on the same adapter
 * (onnxruntime's WebGPU provider runs on the same Dawn/Vulkan stack as ours), with the same
 * seeded inputs.
 *
 * For each model, one after another so they never compete for the CPU:
 *  1. ours, end to end: `model.run(host inputs) → host outputs` (validation, upload, one submit,
 *     readback, conversion), and its GPU time from a second instance of the same plan created
 *     with `profile: 'run'` (the run recorded as usual, one timestamp at each end of its pass),
 *     run alternately with the first so both see the same conditions;
 *  2. onnxruntime WebGPU, `session.run(feeds)` with host tensors in and out;
 *  3. onnxruntime CPU, the same.
 * Each is `warmup` untimed runs, then `runs` timed ones: median and p90 (stats.ts). A provider
 * that fails on a model (creation or run) gets its error in its cell; the bench goes on. The last
 * outputs of ours and of onnxruntime WebGPU are judged against onnxruntime CPU with `compare`'s
 * rule, so a fast wrong answer shows as one.
 *
 * Inputs come from a models.json beside the model (`--zoo`, or a model that sits in a zoo
 * folder: shapes, ranges, padding masks, symbol bindings) or from the model's declared inputs
 * with `--dim` and `--range`, as `run` and `compare` make them.
 */

import { cpus, loadavg } from 'node:os';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createModel, type Model } from '../../runtime/index.js';
import { acquireDevice } from '../../runtime/device.js';
import type { ElemType, HostData } from '../../runtime/convert.js';
import type { PlanTensor } from '../../runtime/plan.js';
import { compileModel } from '../compile.js';
import { isKnownError, UsageError } from '../errors.js';
import { loadModelFile } from '../onnx/decode.js';
import type { OnnxModel } from '../onnx/model.js';
import { judge } from './compare.js';
import { makeInputs, type HostInput } from './inputs.js';
import type { Range } from './options.js';
import { toFeeds } from './session.js';
import { summarize, type TimingStats } from './stats.js';
import { applyFills, bindSymbols, readZoo, specRanges, zooEntryFor, type ZooEntry } from './zoo.js';
import { runOrt, type OrtProvider } from './ort.js';

export interface BenchOptions {
  runs: number;
  warmup: number;
  seed: number;
  /** Symbol bindings; they override a models.json's. */
  dims: Record<string, number>;
  ranges: Map<string, Range>;
  /** Progress and diagnostics (stderr in the CLI). */
  log: (line: string) => void;
}

/** A measurement, or why it could not be made. */
export type Outcome<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface OursResult {
  /** Compile plus load (pipelines, buffers, weights), ms. */
  setupMs: number;
  kernels: number;
  e2e: TimingStats;
  /** GPU time per run from timestamp queries; null when the adapter has no 'timestamp-query'. */
  gpu: TimingStats | null;
}

export interface OrtResult {
  /** Session creation, ms. */
  setupMs: number;
  e2e: TimingStats;
}

export interface BenchRow {
  model: string;
  path: string;
  dims: Record<string, number>;
  inputs: { name: string; dtype: string; dims: number[]; source: string }[];
  ours: Outcome<OursResult>;
  ortWebgpu: Outcome<OrtResult>;
  ortCpu: Outcome<OrtResult>;
  /** Median end-to-end time of ours ÷ theirs; null when either side failed. */
  ratios: { oursOverOrtWebgpu: number | null; oursOverOrtCpu: number | null };
  /** Outputs judged against onnxruntime CPU ('pass' / 'FAIL: …'); null when either did not run. */
  matches: { ours: string | null; ortWebgpu: string | null };
}

export interface BenchEnvironment {
  adapter: string;
  node: string;
  onnxruntime: string;
  cpu: string;
  /** 1-minute load average when the bench started and when it ended. */
  loadStart: number;
  loadEnd: number;
  date: string;
}

export interface BenchReport {
  env: BenchEnvironment;
  runs: number;
  warmup: number;
  seed: number;
  models: BenchRow[];
}

type Outputs = Map<string, { data: HostData; dims: number[] }>;

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.slice(0, 300);
}

const HOST_TYPES: ReadonlySet<string> = new Set<ElemType>(['float32', 'float16', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'bool']);

/** The model's inputs with every dim bound, as the plan would list them (before compiling). */
function declaredInputs(model: OnnxModel, dims: Record<string, number>, name: string): PlanTensor[] {
  return model.graph.inputs.map((vi, index) => {
    if (!vi.dtype || !vi.shape) throw new UsageError(`${name}: input '${vi.name}' has no declared dtype or shape`);
    if (!HOST_TYPES.has(vi.dtype)) throw new UsageError(`${name}: input '${vi.name}' is ${vi.dtype}; bench makes random inputs of numeric and bool types only`);
    const bound = vi.shape.map((d, axis) => {
      const n = typeof d === 'number' ? d : d === null ? undefined : dims[d];
      if (n !== undefined) return n;
      if (d === null) throw new UsageError(`${name}: input '${vi.name}' axis ${axis} has no declared size; bench cannot make its input`);
      throw new UsageError(`${name}: input '${vi.name}' axis ${axis} is '${d}'; bind it with --dim ${d}=N`);
    });
    return { name: vi.name, dtype: vi.dtype as ElemType, dims: bound, declaredDims: [...vi.shape], buffer: index };
  });
}

/** Our side: compile, load twice (plain and GPU-timed) on one device, time both. */
async function benchOurs(
  model: OnnxModel,
  name: string,
  dims: Record<string, number>,
  inputs: readonly HostInput[],
  opts: BenchOptions,
  env: { adapter?: string },
): Promise<{ result: OursResult; outputs: Outputs }> {
  const t0 = performance.now();
  const compiled = compileModel(model, name, { dims });
  const { device } = await acquireDevice(compiled.plan, undefined, { optionalFeatures: ['timestamp-query'] });
  env.adapter ??= describeAdapter(device);
  const loaded: Model[] = [];
  try {
    const plain = await createModel(compiled.plan, compiled.weights, { device });
    loaded.push(plain);
    const setupMs = performance.now() - t0;
    // The GPU-timed instance runs alternately with the plain one, so both see the same machine
    // conditions (on a shared machine, load drifts between one batch of runs and the next).
    const timed = device.features.has('timestamp-query')
      ? await createModel(compiled.plan, compiled.weights, { device, profile: 'run' })
      : undefined;
    if (timed) loaded.push(timed);
    const feeds = toFeeds(inputs);
    let last: Awaited<ReturnType<Model['run']>> | undefined;
    const e2e: number[] = [];
    const gpuMs: number[] = [];
    for (let i = 0; i < opts.warmup + opts.runs; i++) {
      const start = performance.now();
      last = await plain.run(feeds);
      const elapsed = performance.now() - start;
      if (timed) await timed.run(feeds);
      if (i < opts.warmup) continue;
      e2e.push(elapsed);
      if (timed) gpuMs.push(timed.lastProfile!.gpuNs / 1e6);
    }
    const gpu = timed ? summarize(gpuMs) : null;
    const outputs: Outputs = new Map(Object.entries(last ?? {}).map(([k, t]) => [k, { data: t.data, dims: t.dims }]));
    return { result: { setupMs, kernels: compiled.plan.kernels.length, e2e: summarize(e2e), gpu }, outputs };
  } finally {
    for (const m of loaded) m.dispose();
    device.destroy();
  }
}

/** "llvmpipe: Mesa 25.0.7 … (mesa, software)" — what the report's header names. */
export function describeAdapter(device: GPUDevice): string {
  const i = device.adapterInfo ?? { description: '', device: '', vendor: '', architecture: '' };
  const name = i.description || i.device || 'unknown adapter';
  const more = [i.vendor, i.architecture].filter((s) => s !== '').join(', ');
  return more ? `${name} (${more})` : name;
}

async function benchOrt(path: string, provider: OrtProvider, inputs: readonly HostInput[], opts: BenchOptions) {
  const r = await runOrt(path, provider, inputs, opts.warmup, opts.runs);
  const result: OrtResult = { setupMs: r.setupMs, e2e: summarize(r.times) };
  return { result, outputs: r.outputs };
}

function verdict(ours: Outputs | undefined, ref: Outputs | undefined): string | null {
  if (!ours || !ref) return null;
  const problems: string[] = [];
  for (const [name, r] of ref) {
    const o = ours.get(name);
    if (!o) {
      problems.push(`${name}: missing`);
      continue;
    }
    const v = judge(name, '', o, r, 1e-4, 1e-3);
    if (!v.pass) problems.push(`${name}: ${v.reason}`);
  }
  return problems.length === 0 ? 'pass' : `FAIL: ${problems.join('; ')}`;
}

export interface PreparedModel {
  name: string;
  model: OnnxModel;
  dims: Record<string, number>;
  inputs: HostInput[];
}

/**
 * Decodes `path` and makes its seeded inputs: from `entry` (models.json: shapes, ranges, masks,
 * symbol bindings) where given, overridden by explicit `dims` and `ranges`.
 */
export function prepareModel(
  path: string,
  entry: ZooEntry | undefined,
  opts: { seed: number; dims: Record<string, number>; ranges: Map<string, Range> },
): PreparedModel {
  const name = basename(path).replace(/\.onnx$/, '');
  const model = loadModelFile(path);
  const dims = { ...(entry ? bindSymbols(model, entry, name) : {}), ...opts.dims };
  const ranges = new Map([...(entry ? specRanges(entry) : []), ...opts.ranges]);
  let inputs = makeInputs(declaredInputs(model, dims, name), opts.seed, ranges);
  if (entry) inputs = applyFills(inputs, entry, opts.seed);
  return { name, model, dims, inputs };
}

/** Benchmarks one model file; `entry` (models.json) supplies inputs and symbol bindings. */
export async function benchModel(path: string, entry: ZooEntry | undefined, opts: BenchOptions, env: { adapter?: string }): Promise<BenchRow> {
  const { name, model, dims, inputs } = prepareModel(path, entry, opts);
  const row: BenchRow = {
    model: name,
    path,
    dims,
    inputs: inputs.map((i) => ({ name: i.name, dtype: i.dtype, dims: i.dims, source: i.source })),
    ours: { ok: false, error: 'not run' },
    ortWebgpu: { ok: false, error: 'not run' },
    ortCpu: { ok: false, error: 'not run' },
    ratios: { oursOverOrtWebgpu: null, oursOverOrtCpu: null },
    matches: { ours: null, ortWebgpu: null },
  };
  const outputs: Partial<Record<'ours' | 'ortWebgpu' | 'ortCpu', Outputs>> = {};
  const attempt = async <T>(what: string, f: () => Promise<{ result: T; outputs: Outputs }>, key: 'ours' | 'ortWebgpu' | 'ortCpu') => {
    opts.log(`bench ${name}: ${what}…`);
    try {
      const r = await f();
      outputs[key] = r.outputs;
      return { ok: true as const, ...r.result };
    } catch (e) {
      // Our own bugs are worth a stack; a known error (unsupported op, device limit) is the answer.
      if (!isKnownError(e) && key === 'ours' && e instanceof Error) opts.log(e.stack ?? e.message);
      return { ok: false as const, error: message(e) };
    }
  };
  row.ours = await attempt('ours', () => benchOurs(model, name, dims, inputs, opts, env), 'ours');
  row.ortWebgpu = await attempt('onnxruntime webgpu', () => benchOrt(path, 'webgpu', inputs, opts), 'ortWebgpu');
  row.ortCpu = await attempt('onnxruntime cpu', () => benchOrt(path, 'cpu', inputs, opts), 'ortCpu');
  const ours = row.ours.ok ? row.ours.e2e.median : null;
  if (ours !== null && row.ortWebgpu.ok) row.ratios.oursOverOrtWebgpu = ours / row.ortWebgpu.e2e.median;
  if (ours !== null && row.ortCpu.ok) row.ratios.oursOverOrtCpu = ours / row.ortCpu.e2e.median;
  row.matches = { ours: verdict(outputs.ours, outputs.ortCpu), ortWebgpu: verdict(outputs.ortWebgpu, outputs.ortCpu) };
  return row;
}

async function environment(adapter: string | undefined, loadStart: number): Promise<BenchEnvironment> {
  const ort = await import('onnxruntime-node');
  const cpuList = cpus();
  return {
    adapter: adapter ?? 'unknown (no model loaded)',
    node: process.version,
    onnxruntime: `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common ?? '?'}`,
    cpu: `${cpuList.length} × ${cpuList[0]?.model.trim() ?? 'unknown CPU'}`,
    loadStart,
    loadEnd: loadavg()[0]!,
    date: new Date().toISOString(),
  };
}

/** `bench MODEL.onnx`: one row. */
export async function benchOne(path: string, opts: BenchOptions): Promise<BenchReport> {
  const loadStart = loadavg()[0]!;
  const env: { adapter?: string } = {};
  const row = await benchModel(path, zooEntryFor(path), opts, env);
  return { env: await environment(env.adapter, loadStart), runs: opts.runs, warmup: opts.warmup, seed: opts.seed, models: [row] };
}

/** `bench --zoo DIR`: every model models.json lists whose .onnx is in DIR, in its order. */
export async function benchZoo(dir: string, opts: BenchOptions, only?: readonly string[]): Promise<BenchReport> {
  const loadStart = loadavg()[0]!;
  const zoo = readZoo(dir);
  const unknown = (only ?? []).filter((m) => !(m in zoo.models));
  if (unknown.length > 0) throw new UsageError(`--only ${unknown.join(', ')}: not in ${join(dir, 'models.json')} (models: ${Object.keys(zoo.models).join(', ')})`);
  const env: { adapter?: string } = {};
  const rows: BenchRow[] = [];
  for (const [name, entry] of Object.entries(zoo.models)) {
    if (only && only.length > 0 && !only.includes(name)) continue;
    const path = join(dir, `${name}.onnx`);
    if (!existsSync(path)) {
      opts.log(`bench: ${name}.onnx is listed in models.json but not in ${dir}; skipped`);
      continue;
    }
    // Zoo symbol bindings come from models.json; --dim would apply to every model, so it is not mixed in.
    try {
      rows.push(await benchModel(path, entry, { ...opts, dims: {}, ranges: new Map() }, env));
    } catch (e) {
      // A model whose inputs cannot be made (undecodable, a spec that does not fit) is one failed row.
      const error = { ok: false as const, error: message(e) };
      rows.push({ model: name, path, dims: {}, inputs: [], ours: error, ortWebgpu: error, ortCpu: error, ratios: { oursOverOrtWebgpu: null, oursOverOrtCpu: null }, matches: { ours: null, ortWebgpu: null } });
    }
  }
  return { env: await environment(env.adapter, loadStart), runs: opts.runs, warmup: opts.warmup, seed: opts.seed, models: rows };
}
