// Interop over real loopback UDP between the TypeScript core (through the UdpHost adapter and
// `enetsim serve`) and the real libenet (native/udp-peer.c, libenet's own sockets and clock), in
// both directions: 4 channels, every flag kind, sizes from 1 to 200 000 bytes, connect and
// disconnect data, checksums on and off, range-coder compression on and off.
//
// Packets sent without reliability may be lost, and on loopback some are: while the 200 000-byte
// reliable echoes fill the send window the measured RTT climbs, ENet's packet throttle falls
// (libenet's to 0–8 of 32 here), and the sender drops that share of unreliable packets (the
// 200 000-byte unreliable-fragment echo, typically). That is ENet working as designed; what
// arrives must still be intact, once, and in order where sequenced.
import { describe, expect, test } from 'vitest';

import { serveCommand, SERVE_DEFAULTS, crc32Hex, type CompressionName } from '../../src/cli/commands/serve.js';
import { PacketFlag, type ProtocolProfile } from '../../src/enet/constants.js';
import type { Compressor } from '../../src/enet/host.js';
import { profileBehaviour } from '../../src/enet/profile.js';
import type { Peer } from '../../src/enet/peer.js';
import { RangeCoder } from '../../src/enet/range-coder.js';
import { UdpHost, type UdpHostEvent } from '../../src/native/udp.js';
import {
  UdpPeerProcess,
  deliveredFlags,
  fragmentLengthBytes,
  scriptArgument,
  scriptPayload,
  type ScriptEntry,
  type UdpPeerLine,
} from '../../src/native/udp-peer.js';
import { describeWithUdpPeer } from './udp-peer-vitest.js';

const SIZES_BYTES = [1, 100, 1372, 1373, 5000, 65_536, 200_000];
/** Reliable, unreliable (sequenced), unsequenced, unreliable fragment. */
const FLAG_KINDS = [PacketFlag.reliable, 0, PacketFlag.unsequenced, PacketFlag.unreliableFragment];
const CHANNEL_COUNT = 4;
const CONNECT_DATA = 0xc0ffee01;
const DISCONNECT_DATA = 0xdead0002;
const KICK_DATA = 0x4b1c4b1c;
/** Bounds of one exchange: the whole file stays well under a minute. */
const CONNECT_TIMEOUT_MS = 5000;
const ECHO_TIMEOUT_MS = 15_000;
const GRACE_MS = 200;
const TEST_TIMEOUT_MS = 25_000;

/**
 * Every size with every flag kind, the kinds spread over the 4 channels so each channel carries each
 * kind, with 4 small reliable packets (one per channel) after each size so every channel has a run
 * of reliable packets whose order can be checked. 56 packets, 1.1 MB.
 */
function interopScript(): ScriptEntry[] {
  const script: ScriptEntry[] = [];
  SIZES_BYTES.forEach((sizeBytes, sizeIndex) => {
    FLAG_KINDS.forEach((flags, kindIndex) => script.push({ channelID: (sizeIndex + kindIndex) % CHANNEL_COUNT, flags, sizeBytes }));
    for (let channelID = 0; channelID < CHANNEL_COUNT; channelID++) {
      script.push({ channelID, flags: PacketFlag.reliable, sizeBytes: 1 + (((sizeIndex * CHANNEL_COUNT + channelID) * 37) % 300) });
    }
  });
  return script;
}

/** A packet as a receiver saw it. */
interface Arrival {
  channelID: number;
  flags: number;
  sizeBytes: number;
  crc32: string;
}

interface DeliveryCounts {
  reliableExpected: number;
  reliableArrived: number;
  othersExpected: number;
  othersArrived: number;
  /** Script packets sent without reliability that did not arrive ("channel:flags:size"). */
  othersLost: string[];
}

/**
 * Checks what a receiver got against the script: every arrival is a script packet, intact (size and
 * CRC-32 of the content, which identifies the packet) and with the flags it must arrive with; the
 * reliable ones arrive exactly once and in script order on each channel; the others at most once,
 * sequenced ones in order.
 */
function checkDelivery(script: readonly ScriptEntry[], arrivals: readonly Arrival[], fragmentLength: number): DeliveryCounts {
  const checksums = script.map((entry, index) => crc32Hex(scriptPayload(index, entry.sizeBytes)));
  const expectedFlags = script.map((entry) => deliveredFlags(entry.flags, entry.sizeBytes, fragmentLength));
  const reliableExpected: number[][] = Array.from({ length: CHANNEL_COUNT }, () => []);
  script.forEach((entry, index) => {
    if (expectedFlags[index]! & PacketFlag.reliable) reliableExpected[entry.channelID]!.push(index);
  });
  const reliableArrived: number[][] = Array.from({ length: CHANNEL_COUNT }, () => []);
  const othersSeen = new Set<number>();
  const lastSequenced = new Array<number>(CHANNEL_COUNT).fill(-1);
  for (const arrival of arrivals) {
    const index = script.findIndex(
      (entry, candidate) => entry.channelID === arrival.channelID && entry.sizeBytes === arrival.sizeBytes && checksums[candidate] === arrival.crc32,
    );
    expect(index, `arrival ${JSON.stringify(arrival)} is an intact script packet`).toBeGreaterThanOrEqual(0);
    expect(arrival.flags, `flags of packet ${index}`).toBe(expectedFlags[index]);
    if (arrival.flags & PacketFlag.reliable) {
      reliableArrived[arrival.channelID]!.push(index);
      continue;
    }
    expect(othersSeen.has(index), `packet ${index} arrived twice`).toBe(false);
    othersSeen.add(index);
    if (arrival.flags !== PacketFlag.unsequenced) {
      expect(index, `sequenced packet ${index} after ${lastSequenced[arrival.channelID]} on channel ${arrival.channelID}`).toBeGreaterThan(lastSequenced[arrival.channelID]!);
      lastSequenced[arrival.channelID] = index;
    }
  }
  for (let channelID = 0; channelID < CHANNEL_COUNT; channelID++) {
    expect(reliableArrived[channelID], `reliable packets on channel ${channelID}: each once, in order`).toEqual(reliableExpected[channelID]);
  }
  const reliableCount = reliableExpected.reduce((sum, list) => sum + list.length, 0);
  const othersLost = script
    .map((entry, index) => ({ entry, index }))
    .filter(({ index }) => !(expectedFlags[index]! & PacketFlag.reliable) && !othersSeen.has(index))
    .map(({ entry, index }) => `#${index} ${entry.channelID}:${expectedFlags[index]}:${entry.sizeBytes}`);
  return {
    reliableExpected: reliableCount,
    reliableArrived: reliableArrived.reduce((sum, list) => sum + list.length, 0),
    othersExpected: script.length - reliableCount,
    othersArrived: othersSeen.size,
    othersLost,
  };
}

function countReliable(script: readonly ScriptEntry[], fragmentLength: number): number {
  return script.filter((entry) => deliveredFlags(entry.flags, entry.sizeBytes, fragmentLength) & PacketFlag.reliable).length;
}

interface Variant {
  checksum: boolean;
  compress: boolean;
  /**
   * Which ENet the TypeScript side behaves as. As 1.3.18 (Godot's) it offers MTU 1392 and both
   * ends settle on 1392 (fragments of 1364 bytes); as 1.3.17 both use libenet 1.3.17's 1400, where
   * 1372 bytes is the largest unfragmented packet and 1373 the smallest fragmented one.
   */
  profile: ProtocolProfile;
}

const VARIANTS: Variant[] = [
  { checksum: false, compress: false, profile: '1.3.18' },
  { checksum: true, compress: false, profile: '1.3.18' },
  { checksum: false, compress: true, profile: '1.3.18' },
  { checksum: true, compress: true, profile: '1.3.18' },
  { checksum: false, compress: false, profile: '1.3.17' },
  // Godot's ENet (docs/godot.md) talks to libenet 1.3.17 over real sockets like upstream does: the
  // socket patch only matters for a peer connected to the broadcast address.
  { checksum: false, compress: false, profile: 'godot-4.2' },
  { checksum: false, compress: false, profile: 'godot-4.0' },
];

function variantName(variant: Variant): string {
  return `TS as ${variant.profile}, checksums ${variant.checksum ? 'on' : 'off'}, compression ${variant.compress ? 'on' : 'off'}`;
}

/** libenet 1.3.17 offers 1400; a 1.3.18 host keeps the smaller of its 1392 and the offer, and so does a 1.3.17 client told 1392. */
function expectedMtu(variant: Variant): number {
  return profileBehaviour(variant.profile).defaultHostMtuBytes;
}

function cPeerFlags(variant: Variant): string[] {
  return [...(variant.checksum ? ['--checksum'] : []), ...(variant.compress ? ['--compress'] : [])];
}


/** Collects stdout of an in-process command as JSON lines and lets a test await one. */
class JsonLines {
  readonly lines: UdpPeerLine[] = [];
  readonly stderr: string[] = [];
  private pending = '';
  private readonly waiters = new Set<() => void>();
  readonly io = {
    stdout: (text: string): void => {
      this.pending += text;
      const parts = this.pending.split('\n');
      this.pending = parts.pop()!;
      for (const part of parts) if (part.trim() !== '') this.lines.push(JSON.parse(part) as UdpPeerLine);
      for (const waiter of [...this.waiters]) waiter();
    },
    stderr: (text: string): void => {
      this.stderr.push(text);
    },
  };

  waitFor(predicate: (line: UdpPeerLine) => boolean, timeoutMs: number): Promise<UdpPeerLine> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.find(predicate);
        if (found === undefined) return;
        clearTimeout(deadline);
        this.waiters.delete(check);
        resolve(found);
      };
      const deadline = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`line not printed within ${timeoutMs} ms; stderr: ${this.stderr.join('')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** A TS client on the adapter that records its events. */
class RecordingClient {
  readonly events: UdpHostEvent[] = [];
  peer: Peer | null = null;

  private constructor(readonly udp: UdpHost) {
    udp.onEvent = (event) => this.events.push(event);
  }

  static async open(variant: Variant, compressor: Compressor | null): Promise<RecordingClient> {
    return new RecordingClient(await UdpHost.open({ peerCount: 1, checksum: variant.checksum, compressor, profile: variant.profile, serviceIntervalMs: 1 }));
  }

  async connect(port: number, data: number): Promise<Peer> {
    const started = this.udp.connect({ address: '127.0.0.1', port }, CHANNEL_COUNT, data);
    if (!started.ok) throw new Error(started.reason);
    this.peer = started.peer;
    expect(await this.udp.waitUntil(() => this.ofType('connect').length > 0, CONNECT_TIMEOUT_MS), 'the client connects').toBe(true);
    return started.peer;
  }

  ofType<T extends UdpHostEvent['type']>(type: T): Extract<UdpHostEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<UdpHostEvent, { type: T }> => event.type === type);
  }

  arrivals(): Arrival[] {
    return this.ofType('receive').map((event) => ({
      channelID: event.channelID,
      flags: event.packet.flags & (PacketFlag.reliable | PacketFlag.unsequenced | PacketFlag.unreliableFragment),
      sizeBytes: event.packet.data.length,
      crc32: crc32Hex(event.packet.data),
    }));
  }
}

function cArrivals(lines: readonly UdpPeerLine[]): Arrival[] {
  return lines
    .filter((line) => line.event === 'receive')
    .map((line) => ({ channelID: line.channel as number, flags: line.flags as number, sizeBytes: line.size as number, crc32: line.crc32 as string }));
}

function logCounts(what: string, counts: DeliveryCounts, elapsedMs: number): void {
  console.info(
    `[interop] ${what}: reliable ${counts.reliableArrived}/${counts.reliableExpected}, others ${counts.othersArrived}/${counts.othersExpected}` +
      `${counts.othersLost.length > 0 ? ` (lost: ${counts.othersLost.join(', ')})` : ''}, ${elapsedMs} ms`,
  );
}

describeWithUdpPeer('interop with libenet over loopback UDP', (binaryPath) => {
  const script = interopScript();

  describe('TypeScript client, libenet server', () => {
    for (const variant of VARIANTS) {
      test(`${variantName(variant)}: every reliable packet and its echo arrive intact, once, in order`, { timeout: TEST_TIMEOUT_MS }, async () => {
        const compressor: Compressor | null = variant.compress ? new RangeCoder() : null;
        const startedMs = performance.now();
        const server = new UdpPeerProcess(binaryPath, ['server', '--port', '0', '--exit-after-disconnects', '1', '--duration-ms', '20000', ...cPeerFlags(variant)]);
        const client = await RecordingClient.open(variant, compressor);
        try {
          const listening = await server.waitForLine((line) => line.event === 'listening', CONNECT_TIMEOUT_MS);
          const peer = await client.connect(listening.port as number, CONNECT_DATA);
          const fragmentLength = fragmentLengthBytes(peer.mtu, variant.checksum);
          script.forEach((entry, index) => expect(client.udp.send(peer, entry.channelID, scriptPayload(index, entry.sizeBytes), entry.flags).ok).toBe(true));
          const reliableCount = countReliable(script, fragmentLength);
          const reliableEchoes = (): number => client.ofType('receive').filter((event) => event.packet.flags & PacketFlag.reliable).length;
          let packetThrottleMin = peer.packetThrottle;
          const sampleThrottle = (): void => {
            packetThrottleMin = Math.min(packetThrottleMin, peer.packetThrottle);
          };
          await client.udp.waitUntil(() => (sampleThrottle(), reliableEchoes() >= reliableCount), ECHO_TIMEOUT_MS);
          await client.udp.waitUntil(() => false, GRACE_MS);
          client.udp.disconnect(peer, DISCONNECT_DATA);
          expect(await client.udp.waitUntil(() => client.ofType('disconnect').length > 0, CONNECT_TIMEOUT_MS), 'the disconnect is acknowledged').toBe(true);
          await server.waitForLine((line) => line.event === 'exit', CONNECT_TIMEOUT_MS);

          // The client's side: connect event data is 0 (VERIFY_CONNECT carries none), echoes intact.
          expect(client.ofType('connect')[0]!.data).toBe(0);
          expect(client.ofType('disconnect')[0]!.data).toBe(0);
          const echoes = checkDelivery(script, client.arrivals(), fragmentLength);
          for (const event of client.ofType('receive')) {
            const index = script.findIndex((entry, candidate) => entry.channelID === event.channelID && crc32Hex(scriptPayload(candidate, entry.sizeBytes)) === crc32Hex(event.packet.data));
            expect(Buffer.compare(event.packet.data, scriptPayload(index, script[index]!.sizeBytes)), `echo of packet ${index} byte for byte`).toBe(0);
          }
          // libenet's side: connect data, every packet, disconnect data.
          const connect = server.lines.find((line) => line.event === 'connect')!;
          expect(peer.mtu, 'the MTU both ends settle on').toBe(expectedMtu(variant));
          expect(connect).toMatchObject({ data: CONNECT_DATA, channels: CHANNEL_COUNT, mtu: peer.mtu });
          const received = checkDelivery(script, cArrivals(server.lines), connect.fragmentLength as number);
          expect(server.lines.find((line) => line.event === 'disconnect')).toMatchObject({ data: DISCONNECT_DATA });
          expect(server.lines.filter((line) => line.event === 'echoFailed')).toEqual([]);
          expect(received.reliableArrived).toBe(received.reliableExpected);
          expect(echoes.reliableArrived).toBe(echoes.reliableExpected);
          const elapsedMs = Math.round(performance.now() - startedMs);
          logCounts(`TS client → libenet server (${variantName(variant)}): server received (TS packetThrottle min ${packetThrottleMin})`, received, elapsedMs);
          logCounts(`TS client → libenet server (${variantName(variant)}): echoes`, echoes, elapsedMs);
        } finally {
          await client.udp.close();
          await server.stop();
        }
      });
    }

    test('a libenet server disconnects the TypeScript client with data after its last echo', { timeout: TEST_TIMEOUT_MS }, async () => {
      const kickScript: ScriptEntry[] = Array.from({ length: 8 }, (_, index) => ({ channelID: index % CHANNEL_COUNT, flags: PacketFlag.reliable, sizeBytes: 1 + index * 700 }));
      const server = new UdpPeerProcess(binaryPath, ['server', '--port', '0', '--kick-after', String(kickScript.length), '--kick-data', String(KICK_DATA), '--exit-after-disconnects', '1', '--duration-ms', '20000']);
      const client = await RecordingClient.open({ checksum: false, compress: false, profile: '1.3.18' }, null);
      try {
        const listening = await server.waitForLine((line) => line.event === 'listening', CONNECT_TIMEOUT_MS);
        const peer = await client.connect(listening.port as number, CONNECT_DATA);
        kickScript.forEach((entry, index) => client.udp.send(peer, entry.channelID, scriptPayload(index, entry.sizeBytes), entry.flags));
        expect(await client.udp.waitUntil(() => client.ofType('disconnect').length > 0, ECHO_TIMEOUT_MS), 'the server disconnects us').toBe(true);
        expect(client.ofType('disconnect')[0]!.data).toBe(KICK_DATA);
        const echoes = checkDelivery(kickScript, client.arrivals(), fragmentLengthBytes(peer.mtu, false));
        expect(echoes.reliableArrived).toBe(kickScript.length);
        await server.waitForLine((line) => line.event === 'exit', CONNECT_TIMEOUT_MS);
        expect(server.lines.find((line) => line.event === 'connect')).toMatchObject({ data: CONNECT_DATA });
      } finally {
        await client.udp.close();
        await server.stop();
      }
    });
  });

  describe('libenet client, TypeScript server (enetsim serve --echo --json)', () => {
    for (const variant of VARIANTS) {
      test(`${variantName(variant)}: every reliable packet and its echo arrive intact, once, in order`, { timeout: TEST_TIMEOUT_MS }, async () => {
        const startedMs = performance.now();
        const output = new JsonLines();
        const interrupt = new AbortController();
        const compress: CompressionName = variant.compress ? 'range-coder' : 'none';
        const serving = serveCommand(
          { ...SERVE_DEFAULTS, port: 0, echo: true, json: true, checksum: variant.checksum, compress, profile: variant.profile, intervalMs: 1, printBytes: 0 },
          output.io,
          interrupt.signal,
        );
        let client: UdpPeerProcess | null = null;
        try {
          const listening = await output.waitFor((line) => line.event === 'listening', CONNECT_TIMEOUT_MS);
          client = new UdpPeerProcess(binaryPath, [
            'client', '--port', String(listening.port), '--channels', String(CHANNEL_COUNT),
            '--connect-data', String(CONNECT_DATA), '--disconnect-data', String(DISCONNECT_DATA),
            '--script', scriptArgument(script), '--timeout-ms', String(ECHO_TIMEOUT_MS), '--grace-ms', String(GRACE_MS), ...cPeerFlags(variant),
          ]);
          const exitCode = await client.exited;
          const result = client.lines.find((line) => line.event === 'result');
          expect(result, `C client result (stderr: ${client.stderr})`).toMatchObject({ ok: true, corrupt: 0, duplicates: 0, inOrder: true, disconnected: true, disconnectData: 0 });
          expect(exitCode).toBe(0);
          await output.waitFor((line) => line.event === 'disconnect', CONNECT_TIMEOUT_MS);
          interrupt.abort();
          expect(await serving).toBe(0);

          // The C client checked its echoes byte for byte; check them again from its printed CRCs.
          const cConnect = client.lines.find((line) => line.event === 'connect')!;
          expect(cConnect.data).toBe(0);
          expect(cConnect.mtu, 'the MTU both ends settle on').toBe(expectedMtu(variant));
          const fragmentLength = cConnect.fragmentLength as number;
          const echoes = checkDelivery(script, cArrivals(client.lines), fragmentLength);
          // enetsim serve's side: connect data, every packet, disconnect data.
          expect(output.lines.find((line) => line.event === 'connect')).toMatchObject({ data: CONNECT_DATA, channels: CHANNEL_COUNT, address: '127.0.0.1' });
          const received = checkDelivery(
            script,
            output.lines.filter((line) => line.event === 'receive').map((line) => ({ channelID: line.channel as number, flags: line.flags as number, sizeBytes: line.bytes as number, crc32: line.crc32 as string })),
            fragmentLength,
          );
          expect(output.lines.find((line) => line.event === 'disconnect')).toMatchObject({ data: DISCONNECT_DATA });
          expect(output.lines.filter((line) => line.event === 'warning')).toEqual([]);
          expect(received.reliableArrived).toBe(received.reliableExpected);
          expect(echoes.reliableArrived).toBe(echoes.reliableExpected);
          logCounts(`libenet client → enetsim serve (${variantName(variant)}): server received (libenet packetThrottle min ${String(result!.packetThrottleMin)})`, received, Math.round(performance.now() - startedMs));
          logCounts(`libenet client → enetsim serve (${variantName(variant)}): echoes`, echoes, Math.round(performance.now() - startedMs));
        } finally {
          interrupt.abort();
          await serving;
          await client?.stop();
        }
      });
    }

    test('the TypeScript server disconnects a libenet client with data after its last echo', { timeout: TEST_TIMEOUT_MS }, async () => {
      const kickScript: ScriptEntry[] = Array.from({ length: 8 }, (_, index) => ({ channelID: index % CHANNEL_COUNT, flags: PacketFlag.reliable, sizeBytes: 1 + index * 700 }));
      const server = await UdpHost.open({ serviceIntervalMs: 1 });
      const serverEvents: UdpHostEvent[] = [];
      let reliableCount = 0;
      server.onEvent = (event) => {
        serverEvents.push(event);
        if (event.type !== 'receive') return;
        server.send(event.peer, event.channelID, event.packet.data, event.packet.flags);
        if (++reliableCount === kickScript.length) server.disconnectLater(event.peer, KICK_DATA);
      };
      let client: UdpPeerProcess | null = null;
      try {
        client = new UdpPeerProcess(binaryPath, [
          'client', '--port', String(server.localAddress.port), '--channels', String(CHANNEL_COUNT), '--connect-data', String(CONNECT_DATA),
          '--script', scriptArgument(kickScript), '--expect-kick', '--timeout-ms', String(ECHO_TIMEOUT_MS),
        ]);
        expect(await client.exited).toBe(0);
        expect(client.lines.find((line) => line.event === 'result')).toMatchObject({ ok: true, reliableReceived: kickScript.length, disconnectData: KICK_DATA });
        expect(serverEvents.find((event) => event.type === 'connect')).toMatchObject({ data: CONNECT_DATA });
        expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'disconnect'), CONNECT_TIMEOUT_MS)).toBe(true);
      } finally {
        await server.close();
        await client?.stop();
      }
    });
  });
});
