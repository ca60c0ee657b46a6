/**
 * Input tensors for `run` and `compare`: seeded random data (so a failing compare can be rerun
 * exactly with --seed), or .npy files. Floats are uniform in [lo, hi) (default [-1, 1)), integers
 * uniform in the inclusive [lo, hi] (default [0, 10] — small non-negative values are valid indices
 * and token ids for most models), bools fair coin flips.
 *
 * float16 values are rounded to half precision when generated, so our f32 computation and a
 * float16 reference start from exactly the same numbers.
 *
 * A model compiled with symbolic dims takes its run sizes from `runDims` (`--run-dim batch=3`) and
 * from the .npy inputs given (a symbol's size is read off the first .npy input axis that has it);
 * a random input whose symbol has no size either way is a usage error saying what to pass.
 */

import { readFileSync } from 'node:fs';
import { halfToFloat, type ElemType, type HostData } from '../../runtime/convert.js';
import { dimSymbols, evalDim } from '../../runtime/dim-expr.js';
import type { PlanTensor } from '../../runtime/plan.js';
import { UsageError } from '../errors.js';
import { floatToHalf, readNpy } from '../npy.js';
import { roundToBfloat16 } from '../../ir/eval/float16.js';
import type { InputSource, Range } from './options.js';

export interface HostInput {
  name: string;
  dtype: ElemType;
  dims: number[];
  data: HostData;
  /** How it was made, for reports: 'random [-1, 1)', 'x.npy'. */
  source: string;
}

/** Mulberry32: small, fast, and the same sequence on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INT_BOUNDS: Partial<Record<ElemType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  // int64 is computed as int32 on the GPU, so random values stay in its range.
  int64: [-2147483648, 2147483647],
};

function randomData(t: PlanTensor, dims: readonly number[], rand: () => number, range: Range | undefined): { data: HostData; source: string } {
  const n = dims.reduce((a, b) => a * b, 1);
  switch (t.dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
    case 'float64': {
      const { lo, hi } = range ?? { lo: -1, hi: 1 };
      // float64 inputs exist only with --f64-as-f32; run() takes them as Float64Array.
      const data = t.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const x = lo + (hi - lo) * rand();
        data[i] = t.dtype === 'float16' ? halfToFloat(floatToHalf(x)) : t.dtype === 'bfloat16' ? roundToBfloat16(x) : x;
      }
      return { data, source: `random [${lo}, ${hi})` };
    }
    case 'bool': {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = rand() < 0.5 ? 1 : 0;
      return { data, source: 'random bool' };
    }
    default: {
      const [min, max] = INT_BOUNDS[t.dtype]!;
      const lo = Math.ceil(range?.lo ?? 0);
      const hi = Math.floor(range?.hi ?? 10);
      if (lo > hi || lo < min || hi > max) {
        throw new UsageError(`--range ${t.name}=${range?.lo}:${range?.hi}: needs integers within ${t.dtype} [${min}, ${max}]`);
      }
      const values = Array.from({ length: n }, () => lo + Math.floor((hi - lo + 1) * rand()));
      let data: HostData;
      switch (t.dtype) {
        case 'int8':
          data = Int8Array.from(values);
          break;
        case 'uint8':
          data = Uint8Array.from(values);
          break;
        case 'int16':
          data = Int16Array.from(values);
          break;
        case 'uint16':
          data = Uint16Array.from(values);
          break;
        case 'uint32':
          data = Uint32Array.from(values);
          break;
        case 'int64':
          data = BigInt64Array.from(values, (v) => BigInt(v));
          break;
        default:
          data = Int32Array.from(values);
      }
      return { data, source: `random [${lo}, ${hi}]` };
    }
  }
}

/**
 * One host tensor per model input: from `sources` (.npy or random), default random. `ranges`
 * bounds the random values per input. Names in `sources` or `ranges` the model lacks are errors.
 */
export function makeInputs(
  inputs: readonly PlanTensor[],
  seed: number,
  ranges: ReadonlyMap<string, Range> = new Map(),
  sources: ReadonlyMap<string, InputSource> = new Map(),
  runDims: Readonly<Record<string, number>> = {},
): HostInput[] {
  const names = new Set(inputs.map((t) => t.name));
  for (const [flag, m] of [
    ['--range', ranges],
    ['--input', sources],
  ] as const) {
    for (const name of m.keys()) {
      if (!names.has(name)) throw new UsageError(`${flag} ${name}: the model has no input '${name}' (inputs: ${[...names].join(', ')})`);
    }
  }
  const rand = seededRandom(seed);
  // .npy files first: their dims give sizes to the symbols they carry.
  const files = new Map<string, HostInput>();
  const env: Record<string, number> = { ...runDims };
  for (const t of inputs) {
    const src = sources.get(t.name);
    if (src?.kind !== 'npy') continue;
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(src.path);
    } catch (e) {
      throw new UsageError(`--input ${t.name}=${src.path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const arr = readNpy(bytes, src.path);
    // The runtime checks dtype and dims against the model, naming the input.
    files.set(t.name, { name: t.name, dtype: arr.dtype as ElemType, dims: arr.dims, data: arr.data as HostData, source: src.path });
    t.dims.forEach((d, axis) => {
      if (typeof d === 'string' && /^[A-Za-z_]\w*$/.test(d) && !(d in env) && arr.dims[axis] !== undefined) env[d] = arr.dims[axis]!;
    });
  }
  return inputs.map((t) => {
    const file = files.get(t.name);
    if (file) return file;
    const missing = t.dims.flatMap((d) => dimSymbols(d)).filter((s) => !(s in env));
    if (missing.length > 0) {
      const flags = [...new Set(missing)].map((s) => `--run-dim ${s}=N`).join(' ');
      throw new UsageError(
        `input '${t.name}' has the symbolic dims [${t.dims.join(', ')}]: give random inputs a size with ${flags} ` +
          `(or bind it at compile time with --dim, or pass the input as a .npy file)`,
      );
    }
    const dims = t.dims.map((d) => evalDim(d, env));
    const { data, source } = randomData(t, dims, rand, ranges.get(t.name));
    return { name: t.name, dtype: t.dtype, dims, data, source };
  });
}

/** The first `count` values of a tensor, formatted compactly. */
export function preview(data: HostData, count = 6): string {
  const shown = Array.from({ length: Math.min(count, data.length) }, (_, i) => {
    const v = data[i]!;
    return typeof v === 'bigint' ? v.toString() : Number.isInteger(v) ? String(v) : v.toPrecision(6);
  });
  return `[${shown.join(', ')}${data.length > count ? ', …' : ''}]`;
}
