/**
 * Inference for the spatial ops: conv, convTranspose, pool, batchNorm and resize, plus the
 * output-size rules codegen and the evaluator reuse (`convOutputSize`, `poolOutputSize`,
 * `convTransposeOutputSize`) so the arithmetic lives in one place.
 *
 * Batch dims may be symbolic and pass through; symbolic spatial dims give dim expressions of the
 * output size (not for pooling in ceil mode); channel dims must be numbers (the group checks).
 */

import type { DType } from '../dtype.js';
import type { TensorType, Value } from '../graph.js';
import { RESIZE_COORD_MODES, type Op } from '../ops.js';
import type { Dim } from '../shape.js';
import { formatShape } from '../shape.js';
import { dimAdd, dimFloorDiv, dimMul, dimSub } from '../dim.js';
import { arity, checkDType, checkInts, checkRank, checkDims, fail, needNumber, sameDType, sameShape } from './common.js';

type OpOf<K extends Op['kind']> = Extract<Op, { kind: K }>;

/** Extent of a dilated kernel window. */
function windowExtent(kernel: number, dilation: number): number {
  return (kernel - 1) * dilation + 1;
}

/** Output size of a convolution (floor rounding); throws when the window exceeds the padded input. */
export function convOutputSize(input: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  const extent = windowExtent(kernel, dilation);
  const span = input + padBegin + padEnd - extent;
  if (span < 0) throw new Error(`window ${extent} (kernel ${kernel}, dilation ${dilation}) exceeds padded input ${span + extent}`);
  return Math.floor(span / stride) + 1;
}

/**
 * Output size of a pooling window. With `ceilMode` the size rounds up, but ONNX (like PyTorch)
 * drops a last window that would start past the input and its left padding, i.e. entirely in the
 * right padding: if (out - 1) * stride >= input + padBegin then out -= 1.
 */
export function poolOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation: number,
  ceilMode: boolean,
): number {
  const extent = windowExtent(kernel, dilation);
  const span = input + padBegin + padEnd - extent;
  // A window may overhang a padded input shorter than it (span in (-stride, 0)): onnxruntime
  // still gives one output there, rounding the division toward zero in floor mode, and so do we.
  let out = ceilMode ? Math.ceil(span / stride) + 1 : Math.trunc(span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + padBegin) out -= 1;
  if (out < 1) throw new Error(`window ${extent} (kernel ${kernel}, dilation ${dilation}) exceeds padded input ${span + extent}`);
  return out;
}

/** Output size of a transposed convolution with final pads and output padding. */
export function convTransposeOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation: number,
  outputPadding: number,
): number {
  const out = stride * (input - 1) + outputPadding + windowExtent(kernel, dilation) - padBegin - padEnd;
  if (out < 1) throw new Error(`output size ${out} is not positive (pads ${padBegin} + ${padEnd} too large)`);
  return out;
}

/** strides/dilations: n entries ≥ 1; pads: 2n entries ≥ 0. */
function checkWindowAttrs(what: string, n: number, strides: number[], pads: number[], dilations: number[]): void {
  checkInts(what, 'strides', strides, n, 1);
  checkInts(what, 'dilations', dilations, n, 1);
  checkInts(what, 'pads', pads, 2 * n, 0);
}

/**
 * Applies `size` per spatial axis, wrapping its error with the op and axis. A symbolic spatial
 * dim goes through `symbolic` instead (the same arithmetic on dim expressions), when the rule
 * has one; otherwise it must be a number.
 */
function spatialOut(
  what: string,
  x: readonly Dim[],
  size: (input: number, i: number) => number,
  symbolic?: (input: string, i: number) => Dim,
): Dim[] {
  const out: Dim[] = [];
  for (let i = 0; i < x.length - 2; i++) {
    const d = x[i + 2]!;
    if (typeof d === 'string' && symbolic) {
      out.push(symbolic(d, i));
      continue;
    }
    const input = needNumber(what, `spatial dim ${i}`, d);
    try {
      out.push(size(input, i));
    } catch (e) {
      fail(what, `spatial axis ${i}: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * ⌊(input + pads − extent) / stride⌋ + 1 on a symbolic input (convolution, and pooling in floor
 * mode, where truncation and floor agree once the window fits, as it must for a valid model).
 */
function windowOutDim(input: string, extent: number, stride: number, pads: number): Dim {
  return dimAdd(dimFloorDiv(dimSub(dimAdd(input, pads), extent), stride), 1);
}

/** The optional bias input: rank 1 of size `channels`, same dtype. */
function checkBias(what: string, bias: TensorType | undefined, channels: number): void {
  if (!bias) return;
  if (bias.shape.length !== 1 || bias.shape[0] !== channels) {
    fail(what, `bias must have shape [${channels}], got ${formatShape(bias.shape)}`);
  }
}

/** What conv and convTranspose check alike: (x, w[, bias]) of one float dtype, ranks, window attrs. */
function convOperands(
  what: string,
  op: OpOf<'conv'> | OpOf<'convTranspose'>,
  inputs: readonly Value[],
): { x: TensorType; w: TensorType; bias: TensorType | undefined; dtype: DType; n: number } {
  const types = arity(what, inputs, 2, 3);
  const [x, w, bias] = types as [TensorType, TensorType, TensorType | undefined];
  checkDType(what, 'x', x.dtype, 'float');
  const dtype = sameDType(what, types, ['x', 'w', 'bias']);
  checkRank(what, 'x', x, 3, Infinity);
  if (w.shape.length !== x.shape.length) fail(what, `w rank ${w.shape.length} differs from x rank ${x.shape.length}`);
  const n = x.shape.length - 2;
  checkWindowAttrs(what, n, op.strides, op.pads, op.dilations);
  checkInts(what, 'group', [op.group], 1, 1);
  return { x, w, bias, dtype, n };
}

export function inferConv(op: OpOf<'conv'>, inputs: readonly Value[]): TensorType[] {
  const what = 'conv';
  const { x, w, bias, dtype, n } = convOperands(what, op, inputs);
  const c = needNumber(what, 'x channels', x.shape[1]!);
  const m = needNumber(what, 'w output channels', w.shape[0]!);
  const cPerGroup = needNumber(what, 'w input channels', w.shape[1]!);
  if (c % op.group !== 0 || c / op.group !== cPerGroup) {
    fail(what, `x has ${c} channels but w expects ${cPerGroup} per group × group ${op.group}`);
  }
  if (m % op.group !== 0) fail(what, `output channels ${m} are not divisible by group ${op.group}`);
  checkBias(what, bias, m);
  const out = spatialOut(what, x.shape, (input, i) => {
    const k = needNumber(what, `kernel dim ${i}`, w.shape[i + 2]!);
    return convOutputSize(input, k, op.strides[i]!, op.pads[i]!, op.pads[i + n]!, op.dilations[i]!);
  }, (input, i) => {
    const k = needNumber(what, `kernel dim ${i}`, w.shape[i + 2]!);
    return windowOutDim(input, windowExtent(k, op.dilations[i]!), op.strides[i]!, op.pads[i]! + op.pads[i + n]!);
  });
  return [{ dtype, shape: [x.shape[0]!, m, ...out] }];
}

export function inferConvTranspose(op: OpOf<'convTranspose'>, inputs: readonly Value[]): TensorType[] {
  const what = 'convTranspose';
  const { x, w, bias, dtype, n } = convOperands(what, op, inputs);
  checkInts(what, 'outputPadding', op.outputPadding, n, 0);
  op.outputPadding.forEach((p, i) => {
    // Output padding beyond the stride (or dilation) would add rows no input contributes to.
    if (p >= Math.max(op.strides[i]!, op.dilations[i]!)) {
      fail(what, `outputPadding ${p} on axis ${i} must be smaller than stride or dilation`);
    }
  });
  const c = needNumber(what, 'x channels', x.shape[1]!);
  const wc = needNumber(what, 'w input channels', w.shape[0]!);
  if (c !== wc) fail(what, `x has ${c} channels but w has ${wc}`);
  if (c % op.group !== 0) fail(what, `input channels ${c} are not divisible by group ${op.group}`);
  const m = needNumber(what, 'w output channels', w.shape[1]!) * op.group;
  checkBias(what, bias, m);
  const out = spatialOut(what, x.shape, (input, i) => {
    const k = needNumber(what, `kernel dim ${i}`, w.shape[i + 2]!);
    return convTransposeOutputSize(input, k, op.strides[i]!, op.pads[i]!, op.pads[i + n]!, op.dilations[i]!, op.outputPadding[i]!);
  }, (input, i) => {
    const k = needNumber(what, `kernel dim ${i}`, w.shape[i + 2]!);
    const extra = op.outputPadding[i]! + windowExtent(k, op.dilations[i]!) - op.pads[i]! - op.pads[i + n]!;
    return dimAdd(dimMul(op.strides[i]!, dimSub(input, 1)), extra);
  });
  return [{ dtype, shape: [x.shape[0]!, m, ...out] }];
}

export function inferPool(op: OpOf<'pool'>, inputs: readonly Value[]): TensorType[] {
  const what = `pool ${op.type}`;
  const [x] = arity(what, inputs, 1) as [TensorType];
  if (op.type !== 'max' && op.type !== 'avg') fail('pool', `type must be max or avg, got '${String(op.type)}'`);
  // MaxPool also takes 8-bit integers in ONNX; averaging needs a float type.
  checkDType(what, 'x', x.dtype, op.type === 'max' ? 'numeric' : 'float');
  checkRank(what, 'x', x, 3, Infinity);
  const n = x.shape.length - 2;
  checkInts(what, 'kernel', op.kernel, n, 1);
  checkWindowAttrs(what, n, op.strides, op.pads, op.dilations);
  const out = spatialOut(
    what,
    x.shape,
    (input, i) => poolOutputSize(input, op.kernel[i]!, op.strides[i]!, op.pads[i]!, op.pads[i + n]!, op.dilations[i]!, op.ceilMode),
    // ceil mode drops a last window that starts in the padding, which depends on the value.
    op.ceilMode ? undefined : (input, i) => windowOutDim(input, windowExtent(op.kernel[i]!, op.dilations[i]!), op.strides[i]!, op.pads[i]! + op.pads[i + n]!),
  );
  const y: TensorType = { dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...out] };
  if (op.indices === 'none') return [y];
  if (op.indices !== 'rowMajor' && op.indices !== 'colMajor') fail(what, `indices must be none, rowMajor or colMajor, got '${String(op.indices)}'`);
  if (op.type !== 'max') fail(what, 'only max pooling has an indices output');
  return [y, { dtype: 'int64', shape: [...y.shape] }];
}

export function inferBatchNorm(inputs: readonly Value[]): TensorType[] {
  const what = 'batchNorm';
  const types = arity(what, inputs, 5);
  const x = types[0]!;
  checkRank(what, 'x', x, 2, Infinity);
  const roles = ['x', 'scale', 'bias', 'mean', 'var'];
  types.forEach((t, i) => checkDType(what, roles[i]!, t.dtype, 'float'));
  const c = x.shape[1]!;
  for (let i = 1; i < 5; i++) {
    if (!sameShape(types[i]!.shape, [c])) fail(what, `${roles[i]} must have shape [${c}], got ${formatShape(types[i]!.shape)}`);
  }
  return [{ dtype: x.dtype, shape: [...x.shape] }];
}

const COORD_MODES: ReadonlySet<string> = new Set(RESIZE_COORD_MODES);
const NEAREST_MODES = new Set(['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil', 'simple']);

/** Resize (ir/ops.ts): the output has `sizes`; a second input is the ROI or the run-time scales. */
export function inferResize(op: OpOf<'resize'>, inputs: readonly Value[]): TensorType[] {
  const what = 'resize';
  const [x, p] = arity(what, inputs, 1, 2) as [TensorType, TensorType | undefined];
  checkDType(what, 'x', x.dtype, 'numeric');
  if (!['nearest', 'linear', 'cubic'].includes(op.mode)) fail(what, `unknown mode '${op.mode}'`);
  if (!COORD_MODES.has(op.coordMode)) fail(what, `unknown coordMode '${op.coordMode}'`);
  if (!NEAREST_MODES.has(op.nearestMode)) fail(what, `unknown nearestMode '${op.nearestMode}'`);
  const rank = x.shape.length;
  if (op.sizes.length !== rank) fail(what, `sizes must have ${rank} entries, got ${op.sizes.length}`);
  if (op.scales.length !== rank && op.scales.length !== 0) fail(what, `scales must have ${rank} entries (or none: known at run time), got ${op.scales.length}`);
  checkDims(what, 'sizes', op.sizes);
  if (op.scales.some((s) => !(s > 0) || !Number.isFinite(s))) fail(what, `scales must be positive, got [${op.scales.join(', ')}]`);
  if (p) {
    const crop = op.coordMode === 'tf_crop_and_resize';
    const role = crop ? 'roi' : 'scales';
    checkDType(what, role, p.dtype, 'float');
    const want = crop ? 2 * rank : rank;
    if (!sameShape(p.shape, [want])) fail(what, `the ${role} input must have shape [${want}], got ${formatShape(p.shape)}`);
    if (!crop && op.scales.length !== 0) fail(what, 'a scales input needs the scales attribute empty');
  }
  return [{ dtype: x.dtype, shape: [...op.sizes] }];
}
