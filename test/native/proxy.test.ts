// The real-time proxy on loopback: real UdpHost endpoints (the TS ENet core on real sockets) talk through
// UdpProxy in-process; the command line is checked by spawning the built binary.
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';

import { proxyLinks } from '../../src/cli/commands/proxy.js';
import { PacketFlag } from '../../src/enet/constants.js';
import type { Peer } from '../../src/enet/peer.js';
import { TimerHeap, UdpProxy, type ProxyEvent, type ProxySummary } from '../../src/native/proxy.js';
import { UdpHost, type UdpHostEvent } from '../../src/native/udp.js';

const CLI_PATH = path.join(path.dirname(new URL(import.meta.url).pathname), '../../dist/cli/main.js');
const PATIENCE_MS = 20_000;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** A server that echoes every packet on its channel with its flags, and records what it received. */
async function startEchoServer(): Promise<{ udp: UdpHost; received: { remotePort: number; channel: number; text: string }[]; connectedPorts: number[] }> {
  const udp = await UdpHost.open({ serviceIntervalMs: 1 });
  const received: { remotePort: number; channel: number; text: string }[] = [];
  const connectedPorts: number[] = [];
  udp.onEvent = (event: UdpHostEvent) => {
    if (event.type === 'connect') connectedPorts.push(event.remote.port);
    if (event.type !== 'receive') return;
    received.push({ remotePort: event.remote.port, channel: event.channelID, text: new TextDecoder().decode(event.packet.data) });
    udp.send(event.peer, event.channelID, event.packet.data, event.packet.flags);
  };
  cleanup.push(() => udp.close());
  return { udp, received, connectedPorts };
}

interface Bounds {
  idleMs?: number;
  maxClients?: number;
  maxQueuedBytes?: number;
  onEvent?: (event: ProxyEvent) => void;
}

async function startProxy(serverPort: number, link: { link?: string; linkUp?: string; linkDown?: string } = {}, seed = 1, bounds: Bounds = {}): Promise<UdpProxy> {
  const links = proxyLinks({ link: link.link ?? null, linkUp: link.linkUp ?? null, linkDown: link.linkDown ?? null, preset: null });
  if (!links.ok) throw new Error(links.message);
  const proxy = await UdpProxy.open({ listen: { port: 0 }, target: { address: '127.0.0.1', port: serverPort }, linkUp: links.value.up, linkDown: links.value.down, seed, ...bounds });
  cleanup.push(() => proxy.close());
  return proxy;
}

/** A client connected through the proxy, with the packets it got back (text and when, ms on performance.now()). */
async function connectClient(proxy: UdpProxy): Promise<{ udp: UdpHost; peer: Peer; echoes: { text: string; atMs: number }[] }> {
  const udp = await UdpHost.open({ serviceIntervalMs: 1 });
  cleanup.push(() => udp.close());
  const echoes: { text: string; atMs: number }[] = [];
  let connected = false;
  udp.onEvent = (event) => {
    if (event.type === 'connect') connected = true;
    if (event.type === 'receive') echoes.push({ text: new TextDecoder().decode(event.packet.data), atMs: performance.now() });
  };
  const started = udp.connect({ address: '127.0.0.1', port: proxy.localAddress.port }, 2, 0);
  if (!started.ok) throw new Error(started.reason);
  expect(await udp.waitUntil(() => connected, PATIENCE_MS)).toBe(true);
  return { udp, peer: started.peer, echoes };
}

function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Resolves once `predicate` holds, checking every 10 ms; false after `timeoutMs`. */
async function eventually(predicate: () => boolean, timeoutMs = PATIENCE_MS): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

function totalDropped(summary: ProxySummary, direction: 'up' | 'down'): number {
  return Object.values(summary.directions[direction].dropped).reduce((sum, count) => sum + count, 0);
}

describe('timer heap', () => {
  test('timer heap: pops by due time, ties in insertion order', () => {
    const heap = new TimerHeap<{ dueAtMs: number; name: string }>();
    for (const [dueAtMs, name] of [[5, 'a'], [1, 'b'], [5, 'c'], [3, 'd'], [1, 'e'], [9, 'f'], [0, 'g']] as const) heap.push({ dueAtMs, name });
    const order: string[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) order.push(item.name);
    expect(order).toEqual(['g', 'b', 'e', 'd', 'a', 'c', 'f']);
    expect(heap.size).toBe(0);
  });
});

describe('enetsim proxy on loopback', () => {
  test('a clean link forwards packets both ways and its counts match what both ends sent and received', { timeout: 30_000 }, async () => {
    const server = await startEchoServer();
    const proxy = await startProxy(server.udp.localAddress.port);
    const client = await connectClient(proxy);
    for (let index = 0; index < 10; index += 1) client.udp.send(client.peer, index % 2, encode(`packet ${index}`), PacketFlag.reliable);
    expect(await client.udp.waitUntil(() => client.echoes.length === 10, PATIENCE_MS)).toBe(true);
    client.udp.disconnect(client.peer, 42);
    expect(await eventually(() => proxy.summary().connections[0]!.enet.disconnects.length === 1)).toBe(true);
    // Let the last datagrams (the ACK of the DISCONNECT) pass before comparing counters.
    const settled = (): boolean => {
      const summary = proxy.summary();
      return summary.directions.up.datagramsOut === server.udp.stats.datagramsReceived && summary.directions.down.datagramsOut === client.udp.stats.datagramsReceived;
    };
    expect(await eventually(settled)).toBe(true);
    const summary = proxy.summary();
    expect(summary.clients).toBe(1);
    expect(summary.directions.up.datagramsIn).toBe(client.udp.stats.datagramsSent);
    expect(summary.directions.up.datagramsOut).toBe(server.udp.stats.datagramsReceived);
    expect(summary.directions.down.datagramsIn).toBe(server.udp.stats.datagramsSent);
    expect(summary.directions.down.datagramsOut).toBe(client.udp.stats.datagramsReceived);
    expect(summary.directions.up.bytesOut).toBe(summary.directions.up.bytesIn);
    expect(totalDropped(summary, 'up') + totalDropped(summary, 'down')).toBe(0);
    expect(summary.directions.up.delayed + summary.directions.down.delayed).toBe(0);
    expect(summary.accuracy.count).toBe(summary.directions.up.datagramsOut + summary.directions.down.datagramsOut);
    expect(client.echoes.map((echo) => echo.text).sort()).toEqual(Array.from({ length: 10 }, (_, index) => `packet ${index}`).sort());
    const enet = summary.connections[0]!.enet;
    expect(enet.connectSeen).toBe(true);
    expect(enet.verifyConnectSeen).toBe(true);
    expect(enet.disconnects).toEqual([{ direction: 'up', data: 42, atMs: expect.any(Number) }]);
    expect(enet.commands.up['SEND_RELIABLE']).toEqual({ '0': 5, '1': 5 });
    expect(enet.commands.down['SEND_RELIABLE']).toEqual({ '0': 5, '1': 5 });
    expect(enet.retransmissions).toEqual({ up: 0, down: 0 });
  });

  // Tolerance of the passive RTT: it starts when a reliable command reaches the proxy and ends when the
  // proxy forwards the ACK for it, so it holds both 50 ms link delays (a lower bound of 100 ms, never
  // early: a delayed datagram leaves at or after its time) and, for the client's packets, it ends no later
  // than the echo that travels with that ACK reaches the client; 1 ms covers the two clocks' reads.
  test('latency 50 ms each way: the echo takes at least 100 ms and the proxy measures an RTT between 100 ms and the echo time', { timeout: 30_000 }, async () => {
    const server = await startEchoServer();
    const proxy = await startProxy(server.udp.localAddress.port, { link: 'latency: 50ms' });
    const client = await connectClient(proxy);
    const roundTripsMs: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      const sentAtMs = performance.now();
      client.udp.send(client.peer, 0, encode(`ping ${index}`), PacketFlag.reliable);
      expect(await client.udp.waitUntil(() => client.echoes.length === index + 1, PATIENCE_MS)).toBe(true);
      roundTripsMs.push(client.echoes[index]!.atMs - sentAtMs);
    }
    for (const roundTripMs of roundTripsMs) expect(roundTripMs).toBeGreaterThanOrEqual(100);
    // ENet's own view from the client: its lowest RTT sample (whole ms) is at least the link's 100 ms.
    expect(client.peer.lowestRoundTripTime).toBeGreaterThanOrEqual(100);
    const rtt = proxy.summary().connections[0]!.enet.rtt;
    expect(rtt.up.count).toBeGreaterThan(0);
    expect(rtt.up.minMs!).toBeGreaterThanOrEqual(100);
    expect(rtt.up.minMs!).toBeLessThanOrEqual(Math.min(...roundTripsMs) + 1);
    expect(rtt.down.count).toBeGreaterThan(0);
    expect(rtt.down.minMs!).toBeGreaterThanOrEqual(100);
    const summary = proxy.summary();
    expect(summary.directions.up.delayed).toBe(summary.directions.up.datagramsOut);
  });

  test('loss 30% on reliable traffic: everything arrives in order, and the proxy counts drops and retransmissions', { timeout: 60_000 }, async () => {
    const server = await startEchoServer();
    const proxy = await startProxy(server.udp.localAddress.port, { link: 'loss: 30%' }, 7);
    const client = await connectClient(proxy);
    const texts = Array.from({ length: 30 }, (_, index) => `reliable ${index}`);
    for (const text of texts) client.udp.send(client.peer, 0, encode(text), PacketFlag.reliable);
    expect(await client.udp.waitUntil(() => client.echoes.length === texts.length, 50_000)).toBe(true);
    expect(server.received.map((packet) => packet.text)).toEqual(texts);
    expect(client.echoes.map((echo) => echo.text)).toEqual(texts);
    const summary = proxy.summary();
    expect(summary.directions.up.dropped.loss + summary.directions.down.dropped.loss).toBeGreaterThan(0);
    const retransmissions = summary.connections[0]!.enet.retransmissions;
    expect(retransmissions.up + retransmissions.down).toBeGreaterThan(0);
  });

  test('two clients get two upstream sockets: the server sees two peers from the two ports the proxy opened', { timeout: 30_000 }, async () => {
    const server = await startEchoServer();
    const proxy = await startProxy(server.udp.localAddress.port);
    const first = await connectClient(proxy);
    const second = await connectClient(proxy);
    first.udp.send(first.peer, 0, encode('from first'), PacketFlag.reliable);
    second.udp.send(second.peer, 0, encode('from second'), PacketFlag.reliable);
    expect(await eventually(() => first.echoes.length === 1 && second.echoes.length === 1)).toBe(true);
    expect(first.echoes[0]!.text).toBe('from first');
    expect(second.echoes[0]!.text).toBe('from second');
    expect(server.udp.activePeers()).toHaveLength(2);
    expect(new Set(server.connectedPorts).size).toBe(2);
    expect([...server.connectedPorts].sort()).toEqual(proxy.upstreamPorts().sort());
    expect(proxy.summary().clients).toBe(2);
  });
});

/** A plain UDP socket on loopback (not ENet): the bounds do not depend on what the datagrams say. */
async function rawSocket(): Promise<{ socket: dgram.Socket; port: number; received: Buffer[] }> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (data) => received.push(data));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  cleanup.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { socket, port: socket.address().port, received };
}

describe('proxy bounds', () => {
  test('idle mappings expire: a client silent for --idle-ms loses its mapping, and its next datagram opens a new one', { timeout: 20_000 }, async () => {
    const server = await rawSocket();
    const events: ProxyEvent[] = [];
    const proxy = await startProxy(server.port, {}, 1, { idleMs: 100, onEvent: (event) => events.push(event) });
    const client = await rawSocket();
    client.socket.send('one', proxy.localAddress.port, '127.0.0.1');
    expect(await eventually(() => server.received.length === 1)).toBe(true);
    expect(await eventually(() => events.some((event) => event.type === 'expired'))).toBe(true);
    expect(proxy.clientsMapped).toBe(0);
    client.socket.send('two', proxy.localAddress.port, '127.0.0.1');
    expect(await eventually(() => server.received.length === 2)).toBe(true);
    expect(proxy.summary().clients).toBe(2);
  });

  test('--max-clients: datagrams from a client beyond the limit are dropped as clientLimit, with one refused event', { timeout: 20_000 }, async () => {
    const server = await rawSocket();
    const events: ProxyEvent[] = [];
    const proxy = await startProxy(server.port, {}, 1, { maxClients: 1, onEvent: (event) => events.push(event) });
    const first = await rawSocket();
    const second = await rawSocket();
    first.socket.send('first', proxy.localAddress.port, '127.0.0.1');
    expect(await eventually(() => server.received.length === 1)).toBe(true);
    second.socket.send('second a', proxy.localAddress.port, '127.0.0.1');
    second.socket.send('second b', proxy.localAddress.port, '127.0.0.1');
    expect(await eventually(() => proxy.summary().directions.up.dropped.clientLimit === 2)).toBe(true);
    expect(server.received.map((data) => data.toString())).toEqual(['first']);
    expect(events.filter((event) => event.type === 'refused')).toHaveLength(1);
  });

  test('--max-queued-bytes: datagrams that would hold more bytes for delay are dropped as proxyQueueFull', { timeout: 20_000 }, async () => {
    const server = await rawSocket();
    const proxy = await startProxy(server.port, { link: 'latency: 2s' }, 1, { maxQueuedBytes: 250 });
    const client = await rawSocket();
    for (let index = 0; index < 4; index += 1) client.socket.send(Buffer.alloc(100, index), proxy.localAddress.port, '127.0.0.1');
    expect(await eventually(() => proxy.summary().directions.up.datagramsIn === 4)).toBe(true);
    const up = proxy.summary().directions.up;
    // 250 bytes hold two 100-byte datagrams; the third and fourth arrive while both wait out the 2 s.
    expect(up.dropped.proxyQueueFull).toBe(2);
    expect(up.delayed).toBe(2);
    expect(await eventually(() => server.received.length === 2)).toBe(true);
  });
});

describe('enetsim proxy command line', () => {
  test('a --link without a unit exits 2 with a message naming the flag, the place and the fix', () => {
    const result = spawnSync(process.execPath, [CLI_PATH, 'proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:7777', '--link', 'latency: 80, loss: 2%'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('enetsim proxy: --link:1:12 ');
    expect(result.stderr).toContain('write "80ms"');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('a misspelled key in --link-down names that flag and suggests the key', () => {
    const result = spawnSync(process.execPath, [CLI_PATH, 'proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:7777', '--link-down', 'jiter: 5ms'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--link-down:1:3 unknown key 'jiter' (did you mean 'jitter'?)");
  });

  test('SIGTERM prints the summary with the seed and exits 0', { timeout: 20_000 }, async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:7777', '--seed', '99', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(await eventually(() => stdout.includes('"event":"listening"'), 10_000)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: 'listening', address: '127.0.0.1', seed: 99 });
    expect(lines.at(-1)).toMatchObject({ event: 'summary', reason: 'interrupt', seed: 99, clients: 0 });
  });
});
