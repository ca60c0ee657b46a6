/**
 * shape (start/end), range (every numeric dtype, negative deltas, empty results), cumSum
 * (exclusive × reverse × axis) and trilu (upper/lower, diagonal offsets) against onnxruntime;
 * cumSum's axis and trilu's k also as a data input (the second-input form of ir/ops.ts).
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

describe('cumSum with the axis as an input (data)', () => {
  it('every axis, negative ones included, int32 and int64 axis; the attribute is ignored', async () => {
    const x = randomTensor(rng(4), 'float32', [2, 3, 4]);
    for (let axis = -3; axis < 3; axis++) {
      const a = tensor(axis % 2 === 0 ? 'int64' : 'int32', [], [axis]);
      for (const [exclusive, reverse] of [[false, true], [true, false]]) {
        await expectMatchesOrt({ kind: 'cumSum', axis: 0, exclusive: exclusive!, reverse: reverse! }, [x, a], {
          opType: 'CumSum',
          attrs: { exclusive: Number(exclusive), reverse: Number(reverse) },
        });
      }
    }
  });

  it('rejects an axis outside [-rank, rank) and a non-scalar axis', () => {
    const x = randomTensor(rng(5), 'float32', [2, 3]);
    const op = { kind: 'cumSum', axis: 0, exclusive: false, reverse: false } as const;
    expect(() => evaluate(op, [x, tensor('int64', [], [2])])).toThrow();
    expect(() => evaluate(op, [x, tensor('int64', [], [-3])])).toThrow();
    expect(() => evaluate(op, [x, tensor('int64', [2], [0, 1])])).toThrow(/one element/);
  });
});

describe('trilu with k as an input (data)', () => {
  it('k from -5 to 6 and ±2^62, upper and lower; the attribute is ignored', async () => {
    const x = randomTensor(rng(6), 'float32', [2, 3, 4]);
    for (const upper of [true, false]) {
      for (const k of [-5, -2, 0, 1, 3, 6, 2 ** 62, -(2 ** 62)]) {
        await expectMatchesOrt({ kind: 'trilu', upper, k: 1 }, [x, tensor('int64', [], [k])], { opType: 'Trilu', attrs: { upper: Number(upper) } });
      }
    }
  });
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
