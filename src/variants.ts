/**
 * Value-specialized variants, compile side: a model whose graph inputs decide its structure (axes
 * given at run time, a mode flag; src/onnx/structural.ts) is compiled once per legal value of those
 * inputs, and the plans are assembled into one plan with a `variants` table that the runtime
 * selects from per run (runtime/variants.ts).
 *
 * The driver imports the model with nothing pinned. An importer that needs a selecting input stops
 * the import with a StructuralInputRequest (the input and its domain); the driver enumerates the
 * domain's normalized values and compiles again with each pinned. A compile may request a further
 * input: the exploration is a tree, so several inputs give their cartesian product (and an input
 * read only on some paths is a wildcard, `null`, on the others). More than MAX_VARIANTS leaves is
 * refused before compiling them, naming the inputs.
 *
 * A value whose compile fails (repeated axes cannot arise, but squeezing an axis whose size is not
 * 1, or reducing in a way the backend refuses, can) is absent from the table, with its reason kept
 * for the runtime's error; when every value fails, the first failure is the compile's error.
 *
 * The variants share one weights.bin: identical constants (by content) are stored once and every
 * variant's weight offsets point into the shared file.
 */

import { createHash } from 'node:crypto';
import type { ModelPlan, PlanWeight } from '../runtime/plan.js';
import { formatSelectorValue, type PlanAbsentVariant, type PlanSelector, type PlanVariant, type SelectorDomain } from '../runtime/variants.js';
import { WEIGHT_ALIGNMENT } from './emit/plan.js';
import { CompileError } from './errors.js';
import { StructuralInputRequest, type PinnedValue } from './onnx/structural.js';
import type { CompiledModel } from './compile.js';

/** Most variants one model may compile into (each is a full plan with its own buffers). */
export const MAX_VARIANTS = 64;

/** Too many variants: the selecting inputs' domains multiply past MAX_VARIANTS. */
export class VariantLimitError extends CompileError {}

export type Pins = ReadonlyMap<string, PinnedValue>;

/** k-element subsets of 0..n-1, each ascending, in lexicographic order. */
function combinations(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  const walk = (start: number, acc: number[]) => {
    if (acc.length === k) return void out.push([...acc]);
    for (let i = start; i <= n - (k - acc.length); i++) walk(i + 1, [...acc, i]);
  };
  walk(0, []);
  return out;
}

/** Ordered k-element lists of distinct values of 0..n-1. */
function arrangements(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  const walk = (acc: number[]) => {
    if (acc.length === k) return void out.push([...acc]);
    for (let i = 0; i < n; i++) if (!acc.includes(i)) walk([...acc, i]);
  };
  walk([]);
  return out;
}

/**
 * Every legal value of `domain`, normalized as the runtime normalizes a run's value
 * (runtime/variants.ts normalizeSelectorValue): non-negative axes, sorted for a set; bools as 0/1.
 */
export function enumerateDomain(domain: SelectorDomain): number[][] {
  if (domain.kind === 'bool') return [[0], [1]];
  const lengths = domain.length === null ? Array.from({ length: domain.rank + 1 }, (_, k) => k) : [domain.length];
  return lengths.flatMap((k) => {
    const r = domain.rank + (domain.outputRank ? k : 0);
    if (k > r) return [];
    return domain.order === 'set' ? combinations(r, k) : arrangements(r, k);
  });
}

interface Leaf {
  pins: Pins;
  compiled?: CompiledModel;
  error?: unknown;
}

function describeSelector(s: PlanSelector, count: number): string {
  return `'${s.input}' (${s.usedBy}: ${count} legal value${count === 1 ? '' : 's'})`;
}

/**
 * Compiles through `compileOne` once per combination of values of the inputs its imports request,
 * and assembles the results (a model with no such input compiles once, unchanged).
 */
export function compileWithVariants(compileOne: (pins: Pins) => CompiledModel): CompiledModel {
  let request: StructuralInputRequest;
  try {
    return compileOne(new Map());
  } catch (e) {
    if (!(e instanceof StructuralInputRequest)) throw e;
    request = e;
  }
  const selectors: PlanSelector[] = [];
  const counts = new Map<string, number>();
  const leaves: Leaf[] = [];

  const explore = (pins: Pins, req: StructuralInputRequest, product: number): void => {
    const known = selectors.find((s) => s.input === req.input);
    if (known && JSON.stringify(known.domain) !== JSON.stringify(req.domain)) {
      throw new CompileError(`input '${req.input}' decides the graph's structure, but its legal values depend on the value of another such input; give one of them as a constant`);
    }
    if (!known) selectors.push({ input: req.input, domain: req.domain, usedBy: req.usedBy });
    const candidates = enumerateDomain(req.domain);
    counts.set(req.input, candidates.length);
    const total = product * candidates.length;
    if (total > MAX_VARIANTS || leaves.length + candidates.length > MAX_VARIANTS) {
      const which = selectors.map((s) => describeSelector(s, counts.get(s.input) ?? 0)).join(' × ');
      throw new VariantLimitError(
        `inputs that decide the graph's structure would need more than ${MAX_VARIANTS} compiled variants (${which}); give ${selectors.length > 1 ? 'some of them' : 'it'} as a constant (an initializer) instead`,
      );
    }
    for (const values of candidates) {
      const next = new Map(pins).set(req.input, { values, domain: req.domain });
      try {
        leaves.push({ pins: next, compiled: compileOne(next) });
      } catch (e) {
        if (e instanceof VariantLimitError || isEngineError(e)) throw e;
        if (e instanceof StructuralInputRequest) explore(next, e, total);
        else leaves.push({ pins: next, error: e });
      }
    }
  };
  explore(new Map(), request, 1);

  const valuesOf = (pins: Pins) => selectors.map((s) => pins.get(s.input)?.values ?? null);
  const built = leaves.filter((l): l is Leaf & { compiled: CompiledModel } => l.compiled !== undefined);
  if (built.length === 0) throw leaves[0]!.error;
  const absent: PlanAbsentVariant[] = leaves
    .filter((l) => l.compiled === undefined)
    .map((l) => ({ values: valuesOf(l.pins), reason: firstLine(l.error) }));
  return assemble(
    selectors,
    built.map((l) => ({ values: valuesOf(l.pins), compiled: l.compiled })),
    absent,
  );
}

/**
 * A JS engine error (or an import error caused by one) is a compiler bug, not a reason a value
 * cannot be compiled: it stops the compile instead of leaving that value without a variant.
 */
function isEngineError(e: unknown): boolean {
  const engine = (x: unknown) => x instanceof TypeError || x instanceof RangeError || x instanceof ReferenceError;
  return engine(e) || (e instanceof Error && engine(e.cause));
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]!;
}

/**
 * One plan from the variants: the first variant's fields (what tools describing a plan read) plus
 * the table; every variant's weights moved into one shared weights.bin, identical bytes stored once.
 */
function assemble(selectors: PlanSelector[], variants: { values: (number[] | null)[]; compiled: CompiledModel }[], absent: PlanAbsentVariant[]): CompiledModel {
  const chunks: Uint8Array[] = [];
  const offsets = new Map<string, number>();
  let size = 0;
  const place = (bytes: Uint8Array): number => {
    const key = `${bytes.byteLength}:${createHash('sha256').update(bytes).digest('hex')}`;
    let at = offsets.get(key);
    if (at === undefined) {
      at = Math.ceil(size / WEIGHT_ALIGNMENT) * WEIGHT_ALIGNMENT;
      if (at > size) chunks.push(new Uint8Array(at - size));
      chunks.push(bytes);
      size = at + bytes.byteLength;
      offsets.set(key, at);
    }
    return at;
  };
  const plans: ModelPlan[] = variants.map(({ compiled }) => {
    const weights: PlanWeight[] = compiled.plan.weights.map((w) => ({ ...w, offset: place(compiled.weights.subarray(w.offset, w.offset + w.byteLength)) }));
    return { ...compiled.plan, weights };
  });
  const shared = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    shared.set(c, at);
    at += c.byteLength;
  }
  for (const p of plans) p.weightsByteLength = size;

  const table: PlanVariant[] = variants.map((v, i) => ({ values: v.values, plan: plans[i]! }));
  const first = variants[0]!.compiled;
  const plan: ModelPlan = { ...plans[0]!, variants: { selectors, table, absent } };
  const shown = (vs: (number[] | null)[]) => vs.map((v, i) => `${selectors[i]!.input}=${formatSelectorValue(selectors[i]!.domain, v)}`).join(' ');
  const inputs = selectors.map((s) => `'${s.input}' (${s.usedBy})`).join(', ');
  const list = (items: string[]) => (items.length > 6 ? `${items.slice(0, 6).join('; ')}; … (${items.length} in all)` : items.join('; '));
  const notes = [
    ...first.report.notes,
    `${table.length} variant${table.length === 1 ? '' : 's'} selected per run by input${selectors.length > 1 ? 's' : ''} ${inputs}: ${list(table.map((t) => shown(t.values)))}` +
      (absent.length > 0 ? `; no variant for ${list(absent.map((a) => shown(a.values)))} (e.g. ${absent[0]!.reason})` : ''),
  ];
  return {
    plan,
    weights: shared,
    graph: first.graph,
    report: { ...first.report, weightsBytes: size, notes, variants: { count: table.length, inputs: selectors.map((s) => s.input) } },
  };
}
