// The simulation trace (written by src/sim, read by assertions, reports and exports): a typed stream of everything that happened, exportable as JSON Lines and
// summarised by a stable 64-bit FNV-1a hash of that text (same seed, same scenario → same hash).

/** A datagram's path through the network. */
export interface DatagramTraceEvent {
  kind: 'datagram';
  atMs: number;
  /** sent: left the host; dropped: lost on the link (`reason` says which rule); delivered: reached the host's socket. */
  phase: 'sent' | 'dropped' | 'delivered';
  id: number;
  from: string;
  to: string;
  sizeBytes: number;
  /** FNV-1a 32-bit of the datagram's bytes (hashBytes), on `sent` only: two runs compare byte for byte. */
  bytesHash?: string;
  reason?: string;
  duplicate?: boolean;
  corrupted?: boolean;
  /** ENet commands in the datagram ("SEND_RELIABLE ch0 #3"), on `sent` only. */
  commands?: string[];
}

/** An ENet event handed to the application by service(). */
export interface HostTraceEvent {
  kind: 'event';
  atMs: number;
  host: string;
  type: 'connect' | 'disconnect' | 'receive' | 'error';
  /** The remote host's name when known, else `#<peer index>`. */
  peer: string;
  data?: number;
  channel?: number;
  sizeBytes?: number;
  /** On `receive`: the packet's ENET_PACKET_FLAG_* flags as delivered, and hashBytes of its bytes. */
  flags?: number;
  bytesHash?: string;
}

/** A peer state change, with ENet's reason for it when the implementation reports one. */
export interface StateTraceEvent {
  kind: 'state';
  atMs: number;
  host: string;
  peer: string;
  from: string;
  to: string;
  cause?: string;
}

/** Godot's names of the 14 statistics, the order of a stats event's `values` (src/sim/statistics.ts reads them from ENet's peer fields). */
export const PEER_STATISTIC_NAMES = [
  'PEER_PACKET_LOSS',
  'PEER_PACKET_LOSS_VARIANCE',
  'PEER_PACKET_LOSS_EPOCH',
  'PEER_ROUND_TRIP_TIME',
  'PEER_ROUND_TRIP_TIME_VARIANCE',
  'PEER_LAST_ROUND_TRIP_TIME',
  'PEER_LAST_ROUND_TRIP_TIME_VARIANCE',
  'PEER_PACKET_THROTTLE',
  'PEER_PACKET_THROTTLE_LIMIT',
  'PEER_PACKET_THROTTLE_COUNTER',
  'PEER_PACKET_THROTTLE_EPOCH',
  'PEER_PACKET_THROTTLE_ACCELERATION',
  'PEER_PACKET_THROTTLE_DECELERATION',
  'PEER_PACKET_THROTTLE_INTERVAL',
] as const;

/** The 14 PeerStatistic values of one peer (ENetPacketPeer.get_statistic order). */
export interface StatsTraceEvent {
  kind: 'stats';
  atMs: number;
  host: string;
  peer: string;
  /** In PEER_STATISTIC_NAMES order. */
  values: number[];
}

/** Something the scenario or the application did (connect, send, link change, pause...). */
export interface ActionTraceEvent {
  kind: 'action';
  atMs: number;
  host?: string;
  action: string;
  detail?: Record<string, unknown>;
  /** The scenario timeline id of the entry that did it, if it has one. A reaction's handler running is
   * the action 'reaction', with detail { on, peer, does, eventAtMs? (when delayed), cancelled? }. */
  id?: string;
}

/**
 * The bandwidth queue of one link direction (the bottleneck's FIFO, see `bandwidth` in docs/scenarios.md),
 * looked at on each statistics sample and recorded when it changed since the previous look (a direction
 * starts empty). Directions without a bandwidth queue never appear.
 */
export interface QueueTraceEvent {
  kind: 'queue';
  atMs: number;
  from: string;
  to: string;
  /** Wire bytes (payload and per-datagram overhead) not yet fully serialized. */
  bytes: number;
  /** Datagrams in the queue. */
  datagramCount: number;
}

/**
 * An action in one line, as narrations and reports show it: "client: connect {"peer":"server",...}";
 * a reaction in words: "server: reacts to connect of client: set_timeout (200 ms after the event at 1012 ms)".
 */
export function describeAction(event: ActionTraceEvent): string {
  const host = event.host ?? 'network';
  if (event.action === 'reaction' && event.detail !== undefined) {
    const { on, peer, does, eventAtMs, cancelled } = event.detail as { on: string; peer: string; does: string; eventAtMs?: number; cancelled?: string };
    const late = eventAtMs !== undefined ? ` (${millisecondsText(event.atMs - eventAtMs)} after the event at ${millisecondsText(eventAtMs)})` : '';
    const outcome = cancelled !== undefined ? `${does} cancelled: ${cancelled}` : does;
    return `${host}: reacts to ${on} of ${peer}: ${outcome}${late}`;
  }
  return `${host}: ${event.action}${event.detail !== undefined ? ` ${JSON.stringify(event.detail)}` : ''}`;
}

/** 240 → "240ms", 6096 → "6.096s": how the narration writes times. */
function millisecondsText(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

export type TraceEvent = DatagramTraceEvent | HostTraceEvent | StateTraceEvent | StatsTraceEvent | ActionTraceEvent | QueueTraceEvent;

/** Every `kind` a trace line may have (a saved trace's lines are checked against it). */
export const TRACE_EVENT_KINDS = ['datagram', 'event', 'state', 'stats', 'action', 'queue'] as const;

/** Upper bound on recorded events; beyond it recording stops and `truncated` is set. */
export const TRACE_EVENTS_MAX = 20_000_000;

export class Trace {
  readonly events: TraceEvent[] = [];
  truncated = false;
  /**
   * The bytes of datagram events, kept only when the simulation was asked to (SimulationOptions.keepDatagramBytes):
   * a `sent` event's datagram as it left its host, and a corrupted `delivered` copy's bytes as they arrived. A side
   * table, never part of the JSON Lines text or the hash, so keeping bytes changes neither.
   */
  private readonly bytesByEvent: Map<DatagramTraceEvent, Uint8Array> | null;

  /**
   * @param enabled - false: record() keeps nothing (SimulationOptions.trace).
   * @param eventsMax - the recording bound; a run that reaches it is stopped by Simulation.run
   *   (its trace would no longer say what happened), default {@link TRACE_EVENTS_MAX}.
   * @param keepDatagramBytes - keep datagram bytes beside the events (recordDatagram, bytesOf); default false.
   */
  constructor(
    readonly enabled = true,
    readonly eventsMax = TRACE_EVENTS_MAX,
    keepDatagramBytes = false,
  ) {
    this.bytesByEvent = keepDatagramBytes ? new Map() : null;
  }

  record(event: TraceEvent): void {
    if (!this.enabled) return;
    if (this.events.length >= this.eventsMax) {
      this.truncated = true;
      return;
    }
    this.events.push(event);
  }

  /** Records a datagram event and, when this trace keeps bytes, a copy of `bytes` beside it. */
  recordDatagram(event: DatagramTraceEvent, bytes: Uint8Array): void {
    const before = this.events.length;
    this.record(event);
    if (this.bytesByEvent !== null && this.events.length > before) this.bytesByEvent.set(event, bytes.slice());
  }

  /** The bytes kept for `event` (a `sent` event, or a corrupted `delivered` one), or undefined. */
  bytesOf(event: DatagramTraceEvent): Uint8Array | undefined {
    return this.bytesByEvent?.get(event);
  }

  /** One JSON object per line, keys in a fixed order. */
  toJsonLines(): string {
    let text = '';
    for (const event of this.events) text += `${JSON.stringify(event)}\n`;
    return text;
  }

  /**
   * FNV-1a 64-bit over the JSON Lines text, as 16 hex digits. Hashed line by line: the whole text
   * of a long run would pass V8's longest string (a 256-host lobby reaches it in about 95 s).
   */
  hash(): string {
    return hashTraceEvents(this.events);
  }
}

/** The trace hash of a list of events: FNV-1a 64 over their JSON Lines text, fed line by line. */
export function hashTraceEvents(events: readonly TraceEvent[]): string {
  const hasher = new Fnv1a64();
  for (const event of events) {
    hasher.update(JSON.stringify(event));
    hasher.update('\n');
  }
  return hasher.digest();
}

/** FNV-1a 64-bit of a string's UTF-16 code units, computed in two 32-bit halves; fed in pieces. */
export class Fnv1a64 {
  // offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3
  private high = 0xcbf29ce4;
  private low = 0x84222325;

  update(text: string): void {
    let high = this.high;
    let low = this.low;
    for (let index = 0; index < text.length; index++) {
      low = (low ^ text.charCodeAt(index)) >>> 0;
      // (high:low) * (2^40 + 0x1b3) mod 2^64
      const lowTimes = low * 0x1b3;
      const carry = Math.floor(lowTimes / 0x100000000);
      const newLow = lowTimes >>> 0;
      high = (Math.imul(high, 0x1b3) + carry + ((low << 8) >>> 0)) >>> 0;
      low = newLow;
    }
    this.high = high;
    this.low = low;
  }

  digest(): string {
    return this.high.toString(16).padStart(8, '0') + this.low.toString(16).padStart(8, '0');
  }
}

/** FNV-1a 64-bit of a string's UTF-16 code units, as 16 hex digits. */
export function fnv1a64(text: string): string {
  const hasher = new Fnv1a64();
  hasher.update(text);
  return hasher.digest();
}

/**
 * FNV-1a 32-bit of a byte array, as 8 hex digits: what traces keep of each datagram and received
 * packet, so that comparing two traces compares every byte (a difference that collides is a
 * 1-in-4-billion chance per event) without storing them.
 */
export function hashBytes(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < bytes.length; index++) hash = Math.imul(hash ^ bytes[index]!, 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
