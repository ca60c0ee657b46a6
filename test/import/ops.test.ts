/**
 * Every fixture model (one op form each, built by test/fixtures/make_import_fixtures.py) is
 * imported, evaluated on the CPU from the IR, and compared with onnxruntime on the same random
 * inputs — the independent reference for the importers' ONNX semantics (defaults, opset forms,
 * auto_pad, output_shape, coerced softmax, …). Inputs that random data would exercise poorly
 * (zero divisors, ties, infinities) get hand-picked feeds.
 */

import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { verifyGraph } from '../../ir/verify.js';
import { importModel } from '../../src/onnx/import.js';
import { expectClose } from '../helpers/random.js';
import { FIXTURES, fixturePath, loadFixture, randomFeeds } from './fixtures.js';
import { runIr, runOrt } from './ort.js';

const f32 = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
const i32 = (dims: number[], values: number[]): Tensor => ({ dtype: 'int32', dims, data: Int32Array.from(values) });
const u8 = (dims: number[], values: number[]): Tensor => ({ dtype: 'uint8', dims, data: Uint8Array.from(values) });

/** Feeds replacing the random ones, where random values would not exercise the op. */
const FEEDS: Record<string, Record<string, Tensor>> = {
  isinf_isnan: { x: f32([6], [1, -1, 0, 2, 3, -4]), z: f32([6], [0, 0, 0, 1, -1, 0.5]) },
  integer: {
    a: i32([4, 3], [7, -7, 5, -5, 9, 0, 13, -13, 4, 1, -1, 6]),
    b: i32([3], [3, -2, 4]),
    u: u8([4], [1, 3, 128, 255]),
    s: u8([4], [0, 1, 3, 7]),
  },
  // Ties, to show select_last_index.
  argmax: { x: f32([3, 4, 2], Array.from({ length: 24 }, (_, i) => (i * 7) % 3)) },
  cast: { x: f32([2, 5], [-3.7, -0.5, 0, 0.4, 2.9, 7.2, -1.2, 100.5, 0.99, -0]) },
  gather_runtime_indices: { i: { dtype: 'int64', dims: [3], data: BigInt64Array.from([4n, -5n, 1n]) } },
  unary: {
    p: f32([5], [0.1, 0.5, 1, 2, 7]),
    q: f32([5], [1, 1.5, 2, 4, 9]),
  },
};

/** Sizes for symbolic dims. */
const DIMS: Record<string, Record<string, number>> = {
  conv_same_symbolic: { batch: 2, h: 7, w: 6 },
  conv_same_symbolic_s2: { h: 9, w: 6 },
  reshape_symbolic: { batch: 3 },
  shape_chain: { batch: 2 },
  shape_symbolic: { batch: 4 },
  squeeze_symbolic: { batch: 1 },
  softmax_opset11_symbolic: { batch: 2, seq: 3 },
  resize_symbolic_batch: { batch: 2 },
};

/** Models that run with their symbolic dims left unbound (the IR keeps the symbols). */
const UNBOUND = new Set(['conv_same_symbolic', 'reshape_symbolic', 'shape_symbolic', 'softmax_opset11_symbolic', 'resize_symbolic_batch']);

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.onnx'))
  .map((f) => f.slice(0, -'.onnx'.length))
  .sort();

describe('imported fixtures match onnxruntime', () => {
  test('the fixture folder is populated', () => {
    expect(names.length).toBeGreaterThan(100);
  });

  test.each(names)('%s', async (name) => {
    const model = loadFixture(name);
    const dims = DIMS[name] ?? {};
    const feeds = { ...randomFeeds(model, dims, 1234), ...(FEEDS[name] ?? {}) };
    const g = importModel(model, { dims: UNBOUND.has(name) ? {} : dims });
    verifyGraph(g);
    const ours = runIr(g, feeds);
    const ref = await runOrt(fixturePath(name), feeds);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(ref).sort());
    for (const [out, expected] of Object.entries(ref)) {
      const actual = ours[out]!;
      expect(actual.dtype, `dtype of ${out}`).toBe(expected.dtype);
      expect(actual.dims, `dims of ${out}`).toEqual(expected.dims);
      expectClose(actual, expected, 1e-4, 1e-5, `${name}: ${out}`);
    }
  });
});
