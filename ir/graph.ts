/**
 * The IR graph: a typed SSA graph of canonical ops.
 *
 * Every value is defined once (a graph input, a constant, or one output of one node) and carries a
 * dtype and a shape. Nodes are kept in a topological order. `Graph.add` is the one way nodes are
 * created: it infers the output types from the op and the input types (so a malformed node fails
 * where it is built, naming the node), and folds the node into a constant when all its inputs are
 * constants and the CPU evaluator supports the op — which is how exporters' shape plumbing
 * (Shape → Gather → Concat → Reshape) disappears at import when shapes are known.
 *
 * With symbolic dims the same plumbing is evaluated symbolically (ir/eval/symbolic.ts): a small
 * integer result whose entries are dim expressions is recorded on the output value
 * (`Value.symbolic`), so importers read a Reshape target as `[batch, sequence, 4, 32]`; the node
 * itself stays until nothing reads it (import drops such nodes when unused). Where inference
 * assumed two dims equal that it cannot prove equal, the graph records a run-time assertion
 * (`Graph.dimAssertions`).
 */

import type { DType, HostArray } from './dtype.js';
import type { Op } from './ops.js';
import type { Dim, DimAssertion } from './shape.js';
import { collectDimAssertions, formatShape } from './shape.js';
import { inferTypes } from './infer.js';
import { evaluate, canEvaluate } from './eval/index.js';
import { evaluateSymbolic } from './eval/symbolic.js';
import { fromFloat64 } from './eval/tensor.js';

export interface TensorType {
  dtype: DType;
  shape: Dim[];
}

/** A host tensor: constants in the graph, the CPU evaluator's inputs and outputs. */
export interface Tensor {
  dtype: DType;
  dims: number[];
  data: HostArray;
}

export class Value {
  /** Set when the value is a constant (initializer, Constant node, or folded result). */
  data?: Tensor;
  /**
   * Known contents of a small 0-d or 1-d int32/int64 value computed from symbolic dims (a shape
   * computation), row-major: e.g. `[batch, sequence, 4, 32]` for the target of a Reshape. The value
   * is still computed by its producer; this is what compile-time consumers read instead.
   */
  symbolic?: Dim[];
  /** The node that defines this value; undefined for graph inputs and constants. */
  producer?: Node;
  constructor(
    readonly id: number,
    public name: string,
    public type: TensorType,
  ) {}

  get isConstant(): boolean {
    return this.data !== undefined;
  }
  get rank(): number {
    return this.type.shape.length;
  }
}

/**
 * A symbol defined by the VALUE of a graph input rather than one of its dims: element `index` of
 * input `input` (a 1-d or 0-d int32/int64 tensor of static shape). Like every symbol it is assumed
 * to be an integer ≥ 1 (ir/dim-range.ts); the runtime checks that per run, since here it is data.
 * `offset` and `scaleOf` make other quantities symbols (runtime/dim-expr.ts valueSymbolOf).
 */
export interface ValueSymbol {
  name: string;
  input: string;
  index: number;
  /** The symbol is the element plus this (so a value that may be 0, a pad, is `symbol - offset`). */
  offset?: number;
  /** The symbol is ⌊scaleOf · element⌋ (a size from a float scale, Resize); a dim over other symbols. */
  scaleOf?: Dim;
}

export interface Node {
  id: number;
  /** The ONNX node name it came from (for error messages and profiles), or a generated one. */
  name: string;
  op: Op;
  inputs: Value[];
  outputs: Value[];
}

/** Largest constant (elements) that `add` folds eagerly; bigger results stay graph nodes. */
export const FOLD_LIMIT_ELEMENTS = 1 << 24;

export class Graph {
  readonly inputs: Value[] = [];
  outputs: Value[] = [];
  nodes: Node[] = [];
  /** Dim equalities shape inference assumed and the runtime must check (see DimAssertion). */
  dimAssertions: DimAssertion[] = [];
  /** IR symbol → the name the model used for it (import sanitizes names; messages show these). */
  symbolNames = new Map<string, string>();
  /**
   * Symbols whose value is an element of a small integer graph input (a Reshape target or an
   * Expand shape given at run time, see ValueSymbol); the runtime reads them from the input's data.
   */
  valueSymbols: ValueSymbol[] = [];
  private nextValueId = 0;
  private nextNodeId = 0;
  private readonly names = new Set<string>();

  /** Declares a graph input. */
  addInput(name: string, type: TensorType): Value {
    const v = this.newValue(name, type);
    this.inputs.push(v);
    return v;
  }

  /** Adds a constant value holding `tensor`. */
  addConstant(name: string, tensor: Tensor): Value {
    const v = this.newValue(name, { dtype: tensor.dtype, shape: [...tensor.dims] });
    v.data = tensor;
    return v;
  }

  /**
   * Adds a node computing `op` on `inputs`, returning its outputs (typed by shape inference).
   * `outputNames` name the outputs (ONNX names on import); missing names are generated.
   * Folds to constants when every input is constant, unless `fold` is false.
   */
  add(op: Op, inputs: Value[], name?: string, outputNames: string[] = [], fold = true): Value[] {
    const nodeName = name ?? `${op.kind}_${this.nextNodeId}`;
    let types: TensorType[];
    let assumed: { a: Dim; b: Dim }[];
    try {
      [types, assumed] = collectDimAssertions(() => inferTypes(op, inputs));
    } catch (e) {
      const shapes = inputs.map((v) => `${v.type.dtype}${formatShape(v.type.shape)}`).join(', ');
      throw new Error(`node '${nodeName}' (${op.kind}) on inputs (${shapes}): ${(e as Error).message}`);
    }
    for (const { a, b } of assumed) this.assertDims(a, b, nodeName);
    if (fold && inputs.length > 0 && inputs.every((v) => v.isConstant) && canEvaluate(op)) {
      const size = types.reduce((n, t) => n + t.shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : Infinity), 1), 0);
      if (size <= FOLD_LIMIT_ELEMENTS) {
        const results = evaluate(op, inputs.map((v) => v.data!));
        return results.map((t, i) => this.addConstant(outputNames[i] ?? `${nodeName}_out${i}`, t));
      }
    }
    // Shape arithmetic with symbolic dims: known contents, or a constant when every entry is a number.
    const symbolic = types.length === 1 ? evaluateSymbolic(op, inputs, types[0]!) : undefined;
    if (fold && symbolic && symbolic.every((d) => typeof d === 'number')) {
      const t = types[0]!;
      return [this.addConstant(outputNames[0] ?? `${nodeName}_out0`, fromFloat64(t.dtype, t.shape as number[], symbolic as number[]))];
    }
    const node: Node = { id: this.nextNodeId++, name: nodeName, op, inputs, outputs: [] };
    node.outputs = types.map((t, i) => {
      const v = this.newValue(outputNames[i] ?? `${nodeName}_out${i}`, t);
      v.producer = node;
      return v;
    });
    if (symbolic) node.outputs[0]!.symbolic = symbolic;
    this.nodes.push(node);
    return node.outputs;
  }

  /** Records that dims `a` and `b` must be equal at run time (once per pair), naming `where`. */
  assertDims(a: Dim, b: Dim, where: string): void {
    if (a === b || this.dimAssertions.some((x) => x.a === a && x.b === b)) return;
    this.dimAssertions.push({ a, b, where });
  }

  /** Replaces every use of `from` (node inputs and graph outputs) with `to`. */
  replaceAllUses(from: Value, to: Value): void {
    for (const n of this.nodes) n.inputs = n.inputs.map((v) => (v === from ? to : v));
    this.outputs = this.outputs.map((v) => (v === from ? to : v));
  }

  /** Values used by some node or as a graph output, with their consumer nodes. */
  users(): Map<Value, Node[]> {
    const m = new Map<Value, Node[]>();
    for (const n of this.nodes) for (const v of n.inputs) m.set(v, [...(m.get(v) ?? []), n]);
    return m;
  }

  /** Drops `nodes` from the node list (their output values simply stop being defined). */
  removeNodes(nodes: Iterable<Node>): void {
    const drop = new Set(nodes);
    if (drop.size > 0) this.nodes = this.nodes.filter((n) => !drop.has(n));
  }

  /**
   * Restores a topological order after nodes were added out of place (passes append replacement
   * nodes at the end). Stable: each node keeps its place unless a producer must move ahead of it.
   * Throws on a cycle.
   */
  sortNodes(): void {
    const inGraph = new Set(this.nodes);
    const state = new Map<Node, 'visiting' | 'done'>();
    const order: Node[] = [];
    const visit = (root: Node) => {
      // Iterative DFS (post-order), so long chains cannot overflow the stack.
      const stack: [Node, number][] = [[root, 0]];
      state.set(root, 'visiting');
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const [node, i] = top;
        if (i < node.inputs.length) {
          top[1]++;
          const p = node.inputs[i]!.producer;
          if (!p || !inGraph.has(p)) continue;
          const st = state.get(p);
          if (st === 'visiting') throw new Error(`graph has a cycle through node '${p.name}'`);
          if (st === undefined) {
            state.set(p, 'visiting');
            stack.push([p, 0]);
          }
        } else {
          stack.pop();
          state.set(node, 'done');
          order.push(node);
        }
      }
    };
    for (const n of this.nodes) if (!state.has(n)) visit(n);
    this.nodes = order;
  }

  /**
   * A structural copy: new Value and Node objects with the same names, types and ops, so passes
   * can rewrite the copy while the original stays intact. Constant data is shared, not copied
   * (tensors are never mutated in place).
   */
  clone(): Graph {
    const g = new Graph();
    const map = new Map<Value, Value>();
    const copy = (v: Value): Value => {
      let c = map.get(v);
      if (!c) {
        if (!v.isConstant) throw new Error(`clone: value %${v.name} is used before it is defined`);
        c = g.addConstant(v.name, v.data!);
        map.set(v, c);
      }
      return c;
    };
    for (const v of this.inputs) {
      const c = g.addInput(v.name, { dtype: v.type.dtype, shape: [...v.type.shape] });
      // An input read as value symbols (valueSymbols) keeps them: re-inference reads its contents.
      if (v.symbolic) c.symbolic = [...v.symbolic];
      map.set(v, c);
    }
    for (const n of this.nodes) {
      const node: Node = { id: n.id, name: n.name, op: structuredClone(n.op), inputs: n.inputs.map(copy), outputs: [] };
      node.outputs = n.outputs.map((v) => {
        const c = g.newValue(v.name, { dtype: v.type.dtype, shape: [...v.type.shape] });
        if (v.symbolic) c.symbolic = [...v.symbolic];
        c.producer = node;
        map.set(v, c);
        return c;
      });
      g.nodes.push(node);
    }
    g.outputs = this.outputs.map(copy);
    g.dimAssertions = this.dimAssertions.map((a) => ({ ...a }));
    g.symbolNames = new Map(this.symbolNames);
    g.valueSymbols = this.valueSymbols.map((s) => ({ ...s }));
    g.nextNodeId = this.nextNodeId;
    return g;
  }

  /** Every constant referenced by a node or graph output, in first-use order. */
  constants(): Value[] {
    const seen = new Set<Value>();
    const visit = (v: Value) => {
      if (v.isConstant) seen.add(v);
    };
    for (const n of this.nodes) n.inputs.forEach(visit);
    this.outputs.forEach(visit);
    return [...seen];
  }

  private newValue(name: string, type: TensorType): Value {
    let unique = name;
    for (let i = 1; this.names.has(unique); i++) unique = `${name}_${i}`;
    this.names.add(unique);
    return new Value(this.nextValueId++, unique, type);
  }
}
