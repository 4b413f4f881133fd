// Traffic and relative expectations on a hand-made trace whose numbers are worked out by hand below.
import { describe, expect, it } from 'vitest';
import { check } from '../../src/scenario/assertions.js';
import type { Bound, Expectation, TrafficExpectation } from '../../src/scenario/model.js';
import type { SentPacket } from '../../src/sim/ledger.js';
import type { DatagramTraceEvent, TraceEvent } from '../../src/trace/trace.js';

const NO_BOUND: Bound = { above: null, below: null, equals: null, atLeast: null, atMost: null };

function datagram(atMs: number, phase: DatagramTraceEvent['phase'], id: number, sizeBytes: number, extra: Partial<DatagramTraceEvent> = {}, from = 'client', to = 'server'): DatagramTraceEvent {
  return { kind: 'datagram', atMs, phase, id, from, to, sizeBytes, ...extra };
}

function packet(id: number, sentAtMs: number, channel: number, sizeBytes: number, refused = false): SentPacket {
  return { id, from: 'client', to: 'server', channel, flags: 1, sizeBytes, sentAtMs, source: 'send', tagged: true, refused, receivedAtMs: [sentAtMs + 30] };
}

// client->server sent: 40 + 40 + 112 + 112 + 124 + 20 = 448 B in 6 datagrams; dropped: #1 and #5 by
// loss (152 B), #4 by queueFull; delivered: #2, #6 twice, #7 (308 B). Retransmitted: CONNECT #1 at
// 100 ms (channel 255), SEND_RELIABLE ch0 #1 at 300 and 400 ms (its 2nd and 3rd transmission).
const events: TraceEvent[] = [
  datagram(0, 'sent', 1, 40, { commands: ['CONNECT ch255 #1'] }),
  datagram(0, 'dropped', 1, 40, { reason: 'loss' }),
  datagram(100, 'sent', 2, 40, { commands: ['CONNECT ch255 #1'] }),
  datagram(130, 'delivered', 2, 40),
  datagram(130, 'sent', 3, 48, { commands: ['ACKNOWLEDGE ch255 #1', 'VERIFY_CONNECT ch255 #1'] }, 'server', 'client'),
  datagram(160, 'delivered', 3, 48, {}, 'server', 'client'),
  datagram(200, 'sent', 4, 112, { commands: ['ACKNOWLEDGE ch255 #1', 'SEND_RELIABLE ch0 #1'] }),
  datagram(200, 'dropped', 4, 112, { reason: 'queueFull' }),
  datagram(300, 'sent', 5, 112, { commands: ['SEND_RELIABLE ch0 #1'] }),
  datagram(300, 'dropped', 5, 112, { reason: 'loss' }),
  datagram(400, 'sent', 6, 124, { commands: ['SEND_RELIABLE ch0 #1', 'SEND_RELIABLE ch1 #1'] }),
  datagram(430, 'delivered', 6, 124),
  datagram(430, 'delivered', 6, 124, { duplicate: true }),
  datagram(500, 'sent', 7, 20, { commands: ['SEND_UNRELIABLE ch0 #1'] }),
  datagram(530, 'delivered', 7, 20),
];
// Application bytes client->server: 100 + 12 + 8 = 120 (the refused 50 B never left).
const packets = [packet(1, 200, 0, 100), packet(2, 400, 1, 12), packet(3, 500, 0, 8), packet(4, 600, 0, 50, true)];
const run = { events, packets, idTimesMs: new Map([['burst', 150]]), durationMs: 1000 };

function traffic(fields: Partial<TrafficExpectation>, bound: Partial<Bound> = { atLeast: 0 }): TrafficExpectation {
  return { kind: 'traffic', from: 'client', to: 'server', measure: 'datagrams', phase: 'sent', reason: null, channel: null, aggregate: 'max', window: { after: null, fromMs: 0, toMs: null }, bound: { ...NO_BOUND, ...bound }, ...fields };
}

describe('traffic: datagram counts and bytes per phase', () => {
  it('traffic: counts the datagrams sent, delivered (each copy) and dropped', () => {
    expect(check(traffic({}, { equals: 6 }), run)).toMatchObject({ passed: true, observed: '6' });
    expect(check(traffic({ phase: 'delivered' }, { equals: 4 }), run)).toMatchObject({ passed: true, observed: '4' });
    expect(check(traffic({ phase: 'dropped' }, { equals: 3 }), run)).toMatchObject({ passed: true, observed: '3' });
  });

  it('traffic: a drop reason counts only the drops by that rule', () => {
    expect(check(traffic({ phase: 'dropped', reason: 'loss' }, { equals: 2 }), run).passed).toBe(true);
    expect(check(traffic({ phase: 'dropped', reason: 'queueFull' }, { equals: 1 }), run).passed).toBe(true);
    expect(check(traffic({ phase: 'dropped', reason: 'mtu' }, { equals: 0 }), run).passed).toBe(true);
  });

  it('traffic: bytes are the UDP payload bytes of the matching datagrams', () => {
    expect(check(traffic({ measure: 'bytes' }, { equals: 448 }), run)).toMatchObject({ passed: true, observed: '448B over 6 datagrams' });
    expect(check(traffic({ measure: 'bytes', phase: 'delivered' }, { equals: 308 }), run).passed).toBe(true);
    expect(check(traffic({ measure: 'bytes', phase: 'dropped', reason: 'loss' }, { equals: 152 }), run).passed).toBe(true);
  });

  it('traffic: a window after a timeline id counts only the datagrams inside it, both ends included', () => {
    // [150, 450]: #4, #5, #6 sent.
    const window = { after: 'burst', fromMs: 0, toMs: 300 };
    const result = check(traffic({ window }, { atMost: 2 }), run);
    expect(result).toMatchObject({ passed: false, observed: '3', expected: "client->server datagrams sent within 300ms of 'burst' at most 2" });
    expect(result.placement).toEqual({ fromMs: 150, toMs: 450, quantity: 'traffic', subject: 'client->server', min: null, max: 2, observedValue: 3, observedAtMs: null });
  });

  it('traffic: the other direction is counted apart', () => {
    expect(check({ ...traffic({}, { equals: 1 }), from: 'server', to: 'client' }, run).passed).toBe(true);
  });
});

describe('traffic: overhead, retransmissions and sizes', () => {
  it('traffic overhead: UDP payload bytes sent per application byte sent, refused packets left out', () => {
    const result = check(traffic({ measure: 'overhead' }, { atMost: 3.7 }), run);
    // 448 / 120 = 3.7333
    expect(result).toMatchObject({ passed: false, observed: '3.733 (448B on the wire for 120B of packets)' });
    expect(check(traffic({ measure: 'overhead', window: { after: 'burst', fromMs: 0, toMs: 300 } }, { atLeast: 3.1, atMost: 3.11 }), run).passed).toBe(true); // 348 / 112 = 3.107
  });

  it('traffic overhead: fails, saying why, when the application sent nothing in the window', () => {
    expect(check(traffic({ measure: 'overhead', window: { after: null, fromMs: 0, toMs: 100 } }), run)).toMatchObject({ passed: false, observed: 'the application sent no bytes in the window' });
  });

  it('traffic retransmissions: reliable commands sent again, per channel; ACKs and unreliable commands never count', () => {
    expect(check(traffic({ measure: 'retransmissions' }, { equals: 3 }), run)).toMatchObject({ passed: true, observed: '3' });
    expect(check(traffic({ measure: 'retransmissions', channel: 0 }, { equals: 2 }), run).passed).toBe(true);
    expect(check(traffic({ measure: 'retransmissions', channel: 1 }, { equals: 0 }), run).passed).toBe(true);
    expect(check(traffic({ measure: 'retransmissions', channel: 255 }, { equals: 1 }), run).passed).toBe(true);
    expect(check({ ...traffic({ measure: 'retransmissions' }, { equals: 0 }), from: 'server', to: 'client' }, run).passed).toBe(true);
  });

  it('traffic retransmissions: counted by the time of the retransmission, the first sending outside the window still known', () => {
    expect(check(traffic({ measure: 'retransmissions', window: { after: 'burst', fromMs: 0, toMs: 300 } }, { equals: 2 }), run).passed).toBe(true);
  });

  it('traffic size: nearest-rank percentiles, min, mean and max of the datagram sizes', () => {
    // Sorted: 20 40 40 112 112 124.
    const size = (aggregate: string, value: number) => check(traffic({ measure: 'size', aggregate }, { equals: value }), run);
    expect(size('p50', 40)).toMatchObject({ passed: true, observed: '40B over 6 datagrams' });
    expect(size('p95', 124).passed).toBe(true);
    expect(size('min', 20).passed).toBe(true);
    expect(size('max', 124).passed).toBe(true);
    expect(size('mean', 448 / 6)).toMatchObject({ passed: true, observed: '74.7B over 6 datagrams' });
  });

  it('traffic size: no datagram in the window fails rather than passing on nothing', () => {
    expect(check(traffic({ measure: 'size', window: { after: null, fromMs: 600, toMs: 1000 } }, { atMost: 1000 }), run)).toMatchObject({ passed: false, observed: 'no datagram in the window' });
  });
});

describe('relative: one measured value against another', () => {
  const stats = (atMs: number, host: string, throttle: number): TraceEvent => ({ kind: 'stats', atMs, host, peer: 'server', values: [0, 0, 0, 50, 0, 0, 0, throttle, 32, 0, 0, 2, 2, 5000] });
  const throttles = { ...run, events: [stats(900, 'tuned', 12), stats(900, 'plain', 30)] };
  const throttleAt = (host: string) => ({
    kind: 'stat' as const,
    expectation: { kind: 'stat' as const, host, peer: 'server', stat: 'PEER_PACKET_THROTTLE', statIndex: 7, atMs: 1000, overMs: null, aggregate: 'last', after: null, bound: NO_BOUND, unit: 'count' as const },
  });
  const relative = (fields: Partial<Extract<Expectation, { kind: 'relative' }>>): Expectation => ({ kind: 'relative', value: throttleAt('tuned'), than: throttleAt('plain'), unit: 'count', comparison: null, ratio: null, difference: null, ...fields });

  it('relative below: reported observed against observed', () => {
    const result = check(relative({ comparison: 'below' }), throttles);
    expect(result).toMatchObject({ passed: true, observed: '12 vs 30', expected: 'tuned->server PEER_PACKET_THROTTLE at 1s below plain->server PEER_PACKET_THROTTLE at 1s' });
    expect(check(relative({ comparison: 'above' }), throttles).passed).toBe(false);
    expect(check(relative({ comparison: 'at_least' }), throttles).passed).toBe(false);
  });

  it('relative ratio and difference: value / than and value − than within their bounds', () => {
    expect(check(relative({ ratio: { ...NO_BOUND, atMost: 0.4 } }), throttles)).toMatchObject({ passed: true, observed: '12 vs 30 (ratio 0.400)' });
    expect(check(relative({ ratio: { ...NO_BOUND, below: 0.4 } }), throttles).passed).toBe(false);
    expect(check(relative({ difference: { ...NO_BOUND, atMost: -18 } }), throttles)).toMatchObject({ passed: true, observed: '12 vs 30 (difference −18)' });
    expect(check(relative({ difference: { ...NO_BOUND, atMost: -19 } }), throttles).passed).toBe(false);
  });

  it('relative: a side that cannot be measured fails and says which', () => {
    const result = check(relative({ comparison: 'below', than: throttleAt('absent') }), throttles);
    expect(result).toMatchObject({ passed: false, observed: 'the value compared with could not be measured (12 vs no value)' });
  });

  it('relative ratio against 0 fails: the ratio is undefined', () => {
    const zero = { ...throttles, events: [stats(900, 'tuned', 12), stats(900, 'plain', 0)] };
    expect(check(relative({ ratio: { ...NO_BOUND, atLeast: 0 } }), zero)).toMatchObject({ passed: false, observed: '12 vs 0 (ratio undefined: the value compared with is 0)' });
  });

  it('relative: traffic against traffic, the dropped share of the datagrams sent', () => {
    const sent = { kind: 'traffic' as const, expectation: traffic({}) };
    const dropped = { kind: 'traffic' as const, expectation: traffic({ phase: 'dropped' }) };
    expect(check({ kind: 'relative', value: dropped, than: sent, unit: 'count', comparison: null, ratio: { ...NO_BOUND, equals: 0.5 }, difference: null }, run)).toMatchObject({ passed: true, observed: '3 vs 6 (ratio 0.500)' });
  });

  it('relative: delivery latency percentiles of one direction against each other', () => {
    const latency = (percentile: number) => ({ kind: 'delivery' as const, from: 'client', to: 'server', channel: null, latencyPercentile: percentile });
    // Every packet took 30 ms (refused ones are left out).
    expect(check({ kind: 'relative', value: latency(50), than: latency(95), unit: 'ms', comparison: 'at_most', ratio: null, difference: null }, run)).toMatchObject({ passed: true, observed: '30ms vs 30ms' });
  });
});
