/**
 * Kernel generator for the IR `pool` op (ONNX MaxPool, AveragePool and their global forms): N-d
 * max and average pooling with strides, dilations, explicit pads and ceil mode.
 *
 * One invocation per output element. For each spatial axis the taps that land inside the input
 * form a contiguous range [kLo, kHi), computed once per axis, so the window loops run over valid
 * taps only — no per-tap bounds checks, and padding never reaches memory. Semantics match ONNX /
 * onnxruntime (and ir/eval/pool.ts):
 * - max ignores padding (an empty window gives -inf) and propagates NaN;
 * - average divides by the taps inside the input (countIncludePad = false) or inside the padded
 *   input (true) — a ceil-mode window running past the end padding is not charged for the
 *   overhang; both counts are products of per-axis counts;
 * - output sizes (ceil mode's dropped last window included) come from `poolOutputSize`.
 * Max also accepts integer inputs (stored as i32/u32 words).
 *
 * Max with `indices` writes a second output from the same invocation: the input offset of the
 * max (ONNX MaxPool's Indices, int64 carried as i32 words), the spatial part flattened row-major
 * or column-major; the first max in window order wins a tie (the ONNX reference's `>`), a NaN
 * takes over as in the value, an empty window gives -1 — all as ir/eval/pool.ts. The indices go
 * to their own binding after the epilogue's (a two-output pool takes no epilogue: fuse.ts only
 * opens single-output anchors).
 *
 * Batch and channels may be symbolic (codegen/dims.ts): they only set the flat element count,
 * while the index math divides by the static spatial sizes.
 */

import type { CodegenContext, Kernel } from '../kernel.js';
import type { Node } from '../../ir/graph.js';
import { poolOutputSize } from '../../ir/infer.js';
import { stridesOf } from '../../ir/shape.js';
import { dimMul } from '../../ir/dim.js';
import { dispatch1d, flatMain, scalarOf, shapeOf, WG } from '../wgsl.js';
import { opaqueBound, splitStatic } from './grid.js';
import { WgslHelpers } from './wgsl-math.js';
import { anchorEpilogue, groupKernelName } from '../schedule/epilogue.js';
import type { FusedGroup } from '../schedule/fuse.js';

const prod = (d: readonly number[]): number => d.reduce((x, y) => x * y, 1);

export const generatePool = (node: Node, ctx: CodegenContext): Kernel[] => poolKernels(node, ctx);

/** The pooling kernel of `node`, with a fused group's epilogue rendered at the store when given. */
export function poolKernels(node: Node, ctx: CodegenContext, group?: FusedGroup): Kernel[] {
  const op = node.op;
  if (op.kind !== 'pool') throw new Error(`generatePool: node '${node.name}' is ${op.kind}, not pool`);
  const what = `pool '${node.name}'`;
  const [x] = node.inputs;
  const [y, indices] = node.outputs;
  const withIndices = op.type === 'max' && op.indices !== 'none';
  if (!x || !y || node.inputs.length !== 1 || node.outputs.length !== (withIndices ? 2 : 1)) {
    throw new Error(`${what} needs one input and ${withIndices ? 'two outputs' : 'one output'}`);
  }
  const xs = splitStatic(x, 2, what);
  const xd = [...xs.lead, ...xs.tail];
  const nd = xd.length - 2;
  if (nd < 1) throw new Error(`${what}: input must have rank >= 3, got [${xd}]`);
  const { kernel, strides, dilations, pads } = op;
  if (kernel.length !== nd || strides.length !== nd || dilations.length !== nd || pads.length !== 2 * nd) {
    throw new Error(`${what}: kernel/strides/dilations need ${nd} entries and pads ${2 * nd}`);
  }
  const scalar = scalarOf(x.type.dtype);
  const isFloat = x.type.dtype === 'float32' || x.type.dtype === 'float16';
  if (op.type === 'avg' && !isFloat) throw new Error(`${what}: average pooling needs a float input, got ${x.type.dtype}`);

  const inSp = xs.tail;
  const pb = pads.slice(0, nd);
  const pe = pads.slice(nd);
  const outSp = inSp.map((n, i) => poolOutputSize(n, kernel[i]!, strides[i]!, pb[i]!, pe[i]!, dilations[i]!, op.ceilMode));
  const expected = [xd[0]!, xd[1]!, ...outSp];
  if (shapeOf(y).join(',') !== expected.join(',')) throw new Error(`${what}: output is [${shapeOf(y)}], expected [${expected}]`);
  const total = dimMul(...expected);
  if (total === 0) return [];

  const maxDim = ctx.limits.maxComputeWorkgroupsPerDimension;
  const outStrides = stridesOf(outSp);
  const inStrides = stridesOf(inSp);
  const lines: string[] = [];
  lines.push(`let plane = idx / ${prod(outSp)}u;`);
  lines.push(`let base = plane * ${prod(inSp)}u;`);
  for (let i = 0; i < nd; i++) {
    const coord = i === 0 ? `idx % ${prod(outSp)}u / ${outStrides[0]}u` : `idx / ${outStrides[i]}u % ${outSp[i]}u`;
    const d = dilations[i]!;
    // start = first tap's input coordinate (may be negative); [lo, hi) = taps inside the input.
    lines.push(`let st${i} = i32(${coord}) * ${strides[i]}i - ${pb[i]}i;`);
    lines.push(`let lo${i} = select(0i, (-st${i} + ${d - 1}i) / ${d}i, st${i} < 0i);`);
    lines.push(`let hi${i} = max(lo${i}, min(${opaqueBound(kernel[i]!, 'gid.x', 'i32')}, select(0i, (${inSp[i]! - 1}i - st${i}) / ${d}i + 1i, st${i} <= ${inSp[i]! - 1}i)));`);
    if (op.type === 'avg' && op.countIncludePad) {
      // Taps inside the padded input: all of them from the start (start >= -padBegin), up to the end pad.
      lines.push(`let ph${i} = min(${kernel[i]}i, select(0i, (${inSp[i]! + pe[i]! - 1}i - st${i}) / ${d}i + 1i, st${i} <= ${inSp[i]! + pe[i]! - 1}i));`);
    }
  }
  const isMax = op.type === 'max';
  // -inf must be built at run time: WGSL rejects an infinite constant expression.
  const init = !isMax ? '0.0' : scalar === 'f32' ? 'bitcast<f32>(0xff800000u | (idx & 0u))' : scalar === 'i32' ? 'i32(-2147483647 - 1)' : '0u';
  lines.push(`var acc = ${init};`);
  if (withIndices) lines.push('var best = -1i;');
  // Nested loops over the valid taps, the offset accumulated axis by axis.
  let off = 'base';
  for (let i = 0; i < nd; i++) {
    const ind = '  '.repeat(i);
    lines.push(`${ind}for (var k${i} = lo${i}; k${i} < hi${i}; k${i}++) {`);
    lines.push(`${ind}  let o${i} = ${off} + u32(st${i} + k${i} * ${dilations[i]}i) * ${inStrides[i]}u;`);
    off = `o${i}`;
  }
  const ind = '  '.repeat(nd);
  lines.push(`${ind}let v = x[${off}];`);
  if (withIndices) {
    // Row-major: the input offset itself; column-major: the plane's base + coordinates · strides.
    const colStrides = inSp.map((_, i) => prod(inSp.slice(0, i)));
    const at = op.indices === 'rowMajor' ? off : ['base', ...inSp.map((_, i) => `u32(st${i} + k${i} * ${dilations[i]}i) * ${colStrides[i]}u`)].join(' + ');
    const better = isFloat ? 'v > acc || v != v' : 'v > acc';
    lines.push(`${ind}if (${better} || best < 0i) { acc = v; best = i32(${at}); }`);
  } else if (!isMax) lines.push(`${ind}acc += v;`);
  else if (isFloat) lines.push(`${ind}if (v > acc || v != v) { acc = v; }`); // NaN propagates, as onnxruntime
  else lines.push(`${ind}acc = max(acc, v);`);
  for (let i = nd - 1; i >= 0; i--) lines.push(`${'  '.repeat(i)}}`);
  if (!isMax) {
    const count = Array.from({ length: nd }, (_, i) => (op.countIncludePad ? `ph${i}` : `(hi${i} - lo${i})`)).join(' * ');
    lines.push(`acc = acc / f32(${count});`);
  }
  const h = new WgslHelpers();
  const ep = anchorEpilogue(group, y, { firstBinding: 1, helpers: h });
  lines.push(ep.store('idx', 'acc'));
  const outputs = [...ep.outputs];
  const decls = [ep.declarations()];
  if (withIndices) {
    const binding = 1 + ep.inputs.length + ep.outputs.length;
    decls.push(`@group(0) @binding(${binding}) var<storage, read_write> indices: array<${scalarOf(indices!.type.dtype)}>;`);
    lines.push('indices[idx] = best;');
    outputs.push(indices!);
  }

  const wgsl = `@group(0) @binding(0) var<storage, read> x: array<${scalar}>;
${[decls.filter((d) => d !== '').join('\n'), h.render()].filter((d) => d !== '').join('\n\n')}

${flatMain(total, WG, maxDim)}
  ${lines.join('\n  ')}
}
`;
  return [{ name: groupKernelName(node, group), wgsl, inputs: [x, ...ep.inputs], outputs, workgroups: dispatch1d(total, WG, maxDim) }];
}
