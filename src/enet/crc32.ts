// ENet's optional datagram checksum (packet.c enet_crc32): the reflected CRC-32 of IEEE 802.3,
// polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF, the same value zlib's crc32 gives.

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let crc = index;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    table[index] = crc >>> 0;
  }
  return table;
}

/** Continues a CRC-32 over `bytes`; start with 0xFFFFFFFF and finish with crc32Finish. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  let value = crc;
  for (let index = 0; index < bytes.length; index++) {
    value = TABLE[(value ^ bytes[index]!) & 0xff]! ^ (value >>> 8);
  }
  return value >>> 0;
}

export function crc32Finish(crc: number): number {
  return ~crc >>> 0;
}

/** The CRC-32 of a sequence of buffers, as one would compute over their concatenation. */
export function crc32(buffers: readonly Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const buffer of buffers) crc = crc32Update(crc, buffer);
  return crc32Finish(crc);
}
