/**
 * TopK by ranking: one invocation per input element counts the elements of its line that come
 * before it in the output order (better value, or an equal value at a lower index — onnxruntime's
 * tie rule). Ranks are a permutation of 0..n-1, so every output slot below k is written exactly
 * once, with no sorting network, no shared memory and no atomics.
 *
 * The count stops as soon as the rank reaches k (the element is out), so an element far from the
 * top costs about k reads, not n: roughly O(n·k) per line instead of O(n²). NaN ranks above every
 * number (as in the CPU reference), tested with a helper that survives fast-math.
 *
 * Sizes may be symbolic (a batch of lines, or a line as long as the sequence), read from the dims
 * table (codegen/dims.ts), and so may k (a K input read at run time, a table read too; a static k
 * stays a literal).
 */

import { dimMul, dimProductOf } from '../../ir/dim.js';
import type { KernelGenerator } from '../kernel.js';
import { u32 } from '../dims.js';
import { numelOf, scalarOf, shapeOf } from '../wgsl.js';
import { flatKernel, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

export const generateTopK: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'topK') return unsupported(node, 'not a topK');
  const x = node.inputs[0]!;
  const dims = shapeOf(x);
  const axis = op.axis;
  if (axis < 0 || axis >= dims.length) unsupported(node, `axis ${axis} out of range for rank ${dims.length}`);
  const n = dims[axis]!;
  const k = u32(op.k);
  if (op.k === 0 || numelOf(x) === 0) return [];
  const inner = dimProductOf(dims.slice(axis + 1));
  const lineLen = u32(dimMul(n, inner));
  const float = scalarOf(x.type.dtype) === 'f32';
  const h = new WgslHelpers();

  // beats(a at t, b at i): a comes first in the output. Ties go to the lower index (t < i).
  const cmp = op.largest ? '>' : '<';
  let beats: string;
  if (float) {
    const nan = h.use('isnan');
    // NaN is the largest value: it leads a largest-k and trails a smallest-k.
    const nanFirst = op.largest ? `${nan}(a) && !${nan}(b)` : `!${nan}(a) && ${nan}(b)`;
    beats = `a ${cmp} b || (${nanFirst}) || ((a == b || (${nan}(a) && ${nan}(b))) && t < i)`;
  } else {
    beats = `a ${cmp} b || (a == b && t < i)`;
  }
  const body = [
    `let j = idx % ${u32(inner)};`,
    `let i = (idx / ${u32(inner)}) % ${u32(n)};`,
    `let o = idx / ${lineLen};`,
    `let line = o * ${lineLen} + j;`,
    'let b = in0[idx];',
    'var rank = 0u;',
    `for (var t = 0u; t < ${u32(n)}; t = t + 1u) {`,
    `  let a = in0[line + t * ${u32(inner)}];`,
    `  if (${beats}) {`,
    '    rank = rank + 1u;',
    `    if (rank >= ${k}) { return; }`,
    '  }',
    '}',
    `let at = (o * ${k} + rank) * ${u32(inner)} + j;`,
    'out0[at] = b;',
    'out1[at] = i32(i);',
  ].join('\n');
  return [flatKernel(node, ctx, { inputs: [x], outputs: node.outputs, total: numelOf(x), prelude: h.render(), body })];
};
