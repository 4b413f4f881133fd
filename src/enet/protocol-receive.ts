// The receive half of ENet's protocol (protocol.c): accepting a datagram and handling each command
// in it. Bad input from the network is never thrown: the datagram, or the rest of it, is dropped
// and counted by reason on the host, exactly where libenet would stop.
import {
  CHECKSUM_SIZE_BYTES,
  COMMAND_FLAG_ACKNOWLEDGE,
  COMMAND_MASK,
  COMMAND_SIZES_BYTES,
  Command,
  Defaults,
  HEADER_FLAG_COMPRESSED,
  HEADER_FLAG_MASK,
  HEADER_FLAG_SENT_TIME,
  HEADER_SESSION_MASK,
  HEADER_SESSION_SHIFT,
  PacketFlag,
  PeerState,
  Protocol,
  SYSTEM_CHANNEL_ID,
} from './constants.js';
import { Field, encodeHandshake, readU16, readU32, readU32Native, writeU32Native } from './codec.js';
import { crc32 } from './crc32.js';
import { copyBytes } from './byte-slab.js';
import { EventType, type HostEvent } from './events.js';
import type { Host, WireAddress } from './host.js';
import { Channel, DISCARDED, type IncomingCommand, Peer, locateReliable, locateUnreliable } from './peer.js';
import { transition } from './peer-state.js';
import { mulU32, timeDifferenceMs, timeLess } from './time.js';

/** Why a whole datagram was ignored. */
export type DatagramDropReason =
  | 'truncatedHeader'
  | 'unknownPeer'
  | 'inactivePeer'
  | 'addressMismatch'
  | 'sessionMismatch'
  | 'compressionUnsupported'
  | 'decompressionFailed'
  | 'checksumMismatch'
  | 'oversize';

/** Why the rest of a datagram was ignored after some commands were handled. */
export type CommandStopReason =
  | 'unknownCommand'
  | 'truncatedCommand'
  | 'noPeer'
  | 'commandRefused'
  | 'unacknowledgeable';

const HANDLE_ERROR = -1;

// ENet: protocol.c enet_protocol_handle_incoming_commands
/** Handles one received datagram. Returns 1 when `event` was filled (the service call ends). */
export function handleIncomingCommands(host: Host, event: HostEvent | null, received: Uint8Array, source: WireAddress): 0 | 1 {
  if (received.length < 2) return dropDatagram(host, 'truncatedHeader', received);
  const word = readU16(received, 0);
  const sessionID = (word & HEADER_SESSION_MASK) >>> HEADER_SESSION_SHIFT;
  const flags = word & HEADER_FLAG_MASK;
  const peerID = word & ~(HEADER_FLAG_MASK | HEADER_SESSION_MASK);
  let headerSize = flags & HEADER_FLAG_SENT_TIME ? 4 : 2;
  if (host.checksumEnabled) headerSize += CHECKSUM_SIZE_BYTES;

  let peer: Peer | null = null;
  if (peerID !== Protocol.maximumPeerId) {
    if (peerID >= host.peerCount) return dropDatagram(host, 'unknownPeer', received);
    peer = host.peers[peerID]!;
    if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) return dropDatagram(host, 'inactivePeer', received);
    if ((source.host !== peer.address.host || source.port !== peer.address.port) && !acceptsAnySource(host, peer)) {
      return dropDatagram(host, 'addressMismatch', received);
    }
    if (peer.outgoingPeerID < Protocol.maximumPeerId && sessionID !== peer.incomingSessionID) return dropDatagram(host, 'sessionMismatch', received);
  }

  let data = received;
  if (flags & HEADER_FLAG_COMPRESSED) {
    const inflated = decompressDatagram(host, received, headerSize);
    if (typeof inflated === 'string') return dropDatagram(host, inflated, received);
    data = inflated;
  }
  if (host.checksumEnabled) {
    // A datagram shorter than its own header has no checksum to compare; libenet would read stale
    // buffer bytes there. We drop it (reference §7.1, "short header").
    if (data.length < headerSize) return dropDatagram(host, 'truncatedHeader', received);
    if (!checksumMatches(data, headerSize, peer)) return dropDatagram(host, 'checksumMismatch', received);
  }
  if (peer !== null) {
    peer.address = { host: source.host, port: source.port };
    peer.incomingDataTotal = (peer.incomingDataTotal + data.length) >>> 0;
  }
  handleCommands(host, event, data, headerSize, flags, peer, source);
  return event !== null && event.type !== EventType.EVENT_NONE ? 1 : 0;
}

/** ENET_HOST_BROADCAST: upstream lets a peer connecting to the broadcast address accept replies from anyone. */
const BROADCAST_HOST = 0xffffffff;

/** True when `peer` takes datagrams from any address: upstream's broadcast exception, which Godot's socket patch drops. */
function acceptsAnySource(host: Host, peer: Peer): boolean {
  return host.behaviour.broadcastReplyFromAnyAddress && peer.address.host === BROADCAST_HOST;
}

function dropDatagram(host: Host, reason: DatagramDropReason, datagram: Uint8Array): 0 {
  host.droppedDatagrams[reason] = (host.droppedDatagrams[reason] ?? 0) + 1;
  if (host.onDatagramDropped !== null) host.onDatagramDropped(reason, datagram);
  return 0;
}

function stopCommands(host: Host, reason: CommandStopReason): void {
  host.stoppedCommands[reason] = (host.stoppedCommands[reason] ?? 0) + 1;
}

function decompressDatagram(host: Host, received: Uint8Array, headerSize: number): Uint8Array | DatagramDropReason {
  if (host.compressor === null) return 'compressionUnsupported';
  const limitBytes = Protocol.maximumMtuBytes - headerSize;
  const body = host.compressor.decompress(received.subarray(headerSize), limitBytes);
  if (body === null || body.length <= 0 || body.length > limitBytes) return 'decompressionFailed';
  const data = new Uint8Array(headerSize + body.length);
  data.set(received.subarray(0, headerSize), 0);
  data.set(body, headerSize);
  return data;
}

function checksumMatches(data: Uint8Array, headerSize: number, peer: Peer | null): boolean {
  const slot = headerSize - CHECKSUM_SIZE_BYTES;
  const desired = readU32(data, slot);
  // The slot is seeded with the connectID before computing; work on a copy, never on the caller's bytes.
  const seeded = data.slice();
  writeU32Native(seeded, slot, peer !== null ? peer.connectID : 0);
  return crc32([seeded]) === desired;
}

function handleCommands(
  host: Host,
  event: HostEvent | null,
  data: Uint8Array,
  headerSize: number,
  flags: number,
  initialPeer: Peer | null,
  source: WireAddress,
): void {
  let peer = initialPeer;
  let offset = headerSize;
  const end = data.length;
  while (offset < end) {
    if (offset + 4 > end) return stopCommands(host, 'truncatedCommand');
    const commandByte = data[offset]!;
    const commandNumber = commandByte & COMMAND_MASK;
    if (commandNumber >= Command.count) return stopCommands(host, 'unknownCommand');
    const commandSize = COMMAND_SIZES_BYTES[commandNumber]!;
    if (commandSize === 0) return stopCommands(host, 'unknownCommand');
    if (offset + commandSize > end) return stopCommands(host, 'truncatedCommand');
    const commandOffset = offset;
    offset += commandSize;
    if (peer === null && commandNumber !== Command.connect) return stopCommands(host, 'noPeer');

    let result: number;
    if (commandNumber === Command.connect) {
      if (peer !== null) return stopCommands(host, 'commandRefused');
      peer = handleConnect(host, data, commandOffset, source);
      result = peer === null ? HANDLE_ERROR : 0;
    } else {
      result = handleCommand(host, event, peer!, commandNumber, data, commandOffset, end);
    }
    if (result === HANDLE_ERROR) return stopCommands(host, 'commandRefused');
    offset += result;

    if (peer !== null && commandByte & COMMAND_FLAG_ACKNOWLEDGE) {
      if (!(flags & HEADER_FLAG_SENT_TIME)) return stopCommands(host, 'unacknowledgeable');
      queueAcknowledgementFor(peer, commandNumber, data, commandOffset, readU16(data, 2));
    }
  }
}

/** Handles a command other than CONNECT; returns the payload bytes it consumed, or HANDLE_ERROR. */
function handleCommand(host: Host, event: HostEvent | null, peer: Peer, commandNumber: number, data: Uint8Array, offset: number, end: number): number {
  switch (commandNumber) {
    case Command.acknowledge:
      return handleAcknowledge(host, event, peer, data, offset);
    case Command.verifyConnect:
      return handleVerifyConnect(host, event, peer, data, offset);
    case Command.disconnect:
      return handleDisconnect(host, peer, data, offset);
    case Command.ping:
      return isConnectedOrLater(peer) ? 0 : HANDLE_ERROR;
    case Command.sendReliable:
      return handleSendReliable(host, peer, data, offset, end);
    case Command.sendUnreliable:
      return handleSendUnreliable(host, peer, data, offset, end);
    case Command.sendUnsequenced:
      return handleSendUnsequenced(host, peer, data, offset, end);
    case Command.sendFragment:
      return handleSendFragment(host, peer, data, offset, end);
    case Command.sendUnreliableFragment:
      return handleSendUnreliableFragment(host, peer, data, offset, end);
    case Command.bandwidthLimit:
      return handleBandwidthLimit(host, peer, data, offset);
    case Command.throttleConfigure:
      return handleThrottleConfigure(peer, data, offset);
    default:
      return HANDLE_ERROR;
  }
}

function queueAcknowledgementFor(peer: Peer, commandNumber: number, data: Uint8Array, offset: number, sentTime: number): void {
  switch (peer.state) {
    case PeerState.STATE_DISCONNECTING:
    case PeerState.STATE_ACKNOWLEDGING_CONNECT:
    case PeerState.STATE_DISCONNECTED:
    case PeerState.STATE_ZOMBIE:
      return;
    case PeerState.STATE_ACKNOWLEDGING_DISCONNECT:
      if (commandNumber !== Command.disconnect) return;
      break;
    default:
      break;
  }
  peer.queueAcknowledgement(commandNumber, data[offset + Field.channelID]!, readU16(data, offset + Field.reliableSequenceNumber), sentTime);
}

function isConnectedOrLater(peer: Peer): boolean {
  return peer.state === PeerState.STATE_CONNECTED || peer.state === PeerState.STATE_DISCONNECT_LATER;
}

/** The window a (sequence, channel) pair falls in, relative to what the channel has delivered. */
function relativeReliableWindow(channel: Channel, reliableSequenceNumber: number): { reliableWindow: number; currentWindow: number } {
  let reliableWindow = Math.floor(reliableSequenceNumber / Defaults.peerReliableWindowSize);
  const currentWindow = Math.floor(channel.incomingReliableSequenceNumber / Defaults.peerReliableWindowSize);
  if (reliableSequenceNumber < channel.incomingReliableSequenceNumber) reliableWindow += Defaults.peerReliableWindows;
  return { reliableWindow, currentWindow };
}

function outsideReceiveWindow(channel: Channel, reliableSequenceNumber: number): boolean {
  const { reliableWindow, currentWindow } = relativeReliableWindow(channel, reliableSequenceNumber);
  return reliableWindow < currentWindow || reliableWindow >= currentWindow + Defaults.peerFreeReliableWindows - 1;
}

// ENet: protocol.c enet_protocol_handle_connect
function handleConnect(host: Host, data: Uint8Array, offset: number, source: WireAddress): Peer | null {
  let channelCount = readU32(data, offset + Field.channelCount);
  if (channelCount < Protocol.minimumChannelCount || channelCount > Protocol.maximumChannelCount) return null;
  const connectID = readU32Native(data, offset + Field.connectID);
  let peer: Peer | null = null;
  let duplicatePeers = 0;
  for (const currentPeer of host.peers) {
    if (currentPeer.state === PeerState.STATE_DISCONNECTED) {
      if (peer === null) peer = currentPeer;
    } else if (currentPeer.state !== PeerState.STATE_CONNECTING && currentPeer.address.host === source.host) {
      if (currentPeer.address.port === source.port && currentPeer.connectID === connectID) return null;
      duplicatePeers++;
    }
  }
  if (peer === null || duplicatePeers >= host.duplicatePeers) return null;
  if (channelCount > host.channelLimit) channelCount = host.channelLimit;

  peer.channels = Array.from({ length: channelCount }, () => new Channel());
  // The address is set before the state change so observers of the transition can name the peer.
  peer.address = { host: source.host, port: source.port };
  transition(peer, PeerState.STATE_ACKNOWLEDGING_CONNECT, 'connectReceived');
  peer.connectID = connectID;
  if (host.behaviour.peerMtuFromHost) peer.mtu = host.mtu;
  peer.outgoingPeerID = readU16(data, offset + Field.outgoingPeerID);
  peer.incomingBandwidth = readU32(data, offset + Field.incomingBandwidth);
  peer.outgoingBandwidth = readU32(data, offset + Field.outgoingBandwidth);
  peer.packetThrottleInterval = readU32(data, offset + Field.packetThrottleInterval);
  peer.packetThrottleAcceleration = readU32(data, offset + Field.packetThrottleAcceleration);
  peer.packetThrottleDeceleration = readU32(data, offset + Field.packetThrottleDeceleration);
  peer.eventData = readU32(data, offset + Field.connectData);

  const incomingSessionID = nextSessionID(data[offset + Field.incomingSessionID]!, peer.outgoingSessionID);
  peer.outgoingSessionID = incomingSessionID;
  const outgoingSessionID = nextSessionID(data[offset + Field.outgoingSessionID]!, peer.incomingSessionID);
  peer.incomingSessionID = outgoingSessionID;

  const mtu = clampMtu(readU32(data, offset + Field.mtu));
  if (host.behaviour.peerMtuFromHost) {
    if (mtu < peer.mtu) peer.mtu = mtu;
  } else {
    peer.mtu = mtu;
  }
  peer.windowSize = windowSizeFor(host.outgoingBandwidth, peer.incomingBandwidth);
  let windowSize = host.incomingBandwidth === 0 ? Protocol.maximumWindowSizeBytes : windowFromBandwidth(host.incomingBandwidth);
  const requestedWindowSize = readU32(data, offset + Field.windowSize);
  if (windowSize > requestedWindowSize) windowSize = requestedWindowSize;
  windowSize = clampWindowSize(windowSize);

  const verify = encodeHandshake(
    Command.verifyConnect,
    {
      outgoingPeerID: peer.incomingPeerID,
      incomingSessionID,
      outgoingSessionID,
      mtu: peer.mtu,
      windowSize,
      channelCount,
      incomingBandwidth: host.incomingBandwidth,
      outgoingBandwidth: host.outgoingBandwidth,
      packetThrottleInterval: peer.packetThrottleInterval,
      packetThrottleAcceleration: peer.packetThrottleAcceleration,
      packetThrottleDeceleration: peer.packetThrottleDeceleration,
      connectID: peer.connectID,
    },
    0,
  );
  peer.queueOutgoingCommand(verify, null, 0, 0);
  return peer;
}

/** Session id rotation: the requested id (or the slot's own when 0xFF) + 1, skipping `current`, in 2 bits. */
function nextSessionID(requested: number, current: number): number {
  const mask = HEADER_SESSION_MASK >>> HEADER_SESSION_SHIFT;
  let sessionID = requested === 0xff ? current : requested;
  sessionID = (sessionID + 1) & mask;
  if (sessionID === current) sessionID = (sessionID + 1) & mask;
  return sessionID;
}

export function clampMtu(mtu: number): number {
  if (mtu < Protocol.minimumMtuBytes) return Protocol.minimumMtuBytes;
  if (mtu > Protocol.maximumMtuBytes) return Protocol.maximumMtuBytes;
  return mtu;
}

export function clampWindowSize(windowSize: number): number {
  if (windowSize < Protocol.minimumWindowSizeBytes) return Protocol.minimumWindowSizeBytes;
  if (windowSize > Protocol.maximumWindowSizeBytes) return Protocol.maximumWindowSizeBytes;
  return windowSize;
}

/** (bandwidth / ENET_PEER_WINDOW_SIZE_SCALE) × ENET_PROTOCOL_MINIMUM_WINDOW_SIZE, in uint32. */
export function windowFromBandwidth(bandwidthBytesPerSecond: number): number {
  return mulU32(Math.floor(bandwidthBytesPerSecond / Defaults.peerWindowSizeScale), Protocol.minimumWindowSizeBytes);
}

/** The sending window from the host's upstream and the peer's downstream (0 = unlimited), clamped. */
export function windowSizeFor(hostOutgoingBandwidth: number, peerIncomingBandwidth: number): number {
  if (hostOutgoingBandwidth === 0 && peerIncomingBandwidth === 0) return Protocol.maximumWindowSizeBytes;
  const bandwidth =
    hostOutgoingBandwidth === 0 || peerIncomingBandwidth === 0
      ? Math.max(hostOutgoingBandwidth, peerIncomingBandwidth)
      : Math.min(hostOutgoingBandwidth, peerIncomingBandwidth);
  return clampWindowSize(windowFromBandwidth(bandwidth));
}

/** Reads a payload length and checks the payload lies inside the datagram (ENet's currentData test). */
function payloadLength(host: Host, data: Uint8Array, lengthOffset: number, payloadOffset: number, end: number): number {
  const dataLength = readU16(data, lengthOffset);
  if (dataLength > host.maximumPacketSize || payloadOffset + dataLength > end) return HANDLE_ERROR;
  return dataLength;
}

function dataCommandAllowed(peer: Peer, channelID: number): boolean {
  return channelID < peer.channelCount && isConnectedOrLater(peer);
}

// ENet: protocol.c enet_protocol_handle_send_reliable
function handleSendReliable(host: Host, peer: Peer, data: Uint8Array, offset: number, end: number): number {
  const channelID = data[offset + Field.channelID]!;
  if (!dataCommandAllowed(peer, channelID)) return HANDLE_ERROR;
  const payloadOffset = offset + COMMAND_SIZES_BYTES[Command.sendReliable]!;
  const dataLength = payloadLength(host, data, offset + Field.reliableDataLength, payloadOffset, end);
  if (dataLength < 0) return HANDLE_ERROR;
  const queued = peer.queueIncomingCommand(
    Command.sendReliable,
    channelID,
    readU16(data, offset + Field.reliableSequenceNumber),
    0,
    copyBytes(data, payloadOffset, payloadOffset + dataLength),
    dataLength,
    PacketFlag.reliable,
    0,
  );
  return queued === null ? HANDLE_ERROR : dataLength;
}

// ENet: protocol.c enet_protocol_handle_send_unreliable
function handleSendUnreliable(host: Host, peer: Peer, data: Uint8Array, offset: number, end: number): number {
  const channelID = data[offset + Field.channelID]!;
  if (!dataCommandAllowed(peer, channelID)) return HANDLE_ERROR;
  const payloadOffset = offset + COMMAND_SIZES_BYTES[Command.sendUnreliable]!;
  const dataLength = payloadLength(host, data, offset + Field.unreliableDataLength, payloadOffset, end);
  if (dataLength < 0) return HANDLE_ERROR;
  const queued = peer.queueIncomingCommand(
    Command.sendUnreliable,
    channelID,
    readU16(data, offset + Field.reliableSequenceNumber),
    readU16(data, offset + Field.unreliableSequenceNumber),
    copyBytes(data, payloadOffset, payloadOffset + dataLength),
    dataLength,
    0,
    0,
  );
  return queued === null ? HANDLE_ERROR : dataLength;
}

// ENet: protocol.c enet_protocol_handle_send_unsequenced
function handleSendUnsequenced(host: Host, peer: Peer, data: Uint8Array, offset: number, end: number): number {
  const channelID = data[offset + Field.channelID]!;
  if (!dataCommandAllowed(peer, channelID)) return HANDLE_ERROR;
  const payloadOffset = offset + COMMAND_SIZES_BYTES[Command.sendUnsequenced]!;
  const dataLength = payloadLength(host, data, offset + Field.unsequencedDataLength, payloadOffset, end);
  if (dataLength < 0) return HANDLE_ERROR;

  const windowSize = Defaults.peerUnsequencedWindowSize;
  let unsequencedGroup = readU16(data, offset + Field.unsequencedGroup);
  const index = unsequencedGroup % windowSize;
  if (unsequencedGroup < peer.incomingUnsequencedGroup) unsequencedGroup += 0x10000;
  if (unsequencedGroup >= peer.incomingUnsequencedGroup + Defaults.peerFreeUnsequencedWindows * windowSize) return dataLength;
  unsequencedGroup &= 0xffff;
  const bit = 1 << (index % 32);
  if (unsequencedGroup - index !== peer.incomingUnsequencedGroup) {
    peer.incomingUnsequencedGroup = unsequencedGroup - index;
    peer.unsequencedWindow.fill(0);
  } else if (peer.unsequencedWindow[index >>> 5]! & bit) {
    return dataLength;
  }
  const queued = peer.queueIncomingCommand(
    Command.sendUnsequenced,
    channelID,
    readU16(data, offset + Field.reliableSequenceNumber),
    0,
    copyBytes(data, payloadOffset, payloadOffset + dataLength),
    dataLength,
    PacketFlag.unsequenced,
    0,
  );
  if (queued === null) return HANDLE_ERROR;
  peer.unsequencedWindow[index >>> 5]! |= bit;
  return dataLength;
}

/** The fields both fragment commands carry, read once. */
interface FragmentFields {
  channel: Channel;
  channelID: number;
  startSequenceNumber: number;
  fragmentNumber: number;
  fragmentCount: number;
  fragmentOffset: number;
  fragmentLength: number;
  totalLength: number;
  payloadOffset: number;
}

function readFragment(host: Host, peer: Peer, data: Uint8Array, offset: number, end: number): FragmentFields | null {
  const channelID = data[offset + Field.channelID]!;
  if (!dataCommandAllowed(peer, channelID)) return null;
  const payloadOffset = offset + COMMAND_SIZES_BYTES[Command.sendFragment]!;
  const fragmentLength = payloadLength(host, data, offset + Field.fragmentDataLength, payloadOffset, end);
  if (fragmentLength < 0) return null;
  // 1.3.18 rejects zero-length reliable fragments (d7e5470); 1.3.17 accepts them.
  if (fragmentLength === 0 && host.behaviour.strictReliableFragments && (data[offset]! & COMMAND_MASK) === Command.sendFragment) return null;
  return {
    channel: peer.channels[channelID]!,
    channelID,
    startSequenceNumber: readU16(data, offset + Field.startSequenceNumber),
    fragmentNumber: readU32(data, offset + Field.fragmentNumber),
    fragmentCount: readU32(data, offset + Field.fragmentCount),
    fragmentOffset: readU32(data, offset + Field.fragmentOffset),
    fragmentLength,
    totalLength: readU32(data, offset + Field.totalLength),
    payloadOffset,
  };
}

function fragmentFieldsInvalid(host: Host, fragment: FragmentFields, reliable: boolean): boolean {
  return (
    fragment.fragmentCount > Protocol.maximumFragmentCount ||
    fragment.fragmentNumber >= fragment.fragmentCount ||
    fragment.totalLength > host.maximumPacketSize ||
    (reliable && host.behaviour.strictReliableFragments && fragment.totalLength < fragment.fragmentCount) ||
    fragment.fragmentOffset >= fragment.totalLength ||
    fragment.fragmentLength > fragment.totalLength - fragment.fragmentOffset
  );
}

/** A fragment must belong to the queued packet with its sequence numbers: same kind, length and count. */
function sameFragmentedPacket(queued: IncomingCommand, commandNumber: number, fragment: FragmentFields): boolean {
  return queued.commandNumber === commandNumber && fragment.totalLength === queued.packet.data.length && fragment.fragmentCount === queued.fragmentCount;
}

/** Copies one fragment into its reassembly buffer once; returns true when the packet is complete. */
function storeFragment(startCommand: IncomingCommand, fragment: FragmentFields, data: Uint8Array): boolean {
  const word = fragment.fragmentNumber >>> 5;
  const bit = 1 << (fragment.fragmentNumber % 32);
  if ((startCommand.fragments![word]! & bit) !== 0) return false;
  startCommand.fragmentsRemaining--;
  startCommand.fragments![word]! |= bit;
  const target = startCommand.packet.data;
  let length = fragment.fragmentLength;
  if (fragment.fragmentOffset + length > target.length) length = target.length - fragment.fragmentOffset;
  target.set(data.subarray(fragment.payloadOffset, fragment.payloadOffset + length), fragment.fragmentOffset);
  return startCommand.fragmentsRemaining <= 0;
}

// ENet: protocol.c enet_protocol_handle_send_fragment
function handleSendFragment(host: Host, peer: Peer, data: Uint8Array, offset: number, end: number): number {
  const fragment = readFragment(host, peer, data, offset, end);
  if (fragment === null) return HANDLE_ERROR;
  const { channel, startSequenceNumber } = fragment;
  if (outsideReceiveWindow(channel, startSequenceNumber)) return fragment.fragmentLength;
  if (fragmentFieldsInvalid(host, fragment, true)) return HANDLE_ERROR;

  const { match } = locateReliable(channel, startSequenceNumber);
  if (match !== null && !sameFragmentedPacket(match, Command.sendFragment, fragment)) return HANDLE_ERROR;
  let startCommand: IncomingCommand | null = match;
  if (startCommand === null) {
    const queued = peer.queueIncomingCommand(
      Command.sendFragment,
      fragment.channelID,
      startSequenceNumber,
      0,
      null,
      fragment.totalLength,
      PacketFlag.reliable,
      fragment.fragmentCount,
    );
    if (queued === null || queued === DISCARDED) return HANDLE_ERROR;
    startCommand = queued;
  }
  if (storeFragment(startCommand, fragment, data)) peer.dispatchIncomingReliableCommands(channel, null);
  return fragment.fragmentLength;
}

// ENet: protocol.c enet_protocol_handle_send_unreliable_fragment
function handleSendUnreliableFragment(host: Host, peer: Peer, data: Uint8Array, offset: number, end: number): number {
  const fragment = readFragment(host, peer, data, offset, end);
  if (fragment === null) return HANDLE_ERROR;
  const { channel, startSequenceNumber } = fragment;
  const reliableSequenceNumber = readU16(data, offset + Field.reliableSequenceNumber);
  if (outsideReceiveWindow(channel, reliableSequenceNumber)) return fragment.fragmentLength;
  if (
    reliableSequenceNumber === channel.incomingReliableSequenceNumber &&
    startSequenceNumber <= channel.incomingUnreliableSequenceNumber
  ) {
    return fragment.fragmentLength;
  }
  if (fragmentFieldsInvalid(host, fragment, false)) return HANDLE_ERROR;

  const { match } = locateUnreliable(channel, reliableSequenceNumber, startSequenceNumber);
  if (match !== null && !sameFragmentedPacket(match, Command.sendUnreliableFragment, fragment)) return HANDLE_ERROR;
  let startCommand: IncomingCommand | null = match;
  if (startCommand === null) {
    const queued = peer.queueIncomingCommand(
      Command.sendUnreliableFragment,
      fragment.channelID,
      reliableSequenceNumber,
      startSequenceNumber,
      null,
      fragment.totalLength,
      PacketFlag.unreliableFragment,
      fragment.fragmentCount,
    );
    if (queued === null || queued === DISCARDED) return HANDLE_ERROR;
    startCommand = queued;
  }
  if (storeFragment(startCommand, fragment, data)) peer.dispatchIncomingUnreliableCommands(channel, null);
  return fragment.fragmentLength;
}

// ENet: protocol.c enet_protocol_handle_bandwidth_limit
function handleBandwidthLimit(host: Host, peer: Peer, data: Uint8Array, offset: number): number {
  if (!isConnectedOrLater(peer)) return HANDLE_ERROR;
  if (peer.incomingBandwidth !== 0) host.bandwidthLimitedPeers--;
  peer.incomingBandwidth = readU32(data, offset + Field.bandwidthIncoming);
  peer.outgoingBandwidth = readU32(data, offset + Field.bandwidthOutgoing);
  if (peer.incomingBandwidth !== 0) host.bandwidthLimitedPeers++;
  peer.windowSize = windowSizeFor(host.outgoingBandwidth, peer.incomingBandwidth);
  return 0;
}

// ENet: protocol.c enet_protocol_handle_throttle_configure
function handleThrottleConfigure(peer: Peer, data: Uint8Array, offset: number): number {
  if (!isConnectedOrLater(peer)) return HANDLE_ERROR;
  peer.packetThrottleInterval = readU32(data, offset + Field.throttleInterval);
  peer.packetThrottleAcceleration = readU32(data, offset + Field.throttleAcceleration);
  peer.packetThrottleDeceleration = readU32(data, offset + Field.throttleDeceleration);
  return 0;
}

// ENet: protocol.c enet_protocol_handle_disconnect
function handleDisconnect(host: Host, peer: Peer, data: Uint8Array, offset: number): number {
  const state = peer.state;
  if (state === PeerState.STATE_DISCONNECTED || state === PeerState.STATE_ZOMBIE || state === PeerState.STATE_ACKNOWLEDGING_DISCONNECT) {
    return 0;
  }
  peer.resetQueues();
  if (
    state === PeerState.STATE_CONNECTION_SUCCEEDED ||
    state === PeerState.STATE_DISCONNECTING ||
    state === PeerState.STATE_CONNECTING
  ) {
    host.dispatchState(peer, PeerState.STATE_ZOMBIE, 'disconnectReceived');
  } else if (state !== PeerState.STATE_CONNECTED && state !== PeerState.STATE_DISCONNECT_LATER) {
    if (state === PeerState.STATE_CONNECTION_PENDING) host.recalculateBandwidthLimits = true;
    peer.reset('disconnectReceived');
  } else if (data[offset]! & COMMAND_FLAG_ACKNOWLEDGE) {
    transition(peer, PeerState.STATE_ACKNOWLEDGING_DISCONNECT, 'disconnectReceived');
  } else {
    host.dispatchState(peer, PeerState.STATE_ZOMBIE, 'disconnectReceived');
  }
  if (peer.state !== PeerState.STATE_DISCONNECTED) peer.eventData = readU32(data, offset + Field.disconnectData);
  return 0;
}

// ENet: protocol.c enet_protocol_handle_acknowledge
function handleAcknowledge(host: Host, event: HostEvent | null, peer: Peer, data: Uint8Array, offset: number): number {
  if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) return 0;
  const serviceTime = host.serviceTime;
  let receivedSentTime = (readU16(data, offset + Field.receivedSentTime) | (serviceTime & 0xffff0000)) >>> 0;
  if ((receivedSentTime & 0x8000) > (serviceTime & 0x8000)) receivedSentTime = (receivedSentTime - 0x10000) >>> 0;
  if (timeLess(serviceTime, receivedSentTime)) return 0;
  const roundTripTime = Math.max(timeDifferenceMs(serviceTime, receivedSentTime), 1);

  updateRoundTripTime(peer, roundTripTime, serviceTime);
  peer.lastReceiveTime = Math.max(serviceTime, 1);
  peer.earliestTimeout = 0;

  const commandNumber = host.removeSentReliableCommand(
    peer,
    readU16(data, offset + Field.receivedReliableSequenceNumber),
    data[offset + Field.channelID]!,
  );
  switch (peer.state) {
    case PeerState.STATE_ACKNOWLEDGING_CONNECT:
      if (commandNumber !== Command.verifyConnect) return HANDLE_ERROR;
      host.notifyConnect(peer, event, 'verifyConnectAcknowledged');
      break;
    case PeerState.STATE_DISCONNECTING:
      if (commandNumber !== Command.disconnect) return HANDLE_ERROR;
      host.notifyDisconnect(peer, event, 'disconnectAcknowledged');
      break;
    case PeerState.STATE_DISCONNECT_LATER:
      if (!peer.hasOutgoingCommands()) peer.disconnect(peer.eventData, serviceTime);
      break;
    default:
      break;
  }
  return 0;
}

/** RTT smoothing and the throttle epoch, in ENet's integer arithmetic (reference §4.4). */
export function updateRoundTripTime(peer: Peer, roundTripTime: number, serviceTime: number): void {
  if (peer.lastReceiveTime > 0) {
    peer.throttle(roundTripTime);
    peer.roundTripTimeVariance -= Math.floor(peer.roundTripTimeVariance / 4);
    if (roundTripTime >= peer.roundTripTime) {
      const diff = roundTripTime - peer.roundTripTime;
      peer.roundTripTimeVariance += Math.floor(diff / 4);
      peer.roundTripTime += Math.floor(diff / 8);
    } else {
      const diff = peer.roundTripTime - roundTripTime;
      peer.roundTripTimeVariance += Math.floor(diff / 4);
      peer.roundTripTime -= Math.floor(diff / 8);
    }
  } else {
    peer.roundTripTime = roundTripTime;
    peer.roundTripTimeVariance = Math.floor((roundTripTime + 1) / 2);
  }
  if (peer.roundTripTime < peer.lowestRoundTripTime) peer.lowestRoundTripTime = peer.roundTripTime;
  if (peer.roundTripTimeVariance > peer.highestRoundTripTimeVariance) peer.highestRoundTripTimeVariance = peer.roundTripTimeVariance;
  if (peer.packetThrottleEpoch === 0 || timeDifferenceMs(serviceTime, peer.packetThrottleEpoch) >= peer.packetThrottleInterval) {
    peer.lastRoundTripTime = peer.lowestRoundTripTime;
    peer.lastRoundTripTimeVariance = Math.max(peer.highestRoundTripTimeVariance, 1);
    peer.lowestRoundTripTime = peer.roundTripTime;
    peer.highestRoundTripTimeVariance = peer.roundTripTimeVariance;
    peer.packetThrottleEpoch = serviceTime;
  }
}

// ENet: protocol.c enet_protocol_handle_verify_connect
function handleVerifyConnect(host: Host, event: HostEvent | null, peer: Peer, data: Uint8Array, offset: number): number {
  if (peer.state !== PeerState.STATE_CONNECTING) return 0;
  const channelCount = readU32(data, offset + Field.channelCount);
  if (
    channelCount < Protocol.minimumChannelCount ||
    channelCount > Protocol.maximumChannelCount ||
    readU32(data, offset + Field.packetThrottleInterval) !== peer.packetThrottleInterval ||
    readU32(data, offset + Field.packetThrottleAcceleration) !== peer.packetThrottleAcceleration ||
    readU32(data, offset + Field.packetThrottleDeceleration) !== peer.packetThrottleDeceleration ||
    readU32Native(data, offset + Field.connectID) !== peer.connectID
  ) {
    peer.eventData = 0;
    host.dispatchState(peer, PeerState.STATE_ZOMBIE, 'verifyConnectRejected');
    return HANDLE_ERROR;
  }
  host.removeSentReliableCommand(peer, 1, SYSTEM_CHANNEL_ID);
  if (channelCount < peer.channelCount) peer.channels.length = channelCount;
  peer.outgoingPeerID = readU16(data, offset + Field.outgoingPeerID);
  peer.incomingSessionID = data[offset + Field.incomingSessionID]!;
  peer.outgoingSessionID = data[offset + Field.outgoingSessionID]!;
  const mtu = clampMtu(readU32(data, offset + Field.mtu));
  if (mtu < peer.mtu) peer.mtu = mtu;
  const windowSize = clampWindowSize(readU32(data, offset + Field.windowSize));
  if (windowSize < peer.windowSize) peer.windowSize = windowSize;
  peer.incomingBandwidth = readU32(data, offset + Field.incomingBandwidth);
  peer.outgoingBandwidth = readU32(data, offset + Field.outgoingBandwidth);
  host.notifyConnect(peer, event, 'verifyConnectReceived');
  return 0;
}
