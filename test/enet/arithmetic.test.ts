// Unit tests of ENet's integer arithmetic, each against the numbers in the reference (§4.4, §4.5,
// §5.1, §1.3). These parts run on the TypeScript core alone because libenet offers no entry point
// to feed a single RTT sample or call enet_peer_throttle; the same arithmetic is exercised end to
// end on both implementations by the conformance suite (RTT, ping and timeout rows).
import { describe, expect, test } from 'vitest';
import { Host } from '../../src/enet/host.js';
import { updateRoundTripTime } from '../../src/enet/protocol-receive.js';
import { updatePacketLoss } from '../../src/enet/protocol-send.js';
import { timeDifferenceMs, timeGreater, timeLess, TIME_OVERFLOW_MS } from '../../src/enet/time.js';

function freshPeer(profile: '1.3.17' | '1.3.18' = '1.3.17') {
  const host = new Host({ peerCount: 1, randomSeed: 1, profile });
  return { host, peer: host.peers[0]! };
}

describe('time arithmetic (time.h)', () => {
  test('LESS/GREATER/DIFFERENCE wrap around 2^32', () => {
    expect(timeLess(0xfffffff0, 0x10)).toBe(true);
    expect(timeGreater(0x10, 0xfffffff0)).toBe(true);
    expect(timeDifferenceMs(0x10, 0xfffffff0)).toBe(0x20);
    expect(timeDifferenceMs(0xfffffff0, 0x10)).toBe(0x20);
  });
  test('differences of ENET_TIME_OVERFLOW or more read the other way round', () => {
    // An instant ENET_TIME_OVERFLOW (24 h) or more ahead reads as "before".
    expect(timeLess(TIME_OVERFLOW_MS, 0)).toBe(true);
    expect(timeLess(TIME_OVERFLOW_MS - 1, 0)).toBe(false);
    expect(timeDifferenceMs(TIME_OVERFLOW_MS - 1, 0)).toBe(TIME_OVERFLOW_MS - 1);
  });
});

describe('§9 row 26: RTT update arithmetic', () => {
  test('samples of 20 ms give (srtt, var) = (20,10),(20,8),(20,6),(20,5),(20,4),(20,3),(20,3) and RTO 32', () => {
    const { peer } = freshPeer();
    const seen: [number, number][] = [];
    for (let sample = 0; sample < 7; sample++) {
      const nowMs = 10_000 + sample * 100;
      updateRoundTripTime(peer, 20, nowMs);
      peer.lastReceiveTime = nowMs; // handleAcknowledge sets this right after the update
      seen.push([peer.roundTripTime, peer.roundTripTimeVariance]);
    }
    expect(seen).toEqual([
      [20, 10],
      [20, 8],
      [20, 6],
      [20, 5],
      [20, 4],
      [20, 3],
      [20, 3],
    ]);
    expect(peer.roundTripTime + 4 * peer.roundTripTimeVariance).toBe(32);
  });

  test('a sample of 100 then samples of 1 leave srtt at 8, not 1 (enet#161)', () => {
    const { peer } = freshPeer();
    updateRoundTripTime(peer, 100, 10_000);
    peer.lastReceiveTime = 10_000;
    for (let sample = 1; sample <= 200; sample++) {
      updateRoundTripTime(peer, 1, 10_000 + sample);
      peer.lastReceiveTime = 10_000 + sample;
    }
    expect(peer.roundTripTime).toBe(8);
  });

  test('the first sample sets srtt and var = (r+1)/2 without calling the throttle', () => {
    const { peer } = freshPeer();
    peer.packetThrottle = 5;
    updateRoundTripTime(peer, 37, 10_000);
    expect([peer.roundTripTime, peer.roundTripTimeVariance, peer.packetThrottle]).toEqual([37, 19, 5]);
  });
});

describe('§9 row 36: enet_peer_throttle', () => {
  test('lastRTT <= lastVar sets the throttle to its limit', () => {
    const { peer } = freshPeer();
    Object.assign(peer, { lastRoundTripTime: 3, lastRoundTripTimeVariance: 3, packetThrottle: 4, packetThrottleLimit: 20 });
    expect(peer.throttle(100)).toBe(0);
    expect(peer.packetThrottle).toBe(20);
  });
  test('a sample at or below lastRTT accelerates, capped at the limit', () => {
    const { peer } = freshPeer();
    Object.assign(peer, { lastRoundTripTime: 50, lastRoundTripTimeVariance: 5, packetThrottle: 31, packetThrottleLimit: 32 });
    expect(peer.throttle(50)).toBe(1);
    expect(peer.packetThrottle).toBe(32);
  });
  test('a sample above lastRTT + 2·lastVar decelerates, floored at 0', () => {
    const { peer } = freshPeer();
    Object.assign(peer, { lastRoundTripTime: 50, lastRoundTripTimeVariance: 5, packetThrottle: 1 });
    expect(peer.throttle(61)).toBe(-1);
    expect(peer.packetThrottle).toBe(0);
  });
  test('a sample within lastRTT + 2·lastVar leaves the throttle alone', () => {
    const { peer } = freshPeer();
    Object.assign(peer, { lastRoundTripTime: 50, lastRoundTripTimeVariance: 5, packetThrottle: 17 });
    expect(peer.throttle(60)).toBe(0);
    expect(peer.packetThrottle).toBe(17);
  });
});

describe('§9 row 39: packet-loss statistic', () => {
  test('old (0,0), 1 lost of 20 sent after >= 10 s gives packetLoss 409 and variance 819', () => {
    const { host, peer } = freshPeer();
    peer.packetLossEpoch = 5_000;
    peer.packetsSent = 20;
    peer.packetsLost = 1;
    host.serviceTime = 15_000;
    updatePacketLoss(host, peer);
    expect([peer.packetLoss, peer.packetLossVariance, peer.packetsSent, peer.packetsLost, peer.packetLossEpoch]).toEqual([409, 819, 0, 0, 15_000]);
  });
  test('before 10 s nothing changes', () => {
    const { host, peer } = freshPeer();
    peer.packetLossEpoch = 5_000;
    peer.packetsSent = 20;
    peer.packetsLost = 1;
    host.serviceTime = 14_999;
    updatePacketLoss(host, peer);
    expect([peer.packetLoss, peer.packetsSent]).toEqual([0, 20]);
  });
});
