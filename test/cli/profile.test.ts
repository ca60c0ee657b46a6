/**
 * `profile` and `inspect --json` in-process on examples/tiny-cnn.onnx: one row per plan kernel,
 * positive times sorted slowest first whose sum is within the GPU span and the end-to-end time,
 * FLOPs of the conv and the fully connected layer worked out by hand from the model's shapes,
 * bytes equal to the kernel's bindings, rates consistent with them; the text table; the HTML
 * report (self-contained, every kernel named); inspect's compiled op histogram and kernel count
 * (equal to the plan's), and a model that does not compile without --dim. Never asserts speed.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ProfileResult } from '../../src/cli/profile.js';
import type { InspectResult } from '../../src/cli/inspect.js';
import { compileToMemory } from '../../src/compile.js';
import { cli, fixture, tempDir, tinyCnn } from './helpers.js';

const tmp = tempDir('profile');

describe('profile', () => {
  const html = join(tmp, 'tiny.html');
  let r: ProfileResult;

  test('--json: per-kernel times, FLOPs and bytes', async () => {
    // One timed run: each kernel's "median" is then that run's own time, so the sums below hold exactly.
    const res = await cli('profile', tinyCnn, '--runs', '1', '--warmup', '1', '--json', '--out', html);
    expect(res.code, res.err).toBe(0);
    r = JSON.parse(res.out) as ProfileResult;
    const plan = compileToMemory(tinyCnn).plan;
    expect(r.kernels.map((k) => k.name).sort()).toEqual(plan.kernels.map((k) => k.name).sort());
    for (const k of r.kernels) expect(k.ms).toBeGreaterThan(0);
    expect(r.kernels.map((k) => k.ms)).toEqual([...r.kernels.map((k) => k.ms)].sort((a, b) => b - a));
    const sum = r.kernels.reduce((n, k) => n + k.ms, 0);
    expect(r.kernelSumMs).toBeCloseTo(sum, 9);
    expect(sum).toBeLessThanOrEqual(r.gpuSpan.median + 1e-9);
    expect(r.gpuSpan.median).toBeLessThanOrEqual(r.e2e.median);
    expect(r.kernels.reduce((n, k) => n + k.share, 0)).toBeCloseTo(1, 9);

    // Bytes are the kernel's bindings.
    for (const k of r.kernels) {
      const pk = plan.kernels.find((p) => p.name === k.name)!;
      expect(k.bytes).toBe([...pk.inputs, ...pk.outputs].reduce((n, b) => n + Number(b.size), 0)); // static plan: numbers
      expect(k.gbps).toBeCloseTo(k.bytes / (k.ms / 1e3) / 1e9, 9);
    }
    // tiny-cnn: Conv 1→4 channels, 3×3, pad 1 on 8×8 (+ bias, + relu when fused); Gemm 64→10 + bias.
    const conv = r.kernels.find((k) => /^conv(\+|$)/.test(k.op))!; // not a 'conv/pad' helper
    const convOut = 4 * 8 * 8;
    expect(conv.flops).toBe(2 * convOut * 9 + convOut + (conv.op.includes('+relu') ? convOut : 0));
    const fc = r.kernels.find((k) => k.op === 'matmul')!;
    expect(fc.flops).toBe(2 * 10 * 64 + 10);
    expect(fc.gflops).toBeCloseTo(fc.flops! / (fc.ms / 1e3) / 1e9, 9);
    expect(r.ops.reduce((n, o) => n + o.kernels, 0)).toBe(plan.kernels.length);
  });

  test('--out writes a self-contained HTML chart naming every kernel', () => {
    const text = readFileSync(html, 'utf8');
    expect(text.startsWith('<!doctype html>')).toBe(true);
    expect(text.match(/<svg /g)).toHaveLength(2);
    expect(text).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const k of r.kernels) expect(text).toContain(`<td>${k.name}</td>`);
  });

  test('the text table lists every kernel and the per-op summary', async () => {
    const res = await cli('profile', tinyCnn, '--runs', '2');
    expect(res.code, res.err).toBe(0);
    const lines = res.out.split('\n');
    expect(lines[0]).toMatch(/^profile tiny-cnn on .+: median of 2 runs after 2 warm-up$/);
    const header = lines.findIndex((l) => /^#\s+kernel\s+op\s+ms\s+%\s+FLOP\s+GFLOP\/s\s+bytes\s+GB\/s$/.test(l));
    expect(header).toBeGreaterThan(0);
    const n = compileToMemory(tinyCnn).plan.kernels.length;
    for (let i = 1; i <= n; i++) expect(lines[header + i]).toMatch(new RegExp(`^${i}\\s+\\S+\\s+\\S+\\s+[\\d.]+\\s+[\\d.]+`));
    expect(lines[header + n + 1]).toBe('by op:');
  });

  test('--out must name an .html file', async () => {
    const res = await cli('profile', tinyCnn, '--out', join(tmp, 'x.svg'));
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/--out .*x\.svg: the chart is HTML/);
  });
});

describe('inspect --json', () => {
  test('onnxNodes, the optimized op histogram and the kernels per inference', async () => {
    const res = await cli('inspect', tinyCnn, '--json');
    expect(res.code).toBe(0);
    const j = JSON.parse(res.out) as InspectResult;
    const compiled = compileToMemory(tinyCnn);
    expect(j.onnxNodes).toBe(6);
    expect(j.nodes).toBe(6);
    expect(j.kernels).toBe(compiled.plan.kernels.length);
    expect(Object.values(j.optimizedOps!).reduce((a, b) => a + b, 0)).toBe(compiled.graph.nodes.length);
    expect(j.optimizedOps).toMatchObject({ conv: 1, matmul: 1, pool: 1, softmax: 1 });
    // Flatten is a view: it is an IR op but never a kernel.
    expect(j.kernels!).toBeLessThan(compiled.graph.nodes.length);
    expect(j.compileError).toBeUndefined();
  });

  test('a symbolic model compiles with its symbols kept, and with them bound by --dim', async () => {
    const without = JSON.parse((await cli('inspect', fixture('symbolic-batch.onnx'), '--json')).out) as InspectResult;
    expect(without.compileError).toBeUndefined();
    expect(without.kernels).toBe(compileToMemory(fixture('symbolic-batch.onnx')).plan.kernels.length);
    const text = await cli('inspect', fixture('symbolic-batch.onnx'));
    expect(text.out).toMatch(/compiled: .* GPU kernels per inference/);
    const bound = JSON.parse((await cli('inspect', fixture('symbolic-batch.onnx'), '--dim', 'batch=2', '--json')).out) as InspectResult;
    expect(bound.kernels).toBe(compileToMemory(fixture('symbolic-batch.onnx'), { dims: { batch: 2 } }).plan.kernels.length);
    expect(bound.kernels).toBeGreaterThan(0);
  });
});
