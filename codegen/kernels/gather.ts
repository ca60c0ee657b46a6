/**
 * Gather and GatherElements: copies driven by an index tensor.
 *
 * Indices are int32/int64 on the host and i32 words on the device. Negative indices count from
 * the end, as ONNX specifies. An index still out of range after that is an error in ONNX; a
 * shader cannot raise one, so it is clamped into range (a defined, in-bounds read) — the CPU
 * reference and constant folding report such indices instead.
 *
 * Shapes may be symbolic (an embedding lookup of [batch, sequence] ids): sizes then come from the
 * dims table (codegen/dims.ts), the axis length of the wrap and clamp included.
 */

import { dimProductOf, type Dim } from '../../ir/dim.js';
import { dimStrides } from '../../ir/shape.js';
import type { KernelGenerator } from '../kernel.js';
import { i32, u32 } from '../dims.js';
import { numelOf, shapeOf } from '../wgsl.js';
import { flatKernel, stridedOffsetFn, unsupported } from './common.js';

/**
 * WGSL: index word `e` (i32) of an axis of length `dim`, wrapped if negative, then clamped. Shared
 * with gather-nd.ts.
 */
export function wrapIndex(e: string, dim: Dim): string {
  if (typeof dim !== 'number') return `u32(clamp(select(${e}, ${e} + ${i32(dim)}, ${e} < 0), 0, max(${i32(dim)} - 1, 0)))`;
  return `u32(clamp(select(${e}, ${e} + ${dim}, ${e} < 0), 0, ${Math.max(0, dim - 1)}))`;
}

/**
 * out[outer, j, inner] = data[outer, indices[j], inner]: the output is (outer, |indices|, inner)
 * blocks, so an element needs two div/mods and one index read.
 */
export const generateGather: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'gather') return unsupported(node, 'not a gather');
  const [data, indices] = node.inputs;
  if (!data || !indices) return unsupported(node, 'needs inputs [data, indices]');
  const dims = shapeOf(data);
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  const dim = dims[op.axis]!;
  const inner = dimProductOf(dims.slice(op.axis + 1));
  const n = numelOf(indices);
  const out = node.outputs[0]!;
  const body = [
    `let k = idx % ${u32(inner)};`,
    `let oj = idx / ${u32(inner)};`,
    `let j = oj % ${u32(n)};`,
    `let o = oj / ${u32(n)};`,
    `let ix = in1[j];`,
    `out0[idx] = in0[(o * ${u32(dim)} + ${wrapIndex('ix', dim)}) * ${u32(inner)} + k];`,
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [data, indices], outputs: [out], total: numelOf(out), body })];
};

/**
 * out[c] = data[c with axis coordinate replaced by indices[c]]: the output has the indices'
 * shape; the other coordinates address data through its own strides.
 */
export const generateGatherElements: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'gatherElements') return unsupported(node, 'not a gatherElements');
  const [data, indices] = node.inputs;
  if (!data || !indices) return unsupported(node, 'needs inputs [data, indices]');
  const dims = shapeOf(data);
  const idxDims = shapeOf(indices);
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  if (idxDims.length !== dims.length) unsupported(node, `indices rank ${idxDims.length} differs from data rank ${dims.length}`);
  const strides = dimStrides(dims);
  const rest = strides.map((s, k): Dim => (k === op.axis ? 0 : s));
  const out = node.outputs[0]!;
  const body = `let ix = in1[idx];\nout0[idx] = in0[rest(idx) + ${wrapIndex('ix', dims[op.axis]!)} * ${u32(strides[op.axis]!)}];`;
  return [
    flatKernel(node, ctx, {
      inputs: [data, indices],
      outputs: [out],
      total: numelOf(out),
      prelude: stridedOffsetFn('rest', idxDims, rest),
      body,
    }),
  ];
};
