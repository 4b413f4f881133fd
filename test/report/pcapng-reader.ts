// A small pcapng reader for the tests: just what the export writes (little-endian sections with
// interface description, name resolution and enhanced packet blocks), read back independently of it.

export interface ReadPacket {
  interfaceId: number;
  timestampUs: number;
  data: Uint8Array;
  comments: string[];
  flags: number | null;
}

export interface ReadSection {
  comments: string[];
  application: string | null;
  interfaces: { linkType: number; name: string | null; tsresol: number | null }[];
  names: Map<string, string>;
  packets: ReadPacket[];
}

interface Option {
  code: number;
  value: Uint8Array;
}

function readOptions(bytes: Uint8Array, start: number, end: number): Option[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const options: Option[] = [];
  let offset = start;
  while (offset + 4 <= end) {
    const code = view.getUint16(offset, true);
    const length = view.getUint16(offset + 2, true);
    if (code === 0) break;
    options.push({ code, value: bytes.slice(offset + 4, offset + 4 + length) });
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return options;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Every section of a pcapng file; throws on anything it does not expect (a test failure). */
export function readPcapng(bytes: Uint8Array): ReadSection[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sections: ReadSection[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const type = view.getUint32(offset, true);
    const length = view.getUint32(offset + 4, true);
    if (length < 12 || length % 4 !== 0 || offset + length > bytes.length) throw new Error(`bad block length ${length} at ${offset}`);
    if (view.getUint32(offset + length - 4, true) !== length) throw new Error(`trailing length differs at ${offset}`);
    const body = offset + 8;
    const end = offset + length - 4;
    if (type === 0x0a0d0d0a) {
      if (view.getUint32(body, true) !== 0x1a2b3c4d) throw new Error('not little-endian pcapng');
      if (view.getUint16(body + 4, true) !== 1 || view.getUint16(body + 6, true) !== 0) throw new Error('not pcapng 1.0');
      const options = readOptions(bytes, body + 16, end);
      sections.push({
        comments: options.filter((option) => option.code === 1).map((option) => text(option.value)),
        application: options.filter((option) => option.code === 4).map((option) => text(option.value))[0] ?? null,
        interfaces: [],
        names: new Map(),
        packets: [],
      });
    } else {
      const section = sections.at(-1);
      if (section === undefined) throw new Error('a block before the first section header');
      if (type === 1) {
        const options = readOptions(bytes, body + 8, end);
        const name = options.find((option) => option.code === 2);
        const tsresol = options.find((option) => option.code === 9);
        section.interfaces.push({ linkType: view.getUint16(body, true), name: name === undefined ? null : text(name.value), tsresol: tsresol === undefined ? null : tsresol.value[0]! });
      } else if (type === 4) {
        for (const record of readOptions(bytes, body, end)) {
          if (record.code !== 1) continue;
          const address = [...record.value.subarray(0, 4)].join('.');
          section.names.set(address, text(record.value.subarray(4, record.value.indexOf(0, 4))));
        }
      } else if (type === 6) {
        const capturedBytes = view.getUint32(body + 12, true);
        if (view.getUint32(body + 16, true) !== capturedBytes) throw new Error('a truncated packet');
        const options = readOptions(bytes, body + 20 + Math.ceil(capturedBytes / 4) * 4, end);
        const flags = options.find((option) => option.code === 2);
        section.packets.push({
          interfaceId: view.getUint32(body, true),
          timestampUs: view.getUint32(body + 4, true) * 0x100000000 + view.getUint32(body + 8, true),
          data: bytes.slice(body + 20, body + 20 + capturedBytes),
          comments: options.filter((option) => option.code === 1).map((option) => text(option.value)),
          flags: flags === undefined ? null : new DataView(flags.value.buffer).getUint32(0, true),
        });
      } else {
        throw new Error(`unexpected block type ${type}`);
      }
    }
    offset += length;
  }
  return sections;
}

/** RFC 1071 ones'-complement sum of 16-bit words: 0xFFFF over a header or datagram whose checksum is right. */
export function onesComplementSum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  for (const part of parts) {
    for (let index = 0; index < part.length; index += 2) sum += (part[index]! << 8) | (part[index + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
