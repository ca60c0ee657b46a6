/**
 * Checks the inputs given to run() against the plan before anything touches the device, and
 * converts them to device words. Every failure names the input and says what was expected, since
 * the person reading it usually wrote the call site and knows the model only by its inputs.
 *
 * Typed arrays are recognized by their tag (Object.prototype.toString), not `instanceof`, so arrays
 * from another realm (a worker, a vm context) are accepted too.
 */

import { toDeviceWords, type ElemType, type HostData } from './convert.js';
import { InputValidationError } from './errors.js';
import type { PlanTensor } from './plan.js';

export interface InputTensor {
  data: HostData;
  /** May be omitted: every plan input has static dims. */
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

/** "float32 [batch=1, 3, 224, 224]": the bound dims with the model's symbol names. */
export function describeTensor(t: PlanTensor): string {
  const dims = t.dims.map((d, i) => {
    const declared = t.declaredDims[i];
    return typeof declared === 'string' ? `${declared}=${d}` : String(d);
  });
  return `${t.dtype} [${dims.join(', ')}]`;
}

function validateOne(t: PlanTensor, given: unknown): DeviceWords {
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
  if (dims !== undefined) {
    if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new InputValidationError(`${what}: dims must be an array of non-negative integers, got ${JSON.stringify(dims)}`);
    }
    if (dims.length !== t.dims.length) {
      throw new InputValidationError(
        `${what}: expected rank ${t.dims.length} (${describeTensor(t)}), got rank ${dims.length} [${dims.join(', ')}]`,
      );
    }
    const bad = dims.findIndex((d, i) => d !== t.dims[i]);
    if (bad >= 0) {
      const declared = t.declaredDims[bad];
      const hint = typeof declared === 'string' ? ` (symbol '${declared}' was bound to ${t.dims[bad]} at compile time; recompile with --dim ${declared}=${dims[bad]})` : '';
      throw new InputValidationError(
        `${what}: expected dims ${describeTensor(t)}, got [${dims.join(', ')}] (axis ${bad})${hint}`,
      );
    }
  }
  const typed = data as HostData;
  const expected = t.dims.reduce((a, b) => a * b, 1);
  if (typed.length !== expected) {
    throw new InputValidationError(`${what}: data has ${typed.length} elements but ${describeTensor(t)} needs ${expected}`);
  }
  try {
    return toDeviceWords(t.dtype, typed, what);
  } catch (e) {
    // Out-of-range int64 values: already a message naming the input and element.
    throw new InputValidationError((e as Error).message);
  }
}

/** Validates `inputs` against the plan's inputs, returning device words in plan order. */
export function validateInputs(expected: readonly PlanTensor[], inputs: unknown): DeviceWords[] {
  const list = expected.map((t) => `${t.name} (${describeTensor(t)})`).join(', ');
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw new InputValidationError(`run() expects an object of named inputs: ${list}`);
  }
  const known = new Set(expected.map((t) => t.name));
  for (const name of Object.keys(inputs)) {
    if (!known.has(name)) throw new InputValidationError(`unknown input '${name}'; the model's inputs are: ${list}`);
  }
  return expected.map((t) => {
    const given = (inputs as Record<string, unknown>)[t.name];
    if (given === undefined) throw new InputValidationError(`missing input '${t.name}' (${describeTensor(t)})`);
    return validateOne(t, given);
  });
}
