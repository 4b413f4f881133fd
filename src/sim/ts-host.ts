// The TypeScript core behind the HostLike interface, so differential tests drive it exactly as they
// drive libenet through the C driver.
import { Host } from '../enet/host.js';
import type { List, ListNode } from '../enet/list.js';
import { Packet, type Acknowledgement, type IncomingCommand, type OutgoingCommand, type Peer } from '../enet/peer.js';
import { createCompressor } from '../enet/compressors.js';
import { copyBytes } from '../enet/byte-slab.js';
import { PeerState, type ProtocolProfile } from '../enet/constants.js';
import type { HostConfigLike, HostDump, HostEventLike, HostLike, HostSnapshot, PeerObservation, PeerSnapshot, SentDatagram, WireAddress } from './host-impl.js';
import { EventType, clearEvent, noEvent, type HostEvent } from '../enet/events.js';

const NOTHING_SENT: SentDatagram[] = Object.freeze([]) as unknown as SentDatagram[];
/** What service() and checkEvents() return when nothing happened (most calls): one shared, frozen value. */
const NOTHING_HAPPENED: { result: number; event: HostEventLike } = Object.freeze({ result: 0, event: Object.freeze({ type: 'none' }) as HostEventLike });

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
  /** The event each service() call fills, reused: only a call that returns an event allocates. */
  private readonly event: HostEvent = noEvent();

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
    if (config.compress !== undefined) host.compress(createCompressor(config.compress));
    this.core = host;
    this.causes = host.peers.map(() => null);
    host.onPeerStateChange = (peerIndex, _from, to, cause) => {
      this.changed = true;
      // After a drop, later causes describe the slot's next peer; the drop's own cause is kept.
      const causes = this.dropped?.[peerIndex] === true ? (this.causesAfterDrop ??= this.core.peers.map(() => null)) : this.causes;
      const previous = causes[peerIndex];
      if (previous === null || previous === undefined || cause.startsWith('timeout')) causes[peerIndex] = cause;
      if (to === PeerState.STATE_DISCONNECTED) (this.dropped ??= this.core.peers.map(() => false))[peerIndex] = true;
    };
  }

  /** Slots dropped since the last observation (null: none), and the causes of their changes since. */
  private dropped: boolean[] | null = null;
  private causesAfterDrop: (string | null)[] | null = null;

  observePeers(): PeerObservation {
    if (!this.changed) return this.lastObservation;
    const states = this.core.peers.map((peer) => peer.state as number);
    const causes = [...this.causes];
    this.lastObservation =
      this.dropped === null ? { states, causes } : { states, causes, dropped: this.dropped, causesAfterDrop: this.causesAfterDrop ?? this.core.peers.map(() => null) };
    this.causes.fill(null);
    this.dropped = null;
    this.causesAfterDrop = null;
    this.changed = false;
    return this.lastObservation;
  }

  deliver(source: WireAddress, bytes: Uint8Array): void {
    this.core.handleDatagram(source, bytes);
  }

  service(nowMs: number): { result: number; event: HostEventLike } {
    const event = this.event;
    clearEvent(event);
    const result = this.core.serviceInto(nowMs, event);
    if (result === 0 && event.type === EventType.EVENT_NONE) return NOTHING_HAPPENED;
    return { result, event: toLike(event) };
  }

  checkEvents(): { result: number; event: HostEventLike } {
    const event = this.event;
    clearEvent(event);
    const result = this.core.checkEventsInto(event);
    if (result === 0 && event.type === EventType.EVENT_NONE) return NOTHING_HAPPENED;
    return { result, event: toLike(event) };
  }

  flush(nowMs: number): void {
    this.core.flush(nowMs);
  }

  takeSent(): SentDatagram[] {
    // Most calls find nothing sent: answer them without asking the core for a new empty list.
    if (this.core.sentDatagramCount === 0) return NOTHING_SENT;
    const sent = this.core.pollDatagrams();
    return sent.map((datagram) => ({ address: datagram.address, bytes: datagram.data }));
  }

  connect(address: WireAddress, channelCount: number, data: number): number {
    return this.core.connect(address, channelCount, data)?.incomingPeerID ?? -1;
  }

  broadcast(channelID: number, flags: number, data: Uint8Array): void {
    this.core.broadcast(channelID, new Packet(copyBytes(data, 0, data.length), flags));
  }

  bandwidthLimit(incomingBandwidth: number, outgoingBandwidth: number): void {
    this.core.bandwidthLimit(incomingBandwidth, outgoingBandwidth);
  }

  channelLimit(channelLimit: number): void {
    this.core.channelLimitSet(channelLimit);
  }

  peerSend(peerIndex: number, channelID: number, flags: number, data: Uint8Array): number {
    return this.core.peers[peerIndex]!.send(channelID, new Packet(copyBytes(data, 0, data.length), flags)).ok ? 0 : -1;
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

  dump(): HostDump {
    const host = this.core;
    const dump: HostDump = new Map();
    const snapshot = this.host();
    for (const key of Object.keys(snapshot) as (keyof HostSnapshot)[]) dump.set(key, snapshot[key]);
    dump.set('incomingBandwidth', host.incomingBandwidth);
    dump.set('outgoingBandwidth', host.outgoingBandwidth);
    dump.set('bandwidthThrottleEpoch', host.bandwidthThrottleEpoch);
    dump.set('randomSeed', host.randomSeed);
    dump.set('recalculateBandwidthLimits', host.recalculateBandwidthLimits ? 1 : 0);
    dump.set('serviceTime', host.serviceTime);
    dump.set('maximumPacketSize', host.maximumPacketSize);
    dump.set('maximumWaitingData', host.maximumWaitingData);
    dump.set('dispatchQueue.length', host.dispatchQueue.size());
    host.peers.forEach((peer, peerIndex) => dumpPeer(dump, `peers[${peerIndex}].`, this.peer(peerIndex), peer));
    return dump;
  }

  destroy(): void {}
}

// ---- host dump: the same names, order and digests as op_host_dump in native/libenet-driver.c ------

const DIGEST_BASIS = 0x811c9dc5;
const COMMAND_MASK = 0x0f;

function digestU32(digest: number, value: number): number {
  for (let shift = 0; shift < 32; shift += 8) digest = Math.imul(digest ^ ((value >>> shift) & 0xff), 0x01000193) >>> 0;
  return digest;
}

function dumpList<T extends ListNode>(dump: HostDump, name: string, list: List<T>, fields: (item: T) => number[]): void {
  let count = 0;
  let digest = DIGEST_BASIS;
  for (let node = list.begin(); node !== list.end(); node = node.next) {
    count++;
    for (const value of fields(node as unknown as T)) digest = digestU32(digest, value);
  }
  dump.set(`${name}.length`, count);
  dump.set(`${name}.digest`, digest);
}

const outgoingFields = (command: OutgoingCommand): number[] => [
  command.reliableSequenceNumber,
  command.unreliableSequenceNumber,
  command.sentTime,
  command.roundTripTimeout,
  command.sendAttempts,
  command.fragmentOffset,
  command.fragmentLength,
  command.command[0]! & COMMAND_MASK,
  command.packet?.data.length ?? 0,
];

const incomingFields = (command: IncomingCommand): number[] => [
  command.reliableSequenceNumber,
  command.unreliableSequenceNumber,
  command.commandNumber & COMMAND_MASK,
  command.fragmentCount,
  command.fragmentsRemaining,
  command.packet.data.length,
];

function dumpPeer(dump: HostDump, prefix: string, snapshot: PeerSnapshot, peer: Peer): void {
  for (const [key, value] of Object.entries(snapshot)) if (key !== 'address') dump.set(prefix + key, value as number);
  dump.set(`${prefix}incomingBandwidthThrottleEpoch`, peer.incomingBandwidthThrottleEpoch);
  dump.set(`${prefix}outgoingBandwidthThrottleEpoch`, peer.outgoingBandwidthThrottleEpoch);
  dump.set(`${prefix}address.host`, peer.address.host);
  dump.set(`${prefix}address.port`, peer.address.port);
  dump.set(`${prefix}needsDispatch`, peer.needsDispatch ? 1 : 0);
  peer.unsequencedWindow.forEach((word, index) => dump.set(`${prefix}unsequencedWindow[${index}]`, word));
  dumpList(dump, `${prefix}acknowledgements`, peer.acknowledgements, (acknowledgement: Acknowledgement) => [
    acknowledgement.commandNumber & COMMAND_MASK,
    acknowledgement.channelID,
    acknowledgement.reliableSequenceNumber,
    acknowledgement.sentTime,
  ]);
  dumpList(dump, `${prefix}sentReliableCommands`, peer.sentReliableCommands, outgoingFields);
  dumpList(dump, `${prefix}outgoingCommands`, peer.outgoingCommands, outgoingFields);
  dumpList(dump, `${prefix}outgoingSendReliableCommands`, peer.outgoingSendReliableCommands, outgoingFields);
  dumpList(dump, `${prefix}dispatchedCommands`, peer.dispatchedCommands, incomingFields);
  peer.channels.forEach((channel, channelID) => {
    const at = `${prefix}channels[${channelID}].`;
    dump.set(`${at}outgoingReliableSequenceNumber`, channel.outgoingReliableSequenceNumber);
    dump.set(`${at}outgoingUnreliableSequenceNumber`, channel.outgoingUnreliableSequenceNumber);
    dump.set(`${at}usedReliableWindows`, channel.usedReliableWindows);
    channel.reliableWindows.forEach((count, window) => dump.set(`${at}reliableWindows[${window}]`, count));
    dump.set(`${at}incomingReliableSequenceNumber`, channel.incomingReliableSequenceNumber);
    dump.set(`${at}incomingUnreliableSequenceNumber`, channel.incomingUnreliableSequenceNumber);
    dumpList(dump, `${at}incomingReliableCommands`, channel.incomingReliableCommands, incomingFields);
    dumpList(dump, `${at}incomingUnreliableCommands`, channel.incomingUnreliableCommands, incomingFields);
  });
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
