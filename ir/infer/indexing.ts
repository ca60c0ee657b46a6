/**
 * Inference for the indexing ops: slice, gather, gatherElements and range, plus two helpers other
 * stages share: `resolveSlice` (ONNX's clamping of starts/ends, the one place that rule lives)
 * and `scalarDim` (the value of a scalar that is a constant or a dim read through Shape).
 */

import type { TensorType, Value } from '../graph.js';
import type { Op } from '../ops.js';
import type { Dim } from '../shape.js';
import { formatShape } from '../shape.js';
import { dimAdd, dimCeilDiv, dimMax, dimMin, dimSub } from '../dim.js';
import { dimAtLeast, dimAtMost, dimIsNegative, dimIsNonNegative } from '../dim-range.js';
import { arity, axisOf, checkDType, constantScalar, fail } from './common.js';
import { resolveShapeRange } from './movement.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

/** One axis of a resolved slice: element i of the output reads input index start + i * step. */
export interface SliceRangeDim {
  start: Dim;
  /** Exclusive end after clamping (-1 is "before index 0" for negative steps); the dim itself on an untouched axis. */
  end: Dim;
  step: number;
  size: Dim;
}

/** A resolved slice axis whose start is a number (every slice whose starts are numbers). */
export interface SliceRange extends SliceRangeDim {
  start: number;
}

/** Exporters write ±(2^63 - 1) or ±(2^31 - 1) for "to the end"; any |v| this large clamps to an end. */
const SENTINEL = 2 ** 31 - 1;

/** max(a, b), decided by the symbols' bounds when it can be (else a `max(…)` expression). */
function maxDim(a: Dim, b: Dim): Dim {
  return dimAtLeast(a, b) ? a : dimAtMost(a, b) ? b : dimMax(a, b);
}

function minDim(a: Dim, b: Dim): Dim {
  return dimAtMost(a, b) ? a : dimAtLeast(a, b) ? b : dimMin(a, b);
}

/**
 * Resolves a slice against the input dims, one entry per input axis (axes the op does not name
 * keep their full range). ONNX rules: negative starts/ends add the dim; then for step > 0 both
 * clamp to [0, dim], for step < 0 start clamps to [0, dim - 1] and end to [-1, dim - 1]. An end
 * of INT_MAX (int32 or int64; the importer clamps both to 2^31 - 1) means "through the last
 * element in the step's direction", so with a negative step it resolves to -1, as onnxruntime
 * reads it; other out-of-range values clamp.
 *
 * Dims, starts and ends may be symbolic: the clamps become min/max expressions unless the
 * symbols' bounds decide them (ir/dim-range.ts), so `[0 : sequence]` of a 512-long axis has
 * size `min(512,sequence)`. A symbolic start or end must have a known sign (whether it counts
 * from the end); otherwise this throws.
 */
export function resolveSliceDims(dims: readonly Dim[], op: OpOf<'slice'>): SliceRangeDim[] {
  const what = 'slice';
  const n = op.axes.length;
  if (op.starts.length !== n || op.ends.length !== n || op.steps.length !== n) {
    fail(what, `axes, starts, ends and steps must have equal lengths (${n}, ${op.starts.length}, ${op.ends.length}, ${op.steps.length})`);
  }
  const out: SliceRangeDim[] = dims.map((d) => ({ start: 0, end: d, step: 1, size: d }));
  const seen = new Set<number>();
  for (let j = 0; j < n; j++) {
    const axis = axisOf(what, op.axes[j]!, dims.length);
    if (seen.has(axis)) fail(what, `axis ${axis} is sliced twice`);
    seen.add(axis);
    const start = op.starts[j]!;
    const end = op.ends[j]!;
    const step = op.steps[j]!;
    if (!Number.isInteger(step) || step === 0) fail(what, `step on axis ${axis} must be a non-zero integer, got ${step}`);
    for (const v of [start, end]) {
      if (typeof v === 'number' && !Number.isInteger(v)) fail(what, `start and end on axis ${axis} must be integers, got ${start} and ${end}`);
    }
    const d = dims[axis]!;
    // Negative values count from the end; huge ones are "before the first" / "past the last".
    const fromEnd = (v: Dim, role: string): Dim => {
      if (typeof v === 'number') return v <= -SENTINEL ? -SENTINEL : v >= SENTINEL ? SENTINEL : v < 0 ? dimAdd(v, d) : v;
      if (dimIsNonNegative(v)) return v;
      if (dimIsNegative(v)) return dimAdd(v, d);
      return fail(what, `${role} ${v} on axis ${axis} may be negative or not; its meaning is decided only at run time`);
    };
    const clamp = (v: Dim, lo: Dim, hi: Dim): Dim => (v === SENTINEL ? hi : minDim(v === -SENTINEL ? lo : maxDim(v, lo), hi));
    // INT_MAX ends (int32 exactly, or int64 saturated by the decoder) read "through the last".
    const toLast = end === SENTINEL || (typeof end === 'number' && end >= Number.MAX_SAFE_INTEGER);
    let s: Dim;
    let e: Dim;
    let size: Dim;
    if (step > 0) {
      // The size from the start clamped below only: past d it gives ≤ 0 anyway (e ≤ d), and
      // `seq − 2` reads better than `seq − min(2, seq)`.
      const raw = fromEnd(start, 'start');
      const low = raw === SENTINEL ? d : raw === -SENTINEL ? 0 : maxDim(raw, 0);
      s = minDim(low, d);
      e = toLast ? d : clamp(fromEnd(end, 'end'), 0, d);
      size = maxDim(dimCeilDiv(dimSub(e, low), step), 0);
    } else {
      const last = dimSub(d, 1);
      s = clamp(fromEnd(start, 'start'), 0, last);
      e = toLast ? -1 : clamp(fromEnd(end, 'end'), -1, last);
      size = maxDim(dimCeilDiv(dimSub(s, e), -step), 0);
    }
    // Math.ceil(-0.5) is -0; sizes and indices are plain integers.
    const z = (d: Dim): Dim => (d === 0 ? 0 : d);
    out[axis] = { start: z(s), end: z(e), step, size: z(size) };
  }
  return out;
}

/**
 * `resolveSliceDims` for callers that need numeric starts (kernels index from them): throws when
 * a start is symbolic.
 */
export function resolveSlice(dims: readonly Dim[], op: OpOf<'slice'>): SliceRange[] {
  return resolveSliceDims(dims, op).map((r, axis) => {
    const start = r.start;
    if (typeof start !== 'number') return fail('slice', `start ${start} on axis ${axis} is symbolic; a static start is needed here`);
    return { ...r, start };
  });
}

export function inferSlice(op: OpOf<'slice'>, inputs: readonly Value[]): TensorType[] {
  const [x] = arity('slice', inputs, 1) as [TensorType];
  return [{ dtype: x.dtype, shape: resolveSliceDims(x.shape, op).map((r) => r.size) }];
}

export function inferGather(op: OpOf<'gather'>, inputs: readonly Value[]): TensorType[] {
  const what = 'gather';
  const [data, indices] = arity(what, inputs, 2) as [TensorType, TensorType];
  checkDType(what, 'indices', indices.dtype, 'index');
  if (data.shape.length === 0) fail(what, 'data must have rank ≥ 1');
  const axis = axisOf(what, op.axis, data.shape.length);
  const d = data.shape[axis]!;
  const constant = inputs[1]!.data;
  if (constant && typeof d === 'number') {
    // Out-of-range constant indices are an error in ONNX; catch them where the node is built.
    for (const raw of constant.data) {
      const i = Number(raw);
      if (i < -d || i >= d) fail(what, `index ${i} is out of range for axis ${axis} of size ${d}`);
    }
  }
  return [{ dtype: data.dtype, shape: [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)] }];
}

export function inferGatherElements(op: OpOf<'gatherElements'>, inputs: readonly Value[]): TensorType[] {
  const what = 'gatherElements';
  const [data, indices] = arity(what, inputs, 2) as [TensorType, TensorType];
  checkDType(what, 'indices', indices.dtype, 'index');
  if (data.shape.length === 0) fail(what, 'data must have rank ≥ 1');
  if (indices.shape.length !== data.shape.length) {
    fail(what, `indices rank ${indices.shape.length} differs from data rank ${data.shape.length}`);
  }
  axisOf(what, op.axis, data.shape.length);
  return [{ dtype: data.dtype, shape: [...indices.shape] }];
}

/**
 * The value of a one-element tensor, when it is known at compile time: its number for a
 * constant, a symbol when it reads a symbolic dim through `shape` → `gather`/`slice` (possibly
 * via cast or reshape), as exporters write `arange(x.size(1))`. Undefined otherwise.
 */
export function scalarDim(v: Value, depth = 0): Dim | undefined {
  const c = constantScalar(v);
  if (c !== undefined) return c;
  // Known contents of a shape computation (Value.symbolic, see ir/eval/symbolic.ts).
  if (v.symbolic?.length === 1) return v.symbolic[0];
  const node = v.producer;
  if (!node || depth > 16 || !v.type.shape.every((d) => d === 1)) return undefined;
  const src = node.inputs[0];
  if (!src) return undefined;
  switch (node.op.kind) {
    case 'cast':
    case 'reshape':
      return scalarDim(src, depth + 1);
    case 'gather':
    case 'slice': {
      const shapeNode = src.producer;
      if (!shapeNode || shapeNode.op.kind !== 'shape' || src.type.shape.length !== 1) return undefined;
      const x = shapeNode.inputs[0]!;
      const [first, last] = resolveShapeRange(x.type.shape.length, shapeNode.op.start, shapeNode.op.end);
      let index: number | undefined;
      if (node.op.kind === 'gather') {
        const i = node.inputs[1] ? constantScalar(node.inputs[1]) : undefined;
        if (i !== undefined) index = i < 0 ? i + (last - first) : i;
      } else {
        index = resolveSlice([last - first], node.op)[0]!.start;
      }
      return index === undefined || index < 0 || index >= last - first ? undefined : x.type.shape[first + index];
    }
    default:
      return undefined;
  }
}

/** Sanitized piece of a value name for a generated symbol. */
function symbolPart(v: Value): string {
  return v.name.replace(/[^A-Za-z0-9_]/g, '_');
}

export function inferArange(op: OpOf<'arange'>, inputs: readonly Value[]): TensorType[] {
  const what = 'arange';
  arity(what, inputs, 0);
  checkDType(what, 'dtype', op.dtype, 'numeric');
  if (!Number.isFinite(op.start) || !Number.isFinite(op.delta) || op.delta === 0) fail(what, `start ${op.start} and delta ${op.delta} must be finite, delta non-zero`);
  if (typeof op.length === 'number' ? !Number.isInteger(op.length) || op.length < 0 : op.length === '') {
    fail(what, `length must be a non-negative integer or a symbolic dim, got ${op.length}`);
  }
  return [{ dtype: op.dtype, shape: [op.length] }];
}

export function inferRange(inputs: readonly Value[]): TensorType[] {
  const what = 'range';
  const types = arity(what, inputs, 3);
  const roles = ['start', 'limit', 'delta'];
  types.forEach((t, i) => {
    checkDType(what, roles[i]!, t.dtype, 'numeric');
    if (t.dtype !== types[0]!.dtype) fail(what, `start and ${roles[i]} dtypes ${types[0]!.dtype} and ${t.dtype} differ`);
    if (!t.shape.every((d) => d === 1)) fail(what, `${roles[i]} must be a scalar, got ${formatShape(t.shape)}`);
  });
  const [start, limit, delta] = inputs.map((v) => scalarDim(v)) as [Dim | undefined, Dim | undefined, Dim | undefined];
  let length: Dim;
  if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number') {
    if (delta === 0) fail(what, 'delta is 0');
    length = Math.max(Math.ceil((limit - start) / delta), 0);
  } else if (start === 0 && delta === 1 && typeof limit === 'string') {
    // arange(n) over a symbolic dim n: the length is that dim.
    length = limit;
  } else {
    // Unknown at compile time; a generated symbol named after the operands (stable under
    // re-inference and print/parse, since names are kept).
    length = `range_len_${inputs.map(symbolPart).join('_')}`;
  }
  return [{ dtype: types[0]!.dtype, shape: [length] }];
}
