/**
 * Parsers for the repeatable CLI flags — `--dim sym=N` (and `--max-dim`, `--run-dim`, same form),
 * `--input name=random|file.npy`,
 * `--range name=lo:hi` — and the numeric ones. Each rejects malformed text with a UsageError
 * quoting the flag as typed, so a typo is reported as a typo and not as a model problem.
 */

import { UsageError } from '../errors.js';

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function splitPair(flag: string, text: string, form: string): [string, string] {
  const eq = text.lastIndexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`${flag} ${text}: expected ${form}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** `--dim batch=1 --dim seq=128` → { batch: 1, seq: 128 }; `flag` names the option in errors. */
export function parseDims(list: readonly string[] = [], flag = '--dim'): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const text of list) {
    const [name, value] = splitPair(flag, text, `symbol=N (e.g. ${flag} batch=1)`);
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} ${text}: '${value}' is not a non-negative integer`);
    if (name in dims && dims[name] !== n) throw new UsageError(`${flag} ${name} is given twice (${dims[name]} and ${n})`);
    dims[name] = n;
  }
  return dims;
}

/**
 * `--run-dim` sizes with the compile-time `--dim` bindings: a symbol may be given one or the
 * other (a bound symbol has no run size to choose).
 */
export function parseRunDims(list: readonly string[] | undefined, bound: Readonly<Record<string, number>>): Record<string, number> {
  const dims = parseDims(list, '--run-dim');
  for (const name of Object.keys(dims)) {
    if (name in bound) {
      throw new UsageError(`--run-dim ${name}: '${name}' is bound at compile time by --dim ${name}=${bound[name]}; give one or the other`);
    }
  }
  return dims;
}

export type InputSource = { kind: 'random' } | { kind: 'npy'; path: string };

/** `--input x=random --input y=data/y.npy`. */
export function parseInputs(list: readonly string[] = []): Map<string, InputSource> {
  const m = new Map<string, InputSource>();
  for (const text of list) {
    const [name, value] = splitPair('--input', text, 'name=random or name=file.npy');
    if (m.has(name)) throw new UsageError(`--input ${name} is given twice`);
    if (value === 'random') m.set(name, { kind: 'random' });
    else if (value.endsWith('.npy')) m.set(name, { kind: 'npy', path: value });
    else throw new UsageError(`--input ${text}: the source must be 'random' or a .npy file`);
  }
  return m;
}

export interface Range {
  lo: number;
  hi: number;
}

/** `--range x=-2:2` → Map { x → { lo: -2, hi: 2 } }. */
export function parseRanges(list: readonly string[] = []): Map<string, Range> {
  const m = new Map<string, Range>();
  for (const text of list) {
    const [name, value] = splitPair('--range', text, 'name=lo:hi (e.g. --range x=-1:1)');
    const parts = value.split(':');
    const [lo, hi] = parts.map(Number);
    if (parts.length !== 2 || !Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new UsageError(`--range ${text}: expected two numbers lo:hi`);
    }
    if (lo! > hi!) throw new UsageError(`--range ${text}: lo is greater than hi`);
    m.set(name, { lo: lo!, hi: hi! });
  }
  return m;
}

/** A finite number flag (`--rtol 1e-4`); `flag` names it in the error. */
export function parseNumber(flag: string, text: string, min = -Infinity): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} ${text}: expected a number${min > -Infinity ? ` ≥ ${min}` : ''}`);
  return n;
}

/** A non-negative integer flag (`--seed 7`). */
export function parseSeed(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--seed ${text}: expected an integer in [0, 2^32)`);
  return n;
}
