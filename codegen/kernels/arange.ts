/**
 * Arange: [start, start + delta, …] with `length` entries — an ONNX Range whose start and delta
 * are constants but whose limit is a symbolic dim, as exporters write `arange(x.size(1))` for
 * position ids. The length is a Dim, so the one kernel serves every sequence length: element i is
 * start + i·delta, computed per element (no reads, no inputs).
 *
 * Floats compute start + i·delta in f32, then round to the output type (float16 to the nearest
 * half). onnxruntime and the CPU reference accumulate `v += delta` instead; both agree exactly
 * when delta and the values are exactly representable (integers, powers of two), and otherwise
 * the direct product is the closer of the two to the exact value. Integers compute in i32 words
 * (int64 lives on the device as i32), so start and delta must fit i32, and narrower types wrap as
 * a cast would.
 */

import { isFloat } from '../../ir/dtype.js';
import type { KernelGenerator } from '../kernel.js';
import { numelOf, scalarOf } from '../wgsl.js';
import { castExpr } from './elementwise.js';
import { flatKernel, floatLit, unsupported } from './common.js';
import { WgslHelpers } from './wgsl-math.js';

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

export const generateArange: KernelGenerator = (node, ctx) => {
  const op = node.op;
  if (op.kind !== 'arange') return unsupported(node, 'not an arange');
  const out = node.outputs[0]!;
  const h = new WgslHelpers();
  if (op.dtype === 'bool') return unsupported(node, 'arange of bool');
  scalarOf(op.dtype); // a clear error for types with no GPU form (float64, string)
  let value: string;
  if (isFloat(op.dtype)) {
    value = castExpr(`${floatLit(op.start, h)} + f32(idx) * ${floatLit(op.delta, h)}`, 'float32', op.dtype, h);
  } else {
    for (const [what, v] of [
      ['start', op.start],
      ['delta', op.delta],
    ] as const) {
      if (!Number.isInteger(v) || v < I32_MIN || v > I32_MAX) unsupported(node, `${what} ${v} of an integer arange does not fit a 32-bit word`);
    }
    // i32 products wrap; a cast to a narrower or unsigned type then wraps as ONNX's would.
    value = castExpr(`i32(${op.start}) + i32(idx) * i32(${op.delta})`, 'int32', op.dtype, h);
  }
  return [
    flatKernel(node, ctx, {
      inputs: [],
      outputs: [out],
      total: numelOf(out),
      prelude: h.render(),
      body: `out0[idx] = ${value};`,
    }),
  ];
};
