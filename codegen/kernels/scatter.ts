/**
 * ScatterElements and ScatterND: out = data, then updates written at index-chosen positions.
 *
 * Each node is two kernels writing the same output: a flat copy of data, then the updates. WGSL
 * has no float atomics, so the update kernel is arranged to be deterministic without them:
 *
 * - scatterElements: duplicate targets can only come from updates that share every coordinate
 *   but the axis, so one invocation owns one such line and walks it in order — the same order as
 *   the CPU reference, for 'none' (last wins) and every reduction alike.
 * - scatterND with a reduction: rows may hit the same slice, so one invocation owns one position
 *   j within the slice and applies the rows in order (parallel over the slice size).
 * - scatterND 'none': one invocation per update element; duplicate rows race, which ONNX leaves
 *   undefined for 'none' (there is nothing to combine, so no result is "wrong" but the order).
 *
 * Indices are i32 words (negative counts from the end). An index still out of range is an error
 * in ONNX that a shader cannot raise; the update is skipped, so nothing outside the row is
 * touched (the CPU reference reports such indices). float16 results of a reduction are rounded
 * to half precision, as the host stores them; 8/16-bit integers wrap to their width.
 *
 * Sizes may be symbolic (read from the dims table, codegen/dims.ts), except the index depth of
 * scatterND, which shapes the code.
 */

import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import type { ScatterReduction } from '../../ir/ops.js';
import { dimMul, dimProductOf, type Dim } from '../../ir/dim.js';
import { dimStrides } from '../../ir/shape.js';
import type { CodegenContext, Kernel, KernelGenerator } from '../kernel.js';
import { i32, u32 } from '../dims.js';
import { numelOf, shapeOf } from '../wgsl.js';
import { flatKernel, stridedOffsetFn, unsupported } from './common.js';
import { wrapInt } from './elementwise.js';
import { WgslHelpers } from './wgsl-math.js';

/** WGSL for the combined value of the element `o` already there and the update `u`. */
function combine(reduction: ScatterReduction, o: string, u: string, dtype: DType, h: WgslHelpers): string {
  const float = dtype === 'float32' || dtype === 'float16';
  const round = (e: string) => (dtype === 'float16' ? `${h.use('f16round')}(${e})` : e);
  switch (reduction) {
    case 'none':
      return u;
    case 'add':
      return float ? round(`${o} + ${u}`) : wrapInt(`${o} + ${u}`, dtype);
    case 'mul':
      return float ? round(`${o} * ${u}`) : wrapInt(`${o} * ${u}`, dtype);
    case 'max':
      return `max(${o}, ${u})`;
    case 'min':
      return `min(${o}, ${u})`;
    default: {
      const never: never = reduction;
      throw new Error(`unknown scatter reduction '${String(never)}'`);
    }
  }
}

/** The flat copy data → out that the update kernel then writes into. */
function copyKernel(node: Node, ctx: CodegenContext): Kernel {
  const [data] = node.inputs;
  const out = node.outputs[0]!;
  return flatKernel(node, ctx, { inputs: [data!], outputs: [out], total: numelOf(out), body: 'out0[idx] = in0[idx];', suffix: 'copy' });
}

/** A size as a WGSL integer: an abstract-int literal when static, else an i32 table read. */
function int(d: Dim): string {
  return typeof d === 'number' ? String(d) : i32(d);
}

/** WGSL: i32 index `e` wrapped from negative against `dim`; callers test the result's range. */
function wrapped(e: string, dim: Dim): string {
  return `select(${e}, ${e} + ${int(dim)}, ${e} < 0)`;
}

export const generateScatterElements: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'scatterElements') return unsupported(node, 'not a scatterElements');
  const [data, indices, updates] = node.inputs;
  if (!data || !indices || !updates) return unsupported(node, 'needs inputs [data, indices, updates]');
  if (op.reduction !== 'none' && data.type.dtype === 'bool') unsupported(node, `reduction '${op.reduction}' on bool data`);
  const dims = shapeOf(data);
  const upd = shapeOf(updates);
  const axis = op.axis;
  if (axis < 0 || axis >= dims.length) unsupported(node, `axis ${axis} out of range for rank ${dims.length}`);
  const out = node.outputs[0]!;
  const kernels = [copyKernel(node, ctx)];
  const len = upd[axis]!;
  // Empty updates (a symbolic count that is 0 at run time dispatches nothing).
  if (numelOf(updates) === 0) return kernels;
  const lines = dimProductOf(upd.filter((_, d) => d !== axis));

  const inner = dimProductOf(upd.slice(axis + 1));
  const strides = dimStrides(dims);
  // Line l enumerates the updates' coordinates other than the axis, row-major; `lineBase` maps it
  // to the matching offset in data (the axis term is added per element).
  const lineDims = upd.filter((_, d) => d !== axis);
  const lineStrides = strides.filter((_, d) => d !== axis);
  const h = new WgslHelpers();
  const value = combine(op.reduction, 'out0[at]', 'in1[e]', data.type.dtype, h);
  const body = [
    `let ubase = (idx / ${u32(inner)}) * ${u32(dimMul(len, inner))} + idx % ${u32(inner)};`,
    'let tbase = lineBase(idx);',
    `for (var t = 0u; t < ${u32(len)}; t = t + 1u) {`,
    `  let e = ubase + t * ${u32(inner)};`,
    `  let ix = ${wrapped('in0[e]', dims[axis]!)};`,
    `  if (ix < 0 || ix >= ${int(dims[axis]!)}) { continue; }`,
    `  let at = tbase + u32(ix) * ${u32(strides[axis]!)};`,
    `  out0[at] = ${value};`,
    '}',
  ].join('\n');
  const prelude = [stridedOffsetFn('lineBase', lineDims, lineStrides), h.render()].filter((s) => s !== '').join('\n\n');
  kernels.push(flatKernel(node, ctx, { inputs: [indices, updates], outputs: [out], total: lines, prelude, body, suffix: 'update' }));
  return kernels;
};

export const generateScatterND: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'scatterND') return unsupported(node, 'not a scatterND');
  const [data, indices, updates] = node.inputs;
  if (!data || !indices || !updates) return unsupported(node, 'needs inputs [data, indices, updates]');
  if (op.reduction !== 'none' && data.type.dtype === 'bool') unsupported(node, `reduction '${op.reduction}' on bool data`);
  const dims = shapeOf(data);
  const idxDims = shapeOf(indices);
  const k = idxDims[idxDims.length - 1]!;
  if (typeof k !== 'number') return unsupported(node, `the index depth (last dim of indices) is the symbol '${k}'; it must be static`);
  if (k < 1 || k > dims.length) unsupported(node, `index depth ${k} out of range for data rank ${dims.length}`);
  const out = node.outputs[0]!;
  const kernels = [copyKernel(node, ctx)];
  const rows = dimProductOf(idxDims.slice(0, -1));
  const slice = dimProductOf(dims.slice(k));
  if (rows === 0 || slice === 0) return kernels;

  // rowBase(m): the flat offset of the slice row m names, or -1 when an index is out of range.
  const strides = dimStrides(dims);
  const rowBase = [
    'fn rowBase(m: u32) -> i32 {',
    '  var off = 0;',
    ...Array.from({ length: k }, (_, t) => [
      `  let i${t} = ${wrapped(`in0[m * ${k}u + ${t}u]`, dims[t]!)};`,
      `  if (i${t} < 0 || i${t} >= ${int(dims[t]!)}) { return -1; }`,
      `  off = off + i${t} * ${int(strides[t]!)};`,
    ]).flat(),
    '  return off;',
    '}',
  ].join('\n');
  const h = new WgslHelpers();
  let body: string;
  let total: Dim;
  if (op.reduction === 'none') {
    total = dimMul(rows, slice);
    body = [`let base = rowBase(idx / ${u32(slice)});`, 'if (base < 0) { return; }', `out0[u32(base) + idx % ${u32(slice)}] = in1[idx];`].join('\n');
  } else {
    total = slice;
    body = [
      `for (var m = 0u; m < ${u32(rows)}; m = m + 1u) {`,
      '  let base = rowBase(m);',
      '  if (base < 0) { continue; }',
      '  let at = u32(base) + idx;',
      `  out0[at] = ${combine(op.reduction, 'out0[at]', `in1[m * ${u32(slice)} + idx]`, data.type.dtype, h)};`,
      '}',
    ].join('\n');
  }
  const prelude = [rowBase, h.render()].filter((s) => s !== '').join('\n\n');
  kernels.push(flatKernel(node, ctx, { inputs: [indices, updates], outputs: [out], total, prelude, body, suffix: 'update' }));
  return kernels;
};
