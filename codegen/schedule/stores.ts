/**
 * Where fused groups store: data movement (transpose, slice, concat; reshapes are views) becomes
 * index math in the store of whichever kernel computes the data, instead of a copy kernel each.
 *
 * A group's value reaches its consumers through a tree of movement ops; each leaf is a value
 * something must read (a non-movement op uses it, or it is a graph output) and the group stores
 * into every leaf, mapping the element's coordinates through the path (codegen/schedule/remap.ts).
 * So a matmul whose output is only sliced into Q, K and V writes the three slices and nothing
 * else, and a layer norm whose output is read by a residual add and, transposed, by a matmul
 * writes both. A concat is a leaf: each input's producer writes its part straight into the concat
 * output (the concat runs no kernel) when every input can be written that way but at most one,
 * which gets a copy kernel (still no worse than the concat's). Trees stop at concats so that
 * chains of them (shufflenet's channel shuffles) do not multiply store paths.
 *
 * What no computing group can store — a tree below a graph input, a constant, a stored concat or
 * an op whose generator takes no epilogue — gets a copy group: one kernel reading that value once
 * and storing it along its tree (so shufflenet's shuffle + split + concat is one kernel).
 *
 * A conv whose kernel reads a zero-padded copy of its input (rows widened and aligned for vec4
 * loads, codegen/kernels/conv-2d.ts) is a leaf too: the producers write that copy directly —
 * the data at its offset, and the elements on the data's edges the zeros of the border they own —
 * so no pad kernel runs and the unpadded value is stored only if something else reads it. Through
 * a stored concat, every input's store writes its part of the copy.
 *
 * Trailing reshapes on a path are dropped (the leaf is stored unreshaped and the reshape stays a
 * view), so a reshape never costs a kernel. Trees that need more output bindings than the device
 * allows fall back to storing the value itself, its movement then going to copy groups, which
 * split their leaves across kernels if they must.
 *
 * Nothing here depends on sizes, so symbolic shapes plan exactly as static ones; the index math
 * of each path (remap.ts) handles symbolic dims.
 */

import type { Graph, Node, TensorType, Value } from '../../ir/graph.js';
import type { Dim } from '../../ir/dim.js';
import { isView } from '../../ir/ops.js';

/** The zero-padded copy of a conv's input that its kernel reads (codegen/kernels/conv.ts). */
export interface PadLayout {
  /** The copy's dims (the batch may be symbolic). */
  dims: Dim[];
  /** Zeros before the data on each spatial axis; the rest of every axis is zeros too. */
  padBegin: number[];
}

/**
 * One movement op on a store path and which of its inputs the path enters through; or, last on a
 * path, a conv (`pad` set) whose zero-padded input copy the store writes, zeros included.
 */
export interface PathStep {
  node: Node;
  input: number;
  pad?: PadLayout;
}

/** A value a group stores into, and the movement ops from the group's value to it. */
export interface StoreTarget {
  value: Value;
  path: PathStep[];
}

/** What the store planner needs to know about a group (codegen/schedule/fuse.ts owns the rest). */
export interface StoreGroup {
  anchor: Node;
  output: Value;
  stores: StoreTarget[];
  /** Whether its kernel renders remapped stores (an epilogue-capable or elementwise anchor). */
  remappable: boolean;
  /** Bindings besides outputs (anchor inputs plus extra inputs). */
  readBindings: number;
  /** Position in graph order where the group runs. */
  last: number;
  copy: boolean;
}

export interface StorePlanContext {
  graph: Graph;
  users: Map<Value, Node[]>;
  position: Map<Node, number>;
  maxBindings: number;
  /** The padded input copy a conv reads, when its producers may write it (else the conv pads). */
  paddedSource?(node: Node): PadLayout | undefined;
  /** A new value outside the graph (the padded copies). */
  scratch?(type: TensorType, name: string): Value;
}

export interface StorePlan {
  copies: StoreGroup[];
  /** Groups of movement ops whose data now moves in other groups' stores. */
  dropped: Set<StoreGroup>;
  /** Convs whose padded input copy the stores write, and that copy. */
  padded: Map<Node, Value>;
}

/** Movement ops a store path may pass through (reshape is a view and always may). */
function isMovement(n: Node): boolean {
  return n.op.kind === 'transpose' || n.op.kind === 'slice' || n.op.kind === 'concat' || isView(n.op);
}

const stepKey = (n: Node, input: number | 'pad') => `${n.id}:${input}`;

/**
 * Fills every group's `stores` and returns the copy groups to add, the groups made redundant, and
 * the convs whose padded input the stores write. When a store tree that writes a padded copy
 * would need more bindings than the device has, that conv pads its input itself and the plan is
 * made again without it (every writer of a padded copy must write its part, or none may).
 */
export function planStores(groups: StoreGroup[], ctx: StorePlanContext): StorePlan {
  const noPad = new Set<Node>();
  const copies = new Map<Node, Value>();
  for (;;) {
    const attempt = planOnce(groups, ctx, noPad, copies);
    if (attempt.lost.size === 0) return attempt.plan;
    for (const n of attempt.lost) noPad.add(n);
  }
}

function planOnce(groups: StoreGroup[], ctx: StorePlanContext, noPad: Set<Node>, padCopies: Map<Node, Value>): { plan: StorePlan; lost: Set<Node> } {
  const { graph, users, position, maxBindings } = ctx;
  const graphOutputs = new Set(graph.outputs);
  const outputOf = new Map<Value, StoreGroup>();
  for (const g of groups) outputOf.set(g.output, g);

  // Concats written in place: every input flows from a remappable store but at most one.
  const absorbed = new Set<Node>();
  const flows = (w: Value): boolean => {
    const p = w.producer;
    if (!p) return false;
    if (isView(p.op)) return flows(p.inputs[0]!);
    if (p.op.kind === 'transpose' || p.op.kind === 'slice') return true;
    const g = outputOf.get(w);
    return !!g && g.remappable && p.op.kind !== 'concat';
  };
  for (const n of graph.nodes) {
    if (n.op.kind === 'concat' && n.inputs.filter((w) => !flows(w)).length <= 1) absorbed.add(n);
  }
  const passes = (n: Node): boolean => isMovement(n) && (n.op.kind !== 'concat' || absorbed.has(n));

  // A conv reading `u` as its input (and nowhere else) may get its padded copy from the stores.
  const padOf = (m: Node, u: Value): PadLayout | undefined => {
    if (m.op.kind !== 'conv' || noPad.has(m) || !ctx.paddedSource || !ctx.scratch) return undefined;
    if (m.inputs[0] !== u || m.inputs.slice(1).includes(u)) return undefined;
    return ctx.paddedSource(m);
  };
  const padCopy = (m: Node, layout: PadLayout): Value => {
    let v = padCopies.get(m);
    if (!v) {
      const x = m.inputs[0]!;
      v = ctx.scratch!({ dtype: x.type.dtype, shape: layout.dims }, `${m.name}_padded`);
      padCopies.set(m, v);
    }
    return v;
  };
  const padded = new Map<Node, Value>();

  const claimed = new Set<string>();
  /** Leaves below `root` along unclaimed movement; `self` says whether `root` itself counts. */
  const explore = (root: Value, self: boolean): StoreTarget[] => {
    const targets: StoreTarget[] = [];
    const keys = new Set<string>();
    const push = (value: Value, path: PathStep[]) => {
      const key = `${value.id}|${path.map((s) => stepKey(s.node, s.input)).join(',')}`;
      if (!keys.has(key)) {
        keys.add(key);
        targets.push({ value, path });
      }
    };
    const leaf = (u: Value, path: PathStep[]) => {
      const p = [...path];
      let v = u;
      // A trailing reshape stays a view of what it reshapes: store that instead.
      while (p.length > 0 && isView(p[p.length - 1]!.node.op)) v = p.pop()!.node.inputs[0]!;
      if (p.length === 0 && !self) return;
      push(v, p);
    };
    const toPad = (m: Node, layout: PadLayout, path: PathStep[]) => {
      const copy = padCopy(m, layout);
      padded.set(m, copy);
      push(copy, [...path, { node: m, input: 0, pad: layout }]);
    };
    // A stored concat's output: its padded copies are written through the concat, by every input.
    const concatOut = (out: Value, path: PathStep[]) => {
      let needSelf = graphOutputs.has(out);
      for (const m of new Set(users.get(out) ?? [])) {
        const layout = padOf(m, out);
        if (layout) toPad(m, layout, path);
        else needSelf = true;
      }
      if (needSelf) leaf(out, path);
    };
    const visit = (u: Value, path: PathStep[], pads: boolean) => {
      let needSelf = graphOutputs.has(u);
      for (const m of new Set(users.get(u) ?? [])) {
        const layout = padOf(m, u);
        if (layout) {
          if (pads) toPad(m, layout, path);
          continue;
        }
        if (!passes(m)) {
          needSelf = true;
          continue;
        }
        m.inputs.forEach((x, i) => {
          if (x !== u || claimed.has(stepKey(m, i))) return;
          if (!isView(m.op)) claimed.add(stepKey(m, i));
          const next = [...path, { node: m, input: i }];
          if (m.op.kind === 'concat') concatOut(m.outputs[0]!, next);
          else visit(m.outputs[0]!, next, true);
        });
      }
      if (needSelf) leaf(u, path);
    };
    // A stored concat's padded copies are already written by its inputs' stores.
    const p = root.producer;
    visit(root, [], !(p && absorbed.has(p)));
    return targets;
  };
  const unclaim = (targets: StoreTarget[]) => {
    for (const t of targets) for (const s of t.path) claimed.delete(stepKey(s.node, s.input));
  };
  const outputsOf = (targets: StoreTarget[]) => new Set(targets.map((t) => t.value)).size;
  const lost = new Set<Node>();

  for (const g of groups) {
    if (!g.remappable) {
      g.stores = [{ value: g.output, path: [] }];
      continue;
    }
    const targets = explore(g.output, true);
    if (targets.length > 0 && g.readBindings + outputsOf(targets) <= maxBindings) g.stores = targets;
    else {
      unclaim(targets);
      for (const t of targets) for (const s of t.path) if (s.pad) lost.add(s.node);
      g.stores = [{ value: g.output, path: [] }];
    }
  }

  // Copy groups for movement nobody stores along, rooted at the value it starts from.
  const copies: StoreGroup[] = [];
  for (const n of graph.nodes) {
    if (!passes(n) || isView(n.op)) continue;
    n.inputs.forEach((root, i) => {
      if (claimed.has(stepKey(n, i))) return;
      const targets = explore(root, false);
      const at = root.producer ? position.get(root.producer)! + 0.5 : -1;
      // One input binding; split the leaves over as many kernels as the output bindings need.
      const per = Math.max(1, maxBindings - 1);
      const values = [...new Set(targets.map((t) => t.value))];
      for (let k = 0; k < values.length; k += per) {
        const chunk = new Set(values.slice(k, k + per));
        copies.push({
          anchor: n,
          output: root,
          stores: targets.filter((t) => chunk.has(t.value)),
          remappable: true,
          readBindings: 1,
          last: at,
          copy: true,
        });
      }
    });
  }

  // The movement nodes' own groups: gone when their data is stored along some path.
  const dropped = new Set<StoreGroup>();
  for (const g of groups) {
    const n = g.anchor;
    if (n.op.kind === 'transpose' || n.op.kind === 'slice' || absorbed.has(n)) dropped.add(g);
  }
  return { plan: { copies, dropped, padded }, lost };
}
