// The sweep's statistics against values computed independently: published t quantiles, hand sums, brute force.
import { describe, expect, it } from 'vitest';
import { meanInterval, pairedComparison, percentile, studentTCdf, studentTQuantile, summarize, welchInterval } from '../../src/sweep/stats.js';

describe('Student t', () => {
  // Two-sided 95 % critical values as printed in every t table.
  const table: [number, number][] = [
    [1, 12.706],
    [2, 4.303],
    [4, 2.776],
    [9, 2.262],
    [19, 2.093],
    [29, 2.045],
    [60, 2.0],
    [120, 1.98],
  ];
  for (const [degrees, quantile] of table) {
    it(`t(0.975, ${degrees}) = ${quantile} to three decimals`, () => {
      expect(studentTQuantile(0.975, degrees)).toBeCloseTo(quantile, 3);
    });
  }
  it('t(0.95, 10) = 1.812 and t(0.995, 5) = 4.032', () => {
    expect(studentTQuantile(0.95, 10)).toBeCloseTo(1.812, 3);
    expect(studentTQuantile(0.995, 5)).toBeCloseTo(4.032, 3);
  });
  it('with 1 degree of freedom the CDF is the Cauchy one, 1/2 + atan(t)/π', () => {
    for (const t of [-3, -0.5, 0, 0.7, 2, 10]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
  });
  it('with 2 degrees of freedom the CDF is 1/2 + t/(2√(2+t²))', () => {
    for (const t of [-4, -1, 0.3, 1.5, 6]) expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
  });
  it('the quantile is symmetric: t(0.025, 9) = −t(0.975, 9)', () => {
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-studentTQuantile(0.975, 9), 9);
  });
});

describe('summaries', () => {
  it('mean and 95 % CI of 2, 4, 4, 4, 5, 5, 7, 9: mean 5, s = √(32/7), half-width t(0.975,7)·s/√8', () => {
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    const s = Math.sqrt(32 / 7);
    const half = 2.364624 * (s / Math.sqrt(8));
    const interval = meanInterval(values);
    expect(interval.mean).toBe(5);
    expect(interval.low).toBeCloseTo(5 - half, 5);
    expect(interval.high).toBeCloseTo(5 + half, 5);
  });
  it('a run where the thing never happened is counted as missing, never averaged as zero', () => {
    const summary = summarize([10, null, 20, null, 30]);
    expect(summary.n).toBe(3);
    expect(summary.missing).toBe(2);
    expect(summary.mean).toBe(20);
    expect(summary.median).toBe(20);
  });
  it('below 20 values p5/p95 are null and min/max are given; from 20 on, nearest-rank percentiles', () => {
    expect(summarize([3, 1, 2]).p95).toBeNull();
    expect(summarize([3, 1, 2]).min).toBe(1);
    const twenty = Array.from({ length: 20 }, (_, index) => 20 - index);
    const summary = summarize(twenty);
    expect(summary.p5).toBe(1); // ⌈0.05·20⌉ = 1st smallest
    expect(summary.p95).toBe(19); // ⌈0.95·20⌉ = 19th smallest
    expect(summary.median).toBe(10.5);
  });
  it('percentile is the nearest rank, checked by brute force on 1..37', () => {
    const sorted = Array.from({ length: 37 }, (_, index) => index + 1);
    for (let p = 1; p <= 100; p++) {
      const rank = sorted.filter((value) => (value / 37) * 100 >= p - 1e-9)[0]!;
      expect(percentile(sorted, p)).toBe(rank);
    }
  });
  it('nothing measured: every statistic is null, n 0', () => {
    const summary = summarize([null, null]);
    expect(summary).toMatchObject({ n: 0, missing: 2, mean: null, ciLow: null });
  });
});

describe('paired comparison', () => {
  it('differences 1, 2, 3, 4 (variant higher, higher better): mean 2.5, CI 2.5 ± 3.182·√(5/3)/2, better, 4 wins', () => {
    const paired = pairedComparison([11, 22, 33, 44], [10, 20, 30, 40], 'higher');
    const half = 3.182446 * (Math.sqrt(5 / 3) / 2);
    expect(paired.meanDifference).toBe(2.5);
    expect(paired.ciLow).toBeCloseTo(2.5 - half, 5);
    expect(paired.ciHigh).toBeCloseTo(2.5 + half, 5);
    expect(paired).toMatchObject({ pairs: 4, wins: 4, ties: 0, losses: 0, verdict: 'better' });
  });
  it('the same differences where lower is better are worse', () => {
    expect(pairedComparison([11, 22, 33, 44], [10, 20, 30, 40], 'lower')).toMatchObject({ wins: 0, losses: 4, verdict: 'worse' });
  });
  it('mixed signs whose interval spans zero: no significant difference', () => {
    expect(pairedComparison([1, -1, 2, -2, 0], [0, 0, 0, 0, 0], 'higher')).toMatchObject({ wins: 2, ties: 1, losses: 2, verdict: 'no significant difference' });
  });
  it('pairs only seeds where both have a value, and says how many were left out', () => {
    const paired = pairedComparison([5, null, 7, 9], [4, 4, null, 8], 'higher');
    expect(paired).toMatchObject({ pairs: 2, unpaired: 2, meanDifference: 1 });
  });
  it('fewer than two pairs: too few pairs, no interval', () => {
    expect(pairedComparison([5, null], [4, 4], 'higher')).toMatchObject({ pairs: 1, verdict: 'too few pairs', ciLow: null });
  });
});

describe('unpaired (Welch) interval', () => {
  it('two samples of 2 with equal variances: df = 2, t(0.975, 2) = 4.303, half-width 4.303·√2', () => {
    // a = [0, 2], b = [10, 12]: variances 2 and 2, terms 2/2 = 1 each, df = (1 + 1)² / (1/1 + 1/1) = 2.
    const interval = welchInterval([0, 2], [10, 12])!;
    expect(interval.low).toBeCloseTo(-10 - 4.302653 * Math.SQRT2, 4);
    expect(interval.high).toBeCloseTo(-10 + 4.302653 * Math.SQRT2, 4);
  });
  it('constant samples: a zero-width interval at the difference; fewer than 2 values: none', () => {
    expect(welchInterval([3, 3, 3], [1, 1, 1])).toEqual({ low: 2, high: 2 });
    expect(welchInterval([3], [1, 2])).toBeNull();
  });
  it('the paired comparison reports it over the same seeds as the pairs', () => {
    const compared = pairedComparison([0, 2, null], [10, 12, 40], 'lower');
    expect(compared.pairs).toBe(2);
    expect(compared.unpairedCiLow).toBeCloseTo(-10 - 4.302653 * Math.SQRT2, 4);
  });
});
