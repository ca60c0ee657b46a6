/**
 * Local rewrites as data: a pattern over the graph and a replacement, in the spirit of tinygrad's
 * PatternMatcher — `rule(binary('mul', v('x'), splat(1)), (m) => m.value('x'))  // x*1 → x`.
 *
 * A pattern is a small tree: `v(name)` matches any value (a name used twice must bind the same
 * value — that is how `x * sigmoid(x)` is written), `c(name?, test?)` a constant, and
 * `op(kind, inputs, opts)` a node of that kind whose inputs match in order (both orders for the
 * commutative binary fns). A node pattern may name itself (its node and output value are bound),
 * test its op, and require `oneUse` — its output read by nothing but the matched consumer, which
 * fused recognizers need so they never duplicate work another consumer still reads.
 *
 * `applyRules` visits nodes consumers-first (reverse topological order), so the largest pattern
 * rooted at a value is tried before the pieces inside it, and tries the rules for each node's
 * kind in list order. A replacement returns the value that takes over the root's uses (or
 * undefined to decline), building any new nodes through the `Builder`, which inserts them and
 * names them after the root. Sweeps repeat until nothing fires; dead nodes are dropped and the
 * order restored after each sweep.
 */

import type { DType } from '../../ir/dtype.js';
import type { Graph, Node, Tensor, Value } from '../../ir/graph.js';
import type { BinaryFn, Op, OpKind, UnaryFn } from '../../ir/ops.js';
import { formatType } from '../../ir/print.js';
import { canReplace, makeTensor, removeDeadNodes, replaceValue, sameType, splatValue, useCounts, type OpOf } from './graph-edit.js';

export type Pattern =
  | { tag: 'value'; name: string; test?: (v: Value) => boolean }
  | { tag: 'const'; name?: string; test?: (t: Tensor, v: Value) => boolean }
  | {
      tag: 'node';
      kind: OpKind;
      inputs?: Pattern[];
      name?: string;
      test?: (op: Op, node: Node) => boolean;
      commutative: boolean;
      oneUse: boolean;
    };

/** Any value, bound to `name`. */
export function v(name: string, test?: (v: Value) => boolean): Pattern {
  return { tag: 'value', name, test };
}

/** A constant (optionally bound to `name`) whose data passes `test`. */
export function c(name?: string, test?: (t: Tensor, v: Value) => boolean): Pattern {
  return { tag: 'const', name, test };
}

/** A constant whose every element equals `x`. */
export function splat(x: number, name?: string): Pattern {
  return c(name, (_t, val) => splatValue(val) === x);
}

export interface NodeOpts<K extends OpKind> {
  /** Binds the node (Match.node) and its output value (Match.value) under this name. */
  name?: string;
  test?: (op: OpOf<K>, node: Node) => boolean;
  /** The node's output has no reader besides the matched consumer (ignored on the root). */
  oneUse?: boolean;
  commutative?: boolean;
}

/** A node of `kind`; `inputs` undefined matches any inputs. */
export function op<K extends OpKind>(kind: K, inputs?: Pattern[], opts: NodeOpts<K> = {}): Pattern {
  return {
    tag: 'node',
    kind,
    inputs,
    name: opts.name,
    test: opts.test as ((op: Op, node: Node) => boolean) | undefined,
    commutative: opts.commutative ?? false,
    oneUse: opts.oneUse ?? false,
  };
}

export function unary(fn: UnaryFn, x: Pattern, opts: NodeOpts<'unary'> = {}): Pattern {
  const test = opts.test;
  return op('unary', [x], { ...opts, test: (o, n) => o.fn === fn && (!test || test(o, n)) });
}

const COMMUTATIVE = new Set<BinaryFn>(['add', 'mul', 'max', 'min', 'equal', 'and', 'or', 'xor', 'bitAnd', 'bitOr', 'bitXor']);

export function isCommutative(fn: BinaryFn): boolean {
  return COMMUTATIVE.has(fn);
}

export function binary(fn: BinaryFn, a: Pattern, b: Pattern, opts: NodeOpts<'binary'> = {}): Pattern {
  const test = opts.test;
  return op('binary', [a, b], { commutative: COMMUTATIVE.has(fn), ...opts, test: (o, n) => o.fn === fn && (!test || test(o, n)) });
}

/** What a pattern bound: values (and node outputs) and nodes, by name. */
export class Match {
  constructor(
    readonly root: Node,
    private readonly values: ReadonlyMap<string, Value>,
    private readonly nodes: ReadonlyMap<string, Node>,
  ) {}
  value(name: string): Value {
    const x = this.values.get(name);
    if (!x) throw new Error(`rewrite: the pattern binds no value '${name}'`);
    return x;
  }
  node(name: string): Node {
    const x = this.nodes.get(name);
    if (!x) throw new Error(`rewrite: the pattern binds no node '${name}'`);
    return x;
  }
  /** The root's op, typed by the caller (the pattern fixed its kind). */
  op<K extends OpKind>(kind: K): OpOf<K> {
    if (this.root.op.kind !== kind) throw new Error(`rewrite: root is ${this.root.op.kind}, not ${kind}`);
    return this.root.op as OpOf<K>;
  }
}

/** Builds replacement nodes; they are named after the rewritten root. */
export class Builder {
  readonly added: Node[] = [];
  constructor(
    readonly graph: Graph,
    readonly root: Node,
  ) {}
  /**
   * Adds `op` (folded to a constant when every input is one) just before the root, so the
   * replacement sits where the pattern was, and returns its output.
   */
  add(o: Op, inputs: Value[]): Value {
    const g = this.graph;
    const before = g.nodes.length;
    const [out] = g.add(o, inputs, this.root.name);
    if (g.nodes.length > before) {
      const node = g.nodes.pop()!;
      g.nodes.splice(g.nodes.indexOf(this.root), 0, node);
      this.added.push(node);
    }
    return out!;
  }
  constant(t: Tensor): Value {
    return this.graph.addConstant(`${this.root.outputs[0]!.name}_const`, t);
  }
  /** A rank-0 constant. */
  scalar(x: number, dtype: DType): Value {
    return this.constant(makeTensor(dtype, [], [x]));
  }
}

export interface Rule {
  pattern: Pattern & { tag: 'node' };
  replace: (m: Match, b: Builder) => Value | undefined;
}

export function rule(pattern: Pattern, replace: (m: Match, b: Builder) => Value | undefined): Rule {
  if (pattern.tag !== 'node') throw new Error('rewrite: a rule pattern must be rooted at a node');
  return { pattern, replace };
}

type Bindings = { values: Map<string, Value>; nodes: Map<string, Node> };

function bindValue(b: Bindings, name: string | undefined, val: Value): Bindings | undefined {
  if (name === undefined) return b;
  const prev = b.values.get(name);
  if (prev) return prev === val ? b : undefined;
  const values = new Map(b.values).set(name, val);
  return { values, nodes: b.nodes };
}

/** Every way `p` matches `val` (backtracking over commutative operand orders). */
function* matchPattern(p: Pattern, val: Value, b: Bindings, uses: Map<Value, number>, isRoot: boolean): Generator<Bindings> {
  switch (p.tag) {
    case 'value': {
      if (p.test && !p.test(val)) return;
      const nb = bindValue(b, p.name, val);
      if (nb) yield nb;
      return;
    }
    case 'const': {
      if (!val.data || (p.test && !p.test(val.data, val))) return;
      const nb = bindValue(b, p.name, val);
      if (nb) yield nb;
      return;
    }
    case 'node': {
      const n = val.producer;
      if (!n || n.op.kind !== p.kind || (p.test && !p.test(n.op, n))) return;
      if (!isRoot && p.oneUse && (uses.get(val) ?? 0) !== 1) return;
      let nb = bindValue(b, p.name, val);
      if (!nb) return;
      if (p.name !== undefined) {
        const prev = nb.nodes.get(p.name);
        if (prev && prev !== n) return;
        nb = { values: nb.values, nodes: new Map(nb.nodes).set(p.name, n) };
      }
      if (!p.inputs) {
        yield nb;
        return;
      }
      if (p.inputs.length !== n.inputs.length) return;
      yield* matchAll(p.inputs, n.inputs, nb, uses);
      if (p.commutative && n.inputs.length === 2 && n.inputs[0] !== n.inputs[1]) {
        yield* matchAll(p.inputs, [n.inputs[1]!, n.inputs[0]!], nb, uses);
      }
      return;
    }
  }
}

function* matchAll(ps: Pattern[], vals: Value[], b: Bindings, uses: Map<Value, number>, i = 0): Generator<Bindings> {
  if (i === ps.length) {
    yield b;
    return;
  }
  for (const nb of matchPattern(ps[i]!, vals[i]!, b, uses, false)) yield* matchAll(ps, vals, nb, uses, i + 1);
}

/** Tries `r` at `node`; returns the replacement value (and the builder's new nodes) or undefined. */
function tryRule(g: Graph, r: Rule, node: Node, uses: Map<Value, number>): { value: Value; fresh: boolean } | undefined {
  const root = node.outputs[0]!;
  for (const bindings of matchPattern(r.pattern, root, { values: new Map(), nodes: new Map() }, uses, true)) {
    const builder = new Builder(g, node);
    let value: Value | undefined;
    try {
      value = r.replace(new Match(node, bindings.values, bindings.nodes), builder);
    } catch (e) {
      // A replacement that cannot be built is a bug in the rule: fail naming where it happened.
      throw new Error(`rewrite of node '${node.name}' (${node.op.kind}) failed: ${(e as Error).message}`, { cause: e });
    }
    if (value && value !== root && canReplace(g, root, value)) {
      if (!sameType(value.type, root.type)) {
        throw new Error(`rewrite of node '${node.name}' (${node.op.kind}) produced ${formatType(value.type)} for ${formatType(root.type)}`);
      }
      // A value the replacement created (a new node's output, or a new folded constant) takes
      // the root's name, so dumps keep the exporter's names.
      const fresh = builder.added.some((n) => n.outputs.includes(value)) || (value.isConstant && !uses.has(value));
      return { value, fresh };
    }
    // Declined (or its output name cannot move): drop whatever the replacement built.
    g.removeNodes(builder.added);
  }
  return undefined;
}

/** Applies `rules` until none fires; true if the graph changed. */
export function applyRules(g: Graph, rules: readonly Rule[], maxSweeps = 32): boolean {
  const byKind = new Map<OpKind, Rule[]>();
  for (const r of rules) byKind.set(r.pattern.kind, [...(byKind.get(r.pattern.kind) ?? []), r]);
  let changed = false;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let fired = false;
    let uses = useCounts(g);
    let alive = new Set(g.nodes);
    for (const node of [...g.nodes].reverse()) {
      if (!alive.has(node) || node.outputs.length !== 1) continue;
      for (const r of byKind.get(node.op.kind) ?? []) {
        const hit = tryRule(g, r, node, uses);
        if (!hit) continue;
        replaceValue(g, node.outputs[0]!, hit.value, hit.fresh);
        removeDeadNodes(g);
        uses = useCounts(g);
        alive = new Set(g.nodes);
        fired = true;
        break;
      }
    }
    if (!fired) break;
    changed = true;
    g.sortNodes();
  }
  return changed;
}
