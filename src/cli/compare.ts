/**
 * `onnx-wgsl compare MODEL.onnx`: compiles the model in memory, runs it on the GPU through the
 * runtime, runs onnxruntime-node's CPU provider on the same seeded inputs, and judges each output.
 * Symbols not bound with --dim stay symbolic: the inputs then take their sizes from --run-dim.
 *
 * Pass rule (per output): the dims are equal, NaNs sit in the same places, and
 *   relative L2 error  ‖ours − ref‖₂ / ‖ref‖₂  ≤ rtol        (default 1e-4)
 *   max abs error      max |ours − ref|        ≤ atolScale · max |ref|   (default 1e-3)
 * — a relative bound on the whole tensor plus a per-element bound scaled to the output's magnitude,
 * which holds for f32 accumulation-order differences and catches a single wrong element. Integer
 * and bool outputs are judged by the same rule on their values (so an index off by one fails).
 * float16 outputs use bounds of at least F16_BOUND: onnxruntime rounds every float16 intermediate
 * to half precision (ε = 2^-11 ≈ 4.9e-4) while we compute in f32, so the two differ by a few half
 * ulps even when both are right.
 */

/** The least rtol and atolScale for float16 outputs (about ten half-precision ulps). */
export const F16_BOUND = 5e-3;

import type { HostData } from '../../runtime/convert.js';
import { ortFeeds, ortOutputData } from './ort.js';
import { createModel } from '../../runtime/index.js';
import { compileToMemory } from '../compile.js';
import { ReferenceRunError } from '../errors.js';
import { makeInputs, type HostInput } from './inputs.js';
import type { Io } from './io.js';
import type { Range } from './options.js';
import { toFeeds } from './session.js';

export interface CompareOptions {
  seed: number;
  ranges: Map<string, Range>;
  /** Compile-time bindings (--dim); symbols not bound stay symbolic. */
  dims: Record<string, number>;
  /** Sizes of the symbols left symbolic, for this comparison's inputs (--run-dim). */
  runDims?: Record<string, number>;
  rtol: number;
  atolScale: number;
  json: boolean;
  verbose: boolean;
  /** Compute float64 in f32 (--f64-as-f32); onnxruntime still computes it in float64. */
  f64AsF32?: boolean;
}

export interface OutputComparison {
  name: string;
  dtype: string;
  dims: number[];
  referenceDims: number[];
  maxAbsError: number;
  relL2Error: number;
  maxAbsReference: number;
  /** The bounds applied to this output (float16 raises them to F16_BOUND). */
  rtol: number;
  atolScale: number;
  pass: boolean;
  /** Why it failed, when it did. */
  reason?: string;
}

export interface CompareResult {
  model: string;
  seed: number;
  rule: string;
  pass: boolean;
  inputs: { name: string; dtype: string; dims: number[]; source: string }[];
  outputs: OutputComparison[];
}

export function passRule(rtol: number, atolScale: number): string {
  return `relative L2 error <= ${rtol} and max abs error <= ${atolScale} * max|reference|`;
}

function toNumbers(data: HostData): Float64Array {
  return Float64Array.from(data as ArrayLike<number | bigint>, Number);
}

/** Judges one output against its reference with the rule in the file header. */
export function judge(
  name: string,
  dtype: string,
  ours: { data: HostData; dims: number[] },
  ref: { data: HostData; dims: number[] },
  rtol: number,
  atolScale: number,
): OutputComparison {
  const base = { name, dtype, dims: ours.dims, referenceDims: ref.dims, rtol, atolScale };
  if (ours.dims.join(',') !== ref.dims.join(',')) {
    return { ...base, maxAbsError: NaN, relL2Error: NaN, maxAbsReference: NaN, pass: false, reason: 'dims differ' };
  }
  const a = toNumbers(ours.data);
  const e = toNumbers(ref.data);
  let maxAbs = 0;
  let maxRef = 0;
  let num = 0;
  let den = 0;
  let nanMismatch = 0;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) nanMismatch++;
      continue;
    }
    if (Number.isFinite(y)) {
      maxRef = Math.max(maxRef, Math.abs(y));
      den += y * y;
    }
    if (x === y) continue; // also equal infinities
    const d = Math.abs(x - y); // Infinity when only one side is infinite
    maxAbs = Math.max(maxAbs, d);
    num += d * d;
  }
  const relL2 = num === 0 ? 0 : den === 0 ? Infinity : Math.sqrt(num / den);
  const reasons: string[] = [];
  if (nanMismatch > 0) reasons.push(`${nanMismatch} NaN mismatch${nanMismatch === 1 ? '' : 'es'}`);
  if (!(relL2 <= rtol)) reasons.push(`relative L2 error ${relL2.toExponential(2)} > ${rtol}`);
  if (!(maxAbs <= atolScale * maxRef)) reasons.push(`max abs error ${maxAbs.toExponential(2)} > ${atolScale} * ${maxRef.toPrecision(4)}`);
  const result: OutputComparison = { ...base, maxAbsError: maxAbs, relL2Error: relL2, maxAbsReference: maxRef, pass: reasons.length === 0 };
  if (reasons.length) result.reason = reasons.join('; ');
  return result;
}

/** Runs onnxruntime-node (CPU) on `inputs`, returning outputs by name as host arrays. */
async function runReference(modelPath: string, inputs: readonly HostInput[], names: readonly string[]) {
  try {
    return await runOnnxruntime(modelPath, inputs, names);
  } catch (e) {
    throw new ReferenceRunError(`onnxruntime (the reference) failed: ${(e as Error).message}`, { cause: e });
  }
}

async function runOnnxruntime(modelPath: string, inputs: readonly HostInput[], names: readonly string[]) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'], logSeverityLevel: 3 });
  try {
    const feeds = ortFeeds(ort, inputs);
    const results = await session.run(feeds, [...names]);
    const out = new Map<string, { data: HostData; dims: number[] }>();
    for (const name of names) {
      const t = results[name]!;
      out.set(name, { data: ortOutputData(t.type, t.data as HostData), dims: [...t.dims] });
    }
    return out;
  } finally {
    await session.release();
  }
}

export async function compareModel(modelPath: string, opts: CompareOptions, log: (line: string) => void): Promise<CompareResult> {
  const compiled = compileToMemory(modelPath, { dims: opts.dims, verbose: opts.verbose, log, f64AsF32: opts.f64AsF32 });
  const { plan } = compiled;
  const inputs = makeInputs(plan.inputs, opts.seed, opts.ranges, new Map(), opts.runDims ?? {});
  const model = await createModel(plan, compiled.weights);
  let ours;
  try {
    ours = await model.run(toFeeds(inputs));
  } finally {
    model.dispose();
  }
  const names = plan.outputs.map((o) => o.name);
  const ref = await runReference(modelPath, inputs, names);
  const outputs = plan.outputs.map((o) => {
    const half = o.dtype === 'float16';
    const rtol = half ? Math.max(opts.rtol, F16_BOUND) : opts.rtol;
    const atolScale = half ? Math.max(opts.atolScale, F16_BOUND) : opts.atolScale;
    return judge(o.name, o.dtype, ours[o.name]!, ref.get(o.name)!, rtol, atolScale);
  });
  return {
    model: modelPath,
    seed: opts.seed,
    rule: passRule(opts.rtol, opts.atolScale),
    pass: outputs.every((o) => o.pass),
    inputs: inputs.map((i) => ({ name: i.name, dtype: i.dtype, dims: i.dims, source: i.source })),
    outputs,
  };
}

function sci(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

export async function compareCommand(modelPath: string, opts: CompareOptions, io: Io): Promise<number> {
  const result = await compareModel(modelPath, opts, io.err);
  if (opts.json) {
    io.out(JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2));
  } else {
    io.out(`compare ${result.model} (seed ${result.seed}; pass: ${result.rule})`);
    for (const i of result.inputs) io.out(`  input  ${i.name}: ${i.dtype} [${i.dims.join(', ')}] ${i.source}`);
    for (const o of result.outputs) {
      const dims = o.dims.join(',') === o.referenceDims.join(',') ? `[${o.dims.join(', ')}]` : `[${o.dims.join(', ')}] vs reference [${o.referenceDims.join(', ')}]`;
      io.out(
        `  output ${o.name}: ${o.dtype} ${dims}  max abs err ${sci(o.maxAbsError)} (max |ref| ${sci(o.maxAbsReference)})  ` +
          `rel L2 err ${sci(o.relL2Error)}  ${o.pass ? 'pass' : `FAIL: ${o.reason}`}` +
          (o.rtol !== opts.rtol || o.atolScale !== opts.atolScale ? ` (${o.dtype} bounds: rtol ${o.rtol}, atol-scale ${o.atolScale})` : ''),
      );
    }
    const passed = result.outputs.filter((o) => o.pass).length;
    io.out(`${result.pass ? 'pass' : 'FAIL'}: ${passed}/${result.outputs.length} outputs match onnxruntime`);
  }
  return result.pass ? 0 : 1;
}
