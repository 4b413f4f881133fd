// Godot's COMPRESS_FASTLZ datagram compressor: our own FastLZ level-1 encoder and level-1/2 decoder, framed as Godot frames it.
//
// The FastLZ format in a few sentences. A stream is a list of instructions; the top three bits of
// the very first byte hold the format level minus one (0 for level 1, 1 for level 2), and the
// first instruction is always a literal run. An instruction byte below 32 starts a literal run of
// (byte + 1) bytes, which follow it. Any other byte starts a back reference: its top three bits
// give the length, its low five bits the high part of the distance, and one more byte the low part.
// Level 1: a length field of 1..6 copies 3..8 bytes; 7 means "read one more byte and add it", for
// 9..264 bytes; the distance is 1..8192. Level 2 lets the length and the distance grow with 255-runs.
//
// Godot's framing (core/io/compression.cpp, MODE_FASTLZ): an input shorter than 16 bytes is padded
// with zeros to 16 before compressing, so the peer decodes 16 bytes and ENet stops at the zero
// padding (command number 0 has no size). On decompression, an output limit below 16 decodes into
// a 16-byte scratch buffer and returns the limit without checking the result; ENet's limit is
// always far above 16, so that branch never runs on the wire, but it is kept for fidelity.
//
// Our encoder is greedy with one hash table, like FastLZ's level 1, but its bytes are not FastLZ's:
// any conforming decoder (Godot's fastlz_decompress included) reads them, and our decoder reads
// FastLZ's. fastlz_compress switches to level 2 for inputs of 65536 bytes and more; ENet datagram
// bodies are at most 4096 bytes, so on the wire it is always level 1, and we keep level 1 for any
// length (level 1 has no length limit).

import type { Compressor } from './host.js';
import { joinCompressorInput } from './compress-input.js';

/** Godot pads shorter inputs to this many bytes before calling fastlz_compress. */
export const FASTLZ_GODOT_MINIMUM_INPUT_BYTES = 16;
/** The longest literal run one instruction carries. */
const LITERAL_RUN_MAX_BYTES = 32;
/** The shortest back reference the format can express. */
const MATCH_MIN_BYTES = 3;
/** The longest back reference one level-1 instruction carries (8 + 1 + 255). */
const LEVEL1_MATCH_MAX_BYTES = 264;
/** The farthest a level-1 back reference reaches. */
const LEVEL1_DISTANCE_MAX = 8192;
/** Level 2's near distances end here; a 255 low byte with all high bits set escapes to a 16-bit far one. */
const LEVEL2_NEAR_DISTANCE_MAX = 8191;
/** Hash table size of the encoder, as a power of two (FastLZ uses the same order of size). */
const HASH_BITS = 13;
/** Multiplier of the 3-byte hash (Knuth's golden-ratio constant). */
const HASH_MULTIPLIER = 2654435761;

/** The format level carried in the first byte's top three bits. */
export type FastlzLevel = 1 | 2;

/**
 * Compresses `input` into a FastLZ level-1 stream. Empty input gives an empty stream (FastLZ
 * itself emits nothing useful there; Godot never passes it). The output is at most
 * `input.length + ceil(input.length / 32)` bytes.
 */
export function fastlzCompress(input: Uint8Array): Uint8Array {
  const out = new FastlzWriter(input.length + Math.ceil(input.length / LITERAL_RUN_MAX_BYTES));
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  let anchor = 0;
  let position = 0;
  while (position + MATCH_MIN_BYTES <= input.length) {
    const slot = hash3(input, position);
    const candidate = table[slot]!;
    table[slot] = position;
    const distance = position - candidate;
    if (candidate < 0 || distance > LEVEL1_DISTANCE_MAX || !sameThreeBytes(input, candidate, position)) {
      position++;
      continue;
    }
    const lengthBytes = matchLength(input, candidate, position, LEVEL1_MATCH_MAX_BYTES);
    out.literals(input, anchor, position);
    out.level1Match(lengthBytes, distance);
    // Index the positions the match covered so that the next repeat is found; the last two cannot
    // start a 3-byte sequence of their own inside the match.
    for (let covered = position + 1; covered < position + lengthBytes && covered + MATCH_MIN_BYTES <= input.length; covered++) {
      table[hash3(input, covered)] = covered;
    }
    position += lengthBytes;
    anchor = position;
  }
  out.literals(input, anchor, input.length);
  return out.take();
}

/**
 * Decodes a FastLZ stream of either level into at most `limitBytes` bytes, as fastlz_decompress
 * does: the level comes from the first byte. Returns null where FastLZ returns 0: empty input, an
 * unknown level, a truncated instruction, a reference before the start, or output past the limit.
 */
export function fastlzDecompress(input: Uint8Array, limitBytes: number): Uint8Array | null {
  if (input.length === 0) return null;
  const level = (input[0]! >> 5) + 1;
  if (level !== 1 && level !== 2) return null;
  const output = new Uint8Array(Math.max(0, limitBytes));
  const written = decodeInstructions(input, output, level);
  return written === null ? null : output.slice(0, written);
}

/**
 * Godot's COMPRESS_FASTLZ as an ENet {@link Compressor}: `host.compress(new FastlzCompressor())`.
 * Mirrors ENetConnection::Compressor (Godot 4) and NetworkedMultiplayerENet (Godot 3): the buffers
 * are joined, short inputs padded to 16 bytes, and output longer than ENet's limit is refused (ENet
 * then sends the datagram uncompressed, as it also does when the output is not smaller).
 */
export class FastlzCompressor implements Compressor {
  compress(buffers: readonly Uint8Array[], inputLengthBytes: number, limitBytes: number): Uint8Array | null {
    const joined = joinCompressorInput(buffers, inputLengthBytes);
    const output = fastlzCompress(padToGodotMinimum(joined));
    if (output.length === 0 || output.length > limitBytes) return null;
    return output;
  }

  decompress(input: Uint8Array, limitBytes: number): Uint8Array | null {
    if (limitBytes < FASTLZ_GODOT_MINIMUM_INPUT_BYTES) {
      // Godot decodes into a 16-byte scratch buffer and returns the limit whatever the outcome.
      const scratch = new Uint8Array(FASTLZ_GODOT_MINIMUM_INPUT_BYTES);
      const level = input.length === 0 ? 0 : (input[0]! >> 5) + 1;
      if (level === 1 || level === 2) decodeInstructions(input, scratch, level);
      return limitBytes > 0 ? scratch.slice(0, limitBytes) : null;
    }
    return fastlzDecompress(input, limitBytes);
  }
}

/** Godot's zero padding of inputs shorter than 16 bytes. */
export function padToGodotMinimum(input: Uint8Array): Uint8Array {
  if (input.length >= FASTLZ_GODOT_MINIMUM_INPUT_BYTES) return input;
  const padded = new Uint8Array(FASTLZ_GODOT_MINIMUM_INPUT_BYTES);
  padded.set(input);
  return padded;
}

function hash3(input: Uint8Array, position: number): number {
  const sequence = input[position]! | (input[position + 1]! << 8) | (input[position + 2]! << 16);
  return Math.imul(sequence, HASH_MULTIPLIER) >>> (32 - HASH_BITS);
}

function sameThreeBytes(input: Uint8Array, a: number, b: number): boolean {
  return input[a] === input[b] && input[a + 1] === input[b + 1] && input[a + 2] === input[b + 2];
}

/** How many bytes from `position` repeat those from `candidate` (at least 3: the caller checked). */
function matchLength(input: Uint8Array, candidate: number, position: number, maxBytes: number): number {
  let length = MATCH_MIN_BYTES;
  const end = Math.min(input.length - position, maxBytes);
  while (length < end && input[candidate + length] === input[position + length]) length++;
  return length;
}

/** The instruction decoder behind fastlzDecompress; returns the bytes written, or null on failure. */
function decodeInstructions(input: Uint8Array, output: Uint8Array, level: FastlzLevel): number | null {
  let inAt = 0;
  let outAt = 0;
  let control = input[inAt++]! & 31;
  // Every instruction consumes at least one input byte, so the loop runs at most input.length times.
  for (;;) {
    if (control < 32) {
      const runBytes = control + 1;
      if (inAt + runBytes > input.length || outAt + runBytes > output.length) return null;
      output.set(input.subarray(inAt, inAt + runBytes), outAt);
      inAt += runBytes;
      outAt += runBytes;
    } else {
      const reference = level === 1 ? readLevel1Reference(input, inAt, control) : readLevel2Reference(input, inAt, control);
      if (reference === null) return null;
      inAt = reference.nextInAt;
      const from = outAt - reference.distance;
      if (from < 0 || outAt + reference.lengthBytes > output.length) return null;
      // Byte by byte: a reference may overlap the bytes it produces (a run).
      for (let index = 0; index < reference.lengthBytes; index++) output[outAt + index] = output[from + index]!;
      outAt += reference.lengthBytes;
    }
    if (inAt >= input.length) return outAt;
    control = input[inAt++]!;
  }
}

interface BackReference {
  lengthBytes: number;
  distance: number;
  nextInAt: number;
}

function readLevel1Reference(input: Uint8Array, inAt: number, control: number): BackReference | null {
  let lengthBytes = (control >> 5) + 2;
  if (lengthBytes === 9) {
    if (inAt >= input.length) return null;
    lengthBytes += input[inAt++]!;
  }
  if (inAt >= input.length) return null;
  const distance = (((control & 31) << 8) | input[inAt++]!) + 1;
  return { lengthBytes, distance, nextInAt: inAt };
}

function readLevel2Reference(input: Uint8Array, inAt: number, control: number): BackReference | null {
  let lengthBytes = (control >> 5) + 2;
  if (lengthBytes === 9) {
    // A run of 255s extends the length; each consumes a byte, so the input bounds the loop.
    for (;;) {
      if (inAt >= input.length) return null;
      const extra = input[inAt++]!;
      lengthBytes += extra;
      if (extra !== 255) break;
    }
  }
  if (inAt >= input.length) return null;
  const low = input[inAt++]!;
  const high = control & 31;
  if (low === 255 && high === 31) {
    if (inAt + 2 > input.length) return null;
    const far = (input[inAt]! << 8) | input[inAt + 1]!;
    return { lengthBytes, distance: far + LEVEL2_NEAR_DISTANCE_MAX + 1, nextInAt: inAt + 2 };
  }
  return { lengthBytes, distance: ((high << 8) | low) + 1, nextInAt: inAt };
}

/** The encoder's output: literal runs and level-1 references into a buffer sized for the worst case. */
class FastlzWriter {
  private readonly bytes: Uint8Array;
  private length = 0;

  constructor(capacityBytes: number) {
    this.bytes = new Uint8Array(capacityBytes);
  }

  /** Literal runs of at most 32 bytes covering input[from, to). */
  literals(input: Uint8Array, from: number, to: number): void {
    for (let start = from; start < to; start += LITERAL_RUN_MAX_BYTES) {
      const runBytes = Math.min(LITERAL_RUN_MAX_BYTES, to - start);
      this.bytes[this.length++] = runBytes - 1;
      this.bytes.set(input.subarray(start, start + runBytes), this.length);
      this.length += runBytes;
    }
  }

  /** One level-1 back reference: 3..264 bytes from 1..8192 bytes back. */
  level1Match(lengthBytes: number, distance: number): void {
    const code = distance - 1;
    if (lengthBytes <= 8) {
      this.bytes[this.length++] = ((lengthBytes - 2) << 5) | (code >> 8);
    } else {
      this.bytes[this.length++] = (7 << 5) | (code >> 8);
      this.bytes[this.length++] = lengthBytes - 9;
    }
    this.bytes[this.length++] = code & 0xff;
  }

  take(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}
