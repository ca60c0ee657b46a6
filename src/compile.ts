/**
 * The compile driver: model file → decoded ONNX → IR graph → optimized (src/passes) → verified →
 * kernels → memory plan → plan + weights → output folder. Each stage throws its own error class (src/errors.ts); this file
 * adds the checks that belong to the GPU target as a whole: every value's dtype must have a GPU
 * representation (no float64, uint64 or string), no shape may depend on data, and int64 constants
 * must fit the i32 they become (checked when the weights are built).
 *
 * Symbols the caller binds (`dims`, `--dim batch=1`) become numbers at import: every shape is then
 * static and so is the plan. Symbols left unbound stay symbolic: the plan runs at any size of them
 * (the runtime derives their values from the input dims). `maxDims` (`--max-dim sequence=512`)
 * declares upper bounds: the runtime allocates for them once at load and refuses larger sizes.
 *
 * float16 values are computed and stored in f32 for now; the report says so when a model has any.
 * float64 is refused unless the caller opts in with `f64AsF32` (`--f64-as-f32`): the importer then
 * reads the model's float64 tensors as float32, and the plan still declares the model's float64
 * inputs and outputs as float64, so run() takes and returns Float64Array (converted at the
 * boundary by runtime/convert.ts) and the user sees the dtypes the model declares.
 *
 * `compileToMemory` stops before the file system, returning the plan and weights, so `compare`,
 * `run` and tests execute the same plan through the same runtime without writing a folder.
 */

import { basename } from 'node:path';
import { generateKernels, type KernelTiling } from '../codegen/generate.js';
import { SUBGROUP_ROW_LANES } from '../codegen/kernels/gemm-core.js';
import { tuneGraph, type TuneRequest, type TuneSummary } from './tune/index.js';
import { DEFAULT_LIMITS, type DeviceLimits } from '../codegen/kernel.js';
import { planMemory } from '../codegen/schedule/memory.js';
import { gpuStorageOf, type DType } from '../ir/dtype.js';
import type { Graph, Value } from '../ir/graph.js';
import { dimSymbols, type Dim } from '../ir/dim.js';
import { printGraph } from '../ir/print.js';
import { verifyGraph } from '../ir/verify.js';
import type { ModelPlan, PlanDimAssertion } from '../runtime/plan.js';
import { loadModelFile } from './onnx/decode.js';
import { importModel } from './onnx/import.js';
import type { OnnxDim, OnnxModel } from './onnx/model.js';
import { buildPlan } from './emit/plan.js';
import { runPipeline } from './passes/pipeline.js';
import { outputFiles, writeFolder } from './emit/write.js';
import { CompileError } from './errors.js';
import { compileWithVariants, type Pins } from './variants.js';

export interface CompileOptions {
  /** Bindings for the model's symbolic dims (`--dim batch=1`); unbound symbols stay symbolic. */
  dims?: Record<string, number>;
  /** Upper bounds of symbols left symbolic (`--max-dim sequence=512`), recorded in the plan. */
  maxDims?: Record<string, number>;
  /** Run the optimizer (src/passes) on an imported model; default true. */
  optimize?: boolean;
  /** Write the IR after each optimizer pass into this folder (`--dump-ir`). */
  dumpIrDir?: string;
  /** Log the IR, the kernels and the memory plan. */
  verbose?: boolean;
  /** Where verbose lines go; default stderr. */
  log?: (line: string) => void;
  limits?: DeviceLimits;
  /**
   * Compute float64 in f32 on the GPU (`--f64-as-f32`) instead of refusing it: float64 inputs
   * and outputs keep their dtype at the run() boundary, constants are converted here.
   */
  f64AsF32?: boolean;
  /** Tilings by matmul/conv node name (what `tune` found); others use the heuristic default. */
  tilings?: ReadonlyMap<string, KernelTiling>;
  /**
   * Emit the subgroup-sharing form of big GEMMs next to a plain fallback (default true; the
   * runtime picks per device, runtime/device.ts planForDevice). false: plain kernels only.
   */
  subgroups?: boolean;
  /**
   * `compile --tune`: measure GEMM tilings on this machine's adapter (src/tune) before generating
   * kernels, reusing the tuning cache. Only `compile` (async) honours it.
   */
  tune?: TuneRequest;
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
  /** The symbols left symbolic (empty when every dim is bound). */
  symbols: string[];
  /**
   * The binding the byte figures above are evaluated at when sizes are symbolic: the --max-dim
   * bounds, else every symbol = 64 (codegen/schedule/memory.ts). Empty when every size is static.
   */
  reference: Record<string, number>;
  /** With `tune`: where the tilings came from (signatures measured now vs from the cache). */
  tuning?: { adapter: string; cachePath: string; measured: number; reused: number; kernels: number };
  /** Things the user should know about how the model was compiled (e.g. float16 in f32). */
  notes: string[];
  /** With f64AsF32: the model's float64 things read as float32 ("input 'x'", …); else empty. */
  f64AsF32: string[];
  /** Set when graph inputs decide the structure: how many variants were compiled, selected by which inputs (src/variants.ts). */
  variants?: { count: number; inputs: string[] };
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
      return 'WebGPU has no 64-bit floats; export the model in float32, or compile with --f64-as-f32 to compute it in f32';
    case 'uint64':
      return 'WebGPU has no 64-bit integers and uint64 is not computed as int32; export the model with int64 or int32';
    case 'string':
      return 'string tensors cannot live on the GPU';
    default:
      return `dtype ${dtype} has no GPU representation`;
  }
}

/** Throws CompileError for the first value whose dtype the GPU lacks or whose length depends on data. */
function checkGpuValues(graph: Graph): void {
  const where = new Map<Value, string>();
  for (const v of graph.inputs) where.set(v, `input '${v.name}'`);
  for (const n of graph.nodes) {
    for (const v of n.outputs) where.set(v, `value '${v.name}' (output of node '${n.name}' (${n.op.kind}))`);
    for (const v of n.inputs) if (!where.has(v)) where.set(v, `constant '${v.name}' (used by node '${n.name}' (${n.op.kind}))`);
  }
  for (const v of graph.outputs) if (!where.has(v)) where.set(v, `output '${v.name}'`);

  // A Range whose bounds are computed at run time has a length only the data decides (IR inference
  // names it with a generated symbol): no --dim can bind that, so it is refused as what it is.
  const inputSymbols = symbolsOfInputs(graph);
  // A Range up to a value symbol (a window size given as an input) has its length bound per run.
  for (const s of graph.valueSymbols) inputSymbols.add(s.name);
  const dataDependent: string[] = [];
  for (const [v, what] of where) {
    if (gpuStorageOf(v.type.dtype) === null) throw new CompileError(`${what} is ${v.type.dtype}: ${dtypeProblem(v.type.dtype)}`);
    v.type.shape.forEach((d) => {
      if (typeof d === 'string' && v.producer?.op.kind === 'range' && dimSymbols(d).some((s) => !inputSymbols.has(s))) dataDependent.push(what);
    });
  }
  if (dataDependent.length > 0) {
    throw new CompileError(
      `${dataDependent[0]} has a length computed from data at run time (a Range whose bounds are not constants); data-dependent shapes are not supported`,
    );
  }
}

/** The symbols of the graph's inputs (what stays symbolic after the --dim bindings). */
function symbolsOfInputs(graph: Graph): Set<string> {
  return new Set(graph.inputs.flatMap((v) => v.type.shape.flatMap((d) => dimSymbols(d))));
}

/** Checks `--max-dim` bounds against the symbols the compiled graph still has. */
function checkMaxDims(graph: Graph, maxDims: Record<string, number>, bound: Record<string, number>): void {
  const symbols = symbolsOfInputs(graph);
  for (const [name, n] of Object.entries(maxDims)) {
    if (!Number.isInteger(n) || n < 1) throw new CompileError(`--max-dim ${name}=${n}: the bound must be a positive integer`);
    if (name in bound) throw new CompileError(`--max-dim ${name}: '${name}' is bound at compile time (--dim ${name}=${bound[name]}), so it has no range to bound`);
    if (!symbols.has(name)) {
      throw new CompileError(`--max-dim ${name}: no input has the symbolic dim '${name}' (symbolic dims: ${[...symbols].join(', ') || 'none'})`);
    }
  }
}

/** The graph's dim assertions (Graph.dimAssertions: sizes the model needs equal), when it records any. */
function graphDimAssertions(graph: Graph): PlanDimAssertion[] {
  const list = (graph as unknown as { dimAssertions?: unknown }).dimAssertions;
  if (!Array.isArray(list)) return [];
  const isDim = (d: unknown): d is Dim => typeof d === 'number' || typeof d === 'string';
  return list
    .filter((x): x is { a: Dim; b: Dim; where?: unknown } => typeof x === 'object' && x !== null && isDim((x as { a?: unknown }).a) && isDim((x as { b?: unknown }).b))
    .map((x) => ({ a: x.a, b: x.b, where: typeof x.where === 'string' ? x.where : 'the model' }));
}

/** "batch=64, sequence=512". */
export function formatBinding(env: Readonly<Record<string, number>>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
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
  const maxDims = options.maxDims ?? {};
  checkMaxDims(graph, maxDims, options.dims ?? {});
  if (options.verbose) log(printGraph(graph, { elideConstantsOver: 16 }));

  // Subgroup forms carry plain fallbacks, so offering them is safe for any target device.
  const limits = options.limits ?? (options.subgroups === false ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, subgroupMinSize: SUBGROUP_ROW_LANES });
  const { kernels, views, dims } = generateKernels(graph, limits, { tilings: options.tilings });
  const memory = planMemory(graph, kernels, views, { maxDims });
  const { plan, weights } = buildPlan({ graph, kernels, memory, ...source, dims, maxDims, dimAssertions: graphDimAssertions(graph) });

  const notes: string[] = [];
  const hasHalf = graph.inputs.some((v) => v.type.dtype === 'float16') || graph.nodes.some((n) => [...n.inputs, ...n.outputs].some((v) => v.type.dtype === 'float16'));
  if (plan.symbols.length > 0) {
    const names = plan.symbols.map((x) => x.name).join(', ');
    notes.push(`symbolic dims ${names}: one plan runs at any size of them${Object.keys(maxDims).length ? ` up to ${formatBinding(maxDims)}` : ''}; byte figures are at ${formatBinding(memory.reference)}`);
  }
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
    symbols: plan.symbols.map((x) => x.name),
    reference: memory.reference,
    notes,
    f64AsF32: [],
  };
  if (options.verbose) {
    const bindings = (bs: { buffer: number }[]) => bs.map((b) => `#${b.buffer}`).join(' ');
    for (const k of plan.kernels) {
      log(`kernel ${k.name}: shader ${k.shader}, workgroups [${k.workgroups.join(', ')}]${k.usesDims ? ' (reads the dims table)' : ''}, reads ${bindings(k.inputs)} writes ${bindings(k.outputs)}`);
    }
    memory.buffers.forEach((b, i) => log(`buffer #${i} ${b.role} ${typeof b.size === 'number' ? formatBytes(b.size) : `${b.size} B`}: ${plan.buffers[i]!.label}`));
    if (plan.dims.length > 0) log(`dims table: ${plan.dims.map((d, i) => `[${i}] ${d}`).join(', ')}`);
    log(
      `memory: intermediates ${formatBytes(report.plannedIntermediateBytes)} planned (peak live ${formatBytes(report.peakIntermediateBytes)}, ` +
        `${formatBytes(report.totalIntermediateBytes)} without reuse)${plan.symbols.length > 0 ? ` at ${formatBinding(memory.reference)}` : ''}; ` +
        `weights ${formatBytes(report.weightsBytes)}`,
    );
  }
  return { plan, weights, graph, report };
}

/**
 * With --f64-as-f32: the plan's inputs and outputs that are float64 in the model (computed as
 * float32) are float64 again at the run() boundary, and the report lists what was read as f32.
 * An output's type is the one the model declares; where it declares none, a second import without
 * the option says what the output would be (inference there keeps float64).
 */
function restoreF64Boundary(compiled: CompiledModel, model: OnnxModel, readAsF32: string[], dims: Record<string, number>, pinned: Pins): void {
  if (readAsF32.length === 0) return;
  const io = [...model.graph.inputs, ...model.graph.outputs];
  const f64 = new Set(io.filter((v) => v.dtype === 'float64').map((v) => v.name));
  if (model.graph.outputs.some((v) => v.dtype === null)) {
    try {
      for (const v of importModel(model, { dims, pinned }).outputs) if (v.type.dtype === 'float64') f64.add(v.name);
    } catch {
      // The model imported with the option; if it cannot without, its undeclared outputs keep
      // the dtype they are computed in (float32), which the plan and model.d.ts then state.
    }
  }
  for (const t of [...compiled.plan.inputs, ...compiled.plan.outputs]) if (f64.has(t.name) && t.dtype === 'float32') t.dtype = 'float64';
  const shown = readAsF32.slice(0, 3).join(', ') + (readAsF32.length > 3 ? ` and ${readAsF32.length - 3} more` : '');
  compiled.report.f64AsF32 = [...readAsF32];
  compiled.report.notes.push(`float64 is computed and stored as f32 on the GPU (--f64-as-f32; about 7 significant digits): ${shown}`);
}

/**
 * Compiles a decoded model; `modelName` names it in messages. Graph inputs that decide the
 * structure (axes given at run time) make one variant per legal value (src/variants.ts).
 */
export function compileModel(model: OnnxModel, modelName: string, options: CompileOptions = {}): CompiledModel {
  return compileWithVariants((pinned) => compileVariant(model, modelName, options, pinned));
}

/** Compiles `model` with the selecting inputs in `pinned` fixed (none: a model without any). */
function compileVariant(model: OnnxModel, modelName: string, options: CompileOptions, pinned: Pins): CompiledModel {
  // The importer binds the symbols (and rejects ones no input uses).
  const readAsF32: string[] = [];
  let graph = importModel(model, { dims: options.dims ?? {}, f64AsF32: options.f64AsF32 ?? false, onF64AsF32: (what) => readAsF32.push(what), pinned });
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
  const compiled = compileGraph(graph, { modelName, declaredDims }, options);
  restoreF64Boundary(compiled, model, readAsF32, options.dims ?? {}, pinned);
  return compiled;
}

/** Decodes, imports and compiles `modelPath` without writing anything. */
export function compileToMemory(modelPath: string, options: CompileOptions = {}): CompiledModel {
  return compileModel(loadModelFile(modelPath), basename(modelPath), options);
}

/**
 * Compiles `modelPath` into the folder `outDir` (written whole or not at all). With `tune`, a first
 * compile gives the optimized graph whose matmuls are tuned, and the second one uses the tilings
 * (the importer and passes are deterministic, so node names match).
 */
export async function compile(modelPath: string, outDir: string, options: CompileOptions = {}): Promise<CompileReport> {
  let tuning: TuneSummary | undefined;
  if (options.tune) {
    const first = compileToMemory(modelPath, { ...options, tune: undefined, verbose: false });
    tuning = await tuneGraph(first.graph, first.report.reference, options.tune);
  }
  const compiled = compileToMemory(modelPath, tuning ? { ...options, tilings: tuning.tilings } : options);
  if (tuning) {
    compiled.report.tuning = { adapter: tuning.adapter, cachePath: tuning.cachePath, measured: tuning.measured, reused: tuning.reused, kernels: tuning.tilings.size };
  }
  writeFolder(outDir, await outputFiles(compiled.plan, compiled.weights));
  return compiled.report;
}
