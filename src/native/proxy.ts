// A real-time UDP proxy between real ENet endpoints: each direction goes through the simulator's Link on the wall clock.

import * as dgram from 'node:dgram';

import { Command } from '../enet/constants.js';
import type { ResolvedLinkConfig } from '../sim/link-config.js';
import type { LinkDelivery, LinkDropReason } from '../sim/link.js';
import { RandomStream } from '../sim/random.js';
import { PROXY_DIRECTIONS, ProxyNetwork, type ProxyDirection, type ProxyDirectionState, type ProxyNetworkChange, type SessionLinks } from './proxy-network.js';
import { addressFamily, bindSocket, isLoopbackAddress, type SocketAddress } from './udp.js';
import { ConnectionWireReader, type WireFraming, type WireReadFailure, type WireReadResult } from './wire-reader.js';

export { PROXY_DIRECTIONS, type ProxyDirection } from './proxy-network.js';

/** Why the proxy did not forward a datagram: the link's rules, a partition, or one of the proxy's own bounds. */
export type ProxyDropReason = LinkDropReason | 'partition' | 'proxyQueueFull' | 'clientLimit' | 'expired' | 'sendFailed';
export const PROXY_DROP_REASONS: readonly ProxyDropReason[] = ['loss', 'mtu', 'queueFull', 'partition', 'proxyQueueFull', 'clientLimit', 'expired', 'sendFailed'];

/** Who changed the network while the proxy ran: the scenario's timeline or the control API. */
export type NetworkChangeSource = 'timeline' | 'control';

/** How to open a {@link UdpProxy}. */
export interface UdpProxyOptions {
  /** Where clients send: an IPv4 or IPv6 literal (default '127.0.0.1', loopback only) and a port (0 = any free one). */
  listen: { address?: string; port: number };
  /** The real ENet server: an IPv4 or IPv6 literal and a port. */
  target: SocketAddress;
  /** The link client→server and server→client (resolved, see resolveLinkConfig); fixed unless changed through the proxy. Ignored when `network` is given. */
  linkUp?: ResolvedLinkConfig;
  linkDown?: ResolvedLinkConfig;
  /** The links as a network that changes over time (a scenario's links and timeline, the control API); instead of linkUp/linkDown. */
  network?: ProxyNetwork;
  /** Seed of the link streams; each client gets its own pair, forked as `client-N/client->server` and `client-N/server->client`. */
  seed: number;
  /** A client silent this long (both ways) loses its mapping and upstream socket. Default 60 000. */
  idleMs?: number;
  /** Clients mapped at once; datagrams from further clients are dropped (`clientLimit`). Default 64. */
  maxClients?: number;
  /** Bytes waiting in the delay heap at once; further datagrams are dropped (`proxyQueueFull`). Default 16 MiB. */
  maxQueuedBytes?: number;
  /** Called for each notable happening (a new client, an expired one, a refused one, ENet handshake and disconnect). */
  onEvent?: (event: ProxyEvent) => void;
  /** Called at each step of each datagram (arrived, dropped, forwarded): what a session trace is written from (proxy-trace.ts). */
  onDatagram?: (event: ProxyDatagramEvent) => void;
}

/**
 * One step of one datagram through the proxy. `id` numbers datagrams in arrival order from 0; a copy
 * the link made (duplicate) keeps its original's id. `client` is null for a datagram from a client
 * refused by --max-clients. `atMs` is ms since the proxy started (fractional). The bytes are the
 * proxy's own buffers: copy them to keep them.
 */
export type ProxyDatagramEvent =
  | { phase: 'sent'; atMs: number; id: number; client: number | null; address: SocketAddress; direction: ProxyDirection; bytes: Uint8Array; read: WireReadResult }
  | { phase: 'dropped'; atMs: number; id: number; client: number | null; address: SocketAddress; direction: ProxyDirection; sizeBytes: number; reason: ProxyDropReason }
  | { phase: 'delivered'; atMs: number; id: number; client: number; address: SocketAddress; direction: ProxyDirection; bytes: Uint8Array; read: WireReadResult; duplicate: boolean; corrupted: boolean };

export const PROXY_DEFAULTS = { idleMs: 60_000, maxClients: 64, maxQueuedBytes: 16 * 1024 * 1024 } as const;

/** Largest number of accuracy samples kept for percentiles; beyond it only the count and the maximum grow. */
export const ACCURACY_SAMPLES_MAX = 1_000_000;
/** Reliable commands awaiting their ACK tracked per client and direction; further ones are not tracked. */
export const PENDING_RELIABLE_MAX = 4096;
/** DISCONNECT commands remembered per client. */
export const DISCONNECTS_KEPT_MAX = 16;
/** Closed (expired) connections whose ENet reading the summary keeps, the most recent; older ones are only counted. */
export const CLOSED_CONNECTIONS_KEPT_MAX = 1024;

export type ProxyEvent =
  | { type: 'client'; atMs: number; client: number; address: SocketAddress; upstreamPort: number }
  | { type: 'expired'; atMs: number; client: number; address: SocketAddress }
  | { type: 'refused'; atMs: number; address: SocketAddress; maxClients: number }
  | { type: 'handshake'; atMs: number; client: number; command: 'CONNECT' | 'VERIFY_CONNECT' }
  | { type: 'disconnect'; atMs: number; client: number; direction: ProxyDirection; data: number };

/** Counters of one direction. */
export interface ProxyDirectionStats {
  datagramsIn: number;
  bytesIn: number;
  datagramsOut: number;
  bytesOut: number;
  dropped: Record<ProxyDropReason, number>;
  duplicated: number;
  corrupted: number;
  /** Datagrams (copies included) that waited in the delay heap rather than leaving at once. */
  delayed: number;
  /**
   * Datagrams (copies included) waiting now: in the delay heap, or kept by a hold. So, at any time,
   * datagramsIn + duplicated = datagramsOut + every dropped reason + pending.
   */
  pending: number;
}

/** Min / mean / max of a set of ms values; null fields when there is none. */
export interface MsSummary {
  count: number;
  meanMs: number | null;
  minMs: number | null;
  maxMs: number | null;
}

/** What the passive ENet reader saw on one client's connection. */
export interface EnetObservation {
  connectSeen: boolean;
  verifyConnectSeen: boolean;
  disconnects: { direction: ProxyDirection; data: number; atMs: number }[];
  /** Per direction: command name → channel → count (ENet's system channel is 255). */
  commands: Record<ProxyDirection, Record<string, Record<string, number>>>;
  /** Per direction: reliable commands sent again (same channel and reliable sequence number before its ACK went back). */
  retransmissions: Record<ProxyDirection, number>;
  /**
   * Per direction of the reliable command: time from the proxy receiving it from its sender to the proxy
   * forwarding the ACK to that sender (both link delays and the receiver's ACK delay included).
   * Retransmitted commands are left out (Karn's rule: which copy was acknowledged is unknown).
   */
  rtt: Record<ProxyDirection, MsSummary>;
  /** Datagrams that arrived and could not be read as ENet (all reasons). */
  undecoded: number;
  /** The same by reason: `checksumMismatch` is a datagram its receiver's ENet drops too. */
  undecodedByReason: Partial<Record<WireReadFailure, number>>;
  /**
   * Each side's framing as learned from its datagrams: whether they carry ENet's checksum, and which
   * of Godot's compressors wrote the compressed ones (null: none seen yet). Two sides that differ
   * cannot talk: that is the mismatch `serve` and `connect` report from inside.
   */
  framing: Record<ProxyDirection, WireFraming>;
}

/** The whole session so far. */
export interface ProxySummary {
  seed: number;
  durationMs: number;
  clients: number;
  directions: Record<ProxyDirection, ProxyDirectionStats>;
  /** Actual send time minus intended forwarding time, over every forwarded datagram. */
  accuracy: { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
  /** The open connections and the most recent {@link CLOSED_CONNECTIONS_KEPT_MAX} closed ones, in client order. */
  connections: ProxyConnection[];
  /** Closed connections left out of `connections` (older than the kept ones): counted, not described. */
  connectionsOmitted: number;
  /** Changes made to the network while running, by source, and what each direction is now. */
  network: { changes: Record<NetworkChangeSource, number>; up: ProxyDirectionState; down: ProxyDirectionState };
}

/** One client's connection as the summary shows it. */
export interface ProxyConnection {
  client: number;
  address: string;
  port: number;
  enet: EnetObservation;
}

function newDirectionStats(): ProxyDirectionStats {
  const dropped = Object.fromEntries(PROXY_DROP_REASONS.map((reason) => [reason, 0])) as Record<ProxyDropReason, number>;
  return { datagramsIn: 0, bytesIn: 0, datagramsOut: 0, bytesOut: 0, dropped, duplicated: 0, corrupted: 0, delayed: 0, pending: 0 };
}

function other(direction: ProxyDirection): ProxyDirection {
  return direction === 'up' ? 'down' : 'up';
}

// ---- the delay heap --------------------------------------------------------------------------------

/** A binary min-heap ordered by `dueAtMs`, ties by insertion order. */
export class TimerHeap<T extends { dueAtMs: number }> {
  private readonly items: { value: T; sequence: number }[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0]?.value;
  }

  push(value: T): void {
    this.items.push({ value, sequence: this.nextSequence++ });
    let index = this.items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top === undefined) return undefined;
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < this.items.length && this.less(left, smallest)) smallest = left;
        if (right < this.items.length && this.less(right, smallest)) smallest = right;
        if (smallest === index) break;
        this.swap(index, smallest);
        index = smallest;
      }
    }
    return top.value;
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a]!;
    const y = this.items[b]!;
    return x.value.dueAtMs < y.value.dueAtMs || (x.value.dueAtMs === y.value.dueAtMs && x.sequence < y.sequence);
  }

  private swap(a: number, b: number): void {
    const held = this.items[a]!;
    this.items[a] = this.items[b]!;
    this.items[b] = held;
  }
}

// ---- passive ENet reading ---------------------------------------------------------------------------

class RunningMs {
  count = 0;
  private sumMs = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = Number.NEGATIVE_INFINITY;

  add(valueMs: number): void {
    this.count += 1;
    this.sumMs += valueMs;
    this.minMs = Math.min(this.minMs, valueMs);
    this.maxMs = Math.max(this.maxMs, valueMs);
  }

  summary(): MsSummary {
    if (this.count === 0) return { count: 0, meanMs: null, minMs: null, maxMs: null };
    return { count: this.count, meanMs: round3(this.sumMs / this.count), minMs: round3(this.minMs), maxMs: round3(this.maxMs) };
  }
}

function round3(valueMs: number): number {
  return Math.round(valueMs * 1000) / 1000;
}

interface PendingReliable {
  firstAtMs: number;
  retransmitted: boolean;
}

/**
 * Reads one client's datagrams as ENet without taking part. Its {@link ConnectionWireReader} learns
 * each side's framing (checksum slot, compressor) from the datagrams; the proxy reads each datagram
 * with it once as it arrives and once as it leaves, and hands the readings here.
 */
export class EnetObserver {
  connectSeen = false;
  verifyConnectSeen = false;
  readonly wire = new ConnectionWireReader();
  readonly disconnects: EnetObservation['disconnects'] = [];
  private readonly undecoded: Partial<Record<WireReadFailure, number>> = {};
  private readonly commands: EnetObservation['commands'] = { up: {}, down: {} };
  private readonly retransmissions: Record<ProxyDirection, number> = { up: 0, down: 0 };
  private readonly pending: Record<ProxyDirection, Map<number, PendingReliable>> = { up: new Map(), down: new Map() };
  private readonly rtt: Record<ProxyDirection, RunningMs> = { up: new RunningMs(), down: new RunningMs() };

  constructor(private readonly onHandshake: (command: 'CONNECT' | 'VERIFY_CONNECT') => void, private readonly onDisconnect: (direction: ProxyDirection, data: number) => void) {}

  /** A datagram the proxy received from its sender (before the link), as read. */
  handleIngress(direction: ProxyDirection, read: WireReadResult, atMs: number): void {
    if (!read.ok) {
      this.undecoded[read.reason] = (this.undecoded[read.reason] ?? 0) + 1;
      return;
    }
    for (const command of read.commands) {
      const byChannel = (this.commands[direction][command.name] ??= {});
      byChannel[String(command.channelID)] = (byChannel[String(command.channelID)] ?? 0) + 1;
      if (command.command === Command.connect && !this.connectSeen) {
        this.connectSeen = true;
        this.onHandshake('CONNECT');
      } else if (command.command === Command.verifyConnect && !this.verifyConnectSeen) {
        this.verifyConnectSeen = true;
        this.onHandshake('VERIFY_CONNECT');
      } else if (command.command === Command.disconnect) {
        const data = command.fields['data'] ?? 0;
        if (this.disconnects.length < DISCONNECTS_KEPT_MAX) this.disconnects.push({ direction, data, atMs: round3(atMs) });
        this.onDisconnect(direction, data);
      }
      if (command.acknowledge) this.sawReliable(direction, command.channelID * 65536 + command.reliableSequenceNumber, atMs);
    }
  }

  /** A datagram the proxy forwarded (after the link, at the moment it left), as read. */
  handleEgress(direction: ProxyDirection, read: WireReadResult, atMs: number): void {
    if (!read.ok) return;
    // An ACK going `direction` acknowledges a reliable command that travelled the other way.
    const pending = this.pending[other(direction)];
    for (const command of read.commands) {
      if (command.command !== Command.acknowledge) continue;
      const key = command.channelID * 65536 + (command.fields['receivedReliableSequenceNumber'] ?? 0);
      const entry = pending.get(key);
      if (entry === undefined) continue;
      pending.delete(key);
      if (!entry.retransmitted) this.rtt[other(direction)].add(atMs - entry.firstAtMs);
    }
  }

  private sawReliable(direction: ProxyDirection, key: number, atMs: number): void {
    const pending = this.pending[direction];
    const entry = pending.get(key);
    if (entry !== undefined) {
      entry.retransmitted = true;
      this.retransmissions[direction] += 1;
      return;
    }
    if (pending.size < PENDING_RELIABLE_MAX) pending.set(key, { firstAtMs: atMs, retransmitted: false });
  }

  observation(): EnetObservation {
    return {
      connectSeen: this.connectSeen,
      verifyConnectSeen: this.verifyConnectSeen,
      disconnects: this.disconnects.map((entry) => ({ ...entry })),
      commands: { up: sortedCommands(this.commands.up), down: sortedCommands(this.commands.down) },
      retransmissions: { ...this.retransmissions },
      rtt: { up: this.rtt.up.summary(), down: this.rtt.down.summary() },
      undecoded: Object.values(this.undecoded).reduce((sum, count) => sum + count, 0),
      undecodedByReason: Object.fromEntries(Object.entries(this.undecoded).sort(([a], [b]) => a.localeCompare(b))),
      framing: { up: { ...this.wire.up.framing }, down: { ...this.wire.down.framing } },
    };
  }
}

function sortedCommands(commands: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
  const sorted: Record<string, Record<string, number>> = {};
  for (const name of Object.keys(commands).sort()) {
    const channels = commands[name]!;
    sorted[name] = Object.fromEntries(Object.keys(channels).sort((a, b) => Number(a) - Number(b)).map((channel) => [channel, channels[channel]!]));
  }
  return sorted;
}

// ---- the proxy --------------------------------------------------------------------------------------

function describeConnection(session: Session): ProxyConnection {
  return { client: session.index, address: session.client.address, port: session.client.port, enet: session.enet.observation() };
}

interface Session {
  index: number;
  key: string;
  client: SocketAddress;
  upstream: dgram.Socket;
  links: SessionLinks;
  /** Latest intended forwarding time per direction, so order the link kept is kept on the wire. */
  lastIntendedAtMs: Record<ProxyDirection, number>;
  lastDeliveryAtMs: Record<ProxyDirection, number>;
  lastActiveAtMs: number;
  enet: EnetObserver;
  closed: boolean;
}

/** A copy on its way out: which datagram it is and what the link did to it (for onDatagram). */
interface Copy {
  id: number;
  duplicate: boolean;
  corrupted: boolean;
}

interface Scheduled {
  dueAtMs: number;
  session: Session;
  direction: ProxyDirection;
  bytes: Uint8Array;
  copy: Copy;
}

/**
 * A UDP proxy between ENet clients and one ENet server. Each client gets its own upstream socket (so
 * the server sees each client as a separate peer) and its own pair of links. A datagram's fate comes
 * from the simulator's `Link`, fed with whole ms since the proxy started (monotonic clock); delayed
 * datagrams wait in a min-heap with one timer armed for the earliest. The simulator itself never sees
 * the wall clock: this file converts.
 */
export class UdpProxy {
  private readonly sessions = new Map<string, Session>();
  private readonly heap = new TimerHeap<Scheduled>();
  private readonly stats: Record<ProxyDirection, ProxyDirectionStats> = { up: newDirectionStats(), down: newDirectionStats() };
  private readonly accuracySamplesMs: number[] = [];
  private accuracyCount = 0;
  private accuracyMaxMs = Number.NEGATIVE_INFINITY;
  /**
   * What closed sessions saw, the most recent last; bounded (a flood of short-lived clients must not
   * grow it): trimmed to CLOSED_CONNECTIONS_KEPT_MAX, the rest only counted.
   */
  private closedConnections: ProxyConnection[] = [];
  private closedConnectionsOmitted = 0;
  private clientCount = 0;
  private nextDatagramId = 0;
  /** The arrival number of each datagram a hold keeps, so its steps keep one id when a release lets it go. */
  private readonly heldIds = new WeakMap<Uint8Array, number>();
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAtMs: number | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private refusedWarned = false;
  private closed = false;
  private readonly master: RandomStream;
  private readonly idleMs: number;
  private readonly maxClients: number;
  private readonly maxQueuedBytes: number;
  private readonly network: ProxyNetwork;
  private readonly changes: Record<NetworkChangeSource, number> = { timeline: 0, control: 0 };

  private constructor(
    private readonly listenSocket: dgram.Socket,
    private readonly options: UdpProxyOptions,
    private readonly originMs: number,
  ) {
    this.master = RandomStream.root(options.seed);
    this.idleMs = options.idleMs ?? PROXY_DEFAULTS.idleMs;
    this.maxClients = options.maxClients ?? PROXY_DEFAULTS.maxClients;
    this.maxQueuedBytes = options.maxQueuedBytes ?? PROXY_DEFAULTS.maxQueuedBytes;
    if (options.network === undefined && (options.linkUp === undefined || options.linkDown === undefined)) throw new Error('UdpProxy: give either network or both linkUp and linkDown');
    this.network = options.network ?? ProxyNetwork.fixed(options.linkUp!, options.linkDown!);
  }

  /** Binds the listening socket and starts forwarding. Rejects when the address cannot be bound. */
  static async open(options: UdpProxyOptions): Promise<UdpProxy> {
    const listenAddress = options.listen.address ?? '127.0.0.1';
    const family = addressFamily(listenAddress);
    if (family === null) throw new Error(`listen address must be an IPv4 or IPv6 literal, got '${listenAddress}'`);
    if (addressFamily(options.target.address) === null) throw new Error(`target address must be an IPv4 or IPv6 literal, got '${options.target.address}'`);
    const socket = dgram.createSocket({ type: family === 'IPv4' ? 'udp4' : 'udp6', ipv6Only: family === 'IPv6' });
    await bindSocket(socket, listenAddress, options.listen.port);
    const proxy = new UdpProxy(socket, options, performance.now());
    socket.on('message', (data, remote) => proxy.handleClientDatagram(data, { address: remote.address, port: remote.port }));
    socket.on('error', () => undefined);
    const idleMs = proxy.idleMs;
    proxy.idleTimer = setInterval(() => proxy.expireIdle(), Math.max(10, Math.min(1000, Math.floor(idleMs / 4))));
    proxy.idleTimer.unref();
    return proxy;
  }

  /** The address clients send to. */
  get localAddress(): SocketAddress {
    const { address, port } = this.listenSocket.address();
    return { address, port };
  }

  /** ms since the proxy started (monotonic, fractional). */
  nowMs(): number {
    return performance.now() - this.originMs;
  }

  /** The upstream ports in use, by client index (for tests and the summary). */
  upstreamPorts(): number[] {
    return [...this.sessions.values()].map((session) => session.upstream.address().port);
  }

  private handleClientDatagram(data: Buffer, client: SocketAddress): void {
    if (this.closed) return;
    const key = `${client.address}|${client.port}`;
    let session = this.sessions.get(key);
    if (session === undefined) {
      if (this.sessions.size >= this.maxClients) {
        this.countIn('up', data.length);
        this.stats.up.dropped.clientLimit += 1;
        if (this.options.onDatagram !== undefined) {
          const id = this.nextDatagramId++;
          const atMs = this.nowMs();
          const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
          this.options.onDatagram({ phase: 'sent', atMs, id, client: null, address: client, direction: 'up', bytes, read: new ConnectionWireReader().read('up', bytes) });
          this.options.onDatagram({ phase: 'dropped', atMs, id, client: null, address: client, direction: 'up', sizeBytes: data.length, reason: 'clientLimit' });
        }
        if (!this.refusedWarned) {
          this.refusedWarned = true;
          this.options.onEvent?.({ type: 'refused', atMs: round3(this.nowMs()), address: client, maxClients: this.maxClients });
        }
        return;
      }
      session = this.openSession(key, client);
    }
    this.handleDatagram(session, 'up', new Uint8Array(data.buffer, data.byteOffset, data.length));
  }

  private openSession(key: string, client: SocketAddress): Session {
    const index = ++this.clientCount;
    const targetFamily = addressFamily(this.options.target.address)!;
    const upstream = dgram.createSocket({ type: targetFamily === 'IPv4' ? 'udp4' : 'udp6', ipv6Only: targetFamily === 'IPv6' });
    const bindAddress = isLoopbackAddress(this.options.target.address) ? (targetFamily === 'IPv4' ? '127.0.0.1' : '::1') : targetFamily === 'IPv4' ? '0.0.0.0' : '::';
    const session: Session = {
      index,
      key,
      client,
      upstream,
      links: this.network.openSession(this.master.fork(`client-${index}`)),
      lastIntendedAtMs: { up: Number.NEGATIVE_INFINITY, down: Number.NEGATIVE_INFINITY },
      lastDeliveryAtMs: { up: Number.NEGATIVE_INFINITY, down: Number.NEGATIVE_INFINITY },
      lastActiveAtMs: this.nowMs(),
      enet: new EnetObserver(
        (command) => this.options.onEvent?.({ type: 'handshake', atMs: round3(this.nowMs()), client: index, command }),
        (direction, data) => this.options.onEvent?.({ type: 'disconnect', atMs: round3(this.nowMs()), client: index, direction, data }),
      ),
      closed: false,
    };
    this.sessions.set(key, session);
    upstream.on('message', (data, remote) => {
      if (session.closed || remote.port !== this.options.target.port || remote.address !== this.options.target.address) return;
      this.handleDatagram(session, 'down', new Uint8Array(data.buffer, data.byteOffset, data.length));
    });
    upstream.on('error', () => undefined);
    // bind() is asynchronous, but sends queue behind it in Node, so datagrams may be forwarded at once.
    upstream.bind(0, bindAddress, () => {
      if (!session.closed) this.options.onEvent?.({ type: 'client', atMs: round3(this.nowMs()), client: index, address: client, upstreamPort: upstream.address().port });
    });
    return session;
  }

  private countIn(direction: ProxyDirection, sizeBytes: number): void {
    this.stats[direction].datagramsIn += 1;
    this.stats[direction].bytesIn += sizeBytes;
  }

  private handleDatagram(session: Session, direction: ProxyDirection, bytes: Uint8Array): void {
    const arrivedAtMs = this.nowMs();
    session.lastActiveAtMs = arrivedAtMs;
    this.countIn(direction, bytes.length);
    const read = session.enet.wire.read(direction, bytes);
    session.enet.handleIngress(direction, read, arrivedAtMs);
    const id = this.nextDatagramId++;
    this.options.onDatagram?.({ phase: 'sent', atMs: arrivedAtMs, id, client: session.index, address: session.client, direction, bytes, read });
    this.putOnLink(session, direction, bytes, arrivedAtMs, id);
    this.arm();
  }

  /** Counts a datagram the proxy did not forward and reports the step. */
  private drop(session: Session, direction: ProxyDirection, id: number, atMs: number, sizeBytes: number, reason: ProxyDropReason): void {
    this.stats[direction].dropped[reason] += 1;
    this.options.onDatagram?.({ phase: 'dropped', atMs, id, client: session.index, address: session.client, direction, sizeBytes, reason });
  }

  /**
   * A datagram enters the link at `arrivedAtMs` (when it arrived, or when a hold let it go), as the
   * simulator's transmit does. `id` is its number in arrival order (a held datagram keeps its own).
   */
  private putOnLink(session: Session, direction: ProxyDirection, bytes: Uint8Array, arrivedAtMs: number, id: number): void {
    const stats = this.stats[direction];
    const virtualNowMs = Math.floor(arrivedAtMs);
    if (session.links.isHeld(direction)) {
      if (this.queuedBytes + bytes.length > this.maxQueuedBytes || !session.links.hold(direction, bytes, virtualNowMs)) {
        this.drop(session, direction, id, arrivedAtMs, bytes.length, 'proxyQueueFull');
        return;
      }
      this.heldIds.set(bytes, id);
      this.queuedBytes += bytes.length;
      stats.pending += 1;
      return;
    }
    if (session.links.isPartitioned(direction)) {
      this.drop(session, direction, id, arrivedAtMs, bytes.length, 'partition');
      return;
    }
    const outcomes = session.links.transmit(direction, virtualNowMs, bytes);
    for (const outcome of outcomes) {
      if (outcome.kind === 'drop') {
        this.drop(session, direction, id, arrivedAtMs, bytes.length, outcome.reason);
        continue;
      }
      if (outcome.duplicate) stats.duplicated += 1;
      if (outcome.corrupted) stats.corrupted += 1;
      const copy: Copy = { id, duplicate: outcome.duplicate, corrupted: outcome.corrupted };
      const dueAtMs = this.intendedAtMs(session, direction, outcome, arrivedAtMs, virtualNowMs);
      if (dueAtMs <= arrivedAtMs) {
        this.forward(session, direction, outcome.bytes, dueAtMs, copy);
        continue;
      }
      if (this.queuedBytes + outcome.bytes.length > this.maxQueuedBytes) {
        this.drop(session, direction, id, arrivedAtMs, outcome.bytes.length, 'proxyQueueFull');
        continue;
      }
      stats.delayed += 1;
      stats.pending += 1;
      this.queuedBytes += outcome.bytes.length;
      this.heap.push({ dueAtMs, session, direction, bytes: outcome.bytes, copy });
    }
  }

  /**
   * The wall time (ms since start) a delivery should leave: the arrival time plus the delay the link
   * chose (its whole-ms delivery time minus the whole ms it was given), so a 50 ms latency is 50 ms
   * after the datagram arrived, not after the ms began. Where the link kept order (a delivery no earlier
   * than the previous one), the wire keeps it too.
   */
  private intendedAtMs(session: Session, direction: ProxyDirection, delivery: LinkDelivery, arrivedAtMs: number, virtualNowMs: number): number {
    let dueAtMs = arrivedAtMs + (delivery.atMs - virtualNowMs);
    if (delivery.atMs >= session.lastDeliveryAtMs[direction]) dueAtMs = Math.max(dueAtMs, session.lastIntendedAtMs[direction]);
    session.lastDeliveryAtMs[direction] = Math.max(session.lastDeliveryAtMs[direction], delivery.atMs);
    session.lastIntendedAtMs[direction] = Math.max(session.lastIntendedAtMs[direction], dueAtMs);
    return dueAtMs;
  }

  private forward(session: Session, direction: ProxyDirection, bytes: Uint8Array, intendedAtMs: number, copy: Copy): void {
    const stats = this.stats[direction];
    if (session.closed) return this.drop(session, direction, copy.id, this.nowMs(), bytes.length, 'expired');
    // A partition loses what is on the cable too, as in the simulator.
    if (session.links.isPartitioned(direction)) return this.drop(session, direction, copy.id, this.nowMs(), bytes.length, 'partition');
    const sentAtMs = this.nowMs();
    try {
      if (direction === 'up') session.upstream.send(bytes, this.options.target.port, this.options.target.address);
      else this.listenSocket.send(bytes, session.client.port, session.client.address);
    } catch {
      return this.drop(session, direction, copy.id, this.nowMs(), bytes.length, 'sendFailed');
    }
    stats.datagramsOut += 1;
    stats.bytesOut += bytes.length;
    this.recordAccuracy(sentAtMs - intendedAtMs);
    // Read again as it leaves: a corrupted copy reads as its receiver will read it.
    const read = session.enet.wire.read(direction, bytes);
    session.enet.handleEgress(direction, read, sentAtMs);
    this.options.onDatagram?.({ phase: 'delivered', atMs: sentAtMs, id: copy.id, client: session.index, address: session.client, direction, bytes, read, duplicate: copy.duplicate, corrupted: copy.corrupted });
  }

  private recordAccuracy(errorMs: number): void {
    this.accuracyCount += 1;
    this.accuracyMaxMs = Math.max(this.accuracyMaxMs, errorMs);
    if (this.accuracySamplesMs.length < ACCURACY_SAMPLES_MAX) this.accuracySamplesMs.push(errorMs);
  }

  /** Arms the one timer for the earliest due datagram (or re-arms it when an earlier one arrived). */
  private arm(): void {
    const next = this.heap.peek();
    if (next === undefined || this.closed) return;
    if (this.timer !== null && this.timerDueAtMs !== null && this.timerDueAtMs <= next.dueAtMs) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerDueAtMs = next.dueAtMs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(next.dueAtMs - this.nowMs())));
  }

  private fire(): void {
    this.timer = null;
    this.timerDueAtMs = null;
    const nowMs = this.nowMs();
    for (;;) {
      const next = this.heap.peek();
      if (next === undefined || next.dueAtMs > nowMs) break;
      this.heap.pop();
      this.queuedBytes -= next.bytes.length;
      this.stats[next.direction].pending -= 1;
      this.forward(next.session, next.direction, next.bytes, next.dueAtMs, next.copy);
    }
    this.arm();
  }

  private expireIdle(): void {
    const nowMs = this.nowMs();
    for (const session of [...this.sessions.values()]) {
      if (nowMs - session.lastActiveAtMs < this.idleMs) continue;
      this.closeSession(session);
      this.options.onEvent?.({ type: 'expired', atMs: round3(nowMs), client: session.index, address: session.client });
    }
  }

  private closeSession(session: Session): void {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session.key);
    // What a hold kept for this client goes with it: dropped as expired when the client idled out (as
    // its datagrams still in the heap are when they come due); uncounted when the proxy stops, as the heap's.
    const nowMs = this.nowMs();
    for (const released of session.links.apply({ kind: 'release', directions: ['up', 'down'] }, Math.floor(nowMs))) {
      this.queuedBytes -= released.bytes.length;
      if (this.closed) continue;
      this.stats[released.direction].pending -= 1;
      this.drop(session, released.direction, this.heldIds.get(released.bytes) ?? this.nextDatagramId++, nowMs, released.bytes.length, 'expired');
    }
    session.upstream.close();
    this.closedConnections.push(describeConnection(session));
    // Trimmed in batches so that keeping the newest costs O(1) per closed session.
    if (this.closedConnections.length >= 2 * CLOSED_CONNECTIONS_KEPT_MAX) {
      const excess = this.closedConnections.length - CLOSED_CONNECTIONS_KEPT_MAX;
      this.closedConnections = this.closedConnections.slice(excess);
      this.closedConnectionsOmitted += excess;
    }
  }

  /**
   * Changes the network now, for every client (and for clients that appear later): at the whole ms
   * since the start, as the simulator's timeline would. A release puts what the hold kept on the link
   * now, in order. Returns the ms it applied at, or why it was refused (an invalid merged link, too
   * many changes); a refused change changes nothing.
   */
  changeNetwork(change: ProxyNetworkChange, source: NetworkChangeSource): { ok: true; atMs: number } | { ok: false; reason: string } {
    const nowMs = this.nowMs();
    const atMs = Math.floor(nowMs);
    const problem = this.network.check(change, atMs);
    if (problem !== null) return { ok: false, reason: problem };
    this.network.record(change, atMs);
    this.changes[source] += 1;
    for (const session of this.sessions.values()) {
      for (const released of session.links.apply(change, atMs)) {
        this.queuedBytes -= released.bytes.length;
        this.stats[released.direction].pending -= 1;
        this.putOnLink(session, released.direction, released.bytes, nowMs, this.heldIds.get(released.bytes) ?? this.nextDatagramId++);
      }
    }
    this.arm();
    return { ok: true, atMs };
  }

  /** What each direction is now (configuration, partition, hold), for every client. */
  networkState(): Record<ProxyDirection, ProxyDirectionState> {
    const nowMs = Math.floor(this.nowMs());
    return { up: this.network.state('up', nowMs), down: this.network.state('down', nowMs) };
  }

  /** The latency of `direction` now, ms (a lag spike adds to it). */
  latencyMs(direction: ProxyDirection): number {
    return this.network.latencyMs(direction, Math.floor(this.nowMs()));
  }

  /** Clients mapped now. */
  get clientsMapped(): number {
    return this.sessions.size;
  }

  /** Counters, accuracy and what each connection's ENet said, so far. */
  summary(): ProxySummary {
    const sorted = [...this.accuracySamplesMs].sort((a, b) => a - b);
    const omittedNow = Math.max(0, this.closedConnections.length - CLOSED_CONNECTIONS_KEPT_MAX);
    const kept = this.closedConnections.slice(omittedNow);
    const percentile = (fraction: number): number | null => (sorted.length === 0 ? null : round3(sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!));
    return {
      seed: this.options.seed,
      durationMs: Math.round(this.nowMs()),
      clients: this.clientCount,
      directions: { up: structuredClone(this.stats.up), down: structuredClone(this.stats.down) },
      accuracy: { count: this.accuracyCount, p50Ms: percentile(0.5), p99Ms: percentile(0.99), maxMs: this.accuracyCount === 0 ? null : round3(this.accuracyMaxMs) },
      connections: [...kept, ...[...this.sessions.values()].map(describeConnection)].sort((a, b) => a.client - b.client),
      connectionsOmitted: this.closedConnectionsOmitted + omittedNow,
      network: { changes: { ...this.changes }, ...this.networkState() },
    };
  }

  /** Stops: datagrams still in the heap are dropped uncounted, every socket closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    for (const session of [...this.sessions.values()]) this.closeSession(session);
    await new Promise<void>((resolve) => this.listenSocket.close(() => resolve()));
  }
}
