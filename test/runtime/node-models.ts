/**
 * Test helper: one-node ONNX models (test/import/one-node-model.ts) compiled once, loaded on the
 * test device, and run against onnxruntime on the same feeds with exact equality of dims and
 * values (for the copy, compare and integer ops whose tests use it). Loaded models are disposed by
 * `disposeAll` (call it from afterAll).
 */

import { expect } from 'vitest';
import type { Tensor } from '../../ir/graph.js';
import { compileModel, type CompiledModel } from '../../src/compile.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { createModel, type Model } from '../../runtime/index.js';
import { buildNodeModel, type NodeModel } from '../import/one-node-model.js';
import { runOrt } from '../import/ort.js';

export interface Loaded {
  bytes: Uint8Array;
  compiled: CompiledModel;
  model: Model;
}

export const i64 = (values: number[]): Tensor => ({ dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });

const loaded: Model[] = [];

/** Compiles `m` (named after its op) and loads it on `device`. */
export async function loadNodeModel(device: GPUDevice, m: NodeModel): Promise<Loaded> {
  const bytes = buildNodeModel(m);
  const compiled = compileModel(decodeModel(bytes), m.op);
  const model = await createModel(compiled.plan, compiled.weights, { device });
  loaded.push(model);
  return { bytes, compiled, model };
}

export function disposeAll(): void {
  for (const m of loaded.splice(0)) m.dispose();
}

export const asInput = (t: Tensor) => ({ data: t.data as Float32Array | Int32Array | BigInt64Array, dims: t.dims });
export const asInputs = (feeds: Record<string, Tensor>) => Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, asInput(t)]));

/** Runs `l` and onnxruntime on `feeds`; every output must match exactly (dims and values). */
export async function expectLikeOrt(l: Loaded, feeds: Record<string, Tensor>, what: string): Promise<void> {
  const got = await l.model.run(asInputs(feeds));
  const want = await runOrt(l.bytes, feeds);
  expect(Object.keys(got).sort(), what).toEqual(Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    const g = got[name]!;
    expect(g.dims, `${name} dims, ${what}`).toEqual(w.dims);
    expect(Array.from(g.data as ArrayLike<number | bigint>), `${name} values, ${what}`).toEqual(Array.from(w.data as ArrayLike<number | bigint>));
  }
}
