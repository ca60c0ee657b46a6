/**
 * Arithmetic on dimensions: numbers, symbols and expressions of them, always returned in one
 * canonical, simplified form, so two dims that are the same size by algebra are the same string
 * and shape rules can keep comparing dims with `===`.
 *
 * The normal form is a polynomial with integer coefficients over atoms. An atom is a symbol
 * (`batch`) or a term the polynomial cannot express: a floor division that does not simplify
 * (`((sequence+1)//2)`, always parenthesized so it binds as one factor), or a `min`/`max` whose
 * arguments do not differ by a constant. Printing the polynomial gives the canonical text that
 * runtime/dim-expr.ts parses and evaluates (the grammar lives there). Results that are constant
 * come back as numbers.
 *
 * Simplifications are exact for all symbol values (symbols are non-negative integers): exact
 * division of a polynomial by a constant or by a monomial, splitting `(c·P + r) // c` into
 * `P + r // c` for a constant remainder, nested constant divisions `(X // a) // b = X // (a·b)`,
 * and min/max of arguments that differ by a constant.
 */

import { parseDimExpr, type DimAst } from '../runtime/dim-expr.js';

export type { DimAst };
export type Dim = number | string;

/** atoms (sorted, with repetition) → coefficient; the empty product '' is the constant term. */
type Poly = Map<string, number>;

function monoKey(atoms: string[]): string {
  return [...atoms].sort().join('*');
}
function monoAtoms(key: string): string[] {
  return key === '' ? [] : splitTop(key, '*');
}

/** Splits at top-level occurrences of `sep` (outside parentheses); `*` never matches inside `//`. */
function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      out.push(text.slice(start, i));
      start = i + sep.length;
    }
  }
  out.push(text.slice(start));
  return out;
}

function constPoly(c: number): Poly {
  return c === 0 ? new Map() : new Map([['', c]]);
}
function atomPoly(atom: string): Poly {
  return new Map([[atom, 1]]);
}
function addInto(p: Poly, key: string, c: number): void {
  const v = (p.get(key) ?? 0) + c;
  if (v === 0) p.delete(key);
  else p.set(key, v);
}
function polyAdd(a: Poly, b: Poly, sign = 1): Poly {
  const p = new Map(a);
  for (const [k, c] of b) addInto(p, k, sign * c);
  return p;
}
function polyMul(a: Poly, b: Poly): Poly {
  const p: Poly = new Map();
  for (const [ka, ca] of a) for (const [kb, cb] of b) addInto(p, monoKey([...monoAtoms(ka), ...monoAtoms(kb)]), ca * cb);
  return p;
}
function polyConst(p: Poly): number | undefined {
  if (p.size === 0) return 0;
  if (p.size === 1 && p.has('')) return p.get('')!;
  return undefined;
}

function printPoly(p: Poly): string {
  const terms = [...p].sort(([ka, ca], [kb, cb]) => {
    // Non-constant terms first (more factors first), then by text; positive before negative.
    if ((ka === '') !== (kb === '')) return ka === '' ? 1 : -1;
    const da = monoAtoms(ka).length;
    const db = monoAtoms(kb).length;
    if (da !== db) return db - da;
    if (ka !== kb) return ka < kb ? -1 : 1;
    return cb - ca;
  });
  // Lead with a positive term when there is one, so `sequence-1` rather than `-1+sequence`.
  const firstPos = terms.findIndex(([, c]) => c > 0);
  if (firstPos > 0) terms.unshift(...terms.splice(firstPos, 1));
  let s = '';
  for (const [k, c] of terms) {
    const mag = Math.abs(c);
    const body = k === '' ? String(mag) : mag === 1 ? k : `${mag}*${k}`;
    s += c < 0 ? `-${body}` : s === '' ? body : `+${body}`;
  }
  return s === '' ? '0' : s;
}

function toDim(p: Poly): Dim {
  const c = polyConst(p);
  return c !== undefined ? c : printPoly(p);
}

const polyCache = new Map<string, Poly>();

function polyOf(d: Dim): Poly {
  if (typeof d === 'number') {
    if (!Number.isInteger(d)) throw new Error(`dimension ${d} is not an integer`);
    return constPoly(d);
  }
  let p = polyCache.get(d);
  if (!p) {
    p = astPoly(parseDimExpr(d));
    polyCache.set(d, p);
  }
  return p;
}

function astPoly(a: DimAst): Poly {
  if (typeof a === 'number') return constPoly(a);
  if (typeof a === 'string') return atomPoly(a);
  const ps = a.args.map(astPoly);
  switch (a.op) {
    case '+':
      return polyAdd(ps[0]!, ps[1]!);
    case '-':
      return polyAdd(ps[0]!, ps[1]!, -1);
    case '*':
      return polyMul(ps[0]!, ps[1]!);
    case '//':
      return polyFloorDiv(ps[0]!, ps[1]!);
    case 'min':
    case 'max':
      return ps.slice(1).reduce((x, y) => polyMinMax(a.op as 'min' | 'max', x, y), ps[0]!);
  }
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

function polyFloorDiv(p: Poly, q: Poly): Poly {
  const qc = polyConst(q);
  if (qc === 0) throw new Error(`dimension ${printPoly(p)} is divided by zero`);
  if (qc !== undefined && qc > 0) {
    const pc = polyConst(p);
    if (pc !== undefined) return constPoly(Math.floor(pc / qc));
    if (qc === 1) return p;
    // ⌊⌊X / a⌋ / b⌋ = ⌊X / (a·b)⌋ for positive integers a, b (strided convs and pools chain these).
    if (p.size === 1) {
      const [[key, coef]] = [...p] as [[string, number]];
      const nested = coef === 1 ? /^\(\((.*)\)\/\/(\d+)\)$/.exec(key) : null;
      if (nested) return polyFloorDiv(polyOf(nested[1]!), constPoly(Number(nested[2]) * qc));
    }
    // (qc·P + R) // qc = P + R // qc whenever P has integer coefficients.
    const exact: Poly = new Map();
    const rest: Poly = new Map();
    for (const [k, c] of p) {
      const r = ((c % qc) + qc) % qc;
      if (c - r !== 0) exact.set(k, (c - r) / qc);
      if (r !== 0) rest.set(k, r);
    }
    const rc = polyConst(rest);
    if (rc !== undefined) return polyAdd(exact, constPoly(Math.floor(rc / qc)));
    // Reduce the remainder's division by the common factor so equal quotients print alike.
    let g = qc;
    for (const c of rest.values()) g = gcd(g, c);
    const num = new Map([...rest].map(([k, c]) => [k, c / g]));
    return polyAdd(exact, atomPoly(`((${printPoly(num)})//${qc / g})`));
  }
  // Exact division by a monomial k·m: every term's atoms contain m and its coefficient divides by k.
  if (q.size === 1) {
    const [[qk, qcoef]] = [...q] as [[string, number]];
    if (qcoef > 0) {
      const qa = monoAtoms(qk);
      const out: Poly = new Map();
      let exact = true;
      for (const [k, c] of p) {
        const atoms = monoAtoms(k);
        for (const a of qa) {
          const at = atoms.indexOf(a);
          if (at < 0) {
            exact = false;
            break;
          }
          atoms.splice(at, 1);
        }
        if (!exact || c % qcoef !== 0) {
          exact = false;
          break;
        }
        out.set(monoKey(atoms), c / qcoef);
      }
      if (exact) return out;
    }
  }
  return atomPoly(`((${printPoly(p)})//${wrap(printPoly(q))})`);
}

/** Parenthesizes a printed polynomial unless it is a single atom or number. */
function wrap(s: string): string {
  return /^[A-Za-z0-9_]+$/.test(s) ? s : `(${s})`;
}

function polyMinMax(op: 'min' | 'max', a: Poly, b: Poly): Poly {
  const diff = polyConst(polyAdd(a, b, -1));
  if (diff !== undefined) return (op === 'max') === diff >= 0 ? a : b;
  const args = [printPoly(a), printPoly(b)].sort();
  return atomPoly(`${op}(${args.join(',')})`);
}

// ---- the API ------------------------------------------------------------------------------------

/** The canonical form of a dim (a number when it is constant); throws on a malformed expression. */
export function canonicalDim(d: Dim): Dim {
  return toDim(polyOf(d));
}

export function isSymbolicDim(d: Dim): d is string {
  return typeof d === 'string';
}

export function dimAdd(...ds: Dim[]): Dim {
  if (ds.every((d) => typeof d === 'number')) return (ds as number[]).reduce((a, b) => a + b, 0);
  return toDim(ds.reduce<Poly>((p, d) => polyAdd(p, polyOf(d)), new Map()));
}

export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return toDim(polyAdd(polyOf(a), polyOf(b), -1));
}

export function dimMul(...ds: Dim[]): Dim {
  if (ds.every((d) => typeof d === 'number')) return (ds as number[]).reduce((a, b) => a * b, 1);
  return toDim(ds.reduce<Poly>((p, d) => polyMul(p, polyOf(d)), constPoly(1)));
}

/** Floor division. */
export function dimFloorDiv(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) throw new Error(`dimension ${a} is divided by zero`);
    return Math.floor(a / b);
  }
  return toDim(polyFloorDiv(polyOf(a), polyOf(b)));
}

/** Ceiling division: ⌈a / b⌉ = (a + b − 1) // b. */
export function dimCeilDiv(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return Math.ceil(a / b);
  return dimFloorDiv(dimSub(dimAdd(a, b), 1), b);
}

/** a mod b (b > 0): a − b·(a // b). */
export function dimMod(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return ((a % b) + b) % b;
  return dimSub(a, dimMul(b, dimFloorDiv(a, b)));
}

export function dimMin(...ds: Dim[]): Dim {
  if (ds.every((d) => typeof d === 'number')) return Math.min(...(ds as number[]));
  return toDim(ds.slice(1).reduce((p, d) => polyMinMax('min', p, polyOf(d)), polyOf(ds[0]!)));
}

export function dimMax(...ds: Dim[]): Dim {
  if (ds.every((d) => typeof d === 'number')) return Math.max(...(ds as number[]));
  return toDim(ds.slice(1).reduce((p, d) => polyMinMax('max', p, polyOf(d)), polyOf(ds[0]!)));
}

/** The product of a shape's dims (numel), symbolic when any dim is. */
export function dimProductOf(shape: readonly Dim[]): Dim {
  return dimMul(...shape);
}

/** Whether two dims are equal for every value of their symbols (by their canonical forms). */
export function dimEquals(a: Dim, b: Dim): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return false;
  return polyConst(polyAdd(polyOf(a), polyOf(b), -1)) === 0;
}

/** `a − b` when it is a constant for every symbol value, else undefined. */
export function dimConstDiff(a: Dim, b: Dim): number | undefined {
  return polyConst(polyAdd(polyOf(a), polyOf(b), -1));
}

export { evalDim, dimSymbols, parseDimExpr } from '../runtime/dim-expr.js';
