/**
 * Cumulative sum along an axis, and Trilu (keep the lower or upper triangle of the last two dims).
 *
 * CumSum runs one invocation per line along the axis, accumulating sequentially (f32 for floats,
 * the integer word for integers, which wraps like the host). Lines are independent, so there is
 * parallelism whenever the other axes are non-trivial; a single very long line is sequential.
 */

import type { KernelGenerator } from '../kernel.js';
import { dimsOf, scalarOf, sizeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';
import { wrapInt } from './elementwise.js';

export const generateCumSum: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'cumSum') return unsupported(node, 'not a cumSum');
  const x = node.inputs[0]!;
  const dims = dimsOf(x);
  if (op.axis < 0 || op.axis >= dims.length) unsupported(node, `axis ${op.axis} out of range for rank ${dims.length}`);
  const s = scalarOf(x.type.dtype);
  if (x.type.dtype === 'bool') unsupported(node, 'cumSum is not defined on bool');
  const len = dims[op.axis]!;
  const inner = dims.slice(op.axis + 1).reduce((a, b) => a * b, 1);
  const lines = sizeOf(x) / Math.max(1, len);
  const zero = s === 'f32' ? '0.0' : s === 'i32' ? '0' : '0u';
  // Visit positions t = 0..len-1 in order (reversed: len-1..0); exclusive writes before adding.
  const pos = op.reverse ? `${len - 1}u - t` : 't';
  // 8/16-bit integer sums wrap to their width, as the host stores them.
  const sum = wrapInt('acc + in0[at]', x.type.dtype);
  const step = op.exclusive ? ['out0[at] = acc;', `acc = ${sum};`] : [`acc = ${sum};`, 'out0[at] = acc;'];
  const body = [
    `let base = (idx / ${inner}u) * ${len * inner}u + idx % ${inner}u;`,
    `var acc: ${s} = ${zero};`,
    `for (var t = 0u; t < ${len}u; t = t + 1u) {`,
    `  let at = base + (${pos}) * ${inner}u;`,
    ...step.map((l) => `  ${l}`),
    '}',
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [x], outputs: node.outputs, total: lines, body })];
};

export const generateTrilu: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'trilu') return unsupported(node, 'not a trilu');
  const x = node.inputs[0]!;
  const dims = dimsOf(x);
  if (dims.length < 2) unsupported(node, `needs rank ≥ 2, got ${dims.length}`);
  const rows = dims[dims.length - 2]!;
  const cols = dims[dims.length - 1]!;
  const zero = { f32: '0.0', f16: '0.0', i32: '0', u32: '0u' }[scalarOf(x.type.dtype)];
  // Element (i, j) is kept when j - i >= k (upper) or j - i <= k (lower). |j - i| < rows + cols,
  // so a larger |k| (exporters write ±2^63) clamps without changing the result and fits i32.
  const k = Math.max(-(rows + cols), Math.min(rows + cols, op.k));
  const keep = op.upper ? `j - i >= ${k}` : `j - i <= ${k}`;
  const body = [
    `let j = i32(idx % ${cols}u);`,
    `let i = i32((idx / ${cols}u) % ${rows}u);`,
    `out0[idx] = select(${zero}, in0[idx], ${keep});`,
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [x], outputs: node.outputs, total: sizeOf(x), body })];
};
