/**
 * Matching a data set to a model (cases.ts): .pb tensors to graph inputs/outputs by name or by
 * position, symbolic and unknown dims bound from the fed tensors' dims, and the disagreements that
 * must be reported rather than guessed around. Also the listing of the installed test data.
 */

import { describe, expect, test } from 'vitest';
import type { OnnxValueInfo } from '../../src/onnx/model.js';
import { bindSymbols, DataSetError, listCases, matchByName } from './cases.js';

describe('matchByName', () => {
  const t = (name: string, tag: number) => ({ name, tag });

  test('uses the names the files carry, whatever their order', () => {
    const m = matchByName([t('b', 1), t('a', 2)], ['a', 'b'])!;
    expect(m.get('a')!.tag).toBe(2);
    expect(m.get('b')!.tag).toBe(1);
  });

  test('falls back to position when a file is unnamed or names something else', () => {
    expect(matchByName([t('', 1), t('a', 2)], ['a', 'b'])!.get('a')!.tag).toBe(1);
    expect(matchByName([t('x', 1), t('y', 2)], ['a', 'b'])!.get('b')!.tag).toBe(2);
  });

  test('a count mismatch is null, not a partial match', () => {
    expect(matchByName([t('a', 1)], ['a', 'b'])).toBeNull();
  });
});

describe('bindSymbols', () => {
  const vi = (name: string, shape: OnnxValueInfo['shape']): OnnxValueInfo => ({ name, dtype: 'float32', shape });

  test('binds named symbols and unknown dims (named as the importer names them) to the fed sizes', () => {
    const dims = bindSymbols(
      [vi('x', ['batch', 3, null]), vi('mask.0', ['batch', null])],
      new Map([
        ['x', { dims: [5, 3, 7] }],
        ['mask.0', { dims: [5, 2] }],
      ]),
    );
    expect(dims).toEqual({ batch: 5, unk_x_2: 7, unk_mask_0_1: 2 });
  });

  test('a symbol bound to two sizes is a DataSetError', () => {
    const fed = new Map([
      ['a', { dims: [2] }],
      ['b', { dims: [3] }],
    ]);
    expect(() => bindSymbols([vi('a', ['n']), vi('b', ['n'])], fed)).toThrow(DataSetError);
    expect(() => bindSymbols([vi('a', ['n']), vi('b', ['n'])], fed)).toThrow(/'n' is 2 in one input and 3 in input 'b'/);
  });

  test('a rank mismatch is a DataSetError naming the input', () => {
    expect(() => bindSymbols([vi('x', [2, 3])], new Map([['x', { dims: [6] }]]))).toThrow(/input 'x'.*\[6\].*rank 2/);
  });
});

test('listCases finds the installed suites, sorted, and filters on name and suite/name', () => {
  const simple = listCases(['simple']);
  expect(simple.length).toBeGreaterThan(10);
  expect(simple.map((c) => c.name)).toEqual([...simple.map((c) => c.name)].sort());
  expect(listCases(['node'], /^test_abs$/).map((c) => `${c.suite}/${c.name}`)).toEqual(['node/test_abs']);
  expect(listCases(['node', 'simple'], /^simple\/test_sign_model$/).map((c) => c.name)).toEqual(['test_sign_model']);
});
