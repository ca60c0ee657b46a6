/**
 * `compile --tune` as one call: measure (or reuse from the cache) a tiling for every matmul and
 * tunable conv of an optimized graph on the default adapter, and return them by node name for the
 * compile that follows (one progress count per candidate over both kinds). Symbolic dims are measured at the compile's reference binding (its `--max-dim` bounds,
 * else the memory planner's reference sizes). Plain compiles never touch the GPU, so the cache is
 * consulted only with `--tune` — which then measures just the signatures it has not seen.
 */

import type { Graph } from '../../ir/graph.js';
import type { KernelTiling } from '../../codegen/generate.js';
import { requestDefaultAdapter } from '../../runtime/device.js';
import { TuningCache, adapterKey, defaultCachePath } from './cache.js';
import { matmulTargets, matmulTuneTargets, tuneTargets } from './tune.js';
import { convTargets } from './conv.js';

export interface TuneRequest {
  /** The cache file; default `$ONNX_WGSL_TUNE_CACHE` or ~/.cache/onnx-wgsl/tuning.json. */
  cachePath?: string;
  /** Timed submits per candidate. */
  reps?: number;
  progress?: (done: number, total: number, label: string) => void;
}

export interface TuneSummary {
  adapter: string;
  cachePath: string;
  /** Distinct kernel signatures measured now / taken from the cache. */
  measured: number;
  reused: number;
  tilings: Map<string, KernelTiling>;
}

export async function tuneGraph(graph: Graph, env: Readonly<Record<string, number>>, request: TuneRequest = {}): Promise<TuneSummary> {
  const cachePath = request.cachePath ?? defaultCachePath();
  const cache = TuningCache.load(cachePath);
  const adapter = await requestDefaultAdapter();
  // Subgroups widen the candidates (gemm-core.ts subgroup-rows form) when every subgroup the
  // adapter may form has the 8 lanes that form reads from.
  const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number };
  const subgroups = adapter.features.has('subgroups') && (info.subgroupMinSize ?? 0) >= 8;
  const device = await adapter.requestDevice({
    requiredFeatures: subgroups ? ['subgroups'] : [],
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    },
  });
  const key = adapterKey(adapter.info);
  try {
    const targets = [...matmulTuneTargets(matmulTargets(graph, env), { subgroups }), ...convTargets(graph, env, { subgroups })];
    const r = await tuneTargets(targets, { device, adapter: key, cache, reps: request.reps, progress: request.progress, subgroups });
    return { adapter: key, cachePath, measured: r.measured, reused: r.reused, tilings: r.tilings };
  } finally {
    device.destroy();
  }
}

export { TuningCache, adapterKey, defaultCachePath } from './cache.js';
