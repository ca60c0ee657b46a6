/**
 * Runs one ONNX backend test folder through the importer and the CPU reference evaluator (no
 * codegen, no GPU): decode model.onnx, bind every symbolic dim to the data set's input dims,
 * import, evaluate the graph on the input .pb tensors and compare each output with its .pb under
 * the backend test's tolerance (test/conformance/compare.ts). It is the fast check that an
 * importer's lowering is semantically right; the GPU conformance run checks the kernels.
 */

import { join } from 'node:path';
import { evaluateGraph } from '../../ir/eval/index.js';
import type { Tensor } from '../../ir/graph.js';
import { loadModelFile } from '../../src/onnx/decode.js';
import { importModel } from '../../src/onnx/import.js';
import { bindSymbols, findDataSet, matchByName, readTensorFile, type TestCase } from '../conformance/cases.js';
import { compareOutputs } from '../conformance/compare.js';

export interface CpuResult {
  status: 'pass' | 'fail' | 'error';
  /** Why it did not pass (one line). */
  detail?: string;
}

/** Imports and evaluates the test in `dir` on the CPU; never throws. */
export function runBackendTestOnCpu(dir: string): CpuResult {
  try {
    const c: TestCase = { suite: 'node', name: dir, dir };
    const files = findDataSet(c);
    if (!files) return { status: 'error', detail: 'no data set' };
    const model = loadModelFile(join(dir, 'model.onnx'));
    const inputNames = model.graph.inputs.map((v) => v.name);
    const inputs = matchByName(files.inputs.map((f) => readTensorFile(files.dir, f)), inputNames);
    if (!inputs) return { status: 'error', detail: `data set has ${files.inputs.length} inputs, model ${inputNames.length}` };
    const dims = bindSymbols(model.graph.inputs, inputs);
    const g = importModel(model, { dims });
    const feeds = new Map<string, Tensor>();
    for (const v of g.inputs) feeds.set(v.name, inputs.get(v.name)!);
    const actual = evaluateGraph(g, feeds);
    const outputNames = g.outputs.map((v) => v.name);
    const expected = matchByName(files.outputs.map((f) => readTensorFile(files.dir, f)), outputNames);
    if (!expected) return { status: 'error', detail: `data set has ${files.outputs.length} outputs, model ${outputNames.length}` };
    const verdict = compareOutputs(
      outputNames,
      outputNames.map((n) => actual.get(n)!),
      outputNames.map((n) => expected.get(n)!),
    );
    return verdict.ok ? { status: 'pass' } : { status: 'fail', detail: `${verdict.worst!.name}: ${verdict.worst!.detail}` };
  } catch (e) {
    return { status: 'error', detail: (e as Error).message.split('\n')[0] };
  }
}
