// The run report's data built from a hand-made trace: every number here can be checked by reading
// the trace below.
import { describe, expect, it } from 'vitest';
import {
  buildRunPageData,
  downsample,
  PANEL_POINTS_MAX,
  PANEL_SUBJECTS_MAX,
  POINTS_PER_SERIES_MAX,
  SEQUENCE_DATAGRAMS_MAX,
  STATE_BANDS_PER_PEER_MAX,
  TWO_HOST_PAGE_DATA_BYTES_MAX,
  type RunModelInput,
} from '../../src/report/run-model.js';
import type { ExpectationMark, RunPageHeader } from '../../src/report/run-page-data.js';
import type { TraceEvent } from '../../src/trace/trace.js';

const HEADER: RunPageHeader = { scenario: 'hand-made', file: 'x.yaml', seed: '1', passed: true, settings: [], reproduce: 'enetsim run x.yaml --seed 1', implementation: 'TypeScript 1.3.18', traceHash: '0' };

/** The 14 statistics with RTT, its variance, last RTT, last variance and the throttle set (the rest 0). */
function stats(atMs: number, host: string, peer: string, rttMs: number, varianceMs: number, lastMs: number, lastVarianceMs: number, throttle: number, loss = 0): TraceEvent {
  return { kind: 'stats', atMs, host, peer, values: [loss, 0, 0, rttMs, varianceMs, lastMs, lastVarianceMs, throttle, 32, 0, 0, 2, 2, 5000] };
}

function sent(id: number, atMs: number, from: string, to: string, commands: string[]): TraceEvent {
  return { kind: 'datagram', atMs, phase: 'sent', id, from, to, sizeBytes: 40, bytesHash: '00000000', commands };
}

function delivered(id: number, atMs: number, from: string, to: string, duplicate = false): TraceEvent {
  return { kind: 'datagram', atMs, phase: 'delivered', id, from, to, sizeBytes: 40, ...(duplicate ? { duplicate } : {}) };
}

function dropped(id: number, atMs: number, from: string, to: string, reason: string): TraceEvent {
  return { kind: 'datagram', atMs, phase: 'dropped', id, from, to, sizeBytes: 40, reason };
}

const C = 'client';
const S = 'server';

/** A 5-second run: a handshake, a reliable command lost once, its ACK, a duplicate, and every kind of span. */
const EVENTS: TraceEvent[] = [
  { kind: 'action', atMs: 0, action: 'link', detail: { link: 'default', config: { latencyMs: 20 }, rampMs: 0 } },
  { kind: 'action', atMs: 0, host: C, action: 'connect', detail: { peer: S, channels: 2, data: 0 } },
  { kind: 'state', atMs: 0, host: C, peer: S, from: 'STATE_DISCONNECTED', to: 'STATE_CONNECTING', cause: 'connect' },
  sent(1, 10, C, S, ['CONNECT ch255 #1']),
  delivered(1, 30, C, S),
  { kind: 'state', atMs: 30, host: S, peer: C, from: 'STATE_DISCONNECTED', to: 'STATE_ACKNOWLEDGING_CONNECT' },
  sent(2, 30, S, C, ['VERIFY_CONNECT ch255 #1']),
  delivered(2, 50, S, C),
  { kind: 'state', atMs: 50, host: C, peer: S, from: 'STATE_CONNECTING', to: 'STATE_CONNECTED' },
  sent(9, 60, C, S, ['ACKNOWLEDGE ch255 #1']),
  delivered(9, 80, C, S),
  { kind: 'state', atMs: 80, host: S, peer: C, from: 'STATE_ACKNOWLEDGING_CONNECT', to: 'STATE_CONNECTED' },
  { kind: 'action', atMs: 100, id: 'squeeze', action: 'link', detail: { link: 'client->server', config: { bandwidth: { rateBitsPerSecond: 256000 } }, rampMs: 0 } },
  sent(3, 100, C, S, ['SEND_RELIABLE ch0 #1']),
  dropped(3, 100, C, S, 'loss'),
  stats(100, C, S, 40, 10, 40, 10, 32),
  stats(200, C, S, 44, 12, 40, 10, 30, 6554),
  sent(4, 200, C, S, ['SEND_RELIABLE ch0 #1']),
  delivered(4, 220, C, S),
  { kind: 'queue', atMs: 200, from: C, to: S, bytes: 1200, datagramCount: 3 },
  sent(5, 220, S, C, ['ACKNOWLEDGE ch0 #1']),
  delivered(5, 240, S, C),
  { kind: 'queue', atMs: 300, from: C, to: S, bytes: 0, datagramCount: 0 },
  sent(6, 300, C, S, ['SEND_RELIABLE ch0 #1', 'SEND_UNRELIABLE ch1 #0']),
  delivered(6, 320, C, S),
  sent(7, 400, C, S, ['SEND_UNRELIABLE ch1 #0']),
  delivered(7, 420, C, S),
  delivered(7, 425, C, S, true),
  { kind: 'action', atMs: 600, action: 'link', detail: { link: 'client->server', config: { latencyMs: 50 }, rampMs: 300 } },
  { kind: 'action', atMs: 1000, action: 'partition', detail: { a: C, b: S, oneWay: false } },
  { kind: 'action', atMs: 1500, action: 'hold', detail: { from: S, to: C } },
  { kind: 'action', atMs: 1800, action: 'release', detail: { from: S, to: C } },
  { kind: 'action', atMs: 2000, action: 'heal', detail: { a: C, b: S, oneWay: false } },
  { kind: 'action', atMs: 2500, id: 'spike', action: 'lag_spike', detail: { link: 'default', extraMs: 300, forMs: 400 } },
  { kind: 'action', atMs: 2500, id: 'spike', action: 'link', detail: { link: 'client->server', config: { latencyMs: 320 }, rampMs: 0 } },
  { kind: 'action', atMs: 2900, action: 'link', detail: { link: 'client->server', config: { latencyMs: 20 }, rampMs: 0 } },
  { kind: 'action', atMs: 3000, host: S, action: 'pause' },
  { kind: 'action', atMs: 3500, host: S, action: 'resume' },
  { kind: 'action', atMs: 4000, id: 'relief', action: 'link', detail: { link: 'client->server', config: { bandwidth: { rateBitsPerSecond: 10_000_000 } }, rampMs: 0 } },
  { kind: 'action', atMs: 4200, host: C, action: 'crash' },
  sent(8, 4500, S, C, ['PING ch255 #2']),
];

function input(overrides: Partial<RunModelInput> = {}): RunModelInput {
  return { events: EVENTS, durationMs: 5000, header: HEADER, expectations: [], ...overrides };
}

describe('run report data', () => {
  it("markers: every action but the starting links and a lag spike's own latency changes, labelled with its timeline id when it has one", () => {
    const data = buildRunPageData(input());
    expect(data.markers.map((marker) => [marker.atMs, marker.label])).toEqual([
      [0, 'connect'],
      [100, 'squeeze'],
      [600, 'link'],
      [1000, 'partition'],
      [1500, 'hold'],
      [1800, 'release'],
      [2000, 'heal'],
      [2500, 'spike'],
      [3000, 'pause'],
      [3500, 'resume'],
      [4000, 'relief'],
      [4200, 'crash'],
    ]);
    expect(data.markers[0]!.host).toBe(C);
  });

  it('spans: partition to heal, hold to release, pause to resume, a crash without restart to the end, the lag spike and ramp for their length, congestion until the bandwidth changes', () => {
    const data = buildRunPageData(input());
    expect(data.spans.map((span) => [span.kind, span.fromMs, span.toMs])).toEqual([
      ['congestion', 100, 4000],
      ['ramp', 600, 900],
      ['partition', 1000, 2000],
      ['hold', 1500, 1800],
      ['lagSpike', 2500, 2900],
      ['pause', 3000, 3500],
      ['congestion', 4000, 5000],
      ['crash', 4200, 5000],
    ]);
    expect(data.spans[0]!.label).toBe('bottleneck client->server 256 kbit/s');
  });

  it('peers: one row per host->peer with contiguous state bands to the end of the run; a crash disconnects the crashed host\'s peers', () => {
    const data = buildRunPageData(input());
    expect(data.peers.map((row) => row.key)).toEqual(['client->server', 'server->client']);
    expect(data.peers[0]!.states).toEqual([
      { fromMs: 0, toMs: 50, state: 'STATE_CONNECTING' },
      { fromMs: 50, toMs: 4200, state: 'STATE_CONNECTED' },
      { fromMs: 4200, toMs: 5000, state: 'STATE_DISCONNECTED' },
    ]);
    expect(data.peers[1]!.states).toEqual([
      { fromMs: 30, toMs: 80, state: 'STATE_ACKNOWLEDGING_CONNECT' },
      { fromMs: 80, toMs: 5000, state: 'STATE_CONNECTED' },
    ]);
  });

  it("panels: RTT with its variance band and the throttle's reference values, throttle, loss in %, derived RTO", () => {
    const data = buildRunPageData(input());
    expect(data.panels.map((panel) => panel.id)).toEqual(['rtt', 'throttle', 'loss', 'rto', 'reliable', 'queue']);
    const rtt = data.panels[0]!;
    expect(rtt.series.map((series) => [series.quantity, series.style, series.values])).toEqual([
      ['PEER_ROUND_TRIP_TIME', 'line', [40, 44]],
      ['rttMinusVariance', 'bandLow', [30, 32]],
      ['rttPlusVariance', 'bandHigh', [50, 56]],
      ['PEER_LAST_ROUND_TRIP_TIME', 'dashed', [40, 40]],
      ['throttleFallsAbove', 'dashed', [60, 60]],
    ]);
    expect(data.panels[1]!.series[0]!.values).toEqual([32, 30]);
    expect(data.panels[2]!.series[0]!.values).toEqual([0, 10.001]);
    expect(data.panels[3]!.series[0]!.values).toEqual([80, 92]);
  });

  it('panels: the retransmission gap is the time between two transmissions of one command', () => {
    const rto = buildRunPageData(input()).panels.find((panel) => panel.id === 'rto')!;
    const gaps = rto.series.find((series) => series.quantity === 'retransmissionGap')!;
    expect(gaps.style).toBe('points');
    expect([gaps.timesMs, gaps.values]).toEqual([[200], [100]]);
  });

  it('panels: unacknowledged reliable commands rise when sent and fall when the ACK (or VERIFY_CONNECT for CONNECT) arrives, or the sender crashes', () => {
    const reliable = buildRunPageData(input()).panels.find((panel) => panel.id === 'reliable')!;
    const byDirection = Object.fromEntries(reliable.series.map((series) => [series.subject, series.timesMs.map((atMs, index) => [atMs, series.values[index]])]));
    expect(byDirection[`${C}->${S}`]).toEqual([
      [0, 0],
      [10, 1],
      [50, 0],
      [100, 1],
      [240, 0],
      [300, 1],
      [4200, 0],
    ]);
    expect(byDirection[`${S}->${C}`]).toEqual([
      [0, 0],
      [30, 1],
      [80, 0],
      [4500, 1],
    ]);
  });

  it('panels: the reliable panel is left out when a datagram could not be decoded (its counts would be wrong)', () => {
    const events = [...EVENTS, sent(10, 4600, C, S, ['compressed'])];
    expect(buildRunPageData(input({ events })).panels.map((panel) => panel.id)).not.toContain('reliable');
  });

  it('panels: the queue starts empty and follows the queue events', () => {
    const queue = buildRunPageData(input()).panels.find((panel) => panel.id === 'queue')!;
    expect(queue.series.map((series) => [series.subject, series.timesMs, series.values])).toEqual([[`${C}->${S}`, [0, 200, 300], [0, 1200, 0]]]);
  });

  it('fates: every datagram counted once, by the bin it was sent in; the bins sum to the datagrams sent', () => {
    const fates = buildRunPageData(input()).fates;
    expect(fates.binMs).toBe(10);
    expect(fates.startsMs).toHaveLength(500);
    const totals = Object.fromEntries(fates.series.map((series) => [series.fate, series.counts.reduce((sum, count) => sum + count, 0)]));
    expect(totals).toEqual({ delivered: 7, loss: 1, inFlight: 1 });
    expect(fates.series.map((series) => series.fate)).toEqual(['delivered', 'loss', 'inFlight']);
    const sentCount = EVENTS.filter((event) => event.kind === 'datagram' && event.phase === 'sent').length;
    expect(fates.series.reduce((sum, series) => sum + series.counts.reduce((a, b) => a + b, 0), 0)).toBe(sentCount);
    expect(fates.series.find((series) => series.fate === 'loss')!.counts[10]).toBe(1);
  });

  it('fates: a 10-minute run gets at most 600 bins of a round width', () => {
    const fates = buildRunPageData(input({ durationMs: 600_000 })).fates;
    expect(fates.binMs).toBe(1000);
    expect(fates.startsMs).toHaveLength(600);
  });

  it('sequence: transmission counts per command; a retransmission counts 2, a new command in an acknowledged slot counts 1 again; a duplicate is its own arrow', () => {
    const sequence = buildRunPageData(input({ options: { window: [0, 5000], windowLabel: '--html-window 0s..5s' } })).sequence;
    expect(sequence.chosenBy).toBe('--html-window 0s..5s');
    expect(sequence.hosts).toEqual([C, S]);
    const byId = (id: number) => sequence.datagrams.filter((datagram) => datagram.id === id);
    expect(byId(3)[0]).toMatchObject({ droppedAtMs: 100, reason: 'loss', deliveredAtMs: null, transmissions: [1] });
    expect(byId(4)[0]).toMatchObject({ deliveredAtMs: 220, transmissions: [2] });
    expect(byId(6)[0]!.transmissions).toEqual([1, 1]);
    expect(byId(7).map((datagram) => [datagram.duplicate, datagram.deliveredAtMs])).toEqual([
      [false, 420],
      [true, 425],
    ]);
    expect(byId(8)[0]).toMatchObject({ deliveredAtMs: null, droppedAtMs: null });
    expect(sequence.omittedCount).toBe(0);
  });

  it('sequence: by default the window starts before the first failing expectation that has an instant, else the first dropped datagram', () => {
    const byDrop = buildRunPageData(input()).sequence;
    expect([byDrop.fromMs, byDrop.toMs]).toEqual([0, 2000]);
    expect(byDrop.chosenBy).toContain('first dropped datagram (#3, loss)');
    const failing: ExpectationMark = { label: 'late', kind: 'stat', position: 'x.yaml:9:5', passed: false, expected: '', observed: '', panel: 'rtt', subject: `${C}->${S}`, fromMs: 2000, toMs: 4000, min: null, max: 50, observedValue: 60, observedAtMs: 3000 };
    const byExpectation = buildRunPageData(input({ expectations: [failing] })).sequence;
    expect([byExpectation.fromMs, byExpectation.toMs]).toEqual([2500, 4500]);
    expect(byExpectation.chosenBy).toContain('first failing expectation (late)');
    expect(byExpectation.datagrams.map((datagram) => datagram.id)).toEqual([8]);
    expect(byExpectation.omittedCount).toBe(8);    // A failing expectation over the whole run with no instant (a delivery ratio) says nothing about where to look.
    const wholeRun: ExpectationMark = { ...failing, kind: 'delivery', panel: null, fromMs: 0, toMs: 5000, observedValue: null, observedAtMs: null };
    expect(buildRunPageData(input({ expectations: [wholeRun] })).sequence.chosenBy).toContain('first dropped datagram');
  });

  it('sequence: with no drop the default window is about the first retransmission, then the first packet throttle change, then the start of the run', () => {
    const isDatagram = (event: TraceEvent, id: number): boolean => event.kind === 'datagram' && event.id === id;
    // Datagram 3 never arrives (in flight at the end): datagram 4 at 200 ms sends its command again.
    const noDrop = EVENTS.filter((event) => !(isDatagram(event, 3) && event.kind === 'datagram' && event.phase === 'dropped'));
    const byRetransmission = buildRunPageData(input({ events: noDrop })).sequence;
    expect(byRetransmission.chosenBy).toBe('around the first retransmission (SEND_RELIABLE ch0 #1, client->server)');
    expect([byRetransmission.fromMs, byRetransmission.toMs]).toEqual([0, 2000]);
    // Without datagram 3, datagram 4 is the command's first transmission; the client's throttle goes 32 → 30 at 200 ms.
    const noRetransmission = EVENTS.filter((event) => !isDatagram(event, 3));
    expect(buildRunPageData(input({ events: noRetransmission })).sequence.chosenBy).toBe('around the first packet throttle change (client->server: 32 → 30 /32)');
    const late = noRetransmission.map((event) => (event.kind === 'stats' && event.atMs === 200 ? { ...event, atMs: 3000 } : event));
    const byThrottle = buildRunPageData(input({ events: late })).sequence;
    expect([byThrottle.fromMs, byThrottle.toMs]).toEqual([2500, 4500]);
    const steady = noRetransmission.map((event) => (event.kind === 'stats' ? { ...event, values: event.values.map((value, index) => (index === 7 ? 32 : value)) } : event));
    const byStart = buildRunPageData(input({ events: steady })).sequence;
    expect(byStart.chosenBy).toBe('the start of the run (no drop, retransmission or throttle change)');
    expect([byStart.fromMs, byStart.toMs]).toEqual([0, 2000]);
  });

  it(`sequence: at most ${SEQUENCE_DATAGRAMS_MAX} datagrams; the window then ends with the last one that fitted`, () => {
    const events: TraceEvent[] = [];
    for (let id = 1; id <= 2000; id++) events.push(sent(id, id, C, S, ['SEND_UNRELIABLE ch0 #0']));
    const sequence = buildRunPageData(input({ events, options: { window: [0, 5000] } })).sequence;
    expect(sequence.datagrams).toHaveLength(SEQUENCE_DATAGRAMS_MAX);
    expect(sequence.toMs).toBe(SEQUENCE_DATAGRAMS_MAX);
    expect(sequence.omittedCount).toBe(2000 - SEQUENCE_DATAGRAMS_MAX);
    expect(sequence.chosenBy).toContain(`cut at ${SEQUENCE_DATAGRAMS_MAX} datagrams`);
  });

  it('the same trace gives the same data, key for key', () => {
    expect(JSON.stringify(buildRunPageData(input()))).toBe(JSON.stringify(buildRunPageData(input())));
  });
});

describe('downsampling', () => {
  const count = 5000;
  const timesMs = Array.from({ length: count }, (_, index) => index * 10);
  // A gentle wave with one spike up and one spike down that any averaging would hide.
  const values = timesMs.map((_, index) => (index === 2777 ? 900 : index === 1234 ? -50 : 100 + (index % 7)));

  it(`keeps at most ${POINTS_PER_SERIES_MAX} points, in time order`, () => {
    const kept = downsample(timesMs, values);
    expect(kept.timesMs.length).toBeLessThanOrEqual(POINTS_PER_SERIES_MAX);
    expect(kept.timesMs.length).toBeGreaterThan(POINTS_PER_SERIES_MAX / 2);
    expect(kept.timesMs.every((atMs, index) => index === 0 || atMs > kept.timesMs[index - 1]!)).toBe(true);
  });

  it('keeps the spikes: the largest and the smallest value survive with their times', () => {
    const kept = downsample(timesMs, values);
    expect(Math.max(...(kept.values as number[]))).toBe(900);
    expect(kept.timesMs[kept.values.indexOf(900)]).toBe(27770);
    expect(Math.min(...(kept.values as number[]))).toBe(-50);
    expect(kept.timesMs[kept.values.indexOf(-50)]).toBe(12340);
  });

  it('leaves a short series as it is', () => {
    expect(downsample([1, 2, 3], [5, null, 7])).toEqual({ timesMs: [1, 2, 3], values: [5, null, 7] });
  });

  it('panels say how many samples they had before downsampling', () => {
    const events: TraceEvent[] = [];
    for (let index = 0; index < 3000; index++) events.push(stats(index * 100, C, S, 40 + (index % 3), 5, 40, 5, 32));
    const data = buildRunPageData(input({ events, durationMs: 300_000 }));
    const rtt = data.panels[0]!.series[0]!;
    expect(rtt.sampleCount).toBe(3000);
    expect(rtt.timesMs.length).toBeLessThanOrEqual(POINTS_PER_SERIES_MAX);
    expect(data.bounds.downsampled).toBe(true);
  });

  it(`a lobby: ${PANEL_SUBJECTS_MAX} peers drawn in the panels, the rest counted, and all their series share ${PANEL_POINTS_MAX} points`, () => {
    const events: TraceEvent[] = [];
    for (let index = 0; index < 3000; index++) {
      for (let peer = 0; peer < 20; peer++) events.push(stats(index * 100, 'server', `client${peer}`, 40 + (index % 5), 5, 40, 5, 32));
    }
    const data = buildRunPageData(input({ events, durationMs: 300_000 }));
    const subjects = new Set(data.panels.flatMap((panel) => panel.series.map((series) => series.subject)));
    expect(subjects.size).toBe(PANEL_SUBJECTS_MAX);
    expect(data.bounds.panelSubjectsOmitted).toBe(20 - PANEL_SUBJECTS_MAX);
    const points = data.panels.reduce((sum, panel) => sum + panel.series.reduce((each, series) => each + series.timesMs.length, 0), 0);
    expect(points).toBeLessThanOrEqual(PANEL_POINTS_MAX);
    expect(data.bounds.pointsPerSeriesMax).toBe(Math.floor(PANEL_POINTS_MAX / (PANEL_SUBJECTS_MAX * 9)));
  });
});

describe('peer rows', () => {
  it(`a peer that keeps reconnecting: at most ${STATE_BANDS_PER_PEER_MAX} bands, the last one ending where it really ended`, () => {
    const events: TraceEvent[] = [];
    for (let index = 0; index < 3000; index++) {
      events.push({ kind: 'state', atMs: index * 10, host: C, peer: S, from: 'x', to: index % 2 === 0 ? 'STATE_CONNECTING' : 'STATE_DISCONNECTED' });
    }
    const row = buildRunPageData(input({ events, durationMs: 40_000 })).peers[0]!;
    expect(row.states).toHaveLength(STATE_BANDS_PER_PEER_MAX);
    expect(row.states.at(-1)).toEqual({ fromMs: (STATE_BANDS_PER_PEER_MAX - 1) * 10, toMs: STATE_BANDS_PER_PEER_MAX * 10, state: 'STATE_DISCONNECTED' });
  });
});

describe('size', () => {
  it(`a two-host run at the worst the bounds allow: the page data stays under ${TWO_HOST_PAGE_DATA_BYTES_MAX / 1024} KB`, () => {
    const events: TraceEvent[] = [];
    let id = 1;
    const reasons = ['loss', 'queueFull', 'partition', 'mtu', 'hostDown'];
    for (let atMs = 0; atMs < 600_000; atMs += 50) {
      for (const [host, peer] of [
        [C, S],
        [S, C],
      ] as const) {
        events.push({ kind: 'stats', atMs, host, peer, values: [(atMs * 7919) % 65536, 100, 1_000_000 + atMs, 100 + (atMs % 997), 10 + (atMs % 89), 100 + (atMs % 991), 10 + (atMs % 83), atMs % 33, 32 - (atMs % 5), 7, 1_000_000 + atMs, 2, 2, 5000] });
        // Seven reliable commands per datagram, each sent twice (every other datagram retransmits), a third of them dropped.
        const commands = Array.from({ length: 7 }, (_, index) => `SEND_RELIABLE ch${index} #${(Math.floor(atMs / 100) * 7 + index) % 65536}`);
        events.push(sent(id, atMs, host, peer, commands));
        events.push(id % 3 === 0 ? dropped(id, atMs + 1, host, peer, reasons[id % 5]!) : delivered(id, atMs + 30, host, peer));
        events.push({ kind: 'queue', atMs, from: host, to: peer, bytes: (atMs * 13) % 160_000, datagramCount: atMs % 100 });
        id++;
      }
    }
    for (let index = 0; index < 1200; index++) events.push({ kind: 'action', atMs: index * 500, host: C, action: 'set_timeout', id: `timeline-entry-${index}`, detail: { peer: S, found: true } });
    events.sort((a, b) => a.atMs - b.atMs);
    const data = buildRunPageData(input({ events, durationMs: 600_000, options: { window: [0, 600_000] } }));
    expect(data.sequence.datagrams.length + data.sequence.omittedCount).toBeGreaterThan(20_000);
    expect(data.markers).toHaveLength(1000);
    expect(data.fates.series).toHaveLength(6);
    expect(data.panels.some((panel) => panel.series.some((series) => series.style === 'points' && series.timesMs.length > 100))).toBe(true);
    expect(JSON.stringify(data).length).toBeLessThan(TWO_HOST_PAGE_DATA_BYTES_MAX);
    expect(JSON.stringify(data).length).toBeGreaterThan(TWO_HOST_PAGE_DATA_BYTES_MAX / 2);
  });
});
