import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { RandomStream, U32_RANGE, u32ThresholdFromPpm } from '../../src/sim/random.js';

function draws(stream: RandomStream, count: number): number[] {
  return Array.from({ length: count }, () => stream.nextU32());
}

describe('RandomStream', () => {
  it('random stream: seed 42 gives pinned first values (ARC4 via seedrandom, on any machine)', () => {
    // If these change, every recorded trace changes: seedrandom or the u32 conversion changed.
    expect(draws(RandomStream.root(42), 5)).toEqual([30140002, 2157764213, 738111177, 2207274999, 2371997621]);
    const named = RandomStream.root('enetsim');
    expect(named.nextUnit()).toBe(0.41626330776154874);
    expect(named.nextOpenUnit()).toBe(0.9042207238776644);
    expect(named.fork('link/a->b').nextU32()).toBe(2877916474);
  });

  it('random stream: the same numbers as seedrandom for every kind of seed string (our ARC4 is its typed-array copy)', () => {
    const seeds = ['', '0', '42', 'enetsim', '7/link/a->b', 'sérveur/ü/→/😀', 'x'.repeat(255), 'y'.repeat(256), 'a/b/'.repeat(300)];
    for (let index = 0; index < 200; index++) seeds.push(`${index * 7919}/link/client${index % 13}->server/${'z'.repeat(index % 17)}`);
    for (const seed of seeds) {
      const reference = seedrandom(seed);
      const expected = Array.from({ length: 600 }, () => reference.int32() >>> 0);
      expect(draws(RandomStream.root(seed), 600), `seed ${JSON.stringify(seed.slice(0, 40))}`).toEqual(expected);
    }
  });

  it('random stream: a number seed and its decimal string are the same stream', () => {
    expect(RandomStream.root(42).seed).toBe('42');
    expect(draws(RandomStream.root(42), 8)).toEqual(draws(RandomStream.root('42'), 8));
  });

  it('random stream: fork seeds are parent seed + "/" + name, and names are paths', () => {
    const root = RandomStream.root(7);
    expect(root.fork('link/a->b').seed).toBe('7/link/a->b');
    expect(draws(root.fork('a/b'), 8)).toEqual(draws(root.fork('a').fork('b'), 8));
  });

  it('random stream: drawing from the parent does not change a child forked before or after', () => {
    const untouched = draws(RandomStream.root(7).fork('workload'), 16);
    const parent = RandomStream.root(7);
    const before = parent.fork('workload');
    draws(parent, 1000);
    const after = parent.fork('workload');
    expect(draws(before, 16)).toEqual(untouched);
    expect(draws(after, 16)).toEqual(untouched);
  });

  it('random stream: different names and different seeds give different streams', () => {
    const root = RandomStream.root(7);
    const a = draws(root.fork('link/a->b'), 16);
    const b = draws(root.fork('link/b->a'), 16);
    const c = draws(RandomStream.root(8).fork('link/a->b'), 16);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
    expect(draws(root, 16)).not.toEqual(a);
  });

  it('random stream: nextU32 is a uint32 and covers both halves; nextUnit in [0,1) with mean 0.5 ± 0.003', () => {
    const stream = RandomStream.root('range');
    let highCount = 0;
    let unitSum = 0;
    let outOfRangeCount = 0;
    const sampleCount = 100_000;
    for (let index = 0; index < sampleCount; index += 1) {
      const value = stream.nextU32();
      if (!(Number.isInteger(value) && value >= 0 && value < U32_RANGE)) outOfRangeCount += 1;
      if (value >= 2 ** 31) highCount += 1;
      const unit = stream.nextUnit();
      if (!(unit >= 0 && unit < 1)) outOfRangeCount += 1;
      unitSum += unit;
    }
    expect(outOfRangeCount).toBe(0);
    // Standard errors: 0.0016 for the share, 0.0009 for the mean; tolerances are ≥ 3 SE.
    expect(Math.abs(highCount / sampleCount - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(unitSum / sampleCount - 0.5)).toBeLessThan(0.003);
  });

  it('random stream: nextOpenUnit stays strictly inside (0, 1)', () => {
    const stream = RandomStream.root('open');
    let outOfRangeCount = 0;
    for (let index = 0; index < 100_000; index += 1) {
      const unit = stream.nextOpenUnit();
      if (!(unit > 0 && unit < 1)) outOfRangeCount += 1;
    }
    expect(outOfRangeCount).toBe(0);
  });

  it('random stream: chancePerMillion thresholds are exact integers', () => {
    expect(u32ThresholdFromPpm(0)).toBe(0);
    expect(u32ThresholdFromPpm(-5)).toBe(0);
    expect(u32ThresholdFromPpm(1)).toBe(4294); // floor(2^32 / 1e6)
    expect(u32ThresholdFromPpm(500_000)).toBe(2 ** 31);
    expect(u32ThresholdFromPpm(1_000_000)).toBe(U32_RANGE);
    expect(u32ThresholdFromPpm(2_000_000)).toBe(U32_RANGE);
  });

  it('random stream: chancePerMillion(250 000) is true 25 % ± 0.5 % of 200 000 times, 0 never, 1e6 always', () => {
    const stream = RandomStream.root('chance');
    let hitCount = 0;
    let wrongCertaintyCount = 0;
    const sampleCount = 200_000;
    for (let index = 0; index < sampleCount; index += 1) {
      if (stream.chancePerMillion(250_000)) hitCount += 1;
      if (stream.chancePerMillion(0)) wrongCertaintyCount += 1;
      if (!stream.chancePerMillion(1_000_000)) wrongCertaintyCount += 1;
    }
    expect(wrongCertaintyCount).toBe(0);
    // SE = sqrt(0.25·0.75/200 000) = 0.00097; 0.005 is 5 SE.
    expect(Math.abs(hitCount / sampleCount - 0.25)).toBeLessThan(0.005);
  });

  it('random stream: chancePerMillion consumes exactly one draw whatever the probability', () => {
    const a = RandomStream.root('consume');
    const b = RandomStream.root('consume');
    a.chancePerMillion(0);
    a.chancePerMillion(1_000_000);
    a.chancePerMillion(123_456);
    draws(b, 3);
    expect(a.nextU32()).toBe(b.nextU32());
  });
});
