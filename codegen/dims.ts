/**
 * Symbolic sizes in kernels. A compiled model runs at every value of its symbolic dims (batch,
 * sequence) with the same shaders, so a kernel cannot bake a symbol-dependent size into its WGSL.
 * Instead every distinct symbolic size a model's kernels use — a dim, a stride, an element count,
 * a tile count — gets a slot in one per-model table, which the runtime evaluates on the host
 * whenever the input shapes change and uploads as a small uniform buffer bound to every kernel
 * that reads it (@group(1) @binding(0), so the storage bindings in group 0 keep the Kernel
 * contract). Static sizes stay WGSL literals, so a model without symbols compiles exactly as
 * before.
 *
 * Generators call `u32(d)` (or `i32`/`f32`) wherever they would print a size: a number becomes a
 * literal, a symbolic Dim a read of its slot. The table is the active one of the enclosing
 * `withDimTable` call: codegen is synchronous, and threading a table argument through every index
 * helper would touch each of them for nothing. Outside `withDimTable`, symbolic dims are an error.
 */

import { canonicalDim, evalDim, type Dim } from '../ir/dim.js';

/** WGSL name of the uniform table; a kernel reading it gets the declaration prepended. */
export const DIMS_VAR = 'SYM';
/** vec4 slots: the table holds 4 × this many sizes. */
export const DIMS_VEC4S = 64;
export const DIMS_DECL = `@group(1) @binding(0) var<uniform> ${DIMS_VAR}: array<vec4<u32>, ${DIMS_VEC4S}>;`;

export class DimTable {
  /** Canonical expressions, by slot. */
  readonly exprs: string[] = [];
  private readonly slots = new Map<string, number>();

  slot(expr: string): number {
    const key = String(canonicalDim(expr));
    let s = this.slots.get(key);
    if (s === undefined) {
      s = this.exprs.length;
      if (s >= DIMS_VEC4S * 4) throw new Error(`the model's kernels use more than ${DIMS_VEC4S * 4} distinct symbolic sizes`);
      this.exprs.push(key);
      this.slots.set(key, s);
    }
    return s;
  }
}

let active: DimTable | undefined;

/** Runs `fn` with `table` receiving the symbolic sizes the kernels it generates read. */
export function withDimTable<T>(table: DimTable, fn: () => T): T {
  const saved = active;
  active = table;
  try {
    return fn();
  } finally {
    active = saved;
  }
}

function ref(d: string): string {
  const c = canonicalDim(d);
  if (typeof c === 'number') return `${c}u`;
  if (!active) throw new Error(`symbolic size '${d}' outside a dims table (codegen/dims.ts withDimTable)`);
  const s = active.slot(c);
  return `${DIMS_VAR}[${s >> 2}].${'xyzw'[s & 3]}`;
}

/** A size as a WGSL u32 expression. */
export function u32(d: Dim): string {
  if (typeof d === 'number') {
    if (!Number.isInteger(d) || d < 0) throw new Error(`size ${d} is not a non-negative integer`);
    return `${d}u`;
  }
  return ref(d);
}

/** A size as a WGSL i32 expression (sizes fit in i32: buffers are far below 2^31 words). */
export function i32(d: Dim): string {
  return typeof d === 'number' ? `${d}i` : `i32(${ref(d)})`;
}

/** A size as a WGSL f32 expression (means, scales). */
export function f32(d: Dim): string {
  return typeof d === 'number' ? `f32(${d})` : `f32(${ref(d)})`;
}

/** Whether a kernel's WGSL reads the table (and so needs the declaration and the binding). */
export function readsDims(wgsl: string): boolean {
  return wgsl.includes(`${DIMS_VAR}[`);
}

/**
 * Prepends the table's declaration to a kernel that reads it and marks it `usesDims`; a kernel with
 * a subgroup-free fallback (Kernel.fallback) gets it in both forms when either reads it, since
 * they share one binding layout.
 */
export function attachDims<K extends { wgsl: string; usesDims?: boolean; fallback?: { wgsl: string } }>(k: K): K {
  if (k.usesDims || !(readsDims(k.wgsl) || (k.fallback !== undefined && readsDims(k.fallback.wgsl)))) return k;
  // After any leading directives (`enable subgroups;`): WGSL wants them before all declarations.
  const declare = (wgsl: string) => {
    const directives = /^(?:(?:enable|requires|diagnostic)\b[^;]*;\s*)*/.exec(wgsl)![0];
    return `${directives}${DIMS_DECL}\n${wgsl.slice(directives.length)}`;
  };
  const fallback = k.fallback ? { fallback: { ...k.fallback, wgsl: declare(k.fallback.wgsl) } } : {};
  return { ...k, wgsl: declare(k.wgsl), ...fallback, usesDims: true };
}

/** The table's uniform contents for the given symbol values (what the runtime uploads). */
export function dimTableWords(exprs: readonly string[], env: Readonly<Record<string, number>>): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(DIMS_VEC4S * 4);
  exprs.forEach((e, i) => {
    words[i] = evalDim(e, env);
  });
  return words;
}
