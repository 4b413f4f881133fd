// Godot's COMPRESS_ZSTD datagram compressor: our own Zstandard frame encoder (RFC 8878) and the fzstd decoder behind Godot's framing.
//
// Godot maps COMPRESS_ZSTD to Compression::MODE_ZSTD: ZSTD_compressCCtx at the level from
// compression/formats/zstd/compression_level (default 3; long-distance matching off unless
// compression/formats/zstd/long_distance_matching is set, window log 27), and ZSTD_decompressDCtx
// into ENet's limit. ZSTD_compressCCtx writes one frame with the content size, no checksum and no
// dictionary; this encoder writes the same kind of frame, so Godot reads it, but its blocks are
// simpler than libzstd's: raw literals and sequences coded with the format's predefined FSE tables
// (no Huffman literals, no repeat offsets). It is greedy with one hash table and ignores the level.
//
// The maintained npm zstd compressors are native addons or WebAssembly builds that load
// asynchronously (@hpcc-js/wasm-zstd, @bokuweb/zstd-wasm), while ENet's compressor interface is
// synchronous and src/enet stays free of native code; so the encoder is ours, and the decoder is
// fzstd (pure JavaScript, MIT, by the author of fflate). Before handing a frame to fzstd we check its header
// ourselves, so that a hostile datagram cannot make it allocate: every frame must declare its
// content size (libzstd's one-shot compressor always does), within ENet's limit.

import { decompress as fzstdDecompress } from 'fzstd';
import type { Compressor } from './host.js';
import { joinCompressorInput } from './compress-input.js';

/** Godot's default zstd level (compression/formats/zstd/compression_level); our encoder has one strategy. */
export const ZSTD_GODOT_DEFAULT_LEVEL = 3;
/** The frame magic number, little-endian on the wire. */
const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames use magic numbers 0x184D2A50..0x184D2A5F. */
const SKIPPABLE_MAGIC_BASE = 0x184d2a50;
/** Largest block content (Block_Maximum_Size for windows of 128 KiB and more). */
const BLOCK_MAX_BYTES = 128 * 1024;
/** Block types in the 3-byte block header. */
const BlockType = { raw: 0, rle: 1, compressed: 2 } as const;
/** The shortest match our encoder emits (the format allows 3; 4 pays for a sequence reliably). */
const MATCH_MIN_BYTES = 4;
/** Hash table size of the encoder, as a power of two. */
const HASH_BITS = 14;
/** Multiplier of the 4-byte hash (Knuth's golden-ratio constant). */
const HASH_MULTIPLIER = 2654435761;
/** Offset values 1..3 are repeat codes; a plain offset is coded as offset + 3. */
const REPEAT_OFFSET_CODES = 3;

/** Compresses `input` into one Zstandard frame (single segment, content size, no checksum). */
export function zstdCompress(input: Uint8Array): Uint8Array {
  const out = new ByteWriter(input.length + 32 + 3 * Math.ceil(input.length / BLOCK_MAX_BYTES));
  writeFrameHeader(out, input.length);
  if (input.length === 0) {
    writeBlockHeader(out, true, BlockType.raw, 0);
    return out.take();
  }
  const finder = new MatchFinder(input);
  for (let start = 0; start < input.length; start += BLOCK_MAX_BYTES) {
    const end = Math.min(input.length, start + BLOCK_MAX_BYTES);
    writeBlock(out, input, start, end, end === input.length, finder);
  }
  return out.take();
}

/**
 * Decodes Zstandard frames into at most `limitBytes` bytes, as ZSTD_decompressDCtx does for
 * Godot: concatenated frames are joined and skippable frames skipped. Returns null on any error,
 * on output past the limit, and (our bound) on a frame that does not declare its content size.
 */
export function zstdDecompress(input: Uint8Array, limitBytes: number): Uint8Array | null {
  const declared = declaredContentBytes(input);
  if (declared === null || declared > limitBytes) return null;
  try {
    const output = fzstdDecompress(input);
    if (output.length !== declared) return null;
    return output;
  } catch {
    // fzstd reports corrupt input as exceptions; ENet sees a failed decompression.
    return null;
  }
}

/**
 * Godot's COMPRESS_ZSTD as an ENet {@link Compressor}: `host.compress(new ZstdCompressor())`. The
 * buffers are joined and coded as one frame; output longer than ENet's limit is refused (ENet then
 * sends the datagram uncompressed, as it also does when the output is not smaller).
 */
export class ZstdCompressor implements Compressor {
  compress(buffers: readonly Uint8Array[], inputLengthBytes: number, limitBytes: number): Uint8Array | null {
    const output = zstdCompress(joinCompressorInput(buffers, inputLengthBytes));
    if (output.length > limitBytes) return null;
    return output;
  }

  decompress(input: Uint8Array, limitBytes: number): Uint8Array | null {
    return zstdDecompress(input, limitBytes);
  }
}

// ---- frame and block layout --------------------------------------------------------------------

function writeFrameHeader(out: ByteWriter, contentBytes: number): void {
  out.u32(FRAME_MAGIC);
  // Single segment (bit 5): no window descriptor, the window is the content. The content-size
  // field flag (bits 7-6) picks 1, 2 (size - 256), 4 or 8 bytes.
  if (contentBytes < 256) {
    out.u8(0x20);
    out.u8(contentBytes);
  } else if (contentBytes < 65536 + 256) {
    out.u8(0x60);
    out.u16(contentBytes - 256);
  } else {
    out.u8(0xa0);
    out.u32(contentBytes);
  }
}

function writeBlockHeader(out: ByteWriter, last: boolean, type: number, size: number): void {
  out.u24((last ? 1 : 0) | (type << 1) | (size << 3));
}

/** One block for input[start, end): compressed when that is smaller, else RLE or raw. */
function writeBlock(out: ByteWriter, input: Uint8Array, start: number, end: number, last: boolean, finder: MatchFinder): void {
  const sizeBytes = end - start;
  if (isRun(input, start, end)) {
    writeBlockHeader(out, last, BlockType.rle, sizeBytes);
    out.u8(input[start]!);
    return;
  }
  const body = compressedBlockBody(input, start, end, finder);
  if (body !== null && body.length < sizeBytes) {
    writeBlockHeader(out, last, BlockType.compressed, body.length);
    out.bytes(body);
    return;
  }
  writeBlockHeader(out, last, BlockType.raw, sizeBytes);
  out.bytes(input.subarray(start, end));
}

function isRun(input: Uint8Array, start: number, end: number): boolean {
  const first = input[start];
  for (let index = start + 1; index < end; index++) if (input[index] !== first) return false;
  return end - start > 1;
}

interface Sequence {
  literalBytes: number;
  matchBytes: number;
  offsetValue: number;
}

/** A compressed block's content: raw literals, then the sequences; null when there is no match. */
function compressedBlockBody(input: Uint8Array, start: number, end: number, finder: MatchFinder): Uint8Array | null {
  const literals = new ByteWriter(end - start);
  const sequences: Sequence[] = [];
  let anchor = start;
  let position = start;
  while (position + MATCH_MIN_BYTES <= end) {
    const match = finder.find(position, end);
    if (match === null) {
      position++;
      continue;
    }
    literals.bytes(input.subarray(anchor, position));
    sequences.push({ literalBytes: position - anchor, matchBytes: match.lengthBytes, offsetValue: match.distance + REPEAT_OFFSET_CODES });
    finder.indexCovered(position + 1, position + match.lengthBytes, end);
    position += match.lengthBytes;
    anchor = position;
  }
  if (sequences.length === 0) return null;
  literals.bytes(input.subarray(anchor, end));
  const body = new ByteWriter(end - start + 16);
  writeRawLiteralsHeader(body, literals.length);
  body.bytes(literals.take());
  writeSequencesSection(body, sequences);
  return body.take();
}

function writeRawLiteralsHeader(out: ByteWriter, sizeBytes: number): void {
  // Literals_Block_Type 0 (raw) in bits 1-0, Size_Format in bits 3-2, then the size.
  if (sizeBytes < 32) out.u8(sizeBytes << 3);
  else if (sizeBytes < 4096) out.u16(0b0100 | (sizeBytes << 4));
  else out.u24(0b1100 | (sizeBytes << 4));
}

function writeSequencesSection(out: ByteWriter, sequences: readonly Sequence[]): void {
  const count = sequences.length;
  if (count < 128) {
    out.u8(count);
  } else if (count < 0x7f00) {
    out.u8((count >> 8) + 0x80);
    out.u8(count & 0xff);
  } else {
    out.u8(0xff);
    out.u16(count - 0x7f00);
  }
  // All three symbol streams use Predefined_Mode (0), so no table description follows.
  out.u8(0);
  out.bytes(encodeSequenceBits(sequences));
}

// ---- the sequences bitstream ---------------------------------------------------------------------

interface CodedValue {
  code: number;
  extraBits: number;
  extraValue: number;
}

/**
 * The sequences' backward bitstream. The decoder reads the three initial states (literal length,
 * offset, match length), then for each sequence the extra bits of offset, match length and literal
 * length, then (except after the last) the state updates of literal length, match length and
 * offset. The writer emits exactly that in reverse, since the decoder reads from the end.
 */
function encodeSequenceBits(sequences: readonly Sequence[]): Uint8Array {
  const literalCodes = sequences.map((sequence) => literalLengthCode(sequence.literalBytes));
  const matchCodes = sequences.map((sequence) => matchLengthCode(sequence.matchBytes));
  const offsetCodes = sequences.map((sequence) => offsetCode(sequence.offsetValue));
  const literalStates = LITERAL_LENGTH_TABLE.statePath(literalCodes.map((coded) => coded.code));
  const matchStates = MATCH_LENGTH_TABLE.statePath(matchCodes.map((coded) => coded.code));
  const offsetStates = OFFSET_TABLE.statePath(offsetCodes.map((coded) => coded.code));
  const bits = new BitWriter();
  for (let index = sequences.length - 1; index >= 0; index--) {
    bits.write(literalCodes[index]!.extraValue, literalCodes[index]!.extraBits);
    bits.write(matchCodes[index]!.extraValue, matchCodes[index]!.extraBits);
    bits.write(offsetCodes[index]!.extraValue, offsetCodes[index]!.extraBits);
    if (index > 0) {
      OFFSET_TABLE.writeTransition(bits, offsetStates[index - 1]!, offsetStates[index]!);
      MATCH_LENGTH_TABLE.writeTransition(bits, matchStates[index - 1]!, matchStates[index]!);
      LITERAL_LENGTH_TABLE.writeTransition(bits, literalStates[index - 1]!, literalStates[index]!);
    }
  }
  bits.write(matchStates[0]!, MATCH_LENGTH_TABLE.accuracyLog);
  bits.write(offsetStates[0]!, OFFSET_TABLE.accuracyLog);
  bits.write(literalStates[0]!, LITERAL_LENGTH_TABLE.accuracyLog);
  return bits.finish();
}

/** Literal length codes 16..35: [baseline, extra bits] (codes 0..15 are the length itself). */
const LITERAL_LENGTH_LONG_CODES: readonly (readonly [number, number])[] = [
  [16, 1], [18, 1], [20, 1], [22, 1], [24, 2], [28, 2], [32, 3], [40, 3], [48, 4], [64, 6],
  [128, 7], [256, 8], [512, 9], [1024, 10], [2048, 11], [4096, 12], [8192, 13], [16384, 14],
  [32768, 15], [65536, 16],
];
/** Match length codes 32..52: [baseline, extra bits] (codes 0..31 are lengths 3..34). */
const MATCH_LENGTH_LONG_CODES: readonly (readonly [number, number])[] = [
  [35, 1], [37, 1], [39, 1], [41, 1], [43, 2], [47, 2], [51, 3], [59, 3], [67, 4], [83, 4],
  [99, 5], [131, 7], [259, 8], [515, 9], [1027, 10], [2051, 11], [4099, 12], [8195, 13],
  [16387, 14], [32771, 15], [65539, 16],
];

function literalLengthCode(lengthBytes: number): CodedValue {
  if (lengthBytes < 16) return { code: lengthBytes, extraBits: 0, extraValue: 0 };
  return longCode(LITERAL_LENGTH_LONG_CODES, 16, lengthBytes);
}

function matchLengthCode(lengthBytes: number): CodedValue {
  if (lengthBytes < 35) return { code: lengthBytes - 3, extraBits: 0, extraValue: 0 };
  return longCode(MATCH_LENGTH_LONG_CODES, 32, lengthBytes);
}

function longCode(codes: readonly (readonly [number, number])[], firstCode: number, value: number): CodedValue {
  let index = codes.length - 1;
  while (index > 0 && codes[index]![0] > value) index--;
  const [baseline, extraBits] = codes[index]!;
  return { code: firstCode + index, extraBits, extraValue: value - baseline };
}

function offsetCode(offsetValue: number): CodedValue {
  const code = 31 - Math.clz32(offsetValue);
  return { code, extraBits: code, extraValue: offsetValue - 2 ** code };
}

/**
 * A predefined FSE table (RFC 8878 4.1.1), built the way the decoder builds it, plus what the
 * encoder needs: for each symbol and each next state, the one state of that symbol whose
 * [baseline, baseline + 2^bits) range contains it.
 */
class FseTable {
  readonly symbolOf: Int32Array;
  readonly bitsOf: Int32Array;
  readonly baselineOf: Int32Array;
  /** coverOf[symbol * size + target] = the state of `symbol` that leads to `target`. */
  private readonly coverOf: Int32Array;
  private readonly size: number;

  constructor(readonly accuracyLog: number, distribution: readonly number[]) {
    const size = 1 << accuracyLog;
    this.size = size;
    this.symbolOf = new Int32Array(size);
    this.bitsOf = new Int32Array(size);
    this.baselineOf = new Int32Array(size);
    let highThreshold = size - 1;
    distribution.forEach((count, symbol) => {
      if (count === -1) this.symbolOf[highThreshold--] = symbol;
    });
    const step = (size >> 1) + (size >> 3) + 3;
    let position = 0;
    distribution.forEach((count, symbol) => {
      for (let index = 0; index < count; index++) {
        this.symbolOf[position] = symbol;
        do position = (position + step) & (size - 1);
        while (position > highThreshold);
      }
    });
    const next = distribution.map((count) => (count === -1 ? 1 : count));
    for (let state = 0; state < size; state++) {
      const symbol = this.symbolOf[state]!;
      const nextState = next[symbol]!++;
      const bits = accuracyLog - (31 - Math.clz32(nextState));
      this.bitsOf[state] = bits;
      this.baselineOf[state] = (nextState << bits) - size;
    }
    this.coverOf = new Int32Array(distribution.length * size).fill(-1);
    for (let state = 0; state < size; state++) {
      const base = this.symbolOf[state]! * size;
      for (let target = this.baselineOf[state]!; target < this.baselineOf[state]! + (1 << this.bitsOf[state]!); target++) {
        this.coverOf[base + target] = state;
      }
    }
  }

  /** The state for each symbol of `symbols`, chosen backwards so that each leads to the next. */
  statePath(symbols: readonly number[]): Int32Array {
    const states = new Int32Array(symbols.length);
    const last = symbols.length - 1;
    states[last] = this.coverOf[symbols[last]! * this.size]!;
    for (let index = last - 1; index >= 0; index--) {
      states[index] = this.coverOf[symbols[index]! * this.size + states[index + 1]!]!;
    }
    return states;
  }

  /** The bits that take the decoder from `from` to `to`. */
  writeTransition(bits: BitWriter, from: number, to: number): void {
    bits.write(to - this.baselineOf[from]!, this.bitsOf[from]!);
  }
}

// The predefined distributions of RFC 8878 section 3.1.1.3.2.2 (-1: "less than one").
const LITERAL_LENGTH_TABLE = new FseTable(6, [
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
  -1, -1, -1, -1,
]);
const MATCH_LENGTH_TABLE = new FseTable(6, [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
]);
const OFFSET_TABLE = new FseTable(5, [
  1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
]);

// ---- the match finder and writers ----------------------------------------------------------------

/** Greedy matches against the last position seen with the same 4-byte hash, anywhere earlier in the frame. */
class MatchFinder {
  private readonly table = new Int32Array(1 << HASH_BITS).fill(-1);

  constructor(private readonly input: Uint8Array) {}

  find(position: number, end: number): { lengthBytes: number; distance: number } | null {
    const input = this.input;
    const slot = this.hash(position);
    const candidate = this.table[slot]!;
    this.table[slot] = position;
    if (candidate < 0) return null;
    let length = 0;
    const maxBytes = end - position;
    while (length < maxBytes && input[candidate + length] === input[position + length]) length++;
    return length >= MATCH_MIN_BYTES ? { lengthBytes: length, distance: position - candidate } : null;
  }

  /** Indexes the positions a match covered, so that the next repeat is found. */
  indexCovered(from: number, to: number, end: number): void {
    for (let position = from; position < to && position + MATCH_MIN_BYTES <= end; position++) {
      this.table[this.hash(position)] = position;
    }
  }

  private hash(position: number): number {
    const input = this.input;
    const word = input[position]! | (input[position + 1]! << 8) | (input[position + 2]! << 16) | (input[position + 3]! << 24);
    return Math.imul(word, HASH_MULTIPLIER) >>> (32 - HASH_BITS);
  }
}

/** Little-endian bytes into a buffer sized for the worst case. */
class ByteWriter {
  private buffer: Uint8Array;
  length = 0;

  constructor(capacityBytes: number) {
    this.buffer = new Uint8Array(Math.max(16, capacityBytes));
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
  }

  u16(value: number): void {
    this.u8(value);
    this.u8(value >>> 8);
  }

  u24(value: number): void {
    this.u16(value);
    this.u8(value >>> 16);
  }

  u32(value: number): void {
    this.u16(value);
    this.u16(value >>> 16);
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  take(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + bytes));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

/** Bits appended least significant first; `finish` adds the end mark the decoder looks for. */
class BitWriter {
  private readonly out = new ByteWriter(64);
  private accumulator = 0;
  private accumulatorBits = 0;

  /** Appends the low `count` bits of `value` (count up to 31). */
  write(value: number, count: number): void {
    if (count > 16) {
      this.write(value & 0xffff, 16);
      this.write(Math.floor(value / 65536), count - 16);
      return;
    }
    this.accumulator += (value & ((1 << count) - 1)) * 2 ** this.accumulatorBits;
    this.accumulatorBits += count;
    while (this.accumulatorBits >= 8) {
      this.out.u8(this.accumulator & 0xff);
      this.accumulator = Math.floor(this.accumulator / 256);
      this.accumulatorBits -= 8;
    }
  }

  finish(): Uint8Array {
    this.write(1, 1);
    if (this.accumulatorBits > 0) this.write(0, 8 - this.accumulatorBits);
    return this.out.take();
  }
}

// ---- reading frame headers -----------------------------------------------------------------------

/**
 * The total content size the frames in `input` declare, or null when a frame header is malformed
 * or a frame does not declare its size. Only headers are read: the blocks are walked by their sizes.
 */
function declaredContentBytes(input: Uint8Array): number | null {
  let at = 0;
  let total = 0;
  // Every frame consumes at least 8 bytes, so the loop is bounded by the input.
  while (at < input.length) {
    if (at + 8 > input.length) return null;
    const magic = readU32(input, at);
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC_BASE) {
      at += 8 + readU32(input, at + 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) return null;
    const frame = readFrameExtent(input, at);
    if (frame === null) return null;
    total += frame.contentBytes;
    at = frame.endAt;
  }
  return at === input.length && total > 0 ? total : null;
}

function readFrameExtent(input: Uint8Array, at: number): { contentBytes: number; endAt: number } | null {
  const descriptor = input[at + 4]!;
  if (descriptor & 0x08) return null; // reserved bit
  const singleSegment = (descriptor >> 5) & 1;
  const sizeFlag = descriptor >> 6;
  const dictionaryIdBytes = [0, 1, 2, 4][descriptor & 3]!;
  const contentSizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
  if (contentSizeBytes === 0) return null; // no declared size: refused (see the file comment)
  let cursor = at + 5 + (singleSegment ? 0 : 1) + dictionaryIdBytes;
  if (cursor + contentSizeBytes > input.length) return null;
  let contentBytes = 0;
  for (let index = contentSizeBytes - 1; index >= 0; index--) contentBytes = contentBytes * 256 + input[cursor + index]!;
  if (contentSizeBytes === 2) contentBytes += 256;
  cursor += contentSizeBytes;
  for (;;) {
    if (cursor + 3 > input.length) return null;
    const header = input[cursor]! | (input[cursor + 1]! << 8) | (input[cursor + 2]! << 16);
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) return null;
    cursor += 3 + (type === BlockType.rle ? 1 : size);
    if (header & 1) break;
  }
  if (descriptor & 0x04) cursor += 4; // content checksum
  return cursor <= input.length ? { contentBytes, endAt: cursor } : null;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
