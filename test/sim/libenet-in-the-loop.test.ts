// The simulator's answers checked against the real libenet: the same scenario runs once with the
// TypeScript core (1.3.17 profile) and once with libenet 1.3.17 behind every host, on the same links
// and seeds, and the traces must agree datagram for datagram, event for event, sample for sample.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Simulation } from '../../src/sim/simulation.js';
import type { HostFactory } from '../../src/sim/sim-host.js';
import type { StatsTraceEvent, TraceEvent } from '../../src/trace/trace.js';
import { LibenetDriver } from '../support/libenet.js';
import { describeLibenet } from '../support/libenet-vitest.js';

const RELIABLE = 1;
const THROTTLE = 7; // PEER_PACKET_THROTTLE
const RTT = 3; // PEER_ROUND_TRIP_TIME

type Build = (implementation: HostFactory | '1.3.17') => Simulation;

/**
 * The whole trace, state changes included. Causes other than the timeout rules are reported by the
 * TypeScript core only (libenet has no hook), so they are left out of the comparison.
 */
function comparable(events: readonly TraceEvent[]): string[] {
  return events.map((event) => {
    if (event.kind !== 'state' || event.cause === undefined || event.cause.startsWith('timeout')) return JSON.stringify(event);
    const { cause: _cause, ...rest } = event;
    return JSON.stringify(rest);
  });
}

function statsOf(sim: Simulation, host: string, peer: string, index: number): [number, number][] {
  return sim.trace.events
    .filter((event): event is StatsTraceEvent => event.kind === 'stats' && event.host === host && event.peer === peer)
    .map((event) => [event.atMs, event.values[index]!]);
}

const cadence: Build = (implementation) => {
  const sim = new Simulation({ seed: 11 });
  sim.addHost('server', { implementation, service: { intervalMs: 16 } });
  sim.addHost('client', { implementation, service: { intervalMs: 16 } });
  sim.defaultLink({ latencyMs: 50 });
  sim.at(0, () => sim.host('client').connect('server', 2, 0));
  return sim;
};

const congestion: Build = (implementation) => {
  const sim = new Simulation({ seed: 12 });
  sim.addHost('server', { implementation, service: { hz: 60 } });
  sim.addHost('client', { implementation, service: { hz: 60, phaseMs: 3 } });
  sim.defaultLink({ latencyMs: 40 });
  // 256 kbit/s with a 32 KiB queue from client to server: ~1 s of queue, a bufferbloat.
  sim.link('client', 'server', { bandwidth: { rateBitsPerSecond: 256_000, queueBytes: 32 * 1024 } });
  sim.at(0, () => sim.host('client').connect('server', 2, 0));
  sim.every(16, () => {
    if (sim.nowMs < 1000 || sim.host('client').peerIndexOf('server') === null) return;
    sim.host('client').send('server', 1, 600, 0, 'stream'); // 60/s × 600 B ≈ 300 kbit/s: beyond capacity
    if (sim.nowMs % 96 === 0) sim.host('client').send('server', 0, 100, RELIABLE, 'reliable');
  });
  // Relief while the throttle is still down (later, ENet's variance blow-up under a full queue makes
  // lastRTT ≤ lastRTTvar and snaps the throttle back to its limit by itself; see scenarios/).
  sim.at(3500, () => sim.link('client', 'server', { bandwidth: { rateBitsPerSecond: 10_000_000 } }));
  return sim;
};

const pausedLoop: Build = (implementation) => {
  const sim = new Simulation({ seed: 13 });
  sim.addHost('server', { implementation, service: { hz: 60 } });
  sim.addHost('client', { implementation, service: { hz: 60, phaseMs: 7 } });
  sim.defaultLink({ latencyMs: 30, jitter: { ms: 3, distribution: 'uniform' } });
  sim.at(0, () => sim.host('client').connect('server', 2, 0));
  sim.at(5000, () => sim.host('server').pause());
  sim.at(60_000, () => sim.host('server').resume());
  return sim;
};

describeLibenet('simulator with libenet in the loop', (driverPath) => {
  let driver: LibenetDriver;
  let libenet: HostFactory;
  beforeAll(() => {
    driver = new LibenetDriver(driverPath);
    libenet = (config) => driver.createHost(config);
  });
  afterAll(() => driver.close());

  test('service every 16 ms at 50 ms one-way latency: smoothed RTT about 128 ms, not 100, the same on libenet', () => {
    const ours = cadence('1.3.17');
    ours.run(20_000);
    const theirs = cadence(libenet);
    theirs.run(20_000);
    const rtt = statsOf(ours, 'client', 'server', RTT).at(-1)![1];
    expect(rtt).toBeGreaterThanOrEqual(120);
    expect(rtt).toBeLessThanOrEqual(136);
    expect(statsOf(theirs, 'client', 'server', RTT)).toEqual(statsOf(ours, 'client', 'server', RTT));
    expect(comparable(theirs.trace.events)).toEqual(comparable(ours.trace.events));
  });

  test('congestion: queueing delay makes the throttle decelerate; after relief it recovers to 32; libenet has the same trajectory', () => {
    const ours = congestion('1.3.17');
    ours.run(20_000);
    const trajectory = statsOf(ours, 'client', 'server', THROTTLE);
    const during = trajectory.filter(([atMs]) => atMs > 1000 && atMs <= 3500).map(([, value]) => value);
    expect(Math.min(...during)).toBeLessThan(16);
    const recoveredAt = trajectory.find(([atMs, value]) => atMs > 3500 && value === 32)![0];
    expect(recoveredAt).toBeLessThan(10_000);
    const after = trajectory.filter(([atMs]) => atMs >= recoveredAt).map(([, value]) => value);
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((value) => value === 32)).toBe(true);
    // The cause: queueing delay on the 256 kbit/s link raised the smoothed RTT well above its 100 ms base.
    const congestedRtt = statsOf(ours, 'client', 'server', RTT).filter(([atMs]) => atMs > 1000 && atMs <= 3500).map(([, value]) => value);
    expect(Math.max(...congestedRtt)).toBeGreaterThan(180);

    const theirs = congestion(libenet);
    theirs.run(20_000);
    expect(statsOf(theirs, 'client', 'server', THROTTLE)).toEqual(trajectory);
    expect(comparable(theirs.trace.events)).toEqual(comparable(ours.trace.events));
  });

  test('a game loop paused longer than the timeout: the other side times out when libenet says it does', () => {
    const disconnectAt = (sim: Simulation) =>
      sim.trace.events.find((event) => event.kind === 'event' && event.host === 'client' && event.type === 'disconnect')?.atMs;
    const ours = pausedLoop('1.3.17');
    ours.run(70_000);
    const theirs = pausedLoop(libenet);
    theirs.run(70_000);
    const oursAt = disconnectAt(ours);
    expect(oursAt).toBeDefined();
    expect(oursAt!).toBeGreaterThan(5000 + 5000);
    expect(oursAt!).toBeLessThan(5000 + 30_000 + 2000);
    expect(disconnectAt(theirs)).toBe(oursAt);
    expect(comparable(theirs.trace.events)).toEqual(comparable(ours.trace.events));
  });
});
