// The sweep's statistics as pure functions: summaries, Student-t intervals (inverse t computed), paired comparisons with a baseline and their verdicts.

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 coefficients; relative error below 1e-13). */
export function logGamma(x: number): number {
  const coefficients = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = coefficients[0]!;
  for (let index = 1; index < 9; index++) sum += coefficients[index]! / (shifted + index);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of the incomplete beta function (modified Lentz), bounded at 300 terms. */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let result = d;
  for (let m = 1; m <= 300; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + even * d;
    c = 1 + even / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    result *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + odd * d;
    c = 1 + odd / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    const step = d * c;
    result *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return result;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `degrees` degrees of freedom. */
export function studentTCdf(t: number, degrees: number): number {
  const tail = 0.5 * incompleteBeta(degrees / (degrees + t * t), degrees / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The inverse of {@link studentTCdf}: the t with P(T ≤ t) = p, by bisection to 1e-12 (100 halvings
 * of [−1e6, 1e6], a fixed bound). t(0.975, 9) = 2.2622, t(0.975, 29) = 2.0452.
 */
export function studentTQuantile(p: number, degrees: number): number {
  if (!(p > 0 && p < 1) || !(degrees > 0)) throw new Error(`studentTQuantile needs 0 < p < 1 and degrees > 0 (got p ${p}, degrees ${degrees})`);
  let low = -1e6;
  let high = 1e6;
  for (let step = 0; step < 100 && high - low > 1e-12; step++) {
    const middle = (low + high) / 2;
    if (studentTCdf(middle, degrees) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** The nearest-rank percentile (as the scenario expectations' p95): the ⌈p·n/100⌉-th smallest value. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The mean and its 95 % Student-t interval: mean ± t(0.975, n−1)·s/√n (null below 2 values). */
export function meanInterval(values: readonly number[]): { mean: number; low: number | null; high: number | null; sd: number | null } {
  const n = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (n < 2) return { mean, low: null, high: null, sd: null };
  const sd = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1));
  const half = studentTQuantile(0.975, n - 1) * (sd / Math.sqrt(n));
  return { mean, low: mean - half, high: mean + half, sd };
}

/** The seed count from which p5/p95 are shown; below it, min and max say more honestly what was seen. */
export const PERCENTILES_FROM_N = 20;

export interface Summary {
  /** Runs with a value. */
  n: number;
  /** Runs where the measured thing never happened (never averaged, never zero). */
  missing: number;
  mean: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
  p5: number | null;
  p95: number | null;
  sd: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

/** The summary of one variant's values for one measure over its seeds. */
export function summarize(values: readonly (number | null)[]): Summary {
  const present = values.filter((value): value is number => value !== null);
  const missing = values.length - present.length;
  if (present.length === 0) return { n: 0, missing, mean: null, median: null, min: null, max: null, p5: null, p95: null, sd: null, ciLow: null, ciHigh: null };
  const sorted = [...present].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const interval = meanInterval(present);
  const many = present.length >= PERCENTILES_FROM_N;
  return {
    n: present.length,
    missing,
    mean: interval.mean,
    median,
    min: sorted[0]!,
    max: sorted.at(-1)!,
    p5: many ? percentile(sorted, 5) : null,
    p95: many ? percentile(sorted, 95) : null,
    sd: interval.sd,
    ciLow: interval.low,
    ciHigh: interval.high,
  };
}

export type Verdict = 'better' | 'worse' | 'no significant difference' | 'too few pairs';

export interface Paired {
  /** Seeds where both the variant and its baseline have a value. */
  pairs: number;
  /** Seeds left out because one of the two never had the measured thing happen. */
  unpaired: number;
  /** Mean of (variant − baseline) over the pairs, in the measure's unit. */
  meanDifference: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** Seeds where the variant is better, equal, worse (in the measure's direction). */
  wins: number;
  ties: number;
  losses: number;
  verdict: Verdict;
  /**
   * Welch's 95 % interval of the same difference over the same seeds, as if the two samples were
   * independent: what the comparison would know without pairing (common random numbers narrow the
   * paired interval below it; docs/sweeps.md). Null below 2 pairs.
   */
  unpairedCiLow: number | null;
  unpairedCiHigh: number | null;
}

/**
 * The paired comparison of `variant` with `baseline`, seed by seed (index i is the same seed in
 * both). "better" when the 95 % interval of the mean difference lies wholly on the better side.
 */
export function pairedComparison(variant: readonly (number | null)[], baseline: readonly (number | null)[], better: 'higher' | 'lower'): Paired {
  const differences: number[] = [];
  const variantPaired: number[] = [];
  const baselinePaired: number[] = [];
  for (let index = 0; index < variant.length; index++) {
    const a = variant[index];
    const b = baseline[index];
    if (a !== null && a !== undefined && b !== null && b !== undefined) {
      differences.push(a - b);
      variantPaired.push(a);
      baselinePaired.push(b);
    }
  }
  const sign = better === 'higher' ? 1 : -1;
  const wins = differences.filter((difference) => sign * difference > 0).length;
  const losses = differences.filter((difference) => sign * difference < 0).length;
  const base = { pairs: differences.length, unpaired: variant.length - differences.length, wins, ties: differences.length - wins - losses, losses };
  if (differences.length < 2) return { ...base, meanDifference: differences[0] ?? null, ciLow: null, ciHigh: null, verdict: 'too few pairs', unpairedCiLow: null, unpairedCiHigh: null };
  const interval = meanInterval(differences);
  const [low, high] = [interval.low!, interval.high!];
  let verdict: Verdict = 'no significant difference';
  if (sign * low > 0 && sign * high > 0) verdict = 'better';
  else if (sign * low < 0 && sign * high < 0) verdict = 'worse';
  const unpaired = welchInterval(variantPaired, baselinePaired);
  return { ...base, meanDifference: interval.mean, ciLow: low, ciHigh: high, verdict, unpairedCiLow: unpaired?.low ?? null, unpairedCiHigh: unpaired?.high ?? null };
}

/** Welch's 95 % interval of mean(a) − mean(b) (Welch–Satterthwaite degrees of freedom); null when it is undefined. */
export function welchInterval(a: readonly number[], b: readonly number[]): { low: number; high: number } | null {
  if (a.length < 2 || b.length < 2) return null;
  const variance = (values: readonly number[]): number => {
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    return values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  };
  const termA = variance(a) / a.length;
  const termB = variance(b) / b.length;
  const difference = a.reduce((sum, value) => sum + value, 0) / a.length - b.reduce((sum, value) => sum + value, 0) / b.length;
  if (termA + termB === 0) return { low: difference, high: difference };
  const degrees = (termA + termB) ** 2 / (termA ** 2 / (a.length - 1) + termB ** 2 / (b.length - 1));
  const half = studentTQuantile(0.975, degrees) * Math.sqrt(termA + termB);
  return { low: difference - half, high: difference + half };
}
