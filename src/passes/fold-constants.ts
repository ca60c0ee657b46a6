/**
 * Constant folding: a node whose inputs are all constants becomes a constant computed by the CPU
 * evaluator, and `shape` of a value whose dims are known becomes an int64 constant — the rest of
 * the exporters' shape plumbing that import did not fold (graphs built without folding, results
 * over the import cap, values whose shapes other passes made static).
 *
 * Size cap: a result folds when it is small (≤ FOLD_SMALL_ELEMENTS) or no bigger than the
 * constants it reads (a transposed or rescaled weight replaces its source). A result that would
 * grow — an Expand of a scalar to a large tensor — stays a node, so big constants are not
 * materialized in the weights next to the data they come from.
 */

import type { Graph, Node, Tensor } from '../../ir/graph.js';
import { FOLD_LIMIT_ELEMENTS } from '../../ir/graph.js';
import { canEvaluate, evaluate } from '../../ir/eval/index.js';
import { resolveShapeRange } from '../../ir/infer.js';
import { canReplace, makeTensor, replaceValue, sameDims, staticDims, staticSize } from './graph-edit.js';
import type { Pass } from './pass.js';

/** Results up to this many elements always fold. */
export const FOLD_SMALL_ELEMENTS = 1 << 16;

/** The int64 dims a `shape` node reads, when they are all numbers. */
function shapeConstant(node: Node): Tensor | undefined {
  if (node.op.kind !== 'shape') return undefined;
  const shape = node.inputs[0]!.type.shape;
  const [start, end] = resolveShapeRange(shape.length, node.op.start, node.op.end);
  const dims = staticDims(shape.slice(start, end));
  return dims && makeTensor('int64', [dims.length], dims);
}

function evaluated(node: Node): Tensor | undefined {
  // Input-free ops other than arange (whose length may have become a number) are not data.
  if ((node.inputs.length === 0 && node.op.kind !== 'arange') || !node.inputs.every((v) => v.isConstant) || !canEvaluate(node.op)) return undefined;
  const size = node.outputs.reduce<number | undefined>((n, v) => {
    const s = staticSize(v.type.shape);
    return n === undefined || s === undefined ? undefined : n + s;
  }, 0);
  const read = node.inputs.reduce((n, v) => n + v.data!.data.length, 0);
  if (size === undefined || size > FOLD_LIMIT_ELEMENTS || (size > FOLD_SMALL_ELEMENTS && size > read)) return undefined;
  try {
    return evaluate(node.op, node.inputs.map((v) => v.data!))[0];
  } catch {
    // An op the evaluator rejects on these inputs fails the same way at run time; leave it there.
    return undefined;
  }
}

export function foldConstants(g: Graph): boolean {
  let changed = false;
  for (const node of [...g.nodes]) {
    if (node.outputs.length !== 1) continue;
    const out = node.outputs[0]!;
    const t = shapeConstant(node) ?? evaluated(node);
    if (!t || t.dtype !== out.type.dtype || !sameDims(t.dims, out.type.shape)) continue;
    const folded = g.addConstant(out.name, t);
    if (!canReplace(g, out, folded)) continue;
    replaceValue(g, out, folded, true);
    g.removeNodes([node]);
    changed = true;
  }
  return changed;
}

export const foldConstantsPass: Pass = {
  name: 'fold-constants',
  description: 'evaluate nodes whose inputs are all constants, and shape() of static shapes',
  run: foldConstants,
};
