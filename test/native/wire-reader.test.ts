// The proxy's passive reader: every datagram two real ENet hosts exchange is read, whatever their
// checksum and compressor settings, and a side that compresses against one that does not shows.
import { describe, expect, test } from 'vitest';

import { COMPRESSOR_NAMES, type CompressionName } from '../../src/enet/compressors.js';
import { ConnectionWireReader } from '../../src/native/wire-reader.js';
import { createTsHost } from '../support/ts-host.js';
import type { TsHost } from '../../src/sim/ts-host.js';

const CLIENT = { host: 0x0a000001, port: 1000 };
const SERVER = { host: 0x0a000002, port: 2000 };
const RELIABLE = 1;

interface Side {
  checksum: boolean;
  compress?: CompressionName;
}

/** Connects a client to a server, sends `packets` each way (a mix of reliable, unreliable and fragmented), returns every datagram in order with its direction. */
function exchange(client: Side, server: Side, packets = 12): { datagrams: { direction: 'up' | 'down'; bytes: Uint8Array }[]; checksumDrops: Record<'up' | 'down', number> } {
  const make = (address: typeof CLIENT, side: Side, seed: number): TsHost =>
    createTsHost({ address, peerCount: 2, channelLimit: 2, incomingBandwidth: 0, outgoingBandwidth: 0, randomSeed: seed, checksum: side.checksum, ...(side.compress !== undefined ? { compress: side.compress } : {}) });
  const hosts = { up: make(CLIENT, client, 11), down: make(SERVER, server, 22) };
  const datagrams: { direction: 'up' | 'down'; bytes: Uint8Array }[] = [];
  const clientPeer = hosts.up.connect(SERVER, 2, 0);
  let serverPeer = -1;
  let sent = 0;
  for (let nowMs = 0; nowMs < 4000; nowMs += 10) {
    for (const direction of ['up', 'down'] as const) {
      const host = hosts[direction];
      for (;;) {
        const { result, event } = host.service(nowMs);
        if (result <= 0) break;
        if (direction === 'down' && event.type === 'connect') serverPeer = event.peerIndex;
      }
      if (nowMs >= 500 && sent < packets && serverPeer >= 0 && direction === 'down') {
        // Text-like payloads, so every compressor shrinks them; every fourth one is larger than the MTU.
        const payload = new TextEncoder().encode(`packet ${sent} `.repeat(sent % 4 === 3 ? 300 : 20));
        hosts.up.peerSend(clientPeer, sent % 2, sent % 3 === 0 ? 0 : RELIABLE, payload);
        hosts.down.peerSend(serverPeer, sent % 2, RELIABLE, payload);
        sent += 1;
      }
      host.flush(nowMs);
      for (const datagram of host.takeSent()) {
        datagrams.push({ direction, bytes: datagram.bytes.slice() });
        hosts[direction === 'up' ? 'down' : 'up'].deliver(direction === 'up' ? CLIENT : SERVER, datagram.bytes);
      }
    }
  }
  expect(sent, 'the connection came up and every packet was sent').toBe(packets);
  // What the receiving core dropped for a bad checksum, by the direction the datagrams travelled.
  const checksumDrops = { up: hosts.down.core.droppedDatagrams['checksumMismatch'] ?? 0, down: hosts.up.core.droppedDatagrams['checksumMismatch'] ?? 0 };
  return { datagrams, checksumDrops };
}

function readAll(datagrams: { direction: 'up' | 'down'; bytes: Uint8Array }[]): {
  reader: ConnectionWireReader;
  failures: string[];
  checksumMismatches: Record<'up' | 'down', number>;
  commands: Record<'up' | 'down', string[]>;
  compressedRead: number;
} {
  const reader = new ConnectionWireReader();
  const failures: string[] = [];
  const checksumMismatches = { up: 0, down: 0 };
  const commands: Record<'up' | 'down', string[]> = { up: [], down: [] };
  let compressedRead = 0;
  for (const [index, { direction, bytes }] of datagrams.entries()) {
    const result = reader.read(direction, bytes);
    if (!result.ok && result.reason === 'checksumMismatch') checksumMismatches[direction] += 1;
    else if (!result.ok) failures.push(`#${index} ${direction}: ${result.reason}`);
    else {
      commands[direction].push(...result.commands.map((command) => command.name));
      if (result.header.compressed) compressedRead += 1;
    }
  }
  return { reader, failures, checksumMismatches, commands, compressedRead };
}

describe('ConnectionWireReader', () => {
  const settings: Side[] = [{ checksum: false }, { checksum: true }, ...COMPRESSOR_NAMES.flatMap((name) => [{ checksum: false, compress: name }, { checksum: true, compress: name }])];
  for (const side of settings) {
    const label = `${side.checksum ? 'checksum' : 'no checksum'}, ${side.compress ?? 'no compression'}`;
    test(`reads every datagram of a session with ${label} on both sides, and learns that framing`, () => {
      const { datagrams, checksumDrops } = exchange(side, side);
      const { reader, failures, checksumMismatches, commands, compressedRead } = readAll(datagrams);
      expect(failures).toEqual([]);
      // Exactly the datagrams the receiving ENet dropped for their checksum fail it in the reader. Only
      // FastLZ with a checksum has any: Godot pads inputs under 16 bytes before compressing, the sender's
      // CRC covers the unpadded datagram and the receiver's the padded one.
      expect(checksumMismatches).toEqual(checksumDrops);
      if (side.checksum && side.compress === 'fastlz') expect(checksumDrops.up + checksumDrops.down).toBeGreaterThan(0);
      else expect(checksumDrops).toEqual({ up: 0, down: 0 });
      for (const direction of ['up', 'down'] as const) {
        expect(reader[direction].framing).toEqual({ checksum: side.checksum, compressor: side.compress ?? null });
        // 12 packets each way; the server's are all reliable, every fourth is fragmented.
        expect(commands[direction].filter((name) => name.startsWith('SEND_')).length, direction).toBeGreaterThanOrEqual(12);
      }
      expect(commands.up).toContain('CONNECT');
      expect(commands.down).toContain('VERIFY_CONNECT');
      if (side.compress !== undefined) expect(compressedRead, 'some datagrams were compressed and still read').toBeGreaterThan(0);
      else expect(compressedRead).toBe(0);
    });
  }

  test('a client that compresses with zstd against a server that does not: the two sides show different framings', () => {
    // The server drops what it cannot inflate, so the session never comes up: read the client's attempts.
    const reader = new ConnectionWireReader();
    const { datagrams } = exchange({ checksum: false, compress: 'zstd' }, { checksum: false }, 0);
    for (const { direction, bytes } of datagrams) expect(reader.read(direction, bytes).ok).toBe(true);
    expect(reader.up.framing.compressor).toBe('zstd');
    expect(reader.down.framing.compressor).toBeNull();
  });

  test('bytes that are not ENet are refused with a reason, not misread', () => {
    const reader = new ConnectionWireReader();
    expect(reader.read('up', Uint8Array.of(1))).toEqual({ ok: false, reason: 'truncatedHeader' });
    const garbage = new Uint8Array(40).map((_, index) => (index * 89 + 7) & 0xff);
    expect(reader.read('up', garbage).ok).toBe(false);
    // A compressed flag over a body no compressor inflates.
    const compressed = new Uint8Array(40).map((_, index) => (index * 53 + 3) & 0xff);
    compressed[0] = 0x4f;
    compressed[1] = 0xff;
    expect(reader.read('up', compressed)).toEqual({ ok: false, reason: 'undecompressable' });
  });
});
