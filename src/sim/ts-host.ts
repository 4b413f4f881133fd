// The TypeScript core behind the HostLike interface, so differential tests drive it exactly as they
// drive libenet through the C driver.
import { Host } from '../enet/host.js';
import { Packet } from '../enet/peer.js';
import { RangeCoder } from '../enet/range-coder.js';
import type { ProtocolProfile } from '../enet/constants.js';
import type { HostConfigLike, HostEventLike, HostLike, HostSnapshot, PeerObservation, PeerSnapshot, SentDatagram, WireAddress } from './host-impl.js';
import type { HostEvent } from '../enet/events.js';

const NOTHING_SENT: SentDatagram[] = Object.freeze([]) as unknown as SentDatagram[];

/**
 * The TypeScript core as a HostLike: a class (methods on the prototype), since a simulation holds
 * one per host, thousands in a big lobby.
 */
export class TsHost implements HostLike {
  readonly core: Host;
  /**
   * The cause reported for a slot is the first since the last observation, except that a timeout
   * rule wins: it is the reason the application cares about.
   */
  private readonly causes: (string | null)[];
  /** Observations are rebuilt only after a state change; between changes the last one is returned. */
  private changed = true;
  private lastObservation: PeerObservation = { states: [], causes: [] };

  constructor(config: HostConfigLike, profile: ProtocolProfile) {
    const host = new Host({
      address: config.address,
      peerCount: config.peerCount,
      channelLimit: config.channelLimit,
      incomingBandwidth: config.incomingBandwidth,
      outgoingBandwidth: config.outgoingBandwidth,
      randomSeed: config.randomSeed,
      profile,
      ...(config.mtu !== undefined ? { mtu: config.mtu } : {}),
      checksum: config.checksum ?? false,
      // The oracle's socket never drops; neither does this adapter's.
      receiveBufferSizeBytes: Number.MAX_SAFE_INTEGER,
    });
    if (config.maximumPacketSize !== undefined) host.maximumPacketSize = config.maximumPacketSize;
    if (config.maximumWaitingData !== undefined) host.maximumWaitingData = config.maximumWaitingData;
    if (config.duplicatePeers !== undefined) host.duplicatePeers = config.duplicatePeers;
    if (config.compress === 'range-coder') host.compress(new RangeCoder());
    this.core = host;
    this.causes = host.peers.map(() => null);
    host.onPeerStateChange = (peerIndex, _from, _to, cause) => {
      this.changed = true;
      const previous = this.causes[peerIndex];
      if (previous === null || previous === undefined || cause.startsWith('timeout')) this.causes[peerIndex] = cause;
    };
  }

  observePeers(): PeerObservation {
    if (!this.changed) return this.lastObservation;
    this.lastObservation = { states: this.core.peers.map((peer) => peer.state as number), causes: [...this.causes] };
    this.causes.fill(null);
    this.changed = false;
    return this.lastObservation;
  }

  deliver(source: WireAddress, bytes: Uint8Array): void {
    this.core.handleDatagram(source, bytes);
  }

  service(nowMs: number): { result: number; event: HostEventLike } {
    const { result, event } = this.core.service(nowMs);
    return { result, event: toLike(event) };
  }

  checkEvents(): { result: number; event: HostEventLike } {
    const { result, event } = this.core.checkEvents();
    return { result, event: toLike(event) };
  }

  flush(nowMs: number): void {
    this.core.flush(nowMs);
  }

  takeSent(): SentDatagram[] {
    const sent = this.core.pollDatagrams();
    return sent.length === 0 ? NOTHING_SENT : sent.map((datagram) => ({ address: datagram.address, bytes: datagram.data }));
  }

  connect(address: WireAddress, channelCount: number, data: number): number {
    return this.core.connect(address, channelCount, data)?.incomingPeerID ?? -1;
  }

  broadcast(channelID: number, flags: number, data: Uint8Array): void {
    this.core.broadcast(channelID, new Packet(data.slice(), flags));
  }

  bandwidthLimit(incomingBandwidth: number, outgoingBandwidth: number): void {
    this.core.bandwidthLimit(incomingBandwidth, outgoingBandwidth);
  }

  channelLimit(channelLimit: number): void {
    this.core.channelLimitSet(channelLimit);
  }

  peerSend(peerIndex: number, channelID: number, flags: number, data: Uint8Array): number {
    return this.core.peers[peerIndex]!.send(channelID, new Packet(data.slice(), flags)).ok ? 0 : -1;
  }

  peerDisconnect(peerIndex: number, data: number, nowMs: number): void {
    this.core.peers[peerIndex]!.disconnect(data, nowMs);
  }

  peerDisconnectLater(peerIndex: number, data: number, nowMs: number): void {
    this.core.peers[peerIndex]!.disconnectLater(data, nowMs);
  }

  peerDisconnectNow(peerIndex: number, data: number, nowMs: number): void {
    this.core.peers[peerIndex]!.disconnectNow(data, nowMs);
  }

  peerReset(peerIndex: number): void {
    this.core.peers[peerIndex]!.reset();
  }

  peerPing(peerIndex: number): void {
    this.core.peers[peerIndex]!.ping();
  }

  peerPingInterval(peerIndex: number, pingIntervalMs: number): void {
    this.core.peers[peerIndex]!.setPingInterval(pingIntervalMs);
  }

  peerTimeout(peerIndex: number, timeoutLimit: number, timeoutMinimumMs: number, timeoutMaximumMs: number): void {
    this.core.peers[peerIndex]!.setTimeout(timeoutLimit, timeoutMinimumMs, timeoutMaximumMs);
  }

  peerThrottleConfigure(peerIndex: number, intervalMs: number, acceleration: number, deceleration: number): void {
    this.core.peers[peerIndex]!.throttleConfigure(intervalMs, acceleration, deceleration);
  }

  peerSetPacketThrottle(peerIndex: number, packetThrottle: number): void {
    this.core.peers[peerIndex]!.packetThrottle = packetThrottle;
  }

  peerStatistics(peerIndex: number, into: number[]): number {
    // PEER_STATISTIC_FIELDS order; a test compares this with peer().
    const p = this.core.peers[peerIndex]!;
    into[0] = p.packetLoss;
    into[1] = p.packetLossVariance;
    into[2] = p.packetLossEpoch;
    into[3] = p.roundTripTime;
    into[4] = p.roundTripTimeVariance;
    into[5] = p.lastRoundTripTime;
    into[6] = p.lastRoundTripTimeVariance;
    into[7] = p.packetThrottle;
    into[8] = p.packetThrottleLimit;
    into[9] = p.packetThrottleCounter;
    into[10] = p.packetThrottleEpoch;
    into[11] = p.packetThrottleAcceleration;
    into[12] = p.packetThrottleDeceleration;
    into[13] = p.packetThrottleInterval;
    return p.state;
  }

  peer(peerIndex: number): PeerSnapshot {
    const p = this.core.peers[peerIndex]!;
    return {
      state: p.state,
      connectID: p.connectID,
      incomingPeerID: p.incomingPeerID,
      outgoingPeerID: p.outgoingPeerID,
      incomingSessionID: p.incomingSessionID,
      outgoingSessionID: p.outgoingSessionID,
      address: { ...p.address },
      mtu: p.mtu,
      windowSize: p.windowSize,
      channelCount: p.channelCount,
      incomingBandwidth: p.incomingBandwidth,
      outgoingBandwidth: p.outgoingBandwidth,
      incomingDataTotal: p.incomingDataTotal,
      outgoingDataTotal: p.outgoingDataTotal,
      lastSendTime: p.lastSendTime,
      lastReceiveTime: p.lastReceiveTime,
      nextTimeout: p.nextTimeout,
      earliestTimeout: p.earliestTimeout,
      packetLossEpoch: p.packetLossEpoch,
      packetsSent: p.packetsSent,
      packetsLost: p.packetsLost,
      packetLoss: p.packetLoss,
      packetLossVariance: p.packetLossVariance,
      packetThrottle: p.packetThrottle,
      packetThrottleLimit: p.packetThrottleLimit,
      packetThrottleCounter: p.packetThrottleCounter,
      packetThrottleEpoch: p.packetThrottleEpoch,
      packetThrottleAcceleration: p.packetThrottleAcceleration,
      packetThrottleDeceleration: p.packetThrottleDeceleration,
      packetThrottleInterval: p.packetThrottleInterval,
      pingInterval: p.pingInterval,
      timeoutLimit: p.timeoutLimit,
      timeoutMinimum: p.timeoutMinimum,
      timeoutMaximum: p.timeoutMaximum,
      lastRoundTripTime: p.lastRoundTripTime,
      lowestRoundTripTime: p.lowestRoundTripTime,
      lastRoundTripTimeVariance: p.lastRoundTripTimeVariance,
      highestRoundTripTimeVariance: p.highestRoundTripTimeVariance,
      roundTripTime: p.roundTripTime,
      roundTripTimeVariance: p.roundTripTimeVariance,
      reliableDataInTransit: p.reliableDataInTransit,
      outgoingReliableSequenceNumber: p.outgoingReliableSequenceNumber,
      incomingUnsequencedGroup: p.incomingUnsequencedGroup,
      outgoingUnsequencedGroup: p.outgoingUnsequencedGroup,
      eventData: p.eventData,
      totalWaitingData: p.totalWaitingData,
    };
  }

  host(): HostSnapshot {
    const host = this.core;
    return {
      peerCount: host.peerCount,
      channelLimit: host.channelLimit,
      mtu: host.mtu,
      connectedPeers: host.connectedPeers,
      bandwidthLimitedPeers: host.bandwidthLimitedPeers,
      duplicatePeers: host.duplicatePeers,
      totalSentData: host.totalSentData,
      totalSentPackets: host.totalSentPackets,
      totalReceivedData: host.totalReceivedData,
      totalReceivedPackets: host.totalReceivedPackets,
    };
  }

  destroy(): void {}
}

function toLike(event: HostEvent): HostEventLike {
  const peerIndex = event.peer?.incomingPeerID ?? -1;
  switch (event.type) {
    case 1:
      return { type: 'connect', peerIndex, data: event.data };
    case 2:
      return { type: 'disconnect', peerIndex, data: event.data };
    case 3:
      return { type: 'receive', peerIndex, channelID: event.channelID, flags: event.packet!.flags, data: event.packet!.data };
    default:
      return { type: 'none' };
  }
}

export function createTsHost(config: HostConfigLike, profile: ProtocolProfile = '1.3.17'): TsHost {
  return new TsHost(config, profile);
}
