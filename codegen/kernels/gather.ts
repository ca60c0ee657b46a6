/**
 * Gather and GatherElements: copies driven by an index tensor.
 *
 * Indices are int32/int64 on the host and i32 words on the device. Negative indices count from
 * the end, as ONNX specifies. An index still out of range after that is an error in ONNX; a
 * shader cannot raise one, so it is clamped into range (a defined, in-bounds read) — the CPU
 * reference and constant folding report such indices instead.
 */

import { stridesOf } from '../../ir/shape.js';
import type { KernelGenerator } from '../kernel.js';
import { dimsOf, sizeOf } from '../wgsl.js';
import { flatKernel, stridedOffsetFn, unsupported } from './common.js';

/** WGSL: index word `e` (i32) of an axis of length `dim`, wrapped if negative, then clamped. */
function wrapIndex(e: string, dim: number): string {
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
  const dims = dimsOf(data);
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  const dim = dims[op.axis]!;
  const inner = dims.slice(op.axis + 1).reduce((a, b) => a * b, 1);
  const n = sizeOf(indices);
  const out = node.outputs[0]!;
  const body = [
    `let k = idx % ${inner}u;`,
    `let oj = idx / ${inner}u;`,
    `let j = oj % ${n}u;`,
    `let o = oj / ${n}u;`,
    `let ix = in1[j];`,
    `out0[idx] = in0[(o * ${dim}u + ${wrapIndex('ix', dim)}) * ${inner}u + k];`,
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [data, indices], outputs: [out], total: sizeOf(out), body })];
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
  const dims = dimsOf(data);
  const idxDims = dimsOf(indices);
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  if (idxDims.length !== dims.length) unsupported(node, `indices rank ${idxDims.length} differs from data rank ${dims.length}`);
  const strides = stridesOf(dims);
  const rest = strides.map((s, k) => (k === op.axis ? 0 : s));
  const out = node.outputs[0]!;
  const body = `let ix = in1[idx];\nout0[idx] = in0[rest(idx) + ${wrapIndex('ix', dims[op.axis]!)} * ${strides[op.axis]}u];`;
  return [
    flatKernel(node, ctx, {
      inputs: [data, indices],
      outputs: [out],
      total: sizeOf(out),
      prelude: stridedOffsetFn('rest', idxDims, rest),
      body,
    }),
  ];
};
