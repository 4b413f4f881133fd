// Differential tests: the same scenario runs on the TypeScript core (1.3.17 profile) and on the real
// libenet 1.3.17 under the same virtual clock, link and random seeds, and every datagram (bytes and
// send time), every event and the final state of every peer must be identical.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SERVER_ADDRESS, destroyAll, libenetImplementation, renderTrace, runPair, typescriptImplementation, type Implementation, type PairOptions } from '../support/conformance-kit.js';
import type { PeerSnapshot } from '../support/host-like.js';
import { LibenetDriver } from '../support/libenet.js';
import { describeLibenet } from '../support/libenet-vitest.js';
import type { LockstepTick, TraceDatagram } from '../support/lockstep.js';

const RELIABLE = 1;
const UNSEQUENCED = 2;

interface Scenario {
  name: string;
  options: PairOptions;
}

function payload(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 131 + seed * 7) & 0xff;
  return bytes;
}

/** A deterministic loss pattern from the datagram's send sequence number (no shared random state). */
function lossEvery(permille: number, salt: number): (datagram: TraceDatagram) => { drop: true } | undefined {
  return (datagram) => {
    let x = (datagram.sequence * 0x9e3779b1 + salt) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    return x % 1000 < permille ? { drop: true } : undefined;
  };
}

function script(actions: Record<number, (tick: LockstepTick) => void>): (tick: LockstepTick) => void {
  return (tick) => {
    if (tick.nowMs === 1000) tick.host('client').connect(SERVER_ADDRESS, 4, 42);
    actions[tick.nowMs]?.(tick);
  };
}

function throttled(throttle: number, flags: number): Scenario {
  return {
    name: `${flags === UNSEQUENCED ? 'unsequenced' : 'unreliable'} traffic at throttle ${throttle}`,
    options: {
      untilMs: 4000,
      onTick: (tick) => {
        script({
          1100: (t) => t.host('client').peerThrottleConfigure(0, 5000, 0, 0),
          1200: (t) => t.host('client').peerSetPacketThrottle(0, throttle),
        })(tick);
        if (tick.nowMs >= 1300 && tick.nowMs < 3300 && tick.nowMs % 3 === 0) {
          tick.host('client').peerSend(0, 1, flags, payload(40 + (tick.nowMs % 50), tick.nowMs));
          tick.host('client').peerSend(0, 2, flags, payload(30, tick.nowMs + 1));
        }
      },
    },
  };
}

const SCENARIOS: Scenario[] = [
  { name: 'handshake', options: { untilMs: 3000, onTick: script({}) } },
  {
    name: '5000-byte reliable packet',
    options: { untilMs: 3000, onTick: script({ 1300: (t) => t.host('client').peerSend(0, 0, RELIABLE, payload(5000, 1)) }) },
  },
  {
    name: '200 000-byte reliable packet over RTT 60 with 5 % loss',
    options: {
      latencyMs: 30,
      untilMs: 12_000,
      intercept: lossEvery(50, 3),
      onTick: script({ 1300: (t) => t.host('client').peerSend(0, 1, RELIABLE, payload(200_000, 2)) }),
    },
  },
  throttled(32, 0),
  throttled(16, 0),
  throttled(0, 0),
  throttled(32, UNSEQUENCED),
  throttled(16, UNSEQUENCED),
  throttled(0, UNSEQUENCED),
  {
    name: 'peer_disconnect',
    options: { untilMs: 3000, onTick: script({ 2200: (t) => t.host('client').peerDisconnect(0, 7, t.nowMs) }) },
  },
  {
    name: 'peer_disconnect_later with queued data',
    options: {
      untilMs: 3000,
      onTick: script({
        2200: (t) => {
          for (let index = 0; index < 5; index++) t.host('server').peerSend(0, 3, RELIABLE, payload(2000, index));
          t.host('server').peerDisconnectLater(0, 8, t.nowMs);
        },
      }),
    },
  },
  {
    name: 'peer_disconnect_now',
    options: { untilMs: 3000, onTick: script({ 2200: (t) => t.host('client').peerDisconnectNow(0, 9, t.nowMs) }) },
  },
  {
    name: 'timeout under 100 % loss',
    options: { untilMs: 20_000, intercept: (d) => (d.sentAtMs >= 5000 ? { drop: true } : undefined), onTick: script({}) },
  },
  {
    name: 'reconnect from the same slot (session ids 1/1)',
    options: {
      untilMs: 4000,
      onTick: script({
        1200: (t) => t.host('client').peerDisconnect(0, 0, t.nowMs),
        1500: (t) => t.host('client').connect(SERVER_ADDRESS, 2, 43),
        2000: (t) => t.host('client').peerSend(0, 1, RELIABLE, payload(3000, 4)),
      }),
    },
  },
  {
    name: 'checksums on, mixed traffic with 10 % loss',
    options: {
      untilMs: 6000,
      client: { checksum: true },
      server: { checksum: true },
      intercept: lossEvery(100, 9),
      onTick: (tick) => {
        script({})(tick);
        if (tick.nowMs >= 1100 && tick.nowMs < 4000 && tick.nowMs % 17 === 0) {
          const client = tick.host('client');
          client.peerSend(0, tick.nowMs % 4, tick.nowMs % 2 === 0 ? RELIABLE : 0, payload(100 + (tick.nowMs % 2000), tick.nowMs));
          client.peerSend(0, 3, UNSEQUENCED, payload(20, tick.nowMs));
          tick.host('server').peerSend(0, 2, RELIABLE, payload(50, tick.nowMs));
        }
      },
    },
  },
];

function runScenario(implementation: Implementation, scenario: Scenario): { lines: string[]; peers: PeerSnapshot[] } {
  const run = runPair(implementation, scenario.options);
  try {
    return { lines: renderTrace(run.trace), peers: [run.client.peer(0), ...[0, 1, 2, 3].map((index) => run.server.peer(index))] };
  } finally {
    destroyAll(run);
  }
}

describeLibenet('differential: TypeScript 1.3.17 profile vs libenet 1.3.17, byte for byte', (driverPath) => {
  let driver: LibenetDriver;
  beforeAll(() => {
    driver = new LibenetDriver(driverPath);
  });
  afterAll(() => driver.close());

  for (const scenario of SCENARIOS) {
    test(`${scenario.name}: identical datagrams, events and peer state`, () => {
      const expected = runScenario(libenetImplementation(driver), scenario);
      const actual = runScenario(typescriptImplementation('1.3.17'), scenario);
      expect(expected.lines.length).toBeGreaterThan(3);
      // Compare line by line first so a failure points at the first divergence.
      const firstDifference = actual.lines.findIndex((line, index) => line !== expected.lines[index]);
      expect(firstDifference === -1 ? null : { index: firstDifference, typescript: actual.lines[firstDifference], libenet: expected.lines[firstDifference] }).toBeNull();
      expect(actual.lines).toEqual(expected.lines);
      expect(actual.peers).toEqual(expected.peers);
    });
  }
});
