/**
 * BatchNormalization at inference is a per-channel affine map, y = x·k + shift with
 * k = scale / √(var + ε) and shift = bias − mean·k. It folds into the weights of a preceding
 * conv / convTranspose (output channel = axis 1) or of a 2-d matmul (Gemm: output column = axis 1)
 * whose output nothing else reads; a lone one becomes a multiply and an add by constants, which
 * the fusion stage merges into its neighbours. All parameters must be constants; the folded
 * weights are new constants (the originals may be shared), computed in float64, rounded once.
 */

import type { Node, Tensor, Value } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import { fromFloat64, float64Data } from '../../ir/eval/tensor.js';
import { isFloat } from '../../ir/dtype.js';
import type { OpOf } from './graph-edit.js';
import { rulePass } from './pass.js';
import { c, op, rule, v, type Builder, type Match } from './rewrite.js';

interface Affine {
  k: Float64Array;
  shift: Float64Array;
}

/** The batchNorm's per-channel k and shift, when its parameters are constants of C elements. */
function affineOf(bn: Node): Affine | undefined {
  if (bn.op.kind !== 'batchNorm') return undefined;
  const x = bn.inputs[0]!;
  const channels = x.type.shape[1];
  if (!isFloat(x.type.dtype) || typeof channels !== 'number') return undefined;
  const params = bn.inputs.slice(1).map((p) => p.data);
  if (params.some((t) => !t || t.data.length !== channels)) return undefined;
  const [scale, bias, mean, variance] = params.map((t) => float64Data(t!)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  const k = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let i = 0; i < channels; i++) {
    k[i] = scale[i]! / Math.sqrt(variance[i]! + bn.op.epsilon);
    shift[i] = bias[i]! - mean[i]! * k[i]!;
  }
  return { k, shift };
}

/** `w` with each block of `block` elements scaled by k[channel(blockIndex)]. */
function scaleBlocks(w: Tensor, block: number, channel: (blockIndex: number) => number, k: Float64Array): Tensor {
  const src = float64Data(w);
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! * k[channel(Math.floor(i / block))]!;
  return fromFloat64(w.dtype, w.dims, out);
}

/** shift + k·bias (bias absent = 0), the folded per-channel bias. */
function foldedBias(a: Affine, dtype: Tensor['dtype'], bias: Tensor | undefined): Tensor {
  const b = bias ? float64Data(bias) : undefined;
  const out = a.shift.map((s, i) => s + (b ? b[i]! * a.k[i]! : 0));
  return fromFloat64(dtype, [out.length], out);
}

/** The conv-like producer's weight, bias (constants) and the batchNorm's affine map, if foldable. */
function parts(m: Match): { conv: Node; w: Tensor; bias?: Tensor; a: Affine } | undefined {
  const conv = m.node('conv');
  const a = affineOf(m.root);
  const w = conv.inputs[1]!.data;
  const bias = conv.inputs[2];
  if (!a || !w || (bias && !bias.data)) return undefined;
  return { conv, w, bias: bias?.data, a };
}

function foldIntoConv(m: Match, b: Builder): Value | undefined {
  const p = parts(m);
  if (!p) return undefined;
  const per = p.w.data.length / p.w.dims[0]!;
  const w = scaleBlocks(p.w, per, (o) => o, p.a.k);
  return b.add(p.conv.op, [p.conv.inputs[0]!, b.constant(w), b.constant(foldedBias(p.a, p.w.dtype, p.bias))]);
}

function foldIntoConvTranspose(m: Match, b: Builder): Value | undefined {
  const p = parts(m);
  if (!p || p.conv.op.kind !== 'convTranspose') return undefined;
  // w is [C, M/group, k…]: input channel ci of group ci / (C/group) feeds outputs g·(M/group) + j.
  const [cin, mg] = p.w.dims as [number, number];
  const cg = cin / p.conv.op.group;
  const per = p.w.data.length / (cin * mg);
  const channel = (blk: number) => Math.floor(Math.floor(blk / mg) / cg) * mg + (blk % mg);
  const w = scaleBlocks(p.w, per, channel, p.a.k);
  return b.add(p.conv.op, [p.conv.inputs[0]!, b.constant(w), b.constant(foldedBias(p.a, p.w.dtype, p.bias))]);
}

function foldIntoMatmul(m: Match, b: Builder): Value | undefined {
  const mm = m.node('conv');
  const o = mm.op as OpOf<'matmul'>;
  const a = affineOf(m.root);
  const w = mm.inputs[1]!.data;
  const cIn = mm.inputs[2];
  // Only a 2-d product has its columns on axis 1.
  if (!a || !w || w.dims.length !== 2 || mm.inputs[0]!.rank !== 2 || (cIn && !cIn.data)) return undefined;
  const cols = w.dims[1]!;
  // b is [K, M] (columns are channels) or, with transB, [M, K] (rows are).
  const wk = o.transB ? scaleBlocks(w, cols, (r) => r, a.k) : scaleBlocks(w, 1, (i) => i % cols, a.k);
  const dtype = w.dtype;
  // c' = beta·c·k + shift, broadcast as c was.
  let cNew = fromFloat64(dtype, [a.shift.length], a.shift);
  if (cIn) {
    const betaK = fromFloat64(dtype, [a.k.length], a.k.map((k) => k * o.beta));
    const scaled = evaluate({ kind: 'binary', fn: 'mul' }, [cIn.data!, betaK])[0]!;
    cNew = evaluate({ kind: 'binary', fn: 'add' }, [scaled, cNew])[0]!;
  }
  return b.add({ ...o, beta: 1 }, [mm.inputs[0]!, b.constant(wk), b.constant(cNew)]);
}

/** A lone batchNorm: x·k + shift with k and shift shaped [C, 1, …] to broadcast over axis 1. */
function toScaleShift(m: Match, b: Builder): Value | undefined {
  const a = affineOf(m.root);
  const x = m.value('x');
  if (!a) return undefined;
  const dims = [a.k.length, ...Array<number>(x.rank - 2).fill(1)];
  const k = b.constant(fromFloat64(x.type.dtype, dims, a.k));
  const shift = b.constant(fromFloat64(x.type.dtype, dims, a.shift));
  return b.add({ kind: 'binary', fn: 'add' }, [b.add({ kind: 'binary', fn: 'mul' }, [x, k]), shift]);
}

const params = [c(), c(), c(), c()];
const producer = (kind: 'conv' | 'convTranspose' | 'matmul') => op(kind, undefined, { name: 'conv', oneUse: true });

export const BATCHNORM_RULES = [
  // batchNorm(conv(x, w, b)) → conv(x, w·k, b·k + shift)
  rule(op('batchNorm', [producer('conv'), ...params]), foldIntoConv),
  // batchNorm(convTranspose(x, w, b)) → convTranspose(x, w·k, b·k + shift)
  rule(op('batchNorm', [producer('convTranspose'), ...params]), foldIntoConvTranspose),
  // batchNorm(matmul(a, w, c)) → matmul(a, w·k, beta·c·k + shift) for a 2-d product
  rule(op('batchNorm', [producer('matmul'), ...params]), foldIntoMatmul),
  // batchNorm(x) → x·k + shift
  rule(op('batchNorm', [v('x'), ...params]), toScaleShift),
];

export const foldBatchNormPass = rulePass('fold-batchnorm', 'fold batchNorm into conv/convTranspose/matmul weights, or into a scale and shift', BATCHNORM_RULES);
