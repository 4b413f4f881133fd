// The links between hosts: one Link per direction of every pair, created on first use from the
// default configuration merged with that direction's overrides. Changes apply as a step (from now
// on) or as a ramp (numbers move linearly over `rampMs`, evaluated for each datagram sent).
//
// When faults apply (documented in docs/simulator.md and tested):
// - a link configuration (latency, loss, ...) applies to datagrams *sent* after the change; a
//   datagram already in flight keeps the fate it was given when it was sent;
// - a partition applies at both ends of the flight: datagrams sent while it holds are dropped, and
//   so are datagrams that arrive while it holds (a cut cable loses what is on it);
// - hold keeps every datagram sent while it holds and feeds them into the link, in order, at release.
import { Link, type LinkFate, type LinkOutcome } from './link.js';
import { resolveLinkConfig, type LinkConfig, type ResolvedLinkConfig } from './link-config.js';
import type { RandomStream } from './random.js';
import { SimulationLimitReached } from './limits.js';
import { PER_DATAGRAM_DRAWS, type LinkDraws } from './weather.js';

/** Bound on datagrams kept by one held direction. */
export const HELD_DATAGRAMS_MAX = 100_000;

interface Ramp {
  from: LinkConfig;
  to: LinkConfig;
  startMs: number;
  endMs: number;
}

/** One direction as the simulator sees it per datagram: looked up once, then read without a map. */
export interface Route {
  readonly from: string;
  readonly to: string;
  readonly partitioned: boolean;
  /** Datagrams kept while held, or null when the direction is not held. */
  readonly held: readonly { id: number; bytes: Uint8Array }[] | null;
}

interface Direction extends Route {
  from: string;
  to: string;
  link: Link;
  override: LinkConfig;
  ramp: Ramp | null;
  partitioned: boolean;
  held: { id: number; bytes: Uint8Array }[] | null;
  /** Whether it has had a bandwidth queue (and is in Network.queued). */
  queued: boolean;
}

export class Network {
  private defaults: LinkConfig = {};
  private defaultRamp: Ramp | null = null;
  private readonly directions = new Map<string, Direction>();
  /** The same directions by source then target: no string is built per datagram. */
  private readonly bySource = new Map<string, Map<string, Direction>>();
  /** Directions that have had a bandwidth queue, in the order they got one (for forEachQueue). */
  private readonly queued: Direction[] = [];

  /**
   * @param random - the stream each direction's stream is forked from, by the direction's name.
   * @param draws - how every direction draws its datagrams' fates (default per-datagram).
   */
  constructor(
    private readonly random: RandomStream,
    private readonly draws: LinkDraws = PER_DATAGRAM_DRAWS,
  ) {}

  setDefault(config: LinkConfig, nowMs: number, rampMs: number): void {
    const before = this.defaults;
    this.defaults = mergeLinkConfig(this.defaults, config);
    this.defaultRamp = rampMs > 0 ? { from: before, to: this.defaults, startMs: nowMs, endMs: nowMs + rampMs } : null;
    for (const [key, direction] of this.directions) this.reconfigure(key, direction, nowMs);
  }

  set(from: string, to: string, config: LinkConfig, nowMs: number, rampMs: number): void {
    const direction = this.direction(from, to);
    const before = this.effective(direction, nowMs);
    direction.override = mergeLinkConfig(direction.override, config);
    const after = mergeLinkConfig(this.defaults, direction.override);
    direction.ramp = rampMs > 0 ? { from: before, to: after, startMs: nowMs, endMs: nowMs + rampMs } : null;
    this.configure(direction, resolve(this.effective(direction, nowMs), `${from}->${to}`), nowMs);
  }

  partition(from: string, to: string): void {
    this.direction(from, to).partitioned = true;
  }

  heal(from: string, to: string): void {
    this.direction(from, to).partitioned = false;
  }

  isPartitioned(from: string, to: string): boolean {
    return this.bySource.get(from)?.get(to)?.partitioned ?? false;
  }

  hold(from: string, to: string): void {
    const direction = this.direction(from, to);
    direction.held ??= [];
  }

  isHeld(from: string, to: string): boolean {
    return (this.bySource.get(from)?.get(to)?.held ?? null) !== null;
  }

  /** Keeps a datagram sent while from → to is held; reaching `heldMax` stops the run ({@link SimulationLimitReached}). */
  holdDatagram(from: string, to: string, datagram: { id: number; bytes: Uint8Array }, heldMax: number, nowMs: number): void {
    const held = this.direction(from, to).held!;
    if (held.length >= heldMax) throw new SimulationLimitReached('heldDatagrams', heldMax, nowMs);
    held.push(datagram);
  }

  /** Ends the hold and returns what it kept, in send order. */
  release(from: string, to: string): { id: number; bytes: Uint8Array }[] {
    const direction = this.direction(from, to);
    const held = direction.held ?? [];
    direction.held = null;
    return held;
  }

  /** The fate of one datagram sent now on from → to (and of any duplicate of it). */
  transmit(from: string, to: string, nowMs: number, bytes: Uint8Array): LinkOutcome[] {
    const direction = this.bySource.get(from)?.get(to) ?? this.direction(from, to);
    if (direction.ramp !== null || this.defaultRamp !== null) this.reconfigure(key(from, to), direction, nowMs);
    return direction.link.transmit(nowMs, bytes);
  }

  /** The direction from → to (created on first use, as `transmit` creates it), to read per datagram. */
  route(from: string, to: string): Route {
    return this.bySource.get(from)?.get(to) ?? this.direction(from, to);
  }

  /** As `transmit` on a route, with the fate in the link's reused record (Link.decide). */
  decide(route: Route, nowMs: number, bytes: Uint8Array): Readonly<LinkFate> {
    const direction = route as Direction;
    if (direction.ramp !== null || this.defaultRamp !== null) this.reconfigure(key(direction.from, direction.to), direction, nowMs);
    return direction.link.decide(nowMs, bytes);
  }

  /** The configuration in force on from → to now (defaults, overrides and any ramp applied). */
  configOf(from: string, to: string, nowMs: number): LinkConfig {
    return this.effective(this.direction(from, to), nowMs);
  }

  /** The link of one direction (created on first use), for its statistics. */
  linkOf(from: string, to: string): Link {
    return this.direction(from, to).link;
  }

  /** Visits every direction that has had a bandwidth queue, in the order they got one. */
  forEachQueue(visit: (from: string, to: string, link: Link) => void): void {
    for (const direction of this.queued) visit(direction.from, direction.to, direction.link);
  }

  private configure(direction: Direction, config: ResolvedLinkConfig, nowMs: number): void {
    direction.link.configure(config, nowMs);
    if (config.bandwidth !== null && !direction.queued) {
      direction.queued = true;
      this.queued.push(direction);
    }
  }

  private direction(from: string, to: string): Direction {
    const name = key(from, to);
    let direction = this.directions.get(name);
    if (direction === undefined) {
      // Each direction's stream is forked by its name, so creating links in another order, or
      // adding hosts, never changes an existing link's draws.
      const link = new Link(resolve(this.defaults, name), this.random.fork(name), this.draws);
      direction = { from, to, link, override: {}, ramp: null, partitioned: false, held: null, queued: link.config.bandwidth !== null };
      if (direction.queued) this.queued.push(direction);
      this.directions.set(name, direction);
      let targets = this.bySource.get(from);
      if (targets === undefined) {
        targets = new Map();
        this.bySource.set(from, targets);
      }
      targets.set(to, direction);
      this.reconfigure(name, direction, 0);
    }
    return direction;
  }

  private reconfigure(name: string, direction: Direction, nowMs: number): void {
    this.configure(direction, resolve(this.effective(direction, nowMs), name), nowMs);
    if (direction.ramp !== null && nowMs >= direction.ramp.endMs) direction.ramp = null;
  }

  private effective(direction: Direction, nowMs: number): LinkConfig {
    if (direction.ramp !== null) return interpolateAt(direction.ramp, nowMs);
    const defaults = this.defaultRamp !== null ? interpolateAt(this.defaultRamp, nowMs) : this.defaults;
    if (this.defaultRamp !== null && nowMs >= this.defaultRamp.endMs) this.defaultRamp = null;
    return mergeLinkConfig(defaults, direction.override);
  }
}

function key(from: string, to: string): string {
  return `${from}->${to}`;
}

function resolve(config: LinkConfig, name: string): ResolvedLinkConfig {
  const resolved = resolveLinkConfig(config);
  if (!resolved.ok) {
    const detail = resolved.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
    throw new Error(`link ${name}: invalid configuration: ${detail}`);
  }
  return resolved.value;
}

/**
 * Merges `change` over `base`: nested objects merge key by key (a jitter with a new `distribution`
 * keeps its `ms`), except that a loss naming a different `model` replaces the old one whole, since
 * each model has its own parameters (docs/scenarios.md, links).
 */
export function mergeLinkConfig(base: LinkConfig, change: LinkConfig): LinkConfig {
  const merged: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(change)) {
    const previous = merged[name];
    if (isPlainObject(value) && isPlainObject(previous) && (value['model'] === undefined || value['model'] === previous['model'])) {
      merged[name] = { ...previous, ...value };
    } else {
      merged[name] = value;
    }
  }
  return merged as LinkConfig;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Numbers move linearly from `from` to `to`; anything else takes its `to` value at once. */
function interpolateAt(ramp: Ramp, nowMs: number): LinkConfig {
  if (nowMs >= ramp.endMs) return ramp.to;
  const fraction = Math.max(0, (nowMs - ramp.startMs) / (ramp.endMs - ramp.startMs));
  return interpolate(ramp.from, ramp.to, fraction) as LinkConfig;
}

/** Fields that must stay whole numbers during a ramp (counts and byte sizes). */
const INTEGER_FIELDS = new Set(['n', 'offset', 'gap', 'mtuBytes', 'overheadBytes', 'queueBytes', 'queueDatagrams']);

function interpolate(from: unknown, to: unknown, fraction: number, field = ''): unknown {
  if (typeof to === 'number') {
    // A knob that did not exist before ramps from 0 when 0 means "none" (a percentage, a delay);
    // anything else (a rate, a queue limit, a reorder gap) has no zero to start from and applies at once.
    // (A time limit of the queue is a limit like the others: `queueMs` applies at once too.)
    if (typeof from !== 'number' && (field === 'queueMs' || !/percent$|^ms$|Ms$/i.test(field))) return to;
    const start = typeof from === 'number' ? from : 0;
    const value = start + (to - start) * fraction;
    if (field === 'queueMs') return Math.round(value * 1000) / 1000; // the queue's limit is whole µs
    return INTEGER_FIELDS.has(field) ? Math.round(value) : value;
  }
  if (isPlainObject(to)) {
    const source = isPlainObject(from) ? from : {};
    const result: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(to)) result[name] = interpolate(source[name], value, fraction, name);
    return result;
  }
  return to;
}
