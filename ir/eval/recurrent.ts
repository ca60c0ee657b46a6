/**
 * The reference for the recurrent layer op `rnn` (ONNX RNN, GRU, LSTM): the cell equations of the
 * ONNX operator docs, step by step, in float64, with onnxruntime's conventions where the spec is
 * loose (checked in test/eval/recurrent.test.ts):
 *
 * - sequence lengths: batch entry b runs `seqLens[b]` steps; the reverse direction walks its own
 *   valid prefix backwards (from seqLens[b] − 1 down to 0), not the padded tail. y is zero at the
 *   steps past a length, and yH / yC hold the state after the last valid step — or zeros when
 *   the length is 0 (onnxruntime's choice; the spec leaves it open).
 * - clip bounds every gate's pre-activation (peephole terms included) before its activation; the
 *   cell state itself is not clipped, so LSTM's h(C) sees C as it is.
 * - LSTM input_forget couples the gates: f = 1 − i.
 *
 * Gate blocks in w, r and b follow ONNX: lstm i o f c, gru z r h; p holds the i o f peepholes.
 */

import type { Tensor } from '../graph.js';
import type { Op, RnnActivation } from '../ops.js';
import { describe, float64Data, fromFloat64, requireFloat } from './tensor.js';

type RnnOp = Extract<Op, { kind: 'rnn' }>;

/** One activation function of a cell with its parameters (alpha, beta as the op lists them). */
export function rnnActivation(fn: RnnActivation, alpha: number, beta: number): (x: number) => number {
  switch (fn) {
    case 'relu':
      return (x) => Math.max(0, x);
    case 'tanh':
      return Math.tanh;
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'affine':
      return (x) => alpha * x + beta;
    case 'leakyRelu':
      return (x) => (x >= 0 ? x : alpha * x);
    case 'thresholdedRelu':
      return (x) => (x > alpha ? x : 0);
    case 'scaledTanh':
      return (x) => alpha * Math.tanh(beta * x);
    case 'hardSigmoid':
      return (x) => Math.min(1, Math.max(0, alpha * x + beta));
    case 'elu':
      return (x) => (x >= 0 ? x : alpha * Math.expm1(x));
    case 'softsign':
      return (x) => x / (1 + Math.abs(x));
    case 'softplus':
      // log(1 + e^x) without overflow for large x.
      return (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
    default: {
      const never: never = fn;
      throw new Error(`rnn: unknown activation '${String(never)}'`);
    }
  }
}

/** Computes [y, yH] (rnn, gru) or [y, yH, yC] (lstm) from the canonical inputs. */
export function evalRnn(op: RnnOp, inputs: readonly Tensor[]): Tensor[] {
  const lstm = op.cell === 'lstm';
  const [xT, wT, rT, bT, lensT, h0T] = inputs as Tensor[];
  requireFloat(xT!, 'rnn');
  const [S, B, I] = xT!.dims as [number, number, number];
  const D = op.direction === 'bidirectional' ? 2 : 1;
  const H = op.hiddenSize;
  const G = lstm ? 4 : op.cell === 'gru' ? 3 : 1;
  const GH = G * H;
  const x = float64Data(xT!);
  const w = float64Data(wT!);
  const r = float64Data(rT!);
  const bias = float64Data(bT!);
  const h0 = float64Data(h0T!);
  const c0 = lstm ? float64Data(inputs[6]!) : undefined;
  const p = lstm ? float64Data(inputs[7]!) : undefined;
  const lens = Array.from(lensT!.data as ArrayLike<number>, Number);
  lens.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 0 || n > S) {
      throw new Error(`rnn: seqLens[${b}] = ${n} is outside [0, ${S}] (seqLens ${describe(lensT!)})`);
    }
  });

  const y = new Float64Array(S * D * B * H);
  const yH = new Float64Array(D * B * H);
  const yC = new Float64Array(D * B * H);
  const perDir = op.activations.length / D;
  const clip = (v: number) => Math.min(op.clip, Math.max(-op.clip, v));

  // Scratch per step: gate pre-activations from x (xw) and from h (hr), both with their bias.
  const xw = new Float64Array(GH);
  const hr = new Float64Array(GH);
  const h = new Float64Array(H);
  const c = new Float64Array(H);
  const rh = new Float64Array(H);

  /** out[g] = Σ_k v[k] · m[base + g·K + k] + bias[biasAt + g], g < n (a row-major m[n, K]). */
  const matvec = (out: Float64Array, v: ArrayLike<number>, vAt: number, m: Float64Array, base: number, n: number, K: number, biasAt: number) => {
    for (let g = 0; g < n; g++) {
      let s = bias[biasAt + g]!;
      const row = base + g * K;
      for (let k = 0; k < K; k++) s += v[vAt + k]! * m[row + k]!;
      out[g] = s;
    }
  };

  for (let d = 0; d < D; d++) {
    const reverse = op.direction === 'reverse' || d === 1;
    const act = (j: number) => rnnActivation(op.activations[d * perDir + j]!, op.activationAlpha[d * perDir + j]!, op.activationBeta[d * perDir + j]!);
    const f = act(0);
    const g = perDir > 1 ? act(1) : f;
    const hAct = perDir > 2 ? act(2) : f;
    const wBase = d * GH * I;
    const rBase = d * GH * H;
    const wbAt = d * 2 * GH;
    const rbAt = wbAt + GH;
    for (let b = 0; b < B; b++) {
      const sAt = (d * B + b) * H;
      for (let j = 0; j < H; j++) {
        h[j] = h0[sAt + j]!;
        c[j] = c0 ? c0[sAt + j]! : 0;
      }
      const len = lens[b]!;
      for (let s = 0; s < len; s++) {
        const t = reverse ? len - 1 - s : s;
        matvec(xw, x, (t * B + b) * I, w, wBase, GH, I, wbAt);
        // GRU without linear_before_reset multiplies r ⊙ h into Rh, so h·Rhᵀ is not needed then.
        const hGates = op.cell === 'gru' && !op.linearBeforeReset ? 2 * H : GH;
        matvec(hr, h, 0, r, rBase, hGates, H, rbAt);
        switch (op.cell) {
          case 'rnn':
            for (let j = 0; j < H; j++) h[j] = f(clip(xw[j]! + hr[j]!));
            break;
          case 'gru': {
            const z = (j: number) => f(clip(xw[j]! + hr[j]!));
            const rg = (j: number) => f(clip(xw[H + j]! + hr[H + j]!));
            if (op.linearBeforeReset) {
              for (let j = 0; j < H; j++) {
                const hh = g(clip(xw[2 * H + j]! + rg(j) * hr[2 * H + j]!));
                const zj = z(j);
                rh[j] = (1 - zj) * hh + zj * h[j]!;
              }
            } else {
              for (let j = 0; j < H; j++) rh[j] = rg(j) * h[j]!;
              // (r ⊙ h)·Rhᵀ + Rbh, into hr's h block.
              for (let j = 0; j < H; j++) {
                let acc = bias[rbAt + 2 * H + j]!;
                const row = rBase + (2 * H + j) * H;
                for (let k = 0; k < H; k++) acc += rh[k]! * r[row + k]!;
                hr[2 * H + j] = acc;
              }
              for (let j = 0; j < H; j++) {
                const hh = g(clip(xw[2 * H + j]! + hr[2 * H + j]!));
                const zj = z(j);
                rh[j] = (1 - zj) * hh + zj * h[j]!;
              }
            }
            h.set(rh);
            break;
          }
          case 'lstm': {
            const pAt = d * 3 * H;
            for (let j = 0; j < H; j++) {
              const cPrev = c[j]!;
              const i = f(clip(xw[j]! + hr[j]! + p![pAt + j]! * cPrev));
              const fg = op.inputForget ? 1 - i : f(clip(xw[2 * H + j]! + hr[2 * H + j]! + p![pAt + 2 * H + j]! * cPrev));
              const cc = g(clip(xw[3 * H + j]! + hr[3 * H + j]!));
              const cNew = fg * cPrev + i * cc;
              const o = f(clip(xw[H + j]! + hr[H + j]! + p![pAt + H + j]! * cNew));
              c[j] = cNew;
              rh[j] = o * hAct(cNew);
            }
            h.set(rh);
            break;
          }
          default: {
            const never: never = op.cell;
            throw new Error(`rnn: unknown cell '${String(never)}'`);
          }
        }
        y.set(h, ((t * D + d) * B + b) * H);
      }
      // A zero-length entry leaves yH / yC at zero rather than h0 / c0 (see the header).
      if (len > 0) {
        yH.set(h, sAt);
        yC.set(c, sAt);
      }
    }
  }
  const dtype = xT!.dtype;
  const out = [fromFloat64(dtype, [S, D, B, H], y), fromFloat64(dtype, [D, B, H], yH)];
  if (lstm) out.push(fromFloat64(dtype, [D, B, H], yC));
  return out;
}
