// Time-keyed link draws: determinism, the pairing property (same send ms → same fate, whatever else was sent), and the loss statistics against the configured models.
// Statistical tolerances are about 4–5 standard errors for the sample size, and the seeds are fixed, so
// a correct model never flakes and a wrong one (e.g. a chain stepping per datagram) fails.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { Link, type LinkOutcome } from '../../src/sim/link.js';
import { resolveLinkConfig, type LinkConfig, type ResolvedLinkConfig } from '../../src/sim/link-config.js';
import { RandomStream } from '../../src/sim/random.js';
import type { DatagramTraceEvent } from '../../src/trace/trace.js';
import { KeyedDraws, mixU32, type DrawPurpose, PER_DATAGRAM_DRAWS, TIME_KEYED_DRAWS, type LinkDraws } from '../../src/sim/weather.js';

function resolved(config: LinkConfig): ResolvedLinkConfig {
  const result = resolveLinkConfig(config);
  if (!result.ok) throw new Error(`test config invalid: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function newLink(config: LinkConfig, draws: LinkDraws, seed: number | string = 1): Link {
  return new Link(resolved(config), RandomStream.root(seed).fork('links/a->b'), draws);
}

/** A fate reduced to what a comparison needs: dropped (and why), or the arrival times and flags of each copy. */
function fateOf(outcomes: LinkOutcome[]): string {
  return outcomes
    .map((outcome) => (outcome.kind === 'drop' ? `drop:${outcome.reason}` : `at${outcome.atMs}${outcome.corrupted ? 'c' : ''}${outcome.duplicate ? 'd' : ''}`))
    .join(',');
}

/** Sends one datagram at each of `timesMs` (ascending) and returns each fate by its send ms. */
function fatesAt(link: Link, timesMs: readonly number[], sizeBytes = 32): Map<number, string> {
  const fates = new Map<number, string>();
  const bytes = new Uint8Array(sizeBytes).fill(0x5a);
  for (const atMs of timesMs) fates.set(atMs, fateOf(link.transmit(atMs, bytes)));
  return fates;
}

/** Every weather knob that has a per-datagram draw or a time state, at once. */
const STORMY: LinkConfig = {
  latencyMs: 30,
  jitter: { ms: 8, distribution: 'normal', correlationPercent: 60, reorder: true },
  loss: { model: 'gilbert-elliott', goodToBadPercent: 5, badToGoodPercent: 30, lossInGoodPercent: 2 },
  corrupt: { percent: 3 },
  duplicate: { percent: 3, delayMs: 1 },
  reorder: { percent: 5 },
};

const EVEN_MS = Array.from({ length: 4000 }, (_, index) => index * 2);
const EVERY_MS = Array.from({ length: 8000 }, (_, index) => index);

function mismatchCount(a: Map<number, string>, b: Map<number, string>): number {
  let count = 0;
  for (const [atMs, fate] of a) if (b.get(atMs) !== fate) count += 1;
  return count;
}

describe('time-keyed draws: the keyed hash', () => {
  it('mixU32 is the lowbias32 bijection (its published values) and leaves no zero fixed point in the keying', () => {
    // Reference values computed by hand from the published lowbias32 constants.
    expect(mixU32(1)).toBe(reference(1));
    expect(mixU32(0xdeadbeef)).toBe(reference(0xdeadbeef));
    const keyed = new KeyedDraws('0/links/a->b');
    expect(keyed.u32(0, 0, 0)).not.toBe(0);
  });

  it('the same (seed, time, index, purpose) gives the same number; any one change gives another', () => {
    const keyed = new KeyedDraws('7/links/client->server');
    const base = keyed.u32(1234, 0, 1);
    expect(new KeyedDraws('7/links/client->server').u32(1234, 0, 1)).toBe(base);
    const changed = [
      new KeyedDraws('8/links/client->server').u32(1234, 0, 1),
      new KeyedDraws('7/links/server->client').u32(1234, 0, 1),
      keyed.u32(1235, 0, 1),
      keyed.u32(1234, 1, 1),
      keyed.u32(1234, 0, 2),
      keyed.u32(1234 + 2 ** 32, 0, 1),
    ];
    for (const value of changed) expect(value).not.toBe(base);
  });

  it('keyed u32s are uniform: the mean of 200 000 is 2^31 within 0.3 %, and each of 16 bins holds 1/16 within 3 %', () => {
    const keyed = new KeyedDraws('1/links/a->b');
    const bins = new Array<number>(16).fill(0);
    let sum = 0;
    const count = 200_000;
    for (let index = 0; index < count; index += 1) {
      const value = keyed.u32(index, index % 3, (index % 9) as DrawPurpose);
      sum += value;
      bins[value >>> 28]! += 1;
    }
    expect(Math.abs(sum / count / 2 ** 31 - 1)).toBeLessThan(0.003);
    for (const bin of bins) expect(Math.abs(bin / (count / 16) - 1)).toBeLessThan(0.03);
  });
});

/** lowbias32 written out again, independently of src/sim/weather.ts, with BigInt arithmetic. */
function reference(value: number): number {
  const mask = 0xffffffffn;
  let x = BigInt(value);
  x ^= x >> 16n;
  x = (x * 0x7feb352dn) & mask;
  x ^= x >> 15n;
  x = (x * 0x846ca68bn) & mask;
  x ^= x >> 16n;
  return Number(x);
}

describe('time-keyed draws: determinism and pairing on one link', () => {
  it('determinism: the same seed gives the same fates; another seed other fates', () => {
    const first = fatesAt(newLink(STORMY, TIME_KEYED_DRAWS, 5), EVERY_MS);
    const again = fatesAt(newLink(STORMY, TIME_KEYED_DRAWS, 5), EVERY_MS);
    const other = fatesAt(newLink(STORMY, TIME_KEYED_DRAWS, 6), EVERY_MS);
    expect([...again]).toEqual([...first]);
    expect(mismatchCount(first, other)).toBeGreaterThan(EVERY_MS.length / 2);
  });

  it('pairing: a datagram sent at the same ms meets the same fate whether or not the sender also sent at every odd ms', () => {
    const sparse = fatesAt(newLink(STORMY, TIME_KEYED_DRAWS), EVEN_MS);
    const dense = fatesAt(newLink(STORMY, TIME_KEYED_DRAWS), EVERY_MS);
    expect(mismatchCount(sparse, dense)).toBe(0);
    // The comparison is not vacuous: the weather does vary (losses, several arrival offsets).
    const fates = new Set(sparse.values());
    expect([...sparse.values()].filter((fate) => fate === 'drop:loss').length).toBeGreaterThan(100);
    expect(fates.size).toBeGreaterThan(50);
  });

  it('pairing is lost with per-datagram draws: the same two send patterns meet different fates', () => {
    const sparse = fatesAt(newLink(STORMY, PER_DATAGRAM_DRAWS), EVEN_MS);
    const dense = fatesAt(newLink(STORMY, PER_DATAGRAM_DRAWS), EVERY_MS);
    expect(mismatchCount(sparse, dense)).toBeGreaterThan(EVEN_MS.length / 2);
  });

  it('pairing holds per index within a ms: a second datagram in a ms never changes the first one\'s fate', () => {
    const once = fatesAt(newLink(STORMY, TIME_KEYED_DRAWS), EVEN_MS);
    const link = newLink(STORMY, TIME_KEYED_DRAWS);
    const bytes = new Uint8Array(32).fill(0x5a);
    const firsts = new Map<number, string>();
    for (const atMs of EVEN_MS) {
      firsts.set(atMs, fateOf(link.transmit(atMs, bytes)));
      link.transmit(atMs, bytes);
    }
    expect(mismatchCount(once, firsts)).toBe(0);
  });

  it('the burst state is a property of time: a loss-rate change at 4 s steps the chain to 4 s before it applies, whatever was sent', () => {
    const before: LinkConfig = { loss: { model: 'gilbert-elliott', goodToBadPercent: 5, badToGoodPercent: 30 } };
    const after: LinkConfig = { loss: { model: 'gilbert-elliott', goodToBadPercent: 20, badToGoodPercent: 10 } };
    const run = (timesMs: readonly number[]) => {
      const link = newLink(before, TIME_KEYED_DRAWS);
      const fates = new Map<number, string>();
      const bytes = new Uint8Array(8);
      let changed = false;
      for (const atMs of timesMs) {
        if (!changed && atMs >= 4000) {
          link.configure(resolved(after), 4000);
          changed = true;
        }
        fates.set(atMs, fateOf(link.transmit(atMs, bytes)));
      }
      return fates;
    };
    // One sender is silent from 1 s to 7 s; the other sends every 2 ms throughout.
    const quiet = run(EVERY_MS.filter((atMs) => atMs < 1000 || atMs >= 7000));
    const busy = run(EVEN_MS.concat(EVEN_MS.map((atMs) => atMs + 8000)));
    const common = new Map([...quiet].filter(([atMs]) => busy.has(atMs)));
    expect(common.size).toBeGreaterThan(900);
    expect(mismatchCount(common, busy)).toBe(0);
  });

  it('refuses a slot that is not a whole number of ms ≥ 1', () => {
    expect(() => newLink({}, { mode: 'time-keyed', slotMs: 0 })).toThrow(/slot/);
    expect(() => newLink({}, { mode: 'time-keyed', slotMs: 2.5 })).toThrow(/slot/);
  });
});

/** Loss flags of one datagram every `intervalMs`, `count` of them. */
function lossFlags(config: LinkConfig, draws: LinkDraws, count: number, intervalMs: number, seed = 3): boolean[] {
  const link = newLink(config, draws, seed);
  const bytes = new Uint8Array(8);
  const lost: boolean[] = [];
  for (let index = 0; index < count; index += 1) {
    const outcome = link.transmit(index * intervalMs, bytes)[0]!;
    lost.push(outcome.kind === 'drop');
  }
  return lost;
}

/** Lengths of the runs of consecutive losses. */
function burstLengths(lost: readonly boolean[]): number[] {
  const lengths: number[] = [];
  let current = 0;
  for (const flag of lost) {
    if (flag) current += 1;
    else if (current > 0) {
      lengths.push(current);
      current = 0;
    }
  }
  if (current > 0) lengths.push(current);
  return lengths;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

describe('time-keyed draws: the loss models keep their statistics', () => {
  it('bernoulli 5 %: 5 % ± 0.3 % over 200 000 datagrams (SE 0.05 %), one per ms', () => {
    const lost = lossFlags({ loss: { model: 'bernoulli', percent: 5 } }, TIME_KEYED_DRAWS, 200_000, 1);
    const rate = lost.filter(Boolean).length / lost.length;
    expect(Math.abs(rate - 0.05)).toBeLessThan(0.003);
  });

  it('bernoulli 5 % with several datagrams per ms: 5 % ± 0.3 % over 200 000 datagrams, four per ms', () => {
    const link = newLink({ loss: { model: 'bernoulli', percent: 5 } }, TIME_KEYED_DRAWS, 9);
    const bytes = new Uint8Array(8);
    let lostCount = 0;
    for (let index = 0; index < 200_000; index += 1) {
      if (link.transmit(Math.floor(index / 4), bytes)[0]!.kind === 'drop') lostCount += 1;
    }
    expect(Math.abs(lostCount / 200_000 - 0.05)).toBeLessThan(0.003);
  });

  it('Gilbert–Elliott (enter 1 %, exit 25 % per 10 ms slot): loss 1/26 ± 0.5 % and mean burst 4 slots ± 0.4 over 200 000 slots', () => {
    // One datagram per slot: a burst in datagrams is a bad period in slots, geometric with mean
    // 1/0.25 = 4 (sd 3.5; ~1 900 bursts, SE 0.08). The loss rate's SE, inflated by the chain's
    // lag-1 correlation 0.74, is about 0.11 %.
    const config: LinkConfig = { loss: { model: 'gilbert-elliott', goodToBadPercent: 1, badToGoodPercent: 25 } };
    const lost = lossFlags(config, TIME_KEYED_DRAWS, 200_000, 10);
    expect(Math.abs(lost.filter(Boolean).length / lost.length - 1 / 26)).toBeLessThan(0.005);
    expect(Math.abs(mean(burstLengths(lost)) - 4)).toBeLessThan(0.4);
  });

  it('Gilbert–Elliott bursts last in time, not in datagrams: one datagram per ms sees bursts of 4 slots × 10 ms ≈ 40 datagrams', () => {
    const config: LinkConfig = { loss: { model: 'gilbert-elliott', goodToBadPercent: 1, badToGoodPercent: 25 } };
    const lost = lossFlags(config, TIME_KEYED_DRAWS, 400_000, 1);
    const bursts = burstLengths(lost);
    // 40 000 slots: ~380 bursts of mean 40 (sd 35, SE 1.8); per-datagram stepping would give 4.
    expect(Math.abs(mean(bursts) - 40)).toBeLessThan(8);
    // Every burst is a whole number of slots, because the state changes only at slot boundaries.
    expect(bursts.slice(1, -1).every((length) => length % 10 === 0)).toBe(true);
  });

  it('netem4 (p13 2 %, p31 70 %, p14 1 %): the long-run loss is the chain\'s share of states 3 and 4 ± 0.5 %', () => {
    // Stationary shares with p23 100 %, p32 0: π3/π1 = p13/p31, π4/π1 = p14 → loss = (2/70 + 0.01)/(1 + 2/70 + 0.01).
    const config: LinkConfig = { loss: { model: 'netem4', p13Percent: 2, p31Percent: 70, p14Percent: 1 } };
    const lost = lossFlags(config, TIME_KEYED_DRAWS, 200_000, 10);
    const expected = (2 / 70 + 0.01) / (1 + 2 / 70 + 0.01);
    expect(Math.abs(lost.filter(Boolean).length / lost.length - expected)).toBeLessThan(0.005);
  });

  it('correlated jitter keeps its distribution and correlates slot to slot: lag-1 correlation of normal jitter at 60 % is 0.6 ± 0.03', () => {
    const link = newLink({ latencyMs: 100, jitter: { ms: 10, distribution: 'normal', correlationPercent: 60, reorder: true } }, TIME_KEYED_DRAWS, 4);
    const bytes = new Uint8Array(8);
    const delaysMs: number[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      const outcome = link.transmit(index * 10, bytes)[0]!;
      if (outcome.kind === 'deliver') delaysMs.push(outcome.atMs - index * 10 - 100);
    }
    const average = mean(delaysMs);
    const variance = mean(delaysMs.map((value) => (value - average) ** 2));
    let lagSum = 0;
    for (let index = 1; index < delaysMs.length; index += 1) lagSum += (delaysMs[index]! - average) * (delaysMs[index - 1]! - average);
    const lag1 = lagSum / (delaysMs.length - 1) / variance;
    // Whole-ms rounding adds variance 1/12 to σ² = 100: the sd stays 10 ± 0.4 and the correlation 0.6 ± 0.03.
    expect(Math.abs(Math.sqrt(variance) - 10)).toBeLessThan(0.4);
    expect(Math.abs(lag1 - 0.6)).toBeLessThan(0.03);
  });
});

/** A client and a server 25 ms apart over a stormy link; `extra` adds traffic to the base workload. */
function pairingScenario(extra: string, linkDraws: string): string {
  return `
name: pairing
duration: 6s
${linkDraws}
hosts:
  server: { service: 60Hz }
  client: { service: 60Hz }
links:
  default:
    latency: 25ms
    jitter: { amount: 6ms, distribution: normal, reorder: true }
    loss: { model: gilbert-elliott, enter_burst: 4%, exit_burst: 30%, loss_in_good: 1% }
    duplicate: 2%
timeline:
  - at: 0s
    connect: { from: client, to: server, channels: 2 }
  - at: 0.5s
    stream: { from: client, to: server, channel: 0, size: 200B, rate: 20/s, flags: [reliable] }
${extra}`;
}

const EXTRA_STREAM = `  - at: 0.5s
    stream: { from: server, to: client, channel: 1, size: 300B, rate: 7/s }
  - at: 1.3s
    stream: { from: client, to: server, channel: 1, size: 100B, rate: 13/s }
`;

/** Each datagram's fate by (direction, send ms, index in that ms): dropped, or its delivery delays. */
function datagramFates(text: string): Map<string, string> {
  const loaded = loadScenario('pairing.yaml', text);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const { sim } = compileScenario(loaded.scenario, { seed: 11 });
  sim.run(loaded.scenario.durationMs);
  const events = sim.trace.events.filter((event): event is DatagramTraceEvent => event.kind === 'datagram');
  const keyById = new Map<number, string>();
  const fates = new Map<string, string>();
  const indexInMs = new Map<string, number>();
  for (const event of events) {
    if (event.phase === 'sent') {
      const at = `${event.from}->${event.to}@${event.atMs}`;
      const index = indexInMs.get(at) ?? 0;
      indexInMs.set(at, index + 1);
      const key = `${at}#${index}`;
      keyById.set(event.id, key);
      fates.set(key, '');
    } else {
      const key = keyById.get(event.id)!;
      const sentAtMs = Number(key.split('@')[1]!.split('#')[0]);
      fates.set(key, `${fates.get(key)}${event.phase === 'dropped' ? `drop:${event.reason}` : `+${event.atMs - sentAtMs}`};`);
    }
  }
  return fates;
}

function compareFates(base: Map<string, string>, other: Map<string, string>): { commonCount: number; differentCount: number; lostCount: number } {
  let commonCount = 0;
  let differentCount = 0;
  let lostCount = 0;
  for (const [key, fate] of base) {
    const otherFate = other.get(key);
    if (otherFate === undefined) continue;
    commonCount += 1;
    if (otherFate !== fate) differentCount += 1;
    if (fate.includes('drop:loss')) lostCount += 1;
  }
  return { commonCount, differentCount, lostCount };
}

describe('time-keyed draws in a simulation: variants with different traffic meet the same network', () => {
  it('with link_draws: time-keyed, every datagram sent at the same ms (and index) on a direction meets the same fate with or without two extra streams', () => {
    const base = datagramFates(pairingScenario('', 'link_draws: time-keyed'));
    const busier = datagramFates(pairingScenario(EXTRA_STREAM, 'link_draws: time-keyed'));
    const { commonCount, differentCount, lostCount } = compareFates(base, busier);
    expect(commonCount).toBeGreaterThan(150);
    expect(lostCount).toBeGreaterThan(10);
    expect(differentCount).toBe(0);
  });

  it('with the default per-datagram draws, the extra streams shift the fates of the datagrams both runs sent', () => {
    const base = datagramFates(pairingScenario('', ''));
    const busier = datagramFates(pairingScenario(EXTRA_STREAM, ''));
    const { commonCount, differentCount } = compareFates(base, busier);
    expect(commonCount).toBeGreaterThan(150);
    expect(differentCount).toBeGreaterThan(commonCount / 2);
  });

  it('determinism: time-keyed runs of one scenario and seed give one trace hash; another seed another', () => {
    const loaded = loadScenario('pairing.yaml', pairingScenario(EXTRA_STREAM, 'link_draws: { mode: time-keyed, slot: 5ms }'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const hashOf = (seed: number) => {
      const { sim } = compileScenario(loaded.scenario, { seed });
      sim.run(loaded.scenario.durationMs);
      return sim.trace.hash();
    };
    expect(hashOf(3)).toBe(hashOf(3));
    expect(hashOf(3)).not.toBe(hashOf(4));
  });
});
