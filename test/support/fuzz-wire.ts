// Hand-written ENet wire layouts for the property tests, taken from docs/enet-reference.md §2.1,
// §2.4 and §2.5 and deliberately not from src/enet/codec.ts, so a round trip through the decoder
// checks the decoder against the reference rather than against itself. Also: the fast-check
// arbitraries for commands and datagram mutations, and the code that applies the mutations.
import fc from 'fast-check';
import { crc32 } from '../../src/enet/crc32.js';

/** Command numbers, §1.1. */
export const CMD = {
  acknowledge: 1,
  connect: 2,
  verifyConnect: 3,
  disconnect: 4,
  ping: 5,
  sendReliable: 6,
  sendUnreliable: 7,
  sendFragment: 8,
  sendUnsequenced: 9,
  bandwidthLimit: 10,
  throttleConfigure: 11,
  sendUnreliableFragment: 12,
} as const;

/** Fixed size of each command, header included (§2.5), indexed by command number; 0 = invalid. */
export const REFERENCE_COMMAND_SIZES: readonly number[] = [0, 8, 48, 44, 8, 4, 6, 8, 24, 8, 12, 16, 24];

/** 'raw' is connectID: 4 opaque bytes, which the decoder reports read little-endian (§2). */
type Width = 1 | 2 | 4 | 'raw';

const HANDSHAKE: readonly (readonly [string, number, Width])[] = [
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
  ['connectID', 40, 'raw'],
];

const FRAGMENT: readonly (readonly [string, number, Width])[] = [
  ['startSequenceNumber', 4, 2],
  ['dataLength', 6, 2],
  ['fragmentCount', 8, 4],
  ['fragmentNumber', 12, 4],
  ['totalLength', 16, 4],
  ['fragmentOffset', 20, 4],
];

/** Fields after the 4-byte command header: [name, offset in the command, width], per §2.5. */
export const REFERENCE_LAYOUTS: Readonly<Record<number, readonly (readonly [string, number, Width])[]>> = {
  [CMD.acknowledge]: [
    ['receivedReliableSequenceNumber', 4, 2],
    ['receivedSentTime', 6, 2],
  ],
  [CMD.connect]: [...HANDSHAKE, ['data', 44, 4]],
  [CMD.verifyConnect]: HANDSHAKE,
  [CMD.disconnect]: [['data', 4, 4]],
  [CMD.ping]: [],
  [CMD.sendReliable]: [['dataLength', 4, 2]],
  [CMD.sendUnreliable]: [
    ['unreliableSequenceNumber', 4, 2],
    ['dataLength', 6, 2],
  ],
  [CMD.sendFragment]: FRAGMENT,
  [CMD.sendUnsequenced]: [
    ['unsequencedGroup', 4, 2],
    ['dataLength', 6, 2],
  ],
  [CMD.bandwidthLimit]: [
    ['incomingBandwidth', 4, 4],
    ['outgoingBandwidth', 8, 4],
  ],
  [CMD.throttleConfigure]: [
    ['packetThrottleInterval', 4, 4],
    ['packetThrottleAcceleration', 8, 4],
    ['packetThrottleDeceleration', 12, 4],
  ],
  [CMD.sendUnreliableFragment]: FRAGMENT,
};

/** Offset of the u16 dataLength field of the commands that carry a payload (§2.5). */
export const PAYLOAD_LENGTH_OFFSET: Readonly<Record<number, number>> = {
  [CMD.sendReliable]: 4,
  [CMD.sendUnreliable]: 6,
  [CMD.sendFragment]: 6,
  [CMD.sendUnsequenced]: 6,
  [CMD.sendUnreliableFragment]: 6,
};

/** One command as the tests describe it: every field, plus the payload for the data commands. */
export interface WireCommand {
  number: number;
  /** Bits 4–7 of the command byte (ACKNOWLEDGE 0x80, UNSEQUENCED 0x40, and two unused bits). */
  highBits: number;
  channelID: number;
  reliableSequenceNumber: number;
  /** Every field of the command's layout except dataLength, which is the payload's length. */
  fields: Record<string, number>;
  payload: Uint8Array | null;
}

export interface WireHeader {
  peerID: number;
  sessionID: number;
  compressed: boolean;
  /** null: no SENT_TIME flag, 2-byte header. */
  sentTime: number | null;
  /** null: no checksum slot (the receiving host has checksums off). */
  checksum: number | null;
}

export function headerSizeBytes(header: Pick<WireHeader, 'sentTime' | 'checksum'>): number {
  return (header.sentTime === null ? 2 : 4) + (header.checksum === null ? 0 : 4);
}

export function commandSizeBytes(command: WireCommand): number {
  return REFERENCE_COMMAND_SIZES[command.number]! + (command.payload?.length ?? 0);
}

function put(bytes: Uint8Array, at: number, width: Width, value: number): void {
  if (width === 1) {
    bytes[at] = value & 0xff;
  } else if (width === 2) {
    bytes[at] = (value >>> 8) & 0xff;
    bytes[at + 1] = value & 0xff;
  } else if (width === 4) {
    bytes[at] = (value >>> 24) & 0xff;
    bytes[at + 1] = (value >>> 16) & 0xff;
    bytes[at + 2] = (value >>> 8) & 0xff;
    bytes[at + 3] = value & 0xff;
  } else {
    bytes[at] = value & 0xff;
    bytes[at + 1] = (value >>> 8) & 0xff;
    bytes[at + 2] = (value >>> 16) & 0xff;
    bytes[at + 3] = (value >>> 24) & 0xff;
  }
}

export function getU16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

export function getU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

export function putU16(bytes: Uint8Array, at: number, value: number): void {
  put(bytes, at, 2, value);
}

export function putU32(bytes: Uint8Array, at: number, value: number): void {
  put(bytes, at, 4, value);
}

/** The bytes of one command and its payload. */
export function encodeCommand(command: WireCommand): Uint8Array {
  const fixed = REFERENCE_COMMAND_SIZES[command.number]!;
  const bytes = new Uint8Array(fixed + (command.payload?.length ?? 0));
  bytes[0] = (command.highBits & 0xf0) | command.number;
  bytes[1] = command.channelID;
  put(bytes, 2, 2, command.reliableSequenceNumber);
  for (const [name, at, width] of REFERENCE_LAYOUTS[command.number]!) {
    put(bytes, at, width, name === 'dataLength' ? command.payload!.length : command.fields[name]!);
  }
  if (command.payload !== null) bytes.set(command.payload, fixed);
  return bytes;
}

/** A whole datagram: the 16-bit peer/flags word, sentTime, checksum slot, then the commands (§2.1). */
export function assembleDatagram(header: WireHeader, body: readonly Uint8Array[]): Uint8Array {
  const headerSize = headerSizeBytes(header);
  let length = headerSize;
  for (const part of body) length += part.length;
  const bytes = new Uint8Array(length);
  const word =
    (header.peerID & 0x0fff) | ((header.sessionID & 3) << 12) | (header.compressed ? 0x4000 : 0) | (header.sentTime === null ? 0 : 0x8000);
  put(bytes, 0, 2, word);
  if (header.sentTime !== null) put(bytes, 2, 2, header.sentTime);
  if (header.checksum !== null) put(bytes, headerSize - 4, 4, header.checksum);
  let offset = headerSize;
  for (const part of body) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** Where the header ends, for a host whose checksum setting is `checksum`; null if too short. */
export function parsedHeaderSize(bytes: Uint8Array, checksum: boolean): number | null {
  if (bytes.length < 2) return null;
  const size = (bytes[0]! & 0x80 ? 4 : 2) + (checksum ? 4 : 0);
  return bytes.length >= size ? size : null;
}

/** [start, end) of each complete command (payload included) from `from`, stopping where ENet's parser stops. */
export function commandSpans(bytes: Uint8Array, from: number): [number, number][] {
  const spans: [number, number][] = [];
  let offset = from;
  while (offset + 4 <= bytes.length) {
    const number = bytes[offset]! & 0x0f;
    const fixed = REFERENCE_COMMAND_SIZES[number] ?? 0;
    if (fixed === 0 || offset + fixed > bytes.length) break;
    const lengthAt = PAYLOAD_LENGTH_OFFSET[number];
    const payload = lengthAt === undefined ? 0 : getU16(bytes, offset + lengthAt);
    if (offset + fixed + payload > bytes.length) break;
    spans.push([offset, offset + fixed + payload]);
    offset += fixed + payload;
  }
  return spans;
}

/**
 * Seals a datagram the way a sender with checksums does (§2.2): the slot holds the connectID seed
 * (little-endian, as it travels in CONNECT) while the CRC is computed, then the CRC big-endian.
 * Returns false when the datagram is too short to have a slot.
 */
export function sealChecksum(bytes: Uint8Array, seedConnectID: number): boolean {
  const headerSize = parsedHeaderSize(bytes, true);
  if (headerSize === null) return false;
  const slot = headerSize - 4;
  put(bytes, slot, 'raw', seedConnectID);
  put(bytes, slot, 4, crc32([bytes]));
  return true;
}

// ---- arbitraries ------------------------------------------------------------------------------

/** Values where ENet's checks have their edges, mixed with the full range. */
export function interestingU32(extra: readonly number[] = []): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(
      0,
      1,
      2,
      3,
      0x7f,
      0xff,
      0x100,
      575,
      576,
      4095,
      4096,
      4097,
      0x7fff,
      0x8000,
      0xfffe,
      0xffff,
      0x10000,
      0x10001,
      1024 * 1024,
      1024 * 1024 + 1,
      32 * 1024 * 1024,
      32 * 1024 * 1024 + 1,
      0x7fffffff,
      0x80000000,
      0xfffffffe,
      0xffffffff,
      ...extra,
    ),
    fc.integer({ min: 0, max: 0xffffffff }),
  );
}

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.oneof(fc.constantFrom(0, 1, 0xfff, 0x1000, 0x7000, 0xffff), fc.integer({ min: 0, max: 0xffff }));
const u32 = interestingU32();

function arbField(width: Width): fc.Arbitrary<number> {
  return width === 1 ? u8 : width === 2 ? u16 : u32;
}

/**
 * Any of the 12 commands with arbitrary field values; data commands carry a payload of
 * 0..maxPayload bytes whose length is the dataLength field.
 */
export function arbWireCommand(options: { maxPayload: number; numbers?: readonly number[] }): fc.Arbitrary<WireCommand> {
  const numbers = options.numbers ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  return fc.constantFrom(...numbers).chain((number) => {
    const layout = REFERENCE_LAYOUTS[number]!;
    const fieldArbs: Record<string, fc.Arbitrary<number>> = {};
    for (const [name, , width] of layout) if (name !== 'dataLength') fieldArbs[name] = arbField(width);
    const hasPayload = PAYLOAD_LENGTH_OFFSET[number] !== undefined;
    return fc.record({
      number: fc.constant(number),
      highBits: fc.constantFrom(0x00, 0x80, 0x40, 0xc0, 0x10, 0x20, 0xb0),
      channelID: fc.oneof(fc.constantFrom(0, 1, 2, 3, 0xff), u8),
      reliableSequenceNumber: u16,
      fields: fc.record(fieldArbs),
      payload: hasPayload ? fc.uint8Array({ maxLength: options.maxPayload }) : fc.constant(null),
    });
  });
}

export const arbWireHeader = (checksum: boolean): fc.Arbitrary<WireHeader> =>
  fc.record({
    peerID: fc.oneof(fc.constantFrom(0, 1, 0xffe, 0xfff), fc.integer({ min: 0, max: 0xfff })),
    sessionID: fc.integer({ min: 0, max: 3 }),
    compressed: fc.constant(false),
    sentTime: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: null }),
    checksum: checksum ? fc.integer({ min: 0, max: 0xffffffff }) : fc.constant(null),
  });

// ---- mutations --------------------------------------------------------------------------------

/** Positions and indices are raw naturals, reduced modulo what exists when applied (so shrinking works). */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'field'; command: number; at: number; width: 1 | 2 | 4; value: number }
  | { kind: 'duplicate'; command: number; copies: number; to: number }
  | { kind: 'drop'; command: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'splice'; from: number; command: number; to: number }
  | { kind: 'inject'; command: WireCommand; to: number }
  | { kind: 'peer'; peerID: number }
  | { kind: 'session'; sessionID: number }
  | { kind: 'sentTime'; present: boolean; value: number }
  | { kind: 'compressed' };

export function arbMutation(peerIDs: readonly number[]): fc.Arbitrary<Mutation> {
  const index = fc.nat({ max: 1 << 16 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: index, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), at: index, value: u8 }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), keep: index }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('field' as const),
        command: index,
        at: fc.nat({ max: 47 }),
        width: fc.constantFrom(1 as const, 2 as const, 4 as const),
        value: interestingU32(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('duplicate' as const), command: index, copies: fc.integer({ min: 1, max: 40 }), to: index }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), command: index }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('swap' as const), a: index, b: index }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('splice' as const), from: index, command: index, to: index }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('inject' as const), command: arbWireCommand({ maxPayload: 64 }), to: index }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('peer' as const),
        peerID: fc.oneof(fc.constantFrom(...peerIDs, 0xfff), fc.integer({ min: 0, max: 0xfff })),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('session' as const), sessionID: fc.integer({ min: 0, max: 3 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('sentTime' as const), present: fc.boolean(), value: fc.integer({ min: 0, max: 0xffff }) }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'compressed' as const }) },
  );
}

/**
 * Applies mutations in order to a copy of `original`. `checksum` is the receiver's setting (it
 * decides where the commands start). `corpus` supplies commands for 'splice'.
 */
export function applyMutations(original: Uint8Array, mutations: readonly Mutation[], checksum: boolean, corpus: readonly Uint8Array[]): Uint8Array {
  let bytes: Uint8Array = original.slice();
  for (const mutation of mutations) bytes = applyMutation(bytes, mutation, checksum, corpus);
  return bytes;
}

function splitCommands(bytes: Uint8Array, checksum: boolean): { head: Uint8Array; commands: Uint8Array[]; tail: Uint8Array } | null {
  const headerSize = parsedHeaderSize(bytes, checksum);
  if (headerSize === null) return null;
  const spans = commandSpans(bytes, headerSize);
  const end = spans.length === 0 ? headerSize : spans[spans.length - 1]![1];
  return {
    head: bytes.subarray(0, headerSize),
    commands: spans.map(([start, stop]) => bytes.subarray(start, stop)),
    tail: bytes.subarray(end),
  };
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function withCommands(bytes: Uint8Array, checksum: boolean, edit: (commands: Uint8Array[]) => Uint8Array[]): Uint8Array {
  const split = splitCommands(bytes, checksum);
  if (split === null) return bytes;
  return join([split.head, ...edit(split.commands), split.tail]);
}

function applyMutation(bytes: Uint8Array, mutation: Mutation, checksum: boolean, corpus: readonly Uint8Array[]): Uint8Array {
  switch (mutation.kind) {
    case 'flip':
      if (bytes.length > 0) bytes[mutation.at % bytes.length]! ^= 1 << mutation.bit;
      return bytes;
    case 'set':
      if (bytes.length > 0) bytes[mutation.at % bytes.length] = mutation.value;
      return bytes;
    case 'truncate':
      return bytes.slice(0, mutation.keep % (bytes.length + 1));
    case 'extend':
      return join([bytes, mutation.bytes]);
    case 'field': {
      const split = splitCommands(bytes, checksum);
      if (split === null || split.commands.length === 0) return bytes;
      const start = split.head.length + sumLengths(split.commands.slice(0, mutation.command % split.commands.length));
      const command = split.commands[mutation.command % split.commands.length]!;
      const fixed = REFERENCE_COMMAND_SIZES[command[0]! & 0x0f]!;
      const at = start + (mutation.at % Math.max(1, fixed - mutation.width + 1));
      if (at + mutation.width > bytes.length) return bytes;
      put(bytes, at, mutation.width, mutation.width === 1 ? mutation.value & 0xff : mutation.width === 2 ? mutation.value & 0xffff : mutation.value);
      return bytes;
    }
    case 'duplicate':
      return withCommands(bytes, checksum, (commands) => {
        if (commands.length === 0) return commands;
        const copy = commands[mutation.command % commands.length]!;
        const to = mutation.to % (commands.length + 1);
        return [...commands.slice(0, to), ...Array.from({ length: mutation.copies }, () => copy), ...commands.slice(to)];
      });
    case 'drop':
      return withCommands(bytes, checksum, (commands) =>
        commands.length === 0 ? commands : commands.filter((_, index) => index !== mutation.command % commands.length),
      );
    case 'swap':
      return withCommands(bytes, checksum, (commands) => {
        if (commands.length < 2) return commands;
        const out = commands.slice();
        const a = mutation.a % out.length;
        const b = mutation.b % out.length;
        [out[a], out[b]] = [out[b]!, out[a]!];
        return out;
      });
    case 'splice': {
      if (corpus.length === 0) return bytes;
      const donor = splitCommands(corpus[mutation.from % corpus.length]!, checksum);
      if (donor === null || donor.commands.length === 0) return bytes;
      const inserted = donor.commands[mutation.command % donor.commands.length]!;
      return withCommands(bytes, checksum, (commands) => {
        const to = mutation.to % (commands.length + 1);
        return [...commands.slice(0, to), inserted, ...commands.slice(to)];
      });
    }
    case 'inject':
      return withCommands(bytes, checksum, (commands) => {
        const to = mutation.to % (commands.length + 1);
        return [...commands.slice(0, to), encodeCommand(mutation.command), ...commands.slice(to)];
      });
    case 'peer':
      if (bytes.length >= 2) putU16(bytes, 0, (getU16(bytes, 0) & 0xf000) | mutation.peerID);
      return bytes;
    case 'session':
      if (bytes.length >= 2) putU16(bytes, 0, (getU16(bytes, 0) & ~0x3000) | (mutation.sessionID << 12));
      return bytes;
    case 'sentTime': {
      if (bytes.length < 2) return bytes;
      const word = getU16(bytes, 0);
      const has = (word & 0x8000) !== 0;
      if (has === mutation.present) {
        if (has && bytes.length >= 4) putU16(bytes, 2, mutation.value);
        return bytes;
      }
      if (mutation.present) {
        const out = join([bytes.subarray(0, 2), new Uint8Array(2), bytes.subarray(2)]);
        putU16(out, 0, word | 0x8000);
        putU16(out, 2, mutation.value);
        return out;
      }
      const out = join([bytes.subarray(0, 2), bytes.subarray(Math.min(4, bytes.length))]);
      putU16(out, 0, word & ~0x8000);
      return out;
    }
    case 'compressed':
      if (bytes.length >= 2) bytes[0]! ^= 0x40;
      return bytes;
  }
}

function sumLengths(parts: readonly Uint8Array[]): number {
  let total = 0;
  for (const part of parts) total += part.length;
  return total;
}
