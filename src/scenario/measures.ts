// The numbers expectations measure on one run: windows, statistic samples and their aggregates, the
// traffic of one direction, delivery ratios and latencies. `check` (assertions.ts) bounds them, a
// `relative` expectation compares two of them, and sweeps (src/sweep/measure.ts) collect them.
import type { SentPacket } from '../sim/ledger.js';
import type { DatagramTraceEvent, StatsTraceEvent, TraceEvent } from '../trace/trace.js';
import { TransmissionCounter } from '../trace/transmissions.js';
import type { Expectation, ScalarMeasure, ScalarUnit, TrafficExpectation, Window } from './model.js';

export interface RunData {
  events: readonly TraceEvent[];
  packets: readonly SentPacket[];
  idTimesMs: ReadonlyMap<string, number>;
  durationMs: number;
}

/** The timeline ids an expectation measures from (`after`), both sides of a relative one included. */
function referencesOf(expectation: Expectation): (string | null)[] {
  switch (expectation.kind) {
    case 'state':
    case 'event':
    case 'timeout':
    case 'traffic':
      return [expectation.window.after];
    case 'stat':
    case 'converge':
      return [expectation.after];
    case 'relative':
      return [expectation.value, expectation.than].flatMap((side) => (side.kind === 'delivery' ? [] : referencesOf(side.expectation)));
    default:
      return [];
  }
}

/**
 * The first id `expectation` measures from that has no time in this run, or null: a reaction's id
 * has a time only once its action ran, and an expectation after a reaction that never ran observed nothing.
 */
export function missingReference(expectation: Expectation, run: RunData): string | null {
  return referencesOf(expectation).find((after): after is string => after !== null && !run.idTimesMs.has(after)) ?? null;
}

export function referenceMs(after: string | null, run: RunData): number {
  return after === null ? 0 : (run.idTimesMs.get(after) ?? 0);
}

/** [from, to] in absolute virtual ms; `to` defaults to the end of the run. */
export function absolute(window: Window, run: RunData): [number, number] {
  const reference = referenceMs(window.after, run);
  return [reference + window.fromMs, window.toMs === null ? run.durationMs : reference + window.toMs];
}

export function samples(run: RunData, host: string, peer: string, index: number): [number, number][] {
  return run.events
    .filter((event): event is StatsTraceEvent => event.kind === 'stats' && event.host === host && event.peer === peer)
    .map((event) => [event.atMs, event.values[index]!]);
}

export function aggregate(values: number[], how: string): number {
  const sorted = [...values].sort((a, b) => a - b);
  switch (how) {
    case 'min':
      return sorted[0]!;
    case 'max':
      return sorted.at(-1)!;
    case 'mean':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    case 'last':
      return values.at(-1)!;
    default: {
      const percentile = Number(how.slice(1));
      // Nearest rank; p0 is the smallest value (rank 1), not rank 0.
      return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1))]!;
    }
  }
}

/** A stat expectation's samples (at `at`: the last one before it; over `over`: those inside) with their times, and the window looked at. */
export function statSamples(expectation: Extract<Expectation, { kind: 'stat' }>, run: RunData): { chosen: [number, number][]; windowMs: [number, number] } {
  const series = samples(run, expectation.host, expectation.peer, expectation.statIndex);
  const reference = referenceMs(expectation.after, run);
  if (expectation.atMs !== null) {
    const atMs = reference + expectation.atMs;
    const last = series.filter(([sampleMs]) => sampleMs <= atMs).at(-1);
    return { chosen: last === undefined ? [] : [last], windowMs: [atMs, atMs] };
  }
  const [fromMs, toMs] = [reference + expectation.overMs![0], reference + expectation.overMs![1]];
  return { chosen: series.filter(([sampleMs]) => sampleMs >= fromMs && sampleMs <= toMs), windowMs: [fromMs, toMs] };
}

/** The statistic's value in its raw unit (ms, PEER_PACKET_LOSS out of 65536...), or null without a sample. */
export function statValue(expectation: Extract<Expectation, { kind: 'stat' }>, run: RunData): number | null {
  const { chosen } = statSamples(expectation, run);
  if (chosen.length === 0) return null;
  return aggregate(
    chosen.map(([, value]) => value),
    expectation.aggregate,
  );
}

/** The packets the timeline sent from `from` to `to` (on `channel`) that ENet accepted. */
export function sentPackets(run: RunData, from: string, to: string, channel: number | null): SentPacket[] {
  return run.packets.filter((packet) => packet.from === from && packet.to === to && !packet.refused && (channel === null || packet.channel === channel));
}

/** The delivered fraction (`latencyPercentile` null) or that percentile of one-way latency, ms; null when nothing was sent (or delivered, for a latency). */
export function deliveryValue(from: string, to: string, channel: number | null, latencyPercentile: number | null, run: RunData): number | null {
  const packets = sentPackets(run, from, to, channel);
  if (packets.length === 0) return null;
  const delivered = packets.filter((packet) => packet.receivedAtMs.length > 0);
  if (latencyPercentile === null) return delivered.length / packets.length;
  if (delivered.length === 0) return null;
  return aggregate(
    delivered.map((packet) => packet.receivedAtMs[0]! - packet.sentAtMs),
    `p${latencyPercentile}`,
  );
}

// ---- traffic -------------------------------------------------------------------------------------------

/** What a traffic measurement counted, beside its value, so a report can say it. */
export interface TrafficReading {
  /** null: nothing to measure (no datagram for a size, no application byte for an overhead). */
  value: number | null;
  window: [number, number];
  /** Datagrams that matched (phase, reason), or for retransmissions the commands sent again. */
  count: number;
  /** Their UDP payload bytes (for overhead: the wire side). */
  bytes: number;
  /** overhead: the application bytes the ledger recorded as sent in the window. */
  applicationBytes: number;
}

function matchesDatagram(event: DatagramTraceEvent, expectation: TrafficExpectation, phase: TrafficExpectation['phase'], fromMs: number, toMs: number): boolean {
  return (
    event.phase === phase &&
    event.from === expectation.from &&
    event.to === expectation.to &&
    event.atMs >= fromMs &&
    event.atMs <= toMs &&
    (phase !== 'dropped' || expectation.reason === null || event.reason === expectation.reason)
  );
}

/**
 * Measures the traffic from `from` to `to` in the window. Bytes are UDP payload bytes (what ENet
 * hands to the socket; the link's per-datagram `overhead` of IP and UDP headers is not included).
 * Overhead is the UDP payload bytes sent divided by the application bytes sent (ledger packets
 * ENet accepted, by send time). Retransmissions count reliable commands sent again
 * (src/trace/transmissions.ts), by the time of the retransmission.
 */
export function trafficReading(expectation: TrafficExpectation, run: RunData): TrafficReading {
  const window = absolute(expectation.window, run);
  const [fromMs, toMs] = window;
  const reading: TrafficReading = { value: null, window, count: 0, bytes: 0, applicationBytes: 0 };
  if (expectation.measure === 'retransmissions') {
    const counter = new TransmissionCounter();
    for (const event of run.events) {
      const commands = counter.observe(event);
      if (commands.length === 0 || event.kind !== 'datagram' || !matchesDatagram(event, expectation, 'sent', fromMs, toMs)) continue;
      reading.count += commands.filter((command) => command.transmission > 1 && (expectation.channel === null || command.channel === expectation.channel)).length;
    }
    return { ...reading, value: reading.count };
  }
  const phase = expectation.measure === 'overhead' ? 'sent' : expectation.phase;
  const sizesBytes: number[] = [];
  for (const event of run.events) {
    if (event.kind !== 'datagram' || !matchesDatagram(event, expectation, phase, fromMs, toMs)) continue;
    reading.count++;
    reading.bytes += event.sizeBytes;
    sizesBytes.push(event.sizeBytes);
  }
  switch (expectation.measure) {
    case 'datagrams':
      return { ...reading, value: reading.count };
    case 'bytes':
      return { ...reading, value: reading.bytes };
    case 'size':
      return { ...reading, value: sizesBytes.length === 0 ? null : aggregate(sizesBytes, expectation.aggregate) };
    case 'overhead': {
      for (const packet of sentPackets(run, expectation.from, expectation.to, null)) {
        if (packet.sentAtMs >= fromMs && packet.sentAtMs <= toMs) reading.applicationBytes += packet.sizeBytes;
      }
      return { ...reading, value: reading.applicationBytes === 0 ? null : reading.bytes / reading.applicationBytes };
    }
  }
}

/** The unit a traffic measure's value is in. */
export function trafficUnit(expectation: TrafficExpectation): ScalarUnit {
  if (expectation.measure === 'bytes' || expectation.measure === 'size') return 'bytes';
  return expectation.measure === 'overhead' ? 'ratio' : 'count';
}

/** One side of a `relative` expectation, measured; null when it has no value on this run. */
export function scalarValue(measure: ScalarMeasure, run: RunData): number | null {
  switch (measure.kind) {
    case 'stat':
      return statValue(measure.expectation, run);
    case 'traffic':
      return trafficReading(measure.expectation, run).value;
    case 'delivery':
      return deliveryValue(measure.from, measure.to, measure.channel, measure.latencyPercentile, run);
  }
}
