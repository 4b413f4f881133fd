// Expectation checks on hand-made run data, for edges the scenario corpus does not reach.
import { describe, expect, it } from 'vitest';
import type { SentPacket } from '../../src/sim/ledger.js';
import { check } from '../../src/scenario/assertions.js';
import type { Expectation } from '../../src/scenario/model.js';

function packet(id: number, sentAtMs: number, receivedAtMs: number[]): SentPacket {
  return { id, from: 'client', to: 'server', channel: 0, flags: 1, sizeBytes: 100, sentAtMs, source: 'send', tagged: true, refused: false, receivedAtMs };
}

const run = { events: [], idTimesMs: new Map<string, number>(), durationMs: 2000, packets: [packet(1, 0, [30]), packet(2, 10, [25]), packet(3, 20, [90])] };

function latencyCheck(percentile: number, belowMs: number) {
  const expectation: Expectation = { kind: 'delivery', from: 'client', to: 'server', channel: null, exactlyOnceInOrder: false, ratio: null, latency: { percentile, belowMs, aboveMs: null }, duplicatesMax: null };
  return check(expectation, run);
}

describe('delivery latency percentiles', () => {
  it('p0 is the smallest latency (nearest rank 1), not undefined', () => {
    expect(latencyCheck(0, 16)).toMatchObject({ passed: true, observed: 'p0 15ms over 3 packets' });
    expect(latencyCheck(0, 15).passed).toBe(false);
  });

  it('p100 is the largest latency', () => {
    expect(latencyCheck(100, 71)).toMatchObject({ passed: true, observed: 'p100 70ms over 3 packets' });
  });
});
