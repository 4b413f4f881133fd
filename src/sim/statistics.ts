// Godot's 14 PeerStatistic values of a peer, in ENetPacketPeer.PeerStatistic order.
import type { HostLike, PeerSnapshot } from './host-impl.js';

/** The ENetPeer field behind each PeerStatistic (0..13). */
export const PEER_STATISTIC_FIELDS = [
  'packetLoss',
  'packetLossVariance',
  'packetLossEpoch',
  'roundTripTime',
  'roundTripTimeVariance',
  'lastRoundTripTime',
  'lastRoundTripTimeVariance',
  'packetThrottle',
  'packetThrottleLimit',
  'packetThrottleCounter',
  'packetThrottleEpoch',
  'packetThrottleAcceleration',
  'packetThrottleDeceleration',
  'packetThrottleInterval',
] as const satisfies readonly (keyof PeerSnapshot)[];

/** Godot's names of the 14 statistics, index-aligned with PEER_STATISTIC_FIELDS. */
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

export function peerStatistics(snapshot: PeerSnapshot): number[] {
  return PEER_STATISTIC_FIELDS.map((field) => snapshot[field]);
}

/** Writes a snapshot's 14 statistics into `into`; returns the peer's state. */
export function statisticsFromSnapshot(snapshot: PeerSnapshot, into: number[]): number {
  for (let index = 0; index < PEER_STATISTIC_FIELDS.length; index++) into[index] = snapshot[PEER_STATISTIC_FIELDS[index]!];
  return snapshot.state;
}

/** Slot `peerIndex`'s 14 statistics into `into`, by the host's own reader when it has one; returns the state. */
export function readPeerStatistics(impl: HostLike, peerIndex: number, into: number[]): number {
  return impl.peerStatistics !== undefined ? impl.peerStatistics(peerIndex, into) : statisticsFromSnapshot(impl.peer(peerIndex), into);
}
