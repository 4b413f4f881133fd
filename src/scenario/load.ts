// Loads a scenario: YAML with positions → schema validation → meaning (references, shorthands,
// defaults) → the resolved Scenario model. Every problem found is reported together, each at its
// file:line:col with a caret excerpt; nothing the user wrote is ignored.
import { isMap } from 'yaml';
import { PacketFlag, type ProtocolProfile } from '../enet/constants.js';
import { isGodotProfile, profileBehaviour } from '../enet/profile.js';
import type { LinkConfig } from '../sim/link-config.js';
import { resolveLinkConfig } from '../sim/link-config.js';
import { mergeLinkConfig } from '../sim/network.js';
import { MAX_DRAW_SLOT_MS, PER_DATAGRAM_DRAWS, TIME_KEYED_DRAWS, type LinkDraws } from '../sim/weather.js';
import type { InputProblem } from './problem.js';
import { problemsOfIssue } from './issues.js';
import { EVENT_PEER, type Action, type Bound, type DropReason, type Expectation, type LinkSetting, type LinkTarget, type LocatedExpectation, type PacketSize, type ReactionOn, type ScalarMeasure, type ScalarUnit, type Scenario, type ScenarioHost, type StatUnit, type TimelineEntry, type TrafficExpectation, type TrafficMeasure, type TrafficPhase, type Window } from './model.js';
import { trafficUnit } from './measures.js';
import { findPreset, LINK_PRESETS } from './presets.js';
import { ACTION_NAMES, EXPECTATION_NAMES, REACTION_ACTION_NAMES, STATISTICS, durationSchema, expectationSchema, hostSchema, linkSchema, scenarioSchema, timelineEntrySchema, type ScenarioParsed } from './schema.js';
import { referenceProblems, unknownHostMessage, unknownIdMessage } from './references.js';
import {
  DELIVERY_PACKET_MIN_BYTES,
  enetCount,
  enetMs,
  hostBandwidth,
  hostMtu,
  lagSpikeDelay,
  lagSpikeFor,
  queueTime,
  serviceEvery,
  serviceJitter,
  serviceRate,
  streamFor,
  streamRate,
  wholeBytes,
  wholeMs,
  type RuleResult,
} from './runtime-rules.js';
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

  /** Records a runtime rule's problem (runtime-rules.ts) at `path`; returns whether the value passed. */
  rule(result: RuleResult, path: readonly PathKey[], which: 'value' | 'key' = 'value'): boolean {
    if (result === null) return true;
    this.fail(path, result, which);
    return false;
  }

  /** Two ends of something directional (a link, a send, a hold): two different known hosts. */
  pair(from: string, to: string, path: readonly PathKey[], what: string, which: 'value' | 'key' = 'value'): void {
    if (from === to) this.fail(path, `${what} from '${from}' to itself: a host does not send datagrams to itself, so this would do nothing`, which);
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
      this.pair(a, b, path, `link '${reference}'`, which);
      return { kind: 'both', a, b };
    }
    const [from, to] = reference.split('->') as [string, string];
    this.host(from, path, which);
    this.host(to, path, which);
    this.pair(from, to, path, `link '${reference}'`, which);
    return { kind: 'direction', from, to };
  }
}

/** The file's YAML as a mapping, or its problems: syntax, expansion, or not a mapping (`notMapping` says what it should be). */
export function yamlMapping(source: ScenarioSource, notMapping: string): { ok: true; data: Record<string, unknown> } | { ok: false; problems: InputProblem[] } {
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const expanded = source.toData();
  if (!expanded.ok) return { ok: false, problems: [expanded.problem] };
  const data = expanded.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, problems: [source.problemAt([], notMapping)] };
  return { ok: true, data: data as Record<string, unknown> };
}

/** Parses and checks `text` (the contents of `file`). */
export function loadScenario(file: string, text: string): LoadResult {
  const source = new ScenarioSource(file, text);
  const mapping = yamlMapping(source, 'a scenario is a YAML mapping with name, duration, hosts, links, timeline and expect');
  if (!mapping.ok) return mapping;
  const data = mapping.data;
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
 * When the scenario as a whole fails the schema, the meaning checks still run on every host, timeline
 * entry and expectation that is valid on its own, so one run reports every problem.
 */
function meaningOfValidParts(source: ScenarioSource, data: Record<string, unknown>): InputProblem[] {
  const hosts = typeof data['hosts'] === 'object' && data['hosts'] !== null ? (data['hosts'] as Parsed['hosts']) : {};
  const checker = new Checker(source, { hosts } as Parsed);
  for (const [name, host] of Object.entries(hosts)) {
    const parsed = hostSchema.safeParse(host);
    if (parsed.success) buildHost(checker, name, parsed.data);
  }
  const duration = durationSchema.safeParse(data['duration']);
  const durationMs = duration.success ? duration.data : Number.POSITIVE_INFINITY;
  const timeline = Array.isArray(data['timeline']) ? data['timeline'] : [];
  const idTimesMs = new Map<string, number>();
  timeline.forEach((entry, index) => {
    const parsed = timelineEntrySchema.safeParse(entry);
    if (parsed.success) {
      const built = buildEntry(checker, parsed.data as unknown as Record<string, unknown>, index, durationMs);
      if (built.id !== null) idTimesMs.set(built.id, built.on === null ? built.atMs : Number.NaN);
    } else if (typeof entry === 'object' && entry !== null && typeof (entry as { id?: unknown }).id === 'string') {
      // An entry that failed the schema still names an id; its time is unknown, so windows after it are not checked against the run's end.
      idTimesMs.set((entry as { id: string }).id, Number.NaN);
    }
  });
  const context: ExpectationContext = { idTimesMs, durationMs, timeline: [] };
  const expectations = Array.isArray(data['expect']) ? data['expect'] : [];
  expectations.forEach((entry, index) => {
    const parsed = expectationSchema.safeParse(entry);
    if (parsed.success) buildExpectation(checker, parsed.data as unknown as Record<string, unknown>, index, context);
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
  checker.rule(wholeMs(parsed.duration, 'duration'), ['duration']);
  if (parsed.epoch !== undefined) checker.rule(enetMs(parsed.epoch, 'epoch'), ['epoch']);
  if (parsed.stats_interval !== undefined) checker.rule(wholeMs(parsed.stats_interval, 'stats_interval'), ['stats_interval']);
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
  // A reaction's time is known only when it runs: NaN here, so windows after it are not checked against the run's end.
  const idTimesMs = new Map([...ids].map(([id, index]) => [id, timeline[index]!.on === null ? timeline[index]!.atMs : Number.NaN]));
  const context: ExpectationContext = { idTimesMs, durationMs: parsed.duration, timeline };
  const expectations = (parsed.expect ?? []).map((entry, index) => buildExpectation(checker, entry as unknown as Record<string, unknown>, index, context));
  checkLagSpikes(checker, links, timeline);
  checkCrashedHosts(checker, timeline);
  if (checker.problems.length === 0) checkMergedLinks(checker, hosts.map((host) => host.name), links, timeline);
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
  if (host.mtu !== undefined) checker.rule(hostMtu(host.mtu), [...path, 'mtu']);
  if (host.bandwidth?.in !== undefined) checker.rule(hostBandwidth(host.bandwidth.in, 'bandwidth in'), [...path, 'bandwidth', 'in']);
  if (host.bandwidth?.out !== undefined) checker.rule(hostBandwidth(host.bandwidth.out, 'bandwidth out'), [...path, 'bandwidth', 'out']);
  const impl = host.impl ?? 'typescript';
  // A 1.3.17/1.3.18 host runs on whichever libenet is given (run says so when its version differs);
  // a Godot profile is an upstream release plus Godot's patches, which no libenet build carries.
  if (impl === 'libenet' && host.protocol !== undefined && isGodotProfile(host.protocol)) {
    checker.fail([...path, 'protocol'], libenetProtocolMessage(host.protocol));
  }
  // libenet has only its range coder; FastLZ, zlib and Zstandard are Godot's own wrappers.
  if (impl === 'libenet' && host.compress !== undefined && host.compress !== 'none' && host.compress !== 'range-coder') {
    checker.fail([...path, 'compress'], `impl libenet has only ENet's range coder: compress must be none or range-coder (got '${host.compress}'); ${host.compress} is Godot's own wrapper, which the TypeScript core implements`);
  }
  return {
    name,
    peerCount: host.peers ?? SCENARIO_DEFAULTS.peerCount,
    channelLimit: host.channels ?? SCENARIO_DEFAULTS.channelLimit,
    incomingBandwidthBytesPerSecond: Math.floor((host.bandwidth?.in ?? 0) / 8),
    outgoingBandwidthBytesPerSecond: Math.floor((host.bandwidth?.out ?? 0) / 8),
    mtuBytes: host.mtu ?? null,
    checksum: host.checksum ?? false,
    compress: host.compress === undefined || host.compress === 'none' ? null : host.compress,
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
  // The shorthands ("60Hz", "16ms") sit at `service` itself; the object form's values at their keys.
  const inObject = isMapAt(checker, path);
  const at = (key: string): PathKey[] => (inObject ? [...path, key] : path);
  if (object.rate !== undefined) checker.rule(serviceRate(object.rate), at('rate'));
  if (object.every !== undefined) checker.rule(serviceEvery(object.every), at('every'));
  if (object.phase !== undefined) checker.rule(wholeMs(object.phase, 'service phase'), at('phase'));
  if (object.jitter !== undefined) checker.rule(serviceJitter(object.jitter), at('jitter'));
  return {
    intervalMs: object.rate !== undefined ? null : (object.every ?? SCENARIO_DEFAULTS.serviceIntervalMs),
    hz: object.rate ?? null,
    phaseMs: object.phase ?? 0,
    jitterMs: object.jitter ?? 0,
    onReceive: object.on_receive ?? false,
    maxEventsPerFrame: object.max_events ?? SCENARIO_DEFAULTS.maxEventsPerFrame,
  };
}

/** Whether the YAML at `path` is a mapping (the object form of a value that has a shorthand, such as `service` or `size`). */
function isMapAt(checker: Checker, path: readonly PathKey[]): boolean {
  return isMap(checker.source.document.getIn(path, true));
}

type Knobs = Record<string, unknown>;

/**
 * One link direction written on the command line (`enetsim proxy --link 'latency: 80ms, loss: 2%'`):
 * a YAML flow mapping with the same keys, units and checks as a scenario's `links:` entry. Braces are
 * optional. Problems name the flag as their file, e.g. `--link:1:12 ...`.
 */
export function loadLinkFlag(flag: string, text: string): { ok: true; config: LinkConfig } | { ok: false; problems: InputProblem[] } {
  const trimmed = text.trim();
  const source = new ScenarioSource(flag, trimmed.startsWith('{') ? trimmed : `{ ${trimmed} }`);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const expanded = source.toData();
  if (!expanded.ok) return { ok: false, problems: [expanded.problem] };
  const data = expanded.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) return { ok: false, problems: [source.problemAt([], 'a link is a mapping such as latency: 80ms, loss: 2%')] };
  const validated = linkSchema.safeParse(data);
  if (!validated.success) return { ok: false, problems: sortProblems(validated.error.issues.flatMap((issue) => problemsOfIssue(issue, source, linkSchema, data))) };
  const checker = new Checker(source, { hosts: {} } as unknown as Parsed);
  const config = buildLinkConfig(checker, validated.data as Knobs, []);
  return checker.problems.length > 0 ? { ok: false, problems: sortProblems(checker.problems) } : { ok: true, config };
}

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
    if (knobs['queue'] !== undefined) setQueueLimit(checker, config.bandwidth, knobs['queue'] as { bytes: number } | { ms: number }, at('queue'));
    if (knobs['queue_datagrams'] !== undefined) config.bandwidth.queueDatagrams = knobs['queue_datagrams'] as number;
  }
  const resolved = resolveLinkConfig(config);
  if (!resolved.ok) for (const error of resolved.errors) checker.fail(linkKnobPath(knobs, path, error.path), `link: ${error.path}: ${error.message}`);
  return config;
}

/**
 * `queue` in bytes or in time. Setting one clears the other (with an explicit undefined, which a later
 * `link` change merges over the earlier setting), so `queue` names one limit wherever it is written.
 */
function setQueueLimit(checker: Checker, bandwidth: NonNullable<LinkConfig['bandwidth']>, limit: { bytes: number } | { ms: number }, path: PathKey[]): void {
  if ('bytes' in limit) {
    bandwidth.queueBytes = limit.bytes;
    bandwidth.queueMs = undefined;
    return;
  }
  if (!checker.rule(queueTime(limit.ms), path)) return;
  bandwidth.queueMs = limit.ms;
  bandwidth.queueBytes = undefined;
}

/** The YAML link key each field of the simulator's LinkConfig comes from. */
const LINK_KNOB_OF_FIELD: Readonly<Record<string, string>> = {
  latencyMs: 'latency',
  jitter: 'jitter',
  loss: 'loss',
  duplicate: 'duplicate',
  corrupt: 'corrupt',
  reorder: 'reorder',
  mtuBytes: 'mtu',
  'bandwidth.rateBitsPerSecond': 'bandwidth',
  'bandwidth.overheadBytes': 'overhead',
  'bandwidth.queueBytes': 'queue',
  'bandwidth.queueDatagrams': 'queue_datagrams',
  'bandwidth.queueMs': 'queue',
};

/** Where a LinkConfig error belongs: at the knob the user wrote, or at the link when it came from a preset. */
function linkKnobPath(knobs: Knobs, linkPath: PathKey[], fieldPath: string): PathKey[] {
  const knob = LINK_KNOB_OF_FIELD[fieldPath] ?? LINK_KNOB_OF_FIELD[fieldPath.split('.')[0]!];
  return knob !== undefined && knobs[knob] !== undefined ? [...linkPath, knob] : linkPath;
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
  const inObject = isMapAt(checker, path);
  checker.rule(wholeBytes(min, 'size'), inObject ? [...path, 'min'] : path);
  if (max !== min) checker.rule(wholeBytes(max, 'size'), inObject ? [...path, 'max'] : path);
  if (max > 32 * 1024 * 1024) checker.fail(path, `size ${max}B is larger than ENet's maximum packet size (32MiB)`);
  return min === max ? { fixedBytes: Math.floor(min) } : { minBytes: min, maxBytes: max };
}

function buildEntry(checker: Checker, entry: Record<string, unknown>, index: number, durationMs: number): TimelineEntry {
  const path: PathKey[] = ['timeline', index];
  const on = entry['on'] === undefined ? null : buildTrigger(checker, entry['on'] as Record<string, unknown>, [...path, 'on']);
  if (entry['at'] === undefined && on === null) checker.fail(path, "missing required key 'at' (or 'on', for a reaction to an ENet event)");
  const atMs = (entry['at'] as number | undefined) ?? 0;
  checker.rule(wholeMs(atMs, 'at'), [...path, 'at']);
  if (atMs > durationMs) checker.fail([...path, 'at'], `at ${formatDuration(atMs)} is after the end of the run (duration ${formatDuration(durationMs)}): it would never happen`);
  const name = onlyOne(checker, entry, ACTION_NAMES, path, 'a timeline entry');
  if (on !== null && name !== null && !(REACTION_ACTION_NAMES as readonly string[]).includes(name)) {
    checker.fail([...path, name], `${name} is not an application call, so a reaction cannot run it: give it a time with at: (reactions run ${REACTION_ACTION_NAMES.join(', ')})`, 'key');
  }
  const binding: Binding | null = on === null ? null : { host: on.host, peer: on.peer ?? EVENT_PEER };
  const action: Action = name === null ? { kind: 'pause', host: '' } : buildAction(checker, name, entry[name] as ParsedAction, [...path, name], entry, binding);
  if (entry['ramp'] !== undefined && name !== 'link') checker.fail([...path, 'ramp'], `'ramp' applies to link changes only, not to ${name}`, 'key');
  return { atMs, id: (entry['id'] as string | undefined) ?? null, on, action, position: checker.source.positionOf(path) };
}

/** `on:` of a reaction: which host's application sees which event, from which peer. */
function buildTrigger(checker: Checker, spec: Record<string, unknown>, path: PathKey[]): ReactionOn {
  const host = checker.host(spec['host'] as string, [...path, 'host']);
  const event = spec['event'] as ReactionOn['event'];
  const peer = (spec['peer'] as string | undefined) ?? null;
  if (peer !== null) {
    checker.host(peer, [...path, 'peer']);
    if (peer === host) checker.fail([...path, 'peer'], `'${host}' has no peer for itself: it never sees an event from '${peer}'`);
  }
  const channel = (spec['channel'] as number | undefined) ?? null;
  if (channel !== null && event !== 'receive') checker.fail([...path, 'channel'], `channel filters receive events; a ${event} event has no channel`, 'key');
  const data = (spec['data'] as number | undefined) ?? null;
  if (data !== null && event === 'receive') checker.fail([...path, 'data'], 'data filters connect and disconnect events (their data); a receive event carries a packet, not data', 'key');
  const delayMs = (spec['delay'] as number | undefined) ?? 0;
  checker.rule(wholeMs(delayMs, 'delay'), [...path, 'delay']);
  return { host, event, peer, channel, data, delayMs, once: (spec['once'] as boolean | undefined) ?? false };
}

/** In a reaction, the reacting host and the event's peer ({@link EVENT_PEER} when any peer answers). */
interface Binding {
  host: string;
  peer: string;
}

function buildAction(checker: Checker, name: string, spec: ParsedAction, path: PathKey[], entry: Record<string, unknown>, binding: Binding | null = null): Action {
  const host = (key: string) => boundHost(checker, spec, key, path, binding);
  const peer = () => boundPeer(checker, spec, path, binding);
  // Every action with a sender and a receiver (connect, traffic, one-way partitions, holds) needs two hosts.
  if (typeof spec['from'] === 'string' && typeof spec['to'] === 'string') checker.pair(spec['from'], spec['to'], [...path, 'to'], name);
  else if (binding !== null && typeof spec['to'] === 'string') checker.pair(binding.host, spec['to'], [...path, 'to'], name);
  switch (name) {
    case 'connect':
      return { kind: 'connect', from: host('from'), to: host('to'), channels: (spec['channels'] as number | undefined) ?? SCENARIO_DEFAULTS.connectChannels, data: (spec['data'] as number | undefined) ?? 0 };
    case 'send':
    case 'stream':
    case 'bulk':
    case 'broadcast':
      return trafficAction(checker, name, spec, path, binding);
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
      checker.rule(lagSpikeFor(spec['for'] as number), [...path, 'for']);
      return { kind: 'lag_spike', target: checker.linkTarget(spec['link'] as string, [...path, 'link']), extraMs: spec['extra'] as number, forMs: spec['for'] as number };
    case 'pause':
    case 'resume':
    case 'crash':
    case 'restart':
      return { kind: name, host: host('host') };
    case 'throttle_configure':
      checker.rule(enetMs(spec['interval'] as number, 'interval'), [...path, 'interval']);
      return { kind: 'throttle_configure', ...peer(), intervalMs: spec['interval'] as number, acceleration: spec['acceleration'] as number, deceleration: spec['deceleration'] as number };
    case 'set_timeout': {
      const [timeout, minMs, maxMs] = [spec['timeout'] as number, spec['min'] as number, spec['max'] as number];
      // Godot ignores set_timeout unless timeout ≤ timeout_min ≤ timeout_max; a scenario should not be silently ignored.
      checker.rule(enetMs(minMs, 'min'), [...path, 'min']);
      checker.rule(enetMs(maxMs, 'max'), [...path, 'max']);
      checker.rule(enetCount(timeout, 'timeout'), [...path, 'timeout']);
      if (timeout > minMs || minMs > maxMs) checker.fail(path, `set_timeout needs timeout ≤ min ≤ max (Godot ignores the call otherwise): got ${timeout}, ${formatDuration(minMs)}, ${formatDuration(maxMs)}`);
      return { kind: 'set_timeout', ...peer(), timeout, minMs, maxMs };
    }
    case 'ping_interval':
      checker.rule(enetMs(spec['interval'] as number, 'interval'), [...path, 'interval']);
      return { kind: 'ping_interval', ...peer(), intervalMs: spec['interval'] as number };
    case 'ping':
    case 'reset':
      return { kind: name, ...peer() };
    case 'peer_disconnect':
    case 'peer_disconnect_later':
    case 'peer_disconnect_now':
      return { kind: name, ...peer(), data: (spec['data'] as number | undefined) ?? 0 };
    case 'bandwidth_limit':
      if (spec['in'] !== undefined) checker.rule(hostBandwidth(spec['in'] as number, 'in'), [...path, 'in']);
      if (spec['out'] !== undefined) checker.rule(hostBandwidth(spec['out'] as number, 'out'), [...path, 'out']);
      return { kind: 'bandwidth_limit', host: host('host'), incomingBytesPerSecond: Math.floor(((spec['in'] as number | undefined) ?? 0) / 8), outgoingBytesPerSecond: Math.floor(((spec['out'] as number | undefined) ?? 0) / 8) };
    default:
      return { kind: 'channel_limit', host: host('host'), limit: spec['limit'] as number };
  }
}

/**
 * A host key of an action (`from`, `to`, `host`). At a fixed time it is required; in a reaction it
 * defaults to the reacting host (`from`, `host`) or the event's peer (`to`), and a sender must be
 * the reacting host: a handler runs in that host's application.
 */
function boundHost(checker: Checker, spec: ParsedAction, key: string, path: PathKey[], binding: Binding | null): string {
  const value = spec[key] as string | undefined;
  if (value === undefined) {
    if (binding !== null) return key === 'to' ? binding.peer : binding.host;
    checker.fail(path, `missing required key '${key}'`);
    return '';
  }
  checker.host(value, [...path, key]);
  if (binding !== null && key !== 'to' && value !== binding.host) checker.fail([...path, key], `a reaction runs in ${binding.host}'s application, which can only call its own ENet host, not ${value}'s (leave ${key} out)`);
  return value;
}

/** `peer: host->peer` of a peer action; in a reaction, by default the reacting host's peer of the event. */
function boundPeer(checker: Checker, spec: ParsedAction, path: PathKey[], binding: Binding | null): { host: string; peer: string } {
  const reference = spec['peer'] as string | undefined;
  if (reference === undefined) {
    if (binding !== null) return { host: binding.host, peer: binding.peer };
    checker.fail(path, "missing required key 'peer'");
    return { host: '', peer: '' };
  }
  const resolved = checker.peer(reference, [...path, 'peer']);
  if (binding !== null && resolved.host !== binding.host) checker.fail([...path, 'peer'], `a reaction runs in ${binding.host}'s application, which can only call its own peers, not ${reference} (write ${binding.host}->…, or leave peer out for the event's peer)`);
  return resolved;
}

/** send, stream, bulk and broadcast: the application's packets. */
function trafficAction(checker: Checker, name: 'send' | 'stream' | 'bulk' | 'broadcast', spec: ParsedAction, path: PathKey[], binding: Binding | null): Action {
  const host = (key: string) => boundHost(checker, spec, key, path, binding);
  const channel = (spec['channel'] as number | undefined) ?? SCENARIO_DEFAULTS.channel;
  const flags = flagsOf(spec['flags'] as string[]);
  switch (name) {
    case 'send':
      return { kind: 'send', from: host('from'), to: host('to'), channel, size: sizeOf(checker, spec['size'], [...path, 'size']), flags, count: (spec['count'] as number | undefined) ?? 1 };
    case 'stream':
      checker.rule(streamRate(spec['rate'] as number), [...path, 'rate']);
      if (spec['for'] !== undefined) checker.rule(streamFor(spec['for'] as number), [...path, 'for']);
      return {
        kind: 'stream',
        from: host('from'),
        to: host('to'),
        channel,
        size: sizeOf(checker, spec['size'], [...path, 'size']),
        ratePerSecond: spec['rate'] as number,
        flags,
        forMs: (spec['for'] as number | undefined) ?? null,
      };
    case 'bulk':
      if ((spec['packet'] as number) < 1) checker.fail([...path, 'packet'], 'packet must be at least 1B');
      else checker.rule(wholeBytes(spec['packet'] as number, 'packet'), [...path, 'packet']);
      checker.rule(wholeBytes(spec['total'] as number, 'total'), [...path, 'total']);
      return { kind: 'bulk', from: host('from'), to: host('to'), channel, totalBytes: spec['total'] as number, packetBytes: spec['packet'] as number, flags };
    default:
      return { kind: 'broadcast', from: host('from'), channel, size: sizeOf(checker, spec['size'], [...path, 'size']), flags };
  }
}

function partitionOf(checker: Checker, kind: 'partition' | 'heal', spec: ParsedAction, path: PathKey[]): Action {
  const between = spec['between'] as [string, string] | undefined;
  if (between !== undefined) {
    if (spec['from'] !== undefined || spec['to'] !== undefined) checker.fail(path, `${kind}: give either between: [a, b] (both ways) or from/to (one way), not both`);
    checker.host(between[0], [...path, 'between', 0]);
    checker.host(between[1], [...path, 'between', 1]);
    checker.pair(between[0], between[1], [...path, 'between', 1], kind);
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

/** What expectations are checked against: the timeline ids' times, the run's length, the traffic. */
interface ExpectationContext {
  /** Time of each timeline id, ms (NaN when the entry itself is invalid). */
  idTimesMs: ReadonlyMap<string, number>;
  durationMs: number;
  /** The built timeline (empty when the scenario as a whole failed the schema). */
  timeline: readonly TimelineEntry[];
}

/** The reference time of `after` (0 for the start); NaN when unknown. */
function referenceOf(context: ExpectationContext, after: string | null): number {
  return after === null ? 0 : (context.idTimesMs.get(after) ?? Number.NaN);
}

/**
 * Refuses a time or window end after the end of the run: the run never observes that time, so a
 * `never`, a `count` or a `max` would hold on time that was not simulated, and a `reaches` would
 * quietly mean a shorter window. (A window that ends exactly at the end is fine: the last instant runs.)
 */
function insideRun(checker: Checker, context: ExpectationContext, after: string | null, offsetMs: number, path: PathKey[], what: string): void {
  const absoluteMs = referenceOf(context, after) + offsetMs;
  if (!(absoluteMs > context.durationMs)) return;
  const from = after === null ? '' : ` (${formatDuration(offsetMs)} after '${after}' at ${formatDuration(referenceOf(context, after))})`;
  checker.fail(path, `${what} ${formatDuration(absoluteMs)}${from} is after the end of the run (duration ${formatDuration(context.durationMs)}): the run cannot observe it; end the window by ${formatDuration(context.durationMs)} or lengthen the run`);
}

function windowOf(checker: Checker, spec: Record<string, unknown>, path: PathKey[], context: ExpectationContext): Window {
  const after = (spec['after'] as string | undefined) ?? null;
  const ids = [...context.idTimesMs.keys()];
  if (after !== null && !ids.includes(after)) checker.fail([...path, 'after'], unknownIdMessage(after, ids));
  if (spec['within'] !== undefined && spec['between'] !== undefined) checker.fail(path, 'give within or between, not both');
  if (spec['between'] !== undefined) {
    const [from, to] = spec['between'] as [unknown, unknown];
    const fromMs = checker.unit('duration', from, [...path, 'between', 0]);
    const toMs = checker.unit('duration', to, [...path, 'between', 1]);
    if (fromMs > toMs) checker.fail([...path, 'between'], `between: ${formatDuration(fromMs)} is after ${formatDuration(toMs)}`);
    else insideRun(checker, context, after, toMs, [...path, 'between', 1], 'the window ends at');
    return { after, fromMs, toMs };
  }
  const withinMs = (spec['within'] as number | undefined) ?? null;
  if (withinMs !== null) insideRun(checker, context, after, withinMs, [...path, 'within'], 'the window ends at');
  return { after, fromMs: 0, toMs: withinMs };
}

function buildExpectation(checker: Checker, entry: Record<string, unknown>, index: number, context: ExpectationContext): LocatedExpectation {
  const path: PathKey[] = ['expect', index];
  const kind = onlyOne(checker, entry, EXPECTATION_NAMES, path, 'an expectation');
  const position = checker.source.positionOf(path);
  const name = (entry['name'] as string | undefined) ?? null;
  if (kind === null) return { expectation: { kind: 'sequence', host: '', peer: '', states: [] }, name, position };
  const spec = entry[kind] as Record<string, unknown>;
  return { expectation: buildExpectationOf(checker, kind, spec, [...path, kind], context), name, position };
}

function buildExpectationOf(checker: Checker, kind: string, spec: Record<string, unknown>, path: PathKey[], context: ExpectationContext): Expectation {
  const peerOf = () => checker.peer(spec['peer'] as string, [...path, 'peer']);
  switch (kind) {
    case 'state': {
      const mode = onlyOne(checker, spec, ['reaches', 'never', 'is'], path, 'a state expectation') as 'reaches' | 'never' | 'is' | null;
      const atMs = (spec['at'] as number | undefined) ?? null;
      if (mode === 'is' && atMs === null) checker.fail(path, "'is' needs 'at': the time to look at the state");
      if (mode !== 'is' && atMs !== null) checker.fail([...path, 'at'], `'at' goes with 'is'; for '${mode}' use within or between`, 'key');
      if (atMs !== null) insideRun(checker, context, (spec['after'] as string | undefined) ?? null, atMs, [...path, 'at'], 'at');
      return { kind: 'state', ...peerOf(), mode: mode ?? 'reaches', state: (spec[mode ?? 'reaches'] as string) ?? '', atMs, window: windowOf(checker, spec, path, context) };
    }
    case 'sequence':
      return { kind: 'sequence', ...peerOf(), states: spec['states'] as string[] };
    case 'event': {
      const host = checker.host(spec['host'] as string, [...path, 'host']);
      const peer = spec['peer'] === undefined ? null : checker.host(spec['peer'] as string, [...path, 'peer']);
      if (peer !== null) checker.pair(peer, host, [...path, 'peer'], 'an event');
      checkCounts(checker, spec, path);
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
        window: windowOf(checker, spec, path, context),
      };
    }
    case 'timeout':
      return { kind: 'timeout', ...peerOf(), rule: (spec['rule'] as 'limit' | 'maximum' | 'any' | undefined) ?? 'any', window: windowOf(checker, spec, path, context) };
    case 'stat':
      return statExpectation(checker, spec, path, context, peerOf());
    case 'converge':
      return convergeExpectation(checker, spec, path, context, peerOf());
    case 'traffic':
      return trafficExpectation(checker, spec, path, context, true);
    case 'relative':
      return relativeExpectation(checker, spec, path, context);
    default:
      return deliveryExpectation(checker, spec, path, context);
  }
}

/** An event count is exact (`count`) or a range (`min`, `max`), and a range must not be empty. */
function checkCounts(checker: Checker, spec: Record<string, unknown>, path: PathKey[]): void {
  const [count, min, max] = [spec['count'], spec['min'], spec['max']] as (number | undefined)[];
  if (count !== undefined && (min !== undefined || max !== undefined)) {
    checker.fail([...path, min !== undefined ? 'min' : 'max'], `give count (an exact number) or min/max (a range), not both: count ${count} would ignore ${min !== undefined ? `min ${min}` : `max ${max}`}`, 'key');
  }
  if (min !== undefined && max !== undefined && min > max) checker.fail([...path, 'max'], `max ${max} is below min ${min}: no count can satisfy both`);
}

function statExpectation(checker: Checker, spec: Record<string, unknown>, path: PathKey[], context: ExpectationContext, peer: { host: string; peer: string }, boundRequired = true): Extract<Expectation, { kind: 'stat' }> {
  const stat = spec['stat'] as string;
  const unit = statUnit(stat);
  const atMs = (spec['at'] as number | undefined) ?? null;
  let overMs: [number, number] | null = null;
  if (spec['over'] !== undefined) {
    const [from, to] = spec['over'] as [unknown, unknown];
    overMs = [checker.unit('duration', from, [...path, 'over', 0]), checker.unit('duration', to, [...path, 'over', 1])];
    if (overMs[0] > overMs[1]) checker.fail([...path, 'over'], `over: ${formatDuration(overMs[0])} is after ${formatDuration(overMs[1])} (write [from, to])`);
  }
  if ((atMs === null) === (overMs === null)) checker.fail(path, "a stat expectation needs exactly one of 'at' (a time) or 'over' ([from, to])");
  const aggregate = (spec['aggregate'] as string | undefined) ?? (atMs !== null ? 'last' : 'max');
  if (atMs !== null && spec['aggregate'] !== undefined) checker.fail([...path, 'aggregate'], "'aggregate' goes with 'over'", 'key');
  const after = (spec['after'] as string | undefined) ?? null;
  if (after !== null) windowOf(checker, { after }, path, context);
  if (atMs !== null) insideRun(checker, context, after, atMs, [...path, 'at'], 'at');
  if (overMs !== null && overMs[0] <= overMs[1]) insideRun(checker, context, after, overMs[1], [...path, 'over', 1], 'over ends at');
  const bound = boundOf(checker, spec, path, (raw, at) => statValue(checker, unit, raw, at), boundRequired);
  return { kind: 'stat', ...peer, stat, statIndex: STATISTICS.indexOf(stat as (typeof STATISTICS)[number]), atMs, overMs, aggregate, after, bound, unit };
}

function convergeExpectation(checker: Checker, spec: Record<string, unknown>, path: PathKey[], context: ExpectationContext, peer: { host: string; peer: string }): Expectation {
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
  if (after !== null) windowOf(checker, { after }, path, context);
  // Without `within` the deadline is the end of the run: "when does it converge, if it does".
  const withinMs = (spec['within'] as number | undefined) ?? context.durationMs - referenceOf(context, after);
  if (spec['within'] !== undefined) insideRun(checker, context, after, withinMs, [...path, 'within'], 'the deadline');
  // Entering at the reference itself is the earliest pass, so a hold past the end can never pass.
  if (spec['hold'] !== undefined) insideRun(checker, context, after, spec['hold'] as number, [...path, 'hold'], 'even the earliest hold ends at');
  return { kind: 'converge', ...peer, stat, statIndex: STATISTICS.indexOf(stat as (typeof STATISTICS)[number]), low, high, withinMs, holdMs: (spec['hold'] as number | undefined) ?? 0, after, unit };
}

function deliveryExpectation(checker: Checker, spec: Record<string, unknown>, path: PathKey[], context: ExpectationContext): Expectation {
  const from = checker.host(spec['from'] as string, [...path, 'from']);
  const to = checker.host(spec['to'] as string, [...path, 'to']);
  checker.pair(from, to, [...path, 'to'], 'a delivery check');
  const channel = (spec['channel'] as number | undefined) ?? null;
  const untaggable = untaggableSend(context.timeline, from, to, channel);
  if (untaggable !== null) {
    checker.fail(path, `delivery checks need packets of at least ${DELIVERY_PACKET_MIN_BYTES}B (each packet is identified by a tag in its first ${DELIVERY_PACKET_MIN_BYTES} bytes): ${untaggable}`);
  }
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
    channel,
    exactlyOnceInOrder,
    ratio,
    latency: latencySpec === undefined ? null : { percentile: latencySpec.percentile, belowMs: latencySpec.below ?? null, aboveMs: latencySpec.above ?? null },
    duplicatesMax,
  };
}

/** Which keys go with which traffic measure (the others are refused, not ignored). */
const TRAFFIC_KEYS_FOR: Readonly<Record<string, readonly TrafficMeasure[]>> = {
  phase: ['datagrams', 'bytes', 'size'],
  reason: ['datagrams', 'bytes', 'size'],
  channel: ['retransmissions'],
  aggregate: ['size'],
};

/** A bound value in a traffic measure's unit: a count, a size ("1200B"), or an overhead ratio (1.25 or "125%"). */
function trafficBoundValue(checker: Checker, measure: TrafficMeasure, raw: unknown, path: PathKey[]): number {
  if (measure === 'bytes' || measure === 'size') return checker.unit('size', raw, path);
  if (measure === 'overhead' && typeof raw === 'string') return checker.unit('percent', raw, path) / 100;
  if (typeof raw !== 'number') {
    checker.fail(path, measure === 'overhead' ? `expected a ratio (1.25) or a percentage ("125%"), got "${String(raw)}"` : `expected a number of ${measure}, got "${String(raw)}"`);
    return 0;
  }
  return raw;
}

/** The channel count of the connections between `a` and `b` the timeline makes (the most of them), or null without one. */
function channelCountBetween(checker: Checker, context: ExpectationContext, a: string, b: string): number | null {
  let countMax: number | null = null;
  for (const entry of context.timeline) {
    const action = entry.action;
    // A reaction's connect to the event's peer may dial either host.
    const to = action.kind === 'connect' && action.to === EVENT_PEER ? (action.from === a ? b : a) : action.kind === 'connect' ? action.to : '';
    if (action.kind !== 'connect' || !((action.from === a && to === b) || (action.from === b && to === a))) continue;
    // Godot's 0 means 255; the dialled host's channel limit caps what the dialler asks for.
    const limit = checker.parsed.hosts[to]?.channels ?? SCENARIO_DEFAULTS.channelLimit;
    const count = Math.min(action.channels > 0 ? action.channels : 255, limit > 0 ? limit : 255);
    countMax = Math.max(countMax ?? 0, count);
  }
  return countMax;
}

function trafficExpectation(checker: Checker, spec: Record<string, unknown>, path: PathKey[], context: ExpectationContext, boundRequired: boolean): TrafficExpectation {
  const from = checker.host(spec['from'] as string, [...path, 'from']);
  const to = checker.host(spec['to'] as string, [...path, 'to']);
  checker.pair(from, to, [...path, 'to'], 'traffic');
  const measure = (spec['measure'] as TrafficMeasure | undefined) ?? 'datagrams';
  for (const [key, measures] of Object.entries(TRAFFIC_KEYS_FOR)) {
    if (spec[key] !== undefined && !measures.includes(measure)) checker.fail([...path, key], `'${key}' goes with measure ${measures.join(' or ')}, not ${measure}`, 'key');
  }
  const phase = (spec['phase'] as TrafficPhase | undefined) ?? 'sent';
  const reason = (spec['reason'] as DropReason | undefined) ?? null;
  if (reason !== null && phase !== 'dropped' && TRAFFIC_KEYS_FOR['reason']!.includes(measure)) checker.fail([...path, 'reason'], `'reason' goes with phase: dropped (this counts ${phase} datagrams)`, 'key');
  const channel = (spec['channel'] as number | undefined) ?? null;
  if (channel !== null && channel !== 255) {
    const count = channelCountBetween(checker, context, from, to);
    if (count !== null && channel >= count) checker.fail([...path, 'channel'], `channel ${channel} is past the channels of the ${from}–${to} connection (${count}: channels 0..${count - 1}, and 255 for connection commands)`);
  }
  const bound = boundOf(checker, spec, path, (raw, at) => trafficBoundValue(checker, measure, raw, at), boundRequired);
  return { kind: 'traffic', from, to, measure, phase, reason, channel, aggregate: (spec['aggregate'] as string | undefined) ?? 'max', window: windowOf(checker, spec, path, context), bound };
}

/** The measured number on one side of a relative expectation, and its unit. */
function scalarOf(checker: Checker, side: Record<string, unknown>, path: PathKey[], context: ExpectationContext): { measure: ScalarMeasure; unit: ScalarUnit } | null {
  const kind = onlyOne(checker, side, ['stat', 'traffic', 'delivery'], path, 'each side of a relative expectation');
  if (kind === null) return null;
  const spec = side[kind] as Record<string, unknown>;
  const at = [...path, kind];
  if (kind === 'stat') {
    const expectation = statExpectation(checker, spec, at, context, checker.peer(spec['peer'] as string, [...at, 'peer']), false);
    return { measure: { kind: 'stat', expectation }, unit: expectation.unit };
  }
  if (kind === 'traffic') {
    const expectation = trafficExpectation(checker, spec, at, context, false);
    return { measure: { kind: 'traffic', expectation }, unit: trafficUnit(expectation) };
  }
  const from = checker.host(spec['from'] as string, [...at, 'from']);
  const to = checker.host(spec['to'] as string, [...at, 'to']);
  checker.pair(from, to, [...at, 'to'], 'a delivery value');
  const which = onlyOne(checker, spec, ['ratio', 'latency'], at, 'a delivery value');
  const channel = (spec['channel'] as number | undefined) ?? null;
  const untaggable = untaggableSend(context.timeline, from, to, channel);
  if (untaggable !== null) checker.fail(at, `delivery values need packets of at least ${DELIVERY_PACKET_MIN_BYTES}B: ${untaggable}`);
  const latencyPercentile = which === 'latency' ? (spec['latency'] as number) : null;
  return { measure: { kind: 'delivery', from, to, channel, latencyPercentile }, unit: latencyPercentile === null ? 'ratio' : 'ms' };
}

const SCALAR_UNIT_WORDS: Record<ScalarUnit, string> = { ms: 'a time', count: 'a count', loss: 'a loss fraction', bytes: 'bytes', ratio: 'a ratio' };

function relativeExpectation(checker: Checker, spec: Record<string, unknown>, path: PathKey[], context: ExpectationContext): Expectation {
  const value = scalarOf(checker, spec['value'] as Record<string, unknown>, [...path, 'value'], context);
  const than = scalarOf(checker, spec['than'] as Record<string, unknown>, [...path, 'than'], context);
  if (value !== null && than !== null && value.unit !== than.unit) {
    checker.fail([...path, 'than'], `compares ${SCALAR_UNIT_WORDS[value.unit]} with ${SCALAR_UNIT_WORDS[than.unit]}: both sides must measure the same kind of quantity`);
  }
  const unit = value?.unit ?? 'count';
  const comparisons = (['below', 'above', 'at_most', 'at_least'] as const).filter((key) => spec[key] !== undefined);
  if (comparisons.length > 1) checker.fail([...path, comparisons[1]!], `give one of below, above, at_most, at_least (got ${comparisons.join(', ')}); bound the ratio or the difference for more`, 'key');
  const ratioSpec = spec['ratio'] as Record<string, unknown> | undefined;
  const ratio = ratioSpec === undefined ? null : boundOf(checker, ratioSpec, [...path, 'ratio'], (raw, at) => (typeof raw === 'string' ? checker.unit('percent', raw, at) / 100 : (raw as number)), true);
  const differenceSpec = spec['difference'] as Record<string, unknown> | undefined;
  const difference = differenceSpec === undefined ? null : boundOf(checker, differenceSpec, [...path, 'difference'], (raw, at) => differenceValue(checker, unit, raw, at), true);
  if (comparisons.length === 0 && ratio === null && difference === null) checker.fail(path, 'a relative expectation needs a comparison: below, above, at_most, at_least, ratio or difference');
  if (value === null || than === null) return { kind: 'relative', value: { kind: 'delivery', from: '', to: '', channel: null, latencyPercentile: null }, than: { kind: 'delivery', from: '', to: '', channel: null, latencyPercentile: null }, unit, comparison: null, ratio, difference };
  return { kind: 'relative', value: value.measure, than: than.measure, unit, comparison: comparisons[0] ?? null, ratio, difference };
}

/** A difference bound in the sides' unit: a duration, a size, a count, a ratio, or a loss (percentage or raw). */
function differenceValue(checker: Checker, unit: ScalarUnit, raw: unknown, path: PathKey[]): number {
  if (unit === 'ms' || unit === 'loss' || unit === 'count') return statValue(checker, unit, raw, path);
  if (unit === 'bytes') return checker.unit('size', raw, path);
  if (typeof raw !== 'number') {
    checker.fail(path, `expected a number, got "${String(raw)}"`);
    return 0;
  }
  return raw;
}

/** The smallest packet one timeline entry can send, or null for entries that send no packets. */
function smallestPacketBytes(action: Action): number | null {
  const smallestOf = (size: PacketSize) => ('fixedBytes' in size ? size.fixedBytes : size.minBytes);
  switch (action.kind) {
    case 'send':
    case 'stream':
    case 'broadcast':
      return smallestOf(action.size);
    case 'bulk': {
      // The last packet carries what is left over.
      const leftoverBytes = action.totalBytes % action.packetBytes;
      return leftoverBytes > 0 ? Math.min(leftoverBytes, action.packetBytes) : action.packetBytes;
    }
    default:
      return null;
  }
}

/** Which timeline entry would send `from` → `to` packets too small to tag, in words, or null. */
function untaggableSend(timeline: readonly TimelineEntry[], from: string, to: string, channel: number | null): string | null {
  for (const [index, entry] of timeline.entries()) {
    const action = entry.action;
    if (action.kind !== 'send' && action.kind !== 'stream' && action.kind !== 'bulk' && action.kind !== 'broadcast') continue;
    // A reaction's send to the event's peer may go to any host.
    if (action.from !== from || (action.kind !== 'broadcast' && action.to !== to && action.to !== EVENT_PEER) || (channel !== null && action.channel !== channel)) continue;
    const smallestBytes = smallestPacketBytes(action);
    if (smallestBytes !== null && smallestBytes < DELIVERY_PACKET_MIN_BYTES) {
      return `timeline entry ${index + 1} (line ${entry.position.line}, ${action.kind}) sends packets of ${smallestBytes}B from ${from}; make them at least ${DELIVERY_PACKET_MIN_BYTES}B or check them with an event expectation`;
    }
  }
  return null;
}

/**
 * A lag spike adds its `extra` to the latency in force when it starts and spikes may overlap, so
 * the worst case is the largest latency any link is given plus every spike at once; it must stay
 * within a link's delay limit, or the link would refuse it in the middle of the run.
 */
function checkLagSpikes(checker: Checker, links: readonly LinkSetting[], timeline: readonly TimelineEntry[]): void {
  const settings = [...links, ...timeline.flatMap((entry) => (entry.action.kind === 'link' ? entry.action.settings : []))];
  const latencyMaxMs = Math.max(0, ...settings.map((setting) => setting.config.latencyMs ?? 0));
  let extrasMs = 0;
  for (const [index, entry] of timeline.entries()) {
    if (entry.action.kind !== 'lag_spike') continue;
    extrasMs += entry.action.extraMs;
    if (checker.rule(lagSpikeDelay(latencyMaxMs, extrasMs), ['timeline', index, 'lag_spike', 'extra'])) continue;
    return;
  }
}

/** Actions that call into the host's ENet host, which a crashed host no longer has. */
function enetCallerOf(action: Action): string | null {
  switch (action.kind) {
    case 'connect':
    case 'send':
    case 'bulk':
    case 'broadcast':
      return action.from;
    case 'throttle_configure':
    case 'set_timeout':
    case 'ping_interval':
    case 'ping':
    case 'reset':
    case 'peer_disconnect':
    case 'peer_disconnect_later':
    case 'peer_disconnect_now':
    case 'bandwidth_limit':
    case 'channel_limit':
      return action.host;
    default:
      return null;
  }
}

/**
 * Refuses an action on a host between its `crash` and its `restart`: the process is gone, so there
 * is no ENet host to call (the simulator would stop with an internal error). Entries run in time
 * order, entries at the same time in file order, as the scheduler runs them.
 */
function checkCrashedHosts(checker: Checker, timeline: readonly TimelineEntry[]): void {
  const order = inRunOrder(timeline);
  const crashedAt = new Map<string, TimelineEntry>();
  for (const { entry, index } of order) {
    const action = entry.action;
    // A reaction answers events, which a crashed host does not have; a delayed one due after a crash is cancelled.
    if (entry.on !== null) continue;
    if (action.kind === 'crash') crashedAt.set(action.host, entry);
    if (action.kind === 'restart') crashedAt.delete(action.host);
    const host = enetCallerOf(action);
    const crash = host === null ? undefined : crashedAt.get(host);
    if (crash === undefined) continue;
    checker.fail(['timeline', index, action.kind], `${action.kind}: '${host}' crashed at ${formatDuration(crash.atMs)} (line ${crash.position.line}) and is not restarted before ${formatDuration(entry.atMs)}: a crashed host has no ENet host to call; add a restart first`, 'key');
  }
}

/** Timeline entries in the order the scheduler runs them: by time, entries at the same time in file order. */
function inRunOrder(timeline: readonly TimelineEntry[]): { entry: TimelineEntry; index: number }[] {
  return timeline.map((entry, index) => ({ entry, index })).sort((a, b) => a.entry.atMs - b.entry.atMs || a.index - b.index);
}

/**
 * Each link setting is valid alone, but the simulator merges it over what is already in force (the
 * defaults, then the direction's earlier settings, key by key within a loss model), and the merge
 * can break a rule neither part breaks: netem4's p13 from one setting plus p14 from another above
 * 100%, an every-Nth offset from one setting with a smaller n from another. The network would
 * refuse the merged configuration in the middle of the run, so the loader replays the settings in
 * run order, as network.ts merges them, and checks each direction's result.
 */
function checkMergedLinks(checker: Checker, hostNames: readonly string[], links: readonly LinkSetting[], timeline: readonly TimelineEntry[]): void {
  const directions = hostNames.flatMap((from) => hostNames.filter((to) => to !== from).map((to): [string, string] => [from, to]));
  let defaults: LinkConfig = {};
  const overrides = new Map<string, LinkConfig>();
  const apply = (settings: readonly LinkSetting[], pathOf: (reference: string) => PathKey[]): boolean => {
    for (const setting of settings) {
      const targets = directionsOf(setting.target, directions);
      if (setting.target.kind === 'default') defaults = mergeLinkConfig(defaults, setting.config);
      else for (const [from, to] of targets) overrides.set(`${from}->${to}`, mergeLinkConfig(overrides.get(`${from}->${to}`) ?? {}, setting.config));
      for (const [from, to] of targets) {
        const resolved = resolveLinkConfig(mergeLinkConfig(defaults, overrides.get(`${from}->${to}`) ?? {}));
        if (resolved.ok) continue;
        const error = resolved.errors[0]!;
        checker.fail(pathOf(linkReferenceOf(setting.target)), `link ${from}->${to} merged with the settings before it: ${error.path}: ${error.message} (a setting changes only the keys it names; give the whole loss model again)`, 'key');
        return false;
      }
    }
    return true;
  };
  if (!apply(links, (reference) => ['links', reference])) return;
  for (const { entry, index } of inRunOrder(timeline)) {
    if (entry.action.kind !== 'link') continue;
    if (!apply(entry.action.settings, (reference) => ['timeline', index, 'link', reference])) return;
  }
}

/** The directions a link target covers: one, both of a pair, or all of them. */
function directionsOf(target: LinkTarget, all: readonly [string, string][]): readonly [string, string][] {
  if (target.kind === 'default') return all;
  if (target.kind === 'direction') return [[target.from, target.to]];
  return [
    [target.a, target.b],
    [target.b, target.a],
  ];
}

/** The reference a link target was written as ("default", "a->b", "a<->b"), to find its key. */
function linkReferenceOf(target: LinkTarget): string {
  if (target.kind === 'default') return 'default';
  return target.kind === 'direction' ? `${target.from}->${target.to}` : `${target.a}<->${target.b}`;
}

/**
 * Builds `expect:` entries that live outside a scenario (a live proxy session's checks file): the same
 * meaning checks as in a scenario, against the host names given, with no timeline (so no `after:`) and
 * windows bounded by `durationMs` (Infinity when the session has no set end). `entries` are the entries
 * already valid against the expectation schema, with their index in the file's `expect:` list.
 */
export function buildExpectationsOutsideScenario(source: ScenarioSource, entries: readonly { index: number; entry: Record<string, unknown> }[], hostNames: readonly string[], durationMs: number): { expectations: LocatedExpectation[]; problems: InputProblem[] } {
  const checker = new Checker(source, { hosts: Object.fromEntries(hostNames.map((name) => [name, {}])) } as unknown as Parsed);
  const context: ExpectationContext = { idTimesMs: new Map(), durationMs, timeline: [] };
  const expectations = entries.map(({ index, entry }) => buildExpectation(checker, entry, index, context));
  return { expectations, problems: checker.problems };
}
