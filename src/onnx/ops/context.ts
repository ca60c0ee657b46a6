/**
 * What an op importer sees: one ONNX node, the model's opset for its domain, and helpers to read
 * its inputs and attributes and to add IR nodes.
 *
 * The helpers carry the error conventions, so every importer reports problems the same way: a
 * missing required input or attribute, or an attribute of the wrong type, is an `ImportError`
 * naming the node and op; an input that must be known at compile time but is computed at run time
 * is an `UnsupportedFormError` ("input 'shape' must be a constant …"); `ctx.unsupported(reason)`
 * rejects any other form the importer does not lower. `constDims` reads such an input as Dims,
 * accepting shape computations on symbolic dims as well as constants, and a small integer graph
 * input as symbols bound per run from its values (`Graph.valueSymbols`).
 *
 * IR nodes an importer adds with `add` are intermediates (named after the ONNX node plus the IR op);
 * those added with `addOut` produce the node's ONNX outputs and carry their names, so values keep
 * the names a user sees in the model.
 */

import type { DType } from '../../../ir/dtype.js';
import type { Graph, Tensor, Value, ValueSymbol } from '../../../ir/graph.js';
import { dimSub } from '../../../ir/dim.js';
import { describeValueRule } from '../../../runtime/dim-expr.js';
import type { Op } from '../../../ir/ops.js';
import type { Dim } from '../../../ir/shape.js';
import { symbolicContents } from '../../../ir/eval/symbolic.js';
import { scalarDim } from '../../../ir/infer/indexing.js';
import type { OnnxAttributeValue, OnnxGraph, OnnxNode } from '../model.js';

/**
 * Imports `graph` inline into the graph being built (import.ts): `inputs` bound to its inputs in
 * order, `outer` the values visible from the enclosing scope; returns its outputs' values.
 */
export type SubgraphImporter = (graph: OnnxGraph, inputs: Value[], prefix: string, outer: ReadonlyMap<string, Value>) => Value[];
import { ImportError, UnsupportedFormError } from '../errors.js';
import { float64AsFloat32, scalarTensor, tensorToNumbers } from './common.js';
import { structuralValue, type DomainRequest } from '../structural.js';

/** The values bound to the node's outputs, by position; undefined for outputs not produced. */
export type ImportResult = (Value | undefined)[];

/** One importer: an ONNX op type (in a domain) over a range of model opsets. */
export interface OpImporter {
  readonly opType: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** Lowest and highest model opset (for `domain`) whose semantics this importer implements. */
  readonly since: number;
  readonly until: number;
  import(ctx: ImportContext): ImportResult;
}

/** Most elements a graph input may have to be read as symbols (a shape, a list of pads, …). */
const MAX_VALUE_SYMBOLS = 16;

type AttrType = OnnxAttributeValue['type'];
type AttrOf<T extends AttrType> = Extract<OnnxAttributeValue, { type: T }>['value'];

export class ImportContext {
  /** Per IR op kind, how many intermediates this node has added (for unique node names). */
  private readonly added = new Map<string, number>();

  constructor(
    readonly graph: Graph,
    readonly node: OnnxNode,
    /** The node's name, or a generated one when the file has none. */
    readonly name: string,
    /** The model's opset for the node's domain. */
    readonly opset: number,
    private readonly values: ReadonlyMap<string, Value>,
    /**
     * Set when the model's float64 tensors are read as float32 (`--f64-as-f32`, see import.ts);
     * called with what was read that way. `getTensor` and `dtypeFromCode` (cast.ts) apply it.
     */
    readonly onF64AsF32?: (what: string) => void,
    /** Imports a subgraph inline (import.ts), for If branches and Scan bodies. */
    private readonly subgraphs?: SubgraphImporter,
  ) {}

  get opType(): string {
    return this.node.opType;
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Number of input slots the node lists (omitted optional inputs included). */
  get inputCount(): number {
    return this.node.inputs.length;
  }

  hasInput(index: number): boolean {
    return (this.node.inputs[index] ?? '') !== '';
  }

  /** A required input; `what` names it in the error when it is missing. */
  input(index: number, what = `#${index}`): Value {
    const v = this.optionalInput(index);
    if (v === undefined) this.fail(`required input '${what}' (position ${index}) is missing`);
    return v;
  }

  /** An optional input: undefined when omitted ('' or past the end of the input list). */
  optionalInput(index: number): Value | undefined {
    const name = this.node.inputs[index] ?? '';
    if (name === '') return undefined;
    const v = this.values.get(name);
    // import.ts checks every input is defined before calling the importer; this is a backstop.
    if (v === undefined) this.fail(`input '${name}' is not defined`);
    return v;
  }

  /** Every present input, in order (for variadic ops such as Concat or Sum). */
  presentInputs(): Value[] {
    const out: Value[] = [];
    for (let i = 0; i < this.node.inputs.length; i++) {
      const v = this.optionalInput(i);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /** The data of an input that must be a compile-time constant. */
  constInput(index: number, what: string): Tensor {
    const v = this.input(index, what);
    if (v.data === undefined) {
      this.unsupported(`input '${what}' must be a constant (computed at run time is not supported yet)`);
    }
    return v.data;
  }

  /** A constant input as numbers (int64 converted; INT64 sentinels become ±9.2e18). */
  constNumbers(index: number, what: string): number[] {
    return tensorToNumbers(this.constInput(index, what));
  }

  /** Like constNumbers, but undefined when the optional input is omitted. */
  optionalConstNumbers(index: number, what: string): number[] | undefined {
    return this.hasInput(index) ? this.constNumbers(index, what) : undefined;
  }

  /**
   * An input that must be known at compile time, as Dims: a constant's numbers, or the contents
   * of a shape computation on symbolic dims (`Value.symbolic`, e.g. `[batch, sequence, 4, 32]`
   * from Shape → Gather → Concat). Data computed at run time is an UnsupportedFormError.
   */
  constDims(index: number, what: string): Dim[] {
    const v = this.input(index, what);
    if (v.data !== undefined) return tensorToNumbers(v.data);
    const dims = symbolicContents(v) ?? this.valueSymbolsOf(v);
    if (dims === undefined) {
      this.unsupported(
        `input '${what}' must be a constant or computed from tensor shapes at compile time; here it depends on tensor data (data-dependent shapes are not supported)`,
      );
    }
    return dims;
  }

  /**
   * A small integer graph input read as Dims: one fresh symbol per element (`shape_0`, `shape_1`,
   * …), recorded in `Graph.valueSymbols` so the runtime binds them from the input's data per run,
   * and set as the input's symbolic contents so later readers share them. Undefined for anything
   * else. Symbols are assumed ≥ 1 (ir/dim-range.ts): importers keep refusing values whose
   * meaning the symbols cannot express (0 or -1 in a Reshape target, a negative Slice index) by
   * that assumption, and the runtime refuses a run whose value breaks it (runtime/validate.ts).
   */
  private valueSymbolsOf(v: Value, offset = 0): Dim[] | undefined {
    const count = this.valueSymbolCount(v);
    if (count === undefined || (v.type.dtype !== 'int64' && v.type.dtype !== 'int32')) return undefined;
    const symbols = Array.from({ length: count }, (_, index) => this.newValueSymbol(v, index, { offset }));
    const dims = offset === 0 ? symbols : symbols.map((x) => dimSub(x, offset));
    v.symbolic = dims;
    return dims;
  }

  /** How many value symbols graph input `v` can give (a 0-d or 1-d static shape, ≤ 16 elements). */
  private valueSymbolCount(v: Value): number | undefined {
    const shape = v.type.shape;
    if (!this.graph.inputs.includes(v)) return undefined;
    if (shape.length > 1 || !shape.every((d): d is number => typeof d === 'number')) return undefined;
    const count = shape.length === 0 ? 1 : shape[0]!;
    return count < 1 || count > MAX_VALUE_SYMBOLS ? undefined : count;
  }

  /**
   * Like knownDims for a one-element input computed from a small integer graph input through
   * casts and reshapes (expanded window functions write `Range(0, Cast<float>(size), 1)`): the
   * graph input gets its value symbols, which the casts carry (ir/infer/indexing.ts scalarDim).
   * Undefined when the input is not such a chain.
   */
  knownScalarThroughCasts(index: number): Dim | undefined {
    let v: Value | undefined = this.input(index);
    for (let depth = 0; v !== undefined && depth < 8; depth++) {
      if (!v.type.shape.every((d) => d === 1)) return undefined;
      if (v.data !== undefined || v.symbolic) return scalarDim(v);
      if (this.graph.inputs.includes(v)) return this.valueSymbolsOf(v) ? scalarDim(this.input(index)) : undefined;
      const kind: string | undefined = v.producer?.op.kind;
      v = kind === 'cast' || kind === 'reshape' ? v.producer!.inputs[0] : undefined;
    }
    return undefined;
  }

  /**
   * Like knownDims, for an input whose elements may be 0 (pads, split sizes, slice starts): a
   * small integer graph input reads as `s - 1` per element, with the symbol s bound per run to the
   * element + 1 (symbols are ≥ 1), so a 0 is a legal value; a negative one is refused at run time.
   * Contents already known (a constant, a shape computation, an earlier reader's symbols) win.
   */
  knownDimsFromZero(index: number): Dim[] | undefined {
    const v = this.input(index);
    if (v.data !== undefined) return tensorToNumbers(v.data);
    return symbolicContents(v) ?? this.valueSymbolsOf(v, 1);
  }

  /**
   * Sizes given by a float graph input of scales (Resize's `scales`): element i gives the size
   * ⌊base[i] · scales[i]⌋ as a symbol bound per run (runtime/dim-expr.ts valueSymbolOf), ≥ 1 by
   * the usual assumption (the runtime refuses a scale that would give 0). Undefined unless the
   * input is a graph input of a float dtype holding `base.length` elements.
   */
  scaledSizes(index: number, base: readonly Dim[]): Dim[] | undefined {
    const v = this.input(index);
    if (!v.type.dtype.startsWith('float') || this.valueSymbolCount(v) !== base.length) return undefined;
    return base.map((d, i) => this.newValueSymbol(v, i, { scaleOf: d }));
  }

  /**
   * Like constDims, but undefined instead of an error when the input's contents are not known at
   * compile time; a small integer graph input gets its value symbols (so ops built on it, such as
   * a `range` of that length, see symbolic sizes).
   */
  knownDims(index: number): Dim[] | undefined {
    const v = this.input(index);
    if (v.data !== undefined) return tensorToNumbers(v.data);
    return symbolicContents(v) ?? this.valueSymbolsOf(v);
  }

  /**
   * A one-element graph input of any numeric type (OneHot's float `depth`) as one symbol bound
   * per run to its value truncated toward zero — what a cast to an integer type gives, so the
   * caller may set it as the symbolic contents of that cast. Undefined for anything else.
   */
  truncatedScalarSymbol(index: number): string | undefined {
    const v = this.input(index);
    if (!this.graph.inputs.includes(v) || !v.type.shape.every((d) => d === 1)) return undefined;
    if (!/^(float|int|uint)/.test(v.type.dtype)) return undefined;
    if (v.symbolic) return typeof v.symbolic[0] === 'string' ? v.symbolic[0] : undefined;
    const existing = this.graph.valueSymbols.find((x) => x.input === v.name && x.index === 0);
    if (existing) return existing.name;
    if (v.type.dtype === 'int32' || v.type.dtype === 'int64') return this.valueSymbolsOf(v)?.[0] as string | undefined;
    return this.newValueSymbol(v, 0);
  }

  /** Registers symbol `<input>_<index>` (made unique) for element `index` of graph input `v`. */
  private newValueSymbol(v: Value, index: number, rule: { offset?: number; scaleOf?: Dim } = {}): string {
    const existing = this.graph.valueSymbols.find(
      (x) => x.input === v.name && x.index === index && (x.offset ?? 0) === (rule.offset ?? 0) && x.scaleOf === rule.scaleOf,
    );
    if (existing) return existing.name;
    const base = v.name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[^A-Za-z_])/, '_');
    const taken = (name: string) => this.graph.symbolNames.has(name) || this.graph.valueSymbols.some((x) => x.name === name);
    let name = `${base}_${index}`;
    for (let k = 1; taken(name); k++) name = `${base}_${index}_${k}`;
    const symbol: ValueSymbol = { name, input: v.name, index };
    if (rule.offset) symbol.offset = rule.offset;
    if (rule.scaleOf !== undefined) symbol.scaleOf = rule.scaleOf;
    this.graph.valueSymbols.push(symbol);
    const element = `element ${index} of input '${v.name}'`;
    this.graph.symbolNames.set(name, describeValueRule(symbol, element));
    return name;
  }

  /** Whether `d` is a symbol made of a graph input's value (see valueSymbolsOf), which may be 1. */
  isValueSymbol(d: Dim): boolean {
    return typeof d === 'string' && this.graph.valueSymbols.some((s) => s.name === d);
  }

  /** Like constDims, but undefined when the optional input is omitted. */
  optionalConstDims(index: number, what: string): Dim[] | undefined {
    return this.hasInput(index) ? this.constDims(index, what) : undefined;
  }

  /**
   * An input that decides the graph's structure (axes, a mode flag), as numbers: a constant's
   * values; for a small int/bool graph input, the value pinned for the variant being compiled (or
   * the import stops with a request for compile to enumerate `domain`: src/onnx/structural.ts).
   */
  structuralInput(index: number, what: string, domain: DomainRequest): number[] {
    const v = this.input(index, what);
    return v.data !== undefined ? tensorToNumbers(v.data) : structuralValue(this, v, what, domain);
  }

  /** A constant input holding exactly one element (a scalar or a 1-element tensor). */
  constScalar(index: number, what: string): number {
    const values = this.constNumbers(index, what);
    if (values.length !== 1) this.fail(`input '${what}' must hold one value, got ${values.length}`);
    return values[0]!;
  }

  // ---- outputs ------------------------------------------------------------------------------

  get outputCount(): number {
    return this.node.outputs.length;
  }

  /** Whether the model asks for output `index` (listed and not ''). */
  hasOutput(index: number): boolean {
    return (this.node.outputs[index] ?? '') !== '';
  }

  // ---- attributes ---------------------------------------------------------------------------

  hasAttr(name: string): boolean {
    return this.node.attributes.has(name);
  }

  /**
   * Fails when the node carries `name` as an attribute although, at this opset, it is an input
   * (since opset `since`): silently ignoring it would import the node with the wrong values.
   */
  rejectMovedAttr(name: string, since: number): void {
    if (this.hasAttr(name)) this.fail(`attribute '${name}' is not valid at opset ${this.opset}: since opset ${since} it is an input`);
  }

  getInt(name: string, fallback?: number): number {
    return this.attr(name, ['int'], fallback);
  }

  /** A float attribute; an int attribute is accepted too (some exporters write 0 for 0.0). */
  getFloat(name: string, fallback?: number): number {
    return this.attr(name, ['float', 'int'], fallback);
  }

  getString(name: string, fallback?: string): string {
    return this.attr(name, ['string'], fallback);
  }

  /**
   * A string attribute that must be one of `allowed` (the op's enumeration); anything else fails
   * with a message listing the choices, so importers need not repeat that check and its wording.
   */
  getEnum<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const s = this.getString(name, fallback);
    if (!(allowed as readonly string[]).includes(s)) this.fail(`${name} '${s}' is not one of ${allowed.join(', ')}`);
    return s as T;
  }

  getStrings(name: string, fallback?: string[]): string[] {
    return [...this.attr(name, ['strings'], fallback)];
  }

  getInts(name: string, fallback?: number[]): number[] {
    return [...this.attr(name, ['ints'], fallback)];
  }

  getFloats(name: string, fallback?: number[]): number[] {
    return [...this.attr(name, ['floats', 'ints'], fallback)];
  }

  /** A tensor attribute; float64 comes back as float32 when the model's float64 is read so. */
  getTensor(name: string): Tensor {
    const t = this.attr<'tensor'>(name, ['tensor'], undefined);
    if (t.dtype !== 'float64' || this.onF64AsF32 === undefined) return t;
    this.onF64AsF32(`attribute '${name}' of node '${this.name}'`);
    return float64AsFloat32(t);
  }

  /** A GRAPH attribute (If's branches, Scan's body). */
  getGraph(name: string): OnnxGraph {
    return this.attr<'graph'>(name, ['graph'], undefined);
  }

  /**
   * Imports `graph` inline, its inputs bound in order to `inputs`, the values of the enclosing
   * scopes visible by name; returns its outputs. Its nodes are named `<this node>/<label>/…`.
   */
  inlineGraph(graph: OnnxGraph, inputs: Value[], label: string): Value[] {
    if (this.subgraphs === undefined) this.fail('subgraphs cannot be imported here');
    if (graph.inputs.length !== inputs.length) this.fail(`subgraph '${graph.name}' takes ${graph.inputs.length} inputs, given ${inputs.length}`);
    return this.subgraphs(graph, inputs, `${this.name}/${label}`, this.values);
  }

  private attr<T extends AttrType>(name: string, types: T[], fallback: AttrOf<T> | undefined): AttrOf<T> {
    const a = this.node.attributes.get(name);
    if (a === undefined) {
      if (fallback === undefined) this.fail(`required attribute '${name}' is missing`);
      return fallback;
    }
    if (!(types as AttrType[]).includes(a.type)) {
      this.fail(`attribute '${name}' has type ${a.type}, expected ${types.join(' or ')}`);
    }
    return a.value as AttrOf<T>;
  }

  // ---- building -----------------------------------------------------------------------------

  /** Adds an intermediate IR node (one whose outputs are not ONNX outputs of this node). */
  add(op: Op, inputs: Value[]): Value[] {
    const n = this.added.get(op.kind) ?? 0;
    this.added.set(op.kind, n + 1);
    const nodeName = `${this.name}/${op.kind}${n === 0 ? '' : `_${n}`}`;
    return this.graph.add(op, inputs, nodeName);
  }

  /** Adds an intermediate node with exactly one output and returns it. */
  add1(op: Op, inputs: Value[]): Value {
    return this.single(this.add(op, inputs), op);
  }

  /**
   * Adds the IR node that produces this node's ONNX outputs `firstOutput`, `firstOutput + 1`, …
   * (named as in the model).
   */
  addOut(op: Op, inputs: Value[], firstOutput = 0): Value[] {
    const count = Math.max(1, this.node.outputs.length - firstOutput);
    const names = Array.from({ length: count }, (_, k) => {
      const i = firstOutput + k;
      const onnxName = this.node.outputs[i] ?? '';
      return onnxName === '' ? `${this.name}_out${i}` : onnxName;
    });
    return this.graph.add(op, inputs, this.name, names);
  }

  /** Adds the node producing ONNX output `output` (default the first), which has one IR output. */
  addOut1(op: Op, inputs: Value[], output = 0): Value {
    return this.single(this.addOut(op, inputs, output), op);
  }

  /** A constant value holding `tensor`, named after this node and `label`. */
  constant(label: string, tensor: Tensor): Value {
    return this.graph.addConstant(`${this.name}/${label}`, tensor);
  }

  /** Binds ONNX output `output` (default the first) to a constant holding `tensor`. */
  constantOut(tensor: Tensor, output = 0): Value {
    const name = this.node.outputs[output] ?? '';
    return this.graph.addConstant(name === '' ? `${this.name}_out${output}` : name, tensor);
  }

  /** A 0-d constant of `dtype`. */
  scalar(label: string, dtype: DType, value: number): Value {
    return this.constant(label, scalarTensor(dtype, value));
  }

  // ---- errors -------------------------------------------------------------------------------

  /** Rejects a form of the op that the importer does not lower. */
  unsupported(reason: string): never {
    throw new UnsupportedFormError(this.name, this.opType, reason);
  }

  /** Reports a malformed node. */
  fail(reason: string): never {
    throw new ImportError(reason, this.name, this.opType);
  }

  private single(outs: Value[], op: Op): Value {
    if (outs.length !== 1) this.fail(`IR op ${op.kind} produced ${outs.length} outputs, expected 1`);
    return outs[0]!;
  }
}
