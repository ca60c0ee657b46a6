/**
 * The CLI (src/cli/program.ts `main`), run in-process with captured output: exit codes and the
 * one-line messages for each error class, help texts, inspect, compile, run (random, .npy, a
 * compiled folder) and compare (passing models, a forced mismatch, --json, --range, --dim).
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/program.js';
import { judge } from '../../src/cli/compare.js';
import type { Io } from '../../src/cli/io.js';
import { cli, fixture, tempDir, tinyCnn } from './helpers.js';

const tmp = tempDir('cli');

/** stderr without Dawn's two harmless adapter warnings. */
const errorLines = (err: string) => err.split('\n').filter((l) => l !== '' && !l.startsWith('Warning: max'));

describe('usage', () => {
  test('--help lists the commands; compare --help states the pass rule', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const c of ['compile', 'run', 'compare', 'inspect']) expect(top.out).toContain(c);
    const compare = await cli('compare', '--help');
    expect(compare.code).toBe(0);
    expect(compare.out).toContain('relative L2 error <= 0.0001 and max abs error <= 0.001 * max|reference|');
  });

  test.each([
    [[], 2, /Usage: onnx-wgsl/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
    [['compile', tinyCnn], 2, /required option '-o, --out <dir>' not specified/],
    [['compile', fixture('symbolic-batch.onnx'), '-o', '/nonexistent/x', '--dim', 'batch'], 2, /^onnx-wgsl: --dim batch: expected symbol=N/],
    [['compare', tinyCnn, '--range', 'nope=0:1'], 2, /^onnx-wgsl: --range nope: the model has no input 'nope' \(inputs: image\)/],
    [['compare', tinyCnn, '--seed', 'abc'], 2, /^onnx-wgsl: --seed abc: expected an integer/],
  ])('%j exits %i', async (argv, code, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(code);
    expect(r.out + r.err).toMatch(message);
  });
});

describe('errors print one line, with the stack only under --verbose', () => {
  const truncated = join(tmp, 'truncated.onnx');
  writeFileSync(truncated, readFileSync(tinyCnn).subarray(0, 1000));

  test.each([
    ['unsupported ops', fixture('unsupported-op.onnx'), [], /^onnx-wgsl: \d+ unsupported ops: Frobnicate \(com\.example opset 1\) ×2: frob_a, frob_b; Wibble \(com\.example opset 1\) ×1: wibble$/],
    ['decode', truncated, [], /^onnx-wgsl: .*truncated\.onnx is not a valid ONNX model: /],
    ['missing file', join(tmp, 'nope.onnx'), [], /^onnx-wgsl: .*nope\.onnx: no such file$/],
    ['float64', fixture('float64.onnx'), [], /^onnx-wgsl: input 'x' is float64: WebGPU has no 64-bit floats/],
    ['int64 range', fixture('int64-overflow.onnx'), [], /^onnx-wgsl: constant 'big' \(int64\): element 1 = 1099511627776 does not fit in 32 bits/],
    ['max-dim on a bound symbol', fixture('symbolic-batch.onnx'), ['--dim', 'batch=2', '--max-dim', 'batch=4'], /^onnx-wgsl: --max-dim batch: 'batch' is bound at compile time \(--dim batch=2\), so it has no range to bound$/],
    ['unknown symbol', fixture('symbolic-batch.onnx'), ['--dim', 'seq=3'], /^onnx-wgsl: dims binds 'seq', which no graph input uses \(symbols: batch\)$/],
  ])('%s', async (_what, model, extra, message) => {
    const target = join(tmp, 'never');
    const r = await cli('compile', model, '-o', target, ...extra);
    expect(r.code).toBe(1);
    const lines = errorLines(r.err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    const verbose = await cli('compile', model, '-o', target, ...extra, '--verbose');
    expect(verbose.code).toBe(1);
    expect(verbose.err).toMatch(/\n\s+at /); // a stack frame
  });

  test('an unexpected error says it is a bug and how to get the stack', async () => {
    const io: Io = {
      out: () => {
        throw new TypeError('stdout exploded');
      },
      err: (l) => lines.push(l),
    };
    const lines: string[] = [];
    expect(await main(['inspect', tinyCnn], io)).toBe(1);
    expect(lines).toEqual(['onnx-wgsl: internal error: stdout exploded', '(this is a bug in onnx-wgsl; rerun with --verbose for the stack trace)']);
  });
});

describe('inspect', () => {
  test('describes a supported model', async () => {
    const r = await cli('inspect', tinyCnn);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ir version:\s+8/);
    expect(r.out).toMatch(/opsets:\s+ai\.onnx 13/);
    expect(r.out).toContain('image: float32 [1, 1, 8, 8]');
    expect(r.out).toMatch(/Conv\s+1/);
    expect(r.out).toContain('unsupported ops: none');
  });

  test('lists every unsupported op and still exits 0; --json is parseable', async () => {
    const r = await cli('inspect', fixture('unsupported-op.onnx'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { ops: Record<string, number>; unsupportedOps: { opType: string; count: number; nodes: string[] }[] };
    expect(j.ops).toEqual({ 'com.example::Frobnicate': 2, Relu: 1, 'com.example::Wibble': 1 });
    expect(j.unsupportedOps.map((o) => [o.opType, o.count, o.nodes])).toEqual([
      ['Frobnicate', 2, ['frob_a', 'frob_b']],
      ['Wibble', 1, ['wibble']],
    ]);
    const text = await cli('inspect', fixture('unsupported-op.onnx'));
    expect(text.out).toContain('Frobnicate (com.example opset 1) ×2: frob_a, frob_b');
  });

  test('shows symbolic dims by name', async () => {
    const r = await cli('inspect', fixture('symbolic-batch.onnx'));
    expect(r.out).toContain('x: float32 [batch, 4]');
  });
});

describe('compile and run', () => {
  test('run prints the outputs; values agree with onnxruntime on the same .npy input', async () => {
    const npy = fixture('tiny-cnn-image.npy');
    const r = await cli('run', tinyCnn, '--input', `image=${npy}`);
    expect(r.code).toBe(0);
    const line = r.out.split('\n').find((l) => l.startsWith('output probs'))!;
    expect(line).toMatch(/^output probs: float32 \[1, 10\] \[/);
    const shown = line.slice(line.lastIndexOf('[') + 1).split(',').slice(0, 6).map(Number);
    const image = new Float32Array(64).map((_, i) => -1 + (2 * i) / 63);
    const session = await ort.InferenceSession.create(tinyCnn);
    const want = (await session.run({ image: new ort.Tensor('float32', image, [1, 1, 8, 8]) })).probs!.data as Float32Array;
    await session.release();
    shown.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  test('compile writes a folder that run loads; --dim does not apply to a folder', async () => {
    const target = join(tmp, 'cnn');
    const c = await cli('compile', tinyCnn, '-o', target);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^compiled tiny-cnn\.onnx → .*: \d+ kernels/);
    const r = await cli('run', target, '--seed', '3');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/output probs: float32 \[1, 10\]/);
    const bad = await cli('run', target, '--dim', 'batch=2');
    expect(bad.code).toBe(2);
  });

  test('an input of the wrong shape names the input and what was expected', async () => {
    const r = await cli('run', tinyCnn, '--input', `image=${fixture('sample-f4.npy')}`);
    expect(r.code).toBe(1);
    expect(errorLines(r.err)).toEqual(["onnx-wgsl: input 'image': expected rank 4 (float32 [1, 1, 8, 8]), got rank 3 [2, 3, 4]"]);
  });
});

describe('compare', () => {
  test('tiny-cnn matches onnxruntime', async () => {
    const r = await cli('compare', tinyCnn, '--seed', '7');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/output probs: float32 \[1, 10\] .* pass$/m);
    expect(r.out).toMatch(/^pass: 1\/1 outputs match onnxruntime$/m);
  });

  test('a bound no GPU result meets is a FAIL and exit 1', async () => {
    const r = await cli('compare', tinyCnn, '--rtol', '0', '--atol-scale', '0');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL: relative L2 error .* > 0; max abs error .* > 0 \* /);
  });

  test('--dim binds a symbol; --json is machine-readable', async () => {
    const r = await cli('compare', fixture('symbolic-batch.onnx'), '--dim', 'batch=3', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { pass: boolean; inputs: { dims: number[] }[]; outputs: { name: string; dims: number[]; pass: boolean; relL2Error: number }[] };
    expect(j.pass).toBe(true);
    expect(j.inputs[0]!.dims).toEqual([3, 4]);
    expect(j.outputs.map((o) => [o.name, o.dims, o.pass])).toEqual([['y', [3, 4], true]]);
    expect(j.outputs[0]!.relL2Error).toBeLessThan(1e-6);
  });

  test('onnxruntime refusing the inputs is a one-line error, not a crash', async () => {
    // Default integer inputs are in [0, 10]; Gather on an axis of 5 rejects most of them.
    const r = await cli('compare', fixture('mixed-types.onnx'), '--range', 'idx=7:9');
    expect(r.code).toBe(1);
    const lines = errorLines(r.err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^onnx-wgsl: onnxruntime \(the reference\) failed: .*out of data bounds/);
  });

  test('int64, bool and float inputs and outputs, with --range for valid indices', async () => {
    const r = await cli('compare', fixture('mixed-types.onnx'), '--range', 'idx=-5:4', '--range', 'x=-3:3', '--seed', '2');
    expect(r.code).toBe(0);
    expect(r.out).toContain('input  idx: int64 [3] random [-5, 4]');
    expect(r.out).toContain('input  mask: bool [2, 5] random bool');
    for (const o of ['gathered: float32 [2, 3]', 'selected: float32 [2, 5]', 'argmax: int64 [2]']) expect(r.out).toContain(`output ${o}`);
    expect(r.out).toMatch(/^pass: 3\/3 outputs match onnxruntime$/m);
  });
});

test('float16 models: computed in f32 (compile says so), judged with half-precision bounds', async () => {
  const c = await cli('compile', fixture('float16.onnx'), '-o', join(tmp, 'f16'));
  expect(c.code).toBe(0);
  expect(c.out).toContain('note: float16 values are computed and stored as f32 on the GPU');
  const r = await cli('compare', fixture('float16.onnx'), '--json');
  expect(r.code).toBe(0);
  const j = JSON.parse(r.out) as { outputs: { dtype: string; rtol: number; relL2Error: number; pass: boolean }[] };
  expect(j.outputs[0]).toMatchObject({ dtype: 'float16', rtol: 5e-3, pass: true });
  expect(j.outputs[0]!.relL2Error).toBeGreaterThan(0); // the f32 result is not the float16 one
});

describe('the pass rule (judge)', () => {
  const t = (xs: number[], dims = [xs.length]) => ({ data: Float32Array.from(xs), dims });
  test('passes small relative differences, fails one wrong element, NaN mismatches and dims', () => {
    const ref = t([1, -2, 3, 4]);
    expect(judge('y', 'float32', t([1, -2, 3, 4 + 1e-6]), ref, 1e-4, 1e-3).pass).toBe(true);
    const one = judge('y', 'float32', t([1, -2, 3.01, 4]), ref, 1e-4, 1e-3);
    expect(one.pass).toBe(false);
    expect(one.reason).toMatch(/relative L2 error .* > 0.0001; max abs error .* > 0.001 \* 4.000/);
    expect(judge('y', 'float32', t([1, NaN, 3, 4]), ref, 1e-4, 1e-3).reason).toMatch(/1 NaN mismatch/);
    expect(judge('y', 'float32', t([NaN, 1]), t([NaN, 1]), 1e-4, 1e-3).pass).toBe(true);
    expect(judge('y', 'float32', t([1, 2, 3, 4], [2, 2]), ref, 1e-4, 1e-3).reason).toBe('dims differ');
    const ints = judge('i', 'int64', { data: BigInt64Array.from([1n, 2n, 4n]), dims: [3] }, { data: BigInt64Array.from([1n, 2n, 3n]), dims: [3] }, 1e-4, 1e-3);
    expect(ints.pass).toBe(false);
  });
});
