// The simulation end to end on the TypeScript core: determinism (same seed, same trace hash),
// independence of random streams (an unrelated host pair does not change an existing link's
// fates), faults that apply as documented, the game loop, and the delivery ledger.
import { describe, expect, test } from 'vitest';
import type { HostLike } from '../../src/sim/host-impl.js';
import { Simulation } from '../../src/sim/simulation.js';
import { statisticsFromSnapshot } from '../../src/sim/statistics.js';
import { createTsHost } from '../../src/sim/ts-host.js';
import type { DatagramTraceEvent } from '../../src/trace/trace.js';

const RELIABLE = 1;

function duel(seed: number, extraPair = false): Simulation {
  const sim = new Simulation({ seed });
  sim.addHost('server', { peerCount: 8, channelLimit: 2, service: { hz: 60 } });
  sim.addHost('client', { channelLimit: 2, service: { hz: 60, phaseMs: 5 } });
  if (extraPair) {
    sim.addHost('c', { service: { intervalMs: 10 } });
    sim.addHost('d', { service: { intervalMs: 10 } });
  }
  sim.defaultLink({ latencyMs: 40, jitter: { ms: 5, distribution: 'normal' }, loss: { model: 'bernoulli', percent: 2 } });
  sim.at(0, () => sim.host('client').connect('server', 2, 7));
  if (extraPair) sim.at(0, () => sim.host('c').connect('d', 1, 0));
  sim.every(16, () => {
    if (sim.nowMs < 1000) return;
    sim.host('client').send('server', 1, 100, 0, 'stream');
    if (sim.nowMs % 160 === 0) sim.host('client').send('server', 0, 200, RELIABLE, 'stream');
    if (extraPair && sim.host('c').peerIndexOf('d') !== null) sim.host('c').send('d', 0, 300, 0, 'noise');
  });
  return sim;
}

function linkFates(sim: Simulation, from: string, to: string): string[] {
  return sim.trace.events
    .filter((event): event is DatagramTraceEvent => event.kind === 'datagram' && event.from === from && event.to === to)
    .map((event) => `${event.atMs} ${event.phase} ${event.sizeBytes} ${event.reason ?? ''}`);
}

/** A lossy two-host run whose hosts come from `factory`, sampled every 50 ms and after every frame. */
function sampledDuel(factory: (config: Parameters<typeof createTsHost>[0]) => HostLike, trace = true): Simulation {
  const sim = new Simulation({ seed: 11, statsIntervalMs: 50, trace });
  sim.addHost('server', { peerCount: 4, implementation: factory, service: { hz: 60 } });
  sim.addHost('client', { implementation: factory, service: { hz: 30, phaseMs: 3 } });
  sim.defaultLink({ latencyMs: 35, jitter: { ms: 8 }, loss: { model: 'bernoulli', percent: 5 } });
  sim.at(0, () => sim.host('client').connect('server', 2, 0));
  sim.every(20, () => {
    if (sim.host('client').peerIndexOf('server') !== null) sim.host('client').send('server', 0, 300, sim.nowMs % 100 === 0 ? RELIABLE : 0, 'stream');
  });
  sim.at(6_000, () => sim.host('client').throttleConfigure('server', 500, 4, 4));
  return sim;
}

describe('Simulation', () => {
  test('trace: false records nothing and changes nothing else (same ledger, same peer state at the end)', () => {
    const traced = sampledDuel((config) => createTsHost(config));
    traced.run(12_000);
    const quiet = sampledDuel((config) => createTsHost(config), false);
    quiet.run(12_000);
    expect(quiet.trace.events).toEqual([]);
    expect(traced.trace.events.length).toBeGreaterThan(1000);
    expect(traced.ledger.all.filter((packet) => packet.receivedAtMs.length > 0).length).toBeGreaterThan(100);
    expect(quiet.ledger.all).toEqual(traced.ledger.all);
    expect(quiet.host('client').peerSnapshot('server')).toEqual(traced.host('client').peerSnapshot('server'));
    expect(quiet.host('server').peerSnapshot('client')).toEqual(traced.host('server').peerSnapshot('client'));
  });

  test('statistics: the TypeScript host reads the 14 values peer() gives, and sampling through either gives the same trace', () => {
    const hosts: HostLike[] = [];
    const fast = sampledDuel((config) => {
      const host = createTsHost(config);
      hosts.push(host);
      return host;
    });
    let compared = 0;
    fast.every(250, () => {
      for (const host of hosts) {
        for (let index = 0; index < host.host().peerCount; index++) {
          const direct: number[] = [];
          const viaSnapshot: number[] = [];
          expect(host.peerStatistics!(index, direct)).toBe(statisticsFromSnapshot(host.peer(index), viaSnapshot));
          expect(direct).toEqual(viaSnapshot);
          compared++;
        }
      }
    });
    fast.run(12_000);
    // The same run with hosts that only offer peer() snapshots (the fallback, as for libenet).
    const slow = sampledDuel((config) => {
      const host = createTsHost(config);
      return new Proxy(host, { get: (target, key) => (key === 'peerStatistics' ? undefined : Reflect.get(target, key, target)) });
    });
    slow.run(12_000);
    expect(compared).toBeGreaterThan(200);
    expect(fast.trace.events.filter((event) => event.kind === 'stats').length).toBeGreaterThan(300);
    expect(fast.trace.hash()).toBe(slow.trace.hash());
  });

  test('determinism: the same scenario and seed give the same trace hash; another seed another', () => {
    const hashes = [1, 1, 2].map((seed) => {
      const sim = duel(seed);
      sim.run(20_000);
      return sim.trace.hash();
    });
    expect(hashes[0]).toBe(hashes[1]);
    expect(hashes[2]).not.toBe(hashes[0]);
  });

  test('an unrelated host pair and its stream leave the client↔server link fates unchanged', () => {
    const alone = duel(3);
    alone.run(15_000);
    const crowded = duel(3, true);
    crowded.run(15_000);
    expect(linkFates(crowded, 'c', 'd').length).toBeGreaterThan(100);
    const fates = linkFates(alone, 'client', 'server');
    expect(fates.filter((line) => line.includes('dropped')).length).toBeGreaterThan(10);
    expect(linkFates(crowded, 'client', 'server')).toEqual(fates);
    expect(linkFates(crowded, 'server', 'client')).toEqual(linkFates(alone, 'server', 'client'));
  });

  test('the ledger matches every tagged packet: reliable ones delivered exactly once, in order', () => {
    const sim = duel(4);
    sim.run(20_000);
    const reliable = sim.ledger.all.filter((packet) => packet.flags & RELIABLE);
    expect(reliable.length).toBeGreaterThan(100);
    const sentBeforeEnd = reliable.filter((packet) => packet.sentAtMs < 19_000);
    expect(sentBeforeEnd.every((packet) => packet.receivedAtMs.length === 1)).toBe(true);
    const arrival = sentBeforeEnd.map((packet) => packet.receivedAtMs[0]!);
    expect(arrival).toEqual([...arrival].sort((a, b) => a - b));
    const unreliable = sim.ledger.all.filter((packet) => !(packet.flags & RELIABLE) && packet.sentAtMs < 19_000);
    const ratio = unreliable.filter((packet) => packet.receivedAtMs.length > 0).length / unreliable.length;
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1);
  });

  test('a partition drops datagrams sent while it holds and those already in flight', () => {
    const sim = new Simulation({ seed: 5 });
    sim.addHost('a', { service: { intervalMs: 1 } });
    sim.addHost('b', { service: { intervalMs: 1 } });
    sim.defaultLink({ latencyMs: 100 });
    sim.at(0, () => sim.host('a').connect('b', 1, 0));
    sim.at(2000, () => sim.host('a').send('b', 0, 50, RELIABLE));
    sim.at(2050, () => sim.partition('a', 'b'));
    sim.at(2500, () => sim.heal('a', 'b'));
    sim.run(5000);
    const first = sim.trace.events.filter((event): event is DatagramTraceEvent => event.kind === 'datagram' && event.from === 'a' && event.atMs >= 2000 && event.atMs <= 2150);
    expect(first.map((event) => [event.atMs, event.phase, event.reason ?? null])).toEqual([
      [2000, 'sent', null],
      [2100, 'dropped', 'partition'],
    ]);
    // After healing, the retransmission gets through and the packet is delivered once.
    expect(sim.ledger.all[0]!.receivedAtMs).toHaveLength(1);
    expect(sim.ledger.all[0]!.receivedAtMs[0]!).toBeGreaterThan(2500);
  });

  test('hold keeps datagrams and release sends them on, nothing lost', () => {
    const sim = new Simulation({ seed: 6 });
    sim.addHost('a', { service: { intervalMs: 1 } });
    sim.addHost('b', { service: { intervalMs: 1 } });
    sim.defaultLink({ latencyMs: 10 });
    sim.at(0, () => sim.host('a').connect('b', 1, 0));
    sim.at(1000, () => sim.hold('a', 'b'));
    for (let index = 0; index < 5; index++) sim.at(1001 + index, () => sim.host('a').send('b', 0, 20, 0));
    sim.at(1200, () => sim.release('a', 'b'));
    sim.run(2000);
    // Released at 1200, 10 ms on the link, delivered before the 1210 frame that hands them out.
    expect(sim.ledger.all.map((packet) => packet.receivedAtMs)).toEqual([[1210], [1210], [1210], [1210], [1210]]);
  });

  test('the ENet clock starts at the epoch and wraps at 2^32', () => {
    const sim = new Simulation({ seed: 7, epochMs: 0xffff_f000 });
    sim.addHost('a', { service: { intervalMs: 5 } });
    sim.addHost('b', { service: { intervalMs: 5 } });
    sim.defaultLink({ latencyMs: 20 });
    sim.at(0, () => sim.host('a').connect('b', 1, 0));
    sim.every(50, () => {
      if (sim.host('a').peerIndexOf('b') !== null) sim.host('a').send('b', 0, 64, RELIABLE);
    });
    sim.run(20_000);
    expect(sim.enetNowMs).toBe((0xffff_f000 + 20_000) % 2 ** 32);
    expect(sim.host('a').peerSnapshot('b')!.roundTripTime).toBeLessThan(60);
    const late = sim.ledger.all.filter((packet) => packet.sentAtMs > 10_000 && packet.sentAtMs < 19_000);
    expect(late.length).toBeGreaterThan(100);
    expect(late.every((packet) => packet.receivedAtMs.length === 1)).toBe(true);
  });

  test('crash loses the host state; restart brings a fresh host at the same address', () => {
    const sim = new Simulation({ seed: 8 });
    sim.addHost('server', { service: { intervalMs: 5 } });
    sim.addHost('client', { service: { intervalMs: 5 } });
    sim.defaultLink({ latencyMs: 10 });
    sim.at(0, () => sim.host('client').connect('server', 1, 0));
    sim.at(2000, () => sim.host('server').crash());
    sim.at(3000, () => sim.host('server').restart());
    sim.run(20_000);
    const events = sim.trace.events.filter((event) => event.kind === 'event' && event.host === 'client').map((event) => event.kind === 'event' && [event.type, event.atMs > 3000]);
    expect(events).toEqual([
      ['connect', false],
      ['disconnect', true],
    ]);
    expect(sim.trace.events.some((event) => event.kind === 'datagram' && event.reason === 'hostDown')).toBe(true);
  });
});
