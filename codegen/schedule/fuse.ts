/**
 * Kernel fusion: partitions the optimized graph into kernel groups, each one GPU kernel (or the
 * few kernels of one anchor op), so that intermediate values inside a group never touch memory.
 *
 * A group is data, not a synthetic op: an `anchor` node (a heavy op whose generator accepts an
 * epilogue — conv, matmul, pooling, reductions, softmax, layer norm — or the first op of a purely
 * elementwise group), the elementwise `epilogue` nodes evaluated per output element before the
 * store, the reshapes crossed on the way (views inside a group need no buffer), the values the
 * epilogue reads from outside (`inputs`, each an extra binding), the `output` value it computes,
 * and where that value is stored (`stores`: itself, and/or through transposes, slices and concats
 * into other values, and into the padded input copies of the convs that read it — stores.ts).
 * codegen/generate.ts hands the group to the anchor's generator, which renders the epilogue and
 * the stores at its one store site (codegen/schedule/epilogue.ts).
 *
 * How nodes join, in graph order: an elementwise node joins the group whose output it reads when
 * that output has no other user and is not a graph output (a value read twice must be stored, so
 * it ends its group), the node's output has the anchor's element count (an anchor computes each
 * output element once; a broadcast that grows the tensor would recompute it), and the bindings
 * still fit the device. Purely elementwise groups may grow by broadcasting instead — their values
 * are cheap to recompute — and merge into whichever group their single-use output joins, so a DAG
 * with several external inputs becomes one kernel; afterwards, a value read by several nodes that
 * all landed in one group is merged into it too. Scalar constants become WGSL literals, not
 * bindings.
 *
 * Sizes may be symbolic (a model compiled for any batch or sequence length): element counts are
 * compared by their canonical Dim forms (ir/dim.ts), so "the same size" means the same for every
 * value of the symbols, and a graph fuses as it would with the symbols bound (except where bound
 * values make two different sizes coincide, e.g. [batch, 4] and [4] at batch = 1).
 *
 * Order: a group runs where its last node stood. Everything a group reads was stored by a group
 * whose last node came earlier (or, for a copy group, right after the value it copies was
 * complete), and whatever reads what it stores comes later: that order is a valid kernel order.
 */

import type { Graph, Node, TensorType, Value } from '../../ir/graph.js';
import { isElementwise, isView } from '../../ir/ops.js';
import { dimEquals, dimMul, type Dim } from '../../ir/dim.js';
import { numel } from '../../ir/shape.js';
import { planStores, type PadLayout, type StoreGroup, type StoreTarget } from './stores.js';

export type { PadLayout, PathStep, StoreTarget } from './stores.js';

export interface FusedGroup {
  /** The node whose kernel computes the group: a heavy op, or the first node of an elementwise DAG. */
  anchor: Node;
  /** Elementwise nodes applied per output element after the anchor, in graph (topological) order. */
  epilogue: Node[];
  /** Reshapes crossed inside the group: their outputs alias in-group values and are never stored. */
  views: Node[];
  /**
   * Values read by the group from outside it, in first-use order: the epilogue's for a heavy
   * anchor (whose own inputs stay its own), every external operand for an elementwise group.
   * Scalar constants are not listed: they are rendered as literals.
   */
  inputs: Value[];
  /**
   * The value the group computes per element: the last epilogue node's output, else the
   * anchor's; for a copy group, the stored value it moves.
   */
  output: Value;
  /**
   * Where that value goes: itself (an empty path) and/or, through movement ops, into other values
   * (slices, transposes, parts of a concat; codegen/schedule/stores.ts).
   */
  stores: StoreTarget[];
  /** A copy group computes nothing: its kernel reads `output` and stores it along `stores`. */
  copy: boolean;
  /**
   * For a conv anchor: the zero-padded copy of its input, already written by the groups that
   * produce the input (their stores end in a pad step), which the conv reads instead of padding.
   */
  padded?: Value;
  /**
   * For a 1×1 conv anchor: its input is `source · scale` (one `mul` node, the scale per input
   * channel — a squeeze-excitation gate), folded into the weights as the kernel reads them, so
   * the product is never stored.
   */
  inputScale?: InputScale;
}

export interface InputScale {
  node: Node;
  source: Value;
  scale: Value;
}

/** One step of the schedule: a view (no kernel) or a kernel group, in execution order. */
export type ScheduleItem = { kind: 'view'; node: Node } | { kind: 'group'; group: FusedGroup };

export interface FusionPolicy {
  /** Whether the generator of `node` renders an epilogue (codegen/generate.ts decides). */
  acceptsEpilogue(node: Node): boolean;
  /** Storage bindings one shader may declare (the device's maxStorageBuffersPerShaderStage). */
  maxBindings: number;
  /** Set to false to schedule one node per group (no fusion), e.g. to compare results. */
  fuse?: boolean;
  /** The zero-padded input copy a conv kernel reads, for its producers to write (stores.ts). */
  paddedSource?(node: Node): PadLayout | undefined;
  /** A new value outside the graph (a padded copy); without it convs pad their own inputs. */
  scratch?(type: TensorType, name: string): Value;
  /** Whether the kernel of `node` folds a per-input-channel scale of its input (a 1×1 conv). */
  acceptsInputScale?(node: Node): boolean;
}

/** A scalar constant the epilogue renders as a literal instead of binding a buffer. */
export function isInlineConstant(v: Value): boolean {
  const t = v.data;
  if (!t || numel(v.type.shape) !== 1) return false;
  switch (t.dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
    case 'bool':
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
      return true;
    case 'int64': {
      const x = (t.data as BigInt64Array)[0]!;
      return x >= -2147483648n && x <= 2147483647n;
    }
    default:
      return false;
  }
}

/**
 * Whether `s` broadcast onto `x` (N, C, …) is one factor per image and channel: every axis after
 * the channel axis has size 1, and the image axis is 1 unless the channel axis is C too.
 */
function perChannel(s: Value, x: Value): boolean {
  const xd = x.type.shape;
  if (xd.length < 2 || s.rank > xd.length) return false;
  const sd: Dim[] = [...Array<number>(xd.length - s.rank).fill(1), ...s.type.shape];
  if (sd.slice(2).some((d) => d !== 1)) return false;
  const [n, c] = sd as [Dim, Dim];
  return (c === 1 || dimEquals(c, xd[1]!)) && (n === 1 || (dimEquals(n, xd[0]!) && dimEquals(c, xd[1]!)));
}

/** The element count of a value (symbolic when its shape is; compare with `sameCount`). */
function count(v: Value): Dim {
  return dimMul(...v.type.shape);
}

/** Whether two values hold the same number of elements for every value of the symbols. */
function sameCount(a: Value, b: Value): boolean {
  return dimEquals(count(a), count(b));
}

interface Building extends FusedGroup, StoreGroup {
  /** Position of the group's last node in graph order (where its kernel runs). */
  last: number;
  /** True when the anchor is elementwise, so the whole group is one elementwise DAG. */
  elementwise: boolean;
  /** Whether the group may take more nodes (its anchor accepts an epilogue). */
  open: boolean;
}

/** A group an operand comes from, and the reshapes crossed to get there. */
interface Reach {
  group: Building;
  via: Node[];
}

/** Partitions `graph` into views and kernel groups, in execution order. */
export function partitionGraph(graph: Graph, policy: FusionPolicy): ScheduleItem[] {
  const fuse = policy.fuse ?? true;
  const users = graph.users();
  const graphOutputs = new Set(graph.outputs);
  const position = new Map(graph.nodes.map((n, i) => [n, i]));
  /** Groups by their current output. */
  const groupOf = new Map<Value, Building>();
  const views = new Set<Node>();
  const groups: Building[] = [];

  const soleUser = (v: Value): Node | undefined => {
    const us = new Set(users.get(v) ?? []);
    return us.size === 1 && !graphOutputs.has(v) ? [...us][0] : undefined;
  };

  /**
   * The group whose output `u` is (possibly through single-use reshapes), when `node` may extend
   * it: every value on the way is used only by the next step, so nothing outside needs it stored.
   */
  const reachable = (u: Value, node: Node): Reach | undefined => {
    const via: Node[] = [];
    let v = u;
    let next: Node = node;
    for (;;) {
      if (soleUser(v) !== next) return undefined;
      const g = groupOf.get(v);
      if (g) return { group: g, via };
      const p = v.producer;
      if (!p || !isView(p.op) || !views.has(p)) return undefined;
      via.push(p);
      next = p;
      v = p.inputs[0]!;
    }
  };

  /** Whether a node with output `out` may extend the group `f` reaches. */
  const eligible = (f: Reach, out: Value): boolean => {
    // Across a reshape the flat offsets of both sides agree only at full size.
    if (f.via.length > 0 && !sameCount(f.group.output, out)) return false;
    // A heavy anchor computes each output element once: its epilogue cannot grow the tensor.
    return f.group.elementwise || sameCount(out, f.group.anchor.outputs[0]!);
  };

  const bindingsOf = (g: Pick<Building, 'anchor' | 'inputs' | 'elementwise'>): number =>
    (g.elementwise ? 0 : g.anchor.inputs.length) + g.inputs.length + 1;

  for (const node of graph.nodes) {
    const at = position.get(node)!;
    if (isView(node.op)) {
      views.add(node);
      continue;
    }
    const out = node.outputs[0]!;
    if (fuse && isElementwise(node.op) && node.outputs.length === 1) {
      const found: Reach[] = [];
      for (const u of node.inputs) {
        const f = reachable(u, node);
        if (f && eligible(f, out) && !found.some((x) => x.group === f.group)) found.push(f);
      }
      // One heavy group at most (it owns the kernel); elementwise groups merge into it.
      const host = found.find((f) => !f.group.elementwise) ?? found[0];
      if (host) {
        const all = [host, ...found.filter((f) => f !== host && f.group.elementwise)];
        const joined = fits(node, all, host.group) ? all : fits(node, [host], host.group) ? [host] : undefined;
        if (joined) {
          const g = host.group;
          for (const f of joined) {
            for (const r of f.via) views.delete(r);
            g.views.push(...f.via);
            groupOf.delete(f.group.output);
            if (f.group !== g) {
              g.epilogue.push(f.group.anchor, ...f.group.epilogue);
              g.views.push(...f.group.views);
              groups.splice(groups.indexOf(f.group), 1);
            }
          }
          g.epilogue.push(node);
          g.output = out;
          g.last = at;
          groupOf.set(out, g);
          continue;
        }
      }
    }
    const elementwise = isElementwise(node.op);
    const open = node.outputs.length === 1 && (elementwise || policy.acceptsEpilogue(node));
    const g: Building = {
      anchor: node,
      epilogue: [],
      views: [],
      inputs: [],
      output: out,
      stores: [],
      copy: false,
      last: at,
      elementwise,
      open,
      remappable: open,
      readBindings: 0,
    };
    groups.push(g);
    if (open) groupOf.set(out, g);
  }
  if (fuse) while (mergeShared());
  if (fuse && policy.acceptsInputScale) foldInputScales(policy.acceptsInputScale);

  /**
   * A conv whose input is `source · scale`, the scale one factor per input channel, computed by a
   * group of just that multiply: the conv folds the scale into its weights (InputScale) and the
   * multiply's group disappears, its product never stored.
   */
  function foldInputScales(accepts: (node: Node) => boolean): void {
    for (const g of [...groups]) {
      const conv = g.anchor;
      const x = conv.inputs[0];
      if (!x || g.elementwise || !accepts(conv) || soleUser(x) !== conv || conv.inputs.slice(1).includes(x)) continue;
      const h = groupOf.get(x);
      const mul = h?.anchor;
      if (!h || !mul || !h.elementwise || h.epilogue.length > 0 || mul.op.kind !== 'binary' || mul.op.fn !== 'mul') continue;
      const [a, b] = mul.inputs as [Value, Value];
      const split = sameCount(a, x) && perChannel(b, x) ? [a, b] : sameCount(b, x) && perChannel(a, x) ? [b, a] : undefined;
      if (!split || split[0] === split[1]) continue;
      const inside = new Set<Value>([conv, ...g.epilogue, ...g.views].flatMap((n) => n.outputs));
      const inputs = groupInputs(conv, g.epilogue, false, (v) => inside.has(v));
      if (bindingsOf({ anchor: conv, elementwise: false, inputs }) + 1 > policy.maxBindings) continue;
      g.inputScale = { node: mul, source: split[0]!, scale: split[1]! };
      groupOf.delete(x);
      groups.splice(groups.indexOf(h), 1);
    }
  }

  /**
   * A value read by several nodes that all ended up in one group need not be stored: merges the
   * group computing it with the group reading it (x·sigmoid(x) after a conv when not recognized
   * as silu; an integer sum both compared and cast). Returns whether it merged a pair.
   */
  function mergeShared(): boolean {
    const owner = new Map<Node, Building>();
    for (const g of groups) for (const n of [g.anchor, ...g.epilogue]) owner.set(n, g);
    for (const g of groups) {
      if (!g.open || graphOutputs.has(g.output)) continue;
      const us = [...new Set(users.get(g.output) ?? [])];
      const h = us.length > 1 ? owner.get(us[0]!) : undefined;
      if (!h || h === g || !h.open || !us.every((u) => owner.get(u) === h)) continue;
      // The heavy one keeps the kernel; a value feeding a heavy anchor itself is no epilogue.
      let host: Building;
      let guest: Building;
      if (!h.elementwise) {
        if (!g.elementwise || us.includes(h.anchor)) continue;
        [host, guest] = [h, g];
      } else {
        if (!g.elementwise && !sameCount(h.output, g.anchor.outputs[0]!)) continue;
        [host, guest] = [g, h];
      }
      const members = [...host.epilogue, ...(host === g ? [h.anchor, ...h.epilogue] : [g.anchor, ...g.epilogue])];
      const inside = new Set<Value>([host.anchor, ...members, ...host.views, ...guest.views].flatMap((n) => n.outputs));
      const inputs = groupInputs(host.anchor, members, host.elementwise, (v) => inside.has(v));
      if (bindingsOf({ anchor: host.anchor, elementwise: host.elementwise, inputs }) > policy.maxBindings) continue;
      host.epilogue = members;
      host.views.push(...guest.views);
      groupOf.delete(g.output);
      host.output = h.output;
      host.last = h.last;
      groupOf.set(host.output, host);
      groups.splice(groups.indexOf(guest), 1);
      return true;
    }
    return false;
  }

  /** Whether the bindings still fit once `node` extends `host`, merging the other `joined` groups. */
  function fits(node: Node, joined: Reach[], host: Building): boolean {
    const merged = new Set(joined.map((f) => f.group));
    const members = [...merged].flatMap((m) => [m.anchor, ...m.epilogue]);
    const crossed = [...[...merged].flatMap((m) => m.views), ...joined.flatMap((f) => f.via)];
    const inside = new Set<Value>([...members, ...crossed].flatMap((n) => n.outputs));
    const inputs = groupInputs(host.anchor, [...members.filter((n) => n !== host.anchor), node], host.elementwise, (v) => inside.has(v));
    return bindingsOf({ anchor: host.anchor, elementwise: host.elementwise, inputs }) <= policy.maxBindings;
  }

  for (const g of groups) {
    g.epilogue.sort((a, b) => position.get(a)! - position.get(b)!);
    const inside = new Set<Value>([g.anchor, ...g.epilogue, ...g.views].flatMap((n) => n.outputs));
    g.inputs = groupInputs(g.anchor, g.epilogue, g.elementwise, (v) => inside.has(v));
    g.readBindings = bindingsOf(g) - 1 + (g.inputScale ? 1 : 0);
    g.stores = [{ value: g.output, path: [] }];
  }
  let scheduled: StoreGroup[] = groups;
  if (fuse) {
    const plan = planStores(groups, {
      graph,
      users,
      position,
      maxBindings: policy.maxBindings,
      paddedSource: policy.paddedSource,
      scratch: policy.scratch,
    });
    for (const g of groups) g.padded = plan.padded.get(g.anchor);
    scheduled = [...groups.filter((g) => !plan.dropped.has(g)), ...plan.copies];
  }

  const items: ScheduleItem[] = [];
  for (const g of scheduled.sort((a, b) => a.last - b.last)) {
    const group: FusedGroup = g.copy
      ? { anchor: g.anchor, epilogue: [], views: [], inputs: [g.output], output: g.output, stores: g.stores, copy: true }
      : (({ anchor, epilogue, views: gv, inputs, output, stores, padded, inputScale }: Building) => ({
          anchor,
          epilogue,
          views: gv,
          inputs,
          output,
          stores,
          copy: false,
          padded,
          inputScale,
        }))(g as Building);
    items.push({ kind: 'group', group });
  }
  for (const r of views) items.push({ kind: 'view', node: r });
  return items;
}

/**
 * The values a group binds besides the anchor's own inputs, in first-use order: every operand of
 * an elementwise group (anchor included) or of a heavy anchor's epilogue that is not computed
 * inside the group and is not a scalar constant.
 */
function groupInputs(anchor: Node, epilogue: readonly Node[], elementwise: boolean, inside: (v: Value) => boolean): Value[] {
  const nodes = elementwise ? [anchor, ...epilogue] : epilogue;
  return [...new Set(nodes.flatMap((n) => n.inputs.filter((v) => !inside(v) && !isInlineConstant(v))))];
}
