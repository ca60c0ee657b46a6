/**
 * WGSL helper functions for elementwise math that the WGSL builtins get wrong or lack: accurate
 * erf, expm1 and log1p (the builtins lose all relative precision near 0), tanh that cannot
 * overflow, a numerically stable sigmoid, pow with ONNX's negative-base rules, C fmod, Python mod
 * for integers, integer pow, NaN/Inf tests that survive fast-math, and rounding to float16.
 *
 * Expressions ask for a helper through `WgslHelpers.use(name)`, which records it (and what it
 * depends on) so that a kernel declares only the functions its expressions call: the fusion stage
 * composes many expressions into one shader and renders one `WgslHelpers` at the top.
 */

type HelperName =
  | 'posinf'
  | 'neginf'
  | 'nan'
  | 'atan'
  | 'asin'
  | 'acos'
  | 'expm1'
  | 'log1p'
  | 'tanh'
  | 'sigmoid'
  | 'softplus'
  | 'erf'
  | 'sinh'
  | 'asinh'
  | 'atanh'
  | 'pow'
  | 'ipow'
  | 'upow'
  | 'fmod'
  | 'imod'
  | 'isnan'
  | 'isinf'
  | 'f16round'
  | 'bf16round';

interface HelperDef {
  deps: HelperName[];
  code: string;
}

const INF = 'ew_posinf()';
const NAN = 'ew_nan()';

const LIB: Record<HelperName, HelperDef> = {
  // WGSL rejects a constant expression whose value is infinite or NaN (even a bitcast of its bits),
  // so special values are made from a `let`, which is not a constant expression.
  posinf: { deps: [], code: 'fn ew_posinf() -> f32 { let b = 0x7f800000u; return bitcast<f32>(b); }' },
  neginf: { deps: [], code: 'fn ew_neginf() -> f32 { let b = 0xff800000u; return bitcast<f32>(b); }' },
  nan: { deps: [], code: 'fn ew_nan() -> f32 { let b = 0x7fc00000u; return bitcast<f32>(b); }' },
  // Cephes atanf: reduce |x| to [0, tan(π/8)] with the identities at π/4 and π/2, then an odd
  // polynomial; relative error ~1e-7, where lavapipe's builtin is off by 2e-6 and asin by 4e-4.
  atan: {
    deps: [],
    code: `fn ew_atan(x_in: f32) -> f32 {
  var x = abs(x_in);
  var y = 0.0;
  if (x > 2.414213562373095) {
    y = 1.5707963267948966;
    x = -1.0 / x;
  } else if (x > 0.4142135623730950) {
    y = 0.7853981633974483;
    x = (x - 1.0) / (x + 1.0);
  }
  let z = x * x;
  y = y + (((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * x + x;
  return select(y, -y, x_in < 0.0);
}`,
  },
  // asin(x) = atan(x / sqrt((1 - x)(1 + x))); the factored form keeps precision near |x| = 1.
  asin: {
    deps: ['atan', 'nan'],
    code: `fn ew_asin(x: f32) -> f32 {
  if (abs(x) > 1.0) { return ew_nan(); }
  if (abs(x) == 1.0) { return x * 1.5707963267948966; }
  return ew_atan(x / sqrt((1.0 - x) * (1.0 + x)));
}`,
  },
  // acos(x) = 2·atan(sqrt((1 - x) / (1 + x))), accurate over the whole domain (x = -1 gives π).
  acos: {
    deps: ['atan', 'nan'],
    code: `fn ew_acos(x: f32) -> f32 {
  if (abs(x) > 1.0) { return ew_nan(); }
  if (x == -1.0) { return 3.141592653589793; }
  return 2.0 * ew_atan(sqrt((1.0 - x) / (1.0 + x)));
}`,
  },
  // exp(x) - 1 keeping relative precision near 0: a Taylor polynomial for |x| < 0.5 (truncation
  // error below 3e-10 there), the builtin where the subtraction no longer cancels.
  expm1: {
    deps: [],
    code: `fn ew_expm1(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0
      + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0)))))))));
  }
  return exp(x) - 1.0;
}`,
  },
  // log(1 + x): an alternating series for |x| < 0.125 (error below 1e-9), else the builtin.
  log1p: {
    deps: [],
    code: `fn ew_log1p(x: f32) -> f32 {
  if (abs(x) < 0.125) {
    return x * (1.0 - x * (1.0 / 2.0 - x * (1.0 / 3.0 - x * (1.0 / 4.0 - x * (1.0 / 5.0 - x * (1.0 / 6.0
      - x * (1.0 / 7.0 - x * (1.0 / 8.0 - x * (1.0 / 9.0)))))))));
  }
  return log(1.0 + x);
}`,
  },
  // tanh(x) = expm1(2x) / (expm1(2x) + 2). The clamp keeps exp finite (some drivers' builtin tanh
  // returns NaN for large |x|); tanh(±9) already rounds to ±1 in f32.
  tanh: {
    deps: ['expm1'],
    code: `fn ew_tanh(x: f32) -> f32 {
  let t = ew_expm1(2.0 * clamp(x, -9.0, 9.0));
  return t / (t + 2.0);
}`,
  },
  // The exponential is only ever taken of a non-positive argument, so it cannot overflow.
  sigmoid: {
    deps: [],
    code: `fn ew_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}`,
  },
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow, precise for very negative x.
  softplus: {
    deps: ['log1p'],
    code: `fn ew_softplus(x: f32) -> f32 {
  return max(x, 0.0) + ew_log1p(exp(-abs(x)));
}`,
  },
  // Rational approximation p(x²)·x / q(x²) on [-4, 4] (the one Eigen and XLA use for f32);
  // measured |error| < 4.5e-7 in f32 arithmetic against a double-precision erf. erf(±4) rounds
  // to ±1 in f32, so clamping there is exact.
  erf: {
    deps: [],
    code: `fn ew_erf(x_in: f32) -> f32 {
  let x = clamp(x_in, -4.0, 4.0);
  let x2 = x * x;
  var p = -2.72614225801306e-10;
  p = p * x2 + 2.77068142495902e-08;
  p = p * x2 - 2.10102402082508e-06;
  p = p * x2 - 5.69250639462346e-05;
  p = p * x2 - 7.34990630326855e-04;
  p = p * x2 - 2.95459980854025e-03;
  p = p * x2 - 1.60960333262415e-02;
  var q = -1.45660718464996e-05;
  q = q * x2 - 2.13374055278905e-04;
  q = q * x2 - 1.68282697438203e-03;
  q = q * x2 - 7.37332916720468e-03;
  q = q * x2 - 1.42647390514189e-02;
  return x * p / q;
}`,
  },
  // sinh(x) = (t + t / (t + 1)) / 2 with t = expm1(x): exact cancellation-free form near 0.
  sinh: {
    deps: ['expm1'],
    code: `fn ew_sinh(x: f32) -> f32 {
  let t = ew_expm1(abs(x));
  return sign(x) * 0.5 * (t + t / (t + 1.0));
}`,
  },
  // asinh(|x|) = log1p(|x| + x² / (1 + sqrt(1 + x²))); switch to log(2|x|) before x² overflows.
  asinh: {
    deps: ['log1p'],
    code: `fn ew_asinh(x: f32) -> f32 {
  let a = abs(x);
  if (a > 1e18) { return sign(x) * (log(a) + 0.6931471805599453); }
  return sign(x) * ew_log1p(a + a * a / (1.0 + sqrt(1.0 + a * a)));
}`,
  },
  atanh: {
    deps: ['log1p'],
    code: `fn ew_atanh(x: f32) -> f32 {
  return 0.5 * ew_log1p(2.0 * x / (1.0 - x));
}`,
  },
  // pow with C semantics the builtin lacks (WGSL pow is undefined for x < 0 and for 0^0):
  // y == 0 gives 1, a negative base needs an integral exponent (odd keeps the sign), else NaN.
  pow: {
    deps: ['posinf', 'nan'],
    code: `fn ew_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (x == 0.0) {
    if (y > 0.0) { return 0.0; }
    return ${INF};
  }
  let m = pow(abs(x), y);
  if (x > 0.0) { return m; }
  if (floor(y) != y) { return ${NAN}; }
  let odd = abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1;
  return select(m, -m, odd);
}`,
  },
  // Integer power by squaring; wraps like C. Negative exponents: 1/x^n truncates to 0 unless |x| = 1.
  ipow: {
    deps: [],
    code: `fn ew_ipow(x: i32, y: i32) -> i32 {
  if (y < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(1, -1, (y & 1) != 0); }
    return 0;
  }
  var r = 1;
  var b = x;
  var e = y;
  loop {
    if (e == 0) { break; }
    if ((e & 1) != 0) { r = r * b; }
    b = b * b;
    e = e >> 1u;
  }
  return r;
}`,
  },
  upow: {
    deps: [],
    code: `fn ew_upow(x: u32, y: u32) -> u32 {
  var r = 1u;
  var b = x;
  var e = y;
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) != 0u) { r = r * b; }
    b = b * b;
    e = e >> 1u;
  }
  return r;
}`,
  },
  // C fmod (sign of the dividend). a - b·trunc(a/b) alone can be off by one multiple of b when
  // a/b rounds across an integer; the two corrections put the result back in (-|b|, |b|).
  fmod: {
    deps: ['posinf', 'nan'],
    code: `fn ew_fmod(a: f32, b: f32) -> f32 {
  if (b == 0.0 || abs(a) == ${INF}) { return ${NAN}; }
  if (abs(b) == ${INF}) { return a; }
  var r = a - b * trunc(a / b);
  if (abs(r) >= abs(b)) { r = r - sign(r) * abs(b); }
  if (r != 0.0 && sign(r) != sign(a)) { r = r + sign(a) * abs(b); }
  return r;
}`,
  },
  // Python mod for integers: the result takes the divisor's sign.
  imod: {
    deps: [],
    code: `fn ew_imod(a: i32, b: i32) -> i32 {
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
  return r;
}`,
  },
  // Bit tests rather than x != x, which optimizing shader compilers may fold away.
  isnan: {
    deps: [],
    code: `fn ew_isnan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}`,
  },
  isinf: {
    deps: [],
    code: `fn ew_isinf(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u;
}`,
  },
  // Round an f32 to the nearest float16 value, ties to even, without the shader-f16 feature
  // (unpack2x16float(pack2x16float(x)) is not reliably rounded: lavapipe returns x unchanged).
  // Normal halves keep 10 mantissa bits (round-to-nearest-even on the bits, the carry may bump the
  // exponent); below 2^-14 halves are multiples of 2^-24; from 65520 up (the midpoint above
  // 65504, whose tie rounds to the infinite even neighbour) the result overflows.
  // Round an f32 to the nearest bfloat16 (its top 16 bits), ties to even, on the bits: the carry
  // may bump the exponent, up to infinity past the largest bfloat16. Infinities pass; a NaN stays
  // a NaN (its quiet bit is set, since the payload may sit only in the dropped low bits).
  bf16round: {
    deps: [],
    code: `fn ew_bf16round(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7f800000u) == 0x7f800000u) {
    return bitcast<f32>(select(b, (b | 0x00400000u) & 0xffff0000u, (b & 0x007fffffu) != 0u));
  }
  return bitcast<f32>((b + 0x7fffu + ((b >> 16u) & 1u)) & 0xffff0000u);
}`,
  },
  f16round: {
    deps: ['posinf'],
    code: `fn ew_f16round(x: f32) -> f32 {
  let a = abs(x);
  if (a >= 65520.0) { return sign(x) * ${INF}; }
  if (!(a >= 6.103515625e-05)) { return sign(x) * round(a * 16777216.0) / 16777216.0; }
  let b = bitcast<u32>(x);
  return bitcast<f32>((b + 0xfffu + ((b >> 13u) & 1u)) & 0xffffe000u);
}`,
  },
};

/** The helper functions a kernel's expressions call, rendered once at the top of the shader. */
export class WgslHelpers {
  private readonly used = new Set<HelperName>();

  /** Records `name` (and its dependencies) and returns the WGSL function name to call. */
  use(name: HelperName): string {
    if (!this.used.has(name)) {
      for (const d of LIB[name].deps) this.use(d);
      this.used.add(name);
    }
    return `ew_${name}`;
  }

  /** WGSL source of every recorded function, dependencies first (insertion order guarantees it). */
  render(): string {
    return [...this.used].map((n) => LIB[n].code).join('\n\n');
  }
}
