// Common random numbers: with time-keyed link draws the paired-difference confidence interval of a two-variant comparison is much narrower than the unpaired one; with per-datagram draws it is not.
// The numbers in docs/sweeps.md come from `npx tsx test/support/common-random-numbers.ts 30`; this test
// runs the same comparison at 10 seeds.
import { describe, expect, it } from 'vitest';
import { PER_DATAGRAM_DRAWS, TIME_KEYED_DRAWS } from '../../src/sim/weather.js';
import {
  measureCrn,
  pairedIntervalWidth,
  pingIntervalComparison,
  studentT975,
  welchIntervalWidth,
} from '../support/common-random-numbers.js';

const SEED_COUNT = 10;

/** The factor the time-keyed comparison must beat: at 30 seeds it measured 32×, per-datagram 1.3×. */
const FACTOR_MIN = 3;

describe('common random numbers', () => {
  it('the interval helpers: t quantiles (2.5706 at 5 df, 2.2281 at 10, 2.0452 at 29) and widths computed by hand', () => {
    expect(studentT975(5)).toBeCloseTo(2.5706, 2);
    expect(studentT975(10)).toBeCloseTo(2.2281, 3);
    expect(studentT975(29)).toBeCloseTo(2.0452, 3);
    // a = 1, 2, 3, 4; b = a + (1, 1, 2, 2): differences mean 1.5, sd √(1/3), width 2·t(3)·√(1/12).
    const a = [1, 2, 3, 4];
    const b = [2, 3, 5, 6];
    expect(pairedIntervalWidth(a, b)).toBeCloseTo(2 * studentT975(3) * Math.sqrt(1 / 12), 10);
    // Welch: variances 5/3 and 10/3, n = 4: SE² = 5/12 + 10/12 = 1.25; df = 1.25² / ((5/12)²/3 + (10/12)²/3) = 5.4.
    expect(welchIntervalWidth(a, b)).toBeCloseTo(2 * studentT975(5.4) * Math.sqrt(1.25), 10);
  });

  it(`ping_interval 100 ms vs 500 ms under bursty loss, ${SEED_COUNT} seeds: time-keyed pairing makes the interval over ${FACTOR_MIN}× narrower, per-datagram does not`, () => {
    const comparison = pingIntervalComparison();
    const keyed = measureCrn(comparison, TIME_KEYED_DRAWS, SEED_COUNT);
    const perDatagram = measureCrn(comparison, PER_DATAGRAM_DRAWS, SEED_COUNT);
    expect(keyed.pairedWidth).toBeGreaterThan(0);
    expect(keyed.factor).toBeGreaterThan(FACTOR_MIN);
    expect(perDatagram.factor).toBeLessThan(FACTOR_MIN);
  }, 60_000);
});
