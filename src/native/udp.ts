// The ENet core on a real UDP socket: a Node `dgram` socket (IPv4 or IPv6), a monotonic clock and a
// paced service loop around the sans-IO `Host`. Everything that touches the operating system lives
// here; the core stays unchanged and does not know it is on a real network.

import * as dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';

import { CHECKSUM_SIZE_BYTES, Defaults, HEADER_FLAG_COMPRESSED, HEADER_FLAG_SENT_TIME, PacketFlag, PeerState, Protocol, type ProtocolProfile } from '../enet/constants.js';
import { readU32 } from '../enet/codec.js';
import { identifyCompressors, type CompressionName } from '../enet/compressors.js';
import { crc32 } from '../enet/crc32.js';
import { EventType } from '../enet/events.js';
import { ipv4ToWire, wireToIpv4 } from '../enet/godot.js';
import { Host, type Compressor, type WireAddress } from '../enet/host.js';
import { Packet, type Peer, type SendResult } from '../enet/peer.js';
import type { TransitionCause } from '../enet/peer-state.js';

/** A real socket endpoint: an IPv4 or IPv6 literal and a UDP port. */
export interface SocketAddress {
  address: string;
  port: number;
}

export type AddressFamily = 'IPv4' | 'IPv6';

/** ENet's retransmission timeout rule for a peer (enet_peer_timeout); 0 in a field means ENet's default. */
export interface PeerTimeout {
  /** Retransmission backoff limit (ENet default 32). */
  limit: number;
  /** A peer is dropped only after this long without an acknowledgement (ENet default 5000 ms). */
  minimumMs: number;
  /** A peer is dropped after this long without an acknowledgement, whatever the backoff (ENet default 30000 ms). */
  maximumMs: number;
}

/** How to open a {@link UdpHost}. Every default is ENet's unless it says otherwise. */
export interface UdpHostOptions {
  /** IPv4 or IPv6 literal to bind; the socket family follows it. Default '127.0.0.1' (loopback only). */
  bindAddress?: string;
  /** UDP port to bind; 0 picks a free one (see {@link UdpHost.localAddress}). Default 0. */
  bindPort?: number;
  /** Peer slots, 1..4095. Default 32 (Godot's default). */
  peerCount?: number;
  /** Channels per peer, 0..255 (0 = 255). Default 0. */
  channelLimit?: number;
  /** Downstream bandwidth in bytes/second, 0 = unlimited. Default 0. */
  incomingBandwidthBytesPerSecond?: number;
  /** Upstream bandwidth in bytes/second, 0 = unlimited. Default 0. */
  outgoingBandwidthBytesPerSecond?: number;
  /** Which ENet to behave as (docs/godot.md). Default '1.3.18' (the upstream ENet Godot 4.2 onwards is based on). */
  profile?: ProtocolProfile;
  /** Overrides the profile's MTU (1392 for 1.3.18, 1400 for 1.3.17). */
  mtuBytes?: number;
  /** ENet's CRC-32 on every datagram (host->checksum = enet_crc32); both ends must agree. Default false. */
  checksum?: boolean;
  /** Datagram compression (enet_host_compress); both ends must agree. Default none. */
  compressor?: Compressor | null;
  /** host->maximumPacketSize: larger packets are refused on send and on receipt. Default 32 MiB. */
  maximumPacketSizeBytes?: number;
  /** host->maximumWaitingData: a peer holding this much received data queues no more. Default 32 MiB. */
  maximumWaitingDataBytes?: number;
  /** host->duplicatePeers: peers allowed from one IP address. Default 4095 (no limit). */
  duplicatePeers?: number;
  /**
   * Bytes of received datagrams the core holds between two service calls before it drops new ones
   * (its model of the socket buffer). Default 256 KiB (ENET_HOST_RECEIVE_BUFFER_SIZE).
   */
  receiveBufferSizeBytes?: number;
  /**
   * SO_RCVBUF and SO_SNDBUF of the real socket (Linux doubles them and caps them at
   * net.core.rmem_max / wmem_max). libenet sets 256 KiB; the default here is 1 MiB because a
   * Node event loop drains its socket later than a C loop does, and a burst of fragments (a
   * 200 000-byte packet is 144 datagrams) then overflows 256 KiB: reliable data is resent, but an
   * unreliable packet loses a fragment and is dropped whole.
   */
  socketBufferSizeBytes?: number;
  /**
   * Applied to every peer when it starts connecting (either way), like Godot's set_timeout right
   * after connect. Short values free the slots of half-open connections sooner. Default: ENet's.
   * When set, the adapter uses the core's `host.onPeerStateChange` hook for it.
   */
  peerTimeout?: PeerTimeout | null;
  /** How often the loop services the host when nothing arrives (timers, retransmits, pings), in ms. Default 5. */
  serviceIntervalMs?: number;
  /** host->randomSeed (connect ids are drawn from it). Default: a random value. */
  randomSeed?: number;
  /** IPv6 only: how many remote IPv6 addresses may be mapped at once (see {@link AddressMap}). Default 4 × peerCount + 1024. */
  addressTableCapacity?: number;
  /** ENet time in ms; default: the monotonic clock (see {@link monotonicClockMs}). Injectable for tests. */
  clock?: () => number;
}

/**
 * Why a peer went away, from the cause the core gave its last state change: 'timeout' (no
 * acknowledgement in time: the retransmission limit or the maximum timeout), 'remote' (the peer
 * sent DISCONNECT), 'local' (our own disconnect was acknowledged) or 'other' (a refused handshake,
 * a reset).
 */
export type DisconnectCause = 'timeout' | 'remote' | 'local' | 'other';

/** The {@link DisconnectCause} of a core state change cause. */
export function disconnectCauseOf(cause: TransitionCause | undefined): DisconnectCause {
  switch (cause) {
    case 'timeoutLimit':
    case 'timeoutMaximum':
      return 'timeout';
    case 'disconnectReceived':
    case 'disconnectAcknowledgementSent':
      return 'remote';
    case 'disconnect':
    case 'disconnectLater':
    case 'disconnectAcknowledged':
      return 'local';
    default:
      return 'other';
  }
}

/** What the service loop hands out. `remote` is the real socket address of the peer at that moment. */
export type UdpHostEvent =
  | { type: 'connect'; peer: Peer; remote: SocketAddress; data: number }
  | { type: 'disconnect'; peer: Peer; remote: SocketAddress; data: number; cause: DisconnectCause }
  | { type: 'receive'; peer: Peer; remote: SocketAddress; channelID: number; packet: Packet };

/** Counters of the socket side; the core's own counters are on `host` (droppedDatagrams, totals). */
export interface UdpHostStats {
  datagramsReceived: number;
  bytesReceived: number;
  datagramsSent: number;
  bytesSent: number;
  /** socket.send callbacks that reported an error (ECONNREFUSED, ENOBUFS…). */
  sendErrors: number;
  /** 'error' events of the socket after it was bound. */
  socketErrors: number;
  /** Datagrams the core refused because its receive buffer was full. */
  droppedReceiveBufferFull: number;
  /** IPv6: datagrams from a new address while the address table was full. */
  droppedAddressTableFull: number;
  /** Datagrams the core sent to a wire address with no real address (should stay 0). */
  droppedUnknownDestination: number;
  /**
   * With checksums off: handshake datagrams (peer ID 4095) that carry a valid ENet CRC-32 after
   * their header, so the sender uses checksums and this host cannot parse them (the core sees the
   * checksum as a command and stops). Found by {@link carriesChecksum}.
   */
  datagramsWithUnexpectedChecksum: number;
  /** Service calls that returned -1 (1.3.17 on a datagram over 4096 bytes). */
  serviceErrors: number;
  /** Events handed to `onEvent`. */
  eventsDispatched: number;
  /** Service loop iterations (ticks). */
  ticks: number;
}

/** At most this many service calls per tick: a tick ends even when datagrams keep coming. */
export const SERVICE_CALLS_PER_TICK_MAX = 4096;
/** The monotonic clock starts here, so that ENet never sees time 0 (its "not yet" value in several fields). */
export const CLOCK_EPOCH_MS = 1_000_000;
/** The shortest service interval; Node's timers do not resolve less than 1 ms. */
export const SERVICE_INTERVAL_MS_MIN = 1;
/** The longest service interval; ENet's timers (pings every 500 ms, timeouts) need more often than this. */
export const SERVICE_INTERVAL_MS_MAX = 100;

const DEFAULT_PEER_COUNT = 32;
const DEFAULT_SERVICE_INTERVAL_MS = 5;
const DEFAULT_SOCKET_BUFFER_SIZE_BYTES = 1024 * 1024;

/**
 * Returns an ENet clock: whole milliseconds from `performance.now()` (monotonic, unaffected by wall
 * clock changes), starting at {@link CLOCK_EPOCH_MS}. The core wraps it to uint32 as ENet does.
 */
export function monotonicClockMs(): () => number {
  const startMs = performance.now();
  return () => CLOCK_EPOCH_MS + Math.floor(performance.now() - startMs);
}

/** The family of an IP literal, or null when it is not one. */
export function addressFamily(address: string): AddressFamily | null {
  if (isIPv4(address)) return 'IPv4';
  if (isIPv6(address)) return 'IPv6';
  return null;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return address.startsWith('127.');
  if (!isIPv6(address)) return false;
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped !== null && mapped[1]!.startsWith('127.');
}

/** The first synthetic host: 240.0.0.1 (class E, reserved, never a real peer), in ENet's byte order. */
const SYNTHETIC_HOST_BASE = ipv4ToWire('240.0.0.0')!;
/** Synthetic hosts are 240.0.0.1 … 240.255.255.254: 2^24 − 2 values. */
const SYNTHETIC_HOST_COUNT = (1 << 24) - 2;

/**
 * Maps real socket addresses to the addresses the ENet core sees.
 *
 * ENet stores a peer's address as an IPv4 uint32 and a port (ENetAddress), and the core keeps that
 * shape so that it matches libenet field for field. On an IPv4 socket the mapping is the identity
 * (`ipv4ToWire`). On an IPv6 socket each distinct remote IP address gets a synthetic IPv4 host from
 * the reserved block 240.0.0.0/8 (never 0 = ENET_HOST_ANY, never 255.255.255.255 =
 * ENET_HOST_BROADCAST, which the core treats specially) and keeps its real port; the core then
 * matches, connects and replies as usual, and the adapter translates each outgoing datagram back.
 * An IPv4-mapped address seen on a dual-stack socket (::ffff:a.b.c.d) is just another IPv6 address.
 *
 * The table is bounded (`capacity`): a flood from many addresses cannot grow it without limit. When
 * it is full a datagram from a new address is dropped, and {@link sweep} frees every mapping no peer
 * uses. Synthetic hosts are handed out round-robin, so a freed one is reused only after all others.
 */
export class AddressMap {
  private readonly hostByAddress = new Map<string, number>();
  private readonly addressByHost = new Map<number, string>();
  private nextOffset = 0;

  constructor(
    readonly family: AddressFamily,
    /** IPv6 only: the most addresses mapped at once. */
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > SYNTHETIC_HOST_COUNT) {
      throw new RangeError(`address table capacity must be 1..${SYNTHETIC_HOST_COUNT}, got ${capacity}`);
    }
  }

  /** IPv6 addresses mapped now (always 0 for IPv4). */
  get size(): number {
    return this.hostByAddress.size;
  }

  /** The wire address for a real one, creating a mapping when needed; null when the table is full or the literal is invalid. */
  toWire(remote: SocketAddress): WireAddress | null {
    if (this.family === 'IPv4') {
      const host = ipv4ToWire(remote.address);
      return host === null ? null : { host, port: remote.port };
    }
    const key = remote.address.toLowerCase();
    const known = this.hostByAddress.get(key);
    if (known !== undefined) return { host: known, port: remote.port };
    if (this.hostByAddress.size >= this.capacity || !isIPv6(key)) return null;
    const host = this.allocateHost();
    this.hostByAddress.set(key, host);
    this.addressByHost.set(host, key);
    return { host, port: remote.port };
  }

  /** The real address behind a wire address, or null when it was never mapped. */
  toSocket(wire: WireAddress): SocketAddress | null {
    if (this.family === 'IPv4') return { address: wireToIpv4(wire.host), port: wire.port };
    const address = this.addressByHost.get(wire.host);
    return address === undefined ? null : { address, port: wire.port };
  }

  /** Forgets every mapping whose synthetic host `inUse` rejects; returns how many were freed. */
  sweep(inUse: (host: number) => boolean): number {
    let freedCount = 0;
    for (const [address, host] of this.hostByAddress) {
      if (inUse(host)) continue;
      this.hostByAddress.delete(address);
      this.addressByHost.delete(host);
      freedCount++;
    }
    return freedCount;
  }

  private allocateHost(): number {
    // The table holds at most `capacity` ≤ SYNTHETIC_HOST_COUNT entries and one is free (checked by
    // the caller), so this finds a free host within SYNTHETIC_HOST_COUNT steps.
    for (let step = 0; step < SYNTHETIC_HOST_COUNT; step++) {
      const offset = this.nextOffset;
      this.nextOffset = (this.nextOffset + 1) % SYNTHETIC_HOST_COUNT;
      // 240.a.b.c with a.b.c = offset + 1. ENet keeps the address in network byte order, so read
      // as a little-endian uint32 the first octet (240) is the low byte and c the high one.
      const value = offset + 1;
      const host = (SYNTHETIC_HOST_BASE | ((value >>> 16) & 0xff) << 8 | ((value >>> 8) & 0xff) << 16 | (value & 0xff) << 24) >>> 0;
      if (!this.addressByHost.has(host)) return host;
    }
    throw new Error('address map invariant: no free synthetic host although the table is below capacity');
  }
}

/** The drop reasons of a compressed datagram this end cannot read. */
export type CompressedDropReason = 'compressionUnsupported' | 'decompressionFailed';
/** The most of a dropped compressed datagram kept for {@link UdpHost.peerCompressors} (ENet's largest MTU). */
export const COMPRESSED_DROP_SAMPLE_BYTES_MAX = Protocol.maximumMtuBytes;

/**
 * An ENet host on a real UDP socket.
 *
 * Open it with {@link UdpHost.open}; it then services itself: every datagram that arrives is handed
 * to the core (`handleDatagram`) and serviced at once (setImmediate), and a timer services it every
 * `serviceIntervalMs` for ENet's timers. Each service tick calls `Host.service` until it has no
 * event and no datagram left (at most {@link SERVICE_CALLS_PER_TICK_MAX} calls), hands each event
 * to `onEvent`, then sends what the core emitted (`pollDatagrams`) with `socket.send`. Sends and
 * disconnects made in `onEvent` go out in the same tick (the last service call sends them); made
 * between ticks, they make a tick run at once.
 *
 * The core is reachable as `host` for ENet's raw fields and limits. Call {@link shutdown} or
 * {@link close} when done: the socket and timer keep the process alive until then.
 */
export class UdpHost {
  /** The first datagram dropped for each compression reason (a copy), for {@link peerCompressors}. */
  private readonly compressedDropSamples = new Map<CompressedDropReason, Uint8Array>();
  private readonly identifiedCompressors = new Map<CompressedDropReason, readonly CompressionName[]>();
  /** Called for every ENet event, synchronously inside a service tick. */
  onEvent: ((event: UdpHostEvent) => void) | null = null;
  readonly stats: UdpHostStats = {
    datagramsReceived: 0,
    bytesReceived: 0,
    datagramsSent: 0,
    bytesSent: 0,
    sendErrors: 0,
    socketErrors: 0,
    droppedReceiveBufferFull: 0,
    droppedAddressTableFull: 0,
    droppedUnknownDestination: 0,
    datagramsWithUnexpectedChecksum: 0,
    serviceErrors: 0,
    eventsDispatched: 0,
    ticks: 0,
  };
  /** The last socket or send error, for diagnostics. */
  lastError: Error | null = null;

  private readonly clock: () => number;
  private readonly serviceIntervalMs: number;
  private readonly peerTimeout: PeerTimeout | null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;
  private sweepRequested = false;
  private readonly tickWaiters = new Set<() => void>();
  /** Per peer slot: the core's cause of the last change to ZOMBIE or DISCONNECTED, read when the DISCONNECT event is handed out. */
  private readonly leaveCauses = new Map<number, TransitionCause>();

  private constructor(
    /** The ENet core this adapter drives. */
    readonly host: Host,
    private readonly socket: dgram.Socket,
    /** Real ↔ wire addresses. */
    readonly addresses: AddressMap,
    /** The bound address and port. */
    readonly localAddress: SocketAddress & { family: AddressFamily },
    options: UdpHostOptions,
  ) {
    this.clock = options.clock ?? monotonicClockMs();
    this.serviceIntervalMs = options.serviceIntervalMs ?? DEFAULT_SERVICE_INTERVAL_MS;
    this.peerTimeout = options.peerTimeout ?? null;
    const timeout = this.peerTimeout;
    host.onPeerStateChange = (peerIndex, _from, to, cause) => {
      if (timeout !== null && (to === PeerState.STATE_CONNECTING || to === PeerState.STATE_ACKNOWLEDGING_CONNECT)) {
        host.peers[peerIndex]!.setTimeout(timeout.limit, timeout.minimumMs, timeout.maximumMs);
      }
      // Handing out the DISCONNECT event moves ZOMBIE to DISCONNECTED with 'eventDispatched': keep the cause before it.
      if ((to === PeerState.STATE_ZOMBIE || to === PeerState.STATE_DISCONNECTED) && cause !== 'eventDispatched') this.leaveCauses.set(peerIndex, cause);
    };
    host.onDatagramDropped = (reason, datagram) => {
      if (reason !== 'compressionUnsupported' && reason !== 'decompressionFailed') return;
      if (this.compressedDropSamples.has(reason)) return;
      this.compressedDropSamples.set(reason, datagram.slice(0, COMPRESSED_DROP_SAMPLE_BYTES_MAX));
    };
    socket.on('message', (data, remote) => this.handleMessage(data, remote));
    socket.on('error', (error) => {
      this.stats.socketErrors++;
      this.lastError = error;
    });
    this.scheduleTimer();
  }

  /**
   * Binds a socket and creates the host. Rejects with a message a person can act on when the
   * options are invalid or the address cannot be bound (EADDRINUSE, EADDRNOTAVAIL…).
   */
  static async open(options: UdpHostOptions = {}): Promise<UdpHost> {
    const bindAddress = options.bindAddress ?? '127.0.0.1';
    const family = addressFamily(bindAddress);
    if (family === null) throw new Error(`bind address must be an IPv4 or IPv6 literal, got '${bindAddress}'`);
    const bindPort = options.bindPort ?? 0;
    if (!Number.isInteger(bindPort) || bindPort < 0 || bindPort > 65535) throw new RangeError(`bind port must be 0..65535, got ${bindPort}`);
    const serviceIntervalMs = options.serviceIntervalMs ?? DEFAULT_SERVICE_INTERVAL_MS;
    if (!(serviceIntervalMs >= SERVICE_INTERVAL_MS_MIN && serviceIntervalMs <= SERVICE_INTERVAL_MS_MAX)) {
      throw new RangeError(`service interval must be ${SERVICE_INTERVAL_MS_MIN}..${SERVICE_INTERVAL_MS_MAX} ms, got ${serviceIntervalMs}`);
    }
    const peerCount = options.peerCount ?? DEFAULT_PEER_COUNT;
    const receiveBufferSizeBytes = options.receiveBufferSizeBytes ?? Defaults.hostReceiveBufferSizeBytes;
    const host = createCoreHost(options, peerCount, receiveBufferSizeBytes);
    const addresses = new AddressMap(family, options.addressTableCapacity ?? 4 * peerCount + 1024);
    const socketBufferSizeBytes = options.socketBufferSizeBytes ?? DEFAULT_SOCKET_BUFFER_SIZE_BYTES;
    const socket = dgram.createSocket({
      type: family === 'IPv4' ? 'udp4' : 'udp6',
      recvBufferSize: socketBufferSizeBytes,
      sendBufferSize: socketBufferSizeBytes,
    });
    await bindSocket(socket, bindAddress, bindPort);
    const bound = socket.address();
    const localAddress = { address: bound.address, port: bound.port, family };
    return new UdpHost(host, socket, addresses, localAddress, { ...options, serviceIntervalMs });
  }

  /** The current ENet time of this adapter's clock, in ms. */
  nowMs(): number {
    return this.clock();
  }

  /**
   * Starts connecting to `remote` (enet_host_connect) with `channelCount` channels (1..255) and
   * 32-bit `data`. The address must be a literal of the socket's family.
   */
  connect(remote: SocketAddress, channelCount: number, data = 0): { ok: true; peer: Peer } | { ok: false; reason: string } {
    if (this.closed) return { ok: false, reason: 'the host is closed' };
    if (!Number.isInteger(remote.port) || remote.port < 1 || remote.port > 65535) return { ok: false, reason: `port must be 1..65535, got ${remote.port}` };
    if (addressFamily(remote.address) !== this.localAddress.family) {
      return { ok: false, reason: `'${remote.address}' is not an ${this.localAddress.family} literal (the socket is ${this.localAddress.family})` };
    }
    const wire = this.addresses.toWire(remote);
    if (wire === null) return { ok: false, reason: 'the address table is full' };
    const peer = this.host.connect(wire, channelCount, data);
    if (peer === null) return { ok: false, reason: 'no free peer slot' };
    this.requestTick();
    return { ok: true, peer };
  }

  /** enet_peer_send of a copy of `data` with ENET_PACKET_FLAG_* `flags`; sent by the next tick. */
  send(peer: Peer, channelID: number, data: Uint8Array, flags: number): SendResult {
    const result = peer.send(channelID, new Packet(data.slice(), flags));
    if (result.ok) this.requestTick();
    return result;
  }

  /** enet_peer_disconnect: a DISCONNECT event follows its acknowledgement (or the peer's timeout). */
  disconnect(peer: Peer, data = 0): void {
    peer.disconnect(data, this.clock());
    this.requestTick();
  }

  /** enet_peer_disconnect_later: disconnects once everything queued has been acknowledged. */
  disconnectLater(peer: Peer, data = 0): void {
    peer.disconnectLater(data, this.clock());
    this.requestTick();
  }

  /** enet_peer_disconnect_now: one unsequenced DISCONNECT, the slot is freed at once, no event. */
  disconnectNow(peer: Peer, data = 0): void {
    peer.disconnectNow(data, this.clock());
    this.sendPolled();
  }

  /** The real address of a peer (as last seen), or null when it has none. */
  remoteOf(peer: Peer): SocketAddress | null {
    return this.addresses.toSocket(peer.address);
  }

  /** Peers that are not DISCONNECTED. */
  activePeers(): Peer[] {
    return this.host.peers.filter((peer) => peer.state !== PeerState.STATE_DISCONNECTED);
  }

  /**
   * Resolves true after the first service tick at which `predicate` holds, false when `timeoutMs`
   * passes first (null: no deadline) or the host is closed. The predicate runs after each tick, so
   * at least every `serviceIntervalMs`.
   */
  waitUntil(predicate: () => boolean, timeoutMs: number | null): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      let deadline: NodeJS.Timeout | null = null;
      const finish = (value: boolean): void => {
        if (deadline !== null) clearTimeout(deadline);
        this.tickWaiters.delete(check);
        resolve(value);
      };
      const check = (): void => {
        if (this.closed) finish(false);
        else if (predicate()) finish(true);
      };
      if (timeoutMs !== null) deadline = setTimeout(() => finish(predicate()), timeoutMs);
      this.tickWaiters.add(check);
    });
  }

  /**
   * Graceful end: enet_peer_disconnect(`data`) on every active peer (with `later`,
   * enet_peer_disconnect_later: what is queued is sent and acknowledged first; enet_peer_disconnect
   * discards it), services until each has gone
   * (DISCONNECT events are handed to `onEvent`) or `timeoutMs` passes; then enet_peer_disconnect_now
   * on every peer still there, and closes the socket. A peer that never acknowledged was still told:
   * its reliable DISCONNECT went out and was resent meanwhile (ENet's disconnect_now sends nothing
   * more for a peer already disconnecting; it frees the slot, and sends one unsequenced DISCONNECT
   * to a peer in any other state). Returns how many peers were asked to disconnect, whether some
   * were still there at the end, and how many of those got the disconnect_now.
   */
  async shutdown(data = 0, timeoutMs = 1000, options: { later?: boolean } = {}): Promise<{ disconnectingCount: number; timedOut: boolean; forcedCount: number }> {
    if (this.closed) return { disconnectingCount: 0, timedOut: false, forcedCount: 0 };
    const peers = this.activePeers();
    for (const peer of peers) {
      if (options.later === true) peer.disconnectLater(data, this.clock());
      else peer.disconnect(data, this.clock());
    }
    this.requestTick();
    const done = await this.waitUntil(() => this.activePeers().length === 0, timeoutMs);
    const remaining = this.closed ? [] : this.activePeers();
    for (const peer of remaining) peer.disconnectNow(data, this.clock());
    this.sendPolled();
    await this.close();
    return { disconnectingCount: peers.length, timedOut: !done, forcedCount: remaining.length };
  }

  /**
   * Which compressors read the first datagram the core dropped for `reason` (compressionUnsupported
   * or decompressionFailed): see {@link identifyCompressors}. Null while no such datagram has been
   * dropped. Worked out once per reason, on the first call, not as datagrams arrive.
   */
  peerCompressors(reason: CompressedDropReason): readonly CompressionName[] | null {
    const known = this.identifiedCompressors.get(reason);
    if (known !== undefined) return known;
    const sample = this.compressedDropSamples.get(reason);
    if (sample === undefined) return null;
    const readers = identifyCompressors(sample, { checksum: this.host.checksumEnabled });
    this.identifiedCompressors.set(reason, readers);
    return readers;
  }

  /** Stops the loop and closes the socket at once; peers are not told. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    for (const waiter of [...this.tickWaiters]) waiter();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---- the loop --------------------------------------------------------------------------------

  private handleMessage(data: Buffer, remote: dgram.RemoteInfo): void {
    if (this.closed) return;
    this.stats.datagramsReceived++;
    this.stats.bytesReceived += data.length;
    const wire = this.addresses.toWire({ address: remote.address, port: remote.port });
    if (wire === null) {
      this.stats.droppedAddressTableFull++;
      this.sweepRequested = true;
      return;
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
    if (!this.host.checksumEnabled && carriesChecksum(bytes)) this.stats.datagramsWithUnexpectedChecksum++;
    if (!this.host.handleDatagram(wire, bytes)) this.stats.droppedReceiveBufferFull++;
    this.requestTick();
  }

  /** Services soon (setImmediate), once however many requests come before it runs. */
  private requestTick(): void {
    if (this.closed || this.immediate !== null) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.tick();
    });
  }

  private scheduleTimer(): void {
    if (this.closed) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
    }, this.serviceIntervalMs);
  }

  private tick(): void {
    if (this.closed) return;
    this.stats.ticks++;
    try {
      // A tick that hit its bound leaves work behind: come back at once rather than after the interval.
      if (!this.serviceAll()) this.requestTick();
      this.sendPolled();
      if (this.sweepRequested && this.host.pendingDatagramCount === 0) this.sweepAddresses();
    } finally {
      this.scheduleTimer();
      for (const waiter of [...this.tickWaiters]) waiter();
    }
  }

  /**
   * The application loop `while (enet_host_service(host, &event, 0) > 0)`, bounded. It ends with a
   * service call that found no event, and that call sent everything queued so far, including what
   * `onEvent` queued. Returns false when it stopped at the bound with work left.
   */
  private serviceAll(): boolean {
    for (let call = 0; call < SERVICE_CALLS_PER_TICK_MAX; call++) {
      if (this.closed) return true;
      const { result, event } = this.host.service(this.clock());
      if (result < 0) {
        this.stats.serviceErrors++;
        continue;
      }
      if (result === 0) {
        if (this.host.pendingDatagramCount === 0) return true;
        continue;
      }
      const peer = event.peer!;
      const remote = this.addresses.toSocket(peer.address) ?? { address: '', port: peer.address.port };
      this.stats.eventsDispatched++;
      switch (event.type) {
        case EventType.EVENT_CONNECT:
          this.onEvent?.({ type: 'connect', peer, remote, data: event.data });
          break;
        case EventType.EVENT_DISCONNECT: {
          const cause = disconnectCauseOf(this.leaveCauses.get(peer.incomingPeerID));
          this.leaveCauses.delete(peer.incomingPeerID);
          this.onEvent?.({ type: 'disconnect', peer, remote, data: event.data, cause });
          break;
        }
        case EventType.EVENT_RECEIVE:
          this.onEvent?.({ type: 'receive', peer, remote, channelID: event.channelID, packet: event.packet! });
          break;
        default:
          break;
      }
    }
    return false;
  }

  private sendPolled(): void {
    for (const datagram of this.host.pollDatagrams()) {
      const remote = this.addresses.toSocket(datagram.address);
      if (remote === null) {
        this.stats.droppedUnknownDestination++;
        continue;
      }
      this.stats.datagramsSent++;
      this.stats.bytesSent += datagram.data.length;
      this.socket.send(datagram.data, remote.port, remote.address, (error) => {
        if (error === null || error === undefined) return;
        this.stats.sendErrors++;
        this.lastError = error;
      });
    }
  }

  private sweepAddresses(): void {
    this.sweepRequested = false;
    const inUse = new Set<number>();
    for (const peer of this.host.peers) if (peer.state !== PeerState.STATE_DISCONNECTED) inUse.add(peer.address.host);
    this.addresses.sweep((host) => inUse.has(host));
  }
}

function createCoreHost(options: UdpHostOptions, peerCount: number, receiveBufferSizeBytes: number): Host {
  const host = new Host({
    peerCount,
    channelLimit: options.channelLimit ?? 0,
    incomingBandwidth: options.incomingBandwidthBytesPerSecond ?? 0,
    outgoingBandwidth: options.outgoingBandwidthBytesPerSecond ?? 0,
    profile: options.profile ?? '1.3.18',
    // Connect ids must differ between runs and hosts, as libenet's do (it seeds from the time).
    randomSeed: options.randomSeed ?? randomInt(0, 2 ** 32 - 1),
    checksum: options.checksum ?? false,
    receiveBufferSizeBytes,
    ...(options.mtuBytes !== undefined ? { mtu: options.mtuBytes } : {}),
  });
  if (options.maximumPacketSizeBytes !== undefined) host.maximumPacketSize = options.maximumPacketSizeBytes;
  if (options.maximumWaitingDataBytes !== undefined) host.maximumWaitingData = options.maximumWaitingDataBytes;
  if (options.duplicatePeers !== undefined) host.duplicatePeers = options.duplicatePeers;
  if (options.compressor !== undefined && options.compressor !== null) host.compress(options.compressor);
  return host;
}

/** Binds `socket` to address:port, or rejects with a message naming the endpoint (and closes the socket). */
export function bindSocket(socket: dgram.Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.close();
      reject(new Error(`cannot bind UDP ${address.includes(':') ? `[${address}]` : address}:${port}: ${error.message}`));
    };
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.removeListener('error', onError);
      resolve();
    });
  });
}

/**
 * True when `datagram` is a handshake datagram (peer ID 4095, uncompressed) whose 4 bytes after the
 * header are ENet's CRC-32 of it (computed with those bytes set to 0, the connect ID a CONNECT
 * carries): the sender has checksums on. A host without checksums reads those bytes as a command
 * and drops the datagram, so without this a client with checksums is ignored without a word. Only
 * handshake datagrams are looked at: a peer with checksums never gets further, and this keeps the
 * CRC off the path of ordinary traffic. A random match is a 1 in 2^32 chance.
 */
export function carriesChecksum(datagram: Uint8Array): boolean {
  if (datagram.length < 2) return false;
  const word = (datagram[0]! << 8) | datagram[1]!;
  if ((word & 0x0fff) !== Protocol.maximumPeerId || (word & HEADER_FLAG_COMPRESSED) !== 0) return false;
  const headerSizeBytes = word & HEADER_FLAG_SENT_TIME ? 4 : 2;
  if (datagram.length < headerSizeBytes + CHECKSUM_SIZE_BYTES + 4) return false;
  const carried = readU32(datagram, headerSizeBytes);
  const seeded = datagram.slice();
  seeded.fill(0, headerSizeBytes, headerSizeBytes + CHECKSUM_SIZE_BYTES);
  return crc32([seeded]) === carried;
}

/** The ENET_PACKET_FLAG_* bits an application may send with (the others are ENet's own). */
export const SENDABLE_FLAGS = PacketFlag.reliable | PacketFlag.unsequenced | PacketFlag.unreliableFragment;

/** A packet kind by its flags as received: 'reliable', 'unsequenced', 'unreliableFragment' or 'unreliable'. */
export function packetKind(flags: number): 'reliable' | 'unsequenced' | 'unreliableFragment' | 'unreliable' {
  if (flags & PacketFlag.reliable) return 'reliable';
  if (flags & PacketFlag.unsequenced) return 'unsequenced';
  if (flags & PacketFlag.unreliableFragment) return 'unreliableFragment';
  return 'unreliable';
}

/**
 * Parses `HOST:PORT`: an IPv4 literal, `[IPv6]`, or a host name (resolved by the caller). The port
 * must be 1..65535.
 */
export function parseHostPort(text: string): { ok: true; host: string; port: number } | { ok: false; reason: string } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const plain = /^([^:[\]]+):(\d+)$/.exec(text);
  const match = bracketed ?? plain;
  if (match === null) {
    const hint = (text.match(/:/g) ?? []).length > 1 ? ' (write IPv6 addresses in brackets: [::1]:7777)' : '';
    return { ok: false, reason: `'${text}' is not HOST:PORT${hint}` };
  }
  const port = Number(match[2]);
  if (!(port >= 1 && port <= 65535)) return { ok: false, reason: `port ${match[2]} is not in 1..65535` };
  const host = match[1]!;
  if (bracketed !== null && !isIPv6(host)) return { ok: false, reason: `'${host}' is not an IPv6 address` };
  // Digits and dots only is an IPv4 address or a mistake, never a host name to look up (a lookup of
  // 999.1.1.1 fails as "not found" and reads like a network problem).
  if (/^[\d.]+$/.test(host) && !isIPv4(host)) return { ok: false, reason: `'${host}' is not an IPv4 address (four numbers 0..255 separated by dots)` };
  return { ok: true, host, port };
}

/**
 * A literal stays as it is; a host name is looked up (the first address the system resolver gives).
 * `notFound` is true when the name does not exist (ENOTFOUND): the user's input, not the network.
 */
export async function resolveHostAddress(host: string): Promise<{ ok: true; address: string } | { ok: false; reason: string; notFound: boolean }> {
  if (addressFamily(host) !== null) return { ok: true, address: host };
  try {
    const { address } = await lookup(host);
    return { ok: true, address };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { ok: false, reason: `cannot resolve '${host}': ${code ?? (error as Error).message}`, notFound: code === 'ENOTFOUND' };
  }
}
