/**
 * Bounds on symbolic dims, for the decisions shape rules must make without knowing a symbol's
 * value: is a slice start negative (it counts from the end)? Is `Equal(sequence, -1)` false? Does
 * `min(sequence, 512)` clamp?
 *
 * The assumption, used throughout symbolic shape inference: every symbol is an integer ≥ 1. A
 * symbolic dim is never 0 and never broadcasts as 1 (a model fed 1 for a symbol still runs, since
 * broadcasting against 1 and the dim itself give the same result where shapes say so, but the
 * compiler does not plan for a symbol standing in for a broadcast 1). Under that assumption each
 * expression has an interval of possible values, computed here by interval arithmetic over its
 * syntax tree; the interval is conservative (it may be wider than the true range), so a decision
 * it makes is always right and an undecided one returns undefined.
 */

import { canonicalDim, dimSub, parseDimExpr, type Dim, type DimAst } from './dim.js';

/** Closed interval; `hi` may be Infinity. */
export type DimInterval = [lo: number, hi: number];

const ANY: DimInterval = [-Infinity, Infinity];

/** x·y with 0·∞ = 0 (a zero factor is exact; the infinity only stands for "unbounded"). */
function mul(x: number, y: number): number {
  return x === 0 || y === 0 ? 0 : x * y;
}

function divInterval(a: DimInterval, b: DimInterval): DimInterval {
  // Only positive divisors are decided; a divisor that may be ≤ 0 gives no bound.
  if (b[0] <= 0) return ANY;
  const q = [a[0] / b[0], a[0] / b[1], a[1] / b[0], a[1] / b[1]].map((v) => (Number.isNaN(v) ? 0 : v));
  return [Math.floor(Math.min(...q)), Math.floor(Math.max(...q))];
}

function astInterval(a: DimAst): DimInterval {
  if (typeof a === 'number') return [a, a];
  if (typeof a === 'string') return [1, Infinity];
  const xs = a.args.map(astInterval);
  const [x, y] = xs as [DimInterval, DimInterval];
  switch (a.op) {
    case '+':
      return [x[0] + y[0], x[1] + y[1]];
    case '-':
      return [x[0] - y[1], x[1] - y[0]];
    case '*': {
      const p = [mul(x[0], y[0]), mul(x[0], y[1]), mul(x[1], y[0]), mul(x[1], y[1])];
      return [Math.min(...p), Math.max(...p)];
    }
    case '//':
      return divInterval(x, y);
    case 'min':
      return [Math.min(...xs.map((v) => v[0])), Math.min(...xs.map((v) => v[1]))];
    case 'max':
      return [Math.max(...xs.map((v) => v[0])), Math.max(...xs.map((v) => v[1]))];
  }
}

/** The values `d` can take when every symbol is an integer ≥ 1. */
export function dimInterval(d: Dim): DimInterval {
  if (typeof d === 'number') return [d, d];
  return astInterval(parseDimExpr(d));
}

/**
 * The sign of a − b when it is the same for every symbol value: -1 (a < b), 0 (equal), 1 (a > b);
 * undefined when it depends on the symbols.
 */
export function compareDims(a: Dim, b: Dim): -1 | 0 | 1 | undefined {
  if (a === b) return 0;
  const [lo, hi] = dimInterval(dimSub(a, b));
  if (lo === 0 && hi === 0) return 0;
  if (hi < 0) return -1;
  if (lo > 0) return 1;
  return undefined;
}

/** `min(…)` / `max(…)` at the top of a canonical dim: its function and arguments. */
function topCall(d: Dim): { fn: 'min' | 'max'; args: Dim[] } | undefined {
  if (typeof d !== 'string') return undefined;
  const m = /^(min|max)\(/.exec(d);
  if (!m || !d.endsWith(')')) return undefined;
  const args: Dim[] = [];
  let depth = 0;
  let start = m[0].length;
  for (let i = start; i < d.length; i++) {
    const ch = d[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) {
        // The call must close at the very end, else `min(a,b)-c` was split wrongly.
        if (i !== d.length - 1) return undefined;
        args.push(canonicalDim(d.slice(start, i)));
      } else depth--;
    } else if (ch === ',' && depth === 0) {
      args.push(canonicalDim(d.slice(start, i)));
      start = i + 1;
    }
  }
  return { fn: m[1] as 'min' | 'max', args };
}

/**
 * Whether a ≤ b for every symbol value (false when undecided). Besides the intervals, it knows
 * min(x, …) ≤ b when some x ≤ b, and a ≤ max(y, …) when a ≤ some y, which intervals cannot see
 * (`min(6,seq) ≤ seq`).
 */
export function dimAtMost(a: Dim, b: Dim, depth = 0): boolean {
  if (a === b || dimInterval(dimSub(a, b))[1] <= 0) return true;
  if (depth > 4) return false;
  const ca = topCall(a);
  if (ca?.fn === 'min' && ca.args.some((x) => dimAtMost(x, b, depth + 1))) return true;
  if (ca?.fn === 'max' && ca.args.every((x) => dimAtMost(x, b, depth + 1))) return true;
  const cb = topCall(b);
  if (cb?.fn === 'max' && cb.args.some((y) => dimAtMost(a, y, depth + 1))) return true;
  if (cb?.fn === 'min' && cb.args.every((y) => dimAtMost(a, y, depth + 1))) return true;
  return false;
}

/** Whether a ≥ b for every symbol value (false when undecided). */
export function dimAtLeast(a: Dim, b: Dim): boolean {
  return dimAtMost(b, a);
}

/** Whether d ≥ 0 for every symbol value (false when it may be negative or is undecided). */
export function dimIsNonNegative(d: Dim): boolean {
  return dimInterval(d)[0] >= 0;
}

/** Whether d < 0 for every symbol value. */
export function dimIsNegative(d: Dim): boolean {
  return dimInterval(d)[1] < 0;
}
