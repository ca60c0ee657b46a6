/**
 * `bench`'s output: a plain-text table for the terminal, a markdown report (the committed zoo
 * benchmark; it carries the command that reproduces it and the machine it ran on) and the summary
 * both end with — the geometric mean of our time over onnxruntime's and the models where ours is
 * slower. Every time is "median (p90)" in milliseconds; ratios compare medians, below 1 = faster.
 */

import type { BenchReport, BenchRow, Outcome } from './bench.js';
import { geomean, type TimingStats } from './stats.js';

export interface BenchSummary {
  /** Geometric means of ours ÷ theirs over the models where both ran. */
  geomeanOursOverOrtWebgpu: number | null;
  geomeanOursOverOrtCpu: number | null;
  /** Models where our median is above onnxruntime WebGPU's. */
  slowerThanOrtWebgpu: string[];
  /** Models where our outputs do not match onnxruntime CPU. */
  mismatches: string[];
}

export function summarizeBench(report: BenchReport): BenchSummary {
  const ratio = (f: (r: BenchRow) => number | null) => {
    const xs = report.models.map(f).filter((x): x is number => x !== null);
    return xs.length > 0 ? geomean(xs) : null;
  };
  return {
    geomeanOursOverOrtWebgpu: ratio((r) => r.ratios.oursOverOrtWebgpu),
    geomeanOursOverOrtCpu: ratio((r) => r.ratios.oursOverOrtCpu),
    slowerThanOrtWebgpu: report.models.filter((r) => (r.ratios.oursOverOrtWebgpu ?? 0) > 1).map((r) => r.model),
    mismatches: report.models.filter((r) => r.matches.ours !== null && r.matches.ours !== 'pass').map((r) => r.model),
  };
}

function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

function timing(s: TimingStats | null | undefined): string {
  return s ? `${ms(s.median)} (${ms(s.p90)})` : 'n/a';
}

function cell<T extends { e2e: TimingStats }>(o: Outcome<T>): string {
  return o.ok ? timing(o.e2e) : 'failed';
}

function ratio(x: number | null): string {
  return x === null ? '—' : `${x.toFixed(2)}×`;
}

function matchCell(m: string | null): string {
  return m === null ? '—' : m === 'pass' ? 'yes' : 'NO';
}

const HEADER = ['model', 'kernels', 'ours e2e', 'ours GPU', 'ORT WebGPU', 'ORT CPU', 'ours÷WebGPU', 'ours÷CPU', 'matches'];

/** One table row per model, as strings, in HEADER's order. */
function cells(r: BenchRow): string[] {
  return [
    r.model,
    r.ours.ok ? String(r.ours.kernels) : '—',
    cell(r.ours),
    r.ours.ok ? timing(r.ours.gpu) : '—',
    cell(r.ortWebgpu),
    cell(r.ortCpu),
    ratio(r.ratios.oursOverOrtWebgpu),
    ratio(r.ratios.oursOverOrtCpu),
    matchCell(r.matches.ours),
  ];
}

/** Every failure and mismatch, one line each, for the notes under a table. */
function problems(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const r of report.models) {
    const sides: [string, Outcome<object>][] = [
      ['ours', r.ours],
      ['onnxruntime WebGPU', r.ortWebgpu],
      ['onnxruntime CPU', r.ortCpu],
    ];
    for (const [who, o] of sides) if (!o.ok) lines.push(`${r.model}: ${who} failed: ${o.error}`);
    if (r.matches.ours && r.matches.ours !== 'pass') lines.push(`${r.model}: our outputs differ from onnxruntime CPU: ${r.matches.ours}`);
    if (r.matches.ortWebgpu && r.matches.ortWebgpu !== 'pass') {
      lines.push(`${r.model}: onnxruntime WebGPU's outputs differ from its CPU provider's: ${r.matches.ortWebgpu}`);
    }
  }
  return lines;
}

function summaryLines(report: BenchReport): string[] {
  const s = summarizeBench(report);
  const g = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
  return [
    `geometric mean of ours ÷ onnxruntime WebGPU: ${g(s.geomeanOursOverOrtWebgpu)}; ours ÷ onnxruntime CPU: ${g(s.geomeanOursOverOrtCpu)}`,
    `slower than onnxruntime WebGPU: ${s.slowerThanOrtWebgpu.length ? s.slowerThanOrtWebgpu.join(', ') : 'none'}`,
  ];
}

/** The terminal table. */
export function formatBenchText(report: BenchReport): string[] {
  const rows = [HEADER, ...report.models.map(cells)];
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ').trimEnd();
  const out = [
    `adapter: ${report.env.adapter}; ${report.env.onnxruntime}; median (p90) ms of ${report.runs} runs after ${report.warmup} warm-up`,
    line(rows[0]!),
    ...rows.slice(1).map(line),
    ...summaryLines(report),
  ];
  for (const p of problems(report)) out.push(`note: ${p}`);
  return out;
}

/** The markdown report; `command` is the line that reproduces it. */
export function formatBenchMarkdown(report: BenchReport, command: string): string {
  const e = report.env;
  const row = (r: string[]) => `| ${r.join(' | ')} |`;
  const lines = [
    '# Benchmark: onnx-wgsl vs onnxruntime-node',
    '',
    `Produced by \`${command}\` (from the repository root, after \`npm run build\`) on ${e.date.slice(0, 10)}.`,
    '',
    `- Adapter: ${e.adapter} — ours and onnxruntime's WebGPU execution provider run on it in one process.`,
    `- Host: ${e.cpu}, Node ${e.node}, ${e.onnxruntime}.`,
    `- Machine load (1-minute average): ${e.loadStart.toFixed(2)} before the bench, ${e.loadEnd.toFixed(2)} after it (which counts the bench itself). ` +
      'The machine is shared, so expect noise of several percent between runs; p90 shows how much a run suffered.',
    `- Each time is the median (p90) in ms of ${report.runs} runs after ${report.warmup} warm-up runs, host inputs in → host outputs out, ` +
      "the same seeded inputs for every provider (models.json's shapes and ranges). " +
      '"ours GPU" is the GPU time of one run from timestamp queries. "kernels" is GPU dispatches per inference. ' +
      'Ratios compare medians (below 1× = ours is faster). "matches": our outputs agree with onnxruntime CPU ' +
      '(relative L2 error ≤ 1e-4 and max abs error ≤ 1e-3·max|reference|).',
    '',
    row(HEADER),
    row(HEADER.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...report.models.map((r) => row(cells(r))),
    '',
    ...summaryLines(report).map((l) => `- ${l[0]!.toUpperCase()}${l.slice(1)}.`),
  ];
  const notes = problems(report);
  if (notes.length > 0) lines.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** --json: the report plus its summary; non-finite numbers as strings so JSON keeps them. */
export function formatBenchJson(report: BenchReport): string {
  return JSON.stringify({ ...report, summary: summarizeBench(report) }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}
