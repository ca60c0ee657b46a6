/**
 * Recognition of multi-head attention: softmax(scale · Q·Kᵀ [+ mask]) · V becomes one
 * `attention` op, and the exporters' head split and merge around it (reshape to [..., S, H, D],
 * transpose heads forward; transpose back, reshape) fold into its packed-heads form.
 *
 * The core rule starts at the final MatMul and walks up the scores: scalar Mul/Div anywhere on
 * the chain (on the scores, on Q, on Kᵀ) multiply into `scale`; one additive mask (an Add whose
 * other side does not lead to the Q·Kᵀ MatMul) or one Where(cond, −inf, scores) becomes the
 * op's additive mask (a Where keeps its exact meaning only with −inf as the fill). Kᵀ is usually
 * a transpose of the key heads; it is re-expressed as a transpose producing K itself, which then
 * merges with the head-split transpose.
 *
 * The packing rule starts at the transpose after an unpacked attention and fires when Q, K and V
 * are all head splits of the same H and the output is merged back the same way.
 */

import type { Node, Value } from '../../ir/graph.js';
import { isFloat } from '../../ir/dtype.js';
import { normalizePerm } from '../../ir/infer.js';
import { broadcastsInto, isIdentityPerm, sameDims, scalarValue, useCounts, type OpOf } from './graph-edit.js';
import { rulePass } from './pass.js';
import { op, rule, v, type Builder, type Match } from './rewrite.js';

/** Single-reader Mul/Div by scalar constants peeled off `x`: the base value and their product. */
function peelScale(x: Value, uses: Map<Value, number>): { base: Value; scale: number } {
  let scale = 1;
  for (;;) {
    const p = x.producer;
    if (!p || p.op.kind !== 'binary' || uses.get(x) !== 1) break;
    const [a, b] = p.inputs as [Value, Value];
    const [sa, sb] = [scalarValue(a), scalarValue(b)];
    if (p.op.fn === 'mul' && (sa !== undefined || sb !== undefined)) {
      scale *= sb ?? sa!;
      x = sb !== undefined ? a : b;
    } else if (p.op.fn === 'div' && sb !== undefined && sa === undefined) {
      scale /= sb;
      x = a;
    } else break;
  }
  return { base: x, scale };
}

function plainMatmul(n: Node | undefined): n is Node & { op: OpOf<'matmul'> } {
  return n?.op.kind === 'matmul' && n.inputs.length === 2 && !n.op.transA;
}

/** A swap of axes i and j in a permutation of `rank`. */
function swapPerm(rank: number, i: number, j: number): number[] {
  const p = [...Array(rank).keys()];
  [p[i], p[j]] = [p[j]!, p[i]!];
  return p;
}

type MaskSource = { kind: 'add'; value: Value; scale: number } | { kind: 'where'; cond: Value; fillFirst: boolean };

function recognizeAttention(m: Match, b: Builder): Value | undefined {
  const uses = useCounts(b.graph);
  const root = m.root as Node & { op: OpOf<'matmul'> };
  const sm = m.node('sm') as Node & { op: OpOf<'softmax'> };
  const val = root.inputs[1]!;
  if (root.op.transB || root.op.alpha !== 1 || root.inputs.length !== 2 || sm.op.log) return undefined;
  const scoresType = sm.outputs[0]!.type;
  const rank = scoresType.shape.length;
  if (rank < 2 || sm.op.axis !== rank - 1 || !isFloat(scoresType.dtype)) return undefined;

  // Walk up from the softmax input to the Q·Kᵀ MatMul.
  let s = sm.inputs[0]!;
  let scale = 1;
  let mask: MaskSource | undefined;
  let mm: (Node & { op: OpOf<'matmul'> }) | undefined;
  for (let step = 0; step < 8 && !mm; step++) {
    const p = s.producer;
    if (!p || uses.get(s) !== 1) return undefined;
    if (plainMatmul(p)) {
      mm = p;
      break;
    }
    const peeled = peelScale(s, uses);
    if (peeled.base !== s) {
      scale *= peeled.scale;
      s = peeled.base;
      continue;
    }
    if (p.op.kind === 'binary' && p.op.fn === 'add' && !mask) {
      const [a, c] = p.inputs as [Value, Value];
      const leads = (x: Value) => plainMatmul(peelScale(x, uses).base.producer);
      const [scores, addend] = leads(a) ? [a, c] : leads(c) ? [c, a] : [undefined, undefined];
      if (!scores || !addend || !broadcastsInto(addend.type.shape, scoresType.shape)) return undefined;
      mask = { kind: 'add', value: addend, scale };
      s = scores;
    } else if (p.op.kind === 'where' && !mask && scale > 0) {
      const [cond, t, f] = p.inputs as [Value, Value, Value];
      const fillFirst = scalarValue(t) === -Infinity;
      if (!fillFirst && scalarValue(f) !== -Infinity) return undefined;
      if (!broadcastsInto(cond.type.shape, scoresType.shape)) return undefined;
      mask = { kind: 'where', cond, fillFirst };
      s = fillFirst ? f : t;
    } else return undefined;
  }
  if (!mm || !sameDims(mm.outputs[0]!.type.shape, scoresType.shape)) return undefined;
  scale *= mm.op.alpha;
  const q = peelScale(mm.inputs[0]!, uses);
  const kt = peelScale(mm.inputs[1]!, uses);
  scale *= q.scale * kt.scale;
  if (!Number.isFinite(scale) || q.base.rank !== rank || kt.base.rank !== rank || val.rank !== rank) return undefined;

  // K itself ([..., T, D]): Kᵀ's own operand under transB, else a transpose of it.
  const sw = swapPerm(rank, rank - 2, rank - 1);
  let k: Value;
  if (mm.op.transB) k = kt.base;
  else {
    const t = kt.base.producer;
    const from = t?.op.kind === 'transpose' ? t.inputs[0]! : kt.base;
    const p = t?.op.kind === 'transpose' ? normalizePerm(t.op.perm, rank) : [...Array(rank).keys()];
    const perm = sw.map((i) => p[i]!);
    k = isIdentityPerm(perm) ? from : b.add({ kind: 'transpose', perm }, [from]);
  }
  const lead = q.base.type.shape.slice(0, -2);
  if (!sameDims(k.type.shape.slice(0, -2), lead) || !sameDims(val.type.shape.slice(0, -2), lead)) return undefined;

  const dtype = scoresType.dtype;
  let maskValue: Value | undefined;
  if (mask?.kind === 'add') {
    if (mask.value.type.dtype !== dtype) return undefined;
    maskValue = mask.scale === 1 ? mask.value : b.add({ kind: 'binary', fn: 'mul' }, [mask.value, b.scalar(mask.scale, dtype)]);
  } else if (mask?.kind === 'where') {
    const [ninf, zero] = [b.scalar(-Infinity, dtype), b.scalar(0, dtype)];
    maskValue = b.add({ kind: 'where' }, mask.fillFirst ? [mask.cond, ninf, zero] : [mask.cond, zero, ninf]);
  }
  const inputs = [q.base, k, val, ...(maskValue ? [maskValue] : [])];
  return b.add({ kind: 'attention', heads: 0, scale }, inputs);
}

interface HeadSplit {
  /** The tensor before the split, viewed as [...lead, S, H·D] once packed. */
  x: Value;
  lead: (number | string)[];
  seq: number | string;
  heads: number;
  width: number;
}

/** `val` = transpose(reshape(x, [...lead, S, H, D]), heads forward), or undefined. */
function headSplit(val: Value): HeadSplit | undefined {
  const t = val.producer;
  const r = val.rank;
  if (t?.op.kind !== 'transpose' || normalizePerm(t.op.perm, r).join() !== swapPerm(r, r - 3, r - 2).join()) return undefined;
  const rs = t.inputs[0]!.producer;
  if (rs?.op.kind !== 'reshape') return undefined;
  const shape = t.inputs[0]!.type.shape;
  const [seq, heads, width] = shape.slice(-3) as [number | string, number | string, number | string];
  if (typeof heads !== 'number' || typeof width !== 'number') return undefined;
  return { x: rs.inputs[0]!, lead: shape.slice(0, -3), seq, heads, width };
}

function packHeads(m: Match, b: Builder): Value | undefined {
  const att = m.node('att');
  const o = att.op as OpOf<'attention'>;
  const r = att.outputs[0]!.rank;
  if (r < 3 || normalizePerm(m.op('transpose').perm, r).join() !== swapPerm(r, r - 3, r - 2).join()) return undefined;
  const splits = att.inputs.slice(0, 3).map(headSplit);
  const [q, k, v] = splits;
  if (!q || !k || !v || splits.some((s) => s!.heads !== q.heads || !sameDims(s!.lead, q.lead))) return undefined;
  const packed = (s: HeadSplit) => {
    const shape = [...s.lead, s.seq, s.heads * s.width];
    return sameDims(s.x.type.shape, shape) ? s.x : b.add({ kind: 'reshape', shape }, [s.x]);
  };
  const mask = att.inputs[3];
  const y = b.add({ kind: 'attention', heads: q.heads, scale: o.scale }, [packed(q), packed(k), packed(v), ...(mask ? [mask] : [])]);
  return b.add({ kind: 'reshape', shape: [...m.root.outputs[0]!.type.shape] }, [y]);
}

export const ATTENTION_RULES = [
  // softmax(scale · q·kᵀ [+ mask]) · v → attention(q, k, v, mask)
  rule(op('matmul', [op('softmax', undefined, { name: 'sm', oneUse: true }), v('v')]), recognizeAttention),
  // merge(attention(split(q), split(k), split(v))) → attention{heads = H}(q, k, v)
  rule(op('transpose', [op('attention', undefined, { name: 'att', oneUse: true, test: (a) => a.heads === 0 })]), packHeads),
];

export const recognizeAttentionPass = rulePass('recognize-attention', 'recognize scaled dot-product attention and fold its head split/merge', ATTENTION_RULES);
