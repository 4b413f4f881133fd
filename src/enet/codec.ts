// The wire layouts of ENet's commands (include/enet/protocol.h). All multi-byte fields are
// big-endian except connectID, which libenet copies raw from a native uint32: we write it
// little-endian, as x86 and ARM builds of libenet do, and echo it back unchanged.
import {
  COMMAND_FLAG_ACKNOWLEDGE,
  COMMAND_FLAG_UNSEQUENCED,
  COMMAND_MASK,
  COMMAND_NAMES,
  COMMAND_SIZES_BYTES,
  Command,
  HEADER_FLAG_COMPRESSED,
  HEADER_FLAG_SENT_TIME,
  HEADER_SESSION_MASK,
  HEADER_SESSION_SHIFT,
  CHECKSUM_SIZE_BYTES,
  SYSTEM_CHANNEL_ID,
} from './constants.js';

export function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Reads a raw native (little-endian) uint32, the way connectID travels. */
export function readU32Native(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 24) & 0xff;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

export function writeU32Native(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

/** Byte offsets of each command's fields, the 4-byte command header included. */
export const Field = {
  command: 0,
  channelID: 1,
  reliableSequenceNumber: 2,
  // ACKNOWLEDGE
  receivedReliableSequenceNumber: 4,
  receivedSentTime: 6,
  // CONNECT / VERIFY_CONNECT
  outgoingPeerID: 4,
  incomingSessionID: 6,
  outgoingSessionID: 7,
  mtu: 8,
  windowSize: 12,
  channelCount: 16,
  incomingBandwidth: 20,
  outgoingBandwidth: 24,
  packetThrottleInterval: 28,
  packetThrottleAcceleration: 32,
  packetThrottleDeceleration: 36,
  connectID: 40,
  connectData: 44,
  // DISCONNECT
  disconnectData: 4,
  // SEND_RELIABLE
  reliableDataLength: 4,
  // SEND_UNRELIABLE
  unreliableSequenceNumber: 4,
  unreliableDataLength: 6,
  // SEND_UNSEQUENCED
  unsequencedGroup: 4,
  unsequencedDataLength: 6,
  // SEND_FRAGMENT / SEND_UNRELIABLE_FRAGMENT
  startSequenceNumber: 4,
  fragmentDataLength: 6,
  fragmentCount: 8,
  fragmentNumber: 12,
  totalLength: 16,
  fragmentOffset: 20,
  // BANDWIDTH_LIMIT
  bandwidthIncoming: 4,
  bandwidthOutgoing: 8,
  // THROTTLE_CONFIGURE
  throttleInterval: 4,
  throttleAcceleration: 8,
  throttleDeceleration: 12,
} as const;

/** A fresh command buffer of the command's fixed size with the command byte and channel set. */
export function newCommand(commandByte: number, channelID: number): Uint8Array {
  const bytes = new Uint8Array(COMMAND_SIZES_BYTES[commandByte & COMMAND_MASK]!);
  bytes[Field.command] = commandByte;
  bytes[Field.channelID] = channelID;
  return bytes;
}

/** The parameters CONNECT and VERIFY_CONNECT share. */
export interface HandshakeFields {
  outgoingPeerID: number;
  incomingSessionID: number;
  outgoingSessionID: number;
  mtu: number;
  windowSize: number;
  channelCount: number;
  incomingBandwidth: number;
  outgoingBandwidth: number;
  packetThrottleInterval: number;
  packetThrottleAcceleration: number;
  packetThrottleDeceleration: number;
  connectID: number;
}

export function encodeHandshake(commandNumber: number, fields: HandshakeFields, data: number): Uint8Array {
  const bytes = newCommand(commandNumber | COMMAND_FLAG_ACKNOWLEDGE, SYSTEM_CHANNEL_ID);
  writeU16(bytes, Field.outgoingPeerID, fields.outgoingPeerID);
  bytes[Field.incomingSessionID] = fields.incomingSessionID;
  bytes[Field.outgoingSessionID] = fields.outgoingSessionID;
  writeU32(bytes, Field.mtu, fields.mtu);
  writeU32(bytes, Field.windowSize, fields.windowSize);
  writeU32(bytes, Field.channelCount, fields.channelCount);
  writeU32(bytes, Field.incomingBandwidth, fields.incomingBandwidth);
  writeU32(bytes, Field.outgoingBandwidth, fields.outgoingBandwidth);
  writeU32(bytes, Field.packetThrottleInterval, fields.packetThrottleInterval);
  writeU32(bytes, Field.packetThrottleAcceleration, fields.packetThrottleAcceleration);
  writeU32(bytes, Field.packetThrottleDeceleration, fields.packetThrottleDeceleration);
  writeU32Native(bytes, Field.connectID, fields.connectID);
  if (commandNumber === Command.connect) writeU32(bytes, Field.connectData, data);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Decoding whole datagrams into values, for traces, diff reports and tests. The protocol itself
// reads fields in place (protocol.ts); this decoder follows the same framing rules and never
// throws, whatever the bytes.

export interface DecodedHeader {
  peerID: number;
  sessionID: number;
  compressed: boolean;
  sentTime: number | null;
  checksum: number | null;
  sizeBytes: number;
}

export interface DecodedCommand {
  name: string;
  command: number;
  acknowledge: boolean;
  unsequenced: boolean;
  channelID: number;
  reliableSequenceNumber: number;
  fields: Record<string, number>;
  payloadBytes: number;
}

export type DecodeResult =
  | { ok: true; header: DecodedHeader; commands: DecodedCommand[]; trailingBytes: number }
  | { ok: false; reason: DecodeFailure; offsetBytes: number };

export type DecodeFailure = 'truncatedHeader' | 'compressed';

const FIELD_LAYOUTS: Record<number, readonly (readonly [string, number, 1 | 2 | 4 | 'native'])[]> = {
  [Command.acknowledge]: [
    ['receivedReliableSequenceNumber', 4, 2],
    ['receivedSentTime', 6, 2],
  ],
  [Command.connect]: [
    ['outgoingPeerID', 4, 2],
    ['incomingSessionID', 6, 1],
    ['outgoingSessionID', 7, 1],
    ['mtu', 8, 4],
    ['windowSize', 12, 4],
    ['channelCount', 16, 4],
    ['incomingBandwidth', 20, 4],
    ['outgoingBandwidth', 24, 4],
    ['packetThrottleInterval', 28, 4],
    ['packetThrottleAcceleration', 32, 4],
    ['packetThrottleDeceleration', 36, 4],
    ['connectID', 40, 'native'],
    ['data', 44, 4],
  ],
  [Command.disconnect]: [['data', 4, 4]],
  [Command.ping]: [],
  [Command.sendReliable]: [['dataLength', 4, 2]],
  [Command.sendUnreliable]: [
    ['unreliableSequenceNumber', 4, 2],
    ['dataLength', 6, 2],
  ],
  [Command.sendFragment]: [
    ['startSequenceNumber', 4, 2],
    ['dataLength', 6, 2],
    ['fragmentCount', 8, 4],
    ['fragmentNumber', 12, 4],
    ['totalLength', 16, 4],
    ['fragmentOffset', 20, 4],
  ],
  [Command.sendUnsequenced]: [
    ['unsequencedGroup', 4, 2],
    ['dataLength', 6, 2],
  ],
  [Command.bandwidthLimit]: [
    ['incomingBandwidth', 4, 4],
    ['outgoingBandwidth', 8, 4],
  ],
  [Command.throttleConfigure]: [
    ['packetThrottleInterval', 4, 4],
    ['packetThrottleAcceleration', 8, 4],
    ['packetThrottleDeceleration', 12, 4],
  ],
};
// VERIFY_CONNECT is CONNECT without its trailing `data`; the unreliable fragment shares the fragment layout.
FIELD_LAYOUTS[Command.verifyConnect] = FIELD_LAYOUTS[Command.connect]!.slice(0, -1);
FIELD_LAYOUTS[Command.sendUnreliableFragment] = FIELD_LAYOUTS[Command.sendFragment]!;

const PAYLOAD_COMMANDS = new Set<number>([
  Command.sendReliable,
  Command.sendUnreliable,
  Command.sendFragment,
  Command.sendUnsequenced,
  Command.sendUnreliableFragment,
]);

/**
 * Decodes a datagram's header and commands. `checksum` says whether the receiving host expects a
 * 4-byte checksum slot (there is no wire flag for it). Command parsing stops where ENet's would:
 * at fewer than 4 remaining bytes, an unknown command number, or a truncated command or payload;
 * what is left is reported as `trailingBytes`. Compressed datagrams are reported, not inflated.
 */
export function decodeDatagram(bytes: Uint8Array, options: { checksum: boolean }): DecodeResult {
  if (bytes.length < 2) return { ok: false, reason: 'truncatedHeader', offsetBytes: 0 };
  const word = readU16(bytes, 0);
  const hasSentTime = (word & HEADER_FLAG_SENT_TIME) !== 0;
  let sizeBytes = hasSentTime ? 4 : 2;
  if (options.checksum) sizeBytes += CHECKSUM_SIZE_BYTES;
  if (bytes.length < sizeBytes) return { ok: false, reason: 'truncatedHeader', offsetBytes: 0 };
  const header: DecodedHeader = {
    peerID: word & 0x0fff,
    sessionID: (word & HEADER_SESSION_MASK) >>> HEADER_SESSION_SHIFT,
    compressed: (word & HEADER_FLAG_COMPRESSED) !== 0,
    sentTime: hasSentTime ? readU16(bytes, 2) : null,
    checksum: options.checksum ? readU32(bytes, sizeBytes - CHECKSUM_SIZE_BYTES) : null,
    sizeBytes,
  };
  if (header.compressed) return { ok: false, reason: 'compressed', offsetBytes: sizeBytes };
  const commands: DecodedCommand[] = [];
  let offset = sizeBytes;
  while (offset + 4 <= bytes.length) {
    const commandByte = bytes[offset]!;
    const number = commandByte & COMMAND_MASK;
    const size = number < Command.count ? COMMAND_SIZES_BYTES[number]! : 0;
    if (size === 0 || offset + size > bytes.length) break;
    const fields: Record<string, number> = {};
    for (const [name, at, width] of FIELD_LAYOUTS[number]!) {
      const position = offset + at;
      fields[name] =
        width === 1 ? bytes[position]! : width === 2 ? readU16(bytes, position) : width === 4 ? readU32(bytes, position) : readU32Native(bytes, position);
    }
    const payloadBytes = PAYLOAD_COMMANDS.has(number) ? fields['dataLength']! : 0;
    if (offset + size + payloadBytes > bytes.length) break;
    commands.push({
      name: COMMAND_NAMES[number]!,
      command: number,
      acknowledge: (commandByte & COMMAND_FLAG_ACKNOWLEDGE) !== 0,
      unsequenced: (commandByte & COMMAND_FLAG_UNSEQUENCED) !== 0,
      channelID: bytes[offset + 1]!,
      reliableSequenceNumber: readU16(bytes, offset + 2),
      fields,
      payloadBytes,
    });
    offset += size + payloadBytes;
  }
  return { ok: true, header, commands, trailingBytes: bytes.length - offset };
}
