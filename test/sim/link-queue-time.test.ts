// The bandwidth queue limited in time (`queueMs`): admission against hand-computed waits at a fixed
// rate, what a rate change does, how it combines with the other limits, and its validation.
// At 1 Mbit/s a 1000 B payload is 1028 wire bytes (28 B overhead): 8 224 µs of serialization.
import { describe, expect, it } from 'vitest';
import { Link, type LinkDelivery, type LinkOutcome } from '../../src/sim/link.js';
import { resolveLinkConfig, type LinkConfig, type LinkConfigError, type ResolvedLinkConfig } from '../../src/sim/link-config.js';
import { RandomStream } from '../../src/sim/random.js';

const RATE_BITS_PER_SECOND = 1_000_000;
const PAYLOAD_BYTES = 1000;

function resolved(config: LinkConfig): ResolvedLinkConfig {
  const result = resolveLinkConfig(config);
  if (!result.ok) throw new Error(`test config invalid: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function errorsOf(config: unknown): LinkConfigError[] {
  const result = resolveLinkConfig(config as LinkConfig);
  return result.ok ? [] : result.errors;
}

function newLink(config: LinkConfig): Link {
  return new Link(resolved(config), RandomStream.root(1).fork('link/a->b'));
}

/** Sends `count` datagrams of PAYLOAD_BYTES at `atMs`; each fate as the queueing delay in ms, or 'drop'. */
function burst(link: Link, atMs: number, count: number): (number | 'drop')[] {
  return Array.from({ length: count }, () => fateOf(link.transmit(atMs, new Uint8Array(PAYLOAD_BYTES))));
}

function fateOf(outcomes: LinkOutcome[]): number | 'drop' {
  const first = outcomes[0]!;
  return first.kind === 'drop' ? 'drop' : first.queueDelayMs;
}

describe('link queue limited in time', () => {
  it('queue time: at a fixed rate a datagram is admitted while its wait before serialization is at most the limit', () => {
    // Waits at t = 0: 0, 8.224, 16.448, 24.672 ms. A 20 ms limit admits the first three.
    const link = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 20 } });
    expect(burst(link, 0, 5)).toEqual([8.224, 16.448, 24.672, 'drop', 'drop']);
    expect(link.stats.droppedCount.queueFull).toBe(2);
    // At 5 ms the link is busy until 24.672 ms: a wait of 19.672 ms fits, and then 27.896 does not.
    expect(burst(link, 5, 2)).toEqual([27.896, 'drop']);
  });

  it('queue time: a wait exactly equal to the limit is admitted, one µs more is dropped', () => {
    const exact = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 16.448 } });
    expect(burst(exact, 0, 4)).toEqual([8.224, 16.448, 24.672, 'drop']);
    const shorter = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 16.447 } });
    expect(burst(shorter, 0, 4)).toEqual([8.224, 16.448, 'drop', 'drop']);
  });

  it('queue time: an idle link admits any datagram, even one whose serialization alone is longer than the limit', () => {
    const link = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 1 } });
    expect(burst(link, 0, 2)).toEqual([8.224, 'drop']);
  });

  it('queue time: after a rate change the limit holds what the new rate serializes; queued datagrams keep their times', () => {
    const link = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 20 } });
    expect(burst(link, 0, 3)).toEqual([8.224, 16.448, 24.672]);
    link.configure(resolved({ bandwidth: { rateBitsPerSecond: 10 * RATE_BITS_PER_SECOND, queueMs: 20 } }), 0);
    // The three keep their departures: the link is still busy until 24.672 ms, a wait of 24.672 > 20.
    expect(burst(link, 0, 1)).toEqual(['drop']);
    // At 5 ms: a wait of 19.672 ms, then 0.8224 ms of serialization at 10 Mbit/s.
    expect(burst(link, 5, 2)).toEqual([20.495, 'drop']); // 20.4944 rounded up to whole µs
    expect(link.queueDatagramCount(24)).toBe(2); // the third old one leaves at 24.672, the new one at 25.4944
    expect(link.queueDatagramCount(25)).toBe(1);
    // Once idle, 20 ms holds 25 datagrams at 10 Mbit/s (waits 0, 0.8224, …, 24 × 0.8224 = 19.7376).
    const fates = burst(link, 100, 40);
    expect(fates.filter((fate) => fate !== 'drop')).toHaveLength(25);
    expect(fates.slice(25).every((fate) => fate === 'drop')).toBe(true);
    // Back at 1 Mbit/s the same 20 ms holds 3 again.
    link.configure(resolved({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 20 } }), 200);
    expect(burst(link, 300, 5).filter((fate) => fate !== 'drop')).toHaveLength(3);
  });

  it('queue time: a slower rate keeps the queued datagrams at their times and admits fewer new ones', () => {
    const link = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 20 } });
    burst(link, 0, 2); // busy until 16.448 ms
    link.configure(resolved({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND / 10, queueMs: 20 } }), 0);
    // A wait of 16.448 ms fits; the datagram takes 82.24 ms at 100 kbit/s; the next would wait 98.688 ms.
    const third = link.transmit(0, new Uint8Array(PAYLOAD_BYTES))[0] as LinkDelivery;
    expect(third.queueDelayMs).toBe(98.688);
    expect(burst(link, 0, 1)).toEqual(['drop']);
    // The two queued before the change still leave at 8.224 and 16.448 ms.
    expect(link.queueDatagramCount(16)).toBe(2);
    expect(link.queueDatagramCount(17)).toBe(1);
    // At 80 ms the wait is 18.688 ms: admitted, and the one behind it would wait 100.928 ms.
    expect(burst(link, 80, 2)).toEqual([18.688 + 82.24, 'drop']);
  });

  it('queue time: every limit given applies (bytes, datagrams and time)', () => {
    const byBytes = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 1000, queueBytes: 2 * 1028 } });
    expect(burst(byBytes, 0, 3)).toEqual([8.224, 16.448, 'drop']);
    const byCount = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 1000, queueDatagrams: 1 } });
    expect(burst(byCount, 0, 2)).toEqual([8.224, 'drop']);
    const byTime = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs: 10, queueBytes: 100_000 } });
    expect(burst(byTime, 0, 3)).toEqual([8.224, 16.448, 'drop']);
  });

  it('queue time: without a time limit nothing changes (the resolved limit is null)', () => {
    expect(resolved({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND } }).bandwidth!.queueMs).toBeNull();
    const link = newLink({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND } });
    expect(burst(link, 0, 5)).toEqual([8.224, 16.448, 24.672, 32.896, 41.12]);
  });

  it('queue time: 0, negative, finer than a µs or without a rate are configuration errors', () => {
    const withRate = (queueMs: unknown) => errorsOf({ bandwidth: { rateBitsPerSecond: RATE_BITS_PER_SECOND, queueMs } });
    expect(withRate(0)).toEqual([{ path: 'bandwidth.queueMs', message: 'must be > 0 and ≤ 3600000 (got 0)' }]);
    expect(withRate(-5)).toEqual([{ path: 'bandwidth.queueMs', message: 'must be > 0 and ≤ 3600000 (got -5)' }]);
    expect(withRate(0.0005)).toEqual([{ path: 'bandwidth.queueMs', message: 'must be a whole number of µs (got 0.0005 ms)' }]);
    expect(withRate('200ms')[0]!.path).toBe('bandwidth.queueMs');
    expect(withRate(0.001)).toEqual([]);
    expect(errorsOf({ bandwidth: { queueMs: 200 } })).toEqual([
      { path: 'bandwidth.rateBitsPerSecond', message: 'is required: a queue limit or overhead needs a rate to drain at' },
    ]);
  });
});
