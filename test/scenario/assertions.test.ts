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

describe('where a check looked (placement, for the HTML report)', () => {
  const stats = (atMs: number, rttMs: number) => ({ kind: 'stats' as const, atMs, host: 'client', peer: 'server', values: [0, 0, 0, rttMs, 0, 0, 0, 32, 32, 0, 0, 2, 2, 5000] });
  const events = [
    stats(100, 40),
    stats(200, 90),
    stats(300, 60),
    { kind: 'state' as const, atMs: 50, host: 'client', peer: 'server', from: 'STATE_CONNECTING', to: 'STATE_CONNECTED' },
    { kind: 'state' as const, atMs: 1500, host: 'client', peer: 'server', from: 'STATE_CONNECTED', to: 'STATE_DISCONNECTED', cause: 'timeoutLimit' },
  ];
  const placed = { events, idTimesMs: new Map([['spike', 100]]), durationMs: 2000, packets: [] };
  const noBound = { above: null, below: null, equals: null, atLeast: null, atMost: null };

  it('stat over a window: the absolute window, the bound as min/max, and the sample that gave the aggregate', () => {
    const expectation: Expectation = { kind: 'stat', host: 'client', peer: 'server', stat: 'PEER_ROUND_TRIP_TIME', statIndex: 3, atMs: null, overMs: [0, 250], aggregate: 'max', after: 'spike', bound: { ...noBound, atLeast: 50, below: 80 }, unit: 'ms' };
    const result = check(expectation, placed);
    expect(result.passed).toBe(false);
    expect(result.placement).toEqual({ fromMs: 100, toMs: 350, quantity: 'PEER_ROUND_TRIP_TIME', subject: 'client->server', min: 50, max: 80, observedValue: 90, observedAtMs: 200 });
  });

  it('stat mean: no instant for the observed value', () => {
    const expectation: Expectation = { kind: 'stat', host: 'client', peer: 'server', stat: 'PEER_ROUND_TRIP_TIME', statIndex: 3, atMs: null, overMs: [0, 400], aggregate: 'mean', after: null, bound: { ...noBound, below: 100 }, unit: 'ms' };
    expect(check(expectation, placed).placement).toMatchObject({ observedValue: (40 + 90 + 60) / 3, observedAtMs: null, min: null, max: 100 });
  });

  it('timeout: its window and when the peer timed out', () => {
    const expectation: Expectation = { kind: 'timeout', host: 'client', peer: 'server', rule: 'any', window: { after: null, fromMs: 1000, toMs: 2000 } };
    expect(check(expectation, placed)).toMatchObject({ passed: true, placement: { fromMs: 1000, toMs: 2000, quantity: 'timeout', subject: 'client->server', observedAtMs: 1500 } });
  });

  it('state reaches: its window and when the state was reached', () => {
    const expectation: Expectation = { kind: 'state', host: 'client', peer: 'server', mode: 'reaches', state: 'STATE_CONNECTED', atMs: null, window: { after: null, fromMs: 0, toMs: 100 } };
    expect(check(expectation, placed).placement).toMatchObject({ fromMs: 0, toMs: 100, quantity: 'state', observedAtMs: 50 });
  });
});
