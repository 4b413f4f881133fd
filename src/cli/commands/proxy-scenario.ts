// `enetsim proxy --scenario FILE`: an ordinary scenario read as the proxy's network over time. Its host
// `server` is the real server behind --to, its other host stands for every client; its links and the
// timeline entries that act on links run on the wall clock. Everything else is refused, located.
import * as fs from 'node:fs';

import type { LinkConfig } from '../../sim/link-config.js';
import type { LinkDraws } from '../../sim/weather.js';
import { PROXY_SERVER_HOST, type ProxyDirection, type ProxyLinkTarget, type ProxyNetworkChange } from '../../native/proxy-network.js';
import type { ProxyTimelineEntry } from '../../native/proxy-timeline.js';
import { loadScenario } from '../../scenario/load.js';
import type { Action, LinkSetting, LinkTarget, Scenario } from '../../scenario/model.js';
import type { InputProblem, SourcePosition } from '../../scenario/problem.js';
import { decodeScenarioText, type ScenarioSource } from '../../scenario/source.js';
import { SCENARIO_FILE_BYTES_MAX } from './files.js';

/** The timeline actions the proxy runs: those that act on links. */
export const PROXY_TIMELINE_ACTIONS = ['link', 'partition', 'heal', 'hold', 'release', 'lag_spike'] as const;

/** A scenario as the proxy runs it. */
export interface ProxyScenario {
  file: string;
  name: string;
  seed: number;
  durationMs: number;
  linkDraws: LinkDraws;
  /** The scenario's host that stands for every client. */
  clientHost: string;
  /** The scenario's `links:`, as changes at 0 ms. */
  initial: ProxyNetworkChange[];
  timeline: ProxyTimelineEntry[];
  /** How many `expect:` entries the scenario has (checked only with --expect). */
  expectationCount: number;
  /** Settings written under a host (`hosts.server.checksum`...): they describe ENet hosts the proxy does not run. */
  unusedHostSettings: string[];
}

export type ProxyScenarioResult = { ok: true; scenario: ProxyScenario } | { ok: false; problems: InputProblem[] };

function readText(file: string): { ok: true; text: string } | { ok: false; problem: InputProblem } {
  const refuse = (why: string) => ({ ok: false as const, problem: { position: null, message: `--scenario ${file}: ${why}` } });
  let bytes: Uint8Array;
  try {
    const info = fs.statSync(file);
    if (info.isDirectory()) return refuse('is a directory');
    if (!info.isFile()) return refuse('not a regular file; give a .yaml file');
    if (info.size > SCENARIO_FILE_BYTES_MAX) return refuse(`${info.size} bytes; a scenario file is at most ${SCENARIO_FILE_BYTES_MAX} bytes (1 MiB)`);
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    return refuse(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read (${code ?? (error as Error).message})`);
  }
  const decoded = decodeScenarioText(file, bytes);
  return decoded.ok ? { ok: true, text: decoded.text } : { ok: false, problem: decoded.problem };
}

/** Reads, loads (the scenario loader's own checks) and translates `file`; every problem located. */
export function loadProxyScenario(file: string): ProxyScenarioResult {
  const read = readText(file);
  if (!read.ok) return { ok: false, problems: [read.problem] };
  const loaded = loadScenario(file, read.text);
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  return translateScenario(loaded.scenario, loaded.source);
}

function where(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.column}`;
}

/** Turns a loaded scenario into the proxy's network over time, or says (located) what the proxy cannot run. */
export function translateScenario(scenario: Scenario, source: ScenarioSource): ProxyScenarioResult {
  const names = scenario.hosts.map((host) => host.name);
  const clientHost = names.find((name) => name !== PROXY_SERVER_HOST);
  if (names.length !== 2 || !names.includes(PROXY_SERVER_HOST) || clientHost === undefined) {
    const message = `the proxy needs exactly two hosts: 'server' (the real server behind --to) and one more that stands for every client (found ${names.map((name) => `'${name}'`).join(', ')})`;
    return { ok: false, problems: [source.problemAt(['hosts'], message, 'key')] };
  }
  const sideOf = (host: string): 'client' | 'server' => (host === PROXY_SERVER_HOST ? 'server' : 'client');
  const directionOf = (from: string): ProxyDirection => (sideOf(from) === 'client' ? 'up' : 'down');
  const problems: InputProblem[] = [];
  const timeline: ProxyTimelineEntry[] = [];
  scenario.timeline.forEach((entry, index) => {
    const kind = entry.action.kind;
    if (entry.on !== null) {
      problems.push(source.problemAt(['timeline', index, 'on'], `a reaction (on:) answers ENet events of the scenario's hosts, which the proxy does not run; give the entry a time (at:) instead`, 'key'));
      return;
    }
    const action = translateAction(entry.action, directionOf);
    if (action === null) {
      const message = `'${kind}' acts on an ENet host, which the proxy does not run (the real endpoints do): the proxy runs only ${PROXY_TIMELINE_ACTIONS.join(', ')}`;
      problems.push(source.problemAt(['timeline', index, kind], message, 'key'));
      return;
    }
    timeline.push({ atMs: entry.atMs, action, label: labelOf(entry.action), where: where(entry.position) });
  });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    scenario: {
      file: scenario.file,
      name: scenario.name,
      seed: scenario.seed,
      durationMs: scenario.durationMs,
      linkDraws: scenario.linkDraws,
      clientHost,
      initial: scenario.links.length === 0 ? [] : [linkChange(scenario.links, directionOf, 0)],
      timeline,
      expectationCount: scenario.expectations.length,
      unusedHostSettings: hostSettings(source),
    },
  };
}

/** `hosts.NAME.KEY` for every key written under a host, in file order. */
function hostSettings(source: ScenarioSource): string[] {
  const data = source.toData();
  if (!data.ok) return [];
  const hosts = (data.data as { hosts?: Record<string, unknown> }).hosts ?? {};
  return Object.entries(hosts).flatMap(([name, settings]) => (settings !== null && typeof settings === 'object' ? Object.keys(settings).map((key) => `hosts.${name}.${key}`) : []));
}

function targetOf(target: LinkTarget, directionOf: (from: string) => ProxyDirection): ProxyLinkTarget {
  if (target.kind === 'default') return 'default';
  if (target.kind === 'both') return 'both';
  return directionOf(target.from);
}

function linkChange(settings: readonly LinkSetting[], directionOf: (from: string) => ProxyDirection, rampMs: number): ProxyNetworkChange {
  return { kind: 'link', settings: settings.map((setting) => ({ target: targetOf(setting.target, directionOf), config: setting.config })), rampMs };
}

function translateAction(action: Action, directionOf: (from: string) => ProxyDirection): ProxyTimelineEntry['action'] | null {
  switch (action.kind) {
    case 'link':
      return linkChange(action.settings, directionOf, action.rampMs);
    case 'partition':
    case 'heal':
      return { kind: action.kind, directions: action.oneWay ? [directionOf(action.a)] : ['up', 'down'] };
    case 'hold':
    case 'release':
      return { kind: action.kind, directions: [directionOf(action.from)] };
    case 'lag_spike': {
      const directions: ProxyDirection[] = action.target.kind === 'direction' ? [directionOf(action.target.from)] : ['up', 'down'];
      return { kind: 'lag_spike', directions, extraMs: action.extraMs, forMs: action.forMs };
    }
    default:
      return null;
  }
}

/** The action in the scenario's words: `partition client<->server`, `link client->server latency 200ms`. */
function labelOf(action: Action): string {
  switch (action.kind) {
    case 'link':
      return `link ${action.settings.map((setting) => `${targetName(setting.target)} ${describeChange(setting.config)}`).join('; ')}${action.rampMs > 0 ? ` (ramp ${action.rampMs}ms)` : ''}`;
    case 'partition':
    case 'heal':
      return `${action.kind} ${action.a}${action.oneWay ? '->' : '<->'}${action.b}`;
    case 'hold':
    case 'release':
      return `${action.kind} ${action.from}->${action.to}`;
    case 'lag_spike':
      return `lag_spike ${targetName(action.target)} +${action.extraMs}ms for ${action.forMs}ms`;
    default:
      return action.kind;
  }
}

function targetName(target: LinkTarget): string {
  if (target.kind === 'default') return 'default';
  return target.kind === 'both' ? `${target.a}<->${target.b}` : `${target.from}->${target.to}`;
}

/** A link change in short words: `latency 200ms, loss {"model":"bernoulli","percent":5}`. */
export function describeChange(config: LinkConfig): string {
  return Object.entries(config)
    .map(([key, value]) => (key === 'latencyMs' ? `latency ${value as number}ms` : key === 'mtuBytes' ? `mtu ${value as number}B` : `${key} ${JSON.stringify(value)}`))
    .join(', ');
}
