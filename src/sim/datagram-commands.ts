// The trace's description of a datagram's commands ("SEND_RELIABLE ch0 #3" for each), read straight
// from the bytes: the same walk as decodeDatagram (src/enet/codec.ts) and the same stopping rules, but
// without building a decoded command per command, and with each description string made once and
// then looked up (a datagram's commands repeat: acknowledgements and sends of the same sequence numbers).
import { CHECKSUM_SIZE_BYTES, COMMAND_MASK, COMMAND_NAMES, COMMAND_SIZES_BYTES, Command, HEADER_FLAG_COMPRESSED, HEADER_FLAG_SENT_TIME } from '../enet/constants.js';

/** Where the 16-bit dataLength of a command that carries a payload sits, from the command's start; 0: no payload. */
const DATA_LENGTH_OFFSETS: readonly number[] = (() => {
  const offsets = new Array<number>(16).fill(0);
  offsets[Command.sendReliable] = 4;
  offsets[Command.sendUnreliable] = 6;
  offsets[Command.sendFragment] = 6;
  offsets[Command.sendUnsequenced] = 6;
  offsets[Command.sendUnreliableFragment] = 6;
  return offsets;
})();

/** Command sizes by the 4-bit command number, 0 for the numbers ENet does not know. */
const SIZES_BYTES: readonly number[] = Array.from({ length: 16 }, (_, number) => (number < Command.count ? COMMAND_SIZES_BYTES[number]! : 0));

/** Bound on remembered descriptions; past it the memory starts again (descriptions are only a cache). */
const DESCRIPTIONS_MAX = 65_536;

/** The key of a datagram that decodeDatagram rejects: fewer bytes than its header. */
export const TRUNCATED_HEADER_KEY = -1;
/** The key of a compressed datagram (its commands are not decoded). */
export const COMPRESSED_KEY = -2;

export class CommandDescriber {
  /** Description by key (see `keys`). */
  private readonly descriptions = new Map<number, string>();

  /**
   * Writes into `into` one key per command of the datagram, in order: command number · 2^24 + channel ·
   * 2^16 + reliable sequence number; or the single key TRUNCATED_HEADER_KEY or COMPRESSED_KEY when
   * decodeDatagram would fail for that reason. Returns how many keys it wrote. `checksum`: whether the
   * header has a checksum slot (decodeDatagram's option).
   */
  keys(bytes: Uint8Array, checksum: boolean, into: number[]): number {
    const length = bytes.length;
    if (length < 2) return single(into, TRUNCATED_HEADER_KEY);
    const word = (bytes[0]! << 8) | bytes[1]!;
    let offset = (word & HEADER_FLAG_SENT_TIME) !== 0 ? 4 : 2;
    if (checksum) offset += CHECKSUM_SIZE_BYTES;
    if (length < offset) return single(into, TRUNCATED_HEADER_KEY);
    if ((word & HEADER_FLAG_COMPRESSED) !== 0) return single(into, COMPRESSED_KEY);
    let count = 0;
    while (offset + 4 <= length) {
      const number = bytes[offset]! & COMMAND_MASK;
      const size = SIZES_BYTES[number]!;
      if (size === 0 || offset + size > length) break;
      const dataLengthOffset = DATA_LENGTH_OFFSETS[number]!;
      const payloadBytes = dataLengthOffset === 0 ? 0 : (bytes[offset + dataLengthOffset]! << 8) | bytes[offset + dataLengthOffset + 1]!;
      if (offset + size + payloadBytes > length) break;
      into[count++] = number * 16_777_216 + bytes[offset + 1]! * 65_536 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
      offset += size + payloadBytes;
    }
    return count;
  }

  /** The trace's text of a key: "SEND_RELIABLE ch0 #3", "truncatedHeader" or "compressed". */
  text(key: number): string {
    if (key === TRUNCATED_HEADER_KEY) return 'truncatedHeader';
    if (key === COMPRESSED_KEY) return 'compressed';
    let text = this.descriptions.get(key);
    if (text === undefined) {
      if (this.descriptions.size >= DESCRIPTIONS_MAX) this.descriptions.clear();
      text = `${COMMAND_NAMES[Math.floor(key / 16_777_216)]!} ch${Math.floor(key / 65_536) % 256} #${key % 65_536}`;
      this.descriptions.set(key, text);
    }
    return text;
  }

  /** The descriptions of a datagram's commands, as the trace writes them. */
  describe(bytes: Uint8Array, checksum: boolean): string[] {
    const keys: number[] = [];
    const count = this.keys(bytes, checksum, keys);
    const described: string[] = [];
    for (let index = 0; index < count; index++) described.push(this.text(keys[index]!));
    return described;
  }
}

function single(into: number[], key: number): number {
  into[0] = key;
  return 1;
}
