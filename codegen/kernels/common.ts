/**
 * Small pieces shared by the kernel generators in this folder: typed WGSL literals, the
 * "flat index → strided offset" function that transposes, broadcasts, reductions and slices all
 * reduce to, merging of adjacent dims so that index math has as few div/mod steps as possible,
 * and the one-invocation-per-element kernel skeleton.
 */

import type { GpuScalar } from '../../ir/dtype.js';
import type { Node, Value } from '../../ir/graph.js';
import type { CodegenContext, Kernel } from '../kernel.js';
import { WG, declareBindings, dispatch1d, f32Lit, flatMain, offsetToCoords } from '../wgsl.js';
import { dimMul, type Dim } from '../../ir/dim.js';
import { u32 } from '../dims.js';
import type { WgslHelpers } from './wgsl-math.js';

/**
 * `x` as a WGSL f32 expression. Infinities and NaN go through helper functions: WGSL rejects a
 * constant expression with such a value (so `f32Lit`'s bitcast form does not compile).
 */
export function floatLit(x: number, h: WgslHelpers): string {
  if (Number.isNaN(x)) return `${h.use('nan')}()`;
  if (x === Infinity) return `${h.use('posinf')}()`;
  if (x === -Infinity) return `${h.use('neginf')}()`;
  return f32Lit(x);
}

/** `x` as a WGSL literal of `scalar` (integers truncate toward zero and saturate to the type). */
export function typedLit(x: number, scalar: GpuScalar, h: WgslHelpers): string {
  switch (scalar) {
    case 'f32':
    case 'f16':
      return floatLit(x, h);
    case 'i32': {
      const v = Number.isNaN(x) ? 0 : Math.min(2147483647, Math.max(-2147483648, Math.trunc(x)));
      return `i32(${v})`;
    }
    case 'u32': {
      const v = Number.isNaN(x) ? 0 : Math.min(4294967295, Math.max(0, Math.trunc(x)));
      return `${v}u`;
    }
    default: {
      const never: never = scalar;
      throw new Error(`unknown scalar ${String(never)}`);
    }
  }
}

/** The most negative / most positive value of a GPU scalar (the identities of max / min). */
export function lowestLit(scalar: GpuScalar, h: WgslHelpers): string {
  return scalar === 'i32' ? 'i32(-2147483648)' : scalar === 'u32' ? '0u' : `${h.use('neginf')}()`;
}
export function highestLit(scalar: GpuScalar, h: WgslHelpers): string {
  return scalar === 'i32' ? 'i32(2147483647)' : scalar === 'u32' ? '4294967295u' : `${h.use('posinf')}()`;
}

/**
 * A WGSL function `fn name(i: u32) -> u32` mapping flat index `i`, row-major over `dims`, to
 * Σ coord_k · strides[k]. Dims of size 1 cost nothing; the outermost needs no modulo. Symbolic
 * dims and strides read the dims table.
 */
export function stridedOffsetFn(name: string, dims: readonly Dim[], strides: readonly Dim[]): string {
  if (dims.every((d, k) => d === 1 || strides[k] === 0)) return `fn ${name}(i: u32) -> u32 { return 0u; }`;
  const lines = [`fn ${name}(i: u32) -> u32 {`, '  var r = i;', '  var o = 0u;'];
  let outer = 0;
  while (outer < dims.length - 1 && dims[outer] === 1) outer++;
  for (let k = dims.length - 1; k > outer; k--) {
    const d = dims[k]!;
    if (d === 1) continue;
    const s = strides[k]!;
    if (s !== 0) lines.push(`  o = o + (r % ${u32(d)})${s === 1 ? '' : ` * ${u32(s)}`};`);
    lines.push(`  r = r / ${u32(d)};`);
  }
  if (dims.length > 0 && strides[outer] !== 0) lines.push(`  o = o + r * ${u32(strides[outer]!)};`);
  lines.push('  return o;', '}');
  return lines.join('\n');
}

/**
 * Merges adjacent axes whose flat order is preserved: axes i and i+1 merge when they share a
 * `group` label and strides[i] = strides[i+1]·dims[i+1] (for every stride list given). Size-1
 * axes are dropped. Returns the merged dims and, per stride list, the merged strides. Works on
 * symbolic dims too (strides compare in canonical form, ir/dim.ts).
 */
export function mergeAxes<D extends Dim = number>(
  dims: readonly D[],
  strideLists: readonly (readonly D[])[],
  group: (axis: number) => number = () => 0,
): { dims: D[]; strides: D[][]; groups: number[] } {
  const out = { dims: [] as D[], strides: strideLists.map(() => [] as D[]), groups: [] as number[] };
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    if (d === 1) continue;
    const last = out.dims.length - 1;
    const canMerge =
      last >= 0 &&
      out.groups[last] === group(i) &&
      strideLists.every((s, j) => out.strides[j]![last] === dimMul(s[i]!, d));
    if (canMerge) {
      out.dims[last] = dimMul(out.dims[last]!, d) as D;
      strideLists.forEach((s, j) => (out.strides[j]![last] = s[i]!));
    } else {
      out.dims.push(d);
      out.groups.push(group(i));
      strideLists.forEach((s, j) => out.strides[j]!.push(s[i]!));
    }
  }
  return out;
}

/**
 * WGSL statements binding `${prefix}0..` to the coordinates of flat offset `offset` in `dims`
 * (wgsl.ts `offsetToCoords`), one statement per line without indentation, ready to be embedded.
 */
export function coordsOf(offset: string, dims: readonly Dim[], prefix: string): string {
  return offsetToCoords(offset, dims, prefix)
    .split('\n')
    .map((l) => l.trim())
    .join('\n');
}

/** Kernel name: the node's name, plus a suffix when a node emits several kernels. */
export function kernelName(node: Node, suffix?: string): string {
  return suffix ? `${node.name}:${suffix}` : node.name;
}

/**
 * A kernel with one invocation per output element (flat index `idx`): `body` is the WGSL inside
 * `main` after `idx` is bound and bounds-checked; `prelude` holds module-scope declarations.
 */
export function flatKernel(
  node: Node,
  ctx: CodegenContext,
  opts: { inputs: Value[]; outputs: Value[]; total: Dim; prelude?: string; body: string; suffix?: string },
): Kernel {
  const maxPerDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const decls = [declareBindings(opts.inputs, opts.outputs), opts.prelude ?? ''].filter((d) => d !== '');
  const body = opts.body
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  const wgsl = `${decls.join('\n\n')}\n\n${flatMain(opts.total, WG, maxPerDim)}\n${body}\n}\n`;
  return {
    name: kernelName(node, opts.suffix),
    wgsl,
    inputs: opts.inputs,
    outputs: opts.outputs,
    workgroups: dispatch1d(opts.total, WG, maxPerDim),
  };
}

/** Throws a uniform error for an op/dtype pair a kernel does not implement. */
export function unsupported(node: Node, what: string): never {
  throw new Error(`node '${node.name}' (${node.op.kind}): ${what}`);
}
