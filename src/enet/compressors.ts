// One place that turns a compression name (Godot's ENetConnection.CompressionMode, in our spelling) into a compressor.
import { decodeDatagram, readU16, writeU16 } from './codec.js';
import { CHECKSUM_SIZE_BYTES, HEADER_FLAG_COMPRESSED, HEADER_FLAG_SENT_TIME, Protocol } from './constants.js';
import type { Compressor } from './host.js';
import { FastlzCompressor } from './compress-fastlz.js';
import { ZlibCompressor } from './compress-zlib.js';
import { ZstdCompressor } from './compress-zstd.js';
import { RangeCoder } from './range-coder.js';

/**
 * The datagram compressors Godot offers besides none: COMPRESS_RANGE_CODER (ENet's own),
 * COMPRESS_FASTLZ, COMPRESS_ZLIB and COMPRESS_ZSTD. Both ends of a connection must agree.
 */
export type CompressionName = 'range-coder' | 'fastlz' | 'zlib' | 'zstd';
export const COMPRESSOR_NAMES: readonly CompressionName[] = ['range-coder', 'fastlz', 'zlib', 'zstd'];

/** A new compressor for `name`, with Godot's default levels; one per host (each keeps a workspace). */
export function createCompressor(name: CompressionName): Compressor {
  switch (name) {
    case 'range-coder':
      return new RangeCoder();
    case 'fastlz':
      return new FastlzCompressor();
    case 'zlib':
      return new ZlibCompressor();
    case 'zstd':
      return new ZstdCompressor();
  }
}

/** Godot's CompressionMode name of each compressor, for messages. */
export const GODOT_COMPRESSION_MODE_NAMES: Readonly<Record<CompressionName, string>> = {
  'range-coder': 'COMPRESS_RANGE_CODER',
  fastlz: 'COMPRESS_FASTLZ',
  zlib: 'COMPRESS_ZLIB',
  zstd: 'COMPRESS_ZSTD',
};

/**
 * The compressors that read a compressed datagram (ENet's compressed flag set): each of
 * {@link COMPRESSOR_NAMES} inflates its body, and it counts when the result parses as ENet commands
 * to the last byte (trailing zeros allowed: Godot's FastLZ pads short blocks). `checksum` says whether
 * the header has ENet's 4-byte CRC-32 slot. Bounded work: four decompressions of at most an MTU.
 * Meant for diagnostics on a dropped datagram, not for every datagram.
 */
export function identifyCompressors(datagram: Uint8Array, options: { checksum: boolean }): CompressionName[] {
  if (datagram.length < 2 || (readU16(datagram, 0) & HEADER_FLAG_COMPRESSED) === 0) return [];
  let headerSizeBytes = readU16(datagram, 0) & HEADER_FLAG_SENT_TIME ? 4 : 2;
  if (options.checksum) headerSizeBytes += CHECKSUM_SIZE_BYTES;
  if (datagram.length <= headerSizeBytes) return [];
  const limitBytes = Protocol.maximumMtuBytes - headerSizeBytes;
  const readers: CompressionName[] = [];
  for (const name of COMPRESSOR_NAMES) {
    const body = createCompressor(name).decompress(datagram.subarray(headerSizeBytes), limitBytes);
    if (body === null || body.length === 0 || body.length > limitBytes) continue;
    const inflated = new Uint8Array(headerSizeBytes + body.length);
    inflated.set(datagram.subarray(0, headerSizeBytes), 0);
    inflated.set(body, headerSizeBytes);
    writeU16(inflated, 0, readU16(inflated, 0) & ~HEADER_FLAG_COMPRESSED);
    const decoded = decodeDatagram(inflated, options);
    if (!decoded.ok || decoded.commands.length === 0) continue;
    if (inflated.subarray(inflated.length - decoded.trailingBytes).some((byte) => byte !== 0)) continue;
    readers.push(name);
  }
  return readers;
}
