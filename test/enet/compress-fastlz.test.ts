// Godot's COMPRESS_FASTLZ (src/enet/compress-fastlz.ts): vectors worked out by hand from the FastLZ
// format, round trips from 1 byte to 100 kB, Godot's padding of inputs under 16 bytes, and the limit
// behaviour ENet relies on. (Debian has no FastLZ package, so there is no C oracle to run here;
// Godot itself is the oracle of the interop harness.)
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FastlzCompressor, fastlzCompress, fastlzDecompress } from '../../src/enet/compress-fastlz.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
/** Byte equality without vitest's element-by-element diff, which is slow on 100 kB arrays. */
const hexOf = (data: Uint8Array | null): string => (data === null ? 'null' : Buffer.from(data).toString('hex'));

/** Compressible input: a short random alphabet repeated with random edits. */
function compressible(seedBytes: Uint8Array, lengthBytes: number): Uint8Array {
  const out = new Uint8Array(lengthBytes);
  for (let index = 0; index < lengthBytes; index++) out[index] = seedBytes[index % seedBytes.length]! ^ (index % 97 === 0 ? 1 : 0);
  return out;
}

describe('FastLZ level 1 decoding of hand-made streams', () => {
  test('a literal run: control 2 then three bytes decodes to those bytes', () => {
    expect(fastlzDecompress(bytes(0x02, 0x61, 0x62, 0x63), 100)).toEqual(ascii('abc'));
  });

  test('a short reference: length field 1 copies 3 bytes from distance 1 (a run)', () => {
    expect(fastlzDecompress(bytes(0x00, 0x61, 0x20, 0x00), 100)).toEqual(ascii('aaaa'));
  });

  test('a long reference: length field 7 plus 3 copies 12 bytes; distance 2 repeats a pair', () => {
    expect(fastlzDecompress(bytes(0x01, 0x61, 0x62, 0xe0, 0x03, 0x01), 100)).toEqual(ascii('ab'.repeat(7)));
  });

  test('refused like fastlz_decompress: empty, unknown level, truncated run, reference before the start, past the limit', () => {
    expect(fastlzDecompress(bytes(), 100)).toBeNull();
    expect(fastlzDecompress(bytes(0x40, 0x61), 100)).toBeNull();
    expect(fastlzDecompress(bytes(0x05, 0x61, 0x62), 100)).toBeNull();
    expect(fastlzDecompress(bytes(0x00, 0x61, 0x20, 0x05), 100)).toBeNull();
    expect(fastlzDecompress(bytes(0x00, 0x61, 0x20, 0x00), 3)).toBeNull();
  });
});

describe('FastLZ level 2 decoding of hand-made streams', () => {
  test('a 255-run extends the length: 6 + 255 + 5 + 3 = 269 bytes from distance 3', () => {
    const decoded = fastlzDecompress(bytes(0x22, 0x61, 0x62, 0x63, 0xe0, 0xff, 0x05, 0x02), 1000);
    expect(decoded).toEqual(ascii('abc'.repeat(91).slice(0, 272)));
  });

  test('a far reference: low byte 255 with high bits 31 reads a 16-bit distance beyond 8191', () => {
    const literalBytes = 32 * 258;
    const stream: number[] = [];
    const expected: number[] = [];
    for (let run = 0; run < 258; run++) {
      stream.push(run === 0 ? 0x20 | 31 : 31);
      for (let index = 0; index < 32; index++) {
        const value = (run * 7 + index * 13) & 0xff;
        stream.push(value);
        expected.push(value);
      }
    }
    // Length field 1 (3 bytes), high distance bits 31, low 255, then 16-bit far part 1: 1 + 8191 + 1 back.
    stream.push(0x3f, 0xff, 0x00, 0x01);
    for (let index = 0; index < 3; index++) expected.push(expected[literalBytes - 8193 + index]!);
    expect(fastlzDecompress(Uint8Array.from(stream), 10_000)).toEqual(Uint8Array.from(expected));
  });
});

describe('FastLZ level 1 encoding', () => {
  test('the first byte carries level 1 (top bits 000) and a literal run', () => {
    const output = fastlzCompress(ascii('hello hello hello hello'));
    expect(output[0]! >> 5).toBe(0);
  });

  test('Godot pads 3 bytes to 16: four literals (1, 2, 3, 0) and a 12-byte run of zeros from distance 1', () => {
    const output = new FastlzCompressor().compress([bytes(1, 2), bytes(3)], 3, 100);
    expect(output).toEqual(bytes(0x03, 1, 2, 3, 0, 0xe0, 0x03, 0x00));
  });

  test('a short input decodes to 16 bytes: the input, then Godot\'s zero padding (ENet stops at command 0)', () => {
    const compressor = new FastlzCompressor();
    const output = compressor.compress([bytes(9, 8, 7, 6, 5)], 5, 100)!;
    expect(compressor.decompress(output, 4092)).toEqual(bytes(9, 8, 7, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  });

  test('a limit under 16 decodes into 16 bytes and returns the limit, as Godot does', () => {
    const compressor = new FastlzCompressor();
    const output = compressor.compress([bytes(1, 2, 3, 4)], 4, 100)!;
    expect(compressor.decompress(output, 4)).toEqual(bytes(1, 2, 3, 4));
  });

  test('round trip: any bytes from 1 B to 4 kB decode to themselves (and short ones are at least 16 B long)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 4096 }), (input) => {
        expect(hexOf(fastlzDecompress(fastlzCompress(input), 8192))).toBe(hexOf(input));
      }),
      { numRuns: 300 },
    );
  });

  test('round trip: compressible data from 1 B to 100 kB decodes to itself and shrinks above 64 B', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 100_000 }), (seed, lengthBytes) => {
        const input = compressible(seed, lengthBytes);
        const output = fastlzCompress(input);
        expect(hexOf(fastlzDecompress(output, lengthBytes))).toBe(hexOf(input));
        if (lengthBytes > 64) expect(output.length).toBeLessThan(lengthBytes);
      }),
      { numRuns: 60 },
    );
  });

  test('output never exceeds the worst case of one control byte per 32 literals', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), (input) => {
        expect(fastlzCompress(input).length).toBeLessThanOrEqual(input.length + Math.ceil(input.length / 32));
      }),
      { numRuns: 200 },
    );
  });

  test('random data does not shrink: with ENet\'s limit (the input size) the compressor declines', () => {
    let state = 12345;
    const input = new Uint8Array(1200).map(() => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
    expect(new FastlzCompressor().compress([input], input.length, input.length)).toBeNull();
  });

  test('decoding never throws on any bytes, and never returns more than the limit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 2000 }), (input, limitBytes) => {
        const decoded = fastlzDecompress(input, limitBytes);
        if (decoded !== null) expect(decoded.length).toBeLessThanOrEqual(limitBytes);
      }),
      { numRuns: 1000 },
    );
  });
});
