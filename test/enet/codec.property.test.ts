// Properties of the datagram decoder (src/enet/codec.ts decodeDatagram), checked against layouts
// written out by hand from docs/enet-reference.md §2 (test/support/fuzz-wire.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDatagram, type DecodedCommand } from '../../src/enet/codec.js';
import {
  PAYLOAD_LENGTH_OFFSET,
  REFERENCE_COMMAND_SIZES,
  REFERENCE_LAYOUTS,
  applyMutations,
  arbMutation,
  arbWireCommand,
  arbWireHeader,
  assembleDatagram,
  commandSpans,
  encodeCommand,
  getU16,
  getU32,
  headerSizeBytes,
  type WireCommand,
} from '../support/fuzz-wire.js';
import { fuzzParameters, fuzzTimeoutMs } from '../support/fuzz-seed.js';

/** Runs per property; 40 000 + 20 000 + 10 000 + 2 000 = 72 000 cases in this file. */
const CODEC_RUNS = { anyBytes: 40_000, roundTrip: 20_000, trailing: 10_000, knownVector: 2_000 } as const;

/** Raw bytes, or a valid datagram damaged by a few mutations, so that deep paths are reached too. */
const arbDatagramBytes = (checksum: boolean): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 4200 }),
    fc.uint8Array({ minLength: 0, maxLength: 12 }),
    fc
      .tuple(
        arbWireHeader(checksum),
        fc.array(arbWireCommand({ maxPayload: 120 }), { maxLength: 32 }),
        fc.array(arbMutation([0, 1]), { maxLength: 4 }),
      )
      .map(([header, commands, mutations]) => applyMutations(assembleDatagram(header, commands.map(encodeCommand)), mutations, checksum, [])),
  );

/** Reads a field the way §2.5 lays it out; connectID is 4 raw bytes, reported as a little-endian u32. */
function readReferenceField(bytes: Uint8Array, at: number, width: 1 | 2 | 4 | 'raw'): number {
  if (width === 1) return bytes[at]!;
  if (width === 2) return getU16(bytes, at);
  if (width === 4) return getU32(bytes, at);
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** What the decoder must report for the command at `start`, from the reference layouts alone. */
function expectedCommandAt(bytes: Uint8Array, start: number): Omit<DecodedCommand, 'name'> {
  const commandByte = bytes[start]!;
  const number = commandByte & 0x0f;
  const fields: Record<string, number> = {};
  for (const [name, at, width] of REFERENCE_LAYOUTS[number]!) fields[name] = readReferenceField(bytes, start + at, width);
  const lengthAt = PAYLOAD_LENGTH_OFFSET[number];
  return {
    command: number,
    acknowledge: (commandByte & 0x80) !== 0,
    unsequenced: (commandByte & 0x40) !== 0,
    channelID: bytes[start + 1]!,
    reliableSequenceNumber: getU16(bytes, start + 2),
    fields,
    payloadBytes: lengthAt === undefined ? 0 : getU16(bytes, start + lengthAt),
  };
}

/** True when ENet's command loop must stop at `offset` (§3.3): < 4 bytes, number 0 or ≥ 13, or truncated. */
function parserMustStopAt(bytes: Uint8Array, offset: number): boolean {
  if (bytes.length - offset < 4) return true;
  const number = bytes[offset]! & 0x0f;
  const fixed = REFERENCE_COMMAND_SIZES[number] ?? 0;
  if (fixed === 0 || offset + fixed > bytes.length) return true;
  const lengthAt = PAYLOAD_LENGTH_OFFSET[number];
  return lengthAt !== undefined && offset + fixed + getU16(bytes, offset + lengthAt) > bytes.length;
}

function withoutName(command: DecodedCommand): Omit<DecodedCommand, 'name'> {
  const { name: _name, ...rest } = command;
  return rest;
}

describe('decodeDatagram', () => {
  it('decodeDatagram: any 0..4200 bytes decode without throwing, and every byte is accounted for', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((checksum) => fc.tuple(fc.constant(checksum), arbDatagramBytes(checksum))),
        ([checksum, bytes]) => {
          const decoded = decodeDatagram(bytes, { checksum });
          const headerSize = bytes.length < 2 ? 2 : (bytes[0]! & 0x80 ? 4 : 2) + (checksum ? 4 : 0);
          if (bytes.length < headerSize) {
            expect(decoded).toEqual({ ok: false, reason: 'truncatedHeader', offsetBytes: 0 });
            return;
          }
          if (bytes[0]! & 0x40) {
            expect(decoded).toEqual({ ok: false, reason: 'compressed', offsetBytes: headerSize });
            return;
          }
          expect(decoded.ok).toBe(true);
          if (!decoded.ok) return;
          const word = getU16(bytes, 0);
          expect(decoded.header).toEqual({
            peerID: word & 0x0fff,
            sessionID: (word >>> 12) & 3,
            compressed: false,
            sentTime: word & 0x8000 ? getU16(bytes, 2) : null,
            checksum: checksum ? getU32(bytes, headerSize - 4) : null,
            sizeBytes: headerSize,
          });
          // Self-consistency: header + every command's fixed size + payload + trailing bytes = length.
          let accounted = decoded.header.sizeBytes + decoded.trailingBytes;
          for (const command of decoded.commands) accounted += REFERENCE_COMMAND_SIZES[command.command]! + command.payloadBytes;
          expect(accounted).toBe(bytes.length);
          // Each command lies inside the datagram at the offset the reference layout gives it.
          const spans = commandSpans(bytes, headerSize);
          expect(decoded.commands.length).toBe(spans.length);
          decoded.commands.forEach((command, index) => {
            const [start, end] = spans[index]!;
            expect(end).toBeLessThanOrEqual(bytes.length);
            expect(withoutName(command)).toEqual(expectedCommandAt(bytes, start));
          });
          // Parsing stopped exactly where ENet's loop stops.
          expect(parserMustStopAt(bytes, bytes.length - decoded.trailingBytes)).toBe(true);
          expect(decoded.trailingBytes).toBeGreaterThanOrEqual(0);
        },
      ),
      fuzzParameters(CODEC_RUNS.anyBytes, 1),
    );
  }, fuzzTimeoutMs());

  it('decodeDatagram: hand-assembled datagrams of all 12 commands decode to the same header, fields and payload lengths', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((checksum) => arbWireHeader(checksum)),
        fc.array(arbWireCommand({ maxPayload: 200 }), { minLength: 0, maxLength: 32 }),
        (header, commands) => {
          const bytes = assembleDatagram(header, commands.map(encodeCommand));
          const decoded = decodeDatagram(bytes, { checksum: header.checksum !== null });
          expect(decoded.ok).toBe(true);
          if (!decoded.ok) return;
          expect(decoded.header).toEqual({ ...header, sizeBytes: headerSizeBytes(header) });
          expect(decoded.trailingBytes).toBe(0);
          expect(decoded.commands.map(withoutName)).toEqual(commands.map(expectedDecoding));
          let offset = headerSizeBytes(header);
          decoded.commands.forEach((command, index) => {
            const sent = commands[index]!;
            const fixed = REFERENCE_COMMAND_SIZES[sent.number]!;
            // The payload is the bytes right after the command's fixed part.
            if (sent.payload !== null) expect(bytes.subarray(offset + fixed, offset + fixed + command.payloadBytes)).toEqual(sent.payload);
            offset += fixed + command.payloadBytes;
          });
          expect(offset).toBe(bytes.length);
        },
      ),
      fuzzParameters(CODEC_RUNS.roundTrip, 2),
    );
  }, fuzzTimeoutMs());

  it('decodeDatagram: bytes after the last whole command are trailingBytes, and the commands before them are unchanged', () => {
    const arbJunk = fc.oneof(
      // Fewer than 4 bytes left.
      fc.uint8Array({ minLength: 1, maxLength: 3 }),
      // An invalid command number (0, 13, 14, 15) followed by anything.
      fc
        .tuple(fc.constantFrom(0, 13, 14, 15), fc.integer({ min: 0, max: 15 }), fc.uint8Array({ minLength: 3, maxLength: 60 }))
        .map(([number, high, rest]) => Uint8Array.of((high << 4) | number, ...rest)),
      // A strict prefix (of at least 1 byte) of a valid command: its fixed part or its payload is cut short.
      fc
        .tuple(arbWireCommand({ maxPayload: 64 }), fc.nat())
        .map(([command, cut]) => {
          const encoded = encodeCommand(command);
          return encoded.subarray(0, 1 + (cut % (encoded.length - 1)));
        }),
    );
    fc.assert(
      fc.property(
        fc.boolean().chain((checksum) => arbWireHeader(checksum)),
        fc.array(arbWireCommand({ maxPayload: 100 }), { maxLength: 8 }),
        arbJunk,
        (header, commands, junk) => {
          const bytes = assembleDatagram(header, [...commands.map(encodeCommand), junk]);
          const decoded = decodeDatagram(bytes, { checksum: header.checksum !== null });
          expect(decoded.ok).toBe(true);
          if (!decoded.ok) return;
          expect(decoded.trailingBytes).toBe(junk.length);
          expect(decoded.commands.map(withoutName)).toEqual(commands.map(expectedDecoding));
        },
      ),
      fuzzParameters(CODEC_RUNS.trailing, 3),
    );
  }, fuzzTimeoutMs());

  it('decodeDatagram: the golden CONNECT of reference §2.6 decodes to its documented fields, whatever the connectID bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (connectID) => {
        // C→S 52 bytes, 1.3.17, MTU 1400, client slot 0, connect data 42, sent at t0 = 1000 (0x03e8).
        const bytes = Uint8Array.from([
          0x8f, 0xff, 0x03, 0xe8, 0x82, 0xff, 0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x05, 0x78, 0x00, 0x01, 0x00, 0x00, 0x00,
          0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
          0x00, 0x02, ...connectID, 0x00, 0x00, 0x00, 0x2a,
        ]);
        expect(bytes.length).toBe(52);
        const decoded = decodeDatagram(bytes, { checksum: false });
        expect(decoded).toEqual({
          ok: true,
          header: { peerID: 0xfff, sessionID: 0, compressed: false, sentTime: 1000, checksum: null, sizeBytes: 4 },
          commands: [
            {
              name: 'CONNECT',
              command: 2,
              acknowledge: true,
              unsequenced: false,
              channelID: 0xff,
              reliableSequenceNumber: 1,
              fields: {
                outgoingPeerID: 0,
                incomingSessionID: 0xff,
                outgoingSessionID: 0xff,
                mtu: 1400,
                windowSize: 65536,
                channelCount: 2,
                incomingBandwidth: 0,
                outgoingBandwidth: 0,
                packetThrottleInterval: 5000,
                packetThrottleAcceleration: 2,
                packetThrottleDeceleration: 2,
                connectID: (connectID[0]! | (connectID[1]! << 8) | (connectID[2]! << 16) | (connectID[3]! << 24)) >>> 0,
                data: 42,
              },
              payloadBytes: 0,
            },
          ],
          trailingBytes: 0,
        });
      }),
      fuzzParameters(CODEC_RUNS.knownVector, 4),
    );
  }, fuzzTimeoutMs());
});

/** The decoder's view of a generated command: every field, dataLength = payload length. */
function expectedDecoding(command: WireCommand): Omit<DecodedCommand, 'name'> {
  const fields: Record<string, number> = {};
  for (const [name] of REFERENCE_LAYOUTS[command.number]!) {
    fields[name] = name === 'dataLength' ? command.payload!.length : command.fields[name]!;
  }
  return {
    command: command.number,
    acknowledge: (command.highBits & 0x80) !== 0,
    unsequenced: (command.highBits & 0x40) !== 0,
    channelID: command.channelID,
    reliableSequenceNumber: command.reliableSequenceNumber,
    fields,
    payloadBytes: command.payload?.length ?? 0,
  };
}
