// Godot's COMPRESS_ZLIB datagram compressor: a zlib stream (RFC 1950 header, deflate body, Adler-32 trailer) made by Node's zlib.
//
// Godot maps COMPRESS_ZLIB to Compression::MODE_DEFLATE, which calls deflateInit2 with window bits
// 15 (the zlib wrapper, not raw deflate and not gzip), memory level 8, the default strategy and the
// level from the project setting compression/formats/zlib/compression_level (default
// Z_DEFAULT_COMPRESSION, which zlib treats as 6), then one deflate(Z_FINISH). Decompression is one
// inflate(Z_FINISH) into ENet's limit that must reach the end of the stream; bytes after the end
// are ignored, as zlib ignores them.
//
// This is the one file in src/enet that imports a Node module: writing a deflate encoder of our own
// would add nothing, and Node's zlib is deterministic for a given Node version. A browser build
// would swap it. The compressed bytes can differ from Godot's (Node bundles Chromium's zlib, whose
// match finder differs from stock zlib's), but every zlib reads both.

import { deflateSync, inflateSync, constants as zlibConstants } from 'node:zlib';
import type { Compressor } from './host.js';
import { joinCompressorInput } from './compress-input.js';

/** Z_DEFAULT_COMPRESSION: Godot's default zlib level; zlib treats it as level 6. */
export const ZLIB_GODOT_DEFAULT_LEVEL = -1;
/** Godot's deflateInit2 window bits for MODE_DEFLATE: 15 means a 32 KiB window with the zlib wrapper. */
const ZLIB_WINDOW_BITS = 15;
/** Godot's deflateInit2 memory level. */
const ZLIB_MEMORY_LEVEL = 8;

/** Compresses `input` into one zlib stream the way Godot's MODE_DEFLATE does. */
export function zlibCompress(input: Uint8Array, level: number = ZLIB_GODOT_DEFAULT_LEVEL): Uint8Array {
  const output = deflateSync(input, {
    level,
    windowBits: ZLIB_WINDOW_BITS,
    memLevel: ZLIB_MEMORY_LEVEL,
    strategy: zlibConstants.Z_DEFAULT_STRATEGY,
  });
  return new Uint8Array(output.buffer, output.byteOffset, output.length);
}

/**
 * Inflates one zlib stream into at most `limitBytes` bytes. Returns null where Godot fails: a
 * corrupt or truncated stream, a wrong wrapper, or output past the limit.
 */
export function zlibDecompress(input: Uint8Array, limitBytes: number): Uint8Array | null {
  if (input.length === 0 || limitBytes <= 0) return null;
  try {
    const output = inflateSync(input, { windowBits: ZLIB_WINDOW_BITS, maxOutputLength: limitBytes });
    if (output.length > limitBytes) return null;
    return new Uint8Array(output.buffer, output.byteOffset, output.length);
  } catch {
    // Node reports corrupt input and a full output buffer as exceptions; ENet sees a failed decompression.
    return null;
  }
}

/**
 * Godot's COMPRESS_ZLIB as an ENet {@link Compressor}: `host.compress(new ZlibCompressor())`. The
 * buffers are joined and deflated; output longer than ENet's limit is refused (ENet then sends the
 * datagram uncompressed, as it also does when the output is not smaller). `level` is Godot's
 * compression/formats/zlib/compression_level (-1 = zlib's default, 6; 0..9).
 */
export class ZlibCompressor implements Compressor {
  constructor(private readonly level: number = ZLIB_GODOT_DEFAULT_LEVEL) {}

  compress(buffers: readonly Uint8Array[], inputLengthBytes: number, limitBytes: number): Uint8Array | null {
    const output = zlibCompress(joinCompressorInput(buffers, inputLengthBytes), this.level);
    if (output.length > limitBytes) return null;
    return output;
  }

  decompress(input: Uint8Array, limitBytes: number): Uint8Array | null {
    return zlibDecompress(input, limitBytes);
  }
}
