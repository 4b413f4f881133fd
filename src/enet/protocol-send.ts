// The send half of ENet's protocol (protocol.c enet_protocol_send_outgoing_commands and the
// functions it calls): per peer, acknowledgements first, then retransmission timeouts, then queued
// commands and pings, packed into datagrams of at most 32 commands and one MTU.
import {
  CHECKSUM_SIZE_BYTES,
  COMMAND_FLAG_ACKNOWLEDGE,
  COMMAND_MASK,
  COMMAND_SIZES_BYTES,
  Command,
  Defaults,
  HEADER_FLAG_COMPRESSED,
  HEADER_FLAG_SENT_TIME,
  HEADER_SESSION_SHIFT,
  HEADER_SIZE_BYTES,
  PeerState,
  Protocol,
} from './constants.js';
import { Field, writeU16, writeU32, writeU32Native } from './codec.js';
import { crc32Finish, crc32Update } from './crc32.js';
import { allocateBytes, copyBytes } from './byte-slab.js';
import { EventType, type HostEvent } from './events.js';
import type { Host } from './host.js';
import { List, ListNode, listInsert, listRemove } from './list.js';
import { type Channel, type OutgoingCommand, type Peer } from './peer.js';
import { mulU32, timeDifferenceMs, timeGreaterEqual, timeLess } from './time.js';

/**
 * Where the body starts in a builder's buffer: room in front for the largest header (peer id, sent
 * time, checksum), written there once the body is complete.
 */
const BODY_START_BYTES = 4 + CHECKSUM_SIZE_BYTES;

/**
 * The datagram being assembled for one peer: ENet keeps these on the host, we keep them here. The
 * body is written in place into one reused buffer; only the finished datagram, which leaves the core,
 * is a fresh array of its exact size.
 */
class DatagramBuilder {
  headerFlags = 0;
  commandCount = 0;
  bufferCount = 1;
  /** Bytes counted against the MTU: starts at the 4-byte header, never counts the checksum. */
  packetSize = HEADER_SIZE_BYTES;
  /** Header room, then the body from BODY_START_BYTES; grows when a peer's MTU needs more. */
  buffer = new Uint8Array(BODY_START_BYTES + Protocol.maximumMtuBytes);
  /** Where the body written so far ends in `buffer`. */
  end = BODY_START_BYTES;
  /**
   * Where each of ENet's buffers (a command header, a payload) ends in `buffer`, in order: a
   * compressor is handed the body split as ENet splits it.
   */
  readonly partEnds: number[] = [];
  sentUnreliableCommands = 0;
  full = false;

  reset(): void {
    this.headerFlags = 0;
    this.commandCount = 0;
    this.bufferCount = 1;
    this.packetSize = HEADER_SIZE_BYTES;
    this.end = BODY_START_BYTES;
    this.partEnds.length = 0;
    this.sentUnreliableCommands = 0;
    this.full = false;
  }

  /** Makes room for `sizeBytes` more body bytes. */
  reserve(sizeBytes: number): void {
    const needed = this.end + sizeBytes;
    if (needed <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, this.end));
    this.buffer = grown;
  }

  /** Appends a command header (at most 48 bytes: a loop beats TypedArray.set at this size). */
  appendSmall(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    const buffer = this.buffer;
    let at = this.end;
    for (let index = 0; index < bytes.length; index++) buffer[at++] = bytes[index]!;
    this.end = at;
    this.partEnds.push(at);
  }

  /** Appends `lengthBytes` of `source` from `offset` (a payload or a fragment of one). */
  appendRange(source: Uint8Array, offset: number, lengthBytes: number): void {
    this.reserve(lengthBytes);
    const buffer = this.buffer;
    const at = this.end;
    if (lengthBytes <= 64) {
      for (let index = 0; index < lengthBytes; index++) buffer[at + index] = source[offset + index]!;
    } else {
      buffer.set(source.subarray(offset, offset + lengthBytes), at);
    }
    this.end = at + lengthBytes;
    this.partEnds.push(this.end);
  }

  /** The body as ENet's list of buffers (only built for a compressor). */
  parts(): Uint8Array[] {
    const parts: Uint8Array[] = [];
    let start = BODY_START_BYTES;
    for (const partEnd of this.partEnds) {
      parts.push(this.buffer.subarray(start, partEnd));
      start = partEnd;
    }
    return parts;
  }
}

/**
 * Builders not in use. A send pass takes one and gives it back, so all hosts share a few buffers; a
 * pass started inside another (a flush from a state change) takes its own.
 */
const idleBuilders: DatagramBuilder[] = [];

// ENet: protocol.c enet_protocol_send_outgoing_commands
/** One send pass over all peers. Returns 1 when a timeout filled `event`, else 0. */
export function sendOutgoingCommands(host: Host, event: HostEvent | null, checkForTimeouts: boolean): 0 | 1 {
  const builder = idleBuilders.pop() ?? new DatagramBuilder();
  try {
    return sendPass(host, event, checkForTimeouts, builder);
  } finally {
    idleBuilders.push(builder);
  }
}

function sendPass(host: Host, event: HostEvent | null, checkForTimeouts: boolean, builder: DatagramBuilder): 0 | 1 {
  if (!host.behaviour.separateSendReliableQueue) {
    // 1.3.17 repeats the whole pass over every peer while any peer ran out of datagram room.
    let continueSending = true;
    while (continueSending) {
      continueSending = false;
      for (const peer of host.peers) {
        if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) continue;
        const outcome = sendToPeer(host, peer, event, checkForTimeouts, builder);
        if (builder.full) continueSending = true;
        if (outcome === 1) return 1;
      }
    }
    return 0;
  }
  // 1.3.18 repeats the pass only for the peers that ran out of room.
  for (let sendPass = 0, continueSending = 0; sendPass <= continueSending; sendPass++) {
    for (const peer of host.peers) {
      if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) continue;
      if (sendPass > 0 && !peer.continueSending) continue;
      peer.continueSending = false;
      const outcome = sendToPeer(host, peer, event, checkForTimeouts, builder);
      if (builder.full) peer.continueSending = true;
      if (outcome === 1) return 1;
      if (peer.continueSending) continueSending = sendPass + 1;
    }
  }
  return 0;
}

/** Builds and sends at most one datagram to `peer`. Returns 1 when a timeout event ends the pass. */
function sendToPeer(host: Host, peer: Peer, event: HostEvent | null, checkForTimeouts: boolean, builder: DatagramBuilder): 0 | 1 {
  builder.reset();
  if (!peer.acknowledgements.isEmpty()) sendAcknowledgements(host, peer, builder);
  if (
    checkForTimeouts &&
    !peer.sentReliableCommands.isEmpty() &&
    timeGreaterEqual(host.serviceTime, peer.nextTimeout) &&
    checkTimeouts(host, peer, event)
  ) {
    return event !== null && event.type !== EventType.EVENT_NONE ? 1 : 0;
  }
  const nothingQueued = peer.outgoingCommands.isEmpty() && peer.outgoingSendReliableCommands.isEmpty();
  if (
    (nothingQueued || checkOutgoingCommands(host, peer, builder)) &&
    peer.sentReliableCommands.isEmpty() &&
    timeDifferenceMs(host.serviceTime, peer.lastReceiveTime) >= peer.pingInterval &&
    peer.mtu - builder.packetSize >= COMMAND_SIZES_BYTES[Command.ping]!
  ) {
    peer.ping();
    checkOutgoingCommands(host, peer, builder);
  }
  if (builder.commandCount === 0) return 0;
  updatePacketLoss(host, peer);
  transmit(host, peer, builder);
  return 0;
}

// ENet: protocol.c enet_protocol_send_acknowledgements
function sendAcknowledgements(host: Host, peer: Peer, builder: DatagramBuilder): void {
  const ackSize = COMMAND_SIZES_BYTES[Command.acknowledge]!;
  const queue = peer.acknowledgements;
  while (!queue.isEmpty()) {
    if (
      builder.commandCount >= Protocol.maximumPacketCommands ||
      builder.bufferCount >= Defaults.bufferMaximum ||
      peer.mtu - builder.packetSize < ackSize
    ) {
      builder.full = true;
      break;
    }
    const acknowledgement = listRemove(queue.front());
    builder.reserve(ackSize);
    const command = builder.buffer;
    const at = builder.end;
    command[at + Field.command] = Command.acknowledge;
    command[at + Field.channelID] = acknowledgement.channelID;
    writeU16(command, at + Field.reliableSequenceNumber, acknowledgement.reliableSequenceNumber);
    writeU16(command, at + Field.receivedReliableSequenceNumber, acknowledgement.reliableSequenceNumber);
    writeU16(command, at + Field.receivedSentTime, acknowledgement.sentTime);
    builder.end = at + ackSize;
    builder.partEnds.push(builder.end);
    builder.packetSize += ackSize;
    builder.commandCount++;
    builder.bufferCount++;
    if (acknowledgement.commandNumber === Command.disconnect) {
      host.dispatchState(peer, PeerState.STATE_ZOMBIE, 'disconnectAcknowledgementSent');
    }
  }
}

// ENet: protocol.c enet_protocol_check_timeouts
/** Requeues every reliable command whose RTO ran out; returns true when the peer was dropped. */
function checkTimeouts(host: Host, peer: Peer, event: HostEvent | null): boolean {
  const sent = peer.sentReliableCommands;
  const insertPosition = peer.outgoingCommands.begin();
  const insertSendReliablePosition = peer.outgoingSendReliableCommands.begin();
  let current = sent.begin();
  while (current !== sent.end()) {
    const outgoingCommand = current as OutgoingCommand;
    current = current.next;
    if (timeDifferenceMs(host.serviceTime, outgoingCommand.sentTime) < outgoingCommand.roundTripTimeout) continue;
    if (peer.earliestTimeout === 0 || timeLess(outgoingCommand.sentTime, peer.earliestTimeout)) {
      peer.earliestTimeout = outgoingCommand.sentTime;
    }
    if (peer.earliestTimeout !== 0) {
      const elapsedMs = timeDifferenceMs(host.serviceTime, peer.earliestTimeout);
      if (elapsedMs >= peer.timeoutMaximum) {
        host.notifyDisconnect(peer, event, 'timeoutMaximum');
        return true;
      }
      if (timeoutLimitReached(host, peer, outgoingCommand) && elapsedMs >= peer.timeoutMinimum) {
        host.notifyDisconnect(peer, event, 'timeoutLimit');
        return true;
      }
    }
    peer.packetsLost = (peer.packetsLost + 1) >>> 0;
    outgoingCommand.roundTripTimeout = (outgoingCommand.roundTripTimeout * 2) >>> 0;
    listRemove(outgoingCommand);
    if (outgoingCommand.packet !== null) {
      peer.reliableDataInTransit -= outgoingCommand.fragmentLength;
      peer.insertOutgoing(host.behaviour.separateSendReliableQueue ? insertSendReliablePosition : insertPosition, outgoingCommand);
    } else {
      peer.insertOutgoing(insertPosition, outgoingCommand);
    }
    if (current === sent.begin() && !sent.isEmpty()) {
      const next = current as OutgoingCommand;
      peer.nextTimeout = (next.sentTime + next.roundTripTimeout) >>> 0;
    }
  }
  return false;
}

/** The backoff test after which `timeoutMinimum` applies (ProfileBehaviour.timeoutRule). */
function timeoutLimitReached(host: Host, peer: Peer, outgoingCommand: OutgoingCommand): boolean {
  switch (host.behaviour.timeoutRule) {
    case 'rto-limit':
      return outgoingCommand.roundTripTimeout >= outgoingCommand.roundTripTimeoutLimit;
    case 'attempts-power-of-two':
      // C shifts an int: x86 masks the count to 5 bits, as JavaScript does, and compares as unsigned.
      return (1 << (outgoingCommand.sendAttempts - 1)) >>> 0 >= peer.timeoutLimit;
    case 'attempts-linear':
      // A command in the sent list was sent at least once, so sendAttempts − 1 ≥ 0 and the C comparison
      // (int converted to the unsigned timeoutLimit) is the plain one.
      return outgoingCommand.sendAttempts - 1 >= peer.timeoutLimit;
  }
}

/** True when a reliable command opening a new 4096-sequence window must wait (reference §4.2). */
function reliableWindowBlocked(channel: Channel, outgoingCommand: OutgoingCommand, reliableWindow: number): boolean {
  if (outgoingCommand.sendAttempts >= 1 || outgoingCommand.reliableSequenceNumber % Defaults.peerReliableWindowSize !== 0) return false;
  const windows = Defaults.peerReliableWindows;
  const span = (1 << (Defaults.peerFreeReliableWindows + 2)) - 1;
  return (
    channel.reliableWindows[(reliableWindow + windows - 1) % windows]! >= Defaults.peerReliableWindowSize ||
    (channel.usedReliableWindows & ((span << reliableWindow) | (span >> (windows - reliableWindow)))) !== 0
  );
}

/** True when sending this reliable payload would exceed the throttled window of reliable data in flight. */
function reliableWindowExceeded(peer: Peer, outgoingCommand: OutgoingCommand): boolean {
  const windowSize = Math.floor((peer.packetThrottle * peer.windowSize) / Defaults.peerPacketThrottleScale);
  return peer.reliableDataInTransit + outgoingCommand.fragmentLength > Math.max(windowSize, peer.mtu);
}

function datagramFull(builder: DatagramBuilder, peer: Peer, outgoingCommand: OutgoingCommand, commandSize: number): boolean {
  const room = peer.mtu - builder.packetSize;
  return (
    builder.commandCount >= Protocol.maximumPacketCommands ||
    builder.bufferCount + 1 >= Defaults.bufferMaximum ||
    room < commandSize ||
    (outgoingCommand.packet !== null && (room & 0xffff) < ((commandSize + outgoingCommand.fragmentLength) & 0xffff))
  );
}

/** Moves a reliable command to the sent list and starts its retransmission clock. */
function markReliableSent(host: Host, peer: Peer, builder: DatagramBuilder, outgoingCommand: OutgoingCommand, channel: Channel | null, reliableWindow: number): void {
  if (channel !== null && outgoingCommand.sendAttempts < 1) {
    channel.usedReliableWindows |= 1 << reliableWindow;
    channel.reliableWindows[reliableWindow]!++;
  }
  outgoingCommand.sendAttempts++;
  if (outgoingCommand.roundTripTimeout === 0) {
    outgoingCommand.roundTripTimeout = (peer.roundTripTime + 4 * peer.roundTripTimeVariance) >>> 0;
    outgoingCommand.roundTripTimeoutLimit = mulU32(peer.timeoutLimit, outgoingCommand.roundTripTimeout);
  }
  if (peer.sentReliableCommands.isEmpty()) peer.nextTimeout = (host.serviceTime + outgoingCommand.roundTripTimeout) >>> 0;
  listInsert(peer.sentReliableCommands.end(), peer.removeOutgoing(outgoingCommand));
  outgoingCommand.sentTime = host.serviceTime;
  builder.headerFlags |= HEADER_FLAG_SENT_TIME;
  peer.reliableDataInTransit += outgoingCommand.fragmentLength;
}

/**
 * The unreliable throttle's drop decision: true when this packet is dropped. The counter steps by
 * 7 mod 32 for every unreliable packet, so throttle t lets (t + 1) / 32 of them through.
 */
function throttleDrops(peer: Peer, outgoingCommand: OutgoingCommand): boolean {
  if (outgoingCommand.packet === null || outgoingCommand.fragmentOffset !== 0) return false;
  peer.packetThrottleCounter = (peer.packetThrottleCounter + Defaults.peerPacketThrottleCounterStep) % Defaults.peerPacketThrottleScale;
  return peer.packetThrottleCounter > peer.packetThrottle;
}

/**
 * Drops `outgoingCommand` and the queued commands right behind it that share its (reliable,
 * unreliable) sequence pair: its other fragments, and (an ENet quirk) any unsequenced packets
 * queued behind an unsequenced one. Returns the node where iteration resumes.
 */
function dropWithFollowers(peer: Peer, queue: List<OutgoingCommand>, outgoingCommand: OutgoingCommand, next: ListNode): ListNode {
  const { reliableSequenceNumber, unreliableSequenceNumber } = outgoingCommand;
  let current = next;
  let victim = outgoingCommand;
  for (;;) {
    peer.removeOutgoing(victim);
    if (current === queue.end()) return current;
    victim = current as OutgoingCommand;
    if (victim.reliableSequenceNumber !== reliableSequenceNumber || victim.unreliableSequenceNumber !== unreliableSequenceNumber) {
      return current;
    }
    current = current.next;
  }
}

function appendCommand(peer: Peer, builder: DatagramBuilder, outgoingCommand: OutgoingCommand, commandSize: number): void {
  builder.appendSmall(outgoingCommand.command);
  builder.packetSize += commandSize;
  builder.bufferCount++;
  if (outgoingCommand.packet !== null) {
    builder.appendRange(outgoingCommand.packet.data, outgoingCommand.fragmentOffset, outgoingCommand.fragmentLength);
    builder.packetSize += outgoingCommand.fragmentLength;
    builder.bufferCount++;
  }
  builder.commandCount++;
  peer.packetsSent = (peer.packetsSent + 1) >>> 0;
}

function disconnectIfDrained(peer: Peer, builder: DatagramBuilder, nowMs: number): void {
  if (peer.state === PeerState.STATE_DISCONNECT_LATER && !peer.hasOutgoingCommands() && builder.sentUnreliableCommands === 0) {
    peer.disconnect(peer.eventData, nowMs);
  }
}

/** The channel a reliable command belongs to, or null for the system channel. */
function channelOf(peer: Peer, outgoingCommand: OutgoingCommand): Channel | null {
  const channelID = outgoingCommand.command[Field.channelID]!;
  return channelID < peer.channelCount ? peer.channels[channelID]! : null;
}

// ENet: protocol.c enet_protocol_check_outgoing_commands
/** Packs queued commands into the datagram; returns ENet's canPing (no reliable command went out). */
function checkOutgoingCommands(host: Host, peer: Peer, builder: DatagramBuilder): boolean {
  return host.behaviour.separateSendReliableQueue ? checkOutgoingCommands1318(host, peer, builder) : checkOutgoingCommands1317(host, peer, builder);
}

function checkOutgoingCommands1317(host: Host, peer: Peer, builder: DatagramBuilder): boolean {
  const queue = peer.outgoingCommands;
  let windowExceeded = false;
  let windowWrap = false;
  let canPing = true;
  // Commands that do not wait for the reliable window but stay queued behind the walk (a reliable
  // channel command without a packet, skipped for a window wrap; none of ENet's commands is one).
  let othersBehind = 0;
  let current = queue.begin();
  while (current !== queue.end()) {
    // Not in ENet, same decisions: once the window is exceeded, a queue holding only commands that
    // wait for it would be walked to its end skipping each (tens of thousands of fragments in a
    // bulk transfer), so the walk ends here.
    if (windowExceeded && peer.outgoingOtherCommands === othersBehind) break;
    const outgoingCommand = current as OutgoingCommand;
    const commandByte = outgoingCommand.command[Field.command]!;
    const reliable = (commandByte & COMMAND_FLAG_ACKNOWLEDGE) !== 0;
    let channel: Channel | null = null;
    let reliableWindow = 0;
    if (reliable) {
      channel = channelOf(peer, outgoingCommand);
      reliableWindow = Math.floor(outgoingCommand.reliableSequenceNumber / Defaults.peerReliableWindowSize);
      if (channel !== null) {
        if (!windowWrap && reliableWindowBlocked(channel, outgoingCommand, reliableWindow)) windowWrap = true;
        if (windowWrap) {
          if (!outgoingCommand.waitsForReliableWindow) othersBehind++;
          current = current.next;
          continue;
        }
      }
      if (outgoingCommand.packet !== null) {
        if (!windowExceeded && reliableWindowExceeded(peer, outgoingCommand)) windowExceeded = true;
        if (windowExceeded) {
          current = current.next;
          continue;
        }
      }
      canPing = false;
    }
    const commandSize = COMMAND_SIZES_BYTES[commandByte & COMMAND_MASK]!;
    if (datagramFull(builder, peer, outgoingCommand, commandSize)) {
      builder.full = true;
      break;
    }
    current = current.next;
    if (reliable) {
      markReliableSent(host, peer, builder, outgoingCommand, channel, reliableWindow);
    } else {
      if (throttleDrops(peer, outgoingCommand)) {
        current = dropWithFollowers(peer, queue, outgoingCommand, current);
        continue;
      }
      peer.removeOutgoing(outgoingCommand);
      if (outgoingCommand.packet !== null) builder.sentUnreliableCommands++;
    }
    appendCommand(peer, builder, outgoingCommand, commandSize);
  }
  disconnectIfDrained(peer, builder, host.serviceTime);
  return canPing;
}

function checkOutgoingCommands1318(host: Host, peer: Peer, builder: DatagramBuilder): boolean {
  const queue = peer.outgoingCommands;
  const reliableQueue = peer.outgoingSendReliableCommands;
  let windowWrap = false;
  let canPing = true;
  let current = queue.begin();
  let currentSendReliable = reliableQueue.begin();
  for (;;) {
    let outgoingCommand: OutgoingCommand;
    // Merge the two queues by enqueue order, as 1.3.18 does with queueTime.
    if (
      current !== queue.end() &&
      !(currentSendReliable !== reliableQueue.end() && timeLess((currentSendReliable as OutgoingCommand).queueTime, (current as OutgoingCommand).queueTime))
    ) {
      outgoingCommand = current as OutgoingCommand;
      current = current.next;
    } else if (currentSendReliable !== reliableQueue.end()) {
      outgoingCommand = currentSendReliable as OutgoingCommand;
      currentSendReliable = currentSendReliable.next;
    } else {
      break;
    }
    const commandByte = outgoingCommand.command[Field.command]!;
    const reliable = (commandByte & COMMAND_FLAG_ACKNOWLEDGE) !== 0;
    let channel: Channel | null = null;
    let reliableWindow = 0;
    if (reliable) {
      channel = channelOf(peer, outgoingCommand);
      reliableWindow = Math.floor(outgoingCommand.reliableSequenceNumber / Defaults.peerReliableWindowSize);
      if (channel !== null) {
        if (windowWrap) continue;
        if (reliableWindowBlocked(channel, outgoingCommand, reliableWindow)) {
          windowWrap = true;
          currentSendReliable = reliableQueue.end();
          continue;
        }
      }
      if (outgoingCommand.packet !== null && reliableWindowExceeded(peer, outgoingCommand)) {
        currentSendReliable = reliableQueue.end();
        continue;
      }
      canPing = false;
    }
    const commandSize = COMMAND_SIZES_BYTES[commandByte & COMMAND_MASK]!;
    if (datagramFull(builder, peer, outgoingCommand, commandSize)) {
      builder.full = true;
      break;
    }
    if (reliable) {
      markReliableSent(host, peer, builder, outgoingCommand, channel, reliableWindow);
    } else {
      if (throttleDrops(peer, outgoingCommand)) {
        current = dropWithFollowers(peer, queue, outgoingCommand, current);
        continue;
      }
      peer.removeOutgoing(outgoingCommand);
      if (outgoingCommand.packet !== null) builder.sentUnreliableCommands++;
    }
    appendCommand(peer, builder, outgoingCommand, commandSize);
  }
  disconnectIfDrained(peer, builder, host.serviceTime);
  return canPing;
}

/** The packet-loss statistic, updated at most every 10 s in a pass that sends something (reference §4.5). */
export function updatePacketLoss(host: Host, peer: Peer): void {
  if (peer.packetLossEpoch === 0) {
    peer.packetLossEpoch = host.serviceTime;
    return;
  }
  if (timeDifferenceMs(host.serviceTime, peer.packetLossEpoch) < Defaults.peerPacketLossIntervalMs || peer.packetsSent === 0) return;
  const packetLoss = Math.floor(mulU32(peer.packetsLost, Defaults.peerPacketLossScale) / peer.packetsSent);
  peer.packetLossVariance = Math.floor((peer.packetLossVariance * 3 + Math.abs(packetLoss - peer.packetLoss)) / 4) >>> 0;
  peer.packetLoss = Math.floor((peer.packetLoss * 7 + packetLoss) / 8) >>> 0;
  peer.packetLossEpoch = host.serviceTime;
  peer.packetsSent = 0;
  peer.packetsLost = 0;
}

/** Writes the header (sent time, session, checksum), compresses when it helps, and emits the datagram. */
function transmit(host: Host, peer: Peer, builder: DatagramBuilder): void {
  const hasSentTime = (builder.headerFlags & HEADER_FLAG_SENT_TIME) !== 0;
  const headerSize = hasSentTime ? 4 : 2;
  const bodySize = builder.packetSize - HEADER_SIZE_BYTES;
  const buffer = builder.buffer;
  let compressed: Uint8Array | null = null;
  if (host.compressor !== null) {
    const output = host.compressor.compress(builder.parts(), bodySize, bodySize);
    if (output !== null && output.length > 0 && output.length < bodySize) {
      builder.headerFlags |= HEADER_FLAG_COMPRESSED;
      compressed = output;
    }
  }
  if (peer.outgoingPeerID < Protocol.maximumPeerId) builder.headerFlags |= peer.outgoingSessionID << HEADER_SESSION_SHIFT;
  // The header goes right in front of the body already in the builder's buffer.
  const checksumSize = host.checksumEnabled ? CHECKSUM_SIZE_BYTES : 0;
  const start = BODY_START_BYTES - checksumSize - headerSize;
  writeU16(buffer, start, (peer.outgoingPeerID | builder.headerFlags) & 0xffff);
  if (hasSentTime) writeU16(buffer, start + 2, host.serviceTime & 0xffff);
  if (host.checksumEnabled) {
    // ENet sums the header with the connect id in the checksum slot, then the body as queued
    // (before compression).
    writeU32Native(buffer, start + headerSize, peer.outgoingPeerID < Protocol.maximumPeerId ? peer.connectID : 0);
    const crc = crc32Update(0xffffffff, buffer.subarray(start, BODY_START_BYTES + bodySize));
    writeU32(buffer, start + headerSize, crc32Finish(crc));
  }
  // The datagram leaves the core (the simulator and its trace may keep it): an array of its own.
  let datagram: Uint8Array;
  if (compressed === null) {
    datagram = copyBytes(buffer, start, BODY_START_BYTES + bodySize);
  } else {
    datagram = allocateBytes(BODY_START_BYTES - start + compressed.length);
    datagram.set(buffer.subarray(start, BODY_START_BYTES));
    datagram.set(compressed, BODY_START_BYTES - start);
  }
  peer.lastSendTime = host.serviceTime;
  host.emit(peer.address, datagram);
  // ENet: protocol.c enet_protocol_remove_sent_unreliable_commands (the packets themselves are GC'd).
  if (builder.sentUnreliableCommands > 0 && peer.state === PeerState.STATE_DISCONNECT_LATER && !peer.hasOutgoingCommands()) {
    peer.disconnect(peer.eventData, host.serviceTime);
  }
  host.totalSentData = (host.totalSentData + datagram.length) >>> 0;
  host.totalSentPackets = (host.totalSentPackets + 1) >>> 0;
}
