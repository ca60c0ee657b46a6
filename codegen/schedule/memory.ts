/**
 * Static memory planning: every value a kernel touches gets a device buffer, decided once at
 * compile time from liveness over the kernel list.
 *
 * - Views (reshape outputs) share their source's buffer: a value and all views of it form one
 *   alias group with one buffer, live from the first kernel touching any member to the last.
 * - Graph inputs, graph outputs and constants get buffers of their own: inputs and constants must
 *   survive across runs, outputs must still hold their data when read back after the last kernel.
 * - Intermediates (including generators' scratch values) share buffers when their lifetimes do not
 *   overlap, assigned greedily in kernel order with best fit by size. A lifetime is the closed
 *   interval of kernel indices that read or write the group, so a kernel never reads and writes
 *   the same buffer (WebGPU forbids binding one buffer as both read-only and writable storage in a
 *   dispatch) — values freed by kernel i are reusable from kernel i + 1.
 *
 * Every element is one 32-bit word on the device, so a value of n elements needs 4·n bytes (at
 * least 4, since WebGPU cannot bind an empty range).
 */

import type { Kernel } from '../kernel.js';
import type { Graph, Value } from '../../ir/graph.js';
import { numel } from '../../ir/shape.js';

export type BufferRole = 'input' | 'output' | 'constant' | 'intermediate';

export interface PlannedBuffer {
  index: number;
  /** Bytes: the largest value it holds. */
  size: number;
  role: BufferRole;
  /** Every value stored in it (views included), in the order they were assigned. */
  values: Value[];
}

export interface MemoryPlan {
  buffers: PlannedBuffer[];
  /** The buffer of every value a kernel touches, every graph input and every graph output. */
  bufferOf: Map<Value, number>;
  /** Most intermediate bytes live during any one kernel (the lower bound for any plan). */
  peakIntermediateBytes: number;
  /** Sum of all intermediate values' bytes: what giving each its own buffer would cost. */
  totalIntermediateBytes: number;
  /** Sum of the intermediate buffers this plan allocates. */
  plannedIntermediateBytes: number;
}

/** Device bytes of a value: one 4-byte word per element, at least one word. */
export function deviceBytes(v: Value): number {
  return Math.max(4, 4 * numel(v.type.shape));
}

interface Group {
  root: Value;
  members: Value[];
  role: BufferRole;
  bytes: number;
  /** First and last kernel index touching the group; -1 when no kernel does. */
  start: number;
  end: number;
}

/** Plans buffers for `kernels` (in execution order) of `graph`, with `views` from codegen. */
export function planMemory(graph: Graph, kernels: readonly Kernel[], views: ReadonlyMap<Value, Value>): MemoryPlan {
  const rootOf = (v: Value): Value => {
    let r = v;
    for (let hops = 0; views.has(r); hops++) {
      if (hops > views.size) throw new Error(`view cycle at value '${v.name}'`);
      r = views.get(r)!;
    }
    return r;
  };

  const groups = new Map<Value, Group>();
  const groupOf = (v: Value): Group => {
    const root = rootOf(v);
    let g = groups.get(root);
    if (!g) {
      g = { root, members: [root], role: 'intermediate', bytes: deviceBytes(root), start: -1, end: -1 };
      groups.set(root, g);
    }
    if (!g.members.includes(v)) g.members.push(v);
    return g;
  };
  const touch = (v: Value, at: number) => {
    const g = groupOf(v);
    if (g.start < 0 || at < g.start) g.start = at;
    if (at > g.end) g.end = at;
  };

  const written = new Set<Value>();
  kernels.forEach((k, i) => {
    k.inputs.forEach((v) => touch(v, i));
    k.outputs.forEach((v) => {
      touch(v, i);
      written.add(rootOf(v));
    });
  });
  graph.inputs.forEach((v) => groupOf(v));
  graph.outputs.forEach((v) => groupOf(v));

  const inputs = new Set(graph.inputs);
  const outputs = new Set(graph.outputs);
  for (const g of groups.values()) {
    if (inputs.has(g.root)) g.role = 'input';
    else if (g.root.isConstant) g.role = 'constant';
    else if (g.members.some((m) => outputs.has(m))) g.role = 'output';
    if (g.role !== 'input' && g.role !== 'constant' && !written.has(g.root)) {
      throw new Error(`value '${g.root.name}' is read but no kernel writes it and it is neither an input nor a constant`);
    }
    if (g.role === 'input' || g.role === 'constant') {
      const w = g.members.find((m) => written.has(m));
      if (w) throw new Error(`kernel writes ${g.role} '${g.root.name}' (through '${w.name}')`);
    }
  }

  const buffers: PlannedBuffer[] = [];
  const bufferOf = new Map<Value, number>();
  const assign = (g: Group, b: PlannedBuffer) => {
    b.size = Math.max(b.size, g.bytes);
    b.values.push(...g.members);
    for (const m of g.members) bufferOf.set(m, b.index);
  };
  const newBuffer = (role: BufferRole): PlannedBuffer => {
    const b: PlannedBuffer = { index: buffers.length, size: 0, role, values: [] };
    buffers.push(b);
    return b;
  };

  // Dedicated buffers first, in a stable order: inputs, outputs, constants.
  const all = [...groups.values()];
  for (const role of ['input', 'output', 'constant'] as const) {
    for (const g of all.filter((x) => x.role === role)) assign(g, newBuffer(role));
  }

  // Intermediates: sweep kernels in order; free groups whose last use has passed, then place the
  // groups born at this kernel in the smallest free buffer that fits, else grow the largest free
  // one (cheaper than a new buffer), else open a new one.
  const inter = all.filter((g) => g.role === 'intermediate').sort((a, b) => a.start - b.start || b.bytes - a.bytes);
  const free: PlannedBuffer[] = [];
  const live: { g: Group; b: PlannedBuffer }[] = [];
  let peak = 0;
  let total = 0;
  let next = 0;
  for (let i = 0; i < kernels.length; i++) {
    for (let j = live.length - 1; j >= 0; j--) {
      if (live[j]!.g.end < i) {
        free.push(live[j]!.b);
        live.splice(j, 1);
      }
    }
    for (; next < inter.length && inter[next]!.start === i; next++) {
      const g = inter[next]!;
      total += g.bytes;
      let pick = -1;
      for (let f = 0; f < free.length; f++) {
        const size = free[f]!.size;
        if (size >= g.bytes && (pick < 0 || size < free[pick]!.size)) pick = f;
      }
      if (pick < 0 && free.length > 0) {
        pick = free.reduce((best, b, f) => (b.size > free[best]!.size ? f : best), 0);
      }
      const b = pick >= 0 ? free.splice(pick, 1)[0]! : newBuffer('intermediate');
      assign(g, b);
      live.push({ g, b });
    }
    peak = Math.max(peak, live.reduce((s, x) => s + x.g.bytes, 0));
  }

  const planned = buffers.filter((b) => b.role === 'intermediate').reduce((s, b) => s + b.size, 0);
  return { buffers, bufferOf, peakIntermediateBytes: peak, totalIntermediateBytes: total, plannedIntermediateBytes: planned };
}
