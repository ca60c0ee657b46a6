/**
 * Value-specialized variants without a GPU: the compiler's enumeration of a selecting input's
 * legal values (src/variants.ts enumerateDomain), the runtime's normalization of a run-time value
 * to the same form (runtime/variants.ts normalizeSelectorValue), and the choice of a variant from
 * run inputs (selectVariant) with its errors: out-of-range and repeated axes in the spec's words, a
 * GPU-resident selector, a legal value that has no variant (with the compiler's reason).
 *
 * The two halves must agree: every enumerated value normalizes to itself, and every legal raw
 * value (negative axes, any order) normalizes to an enumerated one.
 */

import { describe, expect, test } from 'vitest';
import { enumerateDomain } from '../../src/variants.js';
import { InputValidationError, UnsupportedValueError } from '../../runtime/errors.js';
import type { ModelPlan } from '../../runtime/plan.js';
import { normalizeSelectorValue, selectVariant, type PlanVariants, type SelectorDomain } from '../../runtime/variants.js';

const axes = (rank: number, order: 'set' | 'list', length: number | null, outputRank = false): SelectorDomain => ({
  kind: 'axes',
  rank,
  order,
  length,
  ...(outputRank ? { outputRank } : {}),
});

const key = (v: readonly number[]) => v.join(',');

describe('enumerateDomain', () => {
  test('axis sets: subsets of 0..r-1 of the fixed length, or of every length', () => {
    expect(enumerateDomain(axes(3, 'set', 1))).toEqual([[0], [1], [2]]);
    expect(enumerateDomain(axes(4, 'set', 2))).toEqual([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
    const all = enumerateDomain(axes(3, 'set', null));
    expect(all).toHaveLength(8);
    expect(all[0]).toEqual([]);
    expect(new Set(all.map(key)).size).toBe(8);
    expect(enumerateDomain(axes(2, 'set', 3))).toEqual([]);
  });

  test("ordered lists (Slice): distinct axes in every order; Unsqueeze's index the output rank", () => {
    expect(enumerateDomain(axes(3, 'list', 2))).toEqual([[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1]]);
    expect(enumerateDomain(axes(3, 'list', null))).toHaveLength(1 + 3 + 6 + 6);
    // rank-3 input, 2 axes: output rank 5, C(5, 2) = 10 placements.
    expect(enumerateDomain(axes(3, 'set', 2, true))).toHaveLength(10);
    expect(enumerateDomain({ kind: 'bool' })).toEqual([[0], [1]]);
  });

  test('every enumerated value is its own normal form', () => {
    for (const d of [axes(4, 'set', null), axes(3, 'list', 2), axes(3, 'set', 3, true), { kind: 'bool' } as const]) {
      for (const v of enumerateDomain(d)) expect(normalizeSelectorValue('a', d, v)).toEqual(v);
    }
  });
});

describe('normalizeSelectorValue', () => {
  test('negative axes add the rank; sets are sorted, lists keep their order', () => {
    expect(normalizeSelectorValue('axes', axes(3, 'set', null), [-1, 0])).toEqual([0, 2]);
    expect(normalizeSelectorValue('axes', axes(3, 'list', 2), [-1, 0])).toEqual([2, 0]);
    expect(normalizeSelectorValue('axes', axes(4, 'set', 1), [-4])).toEqual([0]);
    expect(normalizeSelectorValue('axes', axes(3, 'set', null), [])).toEqual([]);
    // Unsqueeze of a rank-3 input by 3 axes: output rank 6, so -1 is 5.
    expect(normalizeSelectorValue('axes', axes(3, 'set', 3, true), [5, -2, 2])).toEqual([2, 4, 5]);
    expect(normalizeSelectorValue('t', { kind: 'bool' }, [7])).toEqual([1]);
  });

  test('out-of-range and repeated axes are refused in the spec’s terms', () => {
    expect(() => normalizeSelectorValue('axes', axes(3, 'set', 1), [3])).toThrow(InputValidationError);
    expect(() => normalizeSelectorValue('axes', axes(3, 'set', 1), [3])).toThrow("input 'axes': axis 3 is out of range for rank 3 (ONNX: each axis must be in [-3, 2])");
    expect(() => normalizeSelectorValue('axes', axes(3, 'set', 1), [-4])).toThrow(/axis -4 is out of range/);
    expect(() => normalizeSelectorValue('axes', axes(3, 'set', 2, true), [5])).toThrow(/axis 5 is out of range for rank 4/);
    expect(() => normalizeSelectorValue('axes', axes(3, 'set', 2), [1, -2])).toThrow("input 'axes' repeats axis 1 (after normalizing negative axes): ONNX axes must not repeat");
  });

  test('every legal raw value of a rank-3 set lands on an enumerated value', () => {
    const d = axes(3, 'set', 2);
    const enumerated = new Set(enumerateDomain(d).map(key));
    for (let a = -3; a < 3; a++) {
      for (let b = -3; b < 3; b++) {
        if ((a + 3) % 3 === (b + 3) % 3) continue;
        expect(enumerated.has(key(normalizeSelectorValue('axes', d, [a, b])))).toBe(true);
      }
    }
  });
});

describe('selectVariant', () => {
  const stub = {} as ModelPlan;
  const variants: PlanVariants = {
    selectors: [
      { input: 'axes', domain: axes(2, 'set', 1), usedBy: "Squeeze 'sq' axes" },
      { input: 't', domain: { kind: 'bool' }, usedBy: "Dropout 'd' training_mode" },
    ],
    table: [
      { values: [[0], [0]], plan: stub },
      { values: [null, [1]], plan: stub },
    ],
    absent: [{ values: [[1], [0]], reason: "Squeeze 'sq': cannot squeeze axis 1 of size 3" }],
  };
  const run = (a: number[], t: boolean) => ({
    axes: { data: BigInt64Array.from(a.map(BigInt)), dims: [a.length] },
    t: { data: Uint8Array.of(t ? 1 : 0) },
  });

  test('picks the entry matching the normalized values (null matches any)', () => {
    expect(selectVariant(variants, run([0], false))).toBe(0);
    expect(selectVariant(variants, run([-2], false))).toBe(0);
    expect(selectVariant(variants, run([1], true))).toBe(1);
    expect(selectVariant(variants, run([-1], true))).toBe(1);
  });

  test('a legal value without a variant says why; a malformed selector is left to validation', () => {
    expect(() => selectVariant(variants, run([1], false))).toThrow(UnsupportedValueError);
    expect(() => selectVariant(variants, run([-1], false))).toThrow("axes=[1], t=false: no compiled variant for this value: Squeeze 'sq': cannot squeeze axis 1 of size 3");
    expect(() => selectVariant(variants, run([2], false))).toThrow(/axis 2 is out of range for rank 2/);
    expect(selectVariant(variants, { t: { data: Uint8Array.of(0) } })).toBeUndefined();
    expect(selectVariant(variants, run([0, 1], false))).toBeUndefined(); // axes holds one element
    const partial: PlanVariants = { ...variants, table: [variants.table[0]!], absent: [] };
    expect(() => selectVariant(partial, run([1], true))).toThrow('axes=[1], t=true: no compiled variant for this value (the variants take: [0] false)');
  });

  test('a GPU-resident selector is refused: its value is needed on the host', () => {
    const inputs = { ...run([0], false), axes: { buffer: {} as GPUBuffer, dims: [1] } };
    expect(() => selectVariant(variants, inputs)).toThrow(
      "input 'axes' decides the model's structure (Squeeze 'sq' axes): its value is read on the host to select the compiled variant, so it must be host data, not a GPUBuffer",
    );
  });
});
