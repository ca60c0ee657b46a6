/**
 * onnxruntime-node as `bench`'s baseline: one session on one execution provider ('webgpu' runs on
 * the same Dawn/Vulkan adapter as ours, 'cpu' is its CPU kernels), timed over repeated runs with
 * host tensors in and out — the same end-to-end boundary as our `model.run`. Sessions use
 * onnxruntime's defaults (all graph optimizations), i.e. what a user of onnxruntime gets.
 */

import { halfToFloat, type HostData } from '../../runtime/convert.js';
import { floatToHalf } from '../npy.js';
import type { HostInput } from './inputs.js';
import { timeRuns } from './stats.js';

export type OrtProvider = 'webgpu' | 'cpu';

export interface OrtRun {
  /** Session creation, ms. */
  setupMs: number;
  /** Timed runs, ms. */
  times: number[];
  /** The last run's outputs, copied out of onnxruntime's memory. */
  outputs: Map<string, { data: HostData; dims: number[] }>;
}

type Ort = typeof import('onnxruntime-node');

/** Our host inputs as onnxruntime tensors (float16 as IEEE half bits, its convention). */
export function ortFeeds(ort: Ort, inputs: readonly HostInput[]): Record<string, InstanceType<Ort['Tensor']>> {
  const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
  for (const i of inputs) {
    if (i.dtype === 'bfloat16') throw new Error(`input '${i.name}' is bfloat16, which onnxruntime-node's JavaScript API cannot take`);
    const data = i.dtype === 'float16' ? Uint16Array.from(i.data as Float32Array, floatToHalf) : i.data;
    feeds[i.name] = new ort.Tensor(i.dtype, data as Float32Array, i.dims);
  }
  return feeds;
}

/** onnxruntime output data in our host convention (float16 half bits → Float32Array of values). */
export function ortOutputData(type: string, data: HostData): HostData {
  return type === 'float16' ? Float32Array.from(data as ArrayLike<number>, (h) => (data instanceof Uint16Array ? halfToFloat(h) : h)) : data;
}

/** Creates a session on `provider`, runs `warmup` + `runs` times, releases it. Throws on failure. */
export async function runOrt(path: string, provider: OrtProvider, inputs: readonly HostInput[], warmup: number, runs: number): Promise<OrtRun> {
  const ort = await import('onnxruntime-node');
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(path, { executionProviders: [provider], logSeverityLevel: 3 });
  const setupMs = performance.now() - t0;
  try {
    const feeds = ortFeeds(ort, inputs);
    let last: Awaited<ReturnType<typeof session.run>> | undefined;
    const times = await timeRuns(async () => (last = await session.run(feeds)), warmup, runs);
    const outputs = new Map<string, { data: HostData; dims: number[] }>();
    for (const [name, t] of Object.entries(last ?? {})) {
      // Copy before release: onnxruntime frees its output buffers with the session.
      const raw = (t.data as HostData).slice() as HostData;
      outputs.set(name, { data: ortOutputData(t.type, raw), dims: [...t.dims] });
    }
    return { setupMs, times, outputs };
  } finally {
    await session.release();
  }
}
