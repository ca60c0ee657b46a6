/**
 * Sorting a failure into 'unsupported' (the compiler refused, with a specific reason a user can
 * act on) or 'error' (a bug: a crash, a WGSL compile error, a WebGPU validation error, a timeout).
 * The two must stay distinct: 'unsupported' measures coverage, 'error' is a list of things to fix.
 *
 * Unsupported:
 * - UnsupportedOpsError: one blocker per op type, "Loop (opset 11)" (the report groups opsets);
 * - UnsupportedFormError: "<Op> (form)";
 * - a CompileError about a dtype the GPU lacks (float64, uint64, string) or an int64 constant that
 *   does not fit in i32; a DeviceLimitError; an UnsupportedValueError (run() refused a shape-like
 *   input value the compiled shapes do not cover, e.g. a 0 read as a symbol ≥ 1);
 * - decoding refused valid ONNX the compiler cannot represent (bfloat16, float8, …);
 * - an ImportError or CodegenError whose message says the thing is not supported — a deliberate
 *   refusal — unless its cause is a JS engine error (TypeError, RangeError, …), which is a crash.
 * Everything else is an 'error'. Errors are recognized by class and, for errors that crossed a
 * worker boundary or come from another copy of the runtime, by `name`.
 */

import { UnsupportedOpsError, describeOp } from '../../src/onnx/errors.js';
import { DecodeProblem } from '../../src/onnx/decode-error.js';

export interface Classified {
  status: 'unsupported' | 'error';
  /** First line of the message, trimmed to ~120 characters. */
  reason: string;
  /** For 'unsupported': what blocks the test, for the ranking table (op names, dtypes, …). */
  blockers?: string[];
}

const REASON_CHARS = 120;

/** First line, whitespace collapsed, at most ~120 characters. */
export function shortReason(message: string): string {
  const line = (message.split('\n').find((l) => l.trim() !== '') ?? '').replace(/\s+/g, ' ').trim();
  return line.length > REASON_CHARS ? `${line.slice(0, REASON_CHARS - 1)}…` : line;
}

/** The message of anything thrown, with its class name when that adds information. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) {
    const generic = e.name === 'Error' || e.message.startsWith(e.name);
    return generic ? e.message : `${e.name}: ${e.message}`;
  }
  return String(e);
}

const REFUSAL = /\b(not supported|unsupported|does not support|not yet supported|cannot be supported)\b/i;
const ENGINE_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError']);

function isEngineError(e: unknown): boolean {
  return e instanceof Error && ENGINE_ERRORS.has(e.name);
}

function unsupported(message: string, blockers: string[]): Classified {
  return { status: 'unsupported', reason: shortReason(message), blockers };
}

function error(e: unknown): Classified {
  return { status: 'error', reason: shortReason(describeThrown(e)) };
}

/**
 * A reason with quoted names and numbers masked, so the same problem in two tests groups as one.
 * Only single quotes name things in this codebase's messages; double quotes are JSON (an op dump)
 * whose keys and kinds are the information.
 */
export function maskReason(reason: string): string {
  return reason.replace(/'[^']*('|$)/g, "'…'").replace(/\b\d+(\.\d+)?(e[-+]?\d+)?\b/g, 'N');
}

/** The blocker of a refusal found by its message: "<Op> (import)", "<kind> (codegen)". */
function refusalBlocker(e: Error): string {
  const stage = e.name === 'ImportError' ? 'import' : 'codegen';
  // ImportError: "<Op> '<node>': …"; CodegenError: "node '<node>' (<kind>): …".
  const op = stage === 'import' ? /^(\w+) '/.exec(e.message)?.[1] : /^node '.*?' \((\w+)\)/.exec(e.message)?.[1];
  return op ? `${op} (${stage})` : `${stage}: ${maskReason(shortReason(e.message)).slice(0, 60)}`;
}

function classifyCompileError(e: Error): Classified {
  const dtype = /\b(?:is|has dtype) (float64|uint64|string|bfloat16)\b/.exec(e.message);
  if (dtype) return unsupported(e.message, [`dtype ${dtype[1]}`]);
  if (/does not fit in 32 bits/.test(e.message)) return unsupported(e.message, ['int64 value outside int32']);
  // An unbound symbol is a bug either way: the runner failed to bind an input dim, or the compiler
  // made up a data-dependent dim it should have refused by name (and tells the user to bind it).
  if (/symbolic dim/.test(e.message)) return error(e);
  return unsupported(e.message, ['compile: other']);
}

/** Classifies anything thrown while preparing, compiling, loading or running a test. */
export function classifyError(e: unknown): Classified {
  if (!(e instanceof Error)) return error(e);
  if (e instanceof UnsupportedOpsError) {
    return unsupported(e.message, e.ops.map((o) => describeOp(o.opType, o.domain, o.opset)));
  }
  switch (e.name) {
    case 'UnsupportedOpsError': {
      // Crossed a boundary and lost its `ops`: recover the op names from the message.
      const names = [...e.message.matchAll(/(?:: |; )([\w.]+ \([^)]*\))/g)].map((m) => m[1]!);
      return unsupported(e.message, names.length > 0 ? names : ['unsupported op']);
    }
    case 'UnsupportedFormError': {
      const op = /^(\w+) '/.exec(e.message)?.[1] ?? (e as { opType?: string }).opType ?? 'op';
      return unsupported(e.message, [`${op} (form)`]);
    }
    case 'CompileError':
      return classifyCompileError(e);
    case 'DeviceLimitError':
      return unsupported(e.message, ['device limit']);
    // A value of a shape-like input outside what the compiled shapes cover (an element read as a
    // symbol ≥ 1 is 0): a deliberate refusal at run time, not a bug.
    case 'UnsupportedValueError':
      return unsupported(e.message, ['shape-like input value (run)']);
    // The test's own data contradicts its model (ONNX 1.12's bfloat16 CastLike tests feed `like` as
    // [1] where the model declares [3, 4]): no implementation can run it as written.
    case 'DataSetError':
      return unsupported(`the test's data set contradicts its model: ${e.message}`, ['invalid test data']);
    case 'OnnxDecodeError': {
      const cause = (e as { cause?: unknown }).cause;
      if (cause instanceof DecodeProblem && cause.kind === 'unsupported') {
        const type = /element type (\w+)/.exec(cause.detail)?.[1];
        return unsupported(e.message, [type ? `dtype ${type.toLowerCase()}` : 'decode: unsupported']);
      }
      return error(e);
    }
    case 'ImportError':
    case 'CodegenError': {
      const cause = (e as { cause?: unknown }).cause;
      if (REFUSAL.test(e.message) && !isEngineError(cause)) {
        if (/\bstring tensor/.test(e.message)) return unsupported(e.message, ['dtype string']);
        return unsupported(e.message, [refusalBlocker(e)]);
      }
      return error(e);
    }
    default:
      return error(e);
  }
}
