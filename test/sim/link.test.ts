// Link model tests over large samples. Every statistical assertion states its tolerance and why: the
// standard error (SE) of the estimate for the sample size, times a safety factor of about 4–5, so a
// correct model fails with probability well below 1e-4 — and the seeds are fixed, so it never flakes.
import { describe, expect, it } from 'vitest';
import { inverseNormalCdf } from '../../src/sim/detmath.js';
import { Link, type LinkDelivery, type LinkOutcome } from '../../src/sim/link.js';
import {
  PERFECT_LINK,
  resolveLinkConfig,
  type LinkConfig,
  type LinkConfigError,
  type ResolvedLinkConfig,
} from '../../src/sim/link-config.js';
import { RandomStream } from '../../src/sim/random.js';

const SAMPLE_COUNT = 200_000;

function resolved(config: LinkConfig): ResolvedLinkConfig {
  const result = resolveLinkConfig(config);
  if (!result.ok) throw new Error(`test config invalid: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function errorsOf(config: unknown): LinkConfigError[] {
  const result = resolveLinkConfig(config as LinkConfig);
  return result.ok ? [] : result.errors;
}

function newLink(config: LinkConfig, seed: number | string = 1): Link {
  return new Link(resolved(config), RandomStream.root(seed).fork('link/a->b'));
}

interface Sent {
  sentAtMs: number;
  bytes: Uint8Array;
  outcomes: LinkOutcome[];
}

/**
 * Transmits `count` datagrams of `sizeBytes`, one every `intervalMs`, and records each fate. With
 * `distinctBytes` each datagram gets its own contents; otherwise they share one array (the link never
 * writes to the sender's bytes, which a test below checks), which keeps 200 000-datagram runs fast.
 */
function run(link: Link, count: number, intervalMs = 1, sizeBytes = 16, distinctBytes = false): Sent[] {
  const sent: Sent[] = [];
  const shared = new Uint8Array(sizeBytes).fill(0xa5);
  for (let index = 0; index < count; index += 1) {
    const bytes = distinctBytes ? new Uint8Array(sizeBytes) : shared;
    if (distinctBytes) for (let byteIndex = 0; byteIndex < sizeBytes; byteIndex += 1) bytes[byteIndex] = (index * 31 + byteIndex * 7) & 0xff;
    const sentAtMs = index * intervalMs;
    sent.push({ sentAtMs, bytes, outcomes: link.transmit(sentAtMs, bytes) });
  }
  return sent;
}

function original(entry: Sent): LinkDelivery | null {
  const first = entry.outcomes[0];
  return first !== undefined && first.kind === 'deliver' ? first : null;
}

function isLost(entry: Sent): boolean {
  return entry.outcomes[0]?.kind === 'drop';
}

/** One-way delays (ms) of the original deliveries. */
function delaysMs(sent: readonly Sent[]): number[] {
  return sent.flatMap((entry) => {
    const delivery = original(entry);
    return delivery === null ? [] : [delivery.atMs - entry.sentAtMs];
  });
}

/** Nearest-rank quantile of an ascending array. */
function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function lagOneCorrelation(values: readonly number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  let numerator = 0;
  let denominator = 0;
  for (let index = 0; index < values.length; index += 1) {
    const centered = values[index]! - mean;
    denominator += centered * centered;
    if (index > 0) numerator += centered * (values[index - 1]! - mean);
  }
  return numerator / denominator;
}

/** Lengths of the runs of consecutive losses. */
function burstLengths(lost: readonly boolean[]): number[] {
  const lengths: number[] = [];
  let current = 0;
  for (const isLostNow of lost) {
    if (isLostNow) {
      current += 1;
    } else if (current > 0) {
      lengths.push(current);
      current = 0;
    }
  }
  if (current > 0) lengths.push(current);
  return lengths;
}

function minimum(values: readonly number[]): number {
  return values.reduce((lowest, value) => Math.min(lowest, value), Infinity);
}

function maximum(values: readonly number[]): number {
  return values.reduce((highest, value) => Math.max(highest, value), -Infinity);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

// Theory of the jitter distributions (extra delay in ms for scale J): quantile and density.
interface Theory {
  quantileMs(p: number): number;
  densityPerMs(extraMs: number): number;
}

const NORMAL_DENSITY_SCALE = 1 / Math.sqrt(2 * Math.PI);

function theory(distribution: 'uniform' | 'normal' | 'pareto' | 'exponential', scaleMs: number): Theory {
  switch (distribution) {
    case 'uniform':
      return { quantileMs: (p) => scaleMs * (2 * p - 1), densityPerMs: () => 1 / (2 * scaleMs) };
    case 'normal':
      return {
        quantileMs: (p) => scaleMs * inverseNormalCdf(p),
        densityPerMs: (x) => (NORMAL_DENSITY_SCALE * Math.exp(-((x / scaleMs) ** 2) / 2)) / scaleMs,
      };
    case 'exponential':
      return { quantileMs: (p) => -scaleMs * Math.log(1 - p), densityPerMs: (x) => Math.exp(-x / scaleMs) / scaleMs };
    case 'pareto': {
      const lomaxScaleMs = 2 * scaleMs; // shape 3, mean = scale / (shape − 1)
      return {
        quantileMs: (p) => lomaxScaleMs * ((1 - p) ** (-1 / 3) - 1),
        densityPerMs: (x) => (3 / lomaxScaleMs) * (1 + x / lomaxScaleMs) ** -4,
      };
    }
  }
}

/**
 * Asserts that the p-quantile of the measured delays matches latency + the theoretical extra delay.
 * Tolerance: delivery is rounded UP to whole ms, so the measured quantile lies in [q, q + 1]; around
 * that, 5 standard errors of a sample quantile, sqrt(p(1 − p)/n) / density(q), times `inflation` for
 * correlated samples.
 */
function expectQuantile(sortedDelays: readonly number[], p: number, latencyMs: number, model: Theory, inflation = 1): void {
  const expectedMs = latencyMs + model.quantileMs(p);
  const standardErrorMs = Math.sqrt((p * (1 - p)) / sortedDelays.length) / model.densityPerMs(model.quantileMs(p));
  const slackMs = 5 * standardErrorMs * inflation;
  const measuredMs = quantile(sortedDelays, p);
  expect(measuredMs, `p${p * 100}`).toBeGreaterThanOrEqual(expectedMs - slackMs);
  expect(measuredMs, `p${p * 100}`).toBeLessThanOrEqual(expectedMs + 1 + slackMs);
}

describe('link config', () => {
  it('link config: {} resolves to a perfect link with every default explicit', () => {
    expect(resolveLinkConfig({})).toEqual({ ok: true, value: PERFECT_LINK });
    expect(resolveLinkConfig(undefined)).toEqual({ ok: true, value: PERFECT_LINK });
    expect(PERFECT_LINK).toEqual({
      latencyMs: 0,
      jitter: { ms: 0, distribution: 'uniform', correlationPercent: 0, reorder: false, percent: 100, maxMs: null },
      loss: { model: 'bernoulli', percent: 0 },
      duplicate: { percent: 0, delayMs: 0 },
      corrupt: { percent: 0 },
      reorder: { percent: 0, gap: 1 },
      mtuBytes: null,
      bandwidth: null,
    });
  });

  it('link config: section defaults are filled (GE 0/100 %, netem4 as tc, overhead 28 B, queue 1000 datagrams)', () => {
    const value = resolved({
      jitter: { ms: 5 },
      loss: { model: 'netem4', p13Percent: 2 },
      bandwidth: { rateBitsPerSecond: 1e6 },
      reorder: { percent: 5 },
    });
    expect(value.jitter).toEqual({ ms: 5, distribution: 'uniform', correlationPercent: 0, reorder: false, percent: 100, maxMs: null });
    expect(value.loss).toEqual({ model: 'netem4', p13Percent: 2, p31Percent: 98, p32Percent: 0, p23Percent: 100, p14Percent: 0 });
    expect(value.bandwidth).toEqual({ rateBitsPerSecond: 1e6, overheadBytes: 28, queueBytes: null, queueDatagrams: 1000, queueMs: null });
    expect(value.reorder).toEqual({ percent: 5, gap: 1 });
    expect(resolved({ loss: { model: 'gilbert-elliott', goodToBadPercent: 1, badToGoodPercent: 25 } }).loss).toEqual({
      model: 'gilbert-elliott',
      goodToBadPercent: 1,
      badToGoodPercent: 25,
      lossInGoodPercent: 0,
      lossInBadPercent: 100,
    });
  });

  it('link config: bad values are reported with their path, all at once', () => {
    const errors = errorsOf({
      latencyMs: -1,
      loss: { model: 'bernoulli', percent: 101 },
      duplicate: { percent: 10, delayMs: Number.NaN },
      mtuBytes: 1200.5,
    });
    expect(errors.map((error) => error.path)).toEqual(['latencyMs', 'loss.percent', 'duplicate.delayMs', 'mtuBytes']);
    expect(errors[0]!.message).toBe('must be ≥ 0 and ≤ 3600000 (got -1)');
  });

  it('link config: Gilbert-Elliott probabilities outside 0..100 % and missing ones are errors', () => {
    const errors = errorsOf({ loss: { model: 'gilbert-elliott', goodToBadPercent: -0.1, lossInBadPercent: 150 } });
    expect(errors.map((error) => error.path)).toEqual([
      'loss.goodToBadPercent',
      'loss.badToGoodPercent',
      'loss.lossInBadPercent',
    ]);
    expect(errors[1]!.message).toBe('is required');
  });

  it('link config: a queue limit without a rate is an error', () => {
    const errors = errorsOf({ bandwidth: { queueBytes: 64_000 } });
    expect(errors).toEqual([
      { path: 'bandwidth.rateBitsPerSecond', message: 'is required: a queue limit or overhead needs a rate to drain at' },
    ]);
    expect(errorsOf({ bandwidth: { rateBitsPerSecond: 0 } })[0]!.path).toBe('bandwidth.rateBitsPerSecond');
  });

  it('link config: a rate under 1 bit/s is an error (a datagram would take Infinity µs to serialize)', () => {
    expect(errorsOf({ bandwidth: { rateBitsPerSecond: 1e-300 } })).toEqual([{ path: 'bandwidth.rateBitsPerSecond', message: 'must be ≥ 1 and ≤ 1000000000000 (got 1e-300)' }]);
    expect(errorsOf({ bandwidth: { rateBitsPerSecond: 1 } })).toEqual([]);
  });

  it('link config: netem4 sums, every-Nth offset, reorder gap and unknown keys are checked', () => {
    expect(errorsOf({ loss: { model: 'netem4', p13Percent: 60, p14Percent: 50 } })[0]!.path).toBe('loss.p14Percent');
    expect(errorsOf({ loss: { model: 'netem4', p13Percent: 1, p31Percent: 60, p32Percent: 50 } })[0]!.path).toBe('loss.p32Percent');
    expect(errorsOf({ loss: { model: 'every', n: 5, offset: 5 } })[0]!.path).toBe('loss.offset');
    expect(errorsOf({ loss: { model: 'every', n: 0 } })[0]!.path).toBe('loss.n');
    expect(errorsOf({ reorder: { percent: 5, gap: 0 } })[0]!.path).toBe('reorder.gap');
    expect(errorsOf({ loss: { model: 'burst', percent: 5 } })[0]).toEqual({
      path: 'loss.model',
      message: 'must be one of bernoulli, gilbert-elliott, netem4, every (got "burst")',
    });
    expect(errorsOf({ latncyMs: 20 })[0]).toEqual({ path: 'latncyMs', message: "unknown key 'latncyMs' (did you mean 'latencyMs'?)" });
    expect(errorsOf({ jitter: { ms: 5, distribution: 'gaussian' } })[0]!.path).toBe('jitter.distribution');
    expect(errorsOf({ jitter: { distribution: 'normal' } })[0]).toEqual({ path: 'jitter.ms', message: 'is required' });
    expect(errorsOf('fast')[0]!.path).toBe('(root)');
  });
});

describe('link loss', () => {
  it('link loss: Bernoulli 2 % loses 2 % ± 0.15 % of 200 000 datagrams', () => {
    const sent = run(newLink({ loss: { model: 'bernoulli', percent: 2 } }), SAMPLE_COUNT);
    const lossRate = sent.filter(isLost).length / SAMPLE_COUNT;
    // SE = sqrt(0.02·0.98/200 000) = 0.00031; 0.0015 is ≈ 5 SE.
    expect(Math.abs(lossRate - 0.02)).toBeLessThan(0.0015);
  });

  it('link loss: Gilbert-Elliott bursts average 100/badToGood = 4 datagrams and loss is p/(p + r)', () => {
    const sent = run(newLink({ loss: { model: 'gilbert-elliott', goodToBadPercent: 1, badToGoodPercent: 25 } }), SAMPLE_COUNT);
    const lost = sent.map(isLost);
    const bursts = burstLengths(lost);
    // ~1 900 bursts, geometric with mean 4: SE = sqrt(1 − r)/r/sqrt(1 900) = 0.08; 0.35 is ≈ 4.4 SE.
    expect(Math.abs(mean(bursts) - 4)).toBeLessThan(0.35);
    // Geometric: a quarter of the bursts have length 1. SE = sqrt(0.25·0.75/1 900) = 0.01; tolerance 5 SE.
    expect(Math.abs(bursts.filter((length) => length === 1).length / bursts.length - 0.25)).toBeLessThan(0.05);
    // Stationary loss 1/26 = 0.0385. Markov correlation inflates the SE by sqrt((1 + λ)/(1 − λ)) with
    // λ = 1 − p − r = 0.74: SE = 0.0011; 0.005 is ≈ 4.5 SE.
    expect(Math.abs(lost.filter(Boolean).length / SAMPLE_COUNT - 1 / 26)).toBeLessThan(0.005);
  });

  it('link loss: Gilbert-Elliott with partial loss in both states loses π_good·k + π_bad·h', () => {
    const config: LinkConfig = {
      loss: { model: 'gilbert-elliott', goodToBadPercent: 1, badToGoodPercent: 25, lossInGoodPercent: 1, lossInBadPercent: 60 },
    };
    const lossRate = run(newLink(config), SAMPLE_COUNT).filter(isLost).length / SAMPLE_COUNT;
    const badShare = 1 / 26;
    const expected = (1 - badShare) * 0.01 + badShare * 0.6; // 0.0327
    // SE ≤ the full-loss case (0.0011); 0.005 is ≥ 4.5 SE.
    expect(Math.abs(lossRate - expected)).toBeLessThan(0.005);
  });

  it('link loss: netem4 loss matches the stationary share of states 3 and 4', () => {
    const [p13, p31, p32, p23, p14] = [0.01, 0.2, 0.05, 0.4, 0.005];
    const config: LinkConfig = {
      loss: { model: 'netem4', p13Percent: 1, p31Percent: 20, p32Percent: 5, p23Percent: 40, p14Percent: 0.5 },
    };
    // Balance equations with π1 = 1: π4 = p14·π1 (state 4 always returns to 1), π3·p31 = p13·π1 (flow
    // between the gap and the burst), π2·p23 = π3·p32 (flow inside the burst).
    const pi4 = p14;
    const pi3 = p13 / p31;
    const pi2 = (pi3 * p32) / p23;
    const expected = (pi3 + pi4) / (1 + pi2 + pi3 + pi4); // 0.0518
    const lossRate = run(newLink(config), SAMPLE_COUNT).filter(isLost).length / SAMPLE_COUNT;
    // Bursts of mean length ~4 give SE ≈ 0.0013; 0.006 is ≈ 4.5 SE.
    expect(Math.abs(lossRate - expected)).toBeLessThan(0.006);
  });

  it('link loss: every 5th with offset 2 loses exactly datagrams number 2, 7, 12, … (counted from 1)', () => {
    const sent = run(newLink({ loss: { model: 'every', n: 5, offset: 2 } }), 10_000);
    const lostIndexes = sent.flatMap((entry, index) => (isLost(entry) ? [index] : []));
    expect(lostIndexes).toEqual(Array.from({ length: 2_000 }, (_, k) => 5 * k + 1));
    const everyThird = run(newLink({ loss: { model: 'every', n: 3 } }), 9).map(isLost);
    expect(everyThird).toEqual([false, false, true, false, false, true, false, false, true]);
  });
});

describe('link delay', () => {
  const latencyMs = 100;
  const jitterMs = 20;
  const distributions = ['uniform', 'normal', 'pareto', 'exponential'] as const;

  for (const distribution of distributions) {
    it(`link delay: ${distribution} jitter of ${jitterMs} ms gives the theoretical p50/p90/p99 over 200 000 datagrams`, () => {
      const link = newLink({ latencyMs, jitter: { ms: jitterMs, distribution, reorder: true } }, distribution);
      const sorted = delaysMs(run(link, SAMPLE_COUNT)).sort((a, b) => a - b);
      for (const p of [0.5, 0.9, 0.99]) expectQuantile(sorted, p, latencyMs, theory(distribution, jitterMs));
      if (distribution === 'pareto' || distribution === 'exponential') {
        // One-sided distributions: never faster than the latency, mean extra delay = ms. The mean of
        // ceil(x) is mean(x) + ~0.5; SE of the mean is ≤ 0.08 ms (pareto, α = 3); tolerance 0.5 ms.
        expect(sorted[0]).toBeGreaterThanOrEqual(latencyMs);
        expect(Math.abs(mean(sorted) - 0.5 - latencyMs - jitterMs)).toBeLessThan(0.5);
      }
    });
  }

  it('link delay: uncorrelated jitter has lag-1 autocorrelation ≈ 0 (|r| < 0.011)', () => {
    const link = newLink({ latencyMs, jitter: { ms: jitterMs, distribution: 'normal', reorder: true } });
    // SE of r is 1/sqrt(n) = 0.0022; 0.011 is 5 SE.
    expect(Math.abs(lagOneCorrelation(delaysMs(run(link, SAMPLE_COUNT))))).toBeLessThan(0.011);
  });

  it('link delay: 75 % correlation gives lag-1 autocorrelation 0.75 (normal) and 0.734 (uniform) ± 0.01, same percentiles', () => {
    for (const [distribution, expected] of [['normal', 0.75], ['uniform', (6 / Math.PI) * Math.asin(0.375)]] as const) {
      const config: LinkConfig = { latencyMs, jitter: { ms: jitterMs, distribution, correlationPercent: 75, reorder: true } };
      const delays = delaysMs(run(newLink(config, `corr-${distribution}`), SAMPLE_COUNT));
      // SE of r for an AR(1) series ≈ (1 − ρ²)/sqrt(n) = 0.001; 1 ms rounding lowers r by < 0.001;
      // 0.01 covers both with a wide margin.
      expect(Math.abs(lagOneCorrelation(delays) - expected), distribution).toBeLessThan(0.01);
      // The marginal distribution is unchanged; correlation shrinks the effective sample size by
      // (1 − c)/(1 + c) = 1/7, so quantile tolerances grow by sqrt(7).
      const sorted = delays.sort((a, b) => a - b);
      for (const p of [0.5, 0.9, 0.99]) expectQuantile(sorted, p, latencyMs, theory(distribution, jitterMs), Math.sqrt(7));
    }
  });

  it('link delay: order-keeping jitter (the default) never reorders: each delivery is the running max of the free delays', () => {
    const jitter = { ms: jitterMs, distribution: 'exponential' } as const;
    const keeping = run(newLink({ latencyMs, jitter }, 'order'), SAMPLE_COUNT);
    // The same seed draws the same numbers whatever the config, so the reordering link sees the same
    // sampled delays; order-keeping must turn them into their running maximum, exactly.
    const free = run(newLink({ latencyMs, jitter: { ...jitter, reorder: true } }, 'order'), SAMPLE_COUNT);
    let runningMaxMs = 0;
    let mismatchCount = 0;
    let heldBackCount = 0;
    for (let index = 0; index < SAMPLE_COUNT; index += 1) {
      const freeAtMs = original(free[index]!)!.atMs;
      runningMaxMs = Math.max(runningMaxMs, freeAtMs);
      if (original(keeping[index]!)!.atMs !== runningMaxMs) mismatchCount += 1;
      if (runningMaxMs > freeAtMs) heldBackCount += 1;
    }
    expect(mismatchCount).toBe(0);
    // Exponential jitter with a 1 ms send gap: most datagrams wait behind a slower one (clumping).
    expect(heldBackCount / SAMPLE_COUNT).toBeGreaterThan(0.5);
  });

  it('link delay: reordering uniform jitter (±20 ms, sent every 10 ms) inverts 27.19 % ± 0.6 % of adjacent pairs', () => {
    const intervalMs = 10;
    const link = newLink({ latencyMs, jitter: { ms: jitterMs, distribution: 'uniform', reorder: true } }, 'inversions');
    const arrivals = run(link, SAMPLE_COUNT, intervalMs).map((entry) => original(entry)!.atMs);
    let inversionCount = 0;
    for (let index = 1; index < arrivals.length; index += 1) if (arrivals[index]! < arrivals[index - 1]!) inversionCount += 1;
    // Rounded up to whole ms, the extra delay is uniform on the 40 integers −19..20. Datagram i + 1
    // arrives first when K_i − K_(i+1) ≥ 11: (40 − 11)(41 − 11)/2 of the 40² pairs = 0.271875.
    // SE ≤ sqrt(3·p(1 − p)/n) = 0.0017 (adjacent pairs overlap); 0.006 is ≥ 3.5 SE.
    expect(Math.abs(inversionCount / (arrivals.length - 1) - 0.271875)).toBeLessThan(0.006);
  });

  it('link delay: jitter percent 30 leaves 70 % ± 0.5 % of datagrams at exactly the latency; maxMs caps the extra', () => {
    const sent = run(newLink({ latencyMs, jitter: { ms: jitterMs, distribution: 'normal', percent: 30, maxMs: 15, reorder: true } }), SAMPLE_COUNT);
    const delays = delaysMs(sent);
    // A jittered datagram lands on exactly 100 ms only if its extra delay is in (−1, 0]: 2 % of 30 %.
    const exactShare = delays.filter((delay) => delay === latencyMs).length / delays.length;
    // SE = sqrt(0.706·0.294/200 000) = 0.001; tolerance 5 SE around 0.7 + 0.3·P(−1 < X ≤ 0) = 0.706.
    expect(Math.abs(exactShare - 0.706)).toBeLessThan(0.005);
    expect(minimum(delays)).toBe(latencyMs - 15);
    expect(maximum(delays)).toBe(latencyMs + 15);
  });

  it('link delay: negative jitter never delivers before the send time (total delay clamped at 0)', () => {
    const delays = delaysMs(run(newLink({ latencyMs: 5, jitter: { ms: 50, distribution: 'uniform', reorder: true } }), 20_000));
    expect(minimum(delays)).toBe(0);
    // P(latency + X ≤ 0) = P(X ≤ −5) = 45/100; SE 0.0035; tolerance 5 SE.
    expect(Math.abs(delays.filter((delay) => delay === 0).length / delays.length - 0.45)).toBeLessThan(0.018);
  });
});

describe('link reorder, duplicate, corrupt, mtu', () => {
  it('link reorder: netem reorder 25 % sends 25 % ± 0.5 % immediately; gap 5 gives P/(1 + 4P) = 12.5 %', () => {
    for (const [gap, expected] of [[1, 0.25], [5, 0.125]] as const) {
      const link = newLink({ latencyMs: 50, reorder: { percent: 25, gap } }, `reorder-${gap}`);
      const sent = run(link, SAMPLE_COUNT, 10);
      const immediate = sent.map((entry) => original(entry)!.atMs === entry.sentAtMs);
      const immediateIndexes = immediate.flatMap((isImmediate, index) => (isImmediate ? [index] : []));
      // SE = sqrt(p(1 − p)/n) ≤ 0.001; 0.005 is ≥ 5 SE.
      expect(Math.abs(immediateIndexes.length / SAMPLE_COUNT - expected), `gap ${gap}`).toBeLessThan(0.005);
      expect(link.stats.reorderedCount).toBe(immediateIndexes.length);
      // After a reordered datagram, the next gap − 1 are always delayed normally.
      const closestGap = Math.min(...immediateIndexes.slice(1).map((index, k) => index - immediateIndexes[k]!));
      expect(closestGap, `gap ${gap}`).toBe(gap);
      // The others arrive after exactly the latency, so the immediate ones overtake up to 5 earlier ones.
      expect(sent.every((entry, index) => immediate[index] || original(entry)!.atMs === entry.sentAtMs + 50)).toBe(true);
    }
  });

  it('link duplicate: 10 % ± 0.3 % of datagrams arrive twice, the copy exactly 7 ms after, uncorrupted', () => {
    const link = newLink({ latencyMs: 30, duplicate: { percent: 10, delayMs: 7 }, corrupt: { percent: 50 } });
    const sent = run(link, SAMPLE_COUNT, 1, 16, true);
    const withCopy = sent.filter((entry) => entry.outcomes.length === 2);
    // SE = sqrt(0.1·0.9/200 000) = 0.00067; 0.003 is 4.5 SE.
    expect(Math.abs(withCopy.length / SAMPLE_COUNT - 0.1)).toBeLessThan(0.003);
    const wrongCopies = withCopy.filter((entry) => {
      const [first, copy] = entry.outcomes as [LinkDelivery, LinkDelivery];
      const sameBytes = copy.bytes.length === entry.bytes.length && copy.bytes.every((byte, index) => byte === entry.bytes[index]);
      return first.duplicate || !copy.duplicate || copy.atMs - first.atMs !== 7 || copy.corrupted || !sameBytes || copy.bytes === entry.bytes;
    });
    expect(wrongCopies).toEqual([]);
    expect(link.stats.duplicatedCount).toBe(withCopy.length);
    expect(link.stats.deliveredCount).toBe(SAMPLE_COUNT + withCopy.length);
  });

  it('link duplicate: a lost datagram has no copy', () => {
    const sent = run(newLink({ duplicate: { percent: 100 }, loss: { model: 'every', n: 2 } }), 1000);
    expect(sent.map((entry) => entry.outcomes.length)).toEqual(Array.from({ length: 1000 }, (_, index) => (index % 2 === 0 ? 2 : 1)));
  });

  it('link corrupt: 5 % ± 0.25 % of datagrams get exactly one flipped bit, spread over all 32 bit positions', () => {
    const link = newLink({ corrupt: { percent: 5 } });
    const sent = run(link, SAMPLE_COUNT, 1, 4, true);
    const bitHits = new Array<number>(32).fill(0);
    let corruptedCount = 0;
    let wrongCount = 0;
    for (const entry of sent) {
      const delivery = original(entry)!;
      let flippedBits = 0;
      for (let byteIndex = 0; byteIndex < 4; byteIndex += 1) {
        const difference = delivery.bytes[byteIndex]! ^ entry.bytes[byteIndex]!;
        for (let bit = 0; bit < 8; bit += 1) {
          if ((difference >> bit) & 1) {
            flippedBits += 1;
            bitHits[byteIndex * 8 + bit]! += 1;
          }
        }
      }
      if (flippedBits !== (delivery.corrupted ? 1 : 0)) wrongCount += 1;
      if (delivery.corrupted) corruptedCount += 1;
    }
    expect(wrongCount).toBe(0);
    expect(link.stats.corruptedCount).toBe(corruptedCount);
    // SE = sqrt(0.05·0.95/200 000) = 0.00049; 0.0025 is 5 SE.
    expect(Math.abs(corruptedCount / SAMPLE_COUNT - 0.05)).toBeLessThan(0.0025);
    // ~312 hits per bit position, SE 17.7: every position within ±100 (5.6 SE) of the mean.
    const perBit = corruptedCount / 32;
    expect(Math.max(...bitHits.map((hits) => Math.abs(hits - perBit)))).toBeLessThan(100);
  });

  it('link corrupt: the sender\'s bytes are never modified and empty datagrams are never corrupted', () => {
    const link = newLink({ corrupt: { percent: 100 } });
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const delivery = link.transmit(0, bytes)[0] as LinkDelivery;
    expect(bytes).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(delivery.corrupted).toBe(true);
    expect(link.transmit(0, new Uint8Array(0))[0]).toMatchObject({ kind: 'deliver', corrupted: false });
  });

  it('link mtu: a datagram of mtuBytes passes, one byte more is dropped for mtu', () => {
    const link = newLink({ mtuBytes: 1200 });
    expect(link.transmit(0, new Uint8Array(1200))[0]!.kind).toBe('deliver');
    expect(link.transmit(0, new Uint8Array(1201))).toEqual([{ kind: 'drop', reason: 'mtu' }]);
    expect(link.stats.droppedCount).toEqual({ loss: 0, mtu: 1, queueFull: 0 });
    expect(link.stats.sentCount).toBe(2);
  });

  it('link draws: an mtu drop does not shift the random fate of the datagrams after it', () => {
    // Every datagram draws the same numbers whatever happens to it. Stateful parts do see which
    // datagrams reach them (a Gilbert-Elliott chain, a reorder gap, the order-keeping floor), so this
    // uses stateless ones: reordering jitter (its hidden correlation advances for every datagram),
    // Bernoulli loss, duplication and corruption.
    const config: LinkConfig = {
      latencyMs: 40,
      jitter: { ms: 10, correlationPercent: 50, reorder: true },
      loss: { model: 'bernoulli', percent: 10 },
      duplicate: { percent: 10 },
      corrupt: { percent: 10 },
    };
    const withMtu = newLink({ ...config, mtuBytes: 100 }, 'draws');
    const withoutMtu = newLink(config, 'draws');
    let differentCount = 0;
    for (let index = 0; index < 10_000; index += 1) {
      const sizeBytes = index % 3 === 0 ? 200 : 50;
      const a = withMtu.transmit(index, new Uint8Array(sizeBytes));
      const b = withoutMtu.transmit(index, new Uint8Array(sizeBytes));
      if (sizeBytes === 50 && JSON.stringify(a) !== JSON.stringify(b)) differentCount += 1;
    }
    expect(withMtu.stats.droppedCount.mtu).toBe(3_334);
    expect(differentCount).toBe(0);
  });
});

describe('link bandwidth', () => {
  const rateBitsPerSecond = 1_000_000;
  const payloadBytes = 1000;
  const wireBytes = payloadBytes + 28;
  const serializationMs = (wireBytes * 8 * 1000) / rateBitsPerSecond; // 8.224 ms

  it('link bandwidth: sending 2 Mbit/s into 1 Mbit/s builds queueing delay ≈ queued bytes·8/rate, then tail-drops', () => {
    const queueBytes = 50_000;
    const link = newLink({ bandwidth: { rateBitsPerSecond, queueBytes } });
    const deliveries: { sentAtMs: number; delivery: LinkDelivery }[] = [];
    let firstDropAtMs: number | null = null;
    let ruleViolationCount = 0;
    for (let sentAtMs = 0; sentAtMs < 1000; sentAtMs += 4) {
      // 1000 payload bytes every 4 ms = 2 Mbit/s.
      const queuedBeforeBytes = link.queueBytes(sentAtMs);
      const [outcome] = link.transmit(sentAtMs, new Uint8Array(payloadBytes));
      const fits = queuedBeforeBytes + wireBytes <= queueBytes;
      if (fits !== (outcome!.kind === 'deliver')) ruleViolationCount += 1; // tail drop exactly when over the limit
      if (outcome!.kind === 'drop') {
        expect(outcome!.reason).toBe('queueFull');
        firstDropAtMs ??= sentAtMs;
        continue;
      }
      // The wait is the work queued ahead: between all of it and all but the datagram in service.
      const queuedAfterBytes = link.queueBytes(sentAtMs);
      const upperMs = (queuedAfterBytes * 8 * 1000) / rateBitsPerSecond + 0.001;
      const lowerMs = upperMs - serializationMs - 0.001;
      if (outcome!.queueDelayMs > upperMs || outcome!.queueDelayMs < lowerMs) ruleViolationCount += 1;
      deliveries.push({ sentAtMs, delivery: outcome! });
    }
    expect(ruleViolationCount).toBe(0);
    // The queue grows by 1028 B per 4 ms and drains 1028 B per 8.224 ms, a net 132 B/ms, so it holds
    // 50 000 − 1028 B after ≈ 379 ms. Datagram granularity moves that by < 2 sends; tolerance ±20 ms.
    expect(firstDropAtMs).not.toBeNull();
    expect(Math.abs(firstDropAtMs! - 379)).toBeLessThan(20);
    // Once full, the queueing delay is the full queue: 50 000·8/1e6 = 400 ms, minus < 2 datagrams.
    const late = deliveries.filter((entry) => entry.sentAtMs > firstDropAtMs!);
    for (const entry of late) {
      expect(entry.delivery.queueDelayMs).toBeGreaterThan(400 - 2 * serializationMs);
      expect(entry.delivery.queueDelayMs).toBeLessThanOrEqual(400);
    }
    // Before the first drop the queue only grows, and so does the delay (up to nearly the full 400 ms).
    const early = deliveries.filter((entry) => entry.sentAtMs < firstDropAtMs!).map((entry) => entry.delivery.queueDelayMs);
    expect(early.every((delay, index) => index === 0 || delay >= early[index - 1]!)).toBe(true);
    expect(early[early.length - 1]!).toBeGreaterThan(380);
    // The link runs back to back from the first send: delivered wire bits / elapsed time = the rate.
    // Whole-ms rounding of the last arrival is < 1 ms of ~1.4 s: tolerance 0.2 %.
    const lastAtMs = Math.max(...deliveries.map((entry) => entry.delivery.atMs));
    const deliveredRate = (deliveries.length * wireBytes * 8 * 1000) / lastAtMs;
    expect(Math.abs(deliveredRate / rateBitsPerSecond - 1)).toBeLessThan(0.002);
  });

  it('link bandwidth: below capacity there is no queueing, only the 8.224 ms serialization', () => {
    const link = newLink({ latencyMs: 20, bandwidth: { rateBitsPerSecond } });
    const sent = run(link, 1000, 16, payloadBytes);
    expect(sent.every((entry) => original(entry)!.queueDelayMs === 8.224)).toBe(true);
    expect(sent.every((entry) => original(entry)!.atMs === entry.sentAtMs + 29)).toBe(true); // ceil(8.224 + 20)
  });

  it('link bandwidth: queueDatagrams bounds the queue in datagrams (1000 by default)', () => {
    const limited = newLink({ bandwidth: { rateBitsPerSecond, queueDatagrams: 10 } });
    const outcomes = Array.from({ length: 15 }, () => limited.transmit(0, new Uint8Array(100))[0]!.kind);
    expect(outcomes).toEqual([...new Array<string>(10).fill('deliver'), ...new Array<string>(5).fill('drop')]);
    expect(limited.queueDatagramCount(0)).toBe(10);
    const defaulted = newLink({ bandwidth: { rateBitsPerSecond } });
    for (let index = 0; index < 1200; index += 1) defaulted.transmit(0, new Uint8Array(100));
    expect(defaulted.stats.droppedCount.queueFull).toBe(200);
    expect(defaulted.queueBytes(0)).toBe(1000 * 128);
  });

  it('link bandwidth: configure takes effect for later datagrams; the queue keeps its content', () => {
    const link = newLink({ bandwidth: { rateBitsPerSecond } });
    for (let index = 0; index < 10; index += 1) link.transmit(0, new Uint8Array(payloadBytes));
    const queuedBytes = link.queueBytes(0);
    link.configure(resolved({ bandwidth: { rateBitsPerSecond: 10 * rateBitsPerSecond } }));
    expect(link.queueBytes(0)).toBe(queuedBytes);
    // The 11th waits for the 10 queued at the old rate, then takes 0.8224 ms at the new rate.
    const delivery = link.transmit(0, new Uint8Array(payloadBytes))[0] as LinkDelivery;
    expect(delivery.queueDelayMs).toBe(Math.ceil(10 * 8224 + 822.4) / 1000);
    expect(link.queueDatagramCount(83)).toBe(1);
  });
});

describe('link determinism', () => {
  const everything: LinkConfig = {
    latencyMs: 40,
    jitter: { ms: 15, distribution: 'pareto', correlationPercent: 30, reorder: false },
    loss: { model: 'gilbert-elliott', goodToBadPercent: 2, badToGoodPercent: 30, lossInGoodPercent: 0.5 },
    duplicate: { percent: 3, delayMs: 2 },
    corrupt: { percent: 2 },
    reorder: { percent: 5, gap: 3 },
    mtuBytes: 1400,
    bandwidth: { rateBitsPerSecond: 2_000_000, queueBytes: 30_000 },
  };

  /** FNV-1a (32-bit, integer arithmetic) of some bytes or character codes. */
  function fnv1a(length: number, codeAt: (index: number) => number): string {
    let hash = 0x811c9dc5;
    for (let index = 0; index < length; index += 1) hash = Math.imul(hash ^ codeAt(index), 0x01000193) >>> 0;
    return hash.toString(16).padStart(8, '0');
  }

  /** Every outcome as canonical text: drop reason, or arrival, queueing delay, flags and a hash of the bytes. */
  function canonicalText(sent: readonly Sent[]): string {
    return sent
      .map((entry) =>
        entry.outcomes
          .map((outcome) =>
            outcome.kind === 'drop'
              ? `d:${outcome.reason}`
              : `${outcome.atMs},${outcome.queueDelayMs},${outcome.duplicate ? 1 : 0},${outcome.corrupted ? 1 : 0},${fnv1a(outcome.bytes.length, (index) => outcome.bytes[index]!)}`,
          )
          .join('|'),
      )
      .join('\n');
  }

  function fingerprint(sent: readonly Sent[]): string {
    const text = canonicalText(sent);
    return fnv1a(text.length, (index) => text.charCodeAt(index));
  }

  function runEverything(seed: number): Sent[] {
    const link = newLink(everything, seed);
    const sent: Sent[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      const sizeBytes = 20 + ((index * 97) % 1500);
      const bytes = new Uint8Array(sizeBytes).fill(index & 0xff);
      const sentAtMs = Math.floor(index * 1.5);
      sent.push({ sentAtMs, bytes, outcomes: link.transmit(sentAtMs, bytes) });
    }
    return sent;
  }

  let seven: Sent[] | null = null;
  /** The seed-7 run, computed once for both tests. */
  function runSeven(): Sent[] {
    seven ??= runEverything(7);
    return seven;
  }

  it('link determinism: the same seed gives an identical outcome list; another seed does not', () => {
    const first = runSeven();
    expect(canonicalText(runEverything(7)) === canonicalText(first)).toBe(true);
    expect(canonicalText(runEverything(8)) === canonicalText(first)).toBe(false);
    const kinds = new Set(first.flatMap((entry) => entry.outcomes.map((o) => (o.kind === 'drop' ? o.reason : o.duplicate ? 'dup' : 'deliver'))));
    expect([...kinds].sort()).toEqual(['deliver', 'dup', 'loss', 'mtu', 'queueFull']);
  });

  it('link determinism: seed 7 gives the pinned fingerprint on every machine', () => {
    // If this changes, traces recorded with earlier versions no longer reproduce: change it on purpose only.
    expect(fingerprint(runSeven())).toBe('39ab68b4');
  });

  it('link: time must be a non-negative integer and never go backwards', () => {
    const link = newLink({});
    link.transmit(10, new Uint8Array(1));
    expect(() => link.transmit(9, new Uint8Array(1))).toThrow('time went backwards (9 ms after 10 ms)');
    expect(() => link.transmit(10.5, new Uint8Array(1))).toThrow('non-negative integer ms');
    expect(() => link.transmit(-1, new Uint8Array(1))).toThrow('non-negative integer ms');
  });
});
