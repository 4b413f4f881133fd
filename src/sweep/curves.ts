// The curves of one sweep run for the HTML report: PEER_PACKET_THROTTLE and PEER_ROUND_TRIP_TIME of
// the peer the measures are about, sampled on a fixed grid so runs of different seeds line up.
import type { Scenario } from '../scenario/model.js';
import { PEER_STATISTIC_NAMES, type TraceEvent } from '../trace/trace.js';
import type { Measure } from './measure.js';

/**
 * One run's PEER_PACKET_THROTTLE and PEER_ROUND_TRIP_TIME of one peer (`subject`, "host->peer"),
 * sampled at 0, gridMs, 2·gridMs … up to the run's end: the last statistics sample at or before
 * each instant, null before the first.
 */
export interface RunCurve {
  subject: string;
  gridMs: number;
  throttle: (number | null)[];
  rttMs: (number | null)[];
}

/** Instants per curve at most; a long run is sampled on a coarser grid (see curveGridMs). */
export const CURVE_POINTS_MAX = 400;

/** The sampling grid for a run of `durationMs` with stats every `statsIntervalMs`: at least 100 ms and the stats interval, at most CURVE_POINTS_MAX instants. */
export function curveGridMs(durationMs: number, statsIntervalMs: number): number {
  const forPoints = Math.ceil(durationMs / (CURVE_POINTS_MAX - 1) / 100) * 100;
  return Math.max(100, statsIntervalMs, forPoints);
}

/**
 * Samples a series of (atMs, value) samples, sorted by time, on the grid 0, gridMs, … up to
 * durationMs: each instant gets the last value at or before it; null before the first, and null
 * when that value is older than `staleAfterMs` (the peer stopped reporting: disconnected, or its
 * host crashed), so a curve ends where its peer's statistics end instead of running on flat.
 */
export function sampleOnGrid(samples: readonly (readonly [number, number])[], gridMs: number, durationMs: number, staleAfterMs = Number.POSITIVE_INFINITY): (number | null)[] {
  const count = Math.floor(durationMs / gridMs) + 1;
  const values: (number | null)[] = [];
  let at = 0;
  let last: number | null = null;
  let lastAtMs = 0;
  for (let index = 0; index < count; index++) {
    const instantMs = index * gridMs;
    while (at < samples.length && samples[at]![0] <= instantMs) {
      lastAtMs = samples[at]![0];
      last = samples[at++]![1];
    }
    values.push(last !== null && instantMs - lastAtMs <= staleAfterMs ? last : null);
  }
  return values;
}

/**
 * The peer the curves follow: the first measure that names one (a statistic, state, timeout or
 * convergence measure's peer; a delivery's or traffic's sender's view of the receiver), else the first
 * connection the timeline opens; null when there is neither.
 */
export function curveSubject(scenario: Scenario, measures: readonly Measure[]): { host: string; peer: string } | null {
  for (const { expectation } of measures) {
    switch (expectation.kind) {
      case 'stat':
      case 'converge':
      case 'state':
      case 'timeout':
      case 'sequence':
        return { host: expectation.host, peer: expectation.peer };
      case 'delivery':
      case 'traffic':
        return { host: expectation.from, peer: expectation.to };
      case 'event':
        if (expectation.peer !== null) return { host: expectation.host, peer: expectation.peer };
        break;
      default:
        break;
    }
  }
  // A reaction's connect dials the event's peer, unknown before the run: only connects at a time name both ends.
  for (const entry of scenario.timeline) if (entry.action.kind === 'connect' && entry.on === null) return { host: entry.action.from, peer: entry.action.to };
  return null;
}

export function runCurve(scenario: Scenario, measures: readonly Measure[], events: readonly TraceEvent[]): RunCurve | null {
  const subject = curveSubject(scenario, measures);
  if (subject === null) return null;
  const throttleIndex = PEER_STATISTIC_NAMES.indexOf('PEER_PACKET_THROTTLE');
  const rttIndex = PEER_STATISTIC_NAMES.indexOf('PEER_ROUND_TRIP_TIME');
  const throttle: [number, number][] = [];
  const rtt: [number, number][] = [];
  for (const event of events) {
    if (event.kind !== 'stats' || event.host !== subject.host || event.peer !== subject.peer) continue;
    throttle.push([event.atMs, event.values[throttleIndex]!]);
    rtt.push([event.atMs, event.values[rttIndex]!]);
  }
  const gridMs = curveGridMs(scenario.durationMs, scenario.statsIntervalMs);
  // Statistics come every stats interval while the peer exists; two intervals without one: it is gone.
  const staleAfterMs = 2 * scenario.statsIntervalMs;
  return {
    subject: `${subject.host}->${subject.peer}`,
    gridMs,
    throttle: sampleOnGrid(throttle, gridMs, scenario.durationMs, staleAfterMs),
    rttMs: sampleOnGrid(rtt, gridMs, scenario.durationMs, staleAfterMs),
  };
}

