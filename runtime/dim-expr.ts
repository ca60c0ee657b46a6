/**
 * Symbolic dimension expressions as the runtime sees them: parse the canonical text the compiler
 * writes (ir/dim.ts builds and simplifies it) and evaluate it for a run's symbol values.
 *
 * A dimension is a number or a string. The string is an expression over symbol names (the model's
 * symbolic input dims, e.g. `batch`, `sequence`): integer literals, identifiers, `+`, `-`, `*`,
 * floor division `//` (same precedence as `*`, left-associative), parentheses, and `min(a, b, …)`,
 * `max(a, b, …)`. A plain symbol name is the simplest expression, so `'batch'` is a valid Dim.
 *
 * This file is copied into every generated output folder, so it imports nothing; the compiler
 * reuses the same parser so there is exactly one grammar.
 */

export type DimAst = number | string | { op: '+' | '-' | '*' | '//' | 'min' | 'max'; args: DimAst[] };

export class DimExprError extends Error {
  override readonly name = 'DimExprError';
}

const TOKEN = /\s*(\d+|[A-Za-z_][A-Za-z0-9_]*|\/\/|[-+*(),])/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) throw new DimExprError(`dimension expression '${text}': unexpected '${text.slice(pos).trim()[0]}' at ${pos}`);
    tokens.push(m[1]!);
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

/** Parses the expression text; throws DimExprError naming the text on a syntax error. */
export function parseDimExpr(text: string): DimAst {
  const tokens = tokenize(text);
  let i = 0;
  const fail = (what: string): never => {
    throw new DimExprError(`dimension expression '${text}': ${what}`);
  };
  const peek = () => tokens[i];
  const expect = (t: string) => {
    if (tokens[i] !== t) fail(`expected '${t}' but found ${tokens[i] === undefined ? 'the end' : `'${tokens[i]}'`}`);
    i++;
  };
  const sum = (): DimAst => {
    let neg = false;
    if (peek() === '-') {
      neg = true;
      i++;
    }
    let left: DimAst = product();
    if (neg) left = { op: '-', args: [0, left] };
    while (peek() === '+' || peek() === '-') {
      const op = tokens[i++] as '+' | '-';
      left = { op, args: [left, product()] };
    }
    return left;
  };
  const product = (): DimAst => {
    let left = factor();
    while (peek() === '*' || peek() === '//') {
      const op = tokens[i++] as '*' | '//';
      left = { op, args: [left, factor()] };
    }
    return left;
  };
  const factor = (): DimAst => {
    const t = tokens[i++];
    if (t === undefined) return fail('unexpected end');
    if (t === '(') {
      const e = sum();
      expect(')');
      return e;
    }
    if (/^\d+$/.test(t)) return Number(t);
    if (/^[A-Za-z_]/.test(t)) {
      if ((t === 'min' || t === 'max') && peek() === '(') {
        i++;
        const args = [sum()];
        while (peek() === ',') {
          i++;
          args.push(sum());
        }
        expect(')');
        return { op: t, args };
      }
      return t;
    }
    return fail(`unexpected '${t}'`);
  };
  const e = sum();
  if (i !== tokens.length) fail(`unexpected '${tokens[i]}'`);
  return e;
}

const parsed = new Map<string, DimAst>();

function astOf(expr: string): DimAst {
  let a = parsed.get(expr);
  if (a === undefined) {
    a = parseDimExpr(expr);
    parsed.set(expr, a);
  }
  return a;
}

function evalAst(a: DimAst, env: Readonly<Record<string, number>>, text: string): number {
  if (typeof a === 'number') return a;
  if (typeof a === 'string') {
    const v = env[a];
    if (v === undefined) throw new DimExprError(`dimension '${text}' uses the symbol '${a}', which has no value`);
    return v;
  }
  const xs = a.args.map((x) => evalAst(x, env, text));
  switch (a.op) {
    case '+':
      return xs[0]! + xs[1]!;
    case '-':
      return xs[0]! - xs[1]!;
    case '*':
      return xs[0]! * xs[1]!;
    case '//':
      if (xs[1] === 0) throw new DimExprError(`dimension '${text}' divides by zero`);
      return Math.floor(xs[0]! / xs[1]!);
    case 'min':
      return Math.min(...xs);
    case 'max':
      return Math.max(...xs);
  }
}

/** The value of a dimension for the given symbol values (numbers are returned as they are). */
export function evalDim(dim: number | string, env: Readonly<Record<string, number>>): number {
  if (typeof dim === 'number') return dim;
  return evalAst(astOf(dim), env, dim);
}

/** The symbol names an expression uses, in first-use order. */
export function dimSymbols(dim: number | string): string[] {
  if (typeof dim === 'number') return [];
  const out: string[] = [];
  const walk = (a: DimAst) => {
    if (typeof a === 'string') {
      if (!out.includes(a)) out.push(a);
    } else if (typeof a !== 'number') a.args.forEach(walk);
  };
  walk(astOf(dim));
  return out;
}

/**
 * How a value symbol (a symbol given by element `index` of a graph input's data; runtime/plan.ts
 * PlanValueSymbol, ir/graph.ts ValueSymbol) is made of that element x. Every symbol is an integer
 * ≥ 1, so a quantity that may be 0 (a pad, a slice start) is the symbol minus `offset`: the symbol
 * is x + offset. A size given by a float scale (Resize's output size) is ⌊scaleOf · x⌋, with
 * `scaleOf` a dim over other symbols. Otherwise the symbol is x truncated toward zero (what a cast
 * of a float to an integer type gives).
 */
export interface ValueSymbolRule {
  offset?: number;
  scaleOf?: number | string;
}

/** The symbol's value for element `x` (NaN when x is not a finite number); not checked for ≥ 1. */
export function valueSymbolOf(x: number, rule: ValueSymbolRule, env: Readonly<Record<string, number>>): number {
  if (!Number.isFinite(x)) return NaN;
  // The product is in double precision, as numpy computes ONNX's `floor(input_dim * scale)`.
  if (rule.scaleOf !== undefined) return Math.floor(evalDim(rule.scaleOf, env) * x);
  return Math.trunc(x) + (rule.offset ?? 0);
}

/** The rule as text after `%input[i]`: ' + 1' for an offset, or the scale's base ('· base'). */
export function describeValueRule(rule: ValueSymbolRule, element: string): string {
  if (rule.scaleOf !== undefined) return `floor(${element} * ${rule.scaleOf})`;
  return rule.offset ? `${element} + ${rule.offset}` : element;
}
