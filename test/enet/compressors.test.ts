// identifyCompressors: telling which of Godot's compressors wrote a compressed datagram, from the
// datagram alone (what serve and connect do with a datagram they had to drop).
import { describe, expect, test } from 'vitest';

import { writeU16 } from '../../src/enet/codec.js';
import { COMPRESSOR_NAMES, createCompressor, identifyCompressors } from '../../src/enet/compressors.js';
import { Command, COMMAND_FLAG_UNSEQUENCED, HEADER_FLAG_COMPRESSED, Protocol } from '../../src/enet/constants.js';

/** A connectionless-looking datagram: header (peer 4095, optional checksum slot) and one SEND_UNSEQUENCED of `payload`. */
function plainDatagram(payload: Uint8Array, checksum: boolean): Uint8Array {
  const headerSizeBytes = checksum ? 6 : 2;
  const datagram = new Uint8Array(headerSizeBytes + 8 + payload.length);
  writeU16(datagram, 0, Protocol.maximumPeerId);
  const at = headerSizeBytes;
  datagram[at] = Command.sendUnsequenced | COMMAND_FLAG_UNSEQUENCED;
  datagram[at + 1] = 2;
  writeU16(datagram, at + 4, 1);
  writeU16(datagram, at + 6, payload.length);
  datagram.set(payload, at + 8);
  return datagram;
}

/** `plain` with its body compressed by `name` and ENet's compressed flag set, as the sending host would send it. */
function compressedDatagram(plain: Uint8Array, headerSizeBytes: number, name: (typeof COMPRESSOR_NAMES)[number]): Uint8Array {
  const body = plain.subarray(headerSizeBytes);
  const compressed = createCompressor(name).compress([body], body.length, body.length);
  expect(compressed, `${name} shrinks the body`).not.toBeNull();
  const datagram = new Uint8Array(headerSizeBytes + compressed!.length);
  datagram.set(plain.subarray(0, headerSizeBytes), 0);
  datagram.set(compressed!, headerSizeBytes);
  writeU16(datagram, 0, Protocol.maximumPeerId | HEADER_FLAG_COMPRESSED);
  return datagram;
}

const PAYLOAD = new TextEncoder().encode('godot-packet '.repeat(60));

describe('identifyCompressors', () => {
  for (const checksum of [false, true]) {
    for (const name of COMPRESSOR_NAMES) {
      test(`a datagram compressed with ${name}${checksum ? ' (with a checksum slot)' : ''} is read by ${name} alone`, () => {
        const headerSizeBytes = checksum ? 6 : 2;
        const datagram = compressedDatagram(plainDatagram(PAYLOAD, checksum), headerSizeBytes, name);
        expect(identifyCompressors(datagram, { checksum })).toEqual([name]);
      });
    }
  }

  test("a short payload compressed with fastlz (Godot pads it to 16 bytes) is still fastlz's", () => {
    const plain = plainDatagram(new TextEncoder().encode('aaaa'), false);
    const body = plain.subarray(2);
    const compressed = createCompressor('fastlz').compress([body], body.length, 64)!;
    const datagram = new Uint8Array(2 + compressed.length);
    datagram.set(compressed, 2);
    writeU16(datagram, 0, Protocol.maximumPeerId | HEADER_FLAG_COMPRESSED);
    expect(identifyCompressors(datagram, { checksum: false })).toContain('fastlz');
  });

  test('a datagram without the compressed flag, or one whose body no compressor reads, names none', () => {
    expect(identifyCompressors(plainDatagram(PAYLOAD, false), { checksum: false })).toEqual([]);
    const garbage = new Uint8Array(64).map((_, index) => (index * 97 + 13) & 0xff);
    writeU16(garbage, 0, Protocol.maximumPeerId | HEADER_FLAG_COMPRESSED);
    expect(identifyCompressors(garbage, { checksum: false })).toEqual([]);
    expect(identifyCompressors(Uint8Array.of(0xcf), { checksum: false })).toEqual([]);
  });
});
