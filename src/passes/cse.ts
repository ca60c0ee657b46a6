/**
 * Common-subexpression elimination: two nodes with the same op (kind and every attribute,
 * compared structurally through their printed form) on the same inputs compute the same value,
 * so the later one is dropped; operands of commutative binary fns compare as a set. Constants
 * with the same dtype, dims and bytes merge first, so exporters' repeated scalars (one `0.5` per
 * GELU) stop hiding equal nodes from each other.
 *
 * Constants above CSE_CONSTANT_LIMIT elements are not hashed: large weights are not duplicated
 * in practice, and hashing them would cost more than it saves.
 */

import type { Graph, Tensor, Value } from '../../ir/graph.js';
import { formatAttrs } from '../../ir/print.js';
import { canReplace, removeDeadNodes, replaceValue } from './graph-edit.js';
import type { Pass } from './pass.js';
import { isCommutative } from './rewrite.js';

export const CSE_CONSTANT_LIMIT = 1 << 16;

function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** FNV-1a over the bytes: a bucket key; equality is checked byte by byte. */
function hashBytes(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Merges constants with equal dtype, dims and bytes; true if any merged. */
function mergeConstants(g: Graph): boolean {
  const buckets = new Map<string, Value[]>();
  let changed = false;
  for (const c of g.constants()) {
    const t = c.data!;
    if (t.data.length > CSE_CONSTANT_LIMIT) continue;
    const key = `${t.dtype}[${t.dims.join(',')}]#${hashBytes(bytesOf(t))}`;
    const bucket = buckets.get(key) ?? [];
    const same = bucket.find((o) => sameBytes(bytesOf(o.data!), bytesOf(t)));
    if (same && canReplace(g, c, same)) {
      replaceValue(g, c, same);
      changed = true;
    } else if (!same) {
      bucket.push(c);
      buckets.set(key, bucket);
    }
  }
  return changed;
}

export function cse(g: Graph): boolean {
  let changed = mergeConstants(g);
  const seen = new Map<string, Value>();
  for (const node of g.nodes) {
    if (node.outputs.length !== 1) continue;
    let ids = node.inputs.map((v) => v.id);
    if (node.op.kind === 'binary' && isCommutative(node.op.fn)) ids = [...ids].sort((a, b) => a - b);
    const key = `${node.op.kind}${formatAttrs(node.op)}(${ids.join(',')})`;
    const prev = seen.get(key);
    const out = node.outputs[0]!;
    if (prev && canReplace(g, out, prev)) {
      replaceValue(g, out, prev);
      changed = true;
    } else if (!prev) {
      seen.set(key, out);
    }
  }
  if (changed) removeDeadNodes(g);
  return changed;
}

export const csePass: Pass = {
  name: 'cse',
  description: 'merge equal constants and nodes computing the same op on the same inputs',
  run: cse,
};
