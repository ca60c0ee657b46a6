/**
 * shape (start/end), range (every numeric dtype, negative deltas, empty results), cumSum
 * (exclusive × reverse × axis) and trilu (upper/lower, diagonal offsets) against onnxruntime.
 */

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import { evaluate } from '../../ir/eval/index.js';
import { expectMatchesOrt } from './helpers/check.js';
import { randomTensor, rng, tensor } from './helpers/tensors.js';

describe('shape', () => {
  const x = randomTensor(rng(1), 'float32', [2, 3, 5, 7]);
  for (const [start, end] of [[0, 4], [1, 3], [-2, 4], [-10, 10], [3, 1], [0, -1]]) {
    it(`start ${start} end ${end}`, async () => {
      const attrs = { start: start!, end: end! };
      await expectMatchesOrt({ kind: 'shape', start: start!, end: end! }, [x], { opType: 'Shape', attrs });
    });
  }
});

describe('range', () => {
  const cases: [DType, number, number, number][] = [
    ['float32', 0.5, 7.3, 0.7],
    ['float32', 10, -3, -1.5],
    ['float64', -1, 2, 0.1],
    ['int32', 3, 40, 6],
    ['int32', 5, -7, -3],
    ['int64', -4, 11, 3],
    ['int64', 10, 2, -2],
    ['int16', 0, 9, 4],
    ['int64', 5, 5, 1],
    ['float32', 3, 1, 1],
  ];
  for (const [dtype, start, limit, delta] of cases) {
    it(`${dtype} ${start} → ${limit} by ${delta}`, async () => {
      const s = (v: number) => tensor(dtype, [], [v]);
      await expectMatchesOrt({ kind: 'range' }, [s(start), s(limit), s(delta)], { opType: 'Range' });
    });
  }

  it('counts int64 ranges exactly', () => {
    const s = (v: bigint) => tensor('int64', [], [v]);
    const [y] = evaluate({ kind: 'range' }, [s(2n ** 60n), s(2n ** 60n + 7n), s(3n)]);
    expect(Array.from(y!.data as BigInt64Array)).toEqual([2n ** 60n, 2n ** 60n + 3n, 2n ** 60n + 6n]);
  });

  it('rejects a zero delta', () => {
    const s = (v: number) => tensor('int32', [], [v]);
    expect(() => evaluate({ kind: 'range' }, [s(0), s(4), s(0)])).toThrow(/non-zero/);
  });
});

describe('cumSum', () => {
  for (const dtype of ['float32', 'int32', 'int64'] as DType[]) {
    it(`${dtype}, every axis, exclusive × reverse`, async () => {
      const x = randomTensor(rng(2), dtype, [3, 4, 5]);
      for (const axis of [0, 1, 2]) {
        for (const exclusive of [false, true]) {
          for (const reverse of [false, true]) {
            await expectMatchesOrt({ kind: 'cumSum', axis, exclusive, reverse }, [x], {
              opType: 'CumSum',
              attrs: { exclusive: Number(exclusive), reverse: Number(reverse) },
              inputs: [x, { const: tensor('int64', [], [axis]) }],
            });
          }
        }
      }
    });
  }
});

describe('trilu', () => {
  for (const dtype of ['float32', 'int64'] as DType[]) {
    it(`${dtype}, upper and lower, offsets from -3 to 4`, async () => {
      for (const dims of [[4, 6], [2, 5, 3], [3, 3]]) {
        const x = randomTensor(rng(3), dtype, dims);
        for (const upper of [true, false]) {
          for (const k of [-3, -1, 0, 2, 4]) {
            await expectMatchesOrt({ kind: 'trilu', upper, k }, [x], {
              opType: 'Trilu',
              attrs: { upper: Number(upper) },
              inputs: [x, { const: tensor('int64', [], [k]) }],
            });
          }
        }
      }
    });
  }
});
