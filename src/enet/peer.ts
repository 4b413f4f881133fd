// ENet's peer: its fields, queues and the peer-level operations of peer.c. The host-level protocol
// (datagram parsing and building) is in protocol.ts; this file holds what a peer does on its own.
import {
  COMMAND_FLAG_ACKNOWLEDGE,
  COMMAND_FLAG_UNSEQUENCED,
  COMMAND_MASK,
  COMMAND_SIZES_BYTES,
  Command,
  Defaults,
  PacketFlag,
  PeerState,
  Protocol,
  SYSTEM_CHANNEL_ID,
  HEADER_SIZE_BYTES,
  CHECKSUM_SIZE_BYTES,
  type ProtocolProfile,
} from './constants.js';
import { Field, newCommand, writeU16, writeU32 } from './codec.js';
import { allocateBytes } from './byte-slab.js';
import { List, ListNode, listInsert, listMove, listRemove } from './list.js';
import { transition, type TransitionCause, type TransitionHost } from './peer-state.js';
import type { ProfileBehaviour } from './profile.js';

/**
 * An ENet packet: the bytes the application sent or received, with its ENET_PACKET_FLAG_* flags.
 * The core's copies are cut from shared slabs (byte-slab.ts): `data` is the packet's own region, but
 * `data.buffer` is shared, so read it through `data.byteOffset`.
 */
export class Packet {
  declare readonly data: Uint8Array;
  declare flags: number;
  constructor(data: Uint8Array, flags: number) {
    this.data = data;
    this.flags = flags;
  }
}

/** A command waiting to be sent, or sent and waiting for its acknowledgement (ENetOutgoingCommand). */
// The hot records below declare their fields and set every one in their constructor, by plain
// assignment (class-field initialisers would define each field first, in a separate function).
export class OutgoingCommand extends ListNode {
  /** The command's fixed part, in wire format (sequence numbers are filled in when queued). */
  declare readonly command: Uint8Array;
  declare readonly packet: Packet | null;
  declare readonly fragmentOffset: number;
  declare readonly fragmentLength: number;
  declare reliableSequenceNumber: number;
  declare unreliableSequenceNumber: number;
  declare sentTime: number;
  declare roundTripTimeout: number;
  /** 1.3.17 only: timeoutLimit × the first RTO, compared against the doubled RTO. */
  declare roundTripTimeoutLimit: number;
  /** 1.3.18 only: the host-wide enqueue counter that merges the two outgoing queues. */
  declare queueTime: number;
  declare sendAttempts: number;
  /**
   * A reliable command that carries a packet: the only kind the 1.3.17 send walk skips once the
   * reliable window is exceeded. Every other queued command is sent, dropped or ends the walk.
   */
  declare readonly waitsForReliableWindow: boolean;
  constructor(command: Uint8Array, packet: Packet | null, fragmentOffset: number, fragmentLength: number) {
    super();
    this.command = command;
    this.packet = packet;
    this.fragmentOffset = fragmentOffset;
    this.fragmentLength = fragmentLength;
    this.reliableSequenceNumber = 0;
    this.unreliableSequenceNumber = 0;
    this.sentTime = 0;
    this.roundTripTimeout = 0;
    this.roundTripTimeoutLimit = 0;
    this.queueTime = 0;
    this.sendAttempts = 0;
    this.waitsForReliableWindow = (command[0]! & COMMAND_FLAG_ACKNOWLEDGE) !== 0 && packet !== null;
  }
}

/** A command received and queued for delivery, possibly a packet under reassembly (ENetIncomingCommand). */
export class IncomingCommand extends ListNode {
  declare readonly commandNumber: number;
  declare readonly channelID: number;
  declare readonly reliableSequenceNumber: number;
  declare readonly unreliableSequenceNumber: number;
  declare readonly fragmentCount: number;
  declare readonly packet: Packet;
  declare fragmentsRemaining: number;
  declare readonly fragments: Uint32Array | null;
  constructor(commandNumber: number, channelID: number, reliableSequenceNumber: number, unreliableSequenceNumber: number, fragmentCount: number, packet: Packet) {
    super();
    this.commandNumber = commandNumber;
    this.channelID = channelID;
    this.reliableSequenceNumber = reliableSequenceNumber;
    this.unreliableSequenceNumber = unreliableSequenceNumber;
    this.fragmentCount = fragmentCount;
    this.packet = packet;
    this.fragmentsRemaining = fragmentCount;
    this.fragments = fragmentCount > 0 ? new Uint32Array((fragmentCount + 31) >>> 5) : null;
  }
}

/** An acknowledgement owed to the remote peer (ENetAcknowledgement). */
export class Acknowledgement extends ListNode {
  declare readonly commandNumber: number;
  declare readonly channelID: number;
  declare readonly reliableSequenceNumber: number;
  declare readonly sentTime: number;
  constructor(commandNumber: number, channelID: number, reliableSequenceNumber: number, sentTime: number) {
    super();
    this.commandNumber = commandNumber;
    this.channelID = channelID;
    this.reliableSequenceNumber = reliableSequenceNumber;
    this.sentTime = sentTime;
  }
}

/** One channel's sequencing state (ENetChannel). */
export class Channel {
  outgoingReliableSequenceNumber = 0;
  outgoingUnreliableSequenceNumber = 0;
  usedReliableWindows = 0;
  readonly reliableWindows = new Uint16Array(Defaults.peerReliableWindows);
  incomingReliableSequenceNumber = 0;
  incomingUnreliableSequenceNumber = 0;
  readonly incomingReliableCommands = new List<IncomingCommand>();
  readonly incomingUnreliableCommands = new List<IncomingCommand>();
}

/** What a peer needs from its host: limits, counters, the dispatch queue and a flush. */
export interface PeerHost extends TransitionHost {
  readonly profile: ProtocolProfile;
  readonly behaviour: ProfileBehaviour;
  mtu: number;
  maximumPacketSize: number;
  maximumWaitingData: number;
  readonly checksumEnabled: boolean;
  totalQueued: number;
  readonly dispatchQueue: List<Peer>;
  /** enet_host_flush at ENet time `nowMs`. */
  flush(nowMs: number): void;
}

/** Result of an application send (enet_peer_send). */
export type SendResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'notConnected' | 'badChannel' | 'tooLarge' | 'tooManyFragments' };

/** The one success result, shared: a send allocates no result. */
const SEND_OK: SendResult = Object.freeze({ ok: true });

/**
 * One peer slot of a host (ENetPeer). Field names are ENet's; all times are ENet clock values
 * (uint32 ms) and all sizes bytes. A peer is a node of its host's dispatch queue.
 */
export class Peer extends ListNode {
  outgoingPeerID: number = Protocol.maximumPeerId;
  outgoingSessionID = 0xff;
  incomingSessionID = 0xff;
  /** The remote address: IPv4 as ENet stores it (uint32) and the UDP port. */
  address = { host: 0, port: 0 };
  state: PeerState = PeerState.STATE_DISCONNECTED;
  channels: Channel[] = [];
  incomingBandwidth = 0;
  outgoingBandwidth = 0;
  incomingBandwidthThrottleEpoch = 0;
  outgoingBandwidthThrottleEpoch = 0;
  incomingDataTotal = 0;
  outgoingDataTotal = 0;
  lastSendTime = 0;
  lastReceiveTime = 0;
  nextTimeout = 0;
  earliestTimeout = 0;
  packetLossEpoch = 0;
  packetsSent = 0;
  packetsLost = 0;
  packetLoss = 0;
  packetLossVariance = 0;
  packetThrottle: number = Defaults.peerPacketThrottle;
  packetThrottleLimit: number = Defaults.peerPacketThrottleScale;
  packetThrottleCounter = 0;
  packetThrottleEpoch = 0;
  packetThrottleAcceleration: number = Defaults.peerPacketThrottleAcceleration;
  packetThrottleDeceleration: number = Defaults.peerPacketThrottleDeceleration;
  packetThrottleInterval: number = Defaults.peerPacketThrottleIntervalMs;
  pingInterval: number = Defaults.peerPingIntervalMs;
  timeoutLimit: number = Defaults.peerTimeoutLimit;
  timeoutMinimum: number = Defaults.peerTimeoutMinimumMs;
  timeoutMaximum: number = Defaults.peerTimeoutMaximumMs;
  lastRoundTripTime: number = Defaults.peerRoundTripTimeMs;
  lowestRoundTripTime: number = Defaults.peerRoundTripTimeMs;
  lastRoundTripTimeVariance = 0;
  highestRoundTripTimeVariance = 0;
  roundTripTime: number = Defaults.peerRoundTripTimeMs;
  roundTripTimeVariance = 0;
  mtu: number;
  windowSize: number = Protocol.maximumWindowSizeBytes;
  reliableDataInTransit = 0;
  outgoingReliableSequenceNumber = 0;
  readonly acknowledgements = new List<Acknowledgement>();
  readonly sentReliableCommands = new List<OutgoingCommand>();
  /** 1.3.17: every queued command. 1.3.18: all but reliable commands that carry a packet. */
  readonly outgoingCommands = new List<OutgoingCommand>();
  /** 1.3.18 only: reliable commands that carry a packet (outgoingSendReliableCommands). */
  readonly outgoingSendReliableCommands = new List<OutgoingCommand>();
  /**
   * Not ENet state: how many queued commands (in either outgoing queue) do not wait for the
   * reliable window. Lets the 1.3.17 walk stop once only skipped commands remain; kept by
   * insertOutgoing / removeOutgoing.
   */
  outgoingOtherCommands = 0;
  readonly dispatchedCommands = new List<IncomingCommand>();
  needsDispatch = false;
  continueSending = false;
  incomingUnsequencedGroup = 0;
  outgoingUnsequencedGroup = 0;
  readonly unsequencedWindow = new Uint32Array(Defaults.peerUnsequencedWindowSize / 32);
  eventData = 0;
  totalWaitingData = 0;
  connectID = 0;
  /** Application data attached to the slot (ENetPeer.data); like ENet, reset() leaves it alone. */
  data: unknown = null;

  constructor(
    readonly host: PeerHost,
    /** This slot's index in the host, sent to the remote as its outgoingPeerID. */
    readonly incomingPeerID: number,
  ) {
    super();
    this.mtu = host.mtu;
  }

  get channelCount(): number {
    return this.channels.length;
  }

  /** enet_peer_has_outgoing_commands (1.3.18), and its inline 1.3.17 form. */
  hasOutgoingCommands(): boolean {
    return !(this.outgoingCommands.isEmpty() && this.outgoingSendReliableCommands.isEmpty() && this.sentReliableCommands.isEmpty());
  }

  // ENet: peer.c enet_peer_send
  /** Queues `packet` on `channelID`; fragments it when it does not fit one datagram. */
  send(channelID: number, packet: Packet): SendResult {
    if (this.state !== PeerState.STATE_CONNECTED) return { ok: false, reason: 'notConnected' };
    if (channelID >= this.channelCount) return { ok: false, reason: 'badChannel' };
    if (packet.data.length > this.host.maximumPacketSize) return { ok: false, reason: 'tooLarge' };
    const channel = this.channels[channelID]!;
    let fragmentLength = this.mtu - HEADER_SIZE_BYTES - COMMAND_SIZES_BYTES[Command.sendFragment]!;
    if (this.host.checksumEnabled) fragmentLength -= CHECKSUM_SIZE_BYTES;
    if (packet.data.length > fragmentLength) return this.sendFragments(channel, channelID, packet, fragmentLength);

    let command: Uint8Array;
    if ((packet.flags & (PacketFlag.reliable | PacketFlag.unsequenced)) === PacketFlag.unsequenced) {
      command = newCommand(Command.sendUnsequenced | COMMAND_FLAG_UNSEQUENCED, channelID);
      writeU16(command, Field.unsequencedDataLength, packet.data.length);
    } else if (packet.flags & PacketFlag.reliable || channel.outgoingUnreliableSequenceNumber >= 0xffff) {
      command = newCommand(Command.sendReliable | COMMAND_FLAG_ACKNOWLEDGE, channelID);
      writeU16(command, Field.reliableDataLength, packet.data.length);
    } else {
      command = newCommand(Command.sendUnreliable, channelID);
      writeU16(command, Field.unreliableDataLength, packet.data.length);
    }
    this.queueOutgoingCommand(command, packet, 0, packet.data.length);
    return SEND_OK;
  }

  private sendFragments(channel: Channel, channelID: number, packet: Packet, fragmentLengthMax: number): SendResult {
    const totalLength = packet.data.length;
    const fragmentCount = Math.floor((totalLength + fragmentLengthMax - 1) / fragmentLengthMax);
    if (fragmentCount > Protocol.maximumFragmentCount) return { ok: false, reason: 'tooManyFragments' };
    let commandByte: number;
    let startSequenceNumber: number;
    if (
      (packet.flags & (PacketFlag.reliable | PacketFlag.unreliableFragment)) === PacketFlag.unreliableFragment &&
      channel.outgoingUnreliableSequenceNumber < 0xffff
    ) {
      commandByte = Command.sendUnreliableFragment;
      startSequenceNumber = (channel.outgoingUnreliableSequenceNumber + 1) & 0xffff;
    } else {
      commandByte = Command.sendFragment | COMMAND_FLAG_ACKNOWLEDGE;
      startSequenceNumber = (channel.outgoingReliableSequenceNumber + 1) & 0xffff;
    }
    for (let fragmentNumber = 0, fragmentOffset = 0; fragmentOffset < totalLength; fragmentNumber++, fragmentOffset += fragmentLengthMax) {
      const fragmentLength = Math.min(fragmentLengthMax, totalLength - fragmentOffset);
      const command = newCommand(commandByte, channelID);
      writeU16(command, Field.startSequenceNumber, startSequenceNumber);
      writeU16(command, Field.fragmentDataLength, fragmentLength);
      writeU32(command, Field.fragmentCount, fragmentCount);
      writeU32(command, Field.fragmentNumber, fragmentNumber);
      writeU32(command, Field.totalLength, totalLength);
      writeU32(command, Field.fragmentOffset, fragmentOffset);
      this.setupOutgoingCommand(new OutgoingCommand(command, packet, fragmentOffset, fragmentLength));
    }
    return SEND_OK;
  }

  // ENet: peer.c enet_peer_queue_outgoing_command
  queueOutgoingCommand(command: Uint8Array, packet: Packet | null, offset: number, length: number): OutgoingCommand {
    const outgoingCommand = new OutgoingCommand(command, packet, offset, length);
    this.setupOutgoingCommand(outgoingCommand);
    return outgoingCommand;
  }

  // ENet: peer.c enet_peer_setup_outgoing_command
  setupOutgoingCommand(outgoingCommand: OutgoingCommand): void {
    const command = outgoingCommand.command;
    const commandByte = command[Field.command]!;
    const channelID = command[Field.channelID]!;
    this.outgoingDataTotal += COMMAND_SIZES_BYTES[commandByte & COMMAND_MASK]! + outgoingCommand.fragmentLength;
    if (channelID === SYSTEM_CHANNEL_ID) {
      this.outgoingReliableSequenceNumber = (this.outgoingReliableSequenceNumber + 1) & 0xffff;
      outgoingCommand.reliableSequenceNumber = this.outgoingReliableSequenceNumber;
      outgoingCommand.unreliableSequenceNumber = 0;
    } else {
      const channel = this.channels[channelID]!;
      if (commandByte & COMMAND_FLAG_ACKNOWLEDGE) {
        channel.outgoingReliableSequenceNumber = (channel.outgoingReliableSequenceNumber + 1) & 0xffff;
        channel.outgoingUnreliableSequenceNumber = 0;
        outgoingCommand.reliableSequenceNumber = channel.outgoingReliableSequenceNumber;
        outgoingCommand.unreliableSequenceNumber = 0;
      } else if (commandByte & COMMAND_FLAG_UNSEQUENCED) {
        this.outgoingUnsequencedGroup = (this.outgoingUnsequencedGroup + 1) & 0xffff;
        outgoingCommand.reliableSequenceNumber = 0;
        outgoingCommand.unreliableSequenceNumber = 0;
      } else {
        if (outgoingCommand.fragmentOffset === 0) {
          channel.outgoingUnreliableSequenceNumber = (channel.outgoingUnreliableSequenceNumber + 1) & 0xffff;
        }
        outgoingCommand.reliableSequenceNumber = channel.outgoingReliableSequenceNumber;
        outgoingCommand.unreliableSequenceNumber = channel.outgoingUnreliableSequenceNumber;
      }
    }
    outgoingCommand.sendAttempts = 0;
    outgoingCommand.sentTime = 0;
    outgoingCommand.roundTripTimeout = 0;
    outgoingCommand.roundTripTimeoutLimit = 0;
    writeU16(command, Field.reliableSequenceNumber, outgoingCommand.reliableSequenceNumber);
    const commandNumber = commandByte & COMMAND_MASK;
    if (commandNumber === Command.sendUnreliable) {
      writeU16(command, Field.unreliableSequenceNumber, outgoingCommand.unreliableSequenceNumber);
    } else if (commandNumber === Command.sendUnsequenced) {
      writeU16(command, Field.unsequencedGroup, this.outgoingUnsequencedGroup);
    }
    if (this.host.behaviour.separateSendReliableQueue) {
      this.host.totalQueued = (this.host.totalQueued + 1) >>> 0;
      outgoingCommand.queueTime = this.host.totalQueued;
      if (commandByte & COMMAND_FLAG_ACKNOWLEDGE && outgoingCommand.packet !== null) {
        this.insertOutgoing(this.outgoingSendReliableCommands.end(), outgoingCommand);
        return;
      }
    }
    this.insertOutgoing(this.outgoingCommands.end(), outgoingCommand);
  }

  /** Puts `outgoingCommand` into an outgoing queue before `position`. */
  insertOutgoing(position: ListNode, outgoingCommand: OutgoingCommand): void {
    listInsert(position, outgoingCommand);
    if (!outgoingCommand.waitsForReliableWindow) this.outgoingOtherCommands++;
  }

  /** Takes `outgoingCommand` out of the outgoing queue it is in. */
  removeOutgoing(outgoingCommand: OutgoingCommand): OutgoingCommand {
    listRemove(outgoingCommand);
    if (!outgoingCommand.waitsForReliableWindow) this.outgoingOtherCommands--;
    return outgoingCommand;
  }

  // ENet: peer.c enet_peer_receive
  /** Takes the next delivered packet, or null. */
  receive(): { packet: Packet; channelID: number } | null {
    if (this.dispatchedCommands.isEmpty()) return null;
    const incomingCommand = listRemove(this.dispatchedCommands.front());
    this.totalWaitingData -= incomingCommand.packet.data.length;
    return { packet: incomingCommand.packet, channelID: incomingCommand.channelID };
  }

  // ENet: peer.c enet_peer_throttle
  /** Adjusts the unreliable-packet throttle for one RTT sample; returns -1, 0 or 1 as ENet does. */
  throttle(roundTripTimeMs: number): number {
    if (this.lastRoundTripTime <= this.lastRoundTripTimeVariance) {
      this.packetThrottle = this.packetThrottleLimit;
    } else if (roundTripTimeMs <= this.lastRoundTripTime) {
      this.packetThrottle = Math.min(this.packetThrottle + this.packetThrottleAcceleration, this.packetThrottleLimit) >>> 0;
      // ENet compares after adding, so a limit below the current throttle also clamps it.
      return 1;
    } else if (roundTripTimeMs > this.lastRoundTripTime + 2 * this.lastRoundTripTimeVariance) {
      this.packetThrottle =
        this.packetThrottle > this.packetThrottleDeceleration ? this.packetThrottle - this.packetThrottleDeceleration : 0;
      return -1;
    }
    return 0;
  }

  // ENet: peer.c enet_peer_throttle_configure
  throttleConfigure(intervalMs: number, acceleration: number, deceleration: number): void {
    this.packetThrottleInterval = intervalMs >>> 0;
    this.packetThrottleAcceleration = acceleration >>> 0;
    this.packetThrottleDeceleration = deceleration >>> 0;
    const command = newCommand(Command.throttleConfigure | COMMAND_FLAG_ACKNOWLEDGE, SYSTEM_CHANNEL_ID);
    writeU32(command, Field.throttleInterval, this.packetThrottleInterval);
    writeU32(command, Field.throttleAcceleration, this.packetThrottleAcceleration);
    writeU32(command, Field.throttleDeceleration, this.packetThrottleDeceleration);
    this.queueOutgoingCommand(command, null, 0, 0);
  }

  // ENet: peer.c enet_peer_ping
  ping(): void {
    if (this.state !== PeerState.STATE_CONNECTED) return;
    this.queueOutgoingCommand(newCommand(Command.ping | COMMAND_FLAG_ACKNOWLEDGE, SYSTEM_CHANNEL_ID), null, 0, 0);
  }

  // ENet: peer.c enet_peer_ping_interval
  setPingInterval(pingIntervalMs: number): void {
    this.pingInterval = pingIntervalMs ? pingIntervalMs >>> 0 : Defaults.peerPingIntervalMs;
  }

  // ENet: peer.c enet_peer_timeout
  setTimeout(timeoutLimit: number, timeoutMinimumMs: number, timeoutMaximumMs: number): void {
    this.timeoutLimit = timeoutLimit ? timeoutLimit >>> 0 : this.host.behaviour.defaultTimeoutLimit;
    this.timeoutMinimum = timeoutMinimumMs ? timeoutMinimumMs >>> 0 : Defaults.peerTimeoutMinimumMs;
    this.timeoutMaximum = timeoutMaximumMs ? timeoutMaximumMs >>> 0 : Defaults.peerTimeoutMaximumMs;
  }

  // ENet: peer.c enet_peer_disconnect_now
  /** Sends one unsequenced DISCONNECT at once (flushing at `nowMs`) and frees the slot; no local event. */
  disconnectNow(data: number, nowMs: number): void {
    if (this.state === PeerState.STATE_DISCONNECTED) return;
    if (this.state !== PeerState.STATE_ZOMBIE && this.state !== PeerState.STATE_DISCONNECTING) {
      this.resetQueues();
      this.queueOutgoingCommand(disconnectCommand(COMMAND_FLAG_UNSEQUENCED, data), null, 0, 0);
      this.host.flush(nowMs);
    }
    this.reset('disconnectNow');
  }

  // ENet: peer.c enet_peer_disconnect
  /** Drops everything queued and sends DISCONNECT; the DISCONNECT event follows its acknowledgement. */
  disconnect(data: number, nowMs: number): void {
    const state = this.state;
    if (
      state === PeerState.STATE_DISCONNECTING ||
      state === PeerState.STATE_DISCONNECTED ||
      state === PeerState.STATE_ACKNOWLEDGING_DISCONNECT ||
      state === PeerState.STATE_ZOMBIE
    ) {
      return;
    }
    this.resetQueues();
    const connected = state === PeerState.STATE_CONNECTED || state === PeerState.STATE_DISCONNECT_LATER;
    this.queueOutgoingCommand(disconnectCommand(connected ? COMMAND_FLAG_ACKNOWLEDGE : COMMAND_FLAG_UNSEQUENCED, data), null, 0, 0);
    if (connected) {
      transition(this, PeerState.STATE_DISCONNECTING, 'disconnect');
    } else {
      this.host.flush(nowMs);
      this.reset('disconnect');
    }
  }

  // ENet: peer.c enet_peer_disconnect_later
  /** Disconnects once every queued outgoing command has been sent and acknowledged. */
  disconnectLater(data: number, nowMs: number): void {
    if (
      (this.state === PeerState.STATE_CONNECTED || this.state === PeerState.STATE_DISCONNECT_LATER) &&
      this.hasOutgoingCommands()
    ) {
      transition(this, PeerState.STATE_DISCONNECT_LATER, 'disconnectLater');
      this.eventData = data >>> 0;
    } else {
      this.disconnect(data, nowMs);
    }
  }

  // ENet: peer.c enet_peer_reset_queues
  resetQueues(): void {
    if (this.needsDispatch) {
      listRemove(this);
      this.needsDispatch = false;
    }
    this.acknowledgements.clear();
    this.sentReliableCommands.clear();
    this.outgoingCommands.clear();
    this.outgoingSendReliableCommands.clear();
    this.outgoingOtherCommands = 0;
    this.dispatchedCommands.clear();
    this.channels = [];
  }

  // ENet: peer.c enet_peer_reset
  /** Frees the slot without telling the remote (it will time out). Session ids survive. */
  reset(cause: TransitionCause = 'reset'): void {
    transition(this, PeerState.STATE_DISCONNECTED, cause);
    this.outgoingPeerID = Protocol.maximumPeerId;
    this.connectID = 0;
    this.incomingBandwidth = 0;
    this.outgoingBandwidth = 0;
    this.incomingBandwidthThrottleEpoch = 0;
    this.outgoingBandwidthThrottleEpoch = 0;
    this.incomingDataTotal = 0;
    this.outgoingDataTotal = 0;
    this.lastSendTime = 0;
    this.lastReceiveTime = 0;
    this.nextTimeout = 0;
    this.earliestTimeout = 0;
    this.packetLossEpoch = 0;
    this.packetsSent = 0;
    this.packetsLost = 0;
    this.packetLoss = 0;
    this.packetLossVariance = 0;
    this.packetThrottle = Defaults.peerPacketThrottle;
    this.packetThrottleLimit = Defaults.peerPacketThrottleScale;
    this.packetThrottleCounter = 0;
    this.packetThrottleEpoch = 0;
    this.packetThrottleAcceleration = Defaults.peerPacketThrottleAcceleration;
    this.packetThrottleDeceleration = Defaults.peerPacketThrottleDeceleration;
    this.packetThrottleInterval = Defaults.peerPacketThrottleIntervalMs;
    this.pingInterval = Defaults.peerPingIntervalMs;
    this.timeoutLimit = this.host.behaviour.defaultTimeoutLimit;
    this.timeoutMinimum = Defaults.peerTimeoutMinimumMs;
    this.timeoutMaximum = Defaults.peerTimeoutMaximumMs;
    this.lastRoundTripTime = Defaults.peerRoundTripTimeMs;
    this.lowestRoundTripTime = Defaults.peerRoundTripTimeMs;
    this.lastRoundTripTimeVariance = 0;
    this.highestRoundTripTimeVariance = 0;
    this.roundTripTime = Defaults.peerRoundTripTimeMs;
    this.roundTripTimeVariance = 0;
    this.mtu = this.host.mtu;
    this.reliableDataInTransit = 0;
    this.outgoingReliableSequenceNumber = 0;
    this.windowSize = Protocol.maximumWindowSizeBytes;
    this.incomingUnsequencedGroup = 0;
    this.outgoingUnsequencedGroup = 0;
    this.eventData = 0;
    this.totalWaitingData = 0;
    this.continueSending = false;
    this.unsequencedWindow.fill(0);
    this.resetQueues();
  }

  // ENet: peer.c enet_peer_queue_acknowledgement
  /** Queues an acknowledgement unless the command is so far ahead that the sender must wait. */
  queueAcknowledgement(commandNumber: number, channelID: number, reliableSequenceNumber: number, sentTime: number): boolean {
    if (channelID < this.channelCount) {
      const channel = this.channels[channelID]!;
      let reliableWindow = Math.floor(reliableSequenceNumber / Defaults.peerReliableWindowSize);
      const currentWindow = Math.floor(channel.incomingReliableSequenceNumber / Defaults.peerReliableWindowSize);
      if (reliableSequenceNumber < channel.incomingReliableSequenceNumber) reliableWindow += Defaults.peerReliableWindows;
      if (
        reliableWindow >= currentWindow + Defaults.peerFreeReliableWindows - 1 &&
        reliableWindow <= currentWindow + Defaults.peerFreeReliableWindows
      ) {
        return false;
      }
    }
    this.outgoingDataTotal += COMMAND_SIZES_BYTES[Command.acknowledge]!;
    listInsert(this.acknowledgements.end(), new Acknowledgement(commandNumber, channelID, reliableSequenceNumber, sentTime));
    return true;
  }

  /** Puts the peer on the host's dispatch queue if it is not there yet. */
  markForDispatch(): void {
    if (!this.needsDispatch) {
      listInsert(this.host.dispatchQueue.end(), this);
      this.needsDispatch = true;
    }
  }

  // ENet: peer.c enet_peer_dispatch_incoming_unreliable_commands
  dispatchIncomingUnreliableCommands(channel: Channel, queuedCommand: IncomingCommand | null): void {
    const queue = channel.incomingUnreliableCommands;
    let droppedCommand = queue.begin();
    let startCommand = droppedCommand;
    let currentCommand = droppedCommand;
    for (; currentCommand !== queue.end(); currentCommand = currentCommand.next) {
      const incomingCommand = currentCommand as IncomingCommand;
      if (incomingCommand.commandNumber === Command.sendUnsequenced) continue;
      if (incomingCommand.reliableSequenceNumber === channel.incomingReliableSequenceNumber) {
        if (incomingCommand.fragmentsRemaining <= 0) {
          channel.incomingUnreliableSequenceNumber = incomingCommand.unreliableSequenceNumber;
          continue;
        }
        if (startCommand !== currentCommand) {
          listMove(this.dispatchedCommands.end(), startCommand, currentCommand.prev);
          this.markForDispatch();
          droppedCommand = currentCommand;
        } else if (droppedCommand !== currentCommand) {
          droppedCommand = currentCommand.prev;
        }
      } else {
        let reliableWindow = Math.floor(incomingCommand.reliableSequenceNumber / Defaults.peerReliableWindowSize);
        const currentWindow = Math.floor(channel.incomingReliableSequenceNumber / Defaults.peerReliableWindowSize);
        if (incomingCommand.reliableSequenceNumber < channel.incomingReliableSequenceNumber) reliableWindow += Defaults.peerReliableWindows;
        if (reliableWindow >= currentWindow && reliableWindow < currentWindow + Defaults.peerFreeReliableWindows - 1) break;
        droppedCommand = currentCommand.next;
        if (startCommand !== currentCommand) {
          listMove(this.dispatchedCommands.end(), startCommand, currentCommand.prev);
          this.markForDispatch();
        }
      }
      startCommand = currentCommand.next;
    }
    if (startCommand !== currentCommand) {
      listMove(this.dispatchedCommands.end(), startCommand, currentCommand.prev);
      this.markForDispatch();
      droppedCommand = currentCommand;
    }
    removeIncomingCommands(queue.begin(), droppedCommand, queuedCommand);
  }

  // ENet: peer.c enet_peer_dispatch_incoming_reliable_commands
  dispatchIncomingReliableCommands(channel: Channel, queuedCommand: IncomingCommand | null): void {
    const queue = channel.incomingReliableCommands;
    let currentCommand = queue.begin();
    for (; currentCommand !== queue.end(); currentCommand = currentCommand.next) {
      const incomingCommand = currentCommand as IncomingCommand;
      if (
        incomingCommand.fragmentsRemaining > 0 ||
        incomingCommand.reliableSequenceNumber !== ((channel.incomingReliableSequenceNumber + 1) & 0xffff)
      ) {
        break;
      }
      channel.incomingReliableSequenceNumber = incomingCommand.reliableSequenceNumber;
      if (incomingCommand.fragmentCount > 0) {
        channel.incomingReliableSequenceNumber = (channel.incomingReliableSequenceNumber + incomingCommand.fragmentCount - 1) & 0xffff;
      }
    }
    if (currentCommand === queue.begin()) return;
    channel.incomingUnreliableSequenceNumber = 0;
    listMove(this.dispatchedCommands.end(), queue.begin(), currentCommand.prev);
    this.markForDispatch();
    if (!channel.incomingUnreliableCommands.isEmpty()) this.dispatchIncomingUnreliableCommands(channel, queuedCommand);
  }

  // ENet: peer.c enet_peer_queue_incoming_command
  /**
   * Files a received data command into its channel's queue, in sequence order, and dispatches what
   * became deliverable. Returns the queued command, `DISCARDED` when ENet silently drops it, or
   * null for ENet's error return (the caller abandons the rest of the datagram).
   */
  queueIncomingCommand(
    commandNumber: number,
    channelID: number,
    reliableSequenceNumber: number,
    unreliableSequenceNumberRaw: number,
    data: Uint8Array | null,
    dataLength: number,
    flags: number,
    fragmentCount: number,
  ): IncomingCommand | typeof DISCARDED | null {
    const discard = fragmentCount > 0 ? null : DISCARDED;
    if (this.state === PeerState.STATE_DISCONNECT_LATER) return discard;
    const channel = this.channels[channelID]!;
    let unreliableSequenceNumber = 0;
    if (commandNumber !== Command.sendUnsequenced) {
      let reliableWindow = Math.floor(reliableSequenceNumber / Defaults.peerReliableWindowSize);
      const currentWindow = Math.floor(channel.incomingReliableSequenceNumber / Defaults.peerReliableWindowSize);
      if (reliableSequenceNumber < channel.incomingReliableSequenceNumber) reliableWindow += Defaults.peerReliableWindows;
      if (reliableWindow < currentWindow || reliableWindow >= currentWindow + Defaults.peerFreeReliableWindows - 1) return discard;
    }
    let insertAfter: ListNode;
    switch (commandNumber) {
      case Command.sendFragment:
      case Command.sendReliable: {
        if (reliableSequenceNumber === channel.incomingReliableSequenceNumber) return discard;
        const place = locateReliable(channel, reliableSequenceNumber);
        if (place.match !== null) return discard;
        insertAfter = place.insertAfter;
        break;
      }
      case Command.sendUnreliable:
      case Command.sendUnreliableFragment: {
        unreliableSequenceNumber = unreliableSequenceNumberRaw;
        if (
          reliableSequenceNumber === channel.incomingReliableSequenceNumber &&
          unreliableSequenceNumber <= channel.incomingUnreliableSequenceNumber
        ) {
          return discard;
        }
        const place = locateUnreliable(channel, reliableSequenceNumber, unreliableSequenceNumber);
        if (place.match !== null) return discard;
        insertAfter = place.insertAfter;
        break;
      }
      case Command.sendUnsequenced:
        // ENet inserts after the list's end sentinel, i.e. at the FRONT of the queue, so an
        // unsequenced packet is dispatched ahead of unreliable ones waiting for a reliable packet.
        insertAfter = channel.incomingUnreliableCommands.end();
        break;
      default:
        return discard;
    }
    if (this.totalWaitingData >= this.host.maximumWaitingData) return null;
    const packet = new Packet(data === null ? allocateBytes(dataLength) : data, flags);
    const incomingCommand = new IncomingCommand(
      commandNumber,
      channelID,
      reliableSequenceNumber,
      unreliableSequenceNumber & 0xffff,
      fragmentCount,
      packet,
    );
    this.totalWaitingData += dataLength;
    listInsert(insertAfter.next, incomingCommand);
    if (commandNumber === Command.sendFragment || commandNumber === Command.sendReliable) {
      this.dispatchIncomingReliableCommands(channel, incomingCommand);
    } else {
      this.dispatchIncomingUnreliableCommands(channel, incomingCommand);
    }
    return incomingCommand;
  }
}

/** ENet's `dummyCommand`: a command accepted (and acknowledged) but dropped. */
export const DISCARDED: unique symbol = Symbol('discarded');

function disconnectCommand(flag: number, data: number): Uint8Array {
  const command = newCommand(Command.disconnect | flag, SYSTEM_CHANNEL_ID);
  writeU32(command, Field.disconnectData, data >>> 0);
  return command;
}

/** Where a command belongs in a channel's queue: the queued command with the same sequence numbers, or the node to insert after. */
export interface QueuePlace {
  match: IncomingCommand | null;
  insertAfter: ListNode;
}

/**
 * Walks the reliable queue from the back to where `reliableSequenceNumber` belongs, with ENet's
 * wrap-aware ordering (commands before the channel's delivered sequence sort after the others).
 * The same walk serves enet_peer_queue_incoming_command and enet_protocol_handle_send_fragment.
 */
export function locateReliable(channel: Channel, reliableSequenceNumber: number): QueuePlace {
  const queue = channel.incomingReliableCommands;
  let currentCommand = queue.end().prev;
  for (; currentCommand !== queue.end(); currentCommand = currentCommand.prev) {
    const incomingCommand = currentCommand as IncomingCommand;
    if (reliableSequenceNumber >= channel.incomingReliableSequenceNumber) {
      if (incomingCommand.reliableSequenceNumber < channel.incomingReliableSequenceNumber) continue;
    } else if (incomingCommand.reliableSequenceNumber >= channel.incomingReliableSequenceNumber) {
      break;
    }
    if (incomingCommand.reliableSequenceNumber <= reliableSequenceNumber) {
      if (incomingCommand.reliableSequenceNumber < reliableSequenceNumber) break;
      return { match: incomingCommand, insertAfter: currentCommand };
    }
  }
  return { match: null, insertAfter: currentCommand };
}

/**
 * Walks the unreliable queue from the back to where (reliable, unreliable) sequence numbers
 * belong; serves enet_peer_queue_incoming_command and enet_protocol_handle_send_unreliable_fragment.
 * ENet's own walk tests the *arriving* command's type for "unsequenced" (never true on this
 * path), so queued unsequenced commands take part in the ordering; kept as ENet does it.
 */
export function locateUnreliable(channel: Channel, reliableSequenceNumber: number, unreliableSequenceNumber: number): QueuePlace {
  const queue = channel.incomingUnreliableCommands;
  let currentCommand = queue.end().prev;
  for (; currentCommand !== queue.end(); currentCommand = currentCommand.prev) {
    const incomingCommand = currentCommand as IncomingCommand;
    if (reliableSequenceNumber >= channel.incomingReliableSequenceNumber) {
      if (incomingCommand.reliableSequenceNumber < channel.incomingReliableSequenceNumber) continue;
    } else if (incomingCommand.reliableSequenceNumber >= channel.incomingReliableSequenceNumber) {
      break;
    }
    if (incomingCommand.reliableSequenceNumber < reliableSequenceNumber) break;
    if (incomingCommand.reliableSequenceNumber > reliableSequenceNumber) continue;
    if (incomingCommand.unreliableSequenceNumber <= unreliableSequenceNumber) {
      if (incomingCommand.unreliableSequenceNumber < unreliableSequenceNumber) break;
      return { match: incomingCommand, insertAfter: currentCommand };
    }
  }
  return { match: null, insertAfter: currentCommand };
}

// ENet: peer.c enet_peer_remove_incoming_commands
function removeIncomingCommands(start: ListNode, end: ListNode, exclude: IncomingCommand | null): void {
  for (let currentCommand = start; currentCommand !== end; ) {
    const incomingCommand = currentCommand;
    currentCommand = currentCommand.next;
    if (incomingCommand === exclude) continue;
    listRemove(incomingCommand);
  }
}
