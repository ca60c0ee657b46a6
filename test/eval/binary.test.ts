/**
 * Every BinaryFn, `where` and `cast` against onnxruntime: float32, int32, int64 (and the unsigned
 * types for shifts), over broadcasting shape pairs, with integer division/modulo of mixed signs.
 */

import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import type { BinaryFn } from '../../ir/ops.js';
import { evaluate, roundToFloat16 } from '../../ir/eval/index.js';
import { forEachBroadcastRow } from '../../ir/eval/broadcast.js';
import { expectMatchesOrt } from './helpers/check.js';
import type { AttrValue } from './helpers/onnx-model.js';
import type { RandomOptions } from './helpers/tensors.js';
import { randomTensor, rng, tensor } from './helpers/tensors.js';

const SHAPES: [number[], number[]][] = [
  [[3, 5], [3, 5]],
  [[2, 3, 5], [5]],
  [[3, 1, 5], [1, 4, 1]],
  [[], [2, 3]],
  [[6, 1], [6, 7]],
  [[1], [1]],
];

const op = (fn: BinaryFn) => ({ kind: 'binary' as const, fn });

interface BinaryCase {
  fn: BinaryFn;
  onnx: string;
  attrs?: Record<string, AttrValue>;
  dtypes: DType[];
  /** Range of the second operand (divisors, exponents, shifts). */
  b?: RandomOptions;
  a?: RandomOptions;
}

const NUM: DType[] = ['float32', 'int32', 'int64'];
const CASES: BinaryCase[] = [
  { fn: 'add', onnx: 'Add', dtypes: NUM },
  { fn: 'sub', onnx: 'Sub', dtypes: NUM },
  { fn: 'mul', onnx: 'Mul', dtypes: NUM },
  { fn: 'div', onnx: 'Div', dtypes: ['float32'] },
  { fn: 'max', onnx: 'Max', dtypes: NUM },
  { fn: 'min', onnx: 'Min', dtypes: NUM },
  { fn: 'fmod', onnx: 'Mod', attrs: { fmod: 1 }, dtypes: ['float32'], b: { min: 0.3, max: 3 } },
  // On floats 'mod' is C fmod as well (ONNX requires fmod=1 for float Mod).
  { fn: 'mod', onnx: 'Mod', attrs: { fmod: 1 }, dtypes: ['float32'], b: { min: 0.3, max: 3 } },
  { fn: 'pow', onnx: 'Pow', dtypes: ['float32'], a: { min: 0.1, max: 3 } },
  { fn: 'prelu', onnx: 'PRelu', dtypes: ['float32'] },
  { fn: 'equal', onnx: 'Equal', dtypes: NUM, a: { min: -3, max: 3, integral: true }, b: { min: -3, max: 3, integral: true } },
  { fn: 'less', onnx: 'Less', dtypes: NUM, a: { min: -3, max: 3, integral: true }, b: { min: -3, max: 3, integral: true } },
  { fn: 'lessOrEqual', onnx: 'LessOrEqual', dtypes: NUM, a: { min: -3, max: 3, integral: true }, b: { min: -3, max: 3, integral: true } },
  { fn: 'greater', onnx: 'Greater', dtypes: NUM, a: { min: -3, max: 3, integral: true }, b: { min: -3, max: 3, integral: true } },
  { fn: 'greaterOrEqual', onnx: 'GreaterOrEqual', dtypes: NUM, a: { min: -3, max: 3, integral: true }, b: { min: -3, max: 3, integral: true } },
  { fn: 'and', onnx: 'And', dtypes: ['bool'] },
  { fn: 'or', onnx: 'Or', dtypes: ['bool'] },
  { fn: 'xor', onnx: 'Xor', dtypes: ['bool'] },
  { fn: 'bitAnd', onnx: 'BitwiseAnd', dtypes: ['int32', 'uint8', 'int64'], a: { min: 0, max: 200 }, b: { min: 0, max: 200 } },
  { fn: 'bitOr', onnx: 'BitwiseOr', dtypes: ['int32', 'uint8', 'int64'], a: { min: 0, max: 200 }, b: { min: 0, max: 200 } },
  { fn: 'bitXor', onnx: 'BitwiseXor', dtypes: ['int32', 'uint8', 'int64'], a: { min: 0, max: 200 }, b: { min: 0, max: 200 } },
  { fn: 'bitShiftLeft', onnx: 'BitShift', attrs: { direction: 'LEFT' }, dtypes: ['uint8', 'uint32', 'uint64'], a: { min: 0, max: 255 }, b: { min: 0, max: 7 } },
  { fn: 'bitShiftRight', onnx: 'BitShift', attrs: { direction: 'RIGHT' }, dtypes: ['uint8', 'uint32', 'uint64'], a: { min: 0, max: 255 }, b: { min: 0, max: 7 } },
];

describe('binary vs onnxruntime', () => {
  CASES.forEach((c, ci) => {
    for (const dtype of c.dtypes) {
      it(`${c.fn} on ${dtype}`, async () => {
        const random = rng(1000 + ci);
        for (const [sa, sb] of SHAPES) {
          // PRelu's slope broadcasts one way only (to x's shape).
          if (c.fn === 'prelu' && sb.length > sa.length) continue;
          const a = randomTensor(random, dtype, sa, c.a);
          const b = randomTensor(random, dtype, sb, c.b);
          await expectMatchesOrt(op(c.fn), [a, b], { opType: c.onnx, attrs: c.attrs }, {}, `${c.fn} ${dtype} [${sa}] [${sb}]`);
        }
      });
    }
  });

  for (const dtype of ['int32', 'int64', 'int8'] as DType[]) {
    it(`integer div truncates and mod takes the divisor's sign (${dtype})`, async () => {
      const a = tensor(dtype, [8], [7, -7, 7, -7, 9, -9, 0, 100]);
      const b = tensor(dtype, [8], [2, 2, -2, -2, 4, 4, 3, -7]);
      const div = await expectMatchesOrt(op('div'), [a, b], { opType: 'Div' });
      expect(Array.from(div.data, Number)).toEqual([3, -3, -3, 3, 2, -2, 0, -14]);
      const mod = await expectMatchesOrt(op('mod'), [a, b], { opType: 'Mod', attrs: { fmod: 0 } });
      expect(Array.from(mod.data, Number)).toEqual([1, 1, -1, -1, 1, 3, 0, -5]);
      const fmod = await expectMatchesOrt(op('fmod'), [a, b], { opType: 'Mod', attrs: { fmod: 1 } });
      expect(Array.from(fmod.data, Number)).toEqual([1, -1, 1, -1, 1, -1, 0, 2]);
    });
  }

  it('integer div on random values of both signs', async () => {
    for (const dtype of ['int32', 'int64'] as DType[]) {
      const a = randomTensor(rng(3), dtype, [5, 6], { min: -1000, max: 1000 });
      const b = randomTensor(rng(4), dtype, [6], { min: 1, max: 30 });
      const signs = tensor(dtype, [6], [1, -1, 1, -1, -1, 1]);
      const [bs] = evaluate(op('mul'), [b, signs]);
      await expectMatchesOrt(op('div'), [a, bs!], { opType: 'Div' });
      await expectMatchesOrt(op('mod'), [a, bs!], { opType: 'Mod', attrs: { fmod: 0 } });
    }
  });

  it('pow on integers and with an exponent of another type', async () => {
    const a = randomTensor(rng(5), 'int32', [4, 5], { min: -6, max: 6 });
    const e = randomTensor(rng(6), 'int32', [5], { min: 0, max: 5 });
    await expectMatchesOrt(op('pow'), [a, e], { opType: 'Pow' });
    const a64 = randomTensor(rng(5), 'int64', [4, 5], { min: -6, max: 6 });
    const e64 = randomTensor(rng(6), 'int64', [5], { min: 0, max: 5 });
    await expectMatchesOrt(op('pow'), [a64, e64], { opType: 'Pow' });
    const f = randomTensor(rng(7), 'float32', [4, 5], { min: -3, max: 3 });
    await expectMatchesOrt(op('pow'), [f, e64], { opType: 'Pow' });
  });

  it('int32 products wrap like C, int64 stays exact', () => {
    const [p32] = evaluate(op('mul'), [tensor('int32', [1], [123456789]), tensor('int32', [1], [987654321])]);
    expect(p32!.data[0]).toBe(Math.imul(123456789, 987654321));
    const [p64] = evaluate(op('mul'), [tensor('int64', [1], [2n ** 40n + 1n]), tensor('int64', [1], [2n ** 20n + 3n])]);
    expect(p64!.data[0]).toBe((2n ** 40n + 1n) * (2n ** 20n + 3n));
  });

  it('integer division by zero is an error', () => {
    expect(() => evaluate(op('div'), [tensor('int64', [1], [4]), tensor('int64', [1], [0])])).toThrow(/division by zero/);
    expect(() => evaluate(op('mod'), [tensor('int32', [1], [4]), tensor('int32', [1], [0])])).toThrow(/division by zero/);
  });

  it('rejects shapes that do not broadcast and mixed dtypes', () => {
    expect(() => evaluate(op('add'), [tensor('float32', [2], [1, 2]), tensor('float32', [3], [1, 2, 3])])).toThrow(/broadcast/);
    expect(() => evaluate(op('add'), [tensor('float32', [1], [1]), tensor('int32', [1], [1])])).toThrow(/one dtype/);
  });
});

describe('where', () => {
  it('selects with three-way broadcasting (float32, int64, uint8)', async () => {
    const random = rng(77);
    const shapes: [number[], number[], number[]][] = [
      [[3, 5], [3, 5], [3, 5]],
      [[3, 1], [1, 5], [3, 5]],
      [[5], [2, 3, 5], []],
    ];
    for (const dtype of ['float32', 'int64', 'uint8'] as DType[]) {
      for (const [sc, sa, sb] of shapes) {
        const c = randomTensor(random, 'bool', sc);
        const a = randomTensor(random, dtype, sa);
        const b = randomTensor(random, dtype, sb);
        await expectMatchesOrt({ kind: 'where' }, [c, a, b], { opType: 'Where' });
      }
    }
  });
});

describe('where on bool (no onnxruntime kernel)', () => {
  it('copies the chosen elements', () => {
    const c = tensor('bool', [4], [1, 0, 0, 1]);
    const [y] = evaluate({ kind: 'where' }, [c, tensor('bool', [4], [1, 1, 0, 0]), tensor('bool', [1], [1])]);
    expect(Array.from(y!.data as Uint8Array)).toEqual([1, 1, 1, 0]);
  });
});

describe('cast', () => {
  const TYPES: DType[] = ['float32', 'float64', 'float16', 'int8', 'uint8', 'int16', 'int32', 'int64', 'uint32', 'bool'];
  for (const from of TYPES) {
    it(`from ${from} to every type`, async () => {
      // Keep values inside every target's range (out-of-range casts are undefined in ONNX) and
      // include fractions of both signs so float → int truncation shows.
      const unsignedTarget = (to: DType) => to.startsWith('uint');
      for (const to of TYPES) {
        const range = from.startsWith('float') ? { min: unsignedTarget(to) ? 0 : -100, max: 100 } : { min: unsignedTarget(to) || from.startsWith('uint') ? 0 : -100, max: 100 };
        const x = randomTensor(rng(11), from, [3, 9], from === 'bool' ? undefined : range);
        if (from.startsWith('float')) {
          const d = x.data as Float32Array;
          const exact = from === 'float16' ? roundToFloat16 : (v: number) => v;
          d[0] = exact(0.4); // nonzero but truncates to 0: bool true, int 0
          d[1] = 0;
          if (!unsignedTarget(to)) d[2] = exact(-7.9);
        }
        await expectMatchesOrt({ kind: 'cast', to }, [x], { opType: 'Cast', attrs: { to: onnxCode(to) } }, { rtol: 0, atol: 0 }, `${from} → ${to}`);
      }
    });
  }

  it('rounds float32 to float16 to nearest even', async () => {
    const x = tensor('float32', [6], [1.00048828125, 1.00146484375, 65519, 65520, 1e-8, 3.0000001e-5]);
    await expectMatchesOrt({ kind: 'cast', to: 'float16' }, [x], { opType: 'Cast', attrs: { to: 10 } }, { rtol: 0, atol: 0 });
  });

  it('converts large int64 exactly and wraps into narrower ints', () => {
    const x = tensor('int64', [3], [2n ** 53n + 1n, -(2n ** 40n) - 5n, 300n]);
    expect(evaluate({ kind: 'cast', to: 'int32' }, [x])[0]!.data).toEqual(Int32Array.from([1, -5, 300]));
    expect(evaluate({ kind: 'cast', to: 'uint8' }, [x])[0]!.data).toEqual(Uint8Array.from([1, 251, 44]));
    expect(evaluate({ kind: 'cast', to: 'uint64' }, [x])[0]!.data[1]).toBe(2n ** 64n - 2n ** 40n - 5n);
  });
});

describe('broadcast iterator', () => {
  it('visits every output element once with the numpy source offsets', () => {
    const outDims = [2, 3, 4, 5];
    const ins = [[3, 1, 5], [2, 1, 4, 1], [1]];
    const seen = new Int32Array(120);
    forEachBroadcastRow(outDims, ins, (start, len, offs, steps) => {
      for (let i = 0; i < len; i++) {
        const o = start + i;
        seen[o]!++;
        const idx = [Math.floor(o / 60), Math.floor(o / 20) % 3, Math.floor(o / 5) % 4, o % 5];
        expect(offs[0]! + i * steps[0]!).toBe(idx[1]! * 5 + idx[3]!);
        expect(offs[1]! + i * steps[1]!).toBe(idx[0]! * 4 + idx[2]!);
        expect(offs[2]! + i * steps[2]!).toBe(0);
      }
    });
    expect(Array.from(seen).every((v) => v === 1)).toBe(true);
  });
});

function onnxCode(dtype: DType): number {
  const codes: Partial<Record<DType, number>> = { float32: 1, uint8: 2, int8: 3, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, uint32: 12 };
  return codes[dtype]!;
}
