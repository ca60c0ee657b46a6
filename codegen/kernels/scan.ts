/**
 * Cumulative sum along an axis, and Trilu (keep the lower or upper triangle of the last two dims).
 *
 * CumSum runs one invocation per line along the axis, accumulating sequentially (f32 for floats,
 * the integer word for integers, which wraps like the host). Lines are independent, so there is
 * parallelism whenever the other axes are non-trivial; a single very long line is sequential.
 *
 * Both take symbolic dims (a [batch, sequence] cumsum, a [..., S, S] causal mask), read from the
 * dims table (codegen/dims.ts).
 */

import { dimMul, dimProductOf, dimSub } from '../../ir/dim.js';
import type { KernelGenerator } from '../kernel.js';
import { u32 } from '../dims.js';
import { numelOf, scalarOf, shapeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';
import { wrapInt } from './elementwise.js';

export const generateCumSum: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'cumSum') return unsupported(node, 'not a cumSum');
  const x = node.inputs[0]!;
  const dims = shapeOf(x);
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  const s = scalarOf(x.type.dtype);
  if (x.type.dtype === 'bool') unsupported(node, 'cumSum is not defined on bool');
  const len = dims[op.axis]!;
  const inner = dimProductOf(dims.slice(op.axis + 1));
  // One invocation per line; an empty axis has no lines (a symbolic one has no iterations).
  const lines = len === 0 ? 0 : dimProductOf(dims.filter((_, k) => k !== op.axis));
  const zero = s === 'f32' ? '0.0' : s === 'i32' ? '0' : '0u';
  // Visit positions t = 0..len-1 in order (reversed: len-1..0); exclusive writes before adding.
  const pos = op.reverse ? `${u32(dimSub(len, 1))} - t` : 't';
  // 8/16-bit integer sums wrap to their width, as the host stores them.
  const sum = wrapInt('acc + in0[at]', x.type.dtype);
  const step = op.exclusive ? ['out0[at] = acc;', `acc = ${sum};`] : [`acc = ${sum};`, 'out0[at] = acc;'];
  const body = [
    `let base = (idx / ${u32(inner)}) * ${u32(dimMul(len, inner))} + idx % ${u32(inner)};`,
    `var acc: ${s} = ${zero};`,
    `for (var t = 0u; t < ${u32(len)}; t = t + 1u) {`,
    `  let at = base + (${pos}) * ${u32(inner)};`,
    ...step.map((l) => `  ${l}`),
    '}',
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [x], outputs: node.outputs, total: lines, body })];
};

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
  const bound = typeof rows === 'number' && typeof cols === 'number' ? rows + cols : 2 ** 30;
  const k = Math.max(-bound, Math.min(bound, op.k));
  const keep = op.upper ? `j - i >= ${k}` : `j - i <= ${k}`;
  const body = [
    `let j = i32(idx % ${u32(cols)});`,
    `let i = i32((idx / ${u32(cols)}) % ${u32(rows)});`,
    `out0[idx] = select(${zero}, in0[idx], ${keep});`,
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [x], outputs: node.outputs, total: numelOf(x), body })];
};
