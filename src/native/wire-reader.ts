// Reads one ENet connection's datagrams from outside, as a proxy sees them: it learns the connection's framing (ENet's checksum slot, the compressor) from the datagrams themselves.

import { decodeDatagram, readU16, readU32, writeU16, writeU32Native, type DecodeResult, type DecodedCommand, type DecodedHeader } from '../enet/codec.js';
import { COMPRESSOR_NAMES, createCompressor, type CompressionName } from '../enet/compressors.js';
import { CHECKSUM_SIZE_BYTES, Command, HEADER_FLAG_COMPRESSED, HEADER_FLAG_SENT_TIME, Protocol } from '../enet/constants.js';
import { crc32 } from '../enet/crc32.js';
import type { Compressor } from '../enet/host.js';

/** How one side frames its datagrams; null while not yet known. */
export interface WireFraming {
  /** ENet's 4-byte CRC-32 slot after the header (the host's `checksum` setting: no wire flag says so). */
  checksum: boolean | null;
  /** The compressor of the side's compressed datagrams; null until one was read. */
  compressor: CompressionName | null;
}

export type WireReadResult =
  | { ok: true; header: DecodedHeader; commands: DecodedCommand[]; checksum: boolean; compressor: CompressionName | null }
  | { ok: false; reason: WireReadFailure };

/**
 * Why a datagram was not read: shorter than a header; compressed in a way none of Godot's four
 * compressors reads; commands that parse but a checksum slot whose CRC matches neither the
 * connection's connectID nor 0 (the receiver drops it too: `checksumMismatch`); or bytes that do not
 * parse as ENet commands to their end under any framing.
 */
export type WireReadFailure = 'truncatedHeader' | 'undecompressable' | 'checksumMismatch' | 'unparsable';

/**
 * One direction of one connection. The first datagram read settles the framing of that side: a
 * checksum slot is accepted only when its CRC-32 verifies (seeded, as ENet does, with the
 * connection's connectID, or 0 before it is known), so a checksummed session is never misread as
 * an unchecksummed one by chance (one in 2^32); a compressed datagram is read by whichever of
 * Godot's compressors inflates it into commands that end exactly at its last byte (trailing zeros
 * allowed: Godot's FastLZ pads short blocks). Both sides are read separately, so a side that
 * compresses against one that does not shows up as two framings, which is the mismatch.
 */
export class WireSideReader {
  readonly framing: WireFraming = { checksum: null, compressor: null };
  private readonly compressors = new Map<CompressionName, Compressor>();

  /** `connectID()` gives the connection's connectID once a CONNECT was seen (either side), else null. */
  constructor(private readonly connectID: () => number | null) {}

  read(bytes: Uint8Array): WireReadResult {
    if (bytes.length < 2) return { ok: false, reason: 'truncatedHeader' };
    const checksumChoices = this.framing.checksum === null ? [true, false] : [this.framing.checksum];
    let failure: WireReadFailure = 'unparsable';
    for (const checksum of checksumChoices) {
      const attempt = this.readWith(bytes, checksum);
      if (attempt.ok) {
        this.framing.checksum = checksum;
        if (attempt.compressor !== null) this.framing.compressor = attempt.compressor;
        return attempt;
      }
      if (attempt.reason !== 'unparsable') failure = attempt.reason;
    }
    return { ok: false, reason: failure };
  }

  private readWith(bytes: Uint8Array, checksum: boolean): WireReadResult {
    const word = readU16(bytes, 0);
    const headerSizeBytes = (word & HEADER_FLAG_SENT_TIME ? 4 : 2) + (checksum ? CHECKSUM_SIZE_BYTES : 0);
    if (bytes.length < headerSizeBytes) return { ok: false, reason: 'truncatedHeader' };
    const compressed = (word & HEADER_FLAG_COMPRESSED) !== 0;
    const names: (CompressionName | null)[] = !compressed ? [null] : this.framing.compressor !== null ? [this.framing.compressor] : [...COMPRESSOR_NAMES];
    let failure: WireReadFailure = compressed ? 'undecompressable' : 'unparsable';
    for (const name of names) {
      const data = name === null ? bytes : this.inflate(bytes, headerSizeBytes, name);
      if (data === null) continue;
      // The receiver checks the checksum on the datagram as received but inflated (its compressed flag still set); the parse wants it cleared.
      const verified = !checksum || this.checksumVerifies(data, headerSizeBytes);
      const parsed = name === null ? data : data.slice();
      if (name !== null) writeU16(parsed, 0, readU16(parsed, 0) & ~HEADER_FLAG_COMPRESSED);
      const decoded = decodeDatagram(parsed, { checksum });
      if (!wholeDatagram(decoded, parsed)) {
        failure = 'unparsable';
        continue;
      }
      if (!verified) {
        failure = 'checksumMismatch';
        continue;
      }
      return { ok: true, header: { ...decoded.header, compressed }, commands: decoded.commands, checksum, compressor: name };
    }
    return { ok: false, reason: failure };
  }

  /** A new datagram: the header as received and the body inflated by `name`, or null when it does not inflate. */
  private inflate(bytes: Uint8Array, headerSizeBytes: number, name: CompressionName): Uint8Array | null {
    let compressor = this.compressors.get(name);
    if (compressor === undefined) {
      compressor = createCompressor(name);
      this.compressors.set(name, compressor);
    }
    const limitBytes = Protocol.maximumMtuBytes - headerSizeBytes;
    const body = compressor.decompress(bytes.subarray(headerSizeBytes), limitBytes);
    if (body === null || body.length === 0 || body.length > limitBytes) return null;
    const data = new Uint8Array(headerSizeBytes + body.length);
    data.set(bytes.subarray(0, headerSizeBytes), 0);
    data.set(body, headerSizeBytes);
    return data;
  }

  /** ENet's check: CRC-32 of the (inflated) datagram with its slot seeded by the connectID, or 0 for a CONNECT. */
  private checksumVerifies(data: Uint8Array, headerSizeBytes: number): boolean {
    const slot = headerSizeBytes - CHECKSUM_SIZE_BYTES;
    const desired = readU32(data, slot);
    // The CRC runs over the datagram's pieces around the slot with the seed in between: no copy of the datagram.
    const before = data.subarray(0, slot);
    const after = data.subarray(slot + CHECKSUM_SIZE_BYTES);
    const seedBytes = new Uint8Array(CHECKSUM_SIZE_BYTES);
    const connectID = this.connectID();
    for (const seed of connectID === null ? [0] : [connectID, 0]) {
      writeU32Native(seedBytes, 0, seed);
      if (crc32([before, seedBytes, after]) === desired) return true;
    }
    return false;
  }
}

/** Parsed to the last byte, but for zeros (padding), with at least one command. */
function wholeDatagram(decoded: DecodeResult, data: Uint8Array): decoded is Extract<DecodeResult, { ok: true }> {
  if (!decoded.ok || decoded.commands.length === 0) return false;
  for (let index = data.length - decoded.trailingBytes; index < data.length; index += 1) if (data[index] !== 0) return false;
  return true;
}

/** Both directions of one connection, sharing the connectID that seeds the checksum. */
export class ConnectionWireReader {
  private connectIDSeen: number | null = null;
  readonly up = new WireSideReader(() => this.connectIDSeen);
  readonly down = new WireSideReader(() => this.connectIDSeen);

  /** Reads a datagram of `direction` (client→server is up) and remembers the connectID of a CONNECT in it. */
  read(direction: 'up' | 'down', bytes: Uint8Array): WireReadResult {
    const result = this[direction].read(bytes);
    if (result.ok) {
      for (const command of result.commands) if (command.command === Command.connect) this.connectIDSeen = command.fields['connectID'] ?? null;
    }
    return result;
  }
}
