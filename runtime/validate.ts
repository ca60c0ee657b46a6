/**
 * Checks the inputs given to run() against the plan before anything touches the device, and
 * converts them to device words. Every failure names the input and says what was expected, since
 * the person reading it usually wrote the call site and knows the model only by its inputs.
 *
 * Typed arrays are recognized by their tag (Object.prototype.toString), not `instanceof`, so arrays
 * from another realm (a worker, a vm context) are accepted too.
 *
 * For a symbolic model this is also where a run's binding comes from: each symbol takes its size
 * from the input axis the plan names for it, every other axis must agree with its declared dim
 * evaluated at that binding (a fixed number, the same symbol seen on another input, an
 * expression), and no symbol may exceed its declared upper bound (`maxDims`).
 */

import { toDeviceWords, type ElemType, type HostData } from './convert.js';
import { evalDim } from './dim-expr.js';
import { InputValidationError } from './errors.js';
import type { ModelPlan, PlanSymbol, PlanTensor } from './plan.js';

export interface InputTensor {
  data: HostData;
  /** May be omitted when the input's dims are all fixed numbers. */
  dims?: readonly number[];
}

export type DeviceWords = Float32Array | Int32Array | Uint32Array;

/** The typed arrays run() accepts for each dtype, by constructor name. */
const ACCEPTED: Record<ElemType, string[]> = {
  float32: ['Float32Array'],
  // Float32Array of values, or Uint16Array of IEEE half bits (onnxruntime's convention).
  float16: ['Float32Array', 'Uint16Array'],
  // Only in models compiled with --f64-as-f32: rounded to f32 on upload.
  float64: ['Float64Array'],
  int8: ['Int8Array'],
  uint8: ['Uint8Array'],
  int16: ['Int16Array'],
  uint16: ['Uint16Array'],
  int32: ['Int32Array'],
  uint32: ['Uint32Array'],
  // int64 lives as i32 on the GPU; BigInt64Array values are range-checked on upload.
  int64: ['BigInt64Array', 'Int32Array'],
  bool: ['Uint8Array'],
};

function typedArrayName(x: unknown): string | null {
  if (!ArrayBuffer.isView(x) || x instanceof DataView) return null;
  const tag = Object.prototype.toString.call(x); // "[object Float32Array]"
  return tag.slice(8, -1);
}

function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a plain Array';
  const name = typedArrayName(x);
  if (name) return name;
  return typeof x === 'object' ? 'an object' : typeof x;
}

/** A symbol's name for messages: `'batch'`, or `'unk_x_0' (the model's 'batch size')`. */
export function describeSymbol(s: PlanSymbol | undefined, name: string): string {
  return s?.original ? `'${name}' (the model's '${s.original}')` : `'${name}'`;
}

/**
 * "float32 [batch=1, 3, 224, 224]": the dims with the model's symbol names — bound at compile
 * time (`batch=1`) or symbolic (`batch`), or evaluated for a run when `env` is given.
 */
export function describeTensor(t: PlanTensor, env?: Readonly<Record<string, number>>): string {
  const dims = t.dims.map((d, i) => {
    if (typeof d === 'string') return env ? `${d}=${evalDim(d, env)}` : d;
    const declared = t.declaredDims[i];
    return typeof declared === 'string' ? `${declared}=${d}` : String(d);
  });
  return `${t.dtype} [${dims.join(', ')}]`;
}

/** The checks of one input that need no binding: the object, its typed array and its dims' form. */
function checkForm(t: PlanTensor, given: unknown): { data: HostData; dims: number[] } {
  const what = `input '${t.name}'`;
  if (typeof given !== 'object' || given === null || !('data' in given)) {
    throw new InputValidationError(`${what}: expected { data, dims } for ${describeTensor(t)}, got ${describeValue(given)}`);
  }
  const { data, dims } = given as { data: unknown; dims?: unknown };
  const arrayName = typedArrayName(data);
  const accepted = ACCEPTED[t.dtype];
  if (!arrayName || !accepted.includes(arrayName)) {
    throw new InputValidationError(`${what}: expected ${t.dtype} data as ${accepted.join(' or ')}, got ${describeValue(data)}`);
  }
  if (dims === undefined) {
    const fixed = t.dims.every((d): d is number => typeof d === 'number');
    if (!fixed) throw new InputValidationError(`${what}: dims are required, since ${describeTensor(t)} has symbolic dims`);
    return { data: data as HostData, dims: t.dims as number[] };
  }
  if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InputValidationError(`${what}: dims must be an array of non-negative integers, got ${JSON.stringify(dims)}`);
  }
  if (dims.length !== t.dims.length) {
    throw new InputValidationError(
      `${what}: expected rank ${t.dims.length} (${describeTensor(t)}), got rank ${dims.length} [${dims.join(', ')}]`,
    );
  }
  return { data: data as HostData, dims: [...(dims as number[])] };
}

export interface ValidatedInputs {
  /** Device words of each input, in plan order. */
  words: DeviceWords[];
  /** The given dims of each input, in plan order. */
  dims: number[][];
  /** The value of every plan symbol in this run. */
  env: Record<string, number>;
}

type PlanShapes = Pick<ModelPlan, 'inputs'> & Partial<Pick<ModelPlan, 'symbols' | 'maxDims'>>;

/** The binding of the plan's symbols from the given input dims (in plan order), checked. */
function bindSymbols(plan: PlanShapes, dims: readonly number[][]): Record<string, number> {
  const symbols = plan.symbols ?? [];
  const maxDims = plan.maxDims ?? {};
  const env: Record<string, number> = {};
  const bySymbol = new Map(symbols.map((s) => [s.name, s]));
  for (const s of symbols) {
    const i = plan.inputs.findIndex((t) => t.name === s.input);
    const n = dims[i]?.[s.axis];
    if (n === undefined) throw new InputValidationError(`symbol '${s.name}' is defined by input '${s.input}' axis ${s.axis}, which the plan lacks`);
    env[s.name] = n;
    const max = maxDims[s.name];
    if (max !== undefined && n > max) {
      throw new InputValidationError(
        `input '${s.input}' axis ${s.axis}: ${describeSymbol(s, s.name)} = ${n} exceeds the model's declared maximum ${max} ` +
          `(compiled with --max-dim ${s.name}=${max}; recompile with a larger bound)`,
      );
    }
  }
  // Every axis must match its declared dim at this binding.
  plan.inputs.forEach((t, i) => {
    const given = dims[i]!;
    t.dims.forEach((d, axis) => {
      const want = evalDim(d, env);
      if (given[axis] === want) return;
      const what = `input '${t.name}'`;
      if (typeof d === 'number') {
        const declared = t.declaredDims[axis];
        const hint =
          typeof declared === 'string' ? ` (symbol '${declared}' was bound to ${d} at compile time; recompile with --dim ${declared}=${given[axis]}, or without --dim ${declared} to keep it symbolic)` : '';
        throw new InputValidationError(`${what}: expected dims ${describeTensor(t)}, got [${given.join(', ')}] (axis ${axis})${hint}`);
      }
      const s = bySymbol.get(d);
      if (s) {
        throw new InputValidationError(
          `${what} axis ${axis} is the symbol ${describeSymbol(s, d)}, which input '${s.input}' axis ${s.axis} sets to ${want}, ` +
            `but ${what} has ${given[axis]} there (dims [${given.join(', ')}])`,
        );
      }
      throw new InputValidationError(`${what} axis ${axis} must be ${d} = ${want} for the other dims given, but it is ${given[axis]} (dims [${given.join(', ')}])`);
    });
  });
  return env;
}

/**
 * Validates `inputs` against the plan's inputs: names, dtypes, ranks, the binding of the symbols
 * and each input's element count; returns device words in plan order, the dims and the binding.
 */
export function validateInputs(plan: PlanShapes, inputs: unknown): ValidatedInputs {
  const expected = plan.inputs;
  const list = expected.map((t) => `${t.name} (${describeTensor(t)})`).join(', ');
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw new InputValidationError(`run() expects an object of named inputs: ${list}`);
  }
  const known = new Set(expected.map((t) => t.name));
  for (const name of Object.keys(inputs)) {
    if (!known.has(name)) throw new InputValidationError(`unknown input '${name}'; the model's inputs are: ${list}`);
  }
  const forms = expected.map((t) => {
    const given = (inputs as Record<string, unknown>)[t.name];
    if (given === undefined) throw new InputValidationError(`missing input '${t.name}' (${describeTensor(t)})`);
    return checkForm(t, given);
  });
  const dims = forms.map((f) => f.dims);
  const env = bindSymbols(plan, dims);
  const words = expected.map((t, i) => {
    const what = `input '${t.name}'`;
    const { data } = forms[i]!;
    const n = dims[i]!.reduce((a, b) => a * b, 1);
    if (data.length !== n) {
      throw new InputValidationError(`${what}: data has ${data.length} elements but ${describeTensor(t, env)} needs ${n}`);
    }
    try {
      return toDeviceWords(t.dtype, data, what);
    } catch (e) {
      // Out-of-range int64 values: already a message naming the input and element.
      throw new InputValidationError((e as Error).message);
    }
  });
  return { words, dims, env };
}
