// Deterministic elementary functions for anything that decides a packet's fate.
//
// ECMAScript defines + − × ÷ and comparisons exactly (IEEE-754 binary64, round to nearest even), but
// leaves Math.log, Math.exp, Math.pow and friends "implementation-approximated": V8, SpiderMonkey and
// JavaScriptCore may return different last bits, which would let one seed produce two traces. The
// functions here use only the exactly specified operations (plus Math.floor/round/abs, which are exact),
// so they return the same bits on every engine. They are accurate to a few ulps (tested ≤ 1e-12 relative).

/** ln(2) split so that `k * LN2_HI` is exact for |k| < 2^20 (the split fdlibm uses). */
const LN2_HI = 6.93147180369123816490e-1;
/** ln(2) − LN2_HI. */
const LN2_LO = 1.90821492927058770002e-10;
/** 1 / ln(2), rounded. */
const INV_LN2 = 1.44269504088896338700;
const SQRT2 = 1.4142135623730951;
/** Above this, e^x overflows binary64. */
const EXP_OVERFLOW_X = 709.782712893384;
/** Below this, e^x rounds to 0. */
const EXP_UNDERFLOW_X = -745.1332191019412;
/** The smallest positive normal binary64, 2^-1022. */
const MIN_NORMAL = 2.2250738585072014e-308;
/** 2^54, to lift subnormal inputs into the normal range exactly. */
const TWO_POW_54 = 18_014_398_509_481_984;

/** 2^-54. */
const TWO_POW_MINUS_54 = 1 / TWO_POW_54;
/** The exponent of MIN_NORMAL. */
const MIN_NORMAL_EXPONENT = -1022;

/** Binary exponents used to scale by powers of two in ten exact steps (they sum to 1023). */
const SCALE_EXPONENTS = [512, 256, 128, 64, 32, 16, 8, 4, 2, 1] as const;

/** 2^e for integer e in [−1074, 1023], computed by exact repeated multiplication. */
function powerOfTwo(exponent: number): number {
  let result = 1;
  const factor = exponent >= 0 ? 2 : 0.5;
  for (let step = 0; step < Math.abs(exponent); step += 1) result *= factor;
  return result;
}

/** For each scale exponent e: [2^e, 2^-e, 2^(1-e)]. All exact. */
const SCALE_TABLE = SCALE_EXPONENTS.map((e) => [powerOfTwo(e), powerOfTwo(-e), powerOfTwo(1 - e)] as const);

/** 1 / (2i + 1) for i = 0..11: the coefficients of the atanh series that gives ln near 1. */
const ATANH_COEFFICIENTS = Array.from({ length: 12 }, (_, i) => 1 / (2 * i + 1));

/** 1 / n! for n = 0..14: the Taylor coefficients of e^r for |r| ≤ ln(2)/2. */
const EXP_TERM_COUNT = 14;

/**
 * Splits a positive normal-or-subnormal finite x into `mantissa * 2^exponent` with mantissa in
 * [√½, √2). Every step multiplies or divides by a power of two, which is exact.
 */
function splitPowerOfTwo(x: number): { mantissa: number; exponent: number } {
  let mantissa = x;
  let exponent = 0;
  if (mantissa < MIN_NORMAL) {
    mantissa *= TWO_POW_54;
    exponent -= 54;
  }
  for (let index = 0; index < SCALE_EXPONENTS.length; index += 1) {
    const e = SCALE_EXPONENTS[index]!;
    const [up, down, below] = SCALE_TABLE[index]!;
    if (mantissa >= up) {
      mantissa *= down;
      exponent += e;
    } else if (mantissa < below) {
      mantissa *= up;
      exponent -= e;
    }
  }
  // Now mantissa is in [1, 2); centre it on 1 so the series below converges fastest.
  if (mantissa >= SQRT2) {
    mantissa *= 0.5;
    exponent += 1;
  }
  return { mantissa, exponent };
}

/** ln(m) for m in [√½, √2): 2·atanh(s) with s = (m − 1)/(m + 1), |s| ≤ 0.1716, 12 series terms. */
function lnNearOne(mantissa: number): number {
  const s = (mantissa - 1) / (mantissa + 1);
  const s2 = s * s;
  let sum = ATANH_COEFFICIENTS[ATANH_COEFFICIENTS.length - 1]!;
  for (let i = ATANH_COEFFICIENTS.length - 2; i >= 0; i -= 1) sum = sum * s2 + ATANH_COEFFICIENTS[i]!;
  return 2 * s * sum;
}

/**
 * Natural logarithm, bit-identical on every engine. ln(0) = −∞, ln(x < 0) = NaN, ln(∞) = ∞.
 * Relative error ≤ 1e-12 on (0, 1e9] (tested against Math.log; typically ≤ 2 ulps).
 */
export function ln(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  const { mantissa, exponent } = splitPowerOfTwo(x);
  return exponent * LN2_HI + (lnNearOne(mantissa) + exponent * LN2_LO);
}

/** value · 2^exponent for an integer exponent, by exact power-of-two steps. */
function scaleByPowerOfTwo(value: number, exponent: number): number {
  let result = value;
  let remaining = exponent;
  for (let index = 0; index < SCALE_EXPONENTS.length; index += 1) {
    const e = SCALE_EXPONENTS[index]!;
    const [up, down] = SCALE_TABLE[index]!;
    // Each exponent step can be needed at most twice (|exponent| ≤ 1100 < 2·1023).
    for (let repeat = 0; repeat < 2; repeat += 1) {
      if (remaining >= e) {
        result *= up;
        remaining -= e;
      } else if (remaining <= -e) {
        result *= down;
        remaining += e;
      }
    }
  }
  return result;
}

/**
 * e^x, bit-identical on every engine. exp(−∞) = 0, exp(∞) = ∞, exp(NaN) = NaN.
 * Relative error ≤ 1e-12 on [−50, 50] (tested against Math.exp; typically ≤ 1 ulp); also accurate to
 * a few ulps up to the overflow threshold and down into the subnormal range.
 */
export function exp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > EXP_OVERFLOW_X) return Infinity;
  if (x < EXP_UNDERFLOW_X) return 0;
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Horner form of the Taylor series: 1 + r(1 + r/2(1 + r/3(…))).
  let sum = 1;
  for (let n = EXP_TERM_COUNT; n >= 1; n -= 1) sum = 1 + (sum * r) / n;
  // A subnormal result is scaled in two steps so that only the last multiplication rounds.
  if (k < MIN_NORMAL_EXPONENT) return scaleByPowerOfTwo(sum, k + 54) * TWO_POW_MINUS_54;
  return scaleByPowerOfTwo(sum, k);
}

/**
 * Square root: Math.sqrt unchanged. Unlike log and exp, square root is a basic IEEE-754 operation that
 * every engine compiles to the correctly rounded hardware instruction, so its result is already exact.
 */
export function sqrt(x: number): number {
  return Math.sqrt(x);
}

/**
 * base^power for base > 0, as exp(power · ln(base)). Deterministic; relative error ≤ 3e-13 for results
 * within [1e-300, 1e300] (the error of ln grows by the factor |power · ln(base)| through exp).
 */
export function pow(base: number, power: number): number {
  if (base === 1 || power === 0) return 1;
  return exp(power * ln(base));
}

// Normal distribution ----------------------------------------------------------------------------

/** √(2π). */
const SQRT_2PI = 2.5066282746310002;

/** Numerator coefficients of Hart's (1968) rational approximation of the normal tail, |x| < 7.07. */
const HART_NUMERATOR = [
  3.52624965998911e-2, 0.700383064443688, 6.37396220353165, 33.912866078383, 112.079291497871,
  221.213596169931, 220.206867912376,
] as const;
/** Denominator coefficients of the same approximation. */
const HART_DENOMINATOR = [
  8.83883476483184e-2, 1.75566716318264, 16.064177579207, 86.7807322029461, 296.564248779674,
  637.333633378831, 793.826512519948, 440.413735824752,
] as const;

/** Evaluates a polynomial with coefficients from the highest power down (Horner). */
function horner(coefficients: readonly number[], x: number): number {
  let sum = 0;
  for (const coefficient of coefficients) sum = sum * x + coefficient;
  return sum;
}

/**
 * The standard normal cumulative distribution Φ(x) = P(Z ≤ x), by Hart's rational approximation
 * (algorithm 5666, as published by G. West, 2005) with a continued fraction beyond |x| = 7.07.
 * Absolute error ≤ 1e-15 everywhere; relative error in the tails ≤ 1e-7 (x ≥ −37, where it reaches 0).
 * Deterministic (uses `exp` from this module).
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const absX = Math.abs(x);
  let tail: number;
  if (absX > 37) {
    tail = 0;
  } else {
    const density = exp((-absX * absX) / 2);
    if (absX < 7.07106781186547) {
      tail = (density * horner(HART_NUMERATOR, absX)) / horner(HART_DENOMINATOR, absX);
    } else {
      let fraction = absX + 0.65;
      fraction = absX + 4 / fraction;
      fraction = absX + 3 / fraction;
      fraction = absX + 2 / fraction;
      fraction = absX + 1 / fraction;
      tail = density / fraction / SQRT_2PI;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/** Acklam's rational approximation of Φ⁻¹: central region numerator, denominator. */
const ACKLAM_A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
] as const;
const ACKLAM_B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1, 1,
] as const;
/** Tail region numerator, denominator. */
const ACKLAM_C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
] as const;
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416, 1] as const;
/** Below this probability (and above 1 − it) the tail formula applies. */
const ACKLAM_LOW = 0.02425;

/** Acklam's first approximation of Φ⁻¹(p) (relative error ≤ 1.2e-9). */
function inverseNormalRough(p: number): number {
  if (p < ACKLAM_LOW) {
    const q = sqrt(-2 * ln(p));
    return horner(ACKLAM_C, q) / horner(ACKLAM_D, q);
  }
  if (p > 1 - ACKLAM_LOW) {
    const q = sqrt(-2 * ln(1 - p));
    return -horner(ACKLAM_C, q) / horner(ACKLAM_D, q);
  }
  const q = p - 0.5;
  const r = q * q;
  return (horner(ACKLAM_A, r) * q) / horner(ACKLAM_B, r);
}

/**
 * The standard normal quantile Φ⁻¹(p) for p in (0, 1): Acklam's approximation refined by one Halley
 * step against `normalCdf`. Absolute error ≤ 1e-14 for p in [0.01, 0.99], ≤ 2e-11 for p in
 * [1e-6, 1 − 1e-6] (near 1 that is one ulp of p) and ≤ 1e-8 for p in [1e-20, 1 − 1e-9] (the random
 * streams never draw p < 2^-53). Returns −∞ for p = 0, +∞ for p = 1 and NaN outside [0, 1].
 * Deterministic.
 */
export function inverseNormalCdf(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const x = inverseNormalRough(p);
  // Halley's step: the error of Φ(x) against p, divided by the density, with a curvature correction.
  const error = normalCdf(x) - p;
  const u = error * SQRT_2PI * exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}
