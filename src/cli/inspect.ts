/**
 * `onnx-wgsl inspect MODEL.onnx`: what a model is and whether we can compile it — IR version,
 * producer, opsets, inputs and outputs with their (symbolic) dims, initializer count and size, a
 * histogram of op types, and every op we do not support (from the importer's one-shot check). An
 * unsupported model is a normal answer here, so inspect exits 0 unless the file cannot be decoded.
 *
 * It also compiles the model in memory (with --dim bindings) and reports what the compiler made
 * of it: the IR op histogram after the optimizer and `kernels`, the GPU dispatches per inference
 * (views such as reshapes cost none). A model that does not compile reports why instead.
 */

import { basename } from 'node:path';
import { hostBytesPerElement } from '../../ir/dtype.js';
import { loadModelFile } from '../onnx/decode.js';
import { describeOp, ImportError, UnsupportedOpsError, type UnsupportedOp } from '../onnx/errors.js';
import type { OnnxModel, OnnxValueInfo } from '../onnx/model.js';
import type { Io } from './io.js';
import { compileModel, formatBytes } from '../compile.js';
import { isKnownError } from '../errors.js';
import { opHistogram } from '../passes/pipeline.js';

export interface InspectResult {
  model: string;
  irVersion: number;
  producer: string;
  opsets: Record<string, number>;
  inputs: { name: string; dtype: string | null; dims: (number | string | null)[] | null }[];
  outputs: { name: string; dtype: string | null; dims: (number | string | null)[] | null }[];
  initializers: { count: number; bytes: number };
  nodes: number;
  /** The ONNX node count (same as `nodes`). */
  onnxNodes: number;
  /** Op type → count; non-default domains as `domain::Op`. */
  ops: Record<string, number>;
  /** IR op → count after the optimizer ('binary.add', 'conv', …); null when the model does not compile. */
  optimizedOps: Record<string, number> | null;
  /** GPU dispatches per inference of the compiled model; null when it does not compile. */
  kernels: number | null;
  /** Why the model does not compile (unsupported ops are also listed in `unsupportedOps`). */
  compileError?: string;
  /** Graph inputs that decide the structure: the variants compiled (src/variants.ts); the figures above are the first variant's. */
  variants?: { count: number; inputs: string[]; note: string };
  unsupportedOps: UnsupportedOp[];
  /** An import problem other than unsupported ops (e.g. a form we do not lower), if any. */
  importError?: string;
}

function valueInfo(vi: OnnxValueInfo) {
  return { name: vi.name, dtype: vi.dtype, dims: vi.shape };
}

export function inspectModel(model: OnnxModel, name: string, dims: Record<string, number>): InspectResult {
  const g = model.graph;
  const ops: Record<string, number> = {};
  for (const n of g.nodes) {
    const key = n.domain === '' ? n.opType : `${n.domain}::${n.opType}`;
    ops[key] = (ops[key] ?? 0) + 1;
  }
  let bytes = 0;
  for (const t of g.initializers.values()) {
    bytes += t.dtype === 'string' ? 0 : t.data.length * hostBytesPerElement(t.dtype);
  }
  const result: InspectResult = {
    model: name,
    irVersion: model.irVersion,
    producer: [model.producerName, model.producerVersion].filter((s) => s !== '').join(' '),
    opsets: Object.fromEntries([...model.opsets].map(([d, v]) => [d === '' ? 'ai.onnx' : d, v])),
    inputs: g.inputs.map(valueInfo),
    outputs: g.outputs.map(valueInfo),
    initializers: { count: g.initializers.size, bytes },
    nodes: g.nodes.length,
    onnxNodes: g.nodes.length,
    ops: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    optimizedOps: null,
    kernels: null,
    unsupportedOps: [],
  };
  try {
    const compiled = compileModel(model, name, { dims });
    const hist = opHistogram(compiled.graph);
    result.optimizedOps = Object.fromEntries(Object.entries(hist).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    result.kernels = compiled.plan.kernels.length;
    const v = compiled.report.variants;
    if (v) result.variants = { ...v, note: compiled.report.notes.find((n) => / selected per run by input/.test(n)) ?? '' };
  } catch (e) {
    // Unsupported ops, unbound symbols, float64, a kernel we lack: the model is described, not compiled.
    if (e instanceof UnsupportedOpsError) result.unsupportedOps = e.ops;
    else if (e instanceof ImportError) result.importError = e.message;
    // A compiler bug is reported, not thrown: inspect is where one looks when compile fails.
    result.compileError = isKnownError(e) ? e.message : `internal compiler error: ${(e as Error).message ?? String(e)}`;
  }
  return result;
}

function dimsText(dims: (number | string | null)[] | null): string {
  return dims === null ? '(unknown rank)' : `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

export function inspectCommand(modelPath: string, opts: { json: boolean; dims: Record<string, number> }, io: Io): number {
  const r = inspectModel(loadModelFile(modelPath), basename(modelPath), opts.dims);
  if (opts.json) {
    io.out(JSON.stringify(r, null, 2));
    return 0;
  }
  io.out(`model:        ${r.model}`);
  io.out(`ir version:   ${r.irVersion}`);
  io.out(`producer:     ${r.producer || '(none)'}`);
  io.out(`opsets:       ${Object.entries(r.opsets).map(([d, v]) => `${d} ${v}`).join(', ')}`);
  io.out('inputs:');
  for (const i of r.inputs) io.out(`  ${i.name}: ${i.dtype ?? '?'} ${dimsText(i.dims)}`);
  io.out('outputs:');
  for (const o of r.outputs) io.out(`  ${o.name}: ${o.dtype ?? '?'} ${dimsText(o.dims)}`);
  io.out(`initializers: ${r.initializers.count} (${formatBytes(r.initializers.bytes)})`);
  io.out(`ops (${r.nodes} nodes):`);
  for (const [op, n] of Object.entries(r.ops)) io.out(`  ${op.padEnd(24)} ${n}`);
  if (r.unsupportedOps.length === 0) io.out('unsupported ops: none');
  else {
    io.out(`unsupported ops (${r.unsupportedOps.length}):`);
    for (const u of r.unsupportedOps) {
      const more = u.nodes.length > 3 ? ', …' : '';
      io.out(`  ${describeOp(u.opType, u.domain, u.opset)} ×${u.count}: ${u.nodes.slice(0, 3).join(', ')}${more}`);
    }
  }
  if (r.importError) io.out(`import problem: ${r.importError}`);
  if (r.optimizedOps && r.kernels !== null) {
    const irOps = Object.values(r.optimizedOps).reduce((a, b) => a + b, 0);
    io.out(`compiled:     ${irOps} IR ops after the optimizer, ${r.kernels} GPU kernels per inference`);
    for (const [op, n] of Object.entries(r.optimizedOps)) io.out(`  ${op.padEnd(24)} ${n}`);
    if (r.variants) io.out(`variants:     ${r.variants.note} (the figures above are the first variant's)`);
  } else if (r.compileError && !r.importError && r.unsupportedOps.length === 0) {
    io.out(`not compiled: ${r.compileError}`);
  }
  return 0;
}
