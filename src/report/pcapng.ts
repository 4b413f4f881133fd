// pcapng export of a run's datagrams (run --pcap FILE): one section per run, each datagram once as it
// left its sender, wrapped in synthetic IPv4/UDP headers built from the hosts' addresses, with what the
// network did to it in the packet's comments. Pure: (hosts, trace events, bytes) → bytes, so the same
// run gives the same file. The format: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-01.html
//
// Why one datagram, one packet: Wireshark's Conversations, Endpoints and I/O graphs count packets,
// and a datagram recorded both when it is sent and when it arrives would count twice. So interface 0
// ("sent") holds every datagram exactly once, at its send time, and its fate (delivered after how long,
// dropped by which rule, duplicated, corrupted, or still in flight at the end) is in comments and
// flags. Interface 1 ("corrupted") holds only what no sent packet shows: the bytes of each corrupted
// copy as its receiver got them, at the time it got them. Filter `frame.interface_id == 0` to count
// traffic exactly; it is also what every figure in Wireshark counts apart from those rare copies.
import type { DatagramTraceEvent, TraceEvent } from '../trace/trace.js';

/** A host as the export needs it: its name and its UDP/IPv4 address. */
export interface PcapHost {
  name: string;
  /** Dotted IPv4 address ("10.0.0.1"). */
  ipv4: string;
  port: number;
}

/** One run (a scenario with one seed): becomes one pcapng section. */
export interface PcapRun {
  /** Says what the section is, e.g. "enetsim run scenarios/handshake.yaml --seed 1". */
  comment: string;
  hosts: readonly PcapHost[];
  /** The run's trace events, in trace order; only `datagram` events are read. */
  events: readonly TraceEvent[];
  /** The bytes kept for a `sent` event or a corrupted `delivered` one (Trace.bytesOf). */
  bytesOf: (event: DatagramTraceEvent) => Uint8Array | undefined;
}

/** The interfaces every section declares, in this order. */
export const PCAP_INTERFACE_SENT = 0;
export const PCAP_INTERFACE_CORRUPTED = 1;

/** LINKTYPE_RAW: each packet starts with its IPv4 header. */
const LINKTYPE_RAW = 101;
const BLOCK_SECTION_HEADER = 0x0a0d0d0a;
const BLOCK_INTERFACE_DESCRIPTION = 0x00000001;
const BLOCK_NAME_RESOLUTION = 0x00000004;
const BLOCK_ENHANCED_PACKET = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPTION_END = 0;
const OPTION_COMMENT = 1;
const SHB_USER_APPLICATION = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const EPB_FLAGS = 2;
const NRB_IPV4 = 1;
/** epb_flags: direction in bits 0-1 (1 inbound, 2 outbound), reception type in bits 2-4 (1 unicast). */
const EPB_FLAGS_OUTBOUND_UNICAST = 0x2 | (0x1 << 2);
const EPB_FLAGS_INBOUND_UNICAST = 0x1 | (0x1 << 2);
/** epb_flags bit 24: a CRC error, the link-layer error that fits a flipped bit best. */
const EPB_FLAG_CRC_ERROR = 1 << 24;
const IPV4_HEADER_BYTES = 20;
const UDP_HEADER_BYTES = 8;
/** The largest UDP payload an IPv4 packet can carry; ENet datagrams are at most 4096 bytes. */
const UDP_PAYLOAD_BYTES_MAX = 65_535 - IPV4_HEADER_BYTES - UDP_HEADER_BYTES;

/**
 * The pcapng section of one run: a section header, the two interfaces (timestamps in µs of virtual
 * time from 1970-01-01 00:00:00 UTC, so `frame.time_epoch` is the virtual time in seconds), a name
 * resolution block naming each host's address, then a packet per sent datagram and per corrupted copy.
 * Sections concatenate: a file of several runs is their sections one after the other.
 */
export function pcapngSection(run: PcapRun, application: string): Uint8Array {
  const pieces: Uint8Array[] = [];
  writePcapngSection(run, application, (piece) => pieces.push(piece));
  const whole = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    whole.set(piece, offset);
    offset += piece.length;
  }
  return whole;
}

/** The bytes of {@link pcapngSection} handed to `write` in pieces of about PIECE_BYTES, for long runs. */
export function writePcapngSection(run: PcapRun, application: string, write: (piece: Uint8Array) => void): void {
  const out = new BlockWriter(write);
  const addresses = new Map(run.hosts.map((host) => [host.name, { ipv4: parseIpv4(host.ipv4), port: host.port }]));
  const fates = fatesById(run.events);
  // Sent bytes of the datagrams with a corrupted copy: that copy's UDP checksum is computed over them.
  const sentBytesById = new Map<number, Uint8Array>();
  writeSectionHeader(out, run.comment, application);
  writeInterface(out, 'enetsim-sent', 'every datagram once, as it left its sender; its fate is in the packet comments');
  writeInterface(out, 'enetsim-corrupted', 'each corrupted copy, as its receiver got it');
  writeNames(out, run.hosts);
  for (const event of run.events) {
    if (event.kind !== 'datagram') continue;
    if (event.phase === 'sent') {
      const bytes = run.bytesOf(event);
      if (bytes === undefined) continue;
      const packet = udpPacket(event, bytes, bytes, addresses);
      const fate = fates.get(event.id) ?? [];
      const comments = [`enetsim: datagram ${event.id} ${event.from} → ${event.to}, ${bytes.length} bytes`, ...describeFate(fate, event.atMs)];
      const corrupted = fate.some((copy) => copy.kind === 'delivered' && copy.corrupted);
      writePacket(out, PCAP_INTERFACE_SENT, event.atMs, packet, comments, EPB_FLAGS_OUTBOUND_UNICAST);
      if (corrupted) sentBytesById.set(event.id, bytes);
    } else if (event.phase === 'delivered' && event.corrupted === true) {
      const bytes = run.bytesOf(event);
      const original = sentBytesById.get(event.id);
      if (bytes === undefined) continue;
      // The UDP checksum is the sender's, over the bytes it sent: on the copy it no longer matches.
      const packet = udpPacket(event, bytes, original ?? bytes, addresses);
      const comment = `enetsim: corrupted copy of datagram ${event.id} ${event.from} → ${event.to}, as ${event.to} received it${event.duplicate === true ? ' (a duplicate)' : ''}`;
      writePacket(out, PCAP_INTERFACE_CORRUPTED, event.atMs, packet, [comment], EPB_FLAGS_INBOUND_UNICAST | EPB_FLAG_CRC_ERROR);
    }
  }
  out.flush();
}

// ---- fates -----------------------------------------------------------------------------------------

type Fate = { kind: 'delivered'; atMs: number; duplicate: boolean; corrupted: boolean } | { kind: 'dropped'; atMs: number; reason: string };

function fatesById(events: readonly TraceEvent[]): Map<number, Fate[]> {
  const fates = new Map<number, Fate[]>();
  for (const event of events) {
    if (event.kind !== 'datagram' || event.phase === 'sent') continue;
    let list = fates.get(event.id);
    if (list === undefined) {
      list = [];
      fates.set(event.id, list);
    }
    if (event.phase === 'delivered') list.push({ kind: 'delivered', atMs: event.atMs, duplicate: event.duplicate === true, corrupted: event.corrupted === true });
    else list.push({ kind: 'dropped', atMs: event.atMs, reason: event.reason ?? 'unknown' });
  }
  return fates;
}

/** One comment per copy: "enetsim: delivered after 20.000 ms", "enetsim: dropped (loss)"... */
function describeFate(fates: readonly Fate[], sentAtMs: number): string[] {
  if (fates.length === 0) return ['enetsim: still in flight (or held) when the run ended'];
  return fates.map((fate) => {
    const afterMs = formatMs(fate.atMs - sentAtMs);
    if (fate.kind === 'dropped') return fate.atMs === sentAtMs ? `enetsim: dropped (${fate.reason})` : `enetsim: dropped (${fate.reason}) after ${afterMs}`;
    const what = fate.duplicate ? 'duplicate delivered' : 'delivered';
    return `enetsim: ${what}${fate.corrupted ? ' corrupted' : ''} after ${afterMs}`;
  });
}

/** Milliseconds with three decimals (µs), the same on every machine. */
function formatMs(durationMs: number): string {
  return `${(Math.round(durationMs * 1000) / 1000).toFixed(3)} ms`;
}

// ---- IPv4 / UDP ------------------------------------------------------------------------------------

interface Endpoint {
  ipv4: Uint8Array;
  port: number;
}

function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return new Uint8Array(4);
  return Uint8Array.from(parts);
}

/** A host by name, or an address the trace wrote as "a.b.c.d:port" (a datagram with no route). */
function endpointOf(name: string, addresses: ReadonlyMap<string, { ipv4: Uint8Array; port: number }>): Endpoint {
  const known = addresses.get(name);
  if (known !== undefined) return known;
  const match = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(name);
  return match === null ? { ipv4: new Uint8Array(4), port: 0 } : { ipv4: parseIpv4(match[1]!), port: Number(match[2]) & 0xffff };
}

/**
 * `payload` in UDP in IPv4 from `event.from` to `event.to`. The IP identification is the datagram id
 * (mod 2^16); the UDP checksum is computed over `checksummed` (the bytes as sent).
 */
function udpPacket(event: DatagramTraceEvent, payload: Uint8Array, checksummed: Uint8Array, addresses: ReadonlyMap<string, { ipv4: Uint8Array; port: number }>): Uint8Array {
  const source = endpointOf(event.from, addresses);
  const destination = endpointOf(event.to, addresses);
  const data = payload.length > UDP_PAYLOAD_BYTES_MAX ? payload.subarray(0, UDP_PAYLOAD_BYTES_MAX) : payload;
  const packet = new Uint8Array(IPV4_HEADER_BYTES + UDP_HEADER_BYTES + data.length);
  const view = new DataView(packet.buffer);
  view.setUint8(0, 0x45); // version 4, header of 5 words
  view.setUint16(2, packet.length);
  view.setUint16(4, event.id & 0xffff);
  view.setUint8(8, 64); // TTL
  view.setUint8(9, 17); // UDP
  packet.set(source.ipv4, 12);
  packet.set(destination.ipv4, 16);
  view.setUint16(10, internetChecksum(packet.subarray(0, IPV4_HEADER_BYTES), 0));
  view.setUint16(20, source.port);
  view.setUint16(22, destination.port);
  view.setUint16(24, UDP_HEADER_BYTES + data.length);
  packet.set(data, IPV4_HEADER_BYTES + UDP_HEADER_BYTES);
  view.setUint16(26, udpChecksum(source, destination, checksummed.subarray(0, data.length)));
  return packet;
}

/** RFC 768: over the pseudo-header, the UDP header (checksum 0) and the payload; 0 is sent as 0xFFFF. */
function udpChecksum(source: Endpoint, destination: Endpoint, payload: Uint8Array): number {
  const lengthBytes = UDP_HEADER_BYTES + payload.length;
  const header = new Uint8Array(20);
  const view = new DataView(header.buffer);
  header.set(source.ipv4, 0);
  header.set(destination.ipv4, 4);
  view.setUint8(9, 17);
  view.setUint16(10, lengthBytes);
  view.setUint16(12, source.port);
  view.setUint16(14, destination.port);
  view.setUint16(16, lengthBytes);
  const sum = internetChecksum(payload, onesComplementSum(header, 0));
  return sum === 0 ? 0xffff : sum;
}

/** RFC 1071 sum of 16-bit big-endian words (an odd last byte padded with zero), not yet complemented. */
function onesComplementSum(bytes: Uint8Array, start: number): number {
  let sum = start;
  for (let index = 0; index < bytes.length; index += 2) {
    sum += (bytes[index]! << 8) | (bytes[index + 1] ?? 0);
    if (sum > 0xffff) sum = (sum & 0xffff) + 1;
  }
  return sum;
}

function internetChecksum(bytes: Uint8Array, start: number): number {
  return ~onesComplementSum(bytes, start) & 0xffff;
}

// ---- pcapng blocks ---------------------------------------------------------------------------------

/** Output is handed on in pieces of about this size (a long run's capture never becomes one array). */
const PIECE_BYTES = 1 << 20;

/** Little-endian pcapng blocks appended to a buffer that is handed to `write` when it passes PIECE_BYTES. */
class BlockWriter {
  private bytes = new Uint8Array(1 << 16);
  private lengthBytes = 0;

  constructor(private readonly write: (piece: Uint8Array) => void) {}

  /** Appends a block of `type` whose body is `body` (already padded to 4 bytes). */
  block(type: number, body: Uint8Array): void {
    const totalBytes = 12 + body.length;
    this.reserve(totalBytes);
    const view = new DataView(this.bytes.buffer, this.lengthBytes, totalBytes);
    view.setUint32(0, type, true);
    view.setUint32(4, totalBytes, true);
    this.bytes.set(body, this.lengthBytes + 8);
    view.setUint32(totalBytes - 4, totalBytes, true);
    this.lengthBytes += totalBytes;
    if (this.lengthBytes >= PIECE_BYTES) this.flush();
  }

  /** Hands on what is buffered. */
  flush(): void {
    if (this.lengthBytes === 0) return;
    this.write(this.bytes.slice(0, this.lengthBytes));
    this.lengthBytes = 0;
  }

  private reserve(moreBytes: number): void {
    if (this.lengthBytes + moreBytes <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.lengthBytes + moreBytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.lengthBytes));
    this.bytes = grown;
  }
}

/** A block body: fixed fields, then options (code, length, value padded to 4 bytes), then opt_endofopt. */
class BodyBuilder {
  private readonly parts: number[] = [];

  u16(value: number): this {
    this.parts.push(value & 0xff, (value >>> 8) & 0xff);
    return this;
  }

  u32(value: number): this {
    return this.u16(value & 0xffff).u16(value >>> 16);
  }

  raw(bytes: Uint8Array): this {
    for (const byte of bytes) this.parts.push(byte);
    return this.pad();
  }

  option(code: number, value: Uint8Array): this {
    this.u16(code).u16(value.length);
    return this.raw(value);
  }

  text(code: number, value: string): this {
    return this.option(code, new TextEncoder().encode(value));
  }

  end(): this {
    return this.u16(OPTION_END).u16(0);
  }

  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  private pad(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }
}

function writeSectionHeader(out: BlockWriter, comment: string, application: string): void {
  const body = new BodyBuilder().u32(BYTE_ORDER_MAGIC).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff); // version 1.0, section length unknown
  out.block(BLOCK_SECTION_HEADER, body.text(OPTION_COMMENT, comment).text(SHB_USER_APPLICATION, application).end().build());
}

function writeInterface(out: BlockWriter, name: string, description: string): void {
  const body = new BodyBuilder().u16(LINKTYPE_RAW).u16(0).u32(0); // snaplen 0: no limit
  out.block(BLOCK_INTERFACE_DESCRIPTION, body.text(IF_NAME, name).text(IF_DESCRIPTION, description).option(IF_TSRESOL, Uint8Array.of(6)).end().build());
}

/** Each host's address under its name, so Wireshark can show "server" for 10.0.0.1 (View › Name Resolution). */
function writeNames(out: BlockWriter, hosts: readonly PcapHost[]): void {
  if (hosts.length === 0) return;
  const body = new BodyBuilder();
  for (const host of hosts) {
    const name = new TextEncoder().encode(host.name);
    const record = new Uint8Array(4 + name.length + 1);
    record.set(parseIpv4(host.ipv4), 0);
    record.set(name, 4);
    body.option(NRB_IPV4, record);
  }
  out.block(BLOCK_NAME_RESOLUTION, body.end().build());
}

function writePacket(out: BlockWriter, interfaceId: number, atMs: number, packet: Uint8Array, comments: readonly string[], flags: number): void {
  const timestampUs = Math.round(atMs * 1000);
  const body = new BodyBuilder()
    .u32(interfaceId)
    .u32(Math.floor(timestampUs / 0x100000000))
    .u32(timestampUs % 0x100000000)
    .u32(packet.length)
    .u32(packet.length)
    .raw(packet);
  for (const comment of comments) body.text(OPTION_COMMENT, comment);
  const flagBytes = new Uint8Array(4);
  new DataView(flagBytes.buffer).setUint32(0, flags >>> 0, true);
  out.block(BLOCK_ENHANCED_PACKET, body.option(EPB_FLAGS, flagBytes).end().build());
}
