// Measures: the expectation vocabulary without bounds, validated by the scenario loader as expectations, each evaluated on one run to a number or null (never happened).
import { absolute, matchingEvents, referenceMs, samples, states, type RunData } from '../scenario/assertions.js';
import { deliveryValue, missingReference, statValue as rawStatValue, trafficReading, trafficUnit } from '../scenario/measures.js';
import type { Expectation } from '../scenario/model.js';
import { MEASURE_KINDS, type MeasureKind } from './schema.js';

/** A measure's unit in every output: milliseconds, a count, a fraction, or a percentage (PEER_PACKET_LOSS). */
export type MeasureUnit = 'ms' | 'count' | 'ratio' | '%' | 'bytes';

export interface Measure {
  name: string;
  better: 'higher' | 'lower';
  kind: MeasureKind;
  unit: MeasureUnit;
  /** What the number is: a time from the reference, a count, or a value. */
  yields: 'time' | 'count' | 'value';
  expectation: Expectation;
  /** delivery: the latency percentile, or null for the delivered ratio. */
  latencyPercentile: number | null;
}

type Raw = Record<string, unknown>;

/** The measure's kind key (the schema has already required exactly one). */
export function kindOf(raw: Raw): MeasureKind {
  return MEASURE_KINDS.find((kind) => raw[kind] !== undefined)!;
}

/**
 * The expectation the loader checks for a measure: its spec with a bound that always holds (the
 * loader requires one) and, for converge, a window as long as the run.
 */
export function expectationSpecOf(raw: Raw): Raw {
  const kind = kindOf(raw);
  const spec = { ...(raw[kind] as Raw) };
  delete spec['value'];
  switch (kind) {
    case 'datagrams':
      // Checked as an event expectation: the same host names and window (after, within, between).
      return { name: raw['name'], event: { type: 'receive', host: spec['from'], peer: spec['to'], ...(({ from: _from, to: _to, ...window }) => window)(spec) } };
    case 'stat': {
      const stat = String(spec['stat']);
      spec['at_least'] = /ROUND_TRIP_TIME|EPOCH|INTERVAL/.test(stat) ? '0ms' : 0;
      break;
    }
    case 'converge':
      // No deadline of its own: the time it converges, if it does before the run ends.
      delete spec['within'];
      break;
    case 'delivery':
      if (spec['latency'] !== undefined) spec['latency'] = { percentile: spec['latency'], above: '0ms' };
      if (spec['ratio'] !== undefined) spec['ratio'] = { at_least: 0 };
      break;
    case 'traffic':
      spec['at_least'] = spec['measure'] === 'bytes' || spec['measure'] === 'size' ? '0B' : 0;
      break;
    default:
      break;
  }
  return { name: raw['name'], [kind]: spec };
}

/** The measure of `raw` once the loader turned its expectation spec into `expectation`. */
export function measureOf(raw: Raw, expectation: Expectation): Measure {
  const kind = kindOf(raw);
  const spec = raw[kind] as Raw;
  const base = { name: String(raw['name']), better: raw['better'] as 'higher' | 'lower', kind, expectation, latencyPercentile: null };
  if (kind === 'datagrams') return spec['value'] === 'bytes' ? { ...base, unit: 'bytes', yields: 'value' } : { ...base, unit: 'count', yields: 'count' };
  switch (expectation.kind) {
    case 'stat':
      return { ...base, unit: expectation.unit === 'ms' ? 'ms' : expectation.unit === 'loss' ? '%' : 'count', yields: 'value' };
    case 'event':
    case 'timeout':
      return spec['value'] === 'count' ? { ...base, unit: 'count', yields: 'count' } : { ...base, unit: 'ms', yields: 'time' };
    case 'delivery':
      return typeof spec['latency'] === 'number' ? { ...base, unit: 'ms', yields: 'value', latencyPercentile: spec['latency'] } : { ...base, unit: 'ratio', yields: 'value' };
    case 'traffic': {
      const unit = trafficUnit(expectation);
      return unit === 'count' ? { ...base, unit: 'count', yields: 'count' } : { ...base, unit: unit === 'bytes' ? 'bytes' : 'ratio', yields: 'value' };
    }
    default:
      return { ...base, unit: 'ms', yields: 'time' };
  }
}

/** One run's number for `measure`, or null: the state was never reached, no timeout, no sample, nothing delivered. */
export function evaluate(measure: Measure, run: RunData): number | null {
  const expectation = measure.expectation;
  // Measured after a reaction that never ran: nothing was observed.
  if (missingReference(expectation, run) !== null) return null;
  if (measure.kind === 'datagrams' && expectation.kind === 'event') return datagramsValue(expectation, measure.unit, run);
  switch (expectation.kind) {
    case 'stat':
      return statValue(expectation, run, measure.unit);
    case 'state': {
      const [fromMs, toMs] = absolute(expectation.window, run);
      const hit = states(run, expectation.host, expectation.peer).find((event) => event.to === expectation.state && event.atMs >= fromMs && event.atMs <= toMs);
      return hit === undefined ? null : hit.atMs - referenceMs(expectation.window.after, run);
    }
    case 'event': {
      const matching = matchingEvents(expectation, run);
      if (measure.yields === 'count') return matching.length;
      return matching.length === 0 ? null : matching[0]!.atMs - referenceMs(expectation.window.after, run);
    }
    case 'timeout': {
      const [fromMs, toMs] = absolute(expectation.window, run);
      const timeouts = states(run, expectation.host, expectation.peer).filter(
        (event) =>
          (event.cause === 'timeoutLimit' || event.cause === 'timeoutMaximum') &&
          (expectation.rule === 'any' || (expectation.rule === 'limit') === (event.cause === 'timeoutLimit')) &&
          event.atMs >= fromMs &&
          event.atMs <= toMs,
      );
      if (measure.yields === 'count') return timeouts.length;
      return timeouts.length === 0 ? null : timeouts[0]!.atMs - referenceMs(expectation.window.after, run);
    }
    case 'converge':
      return convergeValue(expectation, run);
    case 'delivery':
      return deliveryValue(expectation.from, expectation.to, expectation.channel, measure.latencyPercentile, run);
    case 'traffic':
      return trafficReading(expectation, run).value;
    default:
      return null;
  }
}

function statValue(expectation: Extract<Expectation, { kind: 'stat' }>, run: RunData, unit: MeasureUnit): number | null {
  const value = rawStatValue(expectation, run);
  // PEER_PACKET_LOSS is a fraction of 65536; the sweep shows it as a percentage.
  return value === null || unit !== '%' ? value : (value * 100) / 65536;
}

/** Time from the reference until the statistic enters the band and stays there for `hold` (inside the run). */
function convergeValue(expectation: Extract<Expectation, { kind: 'converge' }>, run: RunData): number | null {
  const reference = referenceMs(expectation.after, run);
  const after = samples(run, expectation.host, expectation.peer, expectation.statIndex).filter(([atMs]) => atMs >= reference);
  const inBand = (value: number) => value >= expectation.low && value <= expectation.high;
  let enteredMs: number | null = null;
  for (const [atMs, value] of after) {
    if (!inBand(value)) {
      enteredMs = null;
      continue;
    }
    enteredMs ??= atMs;
    if (atMs - enteredMs >= expectation.holdMs) return enteredMs - reference;
  }
  // Entered and stayed to the end: it converged if the run lasted the hold time past the entry.
  if (enteredMs !== null && enteredMs + expectation.holdMs <= run.durationMs) return enteredMs - reference;
  return null;
}

/** Datagrams that left `host` for `peer` inside the window: their count, or their bytes. */
function datagramsValue(expectation: Extract<Expectation, { kind: 'event' }>, unit: MeasureUnit, run: RunData): number {
  const [fromMs, toMs] = absolute(expectation.window, run);
  let count = 0;
  let bytes = 0;
  for (const event of run.events) {
    if (event.kind !== 'datagram' || event.phase !== 'sent' || event.from !== expectation.host || event.to !== expectation.peer) continue;
    if (event.atMs < fromMs || event.atMs > toMs) continue;
    count++;
    bytes += event.sizeBytes;
  }
  return unit === 'bytes' ? bytes : count;
}
