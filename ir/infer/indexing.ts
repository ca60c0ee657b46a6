/**
 * Inference for the indexing ops: slice, gather, gatherElements and range, plus two helpers other
 * stages share: `resolveSlice` (ONNX's clamping of starts/ends, the one place that rule lives)
 * and `scalarDim` (the value of a scalar that is a constant or a dim read through Shape).
 */

import type { TensorType, Value } from '../graph.js';
import type { Op } from '../ops.js';
import type { Dim } from '../shape.js';
import { formatShape } from '../shape.js';
import { arity, axisOf, checkDType, constantScalar, fail } from './common.js';
import { resolveShapeRange } from './movement.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

/** One axis of a resolved slice: element i of the output reads input index start + i * step. */
export interface SliceRange {
  start: number;
  /** Exclusive end after clamping (-1 is "before index 0" for negative steps); the dim itself on an untouched axis. */
  end: Dim;
  step: number;
  size: Dim;
}

/** Exporters write ±(2^63 - 1) or ±(2^31 - 1) for "to the end"; any |v| this large clamps to an end. */
const SENTINEL = 2 ** 31 - 1;
const INT32_MAX = 2 ** 31 - 1;
/**
 * INT64_MAX as a JS number: the decoder saturates int64s to ±MAX_SAFE_INTEGER (a plain
 * conversion would give 2^63); either way nothing this large is an ordinary bound.
 */
const INT64_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Resolves a slice against the input dims, one entry per input axis (axes the op does not name
 * keep their full range). ONNX rules: negative starts/ends add the dim; then for step > 0 both
 * clamp to [0, dim], for step < 0 start clamps to [0, dim - 1] and end to [-1, dim - 1]. An end
 * of INT_MAX (int32 or int64) means "through the last element in the step's direction", so with a
 * negative step it resolves to -1, as onnxruntime reads it.
 * A symbolic dim is allowed only when the slice keeps the whole axis (start 0 or a sentinel,
 * end a sentinel) — anything else would need arithmetic on the symbol.
 */
export function resolveSlice(dims: readonly Dim[], op: OpOf<'slice'>): SliceRange[] {
  const what = 'slice';
  const n = op.axes.length;
  if (op.starts.length !== n || op.ends.length !== n || op.steps.length !== n) {
    fail(what, `axes, starts, ends and steps must have equal lengths (${n}, ${op.starts.length}, ${op.ends.length}, ${op.steps.length})`);
  }
  const out: SliceRange[] = dims.map((d) => ({ start: 0, end: d, step: 1, size: d }));
  const seen = new Set<number>();
  for (let j = 0; j < n; j++) {
    const axis = axisOf(what, op.axes[j]!, dims.length);
    if (seen.has(axis)) fail(what, `axis ${axis} is sliced twice`);
    seen.add(axis);
    const start = op.starts[j]!;
    const end = op.ends[j]!;
    const step = op.steps[j]!;
    if (!Number.isInteger(step) || step === 0) fail(what, `step on axis ${axis} must be a non-zero integer, got ${step}`);
    if (!Number.isInteger(start) || !Number.isInteger(end)) fail(what, `start and end on axis ${axis} must be integers, got ${start} and ${end}`);
    const d = dims[axis]!;
    if (typeof d === 'string') {
      out[axis] = sliceSymbolic(axis, d, start, end, step);
      continue;
    }
    let s = start < 0 ? start + d : start;
    // INT_MAX as an end means "to the end in the step's direction" (onnxruntime's reading of the
    // spec, which models are tested against); other ends clamp as below.
    let e = end === INT32_MAX || end >= INT64_MAX ? (step < 0 ? -1 : d) : end < 0 ? end + d : end;
    let size: number;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
      size = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
      size = Math.max(0, Math.ceil((s - e) / -step));
    }
    out[axis] = { start: s, end: e, step, size };
  }
  return out;
}

/** A symbolic axis can only be kept whole: [0 or -END : END : 1]. */
function sliceSymbolic(axis: number, d: string, start: number, end: number, step: number): SliceRange {
  if (step === 1 && (start === 0 || start <= -SENTINEL) && end >= SENTINEL) return { start: 0, end: d, step: 1, size: d };
  return fail('slice', `axis ${axis} is the symbol '${d}' but [${start}:${end}:${step}] needs a static size`);
}

export function inferSlice(op: OpOf<'slice'>, inputs: readonly Value[]): TensorType[] {
  const [x] = arity('slice', inputs, 1) as [TensorType];
  return [{ dtype: x.dtype, shape: resolveSlice(x.shape, op).map((r) => r.size) }];
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
