/**
 * The error classes a user can act on, gathered in one place so the CLI can print them as one line
 * (`onnx-wgsl: <message>`) and keep stack traces for bugs. Each stage owns its classes — decode,
 * import, the runtime — and this file re-exports them next to the compiler's own (codegen's
 * `CodegenError` is recognized by name):
 * `CompileError` (a model the GPU path cannot take: float64, unbound symbols, an int64 constant
 * outside int32), `OutputFolderError` (an -o folder we refuse to touch), `UsageError` (bad CLI
 * arguments), `ReferenceRunError` (onnxruntime failed in compare) and `NpyError` (a .npy file we
 * cannot read).
 */

import { OnnxDecodeError } from './onnx/decode.js';
import { ImportError, UnsupportedFormError, UnsupportedOpsError } from './onnx/errors.js';
import { DeviceLimitError, InputValidationError, ModelLoadError } from '../runtime/errors.js';

export { OnnxDecodeError, ImportError, UnsupportedFormError, UnsupportedOpsError };
export { DeviceLimitError, InputValidationError, ModelLoadError };

/** The model cannot be compiled for the GPU as given; the message says why and what to change. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The output folder exists and is not one we wrote, or cannot be written. */
export class OutputFolderError extends Error {
  override readonly name = 'OutputFolderError';
}

/** A command line we cannot act on (bad --dim, --input, --range syntax, missing file). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** onnxruntime (compare's reference) failed on the model or the inputs. */
export class ReferenceRunError extends Error {
  override readonly name = 'ReferenceRunError';
}

/** A .npy file that is malformed or uses a layout/dtype we do not read. */
export class NpyError extends Error {
  override readonly name = 'NpyError';
}

/** Errors whose message is the whole story: printed without a stack trace. */
const KNOWN: (abstract new (...args: never[]) => Error)[] = [
  OnnxDecodeError,
  UnsupportedOpsError,
  ImportError, // includes UnsupportedFormError
  CompileError,
  InputValidationError,
  DeviceLimitError,
  ModelLoadError,
  OutputFolderError,
  UsageError,
  ReferenceRunError,
  NpyError,
];

/**
 * Recognized by name: runtime errors may come from another copy of the runtime (a compiled folder's
 * runtime/) whose classes are not ours, and CodegenError (codegen/generate.ts) would pull every
 * kernel generator into anything that imports this file.
 */
const KNOWN_NAMES = new Set(['InputValidationError', 'UnsupportedValueError', 'DeviceLimitError', 'ModelLoadError', 'CodegenError']);

export function isKnownError(e: unknown): e is Error {
  if (KNOWN.some((cls) => e instanceof cls)) return true;
  return e instanceof Error && KNOWN_NAMES.has(e.name);
}

/** Exit status for an error: 2 for command-line usage, 1 for everything else. */
export function exitCodeFor(e: unknown): number {
  return e instanceof UsageError ? 2 : 1;
}
