// The proxy's network state: every change to the links (scenario timeline, control API) as the
// simulator's own Network applies it, for every client's pair of links, on whole ms since the start.
//
// Each client gets its own `Network` (its own random streams, its own delay and queue state) with two
// hosts, `client` and `server`. Changes are kept in a log and applied to every live client's Network;
// a client that appears later replays the log at the times the changes were made, so it starts from the
// same configuration, partition, hold and ramp as the clients already there. Nothing here copies link
// logic: merging, ramps, partitions and holds are `Network`'s, drops and delays are `Link`'s.
import type { LinkConfig, ResolvedLinkConfig } from '../sim/link-config.js';
import type { LinkOutcome } from '../sim/link.js';
import { Network } from '../sim/network.js';
import { RandomStream } from '../sim/random.js';
import { PER_DATAGRAM_DRAWS, type LinkDraws } from '../sim/weather.js';

/** client→server is `up`, server→client is `down`. */
export type ProxyDirection = 'up' | 'down';
export const PROXY_DIRECTIONS: readonly ProxyDirection[] = ['up', 'down'];

/** The two host names every client's Network holds (and what the proxy prints). */
export const PROXY_CLIENT_HOST = 'client';
export const PROXY_SERVER_HOST = 'server';

/** Changes kept at once; a further change is refused (a client replays the whole log when it appears). */
export const NETWORK_CHANGES_MAX = 10_000;
/** Datagrams one held direction of one client keeps; further ones are dropped as the proxy's queue. */
export const PROXY_HELD_DATAGRAMS_MAX = 100_000;

/** Which directions a link change sets: both, one, or the default under both (a scenario's `default`). */
export type ProxyLinkTarget = 'both' | ProxyDirection | 'default';

/** One link setting: a configuration merged over what `target` has (as a scenario's `link:` entry). */
export interface ProxyLinkSetting {
  target: ProxyLinkTarget;
  config: LinkConfig;
}

/** One change to the network, in the proxy's two-host terms. */
export type ProxyNetworkChange =
  | { kind: 'link'; settings: ProxyLinkSetting[]; rampMs: number }
  | { kind: 'partition' | 'heal' | 'hold' | 'release'; directions: ProxyDirection[] };

export function directionHosts(direction: ProxyDirection): [string, string] {
  return direction === 'up' ? [PROXY_CLIENT_HOST, PROXY_SERVER_HOST] : [PROXY_SERVER_HOST, PROXY_CLIENT_HOST];
}

function targetDirections(target: Exclude<ProxyLinkTarget, 'default'>): ProxyDirection[] {
  return target === 'both' ? ['up', 'down'] : [target];
}

/** Applies one change to one Network at `atMs`; returns what a release let go, by direction, in send order. */
function applyChange(network: Network, change: ProxyNetworkChange, atMs: number): { direction: ProxyDirection; bytes: Uint8Array }[] {
  if (change.kind === 'link') {
    for (const setting of change.settings) {
      if (setting.target === 'default') network.setDefault(setting.config, atMs, change.rampMs);
      else for (const direction of targetDirections(setting.target)) network.set(...directionHosts(direction), setting.config, atMs, change.rampMs);
    }
    return [];
  }
  const released: { direction: ProxyDirection; bytes: Uint8Array }[] = [];
  for (const direction of change.directions) {
    const [from, to] = directionHosts(direction);
    if (change.kind === 'partition') network.partition(from, to);
    else if (change.kind === 'heal') network.heal(from, to);
    else if (change.kind === 'hold') network.hold(from, to);
    else for (const held of network.release(from, to)) released.push({ direction, bytes: held.bytes });
  }
  return released;
}

/** The part of a resolved configuration a LinkConfig can say (nulls are "none", which is the default). */
export function linkConfigOf(resolved: ResolvedLinkConfig): LinkConfig {
  const config: LinkConfig = {
    latencyMs: resolved.latencyMs,
    jitter: { ms: resolved.jitter.ms, distribution: resolved.jitter.distribution, correlationPercent: resolved.jitter.correlationPercent, reorder: resolved.jitter.reorder, percent: resolved.jitter.percent, ...(resolved.jitter.maxMs !== null ? { maxMs: resolved.jitter.maxMs } : {}) },
    loss: { ...resolved.loss },
    duplicate: { ...resolved.duplicate },
    corrupt: { ...resolved.corrupt },
    reorder: { ...resolved.reorder },
  };
  if (resolved.mtuBytes !== null) config.mtuBytes = resolved.mtuBytes;
  const bandwidth = resolved.bandwidth;
  if (bandwidth !== null) {
    config.bandwidth = {
      rateBitsPerSecond: bandwidth.rateBitsPerSecond,
      overheadBytes: bandwidth.overheadBytes,
      queueDatagrams: bandwidth.queueDatagrams,
      ...(bandwidth.queueBytes !== null ? { queueBytes: bandwidth.queueBytes } : {}),
      ...(bandwidth.queueMs !== null ? { queueMs: bandwidth.queueMs } : {}),
    };
  }
  return config;
}

/** One client's two directions: a Network of two hosts that has seen every change so far. */
export class SessionLinks {
  constructor(private readonly network: Network) {}

  /** The fate of one datagram put on `direction` at whole ms `nowMs` (and of any copy). */
  transmit(direction: ProxyDirection, nowMs: number, bytes: Uint8Array): LinkOutcome[] {
    return this.network.transmit(...directionHosts(direction), nowMs, bytes);
  }

  isPartitioned(direction: ProxyDirection): boolean {
    return this.network.isPartitioned(...directionHosts(direction));
  }

  isHeld(direction: ProxyDirection): boolean {
    return this.network.isHeld(...directionHosts(direction));
  }

  /** Keeps a datagram while `direction` is held; false when the hold is full ({@link PROXY_HELD_DATAGRAMS_MAX}). */
  hold(direction: ProxyDirection, bytes: Uint8Array, nowMs: number): boolean {
    const [from, to] = directionHosts(direction);
    try {
      this.network.holdDatagram(from, to, { id: 0, bytes }, PROXY_HELD_DATAGRAMS_MAX, nowMs);
      return true;
    } catch {
      return false;
    }
  }

  /** Applies a change; returns the datagrams a release let go, to be put on the link now. */
  apply(change: ProxyNetworkChange, atMs: number): { direction: ProxyDirection; bytes: Uint8Array }[] {
    return applyChange(this.network, change, atMs);
  }
}

/** What one direction is now: its configuration (defaults filled in), partition and hold. */
export interface ProxyDirectionState {
  link: LinkConfig;
  partitioned: boolean;
  held: boolean;
}

/**
 * The proxy's network: the initial links and every change since, as a log replayed into each new
 * client's Network. A template Network without traffic answers what the configuration is now.
 */
export class ProxyNetwork {
  private readonly log: { atMs: number; change: ProxyNetworkChange }[] = [];
  private template: Network;

  /**
   * @param initial - changes applied at 0 ms before anything else (a scenario's `links:`, the flags).
   * @param draws - how every link draws its datagrams' fates (a scenario's `link_draws`).
   * Throws when the initial links do not resolve (the caller checked them).
   */
  constructor(initial: readonly ProxyNetworkChange[], private readonly draws: LinkDraws = PER_DATAGRAM_DRAWS) {
    for (const change of initial) this.log.push({ atMs: 0, change });
    this.template = this.replay(this.log);
  }

  /** A network whose two directions are fixed resolved configurations (the plain `--link` form). */
  static fixed(up: ResolvedLinkConfig, down: ResolvedLinkConfig): ProxyNetwork {
    const settings: ProxyLinkSetting[] = [
      { target: 'up', config: linkConfigOf(up) },
      { target: 'down', config: linkConfigOf(down) },
    ];
    return new ProxyNetwork([{ kind: 'link', settings, rampMs: 0 }]);
  }

  /** Changes made so far, the initial ones included. */
  get changeCount(): number {
    return this.log.length;
  }

  /**
   * Checks that `change` at `atMs` leaves every direction with a valid configuration (a merged link
   * can be invalid even when the change alone is not). Null when it does, else the reason.
   */
  check(change: ProxyNetworkChange, atMs: number): string | null {
    if (this.log.length >= NETWORK_CHANGES_MAX) return `${NETWORK_CHANGES_MAX} changes made already: no more are kept (restart the proxy)`;
    if (change.kind !== 'link') return null;
    try {
      const trial = this.replay(this.log);
      applyChange(trial, change, atMs);
      for (const direction of PROXY_DIRECTIONS) trial.configOf(...directionHosts(direction), atMs);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** Records a change made at `atMs` (whole ms, not before the previous one); call `check` first. */
  record(change: ProxyNetworkChange, atMs: number): void {
    this.log.push({ atMs, change });
    applyChange(this.template, change, atMs);
  }

  /** The links of a new client at `nowMs`: every change so far replayed at its time. */
  openSession(random: RandomStream): SessionLinks {
    return new SessionLinks(this.replay(this.log, random));
  }

  /** What `direction` is at `nowMs`, as the template sees it. */
  state(direction: ProxyDirection, nowMs: number): ProxyDirectionState {
    const [from, to] = directionHosts(direction);
    return { link: this.template.configOf(from, to, nowMs), partitioned: this.template.isPartitioned(from, to), held: this.template.isHeld(from, to) };
  }

  /** The latency of `direction` at `nowMs` (0 when none is set), for a lag spike. */
  latencyMs(direction: ProxyDirection, nowMs: number): number {
    return this.template.configOf(...directionHosts(direction), nowMs).latencyMs ?? 0;
  }

  private replay(log: readonly { atMs: number; change: ProxyNetworkChange }[], random?: RandomStream): Network {
    // The template draws nothing (it never transmits), so any stream will do for it.
    const network = new Network(random ?? templateStream(), this.draws);
    for (const direction of PROXY_DIRECTIONS) network.configOf(...directionHosts(direction), 0);
    for (const entry of log) applyChange(network, entry.change, entry.atMs);
    return network;
  }
}

function templateStream(): RandomStream {
  return RandomStream.root('proxy-template');
}
