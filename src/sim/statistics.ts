// Godot's 14 PeerStatistic values of a peer, in ENetPacketPeer.PeerStatistic order.
import type { PeerSnapshot } from './host-impl.js';

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
