/**
 * Scalar math the JS standard library lacks, to double precision.
 *
 * `erf` backs the Erf op and the exact GELU; the reference must be far more accurate than any GPU
 * kernel it checks (|error| well under 1e-7), so it is a Taylor series near zero, where it
 * converges fast, and the classic continued fraction for erfc in the tails, where the series would
 * cancel catastrophically. Both are accurate to about 1e-15 in their ranges.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)), for |x| < 2.5 (terms shrink past n ≈ x²). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x; // (-1)^n x^(2n+1) / n!
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/**
 * erfc(x) for x ≥ 2.5 by the continued fraction
 * erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up.
 * 60 levels are ample: the fraction converges faster the larger x is.
 */
function erfcContinuedFraction(x: number): number {
  let t = x;
  for (let n = 60; n >= 1; n--) t = x + n / 2 / t;
  return (Math.exp(-x * x) * INV_SQRT_PI) / t;
}

/** The error function, |error| ≲ 1e-15. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 2.5) return erfSeries(x);
  if (a > 6) return x > 0 ? 1 : -1; // erfc(6) ≈ 2e-17, below double resolution around 1
  const r = 1 - erfcContinuedFraction(a);
  return x > 0 ? r : -r;
}

/** Rounds to the nearest integer, ties to even (ONNX Round; Math.round rounds ties up). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r; // -0.5 and -0.3 round to -0, as numpy
}

/** log(1 + e^x) without overflow for large x or loss of precision for very negative x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** 1 / (1 + e^-x), evaluated on the side where the exponential cannot overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
