// One place that turns a compression name (Godot's ENetConnection.CompressionMode, in our spelling) into a compressor.
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
