/**
 * `bench` in-process on examples/tiny-cnn.onnx with a couple of runs: the JSON fields for each
 * provider (ours end to end and GPU, onnxruntime WebGPU and CPU), statistics consistent with their
 * samples, ratios equal to the medians' quotient, outputs judged against onnxruntime CPU, the
 * kernel count equal to the plan's; the text table and the markdown report; `--zoo` over a
 * temporary models.json (symbol bindings, padding masks, a listed model that is missing); a model
 * every provider fails on reported cell by cell without crashing. Never asserts speed.
 */

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileToMemory } from '../../src/compile.js';
import type { BenchReport } from '../../src/cli/bench.js';
import { applyFills } from '../../src/cli/zoo.js';
import type { TimingStats } from '../../src/cli/stats.js';
import { cli, fixture, tempDir, tinyCnn } from './helpers.js';

const tmp = tempDir('bench');

function expectStats(s: TimingStats, runs: number): void {
  expect(s.samples).toHaveLength(runs);
  for (const x of s.samples) expect(x).toBeGreaterThan(0);
  const sorted = [...s.samples].sort((a, b) => a - b);
  expect(s.min).toBe(sorted[0]);
  expect(s.max).toBe(sorted.at(-1));
  expect(s.samples).toContain(s.median);
  expect(s.p90).toBeGreaterThanOrEqual(s.median);
}

describe('bench MODEL.onnx', () => {
  const md = join(tmp, 'report', 'bench.md');
  let report: BenchReport;

  test('--json: every provider measured, consistent statistics and ratios, outputs match', async () => {
    const r = await cli('bench', tinyCnn, '--runs', '3', '--warmup', '1', '--json', '--markdown', md);
    expect(r.code, r.err).toBe(0);
    report = JSON.parse(r.out) as BenchReport;
    expect([report.runs, report.warmup, report.seed]).toEqual([3, 1, 0]);
    expect(report.env.adapter).not.toMatch(/^unknown/);
    expect(report.models).toHaveLength(1);
    const row = report.models[0]!;
    expect(row.model).toBe('tiny-cnn');
    expect(row.inputs).toEqual([{ name: 'image', dtype: 'float32', dims: [1, 1, 8, 8], source: 'random [-1, 1)' }]);
    if (!row.ours.ok || !row.ortWebgpu.ok || !row.ortCpu.ok) throw new Error(`a provider failed: ${JSON.stringify(row)}`);
    expect(row.ours.kernels).toBe(compileToMemory(tinyCnn).plan.kernels.length);
    expectStats(row.ours.e2e, 3);
    expectStats(row.ours.gpu!, 3);
    expectStats(row.ortWebgpu.e2e, 3);
    expectStats(row.ortCpu.e2e, 3);
    // (GPU time ≤ end-to-end time is checked per run in test/runtime/profile.test.ts: here the two
    // come from two instances run alternately, so no single run pairs them.)
    expect(row.ratios.oursOverOrtWebgpu).toBeCloseTo(row.ours.e2e.median / row.ortWebgpu.e2e.median, 12);
    expect(row.ratios.oursOverOrtCpu).toBeCloseTo(row.ours.e2e.median / row.ortCpu.e2e.median, 12);
    expect(row.matches).toEqual({ ours: 'pass', ortWebgpu: 'pass' });
    const summary = (JSON.parse(r.out) as { summary: { geomeanOursOverOrtWebgpu: number } }).summary;
    expect(summary.geomeanOursOverOrtWebgpu).toBeCloseTo(row.ratios.oursOverOrtWebgpu!, 12);
  });

  test('--markdown: the command, the adapter and the table', () => {
    const text = readFileSync(md, 'utf8');
    expect(text).toContain(`Produced by \`node dist/src/cli/main.js bench ${tinyCnn} --runs 3 --warmup 1 --markdown ${md}\``);
    expect(text).toContain(`Adapter: ${report.env.adapter}`);
    expect(text).toContain('| model | kernels | ours e2e | ours GPU | ORT WebGPU | ORT CPU | ours÷WebGPU | ours÷CPU | matches |');
    const row = text.split('\n').find((l) => l.startsWith('| tiny-cnn |'))!;
    expect(row.split('|').map((c) => c.trim())).toHaveLength(11);
    expect(row).toMatch(/\| yes \|$/);
  });

  test('the text table has a header, one row per model and the summary', async () => {
    const r = await cli('bench', tinyCnn, '--runs', '2', '--warmup', '0');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^adapter: .*; onnxruntime-node [\d.]+; median \(p90\) ms of 2 runs after 0 warm-up$/);
    expect(lines[1]!.split(/\s{2,}/)).toEqual(['model', 'kernels', 'ours e2e', 'ours GPU', 'ORT WebGPU', 'ORT CPU', 'ours÷WebGPU', 'ours÷CPU', 'matches']);
    expect(lines[2]).toMatch(/^tiny-cnn\s+\d+\s+[\d.]+ \([\d.]+\)\s+[\d.]+ \([\d.]+\)\s+[\d.]+ \([\d.]+\)\s+[\d.]+ \([\d.]+\)\s+[\d.]+×\s+[\d.]+×\s+yes$/);
    expect(lines[3]).toMatch(/^geometric mean of ours ÷ onnxruntime WebGPU: [\d.]+×; ours ÷ onnxruntime CPU: [\d.]+×$/);
  });

  test('a model nobody can run: each cell says why, exit code 1, no crash', async () => {
    const r = await cli('bench', fixture('unsupported-op.onnx'), '--runs', '1', '--json');
    expect(r.code).toBe(1);
    const row = (JSON.parse(r.out) as BenchReport).models[0]!;
    expect(row.ours).toMatchObject({ ok: false, error: expect.stringMatching(/unsupported ops: Frobnicate/) });
    expect(row.ortWebgpu.ok).toBe(false);
    expect(row.ortCpu.ok).toBe(false);
    expect(row.ratios).toEqual({ oursOverOrtWebgpu: null, oursOverOrtCpu: null });
    expect(row.matches).toEqual({ ours: null, ortWebgpu: null });
  });

  test.each([
    [[], /give either MODEL.onnx or --zoo DIR/],
    [[tinyCnn, '--runs', '0'], /--runs 0: expected an integer ≥ 1/],
    [[tinyCnn, '--only', 'x'], /--only applies to --zoo/],
  ])('usage error %j', async (argv, message) => {
    const r = await cli('bench', ...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('bench --zoo', () => {
  test('models.json gives inputs and symbol bindings; a listed model that is missing is skipped', async () => {
    const zoo = join(tmp, 'zoo');
    rmSync(zoo, { recursive: true, force: true });
    mkdirSync(zoo, { recursive: true });
    copyFileSync(tinyCnn, join(zoo, 'tiny-cnn.onnx'));
    copyFileSync(fixture('symbolic-batch.onnx'), join(zoo, 'sym.onnx'));
    writeFileSync(
      join(zoo, 'models.json'),
      JSON.stringify({
        models: {
          sym: { inputs: { x: { dtype: 'float32', shape: [3, 4], range: [2, 3] } }, symbolic: { batch: [3] } },
          absent: { inputs: { x: { dtype: 'float32', shape: [1] } } },
          'tiny-cnn': { inputs: { image: { dtype: 'float32', shape: [1, 1, 8, 8], range: [0, 1] } } },
        },
      }),
    );
    const r = await cli('bench', '--zoo', zoo, '--runs', '2', '--warmup', '0', '--json', '--verbose');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('absent.onnx is listed in models.json but not in');
    const report = JSON.parse(r.out) as BenchReport;
    expect(report.models.map((m) => m.model)).toEqual(['sym', 'tiny-cnn']);
    const sym = report.models[0]!;
    expect(sym.dims).toEqual({ batch: 3 });
    expect(sym.inputs).toEqual([{ name: 'x', dtype: 'float32', dims: [3, 4], source: 'random [2, 3)' }]);
    for (const m of report.models) {
      expect(m.ours.ok && m.ortWebgpu.ok && m.ortCpu.ok).toBe(true);
      expect(m.matches.ours).toBe('pass');
    }
    const only = await cli('bench', '--zoo', zoo, '--only', 'tiny-cnn', '--runs', '1', '--json');
    expect((JSON.parse(only.out) as BenchReport).models.map((m) => m.model)).toEqual(['tiny-cnn']);
    const typo = await cli('bench', '--zoo', zoo, '--only', 'tiny_cnn');
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/--only tiny_cnn: not in .*models\.json \(models: sym, absent, tiny-cnn\)/);
    expect(existsSync(join(zoo, 'models.json'))).toBe(true);
  });

  test("'padding' masks: per row ones then zeros, at least one one, seeded", () => {
    const dims = [4, 9];
    const input = { name: 'mask', dtype: 'int64' as const, dims, data: new BigInt64Array(36).fill(7n), source: 'random' };
    const entry = { inputs: { mask: { dtype: 'int64', shape: dims, fill: 'padding' } } };
    const [a] = applyFills([input], entry, 5);
    const [b] = applyFills([input], entry, 5);
    expect(Array.from(a!.data as BigInt64Array)).toEqual(Array.from(b!.data as BigInt64Array));
    expect(a!.source).toBe('padding mask');
    const lengths = new Set<number>();
    for (let r = 0; r < 4; r++) {
      const row = Array.from((a!.data as BigInt64Array).subarray(r * 9, r * 9 + 9), Number);
      const len = row.indexOf(0) === -1 ? 9 : row.indexOf(0);
      expect(len).toBeGreaterThanOrEqual(1);
      expect(row).toEqual([...Array<number>(len).fill(1), ...Array<number>(9 - len).fill(0)]);
      lengths.add(len);
    }
    expect(lengths.size).toBeGreaterThan(1); // random lengths, not one fixed pattern
  });
});
