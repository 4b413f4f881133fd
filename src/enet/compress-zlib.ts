// Godot's COMPRESS_ZLIB datagram compressor: a zlib stream (RFC 1950 header, deflate body, Adler-32 trailer) around fflate's deflate.
//
// Godot maps COMPRESS_ZLIB to Compression::MODE_DEFLATE, which calls deflateInit2 with window bits
// 15 (the zlib wrapper, not raw deflate and not gzip), memory level 8, the default strategy and the
// level from the project setting compression/formats/zlib/compression_level (default
// Z_DEFAULT_COMPRESSION, which zlib treats as 6), then one deflate(Z_FINISH). Decompression is one
// inflate(Z_FINISH) into ENet's limit that must reach the end of the stream.
//
// The deflate coder is the fflate package (pure JavaScript, MIT), so src/enet imports no Node
// module and runs in a browser, and the bytes depend only on the input and the fflate version
// pinned in the lockfile, not on the zlib a Node release bundles. We write the 2-byte header and
// the Adler-32 trailer ourselves, with the header zlib writes for each level (CMF 0x78, FLEVEL from
// the level as deflate.c picks it, FCHECK), and give fflate a 2^15-entry hash table, the size zlib
// uses at memory level 8, so its output does not depend on the input-size guess fflate makes by
// default. fflate's deflate finds other matches than zlib's, so the body differs from the bytes
// Godot's zlib sends at the same level; every inflater reads both.
//
// Decoding checks what Godot's inflate checks, and returns null where Godot's decompression fails:
// - the header: CM 8, a window of at most 32 KiB (CINFO <= 7; windowBits 15 accepts smaller ones),
//   FCHECK ((CMF * 256 + FLG) % 31 == 0), and FDICT clear (zlib then asks for a preset dictionary,
//   which Godot never supplies);
// - the deflate data, as fflate judges it (fflate throws on it; we catch and return null);
// - the output fits ENet's limit: fflate writes into a buffer of limit + 1 bytes and silently drops
//   what does not fit, so a full buffer means the stream inflates to more than the limit;
// - the Adler-32 trailer right after the deflate data (at the next byte boundary) matches the output.
// Bytes after the trailer are ignored, as zlib stops at the end of the stream. fflate does not say
// where the deflate data ends, so we find it by inflating prefixes: fflate throws on a prefix that
// stops inside the deflate data and inflates any longer prefix to the same bytes, so the shortest
// prefix that inflates ends where the data does. With the trailer last (what every encoder sends)
// that takes two inflates; trailing bytes cost a binary search, at most about 12 more inflates for
// ENet's 4 KiB datagrams.
//
// Where fflate is laxer than zlib: it does not check a stored block's length complement (NLEN) and
// does not refuse incomplete or over-subscribed Huffman code sets up front, all of which zlib
// refuses as invalid data (with an over-subscribed set the prefix search above may also place the
// end elsewhere). Such a stream still has to inflate to bytes that match an Adler-32 trailer, so a
// damaged datagram that Godot would drop gets through only when the damage also leaves the checksum
// right (about one in 2^32 for random damage).

import { deflateSync, inflateSync } from 'fflate';
import type { Compressor } from './host.js';
import { joinCompressorInput } from './compress-input.js';

/** Z_DEFAULT_COMPRESSION: Godot's default zlib level; zlib treats it as level 6. */
export const ZLIB_GODOT_DEFAULT_LEVEL = -1;
/** The level zlib uses for Z_DEFAULT_COMPRESSION. */
const ZLIB_DEFAULT_LEVEL = 6;
/** The highest zlib level; 0 stores, 1..9 trade speed for size. */
const ZLIB_LEVEL_MAX = 9;
/** CMF and FLG: the zlib header. */
const ZLIB_HEADER_BYTES = 2;
/** The Adler-32 of the uncompressed data, big-endian. */
const ZLIB_TRAILER_BYTES = 4;
/** CM, the low nibble of CMF: 8 is deflate, the only method zlib knows. */
const ZLIB_METHOD_DEFLATE = 8;
/** CINFO, the high nibble of CMF: log2(window) - 8; 7 is the 32 KiB window of windowBits 15. */
const ZLIB_WINDOW_INFO_MAX = 7;
/** FDICT, bit 5 of FLG: a preset dictionary's Adler-32 follows the header. */
const ZLIB_FLAG_DICTIONARY = 0x20;
/** FCHECK makes CMF * 256 + FLG a multiple of 31. */
const ZLIB_HEADER_CHECK_DIVISOR = 31;
/**
 * fflate's `mem` for a 2^15-entry hash table (fflate uses 12 + mem hash bits), which is what zlib
 * allocates at Godot's memory level 8 (memLevel + 7 hash bits).
 */
const FFLATE_MEM_FOR_ZLIB_MEM_LEVEL_8 = 3;
/** Adler-32 sums are taken modulo the largest prime below 2^16. */
const ADLER_MODULUS = 65521;
/** Bytes summed before reducing modulo 65521 (zlib's NMAX, the most that keeps both sums under 2^32). */
const ADLER_CHUNK_BYTES = 5552;

/** zlib's level for `level` (-1 is Z_DEFAULT_COMPRESSION); anything else outside 0..9 is a caller's bug. */
function resolveZlibLevel(level: number): number {
  if (level === ZLIB_GODOT_DEFAULT_LEVEL) return ZLIB_DEFAULT_LEVEL;
  if (!Number.isInteger(level) || level < 0 || level > ZLIB_LEVEL_MAX) {
    throw new RangeError(`zlib level must be -1 (default) or an integer 0..${ZLIB_LEVEL_MAX}, got ${level}`);
  }
  return level;
}

/** FLEVEL, bits 6..7 of FLG, as zlib's deflate sets it: 0 fastest (0, 1), 1 fast (2..5), 2 default (6), 3 best (7..9). */
function zlibLevelFlags(level: number): number {
  if (level < 2) return 0;
  if (level < 6) return 1;
  if (level === 6) return 2;
  return 3;
}

/** Adler-32 (RFC 1950 section 8.2) of `data`, as an unsigned 32-bit number. */
export function adler32(data: Uint8Array): number {
  let low = 1;
  let high = 0;
  for (let start = 0; start < data.length; start += ADLER_CHUNK_BYTES) {
    const end = Math.min(start + ADLER_CHUNK_BYTES, data.length);
    for (let index = start; index < end; index++) {
      low += data[index]!;
      high += low;
    }
    low %= ADLER_MODULUS;
    high %= ADLER_MODULUS;
  }
  return (high * 65536 + low) >>> 0;
}

/** Compresses `input` into one zlib stream the way Godot's MODE_DEFLATE frames it (window 15, no dictionary). */
export function zlibCompress(input: Uint8Array, level: number = ZLIB_GODOT_DEFAULT_LEVEL): Uint8Array {
  const zlibLevel = resolveZlibLevel(level);
  const body = deflateSync(input, {
    level: zlibLevel as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9,
    mem: FFLATE_MEM_FOR_ZLIB_MEM_LEVEL_8,
  });
  const output = new Uint8Array(ZLIB_HEADER_BYTES + body.length + ZLIB_TRAILER_BYTES);
  const header = (((ZLIB_WINDOW_INFO_MAX << 4) | ZLIB_METHOD_DEFLATE) << 8) | (zlibLevelFlags(zlibLevel) << 6);
  const checkedHeader = header + (ZLIB_HEADER_CHECK_DIVISOR - (header % ZLIB_HEADER_CHECK_DIVISOR));
  output[0] = checkedHeader >> 8;
  output[1] = checkedHeader & 0xff;
  output.set(body, ZLIB_HEADER_BYTES);
  new DataView(output.buffer, output.byteOffset, output.length).setUint32(ZLIB_HEADER_BYTES + body.length, adler32(input));
  return output;
}

/** Whether CMF and FLG form a header Godot's inflate (windowBits 15, no dictionary) accepts. */
function isGodotZlibHeader(cmf: number, flg: number): boolean {
  if ((cmf & 0x0f) !== ZLIB_METHOD_DEFLATE) return false;
  if (cmf >> 4 > ZLIB_WINDOW_INFO_MAX) return false;
  if ((cmf * 256 + flg) % ZLIB_HEADER_CHECK_DIVISOR !== 0) return false;
  return (flg & ZLIB_FLAG_DICTIONARY) === 0;
}

/**
 * Inflates `deflateData` with fflate into a buffer of `limitBytes + 1` bytes; null when fflate
 * throws (corrupt data, or the data stops before the end of the final block). An empty prefix is
 * refused here because fflate returns nothing for it instead of throwing.
 */
function inflateBounded(deflateData: Uint8Array, limitBytes: number): Uint8Array | null {
  if (deflateData.length === 0) return null;
  try {
    return inflateSync(deflateData, { out: new Uint8Array(limitBytes + 1) });
  } catch {
    return null;
  }
}

/**
 * Inflates one zlib stream into at most `limitBytes` bytes. Returns null where Godot fails: a
 * wrong or unsupported header, corrupt or truncated deflate data, output past the limit, or an
 * Adler-32 trailer that does not match. Bytes after the trailer are ignored. Never throws.
 */
export function zlibDecompress(input: Uint8Array, limitBytes: number): Uint8Array | null {
  if (input.length < ZLIB_HEADER_BYTES + ZLIB_TRAILER_BYTES || limitBytes <= 0) return null;
  if (!isGodotZlibHeader(input[0]!, input[1]!)) return null;
  const afterHeader = input.subarray(ZLIB_HEADER_BYTES);
  // The deflate data must end with room for the trailer: the prefix up to the last 4 bytes inflates.
  let shortestEndBytes = afterHeader.length - ZLIB_TRAILER_BYTES;
  let output = inflateBounded(afterHeader.subarray(0, shortestEndBytes), limitBytes);
  if (output === null || output.length > limitBytes) return null;
  // If one byte less also inflates, the data ends earlier and bytes follow the trailer: binary-search
  // the shortest prefix that inflates (a failing length below it, a working one at it).
  let failingEndBytes = shortestEndBytes - 1;
  let shorterOutput = inflateBounded(afterHeader.subarray(0, failingEndBytes), limitBytes);
  if (shorterOutput !== null) {
    shortestEndBytes = failingEndBytes;
    output = shorterOutput;
    failingEndBytes = 0;
    while (shortestEndBytes - failingEndBytes > 1) {
      const middleBytes = failingEndBytes + Math.floor((shortestEndBytes - failingEndBytes) / 2);
      shorterOutput = inflateBounded(afterHeader.subarray(0, middleBytes), limitBytes);
      if (shorterOutput === null) {
        failingEndBytes = middleBytes;
      } else {
        shortestEndBytes = middleBytes;
        output = shorterOutput;
      }
    }
    if (output.length > limitBytes) return null;
  }
  const trailer = new DataView(afterHeader.buffer, afterHeader.byteOffset + shortestEndBytes, ZLIB_TRAILER_BYTES);
  if (trailer.getUint32(0) !== adler32(output)) return null;
  return output;
}

/**
 * Godot's COMPRESS_ZLIB as an ENet {@link Compressor}: `host.compress(new ZlibCompressor())`. The
 * buffers are joined and deflated; output longer than ENet's limit is refused (ENet then sends the
 * datagram uncompressed, as it also does when the output is not smaller). `level` is Godot's
 * compression/formats/zlib/compression_level (-1 = zlib's default, 6; 0..9); another value throws.
 */
export class ZlibCompressor implements Compressor {
  constructor(private readonly level: number = ZLIB_GODOT_DEFAULT_LEVEL) {
    resolveZlibLevel(level);
  }

  compress(buffers: readonly Uint8Array[], inputLengthBytes: number, limitBytes: number): Uint8Array | null {
    const output = zlibCompress(joinCompressorInput(buffers, inputLengthBytes), this.level);
    if (output.length > limitBytes) return null;
    return output;
  }

  decompress(input: Uint8Array, limitBytes: number): Uint8Array | null {
    return zlibDecompress(input, limitBytes);
  }
}
