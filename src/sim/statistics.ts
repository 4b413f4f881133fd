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

// Godot's names of the 14 statistics belong to the trace format (the order of a stats event's values).
export { PEER_STATISTIC_NAMES } from '../trace/trace.js';

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
