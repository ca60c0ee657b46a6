/**
 * Reads the textual IR written by `printGraph` (see ir/print.ts for the format) back into a Graph.
 *
 * The text is line-oriented: one statement per line; `//` after a blank starts a comment outside
 * quotes (inside a dim expression like `((seq+1)//2)` it is floor division).
 * Nodes are built through `Graph.add` with folding off, so every node's types are re-inferred and
 * compared with the printed ones — a mismatch is an error naming the line. Op objects are rebuilt
 * generically from their key/value pairs, checked against the attribute schema (ir/infer/attrs.ts)
 * for missing, unknown or ill-typed keys. Value names are kept exactly.
 */

import { allocHost, isFloat, type DType } from './dtype.js';
import { Graph, type Tensor, type TensorType, type Value, type ValueSymbol } from './graph.js';
import { attrMatches, attrSchema, isOpKind, type AttrValue } from './infer/attrs.js';
import type { Op } from './ops.js';
import { DTYPE_NAMES, formatType } from './print.js';
import type { Dim } from './shape.js';
import { canonicalDim } from './dim.js';

export class ParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ParseError';
  }
}

const DTYPE_BY_NAME = new Map<string, DType>(Object.entries(DTYPE_NAMES).map(([dtype, name]) => [name, dtype as DType]));

/** A cursor over one line; every method skips leading blanks and throws ParseError on a mismatch. */
class Cursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly line: number,
  ) {}

  error(message: string): never {
    throw new ParseError(this.line, `${message} at column ${this.pos + 1}`);
  }
  private skip(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }
  atEnd(): boolean {
    this.skip();
    return this.pos >= this.text.length;
  }
  peek(s: string): boolean {
    this.skip();
    return this.text.startsWith(s, this.pos);
  }
  accept(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }
  expect(s: string): void {
    if (!this.accept(s)) this.error(`expected '${s}'`);
  }
  /** A run of characters matching `re` (a one-char class), possibly empty. */
  private run(re: RegExp): string {
    this.skip();
    const start = this.pos;
    while (this.pos < this.text.length && re.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }
  ident(): string {
    const s = this.run(/[A-Za-z0-9_]/);
    if (!/^[A-Za-z_]/.test(s)) this.error('expected an identifier');
    return s;
  }
  /** A JSON string literal. */
  quoted(): string {
    this.skip();
    if (this.text[this.pos] !== '"') this.error('expected a quoted string');
    let end = this.pos + 1;
    while (end < this.text.length && this.text[end] !== '"') end += this.text[end] === '\\' ? 2 : 1;
    const raw = this.text.slice(this.pos, end + 1);
    try {
      const s: unknown = JSON.parse(raw);
      this.pos = end + 1;
      return s as string;
    } catch {
      return this.error('malformed quoted string');
    }
  }
  /** An identifier or a quoted string. */
  name(): string {
    return this.peek('"') ? this.quoted() : this.ident();
  }
  /** The raw text of a scalar: a number, nan/inf, or an identifier-like word. */
  word(): string {
    const s = this.run(/[A-Za-z0-9_.+\-]/);
    if (s === '') this.error('expected a value');
    return s;
  }
  valueRef(): string {
    this.expect('%');
    if (this.text[this.pos] === '"') return this.quoted();
    const s = this.run(/[A-Za-z0-9_.]/);
    if (s === '') this.error('expected a value name');
    return s;
  }
  /**
   * The raw text of one list item or attribute value: up to the next `,`, `]` or `}` outside
   * parentheses (so `min(512,sequence)` is one item), trimmed.
   */
  item(): string {
    this.skip();
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === '(') depth++;
      else if (ch === ')') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (ch === ',' || ch === ']' || ch === '}')) break;
      this.pos++;
    }
    const s = this.text.slice(start, this.pos).trim();
    if (s === '') this.error('expected a value');
    return s;
  }
  /** The raw text up to (not including) `stop`; used for bulk constant data. */
  restUntil(stop: string): string {
    const end = this.text.indexOf(stop, this.pos);
    if (end < 0) this.error(`expected '${stop}'`);
    const s = this.text.slice(this.pos, end);
    this.pos = end;
    return s;
  }
  /** Comma-separated items up to `close` (the opener already consumed). */
  list<T>(close: string, item: () => T): T[] {
    const out: T[] = [];
    if (this.accept(close)) return out;
    do out.push(item());
    while (this.accept(','));
    this.expect(close);
    return out;
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(word: string, c: Cursor): number {
  if (word === 'nan') return NaN;
  if (word === 'inf' || word === '+inf') return Infinity;
  if (word === '-inf') return -Infinity;
  if (!NUMBER.test(word)) c.error(`'${word}' is not a number`);
  return Number(word);
}

function parseType(c: Cursor): TensorType {
  const name = c.ident();
  const dtype = DTYPE_BY_NAME.get(name) ?? c.error(`unknown dtype '${name}'`);
  c.expect('[');
  const shape = c.list<Dim>(']', () => parseDim(c));
  return { dtype, shape };
}

/** A dim: a number, a (canonicalized) symbolic expression, or a quoted name. */
function parseDim(c: Cursor): Dim {
  if (c.peek('"')) return c.quoted();
  const w = c.item();
  if (/^\d+$/.test(w)) return Number(w);
  try {
    return canonicalDim(w);
  } catch {
    return c.error(`'${w}' is not a dimension`);
  }
}

/** An attribute value: number, true/false, identifier or quoted string, or a list of those. */
function parseAttr(c: Cursor): AttrValue {
  if (c.accept('[')) {
    return c.list(']', () => {
      const v = parseAttr(c);
      if (typeof v === 'boolean' || Array.isArray(v)) c.error('lists hold numbers and names only');
      return v;
    });
  }
  if (c.peek('"')) return c.quoted();
  const w = c.item();
  if (w === 'true' || w === 'false') return w === 'true';
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(w) && w !== 'nan' && w !== 'inf') return w;
  if (/^[+-]?(\d|\.\d|inf$|nan$)/.test(w) && !/[*/(]/.test(w.slice(1))) return parseNumber(w, c);
  // A symbolic dim expression (`128*batch`, `min(512,sequence)`).
  try {
    return canonicalDim(w);
  } catch {
    return c.error(`'${w}' is not a value`);
  }
}

/** One element of a constant, converted exactly for its dtype (range-checked for integers). */
function parseElement(word: string, dtype: DType, c: Cursor): number | bigint {
  if (dtype === 'int64' || dtype === 'uint64') {
    if (!/^-?\d+$/.test(word)) c.error(`'${word}' is not an integer`);
    const v = BigInt(word);
    const [lo, hi] = dtype === 'int64' ? [-(1n << 63n), (1n << 63n) - 1n] : [0n, (1n << 64n) - 1n];
    if (v < lo || v > hi) c.error(`${word} is out of range for ${dtype}`);
    return v;
  }
  const v = parseNumber(word, c);
  if (isFloat(dtype)) return v;
  const bits: Partial<Record<DType, [number, number]>> = {
    bool: [0, 1],
    int8: [-128, 127],
    uint8: [0, 255],
    int16: [-32768, 32767],
    uint16: [0, 65535],
    int32: [-(2 ** 31), 2 ** 31 - 1],
    uint32: [0, 2 ** 32 - 1],
  };
  const [lo, hi] = bits[dtype] ?? c.error(`constants of type ${dtype} are not supported`);
  if (!Number.isInteger(v) || v < lo || v > hi) c.error(`${word} is not a valid ${dtype} element`);
  return v;
}

/** `dense<splat x>` or `dense<[a, b, …]>` into a host tensor of `type`. */
function parseDense(c: Cursor, type: TensorType): Tensor {
  const dims = type.shape.map((d) => (typeof d === 'number' ? d : c.error(`constant dims must be static, got '${d}'`)));
  const n = dims.reduce((a, b) => a * b, 1);
  c.expect('dense');
  c.expect('<');
  let words: string[];
  if (c.accept('splat')) words = new Array<string>(n).fill(c.word());
  else if (c.peek('elided')) return c.error('an elided constant cannot be parsed (print without elideConstantsOver)');
  else {
    c.expect('[');
    words = c.restUntil(']').split(',').map((w) => w.trim());
    if (words.length === 1 && words[0] === '') words = [];
    c.expect(']');
    if (words.length !== n) c.error(`dense data has ${words.length} elements, ${formatType(type)} needs ${n}`);
  }
  c.expect('>');
  const data = allocHost(type.dtype, n);
  const out = data as unknown as (number | bigint)[];
  for (let i = 0; i < n; i++) out[i] = parseElement(words[i]!, type.dtype, c);
  return { dtype: type.dtype, dims, data };
}

/** Rebuilds an op object from its kind and attribute pairs, validated against the schema. */
function buildOp(kind: string, attrs: Map<string, AttrValue>, c: Cursor): Op {
  if (!isOpKind(kind)) c.error(`unknown op '${kind}'`);
  const schema = attrSchema(kind);
  const op: Record<string, unknown> = { kind };
  for (const [name, k] of Object.entries(schema)) {
    const v = attrs.get(name);
    if (v === undefined) c.error(`${kind}: attribute '${name}' is missing`);
    if (!attrMatches(k, v)) c.error(`${kind}: attribute '${name}' must be ${k}, got ${JSON.stringify(v)}`);
    op[name] = v;
  }
  for (const name of attrs.keys()) if (!(name in schema)) c.error(`${kind}: unknown attribute '${name}'`);
  return op as unknown as Op;
}

function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** Strips a `//` comment (after a blank, not inside a quoted string). */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '\\' && quoted) i++;
    // `//` after a blank (or at the start) is a comment; inside a dim expression it is floor division.
    else if (ch === '/' && !quoted && line[i + 1] === '/' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) return line.slice(0, i);
  }
  return line;
}

export function parseGraph(text: string): Graph {
  const g = new Graph();
  const values = new Map<string, Value>();
  const lines = text.split('\n');
  let state: 'header' | 'body' | 'done' = 'header';
  let returned = false;

  const define = (name: string, v: Value, c: Cursor) => {
    if (values.has(name)) c.error(`%${name} is already defined`);
    values.set(name, v);
  };
  const lookup = (c: Cursor): Value => {
    const name = c.valueRef();
    return values.get(name) ?? c.error(`%${name} is not defined`);
  };

  for (let i = 0; i < lines.length; i++) {
    const c = new Cursor(stripComment(lines[i]!), i + 1);
    if (c.atEnd()) continue;
    if (state === 'done') c.error('text after the closing brace');
    if (state === 'header') {
      c.expect('graph');
      c.expect('(');
      c.list(')', () => {
        const name = c.valueRef();
        c.expect(':');
        define(name, g.addInput(name, parseType(c)), c);
      });
      c.expect('{');
      state = 'body';
    } else if (c.accept('}')) {
      if (!returned) c.error('the graph has no return');
      state = 'done';
    } else if (returned) {
      c.error('statements after return');
    } else if (c.peek('assert ')) {
      parseAssertion(c, g);
    } else if (c.peek('symbol ')) {
      parseValueSymbol(c, g, lookup);
    } else if (c.peek('return')) {
      c.expect('return');
      const outputs: Value[] = [];
      if (!c.atEnd()) {
        do outputs.push(lookup(c));
        while (c.accept(','));
      }
      g.outputs = outputs;
      returned = true;
    } else {
      parseStatement(c, g, define, lookup);
    }
    if (!c.atEnd()) c.error('unexpected text');
  }
  if (state !== 'done') throw new ParseError(lines.length, state === 'header' ? 'no graph header' : "missing closing '}'");
  return g;
}

/**
 * `symbol NAME = %input[INDEX]`: a symbol given by an element of a graph input (Graph.valueSymbols);
 * `%input[INDEX] + N` for an offset, `floor(%input[INDEX] * DIM)` for a size scaled by it.
 */
function parseValueSymbol(c: Cursor, g: Graph, lookup: (c: Cursor) => Value): void {
  c.expect('symbol');
  const name = c.ident();
  c.expect('=');
  const scaled = c.accept('floor(');
  const input = lookup(c);
  if (!g.inputs.includes(input)) c.error(`%${input.name} is not a graph input`);
  c.expect('[');
  const index = Number(c.word());
  if (!Number.isInteger(index) || index < 0) c.error('expected an element index');
  c.expect(']');
  const s: ValueSymbol = { name, input: input.name, index };
  if (scaled) {
    c.expect('*');
    const close = c.text.lastIndexOf(')');
    if (close < c.pos) c.error("expected ')'");
    const base = c.text.slice(c.pos, close).trim();
    try {
      s.scaleOf = /^\d+$/.test(base) ? Number(base) : canonicalDim(base);
    } catch {
      c.error(`'${base}' is not a dimension`);
    }
    c.pos = close + 1;
  } else if (c.accept('+')) {
    const offset = Number(c.word());
    if (!Number.isInteger(offset) || offset < 1) c.error('expected a positive integer offset');
    s.offset = offset;
  }
  if (g.valueSymbols.some((x) => x.name === name)) c.error(`symbol '${name}' is already defined`);
  g.valueSymbols.push(s);
}

/** `assert A == B loc("where")`: a run-time dim equality (Graph.dimAssertions). */
function parseAssertion(c: Cursor, g: Graph): void {
  c.expect('assert');
  const eq = c.text.indexOf(' == ', c.pos);
  if (eq < 0) c.error("expected 'A == B'");
  const left = c.text.slice(c.pos, eq).trim();
  c.pos = eq + 4;
  const end = c.text.indexOf(' loc(', c.pos);
  if (end < 0) c.error("expected loc(\"node\")");
  const right = c.text.slice(c.pos, end).trim();
  c.pos = end;
  const dim = (t: string): Dim => {
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^-?\d+$/.test(t)) return Number(t);
    try {
      return canonicalDim(t);
    } catch {
      return c.error(`'${t}' is not a dimension`);
    }
  };
  const [a, b] = [dim(left), dim(right)];
  c.expect('loc');
  c.expect('(');
  const where = c.quoted();
  c.expect(')');
  // Building the nodes re-records what inference assumed; this keeps each equality once.
  g.assertDims(a, b, where);
}

/** A `const` or a node line. */
function parseStatement(c: Cursor, g: Graph, define: (name: string, v: Value, c: Cursor) => void, lookup: (c: Cursor) => Value): void {
  const names = c.list('=', () => c.valueRef());
  if (names.length === 0) c.error('expected a value name');
  const kind = c.ident();
  if (kind === 'const') {
    if (names.length !== 1) c.error('a const defines one value');
    const type = parseType(c);
    define(names[0]!, g.addConstant(names[0]!, parseDense(c, type)), c);
    return;
  }
  c.expect('(');
  const inputs = c.list(')', () => lookup(c));
  const attrs = new Map<string, AttrValue>();
  if (c.accept('{')) {
    c.list('}', () => {
      const key = c.ident();
      if (attrs.has(key)) c.error(`attribute '${key}' is repeated`);
      c.expect('=');
      attrs.set(key, parseAttr(c));
    });
  }
  const op = buildOp(kind, attrs, c);
  c.expect(':');
  const types: TensorType[] = [];
  do types.push(parseType(c));
  while (c.accept(','));
  let nodeName: string | undefined;
  if (c.accept('loc')) {
    c.expect('(');
    nodeName = c.quoted();
    c.expect(')');
  }
  if (types.length !== names.length) c.error(`${names.length} results but ${types.length} types`);
  let outputs: Value[];
  try {
    outputs = g.add(op, inputs, nodeName, names, false);
  } catch (e) {
    return c.error((e as Error).message);
  }
  if (outputs.length !== names.length) c.error(`${kind} yields ${outputs.length} results, the line names ${names.length}`);
  outputs.forEach((v, k) => {
    if (!sameType(v.type, types[k]!)) {
      c.error(`%${names[k]} is printed as ${formatType(types[k]!)} but infers to ${formatType(v.type)}`);
    }
    define(names[k]!, v, c);
  });
}
