/**
 * DFT → IR `dft`; STFT → frames (`gather`), window (`binary mul`), then `dft`.
 *
 * ONNX: DFT opset 17 (`axis` attribute, default 1), 20 (`axis` becomes an optional input,
 * default −2); STFT opset 17. Opsets 17 to MAX_OPSET.
 * Types: float signals (float16, float32), real (last dim 1) or complex (last dim 2); the
 * int64 scalars dft_length, axis, frame_step and frame_length must be compile-time constants
 * (they set the output dims).
 * Lowers to: DFT → `dft(axis, length, inverse, onesided)`, the axis normalized (never the
 * component dim) and the length defaulting to the axis size. inverse with onesided — an inverse
 * real FFT in current ONNX (half spectrum in, real signal out) — is rejected as unsupported. STFT(signal (B, L, c), step,
 * window (W)?, frame_length?) → gather(signal, [f·step + j] (F, W), axis 1) → (B, F, W, c),
 * times reshape(window, [W, 1]) when given, then dft(axis 2, length W, onesided) → (B, F, bins, 2),
 * F = 1 + floor((L − W) / step).
 */

import type { ImportContext, OpImporter } from './context.js';
import { importer, makeTensor, staticDim } from './common.js';

function dft(ctx: ImportContext) {
  const x = ctx.input(0, 'input');
  const rank = x.rank;
  let axis: number;
  if (ctx.opset < 20) axis = ctx.getInt('axis', 1);
  else {
    ctx.rejectMovedAttr('axis', 20);
    axis = ctx.hasInput(2) ? ctx.constScalar(2, 'axis') : -2;
  }
  const normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized > rank - 2) {
    ctx.fail(`axis ${axis} must be in [${-rank}, -2] or [0, ${rank - 2}] for an input of rank ${rank} (the last dim holds the components)`);
  }
  const length = ctx.hasInput(1) ? ctx.constScalar(1, 'dft_length') : staticDim(x.type.shape[normalized]!, 'DFT length');
  if (!Number.isInteger(length) || length < 1) ctx.fail(`dft_length must be a positive integer, got ${length}`);
  const inverse = ctx.getInt('inverse', 0) !== 0;
  const onesided = ctx.getInt('onesided', 0) !== 0;
  if (inverse && onesided) ctx.unsupported('inverse with onesided (an inverse real FFT: half spectrum in, real signal out) is not supported');
  return [ctx.addOut1({ kind: 'dft', axis: normalized, length, inverse, onesided }, [x])];
}

function stft(ctx: ImportContext) {
  const signal = ctx.input(0, 'signal');
  if (signal.rank !== 3) ctx.fail(`signal must be (batch, length, 1 or 2), got rank ${signal.rank}`);
  const signalLength = staticDim(signal.type.shape[1]!, 'STFT signal length');
  const step = ctx.constScalar(1, 'frame_step');
  const window = ctx.optionalInput(2);
  let frameLength: number;
  if (window) {
    if (window.rank !== 1) ctx.fail(`window must be 1-D, got rank ${window.rank}`);
    frameLength = staticDim(window.type.shape[0]!, 'STFT window length');
    if (ctx.hasInput(3) && ctx.constScalar(3, 'frame_length') !== frameLength) {
      ctx.fail(`frame_length ${ctx.constScalar(3, 'frame_length')} differs from the window length ${frameLength}`);
    }
  } else if (ctx.hasInput(3)) frameLength = ctx.constScalar(3, 'frame_length');
  else return ctx.fail('needs a window or a frame_length to know the frame size');
  if (!Number.isInteger(step) || step < 1) ctx.fail(`frame_step must be a positive integer, got ${step}`);
  if (!Number.isInteger(frameLength) || frameLength < 1 || frameLength > signalLength) {
    ctx.fail(`the frame length ${frameLength} must be between 1 and the signal length ${signalLength}`);
  }
  const frames = 1 + Math.floor((signalLength - frameLength) / step);
  const positions: number[] = [];
  for (let f = 0; f < frames; f++) for (let j = 0; j < frameLength; j++) positions.push(f * step + j);
  const indices = ctx.constant('frame_indices', makeTensor('int64', [frames, frameLength], positions));
  let framed = ctx.add1({ kind: 'gather', axis: 1 }, [signal, indices]);
  if (window) {
    const column = ctx.add1({ kind: 'reshape', shape: [frameLength, 1] }, [window]);
    framed = ctx.add1({ kind: 'binary', fn: 'mul' }, [framed, column]);
  }
  const op = { kind: 'dft', axis: 2, length: frameLength, inverse: false, onesided: ctx.getInt('onesided', 1) !== 0 } as const;
  return [ctx.addOut1(op, [framed])];
}

export const dftImporters: OpImporter[] = [importer('DFT', dft, 17), importer('STFT', stft, 17)];
