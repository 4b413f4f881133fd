// Godot's COMPRESS_ZLIB (src/enet/compress-zlib.ts): the framing Godot's MODE_DEFLATE uses (zlib
// wrapper, window 15, default level), round trips, and decoding what other zlib settings produce.
import { deflateRawSync, deflateSync, gzipSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ZlibCompressor, zlibCompress, zlibDecompress } from '../../src/enet/compress-zlib.js';

const hexOf = (data: Uint8Array | null): string => (data === null ? 'null' : Buffer.from(data).toString('hex'));
const text = (value: string): Uint8Array => new TextEncoder().encode(value);

describe('zlib framing as Godot sends it', () => {
  test('the stream has a zlib header: CM 8 with a 32 KiB window (0x78), FLEVEL 2 for the default level, FCHECK valid', () => {
    const output = zlibCompress(text('hello hello hello hello'));
    expect(output[0]).toBe(0x78);
    expect(output[1]! >> 6).toBe(2);
    expect((output[0]! * 256 + output[1]!) % 31).toBe(0);
  });

  test('the default level is level 6, as Z_DEFAULT_COMPRESSION means', () => {
    const input = text('the quick brown fox jumps over the lazy dog, '.repeat(40));
    expect(hexOf(zlibCompress(input))).toBe(hexOf(deflateSync(input, { level: 6 })));
  });

  test('a compressed datagram body decodes with Node\'s own inflate (windowBits 15)', () => {
    const compressor = new ZlibCompressor();
    const parts = [text('header'), text('payload payload payload payload')];
    const output = compressor.compress(parts, 37, 37)!;
    expect(new TextDecoder().decode(inflateSync(output, { windowBits: 15 }))).toBe('headerpayload payload payload payload');
  });
});

describe('zlib decoding as Godot does it', () => {
  test('streams from every level 0..9 decode', () => {
    const input = text('abcabcabd '.repeat(100));
    for (let level = 0; level <= 9; level++) expect(hexOf(zlibDecompress(deflateSync(input, { level }), 4096))).toBe(hexOf(input));
  });

  test('raw deflate and gzip are refused: Godot expects the zlib wrapper', () => {
    const input = text('abcabcabd '.repeat(10));
    expect(zlibDecompress(deflateRawSync(input), 4096)).toBeNull();
    expect(zlibDecompress(gzipSync(input), 4096)).toBeNull();
  });

  test('a truncated stream, output past the limit and an empty input are refused; bytes after the end are ignored', () => {
    const input = text('0123456789'.repeat(30));
    const stream = zlibCompress(input);
    expect(zlibDecompress(stream.subarray(0, stream.length - 3), 4096)).toBeNull();
    expect(zlibDecompress(stream, input.length - 1)).toBeNull();
    expect(hexOf(zlibDecompress(stream, input.length))).toBe(hexOf(input));
    expect(zlibDecompress(new Uint8Array(0), 4096)).toBeNull();
    expect(hexOf(zlibDecompress(Uint8Array.from([...stream, 1, 2, 3]), 4096))).toBe(hexOf(input));
  });

  test('round trip: any bytes and compressible data from 1 B to 100 kB decode to themselves', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.integer({ min: 1, max: 100_000 }), (seed, lengthBytes) => {
        const input = new Uint8Array(lengthBytes).map((_, index) => seed[index % seed.length]!);
        expect(hexOf(zlibDecompress(zlibCompress(input), lengthBytes))).toBe(hexOf(input));
        expect(hexOf(zlibDecompress(zlibCompress(seed), seed.length))).toBe(hexOf(seed));
      }),
      { numRuns: 60 },
    );
  });

  test('random data does not shrink: with ENet\'s limit (the input size) the compressor declines', () => {
    let state = 777;
    const input = new Uint8Array(1200).map(() => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
    expect(new ZlibCompressor().compress([input], input.length, input.length)).toBeNull();
  });

  test('decoding never throws on any bytes, and never returns more than the limit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 2000 }), (input, limitBytes) => {
        const decoded = zlibDecompress(Uint8Array.from([0x78, 0x9c, ...input]), limitBytes);
        if (decoded !== null) expect(decoded.length).toBeLessThanOrEqual(limitBytes);
      }),
      { numRuns: 500 },
    );
  });
});
