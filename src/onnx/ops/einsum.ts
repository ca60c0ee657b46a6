/**
 * Einsum → transposes, reshapes, diagonal gathers, sums and batched matmuls.
 *
 * ONNX: Einsum (opset 12 to MAX_OPSET). Types: numeric, all operands of one type.
 * The equation follows numpy: comma-separated operand subscripts (letters, at most one `...`
 * each), then optionally `->` and the output subscripts; without `->` the output is the ellipsis
 * dims followed by the letters used exactly once, in alphabetical order. Spaces are ignored.
 * Ellipsis dims are right-aligned across operands and broadcast like numpy's.
 *
 * Lowering, per operand then pairwise left to right:
 * 1. A letter repeated within one operand takes the diagonal: both axes moved last, flattened,
 *    and `gather`ed at 0, n+1, 2(n+1), … (needs a static size).
 * 2. A letter that neither the output nor any other remaining operand uses is summed away
 *    (`reduce sum`) as early as possible.
 * 3. Two operands combine as one batched `matmul`: letters in both and still needed later are
 *    batch dims (kept as separate leading dims so they broadcast), letters in both and needed no
 *    more are contracted (K), the rest are each side's free dims (M, N) — each side transposed to
 *    [batch…, M…, K…] / [batch…, K…, N…] and reshaped to 3 groups, the product reshaped back.
 * 4. Remaining letters not in the output are summed; a `transpose` puts the output in order.
 */

import type { Value } from '../../../ir/graph.js';
import type { Dim } from '../../../ir/shape.js';
import type { ImportContext, ImportResult, OpImporter } from './context.js';
import { dimProduct, importer, makeTensor, staticDim } from './common.js';
import { reduce, reshapeTo } from './lowering.js';

/** One operand (or the result so far) with a label per axis. */
interface Term {
  v: Value;
  labels: string[];
}

interface Equation {
  inputs: string[][];
  output: string[];
}

const ELLIPSIS = '...';

/** Splits one subscript string into labels, with ELLIPSIS as one token. */
function tokens(ctx: ImportContext, s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    if (s.startsWith(ELLIPSIS, i)) {
      if (out.includes(ELLIPSIS)) ctx.fail(`subscripts '${s}' have more than one ellipsis`);
      out.push(ELLIPSIS);
      i += 3;
    } else {
      const c = s[i]!;
      if (!/[A-Za-z]/.test(c)) ctx.fail(`subscripts '${s}' contain '${c}', which is not a letter or '...'`);
      out.push(c);
      i++;
    }
  }
  return out;
}

/**
 * Parses the equation and expands each ellipsis into labels '…k' (k counts from the left of the
 * widest ellipsis, so shorter ones align to the right).
 */
function parse(ctx: ImportContext, equation: string, operands: Value[]): Equation {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs, extra] = eq.split('->');
  if (extra !== undefined) ctx.fail(`equation '${equation}' has more than one '->'`);
  const terms = lhs!.split(',').map((t) => tokens(ctx, t));
  if (terms.length !== operands.length) ctx.fail(`equation '${equation}' has ${terms.length} operands, the node ${operands.length} inputs`);

  const ellipsisRank = terms.map((t, i) => {
    const letters = t.filter((l) => l !== ELLIPSIS).length;
    const rank = operands[i]!.rank;
    if (t.includes(ELLIPSIS) ? letters > rank : letters !== rank) {
      ctx.fail(`operand ${i} has rank ${rank}, but its subscripts '${t.join('')}' need ${t.includes(ELLIPSIS) ? `at least ${letters}` : letters}`);
    }
    return t.includes(ELLIPSIS) ? rank - letters : 0;
  });
  const widest = Math.max(0, ...ellipsisRank);
  const expand = (t: string[], e: number) => t.flatMap((l) => (l === ELLIPSIS ? Array.from({ length: e }, (_, k) => `…${widest - e + k}`) : [l]));
  const inputs = terms.map((t, i) => expand(t, ellipsisRank[i]!));

  let output: string[];
  if (rhs !== undefined) {
    const out = tokens(ctx, rhs);
    output = expand(out, widest);
    const used = new Set(inputs.flat());
    for (const l of output) {
      if (!l.startsWith('…') && !used.has(l)) ctx.fail(`output label '${l}' appears in no operand`);
    }
    if (new Set(output).size !== output.length) ctx.fail(`output subscripts '${rhs}' repeat a label`);
    if (widest > 0 && !out.includes(ELLIPSIS) && terms.some((t) => t.includes(ELLIPSIS))) {
      // As in numpy, the broadcast (ellipsis) dims must appear in an explicit output.
      ctx.fail(`the output subscripts '${rhs}' must contain '...' when an operand does`);
    }
  } else {
    const counts = new Map<string, number>();
    for (const l of inputs.flat()) if (!l.startsWith('…')) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([, n]) => n === 1).map(([l]) => l).sort();
    output = [...Array.from({ length: widest }, (_, k) => `…${k}`), ...once];
  }
  return { inputs, output };
}

/** Permutes `t`'s axes into the order of `labels` (a permutation of its labels). */
function arrange(ctx: ImportContext, t: Term, labels: string[]): Term {
  const perm = labels.map((l) => t.labels.indexOf(l));
  if (perm.every((p, i) => p === i)) return { v: t.v, labels };
  return { v: ctx.add1({ kind: 'transpose', perm }, [t.v]), labels };
}

/** Takes diagonals until no label repeats within `t`. */
function diagonals(ctx: ImportContext, t: Term): Term {
  for (;;) {
    const q = t.labels.findIndex((l, i) => t.labels.indexOf(l) !== i);
    if (q < 0) return t;
    const label = t.labels[q]!;
    const p = t.labels.indexOf(label);
    const shape = t.v.type.shape;
    const n = staticDim(shape[p]!, `Einsum's diagonal over repeated label '${label}'`);
    if (shape[q] !== n) ctx.fail(`label '${label}' has sizes ${n} and ${shape[q]} in one operand`);
    const rest = t.labels.filter((_, i) => i !== p && i !== q);
    // Both copies of the label go last (arrange() cannot name them apart, so permute directly).
    const perm = [...t.labels.flatMap((_, i) => (i === p || i === q ? [] : [i])), p, q];
    const v = perm.every((x, i) => x === i) ? t.v : ctx.add1({ kind: 'transpose', perm }, [t.v]);
    const restDims = perm.slice(0, -2).map((i) => shape[i]!);
    const flat = reshapeTo(ctx, v, [...restDims, n * n]);
    const index = ctx.constant(`diag${n}`, makeTensor('int64', [n], Array.from({ length: n }, (_, i) => i * (n + 1))));
    t = { v: ctx.add1({ kind: 'gather', axis: restDims.length }, [flat, index]), labels: [...rest, label] };
  }
}

/** Sums away the axes of `t` whose labels are not in `keep`. */
function sumUnused(ctx: ImportContext, t: Term, keep: Set<string>): Term {
  const axes = t.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (axes.length === 0) return t;
  return { v: reduce(ctx, 'sum', t.v, axes, false), labels: t.labels.filter((l) => keep.has(l)) };
}

/** a ⊗ b contracted over their shared labels not in `later`; shared labels in `later` are batch. */
function contract(ctx: ImportContext, a: Term, b: Term, later: Set<string>): Term {
  const inB = new Set(b.labels);
  const shared = a.labels.filter((l) => inB.has(l));
  const batch = shared.filter((l) => later.has(l));
  const k = shared.filter((l) => !later.has(l));
  const m = a.labels.filter((l) => !inB.has(l));
  const n = b.labels.filter((l) => !a.labels.includes(l));
  const dimsOf = (t: Term, labels: string[]) => labels.map((l) => t.v.type.shape[t.labels.indexOf(l)]!);
  for (const l of k) {
    const [da, db] = [dimsOf(a, [l])[0]!, dimsOf(b, [l])[0]!];
    if (da !== db) ctx.unsupported(`contracted label '${l}' has sizes ${da} and ${db}; broadcasting a summed dim is not supported`);
  }
  const what = 'Einsum grouping dims for a matmul';
  const group = (t: Term, labels: string[]): Dim => dimProduct(dimsOf(t, labels), what);
  const a2 = arrange(ctx, a, [...batch, ...m, ...k]);
  const b2 = arrange(ctx, b, [...batch, ...k, ...n]);
  const am = reshapeTo(ctx, a2.v, [...dimsOf(a, batch), group(a, m), group(a, k)]);
  const bm = reshapeTo(ctx, b2.v, [...dimsOf(b, batch), group(b, k), group(b, n)]);
  const product = ctx.add1({ kind: 'matmul', transA: false, transB: false, alpha: 1, beta: 0 }, [am, bm]);
  // Batch dims broadcast in the matmul; the product's own leading dims are the broadcast ones.
  const batchDims = product.type.shape.slice(0, batch.length);
  return { v: reshapeTo(ctx, product, [...batchDims, ...dimsOf(a, m), ...dimsOf(b, n)]), labels: [...batch, ...m, ...n] };
}

function einsum(ctx: ImportContext): ImportResult {
  const operands = ctx.presentInputs();
  if (operands.length === 0) ctx.fail('needs at least one input');
  const { inputs, output } = parse(ctx, ctx.getString('equation'), operands);
  const needed = (from: number) => new Set([...output, ...inputs.slice(from).flat()]);

  let acc = sumUnused(ctx, diagonals(ctx, { v: operands[0]!, labels: inputs[0]! }), needed(1));
  for (let i = 1; i < operands.length; i++) {
    const later = needed(i + 1);
    const next = sumUnused(ctx, diagonals(ctx, { v: operands[i]!, labels: inputs[i]! }), new Set([...later, ...acc.labels]));
    acc = sumUnused(ctx, acc, new Set([...later, ...next.labels]));
    acc = contract(ctx, acc, next, later);
  }
  // The last op built carries an intermediate name; the ONNX output is bound to its value.
  return [arrange(ctx, sumUnused(ctx, acc, new Set(output)), output).v];
}

export const einsumImporters: OpImporter[] = [importer('Einsum', einsum, 12)];
