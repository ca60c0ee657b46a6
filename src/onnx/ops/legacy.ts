/**
 * The forms ops had before opset 7, shared by the importers that accept them. Each helper turns
 * an old form into the operands of the modern lowering, so an importer handles its legacy
 * versions in a line or two and the IR never sees them.
 *
 * - `broadcast`/`axis` (Add, Sub, Mul, Div, Pow, And, Or, Xor, Equal, Greater, Less before 7):
 *   broadcasting was opt-in and one-directional. With broadcast=0 the operands must have the
 *   same shape; with broadcast=1, B (of rank ≤ A's) is aligned with A's dims starting at
 *   `axis`, or with A's trailing dims when `axis` is absent ("suffix matching").
 *   Aligned dims must be equal, or 1: the spec's text says "1-dim expansion doesn't work yet",
 *   but the one-element case is explicitly allowed and the exporters of that era (PyTorch's
 *   opset-6 tests: B [2, 1] against A [2, 3] with axis 0) relied on size-1 dims expanding, so
 *   we expand them as numpy does. The result always has A's shape.
 *   (Gemm's C had a `broadcast` attribute too, without `axis`; matmul.ts handles it.)
 * - `is_test` (BatchNormalization and Dropout before 7): 0 — the default — is training mode
 *   (batch statistics, random dropout), which an inference compiler does not provide; it is
 *   refused as a form.
 * - PRelu before 7: the slope is one value, or one per channel (axis 1) as in Caffe2, where the
 *   ops came from; other shapes are refused (their meaning was never specified).
 * - Cast before 6: `to` is a TensorProto.DataType name ("FLOAT") instead of its code.
 * `consumed_inputs` (many ops before 6) was an in-place hint with no effect on values: importers
 * ignore it by not reading it.
 */

import type { Value } from '../../../ir/graph.js';
import type { Dim } from '../../../ir/shape.js';
import { formatShape } from '../../../ir/shape.js';
import type { ImportContext } from './context.js';
import { MODERN_OPSET } from './common.js';
import { reshapeTo } from './lowering.js';

const sameShape = (a: readonly Dim[], b: readonly Dim[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * B prepared for numpy broadcasting against A under the legacy rule (see the header): B itself
 * for broadcast=0 (shapes checked equal) and suffix matching, B reshaped with trailing 1s when
 * `axis` places it earlier.
 */
export function legacyBroadcast(ctx: ImportContext, a: Value, b: Value): Value {
  const as = a.type.shape;
  const bs = b.type.shape;
  if (ctx.getInt('broadcast', 0) === 0) {
    // `axis` means nothing without broadcasting; it is ignored, as the old runtimes did.
    if (!sameShape(as, bs)) {
      const why = `before opset ${MODERN_OPSET} broadcasting must be enabled with broadcast=1`;
      ctx.fail(`B ${formatShape(bs)} and A ${formatShape(as)} differ in shape, but broadcast=0 (${why})`);
    }
    return b;
  }
  if (b.rank > a.rank) ctx.fail(`with broadcast=1, B ${formatShape(bs)} must not have more dims than A ${formatShape(as)}`);
  let start = a.rank - b.rank;
  if (ctx.hasAttr('axis')) {
    const given = ctx.getInt('axis');
    const axis = given < 0 ? given + a.rank : given;
    if (axis < 0 || axis + b.rank > a.rank) {
      ctx.fail(`axis ${given} does not place B ${formatShape(bs)} inside A ${formatShape(as)}`);
    }
    start = axis;
  }
  bs.forEach((d, i) => {
    const target = as[start + i]!;
    if (d !== 1 && d !== target) {
      ctx.fail(`B ${formatShape(bs)} placed at axis ${start} of A ${formatShape(as)}: dim ${i} (${d}) is neither ${target} nor 1`);
    }
  });
  // Trailing 1s put B's last dim at axis start + rank(B) − 1; numpy aligns the rest from the right.
  return reshapeTo(ctx, b, [...bs, ...new Array<Dim>(a.rank - start - b.rank).fill(1)]);
}

/** Refuses training mode (is_test=0, the default) of BatchNormalization and Dropout before 7. */
export function requireTestMode(ctx: ImportContext, training: string): void {
  if (ctx.getInt('is_test', 0) === 0) {
    ctx.unsupported(`is_test=0 (training mode: ${training}) is not supported; opset ${ctx.opset} models need is_test=1 for inference`);
  }
}

/** PRelu's slope before opset 7 (see the header), prepared for numpy broadcasting against X. */
export function legacyPreluSlope(ctx: ImportContext, x: Value, slope: Value): Value {
  const s = slope.type.shape;
  if (s.every((d) => d === 1)) return reshapeTo(ctx, slope, []);
  if (x.rank >= 2 && s.length === 1 && s[0] === x.type.shape[1]) return reshapeTo(ctx, slope, [s[0]!, ...new Array<Dim>(x.rank - 2).fill(1)]);
  return ctx.unsupported(
    `slope ${formatShape(s)} for X ${formatShape(x.type.shape)}: before opset ${MODERN_OPSET} the slope must be one value or one per channel (axis 1)`,
  );
}

/** TensorProto.DataType names (Cast's `to` before opset 6) → codes; facts of the ONNX format. */
const TYPE_NAMES: Record<string, number> = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
};

/** The element type code a pre-opset-6 Cast names in its string `to` attribute. */
export function legacyTypeCode(ctx: ImportContext, name: string): number {
  const code = TYPE_NAMES[name.toUpperCase()];
  if (code === undefined || code === 0) ctx.fail(`attribute 'to' is '${name}', which is not a TensorProto.DataType name (FLOAT, INT64, …)`);
  return code;
}
