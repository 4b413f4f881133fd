// The end-of-run comparison of diff and conformance: every host, peer and channel field, by name,
// from HostLike.dump() (the driver's host_dump op for libenet, src/sim/ts-host.ts for the core).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeFieldDifferences, endStateDifferences } from '../../src/cli/commands/diff.js';
import type { HostFactory } from '../../src/sim/sim-host.js';
import { Simulation } from '../../src/sim/simulation.js';
import { hashBytes, type DatagramTraceEvent, type HostTraceEvent } from '../../src/trace/trace.js';
import { createTsHost, type TsHost } from '../../src/sim/ts-host.js';
import { LibenetDriver } from '../support/libenet.js';
import { describeLibenet } from '../support/libenet-vitest.js';

const RELIABLE = 1;
const UNSEQUENCED = 2;

function traffic(factory: HostFactory): Simulation {
  const sim = new Simulation({ seed: 3 });
  sim.addHost('server', { implementation: factory, peerCount: 3, service: { intervalMs: 10 } });
  sim.addHost('client', { implementation: factory, service: { intervalMs: 10 } });
  sim.defaultLink({ latencyMs: 25, loss: { model: 'bernoulli', percent: 5 } });
  sim.at(0, () => sim.host('client').connect('server', 3, 0));
  sim.every(20, () => {
    if (sim.nowMs < 300 || sim.host('client').peerIndexOf('server') === null) return;
    sim.host('client').send('server', 1, 3000, RELIABLE, 'bulk');
    sim.host('client').send('server', 2, 30, UNSEQUENCED, 'unsequenced');
    sim.host('server').send('client', 0, 80, 0, 'state');
  });
  sim.run(2000);
  return sim;
}

describe('the trace keeps every byte, hashed', () => {
  test('hashBytes is FNV-1a 32-bit (the standard test vectors)', () => {
    expect(hashBytes(new Uint8Array())).toBe('811c9dc5');
    expect(hashBytes(new TextEncoder().encode('a'))).toBe('e40c292c');
    expect(hashBytes(new TextEncoder().encode('foobar'))).toBe('bf9cf968');
  });

  test('every sent datagram has a bytes hash; every receive has the packet flags and a bytes hash', () => {
    const sim = traffic((config) => createTsHost(config, '1.3.17'));
    const sent = sim.trace.events.filter((event): event is DatagramTraceEvent => event.kind === 'datagram' && event.phase === 'sent');
    expect(sent.length).toBeGreaterThan(50);
    expect(sent.every((event) => /^[0-9a-f]{8}$/.test(event.bytesHash ?? ''))).toBe(true);
    expect(new Set(sent.map((event) => event.bytesHash)).size).toBeGreaterThan(sent.length * 0.9);
    const receives = sim.trace.events.filter((event): event is HostTraceEvent => event.kind === 'event' && event.type === 'receive');
    expect(new Set(receives.map((event) => event.flags))).toEqual(new Set([RELIABLE, UNSEQUENCED, 0]));
    expect(receives.every((event) => /^[0-9a-f]{8}$/.test(event.bytesHash ?? ''))).toBe(true);
  });
});

describe('end-state comparison on the TypeScript core', () => {
  test('two runs of the same seed agree on every field; the dump covers hosts, peers, channels and queues', () => {
    const a = traffic((config) => createTsHost(config, '1.3.17'));
    const b = traffic((config) => createTsHost(config, '1.3.17'));
    const { differences, fieldCount } = endStateDifferences(a, b);
    expect(differences).toEqual([]);
    const names = [...(a.host('server').impl as TsHost).dump().keys()];
    for (const name of ['randomSeed', 'dispatchQueue.length', 'peers[0].roundTripTime', 'peers[0].unsequencedWindow[31]', 'peers[0].sentReliableCommands.digest', 'peers[0].channels[1].reliableWindows[0]', 'peers[0].channels[2].incomingUnreliableCommands.length']) {
      expect(names, name).toContain(name);
    }
    expect(fieldCount).toBeGreaterThan(500);
  });

  test('one changed field is reported with its host, its peer and both values', () => {
    const a = traffic((config) => createTsHost(config, '1.3.17'));
    const b = traffic((config) => createTsHost(config, '1.3.17'));
    const peer = (b.host('server').impl as TsHost).core.peers[0]!;
    peer.lastRoundTripTimeVariance += 1;
    const { differences } = endStateDifferences(a, b);
    expect(differences).toEqual([{ host: 'server', peer: 'client', field: 'peers[0].lastRoundTripTimeVariance', typescript: peer.lastRoundTripTimeVariance - 1, libenet: peer.lastRoundTripTimeVariance }]);
    expect(describeFieldDifferences(differences, 'libenet 1.3.17')).toBe(
      `  server (peer client): peers[0].lastRoundTripTimeVariance is ${peer.lastRoundTripTimeVariance - 1} on the TypeScript core, ${peer.lastRoundTripTimeVariance} on libenet 1.3.17`,
    );
  });
});

describeLibenet('end-state comparison against libenet 1.3.17', (driverPath) => {
  let driver: LibenetDriver;
  beforeAll(() => {
    driver = new LibenetDriver(driverPath);
  });
  afterAll(() => driver.close());

  test('libenet dumps the same field names as the TypeScript core, with the same values after the same run', () => {
    const ours = traffic((config) => createTsHost(config, '1.3.17'));
    const theirs = traffic((config) => driver.createHost(config));
    const oursNames = [...ours.host('server').impl!.dump().keys()].sort();
    const theirsNames = [...theirs.host('server').impl!.dump().keys()].sort();
    expect(theirsNames).toEqual(oursNames);
    expect(endStateDifferences(ours, theirs).differences).toEqual([]);
    theirs.destroy();
  });
});
