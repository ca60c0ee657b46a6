/**
 * The graph edits every pass shares: counting uses, replacing a value (keeping graph output names
 * stable), dropping dead nodes, and reading or building small constants.
 *
 * Graph outputs are named by their values (the generated module's `outputs.logits`), so a rewrite
 * that replaces an output value must hand the name over to the replacement; `replaceValue` does
 * that by swapping the two names, and `canReplace` says when it cannot (the replacement is a graph
 * input or already another output — then the node producing the output has to stay).
 */

import type { DType } from '../../ir/dtype.js';
import { allocHost } from '../../ir/dtype.js';
import type { Graph, Node, Tensor, TensorType, Value } from '../../ir/graph.js';
import type { Op, OpKind } from '../../ir/ops.js';
import type { Dim } from '../../ir/shape.js';
import { inferTypes } from '../../ir/infer.js';

export type OpOf<K extends OpKind> = Extract<Op, { kind: K }>;

/** How many times each value is read: once per node input slot, once per graph output slot. */
export function useCounts(g: Graph): Map<Value, number> {
  const uses = new Map<Value, number>();
  for (const n of g.nodes) for (const v of n.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  for (const v of g.outputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  return uses;
}

/** The nodes reading each value (a node reading a value twice is listed once). */
export function usersOf(g: Graph): Map<Value, Node[]> {
  const users = new Map<Value, Node[]>();
  for (const n of g.nodes) {
    for (const v of new Set(n.inputs)) {
      const list = users.get(v);
      if (list) list.push(n);
      else users.set(v, [n]);
    }
  }
  return users;
}

/** Whether every use of `from` (graph outputs included) can be moved to `to`. */
export function canReplace(g: Graph, from: Value, to: Value): boolean {
  if (from === to) return false;
  if (!g.outputs.includes(from)) return true;
  return !g.inputs.includes(to) && !g.outputs.includes(to);
}

/**
 * Moves every use of `from` to `to`. When `from` is a graph output, or `to` was just built to
 * replace it (`fresh`), the two values swap names, so outputs keep their names and dumps keep the
 * exporter's names on the values that take over. Callers check `canReplace` first.
 */
export function replaceValue(g: Graph, from: Value, to: Value, fresh = false): void {
  if (!canReplace(g, from, to)) {
    throw new Error(`cannot replace %${from.name} with %${to.name}: graph output names must stay distinct`);
  }
  for (const n of g.nodes) {
    for (let i = 0; i < n.inputs.length; i++) if (n.inputs[i] === from) n.inputs[i] = to;
  }
  const isOutput = g.outputs.includes(from);
  if (isOutput) g.outputs = g.outputs.map((v) => (v === from ? to : v));
  if (isOutput || fresh) {
    const name = from.name;
    from.name = to.name;
    to.name = name;
  }
}

/**
 * Re-infers every node's output types in order and adopts a result that differs from the stored
 * type only in the names of symbolic dims. Some symbols are named after values (the length of a
 * `range` with computed bounds is `range_len_<operand names>`), so merging or renaming values
 * renames them; anything else that differs is left for the verifier to report.
 */
export function refreshSymbols(g: Graph): void {
  for (const n of g.nodes) {
    let types: TensorType[];
    try {
      types = inferTypes(n.op, n.inputs);
    } catch {
      continue;
    }
    n.outputs.forEach((v, i) => {
      const t = types[i];
      if (!t || sameType(t, v.type) || t.dtype !== v.type.dtype || t.shape.length !== v.rank) return;
      const onlySymbols = t.shape.every((d, k) => d === v.type.shape[k] || (typeof d === 'string' && typeof v.type.shape[k] === 'string'));
      if (onlySymbols) v.type = t;
    });
  }
}

/** Drops every node no graph output depends on; true if any was dropped. */
export function removeDeadNodes(g: Graph): boolean {
  const live = new Set<Node>();
  const stack: Value[] = [...g.outputs];
  while (stack.length > 0) {
    const p = stack.pop()!.producer;
    if (!p || live.has(p)) continue;
    live.add(p);
    stack.push(...p.inputs);
  }
  const before = g.nodes.length;
  g.nodes = g.nodes.filter((n) => live.has(n));
  return g.nodes.length !== before;
}

export function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && sameDims(a.shape, b.shape);
}

export function sameDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The one value every element of a numeric constant holds, or undefined (also for non-constants). */
export function splatValue(v: Value): number | undefined {
  const t = v.data;
  if (!t || t.data.length === 0 || t.dtype === 'string') return undefined;
  const first = t.data[0]!;
  for (let i = 1; i < t.data.length; i++) if (t.data[i] !== first) return undefined;
  return Number(first);
}

/** A constant holding one element (any shape of size 1), as a number. */
export function scalarValue(v: Value): number | undefined {
  return v.data && v.data.data.length === 1 ? splatValue(v) : undefined;
}

/** Whether two numbers agree to float32 precision (constants in models are float32). */
export function near(a: number, b: number, rtol = 1e-5): boolean {
  return Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b), 1e-30);
}

/** A host tensor of `dtype` from plain numbers (int64 converted to BigInt). */
export function makeTensor(dtype: DType, dims: number[], values: ArrayLike<number>): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new Error(`makeTensor: ${values.length} values for dims [${dims.join(', ')}]`);
  const data = allocHost(dtype, n);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) data[i] = BigInt(Math.trunc(values[i]!));
  } else {
    for (let i = 0; i < n; i++) data[i] = values[i]!;
  }
  return { dtype, dims, data };
}

/** The static numbers of a shape, or undefined if any dim is a symbol. */
export function staticDims(shape: readonly Dim[]): number[] | undefined {
  return shape.every((d) => typeof d === 'number') ? (shape as number[]) : undefined;
}

/** Product of the dims, or undefined when one is symbolic. */
export function staticSize(shape: readonly Dim[]): number | undefined {
  const dims = staticDims(shape);
  return dims?.reduce((a, b) => a * b, 1);
}

/** The inverse of a permutation. */
export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export function isIdentityPerm(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i);
}

/** Whether `from` broadcasts one way into `target` (numpy rules, `target` unchanged). */
export function broadcastsInto(from: readonly Dim[], target: readonly Dim[]): boolean {
  if (from.length > target.length) return false;
  const off = target.length - from.length;
  return from.every((d, i) => d === 1 || d === target[off + i]);
}
