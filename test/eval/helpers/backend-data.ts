/**
 * ONNX backend test cases (Debian's libonnx-testdata, node suite) as IR graphs with their data:
 * the model decoded and imported exactly as the compiler does it, its first data set's inputs as
 * feeds and its outputs as the expected results. Evaluator tests run the graph on the CPU
 * reference; kernel tests (test/kernels/backend.ts) run the same graph's nodes on the GPU.
 *
 * Some tests feed, as graph inputs, values the compiler needs as compile-time constants (TopK's
 * k, STFT's frame_step, MaxUnpool's output_shape). `constInputs` turns those inputs into
 * initializers holding the data set's values — the specialization an ahead-of-time compile does.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import type { Graph, Tensor } from '../../../ir/graph.js';
import { evaluateGraph } from '../../../ir/eval/index.js';
import { decodeModel } from '../../../src/onnx/decode.js';
import { importModel } from '../../../src/onnx/import.js';
import { bindSymbols, dataRoot, findDataSet, matchByName, readTensorFile } from '../../conformance/cases.js';
import { expectClose, type Tolerance } from './tensors.js';

export interface BackendCase {
  name: string;
  graph: Graph;
  /** Graph inputs by name (the constant-ized ones excluded). */
  feeds: Map<string, Tensor>;
  /** Expected graph outputs by name. */
  expected: Map<string, Tensor>;
}

function asTensor(t: { dtype: Tensor['dtype']; dims: number[]; data: Tensor['data'] }): Tensor {
  return { dtype: t.dtype, dims: t.dims, data: t.data };
}

/** Loads node-suite test `name`, with the graph inputs named in `constInputs` made constants. */
export function loadBackendCase(name: string, constInputs: readonly string[] = []): BackendCase {
  const dir = join(dataRoot(), 'node', name);
  const path = join(dir, 'model.onnx');
  const model = decodeModel(new Uint8Array(readFileSync(path)), { baseDir: dirname(path), name });
  const files = findDataSet({ suite: 'node', name, dir });
  if (!files) throw new Error(`${name}: no data set`);
  const inputs = matchByName(files.inputs.map((f) => readTensorFile(files.dir, f)), model.graph.inputs.map((v) => v.name));
  if (!inputs) throw new Error(`${name}: the data set's inputs do not match the model's`);
  for (const c of constInputs) {
    const t = inputs.get(c);
    if (!t) throw new Error(`${name}: no input '${c}' to make constant`);
    model.graph.initializers.set(c, asTensor(t));
    model.graph.inputs = model.graph.inputs.filter((v) => v.name !== c);
    inputs.delete(c);
  }
  const feeds = new Map([...inputs].map(([n, t]) => [n, asTensor(t)]));
  const graph = importModel(model, { dims: bindSymbols(model.graph.inputs, feeds) });
  const outputs = matchByName(files.outputs.map((f) => readTensorFile(files.dir, f)), graph.outputs.map((v) => v.name));
  if (!outputs) throw new Error(`${name}: the data set's outputs do not match the model's`);
  return { name, graph, feeds, expected: new Map([...outputs].map(([n, t]) => [n, asTensor(t)])) };
}

/** The backend tests' own tolerance (onnx/backend/test/case/node: rtol 1e-3, atol 1e-7). */
export const BACKEND_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-7 };

/** Checks `actual` outputs (by name) against the case's expected ones. */
export function expectBackendOutputs(c: BackendCase, actual: Map<string, Tensor>, tol: Tolerance = BACKEND_TOLERANCE): void {
  for (const [n, want] of c.expected) {
    const got = actual.get(n);
    if (!got) throw new Error(`${c.name}: output '${n}' was not computed`);
    expectClose(got, want, tol, `${c.name} output '${n}'`);
  }
  expect(actual.size).toBeGreaterThanOrEqual(c.expected.size);
}

/** Imports a backend test and checks the CPU reference's outputs against its data. */
export function expectBackendCaseOnCpu(name: string, constInputs: readonly string[] = [], tol?: Tolerance): BackendCase {
  const c = loadBackendCase(name, constInputs);
  expectBackendOutputs(c, evaluateGraph(c.graph, c.feeds), tol);
  return c;
}

/**
 * Runs the test's original model on onnxruntime's CPU provider with the data set's inputs (all of
 * them, constant-ized ones included), for the few tests whose data onnxruntime itself disagrees
 * with. float32/int64/int32 tensors only.
 */
export async function runCaseOnOrt(name: string): Promise<Map<string, Tensor>> {
  const dir = join(dataRoot(), 'node', name);
  const files = findDataSet({ suite: 'node', name, dir });
  if (!files) throw new Error(`${name}: no data set`);
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), { executionProviders: ['cpu'] });
  try {
    const inputs = matchByName(files.inputs.map((f) => readTensorFile(files.dir, f)), session.inputNames);
    if (!inputs) throw new Error(`${name}: the data set's inputs do not match the model's`);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [n, t] of inputs) feeds[n] = new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
    const result = await session.run(feeds);
    return new Map(
      session.outputNames.map((n) => {
        const t = result[n]!;
        return [n, { dtype: t.type as Tensor['dtype'], dims: [...t.dims].map(Number), data: t.data as Tensor['data'] }];
      }),
    );
  } finally {
    await session.release();
  }
}
