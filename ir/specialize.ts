/**
 * Specialization: a graph with symbolic dims rebuilt for given symbol values, every dim
 * expression (in value types and in op attributes: reshape/expand shapes, resize sizes, slice
 * bounds, arange lengths) evaluated to a number.
 *
 * Uses: comparing a graph imported with symbols unbound against the same model imported with
 * them bound (the CPU evaluator on both), and any stage that wants a static copy of a symbolic
 * graph. The graph's run-time dim assertions are checked for the values first, so a contradiction
 * (`min(512,sequence) = sequence` with sequence = 600) fails with the node that assumed it.
 * Nodes are rebuilt through `Graph.add` without folding, so every type is re-inferred and must
 * match the declared type with the values substituted.
 */

import { dimSymbols, evalDim, type Dim } from './dim.js';
import { Graph, type Value } from './graph.js';
import { attrSchema } from './infer/attrs.js';
import type { Op } from './ops.js';
import { formatShape } from './shape.js';

/** Symbol values by name. */
export type DimEnv = Readonly<Record<string, number>>;

/** `d` with the symbols of `env` substituted: a number once all of its symbols are bound. */
export function bindDim(d: Dim, env: DimEnv): Dim {
  if (typeof d === 'number') return d;
  if (d in env) return env[d]!;
  let symbols: string[];
  try {
    symbols = dimSymbols(d);
  } catch {
    return d; // a name that is not an expression (a quoted legacy symbol): bound only by name
  }
  return symbols.every((s) => s in env) ? evalDim(d, env) : d;
}

/** The op with every dim-valued attribute bound (rnn's `activations` are names, not dims). */
export function specializeOp(op: Op, env: DimEnv): Op {
  if (op.kind === 'rnn') return op;
  const out: Record<string, unknown> = { ...op };
  for (const [name, kind] of Object.entries(attrSchema(op.kind))) {
    const v = out[name];
    if (kind === 'dim') out[name] = bindDim(v as Dim, env);
    else if (kind === 'dims') out[name] = (v as Dim[]).map((d) => bindDim(d, env));
  }
  return out as unknown as Op;
}

/** A copy of `g` with the symbols in `env` bound (others stay symbolic). */
export function specializeGraph(g: Graph, env: DimEnv): Graph {
  for (const { a, b, where } of g.dimAssertions) {
    const [x, y] = [bindDim(a, env), bindDim(b, env)];
    if (typeof x === 'number' && typeof y === 'number' && x !== y) {
      throw new Error(`node '${where}' assumed ${a} = ${b}, but with ${JSON.stringify(env)} they are ${x} and ${y}`);
    }
  }
  const s = new Graph();
  const map = new Map<Value, Value>();
  const get = (v: Value): Value => {
    let c = map.get(v);
    if (!c) {
      if (!v.isConstant) throw new Error(`specialize: value %${v.name} is used before it is defined`);
      c = s.addConstant(v.name, v.data!);
      map.set(v, c);
    }
    return c;
  };
  for (const v of g.inputs) map.set(v, s.addInput(v.name, { dtype: v.type.dtype, shape: v.type.shape.map((d) => bindDim(d, env)) }));
  for (const n of g.nodes) {
    const outs = s.add(specializeOp(n.op, env), n.inputs.map(get), n.name, n.outputs.map((v) => v.name), false);
    n.outputs.forEach((v, i) => {
      const want = v.type.shape.map((d) => bindDim(d, env));
      const got = outs[i]!.type.shape;
      if (want.length !== got.length || want.some((d, k) => d !== got[k])) {
        throw new Error(`specialize: node '${n.name}' output %${v.name} infers to ${formatShape(got)}, expected ${formatShape(want)}`);
      }
      map.set(v, outs[i]!);
    });
  }
  s.outputs = g.outputs.map(get);
  s.symbolNames = new Map(g.symbolNames);
  for (const { a, b, where } of g.dimAssertions) s.assertDims(bindDim(a, env), bindDim(b, env), where);
  return s;
}
