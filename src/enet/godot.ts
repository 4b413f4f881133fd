// Godot 4's ENet API (modules/enet: ENetConnection, ENetPacketPeer) over the sans-IO core, with
// Godot's names in camelCase and Godot's enum values unchanged. The clock is injected: the
// simulator passes its virtual clock, a real-socket adapter a monotonic one.
import { copyBytes } from './byte-slab.js';
import { Defaults, PacketFlag, PeerState } from './constants.js';
import { EventType } from './events.js';
import { Host, type Datagram, type WireAddress } from './host.js';
import { Packet, type Peer } from './peer.js';
import { createCompressor, type CompressionName } from './compressors.js';
import type { ProtocolProfile } from './constants.js';

export { EventType, PeerState };

/** Godot's `Error` values that these methods return. */
export const GodotError = {
  OK: 0,
  FAILED: 1,
  ERR_UNAVAILABLE: 2,
  ERR_UNCONFIGURED: 3,
  ERR_CANT_CREATE: 20,
  ERR_ALREADY_IN_USE: 22,
  ERR_INVALID_PARAMETER: 31,
} as const;
export type GodotError = (typeof GodotError)[keyof typeof GodotError];

/** ENetPacketPeer.PeerStatistic: which raw ENetPeer field getStatistic returns. */
export const PeerStatistic = {
  /** packetLoss: reliable retransmission timeouts per command sent, smoothed, scaled by PACKET_LOSS_SCALE (65536). */
  PEER_PACKET_LOSS: 0,
  /** packetLossVariance, same scale. */
  PEER_PACKET_LOSS_VARIANCE: 1,
  /** packetLossEpoch: ENet clock (ms) of the last packet-loss update. */
  PEER_PACKET_LOSS_EPOCH: 2,
  /** roundTripTime: smoothed RTT in ms. */
  PEER_ROUND_TRIP_TIME: 3,
  /** roundTripTimeVariance in ms. */
  PEER_ROUND_TRIP_TIME_VARIANCE: 4,
  /**
   * lastRoundTripTime: NOT the last RTT sample (as Godot's docs say) but the lowest smoothed RTT of
   * the previous throttle interval, in ms; the throttle compares samples against it.
   */
  PEER_LAST_ROUND_TRIP_TIME: 5,
  /** lastRoundTripTimeVariance: the highest variance of the previous throttle interval (at least 1), ms. */
  PEER_LAST_ROUND_TRIP_TIME_VARIANCE: 6,
  /** packetThrottle: 0..32, the share (t+1)/32 of unreliable packets sent (all of them at 32). */
  PEER_PACKET_THROTTLE: 7,
  /** packetThrottleLimit: ceiling for the throttle set by the bandwidth throttle, 0..32. */
  PEER_PACKET_THROTTLE_LIMIT: 8,
  /**
   * packetThrottleCounter: the live 0..31 counter of the unreliable drop rule (it steps by 7 per
   * unreliable packet). Godot's docs call it "hardcoded to 7": that is the step, not this value.
   */
  PEER_PACKET_THROTTLE_COUNTER: 9,
  /** packetThrottleEpoch: ENet clock (ms) when the current throttle interval began. */
  PEER_PACKET_THROTTLE_EPOCH: 10,
  /** packetThrottleAcceleration: throttle step up, default 2. */
  PEER_PACKET_THROTTLE_ACCELERATION: 11,
  /** packetThrottleDeceleration: throttle step down, default 2. */
  PEER_PACKET_THROTTLE_DECELERATION: 12,
  /** packetThrottleInterval: the interval over which the lowest RTT is measured, ms, default 5000. */
  PEER_PACKET_THROTTLE_INTERVAL: 13,
} as const;
export type PeerStatistic = (typeof PeerStatistic)[keyof typeof PeerStatistic];

/** ENetConnection.HostStatistic: host totals that popStatistic returns and zeroes. */
export const HostStatistic = {
  /** Bytes sent (UDP payload, compressed size). */
  HOST_TOTAL_SENT_DATA: 0,
  /** Datagrams sent. */
  HOST_TOTAL_SENT_PACKETS: 1,
  /** Bytes received (UDP payload, before decompression). */
  HOST_TOTAL_RECEIVED_DATA: 2,
  /** Datagrams received. */
  HOST_TOTAL_RECEIVED_PACKETS: 3,
} as const;
export type HostStatistic = (typeof HostStatistic)[keyof typeof HostStatistic];

/** ENetConnection.CompressionMode. */
export const CompressionMode = {
  COMPRESS_NONE: 0,
  COMPRESS_RANGE_CODER: 1,
  COMPRESS_FASTLZ: 2,
  COMPRESS_ZLIB: 3,
  COMPRESS_ZSTD: 4,
} as const;
export type CompressionMode = (typeof CompressionMode)[keyof typeof CompressionMode];

/** Our name of each CompressionMode other than COMPRESS_NONE. */
const COMPRESSION_NAME_BY_MODE: ReadonlyMap<number, CompressionName> = new Map([
  [CompressionMode.COMPRESS_RANGE_CODER, 'range-coder'],
  [CompressionMode.COMPRESS_FASTLZ, 'fastlz'],
  [CompressionMode.COMPRESS_ZLIB, 'zlib'],
  [CompressionMode.COMPRESS_ZSTD, 'zstd'],
]);

/** ENetPacketPeer constants. */
export const PACKET_LOSS_SCALE = Defaults.peerPacketLossScale;
export const PACKET_THROTTLE_SCALE = Defaults.peerPacketThrottleScale;
export const FLAG_RELIABLE = PacketFlag.reliable;
export const FLAG_UNSEQUENCED = PacketFlag.unsequenced;
export const FLAG_UNRELIABLE_FRAGMENT = PacketFlag.unreliableFragment;
const FLAG_ALLOWED = FLAG_RELIABLE | FLAG_UNSEQUENCED | FLAG_UNRELIABLE_FRAGMENT;

/** Parses dotted IPv4 into ENet's in-memory form (network byte order read as a little-endian uint32). */
export function ipv4ToWire(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : NaN));
  if (bytes.some((byte) => !(byte >= 0 && byte <= 255))) return null;
  return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
}

export function wireToIpv4(host: number): string {
  return [host & 0xff, (host >>> 8) & 0xff, (host >>> 16) & 0xff, host >>> 24].join('.');
}

/** How an ENetConnection meets the world: its clock and its identity. */
export interface ENetConnectionOptions {
  /** Returns the current ENet time in ms (wrapped to uint32 by the core). Called on service/flush/disconnects. */
  clock: () => number;
  /** host->randomSeed after creation (connect ids derive from it). Default 0. */
  randomSeed?: number;
  /**
   * Which ENet to behave as. Default '1.3.18': upstream 1.3.18, whose protocol code Godot 4.0.4,
   * 4.1.2 and 4.2 onwards bundle, without Godot's socket patch. To match a Godot build exactly, pick
   * its profile: 'godot-4.2' (Godot 4.0.4, 4.1.2–4.1.4, 4.2–4.7: 1.3.18 plus the socket patch, so a
   * peer connected to 255.255.255.255 accepts nothing from other addresses), 'godot-4.0' (Godot
   * 4.0.0–4.0.3, 4.1.0–4.1.1: 1.3.17 plus the socket patch), or 'godot-pr118158' (godot-4.2 plus the
   * unmerged long-timeouts patch). docs/godot.md lists the sources.
   */
  profile?: ProtocolProfile;
  /** The local address and port createHost (unbound) reports; createHostBound uses its own. Default 0.0.0.0:0. */
  localAddress?: { address: string; port: number };
  /** Enables ENet's CRC-32 datagram checksum (no Godot API has it; both ends must agree). Default false. */
  checksum?: boolean;
}

/** The array Godot's service() returns: [type, peer, data, channel]. */
export type ServiceEvent = [EventType, ENetPacketPeer | null, number, number];

/**
 * Godot's ENetConnection: one ENet host. Datagrams to send are collected and taken with
 * `pollDatagrams`; datagrams that arrive are handed in with `handleDatagram`.
 */
export class ENetConnection {
  private host: Host | null = null;
  private peers: ENetPacketPeer[] = [];

  constructor(private readonly options: ENetConnectionOptions) {}

  /** The core host, for tools that need ENet's raw fields; null before createHost. */
  get core(): Host | null {
    return this.host;
  }

  /**
   * Creates a host bound to `bindAddress:bindPort` ("*" = any). `maxPeers` 1..4095 (default 32),
   * `maxChannels` 0..255 (0 = 255), bandwidths in bytes/s (0 = unlimited). Returns a GodotError.
   */
  createHostBound(bindAddress: string, bindPort: number, maxPeers = 32, maxChannels = 0, inBandwidth = 0, outBandwidth = 0): GodotError {
    const host = bindAddress === '*' ? 0 : ipv4ToWire(bindAddress);
    if (host === null) return GodotError.ERR_INVALID_PARAMETER;
    if (!(bindPort >= 0 && bindPort <= 65535)) return GodotError.ERR_INVALID_PARAMETER;
    return this.create({ host, port: bindPort }, maxPeers, maxChannels, inBandwidth, outBandwidth);
  }

  /** Creates an unbound host (a client); same parameters and defaults as createHostBound. */
  createHost(maxPeers = 32, maxChannels = 0, inBandwidth = 0, outBandwidth = 0): GodotError {
    const local = this.options.localAddress ?? { address: '0.0.0.0', port: 0 };
    return this.create({ host: ipv4ToWire(local.address) ?? 0, port: local.port }, maxPeers, maxChannels, inBandwidth, outBandwidth);
  }

  private create(address: WireAddress, maxPeers: number, maxChannels: number, inBandwidth: number, outBandwidth: number): GodotError {
    if (this.host !== null) return GodotError.ERR_ALREADY_IN_USE;
    if (!(maxPeers >= 1 && maxPeers <= 4095)) return GodotError.ERR_INVALID_PARAMETER;
    if (!(maxChannels >= 0 && maxChannels <= 255)) return GodotError.ERR_INVALID_PARAMETER;
    if (!(inBandwidth >= 0) || !(outBandwidth >= 0)) return GodotError.ERR_INVALID_PARAMETER;
    this.host = new Host({
      address,
      peerCount: maxPeers,
      channelLimit: maxChannels,
      incomingBandwidth: inBandwidth,
      outgoingBandwidth: outBandwidth,
      randomSeed: this.options.randomSeed ?? 0,
      profile: this.options.profile ?? '1.3.18',
      checksum: this.options.checksum ?? false,
    });
    return GodotError.OK;
  }

  /**
   * Starts a connection to `address:port` with `channels` channels (0 = 255) and 32-bit `data`.
   * Like Godot, refuses (null) when this connection already has a peer, or the port is not 1..65535.
   */
  connectToHost(address: string, port: number, channels = 0, data = 0): ENetPacketPeer | null {
    const host = this.host;
    if (host === null || this.peers.length > 0 || !(port >= 1 && port <= 65535)) return null;
    const wire = ipv4ToWire(address);
    if (wire === null) return null;
    const peer = host.connect({ host: wire, port }, channels > 0 ? channels : 255, data);
    if (peer === null) return null;
    const wrapper = new ENetPacketPeer(peer, this.options.clock);
    this.peers.push(wrapper);
    return wrapper;
  }

  /**
   * One `enet_host_service` at the clock's current time. `timeoutMs` is accepted for Godot
   * compatibility and ignored: in virtual time nothing can arrive while a call waits, and Godot
   * itself calls service(0). Returns [type, peer, data, channel]; a received packet is queued on
   * the peer (getPacket).
   */
  service(timeoutMs = 0): ServiceEvent {
    void timeoutMs;
    const host = this.host;
    if (host === null) return [EventType.EVENT_ERROR, null, 0, 0];
    this.peers = this.peers.filter((peer) => peer.isActive());
    const { result, event } = host.service(this.options.clock());
    if (result < 0) return [EventType.EVENT_ERROR, null, 0, 0];
    if (result === 0) return [EventType.EVENT_NONE, null, 0, 0];
    return this.parseEvent(event);
  }

  private parseEvent(event: { type: EventType; peer: Peer | null; data: number; channelID: number; packet: Packet | null }): ServiceEvent {
    const peer = event.peer!;
    switch (event.type) {
      case EventType.EVENT_CONNECT: {
        if (peer.data === null) this.peers.push(new ENetPacketPeer(peer, this.options.clock));
        return [EventType.EVENT_CONNECT, peer.data as ENetPacketPeer, event.data, 0];
      }
      case EventType.EVENT_DISCONNECT: {
        if (peer.data === null) return [EventType.EVENT_ERROR, null, 0, 0];
        const wrapper = peer.data as ENetPacketPeer;
        wrapper.detach();
        this.peers = this.peers.filter((candidate) => candidate !== wrapper);
        return [EventType.EVENT_DISCONNECT, wrapper, event.data, 0];
      }
      case EventType.EVENT_RECEIVE: {
        if (peer.data === null) return [EventType.EVENT_ERROR, null, 0, 0];
        const wrapper = peer.data as ENetPacketPeer;
        wrapper.queuePacket(event.packet!);
        return [EventType.EVENT_RECEIVE, wrapper, 0, event.channelID];
      }
      default:
        return [EventType.EVENT_NONE, null, 0, 0];
    }
  }

  /** Sends everything queued now (enet_host_flush). */
  flush(): void {
    this.host?.flush(this.options.clock());
  }

  /** Sends `packet` to every connected peer on `channel` with FLAG_* `flags`. */
  broadcast(channel: number, packet: Uint8Array, flags: number): void {
    const host = this.host;
    if (host === null || channel < 0 || channel > host.channelLimit || flags & ~FLAG_ALLOWED) return;
    host.broadcast(channel, new Packet(copyBytes(packet, 0, packet.length), flags));
  }

  /** Sets the host's bandwidths in bytes/s (0 = unlimited); peers are told at the next 1-s tick. */
  bandwidthLimit(inBandwidth = 0, outBandwidth = 0): void {
    this.host?.bandwidthLimit(inBandwidth, outBandwidth);
  }

  /** Limits the channels of future incoming connections (0 = 255). */
  channelLimit(limit: number): void {
    this.host?.channelLimitSet(limit);
  }

  /**
   * Sets datagram compression, as Godot's ENetConnection.compress does. COMPRESS_RANGE_CODER is
   * ENet's range coder (byte-identical to libenet's); COMPRESS_FASTLZ, COMPRESS_ZLIB and
   * COMPRESS_ZSTD frame their bytes as Godot does (Godot's default levels), so the peer may be
   * Godot. Takes effect from the next datagram; both ends must use the same mode. An unknown mode
   * throws, as Godot would not set any compressor for it.
   */
  compress(mode: CompressionMode): void {
    if (this.host === null) return;
    if (mode === CompressionMode.COMPRESS_NONE) {
      this.host.compress(null);
      return;
    }
    const name = COMPRESSION_NAME_BY_MODE.get(mode);
    if (name === undefined) throw new Error(`ENetConnection.compress: unknown mode ${String(mode)}`);
    this.host.compress(createCompressor(name));
  }

  /** Returns a host total and resets it to 0. */
  popStatistic(statistic: HostStatistic): number {
    const host = this.host;
    if (host === null) return 0;
    let value = 0;
    switch (statistic) {
      case HostStatistic.HOST_TOTAL_SENT_DATA:
        [value, host.totalSentData] = [host.totalSentData, 0];
        break;
      case HostStatistic.HOST_TOTAL_SENT_PACKETS:
        [value, host.totalSentPackets] = [host.totalSentPackets, 0];
        break;
      case HostStatistic.HOST_TOTAL_RECEIVED_DATA:
        [value, host.totalReceivedData] = [host.totalReceivedData, 0];
        break;
      case HostStatistic.HOST_TOTAL_RECEIVED_PACKETS:
        [value, host.totalReceivedPackets] = [host.totalReceivedPackets, 0];
        break;
    }
    return value;
  }

  /** The peers Godot tracks for this connection (connected, connecting, or just disconnected). */
  getPeers(): ENetPacketPeer[] {
    return this.host === null ? [] : [...this.peers];
  }

  /** The bound port (0 before createHost). */
  getLocalPort(): number {
    return this.host?.address.port ?? 0;
  }

  /** The channel limit of the host (0 before createHost). */
  getMaxChannels(): number {
    return this.host?.channelLimit ?? 0;
  }

  /** Destroys the host: every peer is detached at once, nothing is sent. */
  destroy(): void {
    if (this.host === null) return;
    for (const peer of this.peers) peer.detach();
    for (const peer of this.host.peers) peer.reset();
    this.peers = [];
    this.host = null;
  }

  /** Godot's DTLS needs its socket layer; like a vanilla-ENet Godot build, this returns ERR_UNAVAILABLE. */
  dtlsServerSetup(): GodotError {
    return GodotError.ERR_UNAVAILABLE;
  }

  /** See dtlsServerSetup. */
  dtlsClientSetup(): GodotError {
    return GodotError.ERR_UNAVAILABLE;
  }

  // ---- the socket side (not part of Godot's API) -----------------------------------------------

  /** Hands in a datagram that arrived from `address:port`. */
  handleDatagram(address: string, port: number, data: Uint8Array): boolean {
    const host = this.host;
    const wire = ipv4ToWire(address);
    if (host === null || wire === null) return false;
    return host.handleDatagram({ host: wire, port }, data);
  }

  /** Takes the datagrams the host sent since the last call. */
  pollDatagrams(): Datagram[] {
    return this.host?.pollDatagrams() ?? [];
  }
}

/** Godot's ENetPacketPeer: one remote peer, with a queue of received packets. */
export class ENetPacketPeer {
  private peer: Peer | null;
  private readonly packets: Packet[] = [];

  constructor(
    peer: Peer,
    private readonly clock: () => number,
  ) {
    this.peer = peer;
    peer.data = this;
  }

  /** Detaches from the ENet peer slot (Godot's _on_disconnect). */
  detach(): void {
    if (this.peer !== null) this.peer.data = null;
    this.peer = null;
  }

  queuePacket(packet: Packet): void {
    if (this.peer !== null) this.packets.push(packet);
  }

  /** The underlying core peer, or null once detached. */
  get core(): Peer | null {
    return this.peer;
  }

  /** Graceful disconnect: queued data is dropped, DISCONNECT is sent; a DISCONNECT event follows its ACK. */
  peerDisconnect(data = 0): void {
    this.peer?.disconnect(data, this.clock());
  }

  /** Disconnects after all queued outgoing packets are sent and acknowledged. */
  peerDisconnectLater(data = 0): void {
    this.peer?.disconnectLater(data, this.clock());
  }

  /** Sends one unsequenced DISCONNECT immediately and frees the peer; no local event. */
  peerDisconnectNow(data = 0): void {
    if (this.peer === null) return;
    this.peer.disconnectNow(data, this.clock());
    this.detach();
  }

  /** Sends a PING now (ENet pings idle peers every pingInterval + RTT by itself). */
  ping(): void {
    this.peer?.ping();
  }

  /** Sets the idle ping interval in ms (0 = 500, ENet's default). */
  pingInterval(pingIntervalMs: number): void {
    this.peer?.setPingInterval(pingIntervalMs);
  }

  /** Resets the peer without telling the remote (it will time out). */
  reset(): void {
    if (this.peer === null) return;
    this.peer.reset();
    this.detach();
  }

  /**
   * Queues `packet` on `channel` with FLAG_* `flags`. Returns OK, ERR_UNCONFIGURED (detached),
   * ERR_INVALID_PARAMETER (bad channel or flags, as Godot checks them) or FAILED (ENet refused).
   */
  send(channel: number, packet: Uint8Array, flags: number): GodotError {
    const peer = this.peer;
    if (peer === null) return GodotError.ERR_UNCONFIGURED;
    if (channel < 0 || channel > peer.channelCount || flags & ~FLAG_ALLOWED) return GodotError.ERR_INVALID_PARAMETER;
    if (channel >= peer.channelCount) return GodotError.FAILED;
    return peer.send(channel, new Packet(copyBytes(packet, 0, packet.length), flags)).ok ? GodotError.OK : GodotError.FAILED;
  }

  /**
   * Sets ENet's timeout: `timeout` is the retransmission backoff limit (a peer may be dropped once a
   * command was retransmitted until 2^(attempts−1) ≥ timeout and `timeoutMinMs` passed without an
   * ACK), `timeoutMaxMs` drops it regardless. 0 means ENet's default (32, 5000, 30000). Like Godot,
   * ignored unless timeout ≤ timeoutMinMs ≤ timeoutMaxMs. Under the 'godot-pr118158' profile the
   * test is attempts − 1 ≥ timeout and the default `timeout` is 5 (docs/godot.md).
   */
  setTimeout(timeout: number, timeoutMinMs: number, timeoutMaxMs: number): void {
    if (this.peer === null || timeout > timeoutMinMs || timeoutMinMs > timeoutMaxMs) return;
    this.peer.setTimeout(timeout, timeoutMinMs, timeoutMaxMs);
  }

  /** Sets the throttle interval (ms), acceleration and deceleration here and on the remote peer. */
  throttleConfigure(intervalMs: number, acceleration: number, deceleration: number): void {
    this.peer?.throttleConfigure(intervalMs, acceleration, deceleration);
  }

  /** Flags of the next queued packet: FLAG_RELIABLE, FLAG_UNSEQUENCED, FLAG_UNRELIABLE_FRAGMENT, or 0. */
  getPacketFlags(): number {
    return this.packets[0]?.flags ?? 0;
  }

  /** The remote IPv4 address, "" when detached. */
  getRemoteAddress(): string {
    return this.peer === null ? '' : wireToIpv4(this.peer.address.host);
  }

  getRemotePort(): number {
    return this.peer?.address.port ?? 0;
  }

  /** The raw ENet field behind `statistic` (see PeerStatistic for each one's meaning and unit). */
  getStatistic(statistic: PeerStatistic): number {
    const peer = this.peer;
    if (peer === null) return 0;
    switch (statistic) {
      case PeerStatistic.PEER_PACKET_LOSS:
        return peer.packetLoss;
      case PeerStatistic.PEER_PACKET_LOSS_VARIANCE:
        return peer.packetLossVariance;
      case PeerStatistic.PEER_PACKET_LOSS_EPOCH:
        return peer.packetLossEpoch;
      case PeerStatistic.PEER_ROUND_TRIP_TIME:
        return peer.roundTripTime;
      case PeerStatistic.PEER_ROUND_TRIP_TIME_VARIANCE:
        return peer.roundTripTimeVariance;
      case PeerStatistic.PEER_LAST_ROUND_TRIP_TIME:
        return peer.lastRoundTripTime;
      case PeerStatistic.PEER_LAST_ROUND_TRIP_TIME_VARIANCE:
        return peer.lastRoundTripTimeVariance;
      case PeerStatistic.PEER_PACKET_THROTTLE:
        return peer.packetThrottle;
      case PeerStatistic.PEER_PACKET_THROTTLE_LIMIT:
        return peer.packetThrottleLimit;
      case PeerStatistic.PEER_PACKET_THROTTLE_COUNTER:
        return peer.packetThrottleCounter;
      case PeerStatistic.PEER_PACKET_THROTTLE_EPOCH:
        return peer.packetThrottleEpoch;
      case PeerStatistic.PEER_PACKET_THROTTLE_ACCELERATION:
        return peer.packetThrottleAcceleration;
      case PeerStatistic.PEER_PACKET_THROTTLE_DECELERATION:
        return peer.packetThrottleDeceleration;
      case PeerStatistic.PEER_PACKET_THROTTLE_INTERVAL:
        return peer.packetThrottleInterval;
      default:
        return 0;
    }
  }

  /** The ENet state (0..9); STATE_DISCONNECTED once detached. */
  getState(): PeerState {
    return this.peer?.state ?? PeerState.STATE_DISCONNECTED;
  }

  /** Channels negotiated for this peer (0 when detached). */
  getChannels(): number {
    return this.peer?.channelCount ?? 0;
  }

  /** True while attached to an ENet peer slot. */
  isActive(): boolean {
    return this.peer !== null;
  }

  // ---- PacketPeer ------------------------------------------------------------------------------

  /** Takes the next received packet, or null (Godot: ERR_UNAVAILABLE). */
  getPacket(): Uint8Array | null {
    if (this.peer === null) return null;
    return this.packets.shift()?.data ?? null;
  }

  /** Sends `packet` reliably on channel 0. */
  putPacket(packet: Uint8Array): GodotError {
    if (this.peer === null) return GodotError.ERR_UNCONFIGURED;
    return this.peer.send(0, new Packet(copyBytes(packet, 0, packet.length), FLAG_RELIABLE)).ok ? GodotError.OK : GodotError.FAILED;
  }

  getAvailablePacketCount(): number {
    return this.packets.length;
  }

  /** Godot reports 1 << 24 (16 MiB) although ENet accepts up to 32 MiB. */
  getMaxPacketSize(): number {
    return 1 << 24;
  }
}
