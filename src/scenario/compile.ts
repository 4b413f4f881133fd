// Turns a loaded Scenario into a Simulation: hosts, initial links, and the timeline's actions
// scheduled at their times. Workloads draw sizes from their own random streams (forked by the
// entry's index), so adding a timeline entry never changes another entry's draws.
import { PacketFlag } from '../enet/constants.js';
import type { RandomStream } from '../sim/random.js';
import type { SimulationLimits } from '../sim/limits.js';
import type { HostFactory } from '../sim/sim-host.js';
import { Simulation } from '../sim/simulation.js';
import type { LinkDraws } from '../sim/weather.js';
import { EVENT_PEER, type Action, type LinkSetting, type LinkTarget, type PacketSize, type Scenario, type TimelineEntry } from './model.js';

export interface CompileOptions {
  seed: number;
  /** Overrides every host's implementation; default: each host's own (`impl`, `protocol`). */
  implementation?: HostFactory;
  /** Creates hosts on the real libenet, for hosts with `impl: libenet`. */
  libenet?: HostFactory;
  /** Runs every host on the TypeScript core as its own `protocol`, `impl: libenet` ones included. */
  typescriptOnly?: boolean;
  /** The simulator's bounds for this run (default: its constants). */
  limits?: Partial<SimulationLimits>;
  /**
   * Overrides the scenario's `link_draws` (default: the scenario's own). A sweep passes time-keyed draws
   * so that every variant of a seed meets the same network (common random numbers).
   */
  linkDraws?: LinkDraws;
  /** Keep every datagram's bytes beside the trace (for `run --pcap`); see SimulationOptions.keepDatagramBytes. */
  keepDatagramBytes?: boolean;
}

export interface CompiledScenario {
  sim: Simulation;
  /** Virtual time of each timeline id; a reaction's id gets the time its action first runs, when it does. */
  idTimesMs: Map<string, number>;
}

export function compileScenario(scenario: Scenario, options: CompileOptions): CompiledScenario {
  const linkDraws = options.linkDraws ?? scenario.linkDraws;
  const sim = new Simulation({ seed: options.seed, epochMs: scenario.epochMs, statsIntervalMs: scenario.statsIntervalMs, linkDraws, ...(options.limits !== undefined ? { limits: options.limits } : {}), ...(options.keepDatagramBytes === true ? { keepDatagramBytes: true } : {}) });
  for (const host of scenario.hosts) {
    sim.addHost(host.name, {
      peerCount: host.peerCount,
      channelLimit: host.channelLimit,
      incomingBandwidth: host.incomingBandwidthBytesPerSecond,
      outgoingBandwidth: host.outgoingBandwidthBytesPerSecond,
      ...(host.mtuBytes !== null ? { mtu: host.mtuBytes } : {}),
      checksum: host.checksum,
      ...(host.compress !== null ? { compress: host.compress } : {}),
      implementation: options.implementation ?? (host.impl === 'libenet' && options.typescriptOnly !== true ? requireLibenet(options, host.name) : host.protocol),
      port: host.port,
      service: {
        ...(host.service.hz !== null ? { hz: host.service.hz } : { intervalMs: host.service.intervalMs ?? 16 }),
        phaseMs: host.service.phaseMs,
        jitterMs: host.service.jitterMs,
        onReceive: host.service.onReceive,
        maxEventsPerFrame: host.service.maxEventsPerFrame,
      },
    });
  }
  applyLinks(sim, scenario.links, 0);
  const idTimesMs = new Map<string, number>();
  scenario.timeline.forEach((entry, index) => {
    const random = sim.random.fork(`timeline/${index}`);
    if (entry.on !== null) {
      addReaction(sim, entry, random, scenario.durationMs, idTimesMs);
      return;
    }
    if (entry.id !== null) idTimesMs.set(entry.id, entry.atMs);
    sim.at(Math.round(entry.atMs), () => performLabelled(sim, entry, entry.action, random, scenario.durationMs));
  });
  return { sim, idTimesMs };
}

/** Performs an entry's action and labels what it did with the entry's id, for --explain and trace readers. */
function performLabelled(sim: Simulation, entry: TimelineEntry, action: Action, random: RandomStream, durationMs: number): void {
  // By number, without building the compact events recorded meanwhile (reading `events` would build them all, on every labelled entry).
  const firstEvent = sim.trace.length;
  perform(sim, action, random, durationMs);
  if (entry.id === null) return;
  for (const event of sim.trace.objectsSince(firstEvent)) if (event.kind === 'action') event.id = entry.id;
}

/** A reaction: the entry's action, with the event's peer filled in, on each matching event from `at` on. */
function addReaction(sim: Simulation, entry: TimelineEntry, random: RandomStream, durationMs: number, idTimesMs: Map<string, number>): void {
  const on = entry.on!;
  sim.react(
    { host: on.host, event: on.event, peer: on.peer, channel: on.channel, data: on.data, fromMs: entry.atMs, delayMs: on.delayMs, once: on.once, id: entry.id, does: entry.action.kind },
    (peer) => {
      if (entry.id !== null && !idTimesMs.has(entry.id)) idTimesMs.set(entry.id, sim.nowMs);
      performLabelled(sim, entry, bindEventPeer(entry.action, peer), random, durationMs);
    },
  );
}

/** The action with the event's peer in the place the loader left for it (`to`, or the peer of `peer`). */
function bindEventPeer(action: Action, peer: string): Action {
  if ('to' in action && action.to === EVENT_PEER) return { ...action, to: peer };
  if ('peer' in action && action.peer === EVENT_PEER) return { ...action, peer };
  return action;
}

function requireLibenet(options: CompileOptions, hostName: string): HostFactory {
  if (options.libenet === undefined) throw new Error(`host ${hostName} needs libenet, but no libenet factory was given`);
  return options.libenet;
}

function applyLinks(sim: Simulation, settings: readonly LinkSetting[], rampMs: number): void {
  for (const { target, config } of settings) {
    if (target.kind === 'default') sim.defaultLink(config, rampMs);
    else for (const [from, to] of directions(target)) sim.link(from, to, config, rampMs);
  }
}

function directions(target: LinkTarget): [string, string][] {
  if (target.kind === 'direction') return [[target.from, target.to]];
  if (target.kind === 'both') {
    return [
      [target.a, target.b],
      [target.b, target.a],
    ];
  }
  return [];
}

function sizeOf(size: PacketSize, random: RandomStream): number {
  if ('fixedBytes' in size) return size.fixedBytes;
  const span = Math.floor(size.maxBytes) - Math.floor(size.minBytes) + 1;
  return Math.floor(size.minBytes) + (random.nextU32() % span);
}

/** Connects use Godot's meaning of 0 channels: the maximum, 255. */
const GODOT_ALL_CHANNELS = 255;

function perform(sim: Simulation, action: Action, random: RandomStream, durationMs: number): void {
  switch (action.kind) {
    case 'connect':
      sim.host(action.from).connect(action.to, action.channels > 0 ? action.channels : GODOT_ALL_CHANNELS, action.data);
      return;
    case 'send':
      for (let index = 0; index < action.count; index++) sim.host(action.from).send(action.to, action.channel, sizeOf(action.size, random), action.flags, 'send');
      return;
    case 'stream':
      startStream(sim, action, random, durationMs);
      return;
    case 'bulk': {
      const host = sim.host(action.from);
      const flags = action.flags === 0 ? PacketFlag.reliable : action.flags;
      for (let sentBytes = 0; sentBytes < action.totalBytes; sentBytes += action.packetBytes) {
        host.send(action.to, action.channel, Math.min(action.packetBytes, action.totalBytes - sentBytes), flags, 'bulk');
      }
      return;
    }
    case 'broadcast':
      sim.host(action.from).broadcast(action.channel, sizeOf(action.size, random), action.flags);
      return;
    case 'link':
      applyLinks(sim, action.settings, action.rampMs);
      return;
    case 'partition':
      sim.partition(action.a, action.b, action.oneWay);
      return;
    case 'heal':
      sim.heal(action.a, action.b, action.oneWay);
      return;
    case 'hold':
      sim.hold(action.from, action.to);
      return;
    case 'release':
      sim.release(action.from, action.to);
      return;
    case 'lag_spike':
      lagSpike(sim, action.target, action.extraMs, action.forMs);
      return;
    default:
      performHostAction(sim, action);
  }
}

function performHostAction(sim: Simulation, action: Action): void {
  switch (action.kind) {
    case 'pause':
      sim.host(action.host).pause();
      return;
    case 'resume':
      sim.host(action.host).resume();
      return;
    case 'crash':
      sim.host(action.host).crash();
      return;
    case 'restart':
      sim.host(action.host).restart();
      return;
    case 'throttle_configure':
      sim.host(action.host).throttleConfigure(action.peer, action.intervalMs, action.acceleration, action.deceleration);
      return;
    case 'set_timeout':
      sim.host(action.host).setTimeout(action.peer, action.timeout, action.minMs, action.maxMs);
      return;
    case 'ping_interval':
      sim.host(action.host).pingInterval(action.peer, action.intervalMs);
      return;
    case 'ping':
      sim.host(action.host).ping(action.peer);
      return;
    case 'reset':
      sim.host(action.host).reset(action.peer);
      return;
    case 'peer_disconnect':
      sim.host(action.host).disconnect(action.peer, action.data);
      return;
    case 'peer_disconnect_later':
      sim.host(action.host).disconnectLater(action.peer, action.data);
      return;
    case 'peer_disconnect_now':
      sim.host(action.host).disconnectNow(action.peer, action.data);
      return;
    case 'bandwidth_limit':
      sim.host(action.host).bandwidthLimit(action.incomingBytesPerSecond, action.outgoingBytesPerSecond);
      return;
    case 'channel_limit':
      sim.host(action.host).channelLimit(action.limit);
      return;
    default:
      throw new Error(`compile: unhandled action ${action.kind}`);
  }
}

/**
 * A stream covers [start, end), end = start + `for` or the run's duration, whichever comes first:
 * packet k goes at start + floor(k·1000/rate) ms for every such instant before end (so
 * ceil(rate·(end − start)/1000) packets, none at end itself, "to the end" as with an explicit `for`),
 * while the sender has a peer for the receiver (docs/scenarios.md, the `stream` action).
 */
function startStream(sim: Simulation, action: Extract<Action, { kind: 'stream' }>, random: RandomStream, durationMs: number): void {
  const startMs = sim.nowMs;
  const endMs = action.forMs === null ? durationMs : Math.min(durationMs, startMs + action.forMs);
  // A stream that starts at the run's last millisecond has no time left: it sends nothing.
  if (startMs >= endMs) return;
  let index = 0;
  const next = () => {
    const host = sim.host(action.from);
    if (!host.crashed && host.peerIndexOf(action.to) !== null) host.send(action.to, action.channel, sizeOf(action.size, random), action.flags, 'stream');
    index++;
    const atMs = startMs + Math.floor((index * 1000) / action.ratePerSecond);
    if (atMs < endMs) sim.at(atMs, next);
  };
  next();
}

/** Adds `extraMs` of latency to the target directions for `forMs`, then takes it away again. */
function lagSpike(sim: Simulation, target: LinkTarget, extraMs: number, forMs: number): void {
  const pairs = target.kind === 'default' ? allPairs(sim) : directions(target);
  // One action for the whole spike, so trace readers (the HTML report's spans) see its extent; the
  // link changes that make it follow as their own actions.
  sim.trace.record({ kind: 'action', atMs: sim.nowMs, action: 'lag_spike', detail: { link: targetName(target), extraMs, forMs } });
  for (const [from, to] of pairs) {
    const baseMs = sim.network.configOf(from, to, sim.nowMs).latencyMs ?? 0;
    sim.link(from, to, { latencyMs: baseMs + extraMs });
    sim.at(sim.nowMs + Math.round(forMs), () => {
      const nowMs = sim.network.configOf(from, to, sim.nowMs).latencyMs ?? 0;
      sim.link(from, to, { latencyMs: Math.max(0, nowMs - extraMs) });
    });
  }
}

function targetName(target: LinkTarget): string {
  if (target.kind === 'default') return 'default';
  return target.kind === 'direction' ? `${target.from}->${target.to}` : `${target.a}<->${target.b}`;
}

function allPairs(sim: Simulation): [string, string][] {
  const names = sim.hostNames;
  return names.flatMap((from) => names.filter((to) => to !== from).map((to): [string, string] => [from, to]));
}
