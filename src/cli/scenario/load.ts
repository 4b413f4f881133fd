// Loads a scenario: YAML with positions → schema validation → meaning (references, shorthands,
// defaults) → the resolved Scenario model. Every problem found is reported together, each at its
// file:line:col with a caret excerpt; nothing the user wrote is ignored.
import { PacketFlag, type ProtocolProfile } from '../../enet/constants.js';
import { isGodotProfile, profileBehaviour } from '../../enet/profile.js';
import type { LinkConfig } from '../../sim/link-config.js';
import { resolveLinkConfig } from '../../sim/link-config.js';
import { MAX_DRAW_SLOT_MS, PER_DATAGRAM_DRAWS, TIME_KEYED_DRAWS, type LinkDraws } from '../../sim/weather.js';
import type { InputProblem } from '../result.js';
import { problemsOfIssue } from './issues.js';
import type { Action, Bound, Expectation, LinkSetting, LinkTarget, LocatedExpectation, PacketSize, Scenario, ScenarioHost, StatUnit, TimelineEntry, Window } from './model.js';
import { findPreset, LINK_PRESETS } from './presets.js';
import { ACTION_NAMES, EXPECTATION_NAMES, STATISTICS, durationSchema, expectationSchema, scenarioSchema, timelineEntrySchema, type ScenarioParsed } from './schema.js';
import { referenceProblems, unknownHostMessage, unknownIdMessage } from './references.js';
import { ScenarioSource, type PathKey } from './source.js';
import { didYouMean, formatDuration, parseUnit, type UnitKind } from './units.js';

export type LoadResult = { ok: true; scenario: Scenario; source: ScenarioSource } | { ok: false; problems: InputProblem[] };

/** Defaults, resolved in this one place (and printed by `run --explain`). */
export const SCENARIO_DEFAULTS = {
  seed: 1,
  epochMs: 1_000_000,
  statsIntervalMs: 100,
  linkDraws: PER_DATAGRAM_DRAWS,
  peerCount: 32,
  channelLimit: 0,
  protocol: '1.3.18',
  port: 7777,
  serviceIntervalMs: 16,
  maxEventsPerFrame: 1000,
  connectChannels: 0,
  channel: 0,
} as const;

type Parsed = ScenarioParsed;
type ParsedAction = Record<string, unknown>;

class Checker {
  readonly problems: InputProblem[] = [];
  constructor(
    readonly source: ScenarioSource,
    readonly parsed: Parsed,
  ) {}

  fail(path: readonly PathKey[], message: string, which: 'value' | 'key' = 'value'): void {
    this.problems.push(this.source.problemAt(path, message, which));
  }

  unit(kind: UnitKind, raw: unknown, path: readonly PathKey[]): number {
    const parsed = parseUnit(kind, raw);
    if (!parsed.ok) {
      this.fail(path, parsed.message);
      return 0;
    }
    return parsed.value;
  }

  host(name: string, path: readonly PathKey[], which: 'value' | 'key' = 'value'): string {
    if (!(name in this.parsed.hosts)) this.fail(path, unknownHostMessage(name, Object.keys(this.parsed.hosts)), which);
    return name;
  }

  /** "a->b" → the host a and its peer b, both checked. */
  peer(reference: string, path: readonly PathKey[]): { host: string; peer: string } {
    const [host, peer] = reference.split('->') as [string, string];
    this.host(host, path);
    this.host(peer, path);
    if (host === peer) this.fail(path, `'${reference}': a host has no peer for itself`);
    return { host, peer };
  }

  linkTarget(reference: string, path: readonly PathKey[], which: 'value' | 'key' = 'value'): LinkTarget {
    if (reference === 'default') return { kind: 'default' };
    if (reference.includes('<->')) {
      const [a, b] = reference.split('<->') as [string, string];
      this.host(a, path, which);
      this.host(b, path, which);
      return { kind: 'both', a, b };
    }
    const [from, to] = reference.split('->') as [string, string];
    this.host(from, path, which);
    this.host(to, path, which);
    return { kind: 'direction', from, to };
  }
}

/** Parses and checks `text` (the contents of `file`). */
export function loadScenario(file: string, text: string): LoadResult {
  const source = new ScenarioSource(file, text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const data = source.document.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, problems: [source.problemAt([], 'a scenario is a YAML mapping with name, duration, hosts, links, timeline and expect')] };
  }
  const references = referenceProblems(data as Record<string, unknown>, source);
  const validated = scenarioSchema.safeParse(data);
  if (!validated.success) {
    const problems = validated.error.issues.flatMap((issue) => problemsOfIssue(issue, source, scenarioSchema, data));
    return { ok: false, problems: sortProblems([...problems, ...references, ...meaningOfValidParts(source, data as Record<string, unknown>)]) };
  }
  const checker = new Checker(source, validated.data);
  const scenario = buildScenario(checker, file, validated.data);
  if (checker.problems.length > 0 || references.length > 0) return { ok: false, problems: sortProblems([...checker.problems, ...references]) };
  return { ok: true, scenario, source };
}

/**
 * When the scenario as a whole fails the schema, the meaning checks still run on every timeline
 * entry and expectation that is valid on its own, so one run reports every problem.
 */
function meaningOfValidParts(source: ScenarioSource, data: Record<string, unknown>): InputProblem[] {
  const hosts = typeof data['hosts'] === 'object' && data['hosts'] !== null ? (data['hosts'] as Parsed['hosts']) : {};
  const checker = new Checker(source, { hosts } as Parsed);
  const duration = durationSchema.safeParse(data['duration']);
  const durationMs = duration.success ? duration.data : Number.POSITIVE_INFINITY;
  const timeline = Array.isArray(data['timeline']) ? data['timeline'] : [];
  const ids = timeline.flatMap((entry) => (typeof entry === 'object' && entry !== null && typeof (entry as { id?: unknown }).id === 'string' ? [(entry as { id: string }).id] : []));
  timeline.forEach((entry, index) => {
    const parsed = timelineEntrySchema.safeParse(entry);
    if (parsed.success) buildEntry(checker, parsed.data as unknown as Record<string, unknown>, index, durationMs);
  });
  const expectations = Array.isArray(data['expect']) ? data['expect'] : [];
  expectations.forEach((entry, index) => {
    const parsed = expectationSchema.safeParse(entry);
    if (parsed.success) buildExpectation(checker, parsed.data as unknown as Record<string, unknown>, index, ids);
  });
  return checker.problems;
}

function sortProblems(problems: InputProblem[]): InputProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((problem) => {
      const key = `${problem.position?.line}:${problem.position?.column}:${problem.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0));
}

function buildScenario(checker: Checker, file: string, parsed: Parsed): Scenario {
  const hosts = Object.entries(parsed.hosts).map(([name, host]) => buildHost(checker, name, host));
  const links = Object.entries(parsed.links ?? {}).map(([reference, knobs]) => ({
    target: checker.linkTarget(reference, ['links', reference], 'key'),
    config: buildLinkConfig(checker, knobs, ['links', reference]),
  }));
  const timeline = (parsed.timeline ?? []).map((entry, index) => buildEntry(checker, entry as unknown as Record<string, unknown>, index, parsed.duration));
  const ids = new Map<string, number>();
  timeline.forEach((entry, index) => {
    if (entry.id === null) return;
    if (ids.has(entry.id)) checker.fail(['timeline', index, 'id'], `duplicate id '${entry.id}' (also at timeline entry ${ids.get(entry.id)! + 1})`);
    ids.set(entry.id, index);
  });
  const expectations = (parsed.expect ?? []).map((entry, index) => buildExpectation(checker, entry as unknown as Record<string, unknown>, index, [...ids.keys()]));
  return {
    file,
    name: parsed.name,
    description: parsed.description ?? null,
    seed: parsed.seed ?? SCENARIO_DEFAULTS.seed,
    seedFixed: parsed.fixed_seed ?? false,
    durationMs: parsed.duration,
    epochMs: parsed.epoch ?? SCENARIO_DEFAULTS.epochMs,
    statsIntervalMs: parsed.stats_interval ?? SCENARIO_DEFAULTS.statsIntervalMs,
    linkDraws: buildLinkDraws(checker, parsed.link_draws),
    hosts,
    links,
    timeline,
    expectations,
  };
}

/** `link_draws`: a mode name, or `{ mode, slot }`; a slot is a whole number of ms and only for time-keyed. */
function buildLinkDraws(checker: Checker, value: Parsed['link_draws']): LinkDraws {
  if (value === undefined) return SCENARIO_DEFAULTS.linkDraws;
  const mode = typeof value === 'string' ? value : value.mode;
  const slotMs = typeof value === 'string' ? undefined : value.slot;
  if (mode === 'per-datagram') {
    if (slotMs !== undefined) checker.fail(['link_draws', 'slot'], "a slot applies to time-keyed draws only (mode: time-keyed), per-datagram draws have none");
    return PER_DATAGRAM_DRAWS;
  }
  if (slotMs === undefined) return TIME_KEYED_DRAWS;
  if (!Number.isInteger(slotMs) || slotMs < 1 || slotMs > MAX_DRAW_SLOT_MS) {
    checker.fail(['link_draws', 'slot'], `a slot must be a whole number of ms from 1ms to ${formatDuration(MAX_DRAW_SLOT_MS)} (got ${slotMs} ms)`);
    return TIME_KEYED_DRAWS;
  }
  return { mode: 'time-keyed', slotMs };
}

function buildHost(checker: Checker, name: string, host: Parsed['hosts'][string]): ScenarioHost {
  const path: PathKey[] = ['hosts', name];
  const service = buildService(checker, host.service, [...path, 'service']);
  const impl = host.impl ?? 'typescript';
  // A 1.3.17/1.3.18 host runs on whichever libenet is given (run says so when its version differs);
  // a Godot profile is an upstream release plus Godot's patches, which no libenet build carries.
  if (impl === 'libenet' && host.protocol !== undefined && isGodotProfile(host.protocol)) {
    checker.fail([...path, 'protocol'], libenetProtocolMessage(host.protocol));
  }
  return {
    name,
    peerCount: host.peers ?? SCENARIO_DEFAULTS.peerCount,
    channelLimit: host.channels ?? SCENARIO_DEFAULTS.channelLimit,
    incomingBandwidthBytesPerSecond: Math.floor((host.bandwidth?.in ?? 0) / 8),
    outgoingBandwidthBytesPerSecond: Math.floor((host.bandwidth?.out ?? 0) / 8),
    mtuBytes: host.mtu ?? null,
    checksum: host.checksum ?? false,
    compress: host.compress === 'range-coder' ? 'range-coder' : null,
    // One meaning per file: the default does not depend on `impl` or on the command; a libenet that
    // is another version runs as what it is and says so (libenetSubstitutions).
    protocol: host.protocol ?? SCENARIO_DEFAULTS.protocol,
    impl,
    port: host.port ?? SCENARIO_DEFAULTS.port,
    service,
  };
}

/** Why a libenet host cannot run `protocol`: the only libenet here is Debian's 1.3.17. */
function libenetProtocolMessage(protocol: ProtocolProfile): string {
  const base = 'impl libenet runs an upstream libenet (1.3.17, or the build --libenet names): protocol must be 1.3.17, 1.3.18 (or left out)';
  const behaviour = profileBehaviour(protocol);
  const patches = [
    behaviour.broadcastReplyFromAnyAddress ? null : "Godot's socket patch (no broadcast-address exception)",
    behaviour.timeoutRule === 'attempts-linear' ? "the long-timeouts patch of PR #118158" : null,
  ].filter((patch) => patch !== null);
  return `${base}; ${protocol} is ENet ${behaviour.upstream} with ${patches.join(' and ')}, which only impl typescript models`;
}

function buildService(checker: Checker, raw: unknown, path: PathKey[]): ScenarioHost['service'] {
  const service: ScenarioHost['service'] = { intervalMs: SCENARIO_DEFAULTS.serviceIntervalMs, hz: null, phaseMs: 0, jitterMs: 0, onReceive: false, maxEventsPerFrame: SCENARIO_DEFAULTS.maxEventsPerFrame };
  if (raw === undefined) return service;
  const object = raw as { rate?: number; every?: number; phase?: number; jitter?: number; on_receive?: boolean; max_events?: number };
  if (object.rate !== undefined && object.every !== undefined) checker.fail(path, 'service: give either rate (Hz) or every (a duration), not both');
  return {
    intervalMs: object.rate !== undefined ? null : (object.every ?? SCENARIO_DEFAULTS.serviceIntervalMs),
    hz: object.rate ?? null,
    phaseMs: object.phase ?? 0,
    jitterMs: object.jitter ?? 0,
    onReceive: object.on_receive ?? false,
    maxEventsPerFrame: object.max_events ?? SCENARIO_DEFAULTS.maxEventsPerFrame,
  };
}

type Knobs = Record<string, unknown>;

/** YAML link knobs → the simulator's LinkConfig (a preset first, then the knobs over it). */
export function buildLinkConfig(checker: Checker, knobs: Knobs, path: PathKey[]): LinkConfig {
  let config: LinkConfig = {};
  if (typeof knobs['preset'] === 'string') {
    const preset = findPreset(knobs['preset']);
    if (preset === undefined) {
      const guess = didYouMean(knobs['preset'], LINK_PRESETS.map((candidate) => candidate.name));
      checker.fail([...path, 'preset'], `unknown preset '${knobs['preset']}'${guess !== null ? ` (did you mean '${guess}'?)` : ' (enetsim presets lists them)'}`);
    } else {
      config = structuredClone(preset.config);
    }
  }
  const at = (key: string): PathKey[] => [...path, key];
  if (knobs['latency'] !== undefined) config.latencyMs = knobs['latency'] as number;
  if (knobs['jitter'] !== undefined) config.jitter = jitterOf(knobs['jitter']);
  if (knobs['loss'] !== undefined) config.loss = lossOf(knobs['loss']);
  if (knobs['duplicate'] !== undefined) {
    const value = knobs['duplicate'] as { rate: number; delay?: number };
    config.duplicate = { percent: value.rate, ...(value.delay !== undefined ? { delayMs: value.delay } : {}) };
  }
  if (knobs['corrupt'] !== undefined) config.corrupt = { percent: knobs['corrupt'] as number };
  if (knobs['reorder'] !== undefined) {
    const value = knobs['reorder'] as { rate: number; gap?: number };
    config.reorder = { percent: value.rate, ...(value.gap !== undefined ? { gap: value.gap } : {}) };
  }
  if (knobs['mtu'] !== undefined) config.mtuBytes = knobs['mtu'] as number;
  const queueKnobs = ['overhead', 'queue', 'queue_datagrams'].filter((key) => knobs[key] !== undefined);
  if (knobs['bandwidth'] !== undefined) {
    config.bandwidth = { ...(config.bandwidth ?? {}), rateBitsPerSecond: knobs['bandwidth'] as number };
  } else if (queueKnobs.length > 0 && config.bandwidth === undefined) {
    checker.fail(at(queueKnobs[0]!), `'${queueKnobs[0]}' needs 'bandwidth': a queue forms only behind a rate limit`, 'key');
  }
  if (config.bandwidth !== undefined) {
    if (knobs['overhead'] !== undefined) config.bandwidth.overheadBytes = knobs['overhead'] as number;
    if (knobs['queue'] !== undefined) config.bandwidth.queueBytes = knobs['queue'] as number;
    if (knobs['queue_datagrams'] !== undefined) config.bandwidth.queueDatagrams = knobs['queue_datagrams'] as number;
  }
  const resolved = resolveLinkConfig(config);
  if (!resolved.ok) for (const error of resolved.errors) checker.fail(path, `link: ${error.path}: ${error.message}`);
  return config;
}

/** The schema has already turned the shorthand ("5ms") into the object form. */
function jitterOf(value: unknown): LinkConfig['jitter'] {
  const object = value as { amount: number; distribution?: 'uniform' | 'normal' | 'pareto' | 'exponential'; correlation?: number; reorder?: boolean; percent?: number; max?: number };
  return {
    ms: object.amount,
    distribution: object.distribution ?? 'uniform',
    ...(object.correlation !== undefined ? { correlationPercent: object.correlation } : {}),
    ...(object.reorder !== undefined ? { reorder: object.reorder } : {}),
    ...(object.percent !== undefined ? { percent: object.percent } : {}),
    ...(object.max !== undefined ? { maxMs: object.max } : {}),
  };
}

/** The schema has already turned the shorthand ("1%") into the object form. */
function lossOf(value: unknown): LinkConfig['loss'] {
  const object = value as Record<string, number | string>;
  switch (object['model']) {
    case 'bernoulli':
      return { model: 'bernoulli', percent: object['rate'] as number };
    case 'gilbert-elliott':
      return {
        model: 'gilbert-elliott',
        goodToBadPercent: object['enter_burst'] as number,
        badToGoodPercent: object['exit_burst'] as number,
        ...(object['loss_in_good'] !== undefined ? { lossInGoodPercent: object['loss_in_good'] as number } : {}),
        ...(object['loss_in_bad'] !== undefined ? { lossInBadPercent: object['loss_in_bad'] as number } : {}),
      };
    case 'netem4': {
      const optional = (key: string, name: string) => (object[key] !== undefined ? { [name]: object[key] as number } : {});
      return { model: 'netem4', p13Percent: object['p13'] as number, ...optional('p31', 'p31Percent'), ...optional('p32', 'p32Percent'), ...optional('p23', 'p23Percent'), ...optional('p14', 'p14Percent') };
    }
    default:
      return { model: 'every', n: object['n'] as number, ...(object['offset'] !== undefined ? { offset: object['offset'] as number } : {}) };
  }
}

// ---- timeline ----------------------------------------------------------------------------------------

function onlyOne(checker: Checker, entry: Record<string, unknown>, names: readonly string[], path: PathKey[], what: string): string | null {
  const present = names.filter((name) => entry[name] !== undefined);
  if (present.length === 1) return present[0]!;
  if (present.length === 0) checker.fail(path, `${what} needs one of: ${names.join(', ')}`);
  else checker.fail([...path, present[1]!], `${what} has more than one of: ${present.join(', ')} (write one per entry)`, 'key');
  return null;
}

function flagsOf(flags: readonly string[] | undefined): number {
  let value = 0;
  for (const flag of flags ?? []) {
    if (flag === 'reliable') value |= PacketFlag.reliable;
    if (flag === 'unsequenced') value |= PacketFlag.unsequenced;
    if (flag === 'unreliable_fragment') value |= PacketFlag.unreliableFragment;
  }
  return value;
}

function sizeOf(checker: Checker, raw: unknown, path: PathKey[]): PacketSize {
  const { min, max } = raw as { min: number; max: number };
  if (min > max) checker.fail(path, `size: min ${min}B is larger than max ${max}B`);
  if (max > 32 * 1024 * 1024) checker.fail(path, `size ${max}B is larger than ENet's maximum packet size (32MiB)`);
  return min === max ? { fixedBytes: Math.floor(min) } : { minBytes: min, maxBytes: max };
}

function buildEntry(checker: Checker, entry: Record<string, unknown>, index: number, durationMs: number): TimelineEntry {
  const path: PathKey[] = ['timeline', index];
  const atMs = entry['at'] as number;
  if (atMs > durationMs) checker.fail([...path, 'at'], `at ${formatDuration(atMs)} is after the end of the run (duration ${formatDuration(durationMs)}): it would never happen`);
  const name = onlyOne(checker, entry, ACTION_NAMES, path, 'a timeline entry');
  const action: Action = name === null ? { kind: 'pause', host: '' } : buildAction(checker, name, entry[name] as ParsedAction, [...path, name], entry);
  if (entry['ramp'] !== undefined && name !== 'link') checker.fail([...path, 'ramp'], `'ramp' applies to link changes only, not to ${name}`, 'key');
  return { atMs, id: (entry['id'] as string | undefined) ?? null, action, position: checker.source.positionOf(path) };
}

function buildAction(checker: Checker, name: string, spec: ParsedAction, path: PathKey[], entry: Record<string, unknown>): Action {
  const host = (key: string) => checker.host(spec[key] as string, [...path, key]);
  const channel = () => (spec['channel'] as number | undefined) ?? SCENARIO_DEFAULTS.channel;
  const peer = () => checker.peer(spec['peer'] as string, [...path, 'peer']);
  switch (name) {
    case 'connect':
      return { kind: 'connect', from: host('from'), to: host('to'), channels: (spec['channels'] as number | undefined) ?? SCENARIO_DEFAULTS.connectChannels, data: (spec['data'] as number | undefined) ?? 0 };
    case 'send':
      return { kind: 'send', from: host('from'), to: host('to'), channel: channel(), size: sizeOf(checker, spec['size'], [...path, 'size']), flags: flagsOf(spec['flags'] as string[]), count: (spec['count'] as number | undefined) ?? 1 };
    case 'stream':
      return {
        kind: 'stream',
        from: host('from'),
        to: host('to'),
        channel: channel(),
        size: sizeOf(checker, spec['size'], [...path, 'size']),
        ratePerSecond: spec['rate'] as number,
        flags: flagsOf(spec['flags'] as string[]),
        forMs: (spec['for'] as number | undefined) ?? null,
      };
    case 'bulk': {
      if ((spec['packet'] as number) < 1) checker.fail([...path, 'packet'], 'packet must be at least 1B');
      return { kind: 'bulk', from: host('from'), to: host('to'), channel: channel(), totalBytes: spec['total'] as number, packetBytes: Math.floor(spec['packet'] as number), flags: flagsOf(spec['flags'] as string[]) };
    }
    case 'broadcast':
      return { kind: 'broadcast', from: host('from'), channel: channel(), size: sizeOf(checker, spec['size'], [...path, 'size']), flags: flagsOf(spec['flags'] as string[]) };
    case 'link': {
      const settings: LinkSetting[] = Object.entries(spec).map(([reference, knobs]) => ({
        target: checker.linkTarget(reference, [...path, reference], 'key'),
        config: buildLinkConfig(checker, knobs as Knobs, [...path, reference]),
      }));
      return { kind: 'link', settings, rampMs: (entry['ramp'] as number | undefined) ?? 0 };
    }
    case 'partition':
    case 'heal':
      return partitionOf(checker, name, spec, path);
    case 'hold':
    case 'release':
      return { kind: name, from: host('from'), to: host('to') };
    case 'lag_spike':
      return { kind: 'lag_spike', target: checker.linkTarget(spec['link'] as string, [...path, 'link']), extraMs: spec['extra'] as number, forMs: spec['for'] as number };
    case 'pause':
    case 'resume':
    case 'crash':
    case 'restart':
      return { kind: name, host: host('host') };
    case 'throttle_configure':
      return { kind: 'throttle_configure', ...peer(), intervalMs: spec['interval'] as number, acceleration: spec['acceleration'] as number, deceleration: spec['deceleration'] as number };
    case 'set_timeout': {
      const [timeout, minMs, maxMs] = [spec['timeout'] as number, spec['min'] as number, spec['max'] as number];
      // Godot ignores set_timeout unless timeout ≤ timeout_min ≤ timeout_max; a scenario should not be silently ignored.
      if (timeout > minMs || minMs > maxMs) checker.fail(path, `set_timeout needs timeout ≤ min ≤ max (Godot ignores the call otherwise): got ${timeout}, ${formatDuration(minMs)}, ${formatDuration(maxMs)}`);
      return { kind: 'set_timeout', ...peer(), timeout, minMs, maxMs };
    }
    case 'ping_interval':
      return { kind: 'ping_interval', ...peer(), intervalMs: spec['interval'] as number };
    case 'ping':
    case 'reset':
      return { kind: name, ...peer() };
    case 'peer_disconnect':
    case 'peer_disconnect_later':
    case 'peer_disconnect_now':
      return { kind: name, ...peer(), data: (spec['data'] as number | undefined) ?? 0 };
    case 'bandwidth_limit':
      return { kind: 'bandwidth_limit', host: host('host'), incomingBytesPerSecond: Math.floor(((spec['in'] as number | undefined) ?? 0) / 8), outgoingBytesPerSecond: Math.floor(((spec['out'] as number | undefined) ?? 0) / 8) };
    default:
      return { kind: 'channel_limit', host: host('host'), limit: spec['limit'] as number };
  }
}

function partitionOf(checker: Checker, kind: 'partition' | 'heal', spec: ParsedAction, path: PathKey[]): Action {
  const between = spec['between'] as [string, string] | undefined;
  if (between !== undefined) {
    if (spec['from'] !== undefined || spec['to'] !== undefined) checker.fail(path, `${kind}: give either between: [a, b] (both ways) or from/to (one way), not both`);
    checker.host(between[0], [...path, 'between', 0]);
    checker.host(between[1], [...path, 'between', 1]);
    return { kind, a: between[0], b: between[1], oneWay: false };
  }
  if (spec['from'] === undefined || spec['to'] === undefined) {
    checker.fail(path, `${kind} needs between: [a, b] (both ways) or from: and to: (one way)`);
    return { kind, a: '', b: '', oneWay: true };
  }
  return { kind, a: checker.host(spec['from'] as string, [...path, 'from']), b: checker.host(spec['to'] as string, [...path, 'to']), oneWay: true };
}

// ---- expectations ------------------------------------------------------------------------------------

/** The unit a statistic's bounds are written in: times in ms ("500ms"), loss as a percentage or raw, others raw. */
export function statUnit(stat: string): StatUnit {
  if (/ROUND_TRIP_TIME|EPOCH|INTERVAL/.test(stat)) return 'ms';
  if (stat === 'PEER_PACKET_LOSS' || stat === 'PEER_PACKET_LOSS_VARIANCE') return 'loss';
  return 'count';
}

function statValue(checker: Checker, unit: StatUnit, raw: unknown, path: PathKey[]): number {
  if (unit === 'ms') return checker.unit('duration', raw, path);
  if (unit === 'loss' && typeof raw === 'string') return (checker.unit('percent', raw, path) * 65536) / 100;
  if (typeof raw !== 'number') {
    checker.fail(path, `expected a number, got "${String(raw)}"`);
    return 0;
  }
  return raw;
}

function boundOf(checker: Checker, spec: Record<string, unknown>, path: PathKey[], convert: (raw: unknown, path: PathKey[]) => number, required: boolean): Bound {
  const read = (key: string) => (spec[key] === undefined ? null : convert(spec[key], [...path, key]));
  const bound: Bound = { above: read('above'), below: read('below'), equals: read('equals'), atLeast: read('at_least'), atMost: read('at_most') };
  if (required && Object.values(bound).every((value) => value === null)) checker.fail(path, 'needs a bound: above, below, equals, at_least or at_most');
  return bound;
}

function windowOf(checker: Checker, spec: Record<string, unknown>, path: PathKey[], ids: readonly string[]): Window {
  const after = (spec['after'] as string | undefined) ?? null;
  if (after !== null && !ids.includes(after)) checker.fail([...path, 'after'], unknownIdMessage(after, ids));
  if (spec['within'] !== undefined && spec['between'] !== undefined) checker.fail(path, 'give within or between, not both');
  if (spec['between'] !== undefined) {
    const [from, to] = spec['between'] as [unknown, unknown];
    const fromMs = checker.unit('duration', from, [...path, 'between', 0]);
    const toMs = checker.unit('duration', to, [...path, 'between', 1]);
    if (fromMs > toMs) checker.fail([...path, 'between'], `between: ${formatDuration(fromMs)} is after ${formatDuration(toMs)}`);
    return { after, fromMs, toMs };
  }
  return { after, fromMs: 0, toMs: (spec['within'] as number | undefined) ?? null };
}

function buildExpectation(checker: Checker, entry: Record<string, unknown>, index: number, ids: readonly string[]): LocatedExpectation {
  const path: PathKey[] = ['expect', index];
  const kind = onlyOne(checker, entry, EXPECTATION_NAMES, path, 'an expectation');
  const position = checker.source.positionOf(path);
  const name = (entry['name'] as string | undefined) ?? null;
  if (kind === null) return { expectation: { kind: 'sequence', host: '', peer: '', states: [] }, name, position };
  const spec = entry[kind] as Record<string, unknown>;
  return { expectation: buildExpectationOf(checker, kind, spec, [...path, kind], ids), name, position };
}

function buildExpectationOf(checker: Checker, kind: string, spec: Record<string, unknown>, path: PathKey[], ids: readonly string[]): Expectation {
  const peerOf = () => checker.peer(spec['peer'] as string, [...path, 'peer']);
  switch (kind) {
    case 'state': {
      const mode = onlyOne(checker, spec, ['reaches', 'never', 'is'], path, 'a state expectation') as 'reaches' | 'never' | 'is' | null;
      const atMs = (spec['at'] as number | undefined) ?? null;
      if (mode === 'is' && atMs === null) checker.fail(path, "'is' needs 'at': the time to look at the state");
      if (mode !== 'is' && atMs !== null) checker.fail([...path, 'at'], `'at' goes with 'is'; for '${mode}' use within or between`, 'key');
      return { kind: 'state', ...peerOf(), mode: mode ?? 'reaches', state: (spec[mode ?? 'reaches'] as string) ?? '', atMs, window: windowOf(checker, spec, path, ids) };
    }
    case 'sequence':
      return { kind: 'sequence', ...peerOf(), states: spec['states'] as string[] };
    case 'event': {
      const host = checker.host(spec['host'] as string, [...path, 'host']);
      const peer = spec['peer'] === undefined ? null : checker.host(spec['peer'] as string, [...path, 'peer']);
      return {
        kind: 'event',
        host,
        type: spec['type'] as 'connect' | 'disconnect' | 'receive',
        peer,
        data: (spec['data'] as number | undefined) ?? null,
        channel: (spec['channel'] as number | undefined) ?? null,
        count: (spec['count'] as number | undefined) ?? null,
        min: (spec['min'] as number | undefined) ?? null,
        max: (spec['max'] as number | undefined) ?? null,
        window: windowOf(checker, spec, path, ids),
      };
    }
    case 'timeout':
      return { kind: 'timeout', ...peerOf(), rule: (spec['rule'] as 'limit' | 'maximum' | 'any' | undefined) ?? 'any', window: windowOf(checker, spec, path, ids) };
    case 'stat':
      return statExpectation(checker, spec, path, ids, peerOf());
    case 'converge':
      return convergeExpectation(checker, spec, path, ids, peerOf());
    default:
      return deliveryExpectation(checker, spec, path);
  }
}

function statExpectation(checker: Checker, spec: Record<string, unknown>, path: PathKey[], ids: readonly string[], peer: { host: string; peer: string }): Expectation {
  const stat = spec['stat'] as string;
  const unit = statUnit(stat);
  const atMs = (spec['at'] as number | undefined) ?? null;
  let overMs: [number, number] | null = null;
  if (spec['over'] !== undefined) {
    const [from, to] = spec['over'] as [unknown, unknown];
    overMs = [checker.unit('duration', from, [...path, 'over', 0]), checker.unit('duration', to, [...path, 'over', 1])];
  }
  if ((atMs === null) === (overMs === null)) checker.fail(path, "a stat expectation needs exactly one of 'at' (a time) or 'over' ([from, to])");
  const aggregate = (spec['aggregate'] as string | undefined) ?? (atMs !== null ? 'last' : 'max');
  if (atMs !== null && spec['aggregate'] !== undefined) checker.fail([...path, 'aggregate'], "'aggregate' goes with 'over'", 'key');
  const after = (spec['after'] as string | undefined) ?? null;
  if (after !== null) windowOf(checker, { after }, path, ids);
  const bound = boundOf(checker, spec, path, (raw, at) => statValue(checker, unit, raw, at), true);
  return { kind: 'stat', ...peer, stat, statIndex: STATISTICS.indexOf(stat as (typeof STATISTICS)[number]), atMs, overMs, aggregate, after, bound, unit };
}

function convergeExpectation(checker: Checker, spec: Record<string, unknown>, path: PathKey[], ids: readonly string[], peer: { host: string; peer: string }): Expectation {
  const stat = spec['stat'] as string;
  const unit = statUnit(stat);
  let low = 0;
  let high = 0;
  if ((spec['to'] === undefined) === (spec['band'] === undefined)) checker.fail(path, "converge needs exactly one of 'to' (a value) or 'band' ([low, high])");
  if (spec['to'] !== undefined) low = high = statValue(checker, unit, spec['to'], [...path, 'to']);
  if (spec['band'] !== undefined) {
    const [a, b] = spec['band'] as [unknown, unknown];
    low = statValue(checker, unit, a, [...path, 'band', 0]);
    high = statValue(checker, unit, b, [...path, 'band', 1]);
    if (low > high) checker.fail([...path, 'band'], 'band: low is above high');
  }
  const after = (spec['after'] as string | undefined) ?? null;
  if (after !== null) windowOf(checker, { after }, path, ids);
  return { kind: 'converge', ...peer, stat, statIndex: STATISTICS.indexOf(stat as (typeof STATISTICS)[number]), low, high, withinMs: spec['within'] as number, holdMs: (spec['hold'] as number | undefined) ?? 0, after, unit };
}

function deliveryExpectation(checker: Checker, spec: Record<string, unknown>, path: PathKey[]): Expectation {
  const from = checker.host(spec['from'] as string, [...path, 'from']);
  const to = checker.host(spec['to'] as string, [...path, 'to']);
  const ratioSpec = spec['ratio'] as Record<string, unknown> | undefined;
  const ratio =
    ratioSpec === undefined
      ? null
      : boundOf(checker, ratioSpec, [...path, 'ratio'], (raw, at) => (typeof raw === 'string' ? checker.unit('percent', raw, at) / 100 : (raw as number)), true);
  const latencySpec = spec['latency'] as { percentile: number; below?: number; above?: number } | undefined;
  if (latencySpec !== undefined && latencySpec.below === undefined && latencySpec.above === undefined) checker.fail([...path, 'latency'], 'latency needs below or above');
  const exactlyOnceInOrder = spec['reliable'] === 'exactly_once_in_order';
  const duplicatesMax = (spec['duplicates'] as number | undefined) ?? null;
  if (!exactlyOnceInOrder && ratio === null && latencySpec === undefined && duplicatesMax === null) {
    checker.fail(path, 'a delivery expectation needs at least one check: reliable, ratio, latency or duplicates');
  }
  return {
    kind: 'delivery',
    from,
    to,
    channel: (spec['channel'] as number | undefined) ?? null,
    exactlyOnceInOrder,
    ratio,
    latency: latencySpec === undefined ? null : { percentile: latencySpec.percentile, belowMs: latencySpec.below ?? null, aboveMs: latencySpec.above ?? null },
    duplicatesMax,
  };
}
