/**
 * Det: one invocation per matrix, Gaussian elimination with partial pivoting in f32 (the CPU
 * reference's algorithm, there in f64); the determinant is the product of the pivots, negated
 * once per row swap.
 *
 * The working copy lives in a private array when the matrix is small (M² ≤ 256 words: no global
 * traffic), else in a scratch buffer of the batch's matrices that the kernel fills first — private
 * arrays of unbounded size are not an option in WGSL. Rows are swapped only from the pivot column
 * on, since the columns left of it are no longer read.
 *
 * The batch of matrices may be symbolic (dims table, codegen/dims.ts); the matrix size sets the
 * private array and the loops, so it is static.
 */

import { dimMul } from '../../ir/dim.js';
import type { KernelGenerator } from '../kernel.js';
import { numelOf, shapeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

/** Largest M² kept in a private array. */
const PRIVATE_WORDS = 256;

export const generateDet: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'det') return unsupported(node, 'not a det');
  const x = node.inputs[0]!;
  const dtype = x.type.dtype;
  if (dtype !== 'float32' && dtype !== 'float16') unsupported(node, `det needs float data, got ${dtype}`);
  const y = node.outputs[0]!;
  const count = numelOf(y);
  if (count === 0) return [];
  const dims = shapeOf(x);
  const n = dims[dims.length - 1]!;
  if (typeof n !== 'number') return unsupported(node, `the matrix size is the symbol '${n}'; it must be static`);
  const words = n * n;
  const h = new WgslHelpers();
  const result = dtype === 'float16' ? `${h.use('f16round')}(det)` : 'det';
  if (n === 0) return [flatKernel(node, ctx, { inputs: [x], outputs: [y], total: count, body: 'out0[idx] = 1.0;' })];

  const inPrivate = words <= PRIVATE_WORDS;
  const scratch = inPrivate ? undefined : ctx.scratch({ dtype, shape: [dimMul(count, words)] }, 'lu');
  const at = (e: string) => (inPrivate ? `a[${e}]` : `out1[base + ${e}]`);
  const body = [
    `let base = idx * ${words}u;`,
    ...(inPrivate ? [`var a: array<f32, ${words}>;`] : []),
    `for (var i = 0u; i < ${words}u; i = i + 1u) { ${at('i')} = in0[base + i]; }`,
    'var det = 1.0;',
    `for (var k = 0u; k < ${n}u; k = k + 1u) {`,
    '  var p = k;',
    `  for (var i = k + 1u; i < ${n}u; i = i + 1u) {`,
    `    if (abs(${at(`i * ${n}u + k`)}) > abs(${at(`p * ${n}u + k`)})) { p = i; }`,
    '  }',
    `  let pivot = ${at(`p * ${n}u + k`)};`,
    '  if (pivot == 0.0) { det = 0.0; break; }',
    '  if (p != k) {',
    `    for (var j = k; j < ${n}u; j = j + 1u) {`,
    `      let t = ${at(`k * ${n}u + j`)};`,
    `      ${at(`k * ${n}u + j`)} = ${at(`p * ${n}u + j`)};`,
    `      ${at(`p * ${n}u + j`)} = t;`,
    '    }',
    '    det = -det;',
    '  }',
    '  det = det * pivot;',
    `  for (var i = k + 1u; i < ${n}u; i = i + 1u) {`,
    `    let factor = ${at(`i * ${n}u + k`)} / pivot;`,
    `    for (var j = k + 1u; j < ${n}u; j = j + 1u) {`,
    `      ${at(`i * ${n}u + j`)} = ${at(`i * ${n}u + j`)} - factor * ${at(`k * ${n}u + j`)};`,
    '    }',
    '  }',
    '}',
    `out0[idx] = ${result};`,
  ].join('\n');
  const outputs = scratch ? [y, scratch] : [y];
  return [flatKernel(node, ctx, { inputs: [x], outputs, total: count, prelude: h.render(), body })];
};
