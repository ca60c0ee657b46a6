/**
 * Test helper: runs one ONNX node in onnxruntime-node and returns the output dims — or the error
 * ORT raised. The IR shape-inference tests use it as an independent reference for ONNX's shape
 * rules. The model comes from the project's one writer (test/import/one-node-model.ts) and runs
 * through the shared ORT runner (test/import/ort.ts); this file only adds deterministic feed data.
 */

import type { Tensor } from '../../ir/graph.js';
import { buildNodeModel, type Attr } from '../import/one-node-model.js';
import { runOrt } from '../import/ort.js';

export type OnnxAttr = Attr;

export interface OnnxFeed {
  name: string;
  dtype: 'float32' | 'int64' | 'bool' | 'int32';
  dims: number[];
  /** Values; omitted: deterministic non-zero data. */
  data?: number[];
  /** Give it as an initializer (for inputs ONNX requires to be known, like Slice starts). */
  initializer?: boolean;
}

/** The feed's values (its own, or a deterministic non-zero pattern that differs per `seed`). */
function values(feed: OnnxFeed, seed: number): number[] {
  if (feed.data) return feed.data;
  const n = feed.dims.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % 97) / 13 + 0.5);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A number as int64, saturated: tests write the INT64_MAX sentinel as 2^63 (the nearest double),
 * which must stay "to the end" rather than wrap to INT64_MIN.
 */
function toInt64(x: number): bigint {
  const v = BigInt(Math.trunc(x));
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

/** The feed as a host tensor; integer and bool dtypes take the integer part of each value. */
function tensorOf(feed: OnnxFeed, seed: number): Tensor {
  const data = values(feed, seed);
  switch (feed.dtype) {
    case 'float32':
      return { dtype: 'float32', dims: feed.dims, data: Float32Array.from(data) };
    case 'int32':
      return { dtype: 'int32', dims: feed.dims, data: Int32Array.from(data, Math.trunc) };
    case 'int64':
      return { dtype: 'int64', dims: feed.dims, data: BigInt64Array.from(data, toInt64) };
    case 'bool':
      return { dtype: 'bool', dims: feed.dims, data: Uint8Array.from(data, (x) => (Math.trunc(x) % 2 === 0 ? 0 : 1)) };
  }
}

/**
 * Runs `opType` on `feeds` (in order) and returns the output dims, or `{ error }` when ORT rejects
 * the model or the run.
 */
export async function runOnnxNode(
  opType: string,
  feeds: OnnxFeed[],
  attrs: Record<string, OnnxAttr> = {},
  opset = 17,
): Promise<number[] | { error: string }> {
  const bytes = buildNodeModel({
    op: opType,
    inputs: feeds.map((f) => (f.initializer ? { name: f.name, tensor: tensorOf(f, 1) } : { name: f.name, dtype: f.dtype, dims: f.dims })),
    outputs: ['out__'],
    attrs,
    opset,
  });
  const runtime = feeds.filter((f) => !f.initializer);
  try {
    const result = await runOrt(bytes, Object.fromEntries(runtime.map((f) => [f.name, tensorOf(f, 2)])));
    return [...result.out__!.dims];
  } catch (e) {
    return { error: (e as Error).message };
  }
}
