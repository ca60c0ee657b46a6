/**
 * GatherND: out[b, m, j] = data[b, indices[b, m, 0..k-1], j] — one invocation per output element,
 * which reads its row's k index words and copies one element of the addressed slice.
 *
 * The output is laid out as (batch, rows per batch, slice), so an element needs two div/mods to
 * find its row and batch. Negative indices count from the end; an index still out of range (an
 * error in ONNX, which a shader cannot raise) is clamped into the axis so every read stays inside
 * data — the CPU reference and constant folding report such indices instead.
 */

import { stridesOf } from '../../ir/shape.js';
import type { KernelGenerator } from '../kernel.js';
import { dimsOf, sizeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';

export const generateGatherND: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'gatherND') return unsupported(node, 'not a gatherND');
  const [data, indices] = node.inputs;
  if (!data || !indices) return unsupported(node, 'needs inputs [data, indices]');
  const dims = dimsOf(data);
  const idxDims = dimsOf(indices);
  const b = op.batchDims;
  const k = idxDims[idxDims.length - 1]!;
  if (k < 1 || b + k > dims.length) unsupported(node, `index depth ${k} with ${b} batch dims exceeds data rank ${dims.length}`);
  const out = node.outputs[0]!;
  const strides = stridesOf(dims);
  const slice = Math.max(1, dims.slice(b + k).reduce((x, y) => x * y, 1)); // ≥ 1: WGSL rejects a constant / 0
  const batch = dims.slice(0, b).reduce((x, y) => x * y, 1);
  const rows = sizeOf(indices) / k;
  const rowsPerBatch = batch === 0 ? 1 : Math.max(1, rows / batch);
  const batchStride = b > 0 ? strides[b - 1]! : 0;
  const terms = Array.from({ length: k }, (_, t) => {
    const dim = dims[b + t]!;
    const e = `in1[r * ${k}u + ${t}u]`;
    return `u32(clamp(select(${e}, ${e} + ${dim}, ${e} < 0), 0, ${Math.max(0, dim - 1)})) * ${strides[b + t]!}u`;
  });
  const body = [
    `let r = idx / ${slice}u;`,
    `let base = (r / ${rowsPerBatch}u) * ${batchStride}u;`,
    `out0[idx] = in0[base + ${terms.join(' + ')} + idx % ${slice}u];`,
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [data, indices], outputs: [out], total: sizeOf(out), body })];
};
