import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exp, inverseNormalCdf, ln, normalCdf, pow, sqrt } from '../../src/sim/detmath.js';

/** Largest |actual − expected| / |expected| over the points (expected ≠ 0). */
function maxRelativeError(points: readonly number[], actual: (x: number) => number, expected: (x: number) => number): number {
  let worst = 0;
  for (const x of points) {
    const reference = expected(x);
    if (reference === 0) continue;
    worst = Math.max(worst, Math.abs(actual(x) - reference) / Math.abs(reference));
  }
  return worst;
}

/** `count` points spread evenly over [from, to]. */
function linearPoints(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => from + ((to - from) * index) / (count - 1));
}

/** Reference values of Φ from Python's 0.5·math.erfc(−x/√2) (libm, accurate to ~1 ulp). */
const NORMAL_CDF_REFERENCE: readonly (readonly [number, number])[] = [
  [-37, 5.725571222525139e-300],
  [-20, 2.7536241186063314e-89],
  [-8.5, 9.479534822203355e-18],
  [-6, 9.865876450377012e-10],
  [-3, 0.0013498980316300957],
  [-1.96, 0.024997895148220435],
  [-1, 0.15865525393145707],
  [-0.5, 0.3085375387259869],
  [0, 0.5],
  [0.25, 0.5987063256829237],
  [1, 0.8413447460685429],
  [1.96, 0.9750021048517795],
  [3, 0.9986501019683699],
  [6, 0.9999999990134123],
];

/** Reference values of Φ⁻¹ from Python's statistics.NormalDist().inv_cdf (Wichura AS241, ~1e-16). */
const INVERSE_NORMAL_REFERENCE: readonly (readonly [number, number])[] = [
  [1e-6, -4.753424308822899],
  [0.001, -3.090232306167813],
  [0.01, -2.3263478740408408],
  [0.02425, -1.9729610513118845],
  [0.1, -1.2815515655446008],
  [0.25, -0.6744897501960817],
  [0.5, 0],
  [0.75, 0.6744897501960817],
  [0.9, 1.2815515655446008],
  [0.975, 1.9599639845400536],
  [0.999, 3.090232306167813],
  [0.999999, 4.753424308817089],
];

describe('detmath', () => {
  it('ln: within 1e-12 relative of Math.log on 200 000 log-spaced points over [1e-300, 1e9] and near 1', () => {
    const logSpaced = linearPoints(-300, 9, 100_000).map((power) => 10 ** power);
    const nearOne = linearPoints(1 - 1e-4, 1 + 1e-4, 100_000);
    // Tolerance: the brief's 1e-12. Both are within a few ulps (measured max ≈ 4.4e-16).
    expect(maxRelativeError(logSpaced, ln, Math.log)).toBeLessThan(1e-12);
    expect(maxRelativeError(nearOne, ln, Math.log)).toBeLessThan(1e-12);
  });

  it('ln: edge cases', () => {
    expect(ln(1)).toBe(0);
    expect(ln(0)).toBe(-Infinity);
    expect(ln(-0)).toBe(-Infinity);
    expect(ln(-1)).toBeNaN();
    expect(ln(NaN)).toBeNaN();
    expect(ln(Infinity)).toBe(Infinity);
    expect(ln(2)).toBe(0.6931471805599453);
    expect(ln(0.5)).toBe(-0.6931471805599453);
    expect(ln(10)).toBe(2.302585092994046);
    expect(ln(Number.MIN_VALUE)).toBeCloseTo(-744.4400719213812, 12); // subnormal input
    expect(ln(Number.MAX_VALUE)).toBeCloseTo(709.782712893384, 12);
    expect(ln(2 ** 40)).toBeCloseTo(40 * Math.LN2, 12);
  });

  it('exp: within 1e-12 relative of Math.exp on 200 001 points over [−50, 50]', () => {
    // Tolerance: the brief's 1e-12 (measured max ≈ 2.2e-16, one ulp).
    expect(maxRelativeError(linearPoints(-50, 50, 200_001), exp, Math.exp)).toBeLessThan(1e-12);
    expect(maxRelativeError(linearPoints(-700, 700, 10_001), exp, Math.exp)).toBeLessThan(1e-12);
  });

  it('exp: edge cases', () => {
    expect(exp(0)).toBe(1);
    expect(exp(-0)).toBe(1);
    expect(exp(-Infinity)).toBe(0);
    expect(exp(Infinity)).toBe(Infinity);
    expect(exp(NaN)).toBeNaN();
    expect(exp(710)).toBe(Infinity);
    expect(exp(-746)).toBe(0);
    expect(exp(-745)).toBe(Number.MIN_VALUE); // the result is subnormal and still correctly rounded
    expect(Math.abs(exp(1) - Math.E)).toBeLessThanOrEqual(Number.EPSILON * Math.E);
    expect(Math.abs(exp(709.7) - Math.exp(709.7)) / Math.exp(709.7)).toBeLessThan(1e-15);
  });

  it('ln and exp round-trip to within 1e-13 over [−50, 50]', () => {
    const worst = Math.max(...linearPoints(-50, 50, 10_001).map((x) => Math.abs(ln(exp(x)) - x)));
    expect(worst).toBeLessThan(1e-13);
  });

  it('sqrt is Math.sqrt; pow is exp(power · ln(base)) within 1e-13 relative', () => {
    for (const x of [0, 1e-300, 0.5, 2, 1e9]) expect(sqrt(x)).toBe(Math.sqrt(x));
    expect(pow(1, 1e9)).toBe(1);
    expect(pow(7, 0)).toBe(1);
    const bases = linearPoints(1e-6, 1, 1000);
    expect(maxRelativeError(bases, (base) => pow(base, -1 / 3), (base) => Math.pow(base, -1 / 3))).toBeLessThan(1e-13);
  });

  it('normalCdf: within 1e-15 absolute of reference values, and within 1e-7 relative in the lower tail', () => {
    for (const [x, reference] of NORMAL_CDF_REFERENCE) {
      expect(Math.abs(normalCdf(x) - reference)).toBeLessThan(1e-15);
      if (x < 0) expect(Math.abs(normalCdf(x) - reference) / reference).toBeLessThan(1e-7);
    }
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(NaN)).toBeNaN();
  });

  it('inverseNormalCdf: within 2e-11 of reference values on [1e-6, 1 − 1e-6], and Φ(Φ⁻¹(p)) = p within 1e-15', () => {
    // Near p = 1 the problem itself is ill-conditioned: one ulp of p (1.1e-16) moves the quantile by
    // 1.1e-16 / φ(4.75) ≈ 2e-11, so that is the tolerance; the central values are far closer.
    for (const [p, reference] of INVERSE_NORMAL_REFERENCE) {
      expect(Math.abs(inverseNormalCdf(p) - reference)).toBeLessThan(2e-11);
      if (p >= 0.01 && p <= 0.99) expect(Math.abs(inverseNormalCdf(p) - reference)).toBeLessThan(1e-14);
    }
    for (const p of linearPoints(0.001, 0.999, 9_999)) {
      expect(Math.abs(normalCdf(inverseNormalCdf(p)) - p)).toBeLessThan(1e-15);
    }
    expect(inverseNormalCdf(0)).toBe(-Infinity);
    expect(inverseNormalCdf(1)).toBe(Infinity);
    expect(inverseNormalCdf(-0.1)).toBeNaN();
    expect(inverseNormalCdf(2 ** -53)).toBeCloseTo(-8.209536151601386, 7); // the smallest unit a stream draws
  });

  it('src/sim link modules call no implementation-approximated Math function, clock or Math.random', () => {
    const forbidden = /Math\.(log|log2|log10|log1p|exp|expm1|pow|sin|cos|tan|atan|atan2|asin|acos|sinh|cosh|tanh|cbrt|hypot|random)\b|Date\.now|performance\.now|from 'node:/;
    for (const file of ['random.ts', 'detmath.ts', 'link.ts', 'link-config.ts']) {
      const source = readFileSync(new URL(`../../src/sim/${file}`, import.meta.url), 'utf8');
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code.match(forbidden), file).toBeNull();
    }
  });
});
