/**
 * Layer normalization over the trailing axes [axis, rank): y = (x - mean) / sqrt(var + ε) ·
 * scale + bias, with scale and bias broadcasting (numpy-aligned) into the normalized dims.
 *
 * Statistics are two-pass and in f32 — the mean first, then the mean of squared deviations — which
 * is stable where the one-pass E[x²] - E[x]² cancels catastrophically (activations with a large
 * common offset); deviations are taken around the row's first element for the same reason. Each row is handled by one invocation or one workgroup (row-reduce.ts picks);
 * a row is contiguous, so there is no index math per element beyond the scale/bias broadcast.
 * Rows (batch·sequence) and even the normalized extent may be symbolic: the strategy comes from
 * the static sizes and the loops read symbolic bounds from the dims table (codegen/dims.ts).
 */

import type { Node, Value } from '../../ir/graph.js';
import { dimEquals, dimProductOf, type Dim } from '../../ir/dim.js';
import { dimStrides } from '../../ir/shape.js';
import { f32 } from '../dims.js';
import type { CodegenContext, Kernel, KernelGenerator } from '../kernel.js';
import { anchorEpilogue } from '../schedule/epilogue.js';
import type { FusedGroup } from '../schedule/fuse.js';
import { WgslHelpers } from './wgsl-math.js';
import { f32Lit, numelOf, shapeOf } from '../wgsl.js';
import { stridedOffsetFn, unsupported } from './common.js';
import { planRows, reductionLayout, rowsKernel, sumReduction } from './row-reduce.js';

/**
 * A WGSL fn `name(r)` giving the offset in `v` (broadcast into `normDims`, right-aligned) of
 * element r of a row; the identity when `v` covers the whole row.
 */
function paramOffset(name: string, v: Value, normDims: readonly Dim[]): string {
  const dims = shapeOf(v);
  if (dimEquals(numelOf(v), dimProductOf(normDims))) return `fn ${name}(r: u32) -> u32 { return r; }`;
  const own = dimStrides(dims);
  const strides = normDims.map((_, i): Dim => {
    const k = i - (normDims.length - dims.length);
    return k >= 0 && dims[k] !== 1 ? own[k]! : 0;
  });
  return stridedOffsetFn(name, normDims, strides);
}

export const generateLayerNorm: KernelGenerator = (node, ctx) => layerNormKernels(node, ctx);

/** The layer-norm kernel of `node`, with a fused group's epilogue rendered at the store when given. */
export function layerNormKernels(node: Node, ctx: CodegenContext, group?: FusedGroup): Kernel[] {
  const op = node.op;
  if (op.kind !== 'layerNorm') return unsupported(node, 'not a layerNorm');
  const [x, scale, bias] = node.inputs;
  if (!x || !scale) return unsupported(node, 'needs inputs [x, scale, bias?]');
  const dims = shapeOf(x);
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  const normDims = dims.slice(op.axis);
  const layout = reductionLayout(dims, normDims.map((_, i) => op.axis + i));
  const rp = planRows(layout.rows, layout.extent, ctx.limits);
  // The row length as an f32 (a literal when static, as before).
  const n = typeof layout.extent === 'number' ? f32Lit(layout.extent) : f32(layout.extent);
  const load = (r: string) => `in0[base + ${r}]`;
  // Deviations are taken from the row's first element (`pivot`), and the mean is kept as that
  // pivot plus a small offset: with a large common offset (x ≈ 1000 ± 1), a mean rounded to f32
  // is off by half an ulp of 1000, which is 1e-4 of the spread the output is made of.
  // x - pivot is exact there (Sterbenz), so deviations keep every bit.
  const dev = (v: string) => `((${v} - pivot) - moff)`;
  const stages = [
    { red: sumReduction('total', 'f32', (r) => `(${load(r)} - pivot)`), after: `let moff = total / ${n};` },
    {
      red: sumReduction('sq', 'f32', load, (v) => `${dev(v)} * ${dev(v)}`),
      after: `let inv = 1.0 / sqrt(sq / ${n} + ${f32Lit(op.epsilon)});`,
    },
  ];
  const decls = [layout.decls, paramOffset('scaleOffset', scale, normDims)];
  let y = `${dev('in0[base + r]')} * inv * in1[scaleOffset(r)]`;
  if (bias) {
    decls.push(paramOffset('biasOffset', bias, normDims));
    y += ' + in2[biasOffset(r)]';
  }
  const h = new WgslHelpers();
  const ep = anchorEpilogue(group, node.outputs[0]!, { firstBinding: node.inputs.length, helpers: h, outputName: 'out0' });
  const each = ep.store('base + r', y);
  decls.push(h.render());
  return [rowsKernel(node, rp, { decls, stages, prologue: 'let pivot = in0[base];', each }, ep)];
}
