/**
 * Shared fixtures for the inference tests: typed graph inputs and constants on a scratch graph,
 * and default-filled op constructors so each test states only the attributes it is about.
 */

import type { DType } from '../../ir/dtype.js';
import { allocHost } from '../../ir/dtype.js';
import { Graph, type TensorType, type Value } from '../../ir/graph.js';
import { inferTypes } from '../../ir/infer.js';
import type { Op } from '../../ir/ops.js';
import type { Dim } from '../../ir/shape.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

const g = new Graph();
let counter = 0;

/** A non-constant value of the given type. */
export function val(dtype: DType, shape: Dim[], name = `v${counter++}`): Value {
  return g.addInput(name, { dtype, shape });
}

export const f32 = (...shape: Dim[]): Value => val('float32', shape);

/** A constant holding `values` (int64 values as numbers). */
export function constant(dtype: DType, dims: number[], values: number[], name = `c${counter++}`): Value {
  const data = allocHost(dtype, values.length);
  values.forEach((x, i) => ((data as unknown as (number | bigint)[])[i] = data instanceof BigInt64Array ? BigInt(x) : x));
  return g.addConstant(name, { dtype, dims, data });
}

export function infer(op: Op, ...inputs: Value[]): TensorType {
  const types = inferTypes(op, inputs);
  if (types.length !== 1) throw new Error(`expected one output, got ${types.length}`);
  return types[0]!;
}

export function shapeOf(op: Op, ...inputs: Value[]): Dim[] {
  return infer(op, ...inputs).shape;
}

export function conv(n: number, p: Partial<OpOf<'conv'>> = {}): OpOf<'conv'> {
  return { kind: 'conv', strides: Array(n).fill(1), pads: Array(2 * n).fill(0), dilations: Array(n).fill(1), group: 1, ...p };
}

export function convT(n: number, p: Partial<OpOf<'convTranspose'>> = {}): OpOf<'convTranspose'> {
  return {
    kind: 'convTranspose',
    strides: Array(n).fill(1),
    pads: Array(2 * n).fill(0),
    dilations: Array(n).fill(1),
    group: 1,
    outputPadding: Array(n).fill(0),
    ...p,
  };
}

export function pool(kernel: number[], p: Partial<OpOf<'pool'>> = {}): OpOf<'pool'> {
  const n = kernel.length;
  return {
    kind: 'pool',
    type: 'max',
    kernel,
    strides: Array(n).fill(1),
    pads: Array(2 * n).fill(0),
    dilations: Array(n).fill(1),
    ceilMode: false,
    countIncludePad: false,
    indices: 'none',
    ...p,
  };
}

export function matmul(p: Partial<OpOf<'matmul'>> = {}): OpOf<'matmul'> {
  return { kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 1, ...p };
}

export function slice(axes: number[], starts: Dim[], ends: Dim[], steps = axes.map(() => 1)): OpOf<'slice'> {
  return { kind: 'slice', axes, starts, ends, steps };
}

export function resize(sizes: Dim[], scales: number[]): OpOf<'resize'> {
  return {
    kind: 'resize',
    mode: 'linear',
    coordMode: 'half_pixel',
    nearestMode: 'round_prefer_floor',
    cubicCoeffA: -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    scales,
    sizes,
  };
}

/** INT64 max/min as they arrive from an int64 attribute or initializer (rounded to doubles). */
export const INT64_MAX = 9223372036854775807;
export const INT64_MIN = -9223372036854775808;
