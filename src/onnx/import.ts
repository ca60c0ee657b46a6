/**
 * ONNX model → IR graph.
 *
 * `importModel` walks the decoded model once, in file order: graph inputs (symbolic dims bound
 * from `opts.dims`), initializers as constants, then each node through the importer registered
 * for its op (src/onnx/ops/), which adds canonical IR ops. `Graph.add` infers types as nodes are
 * added and folds nodes whose inputs are all constants, so the exporters' shape plumbing
 * disappears here when shapes are known.
 *
 * Symbols left unbound stay symbolic: shapes become dim expressions (`batch*sequence`,
 * `min(512,sequence)`, ir/dim.ts), and shape plumbing is evaluated symbolically at compile time
 * (ir/eval/symbolic.ts) into known contents that importers read through `ctx.constDims` (a
 * Reshape target `[batch, sequence, 4, 32]`); the plumbing nodes are then dropped. Symbols are
 * assumed to be integers ≥ 1 that never stand for a broadcast 1 (ir/dim-range.ts); equalities
 * inference had to assume are kept as `Graph.dimAssertions` for the runtime to check. Only shapes
 * that depend on tensor data remain an UnsupportedFormError.
 *
 * Before importing anything, every node's (domain, op type, opset) is checked against the
 * registry, and all the gaps are reported together in one `UnsupportedOpsError` — a user learns
 * the whole list of missing ops from a single run.
 *
 * With `f64AsF32` the model's float64 tensors are read as float32, as if it had been exported in
 * float32: graph inputs, initializers, tensor attributes and element-type attributes (Cast's `to`
 * and the like, through `dtypeFromCode`). The importers' own float64 intermediates (exact integer
 * arithmetic in integer.ts) stay float64, so they still need constant inputs to fold away.
 */

import { Graph, type Value } from '../../ir/graph.js';
import type { Dim } from '../../ir/shape.js';
import type { OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from './model.js';
import { ImportError, SymbolicDimError, UnsupportedFormError, UnsupportedOpsError, type UnsupportedOp } from './errors.js';
import { ImportContext, type SubgraphImporter } from './ops/context.js';
import { findImporter } from './ops/index.js';
import { float64AsFloat32 } from './ops/common.js';
import { pinInputs, type PinnedValue } from './structural.js';

export interface ImportOptions {
  /**
   * Sizes for symbolic input dims, by symbol name as the model writes it or as the IR spells it
   * (a dim_param that is not an identifier has its bad characters replaced by `_`; unnamed dims
   * are `unk_<input>_<axis>`; `Graph.symbolNames` maps IR symbols back). Unbound symbols stay
   * symbolic: shapes are computed as dim expressions of them.
   */
  dims?: Readonly<Record<string, number>>;
  /** Read the model's float64 tensors as float32 (`--f64-as-f32`; see the header). */
  f64AsF32?: boolean;
  /** With f64AsF32: called with each thing read as float32 ("input 'x'", "initializer 'w'", …). */
  onF64AsF32?: (what: string) => void;
  /**
   * Values of graph inputs that decide the structure (axes given as inputs), fixed for one
   * variant by src/variants.ts; importers read them through ctx.structuralInput (structural.ts).
   */
  pinned?: ReadonlyMap<string, PinnedValue>;
}

export function importModel(model: OnnxModel, opts: ImportOptions = {}): Graph {
  const og = model.graph;
  // ONNX node names are optional; generated ones keep messages and IR names meaningful.
  const nodeNames = og.nodes.map((n, i) => (n.name !== '' ? n.name : `${n.opType}_${i}`));
  checkSupported(model, nodeNames);

  const g = new Graph();
  pinInputs(g, opts.pinned);
  const values = new Map<string, Value>();
  const onF64 = opts.f64AsF32 ? (opts.onF64AsF32 ?? (() => {})) : undefined;
  declareInputs(g, og, opts.dims ?? {}, values, onF64);
  for (const [name, tensor] of og.initializers) {
    if (tensor.dtype === 'float64' && onF64) onF64(`initializer '${name}'`);
    values.set(name, g.addConstant(name, tensor.dtype === 'float64' && onF64 ? float64AsFloat32(tensor) : tensor));
  }

  // Where each value is produced, to tell "defined later" (order) from "defined nowhere".
  const producedBy = new Map<string, number>();
  og.nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && !producedBy.has(o) && producedBy.set(o, i)));

  const whyUndefined = (name: string): string => {
    const j = producedBy.get(name);
    if (j === undefined) return "it is not a graph input, an initializer or any node's output";
    return `it is produced by node '${nodeNames[j]}' (${og.nodes[j]!.opType}), which comes later: nodes must be in topological order`;
  };
  const subgraphs = subgraphImporter(g, model, onF64);
  og.nodes.forEach((node, i) => importNode(g, model, node, nodeNames[i]!, values, whyUndefined, onF64, subgraphs));

  g.outputs = og.outputs.map((vi) => bindOutput(g, vi, values));
  dropShapePlumbing(g);
  return g;
}

/**
 * Throws UnsupportedOpsError listing every node whose op (at the model's opset) has no importer,
 * in the graph and in the subgraphs of its nodes (If branches, Scan bodies), which are named
 * `<node>/<attribute>/<subgraph node>`.
 */
function checkSupported(model: OnnxModel, nodeNames: string[]): void {
  const missing = new Map<string, UnsupportedOp>();
  const visit = (nodes: readonly OnnxNode[], names: readonly string[]) => {
    nodes.forEach((n, i) => {
      for (const [key, a] of n.attributes) {
        const subs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
        for (const sub of subs) visit(sub.nodes, sub.nodes.map((m, j) => `${names[i]}/${key}/${m.name !== '' ? m.name : `${m.opType}_${j}`}`));
      }
      const opset = model.opsets.get(n.domain);
      if (findImporter(n.domain, n.opType, opset) !== undefined) return;
      const k = `${n.domain}\u0000${n.opType}`;
      const entry = missing.get(k) ?? { opType: n.opType, domain: n.domain, opset, count: 0, nodes: [] };
      entry.count++;
      entry.nodes.push(names[i]!);
      missing.set(k, entry);
    });
  };
  visit(model.graph.nodes, nodeNames);
  if (missing.size > 0) throw new UnsupportedOpsError([...missing.values()]);
}

/**
 * The importer of subgraphs (ctx.inlineGraph): binds the subgraph's inputs and initializers, sees
 * the enclosing scope's values, imports its nodes (named `<prefix>/<node>`) and returns its outputs.
 */
function subgraphImporter(g: Graph, model: OnnxModel, onF64: ((what: string) => void) | undefined): SubgraphImporter {
  const inline: SubgraphImporter = (sub, inputs, prefix, outer) => {
    const values = new Map(outer);
    sub.inputs.forEach((vi, i) => values.set(vi.name, inputs[i]!));
    for (const [name, tensor] of sub.initializers) {
      if (tensor.dtype === 'float64' && onF64) onF64(`initializer '${name}' of '${prefix}'`);
      values.set(name, g.addConstant(`${prefix}/${name}`, tensor.dtype === 'float64' && onF64 ? float64AsFloat32(tensor) : tensor));
    }
    const why = (name: string) => `it is not defined in subgraph '${sub.name}' or an enclosing scope before this node`;
    sub.nodes.forEach((node, i) => importNode(g, model, node, `${prefix}/${node.name !== '' ? node.name : `${node.opType}_${i}`}`, values, why, onF64, inline));
    return sub.outputs.map((vi) => {
      const v = values.get(vi.name);
      if (v === undefined) throw new ImportError(`output '${vi.name}' of subgraph '${sub.name}' is not produced by any of its nodes or scopes`);
      return v;
    });
  };
  return inline;
}

/** Symbol names must survive the IR's text form, so unknown dims get a plain identifier. */
function unknownDimName(input: string, axis: number): string {
  return `unk_${input.replace(/[^A-Za-z0-9_]/g, '_')}_${axis}`;
}

/**
 * A dim_param as an IR symbol: an identifier that is not a function name of the dim grammar
 * (`min`, `max`), so every symbolic expression prints and parses. Bad characters become `_`.
 */
function symbolName(param: string): string {
  let s = param.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  if (s === 'min' || s === 'max') s = `${s}_`;
  return s;
}

function declareInputs(
  g: Graph,
  og: OnnxGraph,
  dims: Readonly<Record<string, number>>,
  values: Map<string, Value>,
  onF64: ((what: string) => void) | undefined,
): void {
  for (const [sym, size] of Object.entries(dims)) {
    if (!Number.isInteger(size) || size < 0) throw new ImportError(`dims: '${sym}' must be a non-negative integer, got ${size}`);
  }
  // IR symbol → what the model wrote (a dim_param, or a description of an unnamed dim).
  const original = g.symbolNames;
  const bySource = new Map<string, string>();
  const symbolFor = (param: string): string => {
    let sym = bySource.get(param);
    if (sym !== undefined) return sym;
    const base = symbolName(param);
    sym = base;
    for (let i = 1; original.has(sym); i++) sym = `${base}_${i}`;
    bySource.set(param, sym);
    original.set(sym, param);
    return sym;
  };
  const used = new Set<string>();
  for (const vi of og.inputs) {
    // An input that also has an initializer is a constant with a default: treat it as a constant.
    if (og.initializers.has(vi.name)) continue;
    if (vi.dtype === null) throw new ImportError(`graph input '${vi.name}' has no tensor element type (or one the IR does not support)`);
    if (vi.dtype === 'string') throw new ImportError(`graph input '${vi.name}' is a string tensor, which is not supported`);
    if (vi.shape === null) throw new ImportError(`graph input '${vi.name}' has no shape; its rank must be known`);
    const shape: Dim[] = vi.shape.map((d, axis) => {
      if (typeof d === 'number') return d;
      let sym: string;
      if (d === null || d === undefined) {
        sym = unknownDimName(vi.name, axis);
        original.set(sym, `unnamed dim ${axis} of input '${vi.name}'`);
      } else sym = symbolFor(d);
      // `dims` may name a symbol as the model wrote it or as the IR spells it.
      const key = d !== null && d !== undefined && d in dims ? d : sym;
      if (key in dims) {
        used.add(key);
        return dims[key]!;
      }
      used.add(sym);
      return sym;
    });
    if (vi.dtype === 'float64' && onF64) onF64(`input '${vi.name}'`);
    values.set(vi.name, g.addInput(vi.name, { dtype: vi.dtype === 'float64' && onF64 ? 'float32' : vi.dtype, shape }));
  }
  const unused = Object.keys(dims).filter((s) => !used.has(s));
  if (unused.length > 0) {
    const known = original.size > 0 ? [...original.values()].join(', ') : 'none';
    throw new ImportError(`dims binds ${unused.map((s) => `'${s}'`).join(', ')}, which no graph input uses (symbols: ${known})`);
  }
}

/**
 * Drops nodes that only computed shapes for importers (their outputs carry `Value.symbolic`
 * and nothing reads them any more): Shape → Gather → Concat chains whose results became
 * attributes. Other unused nodes stay, as the model wrote them (the optimizer's DCE removes them).
 */
function dropShapePlumbing(g: Graph): void {
  for (;;) {
    const used = new Set<Value>(g.outputs);
    for (const n of g.nodes) for (const v of n.inputs) used.add(v);
    const dead = g.nodes.filter((n) => n.outputs.every((v) => v.symbolic !== undefined && !used.has(v)));
    if (dead.length === 0) return;
    g.removeNodes(dead);
  }
}

function importNode(
  g: Graph,
  model: OnnxModel,
  node: OnnxNode,
  name: string,
  values: Map<string, Value>,
  whyUndefined: (value: string) => string,
  onF64: ((what: string) => void) | undefined,
  subgraphs: SubgraphImporter,
): void {
  for (const input of node.inputs) {
    if (input !== '' && !values.has(input)) {
      throw new ImportError(`input '${input}' is not defined before this node: ${whyUndefined(input)}`, name, node.opType);
    }
  }
  const opset = model.opsets.get(node.domain)!;
  const importer = findImporter(node.domain, node.opType, opset)!; // checkSupported guarantees it
  const ctx = new ImportContext(g, node, name, opset, values, onF64, subgraphs);

  let results: (Value | undefined)[];
  try {
    results = importer.import(ctx);
  } catch (e) {
    if (e instanceof ImportError) throw e;
    if (e instanceof SymbolicDimError) throw new UnsupportedFormError(name, node.opType, e.message);
    throw new ImportError((e as Error).message, name, node.opType, { cause: e });
  }

  node.outputs.forEach((out, i) => {
    if (out === '') return;
    const v = results[i];
    if (v === undefined) throw new ImportError(`output ${i} ('${out}') was not produced by the importer`, name, node.opType);
    if (values.has(out)) throw new ImportError(`output '${out}' is already defined (ONNX values are assigned once)`, name, node.opType);
    values.set(out, v);
  });
}

/**
 * The IR value for a graph output. Its name is the model's output name; when the value was bound
 * under another name (Identity, a no-op Reshape, an output that is also another output), an IR
 * identity gives it the right one, since downstream stages name outputs after their values.
 */
function bindOutput(g: Graph, vi: OnnxValueInfo, values: Map<string, Value>): Value {
  const v = values.get(vi.name);
  if (v === undefined) throw new ImportError(`graph output '${vi.name}' is not produced by any node, input or initializer`);
  if (v.name === vi.name) return v;
  return g.add({ kind: 'unary', fn: 'identity', alpha: 0, beta: 0 }, [v], vi.name, [vi.name])[0]!;
}
