/**
 * Value-specialized variants: a model one of whose inputs decides the graph's structure (the axes
 * of a ReduceSum or an Unsqueeze given at run time, a mode flag) is compiled once per legal value
 * of that input (src/variants.ts), and the plan carries the table. This file is the runtime half:
 * how a run-time value is normalized to the form the compiler enumerated, which variant it selects,
 * and a Model that loads every variant at once and runs the selected one.
 *
 * Normalization follows ONNX: an axis a of a rank-r tensor is legal in [-r, r-1] and a negative one
 * means a + r; axes must not repeat; where order does not matter (Reduce*, Squeeze, Unsqueeze) the
 * list is sorted, where it does (Slice) it is kept. Unsqueeze's axes index the OUTPUT rank (input
 * rank + number of axes). A bool is 0 or 1. Out-of-range and repeated axes are InputValidationErrors
 * with the spec's wording; a legal value whose compile failed (e.g. squeezing an axis whose size is
 * not 1) has no variant and is an UnsupportedValueError carrying the compiler's reason.
 *
 * Loading: every variant's pipelines, buffers and weights are created at load on one device (the
 * variants are full sub-plans, loaded as ordinary models), so a run never creates a pipeline
 * whichever variant it selects. The variants share weights.bin (the compiler stores identical
 * constants once) and, on the GPU, the weight buffers, shader modules and pipelines that are
 * identical (SharedResources); inputs, outputs and intermediates are each variant's own. A
 * selecting input must be host data — its
 * value is read on the CPU to pick the variant — and it is still validated (dtype, dims) by the
 * selected variant like any other input, though no kernel reads it.
 *
 * This file is copied into every output folder, so it imports only runtime files.
 */

import { InputValidationError, ModelLoadError, UnsupportedValueError } from './errors.js';
import { acquireDevice } from './device.js';
import type { CreateOptions, GpuOutputTensor, Model, ModelStats, OutputTensor, RunOptions } from './model.js';
import type { ModelPlan, PlanLimits, PlanWeight } from './plan.js';
import { profileMode, type RunProfile } from './profile.js';
import type { RunInput } from './validate.js';

/** Which values a selecting input may take (what the compiler enumerates). */
export type SelectorDomain =
  | {
      kind: 'axes';
      /** The rank the axes index; for `outputRank`, the input rank (the axes count is added). */
      rank: number;
      /** 'set': order-insensitive (normalized sorted); 'list': order matters (Slice). */
      order: 'set' | 'list';
      /** The axes index rank + their count (Unsqueeze's output rank). */
      outputRank?: boolean;
      /** The number of axes when the input's length is fixed; null: any length 0..rank. */
      length: number | null;
    }
  | { kind: 'bool' };

/** A graph input whose value selects the variant. */
export interface PlanSelector {
  input: string;
  domain: SelectorDomain;
  /** What reads it, for messages ("ReduceSum 'r1' axes"). */
  usedBy: string;
}

export interface PlanVariant {
  /** The normalized value of each selector (plan order); null: this variant takes any value. */
  values: (number[] | null)[];
  /** A complete plan (no `variants` of its own); its weights index the shared weights.bin. */
  plan: ModelPlan;
}

/** A legal value that has no variant, and why (the compiler's message for that value). */
export interface PlanAbsentVariant {
  values: (number[] | null)[];
  reason: string;
}

export interface PlanVariants {
  selectors: PlanSelector[];
  table: PlanVariant[];
  absent: PlanAbsentVariant[];
}

/** "[0, 2]" or "true". */
export function formatSelectorValue(domain: SelectorDomain, value: readonly number[] | null): string {
  if (value === null) return 'any';
  if (domain.kind === 'bool') return value[0] ? 'true' : 'false';
  return `[${value.join(', ')}]`;
}

/**
 * The value of `raw` in the form variants are keyed by: axes in range, non-negative, not repeated
 * and sorted for a set; a bool as 0/1. Throws InputValidationError naming `input` otherwise.
 */
export function normalizeSelectorValue(input: string, domain: SelectorDomain, raw: readonly number[]): number[] {
  if (domain.kind === 'bool') {
    if (raw.length !== 1) throw new InputValidationError(`input '${input}' must hold one bool, got ${raw.length} elements`);
    return [raw[0] !== 0 ? 1 : 0];
  }
  const r = domain.rank + (domain.outputRank ? raw.length : 0);
  const out = raw.map((a) => {
    if (!Number.isInteger(a) || a < -r || a >= r) {
      throw new InputValidationError(`input '${input}': axis ${a} is out of range for rank ${r} (ONNX: each axis must be in [-${r}, ${r - 1}])`);
    }
    return a < 0 ? a + r : a;
  });
  const seen = new Set<number>();
  for (const a of out) {
    if (seen.has(a)) throw new InputValidationError(`input '${input}' repeats axis ${a} (after normalizing negative axes): ONNX axes must not repeat`);
    seen.add(a);
  }
  return domain.order === 'set' ? out.sort((a, b) => a - b) : out;
}

function sameValue(a: readonly number[] | null, b: readonly number[]): boolean {
  return a === null || (a.length === b.length && a.every((x, i) => x === b[i]));
}

/** Host values of a run input as numbers; undefined when it is not host data (validation says why). */
function hostNumbers(given: RunInput | undefined): number[] | undefined {
  if (given === undefined || typeof given !== 'object' || !('data' in given)) return undefined;
  const data = given.data as unknown;
  if (!ArrayBuffer.isView(data) && !Array.isArray(data)) return undefined;
  return Array.from(data as ArrayLike<number | bigint>, (x) => Number(x));
}

/**
 * The index in `variants.table` that `inputs` select; undefined when a selecting input is missing
 * or malformed — not host data, or a wrong element count — (the caller lets the first variant's
 * validation report it in the usual words).
 */
export function selectVariant(variants: PlanVariants, inputs: Record<string, RunInput>): number | undefined {
  const values: number[][] = [];
  for (const s of variants.selectors) {
    const given = inputs[s.input];
    if (given !== undefined && typeof given === 'object' && 'buffer' in given) {
      throw new InputValidationError(
        `input '${s.input}' decides the model's structure (${s.usedBy}): its value is read on the host to select the compiled variant, so it must be host data, not a GPUBuffer`,
      );
    }
    const raw = hostNumbers(given);
    // A wrong element count is the variant's input validation's to report, in its usual words.
    const length = s.domain.kind === 'bool' ? 1 : s.domain.length;
    if (raw === undefined || (length !== null && raw.length !== length)) return undefined;
    values.push(normalizeSelectorValue(s.input, s.domain, raw));
  }
  const matches = (v: readonly (number[] | null)[]) => v.every((x, i) => sameValue(x, values[i]!));
  const index = variants.table.findIndex((t) => matches(t.values));
  if (index >= 0) return index;
  const shown = variants.selectors.map((s, i) => `${s.input}=${formatSelectorValue(s.domain, values[i]!)}`).join(', ');
  const absent = variants.absent.find((a) => matches(a.values));
  if (absent) throw new UnsupportedValueError(`${shown}: no compiled variant for this value: ${absent.reason}`);
  const all = variants.table.map((t) => t.values.map((v, i) => formatSelectorValue(variants.selectors[i]!.domain, v)).join(' '));
  const taken = all.length > 8 ? `${all.slice(0, 8).join('; ')}; … (${all.length} in all)` : all.join('; ');
  throw new UnsupportedValueError(`${shown}: no compiled variant for this value (the variants take: ${taken})`);
}

/** The plan `acquireDevice` checks: every variant's buffers and kernels, the largest limits. */
function unionPlan(plan: ModelPlan, variants: PlanVariants): ModelPlan {
  const plans = variants.table.map((t) => t.plan);
  const limits = Object.fromEntries(
    (Object.keys(plan.limits) as (keyof PlanLimits)[]).map((k) => [k, Math.max(...plans.map((p) => p.limits[k]))]),
  ) as unknown as PlanLimits;
  return {
    ...plan,
    buffers: plans.flatMap((p) => p.buffers),
    kernels: plans.flatMap((p) => p.kernels),
    symbols: plans.flatMap((p) => p.symbols),
    limits,
  };
}

/**
 * GPU objects the variants of one model create once and share: weight buffers with the same bytes
 * of the shared weights.bin (constants are never written by a kernel), shader modules by WGSL, and
 * pipelines by WGSL and binding layout (equal bind group layouts are interchangeable in WebGPU, so
 * a pipeline made with one variant's layout runs with another's bind groups).
 */
export class SharedResources {
  private readonly weights = new Map<string, GPUBuffer>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  /** The buffer already holding weight `w` (then `own` is not needed), or undefined after adopting `own`. */
  weightBuffer(w: PlanWeight, own: GPUBuffer): GPUBuffer | undefined {
    const key = `${w.offset}:${w.byteLength}:${own.size}`;
    const known = this.weights.get(key);
    if (known) return known;
    this.weights.set(key, own);
    return undefined;
  }

  module(code: string, create: () => GPUShaderModule): GPUShaderModule {
    let m = this.modules.get(code);
    if (!m) this.modules.set(code, (m = create()));
    return m;
  }

  pipeline(key: string, create: () => Promise<GPUComputePipeline>): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(key);
    if (!p) this.pipelines.set(key, (p = create()));
    return p;
  }
}

type AnyRun = (inputs: Record<string, RunInput>, options?: RunOptions) => Promise<Record<string, OutputTensor | GpuOutputTensor>>;

/** Counters that add up over the variants (what load created); the others are the last run's. */
const CUMULATIVE = ['shaderModulesCreated', 'pipelinesCreated', 'bindGroupsCreated', 'buffersCreated', 'runs', 'uniformUploads', 'shapeChanges'] as const;

class VariantModel implements Model {
  private last: Model;
  private pending: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly plan: ModelPlan,
    private readonly variants: PlanVariants,
    private readonly models: Model[],
    readonly device: GPUDevice,
    private readonly ownsDevice: boolean,
  ) {
    this.last = models[0]!;
  }

  get inputs() {
    return this.plan.inputs;
  }
  get outputs() {
    return this.plan.outputs;
  }
  get lastProfile(): RunProfile | undefined {
    return this.last.lastProfile;
  }

  get stats(): Readonly<ModelStats> {
    const s: ModelStats = { ...this.last.stats };
    for (const k of CUMULATIVE) s[k] = this.models.reduce((n, m) => n + m.stats[k], 0);
    return s;
  }

  run(inputs: Record<string, RunInput>, options: { outputs: 'gpu' }): Promise<Record<string, GpuOutputTensor>>;
  run(inputs: Record<string, RunInput>, options: { outputs: readonly string[] }): Promise<Record<string, OutputTensor | GpuOutputTensor>>;
  run(inputs: Record<string, RunInput>, options?: { outputs?: 'host' }): Promise<Record<string, OutputTensor>>;
  run(inputs: Record<string, RunInput>, options: RunOptions = {}): Promise<Record<string, OutputTensor | GpuOutputTensor>> {
    // Queued like a single model's runs: a GPU output of one variant may feed the next run.
    const go = () => {
      if (this.disposed) throw new ModelLoadError('run() called after dispose()');
      const model = this.models[selectVariant(this.variants, inputs) ?? 0]!;
      this.last = model;
      return (model.run as AnyRun).call(model, inputs, options);
    };
    const result = this.pending.then(go, go);
    this.pending = result.catch(() => undefined);
    return result;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const m of this.models) m.dispose();
    if (this.ownsDevice) this.device.destroy();
  }
}

/**
 * Loads every variant of `plan` on one device (the caller's, or one requested for all of them)
 * through `createOne` (model.ts's loader for a plan without variants).
 */
export async function createVariantModel(
  plan: ModelPlan,
  variants: PlanVariants,
  weights: Uint8Array,
  options: CreateOptions,
  createOne: (plan: ModelPlan, weights: Uint8Array, options: CreateOptions, shared: SharedResources) => Promise<Model>,
): Promise<Model> {
  const request = profileMode(options.profile) ? { optionalFeatures: ['timestamp-query'] as GPUFeatureName[] } : {};
  const { device, owned } = await acquireDevice(unionPlan(plan, variants), options.device, request);
  const shared = new SharedResources();
  const settled = await Promise.allSettled(variants.table.map((t) => createOne(t.plan, weights, { ...options, device }, shared)));
  const models = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    for (const m of models) m.dispose();
    if (owned) device.destroy();
    throw failed.reason;
  }
  return new VariantModel(plan, variants, models, device, owned);
}
