// Evaluates a scenario's expectations against one run's trace and ledger. Each check returns what
// it expected and what it observed, in words with units, so a failure explains itself.
import { PacketFlag } from '../enet/constants.js';
import type { SentPacket } from '../sim/ledger.js';
import type { HostTraceEvent, StateTraceEvent } from '../trace/trace.js';
import { absolute, aggregate, missingReference, referenceMs, samples, scalarValue, statSamples, trafficReading, trafficUnit, type RunData } from './measures.js';
import type { Bound, Expectation, RelativeExpectation, ScalarMeasure, ScalarUnit, StatUnit, TrafficExpectation, Window } from './model.js';
import { formatDuration } from './units.js';

export { absolute, aggregate, referenceMs, samples, type RunData } from './measures.js';

export interface CheckResult {
  passed: boolean;
  expected: string;
  observed: string;
  /** Where the check looked and what it saw, as numbers, for reports that draw it (absent when it has no place). */
  placement?: CheckPlacement;
}

/**
 * Where an expectation looked, for drawing it: the window in absolute virtual ms, what it measured
 * (`quantity`: a statistic's Godot name, or the kind of thing counted), about whom, its bounds and the
 * observed value in the statistic's own unit (ms, raw ENet values; PEER_PACKET_LOSS out of 65536).
 */
export interface CheckPlacement {
  fromMs: number;
  toMs: number;
  /** "PEER_ROUND_TRIP_TIME"..., or 'state', 'sequence', 'event', 'timeout', 'delivery'. */
  quantity: string;
  /** "client->server": the peer (host->peer) or direction it is about, or null. */
  subject: string | null;
  /** The bounds the value had to be in (inclusive or strict, as the expectation says), or null. */
  min: number | null;
  max: number | null;
  /** The one number it observed and when, when it observed one. */
  observedValue: number | null;
  observedAtMs: number | null;
}

/** A one-line label for reports, e.g. "state client->server reaches STATE_CONNECTED". */
export function labelOf(expectation: Expectation, name: string | null): string {
  if (name !== null) return name;
  switch (expectation.kind) {
    case 'state':
      return `state ${expectation.host}->${expectation.peer} ${expectation.mode} ${expectation.state}`;
    case 'sequence':
      return `sequence ${expectation.host}->${expectation.peer}`;
    case 'event':
      return `event ${expectation.type} on ${expectation.host}${expectation.peer !== null ? ` from ${expectation.peer}` : ''}`;
    case 'timeout':
      return `timeout ${expectation.host}->${expectation.peer}`;
    case 'stat':
      return `stat ${expectation.host}->${expectation.peer} ${expectation.stat}`;
    case 'converge':
      return `converge ${expectation.host}->${expectation.peer} ${expectation.stat}`;
    case 'delivery':
      return `delivery ${expectation.from}->${expectation.to}${expectation.channel !== null ? ` channel ${expectation.channel}` : ''}`;
    case 'traffic':
      return `traffic ${trafficSubject(expectation)}`;
    case 'relative':
      return `relative ${scalarText(expectation.value)} vs ${scalarText(expectation.than)}`;
  }
}

export function check(expectation: Expectation, run: RunData): CheckResult {
  const missing = missingReference(expectation, run);
  if (missing !== null) return { passed: false, expected: labelOf(expectation, null), observed: `'${missing}' never ran (its reaction's event did not happen), so nothing after it was observed` };
  switch (expectation.kind) {
    case 'state':
      return checkState(expectation, run);
    case 'sequence':
      return checkSequence(expectation, run);
    case 'event':
      return checkEvent(expectation, run);
    case 'timeout':
      return checkTimeout(expectation, run);
    case 'stat':
      return checkStat(expectation, run);
    case 'converge':
      return checkConverge(expectation, run);
    case 'delivery':
      return checkDelivery(expectation, run);
    case 'traffic':
      return checkTraffic(expectation, run);
    case 'relative':
      return checkRelative(expectation, run);
  }
}

// ---- helpers -------------------------------------------------------------------------------------------

function describeWindow(window: Window): string {
  const reference = window.after === null ? 'the start' : `'${window.after}'`;
  if (window.toMs === null && window.fromMs === 0) return window.after === null ? 'during the run' : `after ${reference}`;
  if (window.fromMs === 0) return `within ${formatDuration(window.toMs!)} of ${reference}`;
  return `between ${formatDuration(window.fromMs)} and ${window.toMs === null ? 'the end' : formatDuration(window.toMs)} after ${reference}`;
}

export function states(run: RunData, host: string, peer: string): StateTraceEvent[] {
  return run.events.filter((event): event is StateTraceEvent => event.kind === 'state' && event.host === host && event.peer === peer);
}

function history(transitions: readonly StateTraceEvent[]): string {
  if (transitions.length === 0) return 'no state changes';
  const shown = transitions.slice(0, 8).map((event) => `${event.to} at ${formatDuration(event.atMs)}`);
  return shown.join(', ') + (transitions.length > 8 ? `, … (${transitions.length} in all)` : '');
}

function valueText(value: number, unit: StatUnit): string {
  if (unit === 'ms') return formatDuration(value);
  if (unit === 'loss') return `${value} (${((value / 65536) * 100).toFixed(2)}%)`;
  return String(value);
}

/** True when `value` meets every bound given (above, below, equals, at_least, at_most). */
export function boundHolds(value: number, bound: Bound): boolean {
  return (
    (bound.above === null || value > bound.above) &&
    (bound.below === null || value < bound.below) &&
    (bound.equals === null || value === bound.equals) &&
    (bound.atLeast === null || value >= bound.atLeast) &&
    (bound.atMost === null || value <= bound.atMost)
  );
}

function boundText(bound: Bound, format: (value: number) => string): string {
  const parts: string[] = [];
  if (bound.above !== null) parts.push(`above ${format(bound.above)}`);
  if (bound.below !== null) parts.push(`below ${format(bound.below)}`);
  if (bound.equals !== null) parts.push(`equal to ${format(bound.equals)}`);
  if (bound.atLeast !== null) parts.push(`at least ${format(bound.atLeast)}`);
  if (bound.atMost !== null) parts.push(`at most ${format(bound.atMost)}`);
  return parts.join(' and ');
}

/** A placement without bounds. */
function place(fromMs: number, toMs: number, quantity: string, subject: string | null, observedValue: number | null, observedAtMs: number | null): CheckPlacement {
  return { fromMs, toMs, quantity, subject, min: null, max: null, observedValue, observedAtMs };
}

/** The interval a bound allows, its strict and inclusive ends alike (a drawing does not tell them apart). */
function boundRange(bound: Bound): { min: number | null; max: number | null } {
  const lows = [bound.above, bound.atLeast, bound.equals].filter((value): value is number => value !== null);
  const highs = [bound.below, bound.atMost, bound.equals].filter((value): value is number => value !== null);
  return { min: lows.length === 0 ? null : Math.max(...lows), max: highs.length === 0 ? null : Math.min(...highs) };
}

// ---- the checks ----------------------------------------------------------------------------------------

function checkState(expectation: Extract<Expectation, { kind: 'state' }>, run: RunData): CheckResult {
  const transitions = states(run, expectation.host, expectation.peer);
  const subject = `${expectation.host}->${expectation.peer}`;
  if (expectation.mode === 'is') {
    const atMs = referenceMs(expectation.window.after, run) + expectation.atMs!;
    const current = transitions.filter((event) => event.atMs <= atMs).at(-1)?.to ?? 'STATE_DISCONNECTED';
    const placement = place(atMs, atMs, 'state', subject, null, atMs);
    return { passed: current === expectation.state, expected: `${subject} in ${expectation.state} at ${formatDuration(atMs)}`, observed: `${current} at ${formatDuration(atMs)} (${history(transitions)})`, placement };
  }
  const [fromMs, toMs] = absolute(expectation.window, run);
  const hits = transitions.filter((event) => event.to === expectation.state && event.atMs >= fromMs && event.atMs <= toMs);
  const placement = place(fromMs, toMs, 'state', subject, null, hits[0]?.atMs ?? null);
  if (expectation.mode === 'reaches') {
    return {
      placement,
      passed: hits.length > 0,
      expected: `${subject} reaches ${expectation.state} ${describeWindow(expectation.window)}`,
      observed: hits.length > 0 ? `reached it at ${formatDuration(hits[0]!.atMs)}` : `did not (${history(transitions)})`,
    };
  }
  return {
    placement,
    passed: hits.length === 0,
    expected: `${subject} never enters ${expectation.state} ${describeWindow(expectation.window)}`,
    observed: hits.length === 0 ? `it did not (${history(transitions)})` : `entered it at ${formatDuration(hits[0]!.atMs)}${hits[0]!.cause !== undefined ? ` (${hits[0]!.cause})` : ''}`,
  };
}

function checkSequence(expectation: Extract<Expectation, { kind: 'sequence' }>, run: RunData): CheckResult {
  const seen = states(run, expectation.host, expectation.peer).map((event) => event.to);
  const passed = seen.length === expectation.states.length && seen.every((state, index) => state === expectation.states[index]);
  const placement = place(0, run.durationMs, 'sequence', `${expectation.host}->${expectation.peer}`, null, null);
  return { passed, expected: `${expectation.host}->${expectation.peer} goes through ${expectation.states.join(' → ')}`, observed: seen.length === 0 ? 'no state changes' : seen.join(' → '), placement };
}

/** The application events an `event` expectation looks at: its host, type, peer, data and channel, inside its window. */
export function matchingEvents(expectation: Extract<Expectation, { kind: 'event' }>, run: RunData): HostTraceEvent[] {
  const [fromMs, toMs] = absolute(expectation.window, run);
  return run.events.filter(
    (event): event is HostTraceEvent =>
      event.kind === 'event' &&
      event.host === expectation.host &&
      event.type === expectation.type &&
      (expectation.peer === null || event.peer === expectation.peer) &&
      (expectation.data === null || event.data === expectation.data) &&
      (expectation.channel === null || event.channel === expectation.channel) &&
      event.atMs >= fromMs &&
      event.atMs <= toMs,
  );
}

function checkEvent(expectation: Extract<Expectation, { kind: 'event' }>, run: RunData): CheckResult {
  const matching = matchingEvents(expectation, run);
  const count = matching.length;
  const minimum = expectation.count ?? expectation.min ?? (expectation.max === null ? 1 : 0);
  const maximum = expectation.count ?? expectation.max ?? Number.POSITIVE_INFINITY;
  const what = `${expectation.type} event${expectation.peer !== null ? ` from ${expectation.peer}` : ''} on ${expectation.host}${expectation.data !== null ? ` with data ${expectation.data}` : ''}${expectation.channel !== null ? ` on channel ${expectation.channel}` : ''}`;
  const expected = `${expectation.count !== null ? `exactly ${expectation.count}` : maximum === Number.POSITIVE_INFINITY ? `at least ${minimum}` : `${minimum} to ${maximum}`} ${what} ${describeWindow(expectation.window)}`;
  const others = run.events.filter((event): event is HostTraceEvent => event.kind === 'event' && event.host === expectation.host && event.type === expectation.type);
  const detail = matching.length > 0 ? `, first at ${formatDuration(matching[0]!.atMs)}` : others.length > 0 ? ` (${others.length} ${expectation.type} events in all, e.g. at ${formatDuration(others[0]!.atMs)} from ${others[0]!.peer}${others[0]!.data !== undefined ? ` with data ${others[0]!.data}` : ''})` : '';
  const [fromMs, toMs] = absolute(expectation.window, run);
  const placement: CheckPlacement = {
    ...place(fromMs, toMs, 'event', expectation.peer === null ? expectation.host : `${expectation.host}->${expectation.peer}`, count, matching[0]?.atMs ?? null),
    min: minimum,
    max: maximum === Number.POSITIVE_INFINITY ? null : maximum,
  };
  return { passed: count >= minimum && count <= maximum, expected, observed: `${count}${detail}`, placement };
}

function checkTimeout(expectation: Extract<Expectation, { kind: 'timeout' }>, run: RunData): CheckResult {
  const [fromMs, toMs] = absolute(expectation.window, run);
  const transitions = states(run, expectation.host, expectation.peer);
  const timeouts = transitions.filter((event) => event.cause === 'timeoutLimit' || event.cause === 'timeoutMaximum');
  const first = timeouts[0];
  const rule = first === undefined ? null : first.cause === 'timeoutLimit' ? 'limit' : 'maximum';
  const inWindow = first !== undefined && first.atMs >= fromMs && first.atMs <= toMs;
  const ruleOk = expectation.rule === 'any' || rule === expectation.rule;
  const ruleText = expectation.rule === 'any' ? '' : ` by the ${expectation.rule} rule`;
  return {
    placement: place(fromMs, toMs, 'timeout', `${expectation.host}->${expectation.peer}`, null, first?.atMs ?? null),
    passed: inWindow && ruleOk,
    expected: `${expectation.host} drops ${expectation.peer} by timeout${ruleText} ${describeWindow(expectation.window)}`,
    observed:
      first === undefined
        ? `no timeout (${history(transitions)})`
        : `timed out at ${formatDuration(first.atMs)} by the ${rule} rule (${rule === 'limit' ? 'backoff reached the limit and timeout_min passed' : 'timeout_max passed'})`,
  };
}

function checkStat(expectation: Extract<Expectation, { kind: 'stat' }>, run: RunData): CheckResult {
  const format = (value: number) => valueText(value, expectation.unit);
  const subject = `${expectation.host}->${expectation.peer} ${expectation.stat}`;
  const { chosen: chosenSamples, windowMs } = statSamples(expectation, run);
  const chosen = chosenSamples.map(([, value]) => value);
  const where = expectation.atMs !== null ? `at ${formatDuration(windowMs[0])}` : `${expectation.aggregate} over ${formatDuration(windowMs[0])}..${formatDuration(windowMs[1])}`;
  const expected = `${subject} ${where} ${boundText(expectation.bound, format)}`;
  const bounds = boundRange(expectation.bound);
  const peer = `${expectation.host}->${expectation.peer}`;
  if (chosen.length === 0) return { passed: false, expected, observed: 'no sample (the peer did not exist then)', placement: { ...place(windowMs[0], windowMs[1], expectation.stat, peer, null, null), ...bounds } };
  const value = aggregate(chosen, expectation.aggregate);
  // When the value is one sample's (min, max, last, a percentile, `at`), say when; a mean has no instant.
  const atSample = expectation.aggregate === 'mean' && chosen.length > 1 ? undefined : expectation.aggregate === 'last' ? chosenSamples.at(-1) : chosenSamples.find(([, sample]) => sample === value);
  const placement = { ...place(windowMs[0], windowMs[1], expectation.stat, peer, value, atSample?.[0] ?? null), ...bounds };
  return { passed: boundHolds(value, expectation.bound), expected, observed: `${format(value)}${chosen.length > 1 ? ` from ${chosen.length} samples` : ''}`, placement };
}

function checkConverge(expectation: Extract<Expectation, { kind: 'converge' }>, run: RunData): CheckResult {
  const series = samples(run, expectation.host, expectation.peer, expectation.statIndex);
  const reference = referenceMs(expectation.after, run);
  const format = (value: number) => valueText(value, expectation.unit);
  const band = expectation.low === expectation.high ? format(expectation.low) : `[${format(expectation.low)}, ${format(expectation.high)}]`;
  const expected = `${expectation.host}->${expectation.peer} ${expectation.stat} reaches ${band} within ${formatDuration(expectation.withinMs)} of ${expectation.after === null ? 'the start' : `'${expectation.after}'`}${expectation.holdMs > 0 ? ` and stays there for ${formatDuration(expectation.holdMs)}` : ''}`;
  const inBand = (value: number) => value >= expectation.low && value <= expectation.high;
  const after = series.filter(([atMs]) => atMs >= reference);
  const deadline = reference + expectation.withinMs;
  const peer = `${expectation.host}->${expectation.peer}`;
  const placeAt = (atMs: number | null, value: number | null): CheckPlacement => ({
    ...place(reference, Math.min(run.durationMs, deadline + expectation.holdMs), expectation.stat, peer, value, atMs),
    min: expectation.low,
    max: expectation.high,
  });
  for (let index = 0; index < after.length; index++) {
    const [enteredMs, value] = after[index]!;
    if (enteredMs > deadline) break;
    if (!inBand(value)) continue;
    const holdEnd = enteredMs + expectation.holdMs;
    const left = after.slice(index).find(([atMs, sample]) => atMs <= holdEnd && !inBand(sample));
    if (left === undefined && holdEnd <= run.durationMs) return { passed: true, expected, observed: `entered at ${formatDuration(enteredMs)} and stayed`, placement: placeAt(enteredMs, value) };
    if (left === undefined) return { passed: false, expected, observed: `entered at ${formatDuration(enteredMs)}, but the run ended before the hold time`, placement: placeAt(enteredMs, value) };
    index = after.indexOf(left);
  }
  const values = after.filter(([atMs]) => atMs <= deadline + expectation.holdMs).map(([, value]) => value);
  const range = values.length === 0 ? 'no samples' : `values ${format(Math.min(...values))}..${format(Math.max(...values))}, last ${format(values.at(-1)!)}`;
  const enteredLate = after.find(([atMs, value]) => atMs > deadline && inBand(value));
  const lastSample = after.filter(([atMs]) => atMs <= deadline + expectation.holdMs).at(-1);
  return {
    passed: false,
    expected,
    observed: `did not settle in time (${range})${enteredLate !== undefined ? `; it entered the band at ${formatDuration(enteredLate[0])}` : ''}`,
    placement: placeAt(lastSample?.[0] ?? null, lastSample?.[1] ?? null),
  };
}

function checkDelivery(expectation: Extract<Expectation, { kind: 'delivery' }>, run: RunData): CheckResult {
  const packets = run.packets.filter(
    (packet) => packet.from === expectation.from && packet.to === expectation.to && !packet.refused && (expectation.channel === null || packet.channel === expectation.channel),
  );
  const subject = `${expectation.from}->${expectation.to}${expectation.channel !== null ? ` channel ${expectation.channel}` : ''}`;
  const expectedParts: string[] = [];
  const observedParts: string[] = [];
  let passed = packets.length > 0;
  if (packets.length === 0) observedParts.push('no packets were sent');
  if (expectation.exactlyOnceInOrder) {
    const reliable = packets.filter((packet) => packet.flags & PacketFlag.reliable);
    const missing = reliable.filter((packet) => packet.receivedAtMs.length === 0);
    const twice = reliable.filter((packet) => packet.receivedAtMs.length > 1);
    const outOfOrder = countOutOfOrder(reliable);
    expectedParts.push('every reliable packet delivered exactly once, in order per channel');
    observedParts.push(
      `${reliable.length} reliable: ${missing.length} missing${missing.length > 0 ? ` (first sent at ${formatDuration(missing[0]!.sentAtMs)})` : ''}, ${twice.length} duplicated, ${outOfOrder} out of order`,
    );
    passed &&= reliable.length > 0 && missing.length === 0 && twice.length === 0 && outOfOrder === 0;
  }
  if (expectation.ratio !== null) {
    const delivered = packets.filter((packet) => packet.receivedAtMs.length > 0).length;
    const ratio = packets.length === 0 ? 0 : delivered / packets.length;
    expectedParts.push(`delivered ratio ${boundText(expectation.ratio, (value) => value.toFixed(3))}`);
    observedParts.push(`${delivered}/${packets.length} delivered (${ratio.toFixed(3)})`);
    passed &&= boundHolds(ratio, expectation.ratio);
  }
  if (expectation.latency !== null) {
    const latencies = packets.filter((packet) => packet.receivedAtMs.length > 0).map((packet) => packet.receivedAtMs[0]! - packet.sentAtMs);
    const { percentile, belowMs, aboveMs } = expectation.latency;
    const value = latencies.length === 0 ? Number.NaN : aggregate(latencies, `p${percentile}`);
    expectedParts.push(`p${percentile} one-way latency${belowMs !== null ? ` below ${formatDuration(belowMs)}` : ''}${aboveMs !== null ? ` above ${formatDuration(aboveMs)}` : ''}`);
    observedParts.push(latencies.length === 0 ? 'no packet delivered' : `p${percentile} ${formatDuration(value)} over ${latencies.length} packets`);
    passed &&= latencies.length > 0 && (belowMs === null || value < belowMs) && (aboveMs === null || value > aboveMs);
  }
  if (expectation.duplicatesMax !== null) {
    const duplicated = packets.filter((packet) => packet.receivedAtMs.length > 1).length;
    expectedParts.push(`at most ${expectation.duplicatesMax} packets delivered twice`);
    observedParts.push(`${duplicated} delivered twice`);
    passed &&= duplicated <= expectation.duplicatesMax;
  }
  const placement = place(0, run.durationMs, 'delivery', `${expectation.from}->${expectation.to}`, null, null);
  return { passed, expected: `${subject}: ${expectedParts.join('; ')}`, observed: observedParts.join('; '), placement };
}

/** Reliable packets (per channel) whose first receipt came before that of a packet sent earlier. */
function countOutOfOrder(reliable: readonly SentPacket[]): number {
  const byChannel = new Map<number, SentPacket[]>();
  for (const packet of reliable) {
    if (packet.receivedAtMs.length === 0) continue;
    const list = byChannel.get(packet.channel) ?? [];
    list.push(packet);
    byChannel.set(packet.channel, list);
  }
  let count = 0;
  for (const list of byChannel.values()) {
    let latestMs = -1;
    for (const packet of list) {
      if (packet.receivedAtMs[0]! < latestMs) count++;
      latestMs = Math.max(latestMs, packet.receivedAtMs[0]!);
    }
  }
  return count;
}

// ---- traffic and relative ----------------------------------------------------------------------------

/** "client->server datagrams dropped (loss)", "client->server retransmissions on channel 1"... */
function trafficSubject(expectation: TrafficExpectation): string {
  const direction = `${expectation.from}->${expectation.to}`;
  switch (expectation.measure) {
    case 'datagrams':
    case 'bytes':
      return `${direction} ${expectation.measure} ${expectation.phase}${expectation.reason !== null ? ` (${expectation.reason})` : ''}`;
    case 'size':
      return `${direction} ${expectation.aggregate} datagram size ${expectation.phase}${expectation.reason !== null ? ` (${expectation.reason})` : ''}`;
    case 'overhead':
      return `${direction} overhead`;
    case 'retransmissions':
      return `${direction} retransmissions${expectation.channel !== null ? ` on channel ${expectation.channel}` : ''}`;
  }
}

function scalarUnitText(value: number, unit: ScalarUnit): string {
  if (unit === 'bytes') return `${Number.isInteger(value) ? value : value.toFixed(1)}B`;
  if (unit === 'ratio') return value.toFixed(3);
  if (unit === 'count') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return valueText(value, unit);
}

function checkTraffic(expectation: TrafficExpectation, run: RunData): CheckResult {
  const reading = trafficReading(expectation, run);
  const unit = trafficUnit(expectation);
  const format = (value: number) => scalarUnitText(value, unit);
  const expected = `${trafficSubject(expectation)} ${describeWindow(expectation.window)} ${boundText(expectation.bound, format)}`;
  const placement = { ...place(reading.window[0], reading.window[1], 'traffic', `${expectation.from}->${expectation.to}`, reading.value, null), ...boundRange(expectation.bound) };
  if (reading.value === null) {
    const why = expectation.measure === 'overhead' ? 'the application sent no bytes in the window' : 'no datagram in the window';
    return { passed: false, expected, observed: why, placement };
  }
  let detail = '';
  if (expectation.measure === 'overhead') detail = ` (${reading.bytes}B on the wire for ${reading.applicationBytes}B of packets)`;
  else if (expectation.measure === 'bytes' || expectation.measure === 'size') detail = ` over ${reading.count} datagram${reading.count === 1 ? '' : 's'}`;
  return { passed: boundHolds(reading.value, expectation.bound), expected, observed: `${format(reading.value)}${detail}`, placement };
}

/** A side of a relative expectation in words: "client->server PEER_PACKET_THROTTLE min over 2s..10s". */
function scalarText(measure: ScalarMeasure): string {
  switch (measure.kind) {
    case 'stat': {
      const expectation = measure.expectation;
      const reference = expectation.after === null ? '' : ` after '${expectation.after}'`;
      const where = expectation.atMs !== null ? `at ${formatDuration(expectation.atMs)}` : `${expectation.aggregate} over ${formatDuration(expectation.overMs![0])}..${formatDuration(expectation.overMs![1])}`;
      return `${expectation.host}->${expectation.peer} ${expectation.stat} ${where}${reference}`;
    }
    case 'traffic':
      return `${trafficSubject(measure.expectation)} ${describeWindow(measure.expectation.window)}`;
    case 'delivery': {
      const subject = `${measure.from}->${measure.to}${measure.channel !== null ? ` channel ${measure.channel}` : ''}`;
      return measure.latencyPercentile === null ? `${subject} delivered ratio` : `${subject} p${measure.latencyPercentile} one-way latency`;
    }
  }
}

const COMPARISON_WORDS: Record<NonNullable<RelativeExpectation['comparison']>, string> = { below: 'below', above: 'above', at_most: 'at most', at_least: 'at least' };

function comparisonHolds(value: number, than: number, comparison: RelativeExpectation['comparison']): boolean {
  switch (comparison) {
    case 'below':
      return value < than;
    case 'above':
      return value > than;
    case 'at_most':
      return value <= than;
    case 'at_least':
      return value >= than;
    case null:
      return true;
  }
}

function checkRelative(expectation: RelativeExpectation, run: RunData): CheckResult {
  const value = scalarValue(expectation.value, run);
  const than = scalarValue(expectation.than, run);
  const format = (number: number) => scalarUnitText(number, expectation.unit);
  const parts: string[] = [];
  if (expectation.comparison !== null) parts.push(`${COMPARISON_WORDS[expectation.comparison]} ${scalarText(expectation.than)}`);
  if (expectation.ratio !== null) parts.push(`ratio to ${scalarText(expectation.than)} ${boundText(expectation.ratio, (number) => number.toFixed(3))}`);
  if (expectation.difference !== null) parts.push(`difference from ${scalarText(expectation.than)} ${boundText(expectation.difference, format)}`);
  const expected = `${scalarText(expectation.value)} ${parts.join(', and ')}`;
  const placement = place(0, run.durationMs, 'relative', null, value, null);
  if (value === null || than === null) {
    const missing = [value === null ? 'the value' : null, than === null ? 'the value compared with' : null].filter((text) => text !== null).join(' and ');
    return { passed: false, expected, observed: `${missing} could not be measured (${value === null ? 'no value' : format(value)} vs ${than === null ? 'no value' : format(than)})`, placement };
  }
  const ratio = than === 0 ? Number.NaN : value / than;
  const difference = value - than;
  const passed =
    comparisonHolds(value, than, expectation.comparison) &&
    (expectation.ratio === null || (!Number.isNaN(ratio) && boundHolds(ratio, expectation.ratio))) &&
    (expectation.difference === null || boundHolds(difference, expectation.difference));
  const extras: string[] = [];
  if (expectation.ratio !== null) extras.push(Number.isNaN(ratio) ? 'ratio undefined: the value compared with is 0' : `ratio ${ratio.toFixed(3)}`);
  if (expectation.difference !== null) extras.push(`difference ${difference < 0 ? '−' : '+'}${format(Math.abs(difference))}`);
  return { passed, expected, observed: `${format(value)} vs ${format(than)}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`, placement };
}
