/**
 * The unsupported/error split (classify.ts): refusals with a specific reason are 'unsupported'
 * with a blocker for the ranking table; crashes and everything unknown are 'error'. Also the
 * reason trimming and the masking that groups the same error across tests.
 */

import { describe, expect, test } from 'vitest';
import { ImportError, UnsupportedFormError, UnsupportedOpsError } from '../../src/onnx/errors.js';
import { classifyError, maskReason, shortReason } from './classify.js';
import { InputValidationError, UnsupportedValueError } from '../../runtime/errors.js';

/**
 * CompileError and CodegenError stand-ins, recognized by name as classify.ts recognizes them
 * (importing the real classes would load the whole code generator into this host-only test).
 */
function named(name: string, message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { name });
}
const CompileError = (message: string) => named('CompileError', message);
const CodegenError = (message: string, cause: unknown) => named('CodegenError', message, cause);

describe('classifyError', () => {
  test('unsupported ops: one blocker per op with its opset', () => {
    const e = new UnsupportedOpsError([
      { opType: 'Loop', domain: '', opset: 11, count: 1, nodes: ['l'] },
      { opType: 'Gradient', domain: 'ai.onnx.preview.training', opset: 1, count: 2, nodes: ['g', 'h'] },
    ]);
    const c = classifyError(e);
    expect(c.status).toBe('unsupported');
    expect(c.blockers).toEqual(['Loop (opset 11)', 'Gradient (ai.onnx.preview.training opset 1)']);
  });

  test('the same error that lost its class (crossed a worker) is still recognized by name', () => {
    const original = new UnsupportedOpsError([{ opType: 'TopK', domain: '', opset: 11, count: 1, nodes: ['t'] }]);
    const clone = Object.assign(new Error(original.message), { name: 'UnsupportedOpsError' });
    expect(classifyError(clone)).toMatchObject({ status: 'unsupported', blockers: ['TopK (opset 11)'] });
  });

  test('unsupported forms, GPU-less dtypes and device limits are unsupported', () => {
    expect(classifyError(new UnsupportedFormError('r', 'Reshape', "input 'shape' must be a constant"))).toMatchObject({
      status: 'unsupported',
      blockers: ['Reshape (form)'],
    });
    expect(classifyError(CompileError("input 'x' is float64: WebGPU has no 64-bit floats"))).toMatchObject({
      status: 'unsupported',
      blockers: ['dtype float64'],
    });
    const limit = Object.assign(new Error('tensor t needs 300 MiB'), { name: 'DeviceLimitError' });
    expect(classifyError(limit).status).toBe('unsupported');
    // run() refusing a shape-like input value the compiled shapes do not cover (a 0 read as a size ≥ 1)…
    const value = new UnsupportedValueError("input 'shape' element 1 is 0; this compiled model needs ≥ 1 there");
    expect(classifyError(value)).toMatchObject({ status: 'unsupported', blockers: ['shape-like input value (run)'] });
    // …but a malformed input is the runner's bug.
    expect(classifyError(new InputValidationError("input 'x': expected rank 2")).status).toBe('error');
  });

  test('a deliberate codegen refusal is unsupported; a crash wrapped in CodegenError is an error', () => {
    const refusal = CodegenError("node 'p' (pool): ceil_mode with dilations is not supported", new Error('x'));
    expect(classifyError(refusal)).toMatchObject({ status: 'unsupported', blockers: ['pool (codegen)'] });
    const crash = CodegenError("node 'p' (pool): not supported: cannot read properties of undefined", new TypeError('x'));
    expect(classifyError(crash).status).toBe('error');
  });

  test('import failures that are not refusals, unbound symbols and plain crashes are errors', () => {
    expect(classifyError(new ImportError('shapes [2, 3] and [4] do not broadcast', 'a', 'Add')).status).toBe('error');
    expect(classifyError(CompileError("unbound symbolic dims: 'n' (input 'x' axis 0)")).status).toBe('error');
    expect(classifyError(new TypeError('x is undefined'))).toEqual({ status: 'error', reason: 'TypeError: x is undefined' });
    expect(classifyError('thrown string')).toEqual({ status: 'error', reason: 'thrown string' });
  });
});

test('shortReason keeps the first non-empty line, at most ~120 characters', () => {
  expect(shortReason('\n  first   line \nsecond')).toBe('first line');
  const long = shortReason('x'.repeat(300));
  expect(long.length).toBe(120);
  expect(long.endsWith('…')).toBe(true);
});

test('maskReason groups the same problem across node names and numbers, even when cut short', () => {
  expect(maskReason("Gather 'node_3': index 17 out of range [0, 4)")).toBe(maskReason("Gather 'n7': index 9 out of range [0, 12)"));
  expect(maskReason("dims: 'range_len_abc_def… (cut")).toBe("dims: '…'");
  expect(maskReason('float64 stays')).toBe('float64 stays');
});
