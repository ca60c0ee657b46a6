/**
 * The compile driver: model file → decoded ONNX → IR graph → optimized (src/passes) → verified →
 * kernels → memory plan → plan + weights → output folder. Each stage throws its own error class (src/errors.ts); this file
 * adds the checks that belong to the GPU target as a whole: every value's dtype must have a GPU
 * representation (no float64, uint64 or string), every symbol must be bound, and int64 constants
 * must fit the i32 they become (checked when the weights are built).
 *
 * float16 values are computed and stored in f32 for now; the report says so when a model has any.
 *
 * `compileToMemory` stops before the file system, returning the plan and weights, so `compare`,
 * `run` and tests execute the same plan through the same runtime without writing a folder.
 */

import { basename } from 'node:path';
import { generateKernels } from '../codegen/generate.js';
import { DEFAULT_LIMITS, type DeviceLimits } from '../codegen/kernel.js';
import { planMemory } from '../codegen/schedule/memory.js';
import { gpuStorageOf, type DType } from '../ir/dtype.js';
import type { Graph, Value } from '../ir/graph.js';
import { printGraph } from '../ir/print.js';
import { verifyGraph } from '../ir/verify.js';
import type { ModelPlan } from '../runtime/plan.js';
import { loadModelFile } from './onnx/decode.js';
import { importModel } from './onnx/import.js';
import type { OnnxDim, OnnxModel } from './onnx/model.js';
import { buildPlan } from './emit/plan.js';
import { runPipeline } from './passes/pipeline.js';
import { outputFiles, writeFolder } from './emit/write.js';
import { CompileError } from './errors.js';

export interface CompileOptions {
  /** Bindings for the model's symbolic dims (`--dim batch=1`). */
  dims?: Record<string, number>;
  /** Run the optimizer (src/passes) on an imported model; default true. */
  optimize?: boolean;
  /** Write the IR after each optimizer pass into this folder (`--dump-ir`). */
  dumpIrDir?: string;
  /** Log the IR, the kernels and the memory plan. */
  verbose?: boolean;
  /** Where verbose lines go; default stderr. */
  log?: (line: string) => void;
  limits?: DeviceLimits;
}

export interface CompileReport {
  modelName: string;
  nodes: number;
  kernels: number;
  shaders: number;
  buffers: number;
  weightsBytes: number;
  peakIntermediateBytes: number;
  totalIntermediateBytes: number;
  plannedIntermediateBytes: number;
  /** Things the user should know about how the model was compiled (e.g. float16 in f32). */
  notes: string[];
}

export interface CompiledModel {
  plan: ModelPlan;
  weights: Uint8Array;
  graph: Graph;
  report: CompileReport;
}

export interface GraphSource {
  modelName: string;
  declaredDims?: ReadonlyMap<string, OnnxDim[]>;
}

function dtypeProblem(dtype: DType): string {
  switch (dtype) {
    case 'float64':
      return 'WebGPU has no 64-bit floats; export the model in float32';
    case 'uint64':
      return 'WebGPU has no 64-bit integers and uint64 is not computed as int32; export the model with int64 or int32';
    case 'string':
      return 'string tensors cannot live on the GPU';
    default:
      return `dtype ${dtype} has no GPU representation`;
  }
}

/** Throws CompileError for the first value whose dtype the GPU lacks or whose dims are unbound. */
function checkGpuValues(graph: Graph): void {
  const where = new Map<Value, string>();
  for (const v of graph.inputs) where.set(v, `input '${v.name}'`);
  for (const n of graph.nodes) {
    for (const v of n.outputs) where.set(v, `value '${v.name}' (output of node '${n.name}' (${n.op.kind}))`);
    for (const v of n.inputs) if (!where.has(v)) where.set(v, `constant '${v.name}' (used by node '${n.name}' (${n.op.kind}))`);
  }
  for (const v of graph.outputs) if (!where.has(v)) where.set(v, `output '${v.name}'`);

  const unbound = new Map<string, string>();
  // A Range whose bounds are computed at run time has a length only the data decides (IR inference
  // names it with a generated symbol): no --dim can bind that, so it is refused as what it is.
  const inputSymbols = new Set(graph.inputs.flatMap((v) => v.type.shape.filter((d): d is string => typeof d === 'string')));
  const dataDependent: string[] = [];
  for (const [v, what] of where) {
    if (gpuStorageOf(v.type.dtype) === null) throw new CompileError(`${what} is ${v.type.dtype}: ${dtypeProblem(v.type.dtype)}`);
    v.type.shape.forEach((d, axis) => {
      if (typeof d === 'string' && !unbound.has(d)) unbound.set(d, `${what} axis ${axis}`);
      if (typeof d === 'string' && v.producer?.op.kind === 'range' && !inputSymbols.has(d)) dataDependent.push(what);
    });
  }
  if (dataDependent.length > 0) {
    throw new CompileError(
      `${dataDependent[0]} has a length computed from data at run time (a Range whose bounds are not constants); data-dependent shapes are not supported`,
    );
  }
  if (unbound.size > 0) {
    const list = [...unbound].map(([s, w]) => `'${s}' (${w})`).join(', ');
    const flags = [...unbound.keys()].map((s) => `--dim ${s}=N`).join(' ');
    throw new CompileError(`unbound symbolic dims: ${list}; bind them with ${flags}`);
  }
}

/** "1.50 MiB", "12.0 KiB", "312 B". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Compiles an IR graph as given (symbols bound; not optimized here) to a plan and weights. */
export function compileGraph(graph: Graph, source: GraphSource, options: CompileOptions = {}): CompiledModel {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  verifyGraph(graph);
  checkGpuValues(graph);
  if (options.verbose) log(printGraph(graph, { elideConstantsOver: 16 }));

  const { kernels, views } = generateKernels(graph, options.limits ?? DEFAULT_LIMITS);
  const memory = planMemory(graph, kernels, views);
  const { plan, weights } = buildPlan({ graph, kernels, memory, ...source });

  const notes: string[] = [];
  const hasHalf = graph.inputs.some((v) => v.type.dtype === 'float16') || graph.nodes.some((n) => [...n.inputs, ...n.outputs].some((v) => v.type.dtype === 'float16'));
  if (hasHalf) notes.push('float16 values are computed and stored as f32 on the GPU (results can differ slightly from float16 arithmetic)');

  const report: CompileReport = {
    modelName: source.modelName,
    nodes: graph.nodes.length,
    kernels: plan.kernels.length,
    shaders: plan.shaders.length,
    buffers: plan.buffers.length,
    weightsBytes: weights.byteLength,
    peakIntermediateBytes: memory.peakIntermediateBytes,
    totalIntermediateBytes: memory.totalIntermediateBytes,
    plannedIntermediateBytes: memory.plannedIntermediateBytes,
    notes,
  };
  if (options.verbose) {
    const bindings = (bs: { buffer: number }[]) => bs.map((b) => `#${b.buffer}`).join(' ');
    for (const k of plan.kernels) {
      log(`kernel ${k.name}: shader ${k.shader}, workgroups [${k.workgroups.join(', ')}], reads ${bindings(k.inputs)} writes ${bindings(k.outputs)}`);
    }
    memory.buffers.forEach((b, i) => log(`buffer #${i} ${b.role} ${formatBytes(b.size)}: ${plan.buffers[i]!.label}`));
    log(
      `memory: intermediates ${formatBytes(report.plannedIntermediateBytes)} planned (peak live ${formatBytes(report.peakIntermediateBytes)}, ` +
        `${formatBytes(report.totalIntermediateBytes)} without reuse); weights ${formatBytes(report.weightsBytes)}`,
    );
  }
  return { plan, weights, graph, report };
}

/** Compiles a decoded model; `modelName` names it in messages. */
export function compileModel(model: OnnxModel, modelName: string, options: CompileOptions = {}): CompiledModel {
  // The importer binds the symbols (and rejects ones no input uses).
  let graph = importModel(model, { dims: options.dims ?? {} });
  if (options.optimize ?? true) {
    const before = graph.nodes.length;
    const result = runPipeline(graph, { dumpDir: options.dumpIrDir });
    graph = result.graph;
    if (options.verbose) {
      const changed = [...new Set(result.report.filter((r) => r.changed).map((r) => r.pass))];
      const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
      log(`optimizer: ${before} → ${graph.nodes.length} nodes (changed by: ${changed.join(', ') || 'none'})`);
    }
  }
  // The generated module names outputs after their values; the passes must have kept the names.
  const names = graph.outputs.map((v) => v.name).join(', ');
  const expected = model.graph.outputs.map((o) => o.name).join(', ');
  if (names !== expected) throw new Error(`graph outputs are named [${names}] after import/optimization, the model's are [${expected}]`);
  const declaredDims = new Map<string, OnnxDim[]>();
  for (const vi of [...model.graph.inputs, ...model.graph.outputs]) if (vi.shape) declaredDims.set(vi.name, vi.shape);
  return compileGraph(graph, { modelName, declaredDims }, options);
}

/** Decodes, imports and compiles `modelPath` without writing anything. */
export function compileToMemory(modelPath: string, options: CompileOptions = {}): CompiledModel {
  return compileModel(loadModelFile(modelPath), basename(modelPath), options);
}

/** Compiles `modelPath` into the folder `outDir` (written whole or not at all). */
export async function compile(modelPath: string, outDir: string, options: CompileOptions = {}): Promise<CompileReport> {
  const compiled = compileToMemory(modelPath, options);
  writeFolder(outDir, await outputFiles(compiled.plan, compiled.weights));
  return compiled.report;
}
