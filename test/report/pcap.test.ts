// The pcapng export: its structure read back by an independent reader (test/report/pcapng-reader.ts),
// the synthetic IPv4/UDP headers, the per-packet fates, byte-identical files from the same seed, and
// `run --pcap` (one section per run, output errors exit 2 with the path).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pcapngSection, writePcapngSection, type PcapRun } from '../../src/report/pcapng.js';
import type { DatagramTraceEvent, TraceEvent } from '../../src/trace/trace.js';
import { FakeIo, REPO_ROOT, runWith } from '../cli/support-io.js';
import { onesComplementSum, readPcapng, type ReadPacket } from './pcapng-reader.js';

const FIXTURE = 'test/report/fixtures/every-command.yaml';

function datagram(fields: Omit<DatagramTraceEvent, 'kind' | 'sizeBytes'> & { sizeBytes?: number }): DatagramTraceEvent {
  return { kind: 'datagram', sizeBytes: 0, ...fields };
}

/** A hand-made run: one datagram of each fate, with the bytes the trace would keep. */
function handMadeRun(): { run: PcapRun; bytes: Map<DatagramTraceEvent, Uint8Array> } {
  const bytes = new Map<DatagramTraceEvent, Uint8Array>();
  const events: TraceEvent[] = [];
  const add = (event: DatagramTraceEvent, kept?: number[]): void => {
    events.push(event);
    if (kept !== undefined) bytes.set(event, Uint8Array.from(kept));
  };
  add(datagram({ atMs: 1.5, phase: 'sent', id: 1, from: 'a', to: 'b' }), [0x8f, 0xff, 1, 2, 3]);
  add(datagram({ atMs: 3, phase: 'sent', id: 2, from: 'b', to: 'a' }), [0, 0, 9, 9]);
  add(datagram({ atMs: 3, phase: 'dropped', id: 2, from: 'b', to: 'a', reason: 'loss' }));
  add(datagram({ atMs: 4, phase: 'sent', id: 3, from: 'a', to: 'b' }), [0, 0, 0xf0, 0x0f]);
  add(datagram({ atMs: 5, phase: 'sent', id: 4, from: 'a', to: '10.9.9.9:1234' }), [1, 2]);
  add(datagram({ atMs: 5, phase: 'dropped', id: 4, from: 'a', to: '10.9.9.9:1234', reason: 'noRoute' }));
  add(datagram({ atMs: 6, phase: 'sent', id: 5, from: 'b', to: 'a' }), [7]);
  add(datagram({ atMs: 21.5, phase: 'delivered', id: 1, from: 'a', to: 'b' }));
  add(datagram({ atMs: 24, phase: 'delivered', id: 3, from: 'a', to: 'b' }));
  add(datagram({ atMs: 30.25, phase: 'delivered', id: 3, from: 'a', to: 'b', duplicate: true, corrupted: true }), [0, 0, 0xf0, 0x8f]);
  add(datagram({ atMs: 40, phase: 'dropped', id: 5, from: 'b', to: 'a', reason: 'partition' }));
  events.push({ kind: 'event', atMs: 41, host: 'a', type: 'connect', peer: 'b' });
  const run: PcapRun = {
    comment: 'enetsim run hand-made --seed 1',
    hosts: [
      { name: 'a', ipv4: '10.0.0.1', port: 7777 },
      { name: 'b', ipv4: '10.0.0.2', port: 7001 },
    ],
    events,
    bytesOf: (event) => bytes.get(event),
  };
  return { run, bytes };
}

/** The IPv4 header, UDP header and payload of a LINKTYPE_RAW packet. */
function split(packet: ReadPacket): { source: string; destination: string; id: number; sourcePort: number; destinationPort: number; payload: Uint8Array; ipOk: boolean; udpOk: boolean } {
  const data = packet.data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const udp = data.subarray(20);
  const pseudo = new Uint8Array(12);
  pseudo.set(data.subarray(12, 20), 0);
  pseudo[9] = 17;
  new DataView(pseudo.buffer).setUint16(10, udp.length);
  return {
    source: [...data.subarray(12, 16)].join('.'),
    destination: [...data.subarray(16, 20)].join('.'),
    id: view.getUint16(4),
    sourcePort: view.getUint16(20),
    destinationPort: view.getUint16(22),
    payload: data.subarray(28),
    ipOk: data[0] === 0x45 && data[9] === 17 && view.getUint16(2) === data.length && view.getUint16(24) === udp.length && onesComplementSum([data.subarray(0, 20)]) === 0xffff,
    udpOk: onesComplementSum([pseudo, udp]) === 0xffff,
  };
}

describe('pcapng export', () => {
  it('pcapng: a section holds a header, two raw-IPv4 interfaces in µs, the hosts\' names and one packet per datagram plus each corrupted copy', () => {
    const { run } = handMadeRun();
    const [section, ...more] = readPcapng(pcapngSection(run, 'enetsim test'));
    expect(more).toEqual([]);
    expect(section!.comments).toEqual(['enetsim run hand-made --seed 1']);
    expect(section!.application).toBe('enetsim test');
    expect(section!.interfaces).toEqual([
      { linkType: 101, name: 'enetsim-sent', tsresol: 6 },
      { linkType: 101, name: 'enetsim-corrupted', tsresol: 6 },
    ]);
    expect([...section!.names]).toEqual([
      ['10.0.0.1', 'a'],
      ['10.0.0.2', 'b'],
    ]);
    const packets = section!.packets;
    expect(packets.map((packet) => [packet.interfaceId, packet.timestampUs])).toEqual([
      [0, 1500],
      [0, 3000],
      [0, 4000],
      [0, 5000],
      [0, 6000],
      [1, 30250],
    ]);
  });

  it('pcapng: each packet has a correct IPv4 header and UDP checksum from the hosts\' addresses, and the datagram\'s bytes as payload', () => {
    const { run } = handMadeRun();
    const packets = readPcapng(pcapngSection(run, 'enetsim test'))[0]!.packets.map(split);
    expect(packets.map((packet) => [packet.source, packet.sourcePort, packet.destination, packet.destinationPort, packet.id, [...packet.payload]])).toEqual([
      ['10.0.0.1', 7777, '10.0.0.2', 7001, 1, [0x8f, 0xff, 1, 2, 3]],
      ['10.0.0.2', 7001, '10.0.0.1', 7777, 2, [0, 0, 9, 9]],
      ['10.0.0.1', 7777, '10.0.0.2', 7001, 3, [0, 0, 0xf0, 0x0f]],
      ['10.0.0.1', 7777, '10.9.9.9', 1234, 4, [1, 2]],
      ['10.0.0.2', 7001, '10.0.0.1', 7777, 5, [7]],
      ['10.0.0.1', 7777, '10.0.0.2', 7001, 3, [0, 0, 0xf0, 0x8f]],
    ]);
    expect(packets.map((packet) => packet.ipOk)).toEqual([true, true, true, true, true, true]);
    // The corrupted copy keeps the sender's UDP checksum, which no longer matches its bytes.
    expect(packets.map((packet) => packet.udpOk)).toEqual([true, true, true, true, true, false]);
  });

  it('pcapng: the comments say what the network did to each datagram, and the flags say outbound, or inbound with a CRC error', () => {
    const { run } = handMadeRun();
    const packets = readPcapng(pcapngSection(run, 'enetsim test'))[0]!.packets;
    expect(packets.map((packet) => packet.comments)).toEqual([
      ['enetsim: datagram 1 a → b, 5 bytes', 'enetsim: delivered after 20.000 ms'],
      ['enetsim: datagram 2 b → a, 4 bytes', 'enetsim: dropped (loss)'],
      ['enetsim: datagram 3 a → b, 4 bytes', 'enetsim: delivered after 20.000 ms', 'enetsim: duplicate delivered corrupted after 26.250 ms'],
      ['enetsim: datagram 4 a → 10.9.9.9:1234, 2 bytes', 'enetsim: dropped (noRoute)'],
      ['enetsim: datagram 5 b → a, 1 bytes', 'enetsim: dropped (partition) after 34.000 ms'],
      ['enetsim: corrupted copy of datagram 3 a → b, as b received it (a duplicate)'],
    ]);
    expect(packets.map((packet) => packet.flags)).toEqual([6, 6, 6, 6, 6, 0x01000005]);
  });

  it('pcapng: a datagram with no fate in the trace is still in flight when the run ended', () => {
    const sent = datagram({ atMs: 2, phase: 'sent', id: 9, from: 'a', to: 'a' });
    const bytes = pcapngSection({ comment: 'c', hosts: [{ name: 'a', ipv4: '10.0.0.1', port: 1 }], events: [sent], bytesOf: () => Uint8Array.of(1) }, 'x');
    expect(readPcapng(bytes)[0]!.packets[0]!.comments).toEqual(['enetsim: datagram 9 a → a, 1 bytes', 'enetsim: still in flight (or held) when the run ended']);
  });
});

describe('run --pcap', () => {
  it('run --pcap: the same seed gives a byte-identical file, with a section per seed and a packet per sent datagram', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    try {
      const files = ['first.pcapng', 'second.pcapng'].map((name) => join(io.dir, name));
      for (const file of files) {
        const run = await runWith(io, ['run', FIXTURE, '--seeds', '2', '--pcap', file, '--trace', `${file}.jsonl`, '--quiet']);
        expect(run.code, run.err).toBe(0);
      }
      const [first, second] = files.map((file) => readFileSync(file));
      expect(first!.length).toBeGreaterThan(10_000);
      expect(Buffer.compare(first!, second!)).toBe(0);
      const sections = readPcapng(new Uint8Array(first!));
      expect(sections.map((section) => section.comments[0])).toEqual([
        `enetsim run ${FIXTURE} --seed 3: every ENet command, checksummed and compressed`,
        `enetsim run ${FIXTURE} --seed 4: every ENet command, checksummed and compressed`,
      ]);
      // The trace of each seed: as many interface-0 packets as `sent` datagrams, as many interface-1 ones as corrupted copies.
      const lines = readFileSync(`${files[0]}.jsonl`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; phase?: string; corrupted?: boolean; seed?: number });
      const runs = lines.reduce<(typeof lines)[]>((all, line) => (line.kind === 'run' ? [...all, []] : (all.at(-1)!.push(line), all)), []);
      sections.forEach((section, index) => {
        const events = runs[index]!;
        const sent = events.filter((event) => event.phase === 'sent').length;
        const corrupted = events.filter((event) => event.phase === 'delivered' && event.corrupted === true).length;
        expect(sent).toBeGreaterThan(100);
        expect(section.packets.filter((packet) => packet.interfaceId === 0)).toHaveLength(sent);
        expect(section.packets.filter((packet) => packet.interfaceId === 1)).toHaveLength(corrupted);
      });
      const comments = sections.flatMap((section) => section.packets.flatMap((packet) => packet.comments));
      for (const fate of ['dropped (loss)', 'duplicate delivered', 'delivered corrupted', 'corrupted copy']) expect(comments.some((comment) => comment.includes(fate)), fate).toBe(true);
    } finally {
      io.dispose();
    }
  });

  it('run --pcap: a file in a missing directory is refused before anything runs (exit 2, the flag and the path named)', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    try {
      const path = join(io.dir, 'missing', 'x.pcapng');
      const run = await runWith(io, ['run', FIXTURE, '--pcap', path]);
      expect(run.code).toBe(2);
      expect(run.err).toBe(`enetsim: --pcap ${path}: its directory does not exist; nothing was run\n`);
      expect(run.out).toBe('');
    } finally {
      io.dispose();
    }
  });

  it('run --pcap: the same file as --trace is refused (exit 2)', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    try {
      const path = join(io.dir, 'x.out');
      const run = await runWith(io, ['run', FIXTURE, '--pcap', path, '--trace', path]);
      expect(run.code).toBe(2);
      expect(run.err).toBe(`enetsim: --trace and --pcap name the same file (${path}); give two files; nothing was run\n`);
    } finally {
      io.dispose();
    }
  });

  it('run --pcap: a device that refuses the bytes stops the run with exit 2 and names the file', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    try {
      const run = await runWith(io, ['run', FIXTURE, '--pcap', '/dev/full']);
      expect(run.code).toBe(2);
      expect(run.err).toBe('enetsim: --pcap /dev/full: no space left on the device; the run stopped and the capture in /dev/full is incomplete\n');
    } finally {
      io.dispose();
    }
  });
});

describe('pcapng export in pieces', () => {
  it('pcapng: a long run is handed on in pieces of about 1 MiB that join into the same bytes', () => {
    const events: DatagramTraceEvent[] = [];
    for (let id = 1; id <= 1200; id++) events.push(datagram({ atMs: id, phase: 'sent', id, from: 'a', to: 'b' }));
    const payload = new Uint8Array(2000).fill(7);
    const run: PcapRun = { comment: 'long', hosts: [{ name: 'a', ipv4: '10.0.0.1', port: 1 }, { name: 'b', ipv4: '10.0.0.2', port: 2 }], events, bytesOf: () => payload };
    const pieces: Uint8Array[] = [];
    writePcapngSection(run, 'x', (piece) => pieces.push(piece));
    expect(pieces.length).toBe(3);
    expect(pieces.slice(0, -1).every((piece) => piece.length >= 1 << 20 && piece.length < (1 << 20) + 4096)).toBe(true);
    expect(Buffer.compare(Buffer.concat(pieces), Buffer.from(pcapngSection(run, 'x')))).toBe(0);
    expect(readPcapng(pcapngSection(run, 'x'))[0]!.packets).toHaveLength(1200);
  });
});
