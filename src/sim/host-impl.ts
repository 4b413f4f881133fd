// One shape for "an ENet host", implemented twice: by the TypeScript core (ts-host.ts) and by the
// real libenet running inside the C driver. The simulator drives hosts through this interface, and
// differential tests drive both implementations with the same clock, link and seed and compare
// what comes out.
//
// Times are ENet clock values: uint32 milliseconds, the value `enet_time_get()` returns during the call.
// Peer indices are slot indices (`peer - host->peers` in C).

import type { CompressionName } from '../enet/compressors.js';

/** An IPv4 address as ENet stores it: `host` is the uint32 address value, `port` the UDP port. */
export interface WireAddress {
  host: number;
  port: number;
}

export interface SentDatagram {
  address: WireAddress;
  bytes: Uint8Array;
}

/** One `ENetEvent` as `enet_host_service` / `enet_host_check_events` filled it. */
export type HostEventLike =
  | { type: 'none' }
  | { type: 'connect'; peerIndex: number; data: number }
  | { type: 'disconnect'; peerIndex: number; data: number }
  | { type: 'receive'; peerIndex: number; channelID: number; flags: number; data: Uint8Array };

export interface HostConfigLike {
  address: WireAddress;
  peerCount: number;
  /** 0 means the maximum (255), as in enet_host_create. */
  channelLimit: number;
  incomingBandwidth: number;
  outgoingBandwidth: number;
  /** `host->randomSeed`, set right after creation (connectID derives from it). */
  randomSeed: number;
  /** Overrides `host->mtu` after creation when set. */
  mtu?: number;
  /** Installs `enet_crc32` as `host->checksum`. */
  checksum?: boolean;
  /**
   * Installs a datagram compressor: ENet's range coder (enet_host_compress_with_range_coder) or one
   * of Godot's wrappers (FastLZ, zlib, Zstandard; the TypeScript core only).
   */
  compress?: CompressionName;
  /** Overrides `host->maximumPacketSize` / `host->maximumWaitingData` / `host->duplicatePeers`. */
  maximumPacketSize?: number;
  maximumWaitingData?: number;
  duplicatePeers?: number;
}

/** The ENetPeer fields both implementations expose, with ENet's names. */
export interface PeerSnapshot {
  state: number;
  connectID: number;
  incomingPeerID: number;
  outgoingPeerID: number;
  incomingSessionID: number;
  outgoingSessionID: number;
  address: WireAddress;
  mtu: number;
  windowSize: number;
  channelCount: number;
  incomingBandwidth: number;
  outgoingBandwidth: number;
  incomingDataTotal: number;
  outgoingDataTotal: number;
  lastSendTime: number;
  lastReceiveTime: number;
  nextTimeout: number;
  earliestTimeout: number;
  packetLossEpoch: number;
  packetsSent: number;
  packetsLost: number;
  packetLoss: number;
  packetLossVariance: number;
  packetThrottle: number;
  packetThrottleLimit: number;
  packetThrottleCounter: number;
  packetThrottleEpoch: number;
  packetThrottleAcceleration: number;
  packetThrottleDeceleration: number;
  packetThrottleInterval: number;
  pingInterval: number;
  timeoutLimit: number;
  timeoutMinimum: number;
  timeoutMaximum: number;
  lastRoundTripTime: number;
  lowestRoundTripTime: number;
  lastRoundTripTimeVariance: number;
  highestRoundTripTimeVariance: number;
  roundTripTime: number;
  roundTripTimeVariance: number;
  reliableDataInTransit: number;
  outgoingReliableSequenceNumber: number;
  incomingUnsequencedGroup: number;
  outgoingUnsequencedGroup: number;
  eventData: number;
  totalWaitingData: number;
}

export interface HostSnapshot {
  peerCount: number;
  channelLimit: number;
  mtu: number;
  connectedPeers: number;
  bandwidthLimitedPeers: number;
  duplicatePeers: number;
  totalSentData: number;
  totalSentPackets: number;
  totalReceivedData: number;
  totalReceivedPackets: number;
}

/** What the application can observe of every peer slot after a call: its state, and why it changed. */
export interface PeerObservation {
  /** The state (0..9) of every slot, by slot index. */
  states: number[];
  /**
   * Per slot, the reason for its state change since the previous observation (ENet's cause, e.g.
   * 'timeoutLimit', 'disconnectReceived'), or null. The TypeScript core reports every cause;
   * libenet has no hook, so only the timeout rules are reported for it (predicted by the driver
   * from the state libenet's timeout check sees).
   */
  causes: (string | null)[];
  /**
   * Per slot, true when the implementation dropped the slot (reset it to DISCONNECTED) since the
   * previous observation, even if the slot is in use again by now: a CONNECT that reuses a slot
   * freed by a timeout in the same service call leaves its state unchanged but is a new peer.
   * Absent: no slot was dropped. When a dropped slot is in use again, `causes` holds the reason of
   * the drop and `causesAfterDrop` the reason of its latest change since (TypeScript core only).
   */
  dropped?: boolean[];
  causesAfterDrop?: (string | null)[];
}

/**
 * Every field of a host, its peer slots and their channels, by name ("mtu", "peers[2].roundTripTime",
 * "peers[2].channels[0].usedReliableWindows"), in a fixed order. Queues appear as their length and
 * a digest of their commands' fields. Both implementations produce the same names, so that two runs
 * can be compared field by field at their end.
 */
export type HostDump = Map<string, number>;

/**
 * The operations of an ENet host, each one the C API call named beside it. Calls that make libenet
 * read the clock take `nowMs` (the value enet_time_get returns during that call).
 */
export interface HostLike {
  /** Queues a datagram on the host's socket; the next service call receives it (enet_socket_receive). */
  deliver(source: WireAddress, bytes: Uint8Array): void;
  /** enet_host_service(host, &event, 0): returns its result code and the event. */
  service(nowMs: number): { result: number; event: HostEventLike };
  /** enet_host_check_events. */
  checkEvents(): { result: number; event: HostEventLike };
  /** enet_host_flush. */
  flush(nowMs: number): void;
  /** Everything the host sent (enet_socket_send) since the last call, in order. */
  takeSent(): SentDatagram[];

  /** enet_host_connect: the new peer's index, or -1 when it returned NULL. */
  connect(address: WireAddress, channelCount: number, data: number): number;
  /** enet_host_broadcast (packet flags as ENET_PACKET_FLAG_*). */
  broadcast(channelID: number, flags: number, data: Uint8Array): void;
  /** enet_host_bandwidth_limit. */
  bandwidthLimit(incomingBandwidth: number, outgoingBandwidth: number): void;
  /** enet_host_channel_limit. */
  channelLimit(channelLimit: number): void;

  /** enet_peer_send: 0 or -1. */
  peerSend(peerIndex: number, channelID: number, flags: number, data: Uint8Array): number;
  /** enet_peer_disconnect (may flush, hence nowMs). */
  peerDisconnect(peerIndex: number, data: number, nowMs: number): void;
  /** enet_peer_disconnect_later. */
  peerDisconnectLater(peerIndex: number, data: number, nowMs: number): void;
  /** enet_peer_disconnect_now (flushes). */
  peerDisconnectNow(peerIndex: number, data: number, nowMs: number): void;
  /** enet_peer_reset. */
  peerReset(peerIndex: number): void;
  /** enet_peer_ping. */
  peerPing(peerIndex: number): void;
  /** enet_peer_ping_interval. */
  peerPingInterval(peerIndex: number, pingIntervalMs: number): void;
  /** enet_peer_timeout. */
  peerTimeout(peerIndex: number, timeoutLimit: number, timeoutMinimumMs: number, timeoutMaximumMs: number): void;
  /** enet_peer_throttle_configure. */
  peerThrottleConfigure(peerIndex: number, intervalMs: number, acceleration: number, deceleration: number): void;

  /** Test hook, not an ENet call: writes ENetPeer.packetThrottle directly (to hold a fixed throttle). */
  peerSetPacketThrottle(peerIndex: number, packetThrottle: number): void;

  peer(peerIndex: number): PeerSnapshot;
  /**
   * Optional: writes slot `peerIndex`'s 14 PeerStatistic values into `into` (PEER_STATISTIC_FIELDS
   * order) and returns its state: what peer() gives for those fields, without building the whole
   * snapshot (the simulator samples statistics after every frame). Without it, peer() is used.
   */
  peerStatistics?(peerIndex: number, into: number[]): number;
  /** Every slot's state and the cause of its latest changes (see PeerObservation). */
  observePeers(): PeerObservation;
  host(): HostSnapshot;
  /** Every host, peer and channel field (see HostDump). */
  dump(): HostDump;
  destroy(): void;
}
