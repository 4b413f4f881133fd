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

export class CommandDescriber {
  /** Description by command number · 2^24 + channel · 2^16 + reliable sequence number. */
  private readonly descriptions = new Map<number, string>();

  /**
   * "SEND_RELIABLE ch0 #3" for each command of a datagram, in order; ["compressed"] or
   * ["truncatedHeader"] when decodeDatagram would fail for that reason. `checksum`: whether the header
   * has a checksum slot (decodeDatagram's option).
   */
  describe(bytes: Uint8Array, checksum: boolean): string[] {
    const length = bytes.length;
    if (length < 2) return ['truncatedHeader'];
    const word = (bytes[0]! << 8) | bytes[1]!;
    let offset = (word & HEADER_FLAG_SENT_TIME) !== 0 ? 4 : 2;
    if (checksum) offset += CHECKSUM_SIZE_BYTES;
    if (length < offset) return ['truncatedHeader'];
    if ((word & HEADER_FLAG_COMPRESSED) !== 0) return ['compressed'];
    const described: string[] = [];
    while (offset + 4 <= length) {
      const number = bytes[offset]! & COMMAND_MASK;
      const size = SIZES_BYTES[number]!;
      if (size === 0 || offset + size > length) break;
      const dataLengthOffset = DATA_LENGTH_OFFSETS[number]!;
      const payloadBytes = dataLengthOffset === 0 ? 0 : (bytes[offset + dataLengthOffset]! << 8) | bytes[offset + dataLengthOffset + 1]!;
      if (offset + size + payloadBytes > length) break;
      const channelID = bytes[offset + 1]!;
      const sequenceNumber = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
      described.push(this.description(number, channelID, sequenceNumber));
      offset += size + payloadBytes;
    }
    return described;
  }

  private description(number: number, channelID: number, sequenceNumber: number): string {
    const key = number * 16_777_216 + channelID * 65_536 + sequenceNumber;
    let text = this.descriptions.get(key);
    if (text === undefined) {
      if (this.descriptions.size >= DESCRIPTIONS_MAX) this.descriptions.clear();
      text = `${COMMAND_NAMES[number]!} ch${channelID} #${sequenceNumber}`;
      this.descriptions.set(key, text);
    }
    return text;
  }
}
