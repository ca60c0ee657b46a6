/**
 * Cumulative sum along an axis, and Trilu (keep the lower or upper triangle of the last two dims).
 *
 * CumSum runs one invocation per line along the axis, accumulating sequentially (f32 for floats,
 * the integer word for integers, which wraps like the host). Lines are independent, so there is
 * parallelism whenever the other axes are non-trivial; a single very long line is sequential.
 *
 * Both take symbolic dims (a [batch, sequence] cumsum, a [..., S, S] causal mask), read from the
 * dims table (codegen/dims.ts), and both take their parameter — CumSum's axis, Trilu's k — either
 * as an attribute (baked into the WGSL) or as a one-element int input read by the shader, when
 * the model computes it at run time (ir/ops.ts).
 */

import { dimMul, dimProductOf, dimSub, type Dim } from '../../ir/dim.js';
import type { Node, Value } from '../../ir/graph.js';
import { dimStrides } from '../../ir/shape.js';
import type { CodegenContext, Kernel, KernelGenerator } from '../kernel.js';
import { u32 } from '../dims.js';
import { numelOf, scalarOf, shapeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';
import { wrapInt } from './elementwise.js';

/**
 * A divisor for WGSL: a static 0 becomes 1. Such a size means the tensor is empty and the kernel
 * is never dispatched, but WGSL rejects a division by a constant zero at compile time.
 */
function divisor(d: Dim): Dim {
  return d === 0 ? 1 : d;
}

export const generateCumSum: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'cumSum') return unsupported(node, 'not a cumSum');
  const x = node.inputs[0]!;
  const dims = shapeOf(x);
  const s = scalarOf(x.type.dtype);
  if (x.type.dtype === 'bool') unsupported(node, 'cumSum is not defined on bool');
  const zero = s === 'f32' ? '0.0' : s === 'i32' ? '0' : '0u';
  // 8/16-bit integer sums wrap to their width, as the host stores them.
  const sum = wrapInt('acc + in0[at]', x.type.dtype);
  const step = op.exclusive ? ['out0[at] = acc;', `acc = ${sum};`] : [`acc = ${sum};`, 'out0[at] = acc;'];
  const axisInput = node.inputs[1];
  if (axisInput) return [cumSumRuntimeAxis(node, ctx, x, axisInput, { zero, s, step, reverse: op.reverse })];
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  const len = dims[op.axis]!;
  const inner = dimProductOf(dims.slice(op.axis + 1));
  // One invocation per line; an empty axis has no lines (a symbolic one has no iterations).
  const lines = len === 0 ? 0 : dimProductOf(dims.filter((_, k) => k !== op.axis));
  // Visit positions t = 0..len-1 in order (reversed: len-1..0); exclusive writes before adding.
  const pos = op.reverse ? `${u32(dimSub(divisor(len), 1))} - t` : 't';
  const body = [
    `let base = (idx / ${u32(divisor(inner))}) * ${u32(dimMul(len, inner))} + idx % ${u32(divisor(inner))};`,
    `var acc: ${s} = ${zero};`,
    `for (var t = 0u; t < ${u32(len)}; t = t + 1u) {`,
    `  let at = base + (${pos}) * ${u32(inner)};`,
    ...step.map((l) => `  ${l}`),
    '}',
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [x], outputs: node.outputs, total: lines, body })];
};

/**
 * CumSum whose axis is data (in1[0], an i32 word): the axis length and stride come from small
 * per-axis arrays indexed at run time. The line count then depends on the axis, so the dispatch
 * covers numel(x) invocations (an upper bound: every line has ≥ 1 element) and the ones past
 * numel / len return at once. A negative axis counts from the end; one still outside [0, rank)
 * is an ONNX error the shader cannot raise, so it clamps into range (undefined output, in bounds).
 */
function cumSumRuntimeAxis(
  node: Node,
  ctx: CodegenContext,
  x: Value,
  axis: Value,
  p: { zero: string; s: string; step: string[]; reverse: boolean },
): Kernel {
  const dims = shapeOf(x);
  const rank = dims.length;
  if (rank < 1) unsupported(node, 'cumSum needs rank ≥ 1');
  const numel = numelOf(x);
  const strides = dimStrides(dims);
  const pos = p.reverse ? 'len - 1u - t' : 't';
  const body = [
    `var lens = array<u32, ${rank}>(${dims.map((d) => u32(d)).join(', ')});`,
    `var inners = array<u32, ${rank}>(${strides.map((d) => u32(d)).join(', ')});`,
    'let a0 = in1[0];',
    `let a = u32(clamp(select(a0, a0 + ${rank}, a0 < 0), 0, ${rank - 1}));`,
    'let len = lens[a];',
    'let inner = inners[a];',
    `if (len == 0u || idx >= ${u32(numel)} / len) { return; }`,
    'let base = (idx / inner) * (len * inner) + idx % inner;',
    `var acc: ${p.s} = ${p.zero};`,
    'for (var t = 0u; t < len; t = t + 1u) {',
    `  let at = base + (${pos}) * inner;`,
    ...p.step.map((l) => `  ${l}`),
    '}',
  ].join('\n');
  return flatKernel(node, ctx, { inputs: [x, axis], outputs: node.outputs, total: numel, body });
}

export const generateTrilu: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'trilu') return unsupported(node, 'not a trilu');
  const x = node.inputs[0]!;
  const dims = shapeOf(x);
  if (dims.length < 2) unsupported(node, `needs rank ≥ 2, got ${dims.length}`);
  const rows = dims[dims.length - 2]!;
  const cols = dims[dims.length - 1]!;
  const zero = { f32: '0.0', f16: '0.0', i32: '0', u32: '0u' }[scalarOf(x.type.dtype)];
  // Element (i, j) is kept when j - i >= k (upper) or j - i <= k (lower). |j - i| < rows + cols,
  // so a larger |k| (exporters write ±2^63) clamps without changing the result and fits i32;
  // symbolic sizes are far below 2^30, so that bound serves for them.
  // A k given as data (in1[0]) is an i32 word — int64 is range-checked to 32 bits on upload — and
  // j - i fits i32 too, so the comparison needs no clamp.
  const kInput = node.inputs[1];
  const bound = typeof rows === 'number' && typeof cols === 'number' ? rows + cols : 2 ** 30;
  const k = kInput ? 'in1[0]' : `${Math.max(-bound, Math.min(bound, op.k))}`;
  const keep = op.upper ? `j - i >= ${k}` : `j - i <= ${k}`;
  const body = [
    `let j = i32(idx % ${u32(divisor(cols))});`,
    `let i = i32((idx / ${u32(divisor(cols))}) % ${u32(divisor(rows))});`,
    `out0[idx] = select(${zero}, in0[idx], ${keep});`,
  ].join('\n');
  const inputs = kInput ? [x, kInput] : [x];
  return [flatKernel(node, ctx, { inputs, outputs: node.outputs, total: numelOf(x), body })];
};
