// The TypeScript core behind the HostLike interface, so differential tests drive it exactly as they
// drive libenet through the C driver.
import { Host } from '../enet/host.js';
import { Packet } from '../enet/peer.js';
import { RangeCoder } from '../enet/range-coder.js';
import type { ProtocolProfile } from '../enet/constants.js';
import type { HostConfigLike, HostEventLike, HostLike, HostSnapshot, PeerObservation, PeerSnapshot, SentDatagram, WireAddress } from './host-impl.js';
import type { HostEvent } from '../enet/events.js';

const NOTHING_SENT: SentDatagram[] = Object.freeze([]) as unknown as SentDatagram[];

export function createTsHost(config: HostConfigLike, profile: ProtocolProfile = '1.3.17'): HostLike & { core: Host } {
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
  // The cause reported for a slot is the first since the last observation, except that a timeout
  // rule wins: it is the reason the application cares about.
  const causes: (string | null)[] = host.peers.map(() => null);
  // Observations are rebuilt only after a state change; between changes the last one is returned.
  let changed = true;
  let lastObservation: PeerObservation = { states: [], causes: [] };
  host.onPeerStateChange = (peerIndex, _from, _to, cause) => {
    changed = true;
    const previous = causes[peerIndex];
    if (previous === null || previous === undefined || cause.startsWith('timeout')) causes[peerIndex] = cause;
  };
  const observePeers = (): PeerObservation => {
    if (!changed) return lastObservation;
    lastObservation = { states: host.peers.map((peer) => peer.state as number), causes: [...causes] };
    causes.fill(null);
    changed = false;
    return lastObservation;
  };
  const toLike = (event: HostEvent): HostEventLike => {
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
  };
  return {
    core: host,
    deliver: (source: WireAddress, bytes: Uint8Array) => void host.handleDatagram(source, bytes),
    service: (nowMs) => {
      const { result, event } = host.service(nowMs);
      return { result, event: toLike(event) };
    },
    checkEvents: () => {
      const { result, event } = host.checkEvents();
      return { result, event: toLike(event) };
    },
    flush: (nowMs) => host.flush(nowMs),
    takeSent: (): SentDatagram[] => {
      const sent = host.pollDatagrams();
      return sent.length === 0 ? NOTHING_SENT : sent.map((datagram) => ({ address: datagram.address, bytes: datagram.data }));
    },
    connect: (address, channelCount, data) => host.connect(address, channelCount, data)?.incomingPeerID ?? -1,
    broadcast: (channelID, flags, data) => host.broadcast(channelID, new Packet(data.slice(), flags)),
    bandwidthLimit: (incoming, outgoing) => host.bandwidthLimit(incoming, outgoing),
    channelLimit: (limit) => host.channelLimitSet(limit),
    peerSend: (peerIndex, channelID, flags, data) => (host.peers[peerIndex]!.send(channelID, new Packet(data.slice(), flags)).ok ? 0 : -1),
    peerDisconnect: (peerIndex, data, nowMs) => host.peers[peerIndex]!.disconnect(data, nowMs),
    peerDisconnectLater: (peerIndex, data, nowMs) => host.peers[peerIndex]!.disconnectLater(data, nowMs),
    peerDisconnectNow: (peerIndex, data, nowMs) => host.peers[peerIndex]!.disconnectNow(data, nowMs),
    peerReset: (peerIndex) => host.peers[peerIndex]!.reset(),
    peerPing: (peerIndex) => host.peers[peerIndex]!.ping(),
    peerPingInterval: (peerIndex, ms) => host.peers[peerIndex]!.setPingInterval(ms),
    peerTimeout: (peerIndex, limit, min, max) => host.peers[peerIndex]!.setTimeout(limit, min, max),
    peerThrottleConfigure: (peerIndex, interval, acceleration, deceleration) =>
      host.peers[peerIndex]!.throttleConfigure(interval, acceleration, deceleration),
    peerSetPacketThrottle: (peerIndex, packetThrottle) => {
      host.peers[peerIndex]!.packetThrottle = packetThrottle;
    },
    peer: (peerIndex): PeerSnapshot => {
      const p = host.peers[peerIndex]!;
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
    },
    observePeers,
    host: (): HostSnapshot => ({
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
    }),
    destroy: () => undefined,
  };
}
