/**
 * Bias fusion: an Add of a constant after a matmul (or a conv) moves into the op's own bias
 * input, where the kernel adds it while writing its output — exporters emit Linear as MatMul + Add
 * whenever the input has more than two dims. Only constant addends move: a computed addend (a
 * residual connection) is an epilogue for the fusion stage, not a bias.
 */

import type { Value } from '../../ir/graph.js';
import { evaluate } from '../../ir/eval/index.js';
import { float64Data, fromFloat64 } from '../../ir/eval/tensor.js';
import { broadcastsInto, sameType, type OpOf } from './graph-edit.js';
import { rulePass } from './pass.js';
import { binary, c, op, rule, v, type Builder, type Match, type Pattern } from './rewrite.js';

/** The add's output is the producer's (the bias does not broadcast it larger). */
function keepsType(m: Match): boolean {
  return sameType(m.root.outputs[0]!.type, m.value('mm').type);
}

function matmulBias(m: Match, b: Builder): Value | undefined {
  if (!keepsType(m)) return undefined;
  const o = m.node('mm').op as OpOf<'matmul'>;
  return b.add({ ...o, beta: 1 }, [m.value('a'), m.value('b'), m.value('bias')]);
}

function matmulBiasMerge(m: Match, b: Builder): Value | undefined {
  const o = m.node('mm').op as OpOf<'matmul'>;
  const out = m.value('mm').type;
  const bias = m.value('bias');
  const c0 = m.value('c0');
  if (!keepsType(m) || !broadcastsInto(bias.type.shape, out.shape)) return undefined;
  const beta = fromFloat64(c0.type.dtype, [], [o.beta]);
  const scaled = evaluate({ kind: 'binary', fn: 'mul' }, [c0.data!, beta])[0]!;
  const merged = evaluate({ kind: 'binary', fn: 'add' }, [scaled, bias.data!])[0]!;
  if (!broadcastsInto(merged.dims, out.shape)) return undefined;
  return b.add({ ...o, beta: 1 }, [m.value('a'), m.value('b'), b.constant(merged)]);
}

/** conv(x, w, b) + d, d constant and constant along every axis but the channels (axis 1). */
function convBias(m: Match, b: Builder): Value | undefined {
  const conv = m.node('mm');
  const out = m.value('mm').type;
  const d = m.value('bias');
  const channels = out.shape[1];
  if (!keepsType(m) || typeof channels !== 'number' || d.rank > out.shape.length) return undefined;
  // d's dims align to the output's trailing dims; all must be 1 except the one on axis 1.
  const off = out.shape.length - d.rank;
  if (!d.type.shape.every((n, i) => n === 1 || i + off === 1)) return undefined;
  const dv = float64Data(d.data!);
  const old = conv.inputs[2]?.data ? float64Data(conv.inputs[2].data) : undefined;
  if (conv.inputs[2] && !old) return undefined;
  const sum = new Float64Array(channels).map((_, ch) => (old ? old[ch]! : 0) + dv[dv.length === 1 ? 0 : ch]!);
  const bias = b.constant(fromFloat64(out.dtype, [channels], sum));
  return b.add(conv.op, [conv.inputs[0]!, conv.inputs[1]!, bias]);
}

const mm = (inputs: Pattern[]) => op('matmul', inputs, { name: 'mm', oneUse: true });

export const BIAS_RULES = [
  // matmul(a, b) + bias → matmul(a, b, bias) {beta = 1}
  rule(binary('add', mm([v('a'), v('b')]), c('bias')), matmulBias),
  // matmul(a, b, c0) + bias → matmul(a, b, beta·c0 + bias) {beta = 1}
  rule(binary('add', mm([v('a'), v('b'), c('c0')]), c('bias')), matmulBiasMerge),
  // conv(x, w, b) + d[1, C, 1, 1] → conv(x, w, b + d)
  rule(binary('add', op('conv', undefined, { name: 'mm', oneUse: true }), c('bias')), convBias),
  rule(binary('add', op('convTranspose', undefined, { name: 'mm', oneUse: true }), c('bias')), convBias),
];

export const fuseBiasPass = rulePass('fuse-bias', 'move constant adds after matmul/conv into their bias input', BIAS_RULES);
