// Godot's COMPRESS_ZLIB (src/enet/compress-zlib.ts): the framing Godot's MODE_DEFLATE uses (zlib
// wrapper, window 15, default level), round trips, and Node's zlib as the oracle in both directions:
// it reads what we send, we read what it sends, and we refuse what it refuses.
import { deflateRawSync, deflateSync, gzipSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ZlibCompressor, adler32, zlibCompress, zlibDecompress } from '../../src/enet/compress-zlib.js';

const hexOf = (data: Uint8Array | null): string => (data === null ? 'null' : Buffer.from(data).toString('hex'));
const text = (value: string): Uint8Array => new TextEncoder().encode(value);
/** Compressible bytes of `lengthBytes`: `seed` repeated. */
const repeated = (seed: Uint8Array, lengthBytes: number): Uint8Array => new Uint8Array(lengthBytes).map((_, index) => seed[index % seed.length]!);
/** What Node's zlib (stock inflate, window 15) makes of `stream` under ENet's limit: the bytes, or null where it fails. */
function nodeInflate(stream: Uint8Array, limitBytes: number): Uint8Array | null {
  try {
    const output = inflateSync(stream, { windowBits: 15 });
    return output.length > limitBytes ? null : new Uint8Array(output);
  } catch {
    return null;
  }
}

describe('zlib framing as Godot sends it', () => {
  test('the stream has a zlib header: CM 8 with a 32 KiB window (0x78), FLEVEL 2 for the default level, FCHECK valid', () => {
    const output = zlibCompress(text('hello hello hello hello'));
    expect(hexOf(output.subarray(0, 2))).toBe('789c');
    expect((output[0]! * 256 + output[1]!) % 31).toBe(0);
  });

  test('the header at every level 0..9 is the one Node\'s zlib writes (FLEVEL 0, 0, 1, 1, 1, 1, 2, 3, 3, 3)', () => {
    const input = text('abcabcabd '.repeat(100));
    for (let level = 0; level <= 9; level++) {
      expect(`${level}: ${hexOf(zlibCompress(input, level).subarray(0, 2))}`).toBe(`${level}: ${hexOf(deflateSync(input, { level }).subarray(0, 2))}`);
    }
  });

  test('the default level is level 6, as Z_DEFAULT_COMPRESSION means, and the level reaches the encoder', () => {
    const input = text('the quick brown fox jumps over the lazy dog, '.repeat(40) + 'abcdefghij'.repeat(300));
    expect(hexOf(zlibCompress(input))).toBe(hexOf(zlibCompress(input, 6)));
    expect(hexOf(new ZlibCompressor().compress([input], input.length, 4096))).toBe(hexOf(zlibCompress(input, 6)));
    expect(zlibCompress(input, 0).length).toBeGreaterThan(input.length);
    expect(zlibCompress(input, 6).length).toBeLessThan(zlibCompress(input, 0).length / 10);
  });

  test('the trailer is the Adler-32 of the input, big-endian, equal to the one Node\'s zlib writes', () => {
    for (const input of [text('Wikipedia'), new Uint8Array(0), new Uint8Array(100_000).fill(0xff), repeated(text('zlib '), 70_001)]) {
      const ours = zlibCompress(input);
      const node = deflateSync(input);
      expect(hexOf(ours.subarray(-4))).toBe(hexOf(node.subarray(-4)));
    }
    expect(adler32(text('Wikipedia'))).toBe(0x11e60398);
    expect(adler32(new Uint8Array(0))).toBe(1);
  });

  test('Node\'s zlib inflates our streams at every level, and a compressed datagram body from joined buffers', () => {
    const input = repeated(text('abcabcabd 0123456789 '), 5000);
    for (let level = 0; level <= 9; level++) expect(hexOf(inflateSync(zlibCompress(input, level), { windowBits: 15 }))).toBe(hexOf(input));
    const output = new ZlibCompressor().compress([text('header'), text('payload payload payload payload')], 37, 37)!;
    expect(new TextDecoder().decode(inflateSync(output, { windowBits: 15 }))).toBe('headerpayload payload payload payload');
  });

  test('a level outside -1..9 is a caller\'s bug and throws', () => {
    expect(() => new ZlibCompressor(10)).toThrow(/zlib level must be -1 \(default\) or an integer 0\.\.9, got 10/);
    expect(() => zlibCompress(text('x'), -2)).toThrow(/got -2/);
    expect(() => zlibCompress(text('x'), 2.5)).toThrow(/got 2.5/);
  });
});

describe('zlib decoding as Godot does it', () => {
  test('streams from Node\'s zlib at every level 0..9 and with smaller windows decode', () => {
    const input = text('abcabcabd '.repeat(100));
    for (let level = 0; level <= 9; level++) expect(hexOf(zlibDecompress(deflateSync(input, { level }), 4096))).toBe(hexOf(input));
    for (const windowBits of [9, 12, 15]) expect(hexOf(zlibDecompress(deflateSync(input, { windowBits }), 4096))).toBe(hexOf(input));
  });

  test('raw deflate and gzip are refused: Godot expects the zlib wrapper', () => {
    const input = text('abcabcabd '.repeat(10));
    expect(zlibDecompress(deflateRawSync(input), 4096)).toBeNull();
    expect(zlibDecompress(gzipSync(input), 4096)).toBeNull();
  });

  test('a header with another method, a window over 32 KiB, a bad FCHECK or a preset dictionary is refused', () => {
    const input = text('0123456789'.repeat(30));
    const stream = zlibCompress(input);
    const withHeader = (cmf: number, flg: number) => Uint8Array.from([cmf, flg, ...stream.subarray(2)]);
    const withCheck = (cmf: number, flags: number) => withHeader(cmf, flags + (31 - ((cmf * 256 + flags) % 31)) % 31);
    expect(hexOf(zlibDecompress(withCheck(0x78, 0x80), 4096))).toBe(hexOf(input));
    expect(zlibDecompress(withCheck(0x77, 0x80), 4096)).toBeNull();
    expect(zlibDecompress(withCheck(0x88, 0x80), 4096)).toBeNull();
    expect(zlibDecompress(withHeader(0x78, 0x9d), 4096)).toBeNull();
    expect(zlibDecompress(withCheck(0x78, 0x80 | 0x20), 4096)).toBeNull();
    expect(zlibDecompress(deflateSync(input, { dictionary: text('0123456789') }), 4096)).toBeNull();
  });

  test('a truncated stream, output past the limit and an empty input are refused; output exactly at the limit is not', () => {
    const input = text('0123456789'.repeat(30));
    const stream = zlibCompress(input);
    for (let lengthBytes = 0; lengthBytes < stream.length; lengthBytes++) expect(zlibDecompress(stream.subarray(0, lengthBytes), 4096)).toBeNull();
    expect(zlibDecompress(stream, input.length - 1)).toBeNull();
    expect(zlibDecompress(stream, 1)).toBeNull();
    expect(hexOf(zlibDecompress(stream, input.length))).toBe(hexOf(input));
    expect(zlibDecompress(stream, 0)).toBeNull();
  });

  test('a 100 kB stream decodes under a 100 kB limit and is refused one byte under it', () => {
    const input = repeated(text('limit test '), 100_000);
    const stream = zlibCompress(input);
    expect(hexOf(zlibDecompress(stream, 100_000))).toBe(hexOf(input));
    expect(zlibDecompress(stream, 99_999)).toBeNull();
    expect(zlibDecompress(Uint8Array.from([...stream, 9, 9, 9]), 99_999)).toBeNull();
  });

  test('a damaged Adler-32 trailer is refused, bit by bit', () => {
    const input = text('checksum '.repeat(20));
    const stream = zlibCompress(input);
    for (let bit = 0; bit < 32; bit++) {
      const damaged = Uint8Array.from(stream);
      damaged[stream.length - 4 + (bit >> 3)]! ^= 1 << (bit & 7);
      expect(zlibDecompress(damaged, 4096)).toBeNull();
      expect(nodeInflate(damaged, 4096)).toBeNull();
    }
  });

  test('bytes after the trailer are ignored, as zlib ignores them; a byte between the data and the trailer is not', () => {
    const input = text('0123456789'.repeat(30));
    for (const stream of [zlibCompress(input), deflateSync(input, { level: 0 }), deflateSync(input, { level: 9 })]) {
      for (const extra of [[1], [1, 2, 3], [...stream.subarray(-4)], [...stream.subarray(-4), 0], new Array<number>(300).fill(7)]) {
        const padded = Uint8Array.from([...stream, ...extra]);
        expect(hexOf(zlibDecompress(padded, 4096))).toBe(hexOf(input));
        expect(hexOf(nodeInflate(padded, 4096))).toBe(hexOf(input));
      }
      const moved = Uint8Array.from([...stream.subarray(0, -4), 0x55, ...stream.subarray(-4)]);
      expect(zlibDecompress(moved, 4096)).toBeNull();
      expect(nodeInflate(moved, 4096)).toBeNull();
    }
  });

  test('round trip: any bytes and compressible data from 1 B to 100 kB decode to themselves, in our decoder and Node\'s', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.integer({ min: 1, max: 100_000 }), (seed, lengthBytes) => {
        const input = repeated(seed, lengthBytes);
        const stream = zlibCompress(input);
        expect(hexOf(zlibDecompress(stream, lengthBytes))).toBe(hexOf(input));
        expect(hexOf(nodeInflate(stream, lengthBytes))).toBe(hexOf(input));
        expect(hexOf(zlibDecompress(zlibCompress(seed), seed.length))).toBe(hexOf(seed));
        expect(hexOf(zlibDecompress(deflateSync(input), lengthBytes))).toBe(hexOf(input));
      }),
      { numRuns: 60 },
    );
  });

  test('damaged streams: our decoder accepts exactly what Node\'s zlib accepts, with the same bytes', () => {
    // Node's zlib is stricter about malformed deflate data than fflate (stored-block length
    // complements, Huffman code sets), but such damage must still match the Adler-32 trailer, which
    // random damage does not. The one exception is a damaged complement of a stored block, which
    // leaves the data and so the checksum intact; compressible input keeps stored blocks out.
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 2 }),
        fc.uint8Array({ maxLength: 8 }),
        (seed, lengthBytes, damage, cutBytes, extra) => {
          const input = repeated(Uint8Array.from([...seed, ...text('compressible text ')]), lengthBytes);
          const stream = zlibCompress(input);
          const damaged = Uint8Array.from([...stream.subarray(0, stream.length - cutBytes), ...extra]);
          for (const [position, mask] of damage) damaged[position % damaged.length]! ^= mask;
          const limitBytes = lengthBytes - (lengthBytes % 7 === 0 ? 1 : 0);
          expect(hexOf(zlibDecompress(damaged, limitBytes))).toBe(hexOf(nodeInflate(damaged, limitBytes)));
        },
      ),
      { numRuns: 400 },
    );
  });

  test('random data does not shrink: with ENet\'s limit (the input size) the compressor declines', () => {
    let state = 777;
    const input = new Uint8Array(1200).map(() => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
    expect(new ZlibCompressor().compress([input], input.length, input.length)).toBeNull();
  });

  test('decoding never throws on any bytes, and never returns more than the limit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 2000 }), fc.boolean(), (input, limitBytes, validHeader) => {
        const stream = validHeader ? Uint8Array.from([0x78, 0x9c, ...input]) : input;
        const decoded = zlibDecompress(stream, limitBytes);
        if (decoded !== null) {
          expect(decoded.length).toBeLessThanOrEqual(limitBytes);
          expect(hexOf(decoded)).toBe(hexOf(nodeInflate(stream, limitBytes)));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
