/**
 * Scaled dot-product attention on the host: y = softmax(scale · q·kᵀ + mask) · v.
 *
 * The `attention` op is not an ONNX op; src/passes recognizes it from the decomposed graph, and
 * this reference is what proves the recognition right (the optimizer's tests run both graphs).
 * Both layouts share one loop: the unpacked form (heads = 0) is the packed form with one head,
 * since [..., S, D] is [..., S, 1·D]. The softmax subtracts the row maximum as `softmax` does, so
 * a row whose keys are all masked with −∞ yields NaN in both.
 */

import type { Tensor } from '../graph.js';
import type { Op } from '../ops.js';
import { formatShape } from '../shape.js';
import { forEachBroadcastRow } from './broadcast.js';
import { describe, float64Data, fromFloat64, requireFloat, sizeOf } from './tensor.js';

type AttentionOp = Extract<Op, { kind: 'attention' }>;

/** `t` broadcast one way to `dims`, as a contiguous Float64Array. */
function broadcastMask(t: Tensor, dims: readonly number[]): Float64Array {
  if (t.dims.length > dims.length) throw new Error(`attention mask ${describe(t)} has a higher rank than the scores ${formatShape(dims)}`);
  t.dims.forEach((d, i) => {
    const target = dims[dims.length - t.dims.length + i]!;
    if (d !== 1 && d !== target) throw new Error(`attention mask ${describe(t)} does not broadcast to the scores ${formatShape(dims)}`);
  });
  const src = float64Data(t);
  const out = new Float64Array(sizeOf(dims));
  forEachBroadcastRow(dims, [t.dims], (start, len, offs, steps) => {
    for (let i = 0, j = offs[0]!; i < len; i++, j += steps[0]!) out[start + i] = src[j]!;
  });
  return out;
}

export function evalAttention(op: AttentionOp, q: Tensor, k: Tensor, v: Tensor, mask?: Tensor): Tensor {
  requireFloat(q, 'attention');
  const rank = q.dims.length;
  if (rank < 2 || k.dims.length !== rank || v.dims.length !== rank) {
    throw new Error(`attention needs q, k, v of one rank ≥ 2, got ${describe(q)}, ${describe(k)}, ${describe(v)}`);
  }
  const lead = q.dims.slice(0, -2);
  const [s, qd] = q.dims.slice(-2) as [number, number];
  const [t, kd] = k.dims.slice(-2) as [number, number];
  const [tv, vd] = v.dims.slice(-2) as [number, number];
  const sameLead = (dims: readonly number[]) => dims.slice(0, -2).every((x, i) => x === lead[i]);
  if (!sameLead(k.dims) || !sameLead(v.dims) || qd !== kd || t !== tv) {
    throw new Error(`attention operands do not agree: q ${describe(q)}, k ${describe(k)}, v ${describe(v)}`);
  }
  const h = Math.max(op.heads, 1);
  if (qd % h !== 0 || vd % h !== 0) throw new Error(`attention: last dims ${qd} and ${vd} do not split into ${h} heads`);
  const d = qd / h;
  const dv = vd / h;
  const batch = sizeOf(lead);
  const qv = float64Data(q);
  const kv = float64Data(k);
  const vv = float64Data(v);
  // Scores are laid out [batch, h, s, t]; the unpacked form's mask target has no head axis, which
  // is the same layout when h = 1.
  const maskDims = op.heads > 0 ? [...lead, h, s, t] : [...lead, s, t];
  const m = mask ? broadcastMask(mask, maskDims) : undefined;
  const out = new Float64Array(batch * s * vd);
  const row = new Float64Array(t);
  for (let b = 0; b < batch; b++) {
    for (let hh = 0; hh < h; hh++) {
      for (let i = 0; i < s; i++) {
        const qBase = (b * s + i) * qd + hh * d;
        const mBase = ((b * h + hh) * s + i) * t;
        let max = -Infinity;
        for (let j = 0; j < t; j++) {
          const kBase = (b * t + j) * qd + hh * d;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += qv[qBase + c]! * kv[kBase + c]!;
          const x = op.scale * dot + (m ? m[mBase + j]! : 0);
          row[j] = x;
          if (x > max) max = x;
        }
        let sum = 0;
        for (let j = 0; j < t; j++) {
          row[j] = Math.exp(row[j]! - max);
          sum += row[j]!;
        }
        const oBase = (b * s + i) * vd + hh * dv;
        for (let j = 0; j < t; j++) {
          const p = row[j]! / sum;
          const vBase = (b * t + j) * vd + hh * dv;
          for (let c = 0; c < dv; c++) out[oBase + c] += p * vv[vBase + c]!;
        }
      }
    }
  }
  return fromFloat64(q.dtype, [...lead, s, vd], out);
}
