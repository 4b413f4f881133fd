// ENet's host (host.c) as a sans-IO state machine: datagrams come in through `handleDatagram`, leave
// through `pollDatagrams`, and time is the argument of `service` and `flush`. The order of work in
// one service call is libenet's, kept in one place: `service` below.
import {
  COMMAND_FLAG_ACKNOWLEDGE,
  Command,
  Defaults,
  PeerState,
  Protocol,
  SYSTEM_CHANNEL_ID,
  type ProtocolProfile,
} from './constants.js';
import { Field, encodeHandshake, newCommand, writeU32 } from './codec.js';
import { EventType, noEvent, type HostEvent, type ServiceResult } from './events.js';
import { List, listRemove } from './list.js';
import { Channel, type OutgoingCommand, Packet, Peer, type PeerHost, type SendResult } from './peer.js';
import { profileBehaviour, type ProfileBehaviour } from './profile.js';
import { transition, type TransitionCause } from './peer-state.js';
import {
  handleIncomingCommands,
  windowFromBandwidth,
  clampWindowSize,
  type CommandStopReason,
  type DatagramDropReason,
} from './protocol-receive.js';
import { sendOutgoingCommands } from './protocol-send.js';
import { mulU32, timeDifferenceMs } from './time.js';

/** An IPv4 address as ENet stores it: `host` is the uint32 address, `port` the UDP port. */
export interface WireAddress {
  host: number;
  port: number;
}

/** A datagram leaving the host. */
export interface Datagram {
  address: WireAddress;
  data: Uint8Array;
}

/**
 * A datagram compressor (ENetCompressor). `compress` gets the command buffers and returns the
 * compressed bytes, or null when they would not fit `limitBytes`; `decompress` returns null on failure.
 */
export interface Compressor {
  compress(buffers: readonly Uint8Array[], inputLengthBytes: number, limitBytes: number): Uint8Array | null;
  decompress(input: Uint8Array, limitBytes: number): Uint8Array | null;
}

/** A deterministic source of ENet's connect ids (host->randomSeed). */
export interface HostOptions {
  /** The address this host's socket is bound to (used for traces and the real-socket adapter). */
  address?: WireAddress;
  /** Peer slots, 1..4095. */
  peerCount: number;
  /** Maximum channels per peer, 0 = 255 (ENet's default). */
  channelLimit?: number;
  /** Downstream bandwidth in bytes/second, 0 = unlimited. */
  incomingBandwidth?: number;
  /** Upstream bandwidth in bytes/second, 0 = unlimited. */
  outgoingBandwidth?: number;
  /** Which ENet to behave as (see profileBehaviour); defaults to 1.3.18, the upstream version Godot 4.2 onwards is based on. */
  profile?: ProtocolProfile;
  /** host->randomSeed right after creation: connect ids are drawn from it. */
  randomSeed: number;
  /**
   * Sets `host->mtu` after creation, as C code does (default: the profile's, 1392 from 1.3.18 on, 1400 for 1.3.17).
   * Like libenet, peer slots were reset with the default: a 1.3.17 slot uses the default MTU until
   * it is reset (its first connection), a 1.3.18 slot takes the host's MTU at connect.
   */
  mtu?: number;
  /** Appends an ENet CRC-32 to every datagram and requires it on receipt (both ends must agree). */
  checksum?: boolean;
  /** Bytes of datagrams the socket buffers between service calls before it drops (SO_RCVBUF); default 256 KiB. */
  receiveBufferSizeBytes?: number;
}

interface QueuedDatagram {
  source: WireAddress;
  data: Uint8Array;
}

/** An ENet host: peers, queues and the protocol, driven by explicit time and datagrams. */
export class Host implements PeerHost {
  readonly profile: ProtocolProfile;
  /** What the profile changes; the protocol code reads only this, never the profile's name. */
  readonly behaviour: ProfileBehaviour;
  readonly address: WireAddress;
  readonly peers: Peer[];
  channelLimit: number;
  incomingBandwidth: number;
  outgoingBandwidth: number;
  bandwidthThrottleEpoch = 0;
  mtu: number;
  randomSeed: number;
  recalculateBandwidthLimits = false;
  serviceTime = 0;
  readonly dispatchQueue = new List<Peer>();
  totalSentData = 0;
  totalSentPackets = 0;
  totalReceivedData = 0;
  totalReceivedPackets = 0;
  totalQueued = 0;
  connectedPeers = 0;
  bandwidthLimitedPeers = 0;
  duplicatePeers: number = Protocol.maximumPeerId;
  maximumPacketSize: number = Defaults.hostMaximumPacketSizeBytes;
  maximumWaitingData: number = Defaults.hostMaximumWaitingDataBytes;
  readonly checksumEnabled: boolean;
  compressor: Compressor | null = null;
  /** Called on every peer state change, with ENet's reason for it. */
  onPeerStateChange: ((peerIndex: number, from: PeerState, to: PeerState, cause: TransitionCause) => void) | null = null;
  /**
   * Called with each datagram ignored whole and why (the bytes as received, valid only during the
   * call: copy what you keep). For diagnostics, such as telling which compressor a peer uses.
   */
  onDatagramDropped: ((reason: DatagramDropReason, datagram: Uint8Array) => void) | null = null;
  /** Datagrams ignored whole, by reason. */
  readonly droppedDatagrams: Partial<Record<DatagramDropReason | 'receiveBufferFull', number>> = {};
  /** Datagrams whose remaining commands were ignored, by reason. */
  readonly stoppedCommands: Partial<Record<CommandStopReason, number>> = {};

  private readonly receiveBufferSizeBytes: number;
  private receiveQueue: QueuedDatagram[] = [];
  private receiveQueueHead = 0;
  private receiveQueueBytes = 0;
  private outbox: Datagram[] = [];

  constructor(options: HostOptions) {
    if (!Number.isInteger(options.peerCount) || options.peerCount < 1 || options.peerCount > Protocol.maximumPeerId) {
      throw new RangeError(`peerCount must be 1..${Protocol.maximumPeerId}, got ${options.peerCount}`);
    }
    this.profile = options.profile ?? '1.3.18';
    this.behaviour = profileBehaviour(this.profile);
    this.address = options.address ?? { host: 0, port: 0 };
    this.channelLimit = clampChannelLimit(options.channelLimit ?? 0);
    this.incomingBandwidth = (options.incomingBandwidth ?? 0) >>> 0;
    this.outgoingBandwidth = (options.outgoingBandwidth ?? 0) >>> 0;
    // Peer slots are reset at creation with ENet's default MTU; a custom MTU is `host->mtu = X` after
    // enet_host_create, the only way the C API offers. 1.3.17 slots keep the default until they are
    // reset again (their first connection uses it); 1.3.18 re-reads host->mtu at connect.
    this.mtu = this.behaviour.defaultHostMtuBytes;
    this.randomSeed = options.randomSeed >>> 0;
    this.checksumEnabled = options.checksum ?? false;
    this.receiveBufferSizeBytes = options.receiveBufferSizeBytes ?? Defaults.hostReceiveBufferSizeBytes;
    this.peers = [];
    for (let index = 0; index < options.peerCount; index++) {
      const peer = new Peer(this, index);
      peer.reset();
      this.peers.push(peer);
    }
    if (options.mtu !== undefined) this.mtu = options.mtu;
  }

  get peerCount(): number {
    return this.peers.length;
  }

  // ---- the socket side -------------------------------------------------------------------------

  /**
   * Hands the host a datagram that arrived on its socket. It is processed by the next `service`
   * call, up to 256 per call, as libenet reads its socket. Returns false when the socket buffer was
   * full and the datagram was dropped (counted as 'receiveBufferFull').
   */
  handleDatagram(source: WireAddress, data: Uint8Array): boolean {
    if (this.receiveQueueBytes + data.length > this.receiveBufferSizeBytes) {
      this.droppedDatagrams.receiveBufferFull = (this.droppedDatagrams.receiveBufferFull ?? 0) + 1;
      return false;
    }
    this.receiveQueue.push({ source: { host: source.host, port: source.port }, data });
    this.receiveQueueBytes += data.length;
    return true;
  }

  /** Datagrams received but not yet read by a service call. */
  get pendingDatagramCount(): number {
    return this.receiveQueue.length - this.receiveQueueHead;
  }

  /** Datagrams sent and not yet taken by pollDatagrams. */
  get sentDatagramCount(): number {
    return this.outbox.length;
  }

  /** Takes every datagram the host sent since the last call, in send order. */
  pollDatagrams(): Datagram[] {
    const sent = this.outbox;
    this.outbox = [];
    return sent;
  }

  /** Called by the protocol for each datagram it sends (enet_socket_send). */
  emit(address: WireAddress, data: Uint8Array): void {
    this.outbox.push({ address: { host: address.host, port: address.port }, data });
  }

  private nextReceived(): QueuedDatagram | null {
    if (this.receiveQueueHead >= this.receiveQueue.length) return null;
    const datagram = this.receiveQueue[this.receiveQueueHead]!;
    this.receiveQueue[this.receiveQueueHead] = undefined as unknown as QueuedDatagram;
    this.receiveQueueHead++;
    if (this.receiveQueueHead === this.receiveQueue.length) {
      this.receiveQueue = [];
      this.receiveQueueHead = 0;
    }
    this.receiveQueueBytes -= datagram.data.length;
    return datagram;
  }

  // ---- the service loop ------------------------------------------------------------------------

  // ENet: protocol.c enet_host_service (with timeout 0)
  /**
   * One call of `enet_host_service(host, &event, 0)` at ENet time `nowMs` (uint32 ms). The order is
   * libenet's: hand out a queued event if there is one; otherwise bandwidth throttle (once a second),
   * send, receive (up to 256 datagrams), send again, then hand out a queued event. A CONNECT on the
   * client, and a DISCONNECT from an acknowledgement or a timeout, end the call at once.
   */
  service(nowMs: number): ServiceResult {
    const event = noEvent();
    return { result: this.serviceInto(nowMs, event), event };
  }

  /**
   * `service` filling a caller's event, which must be blank (EVENT_NONE, as noEvent() makes it), and
   * returning only the result: a driver that reuses one event allocates nothing per call.
   */
  serviceInto(nowMs: number, event: HostEvent): 1 | 0 | -1 {
    if (this.dispatchIncomingCommands(event)) return 1;
    this.serviceTime = nowMs >>> 0;
    if (timeDifferenceMs(this.serviceTime, this.bandwidthThrottleEpoch) >= Defaults.hostBandwidthThrottleIntervalMs) {
      this.bandwidthThrottle();
    }
    if (sendOutgoingCommands(this, event, true)) return 1;
    const received = this.receiveIncomingCommands(event);
    if (received !== 0) return received;
    if (sendOutgoingCommands(this, event, true)) return 1;
    if (this.dispatchIncomingCommands(event)) return 1;
    return 0;
  }

  // ENet: protocol.c enet_host_flush
  /** Sends everything queued now, without timeout checks or the bandwidth throttle. */
  flush(nowMs: number): void {
    this.serviceTime = nowMs >>> 0;
    sendOutgoingCommands(this, null, false);
  }

  // ENet: protocol.c enet_host_check_events
  /** Hands out one queued event without any network work. */
  checkEvents(): ServiceResult {
    const event = noEvent();
    return { result: this.checkEventsInto(event), event };
  }

  /** `checkEvents` filling a caller's blank event (see serviceInto). */
  checkEventsInto(event: HostEvent): 1 | 0 {
    return this.dispatchIncomingCommands(event) ? 1 : 0;
  }

  // ENet: protocol.c enet_protocol_receive_incoming_commands
  private receiveIncomingCommands(event: HostEvent): 1 | 0 | -1 {
    for (let count = 0; count < Defaults.receiveDatagramsPerServiceMax; count++) {
      const datagram = this.nextReceived();
      if (datagram === null) return 0;
      if (datagram.data.length > Protocol.maximumMtuBytes) {
        // The socket buffer is 4096 bytes: 1.3.17 reports the truncated read as an error, 1.3.18 skips it.
        if (this.behaviour.oversizeDatagram === 'serviceError') return -1;
        this.droppedDatagrams.oversize = (this.droppedDatagrams.oversize ?? 0) + 1;
        continue;
      }
      this.totalReceivedData = (this.totalReceivedData + datagram.data.length) >>> 0;
      this.totalReceivedPackets = (this.totalReceivedPackets + 1) >>> 0;
      if (handleIncomingCommands(this, event, datagram.data, datagram.source) === 1) return 1;
    }
    return 0;
  }

  // ENet: protocol.c enet_protocol_dispatch_incoming_commands
  private dispatchIncomingCommands(event: HostEvent): boolean {
    while (!this.dispatchQueue.isEmpty()) {
      const peer = listRemove(this.dispatchQueue.front());
      peer.needsDispatch = false;
      switch (peer.state) {
        case PeerState.STATE_CONNECTION_PENDING:
        case PeerState.STATE_CONNECTION_SUCCEEDED:
          transition(peer, PeerState.STATE_CONNECTED, 'eventDispatched');
          fillEvent(event, EventType.EVENT_CONNECT, peer, peer.eventData);
          return true;
        case PeerState.STATE_ZOMBIE:
          this.recalculateBandwidthLimits = true;
          fillEvent(event, EventType.EVENT_DISCONNECT, peer, peer.eventData);
          peer.reset('eventDispatched');
          return true;
        case PeerState.STATE_CONNECTED: {
          const received = peer.receive();
          if (received === null) continue;
          fillEvent(event, EventType.EVENT_RECEIVE, peer, 0);
          event.packet = received.packet;
          event.channelID = received.channelID;
          if (!peer.dispatchedCommands.isEmpty()) peer.markForDispatch();
          return true;
        }
        default:
          break;
      }
    }
    return false;
  }

  // ---- protocol hooks used by protocol-receive / protocol-send ---------------------------------

  // ENet: protocol.c enet_protocol_dispatch_state
  dispatchState(peer: Peer, state: PeerState, cause: TransitionCause): void {
    transition(peer, state, cause);
    peer.markForDispatch();
  }

  // ENet: protocol.c enet_protocol_notify_connect
  notifyConnect(peer: Peer, event: HostEvent | null, cause: TransitionCause): void {
    this.recalculateBandwidthLimits = true;
    if (event !== null) {
      transition(peer, PeerState.STATE_CONNECTED, cause);
      fillEvent(event, EventType.EVENT_CONNECT, peer, peer.eventData);
    } else {
      const pending = peer.state === PeerState.STATE_CONNECTING ? PeerState.STATE_CONNECTION_SUCCEEDED : PeerState.STATE_CONNECTION_PENDING;
      this.dispatchState(peer, pending, cause);
    }
  }

  // ENet: protocol.c enet_protocol_notify_disconnect
  notifyDisconnect(peer: Peer, event: HostEvent | null, cause: TransitionCause): void {
    if (peer.state >= PeerState.STATE_CONNECTION_PENDING) this.recalculateBandwidthLimits = true;
    if (peer.state !== PeerState.STATE_CONNECTING && peer.state < PeerState.STATE_CONNECTION_SUCCEEDED) {
      peer.reset(cause);
    } else if (event !== null) {
      fillEvent(event, EventType.EVENT_DISCONNECT, peer, 0);
      peer.reset(cause);
    } else {
      peer.eventData = 0;
      this.dispatchState(peer, PeerState.STATE_ZOMBIE, cause);
    }
  }

  // ENet: protocol.c enet_protocol_remove_sent_reliable_command
  /** Removes an acknowledged command; returns its command number, or Command.none if not found. */
  removeSentReliableCommand(peer: Peer, reliableSequenceNumber: number, channelID: number): number {
    let found: OutgoingCommand | null = null;
    let wasSent = true;
    const sent = peer.sentReliableCommands;
    for (let node = sent.begin(); node !== sent.end(); node = node.next) {
      const candidate = node as OutgoingCommand;
      if (candidate.reliableSequenceNumber === reliableSequenceNumber && candidate.command[Field.channelID] === channelID) {
        found = candidate;
        break;
      }
    }
    if (found === null) {
      found = findRequeuedCommand(peer.outgoingCommands, reliableSequenceNumber, channelID);
      if (found === null && this.behaviour.separateSendReliableQueue) {
        found = findRequeuedCommand(peer.outgoingSendReliableCommands, reliableSequenceNumber, channelID);
      }
      if (found === null) return Command.none;
      wasSent = false;
    }
    if (channelID < peer.channelCount) {
      const channel = peer.channels[channelID]!;
      const reliableWindow = Math.floor(reliableSequenceNumber / Defaults.peerReliableWindowSize);
      if (channel.reliableWindows[reliableWindow]! > 0) {
        channel.reliableWindows[reliableWindow]!--;
        if (channel.reliableWindows[reliableWindow] === 0) channel.usedReliableWindows &= ~(1 << reliableWindow);
      }
    }
    const commandNumber = found.command[Field.command]! & 0x0f;
    if (wasSent) listRemove(found);
    else peer.removeOutgoing(found);
    if (found.packet !== null && wasSent) peer.reliableDataInTransit -= found.fragmentLength;
    if (!sent.isEmpty()) {
      const head = sent.front();
      peer.nextTimeout = (head.sentTime + head.roundTripTimeout) >>> 0;
    }
    return commandNumber;
  }

  // ---- application calls -----------------------------------------------------------------------

  // ENet: host.c enet_host_connect
  /** Starts connecting to `address`: the first free slot sends CONNECT. Null when no slot is free. */
  connect(address: WireAddress, channelCount: number, data: number): Peer | null {
    const channels = Math.min(Math.max(channelCount, Protocol.minimumChannelCount), Protocol.maximumChannelCount);
    const peer = this.peers.find((candidate) => candidate.state === PeerState.STATE_DISCONNECTED);
    if (peer === undefined) return null;
    peer.channels = Array.from({ length: channels }, () => new Channel());
    // The address is set before the state change so observers of the transition can name the peer.
    peer.address = { host: address.host, port: address.port };
    transition(peer, PeerState.STATE_CONNECTING, 'connect');
    peer.connectID = this.nextConnectID();
    if (this.behaviour.peerMtuFromHost) peer.mtu = this.mtu;
    peer.windowSize = this.outgoingBandwidth === 0 ? Protocol.maximumWindowSizeBytes : clampWindowSize(windowFromBandwidth(this.outgoingBandwidth));
    const command = encodeHandshake(
      Command.connect,
      {
        outgoingPeerID: peer.incomingPeerID,
        incomingSessionID: peer.incomingSessionID,
        outgoingSessionID: peer.outgoingSessionID,
        mtu: peer.mtu,
        windowSize: peer.windowSize,
        channelCount: channels,
        incomingBandwidth: this.incomingBandwidth,
        outgoingBandwidth: this.outgoingBandwidth,
        packetThrottleInterval: peer.packetThrottleInterval,
        packetThrottleAcceleration: peer.packetThrottleAcceleration,
        packetThrottleDeceleration: peer.packetThrottleDeceleration,
        connectID: peer.connectID,
      },
      data >>> 0,
    );
    peer.queueOutgoingCommand(command, null, 0, 0);
    return peer;
  }

  /** 1.3.17: ++randomSeed. 1.3.18: Mulberry32 over randomSeed (host.c enet_host_random). */
  private nextConnectID(): number {
    if (this.behaviour.connectIdAlgorithm === 'increment') {
      this.randomSeed = (this.randomSeed + 1) >>> 0;
      return this.randomSeed;
    }
    this.randomSeed = (this.randomSeed + 0x6d2b79f5) >>> 0;
    let n = this.randomSeed;
    n = Math.imul(n ^ (n >>> 15), n | 1) >>> 0;
    n = (n ^ (n + Math.imul(n ^ (n >>> 7), n | 61))) >>> 0;
    return (n ^ (n >>> 14)) >>> 0;
  }

  // ENet: host.c enet_host_broadcast
  /** Sends `packet` to every CONNECTED peer. */
  broadcast(channelID: number, packet: Packet): void {
    for (const peer of this.peers) {
      if (peer.state === PeerState.STATE_CONNECTED) peer.send(channelID, packet);
    }
  }

  /** enet_peer_send on slot `peerIndex`. */
  send(peerIndex: number, channelID: number, packet: Packet): SendResult {
    return this.peers[peerIndex]!.send(channelID, packet);
  }

  // ENet: host.c enet_host_channel_limit
  channelLimitSet(channelLimit: number): void {
    this.channelLimit = clampChannelLimit(channelLimit);
  }

  // ENet: host.c enet_host_bandwidth_limit
  bandwidthLimit(incomingBandwidth: number, outgoingBandwidth: number): void {
    this.incomingBandwidth = incomingBandwidth >>> 0;
    this.outgoingBandwidth = outgoingBandwidth >>> 0;
    this.recalculateBandwidthLimits = true;
  }

  // ENet: host.c enet_host_compress
  compress(compressor: Compressor | null): void {
    this.compressor = compressor;
  }

  // ENet: host.c enet_host_bandwidth_throttle
  /** Once a second: shares the host's upstream among peers (throttle limits) and announces BANDWIDTH_LIMIT. */
  bandwidthThrottle(): void {
    const timeCurrent = this.serviceTime;
    const elapsedTime = (timeCurrent - this.bandwidthThrottleEpoch) >>> 0;
    if (elapsedTime < Defaults.hostBandwidthThrottleIntervalMs) return;
    this.bandwidthThrottleEpoch = timeCurrent;
    if (this.connectedPeers === 0) return;
    this.throttleOutgoing(timeCurrent, elapsedTime);
    if (this.recalculateBandwidthLimits) this.announceBandwidthLimits(timeCurrent);
  }

  private throttleOutgoing(timeCurrent: number, elapsedTime: number): void {
    const scale = Defaults.peerPacketThrottleScale;
    let peersRemaining = this.connectedPeers;
    let dataTotal = 0xffffffff;
    let bandwidth = 0xffffffff;
    let needsAdjustment = this.bandwidthLimitedPeers > 0;
    if (this.outgoingBandwidth !== 0) {
      dataTotal = 0;
      bandwidth = Math.floor(mulU32(this.outgoingBandwidth, elapsedTime) / 1000);
      for (const peer of this.peers) if (isConnected(peer)) dataTotal = (dataTotal + peer.outgoingDataTotal) >>> 0;
    }
    const throttleFor = (): number => (dataTotal <= bandwidth ? scale : Math.floor(mulU32(bandwidth, scale) / dataTotal));
    while (peersRemaining > 0 && needsAdjustment) {
      needsAdjustment = false;
      const throttle = throttleFor();
      for (const peer of this.peers) {
        if (!isConnected(peer) || peer.incomingBandwidth === 0 || peer.outgoingBandwidthThrottleEpoch === timeCurrent) continue;
        const peerBandwidth = Math.floor(mulU32(peer.incomingBandwidth, elapsedTime) / 1000);
        if (Math.floor(mulU32(throttle, peer.outgoingDataTotal) / scale) <= peerBandwidth) continue;
        peer.packetThrottleLimit = Math.floor(mulU32(peerBandwidth, scale) / peer.outgoingDataTotal);
        if (peer.packetThrottleLimit === 0) peer.packetThrottleLimit = 1;
        if (peer.packetThrottle > peer.packetThrottleLimit) peer.packetThrottle = peer.packetThrottleLimit;
        peer.outgoingBandwidthThrottleEpoch = timeCurrent;
        peer.incomingDataTotal = 0;
        peer.outgoingDataTotal = 0;
        needsAdjustment = true;
        peersRemaining--;
        bandwidth = (bandwidth - peerBandwidth) >>> 0;
        dataTotal = (dataTotal - peerBandwidth) >>> 0;
      }
    }
    if (peersRemaining > 0) {
      const throttle = throttleFor();
      for (const peer of this.peers) {
        if (!isConnected(peer) || peer.outgoingBandwidthThrottleEpoch === timeCurrent) continue;
        peer.packetThrottleLimit = throttle;
        if (peer.packetThrottle > peer.packetThrottleLimit) peer.packetThrottle = peer.packetThrottleLimit;
        peer.incomingDataTotal = 0;
        peer.outgoingDataTotal = 0;
      }
    }
  }

  private announceBandwidthLimits(timeCurrent: number): void {
    this.recalculateBandwidthLimits = false;
    let peersRemaining = this.connectedPeers;
    let bandwidth = this.incomingBandwidth;
    let needsAdjustment = true;
    let bandwidthLimit = 0;
    if (bandwidth !== 0) {
      while (peersRemaining > 0 && needsAdjustment) {
        needsAdjustment = false;
        bandwidthLimit = Math.floor(bandwidth / peersRemaining);
        for (const peer of this.peers) {
          if (!isConnected(peer) || peer.incomingBandwidthThrottleEpoch === timeCurrent) continue;
          if (peer.outgoingBandwidth > 0 && peer.outgoingBandwidth >= bandwidthLimit) continue;
          peer.incomingBandwidthThrottleEpoch = timeCurrent;
          needsAdjustment = true;
          peersRemaining--;
          bandwidth = (bandwidth - peer.outgoingBandwidth) >>> 0;
        }
      }
    }
    for (const peer of this.peers) {
      if (!isConnected(peer)) continue;
      const command = newCommand(Command.bandwidthLimit | COMMAND_FLAG_ACKNOWLEDGE, SYSTEM_CHANNEL_ID);
      writeU32(command, Field.bandwidthOutgoing, this.outgoingBandwidth);
      writeU32(command, Field.bandwidthIncoming, peer.incomingBandwidthThrottleEpoch === timeCurrent ? peer.outgoingBandwidth : bandwidthLimit);
      peer.queueOutgoingCommand(command, null, 0, 0);
    }
  }
}

function isConnected(peer: Peer): boolean {
  return peer.state === PeerState.STATE_CONNECTED || peer.state === PeerState.STATE_DISCONNECT_LATER;
}

function clampChannelLimit(channelLimit: number): number {
  if (!channelLimit || channelLimit > Protocol.maximumChannelCount) return Protocol.maximumChannelCount;
  if (channelLimit < Protocol.minimumChannelCount) return Protocol.minimumChannelCount;
  return channelLimit;
}

function fillEvent(event: HostEvent, type: EventType, peer: Peer, data: number): void {
  event.type = type;
  event.peer = peer;
  event.data = data;
}

/** Looks for an acknowledged command that timed out and was requeued but not yet resent. */
function findRequeuedCommand(
  queue: List<OutgoingCommand>,
  reliableSequenceNumber: number,
  channelID: number,
): OutgoingCommand | null {
  for (let node = queue.begin(); node !== queue.end(); node = node.next) {
    const candidate = node as OutgoingCommand;
    if (!(candidate.command[Field.command]! & COMMAND_FLAG_ACKNOWLEDGE)) continue;
    if (candidate.sendAttempts < 1) return null;
    if (candidate.reliableSequenceNumber === reliableSequenceNumber && candidate.command[Field.channelID] === channelID) return candidate;
  }
  return null;
}

