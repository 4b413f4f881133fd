// The real-socket adapter: address mapping (IPv4 identity, IPv6 synthetic hosts), HOST:PORT
// parsing, the clock, and the core talking to itself over loopback UDP on IPv4 and IPv6.
import * as dgram from 'node:dgram';
import { describe, expect, test } from 'vitest';

import { decodeDatagram, writeU16 } from '../../src/enet/codec.js';
import { createCompressor } from '../../src/enet/compressors.js';
import { COMMAND_FLAG_UNSEQUENCED, Command, HEADER_FLAG_COMPRESSED, PacketFlag, PeerState, Protocol } from '../../src/enet/constants.js';
import { crc32 } from '../../src/enet/crc32.js';
import { ipv4ToWire, wireToIpv4 } from '../../src/enet/godot.js';
import {
  AddressMap,
  CLOCK_EPOCH_MS,
  UdpHost,
  carriesChecksum,
  isLoopbackAddress,
  monotonicClockMs,
  packetKind,
  parseHostPort,
  type UdpHostEvent,
} from '../../src/native/udp.js';

describe('AddressMap', () => {
  test('IPv4: the wire address is the address itself, as ENet stores it', () => {
    const map = new AddressMap('IPv4', 1);
    expect(map.toWire({ address: '127.0.0.1', port: 7777 })).toEqual({ host: ipv4ToWire('127.0.0.1'), port: 7777 });
    expect(map.toSocket({ host: ipv4ToWire('10.1.2.3')!, port: 9 })).toEqual({ address: '10.1.2.3', port: 9 });
    expect(map.size).toBe(0);
  });

  test('IPv6: each address gets its own synthetic host in 240.0.0.0/8 and keeps its port', () => {
    const map = new AddressMap('IPv6', 8);
    const first = map.toWire({ address: '::1', port: 1000 })!;
    const samePortOther = map.toWire({ address: '::1', port: 2000 })!;
    const second = map.toWire({ address: 'FE80::2', port: 1000 })!;
    expect(wireToIpv4(first.host)).toBe('240.0.0.1');
    expect(wireToIpv4(second.host)).toBe('240.0.0.2');
    expect(samePortOther).toEqual({ host: first.host, port: 2000 });
    expect(map.toWire({ address: 'fe80::2', port: 5 })!.host, 'addresses compare case-insensitively').toBe(second.host);
    expect(map.toSocket(first)).toEqual({ address: '::1', port: 1000 });
    expect(map.toSocket(second)).toEqual({ address: 'fe80::2', port: 1000 });
    expect(map.toSocket({ host: ipv4ToWire('240.0.0.9')!, port: 1 }), 'never mapped').toBeNull();
    expect(map.toWire({ address: '127.0.0.1', port: 1 }), 'not an IPv6 literal').toBeNull();
  });

  test('IPv6: the table is bounded; a sweep frees the addresses no peer uses, and hosts are reused last', () => {
    const map = new AddressMap('IPv6', 2);
    const kept = map.toWire({ address: '::a', port: 1 })!;
    const dropped = map.toWire({ address: '::b', port: 1 })!;
    expect(map.toWire({ address: '::c', port: 1 }), 'full').toBeNull();
    expect(map.sweep((host) => host === kept.host)).toBe(1);
    expect(map.size).toBe(1);
    expect(map.toSocket(dropped)).toBeNull();
    const next = map.toWire({ address: '::c', port: 1 })!;
    expect(wireToIpv4(next.host), 'round-robin: the freed 240.0.0.2 is not reused at once').toBe('240.0.0.3');
  });

  test('synthetic hosts are never ENET_HOST_ANY (0) or ENET_HOST_BROADCAST (255.255.255.255)', () => {
    const map = new AddressMap('IPv6', 1000);
    const hosts = Array.from({ length: 1000 }, (_, index) => map.toWire({ address: `2001:db8::${index.toString(16)}`, port: 1 })!.host);
    expect(new Set(hosts).size).toBe(1000);
    expect(hosts.filter((host) => host === 0 || host === 0xffffffff || !wireToIpv4(host).startsWith('240.'))).toEqual([]);
  });

  test('a capacity outside 1..2^24−2 is a programming error', () => {
    expect(() => new AddressMap('IPv6', 0)).toThrow(/capacity/);
  });
});

describe('parseHostPort', () => {
  test.each([
    ['127.0.0.1:7777', { ok: true, host: '127.0.0.1', port: 7777 }],
    ['[::1]:7777', { ok: true, host: '::1', port: 7777 }],
    ['localhost:1', { ok: true, host: 'localhost', port: 1 }],
  ])('%s parses', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  test.each([
    ['127.0.0.1', /not HOST:PORT/],
    ['::1:7777', /brackets/],
    ['127.0.0.1:0', /1\.\.65535/],
    ['127.0.0.1:65536', /1\.\.65535/],
    ['[localhost]:1', /not an IPv6 address/],
    ['999.1.1.1:80', /'999\.1\.1\.1' is not an IPv4 address/],
    ['1.2.3:80', /not an IPv4 address/],
  ])('%s is refused with a reason', (text, reason) => {
    const parsed = parseHostPort(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('helpers', () => {
  test('loopback addresses: 127/8, ::1 and IPv4-mapped 127/8 only', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].map(isLoopbackAddress)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', '::', '0.0.0.0', 'fe80::1', 'localhost'].map(isLoopbackAddress)).toEqual([false, false, false, false, false]);
  });

  test('packet kinds by received flags', () => {
    expect([PacketFlag.reliable, 0, PacketFlag.unsequenced, PacketFlag.unreliableFragment].map(packetKind)).toEqual(['reliable', 'unreliable', 'unsequenced', 'unreliableFragment']);
  });

  test('the monotonic clock starts at its non-zero epoch and never goes back', () => {
    const clock = monotonicClockMs();
    const first = clock();
    expect(first).toBeGreaterThanOrEqual(CLOCK_EPOCH_MS);
    expect(first).toBeLessThan(CLOCK_EPOCH_MS + 1000);
    const readings = Array.from({ length: 1000 }, () => clock());
    expect(readings.filter((reading, index) => reading < (index === 0 ? first : readings[index - 1]!))).toEqual([]);
  });
});

/** A server that echoes everything and a client, both recording events. */
async function openPair(bindAddress: string): Promise<{ server: UdpHost; client: UdpHost; serverEvents: UdpHostEvent[]; clientEvents: UdpHostEvent[] }> {
  const server = await UdpHost.open({ bindAddress, serviceIntervalMs: 1 });
  const client = await UdpHost.open({ bindAddress, peerCount: 1, serviceIntervalMs: 1 });
  const serverEvents: UdpHostEvent[] = [];
  const clientEvents: UdpHostEvent[] = [];
  server.onEvent = (event) => {
    serverEvents.push(event);
    if (event.type === 'receive') server.send(event.peer, event.channelID, event.packet.data, event.packet.flags);
  };
  client.onEvent = (event) => clientEvents.push(event);
  return { server, client, serverEvents, clientEvents };
}

describe('UdpHost over loopback', () => {
  for (const [family, bindAddress] of [['IPv4', '127.0.0.1'], ['IPv6', '::1']] as const) {
    test(`${family}: connect with data, a 200 000-byte reliable echo, disconnect with data`, { timeout: 15_000 }, async () => {
      const { server, client, serverEvents, clientEvents } = await openPair(bindAddress);
      try {
        expect(server.localAddress.family).toBe(family);
        const started = client.connect({ address: bindAddress, port: server.localAddress.port }, 2, 0x01020304);
        if (!started.ok) throw new Error(started.reason);
        expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'connect'), 5000)).toBe(true);
        const serverConnect = serverEvents.find((event) => event.type === 'connect')!;
        expect(serverConnect.data).toBe(0x01020304);
        expect(serverConnect.remote).toEqual({ address: bindAddress, port: client.localAddress.port });
        if (family === 'IPv6') {
          // The core sees a synthetic IPv4 host; the adapter maps it back to ::1.
          expect(wireToIpv4(serverConnect.peer.address.host)).toBe('240.0.0.1');
          expect(server.remoteOf(serverConnect.peer)).toEqual({ address: '::1', port: client.localAddress.port });
        }
        const payload = new Uint8Array(200_000).map((_, index) => (index * 31 + 7) & 0xff);
        expect(client.send(started.peer, 1, payload, PacketFlag.reliable).ok).toBe(true);
        expect(await client.waitUntil(() => clientEvents.some((event) => event.type === 'receive'), 5000)).toBe(true);
        const echo = clientEvents.find((event): event is Extract<UdpHostEvent, { type: 'receive' }> => event.type === 'receive')!;
        expect(echo.channelID).toBe(1);
        expect(echo.packet.flags).toBe(PacketFlag.reliable);
        expect(Buffer.compare(echo.packet.data, payload)).toBe(0);
        client.disconnect(started.peer, 0xabcdef);
        expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'disconnect'), 5000)).toBe(true);
        expect(serverEvents.find((event) => event.type === 'disconnect')!.data).toBe(0xabcdef);
        expect(server.stats.sendErrors + client.stats.sendErrors).toBe(0);
        expect(server.stats.droppedUnknownDestination + client.stats.droppedUnknownDestination).toBe(0);
      } finally {
        await client.close();
        await server.close();
      }
    });
  }

  test('shutdown disconnects every peer and waits for the acknowledgement', { timeout: 10_000 }, async () => {
    const { server, client, serverEvents, clientEvents } = await openPair('127.0.0.1');
    try {
      const started = client.connect({ address: '127.0.0.1', port: server.localAddress.port }, 1, 0);
      if (!started.ok) throw new Error(started.reason);
      expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'connect'), 5000)).toBe(true);
      const result = await server.shutdown(77, 1000);
      expect(result).toEqual({ disconnectingCount: 1, timedOut: false, forcedCount: 0 });
      expect(serverEvents.at(-1)).toMatchObject({ type: 'disconnect', cause: 'local' });
      expect(server.isClosed).toBe(true);
      expect(await client.waitUntil(() => clientEvents.some((event) => event.type === 'disconnect'), 2000)).toBe(true);
      expect(clientEvents.find((event) => event.type === 'disconnect')).toMatchObject({ data: 77, cause: 'remote' });
      expect(started.peer.state).toBe(PeerState.STATE_DISCONNECTED);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('shutdown gives up after its timeout when the remote is gone', { timeout: 10_000 }, async () => {
    const { server, client, serverEvents } = await openPair('127.0.0.1');
    try {
      const started = client.connect({ address: '127.0.0.1', port: server.localAddress.port }, 1, 0);
      if (!started.ok) throw new Error(started.reason);
      expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'connect'), 5000)).toBe(true);
      await client.close();
      const startedMs = performance.now();
      expect(await server.shutdown(0, 300)).toEqual({ disconnectingCount: 1, timedOut: true, forcedCount: 1 });
      expect(performance.now() - startedMs, 'bounded by the 300 ms timeout (slack for a loaded machine)').toBeLessThan(2000);
    } finally {
      await server.close();
    }
  });

  test('shutdown tells a peer that never acknowledges (the DISCONNECT is sent and resent), then frees its slot with disconnect_now', { timeout: 10_000 }, async () => {
    const { server, client, serverEvents } = await openPair('127.0.0.1');
    const clientPort = client.localAddress.port;
    const listener = dgram.createSocket('udp4');
    try {
      const started = client.connect({ address: '127.0.0.1', port: server.localAddress.port }, 1, 0);
      if (!started.ok) throw new Error(started.reason);
      expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'connect'), 5000)).toBe(true);
      const serverPeer = server.activePeers()[0]!;
      // The client's process "hangs": its port still takes datagrams, nothing answers.
      await client.close();
      const received: Uint8Array[] = [];
      listener.on('message', (data) => received.push(new Uint8Array(data)));
      await new Promise<void>((resolve) => listener.bind(clientPort, '127.0.0.1', () => resolve()));
      expect(await server.shutdown(42, 300)).toEqual({ disconnectingCount: 1, timedOut: true, forcedCount: 1 });
      const disconnects = received.flatMap((bytes) => {
        const decoded = decodeDatagram(bytes, { checksum: false });
        return decoded.ok ? decoded.commands.filter((command) => command.command === Command.disconnect) : [];
      });
      expect(disconnects.length).toBeGreaterThanOrEqual(1);
      expect(disconnects[0]).toMatchObject({ acknowledge: true, fields: { data: 42 } });
      // ENet's disconnect_now sends nothing more for a peer already disconnecting: it frees the slot.
      expect(serverPeer.state).toBe(PeerState.STATE_DISCONNECTED);
    } finally {
      listener.close();
      await server.close();
    }
  });

  test('shutdown with later delivers a packet still queued before the DISCONNECT; a plain shutdown discards it, as enet_peer_disconnect does', { timeout: 10_000 }, async () => {
    for (const later of [true, false]) {
      const { server, client, serverEvents, clientEvents } = await openPair('127.0.0.1');
      try {
        const started = client.connect({ address: '127.0.0.1', port: server.localAddress.port }, 1, 0);
        if (!started.ok) throw new Error(started.reason);
        expect(await client.waitUntil(() => clientEvents.some((event) => event.type === 'connect'), 5000)).toBe(true);
        // Queued, not yet sent: the shutdown starts in the same turn.
        client.send(started.peer, 0, new Uint8Array([7, 7, 7]), PacketFlag.reliable);
        expect(await client.shutdown(3, 1000, { later })).toMatchObject({ disconnectingCount: 1, timedOut: false });
        expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'disconnect'), 2000)).toBe(true);
        expect(serverEvents.map((event) => event.type), later ? 'delivered first' : 'discarded').toEqual(later ? ['connect', 'receive', 'disconnect'] : ['connect', 'disconnect']);
      } finally {
        await client.close();
        await server.close();
      }
    }
  });

  test('a peer that stops answering ends with a disconnect event whose cause is timeout', { timeout: 10_000 }, async () => {
    const server = await UdpHost.open({ serviceIntervalMs: 1 });
    const client = await UdpHost.open({ peerCount: 1, serviceIntervalMs: 1, peerTimeout: { limit: 0, minimumMs: 300, maximumMs: 300 } });
    const clientEvents: UdpHostEvent[] = [];
    client.onEvent = (event) => clientEvents.push(event);
    try {
      const started = client.connect({ address: '127.0.0.1', port: server.localAddress.port }, 1, 0);
      if (!started.ok) throw new Error(started.reason);
      expect(await client.waitUntil(() => clientEvents.some((event) => event.type === 'connect'), 5000)).toBe(true);
      await server.close();
      client.send(started.peer, 0, new Uint8Array([1]), PacketFlag.reliable);
      expect(await client.waitUntil(() => clientEvents.some((event) => event.type === 'disconnect'), 5000)).toBe(true);
      expect(clientEvents.find((event) => event.type === 'disconnect')).toMatchObject({ cause: 'timeout', data: 0 });
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('a handshake datagram carrying a valid ENet checksum is recognised; one without is not', () => {
    // A CONNECT-shaped datagram: peer ID 4095 with the sent-time flag, a 2-byte sent time, then 4 checksum bytes and a command.
    const datagram = new Uint8Array([0x8f, 0xff, 0x12, 0x34, 0, 0, 0, 0, 0x82, 0xff, 0x00, 0x01, 1, 2, 3, 4]);
    expect(carriesChecksum(datagram)).toBe(false);
    const withChecksum = datagram.slice();
    const checksum = crc32([datagram]);
    withChecksum.set([checksum >>> 24, (checksum >>> 16) & 0xff, (checksum >>> 8) & 0xff, checksum & 0xff], 4);
    expect(carriesChecksum(withChecksum)).toBe(true);
    // The same bytes addressed to a connected peer (ID 0) are not a handshake: not looked at.
    const toPeer = withChecksum.slice();
    toPeer[0] = 0x80;
    toPeer[1] = 0x00;
    expect(carriesChecksum(toPeer)).toBe(false);
  });

  test('open refuses a non-literal address and a port in use; connect refuses the other family', async () => {
    await expect(UdpHost.open({ bindAddress: 'localhost' })).rejects.toThrow(/IPv4 or IPv6 literal/);
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', () => resolve()));
    try {
      await expect(UdpHost.open({ bindPort: taken.address().port })).rejects.toThrow(/cannot bind UDP 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      taken.close();
    }
    const host = await UdpHost.open({ peerCount: 1 });
    try {
      expect(host.connect({ address: '::1', port: 1 }, 1, 0)).toEqual({ ok: false, reason: "'::1' is not an IPv4 literal (the socket is IPv4)" });
      expect(host.connect({ address: '127.0.0.1', port: 0 }, 1, 0)).toMatchObject({ ok: false });
      expect(host.connect({ address: '127.0.0.1', port: 9 }, 1, 0).ok).toBe(true);
      expect(host.connect({ address: '127.0.0.1', port: 9 }, 1, 0), 'one slot').toEqual({ ok: false, reason: 'no free peer slot' });
    } finally {
      await host.close();
    }
  });

  test('a datagram over 4096 bytes is dropped by the core, not fatal', { timeout: 5000 }, async () => {
    const host = await UdpHost.open({ serviceIntervalMs: 1 });
    const sender = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', () => resolve()));
      sender.send(new Uint8Array(5000), host.localAddress.port, '127.0.0.1');
      sender.send(new Uint8Array(1), host.localAddress.port, '127.0.0.1');
      expect(await host.waitUntil(() => host.stats.datagramsReceived === 2 && host.host.pendingDatagramCount === 0, 2000)).toBe(true);
      expect(host.host.droppedDatagrams).toMatchObject({ oversize: 1, truncatedHeader: 1 });
    } finally {
      sender.close();
      await host.close();
    }
  });

  test('peerCompressors names the compressor of the first compressed datagram dropped for each reason, and is null before one', { timeout: 5000 }, async () => {
    const plain = new Uint8Array(2 + 8 + 600);
    writeU16(plain, 0, Protocol.maximumPeerId);
    plain[2] = Command.sendUnsequenced | COMMAND_FLAG_UNSEQUENCED;
    writeU16(plain, 8, 600);
    plain.fill(0x61, 10);
    const compressed = createCompressor('zstd').compress([plain.subarray(2)], plain.length - 2, plain.length - 2)!;
    const datagram = new Uint8Array(2 + compressed.length);
    datagram.set(compressed, 2);
    writeU16(datagram, 0, Protocol.maximumPeerId | HEADER_FLAG_COMPRESSED);
    const plainHost = await UdpHost.open({ serviceIntervalMs: 1 });
    const fastlzHost = await UdpHost.open({ serviceIntervalMs: 1, compressor: createCompressor('fastlz') });
    const sender = dgram.createSocket('udp4');
    try {
      expect(plainHost.peerCompressors('compressionUnsupported')).toBeNull();
      await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', () => resolve()));
      for (const host of [plainHost, fastlzHost]) sender.send(datagram, host.localAddress.port, '127.0.0.1');
      expect(await plainHost.waitUntil(() => plainHost.host.droppedDatagrams.compressionUnsupported === 1, 2000)).toBe(true);
      expect(await fastlzHost.waitUntil(() => fastlzHost.host.droppedDatagrams.decompressionFailed === 1, 2000)).toBe(true);
      expect(plainHost.peerCompressors('compressionUnsupported')).toEqual(['zstd']);
      expect(plainHost.peerCompressors('decompressionFailed')).toBeNull();
      expect(fastlzHost.peerCompressors('decompressionFailed')).toEqual(['zstd']);
    } finally {
      sender.close();
      await plainHost.close();
      await fastlzHost.close();
    }
  });
});
