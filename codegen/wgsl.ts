/**
 * Small typed helpers that emit WGSL text: storage declarations, the flat-index prologue with
 * dispatches that stay under the per-dimension workgroup limit, and index math between flat
 * offsets and coordinates (with broadcasting). Every kernel generator builds on these instead of
 * writing its own index arithmetic.
 *
 * Static sizes and strides are emitted as literals, which WGSL constant-folds; symbolic ones (a
 * model compiled to run at any batch or sequence length) as reads of the per-model dims table
 * (codegen/dims.ts). Helpers take `Dim`s and do both; a generator that still assumes static
 * sizes calls `dimsOf`, which names the value and the symbol when it meets one.
 */

import { gpuStorageOf, type DType, type GpuScalar } from '../ir/dtype.js';
import type { Value } from '../ir/graph.js';
import { dimCeilDiv, dimMin, dimMul, type Dim } from '../ir/dim.js';
import { dimStrides } from '../ir/shape.js';
import { u32 } from './dims.js';

/** Default workgroup size for 1-d elementwise-style kernels. */
export const WG = 64;

export function scalarOf(dtype: DType): GpuScalar {
  const s = gpuStorageOf(dtype);
  if (!s) throw new Error(`dtype ${dtype} has no GPU representation`);
  return s;
}

/**
 * Static dims of a value, for generators that need sizes known at compile time (to pick a tile
 * or size workgroup memory); a symbolic dim is an error naming the value and the symbol.
 */
export function dimsOf(v: Value): number[] {
  return v.type.shape.map((d) => {
    if (typeof d !== 'number') {
      throw new Error(`value '${v.name}' has the symbolic dim '${d}', and this kernel needs static sizes there; bind it with --dim`);
    }
    return d;
  });
}

export function sizeOf(v: Value): number {
  return dimsOf(v).reduce((a, b) => a * b, 1);
}

/** Dims of a value, symbolic ones included (render them with u32/i32/f32 from codegen/dims.ts). */
export function shapeOf(v: Value): Dim[] {
  return [...v.type.shape];
}

/** Element count of a value, symbolic when any dim is. */
export function numelOf(v: Value): Dim {
  return dimMul(...v.type.shape);
}

/**
 * Storage declarations: inputs read-only at bindings 0.., outputs read_write after them.
 * Names default to in0.., out0.. .
 */
export function declareBindings(inputs: Value[], outputs: Value[], inNames?: string[], outNames?: string[]): string {
  const lines: string[] = [];
  inputs.forEach((v, i) => {
    lines.push(`@group(0) @binding(${i}) var<storage, read> ${inNames?.[i] ?? `in${i}`}: array<${scalarOf(v.type.dtype)}>;`);
  });
  outputs.forEach((v, i) => {
    lines.push(
      `@group(0) @binding(${inputs.length + i}) var<storage, read_write> ${outNames?.[i] ?? `out${i}`}: array<${scalarOf(v.type.dtype)}>;`,
    );
  });
  return lines.join('\n');
}

/**
 * Workgroup counts for `total` invocations of `wgSize` threads, split over x and y so no dimension
 * exceeds `maxPerDim`. Pair with `flatMain`, which recomputes the flat index. A symbolic total
 * gives symbolic counts (x capped at `maxPerDim`, y the rest), evaluated by the runtime per shape.
 */
export function dispatch1d(total: number, wgSize?: number, maxPerDim?: number): [number, number, number];
export function dispatch1d(total: Dim, wgSize?: number, maxPerDim?: number): [Dim, Dim, Dim];
export function dispatch1d(total: Dim, wgSize = WG, maxPerDim = 65535): [Dim, Dim, Dim] {
  if (typeof total !== 'number') {
    const groups = dimCeilDiv(total, wgSize);
    return [dimMin(groups, maxPerDim), dimCeilDiv(groups, maxPerDim), 1];
  }
  const groups = Math.max(1, Math.ceil(total / wgSize));
  if (groups <= maxPerDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  const x = Math.ceil(groups / y);
  return [x, y, 1];
}

/**
 * The entry point header for a flat-index kernel: declares `main` and binds `idx` (u32), returning
 * early past `total`. The caller appends the body and the closing brace. With a symbolic total the
 * row stride of a 2-d dispatch comes from `num_workgroups`, since it is only known per run.
 */
export function flatMain(total: Dim, wgSize = WG, maxPerDim = 65535): string {
  if (typeof total !== 'number') {
    return `@compute @workgroup_size(${wgSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * (nwg.x * ${wgSize}u);
  if (idx >= ${u32(total)}) { return; }`;
  }
  const [x] = dispatch1d(total, wgSize, maxPerDim);
  return `@compute @workgroup_size(${wgSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x + gid.y * ${x * wgSize}u;
  if (idx >= ${total}u) { return; }`;
}

/**
 * WGSL statements declaring `${prefix}0..${prefix}{rank-1}` (u32) as the coordinates of flat
 * offset `offset` in a row-major tensor of `dims`.
 */
export function offsetToCoords(offset: string, dims: readonly Dim[], prefix: string): string {
  const strides = dimStrides(dims);
  const lines: string[] = [];
  let rest = offset;
  dims.forEach((d, i) => {
    if (i === dims.length - 1) lines.push(`let ${prefix}${i} = ${rest};`);
    else {
      lines.push(`let ${prefix}${i} = ${rest} / ${u32(strides[i]!)};`);
      const r = `${prefix}r${i}`;
      lines.push(`let ${r} = ${rest} % ${u32(strides[i]!)};`);
      rest = r;
    }
    void d;
  });
  return lines.join('\n  ');
}

/**
 * WGSL expression: the flat offset in a tensor of `inDims` read with broadcasting from output
 * coordinates `${prefix}i` of an output of rank `outRank` (numpy alignment from the right).
 */
export function broadcastOffset(inDims: readonly Dim[], outRank: number, prefix: string): string {
  const strides = dimStrides(inDims);
  const terms: string[] = [];
  inDims.forEach((d, i) => {
    if (d === 1) return;
    const oi = outRank - inDims.length + i;
    terms.push(strides[i] === 1 ? `${prefix}${oi}` : `${prefix}${oi} * ${u32(strides[i]!)}`);
  });
  return terms.length ? terms.join(' + ') : '0u';
}

/**
 * Formats a finite number as a WGSL f32 literal. Dawn rejects any constant expression whose value
 * is infinite or NaN (bitcasts included), so non-finite values must go through runtime helper
 * functions: use `floatLit` (codegen/kernels/common.ts) where they can occur.
 */
export function f32Lit(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`f32Lit(${x}): non-finite constants need floatLit (codegen/kernels/common.ts)`);
  const s = String(Math.fround(x));
  return /[.e]/.test(s) ? `f32(${s})` : `f32(${s}.0)`;
}
