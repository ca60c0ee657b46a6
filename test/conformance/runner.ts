/**
 * The ONNX backend conformance runner: every test of the chosen suites is decoded and compiled
 * (preparer.ts, in a worker thread when possible), loaded on one shared GPUDevice through the
 * runtime's createModel, run on the data set's inputs, and compared with its expected outputs
 * under the backend test's tolerance (compare.ts). Each test ends in exactly one status:
 *
 * - pass / fail: it ran; fail records the worst output and its max abs error;
 * - unsupported: the compiler refused with a specific reason (classify.ts);
 * - error: anything else — a crash, a WGSL or WebGPU validation error, a timeout: bugs to fix;
 * - no-data: the test folder has no data set (excluded from totals).
 *
 * Nothing a test does can stop the run: every stage is caught, the compile and the GPU stage each
 * have a timeout, every model is disposed, and a device that was lost (or left busy by a GPU
 * timeout) is replaced before the next test. While test i runs on the GPU, test i+1 compiles.
 */

import { createModel, type Model, type OutputTensor } from '../../runtime/index.js';
import type { InputTensor } from '../../runtime/validate.js';
import { caseKey, listCases, SUITES, type Suite, type TestCase } from './cases.js';
import { classifyError } from './classify.js';
import { compareOutputs } from './compare.js';
import { GpuSession } from './gpu.js';
import type { HostTensor, Prepared } from './prepare.js';
import { defaultCompileMode, Preparer, type CompileMode } from './preparer.js';

export type Status = 'pass' | 'fail' | 'unsupported' | 'error' | 'no-data';
export const STATUSES: readonly Status[] = ['pass', 'fail', 'unsupported', 'error', 'no-data'];

export interface TestResult {
  suite: Suite;
  name: string;
  status: Status;
  /** Why it did not pass: the refusal, the error, or the worst mismatch (one line). */
  reason?: string;
  /** pass/fail: the largest |actual − expected| of the worst output (of all outputs when passing). */
  maxAbsErr?: number;
  /** fail: the output that failed worst. */
  worstOutput?: string;
  /** unsupported: what blocks it (op names, dtypes, forms), for the ranking table. */
  blockers?: string[];
  /** It ran with float64 computed in f32 (--f64-as-f32); without that it would be unsupported. */
  f64AsF32?: boolean;
  /** Host time (decode + compile) and GPU time (load + run + readback), in ms. */
  compileMs?: number;
  gpuMs?: number;
}

export interface RunOptions {
  suites?: readonly Suite[];
  /** Matched against the test name and "suite/name". */
  filter?: RegExp;
  /** Only these "suite/name" keys (the regression test's list of passing tests). */
  only?: ReadonlySet<string>;
  /** Called after each test with its result and the running count. */
  onProgress?: (result: TestResult, done: number, total: number) => void;
  /** Per stage (compile, GPU), in ms; default 60 s. */
  timeoutMs?: number;
  /** Where the compiler runs; default: a worker thread when running compiled JS, else inline. */
  compileIn?: CompileMode;
}

export interface ConformanceRun {
  results: TestResult[];
  /** The adapter's description, for the report. */
  adapter: string;
  compileIn: CompileMode;
  wallMs: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

class GpuTimeout extends Error {
  override readonly name = 'GpuTimeout';
}

/** `work`, or a GpuTimeout after `ms`; `stage` names what was under way when time ran out. */
function withTimeout<T>(work: Promise<T>, ms: number, stage: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GpuTimeout(`timed out after ${Math.round(ms / 1000)} s while ${stage()}`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function feedsOf(p: Extract<Prepared, { kind: 'ready' }>): Record<string, InputTensor> {
  const feeds: Record<string, InputTensor> = {};
  for (const f of p.feeds) feeds[f.name] = { data: f.data, dims: f.dims };
  return feeds;
}

/** Loads, runs and compares one prepared test on the session's device. */
async function execute(
  p: Extract<Prepared, { kind: 'ready' }>,
  gpu: GpuSession,
  timeoutMs: number,
): Promise<Omit<TestResult, 'suite' | 'name' | 'compileMs'>> {
  const started = Date.now();
  gpu.takeUncaptured(); // whatever earlier tests left behind is not this test's
  let model: Model | undefined;
  let stage = 'loading the model';
  const work = (async () => {
    model = await createModel(p.plan, p.weights, { device: gpu.device });
    stage = 'running the model';
    return model.run(feedsOf(p));
  })();
  let outputs: Record<string, OutputTensor>;
  try {
    outputs = await withTimeout(work, timeoutMs, () => stage);
  } catch (e) {
    if (e instanceof GpuTimeout) {
      // The device may still be busy with this test: dispose when (if) it finishes, and move on
      // to a fresh device so the next tests do not queue behind it.
      work.then(() => model?.dispose(), () => model?.dispose());
      await gpu.renew(false);
      return { ...classifyError(e), gpuMs: Date.now() - started };
    }
    model?.dispose();
    return { ...classifyError(e), gpuMs: Date.now() - started };
  }
  model?.dispose();
  const gpuMs = Date.now() - started;

  const uncaptured = gpu.takeUncaptured();
  if (uncaptured.length > 0) return { ...classifyError(new Error(`uncaptured WebGPU error: ${uncaptured[0]}`)), gpuMs };

  const names = p.expected.map((e) => e.name);
  const missing = names.find((n) => outputs[n] === undefined);
  if (missing !== undefined) return { status: 'error', reason: `the model returned no output '${missing}'`, gpuMs };
  const verdict = compareOutputs(
    names,
    names.map((n) => outputs[n]!),
    p.expected,
  );
  if (verdict.ok) {
    return { status: 'pass', maxAbsErr: Math.max(0, ...verdict.outputs.map((o) => o.maxAbsErr)), gpuMs };
  }
  const worst = verdict.worst!;
  return {
    status: 'fail',
    reason: p.f64AsF32 ? `${worst.detail}${f64Note(p.expected)}` : worst.detail,
    ...(Number.isNaN(worst.maxAbsErr) ? {} : { maxAbsErr: worst.maxAbsErr }),
    worstOutput: worst.name,
    gpuMs,
  };
}

/**
 * Tests whose expected data follow the ONNX reference where we deliberately follow onnxruntime:
 * the failure stays a failure in the report, with this explanation appended.
 */
const KNOWN_DEVIATIONS = new Map<string, string>([
  ...['cubic', 'linear'].map((m): [string, string] => [
    `node/test_resize_downsample_scales_${m}_align_corners`,
    "align_corners divides by the output length − 1 as onnxruntime does; the ONNX reference divides by scale·input − 1 (not an integer) when scales are given",
  ]),
]);

const F32_MAX = 3.4028234663852886e38;

/** Why a float64 test computed in f32 may differ: precision, or values f32 cannot hold at all. */
function f64Note(expected: readonly HostTensor[]): string {
  const beyond = expected.some((t) => t.dtype === 'float64' && (t.data as Float64Array).some((v) => Number.isFinite(v) && Math.abs(v) > F32_MAX));
  return beyond ? ' (float64 computed in f32: expected values beyond the f32 range)' : ' (float64 computed in f32)';
}

async function runOne(testCase: TestCase, p: Prepared, gpu: GpuSession, timeoutMs: number): Promise<TestResult> {
  const head = { suite: testCase.suite, name: testCase.name };
  if (p.kind === 'done') {
    const { status, reason, blockers, compileMs } = p;
    return { ...head, status, reason, ...(blockers ? { blockers } : {}), compileMs };
  }
  if (gpu.lostReason !== undefined) await gpu.renew(true);
  try {
    const f64 = p.f64AsF32 ? { f64AsF32: true } : {};
    const result = await execute(p, gpu, timeoutMs);
    const known = KNOWN_DEVIATIONS.get(caseKey(testCase));
    if (result.status === 'fail' && known) result.reason = `${result.reason ?? ''} (known deviation: ${known})`;
    return { ...head, ...result, ...f64, compileMs: p.compileMs };
  } catch (e) {
    // execute catches the test's own failures; this is the session failing to renew a device.
    return { ...head, ...classifyError(e), compileMs: p.compileMs };
  }
}

/** Runs the conformance tests; see the header for what each status means. */
export async function runConformance(options: RunOptions = {}): Promise<ConformanceRun> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const compileIn = options.compileIn ?? defaultCompileMode();
  const only = options.only;
  const cases = listCases(options.suites ?? SUITES, options.filter).filter((c) => !only || only.has(caseKey(c)));

  const gpu = await GpuSession.open();
  const preparer = new Preparer(compileIn, timeoutMs);
  const results: TestResult[] = [];
  try {
    let next: Promise<Prepared> | undefined = cases.length > 0 ? preparer.prepare(cases[0]!) : undefined;
    for (let i = 0; i < cases.length; i++) {
      const prepared = await next!;
      // Start compiling the next test now: it overlaps this one's GPU work.
      next = i + 1 < cases.length ? preparer.prepare(cases[i + 1]!) : undefined;
      const result = await runOne(cases[i]!, prepared, gpu, timeoutMs);
      results.push(result);
      options.onProgress?.(result, results.length, cases.length);
    }
  } finally {
    preparer.close();
    gpu.close();
  }
  return { results, adapter: gpu.adapterName, compileIn, wallMs: Date.now() - started };
}
