// Expectations on a live session seen by a passive observer (enetsim proxy --expect): the subset of the
// scenario's `expect:` syntax whose meaning a reader of the wire can judge, plus two kinds only it has
// (`silence`, `rtt`). Everything else is refused at its file:line:col, never skipped.
//
// Hosts are `client` and `server`. `client` is the first client the proxy saw (client-1 in the trace):
// a checks file describes one connection; further clients are traced but not judged.
import { z } from 'zod';
import type { DatagramTraceEvent, HostTraceEvent, TraceEvent } from '../trace/trace.js';
import { boundHolds, check, labelOf, type CheckPlacement, type CheckResult, type RunData } from './assertions.js';
import { problemsOfIssue } from './issues.js';
import { buildExpectationsOutsideScenario, yamlMapping } from './load.js';
import type { Bound, Expectation, LocatedExpectation } from './model.js';
import type { InputProblem, SourcePosition } from './problem.js';
import { EXPECTATIONS, durationSchema, peerRef } from './schema.js';
import { ScenarioSource, type PathKey } from './source.js';
import { formatDuration, parseUnit } from './units.js';

/** The host names a passive check may use. */
export const PASSIVE_HOSTS = ['client', 'server'] as const;
/** What `client` means in the trace: the first client seen. */
export const PASSIVE_CLIENT_TRACE_NAME = 'client-1';

/** Peer states the proxy infers from the wire (src/native/proxy-trace.ts writes them), in Godot's names. */
export const INFERRED_STATES: readonly string[] = ['STATE_DISCONNECTED', 'STATE_CONNECTING', 'STATE_ACKNOWLEDGING_CONNECT', 'STATE_CONNECTED', 'STATE_DISCONNECTING'];

const boundKeys = {
  above: z.union([z.string(), z.number()]).optional(),
  below: z.union([z.string(), z.number()]).optional(),
  equals: z.union([z.string(), z.number()]).optional(),
  at_least: z.union([z.string(), z.number()]).optional(),
  at_most: z.union([z.string(), z.number()]).optional(),
};

/** The kinds only a passive check has. */
export const PASSIVE_EXPECTATIONS = {
  silence: z
    .strictObject({
      from: z.string(),
      to: z.string(),
      within: durationSchema.optional(),
      between: z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]).optional(),
      ...boundKeys,
    })
    .meta({ description: 'the longest stretch without a datagram from `from` to `to` reaching the proxy, bounded (a duration)' }),
  rtt: z
    .strictObject({
      peer: peerRef,
      aggregate: z.enum(['min', 'mean', 'max']).optional(),
      ...boundKeys,
    })
    .meta({ description: "the proxy's passive RTT of the reliable commands `host` sent (peer host->remote), min, mean or max (default max), bounded" }),
} as const;

const PASSIVE_NAMES = Object.keys(PASSIVE_EXPECTATIONS) as (keyof typeof PASSIVE_EXPECTATIONS)[];

const passiveEntrySchema = z.strictObject({
  name: z.string().optional(),
  ...Object.fromEntries(Object.keys(EXPECTATIONS).map((name) => [name, EXPECTATIONS[name as keyof typeof EXPECTATIONS].optional()])),
  ...Object.fromEntries(PASSIVE_NAMES.map((name) => [name, PASSIVE_EXPECTATIONS[name].optional()])),
});

const checksFileSchema = z.strictObject({
  name: z.string().optional().meta({ description: 'what the checks are about' }),
  expect: z.array(passiveEntrySchema).meta({ description: 'the checks, in the scenario syntax (docs/proxy.md lists which kinds a passive observer can judge)' }),
});

/** A check the judge runs: a scenario expectation whose meaning holds on the wire, or a passive-only kind. */
export type PassiveCheck =
  | { kind: 'scenario'; located: LocatedExpectation }
  | { kind: 'silence'; name: string | null; position: SourcePosition; from: string; to: string; window: { fromMs: number; toMs: number | null }; bound: Bound }
  | { kind: 'rtt'; name: string | null; position: SourcePosition; host: string; peer: string; aggregate: 'min' | 'mean' | 'max'; bound: Bound };

export type PassiveLoad = { ok: true; name: string | null; checks: PassiveCheck[] } | { ok: false; problems: InputProblem[] };

/**
 * Loads a checks file (`expect:` and an optional `name:`) for a session that lasts `durationMs`
 * (Infinity: until Ctrl-C). Every problem is returned together, located.
 */
export function loadPassiveChecks(file: string, text: string, durationMs: number): PassiveLoad {
  const source = new ScenarioSource(file, text);
  const mapping = yamlMapping(source, 'a checks file is a YAML mapping with an `expect:` list (and an optional `name:`)');
  if (!mapping.ok) return mapping;
  const data = mapping.data;
  const validated = checksFileSchema.safeParse(data);
  if (!validated.success) return { ok: false, problems: sortProblems(validated.error.issues.flatMap((issue) => problemsOfIssue(issue, source, checksFileSchema, data))) };
  // A checks file that checks nothing would pass every session: say so instead.
  if (validated.data.expect.length === 0) return { ok: false, problems: [source.problemAt(['expect'], 'expect: is empty: give at least one check')] };
  const problems: InputProblem[] = [];
  const checks: (PassiveCheck | null)[] = [];
  const standard: { index: number; entry: Record<string, unknown> }[] = [];
  const written = (data as { expect: Record<string, unknown>[] }).expect;
  validated.data.expect.forEach((raw, index) => {
    const entry = raw as Record<string, unknown>;
    // In the order the user wrote them (the schema's output orders keys its own way).
    const kinds = Object.keys(written[index]!).filter((key) => key !== 'name');
    const passiveKind = PASSIVE_NAMES.find((name) => kinds.includes(name));
    if (passiveKind !== undefined && kinds.length > 1) {
      problems.push(source.problemAt(['expect', index], `an expectation has exactly one kind, got ${kinds.join(', ')}`));
      checks.push(null);
      return;
    }
    if (passiveKind === undefined) {
      standard.push({ index, entry });
      checks.push(null);
      return;
    }
    checks.push(buildPassiveKind(source, passiveKind, entry, index, durationMs, problems));
  });
  // Entries of the scenario's kinds go through the scenario's own meaning checks (a passive kind beside another kind is refused there, as "exactly one kind").
  const built = buildExpectationsOutsideScenario(source, standard, PASSIVE_HOSTS, durationMs);
  problems.push(...built.problems);
  built.expectations.forEach((located, position) => {
    checks[standard[position]!.index] = { kind: 'scenario', located };
  });
  // Whether a passive observer can judge an expectation is asked of expectations that mean something (a host the checks do not have is reported once).
  if (built.problems.length === 0) problems.push(...passiveScenarioChecks(built.expectations, (located) => standard[built.expectations.indexOf(located)]!.index, source).problems);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, name: validated.data.name ?? null, checks: checks as PassiveCheck[] };
}

/**
 * The scenario expectations (a scenario's own `expect:`, or a checks file's) a passive observer can
 * judge; each one it cannot is a problem at its position. `indexOf` and `source` locate keys inside an
 * entry more precisely when known.
 */
export function passiveScenarioChecks(located: readonly LocatedExpectation[], indexOf?: (located: LocatedExpectation) => number, source?: ScenarioSource): { checks: PassiveCheck[]; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const checks: PassiveCheck[] = [];
  for (const item of located) {
    const refusal = refusalOf(item.expectation);
    if (refusal === null) {
      checks.push({ kind: 'scenario', located: item });
      continue;
    }
    const index = indexOf?.(item);
    const path: PathKey[] = index === undefined ? [] : ['expect', index, item.expectation.kind, ...refusal.key];
    // A refusal of the whole kind points at the entry (as its verdict would); one of a key, at the key.
    const position = source !== undefined && index !== undefined && refusal.key.length > 0 ? source.positionOf(path, refusal.at ?? 'key') : item.position;
    const problem = source !== undefined ? source.problem(position, refusal.message) : { position, message: refusal.message };
    problems.push(problem);
  }
  return { checks, problems };
}

const STATE_REFUSAL = `a passive observer infers only ${INFERRED_STATES.join(', ')} (from CONNECT, VERIFY_CONNECT, DISCONNECT and their ACKs)`;

/** Why a passive observer cannot judge this expectation (and the key inside it to point at), or null when it can. */
function refusalOf(expectation: Expectation): { key: PathKey[]; at?: 'key' | 'value'; message: string } | null {
  const hosts = hostsOf(expectation);
  const unknown = hosts.find((host) => !(PASSIVE_HOSTS as readonly string[]).includes(host));
  if (unknown !== undefined) return { key: [], message: `unknown host '${unknown}' for a live session: its hosts are client (the first client the proxy sees) and server` };
  switch (expectation.kind) {
    case 'state':
      return INFERRED_STATES.includes(expectation.state) ? null : { key: [expectation.mode], at: 'value', message: `${expectation.state} cannot be judged on a live session: ${STATE_REFUSAL}` };
    case 'sequence':
      return { key: [], message: `sequence cannot be judged on a live session: it needs every state change, and ${STATE_REFUSAL}; use state: reaches, never or is` };
    case 'event':
      if (expectation.type === 'receive') return { key: ['type'], message: 'receive events cannot be judged on a live session: which packets the application got (fragments, ordering, duplicates) is decided inside the receiver; use delivery or traffic' };
      if (expectation.channel !== null) return { key: ['channel'], message: 'channel goes with receive events, which a live session cannot judge' };
      return null;
    case 'timeout':
      return { key: [], message: "timeout cannot be judged on a live session: ENet's timeout leaves nothing on the wire; use silence: { from: server, to: client, at_least: 5s } for a side that stops sending" };
    case 'stat':
    case 'converge':
      return { key: [], message: `${expectation.kind} cannot be judged on a live session: peer statistics live inside the endpoints' ENet; the proxy measures RTT itself: use rtt: { peer: client->server, below: 200ms }` };
    case 'relative':
      return { key: [], message: 'relative cannot be judged on a live session: compare with bounds on each side instead' };
    case 'delivery':
      if (expectation.ratio !== null) return { key: ['ratio'], message: 'a delivery ratio counts application packets, which a live session cannot see; use reliable: exactly_once_in_order (every reliable command forwarded) or traffic' };
      if (expectation.latency !== null) return { key: ['latency'], message: "a delivery latency follows application packets, which a live session cannot see; use rtt for the proxy's passive RTT" };
      if (expectation.duplicatesMax !== null) return { key: ['duplicates'], message: 'duplicates counts application packets delivered twice, which a live session cannot see' };
      return null;
    case 'traffic':
      if (expectation.measure === 'overhead') return { key: ['measure'], message: "overhead needs the application's bytes, which a live session cannot see; use bytes" };
      return null;
  }
}

function hostsOf(expectation: Expectation): string[] {
  switch (expectation.kind) {
    case 'state':
    case 'sequence':
    case 'timeout':
    case 'stat':
    case 'converge':
      return [expectation.host, expectation.peer];
    case 'event':
      return [expectation.host, ...(expectation.peer !== null ? [expectation.peer] : [])];
    case 'delivery':
    case 'traffic':
      return [expectation.from, expectation.to];
    case 'relative':
      return [];
  }
}

function buildPassiveKind(source: ScenarioSource, kind: 'silence' | 'rtt', entry: Record<string, unknown>, index: number, durationMs: number, problems: InputProblem[]): PassiveCheck | null {
  const spec = entry[kind] as Record<string, unknown>;
  const path: PathKey[] = ['expect', index, kind];
  const position = source.positionOf(['expect', index]);
  const name = (entry['name'] as string | undefined) ?? null;
  const fail = (at: PathKey[], message: string, which: 'value' | 'key' = 'value'): void => void problems.push(source.problemAt(at, message, which));
  const host = (value: string, at: PathKey[]): string => {
    if (!(PASSIVE_HOSTS as readonly string[]).includes(value)) fail(at, `unknown host '${value}' for a live session: its hosts are client (the first client the proxy sees) and server`);
    return value;
  };
  const bound = (convert: (raw: unknown, at: PathKey[]) => number): Bound => {
    const read = (key: string): number | null => (spec[key] === undefined ? null : convert(spec[key], [...path, key]));
    const value: Bound = { above: read('above'), below: read('below'), equals: read('equals'), atLeast: read('at_least'), atMost: read('at_most') };
    if (Object.values(value).every((item) => item === null)) fail(path, 'needs a bound: above, below, equals, at_least or at_most');
    return value;
  };
  const durationOf = (raw: unknown, at: PathKey[]): number => {
    const parsed = parseUnit('duration', raw);
    if (!parsed.ok) {
      fail(at, parsed.message);
      return 0;
    }
    return parsed.value;
  };
  if (kind === 'rtt') {
    const [hostName, peerName] = (spec['peer'] as string).split('->') as [string, string];
    host(hostName, [...path, 'peer']);
    host(peerName, [...path, 'peer']);
    if (hostName === peerName) fail([...path, 'peer'], `'${spec['peer'] as string}': a host has no peer for itself`);
    return { kind: 'rtt', name, position, host: hostName, peer: peerName, aggregate: (spec['aggregate'] as 'min' | 'mean' | 'max' | undefined) ?? 'max', bound: bound(durationOf) };
  }
  const from = host(spec['from'] as string, [...path, 'from']);
  const to = host(spec['to'] as string, [...path, 'to']);
  if (from === to) fail([...path, 'to'], `silence from '${from}' to itself: a host does not send datagrams to itself`);
  if (spec['within'] !== undefined && spec['between'] !== undefined) fail(path, 'give within or between, not both');
  let window: { fromMs: number; toMs: number | null } = { fromMs: 0, toMs: (spec['within'] as number | undefined) ?? null };
  if (spec['between'] !== undefined) {
    const [fromRaw, toRaw] = spec['between'] as [unknown, unknown];
    window = { fromMs: durationOf(fromRaw, [...path, 'between', 0]), toMs: durationOf(toRaw, [...path, 'between', 1]) };
    if (window.fromMs > window.toMs!) fail([...path, 'between'], `between: ${formatDuration(window.fromMs)} is after ${formatDuration(window.toMs!)}`);
  }
  if (window.toMs !== null && window.toMs > durationMs) {
    fail([...path, spec['between'] !== undefined ? 'between' : 'within'], `the window ends at ${formatDuration(window.toMs)}, after the end of the session (--duration ${formatDuration(durationMs)}): end it by then or lengthen the session`);
  }
  return { kind: 'silence', name, position, from, to, window, bound: bound(durationOf) };
}

function sortProblems(problems: InputProblem[]): InputProblem[] {
  return [...problems].sort((a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0));
}

// ---- judging -------------------------------------------------------------------------------------------

/** Min / mean / max of the proxy's passive RTT samples of one direction (null fields without a sample). */
export interface PassiveRtt {
  count: number;
  meanMs: number | null;
  minMs: number | null;
  maxMs: number | null;
}

/** What the proxy observed of the session, as the judge reads it. */
export interface PassiveObservation {
  /** The session's trace (src/native/proxy-trace.ts): datagrams, inferred states, actions. */
  events: readonly TraceEvent[];
  /** Connect and disconnect events as the wire shows them (ProxyTraceRecorder.wireEvents). */
  wireEvents: readonly HostTraceEvent[];
  /** The first client's passive RTT: `up` of the client's reliable commands, `down` of the server's; null without a client. */
  rtt: { up: PassiveRtt; down: PassiveRtt } | null;
  /** How long the session lasted, ms. */
  durationMs: number;
  /**
   * When each timeline id of a scenario ran, ms since the session started, for windows `after:` an id
   * (a checks file has no timeline; an id missing here never ran, and a check after it fails saying so).
   */
  idTimesMs?: ReadonlyMap<string, number>;
}

/** One check's verdict, as `run` reports an assertion. */
export interface PassiveVerdict {
  label: string;
  kind: string;
  position: SourcePosition;
  result: CheckResult;
}

/** Judges every check against the session. */
export function judgePassive(checks: readonly PassiveCheck[], observation: PassiveObservation): PassiveVerdict[] {
  const events = [...observation.events, ...observation.wireEvents].sort((a, b) => a.atMs - b.atMs);
  const run: RunData = { events, packets: [], idTimesMs: observation.idTimesMs ?? new Map(), durationMs: observation.durationMs };
  return checks.map((item) => {
    switch (item.kind) {
      case 'scenario': {
        const expectation = inTrace(item.located.expectation);
        const result = expectation.kind === 'delivery' ? judgeDelivery(expectation, run) : check(expectation, run);
        return { label: labelOf(item.located.expectation, item.located.name), kind: expectation.kind, position: item.located.position, result };
      }
      case 'silence':
        return { label: item.name ?? `silence ${item.from}->${item.to}`, kind: 'silence', position: item.position, result: judgeSilence(item, run) };
      case 'rtt':
        return { label: item.name ?? `rtt ${item.host}->${item.peer} ${item.aggregate}`, kind: 'rtt', position: item.position, result: judgeRtt(item, observation) };
    }
  });
}

/** The trace's name of a check's host. */
function traceName(host: string): string {
  return host === 'client' ? PASSIVE_CLIENT_TRACE_NAME : host;
}

/** The expectation with its hosts renamed as the trace names them. */
function inTrace(expectation: Expectation): Expectation {
  switch (expectation.kind) {
    case 'state':
    case 'sequence':
    case 'timeout':
    case 'stat':
    case 'converge':
      return { ...expectation, host: traceName(expectation.host), peer: traceName(expectation.peer) };
    case 'event':
      return { ...expectation, host: traceName(expectation.host), peer: expectation.peer === null ? null : traceName(expectation.peer) };
    case 'delivery':
    case 'traffic':
      return { ...expectation, from: traceName(expectation.from), to: traceName(expectation.to) };
    case 'relative':
      return expectation;
  }
}


function boundText(bound: Bound): string {
  const parts: string[] = [];
  if (bound.above !== null) parts.push(`above ${formatDuration(bound.above)}`);
  if (bound.below !== null) parts.push(`below ${formatDuration(bound.below)}`);
  if (bound.equals !== null) parts.push(`equal to ${formatDuration(bound.equals)}`);
  if (bound.atLeast !== null) parts.push(`at least ${formatDuration(bound.atLeast)}`);
  if (bound.atMost !== null) parts.push(`at most ${formatDuration(bound.atMost)}`);
  return parts.join(' and ');
}

function boundRange(bound: Bound): { min: number | null; max: number | null } {
  const lows = [bound.above, bound.atLeast, bound.equals].filter((value): value is number => value !== null);
  const highs = [bound.below, bound.atMost, bound.equals].filter((value): value is number => value !== null);
  return { min: lows.length === 0 ? null : Math.max(...lows), max: highs.length === 0 ? null : Math.min(...highs) };
}

/** A reliable command's name in the trace: "SEND_RELIABLE ch0 #5" (fragments included). */
const RELIABLE_DATA_COMMAND = /^(SEND_RELIABLE|SEND_FRAGMENT) ch(\d+) #(\d+)$/;

/**
 * `delivery: { reliable: exactly_once_in_order }` on the wire: every reliable data command (SEND_RELIABLE,
 * SEND_FRAGMENT) `from` sent reached the proxy's far side, that is was forwarded to `to` at least once,
 * intact. ENet delivers a reliable command that arrives exactly once and in order, so this is the part a
 * passive observer can check. A command is known by channel and reliable sequence number.
 */
function judgeDelivery(expectation: Extract<Expectation, { kind: 'delivery' }>, run: RunData): CheckResult {
  const commandsById = new Map<number, string[]>();
  const firstSentAtMs = new Map<string, number>();
  const forwarded = new Set<string>();
  for (const event of run.events) {
    if (event.kind !== 'datagram' || event.from !== expectation.from || event.to !== expectation.to) continue;
    if (event.phase === 'sent') {
      const commands = (event.commands ?? []).filter((command) => {
        const match = RELIABLE_DATA_COMMAND.exec(command);
        return match !== null && (expectation.channel === null || Number(match[2]) === expectation.channel);
      });
      commandsById.set(event.id, commands);
      for (const command of commands) if (!firstSentAtMs.has(command)) firstSentAtMs.set(command, event.atMs);
    } else if (event.phase === 'delivered' && event.corrupted !== true) {
      for (const command of commandsById.get(event.id) ?? []) forwarded.add(command);
    }
  }
  const subject = `${expectation.from}->${expectation.to}${expectation.channel !== null ? ` channel ${expectation.channel}` : ''}`;
  const perChannel = new Map<number, { sent: number; missing: number }>();
  const missing: string[] = [];
  for (const command of firstSentAtMs.keys()) {
    const channel = Number(RELIABLE_DATA_COMMAND.exec(command)![2]);
    const counts = perChannel.get(channel) ?? { sent: 0, missing: 0 };
    counts.sent += 1;
    if (!forwarded.has(command)) {
      counts.missing += 1;
      missing.push(command);
    }
    perChannel.set(channel, counts);
  }
  const channels = [...perChannel.entries()].sort(([a], [b]) => a - b).map(([channel, counts]) => `ch${channel}: ${counts.sent - counts.missing}/${counts.sent}`);
  const passed = firstSentAtMs.size > 0 && missing.length === 0;
  const observed =
    firstSentAtMs.size === 0
      ? 'no reliable command was sent'
      : `${firstSentAtMs.size} reliable commands, forwarded per channel ${channels.join(', ')}${missing.length > 0 ? `; never forwarded: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? `, … (${missing.length})` : ''} (first sent at ${formatDuration(firstSentAtMs.get(missing[0]!)!)})` : ''}`;
  const placement: CheckPlacement = { fromMs: 0, toMs: run.durationMs, quantity: 'delivery', subject: `${expectation.from}->${expectation.to}`, min: null, max: null, observedValue: null, observedAtMs: null };
  return { passed, expected: `${subject}: every reliable command forwarded to ${expectation.to} at least once (ENet then delivers it exactly once, in order)`, observed, placement };
}

/** The longest stretch without a datagram from `from` to `to` reaching the proxy, inside the window, from the connection's first datagram on. */
function judgeSilence(item: Extract<PassiveCheck, { kind: 'silence' }>, run: RunData): CheckResult {
  const from = traceName(item.from);
  const to = traceName(item.to);
  const windowFromMs = item.window.fromMs;
  const windowToMs = Math.min(item.window.toMs ?? run.durationMs, run.durationMs);
  const within = item.window.toMs === null && item.window.fromMs === 0 ? 'during the session' : `between ${formatDuration(windowFromMs)} and ${formatDuration(windowToMs)}`;
  const expected = `the longest silence from ${item.from} to ${item.to} ${within} ${boundText(item.bound)}`;
  const sent = run.events.filter((event): event is DatagramTraceEvent => event.kind === 'datagram' && event.phase === 'sent' && ((event.from === from && event.to === to) || (event.from === to && event.to === from)));
  const range = boundRange(item.bound);
  const placement = (value: number | null, atMs: number | null): CheckPlacement => ({ fromMs: windowFromMs, toMs: windowToMs, quantity: 'silence', subject: `${from}->${to}`, ...range, observedValue: value, observedAtMs: atMs });
  if (sent.length === 0) return { passed: false, expected, observed: `no datagram between ${item.from} and ${item.to} at all: the connection never started`, placement: placement(null, null) };
  let previousMs = Math.max(windowFromMs, sent[0]!.atMs);
  const startMs = previousMs;
  let longestMs = 0;
  let longestFromMs = previousMs;
  for (const event of sent) {
    if (event.from !== from || event.atMs < previousMs) continue;
    if (event.atMs > windowToMs) break;
    if (event.atMs - previousMs > longestMs) {
      longestMs = event.atMs - previousMs;
      longestFromMs = previousMs;
    }
    previousMs = event.atMs;
  }
  if (windowToMs - previousMs > longestMs) {
    longestMs = windowToMs - previousMs;
    longestFromMs = previousMs;
  }
  if (windowToMs < startMs) return { passed: false, expected, observed: `the connection started at ${formatDuration(startMs)}, after the window`, placement: placement(null, null) };
  const until = longestFromMs + longestMs >= windowToMs && windowToMs === run.durationMs ? 'the end of the session' : formatDuration(longestFromMs + longestMs);
  return { passed: boundHolds(longestMs, item.bound), expected, observed: `${formatDuration(longestMs)} (from ${formatDuration(longestFromMs)} to ${until})`, placement: placement(longestMs, longestFromMs) };
}

function judgeRtt(item: Extract<PassiveCheck, { kind: 'rtt' }>, observation: PassiveObservation): CheckResult {
  const direction = item.host === 'client' ? 'up' : 'down';
  const rtt = observation.rtt?.[direction] ?? null;
  const expected = `${item.aggregate} passive RTT of the reliable commands ${item.host} sent ${boundText(item.bound)}`;
  const value = rtt === null ? null : item.aggregate === 'min' ? rtt.minMs : item.aggregate === 'mean' ? rtt.meanMs : rtt.maxMs;
  const placement: CheckPlacement = { fromMs: 0, toMs: observation.durationMs, quantity: 'rtt', subject: `${traceName(item.host)}->${traceName(item.peer)}`, ...boundRange(item.bound), observedValue: value, observedAtMs: null };
  if (rtt === null || value === null) return { passed: false, expected, observed: 'no RTT sample (no reliable command of it was acknowledged through the proxy, or only retransmitted ones)', placement };
  return { passed: boundHolds(value, item.bound), expected, observed: `${formatDuration(value)} (${rtt.count} samples: min ${formatDuration(rtt.minMs!)}, mean ${formatDuration(rtt.meanMs!)}, max ${formatDuration(rtt.maxMs!)})`, placement };
}
