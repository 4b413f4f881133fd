// A tiny lockstep loop: several HostLike hosts joined by links with one fixed one-way latency,
// advanced in 1 ms ticks. Generic over HostLike, so the same run can drive libenet (through the
// oracle driver) and the TypeScript core, and the two traces can be compared.
//
// Ordering rules, all deterministic (no wall clock, no randomness):
//   Ticks run at nowMs = startMs, startMs + 1, …, untilMs (inclusive). Within one tick:
//   1. Actions: onTick runs (connect, send, disconnect…). Then every host's sent datagrams are
//      collected, hosts in array order, each host's datagrams in the order it sent them.
//   2. Deliveries: every in-flight datagram with deliverAtMs ≤ nowMs goes into its destination's
//      inbox, in the order the datagrams were collected (global send sequence).
//   3. Service, on ticks where (nowMs − startMs) is a multiple of serviceEveryMs: hosts in array
//      order; each host's service(nowMs) is called until it returns an event of type none or a
//      negative result (at most maxEventsPerService calls), every other event is recorded at nowMs,
//      then that host's sent datagrams are collected. So host B, serviced after host A in the same
//      tick, does not see A's datagrams of this tick (latencyMs ≥ 1 puts them in a later tick).
//   4. stopWhen (if given) may end the run after the tick.
//   A datagram collected at tick t is delivered at t + latencyMs to the host whose address equals its
//   destination. A datagram to an address no host has is recorded with `to: null` and never delivered.

import type { HostEventLike, HostLike, WireAddress } from './host-like.js';

/** Upper bound on the number of ticks of one run. */
export const LOCKSTEP_MAX_TICKS = 10_000_000;
/** Upper bound on datagrams in flight at once. */
export const LOCKSTEP_MAX_IN_FLIGHT_DATAGRAMS = 1_000_000;
/** Default bound on service calls per host per tick (events drained). */
export const LOCKSTEP_DEFAULT_MAX_EVENTS_PER_SERVICE = 1000;

export interface LockstepHost {
  /** Unique name used in the trace. */
  name: string;
  /** The address the host is bound to; datagrams sent to it are delivered to this host. */
  address: WireAddress;
  host: HostLike;
}

export interface LockstepTick {
  nowMs: number;
  /** The host registered under `name` (throws for an unknown name). */
  host(name: string): HostLike;
  /** The trace so far (read it, do not change it). */
  trace: LockstepTrace;
}

export interface LockstepOptions {
  hosts: readonly LockstepHost[];
  /** One-way latency of every link; at least 1. */
  latencyMs: number;
  /** First tick. */
  startMs: number;
  /** Last tick, inclusive. */
  untilMs: number;
  /** Service period; 1 services every host every tick. */
  serviceEveryMs?: number;
  /** App actions at the start of each tick (phase 1). */
  onTick?: (tick: LockstepTick) => void;
  /** Ends the run after the tick at which it returns true. */
  stopWhen?: (trace: LockstepTrace, nowMs: number) => boolean;
  maxEventsPerService?: number;
  /**
   * Decides each datagram's fate when it is collected: undefined delivers it unchanged; `drop`
   * loses it (it stays in the trace with `dropped: true`); `bytes` replaces what arrives;
   * `extraDelayMs` adds to its latency (so it can overtake or be overtaken).
   */
  intercept?: (datagram: TraceDatagram) => DatagramFate | undefined;
}

export type DatagramFate = { drop: true } | { drop?: false; bytes?: Uint8Array; extraDelayMs?: number };

export interface TraceDatagram {
  /** Global send order, from 0. */
  sequence: number;
  sentAtMs: number;
  /** When it is (or would be) put in the destination's inbox; null when no host has the address. */
  deliverAtMs: number | null;
  from: string;
  /** The destination host's name; null when no host has the address. */
  to: string | null;
  source: WireAddress;
  destination: WireAddress;
  bytes: Uint8Array;
  /** True when the intercept hook dropped it. */
  dropped: boolean;
}

export interface TraceEvent {
  atMs: number;
  host: string;
  /** enet_host_service's return value (1 with an event, negative on error). */
  result: number;
  event: HostEventLike;
}

export interface LockstepTrace {
  datagrams: TraceDatagram[];
  events: TraceEvent[];
  /** The last tick that ran. */
  endMs: number;
}

/** A WireAddress from dotted IPv4 text: `host` is the u32 ENet stores (network-order bytes in memory, read little-endian). */
export function ipv4Address(dotted: string, port: number): WireAddress {
  const octets = dotted.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) {
    throw new RangeError(`not a dotted IPv4 address: ${dotted}`);
  }
  const [a, b, c, d] = octets as [number, number, number, number];
  return { host: (a | (b << 8) | (c << 16) | (d << 24)) >>> 0, port };
}

function addressKey(address: WireAddress): string {
  return `${address.host}:${address.port}`;
}

function validateOptions(options: LockstepOptions): void {
  const { latencyMs, startMs, untilMs } = options;
  if (!Number.isInteger(latencyMs) || latencyMs < 1) throw new RangeError(`latencyMs must be an integer ≥ 1, got ${latencyMs}`);
  if (!Number.isInteger(startMs) || !Number.isInteger(untilMs) || untilMs < startMs) {
    throw new RangeError(`need integers startMs ≤ untilMs, got ${startMs}..${untilMs}`);
  }
  if (untilMs - startMs >= LOCKSTEP_MAX_TICKS) throw new RangeError(`run longer than ${LOCKSTEP_MAX_TICKS} ticks`);
  const serviceEveryMs = options.serviceEveryMs ?? 1;
  if (!Number.isInteger(serviceEveryMs) || serviceEveryMs < 1) throw new RangeError(`serviceEveryMs must be ≥ 1`);
}

/** The hosts indexed by name and by address, checked for duplicates. */
class HostDirectory {
  private readonly byName = new Map<string, LockstepHost>();
  private readonly byAddress = new Map<string, LockstepHost>();

  constructor(readonly hosts: readonly LockstepHost[]) {
    for (const entry of hosts) {
      if (this.byName.has(entry.name)) throw new Error(`duplicate host name ${entry.name}`);
      if (this.byAddress.has(addressKey(entry.address))) throw new Error(`duplicate host address of ${entry.name}`);
      this.byName.set(entry.name, entry);
      this.byAddress.set(addressKey(entry.address), entry);
    }
  }

  named(name: string): LockstepHost {
    const entry = this.byName.get(name);
    if (entry === undefined) throw new Error(`no host named ${name}`);
    return entry;
  }

  at(address: WireAddress): LockstepHost | undefined {
    return this.byAddress.get(addressKey(address));
  }
}

/** A datagram on its way, with the bytes that will arrive. */
interface InFlight {
  datagram: TraceDatagram;
  deliverAtMs: number;
  bytes: Uint8Array;
}

/** Datagrams in flight, ordered by delivery time and then by send order. */
class InFlightQueue {
  private items: InFlight[] = [];
  private headIndex = 0;

  push(item: InFlight): void {
    if (this.items.length - this.headIndex >= LOCKSTEP_MAX_IN_FLIGHT_DATAGRAMS) {
      throw new Error(`more than ${LOCKSTEP_MAX_IN_FLIGHT_DATAGRAMS} datagrams in flight`);
    }
    // Almost always in order already: insert from the tail.
    let index = this.items.length;
    while (index > this.headIndex && this.items[index - 1]!.deliverAtMs > item.deliverAtMs) index--;
    this.items.splice(index, 0, item);
  }

  /** Removes and returns the datagrams due at or before nowMs. */
  takeDue(nowMs: number): InFlight[] {
    const due: InFlight[] = [];
    while (this.headIndex < this.items.length) {
      const next = this.items[this.headIndex]!;
      if (next.deliverAtMs > nowMs) break;
      due.push(next);
      this.headIndex++;
    }
    if (this.headIndex > 1024 && this.headIndex * 2 > this.items.length) {
      this.items = this.items.slice(this.headIndex);
      this.headIndex = 0;
    }
    return due;
  }
}

/** Runs the hosts in lockstep and returns every datagram and event with its time. */
export function runLockstep(options: LockstepOptions): LockstepTrace {
  validateOptions(options);
  const directory = new HostDirectory(options.hosts);
  const inFlight = new InFlightQueue();
  const trace: LockstepTrace = { datagrams: [], events: [], endMs: options.startMs };
  const serviceEveryMs = options.serviceEveryMs ?? 1;
  const maxEventsPerService = options.maxEventsPerService ?? LOCKSTEP_DEFAULT_MAX_EVENTS_PER_SERVICE;

  const collectSent = (entry: LockstepHost, nowMs: number): void => {
    for (const sent of entry.host.takeSent()) {
      const destination = directory.at(sent.address);
      const datagram: TraceDatagram = {
        sequence: trace.datagrams.length,
        sentAtMs: nowMs,
        deliverAtMs: destination === undefined ? null : nowMs + options.latencyMs,
        from: entry.name,
        to: destination?.name ?? null,
        source: entry.address,
        destination: sent.address,
        bytes: sent.bytes,
        dropped: false,
      };
      trace.datagrams.push(datagram);
      const fate = options.intercept?.(datagram);
      if (fate?.drop === true) {
        datagram.dropped = true;
        continue;
      }
      if (destination === undefined) continue;
      const extraDelayMs = fate?.extraDelayMs ?? 0;
      datagram.deliverAtMs = nowMs + options.latencyMs + extraDelayMs;
      inFlight.push({ datagram, deliverAtMs: datagram.deliverAtMs, bytes: fate?.bytes ?? sent.bytes });
    }
  };

  for (let nowMs = options.startMs; nowMs <= options.untilMs; nowMs++) {
    trace.endMs = nowMs;
    if (options.onTick !== undefined) {
      options.onTick({ nowMs, host: (name) => directory.named(name).host, trace });
      for (const entry of directory.hosts) collectSent(entry, nowMs);
    }
    for (const { datagram, bytes } of inFlight.takeDue(nowMs)) {
      directory.named(datagram.to!).host.deliver(datagram.source, bytes);
    }
    if ((nowMs - options.startMs) % serviceEveryMs === 0) {
      for (const entry of directory.hosts) {
        drainEvents(entry, nowMs, maxEventsPerService, trace.events);
        collectSent(entry, nowMs);
      }
    }
    if (options.stopWhen?.(trace, nowMs) === true) break;
  }
  return trace;
}

/** Calls service until it reports no event (or an error), recording each event. */
function drainEvents(entry: LockstepHost, nowMs: number, maxEventsPerService: number, events: TraceEvent[]): void {
  for (let call = 0; call < maxEventsPerService; call++) {
    const { result, event } = entry.host.service(nowMs);
    if (event.type !== 'none' || result < 0) events.push({ atMs: nowMs, host: entry.name, result, event });
    if (event.type === 'none' || result < 0) return;
  }
  throw new Error(`host ${entry.name} produced more than ${maxEventsPerService} events at ${nowMs} ms`);
}
