/**
 * Value symbols with a rule (runtime/dim-expr.ts valueSymbolOf): an offset, so that an element
 * which may be 0 (a pad, a slice start) is a symbol ≥ 1, and a size scaled by a float element
 * (Resize's ⌊dim · scale⌋). Checks the run-time binding and its refusals (runtime/validate.ts), the
 * host evaluator's binding (ir/eval), and the IR text form round trip (ir/print.ts, ir/parse.ts).
 */

import { describe, expect, test } from 'vitest';
import { valueSymbolOf } from '../../runtime/dim-expr.js';
import type { PlanTensor } from '../../runtime/plan.js';
import { validateInputs } from '../../runtime/validate.js';
import { UnsupportedValueError } from '../../runtime/errors.js';
import { parseGraph } from '../../ir/parse.js';
import { printGraph } from '../../ir/print.js';

const tensor = (name: string, dtype: PlanTensor['dtype'], dims: (number | string)[]): PlanTensor => ({ name, dtype, dims, declaredDims: dims.map(() => null), buffer: 0 });

const plan = {
  inputs: [tensor('x', 'float32', ['n', 'h']), tensor('pads', 'int64', [2]), tensor('scales', 'float32', [2])],
  symbols: [
    { name: 'n', input: 'x', axis: 0 },
    { name: 'h', input: 'x', axis: 1 },
    { name: 'p0', input: 'pads', index: 0, offset: 1 },
    { name: 'p1', input: 'pads', index: 1, offset: 1 },
    { name: 's0', input: 'scales', index: 0, scaleOf: 'n' },
    { name: 's1', input: 'scales', index: 1, scaleOf: '2*h' },
  ],
};

const run = (pads: number[], scales: number[], dims = [3, 5]) =>
  validateInputs(plan, {
    x: { data: new Float32Array(dims[0]! * dims[1]!), dims },
    pads: { data: BigInt64Array.from(pads.map(BigInt)), dims: [2] },
    scales: { data: Float32Array.from(scales), dims: [2] },
  }).env;

describe('value symbol rules', () => {
  test('valueSymbolOf: offset, truncation, scaled floor', () => {
    expect(valueSymbolOf(0, { offset: 1 }, {})).toBe(1);
    expect(valueSymbolOf(-2.7, {}, {})).toBe(-2);
    expect(valueSymbolOf(0.8, { scaleOf: 'h' }, { h: 5 })).toBe(4);
    // ⌊5 · 0.6⌋ with 0.6 as f32 (0.60000002…) is 3, as numpy computes it in double.
    expect(valueSymbolOf(Math.fround(0.6), { scaleOf: 'h' }, { h: 5 })).toBe(3);
    expect(valueSymbolOf(NaN, { scaleOf: 'h' }, { h: 5 })).toBeNaN();
  });

  test('the runtime binds offset and scaled symbols from host data', () => {
    expect(run([0, 2], [1, 0.5])).toEqual({ n: 3, h: 5, p0: 1, p1: 3, s0: 3, s1: 5 });
    expect(run([4, 0], [2.5, 0.75], [2, 7])).toEqual({ n: 2, h: 7, p0: 5, p1: 1, s0: 5, s1: 10 });
  });

  test('values the symbols cannot take are refused, naming the input, element and rule', () => {
    expect(() => run([-1, 0], [1, 1])).toThrow(UnsupportedValueError);
    expect(() => run([-1, 0], [1, 1])).toThrow(/input 'pads' element 0 is -1; this compiled model needs ≥ 0/);
    expect(() => run([0, 0], [0.2, 1])).toThrow(/input 'scales' element 0 is 0\.2.*⌊3 × 0\.2.*\⌋ = 0/);
    expect(() => run([0, 0], [NaN, 1])).toThrow(/expected a finite number/);
  });

  test('IR text form round trip', () => {
    const text = `graph(%x: f32[n, h], %pads: i64[2], %scales: f32[2]) {
  symbol p0 = %pads[0] + 1
  symbol s1 = floor(%scales[1] * 2*h)
  %y = unary(%x) {alpha = 0, beta = 0, fn = relu} : f32[n, h]
  return %y
}
`;
    const g = parseGraph(text);
    expect(g.valueSymbols).toEqual([
      { name: 'p0', input: 'pads', index: 0, offset: 1 },
      { name: 's1', input: 'scales', index: 1, scaleOf: '2*h' },
    ]);
    expect(printGraph(g)).toBe(text);
  });
});
