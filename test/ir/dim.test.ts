/**
 * Dimension algebra (ir/dim.ts): canonical forms, the simplifications it promises, and agreement
 * with direct evaluation on random symbol values (runtime/dim-expr.ts evaluates the printed text).
 */
import { describe, expect, it } from 'vitest';
import * as D from '../../ir/dim.js';

describe('dimension expressions', () => {
  it('products, exact divisions and canonical order', () => {
    expect(D.dimMul('batch', 'sequence', 128)).toBe('128*batch*sequence');
    expect(D.dimMul('sequence', 'batch')).toBe(D.dimMul('batch', 'sequence'));
    expect(D.dimFloorDiv(D.dimMul('batch', 'sequence', 128), 128)).toBe('batch*sequence');
    expect(D.dimFloorDiv(D.dimMul('batch', 'sequence', 128), 'sequence')).toBe('128*batch');
    expect(D.dimSub(D.dimAdd('sequence', 1), 'sequence')).toBe(1);
    expect(D.dimAdd('sequence', 1)).toBe('sequence+1');
    expect(D.dimSub(1, 's')).toBe('1-s');
  });
  it('floor divisions split off exact parts and reduce common factors', () => {
    expect(D.dimFloorDiv(D.dimAdd(D.dimMul(2, 's'), 3), 2)).toBe('s+1');
    expect(D.dimFloorDiv(D.dimAdd(D.dimMul(4, 's'), 2), 4)).toBe('s');
    expect(D.dimFloorDiv(D.dimAdd(D.dimMul(2, 's'), 2), 4)).toBe(D.dimFloorDiv(D.dimAdd('s', 1), 2));
    expect(D.dimCeilDiv('s', 64)).toBe('((s+63)//64)');
    expect(D.dimFloorDiv('s', 1)).toBe('s');
    expect(D.dimFloorDiv(D.dimFloorDiv('h', 2), 2)).toBe(D.dimFloorDiv('h', 4));
    expect(D.dimFloorDiv(D.dimFloorDiv(D.dimAdd('h', 1), 2), 16)).toBe('((h+1)//32)');
  });
  it('min and max decide arguments that differ by a constant', () => {
    expect(D.dimMax(D.dimAdd('s', 2), 's')).toBe('s+2');
    expect(D.dimMin(D.dimAdd('s', 2), 's')).toBe('s');
    expect(D.dimMin('sequence', 512)).toBe(D.dimMin(512, 'sequence'));
    expect(D.dimMin(3, 7)).toBe(3);
  });
  it('equality is algebraic', () => {
    expect(D.dimEquals(D.dimMul('a', D.dimAdd('b', 1)), D.dimAdd(D.dimMul('a', 'b'), 'a'))).toBe(true);
    expect(D.dimEquals('a', 'b')).toBe(false);
    expect(D.dimConstDiff(D.dimAdd('a', 5), 'a')).toBe(5);
  });
  it('printed forms re-parse to themselves and evaluate like the arithmetic they came from', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const syms = ['a', 'b', 'c'];
    for (let trial = 0; trial < 300; trial++) {
      // Build a random expression both as a Dim and as a JS function of the symbols.
      const build = (depth: number): [D.Dim, (e: Record<string, number>) => number] => {
        if (depth === 0 || rnd(3) === 0) {
          if (rnd(2) === 0) {
            const k = 1 + rnd(9);
            return [k, () => k];
          }
          const s = syms[rnd(3)]!;
          return [s, (e) => e[s]!];
        }
        const [x, fx] = build(depth - 1);
        const [y, fy] = build(depth - 1);
        switch (rnd(6)) {
          case 0:
            return [D.dimAdd(x, y), (e) => fx(e) + fy(e)];
          case 1:
            return [D.dimMul(x, y), (e) => fx(e) * fy(e)];
          case 2:
            return [D.dimFloorDiv(x, D.dimAdd(y, 1)), (e) => Math.floor(fx(e) / (fy(e) + 1))];
          case 3:
            return [D.dimMin(x, y), (e) => Math.min(fx(e), fy(e))];
          case 4:
            return [D.dimMax(x, y), (e) => Math.max(fx(e), fy(e))];
          default:
            return [D.dimCeilDiv(x, 3), (e) => Math.ceil(fx(e) / 3)];
        }
      };
      const [d, f] = build(3);
      if (typeof d === 'string') expect(D.canonicalDim(d)).toBe(d);
      for (let k = 0; k < 5; k++) {
        const env = { a: rnd(20), b: rnd(20), c: 1 + rnd(20) };
        expect(D.evalDim(d, env)).toBe(f(env));
      }
    }
  });
  it('malformed text and unbound symbols are clear errors', () => {
    expect(() => D.canonicalDim('a+*b')).toThrow(/dimension expression 'a\+\*b'/);
    expect(() => D.evalDim('a+b', { a: 1 })).toThrow(/symbol 'b'/);
  });
});
