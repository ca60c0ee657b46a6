/**
 * Softmax and log-softmax along one axis (opset-13 semantics: each slice along `axis` is
 * normalized on its own; the importer rewrites older "flatten from axis" forms around this op).
 *
 * Numerically stable: the row maximum is subtracted before exponentiating, so exp never
 * overflows, and log-softmax is x - max - log(Σ exp(x - max)) rather than log(softmax), which
 * would underflow to -∞. Three passes over each row (max, sum, write) by one invocation or one
 * workgroup per row (row-reduce.ts picks). Any extent may be symbolic, the softmax axis included
 * (attention scores over `sequence`): the row loops read its length from the dims table.
 */

import type { Node } from '../../ir/graph.js';
import type { CodegenContext, Kernel, KernelGenerator } from '../kernel.js';
import { anchorEpilogue } from '../schedule/epilogue.js';
import type { FusedGroup } from '../schedule/fuse.js';
import { shapeOf } from '../wgsl.js';
import { unsupported } from './common.js';
import { extremeReduction, planRows, reductionLayout, rowsKernel, sumReduction } from './row-reduce.js';
import { WgslHelpers } from './wgsl-math.js';

export const generateSoftmax: KernelGenerator = (node, ctx) => softmaxKernels(node, ctx);

/** The softmax kernel of `node`, with a fused group's epilogue rendered at the store when given. */
export function softmaxKernels(node: Node, ctx: CodegenContext, group?: FusedGroup): Kernel[] {
  const op = node.op;
  if (op.kind !== 'softmax') return unsupported(node, 'not a softmax');
  const x = node.inputs[0]!;
  const dims = shapeOf(x);
  if (x.type.dtype !== 'float32' && x.type.dtype !== 'float16') unsupported(node, `softmax needs float input, got ${x.type.dtype}`);
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  const layout = reductionLayout(dims, [op.axis]);
  const rp = planRows(layout.rows, layout.extent, ctx.limits);
  const h = new WgslHelpers();
  const load = (r: string) => `in0[base + rowOffset(${r})]`;
  const stages = [
    { red: extremeReduction('mx', 'max', 'f32', load, h) },
    { red: sumReduction('total', 'f32', load, (v) => `exp(${v} - mx)`) },
  ];
  const ep = anchorEpilogue(group, node.outputs[0]!, { firstBinding: 1, helpers: h, outputName: 'out0' });
  const value = op.log ? 'in0[o] - mx - log(total)' : 'exp(in0[o] - mx) / total';
  const each = `let o = base + rowOffset(r);\n${ep.store('o', value)}`;
  return [rowsKernel(node, rp, { decls: [h.render(), layout.decls], stages, each }, ep)];
}
