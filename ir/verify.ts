/**
 * The graph verifier: checks the invariants every stage relies on, after import and after every
 * pass in tests.
 *
 * - SSA: each value is defined exactly once — as a graph input, a constant, or one output of one
 *   node — and value names are unique (the text form refers to values by name).
 * - Order: every node input is defined before the node (graph input, constant, or an output of an
 *   earlier node); graph outputs are defined.
 * - Links: each node output's `producer` is that node; no value points at a node outside the graph.
 * - Types: stored output types equal the types `inferTypes` computes now; constants' data match
 *   their type; symbolic contents (`Value.symbolic`) fit their value's type; dim assertions are
 *   well formed.
 *
 * It collects every problem (naming the node) and throws one `VerifyError` listing them all.
 */

import { hostBytesPerElement } from './dtype.js';
import type { Graph, Node, TensorType, Value } from './graph.js';
import { inferTypes } from './infer.js';
import { formatShape } from './shape.js';

export class VerifyError extends Error {
  constructor(readonly problems: string[]) {
    super(`graph verification failed (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
    this.name = 'VerifyError';
  }
}

function typeText(t: TensorType): string {
  return `${t.dtype}${formatShape(t.shape)}`;
}

function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** Problems with a constant's data against its declared type. */
function checkConstant(v: Value, problems: string[]): void {
  const t = v.data!;
  const where = `constant %${v.name}`;
  if (v.producer) problems.push(`${where} also has a producer node '${v.producer.name}'`);
  if (t.dtype !== v.type.dtype || !sameType({ dtype: t.dtype, shape: t.dims }, v.type)) {
    problems.push(`${where}: data is ${t.dtype}${formatShape(t.dims)} but the value is typed ${typeText(v.type)}`);
    return;
  }
  if (t.dtype === 'string') {
    problems.push(`${where}: string constants are not supported`);
    return;
  }
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) problems.push(`${where}: data has ${t.data.length} elements, dims ${formatShape(t.dims)} need ${n}`);
  // float16 and bfloat16 are held in a Float32Array on the host; every other dtype has its own element size.
  const bytes = t.dtype === 'float16' || t.dtype === 'bfloat16' ? 4 : hostBytesPerElement(t.dtype);
  if (t.data.BYTES_PER_ELEMENT !== bytes) problems.push(`${where}: ${t.dtype} data is held in a ${t.data.constructor.name}`);
}

/** Known symbolic contents fit the value: a 0-d or 1-d integer tensor with one dim per element. */
function checkSymbolic(v: Value, where: string, problems: string[]): void {
  const shape = v.type.shape;
  const n = shape.length === 0 ? 1 : shape.length === 1 ? shape[0] : undefined;
  const intLike = v.type.dtype === 'int64' || v.type.dtype === 'int32' || v.type.dtype === 'bool';
  if (!intLike || n !== v.symbolic!.length) {
    problems.push(`${where}: %${v.name} of type ${typeText(v.type)} carries symbolic contents [${v.symbolic!.join(', ')}]`);
  }
}

/** Run-time dim assertions name nodes of the graph's history; each side must be a valid dim. */
function checkAssertions(g: Graph, problems: string[]): void {
  for (const { a, b, where } of g.dimAssertions) {
    for (const d of [a, b]) {
      if (typeof d === 'number' ? !Number.isInteger(d) : d === '') problems.push(`dim assertion at '${where}': ${a} = ${b} has an invalid side`);
    }
  }
}

export function verifyGraph(g: Graph): void {
  const problems: string[] = [];
  const defined = new Set<Value>();
  const names = new Map<string, Value>();
  const nodesInGraph = new Set<Node>(g.nodes);

  const define = (v: Value, where: string) => {
    if (defined.has(v)) problems.push(`${where}: %${v.name} is already defined (SSA)`);
    defined.add(v);
    const other = names.get(v.name);
    if (other && other !== v) problems.push(`${where}: value name %${v.name} is used by two values`);
    names.set(v.name, v);
  };
  /** A value is usable if defined so far, or a constant (constants are defined at graph scope). */
  const use = (v: Value, where: string) => {
    if (defined.has(v)) return;
    if (v.isConstant && !v.producer) {
      checkConstant(v, problems);
      define(v, where);
      return;
    }
    if (v.producer && !nodesInGraph.has(v.producer)) {
      problems.push(`${where}: %${v.name} is produced by node '${v.producer.name}', which is not in the graph`);
    } else if (v.producer) {
      problems.push(`${where}: %${v.name} is used before node '${v.producer.name}' defines it`);
    } else {
      problems.push(`${where}: %${v.name} is not a graph input, a constant, or a node output`);
    }
  };

  for (const v of g.inputs) {
    if (v.isConstant) problems.push(`graph input %${v.name} also holds constant data`);
    if (v.producer) problems.push(`graph input %${v.name} has a producer node '${v.producer.name}'`);
    define(v, 'graph inputs');
  }

  const seenNodes = new Set<Node>();
  for (const node of g.nodes) {
    const where = `node '${node.name}' (${node.op.kind})`;
    if (seenNodes.has(node)) problems.push(`${where} appears twice in the node list`);
    seenNodes.add(node);
    node.inputs.forEach((v) => use(v, where));
    let inferred: TensorType[] | undefined;
    try {
      inferred = inferTypes(node.op, node.inputs);
    } catch (e) {
      problems.push(`${where}: type inference fails: ${(e as Error).message}`);
    }
    if (inferred && inferred.length !== node.outputs.length) {
      problems.push(`${where}: has ${node.outputs.length} outputs but the op yields ${inferred.length}`);
    }
    node.outputs.forEach((v, i) => {
      if (v.producer !== node) {
        const other = v.producer ? `node '${v.producer.name}'` : 'no node';
        problems.push(`${where}: output %${v.name} names ${other} as its producer`);
      }
      if (v.isConstant) problems.push(`${where}: output %${v.name} also holds constant data`);
      if (v.symbolic) checkSymbolic(v, where, problems);
      const t = inferred?.[i];
      if (t && !sameType(t, v.type)) {
        problems.push(`${where}: output %${v.name} is typed ${typeText(v.type)} but infers to ${typeText(t)}`);
      }
      define(v, where);
    });
  }

  g.outputs.forEach((v) => use(v, `graph output %${v.name}`));
  checkAssertions(g, problems);
  if (problems.length > 0) throw new VerifyError(problems);
}
