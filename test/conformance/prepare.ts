/**
 * The host half of one conformance test: read the data set, decode the model, bind every symbolic
 * dim to the fed data's actual size, compile to a plan and weights, and decode the expected
 * outputs — everything but the GPU. It never throws: a failure comes back classified.
 *
 * The result is plain structured-cloneable data (no classes, no graph), so this can run in a
 * worker thread (compile-worker.ts) that the runner can terminate when a compile hangs.
 *
 * Every test compiles with `f64AsF32` (`--f64-as-f32`): float64 is computed in f32 on the GPU
 * rather than refused, and compared with the same tolerance as float32 (rtol 1e-3 is well above
 * f32's precision, so a test that fails there fails for a reason worth seeing). A prepared test
 * says whether the option mattered, so the report can count the tests that pass only thanks to it.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compileModel } from '../../src/compile.js';
import { decodeModel } from '../../src/onnx/decode.js';
import { UnsupportedOpsError } from '../../src/onnx/errors.js';
import { decodeModelProto, type ValueInfoProtoMsg } from '../../src/onnx/proto.js';
import { bfloat16ToFloat32, tensorDType } from '../../src/onnx/tensor.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import type { DType, HostArray } from '../../ir/dtype.js';
import type { ModelPlan } from '../../runtime/plan.js';
import { bindSymbols, caseKey, DataSetError, findDataSet, matchByName, readTensorFile, type TestCase } from './cases.js';
import { classifyError, shortReason } from './classify.js';

/** The compile options every conformance test uses (see the header). */
export const CONFORMANCE_COMPILE_OPTIONS = { f64AsF32: true } as const;

export interface HostTensor {
  name: string;
  dtype: DType;
  dims: number[];
  data: HostArray;
}

export type Prepared =
  | {
      kind: 'ready';
      plan: ModelPlan;
      weights: Uint8Array;
      /** In the model's input order, named as the model names them. */
      feeds: HostTensor[];
      /** In the model's output order, named as the model names them. */
      expected: HostTensor[];
      /** float64 was computed in f32 (the compile read something float64 as float32). */
      f64AsF32: boolean;
      compileMs: number;
    }
  | { kind: 'done'; status: 'unsupported' | 'error' | 'no-data'; reason: string; blockers?: string[]; compileMs: number };

const TYPE_KINDS: Record<string, string> = {
  sequence_type: 'a sequence',
  map_type: 'a map',
  optional_type: 'an optional',
  sparse_tensor_type: 'a sparse tensor',
  opaque_type: 'an opaque value',
};

/** Why a graph input/output with no DType is not a tensor we can hold, from the raw proto. */
function nonTensorReason(vi: ValueInfoProtoMsg, role: string): { reason: string; blocker: string } | null {
  const kind = vi.type?.value;
  if (kind && kind !== 'tensor_type') {
    const what = TYPE_KINDS[kind] ?? kind;
    return {
      reason: `graph ${role} '${vi.name}' is ${what}; only tensors are supported`,
      blocker: `${what.replace(/^an? /, '')} ${role}s`,
    };
  }
  const code = vi.type?.tensor_type?.elem_type;
  if (code === undefined) return null;
  try {
    tensorDType(code, `graph ${role} '${vi.name}'`);
    return null;
  } catch (e) {
    const detail = (e as Error).message;
    const type = /element type (\w+)/.exec(detail)?.[1];
    return { reason: detail, blocker: type ? `dtype ${type.toLowerCase()}` : `${role} element type` };
  }
}

function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

function toHost(t: { name: string; dtype: DType; dims: number[]; data: HostArray }, name: string): HostTensor {
  return { name, dtype: t.dtype, dims: t.dims, data: t.data };
}

/**
 * ONNX 1.12's test generator writes bfloat16 data as UINT16 tensors of the bit patterns (numpy has
 * no bfloat16): where the model says bfloat16 and the data set holds uint16, read them as such.
 */
function asDeclared(t: HostTensor, declared: DType | null): HostTensor {
  if (declared !== 'bfloat16' || t.dtype !== 'uint16') return t;
  return { ...t, dtype: 'bfloat16', data: bfloat16ToFloat32(t.data as Uint16Array) };
}

/**
 * Graph inputs/outputs that are not tensors of a known dtype (sequences, optionals, bfloat16…).
 * The compile is still attempted first so unsupported ops, the more useful reason, win.
 */
function checkTensorIO(c: TestCase, bytes: Uint8Array, model: OnnxModel, started: number): Prepared | null {
  const untyped = [...model.graph.inputs, ...model.graph.outputs].some((v) => v.dtype === null);
  if (!untyped) return null;
  const graph = decodeModelProto(bytes).graph!;
  const problems = [
    ...graph.input.map((v) => nonTensorReason(v, 'input')),
    ...graph.output.map((v) => nonTensorReason(v, 'output')),
  ].filter((p): p is { reason: string; blocker: string } => p !== null);
  if (problems.length === 0) return null;
  try {
    compileModel(model, caseKey(c), { ...CONFORMANCE_COMPILE_OPTIONS, log: () => {} });
  } catch (e) {
    if (e instanceof UnsupportedOpsError) return { kind: 'done', ...classifyError(e), compileMs: Date.now() - started };
  }
  return {
    kind: 'done',
    status: 'unsupported',
    reason: shortReason(problems[0]!.reason),
    blockers: [...new Set(problems.map((p) => p.blocker))],
    compileMs: Date.now() - started,
  };
}

function prepareOrThrow(c: TestCase, started: number): Prepared {
  const files = findDataSet(c);
  if (!files) return { kind: 'done', status: 'no-data', reason: 'no test_data_set_0 with outputs', compileMs: 0 };
  const path = join(c.dir, 'model.onnx');
  const bytes = new Uint8Array(readFileSync(path));
  const model = decodeModel(bytes, { baseDir: dirname(path), name: `${caseKey(c)}/model.onnx` });
  const io = checkTensorIO(c, bytes, model, started);
  if (io) return io;

  const inputNames = model.graph.inputs.map((v) => v.name);
  const inputs = matchByName(files.inputs.map((f) => readTensorFile(files.dir, f)), inputNames);
  if (!inputs) {
    throw new DataSetError(`the data set has ${files.inputs.length} inputs but the model has ${inputNames.length}: ${inputNames.join(', ')}`);
  }
  const feeds = inputNames.map((n, i) => asDeclared(toHost(inputs.get(n)!, n), model.graph.inputs[i]!.dtype));
  for (const [i, vi] of model.graph.inputs.entries()) {
    if (vi.dtype !== null && vi.dtype !== feeds[i]!.dtype) {
      throw new DataSetError(`input '${vi.name}': the data set holds ${feeds[i]!.dtype} but the model declares ${vi.dtype}`);
    }
  }
  const dims = bindSymbols(model.graph.inputs, new Map(feeds.map((f) => [f.name, f])));
  const { plan, weights, report } = compileModel(model, caseKey(c), { ...CONFORMANCE_COMPILE_OPTIONS, dims, log: () => {} });
  const compileMs = Date.now() - started;

  const outputNames = plan.outputs.map((o) => o.name);
  const outputs = matchByName(files.outputs.map((f) => readTensorFile(files.dir, f)), outputNames);
  if (!outputs) {
    const has = `${outputNames.length}: ${outputNames.join(', ')}`;
    throw new DataSetError(`the data set has ${files.outputs.length} outputs but the model has ${has}`);
  }
  const expected = plan.outputs.map((o) => asDeclared(toHost(outputs.get(o.name)!, o.name), o.dtype));
  return { kind: 'ready', plan, weights: ownBuffer(weights), feeds, expected, f64AsF32: report.f64AsF32.length > 0, compileMs };
}

/** Prepares one test; never throws. */
export function prepareCase(c: TestCase): Prepared {
  const started = Date.now();
  try {
    return prepareOrThrow(c, started);
  } catch (e) {
    return { kind: 'done', ...classifyError(e), compileMs: Date.now() - started };
  }
}
