// The Godot profiles (docs/godot.md): each Godot patch that changes protocol behaviour is shown to
// differ from upstream with exact numbers, and everything else is shown to stay upstream's.
import { describe, expect, test } from 'vitest';
import { PeerState, PROTOCOL_PROFILES, type ProtocolProfile } from '../../src/enet/constants.js';
import { EventType } from '../../src/enet/events.js';
import { Host, type WireAddress } from '../../src/enet/host.js';
import { isGodotProfile, profileBehaviour } from '../../src/enet/profile.js';
import { destroyAll, eventsOf, runPair, sentBy, typescriptImplementation, type PairRun } from '../support/conformance-kit.js';
import { ipv4Address, type TraceDatagram } from '../support/lockstep.js';
import { DISCONNECTS, SEQUENCING_AND_FRAGMENTS, THROTTLE_AND_BANDWIDTH, TIMING_AND_TIMEOUTS, WIRE_AND_HANDSHAKE } from './conformance-cases.js';

describe('profileBehaviour', () => {
  test('a Godot profile is its upstream base with only the Godot patches changed', () => {
    const GODOT_PATCHED = new Set(['broadcastReplyFromAnyAddress', 'timeoutRule', 'defaultTimeoutLimit']);
    const upstreamPart = (profile: ProtocolProfile) => Object.entries(profileBehaviour(profile)).filter(([key]) => !GODOT_PATCHED.has(key));
    for (const [profile, base] of [
      ['godot-4.0', '1.3.17'],
      ['godot-4.2', '1.3.18'],
      ['godot-pr118158', '1.3.18'],
    ] as const) {
      expect(upstreamPart(profile), profile).toEqual(upstreamPart(base));
      expect(profileBehaviour(profile).upstream).toBe(base);
    }
    expect(PROTOCOL_PROFILES.filter(isGodotProfile)).toEqual(['godot-4.0', 'godot-4.2', 'godot-pr118158']);
  });

  test('only upstream keeps the broadcast exception, and only godot-pr118158 counts attempts linearly with a default limit of 5', () => {
    const rows = PROTOCOL_PROFILES.map((profile) => {
      const behaviour = profileBehaviour(profile);
      return [profile, behaviour.broadcastReplyFromAnyAddress, behaviour.timeoutRule, behaviour.defaultTimeoutLimit];
    });
    expect(rows).toEqual([
      ['1.3.17', true, 'rto-limit', 32],
      ['1.3.18', true, 'attempts-power-of-two', 32],
      ['godot-4.0', false, 'rto-limit', 32],
      ['godot-4.2', false, 'attempts-power-of-two', 32],
      ['godot-pr118158', false, 'attempts-linear', 5],
    ]);
  });

  test('the default timeout limit is the profile\'s after a reset and for set_timeout(0, …)', () => {
    for (const [profile, expected] of [
      ['godot-4.2', 32],
      ['godot-pr118158', 5],
    ] as const) {
      const host = new Host({ peerCount: 1, randomSeed: 1, profile });
      const peer = host.peers[0]!;
      expect(peer.timeoutLimit, profile).toBe(expected);
      peer.setTimeout(100, 6000, 40_000);
      expect(peer.timeoutLimit).toBe(100);
      peer.setTimeout(0, 0, 0);
      expect([peer.timeoutLimit, peer.timeoutMinimum, peer.timeoutMaximum]).toEqual([expected, 5000, 30_000]);
    }
  });
});

// ---- the broadcast exception (Godot's socket patch) ---------------------------------------------

const BROADCAST: WireAddress = { host: 0xffffffff, port: 2000 };
const CLIENT: WireAddress = { host: 0x0a000001, port: 1000 };
const SERVER: WireAddress = { host: 0x0a000002, port: 2000 };

/**
 * A client connects to 255.255.255.255:2000; the server on 10.0.0.2:2000 gets the CONNECT and answers
 * with VERIFY_CONNECT from its own address, as a LAN server answering a broadcast does.
 */
function connectThroughBroadcast(profile: ProtocolProfile): { client: Host; connectEvents: number; state: PeerState; address: WireAddress } {
  const client = new Host({ address: CLIENT, peerCount: 1, randomSeed: 7, profile });
  const server = new Host({ address: SERVER, peerCount: 4, randomSeed: 9, profile });
  let nowMs = 1000;
  client.connect(BROADCAST, 2, 0);
  client.service(nowMs);
  const [connect] = client.pollDatagrams();
  expect(connect!.address).toEqual(BROADCAST);
  server.handleDatagram(CLIENT, connect!.data);
  nowMs += 10;
  server.service(nowMs);
  const [verify] = server.pollDatagrams();
  expect(verify!.address).toEqual(CLIENT);
  client.handleDatagram(SERVER, verify!.data);
  nowMs += 10;
  let connectEvents = 0;
  for (let call = 0; call < 4; call++) {
    if (client.service(nowMs).event.type === EventType.EVENT_CONNECT) connectEvents++;
  }
  const peer = client.peers[0]!;
  return { client, connectEvents, state: peer.state, address: peer.address };
}

describe('broadcast exception', () => {
  test('upstream 1.3.18: a peer connecting to 255.255.255.255 accepts the reply from 10.0.0.2 and adopts that address', () => {
    const outcome = connectThroughBroadcast('1.3.18');
    expect(outcome.connectEvents).toBe(1);
    expect(outcome.state).toBe(PeerState.STATE_CONNECTED);
    expect(outcome.address).toEqual(SERVER);
    expect(outcome.client.droppedDatagrams.addressMismatch).toBeUndefined();
  });

  test('upstream 1.3.17 keeps the same exception', () => {
    const outcome = connectThroughBroadcast('1.3.17');
    expect([outcome.connectEvents, outcome.state]).toEqual([1, PeerState.STATE_CONNECTED]);
  });

  for (const profile of ['godot-4.0', 'godot-4.2', 'godot-pr118158'] as const) {
    test(`${profile}: the reply from 10.0.0.2 is dropped as an address mismatch and the peer keeps connecting`, () => {
      const outcome = connectThroughBroadcast(profile);
      expect(outcome.connectEvents).toBe(0);
      expect(outcome.state).toBe(PeerState.STATE_CONNECTING);
      expect(outcome.address).toEqual(BROADCAST);
      expect(outcome.client.droppedDatagrams.addressMismatch).toBe(1);
    });
  }
});

// ---- the long-timeouts patch (Godot PR #118158) -------------------------------------------------

/**
 * Handshake at 1000 over a 10 ms link (RTT 20), set_timeout on the client at 2000, every datagram
 * sent from 5000 on lost. Returns how long after its first unacknowledged send the client dropped
 * the server, and the sends of that command (reference §9 rows 20 and 22).
 */
function timeoutAfterLoss(profile: ProtocolProfile, timeout: readonly [number, number, number] | null, untilMs: number): { dropAfterMs: number; sendOffsetsMs: number[] } {
  const lossStartMs = 5000;
  const run: PairRun = runPair(typescriptImplementation(profile), {
    untilMs,
    intercept: (datagram: TraceDatagram) => (datagram.sentAtMs >= lossStartMs ? { drop: true } : undefined),
    stopWhen: (trace) => eventsOf(trace, 'client').some(({ event }) => event.type === 'disconnect'),
    onTick: (tick) => {
      if (tick.nowMs === 1000) tick.host('client').connect(ipv4Address('10.0.0.2', 2000), 2, 0);
      if (tick.nowMs === 2000 && timeout !== null) tick.host('client').peerTimeout(0, ...timeout);
    },
  });
  try {
    const reliable = sentBy(run.trace, 'client').filter((datagram) => datagram.sentAtMs >= lossStartMs && (datagram.bytes[0]! & 0x80) !== 0);
    const disconnect = eventsOf(run.trace, 'client').find(({ event }) => event.type === 'disconnect');
    if (reliable.length === 0 || disconnect === undefined) throw new Error(`${profile}: no unacknowledged send or no disconnect before ${untilMs} ms`);
    const firstMs = reliable[0]!.sentAtMs;
    return { dropAfterMs: disconnect.atMs - firstMs, sendOffsetsMs: reliable.map((datagram) => datagram.sentAtMs - firstMs) };
  } finally {
    destroyAll(run);
  }
}

describe('long-timeouts patch', () => {
  // At RTT 20 the RTO is 32 ms and doubles on every retransmission, so the k-th timeout check of the
  // first unacknowledged PING comes 32 × (2^k − 1) ms after it was sent, with sendAttempts = k
  // (reference §4.4). The peer is dropped at the first check where elapsed ≥ timeoutMaximum, or
  // where the limit test passes and elapsed ≥ timeoutMinimum.
  test('set_timeout(32, 5000, 30000) at RTT 20: upstream 1.3.18 drops the peer after 8160 ms, godot-pr118158 after 32736 ms', () => {
    // Upstream: 2^(k−1) ≥ 32 from k = 6; 32 × 63 = 2016 and 32 × 127 = 4064 are under the 5000 ms
    // minimum, k = 8 gives 32 × 255 = 8160 ≥ 5000: dropped at 8160 ms.
    const upstream = timeoutAfterLoss('1.3.18', [32, 5000, 30_000], 20_000);
    expect(upstream.dropAfterMs).toBe(8160);
    // The patch: k − 1 ≥ 32 needs k = 33, so only the 30000 ms maximum can end it: 32 × 511 = 16352
    // is under it, k = 10 gives 32 × 1023 = 32736 ≥ 30000: dropped at 32736 ms, after 10 sends.
    const patched = timeoutAfterLoss('godot-pr118158', [32, 5000, 30_000], 45_000);
    expect(patched.dropAfterMs).toBe(32_736);
    expect(patched.sendOffsetsMs).toEqual([0, 32, 96, 224, 480, 992, 2016, 4064, 8160, 16_352]);
  });

  test('with the default limits both rules drop the peer after 8160 ms at RTT 20 (the patch lowers the default limit to 5 for that)', () => {
    // Upstream: limit 32 → k ≥ 6; the patch: limit 5 → k − 1 ≥ 5 → k ≥ 6, the same checks; both
    // reach the 5000 ms minimum at k = 8: 32 × 255 = 8160 ms.
    for (const profile of ['1.3.18', 'godot-4.2', 'godot-pr118158'] as const) {
      expect(timeoutAfterLoss(profile, null, 20_000).dropAfterMs, profile).toBe(8160);
    }
  });

  test('set_timeout(8, 1000, 30000) at RTT 20: upstream drops after 2016 ms, godot-pr118158 after 16352 ms', () => {
    // Upstream: 2^(k−1) ≥ 8 from k = 4 (480 ms, under the 1000 ms minimum); k = 5 gives 992 < 1000,
    // k = 6 gives 32 × 63 = 2016 ≥ 1000: dropped at 2016 ms.
    expect(timeoutAfterLoss('1.3.18', [8, 1000, 30_000], 20_000).dropAfterMs).toBe(2016);
    // The patch: k − 1 ≥ 8 from k = 9: 32 × 511 = 16352 ≥ 1000 (and under 30000): dropped at 16352 ms.
    expect(timeoutAfterLoss('godot-pr118158', [8, 1000, 30_000], 30_000).dropAfterMs).toBe(16_352);
  });

  test('godot-4.2, without the patch, times out exactly as upstream 1.3.18 with a custom limit', () => {
    expect(timeoutAfterLoss('godot-4.2', [8, 1000, 30_000], 20_000).dropAfterMs).toBe(2016);
  });
});

// ---- everything else is upstream's ------------------------------------------------------------

// The §9 rows hold on libenet 1.3.17 (conformance.test.ts runs them there). None of them connects to
// the broadcast address, so godot-4.0, which is 1.3.17 plus the socket patch, must answer all of them
// exactly as libenet 1.3.17 does: the only oracle here checks its upstream part.
describe('§9 conformance: TypeScript core, godot-4.0 profile', () => {
  for (const conformanceCase of [...WIRE_AND_HANDSHAKE, ...SEQUENCING_AND_FRAGMENTS, ...TIMING_AND_TIMEOUTS, ...DISCONNECTS, ...THROTTLE_AND_BANDWIDTH]) {
    test(`row ${conformanceCase.row}: ${conformanceCase.name}`, () => conformanceCase.run(typescriptImplementation('godot-4.0')));
  }
});

// Rows 2, 14 and 41 state the 1.3.18 answer too; godot-4.2 gives it.
describe('§9 conformance: TypeScript core, godot-4.2 profile, rows with a 1.3.18 answer', () => {
  const rows = new Set(['2', '14', '41']);
  for (const conformanceCase of [...WIRE_AND_HANDSHAKE, ...SEQUENCING_AND_FRAGMENTS, ...THROTTLE_AND_BANDWIDTH].filter((candidate) => rows.has(candidate.row))) {
    test(`row ${conformanceCase.row}: ${conformanceCase.name}`, () => conformanceCase.run(typescriptImplementation('godot-4.2')));
  }
});
