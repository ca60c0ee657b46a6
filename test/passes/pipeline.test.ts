/**
 * runPipeline itself: the input graph is left intact, the report lists each pass run with its
 * changed flag, `disable` skips passes (and rejects unknown names), `dumpDir` writes the IR
 * after each pass run, and a small transformer block ends as the few ops it means.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';
import { ALL_PASSES, opHistogram, runPipeline } from '../../src/passes/pipeline.js';
import { SAMPLE_GRAPHS } from '../ir/sample-graphs.js';
import { canonical, expectSameResults } from './helpers.js';

/** One decomposed transformer MLP + attention block, as an exporter leaves it. */
const BLOCK = `graph(%x: f32[1, 4, 8]) {
  %wq = const f32[8, 8] dense<[${Array.from({ length: 64 }, (_, i) => (((i * 29) % 13) - 6) / 10).join(', ')}]>
  %wk = const f32[8, 8] dense<[${Array.from({ length: 64 }, (_, i) => (((i * 17) % 11) - 5) / 10).join(', ')}]>
  %wv = const f32[8, 8] dense<[${Array.from({ length: 64 }, (_, i) => (((i * 7) % 9) - 4) / 10).join(', ')}]>
  %bq = const f32[8] dense<[0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8]>
  %scale = const f32[] dense<[0.5]>
  %one = const f32[] dense<[1]>
  %half = const f32[] dense<[0.5]>
  %sqrt2 = const f32[] dense<[1.4142135]>
  %mq = matmul(%x, %wq) {alpha = 1, beta = 0, transA = false, transB = false} : f32[1, 4, 8]
  %q0 = binary(%bq, %mq) {fn = add} : f32[1, 4, 8]
  %k0 = matmul(%x, %wk) {alpha = 1, beta = 0, transA = false, transB = false} : f32[1, 4, 8]
  %v0 = matmul(%x, %wv) {alpha = 1, beta = 0, transA = false, transB = false} : f32[1, 4, 8]
  %qr = reshape(%q0) {shape = [1, 4, 2, 4]} : f32[1, 4, 2, 4]
  %q = transpose(%qr) {perm = [0, 2, 1, 3]} : f32[1, 2, 4, 4]
  %kr = reshape(%k0) {shape = [1, 4, 2, 4]} : f32[1, 4, 2, 4]
  %kh = transpose(%kr) {perm = [0, 2, 1, 3]} : f32[1, 2, 4, 4]
  %kt = transpose(%kh) {perm = [0, 1, 3, 2]} : f32[1, 2, 4, 4]
  %vr = reshape(%v0) {shape = [1, 4, 2, 4]} : f32[1, 4, 2, 4]
  %v = transpose(%vr) {perm = [0, 2, 1, 3]} : f32[1, 2, 4, 4]
  %s = matmul(%q, %kt) {alpha = 1, beta = 0, transA = false, transB = false} : f32[1, 2, 4, 4]
  %s1 = binary(%s, %one) {fn = mul} : f32[1, 2, 4, 4]
  %z = binary(%s1, %scale) {fn = mul} : f32[1, 2, 4, 4]
  %e = unary(%z) {alpha = 0, beta = 0, fn = exp} : f32[1, 2, 4, 4]
  %se = reduce(%e) {axes = [3], fn = sum, keepdims = true} : f32[1, 2, 4, 1]
  %p = binary(%e, %se) {fn = div} : f32[1, 2, 4, 4]
  %o = matmul(%p, %v) {alpha = 1, beta = 0, transA = false, transB = false} : f32[1, 2, 4, 4]
  %ot = transpose(%o) {perm = [0, 2, 1, 3]} : f32[1, 4, 2, 4]
  %h = reshape(%ot) {shape = [1, 4, 8]} : f32[1, 4, 8]
  %d = binary(%h, %sqrt2) {fn = div} : f32[1, 4, 8]
  %er = unary(%d) {alpha = 0, beta = 0, fn = erf} : f32[1, 4, 8]
  %a = binary(%er, %one) {fn = add} : f32[1, 4, 8]
  %m = binary(%h, %a) {fn = mul} : f32[1, 4, 8]
  %y = binary(%m, %half) {fn = mul} : f32[1, 4, 8]
  return %y
}`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('runPipeline', () => {
  it('reduces a decomposed block to matmuls, one packed attention and one gelu', () => {
    const g = parseGraph(BLOCK);
    const before = printGraph(g);
    const { graph, report } = runPipeline(g, { verify: true });
    expect(printGraph(g)).toBe(before);
    expect(opHistogram(graph)).toEqual({ matmul: 3, attention: 1, 'unary.gelu': 1 });
    const att = graph.nodes.find((n) => n.op.kind === 'attention')!;
    expect(att.op).toEqual({ kind: 'attention', heads: 2, scale: 0.5 });
    expect(graph.outputs[0]!.name).toBe('y');
    expectSameResults(g, graph);
    // Every pass ran in round 1, in pipeline order; the last round changed nothing.
    expect(report.filter((r) => r.round === 1).map((r) => r.pass)).toEqual(ALL_PASSES.slice(0, -2).map((p) => p.name));
    const rounds = Math.max(...report.map((r) => r.round));
    expect(report.filter((r) => r.round === rounds).every((r) => !r.changed)).toBe(true);
    expect(report.find((r) => r.pass === 'recognize-attention' && r.changed)).toBeDefined();
    expect(report.find((r) => r.pass === 'fuse-bias')?.changed).toBe(true);
  });

  it('skips disabled passes and rejects unknown names', () => {
    const { graph, report } = runPipeline(parseGraph(BLOCK), { disable: ['recognize-attention', 'recognize-activations'], verify: true });
    expect(report.some((r) => r.pass === 'recognize-attention')).toBe(false);
    const ops = opHistogram(graph);
    expect(ops.attention).toBeUndefined();
    expect(ops['unary.gelu']).toBeUndefined();
    expect(ops.softmax).toBe(1);
    expect(() => runPipeline(parseGraph(BLOCK), { disable: ['no-such-pass'] })).toThrow(/unknown pass 'no-such-pass' \(passes: fold-constants, /);
  });

  it('dumps the IR after each pass run, numbered, with big constants elided', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passes-dump-'));
    dirs.push(dir);
    const { graph } = runPipeline(parseGraph(BLOCK), { dumpDir: join(dir, 'ir') });
    const files = readdirSync(join(dir, 'ir')).sort();
    expect(files[0]).toBe('00-input.ir');
    expect(files[1]).toBe('01-fold-constants.ir');
    expect(files).toContain('08-recognize-attention.ir');
    expect(files.at(-1)).toMatch(/^\d\d-dce\.ir$/);
    const last = readFileSync(join(dir, 'ir', files.at(-1)!), 'utf8');
    expect(last).toContain('dense<elided 64>');
    expect(canonical(last)).toBe(canonical(printGraph(graph, { elideConstantsOver: 16 })));
    expect(canonical(readFileSync(join(dir, 'ir', files[0]!), 'utf8'))).toBe(canonical(printGraph(parseGraph(BLOCK), { elideConstantsOver: 16 })));
  });

  it('dumps only the named passes when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passes-dump-'));
    dirs.push(dir);
    runPipeline(parseGraph(BLOCK), { dumpDir: dir, dumpPasses: ['cse'] });
    expect(readdirSync(dir).sort()).toEqual(['00-input.ir', '04-cse.ir']);
  });
});

describe('runPipeline on the IR sample graphs', () => {
  // Symbolic dims, every op kind, odd names, constant-only graphs: the pipeline must keep each
  // valid and computing the same outputs.
  for (const [name, build] of Object.entries(SAMPLE_GRAPHS)) {
    it(name, () => {
      const g = build();
      const { graph } = runPipeline(g, { verify: true });
      expect(graph.outputs.map((v) => v.name)).toEqual(g.outputs.map((v) => v.name));
      expectSameResults(g, graph, 11, 1e-4, 1e-5);
    });
  }
});
