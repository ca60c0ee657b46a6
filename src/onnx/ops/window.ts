/**
 * Signal-processing constants → `range` and elementwise math (folded into constants at import
 * when the inputs are constants, as they are in real models; a window size given as a graph
 * input is a symbol bound per run from its value; a size computed at run time gives an output
 * whose length depends on data).
 *
 * ONNX (opset 17 to MAX_OPSET):
 * - HannWindow, HammingWindow, BlackmanWindow: w[n] = a0 − a1·cos(τn/N) + a2·cos(2τn/N) for
 *   n in [0, size), N = size (`periodic` = 1, the default) or size − 1. Computed in float32
 *   exactly as the ONNX function bodies do (τ, a0, a1, a2 as float32 constants), then cast to
 *   `output_datatype` (default float32). `size`: int32/int64 scalar.
 *   Lowers to: `cast`, `range` (float; `arange` of a symbolic size), `mul`, `cos`, `sub`/`add`, `cast`.
 * - MelWeightMatrix: the [dft_length/2 + 1, num_mel_bins] matrix of triangular mel filters, as
 *   the ONNX reference defines it: num_mel_bins + 2 points evenly spaced in mel between the edge
 *   frequencies (mel = 2595·log10(1 + hz/700)), each mapped back to an FFT bin
 *   ⌊(dft_length + 1)·hz / sample_rate⌋; filter i rises linearly from bin[i] to bin[i+1] and
 *   falls to bin[i+2]. Computed in float64 like the reference (so constant inputs fold exactly;
 *   inputs computed at run time leave float64 ops, which only the CPU evaluator runs), then cast
 *   to `output_datatype`.
 *   Lowers to: `range`, `gather`, elementwise math and `where` over a [bins, mels] grid.
 */

import type { Value } from '../../../ir/graph.js';
import { dtypeFromCode } from './cast.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { importer } from './common.js';
import { binary, castTo, reshapeTo, scalarOf, unaryOf, where } from './lowering.js';

/** [a0, a1, a2] of each window, as the ONNX function bodies write them (float32 constants). */
const COEFFICIENTS: Record<string, [number, number, number]> = {
  HannWindow: [0.5, 0.5, 0],
  HammingWindow: [0.54347826087, 0.45652173913, 0],
  BlackmanWindow: [0.42, 0.5, 0.08],
};

/** A scalar (or one-element) input as a 0-d value. */
function scalarInput(ctx: ImportContext, index: number, what: string): Value {
  const v = ctx.input(index, what);
  if (!v.type.shape.every((d) => d === 1)) ctx.fail(`input '${what}' must be a scalar, got shape [${v.type.shape.join(', ')}]`);
  return reshapeTo(ctx, v, []);
}

function window(opType: string) {
  const [a0, a1, a2] = COEFFICIENTS[opType]!;
  return (ctx: ImportContext): ImportResult => {
    // A size given as a graph input is a symbol bound per run: the length of an input-free arange.
    const known = ctx.knownDims(0)?.[0];
    const size = scalarInput(ctx, 0, 'size');
    if (size.type.dtype !== 'int32' && size.type.dtype !== 'int64') ctx.fail(`size must be int32 or int64, got ${size.type.dtype}`);
    const out = dtypeFromCode(ctx, ctx.getInt('output_datatype', 1), "attribute 'output_datatype'");
    const periodic = ctx.getInt('periodic', 1) !== 0;
    const f = (label: string, v: number) => scalarOf(ctx, label, 'float32', v);

    const sizeF = castTo(ctx, size, 'float32');
    const n =
      typeof known === 'string'
        ? ctx.add1({ kind: 'arange', start: 0, delta: 1, length: known, dtype: 'float32' }, [])
        : ctx.add1({ kind: 'range' }, [f('zero', 0), sizeF, f('one', 1)]);
    const denominator = periodic ? sizeF : binary(ctx, 'sub', sizeF, f('one', 1));
    const angle = binary(ctx, 'mul', n, binary(ctx, 'div', f('tau', 2 * Math.PI), denominator));
    let w = binary(ctx, 'sub', f('a0', a0), binary(ctx, 'mul', f('a1', a1), unaryOf(ctx, 'cos', angle)));
    if (a2 !== 0) {
      const twice = binary(ctx, 'mul', angle, f('two', 2));
      w = binary(ctx, 'add', w, binary(ctx, 'mul', f('a2', a2), unaryOf(ctx, 'cos', twice)));
    }
    return [ctx.addOut1({ kind: 'cast', to: out }, [w])];
  };
}

function melWeightMatrix(ctx: ImportContext): ImportResult {
  const out = dtypeFromCode(ctx, ctx.getInt('output_datatype', 1), "attribute 'output_datatype'");
  const [mels, dftLength, sampleRate, lowHz, highHz] = ['num_mel_bins', 'dft_length', 'sample_rate', 'lower_edge_hertz', 'upper_edge_hertz'].map(
    (what, i) => castTo(ctx, scalarInput(ctx, i, what), 'float64'),
  ) as [Value, Value, Value, Value, Value];
  const d = (label: string, v: number) => scalarOf(ctx, label, 'float64', v);
  const add = (a: Value, b: Value) => binary(ctx, 'add', a, b);
  const sub = (a: Value, b: Value) => binary(ctx, 'sub', a, b);
  const mul = (a: Value, b: Value) => binary(ctx, 'mul', a, b);
  const div = (a: Value, b: Value) => binary(ctx, 'div', a, b);
  const range = (start: Value, limit: Value) => ctx.add1({ kind: 'range' }, [start, limit, d('one', 1)]);

  // Mel scale: 2595·log10(1 + hz/700); back: 700·(10^(mel/2595) − 1).
  const toMel = (hz: Value) => mul(d('mel_scale', 2595), div(unaryOf(ctx, 'log', add(d('one', 1), div(hz, d('hz_scale', 700)))), d('ln10', Math.LN10)));
  const lowMel = toMel(lowHz);
  const points = add(mels, d('two', 2));
  // The reference divides the mel span by the number of points (num_mel_bins + 2), not the gaps.
  const step = div(sub(toMel(highHz), lowMel), points);
  const mel = add(mul(range(d('zero', 0), points), step), lowMel);
  const hz = mul(d('hz_scale', 700), sub(binary(ctx, 'pow', d('ten', 10), div(mel, d('mel_scale', 2595))), d('one', 1)));
  const bins = unaryOf(ctx, 'floor', div(mul(add(dftLength, d('one', 1)), hz), sampleRate));

  // Left, center and right bins of each filter i: bins[i], bins[i + 1], bins[i + 2] (row vectors).
  const i = castTo(ctx, range(d('zero', 0), mels), 'int64');
  const at = (offset: number) => ctx.add1({ kind: 'gather', axis: 0 }, [bins, binary(ctx, 'add', i, scalarOf(ctx, `offset${offset}`, 'int64', offset))]);
  const [left, center, right] = [at(0), at(1), at(2)];
  // FFT bins j as a column: [dft_length/2 + 1, 1].
  const spectrogramBins = add(unaryOf(ctx, 'floor', div(dftLength, d('two', 2))), d('one', 1));
  const jRow = range(d('zero', 0), spectrogramBins);
  const j = reshapeTo(ctx, jRow, [jRow.type.shape[0]!, 1]);

  const rise = sub(center, left);
  const fall = sub(right, center);
  const zero = d('zero', 0);
  const le = (a: Value, b: Value) => binary(ctx, 'lessOrEqual', a, b);
  const and = (a: Value, b: Value) => binary(ctx, 'and', a, b);
  // Rising edge: (j − left)/rise on [left, center], or a single 1 at center when rise = 0.
  const onRise = and(le(left, j), le(j, center));
  const riseValue = where(ctx, binary(ctx, 'equal', rise, zero), castTo(ctx, binary(ctx, 'equal', j, center), 'float64'), where(ctx, onRise, div(sub(j, left), rise), zero));
  // Falling edge, written after the rising one (so it wins at center): (right − j)/fall on [center, right).
  const onFall = and(and(binary(ctx, 'greater', fall, zero), le(center, j)), binary(ctx, 'less', j, right));
  const weights = where(ctx, onFall, div(sub(right, j), fall), riseValue);
  return [ctx.addOut1({ kind: 'cast', to: out }, [weights])];
}

export const windowImporters: OpImporter[] = [
  ...Object.keys(COEFFICIENTS).map((opType) => importer(opType, window(opType), 17)),
  importer('MelWeightMatrix', melWeightMatrix, 17),
];
