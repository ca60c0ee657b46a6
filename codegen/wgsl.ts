/**
 * Small typed helpers that emit WGSL text: storage declarations, the flat-index prologue with
 * dispatches that stay under the per-dimension workgroup limit, and index math between flat
 * offsets and coordinates (with broadcasting). Every kernel generator builds on these instead of
 * writing its own index arithmetic.
 *
 * Shapes are static at codegen time (symbols already bound), so index math is emitted with the
 * sizes and strides as literals; WGSL constant-folds them.
 */

import { gpuStorageOf, type DType, type GpuScalar } from '../ir/dtype.js';
import type { Value } from '../ir/graph.js';
import { stridesOf } from '../ir/shape.js';

/** Default workgroup size for 1-d elementwise-style kernels. */
export const WG = 64;

export function scalarOf(dtype: DType): GpuScalar {
  const s = gpuStorageOf(dtype);
  if (!s) throw new Error(`dtype ${dtype} has no GPU representation`);
  return s;
}

/** Static dims of a value (codegen runs after symbols are bound). */
export function dimsOf(v: Value): number[] {
  return v.type.shape.map((d) => {
    if (typeof d !== 'number') throw new Error(`value '${v.name}' has unbound symbolic dim '${d}'`);
    return d;
  });
}

export function sizeOf(v: Value): number {
  return dimsOf(v).reduce((a, b) => a * b, 1);
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
 * exceeds `maxPerDim`. Pair with `flatIndexPrologue`, which recomputes the flat index.
 */
export function dispatch1d(total: number, wgSize = WG, maxPerDim = 65535): [number, number, number] {
  const groups = Math.max(1, Math.ceil(total / wgSize));
  if (groups <= maxPerDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  const x = Math.ceil(groups / y);
  return [x, y, 1];
}

/**
 * The entry point header for a flat-index kernel: declares `main` and binds `idx` (u32), returning
 * early past `total`. The caller appends the body and the closing brace.
 */
export function flatMain(total: number, wgSize = WG, maxPerDim = 65535): string {
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
export function offsetToCoords(offset: string, dims: readonly number[], prefix: string): string {
  const strides = stridesOf(dims);
  const lines: string[] = [];
  let rest = offset;
  dims.forEach((d, i) => {
    if (i === dims.length - 1) lines.push(`let ${prefix}${i} = ${rest};`);
    else {
      lines.push(`let ${prefix}${i} = ${rest} / ${strides[i]}u;`);
      const r = `${prefix}r${i}`;
      lines.push(`let ${r} = ${rest} % ${strides[i]}u;`);
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
export function broadcastOffset(inDims: readonly number[], outRank: number, prefix: string): string {
  const strides = stridesOf(inDims);
  const terms: string[] = [];
  inDims.forEach((d, i) => {
    if (d === 1) return;
    const oi = outRank - inDims.length + i;
    terms.push(strides[i] === 1 ? `${prefix}${oi}` : `${prefix}${oi} * ${strides[i]}u`);
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
