/**
 * The textual form of the IR (MLIR-like), which `parseGraph` reads back exactly:
 *
 *   graph(%input: f32[batch, 3, 8, 8]) {
 *     %w = const f32[4, 3, 3, 3] dense<[0.5, -1.25, …]>
 *     %b = const f32[4] dense<splat 0.1>
 *     %y = conv(%input, %w, %b) {dilations = [1, 1], group = 1, pads = [1, 1, 1, 1], strides = [1, 1]} : f32[batch, 4, 8, 8]
 *     %z = unary(%y) {alpha = 0, beta = 0, fn = relu} : f32[batch, 4, 8, 8] loc("/layer1/Relu")
 *     return %z
 *   }
 *
 * One statement per line: the inputs in the header, then constants (in first-use order), then
 * nodes in order, then the run-time dim assertions (`assert min(512,seq) == seq loc("add")`),
 * then `return`. Attributes print generically from the op object's keys (sorted,
 * `kind` excluded), so a new op prints without touching this file. A node's name prints as
 * `loc("…")` unless it is a generated `<kind>_<n>`. Names outside [A-Za-z0-9_.] are quoted.
 * Constant data print in full and exactly: f32 in the shortest decimal that rounds back to the
 * same f32, int64 as decimal, bool as 0/1, and nan/inf/-inf spelled out.
 */

import type { DType } from './dtype.js';
import type { Graph, Node, Tensor, TensorType, Value } from './graph.js';
import type { Dim } from './shape.js';
import { canonicalDim } from './dim.js';
import { attrSchema, isOpKind } from './infer/attrs.js';
import { describeValueRule } from '../runtime/dim-expr.js';

/** Short dtype names in types (`f32[2, 3]`); the parser reads the same table. */
export const DTYPE_NAMES: Record<DType, string> = {
  float32: 'f32',
  float16: 'f16',
  bfloat16: 'bf16',
  float64: 'f64',
  int8: 'i8',
  uint8: 'u8',
  int16: 'i16',
  uint16: 'u16',
  int32: 'i32',
  uint32: 'u32',
  int64: 'i64',
  uint64: 'u64',
  bool: 'bool',
  string: 'string',
};

/** Words that are numbers or booleans in attribute position, so strings spelled like them are quoted. */
const RESERVED = new Set(['true', 'false', 'inf', 'nan', 'splat']);

export interface PrintOptions {
  /**
   * Constants with more elements than this print as `dense<elided N>` (for readable dumps; the
   * parser rejects it). Default: every element prints.
   */
  elideConstantsOver?: number;
}

/** A bare identifier, or a JSON-quoted string. */
export function formatIdent(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !RESERVED.has(s) ? s : JSON.stringify(s);
}

/** `%name`, quoted as `%"…"` when the name has characters outside [A-Za-z0-9_.]. */
export function formatValueRef(v: Value): string {
  return /^[A-Za-z0-9_.]+$/.test(v.name) ? `%${v.name}` : `%${JSON.stringify(v.name)}`;
}

/** A JS number exactly: nan, inf, -inf and -0 spelled out, others as JS prints them. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** The shortest decimal that rounds back to the same float32 (an f32 has ≤ 9 significant digits). */
export function formatFloat32(x: number): string {
  if (!Number.isFinite(x) || x === 0) return formatNumber(x);
  for (let p = 6; p < 9; p++) {
    // A shorter exact form would show as trailing zeros at precision 6, which String() drops.
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === x) return String(v);
  }
  return String(Number(x.toPrecision(9)));
}

/**
 * A dim as written in shapes and dim attributes: numbers and canonical symbolic expressions bare
 * (`batch`, `128*batch*sequence`, `min(512,sequence)`); anything else quoted.
 */
export function formatDim(d: Dim): string {
  if (typeof d === 'number') return String(d);
  if (RESERVED.has(d)) return JSON.stringify(d);
  try {
    if (canonicalDim(d) === d) return d;
  } catch {
    // Not an expression: quoted below.
  }
  return formatIdent(d);
}

export function formatType(t: TensorType): string {
  return `${DTYPE_NAMES[t.dtype]}[${t.shape.map(formatDim).join(', ')}]`;
}

/** A generic attribute value: number, boolean, string, or a list of those. */
function formatAttr(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return formatIdent(value);
  if (Array.isArray(value)) return `[${value.map(formatAttr).join(', ')}]`;
  throw new Error(`cannot print attribute value ${JSON.stringify(value)}`);
}

/** `{a = 1, b = [2, 3]}` from the op's keys in sorted order; empty when the op has none. */
export function formatAttrs(op: object): string {
  const entries = Object.entries(op)
    .filter(([k, v]) => k !== 'kind' && v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return '';
  // Dim-valued attributes print their expressions bare, as shapes do.
  const kind = (op as { kind?: unknown }).kind;
  const schema = typeof kind === 'string' && isOpKind(kind) ? attrSchema(kind) : {};
  const format = (k: string, v: unknown): string => {
    if (schema[k] === 'dim' && (typeof v === 'number' || typeof v === 'string')) return formatDim(v);
    if (schema[k] === 'dims' && Array.isArray(v)) return `[${(v as Dim[]).map(formatDim).join(', ')}]`;
    return formatAttr(v);
  };
  return ` {${entries.map(([k, v]) => `${k} = ${format(k, v)}`).join(', ')}}`;
}

/** Element strings of a constant, each exact for its dtype. */
function elementStrings(t: Tensor): string[] {
  const out = new Array<string>(t.data.length);
  const data = t.data;
  if (t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16') {
    for (let i = 0; i < data.length; i++) out[i] = formatFloat32(data[i] as number);
  } else if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) out[i] = data[i]!.toString();
  } else {
    for (let i = 0; i < data.length; i++) out[i] = formatNumber(data[i] as number);
  }
  return out;
}

export function formatDense(t: Tensor, opts: PrintOptions = {}): string {
  const n = t.data.length;
  if (opts.elideConstantsOver !== undefined && n > opts.elideConstantsOver) return `dense<elided ${n}>`;
  const items = elementStrings(t);
  if (n >= 2 && items.every((s) => s === items[0])) return `dense<splat ${items[0]}>`;
  return `dense<[${items.join(', ')}]>`;
}

/** Whether a node name is one `Graph.add` would generate, so printing it adds nothing. */
function isGeneratedName(node: Node): boolean {
  return new RegExp(`^${node.op.kind}_\\d+$`).test(node.name);
}

export function formatNode(node: Node): string {
  const outs = node.outputs.map(formatValueRef).join(', ');
  const ins = node.inputs.map(formatValueRef).join(', ');
  const types = node.outputs.map((v) => formatType(v.type)).join(', ');
  const loc = isGeneratedName(node) ? '' : ` loc(${JSON.stringify(node.name)})`;
  return `${outs} = ${node.op.kind}(${ins})${formatAttrs(node.op)} : ${types}${loc}`;
}

export function printGraph(g: Graph, opts: PrintOptions = {}): string {
  const lines: string[] = [];
  lines.push(`graph(${g.inputs.map((v) => `${formatValueRef(v)}: ${formatType(v.type)}`).join(', ')}) {`);
  for (const c of g.constants()) lines.push(`  ${formatValueRef(c)} = const ${formatType(c.type)} ${formatDense(c.data!, opts)}`);
  // Symbols given by the values of graph inputs (Graph.valueSymbols): `symbol shape_1 = %shape[1]`.
  for (const v of g.valueSymbols) {
    const input = g.inputs.find((x) => x.name === v.input);
    const ref = input ? formatValueRef(input) : `%${JSON.stringify(v.input)}`;
    lines.push(`  symbol ${v.name} = ${describeValueRule(v, `${ref}[${v.index}]`)}`);
  }
  for (const node of g.nodes) lines.push(`  ${formatNode(node)}`);
  // Run-time dim equalities shape inference assumed (Graph.dimAssertions), after the nodes.
  for (const { a, b, where } of g.dimAssertions) lines.push(`  assert ${formatDim(a)} == ${formatDim(b)} loc(${JSON.stringify(where)})`);
  lines.push(g.outputs.length > 0 ? `  return ${g.outputs.map(formatValueRef).join(', ')}` : '  return');
  lines.push('}');
  return lines.join('\n') + '\n';
}
