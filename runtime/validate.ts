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
 * expression), and no symbol may exceed its declared upper bound (`maxDims`). A symbol may also be
 * an element of a small integer input's VALUES (a Reshape target or an Expand shape given at run
 * time; PlanValueSymbol): it is read from the host data (a float truncated toward zero, or scaling
 * a size; an offset lets a 0 be a symbol), and the symbol it makes must be in [1, 2³¹ − 1] — the compiled shapes assume a size ≥ 1, so other values, though valid ONNX,
 * are an UnsupportedValueError — and such an input cannot be a GPUBuffer.
 *
 * An input may instead be a GPUBuffer already on the model's device (`{ buffer, dims, dtype? }`,
 * e.g. another model's output from `run(…, { outputs: 'gpu' })`): it must already hold device
 * words (convert.ts: one 32-bit word per element — f32 for every float dtype, so float16 and
 * --f64-as-f32 float64 inputs take f32 words, i32 for signed integers including int64, u32 for
 * unsigned and bool), at least 4·numel bytes, with COPY_SRC usage (run() copies it into the
 * model's input buffer in its command encoder) and not mapped. No conversion is possible on the
 * device, so when `dtype` is given it must have the input's word type, and an input narrower than
 * its word (int8/16, uint8/16, bool) takes only its own dtype, since a wider one's values may not
 * fit. Which device a buffer belongs to is checked in model.ts (WebGPU does not expose it).
 */

import { toDeviceWords, wordTypeOf, type ElemType, type HostData } from './convert.js';
import { evalDim, valueSymbolOf } from './dim-expr.js';
import { InputValidationError, UnsupportedValueError } from './errors.js';
import type { ModelPlan, PlanSymbol, PlanTensor, PlanValueSymbol } from './plan.js';

export interface InputTensor {
  data: HostData;
  /** May be omitted when the input's dims are all fixed numbers. */
  dims?: readonly number[];
}

/** A run() input already on the GPU: device words in `buffer` (see the file comment). */
export interface GpuInputTensor {
  buffer: GPUBuffer;
  /** May be omitted when the input's dims are all fixed numbers. */
  dims?: readonly number[];
  /** The dtype of the words, when known (a model's GPU output carries it): checked against the input's. */
  dtype?: ElemType;
}

/** What run() takes per input: host data, or a GPUBuffer on the model's device. */
export type RunInput = InputTensor | GpuInputTensor;

export type DeviceWords = Float32Array | Int32Array | Uint32Array;

/** The typed arrays run() accepts for each dtype, by constructor name. */
const ACCEPTED: Record<ElemType, string[]> = {
  float32: ['Float32Array'],
  // Float32Array of values, or Uint16Array of IEEE half bits (onnxruntime's convention).
  float16: ['Float32Array', 'Uint16Array'],
  // Float32Array of values, or Uint16Array of bfloat16 bits (the top half of an f32).
  bfloat16: ['Float32Array', 'Uint16Array'],
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

/** The checks of a given `dims` (undefined: the input's fixed dims, when it has no symbolic one). */
function checkDims(t: PlanTensor, dims: unknown): number[] {
  const what = `input '${t.name}'`;
  if (dims === undefined) {
    const fixed = t.dims.every((d): d is number => typeof d === 'number');
    if (!fixed) throw new InputValidationError(`${what}: dims are required, since ${describeTensor(t)} has symbolic dims`);
    return t.dims as number[];
  }
  if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InputValidationError(`${what}: dims must be an array of non-negative integers, got ${JSON.stringify(dims)}`);
  }
  if (dims.length !== t.dims.length) {
    throw new InputValidationError(
      `${what}: expected rank ${t.dims.length} (${describeTensor(t)}), got rank ${dims.length} [${dims.join(', ')}]`,
    );
  }
  return [...(dims as number[])];
}

const GPU_COPY_SRC = 0x0004;
const DTYPES = new Set<string>(Object.keys(ACCEPTED));
/** Inputs whose values fill their whole 32-bit word, so any dtype of that word type fits. */
const WIDE: ReadonlySet<ElemType> = new Set(['float32', 'float16', 'bfloat16', 'float64', 'int32', 'int64', 'uint32']);

/** Whether device words of `given` may feed an input of dtype `want` (see the file comment). */
function wordsFit(want: ElemType, given: ElemType): boolean {
  if (want === given) return true;
  return WIDE.has(want) && wordTypeOf(want) === wordTypeOf(given);
}

/** A GPUBuffer by its shape (Node has no GPUBuffer global unless the caller installs one). */
function isGpuBuffer(x: unknown): x is GPUBuffer {
  if (typeof x !== 'object' || x === null) return false;
  const b = x as { size?: unknown; usage?: unknown; mapAsync?: unknown };
  return typeof b.size === 'number' && typeof b.usage === 'number' && typeof b.mapAsync === 'function';
}

type Form = { data: HostData; dims: number[] } | { buffer: GPUBuffer; dims: number[] };

/** The checks of one input that need no binding: the object, its typed array or buffer, and its dims' form. */
function checkForm(t: PlanTensor, given: unknown): Form {
  const what = `input '${t.name}'`;
  // A typed array has a `buffer` too: it is a host tensor given without its { data } wrapper.
  if (typeof given === 'object' && given !== null && 'buffer' in given && !('data' in given) && !ArrayBuffer.isView(given)) {
    const { buffer, dims, dtype } = given as { buffer: unknown; dims?: unknown; dtype?: unknown };
    if (!isGpuBuffer(buffer)) throw new InputValidationError(`${what}: 'buffer' must be a GPUBuffer, got ${describeValue(buffer)}`);
    if (dtype !== undefined) {
      if (typeof dtype !== 'string' || !DTYPES.has(dtype)) throw new InputValidationError(`${what}: unknown dtype ${JSON.stringify(dtype)}`);
      if (!wordsFit(t.dtype, dtype as ElemType)) {
        throw new InputValidationError(
          `${what}: a GPUBuffer of ${dtype} cannot feed ${describeTensor(t)}: GPU inputs are used as they are (no conversion on the device), ` +
            `so they need ${wordTypeOf(t.dtype)} words` + (WIDE.has(t.dtype) ? '' : ` holding ${t.dtype} values (dtype '${t.dtype}')`),
        );
      }
    }
    if ((buffer.usage & GPU_COPY_SRC) === 0) {
      throw new InputValidationError(`${what}: the GPUBuffer needs COPY_SRC usage (run() copies it into the model's input buffer); its usage is 0x${buffer.usage.toString(16)}`);
    }
    if (buffer.mapState !== undefined && buffer.mapState !== 'unmapped') {
      throw new InputValidationError(`${what}: the GPUBuffer is ${buffer.mapState}; unmap it before run()`);
    }
    return { buffer, dims: checkDims(t, dims) };
  }
  if (typeof given !== 'object' || given === null || !('data' in given)) {
    throw new InputValidationError(`${what}: expected { data, dims } (or { buffer, dims } on the GPU) for ${describeTensor(t)}, got ${describeValue(given)}`);
  }
  const { data, dims } = given as { data: unknown; dims?: unknown };
  const arrayName = typedArrayName(data);
  const accepted = ACCEPTED[t.dtype];
  if (!arrayName || !accepted.includes(arrayName)) {
    throw new InputValidationError(`${what}: expected ${t.dtype} data as ${accepted.join(' or ')}, got ${describeValue(data)}`);
  }
  return { data: data as HostData, dims: checkDims(t, dims) };
}

export interface ValidatedInputs {
  /** Device words of each host input, in plan order (undefined for a GPU input). */
  words: (DeviceWords | undefined)[];
  /** The GPUBuffer of each GPU input, in plan order (undefined for a host input). */
  buffers: (GPUBuffer | undefined)[];
  /** The given dims of each input, in plan order. */
  dims: number[][];
  /** The value of every plan symbol in this run. */
  env: Record<string, number>;
}

type PlanShapes = Pick<ModelPlan, 'inputs'> & Partial<Pick<ModelPlan, 'symbols' | 'maxDims'>>;

const MAX_VALUE = 2 ** 31 - 1;

/**
 * A value symbol's value: element `s.index` of the input's host data, made a symbol by its rule
 * (dim-expr.ts valueSymbolOf: plus an offset, or ⌊scale · base⌋), which must be an integer ≥ 1 (the
 * compiled shapes assume it, see PlanValueSymbol). A GPU input has no host values.
 */
function valueOf(s: PlanValueSymbol, t: PlanTensor | undefined, form: Form | undefined, env: Readonly<Record<string, number>>): number {
  const what = `input '${s.input}'`;
  if (form === undefined) throw new InputValidationError(`symbol '${s.name}' is defined by input '${s.input}' element ${s.index}, which the plan lacks`);
  if ('buffer' in form) {
    throw new InputValidationError(
      `${what} must be given as host data ({ data, dims }), not a GPUBuffer: its values set tensor sizes in this compiled model (element ${s.index} is '${s.name}'), and run() reads them before dispatching`,
    );
  }
  const raw = form.data[s.index];
  const x = Number(raw);
  // A float input gives its value truncated toward zero, as ONNX casts it (OneHot's depth), or
  // scales a size (Resize's scales); integer inputs must hold integers.
  const isFloat = t !== undefined && t.dtype.startsWith('float');
  if (raw === undefined || !Number.isFinite(x) || (!isFloat && !Number.isInteger(x))) {
    throw new InputValidationError(`${what} element ${s.index}: expected ${isFloat ? 'a finite number' : 'an integer'}, got ${String(raw)}`);
  }
  const n = valueSymbolOf(x, s, env);
  if (n < 1) {
    const need = s.scaleOf !== undefined ? `a scale giving a size ≥ 1 (⌊${evalDim(s.scaleOf, env)} × ${x}⌋ = ${n})` : `≥ ${1 - (s.offset ?? 0)}`;
    const meaning = s.scaleOf !== undefined ? `⌊(${s.scaleOf}) × element⌋` : s.offset ? `element + ${s.offset}` : 'that element';
    throw new UnsupportedValueError(
      `${what} element ${s.index} is ${x}; this compiled model needs ${need} there (it was compiled with ${meaning} as the symbol '${s.name}', a size ≥ 1), so this value is not supported`,
    );
  }
  // Sizes are 32-bit on the device (the dims table holds u32 words read as i32 too).
  if (n > MAX_VALUE) {
    throw new UnsupportedValueError(`${what} element ${s.index} is ${String(raw)}; this compiled model takes at most ${MAX_VALUE} there (the symbol '${s.name}' is a 32-bit size on the device), so this value is not supported`);
  }
  return n;
}

/** The binding of the plan's symbols from the given inputs (in plan order), checked. */
function bindSymbols(plan: PlanShapes, forms: readonly Form[]): Record<string, number> {
  const dims = forms.map((f) => f.dims);
  const symbols = plan.symbols ?? [];
  const maxDims = plan.maxDims ?? {};
  const env: Record<string, number> = {};
  const bySymbol = new Map(symbols.map((s) => [s.name, s]));
  // In plan order: the compiler lists axis symbols, then value symbols, scaled ones last.
  for (const s of symbols) {
    const i = plan.inputs.findIndex((t) => t.name === s.input);
    if ('index' in s) {
      env[s.name] = valueOf(s, plan.inputs[i], forms[i], env);
      continue;
    }
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
      if (s && 'axis' in s) {
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
  const env = bindSymbols(plan, forms);
  const words = expected.map((t, i) => {
    const what = `input '${t.name}'`;
    const form = forms[i]!;
    const n = dims[i]!.reduce((a, b) => a * b, 1);
    if ('buffer' in form) {
      if (form.buffer.size < 4 * n) {
        throw new InputValidationError(
          `${what}: the GPUBuffer has ${form.buffer.size} bytes but ${describeTensor(t, env)} needs ${4 * n} (${n} elements of one 32-bit word each)`,
        );
      }
      return undefined;
    }
    const { data } = form;
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
  const buffers = forms.map((f) => ('buffer' in f ? f.buffer : undefined));
  return { words, buffers, dims, env };
}
