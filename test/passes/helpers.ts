/**
 * Pass tests as IR text: `expectRewrite(pass, before, after)` parses `before`, runs the pass on a
 * copy with the verifier before and after, compares the printed result with `after` (or with
 * `before` for 'unchanged'), and — the semantic half — evaluates both graphs on the CPU evaluator
 * with random inputs (never zeros) and requires the same outputs.
 *
 * Text is compared modulo value names and `loc(…)`: values are renamed %0, %1, … in order of
 * first appearance, so expected texts need not spell the names passes generate. With
 * `elide: true` constants print as `dense<elided N>` (for folded weights whose exact values the
 * numeric check covers).
 */

import { expect } from 'vitest';
import { isFloat } from '../../ir/dtype.js';
import { evaluateGraph } from '../../ir/eval/index.js';
import type { Graph, Tensor } from '../../ir/graph.js';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';
import { verifyGraph } from '../../ir/verify.js';
import type { Pass } from '../../src/passes/pass.js';
import { expectClose, randomTensor, rng } from '../helpers/random.js';

/** Printed IR with names canonicalized, locs and comments dropped, whitespace normalized. */
export function canonical(text: string): string {
  const names = new Map<string, string>();
  return text
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, '').replace(/\s+loc\("(?:[^"\\]|\\.)*"\)/, '').trim())
    .filter((l) => l !== '')
    .map((l) =>
      l.replace(/%("(?:[^"\\]|\\.)*"|[A-Za-z0-9_.]+)/g, (_m, n: string) => {
        if (!names.has(n)) names.set(n, `%${names.size}`);
        return names.get(n)!;
      }),
    )
    .map((l) => l.replace(/\s+/g, ' '))
    .join('\n');
}

/** Random feeds for the graph's inputs; symbolic dims take `symbolSize`. */
export function randomFeeds(g: Graph, seed = 7, symbolSize = 3): Record<string, Tensor> {
  const rand = rng(seed);
  const feeds: Record<string, Tensor> = {};
  for (const v of g.inputs) {
    const dims = v.type.shape.map((d) => (typeof d === 'number' ? d : symbolSize));
    // Integers are kept non-zero (integer division by zero is an error, not a value).
    const [lo, hi] = isFloat(v.type.dtype) ? [-2, 2] : [1, 5];
    feeds[v.name] = v.type.dtype === 'bool' ? randomTensor('bool', dims, rand) : randomTensor(v.type.dtype, dims, rand, lo, hi);
  }
  return feeds;
}

/** Both graphs compute the same outputs (by position) on the same random inputs. */
export function expectSameResults(a: Graph, b: Graph, seed = 7, rtol = 1e-5, atol = 1e-6): void {
  const feeds = randomFeeds(a, seed);
  const ra = evaluateGraph(a, feeds);
  const rb = evaluateGraph(b, feeds);
  a.outputs.forEach((v, i) => {
    const want = ra.get(v.name)!;
    const got = rb.get(b.outputs[i]!.name)!;
    expect(got.dtype).toBe(want.dtype);
    expectClose(got, want, rtol, atol, `output ${i} (%${v.name})`);
  });
}

export interface RewriteOptions {
  elide?: boolean;
  rtol?: number;
  atol?: number;
}

/** Runs `pass` on `before`; checks the verifier, the text and the numbers. Returns the result. */
export function expectRewrite(pass: Pass, before: string, after: string | 'unchanged', opts: RewriteOptions = {}): Graph {
  const g0 = parseGraph(before);
  verifyGraph(g0);
  const g1 = g0.clone();
  const changed = pass.run(g1);
  verifyGraph(g1);
  const print = (g: Graph) => printGraph(g, opts.elide ? { elideConstantsOver: 0 } : {});
  if (after === 'unchanged') {
    expect(canonical(print(g1))).toBe(canonical(print(g0)));
    expect(changed).toBe(false);
  } else {
    expect(canonical(print(g1))).toBe(canonical(after));
    expect(changed).toBe(true);
  }
  expectSameResults(g0, g1, 7, opts.rtol, opts.atol);
  return g1;
}
