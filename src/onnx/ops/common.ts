/**
 * Helpers shared by the op importers: the supported opset window, tensor ↔ number conversion,
 * products of possibly symbolic dims, axis lists, and the resolution of ONNX `auto_pad` into the
 * explicit pads the IR requires. Pad arithmetic lives here once so Conv, ConvTranspose and the
 * pools cannot drift apart.
 */

import type { DType } from '../../../ir/dtype.js';
import { allocHost } from '../../../ir/dtype.js';
import type { Tensor } from '../../../ir/graph.js';
import type { Op, UnaryFn } from '../../../ir/ops.js';
import type { Dim } from '../../../ir/shape.js';
import { dimProductOf } from '../../../ir/dim.js';
import { formatShape } from '../../../ir/shape.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { SymbolicDimError } from '../errors.js';

/**
 * The model opsets the importers are written against: every ONNX opset up to 21. Above 21 we have
 * not reviewed the operator changelog, so a newer model is reported as unsupported rather than
 * guessed at.
 */
export const MIN_OPSET = 1;
export const MAX_OPSET = 21;

/**
 * Opset 7 made broadcasting numpy-style (before it, the arithmetic ops had the legacy
 * `broadcast`/`axis` attributes) and dropped `consumed_inputs`, is_test and similar attributes.
 * An importer that does not name its first opset starts here; one that accepts older versions
 * says so with `since` and handles their forms (legacy.ts has the shared pieces), and
 * test/import/old-opsets.test.ts lists every op reviewed that way.
 */
export const MODERN_OPSET = 7;

/** Declares an importer for `opType` in the default domain over opsets [since, until]. */
export function importer(
  opType: string,
  fn: (ctx: ImportContext) => ImportResult,
  since = MODERN_OPSET,
  until = MAX_OPSET,
): OpImporter {
  return { opType, domain: '', since: Math.max(since, MIN_OPSET), until, import: fn };
}

/** A unary IR op with its parameters (0 where the function takes none). */
export function unary(fn: UnaryFn, alpha = 0, beta = 0): Op {
  return { kind: 'unary', fn, alpha, beta };
}

/** The elements of a host tensor as JS numbers (int64 via Number(), bool as 0/1). */
export function tensorToNumbers(t: Tensor): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]!);
  return out;
}

/** A tensor of `dtype` with the given dims and values. */
export function makeTensor(dtype: DType, dims: number[], values: readonly number[]): Tensor {
  const data = allocHost(dtype, values.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    values.forEach((v, i) => (data[i] = BigInt(Math.trunc(v))));
  } else {
    values.forEach((v, i) => (data[i] = v));
  }
  return { dtype, dims, data };
}

/** A float64 tensor as float32 (each value rounded to nearest), for `--f64-as-f32`. */
export function float64AsFloat32(t: Tensor): Tensor {
  if (t.dtype !== 'float64') throw new Error(`float64AsFloat32: tensor is ${t.dtype}`);
  return { dtype: 'float32', dims: [...t.dims], data: Float32Array.from(t.data as Float64Array) };
}

/** A 0-d tensor. */
export function scalarTensor(dtype: DType, value: number): Tensor {
  return makeTensor(dtype, [], [value]);
}

/** A 1-d int64 tensor (shape operands). */
export function int64Tensor(values: readonly number[]): Tensor {
  return makeTensor('int64', [values.length], values);
}

/** The product of `dims` as one Dim (a symbolic expression when a dim is symbolic). */
export function dimProduct(dims: readonly Dim[], _what: string): Dim {
  return dimProductOf(dims);
}

/** A static dim, or an error naming what needed it to be static. */
export function staticDim(d: Dim, what: string): number {
  if (typeof d !== 'number') {
    throw new SymbolicDimError(`${what} needs a static size, but the dim is the symbol '${d}'; bind it with --dim`);
  }
  return d;
}

/**
 * Normalizes axes against `rank` (negative count from the end), rejecting out-of-range and
 * repeated axes. The order is kept: where axes pair with other lists (Pad, Resize) it matters;
 * callers that need sorted axes sort.
 */
export function normalizeAxes(axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => {
    const n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank) throw new Error(`${what}: axis ${a} is out of range for rank ${rank}`);
    return n;
  });
  if (new Set(out).size !== out.length) throw new Error(`${what}: repeated axis in [${axes.join(', ')}]`);
  return out;
}

/** [0, 1, …, n-1]. */
export function iota(n: number, start = 0): number[] {
  return Array.from({ length: n }, (_, i) => start + i);
}

// ---- spatial attributes and auto_pad ------------------------------------------------------------

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

export function readAutoPad(ctx: ImportContext): AutoPad {
  // Some old exporters wrote an empty string for the default.
  if (ctx.hasAttr('auto_pad') && ctx.getString('auto_pad') === '') return 'NOTSET';
  return ctx.getEnum<AutoPad>('auto_pad', ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'], 'NOTSET');
}

/** A per-spatial-axis ints attribute (strides, dilations, kernel_shape) with length checked. */
export function spatialInts(ctx: ImportContext, name: string, n: number, fallback: number): number[] {
  const v = ctx.getInts(name, new Array<number>(n).fill(fallback));
  if (v.length !== n) ctx.fail(`attribute '${name}' has ${v.length} values, expected ${n} (one per spatial axis)`);
  return v;
}

/** The explicit `pads` attribute ([begin…, end…]), zeros when absent, length checked. */
export function explicitPads(ctx: ImportContext, n: number): number[] {
  const v = ctx.getInts('pads', new Array<number>(2 * n).fill(0));
  if (v.length !== 2 * n) ctx.fail(`attribute 'pads' has ${v.length} values, expected ${2 * n}`);
  return v;
}

/**
 * Pads of a convolution or pooling window, `[begin…, end…]`, with auto_pad resolved.
 *
 * SAME_*: the output is ceil(in / stride) and the total padding is what reaches it with the dilated
 * kernel, never negative; SAME_UPPER puts the odd element at the end, SAME_LOWER at the start.
 * With stride 1 the total does not depend on the input size, so symbolic dims work there;
 * otherwise the spatial dims must be static.
 */
export function resolveWindowPads(
  autoPad: AutoPad,
  spatial: readonly Dim[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  pads: readonly number[],
): number[] {
  const n = spatial.length;
  switch (autoPad) {
    case 'NOTSET':
      return [...pads];
    case 'VALID':
      return new Array<number>(2 * n).fill(0);
    case 'SAME_UPPER':
    case 'SAME_LOWER': {
      const begin: number[] = [];
      const end: number[] = [];
      for (let i = 0; i < n; i++) {
        const effKernel = (kernel[i]! - 1) * dilations[i]! + 1;
        const s = strides[i]!;
        let total: number;
        if (s === 1) total = effKernel - 1;
        else {
          const d = staticDim(spatial[i]!, `auto_pad ${autoPad} with stride ${s}`);
          total = (Math.ceil(d / s) - 1) * s + effKernel - d;
        }
        total = Math.max(0, total);
        const small = Math.floor(total / 2);
        begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
        end.push(autoPad === 'SAME_UPPER' ? total - small : small);
      }
      return [...begin, ...end];
    }
    default: {
      const never: never = autoPad;
      throw new Error(`unknown auto_pad ${String(never)}`);
    }
  }
}
