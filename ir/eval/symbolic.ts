/**
 * Shape arithmetic on the host at compile time, with symbolic dims: the exporters' shape plumbing
 * (Shape → Gather → Unsqueeze → Concat → Reshape, `Where(Equal(shape, -1), …)`, `Range(0,
 * Shape[1])`) evaluated on small integer tensors whose elements are Dims instead of numbers.
 *
 * `Graph.add` calls `evaluateSymbolic` for a node whose inputs are all constants or carry known
 * symbolic contents (`Value.symbolic`); the result becomes the output's `symbolic` contents (or a
 * plain constant when every element is a number), so a Reshape's `shape` input reads as
 * `[batch, sequence, 4, 32]` at import although no number is known. Only 0-d and 1-d int32/int64
 * (and bool, as 0/1) tensors of at most MAX_SYMBOLIC_ELEMENTS take part.
 *
 * Every rule is exact under the symbolic-dim assumption of ir/dim-range.ts (symbols are integers
 * ≥ 1): comparisons and integer division are evaluated only when their outcome is the same for
 * every symbol value; otherwise the result is unknown (undefined) and the node stays a run-time
 * computation, which the consumer then reports clearly.
 */

import type { DType } from '../dtype.js';
import type { TensorType, Value } from '../graph.js';
import type { Op } from '../ops.js';
import { dimAdd, dimFloorDiv, dimMax, dimMin, dimMod, dimMul, dimSub, type Dim } from '../dim.js';
import { compareDims, dimAtLeast, dimAtMost, dimIsNonNegative } from '../dim-range.js';
import { resolveShapeRange } from '../infer/movement.js';
import { resolveSlice } from '../infer/indexing.js';

/** Largest tensor that carries symbolic contents (shapes have a handful of entries). */
export const MAX_SYMBOLIC_ELEMENTS = 64;

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

function symbolicDType(dtype: DType): boolean {
  return dtype === 'int64' || dtype === 'int32' || dtype === 'bool';
}

/**
 * The known contents of `v` as Dims, row-major: its symbolic contents, or a small constant
 * integer tensor's numbers. Undefined for anything else.
 */
export function symbolicContents(v: Value): Dim[] | undefined {
  if (v.symbolic) return v.symbolic;
  const t = v.data;
  if (!t || !symbolicDType(t.dtype) || t.dims.length > 1 || t.data.length > MAX_SYMBOLIC_ELEMENTS) return undefined;
  return Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x));
}

function staticLength(t: TensorType): number | undefined {
  if (t.shape.length > 1 || !symbolicDType(t.dtype)) return undefined;
  const n = t.shape.length === 0 ? 1 : t.shape[0]!;
  return typeof n === 'number' && n <= MAX_SYMBOLIC_ELEMENTS ? n : undefined;
}

/** Elementwise over broadcast 0-d/1-d operands of output length n; undefined if any entry is. */
function zipWith(n: number, args: Dim[][], f: (...xs: Dim[]) => Dim | undefined): Dim[] | undefined {
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const r = f(...args.map((a) => a[a.length === 1 ? 0 : i]!));
    if (r === undefined) return undefined;
    out.push(r);
  }
  return out;
}

const bool = (b: boolean | undefined): Dim | undefined => (b === undefined ? undefined : b ? 1 : 0);

/** A dim as a bool (non-zero), when decided: a symbolic dim that is ≥ 1 for every value is true. */
const truth = (d: Dim): boolean | undefined => (typeof d === 'number' ? d !== 0 : dimIsNonNegative(dimSub(d, 1)) ? true : undefined);

/** Integer division as ONNX defines it (truncating), decided only when the signs are known. */
function intDiv(a: Dim, b: Dim): Dim | undefined {
  if (typeof a === 'number' && typeof b === 'number') return b === 0 ? undefined : Math.trunc(a / b);
  // Truncation equals floor division when both operands are non-negative.
  if (dimIsNonNegative(a) && compareDims(b, 0) === 1) return dimFloorDiv(a, b);
  return undefined;
}

function binary(fn: OpOf<'binary'>['fn'], a: Dim, b: Dim): Dim | undefined {
  // Each comparison is decided when it holds, or fails, for every symbol value.
  const decide = (yes: boolean, no: boolean) => bool(yes ? true : no ? false : undefined);
  switch (fn) {
    case 'add':
      return dimAdd(a, b);
    case 'sub':
      return dimSub(a, b);
    case 'mul':
      return dimMul(a, b);
    case 'div':
      return intDiv(a, b);
    case 'mod':
      return compareDims(b, 0) === 1 ? dimMod(a, b) : undefined;
    case 'max':
      return dimMax(a, b);
    case 'min':
      return dimMin(a, b);
    case 'equal': {
      const c = compareDims(a, b);
      return c === undefined ? undefined : c === 0 ? 1 : 0;
    }
    case 'less':
      return decide(compareDims(a, b) === -1, dimAtLeast(a, b));
    case 'lessOrEqual':
      return decide(dimAtMost(a, b), compareDims(a, b) === 1);
    case 'greater':
      return decide(compareDims(a, b) === 1, dimAtMost(a, b));
    case 'greaterOrEqual':
      return decide(dimAtLeast(a, b), compareDims(a, b) === -1);
    case 'and':
    case 'or':
    case 'xor': {
      const x = truth(a);
      const y = truth(b);
      if (x === undefined || y === undefined) return undefined;
      return bool(fn === 'and' ? x && y : fn === 'or' ? x || y : x !== y);
    }
    default:
      return undefined;
  }
}

/**
 * The symbolic contents of `op`'s single output, or undefined when it is not a small integer
 * tensor or an entry is unknown. `out` is the inferred output type.
 */
export function evaluateSymbolic(op: Op, inputs: readonly Value[], out: TensorType): Dim[] | undefined {
  const n = staticLength(out);
  if (n === undefined) return undefined;
  if (op.kind === 'shape') {
    // Reads only the input's type, never its data.
    const shape = inputs[0]!.type.shape;
    const [s, e] = resolveShapeRange(shape.length, op.start, op.end);
    return shape.slice(s, e);
  }
  const args: Dim[][] = [];
  for (const v of inputs) {
    const c = symbolicContents(v);
    if (c === undefined) return undefined;
    args.push(c);
  }
  const [x] = args as [Dim[]];
  switch (op.kind) {
    case 'reshape':
    case 'expand':
      // Same elements (reshape), or a 0-d/1-entry operand repeated (expand to n entries).
      return x.length === n ? [...x] : x.length === 1 ? new Array<Dim>(n).fill(x[0]!) : undefined;
    case 'cast':
      if (op.to === 'bool') return zipWith(n, [x], (d) => bool(truth(d)));
      return symbolicDType(op.to) ? [...x] : undefined;
    case 'unary':
      if (op.fn === 'identity') return [...x];
      if (op.fn === 'neg') return x.map((d) => dimSub(0, d));
      if (op.fn === 'not') {
        return zipWith(n, [x], (d) => {
          const t = truth(d);
          return t === undefined ? undefined : bool(!t);
        });
      }
      return undefined;
    case 'binary':
      return zipWith(n, [x, args[1]!], (a, b) => binary(op.fn, a, b));
    case 'where':
      return zipWith(n, args, (c, a, b) => {
        const t = truth(c);
        return t === undefined ? undefined : t ? a : b;
      });
    case 'gather': {
      const picked = args[1]!.map((i) => (typeof i === 'number' ? x[i < 0 ? i + x.length : i] : undefined));
      return picked.every((d) => d !== undefined) ? picked : undefined;
    }
    case 'slice': {
      if (!op.starts.every((s) => typeof s === 'number') || !op.ends.every((e) => typeof e === 'number')) return undefined;
      const [r] = resolveSlice([x.length], op);
      const picked: Dim[] = [];
      for (let k = 0; k < n; k++) picked.push(x[r!.start + k * r!.step]!);
      return picked;
    }
    case 'concat':
      return args.flat();
    case 'reduce':
      if (op.fn === 'prod') return [dimMul(...x)];
      if (op.fn === 'sum') return [dimAdd(...x)];
      if (op.fn === 'max' && x.length > 0) return [dimMax(...x)];
      if (op.fn === 'min' && x.length > 0) return [dimMin(...x)];
      return undefined;
    default:
      return undefined;
  }
}
