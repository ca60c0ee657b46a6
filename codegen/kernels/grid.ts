/**
 * Workgroup grids for the tiled anchor kernels (matmul, conv, pool): a kernel asks for a 3-d grid
 * of workgroups (x: column tiles, y: row tiles, z: batch) and gets back the dispatch size plus the
 * WGSL that binds `wg: vec3<u32>` to its workgroup's grid coordinates.
 *
 * WebGPU caps each dispatch dimension (65535 by default). When the requested grid fits, it is
 * dispatched as is; otherwise the grid is linearized and re-split over x and y so no dimension
 * exceeds the cap, and the shader decodes the linear index back (a few integer ops once per
 * invocation, nothing per element).
 *
 * Symbolic counts (a model compiled for any batch or sequence length, codegen/dims.ts): whether
 * the grid fits cannot be known at compile time, so such a grid is always linearized — the
 * dispatch is x = min(total, cap), y = ⌈total / cap⌉, and the shader decodes with sizes read from
 * the dims table. That works for every size up to cap² workgroups (over 4·10⁹ at the default
 * cap) at the cost of a few integer ops per invocation; a static grid keeps the direct form.
 */

import { dimCeilDiv, dimMin, dimMul, type Dim } from '../../ir/dim.js';
import type { Value } from '../../ir/graph.js';
import { i32, u32 } from '../dims.js';

export interface Grid {
  workgroups: [Dim, Dim, Dim];
  /** WGSL statements (inside `main`) defining `wg: vec3<u32>`; may `return` for padding groups. */
  prologue: string;
}

/** The `main` parameter list every grid-using kernel declares (the prologue reads these names). */
export const GRID_BUILTINS =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>';

export function gridFor(counts: [Dim, Dim, Dim], maxPerDim: number): Grid {
  if (counts.some((c) => typeof c !== 'number')) return symbolicGrid(counts, maxPerDim);
  const [gx, gy, gz] = counts.map((c) => Math.max(1, c as number)) as [number, number, number];
  if (gx <= maxPerDim && gy <= maxPerDim && gz <= maxPerDim) {
    return { workgroups: [gx, gy, gz], prologue: 'let wg = wid;' };
  }
  const total = gx * gy * gz;
  const dy = Math.ceil(total / maxPerDim);
  const dx = Math.ceil(total / dy);
  if (dy > maxPerDim) throw new Error(`grid ${counts.join('×')} needs more than ${maxPerDim}² workgroups`);
  return {
    workgroups: [dx, dy, 1],
    prologue: [
      `let lin = wid.x + wid.y * ${dx}u;`,
      `if (lin >= ${total}u) { return; }`,
      `let wg = vec3<u32>(lin % ${gx}u, (lin / ${gx}u) % ${gy}u, lin / ${gx * gy}u);`,
    ].join('\n  '),
  };
}

/**
 * The linearized grid for symbolic counts (see the file header). A count that evaluates to 0
 * makes the total 0, and the runtime skips a dispatch with a zero count.
 */
function symbolicGrid(counts: [Dim, Dim, Dim], maxPerDim: number): Grid {
  const [gx, gy] = counts;
  const total = dimMul(...counts);
  const dx = dimMin(total, maxPerDim);
  return {
    workgroups: [dx, dimCeilDiv(total, maxPerDim), 1],
    prologue: [
      `let lin = wid.x + wid.y * ${u32(dx)};`,
      `if (lin >= ${u32(total)}) { return; }`,
      `let wg = vec3<u32>(lin % ${u32(gx)}, (lin / ${u32(gx)}) % ${u32(gy)}, lin / ${u32(dimMul(gx, gy))});`,
    ].join('\n  '),
  };
}

/**
 * The shape of `v` split at `axis`: the leading dims (batch, maybe channels) may be symbolic —
 * they only scale the grid or a flat count — while the dims from `axis` on size the kernel's
 * blocks and windows, so a symbolic one there is an error naming the value and the symbol.
 */
export function splitStatic(v: Value, axis: number, what: string): { lead: Dim[]; tail: number[] } {
  const shape = v.type.shape;
  const tail = shape.slice(axis).map((d, i) => {
    if (typeof d !== 'number') {
      throw new Error(`${what}: '${v.name}' has the symbolic dim '${d}' at axis ${axis + i}; only dims before axis ${axis} may be symbolic here (bind it with --dim)`);
    }
    return d;
  });
  return { lead: shape.slice(0, axis), tail };
}

/** Throws unless every value is float (f32 on the GPU): the heavy kernels compute in f32 only. */
export function requireFloat(kind: string, nodeName: string, dtypes: string[]): void {
  for (const d of dtypes) {
    if (d !== 'float32' && d !== 'float16') {
      throw new Error(`${kind} '${nodeName}': dtype ${d} is not supported on the GPU (float32/float16 only)`);
    }
  }
}

/**
 * A loop bound the shader compiler cannot see through. lavapipe (NIR + LLVM) fully unrolls loops
 * with small constant trip counts; on these register-blocked bodies that multiplies compile time
 * (measured: a 13×20×20 matmul kernel took 1.8 s of CPU to compile with its 5-iteration k loop
 * unrolled, 0.35 s without) for no measurable speed-up. Adding a term that is always 0 — `id` is a
 * workgroup or invocation id, far below 2^31 — but not provably so keeps the loop a loop.
 * A symbolic bound is a read of the dims table, opaque already.
 */
export function opaqueBound(n: Dim, id: string, type: 'u32' | 'i32' = 'u32'): string {
  if (typeof n !== 'number') return type === 'u32' ? u32(n) : i32(n);
  return type === 'u32' ? `(${n}u + (${id} >> 31u))` : `(${n}i + i32(${id} >> 31u))`;
}
