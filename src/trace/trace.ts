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

/** How a compact event is laid out in Trace's word column (its first word). */
const enum Layout {
  /** kind datagram, phase sent: atMs, id, from, to, sizeBytes, bytes hash (uint32), command count, command string ids. */
  sent = 1,
  /** kind datagram, phase delivered: atMs, id, from, to, sizeBytes, flags (1 duplicate, 2 corrupted). */
  delivered = 2,
  /** kind datagram, phase dropped: atMs, id, from, to, sizeBytes, reason. */
  dropped = 3,
  /** kind event, type receive: atMs, host, peer, channel, sizeBytes, flags, bytes hash (uint32). */
  receive = 4,
  /** kind stats: atMs, host, peer, value count, values. */
  stats = 5,
}

/** Words per chunk of the word column: a full chunk is never copied, the next one is added. */
const CHUNK_WORDS = 65_536;
const INITIAL_EVENTS = 4096;

/**
 * The events of a simulation. The frequent ones (datagram events, receive events, statistics) are
 * kept compact as they happen: numbers in one Float64Array column and strings as ids into a table of
 * distinct strings. They become TraceEvent objects only when `events` is read (once; the objects are
 * kept after), with the same keys in the same order as objects recorded whole, so the JSON Lines
 * text and the hash are the same as if every event had been an object from the start.
 */
export class Trace {
  truncated = false;
  /** Events recorded, compact or not. */
  private count = 0;
  /**
   * Per event: where its words start (chunk index · CHUNK_WORDS + offset in the chunk), or −(index in
   * `objects` + 1) for an event kept as an object.
   */
  private starts = new Float64Array(INITIAL_EVENTS);
  /** The word column in chunks; an event's words never span two chunks. `words` is the last chunk. */
  private readonly chunks: Float64Array[] = [];
  private words = new Float64Array(0);
  private wordCount = 0;
  /** The start number of the last chunk's first word. */
  private chunkBase = 0;
  private readonly objects: TraceEvent[] = [];
  /** Distinct strings of compact events, and their ids. */
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  /** The strings as JSON literals, made when a line first needs one. */
  private readonly quotedStrings: (string | undefined)[] = [];
  /** The events built so far, in order (`events` builds the rest). */
  private readonly built: TraceEvent[] = [];
  /**
   * The bytes of datagram events, kept only when the simulation was asked to (SimulationOptions.keepDatagramBytes):
   * a `sent` event's datagram as it left its host, and a corrupted `delivered` copy's bytes as they arrived. A side
   * table by event number, never part of the JSON Lines text or the hash, so keeping bytes changes neither.
   */
  private readonly bytesByNumber: Map<number, Uint8Array> | null;
  /** Built datagram events that have bytes, and their event numbers. */
  private readonly numberOfEvent: Map<TraceEvent, number> | null;

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
    this.bytesByNumber = keepDatagramBytes ? new Map() : null;
    this.numberOfEvent = keepDatagramBytes ? new Map() : null;
  }

  /** Every event recorded, in order. Compact events are built into objects on the first read. */
  get events(): TraceEvent[] {
    const built = this.built;
    for (let number = built.length; number < this.count; number++) built.push(this.build(number));
    return built;
  }

  /** How many events were recorded (without building any). */
  get length(): number {
    return this.count;
  }

  /**
   * The events recorded whole (actions, states, events…: every kind but the compact ones) from event
   * number `first` on, as the objects the trace keeps: changing one changes the trace (a timeline
   * entry's id on the actions it did). Builds nothing.
   */
  objectsSince(first: number): TraceEvent[] {
    const found: TraceEvent[] = [];
    for (let number = first; number < this.count; number++) {
      const start = this.starts[number]!;
      if (start < 0) found.push(this.objects[-start - 1]!);
    }
    return found;
  }

  /** Forgets every event (and kept bytes), freeing their memory: for memory measurements. Later events are recorded as usual. */
  clear(): void {
    this.count = 0;
    this.starts = new Float64Array(INITIAL_EVENTS);
    this.chunks.length = 0;
    this.words = new Float64Array(0);
    this.wordCount = 0;
    this.chunkBase = 0;
    this.objects.length = 0;
    this.built.length = 0;
    this.bytesByNumber?.clear();
    this.numberOfEvent?.clear();
  }

  record(event: TraceEvent): void {
    if (!this.admit()) return;
    this.objects.push(event);
    this.starts[this.count++] = -this.objects.length;
  }

  /** Records a datagram event and, when this trace keeps bytes, a copy of `bytes` beside it. */
  recordDatagram(event: DatagramTraceEvent, bytes: Uint8Array): void {
    const before = this.count;
    this.record(event);
    if (this.bytesByNumber !== null && this.count > before) this.bytesByNumber.set(before, bytes.slice());
  }

  /**
   * Records a `sent` datagram event: bytesHash is hashBytesU32 of `bytes`, commands the descriptions
   * (string ids from `intern`). `bytes` are kept beside it when this trace keeps bytes.
   */
  recordSent(atMs: number, id: number, from: string, to: string, bytes: Uint8Array, commandIds: readonly number[], commandCount: number): void {
    if (!this.admit()) return;
    const at = this.reserve(8 + commandCount);
    const words = this.words;
    words[at] = Layout.sent;
    words[at + 1] = atMs;
    words[at + 2] = id;
    words[at + 3] = this.intern(from);
    words[at + 4] = this.intern(to);
    words[at + 5] = bytes.length;
    words[at + 6] = hashBytesU32(bytes);
    words[at + 7] = commandCount;
    for (let index = 0; index < commandCount; index++) words[at + 8 + index] = commandIds[index]!;
    if (this.bytesByNumber !== null) this.bytesByNumber.set(this.count, bytes.slice());
    this.starts[this.count++] = this.chunkBase + at;
  }

  /** Records a `delivered` datagram event; a corrupted copy's `bytes` are kept when this trace keeps bytes. */
  recordDelivered(atMs: number, id: number, from: string, to: string, bytes: Uint8Array, duplicate: boolean, corrupted: boolean): void {
    if (!this.admit()) return;
    const at = this.reserve(7);
    const words = this.words;
    words[at] = Layout.delivered;
    words[at + 1] = atMs;
    words[at + 2] = id;
    words[at + 3] = this.intern(from);
    words[at + 4] = this.intern(to);
    words[at + 5] = bytes.length;
    words[at + 6] = (duplicate ? 1 : 0) | (corrupted ? 2 : 0);
    if (corrupted && this.bytesByNumber !== null) this.bytesByNumber.set(this.count, bytes.slice());
    this.starts[this.count++] = this.chunkBase + at;
  }

  /** Records a `dropped` datagram event. */
  recordDropped(atMs: number, id: number, from: string, to: string, sizeBytes: number, reason: string): void {
    if (!this.admit()) return;
    const at = this.reserve(7);
    const words = this.words;
    words[at] = Layout.dropped;
    words[at + 1] = atMs;
    words[at + 2] = id;
    words[at + 3] = this.intern(from);
    words[at + 4] = this.intern(to);
    words[at + 5] = sizeBytes;
    words[at + 6] = this.intern(reason);
    this.starts[this.count++] = this.chunkBase + at;
  }

  /** Records a `receive` host event; bytesHash is hashBytesU32 of `data`. */
  recordReceive(atMs: number, host: string, peer: string, channel: number, data: Uint8Array, flags: number): void {
    if (!this.admit()) return;
    const at = this.reserve(8);
    const words = this.words;
    words[at] = Layout.receive;
    words[at + 1] = atMs;
    words[at + 2] = this.intern(host);
    words[at + 3] = this.intern(peer);
    words[at + 4] = channel;
    words[at + 5] = data.length;
    words[at + 6] = flags;
    words[at + 7] = hashBytesU32(data);
    this.starts[this.count++] = this.chunkBase + at;
  }

  /** Records a stats event with a copy of `values`. */
  recordStats(atMs: number, host: string, peer: string, values: readonly number[]): void {
    if (!this.admit()) return;
    const valueCount = values.length;
    const at = this.reserve(5 + valueCount);
    const words = this.words;
    words[at] = Layout.stats;
    words[at + 1] = atMs;
    words[at + 2] = this.intern(host);
    words[at + 3] = this.intern(peer);
    words[at + 4] = valueCount;
    for (let index = 0; index < valueCount; index++) words[at + 5 + index] = values[index]!;
    this.starts[this.count++] = this.chunkBase + at;
  }

  /** The id of `text` in this trace's string table (for recordSent's command descriptions). */
  intern(text: string): number {
    let id = this.stringIds.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.stringIds.set(text, id);
    }
    return id;
  }

  /** The bytes kept for `event` (a `sent` event, or a corrupted `delivered` one), or undefined. */
  bytesOf(event: DatagramTraceEvent): Uint8Array | undefined {
    if (this.bytesByNumber === null) return undefined;
    void this.events; // builds the events, registering those that have bytes
    const number = this.numberOfEvent!.get(event);
    return number === undefined ? undefined : this.bytesByNumber.get(number);
  }

  /** One JSON object per line, keys in a fixed order. */
  toJsonLines(): string {
    let text = '';
    for (let number = 0; number < this.count; number++) text += `${this.line(number)}\n`;
    return text;
  }

  /**
   * FNV-1a 64-bit over the JSON Lines text, as 16 hex digits. Hashed line by line: the whole text
   * of a long run would pass V8's longest string (a 256-host lobby reaches it in about 95 s).
   * The same as hashTraceEvents(this.events), without building the compact events.
   */
  hash(): string {
    const hasher = new Fnv1a64();
    for (let number = 0; number < this.count; number++) {
      hasher.update(this.line(number));
      hasher.update('\n');
    }
    return hasher.digest();
  }

  /**
   * Event `number` as its JSON Lines line: JSON.stringify of the event object when it exists (recorded
   * whole, or built by `events` and so perhaps changed by a reader), else written from its words with
   * the keys in the order `build` gives them, which is the text JSON.stringify would give.
   */
  private line(number: number): string {
    const start = this.starts[number]!;
    if (start < 0 || number < this.built.length) return JSON.stringify(number < this.built.length ? this.built[number] : this.objects[-start - 1]);
    const words = this.chunks[Math.floor(start / CHUNK_WORDS)]!;
    const at = start % CHUNK_WORDS;
    switch (words[at] as Layout) {
      case Layout.sent: {
        let commands = '';
        const commandCount = words[at + 7]!;
        for (let index = 0; index < commandCount; index++) commands += (index === 0 ? '' : ',') + this.quoted(words[at + 8 + index]!);
        return `{"kind":"datagram","atMs":${jsonNumber(words[at + 1]!)},"phase":"sent","id":${jsonNumber(words[at + 2]!)},"from":${this.quoted(words[at + 3]!)},"to":${this.quoted(words[at + 4]!)},"sizeBytes":${jsonNumber(words[at + 5]!)},"bytesHash":"${hashText(words[at + 6]!)}","commands":[${commands}]}`;
      }
      case Layout.delivered: {
        const flags = words[at + 6]!;
        const optional = ((flags & 1) !== 0 ? ',"duplicate":true' : '') + ((flags & 2) !== 0 ? ',"corrupted":true' : '');
        return `{"kind":"datagram","atMs":${jsonNumber(words[at + 1]!)},"phase":"delivered","id":${jsonNumber(words[at + 2]!)},"from":${this.quoted(words[at + 3]!)},"to":${this.quoted(words[at + 4]!)},"sizeBytes":${jsonNumber(words[at + 5]!)}${optional}}`;
      }
      case Layout.dropped:
        return `{"kind":"datagram","atMs":${jsonNumber(words[at + 1]!)},"phase":"dropped","id":${jsonNumber(words[at + 2]!)},"from":${this.quoted(words[at + 3]!)},"to":${this.quoted(words[at + 4]!)},"sizeBytes":${jsonNumber(words[at + 5]!)},"reason":${this.quoted(words[at + 6]!)}}`;
      case Layout.receive:
        return `{"kind":"event","atMs":${jsonNumber(words[at + 1]!)},"host":${this.quoted(words[at + 2]!)},"type":"receive","peer":${this.quoted(words[at + 3]!)},"channel":${jsonNumber(words[at + 4]!)},"sizeBytes":${jsonNumber(words[at + 5]!)},"flags":${jsonNumber(words[at + 6]!)},"bytesHash":"${hashText(words[at + 7]!)}"}`;
      case Layout.stats: {
        let values = '';
        const valueCount = words[at + 4]!;
        for (let index = 0; index < valueCount; index++) values += (index === 0 ? '' : ',') + jsonNumber(words[at + 5 + index]!);
        return `{"kind":"stats","atMs":${jsonNumber(words[at + 1]!)},"host":${this.quoted(words[at + 2]!)},"peer":${this.quoted(words[at + 3]!)},"values":[${values}]}`;
      }
    }
  }

  /** String `id` of the table as a JSON string literal (made once per string). */
  private quoted(id: number): string {
    let text = this.quotedStrings[id];
    if (text === undefined) {
      text = JSON.stringify(this.strings[id]!);
      this.quotedStrings[id] = text;
    }
    return text;
  }

  /** Whether one more event may be recorded (false when disabled or full; full sets `truncated`). */
  private admit(): boolean {
    if (!this.enabled) return false;
    if (this.count >= this.eventsMax) {
      this.truncated = true;
      return false;
    }
    if (this.count === this.starts.length) this.starts = grown(this.starts, this.count * 2);
    return true;
  }

  /** Makes room for `wordCount` more words in the last chunk (adding a chunk when needed); returns where they start in it. */
  private reserve(wordCount: number): number {
    let at = this.wordCount;
    if (at + wordCount > this.words.length) {
      this.words = new Float64Array(Math.max(CHUNK_WORDS, wordCount));
      this.chunkBase = this.chunks.length * CHUNK_WORDS;
      this.chunks.push(this.words);
      at = 0;
    }
    this.wordCount = at + wordCount;
    return at;
  }

  private build(number: number): TraceEvent {
    const start = this.starts[number]!;
    if (start < 0) {
      const event = this.objects[-start - 1]!;
      if (this.bytesByNumber?.has(number) === true) this.numberOfEvent!.set(event, number);
      return event;
    }
    const words = this.chunks[Math.floor(start / CHUNK_WORDS)]!;
    const at = start % CHUNK_WORDS;
    const strings = this.strings;
    switch (words[at] as Layout) {
      case Layout.sent: {
        const commands: string[] = [];
        const commandCount = words[at + 7]!;
        for (let index = 0; index < commandCount; index++) commands.push(strings[words[at + 8 + index]!]!);
        const event: DatagramTraceEvent = {
          kind: 'datagram',
          atMs: words[at + 1]!,
          phase: 'sent',
          id: words[at + 2]!,
          from: strings[words[at + 3]!]!,
          to: strings[words[at + 4]!]!,
          sizeBytes: words[at + 5]!,
          bytesHash: hashText(words[at + 6]!),
          commands,
        };
        if (this.bytesByNumber?.has(number) === true) this.numberOfEvent!.set(event, number);
        return event;
      }
      case Layout.delivered: {
        const event: DatagramTraceEvent = {
          kind: 'datagram',
          atMs: words[at + 1]!,
          phase: 'delivered',
          id: words[at + 2]!,
          from: strings[words[at + 3]!]!,
          to: strings[words[at + 4]!]!,
          sizeBytes: words[at + 5]!,
        };
        const flags = words[at + 6]!;
        if ((flags & 1) !== 0) event.duplicate = true;
        if ((flags & 2) !== 0) event.corrupted = true;
        if (this.bytesByNumber?.has(number) === true) this.numberOfEvent!.set(event, number);
        return event;
      }
      case Layout.dropped:
        return {
          kind: 'datagram',
          atMs: words[at + 1]!,
          phase: 'dropped',
          id: words[at + 2]!,
          from: strings[words[at + 3]!]!,
          to: strings[words[at + 4]!]!,
          sizeBytes: words[at + 5]!,
          reason: strings[words[at + 6]!]!,
        };
      case Layout.receive:
        return {
          kind: 'event',
          atMs: words[at + 1]!,
          host: strings[words[at + 2]!]!,
          type: 'receive',
          peer: strings[words[at + 3]!]!,
          channel: words[at + 4]!,
          sizeBytes: words[at + 5]!,
          flags: words[at + 6]!,
          bytesHash: hashText(words[at + 7]!),
        };
      case Layout.stats: {
        const valueCount = words[at + 4]!;
        const values: number[] = [];
        for (let index = 0; index < valueCount; index++) values.push(words[at + 5 + index]!);
        return { kind: 'stats', atMs: words[at + 1]!, host: strings[words[at + 2]!]!, peer: strings[words[at + 3]!]!, values };
      }
    }
  }
}

/** A number as JSON.stringify writes it: its shortest text, or null when not finite. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

function grown(words: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const next = new Float64Array(length);
  next.set(words);
  return next;
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
  return hashText(hashBytesU32(bytes));
}

/** hashBytes as the uint32 it writes in hex. */
export function hashBytesU32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < bytes.length; index++) hash = Math.imul(hash ^ bytes[index]!, 0x01000193);
  return hash >>> 0;
}

/** A uint32 hash as hashBytes writes it: 8 hex digits. */
function hashText(hash: number): string {
  return hash.toString(16).padStart(8, '0');
}
