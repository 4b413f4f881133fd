// The proxy under a flood on loopback: thousands of source ports from one process (as spoofed clients
// would look), a burst of large datagrams from mapped clients, and a churn of short-lived clients. Its
// bounds hold (--max-clients, --max-queued-bytes, the closed connections kept for the summary), memory
// stays within a stated bound, and clients mapped before the flood keep being served.
//
// The memory bounds are generous on purpose (a leak of the flood's volume breaks them; allocator noise
// does not): the heap is measured after a forced collection, V8 heap plus ArrayBuffers (where received
// datagrams live).
import * as dgram from 'node:dgram';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterEach, describe, expect, test } from 'vitest';

import { proxyLinks } from '../../src/cli/commands/proxy.js';
import { CLOSED_CONNECTIONS_KEPT_MAX, UdpProxy, type ProxyEvent, type ProxySummary } from '../../src/native/proxy.js';
import { eventually as eventuallyWithin } from '../support/wait.js';

const LOOPBACK = '127.0.0.1';
const MIB = 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Heap in use after two full collections: V8's heap plus ArrayBuffers (datagram buffers). */
function retainedBytes(): number {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function openSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, () => resolve()));
  return socket;
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/** A plain UDP server counting datagrams by source port (the proxy's upstream port of each client). */
interface Sink {
  port: number;
  byPort: Map<number, number>;
  /** Datagrams saying 'marker …', by source port. */
  markersByPort: Map<number, number>;
  total: () => number;
}

async function startSink(): Promise<Sink> {
  const socket = await openSocket();
  const byPort = new Map<number, number>();
  const markersByPort = new Map<number, number>();
  socket.on('message', (data, remote) => {
    byPort.set(remote.port, (byPort.get(remote.port) ?? 0) + 1);
    if (data.subarray(0, 7).toString() === 'marker ') markersByPort.set(remote.port, (markersByPort.get(remote.port) ?? 0) + 1);
  });
  cleanup.push(() => closeSocket(socket));
  return { port: socket.address().port, byPort, markersByPort, total: () => [...byPort.values()].reduce((sum, count) => sum + count, 0) };
}

async function startProxy(serverPort: number, link: string, bounds: { maxClients?: number; maxQueuedBytes?: number; idleMs?: number }, events: ProxyEvent[]): Promise<UdpProxy> {
  const links = proxyLinks({ link, linkUp: null, linkDown: null, preset: null });
  if (!links.ok) throw new Error(links.message);
  const proxy = await UdpProxy.open({ listen: { port: 0 }, target: { address: LOOPBACK, port: serverPort }, linkUp: links.value.up, linkDown: links.value.down, seed: 1, ...bounds, onEvent: (event) => events.push(event) });
  cleanup.push(() => proxy.close());
  return proxy;
}

function eventually(predicate: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  return eventuallyWithin(predicate, timeoutMs);
}

function totalDropped(summary: ProxySummary): number {
  return Object.values(summary.directions.up.dropped).reduce((sum, count) => sum + count, 0);
}

/** Every datagram the proxy read has left or been dropped (nothing waits in its delay heap). */
function settled(proxy: UdpProxy): boolean {
  const summary = proxy.summary();
  return summary.directions.up.datagramsIn === summary.directions.up.datagramsOut + totalDropped(summary);
}

/** Clients mapped before the flood: each sends one datagram, and the proxy's `client` events give its upstream port. */
async function mapLegitimateClients(proxy: UdpProxy, sink: { total: () => number }, events: ProxyEvent[], count: number): Promise<{ socket: dgram.Socket; upstreamPort: number }[]> {
  const sockets: dgram.Socket[] = [];
  for (let index = 0; index < count; index += 1) {
    const socket = await openSocket();
    cleanup.push(() => closeSocket(socket));
    socket.send(`hello ${index}`, proxy.localAddress.port, LOOPBACK);
    sockets.push(socket);
  }
  expect(await eventually(() => sink.total() === count && events.filter((event) => event.type === 'client').length === count)).toBe(true);
  return sockets.map((socket) => {
    const event = events.find((candidate) => candidate.type === 'client' && candidate.address.port === socket.address().port);
    if (event?.type !== 'client') throw new Error('no client event for a legitimate client');
    return { socket, upstreamPort: event.upstreamPort };
  });
}

/** Each legitimate client sends `count` markers; resolves true once the sink has them all from the right upstream ports. */
async function markersArrive(proxy: UdpProxy, sink: Sink, clients: { socket: dgram.Socket; upstreamPort: number }[], count: number): Promise<boolean> {
  for (let round = 0; round < count; round += 1) for (const client of clients) client.socket.send(`marker ${round}`, proxy.localAddress.port, LOOPBACK);
  return eventually(() => clients.every((client) => sink.markersByPort.get(client.upstreamPort) === count));
}

describe('proxy under a flood', () => {
  test('3000 source ports from one process: only --max-clients are mapped, the rest are dropped as clientLimit, memory stays bounded, and clients mapped before are still served during and after', { timeout: 60_000 }, async () => {
    const sink = await startSink();
    const events: ProxyEvent[] = [];
    const maxClients = 64;
    const proxy = await startProxy(sink.port, 'latency: 20ms', { maxClients }, events);
    const legitimate = await mapLegitimateClients(proxy, sink, events, 4);
    const baselineBytes = retainedBytes();
    const beforeFlood = legitimate.map((client) => sink.byPort.get(client.upstreamPort) ?? 0);

    // The legitimate clients keep talking while 3000 other source ports send two datagrams each.
    let legitimateSent = legitimate.length;
    const talking = setInterval(() => {
      for (const client of legitimate) client.socket.send('still here', proxy.localAddress.port, LOOPBACK);
      legitimateSent += legitimate.length;
    }, 10);
    const FLOOD_PORTS = 3000;
    const BATCH = 250;
    let floodSent = 0;
    for (let batch = 0; batch < FLOOD_PORTS / BATCH; batch += 1) {
      const sockets = await Promise.all(Array.from({ length: BATCH }, () => openSocket()));
      for (const [index, socket] of sockets.entries()) {
        for (let copy = 0; copy < 2; copy += 1) socket.send(Buffer.alloc(200, copy), proxy.localAddress.port, LOOPBACK);
        floodSent += 2;
        // Let the proxy read between small groups, or the kernel drops most of the flood before it does.
        if (index % 25 === 24) await new Promise((resolve) => setImmediate(resolve));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all(sockets.map((socket) => closeSocket(socket)));
    }
    clearInterval(talking);
    expect(await eventually(() => settled(proxy))).toBe(true);
    const grownBytes = retainedBytes() - baselineBytes;

    const summary = proxy.summary();
    // The sessions opened are the 4 legitimate ones and the first 60 flood ports; nothing else was mapped.
    expect(summary.clients).toBe(maxClients);
    expect(proxy.clientsMapped).toBe(maxClients);
    expect(summary.connections).toHaveLength(maxClients);
    expect(events.filter((event) => event.type === 'refused')).toHaveLength(1);
    const up = summary.directions.up;
    expect(up.dropped.clientLimit).toBeGreaterThan(0);
    // The kernel may drop some of the flood before the proxy reads it; what the proxy read, it accounted for.
    expect(up.datagramsIn).toBeLessThanOrEqual(floodSent + legitimateSent);
    expect(up.dropped.clientLimit + up.datagramsOut).toBe(up.datagramsIn);
    expect(up.dropped.proxyQueueFull).toBe(0);
    // Served during the flood (their datagrams kept arriving) and after it (every marker arrives).
    legitimate.forEach((client, index) => expect(sink.byPort.get(client.upstreamPort)!).toBeGreaterThan(beforeFlood[index]!));
    expect(await markersArrive(proxy, sink, legitimate, 5)).toBe(true);
    console.info(`[proxy-flood] ${FLOOD_PORTS} ports, ${floodSent} datagrams sent, ${up.datagramsIn} read, ${up.dropped.clientLimit} clientLimit; retained memory grew ${(grownBytes / MIB).toFixed(2)} MiB`);
    // Bound: 64 sessions (sockets, links, ENet readers) and the accuracy samples are well under 16 MiB;
    // state kept per refused client (3000 of them) or per datagram would not be.
    expect(grownBytes).toBeLessThan(16 * MIB);
  });

  test('a burst of 20 MiB read from mapped clients into a 5 s delay: --max-queued-bytes holds, memory stays bounded, and a client mapped before is served once the queue drains', { timeout: 90_000 }, async () => {
    const sink = await startSink();
    const events: ProxyEvent[] = [];
    const maxQueuedBytes = MIB;
    const proxy = await startProxy(sink.port, 'latency: 5s', { maxQueuedBytes }, events);
    const legitimate = await mapLegitimateClients(proxy, sink, events, 1);
    expect(await eventually(() => settled(proxy), 15_000)).toBe(true);
    const baselineBytes = retainedBytes();

    const flooders = await Promise.all(Array.from({ length: 8 }, () => openSocket()));
    for (const socket of flooders) cleanup.push(() => closeSocket(socket));
    const DATAGRAM_BYTES = 1200;
    // Sent until the proxy has read 20 MiB (the kernel drops what the socket buffer cannot hold, so the
    // sent count alone says nothing): a proxy that held everything would then hold that much.
    const READ_TARGET_BYTES = 20 * MIB;
    const SENT_MAX = 200_000;
    const payload = Buffer.alloc(DATAGRAM_BYTES, 0xab);
    let sent = 0;
    while (proxy.summary().directions.up.datagramsIn * DATAGRAM_BYTES < READ_TARGET_BYTES && sent < SENT_MAX) {
      for (const socket of flooders) for (let index = 0; index < 4; index += 1) socket.send(payload, proxy.localAddress.port, LOOPBACK);
      sent += 4 * flooders.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Measured while the first datagrams still wait out their 5 s: what the proxy holds is at its largest.
    let lastIn = -1;
    expect(await eventually(() => {
      const datagramsIn = proxy.summary().directions.up.datagramsIn;
      const still = datagramsIn === lastIn;
      lastIn = datagramsIn;
      return still;
    })).toBe(true);
    const grownBytes = retainedBytes() - baselineBytes;
    const during = proxy.summary().directions.up;
    expect(during.datagramsIn * DATAGRAM_BYTES).toBeGreaterThanOrEqual(READ_TARGET_BYTES);
    // Bound: the 1 MiB queue plus its entries and 9 sessions, far under 12 MiB; holding what was read would be 20 MiB.
    expect(grownBytes).toBeLessThan(12 * MIB);
    expect(during.dropped.proxyQueueFull).toBeGreaterThan(0);
    // At most 1 MiB of 1200-byte datagrams (and the one marker before) ever entered the delay heap at once,
    // and nothing left it yet: the delayed count is bounded by the queue.
    expect(during.delayed).toBeLessThanOrEqual(1 + Math.floor(maxQueuedBytes / DATAGRAM_BYTES));
    console.info(`[proxy-flood] burst: ${sent} datagrams sent (${(sent * DATAGRAM_BYTES / MIB).toFixed(1)} MiB), ${during.datagramsIn} read, ${during.delayed} held, ${during.dropped.proxyQueueFull} proxyQueueFull; retained memory grew ${(grownBytes / MIB).toFixed(2)} MiB`);

    expect(await eventually(() => settled(proxy), 30_000)).toBe(true);
    expect(await markersArrive(proxy, sink, legitimate, 5)).toBe(true);
  });

  test(`a churn of 2100 short-lived clients: the summary keeps the open connections and the latest ${CLOSED_CONNECTIONS_KEPT_MAX} closed ones, and counts the rest`, { timeout: 90_000 }, async () => {
    const sink = await startSink();
    const events: ProxyEvent[] = [];
    const proxy = await startProxy(sink.port, 'latency: 0ms', { maxClients: 128, idleMs: 40 }, events);
    const CLIENTS = 2100;
    const BATCH = 100;
    for (let batch = 0; batch < CLIENTS / BATCH; batch += 1) {
      const sockets = await Promise.all(Array.from({ length: BATCH }, () => openSocket()));
      for (const socket of sockets) socket.send('short-lived', proxy.localAddress.port, LOOPBACK);
      const expiredBefore = (batch + 1) * BATCH;
      expect(await eventually(() => events.filter((event) => event.type === 'expired').length === expiredBefore)).toBe(true);
      await Promise.all(sockets.map((socket) => closeSocket(socket)));
    }
    const summary = proxy.summary();
    expect(summary.clients).toBe(CLIENTS);
    expect(proxy.clientsMapped).toBe(0);
    expect(summary.connections).toHaveLength(CLOSED_CONNECTIONS_KEPT_MAX);
    expect(summary.connectionsOmitted).toBe(CLIENTS - CLOSED_CONNECTIONS_KEPT_MAX);
    // The latest ones, in client order.
    expect(summary.connections.map((connection) => connection.client)).toEqual(Array.from({ length: CLOSED_CONNECTIONS_KEPT_MAX }, (_, index) => CLIENTS - CLOSED_CONNECTIONS_KEPT_MAX + 1 + index));
    expect(sink.total()).toBe(CLIENTS);
  });
});
