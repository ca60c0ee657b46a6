/**
 * The conformance report: REPORT.md for people (totals per suite, what blocks the unsupported
 * tests ranked by how many tests each blocks, the most common error reasons, then every test with
 * its status) and results.json for the regression test ("suite/name" → status, sorted).
 *
 * Errors are grouped by their reason with names and numbers masked, so "Gather 'node_3': …" and
 * "Gather 'node_7': …" count as one problem to fix.
 */

import { maskReason } from './classify.js';
import { RTOL, ATOL } from './compare.js';
import { SUITES, caseKey } from './cases.js';
import { STATUSES, type ConformanceRun, type Status, type TestResult } from './runner.js';

export type ResultsFile = Record<string, Status>;

export function resultsJson(results: readonly TestResult[]): ResultsFile {
  const out: ResultsFile = {};
  for (const r of [...results].sort((a, b) => caseKey(a).localeCompare(caseKey(b)))) out[caseKey(r)] = r.status;
  return out;
}

type Counts = Record<Status, number>;

function count(results: readonly TestResult[]): Counts {
  const c = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Counts;
  for (const r of results) c[r.status]++;
  return c;
}

/** Markdown table cell: no pipes or newlines. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function pct(n: number, of: number): string {
  return of === 0 ? '–' : `${((100 * n) / of).toFixed(1)}%`;
}

interface Ranked {
  key: string;
  tests: TestResult[];
}

function rank(groups: Map<string, TestResult[]>): Ranked[] {
  return [...groups].map(([key, tests]) => ({ key, tests })).sort((a, b) => b.tests.length - a.tests.length || a.key.localeCompare(b.key));
}

/** "Add (opset 6)" → ["Add", "opset 6"]; blockers that are not ops stay whole. */
function splitOpset(blocker: string): [string, string | undefined] {
  const m = /^([\w.]+) \(((?:[\w.]+ )?opset \d+|no opset import)\)$/.exec(blocker);
  return m ? [m[1]!, m[2]!] : [blocker, undefined];
}

interface BlockerRank extends Ranked {
  /** The opsets the op was refused at, for op blockers. */
  opsets: string[];
}

/** Unsupported tests by blocker, ops grouped over opsets; a test blocked by two ops counts for both. */
export function rankBlockers(results: readonly TestResult[]): BlockerRank[] {
  const groups = new Map<string, TestResult[]>();
  const opsets = new Map<string, Set<string>>();
  for (const r of results) {
    if (r.status !== 'unsupported') continue;
    const keys = new Set((r.blockers ?? ['(unspecified)']).map((x) => splitOpset(x)[0]));
    for (const k of keys) groups.set(k, [...(groups.get(k) ?? []), r]);
    for (const b of r.blockers ?? []) {
      const [key, opset] = splitOpset(b);
      if (opset) opsets.set(key, (opsets.get(key) ?? new Set()).add(opset));
    }
  }
  const byVersion = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });
  return rank(groups).map((g) => ({ ...g, opsets: [...(opsets.get(g.key) ?? [])].sort(byVersion) }));
}

/** Error tests grouped by masked reason. */
export function rankErrors(results: readonly TestResult[]): Ranked[] {
  const groups = new Map<string, TestResult[]>();
  for (const r of results) {
    if (r.status !== 'error') continue;
    const key = maskReason(r.reason ?? '(no reason)');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return rank(groups);
}

function examples(tests: TestResult[], n = 3): string {
  const shown = tests.slice(0, n).map((t) => caseKey(t));
  return shown.join(', ') + (tests.length > n ? `, … (+${tests.length - n})` : '');
}

function formatErr(x: number | undefined): string {
  return x === undefined ? '' : x === 0 ? '0' : x.toExponential(2);
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The header line on `--f64-as-f32`, which every test compiles with (prepare.ts). */
function f64Line(results: readonly TestResult[]): string {
  const ran = results.filter((r) => r.f64AsF32);
  const passed = ran.filter((r) => r.status === 'pass').length;
  return (
    `- Compile options: \`--f64-as-f32\` (float64 inputs, outputs, constants and casts computed in f32 on the GPU, ` +
    `compared with the same tolerance); ${ran.length} tests needed it and ${passed} of them pass only thanks to it ` +
    `(without it they are unsupported: dtype float64).`
  );
}

export interface ReportContext {
  command: string;
  date: Date;
}

export function renderReport(run: ConformanceRun, ctx: ReportContext): string {
  const { results } = run;
  const lines: string[] = [];
  const totalCompile = results.reduce((s, r) => s + (r.compileMs ?? 0), 0);
  const totalGpu = results.reduce((s, r) => s + (r.gpuMs ?? 0), 0);
  const where = run.compileIn === 'worker' ? 'in a worker thread, overlapping the GPU work' : 'on the main thread';
  const cache = /^(1|true|yes)$/i.test(process.env['MESA_SHADER_CACHE_DISABLE'] ?? '') ? 'disabled (cold)' : 'enabled';
  lines.push(
    '# ONNX backend conformance',
    '',
    `- Command: \`${ctx.command}\``,
    `- Date: ${ctx.date.toISOString()}`,
    `- Adapter: ${run.adapter}`,
    `- Data: Debian libonnx-testdata (ONNX 1.12 backend test data), \`test_data_set_0\` of each test`,
    `- Run time: ${secs(run.wallMs)} wall; host decode+compile ${secs(totalCompile)} (${where}), GPU load+run ${secs(totalGpu)}; ` +
      `Mesa shader cache ${cache} (lavapipe's shader compiles dominate a cold run; a warm cache makes reruns much faster)`,
    `- Tolerance (the ONNX backend test's defaults, numpy.testing.assert_allclose): every element must satisfy ` +
      `|actual − expected| ≤ atol + rtol·|expected| with rtol = ${RTOL}, atol = ${ATOL}; NaN equals NaN, an infinity equals ` +
      `only itself; dims must match exactly and dtypes must be equal (int64 compared as numbers).`,
    f64Line(results),
    `- Statuses: **pass**; **fail** (ran, numbers differ); **unsupported** (the compiler refused with a specific reason: ` +
      `an op or opset without an importer, an unsupported form, a dtype the GPU lacks, a node the code generator says it ` +
      `does not support); **error** (anything else: a crash, ` +
      `a WGSL or WebGPU error, a timeout — bugs to fix); **no-data** (no data set; excluded from the totals).`,
    '',
    '## Totals',
    '',
    '| suite | tests (with data) | pass | fail | unsupported | error | no-data | pass rate |',
    '|---|---|---|---|---|---|---|---|',
  );
  const row = (label: string, rs: readonly TestResult[]) => {
    const c = count(rs);
    const withData = rs.length - c['no-data'];
    const counts = [c.pass, c.fail, c.unsupported, c.error, c['no-data']].join(' | ');
    lines.push(`| ${label} | ${withData} | ${counts} | ${pct(c.pass, withData)} |`);
  };
  const suites = SUITES.filter((s) => results.some((r) => r.suite === s));
  for (const s of suites) row(s, results.filter((r) => r.suite === s));
  row('**all**', results);

  lines.push('', '## What blocks the unsupported tests', '');
  lines.push('Ranked by the number of tests each blocks (a test blocked by several counts for each).');
  const runtimeConstant = results.filter((r) => r.status === 'unsupported' && /must be a constant/.test(r.reason ?? '')).length;
  if (runtimeConstant > 0) {
    lines.push(
      `${runtimeConstant} of the unsupported tests feed, as a graph input, a value the compiler needs as a constant ` +
        `(a shape, axes, pads, scales, k…): the "(form)" rows whose reason says "must be a constant".`,
    );
  }
  lines.push('');
  lines.push('| blocker | tests | refused at | example reason | tests blocked (first few) |', '|---|---|---|---|---|');
  for (const b of rankBlockers(results)) {
    const at = b.opsets.join(', ');
    lines.push(`| ${cell(b.key)} | ${b.tests.length} | ${cell(at)} | ${cell(b.tests[0]!.reason ?? '')} | ${cell(examples(b.tests))} |`);
  }

  lines.push('', '## Errors by reason', '', 'Grouped with names and numbers masked; every one is a bug to fix.', '');
  lines.push('| reason (masked) | tests | example |', '|---|---|---|');
  for (const e of rankErrors(results)) lines.push(`| ${cell(e.key)} | ${e.tests.length} | ${cell(examples(e.tests))} |`);

  const viaF64 = results.filter((r) => r.f64AsF32);
  if (viaF64.length > 0) {
    lines.push('', '## Tests run with float64 computed in f32', '');
    lines.push('They would be unsupported (dtype float64) without `--f64-as-f32`.', '');
    lines.push('| test | status | max abs err | reason |', '|---|---|---|---|');
    for (const r of viaF64) lines.push(`| ${caseKey(r)} | ${r.status} | ${formatErr(r.maxAbsErr)} | ${cell(r.reason ?? '')} |`);
  }

  const slow = [...results].sort((a, b) => (b.compileMs ?? 0) + (b.gpuMs ?? 0) - ((a.compileMs ?? 0) + (a.gpuMs ?? 0))).slice(0, 10);
  lines.push('', '## Slowest tests', '', '| test | compile | GPU |', '|---|---|---|');
  for (const r of slow) lines.push(`| ${caseKey(r)} | ${secs(r.compileMs ?? 0)} | ${secs(r.gpuMs ?? 0)} |`);

  for (const s of suites) {
    lines.push('', `## Suite ${s}`, '', '| test | status | max abs err | reason / error |', '|---|---|---|---|');
    for (const r of results.filter((x) => x.suite === s)) {
      lines.push(`| ${r.name} | ${r.status} | ${formatErr(r.maxAbsErr)} | ${cell(r.reason ?? '')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One line of totals, for progress and the end of a run. */
export function summaryLine(results: readonly TestResult[]): string {
  const c = count(results);
  return STATUSES.map((s) => `${s} ${c[s]}`).join(', ');
}
