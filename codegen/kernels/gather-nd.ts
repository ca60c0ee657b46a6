/**
 * GatherND: out[b, m, j] = data[b, indices[b, m, 0..k-1], j] — one invocation per output element,
 * which reads its row's k index words and copies one element of the addressed slice.
 *
 * The output is laid out as (batch, rows per batch, slice), so an element needs two div/mods to
 * find its row and batch. Negative indices count from the end; an index still out of range (an
 * error in ONNX, which a shader cannot raise) is clamped into the axis so every read stays inside
 * data — the CPU reference and constant folding report such indices instead. Every size but the
 * index depth k (the last dim of indices, which sets the kernel's code) may be symbolic.
 */

import { dimMax, dimProductOf, type Dim } from '../../ir/dim.js';
import { dimStrides } from '../../ir/shape.js';
import type { KernelGenerator } from '../kernel.js';
import { u32 } from '../dims.js';
import { numelOf, shapeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';
import { wrapIndex } from './gather.js';

export const generateGatherND: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'gatherND') return unsupported(node, 'not a gatherND');
  const [data, indices] = node.inputs;
  if (!data || !indices) return unsupported(node, 'needs inputs [data, indices]');
  const dims = shapeOf(data);
  const idxDims = shapeOf(indices);
  const b = op.batchDims;
  const k = idxDims[idxDims.length - 1]!;
  if (typeof k !== 'number') return unsupported(node, `the index depth (last dim of indices) is the symbol '${k}'; it must be static`);
  if (k < 1 || b + k > dims.length) unsupported(node, `index depth ${k} with ${b} batch dims exceeds data rank ${dims.length}`);
  const out = node.outputs[0]!;
  const strides = dimStrides(dims);
  const slice = dimMax(1, dimProductOf(dims.slice(b + k))); // ≥ 1: WGSL rejects a constant / 0
  // Index rows per batch entry: the indices' dims between the batch dims and the depth.
  const rowsPerBatch = dimMax(1, dimProductOf(idxDims.slice(b, -1)));
  const batchStride: Dim = b > 0 ? strides[b - 1]! : 0;
  const terms = Array.from({ length: k }, (_, t) => `${wrapIndex(`in1[r * ${k}u + ${t}u]`, dims[b + t]!)} * ${u32(strides[b + t]!)}`);
  const body = [
    `let r = idx / ${u32(slice)};`,
    `let base = (r / ${u32(rowsPerBatch)}) * ${u32(batchStride)};`,
    `out0[idx] = in0[base + ${terms.join(' + ')} + idx % ${u32(slice)}];`,
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [data, indices], outputs: [out], total: numelOf(out), body })];
};
