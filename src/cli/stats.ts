/**
 * Summary statistics of repeated timings for `bench` and `profile`: the median (robust to the
 * odd slow run on a shared machine) and the 90th percentile (how bad the tail is), by the
 * nearest-rank rule so every reported number is one that was actually measured.
 */

export interface TimingStats {
  /** Milliseconds. */
  median: number;
  p90: number;
  min: number;
  max: number;
  /** Every measured time in milliseconds, in the order measured. */
  samples: number[];
}

/** The nearest-rank q-quantile (0 < q ≤ 1) of `xs`; NaN for an empty list. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(samples: readonly number[]): TimingStats {
  return {
    median: quantile(samples, 0.5),
    p90: quantile(samples, 0.9),
    min: samples.length ? Math.min(...samples) : NaN,
    max: samples.length ? Math.max(...samples) : NaN,
    samples: [...samples],
  };
}

/** Geometric mean of positive finite numbers (others skipped); NaN when none are left. */
export function geomean(xs: readonly number[]): number {
  const ok = xs.filter((x) => Number.isFinite(x) && x > 0);
  if (ok.length === 0) return NaN;
  return Math.exp(ok.reduce((s, x) => s + Math.log(x), 0) / ok.length);
}

/** Times `runs` calls of `f` after `warmup` untimed ones; milliseconds. */
export async function timeRuns(f: () => Promise<unknown>, warmup: number, runs: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return times;
}
