/**
 * The rule engine and the graph edits under it: repeated pattern variables, commutative and
 * non-commutative operands, oneUse, declined replacements (and the nodes they built), the type
 * guard, consumers-first order, output names, and Graph.clone / sortNodes / removeNodes.
 */

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.js';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';
import { verifyGraph } from '../../ir/verify.js';
import { applyRules, binary, c, op, rule, unary, v, type Rule } from '../../src/passes/rewrite.js';
import { canonical, expectSameResults } from './helpers.js';

function run(rules: Rule[], text: string): { g: Graph; changed: boolean } {
  const g = parseGraph(text);
  const changed = applyRules(g, rules);
  verifyGraph(g);
  expectSameResults(parseGraph(text), g);
  return { g, changed };
}

const expectText = (g: Graph, text: string) => expect(canonical(printGraph(g))).toBe(canonical(text));

// x * x → x ** 2 (a repeated variable must bind one value)
const square = rule(binary('mul', v('x'), v('x')), (m, b) => b.add({ kind: 'binary', fn: 'pow' }, [m.value('x'), b.scalar(2, 'float32')]));

describe('applyRules', () => {
  it('binds a repeated variable to one value only', () => {
    const src = `graph(%a: f32[2], %b: f32[2]) {
      %s = binary(%a, %a) {fn = mul} : f32[2]
      %t = binary(%a, %b) {fn = mul} : f32[2]
      return %s, %t
    }`;
    const { g, changed } = run([square], src);
    expect(changed).toBe(true);
    expectText(g, `graph(%a: f32[2], %b: f32[2]) {
      %two = const f32[] dense<[2]>
      %s = binary(%a, %two) {fn = pow} : f32[2]
      %t = binary(%a, %b) {fn = mul} : f32[2]
      return %s, %t
    }`);
    expect(g.outputs.map((o) => o.name)).toEqual(['s', 't']);
  });

  it('tries both operand orders of commutative fns only', () => {
    // x - c → x + (-c), with c a constant: must not match c - x
    const subConst = rule(binary('sub', v('x'), c('c')), (m, b) =>
      b.add({ kind: 'binary', fn: 'add' }, [m.value('x'), b.add({ kind: 'unary', fn: 'neg', alpha: 0, beta: 0 }, [m.value('c')])]),
    );
    const src = `graph(%x: f32[2]) {
      %k = const f32[] dense<[3]>
      %a = binary(%k, %x) {fn = sub} : f32[2]
      return %a
    }`;
    expect(run([subConst], src).changed).toBe(false);
    const { g } = run([subConst], src.replace('binary(%k, %x)', 'binary(%x, %k)'));
    expectText(g, `graph(%x: f32[2]) {
      %n = const f32[] dense<[-3]>
      %a = binary(%x, %n) {fn = add} : f32[2]
      return %a
    }`);
  });

  it('oneUse refuses an inner node another node reads', () => {
    // relu(relu(x)) → relu(x)
    const relu2 = rule(unary('relu', unary('relu', v('x'), { oneUse: true })), (m, b) =>
      b.add({ kind: 'unary', fn: 'relu', alpha: 0, beta: 0 }, [m.value('x')]),
    );
    const shared = `graph(%x: f32[2]) {
      %a = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      %b = unary(%a) {alpha = 0, beta = 0, fn = relu} : f32[2]
      return %b, %a
    }`;
    expect(run([relu2], shared).changed).toBe(false);
    // A chain of three collapses to one over the sweeps.
    const { g } = run([relu2], `graph(%x: f32[2]) {
      %a = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      %b = unary(%a) {alpha = 0, beta = 0, fn = relu} : f32[2]
      %c = unary(%b) {alpha = 0, beta = 0, fn = relu} : f32[2]
      return %c
    }`);
    expectText(g, `graph(%x: f32[2]) {
      %c = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      return %c
    }`);
  });

  it('a declined replacement leaves no trace of the nodes it built', () => {
    const decline = rule(op('unary'), (m, b) => {
      b.add({ kind: 'unary', fn: 'exp', alpha: 0, beta: 0 }, [m.root.inputs[0]!]);
      return undefined;
    });
    const src = `graph(%x: f32[2]) {
      %a = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      return %a
    }`;
    const { g, changed } = run([decline], src);
    expect(changed).toBe(false);
    expectText(g, src);
  });

  it('rejects a replacement of another type', () => {
    const bad = rule(unary('relu', v('x')), (m, b) => b.add({ kind: 'cast', to: 'int32' }, [m.value('x')]));
    const g = parseGraph(`graph(%x: f32[2]) {
      %a = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      return %a
    }`);
    expect(() => applyRules(g, [bad])).toThrow(/produced i32\[2\] for f32\[2\]/);
  });

  it('does not move a graph output name onto a graph input', () => {
    const drop = rule(unary('relu', v('x')), (m) => m.value('x'));
    const src = `graph(%x: f32[2]) {
      %out = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[2]
      return %out
    }`;
    expect(run([drop], src).changed).toBe(false);
  });
});

describe('Graph edits', () => {
  const src = `graph(%x: f32[2]) {
    %k = const f32[2] dense<[1, 2]>
    %a = binary(%x, %k) {fn = add} : f32[2] loc("first")
    %b = unary(%a) {alpha = 0, beta = 0, fn = exp} : f32[2]
    return %b
  }`;

  it('clone copies structure and names, shares constant data, and is independent', () => {
    const g = parseGraph(src);
    const h = g.clone();
    verifyGraph(h);
    expect(printGraph(h)).toBe(printGraph(g));
    expect(h.constants()[0]!.data).toBe(g.constants()[0]!.data);
    expect(h.nodes[0]).not.toBe(g.nodes[0]);
    h.nodes.pop();
    h.outputs = [h.nodes[0]!.outputs[0]!];
    verifyGraph(h);
    expect(g.nodes.length).toBe(2);
  });

  it('sortNodes restores a topological order stably; removeNodes drops nodes', () => {
    const g = parseGraph(src);
    g.nodes.reverse();
    expect(() => verifyGraph(g)).toThrow(/used before/);
    g.sortNodes();
    verifyGraph(g);
    expect(printGraph(g)).toBe(printGraph(parseGraph(src)));
    g.removeNodes([g.nodes[1]!]);
    g.outputs = [g.nodes[0]!.outputs[0]!];
    verifyGraph(g);
    expect(g.nodes.map((n) => n.name)).toEqual(['first']);
  });
});
