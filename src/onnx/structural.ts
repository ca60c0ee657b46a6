/**
 * Inputs that decide the graph's structure: the import-side half of value-specialized variants.
 *
 * Some ONNX inputs decide what the graph IS rather than what it computes on — the axes of a
 * ReduceSum, Squeeze, Unsqueeze or Slice (inputs since opset 13), a Dropout's training_mode. An
 * ahead-of-time compiler wants them as constants. When a model feeds one as a GRAPH input instead,
 * the set of its legal values is still small and finite (the axes of a rank-r tensor), so the model
 * is compiled once per value (src/variants.ts) and the runtime selects the variant per run
 * (runtime/variants.ts).
 *
 * The protocol: an importer asks `ctx.structuralInput(index, what, domain)`. A constant answers
 * as before. A small int/bool graph input answers with the value compile PINNED for this variant
 * (`pinInputs`); with none pinned, the import stops with a StructuralInputRequest naming the input
 * and its domain — not an error a user sees: compile catches it, enumerates the domain and imports
 * again once per value. The input stays a graph input (same name, dtype, dims) that no kernel reads.
 *
 * A pinned value is already normalized (non-negative axes, sorted for sets). One input may feed
 * several nodes only when they read it with the same domain: the runtime normalizes a value once,
 * and a -1 meaning different axes for different ranks could not select one variant.
 */

import type { Graph, Value } from '../../ir/graph.js';
import type { SelectorDomain } from '../../runtime/variants.js';
import { ImportError } from './errors.js';

/** The domain an importer asks for; the length comes from the input's declared shape. */
export type DomainRequest = { kind: 'axes'; rank: number; order: 'set' | 'list'; outputRank?: boolean } | { kind: 'bool' };

/** The value compile fixed for a selecting input in one variant, with the domain it came from. */
export interface PinnedValue {
  values: number[];
  domain: SelectorDomain;
}

/**
 * An importer needs graph input `input` as a constant: compile enumerates `domain` and imports
 * once per value. An ImportError so the import loop passes it on untouched.
 */
export class StructuralInputRequest extends ImportError {
  override readonly name = 'StructuralInputRequest';

  constructor(
    readonly input: string,
    readonly domain: SelectorDomain,
    /** "ReduceSum 'r1' axes": what asked, for messages. */
    readonly usedBy: string,
    nodeName: string,
    opType: string,
  ) {
    super(`input '${input}' decides the graph's structure; it is compiled once per legal value (compile handles this request)`, nodeName, opType);
  }
}

const pinsByGraph = new WeakMap<Graph, ReadonlyMap<string, PinnedValue>>();

/** Fixes the values of selecting inputs for the import of `graph` (called by importModel). */
export function pinInputs(graph: Graph, pins: ReadonlyMap<string, PinnedValue> | undefined): void {
  if (pins && pins.size > 0) pinsByGraph.set(graph, pins);
}

const SELECTABLE = new Set(['int64', 'int32', 'bool']);

/** Things an importer's context provides that the lookup needs (ops/context.ts ImportContext). */
interface StructuralContext {
  readonly graph: Graph;
  readonly name: string;
  readonly opType: string;
  unsupported(reason: string): never;
}

function sameDomain(a: SelectorDomain, b: SelectorDomain): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The value of non-constant input `v` (the importer's `what`) for this variant: its pinned value,
 * or a StructuralInputRequest when `v` is a selectable graph input with none pinned. Any other
 * non-constant input is refused as a form, as constInput does.
 */
export function structuralValue(ctx: StructuralContext, v: Value, what: string, request: DomainRequest): number[] {
  const notConstant = `input '${what}' must be a constant (computed at run time is not supported yet)`;
  if (!ctx.graph.inputs.includes(v) || !SELECTABLE.has(v.type.dtype)) ctx.unsupported(notConstant);
  const shape = v.type.shape;
  let domain: SelectorDomain;
  if (request.kind === 'bool') {
    if (shape.some((d) => d !== 1)) ctx.unsupported(`${notConstant}; as a graph input it must hold one value`);
    domain = { kind: 'bool' };
  } else {
    if (shape.length !== 1) ctx.unsupported(`${notConstant}; as a graph input it must be 1-D`);
    const length = typeof shape[0] === 'number' ? shape[0] : null;
    if (length === null && request.outputRank) ctx.unsupported(`${notConstant}; as a graph input its length must be fixed (it decides the output rank)`);
    domain = { kind: 'axes', rank: request.rank, order: request.order, ...(request.outputRank ? { outputRank: true } : {}), length };
  }
  const pinned = pinsByGraph.get(ctx.graph)?.get(v.name);
  if (pinned === undefined) throw new StructuralInputRequest(v.name, domain, `${ctx.opType} '${ctx.name}' ${what}`, ctx.name, ctx.opType);
  if (!sameDomain(pinned.domain, domain)) {
    ctx.unsupported(`input '${v.name}' decides the structure of nodes that read it differently (as ${JSON.stringify(pinned.domain)} and ${JSON.stringify(domain)}); a run-time value cannot select both`);
  }
  return pinned.values;
}
