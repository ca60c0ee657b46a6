/**
 * The float16 conversions and scalar math helpers against independent references: numpy's
 * double → half conversion (committed fixture), every one of the 65536 half bit patterns
 * round-tripping, and Python's math.erf.
 */

import { describe, expect, it } from 'vitest';
import { erf, float16BitsToNumber, numberToFloat16Bits, roundToFloat16 } from '../../ir/eval/index.js';
import { roundHalfEven } from '../../ir/eval/math.js';
import { fixture } from './helpers/fixture.js';

describe('float16', () => {
  it('rounds doubles to the same half as numpy (ties to even, subnormals, overflow)', () => {
    const { inputs, bits } = fixture.float16;
    expect(inputs.length).toBeGreaterThan(600);
    inputs.forEach((x, i) => {
      const got = numberToFloat16Bits(x);
      if (got !== bits[i]) expect.fail(`${x}: got 0x${got.toString(16)}, numpy 0x${bits[i]!.toString(16)}`);
      expect(Object.is(roundToFloat16(x), float16BitsToNumber(bits[i]!)) || roundToFloat16(x) === float16BitsToNumber(bits[i]!)).toBe(true);
    });
  });

  it('round-trips every half bit pattern', () => {
    for (let b = 0; b < 0x10000; b++) {
      const v = float16BitsToNumber(b);
      if (Number.isNaN(v)) {
        expect((b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0).toBe(true);
        expect(Number.isNaN(roundToFloat16(v))).toBe(true);
        continue;
      }
      expect(roundToFloat16(v)).toBe(v);
      if (numberToFloat16Bits(v) !== b) expect.fail(`bits 0x${b.toString(16)} → ${v} → 0x${numberToFloat16Bits(v).toString(16)}`);
    }
  });

  it('keeps the sign of zero and of values that underflow', () => {
    expect(Object.is(roundToFloat16(-0), -0)).toBe(true);
    expect(Object.is(roundToFloat16(-1e-10), -0)).toBe(true);
    expect(numberToFloat16Bits(-1e-10)).toBe(0x8000);
    expect(roundToFloat16(-70000)).toBe(-Infinity);
  });
});

describe('scalar math', () => {
  it('erf matches math.erf to 1e-13', () => {
    const { x, erf: want } = fixture.erf;
    x.forEach((v, i) => {
      const err = Math.abs(erf(v) - want[i]!);
      if (!(err < 1e-13)) expect.fail(`erf(${v}) = ${erf(v)}, expected ${want[i]} (error ${err})`);
    });
    expect(Number.isNaN(erf(NaN))).toBe(true);
  });

  it('roundHalfEven rounds ties to even', () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4999, -2.51].map(roundHalfEven)).toEqual([-2, -2, -0, 0, 2, 2, 4, 2, -3]);
  });
});
