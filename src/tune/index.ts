/**
 * `compile --tune` as one call: measure (or reuse from the cache) a GEMM tiling for every matmul
 * of an optimized graph on the default adapter, and return them by node name for the compile that
 * follows. Symbolic dims are measured at the compile's reference binding (its `--max-dim` bounds,
 * else the memory planner's reference sizes). Plain compiles never touch the GPU, so the cache is
 * consulted only with `--tune` — which then measures just the signatures it has not seen.
 */

import type { Graph } from '../../ir/graph.js';
import type { GemmTiling } from '../../codegen/kernels/gemm-core.js';
import { requestDefaultAdapter } from '../../runtime/device.js';
import { TuningCache, adapterKey, defaultCachePath } from './cache.js';
import { matmulTargets, tuneMatmuls } from './tune.js';

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
  tilings: Map<string, GemmTiling>;
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
    const r = await tuneMatmuls(matmulTargets(graph, env), { device, adapter: key, cache, reps: request.reps, progress: request.progress, subgroups });
    return { adapter: key, cachePath, measured: r.measured, reused: r.reused, tilings: r.tilings };
  } finally {
    device.destroy();
  }
}

export { TuningCache, adapterKey, defaultCachePath } from './cache.js';
