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
 *
 * Symbolic shapes: a value's bytes are then a Dim (`4*batch*sequence`; the runtime applies the
 * 4-byte floor when it evaluates them). Sharing is still decided from liveness alone, so it holds
 * at every binding; only the best-fit choices (which free buffer to reuse, which to grow) compare
 * sizes, and those comparisons are made at a REFERENCE BINDING: the declared upper bounds
 * (`--max-dim`) where given, else every symbol = DEFAULT_REFERENCE_SIZE (64, a mid-sized batch or
 * sequence). A shared buffer's size is the `dimMax` of its members' sizes, so it fits every member
 * at every binding. The byte totals the plan reports are evaluated at the reference binding.
 */

import type { Kernel } from '../kernel.js';
import type { Graph, Value } from '../../ir/graph.js';
import { dimMax, dimMul, dimProductOf, dimSub, dimSymbols, evalDim, type Dim } from '../../ir/dim.js';

/** Each symbol's value in the reference binding when no upper bound is declared for it. */
export const DEFAULT_REFERENCE_SIZE = 64;

export type BufferRole = 'input' | 'output' | 'constant' | 'intermediate';

export interface PlannedBuffer {
  index: number;
  /** Bytes: the largest value it holds (the dimMax of its members' sizes when symbolic). */
  size: Dim;
  role: BufferRole;
  /** Every value stored in it (views included), in the order they were assigned. */
  values: Value[];
}

export interface MemoryPlan {
  buffers: PlannedBuffer[];
  /** The buffer of every value a kernel touches, every graph input and every graph output. */
  bufferOf: Map<Value, number>;
  /**
   * The symbol values the sizes were compared at, and the byte figures below evaluated at (empty
   * when every size is static).
   */
  reference: Record<string, number>;
  /** Most intermediate bytes live during any one kernel (the lower bound for any plan). */
  peakIntermediateBytes: number;
  /** Sum of all intermediate values' bytes: what giving each its own buffer would cost. */
  totalIntermediateBytes: number;
  /** Sum of the intermediate buffers this plan allocates. */
  plannedIntermediateBytes: number;
}

/**
 * Device bytes of a value: one 4-byte word per element, at least one word (applied here when the
 * size is static, by the runtime when it evaluates a symbolic one).
 */
export function deviceBytes(v: Value): Dim {
  const n = dimProductOf(v.type.shape);
  return typeof n === 'number' ? Math.max(4, 4 * n) : dimMul(4, n);
}

/**
 * Whether `a ≥ b` at every binding: their difference is a polynomial with no negative coefficient
 * (symbols are non-negative) — canonical text of only names, digits, `*` and `+`.
 */
function dominates(a: Dim, b: Dim): boolean {
  const d = dimSub(a, b);
  return typeof d === 'number' ? d >= 0 : /^[A-Za-z0-9_*+]+$/.test(d);
}

/** The size of a buffer holding values of `sizes`: their max, with dominated sizes dropped. */
export function maxSize(sizes: readonly Dim[]): Dim {
  const kept: Dim[] = [];
  for (const s of sizes) {
    if (kept.some((k) => dominates(k, s))) continue;
    for (let i = kept.length - 1; i >= 0; i--) if (dominates(s, kept[i]!)) kept.splice(i, 1);
    kept.push(s);
  }
  return kept.length === 0 ? 0 : dimMax(...kept);
}

/** The reference binding for sizes over `symbols`: `maxDims` where given, else the default. */
export function referenceBinding(symbols: Iterable<string>, maxDims: Readonly<Record<string, number>> = {}): Record<string, number> {
  const env: Record<string, number> = {};
  for (const s of symbols) env[s] = maxDims[s] ?? DEFAULT_REFERENCE_SIZE;
  return env;
}

export interface PlanMemoryOptions {
  /** Declared upper bounds of symbols (`--max-dim`): the reference binding for size comparisons. */
  maxDims?: Readonly<Record<string, number>>;
}

interface Group {
  root: Value;
  members: Value[];
  role: BufferRole;
  bytes: Dim;
  /** `bytes` at the reference binding. */
  refBytes: number;
  /** First and last kernel index touching the group; -1 when no kernel does. */
  start: number;
  end: number;
}

/** Plans buffers for `kernels` (in execution order) of `graph`, with `views` from codegen. */
export function planMemory(
  graph: Graph,
  kernels: readonly Kernel[],
  views: ReadonlyMap<Value, Value>,
  options: PlanMemoryOptions = {},
): MemoryPlan {
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
      g = { root, members: [root], role: 'intermediate', bytes: deviceBytes(root), refBytes: 0, start: -1, end: -1 };
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
    // A value with no elements has nothing to write (its kernels are dropped), only a buffer.
    if (g.role !== 'input' && g.role !== 'constant' && !written.has(g.root) && dimProductOf(g.root.type.shape) !== 0) {
      throw new Error(`value '${g.root.name}' is read but no kernel writes it and it is neither an input nor a constant`);
    }
    if (g.role === 'input' || g.role === 'constant') {
      const w = g.members.find((m) => written.has(m));
      if (w) throw new Error(`kernel writes ${g.role} '${g.root.name}' (through '${w.name}')`);
    }
  }

  // Sizes are compared at the reference binding (see the header).
  const symbols = new Set<string>();
  for (const g of groups.values()) for (const s of dimSymbols(g.bytes)) symbols.add(s);
  const reference = referenceBinding(symbols, options.maxDims);
  const at = (d: Dim) => Math.max(4, evalDim(d, reference));
  for (const g of groups.values()) g.refBytes = at(g.bytes);

  const buffers: PlannedBuffer[] = [];
  const bufferOf = new Map<Value, number>();
  const refSize = new Map<PlannedBuffer, number>();
  // Every member's size, so the max is taken over them all (a max() atom cannot be taken apart).
  const memberSizes = new Map<PlannedBuffer, Dim[]>();
  const assign = (g: Group, b: PlannedBuffer) => {
    const sizes = memberSizes.get(b) ?? [];
    sizes.push(g.bytes);
    memberSizes.set(b, sizes);
    b.size = maxSize(sizes);
    refSize.set(b, at(b.size));
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
  const inter = all.filter((g) => g.role === 'intermediate').sort((a, b) => a.start - b.start || b.refBytes - a.refBytes);
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
      total += g.refBytes;
      const sizeOf = (b: PlannedBuffer) => refSize.get(b)!;
      let pick = -1;
      for (let f = 0; f < free.length; f++) {
        const size = sizeOf(free[f]!);
        if (size >= g.refBytes && (pick < 0 || size < sizeOf(free[pick]!))) pick = f;
      }
      if (pick < 0 && free.length > 0) {
        pick = free.reduce((best, b, f) => (sizeOf(b) > sizeOf(free[best]!) ? f : best), 0);
      }
      const b = pick >= 0 ? free.splice(pick, 1)[0]! : newBuffer('intermediate');
      assign(g, b);
      live.push({ g, b });
    }
    peak = Math.max(peak, live.reduce((s, x) => s + x.g.refBytes, 0));
  }

  const planned = buffers.filter((b) => b.role === 'intermediate').reduce((s, b) => s + refSize.get(b)!, 0);
  return { buffers, bufferOf, reference, peakIntermediateBytes: peak, totalIntermediateBytes: total, plannedIntermediateBytes: planned };
}
