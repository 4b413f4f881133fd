// The shipped Wireshark dissector (wireshark/enet.lua), run by Debian's tshark over a `run --pcap`
// export of a scenario with every command type, fragments, checksums and compression: for every sent
// datagram, the decoded command types, channel ids, sequence numbers and peer id must equal the
// trace's (its `commands`; for compressed datagrams, whose trace says only "compressed", the same
// strings from enetsim's own range coder and codec), and every checksum must verify.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { decodeDatagram, readU16 } from '../../src/enet/codec.js';
import { COMMAND_NAMES, Command, HEADER_FLAG_COMPRESSED, HEADER_FLAG_SENT_TIME } from '../../src/enet/constants.js';
import { RangeCoder } from '../../src/enet/range-coder.js';
import { pcapngSection } from '../../src/report/pcapng.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { DatagramTraceEvent } from '../../src/trace/trace.js';
import { FakeIo, REPO_ROOT, runWith } from '../cli/support-io.js';

const FIXTURE = 'test/report/fixtures/every-command.yaml';
const DISSECTOR = join(REPO_ROOT, 'wireshark', 'enet.lua');
/** The fixture's ports: 7777 for the checksummed pair, 7000/7001 (AFS RX's by default) for the plain one. */
const PORTS = '7000-7001,7777';

function tsharkAvailability(): { ok: true } | { ok: false; reason: string } {
  const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) return { ok: false, reason: `tshark cannot run (${probe.error.message}); apt-get install -y tshark` };
  if (probe.status !== 0) return { ok: false, reason: `tshark --version exited ${probe.status}` };
  return { ok: true };
}

/** One datagram as the trace and enetsim's decoder describe it. */
interface Expected {
  id: number;
  peerId: number;
  checksum: boolean;
  compressed: boolean;
  /** [command number, channel id, reliable sequence number] per command. */
  commands: [number, number, number][];
  /** Per fragment command: fragment number, fragment count, total length, offset. */
  fragments: [number, number, number, number][];
  /** Per CONNECT / VERIFY_CONNECT: connect id and MTU. */
  connects: [number, number][];
}

function parseCommand(text: string): [number, number, number] {
  const match = /^(\w+) ch(\d+) #(\d+)$/.exec(text);
  if (match === null) throw new Error(`not a command: ${text}`);
  return [COMMAND_NAMES.indexOf(match[1]!), Number(match[2]), Number(match[3])];
}

/** The datagram with its body inflated by enetsim's range coder (the header kept, its compressed flag cleared), or itself. */
function inflated(bytes: Uint8Array, checksum: boolean): Uint8Array {
  const word = readU16(bytes, 0);
  if ((word & HEADER_FLAG_COMPRESSED) === 0) return bytes;
  const headerBytes = ((word & HEADER_FLAG_SENT_TIME) !== 0 ? 4 : 2) + (checksum ? 4 : 0);
  const body = new RangeCoder().decompress(bytes.subarray(headerBytes), 4096 - headerBytes);
  if (body === null) throw new Error('a sent datagram that does not inflate');
  const whole = new Uint8Array(headerBytes + body.length);
  whole.set(bytes.subarray(0, headerBytes));
  whole.set(body, headerBytes);
  // As ENet reads it after inflating: the flag has done its job (decodeDatagram refuses compressed datagrams).
  whole[0] = whole[0]! & ~(HEADER_FLAG_COMPRESSED >> 8);
  return whole;
}

function expectedDatagrams(): Expected[] {
  const loaded = loadScenario(FIXTURE, readFileSync(join(REPO_ROOT, FIXTURE), 'utf8'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const scenario = loaded.scenario;
  const checksumOf = new Map(scenario.hosts.map((host) => [host.name, host.checksum]));
  const { sim } = compileScenario(scenario, { seed: scenario.seed, keepDatagramBytes: true });
  sim.run(scenario.durationMs);
  sim.destroy();
  const sent = sim.trace.events.filter((event): event is DatagramTraceEvent => event.kind === 'datagram' && event.phase === 'sent');
  return sent.map((event) => {
    const bytes = sim.trace.bytesOf(event)!;
    const checksum = checksumOf.get(event.from)!;
    const compressed = (readU16(bytes, 0) & HEADER_FLAG_COMPRESSED) !== 0;
    const decoded = decodeDatagram(inflated(bytes, checksum), { checksum });
    if (!decoded.ok) throw new Error(`datagram ${event.id}: ${decoded.reason}`);
    // The trace's own words wherever it has them; enetsim's decoder where the trace says "compressed".
    const described = compressed ? decoded.commands.map((command) => `${command.name} ch${command.channelID} #${command.reliableSequenceNumber}`) : event.commands!;
    if (compressed && JSON.stringify(event.commands) !== '["compressed"]') throw new Error(`datagram ${event.id}: the trace decoded a compressed datagram`);
    return {
      id: event.id,
      peerId: decoded.header.peerID,
      checksum,
      compressed,
      commands: described.map(parseCommand),
      fragments: decoded.commands
        .filter((command) => command.command === Command.sendFragment || command.command === Command.sendUnreliableFragment)
        .map((command) => [command.fields['fragmentNumber']!, command.fields['fragmentCount']!, command.fields['totalLength']!, command.fields['fragmentOffset']!]),
      connects: decoded.commands
        .filter((command) => command.command === Command.connect || command.command === Command.verifyConnect)
        .map((command) => [command.fields['connectID']!, command.fields['mtu']!]),
    };
  });
}

const FIELDS = [
  'frame.interface_id',
  'enet.peer_id',
  'enet.command',
  'enet.channel',
  'enet.seq',
  'enet.checksum.status',
  'enet.compressed',
  'enet.fragment.number',
  'enet.fragment.count',
  'enet.fragment.total_length',
  'enet.fragment.offset',
  'enet.connect.connect_id',
  'enet.connect.mtu',
  '_ws.expert.message',
] as const;

type Row = Record<(typeof FIELDS)[number], string>;

/** tshark's fields for every packet, with the dissector loaded from the repository and no personal configuration. */
function dissect(capture: string, home: string): Row[] {
  const args = ['-n', '-X', `lua_script:${DISSECTOR}`, '-o', `enet.ports:${PORTS}`, '-r', capture, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const field of FIELDS) args.push('-e', field);
  const result = spawnSync('tshark', args, { encoding: 'utf8', env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') }, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`tshark exited ${result.status}: ${result.stderr}`);
  expect(result.stderr).not.toMatch(/Lua|error/i);
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => Object.fromEntries(line.split('\t').map((value, index) => [FIELDS[index]!, value])) as Row);
}

const numbers = (text: string): number[] => (text === '' ? [] : text.split(',').map(Number));

/** A deterministic byte stream (a 32-bit LCG), for payloads the range coder must model in full. */
function lcgBytes(count: number, seed: number, alphabet: number): Uint8Array {
  const bytes = new Uint8Array(count);
  let state = seed >>> 0;
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[index] = (state >>> 24) % alphabet;
  }
  return bytes;
}

/**
 * Payloads that drive the model's paths: random bytes fill the 4096-record pool (rebuilds), a small
 * alphabet and long runs push subcontext counts past their rescale bound, one byte value after ever
 * new contexts is coded in the root until its count is rescaled, text mixes them. (A context's total
 * passing its bound needs tens of thousands of bytes in one context: no datagram is that long.)
 */
function rangeCoderPayloads(): Uint8Array[] {
  const text = new TextEncoder().encode('ENet keeps a reliable channel in order; a lost fragment stalls the packet. '.repeat(40).slice(0, 3000));
  const rootHeavy = lcgBytes(4000, 6, 256).map((byte, index) => (index % 3 === 0 ? 0 : byte));
  return [lcgBytes(3000, 1, 256), lcgBytes(4000, 2, 256), lcgBytes(3000, 3, 4), new Uint8Array(4000).fill(0x5a), rootHeavy, text, lcgBytes(1, 4, 256), lcgBytes(700, 5, 17)];
}

/** A datagram (no sent time, no checksum) with one SEND_UNSEQUENCED command of `payload`, its body range-coded. */
function compressedUnsequenced(payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(8 + payload.length);
  body.set([Command.sendUnsequenced | 0x40, 0, 0, 0, 0, 1, payload.length >> 8, payload.length & 0xff]);
  body.set(payload, 8);
  // No limit below the input's size: random bytes do not shrink, but they still must inflate.
  const compressed = new RangeCoder().compress([body], body.length, 1 << 16);
  if (compressed === null) throw new Error('the range coder refused a payload');
  const datagram = new Uint8Array(2 + compressed.length);
  datagram.set([(HEADER_FLAG_COMPRESSED >> 8) | 0x00, 0x01]);
  datagram.set(compressed, 2);
  return datagram;
}

const availability = tsharkAvailability();
const WORK_DIR = mkdtempSync(join(tmpdir(), 'enetsim-dissector-'));
afterAll(() => rmSync(WORK_DIR, { recursive: true, force: true }));
/** Where the fixture's export is kept for the tests that read it. */
const CAPTURE = join(WORK_DIR, 'every-command.pcapng');

/** tshark's full packet details and bytes, every data source included (-V -x), of `capture` with the dissector at `dissector`. */
function details(dissector: string, capture: string): string {
  const args = ['-n', '-X', `lua_script:${dissector}`, '-o', `enet.ports:${PORTS}`, '-r', capture, '-V', '-x'];
  const result = spawnSync('tshark', args, { encoding: 'utf8', env: { ...process.env, HOME: WORK_DIR, XDG_CONFIG_HOME: join(WORK_DIR, '.config') }, maxBuffer: 256 << 20 });
  if (result.status !== 0) throw new Error(`tshark exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

function dissectorTests(): void {
  const expected = expectedDatagrams();
  let rows: Row[] | null = null;
  /** The fixture exported by `run --pcap` (the way a user makes one) and read by tshark, once. */
  async function exported(): Promise<Row[]> {
    if (rows !== null) return rows;
    const io = new FakeIo({ cwd: REPO_ROOT });
    try {
      const written = join(io.dir, 'every-command.pcapng');
      const run = await runWith(io, ['run', FIXTURE, '--pcap', written, '--quiet']);
      expect(run.code, run.err).toBe(0);
      copyFileSync(written, CAPTURE);
      rows = dissect(CAPTURE, WORK_DIR);
      return rows;
    } finally {
      io.dispose();
    }
  }

  test('dissector: the fixture has every command type, fragments of both kinds, checksums on and off, compressed and plain datagrams', () => {
    const types = new Set(expected.flatMap((datagram) => datagram.commands.map(([type]) => type)));
    expect([...types].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(expected.some((datagram) => datagram.compressed && datagram.fragments.length > 0)).toBe(true);
    expect(expected.filter((datagram) => datagram.compressed).length).toBeGreaterThan(20);
    expect(expected.filter((datagram) => !datagram.compressed && datagram.checksum).length).toBeGreaterThan(5);
    expect(expected.filter((datagram) => !datagram.checksum).length).toBeGreaterThan(20);
  });

  test('dissector: per sent datagram, the command types, channel ids, sequence numbers and peer id equal the trace\'s', { timeout: 60_000 }, async () => {
    const sent = (await exported()).filter((row) => row['frame.interface_id'] === '0');
    expect(sent).toHaveLength(expected.length);
    const seen = sent.map((row) => ({ peerId: Number(row['enet.peer_id']), types: numbers(row['enet.command']), channels: numbers(row['enet.channel']), seqs: numbers(row['enet.seq']) }));
    const wanted = expected.map((datagram) => ({
      peerId: datagram.peerId,
      types: datagram.commands.map(([type]) => type),
      channels: datagram.commands.map(([, channel]) => channel),
      seqs: datagram.commands.map(([, , seq]) => seq),
    }));
    expect(seen).toEqual(wanted);
  });

  test('dissector: every checksum of a sent datagram verifies, the compressed flag is read, and no datagram decodes with an error', { timeout: 60_000 }, async () => {
    const sent = (await exported()).filter((row) => row['frame.interface_id'] === '0');
    expect(sent.map((row) => row['enet.checksum.status'])).toEqual(expected.map((datagram) => (datagram.checksum ? '1' : '')));
    expect(sent.map((row) => row['enet.compressed'] === '1' || row['enet.compressed'] === 'True')).toEqual(expected.map((datagram) => datagram.compressed));
    const problems = sent.filter((row) => /Malformed|Lua Error|does not match|decompression failed|after the last complete command/i.test(row['_ws.expert.message']));
    expect(problems.map((row) => row['_ws.expert.message'])).toEqual([]);
  });

  test('dissector: fragment fields and the connect parameters equal enetsim\'s decoding', { timeout: 60_000 }, async () => {
    const sent = (await exported()).filter((row) => row['frame.interface_id'] === '0');
    const fragments = sent.map((row) => {
      const [number, count, total, offset] = (['enet.fragment.number', 'enet.fragment.count', 'enet.fragment.total_length', 'enet.fragment.offset'] as const).map((field) => numbers(row[field]));
      return number!.map((value, index) => [value, count![index], total![index], offset![index]]);
    });
    expect(fragments).toEqual(expected.map((datagram) => datagram.fragments));
    const connects = sent.map((row) => {
      const ids = row['enet.connect.connect_id'] === '' ? [] : row['enet.connect.connect_id'].split(',').map((hex) => Number.parseInt(hex, 16));
      return ids.map((id, index) => [id, numbers(row['enet.connect.mtu'])[index]]);
    });
    expect(connects).toEqual(expected.map((datagram) => datagram.connects));
    expect(expected.flatMap((datagram) => datagram.connects).length).toBeGreaterThanOrEqual(4);
  });

  test('dissector: the Lua range decoder inflates what enetsim\'s range coder compresses, model rebuilds and rescales included', { timeout: 60_000 }, () => {
    const payloads = rangeCoderPayloads();
    const datagrams = payloads.map((payload) => compressedUnsequenced(payload));
    const events: DatagramTraceEvent[] = datagrams.map((_, index) => ({ kind: 'datagram', atMs: index, phase: 'sent', id: index + 1, from: 'a', to: 'b', sizeBytes: datagrams[index]!.length }));
    const bytesOf = new Map(events.map((event, index) => [event, datagrams[index]!]));
    const hosts = [
      { name: 'a', ipv4: '10.0.0.1', port: 7777 },
      { name: 'b', ipv4: '10.0.0.2', port: 7777 },
    ];
    const capture = join(WORK_DIR, 'range-coder.pcapng');
    writeFileSync(capture, pcapngSection({ comment: 'range coder', hosts, events, bytesOf: (event) => bytesOf.get(event) }, 'enetsim test'));
    const args = ['-n', '-X', `lua_script:${DISSECTOR}`, '-r', capture, '-T', 'fields', '-e', 'enet.compressed', '-e', 'enet.decompressed_length', '-e', 'enet.data_length', '-e', 'enet.data'];
    const result = spawnSync('tshark', args, { encoding: 'utf8', env: { ...process.env, HOME: WORK_DIR, XDG_CONFIG_HOME: join(WORK_DIR, '.config') }, maxBuffer: 64 << 20 });
    expect(result.status, result.stderr).toBe(0);
    const rows = result.stdout.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
    expect(rows.map((row) => [row[1], row[2], row[3]!.replace(/:/g, '')])).toEqual(
      payloads.map((payload) => [String(payload.length + 8), String(payload.length), Buffer.from(payload).toString('hex')]),
    );
  });

  test('dissector: without bit32 (newer Lua builds) it falls back to Wireshark\'s bit library and decodes the same', { timeout: 60_000 }, async () => {
    await exported();
    const source = readFileSync(DISSECTOR, 'utf8');
    const withoutBit32 = source.replace(/^local bitops = bit32$/m, 'local bitops = nil');
    expect(withoutBit32).not.toBe(source);
    const fallback = join(WORK_DIR, 'enet-without-bit32.lua');
    writeFileSync(fallback, withoutBit32);
    const expected = details(DISSECTOR, CAPTURE);
    expect(expected).toContain('Decompressed ENet');
    expect(details(fallback, CAPTURE)).toBe(expected);
  });

  test('dissector: a corrupted copy of a checksummed datagram never passes the checksum', { timeout: 60_000 }, async () => {
    const copies = (await exported()).filter((row) => row['frame.interface_id'] === '1');
    expect(copies.length).toBeGreaterThan(0);
    const checksummed = copies.filter((row) => row['enet.checksum.status'] !== '');
    expect(checksummed.length).toBeGreaterThan(0);
    expect(checksummed.map((row) => row['enet.checksum.status']).filter((status) => status === '1')).toEqual([]);
  });
}

describe('the Wireshark dissector under tshark', () => {
  if (availability.ok) {
    dissectorTests();
  } else if (process.env.CI === 'true') {
    test('tshark is available (required under CI)', () => {
      throw new Error(availability.reason);
    });
  } else {
    console.warn(`[enetsim] skipping the Wireshark dissector tests: ${availability.reason}`);
    test('tshark is available', (context) => {
      context.skip(availability.reason);
    });
  }
});
