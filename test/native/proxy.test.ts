// The real-time proxy on loopback: real UdpHost endpoints (the TS ENet core on real sockets) talk through
// UdpProxy in-process; the command line is checked by spawning the built binary.
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';

import { PROXY_COMMAND_DEFAULTS, proxyCommand, proxyLinks, type ProxyOptions } from '../../src/cli/commands/proxy.js';
import { PacketFlag } from '../../src/enet/constants.js';
import type { Peer } from '../../src/enet/peer.js';
import { TimerHeap, UdpProxy, type ProxyEvent, type ProxySummary } from '../../src/native/proxy.js';
import { UdpHost, type UdpHostEvent } from '../../src/native/udp.js';
import { eventually as eventuallyWithin } from '../support/wait.js';

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
function eventually(predicate: () => boolean, timeoutMs = PATIENCE_MS): Promise<boolean> {
  return eventuallyWithin(predicate, timeoutMs);
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
    // Five packets each way on each channel; a loaded machine can delay an ACK past ENet's timeout on a
    // clean link too, so a command may cross twice: every extra copy is a counted retransmission.
    for (const direction of ['up', 'down'] as const) {
      const sent = enet.commands[direction]['SEND_RELIABLE']!;
      expect(sent['0']).toBeGreaterThanOrEqual(5);
      expect(sent['1']).toBeGreaterThanOrEqual(5);
      expect(sent['0']! + sent['1']! - 10).toBeLessThanOrEqual(enet.retransmissions[direction]);
    }
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
    // Seed 3 drops the second datagram client→server and the first server→client (streams client-1/client->server
    // and client-1/server->client), so the few datagrams of this exchange always meet a loss.
    const proxy = await startProxy(server.udp.localAddress.port, { link: 'loss: 30%' }, 3);
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

// ---- scenario timelines and live control, through the command in-process ------------------------------

type JsonLine = Record<string, unknown> & { event: string };

/** `enetsim proxy` run in-process with --json: its lines as they come, and a way to stop it as Ctrl-C does. */
function startProxyCommand(options: Partial<ProxyOptions> & { to: string }): { lines: JsonLine[]; stderr: () => string; stop: () => Promise<number>; done: Promise<number> } {
  const lines: JsonLine[] = [];
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const io = {
    stdout: (text: string) => {
      stdout += text;
      const complete = stdout.split('\n');
      stdout = complete.pop()!;
      for (const line of complete) if (line !== '') lines.push(JSON.parse(line) as JsonLine);
    },
    stderr: (text: string) => (stderr += text),
  };
  const done = proxyCommand({ ...PROXY_COMMAND_DEFAULTS, listen: '127.0.0.1:0', json: true, ...options }, io, controller.signal);
  const stop = async (): Promise<number> => {
    controller.abort();
    return done;
  };
  cleanup.push(async () => void (await stop()));
  return { lines, stderr: () => stderr, stop, done };
}

async function lineOf(lines: JsonLine[], predicate: (line: JsonLine) => boolean, timeoutMs = PATIENCE_MS): Promise<JsonLine> {
  expect(await eventually(() => lines.some(predicate), timeoutMs)).toBe(true);
  return lines.find(predicate)!;
}

/** A UDP server that echoes every datagram to its sender. */
async function echoSocket(): Promise<{ port: number; received: string[] }> {
  const server = await rawSocket();
  const texts: string[] = [];
  server.socket.on('message', (data, remote) => {
    texts.push(data.toString());
    server.socket.send(data, remote.port, remote.address);
  });
  return { port: server.port, received: texts };
}

function writeScenario(text: string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-proxy-'));
  const file = path.join(directory, 'scenario.yaml');
  fs.writeFileSync(file, text);
  cleanup.push(async () => fs.rmSync(directory, { recursive: true, force: true }));
  return file;
}

describe('enetsim proxy --scenario', () => {
  // The window is wide (300 ms to 2.5 s) so that the datagrams sent when the partition is printed are
  // sent well inside it; nothing here measures time.
  test('a partition from the timeline drops traffic in its window, both ways, and the heal restores it', { timeout: 30_000 }, async () => {
    const server = await echoSocket();
    const file = writeScenario(`name: partition behind the proxy
seed: 7
duration: 20s
hosts: { server: {}, client: {} }
links:
  client<->server: { latency: 0ms }
timeline:
  - at: 300ms
    partition: { between: [client, server] }
  - at: 2500ms
    heal: { between: [client, server] }
`);
    const proxy = startProxyCommand({ to: `127.0.0.1:${server.port}`, scenario: file });
    const listening = await lineOf(proxy.lines, (line) => line.event === 'listening');
    expect(listening).toMatchObject({ seed: 7, durationMs: 20_000, scenario: file });
    const client = await rawSocket();
    const send = (text: string) => client.socket.send(text, listening['port'] as number, '127.0.0.1');
    send('before');
    expect(await eventually(() => client.received.length === 1)).toBe(true);
    const partition = await lineOf(proxy.lines, (line) => line.event === 'network' && line['action'] === 'partition client<->server');
    for (let index = 0; index < 5; index += 1) send(`during ${index}`);
    const heal = await lineOf(proxy.lines, (line) => line.event === 'network' && line['action'] === 'heal client<->server');
    for (let index = 0; index < 5; index += 1) send(`after ${index}`);
    expect(await eventually(() => client.received.length === 6)).toBe(true);
    expect(await proxy.stop()).toBe(0);
    expect(partition).toMatchObject({ source: 'timeline', dueAtMs: 300, where: `${file}:8:5`, change: { kind: 'partition', directions: ['up', 'down'] } });
    expect(heal).toMatchObject({ source: 'timeline', dueAtMs: 2500, where: `${file}:10:5` });
    expect(heal['atMs'] as number).toBeGreaterThanOrEqual(2500);
    expect(server.received).toEqual(['before', 'after 0', 'after 1', 'after 2', 'after 3', 'after 4']);
    expect(client.received.map((data) => data.toString())).toEqual(server.received);
    const summary = proxy.lines.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', reason: 'interrupt', seed: 7, network: { changes: { timeline: 2, control: 0 }, up: { partitioned: false }, down: { partitioned: false } } });
    const directions = summary['directions'] as Record<'up' | 'down', { dropped: Record<string, number>; datagramsOut: number }>;
    expect(directions.up.dropped['partition']).toBe(5);
    expect(directions.up.datagramsOut).toBe(6);
    expect(directions.down.datagramsOut).toBe(6);
  });

  test('--seed overrides the scenario seed, and the scenario duration stops the proxy', { timeout: 20_000 }, async () => {
    const file = writeScenario('name: short\nseed: 7\nduration: 200ms\nhosts: { server: { checksum: true }, client: {} }\nexpect:\n  - delivery: { from: client, to: server, reliable: exactly_once_in_order }\n');
    const proxy = startProxyCommand({ to: '127.0.0.1:7777', scenario: file, seed: 3 });
    expect(await proxy.done).toBe(0);
    expect(proxy.lines[0]).toMatchObject({ event: 'listening', seed: 3, durationMs: 200 });
    expect(proxy.lines.filter((line) => line.event === 'warning').map((line) => line['message'])).toEqual([
      "the scenario's expectation (expect:) is not checked by the proxy: write the checks in a file of their own (an expect: list, hosts client and server) and give it with --expect",
      'hosts.server.checksum: host settings describe ENet hosts, which the proxy does not run (the real endpoints have their own); not used',
    ]);
    expect(proxy.lines.at(-1)).toMatchObject({ event: 'summary', reason: 'duration', seed: 3 });
  });

  test("--link and --link-down apply over the scenario's links", { timeout: 20_000 }, async () => {
    const file = writeScenario('name: lossy\nduration: 100ms\nhosts: { server: {}, client: {} }\nlinks:\n  client<->server: { latency: 20ms, loss: 10% }\n');
    const proxy = startProxyCommand({ to: '127.0.0.1:7777', scenario: file, link: 'loss: 0%', linkDown: 'latency: 5ms' });
    expect(await proxy.done).toBe(0);
    expect(proxy.lines[0]).toMatchObject({ event: 'listening', linkUp: { latencyMs: 20, loss: { model: 'bernoulli', percent: 0 } }, linkDown: { latencyMs: 5, loss: { model: 'bernoulli', percent: 0 } } });
  });

  test('a scenario with an action the proxy cannot run exits 2 with its file:line:col, from the built command line', () => {
    const file = writeScenario('name: bad\nduration: 5s\nhosts: { server: {}, client: {} }\ntimeline:\n  - at: 1s\n    crash: { host: server }\n');
    const result = spawnSync(process.execPath, [CLI_PATH, 'proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:7777', '--scenario', file], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}:6:5 'crash' acts on an ENet host, which the proxy does not run`);
    expect(result.stderr).toContain('enetsim proxy: 1 problem in --scenario; nothing was run');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('a scenario the loader refuses (a misspelled key) exits 2 with the loader\'s located message', async () => {
    const file = writeScenario('name: typo\nduration: 5s\nhosts: { server: {}, client: {} }\nlinks:\n  client<->server: { latncy: 20ms }\n');
    const proxy = startProxyCommand({ to: '127.0.0.1:7777', scenario: file });
    expect(await proxy.done).toBe(2);
    expect(proxy.stderr()).toContain(`${file}:5:22 unknown key 'latncy' (did you mean 'latency'?)`);
    expect(proxy.lines).toEqual([]);
  });
});

/** One HTTP request with exactly the headers given (fetch would add or forbid some), over a raw socket. */
async function rawHttp(port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), 'Content-Length: 0', 'Connection: close', '', ''];
      socket.write(lines.join('\r\n'));
    });
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', reject);
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
  });
}

async function http(method: string, url: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method, ...(body !== undefined ? { body } : {}) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Resolves once the asynchronous `predicate` holds, checking every 10 ms; false after `timeoutMs`. */
async function eventuallyAsync(predicate: () => Promise<boolean>, timeoutMs = PATIENCE_MS): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe('enetsim proxy --control', () => {
  test('a request a web page could make (an Origin header, or another Host name through DNS rebinding) is refused with 403 and changes nothing', { timeout: 30_000 }, async () => {
    const server = await echoSocket();
    const proxy = startProxyCommand({ to: `127.0.0.1:${server.port}`, control: '127.0.0.1:0' });
    const base = (await lineOf(proxy.lines, (line) => line.event === 'control'))['url'] as string;
    const port = new URL(base).port;
    const request = (headers: Record<string, string>) => rawHttp(Number(port), 'POST', '/partition', headers);
    const fromPage = await request({ Host: `127.0.0.1:${port}`, Origin: 'https://example.com' });
    expect(fromPage.status).toBe(403);
    expect(fromPage.body).toContain('requests from a web page are refused (Origin: https://example.com)');
    const rebound = await request({ Host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain("Host 'attacker.example:");
    expect((await http('GET', `${base}network`)).json).toMatchObject({ up: { partitioned: false }, down: { partitioned: false } });
    // What a script sends is answered: curl names the address it was given, and localhost works too.
    expect((await request({ Host: `localhost:${port}` })).status).toBe(200);
    expect(await proxy.stop()).toBe(0);
    expect(proxy.lines.filter((line) => line.event === 'network')).toHaveLength(1);
  });

  test('the HTTP API partitions, heals and changes one direction while running; each change is printed and counted', { timeout: 30_000 }, async () => {
    const server = await echoSocket();
    const proxy = startProxyCommand({ to: `127.0.0.1:${server.port}`, control: '127.0.0.1:0' });
    const listening = await lineOf(proxy.lines, (line) => line.event === 'listening');
    const base = (await lineOf(proxy.lines, (line) => line.event === 'control'))['url'] as string;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const client = await rawSocket();
    const send = (text: string) => client.socket.send(text, listening['port'] as number, '127.0.0.1');
    send('one');
    expect(await eventually(() => client.received.length === 1)).toBe(true);

    expect((await http('POST', `${base}partition`)).status).toBe(200);
    send('cut');
    const droppedBy = async (reason: string) => ((await http('GET', `${base}summary`)).json['directions'] as Record<string, { dropped: Record<string, number> }>)['up']!.dropped[reason];
    expect(await eventuallyAsync(async () => (await droppedBy('partition')) === 1)).toBe(true);
    const healed = await http('POST', `${base}heal`);
    expect(healed.status).toBe(200);
    expect(healed.json).toMatchObject({ applied: 'heal client<->server', network: { up: { partitioned: false }, down: { partitioned: false } } });
    send('two');
    expect(await eventually(() => client.received.length === 2)).toBe(true);

    const lossUp = await http('POST', `${base}link/up`, 'loss: 100%');
    expect(lossUp.status).toBe(200);
    const network = (await http('GET', `${base}network`)).json as Record<'up' | 'down', { link: { loss?: unknown } }>;
    expect(network.up.link.loss).toEqual({ model: 'bernoulli', percent: 100 });
    expect(network.down.link.loss).toBeUndefined();
    send('lost');
    expect(await eventuallyAsync(async () => (await droppedBy('loss')) === 1)).toBe(true);
    expect(server.received).toEqual(['one', 'two']);

    expect(await proxy.stop()).toBe(0);
    const printed = proxy.lines.filter((line) => line.event === 'network').map((line) => [line['source'], line['action']]);
    expect(printed).toEqual([
      ['control', 'partition client<->server'],
      ['control', 'heal client<->server'],
      ['control', 'link client->server loss: 100%'],
    ]);
    expect(proxy.lines.at(-1)).toMatchObject({ event: 'summary', network: { changes: { timeline: 0, control: 3 } } });
  });

  test('hold keeps what the client sends, losing none, and release forwards it in order', { timeout: 20_000 }, async () => {
    const server = await echoSocket();
    const proxy = startProxyCommand({ to: `127.0.0.1:${server.port}`, control: '127.0.0.1:0' });
    const listening = await lineOf(proxy.lines, (line) => line.event === 'listening');
    const base = (await lineOf(proxy.lines, (line) => line.event === 'control'))['url'] as string;
    const client = await rawSocket();
    const held = await http('POST', `${base}hold?direction=up`);
    expect(held).toMatchObject({ status: 200, json: { applied: 'hold client->server', network: { up: { held: true }, down: { held: false } } } });
    for (const text of ['first', 'second', 'third']) client.socket.send(text, listening['port'] as number, '127.0.0.1');
    expect(await eventuallyAsync(async () => ((await http('GET', `${base}summary`)).json['directions'] as Record<string, { datagramsIn: number }>)['up']!.datagramsIn === 3)).toBe(true);
    expect(server.received).toEqual([]);
    expect((await http('POST', `${base}release?direction=up`)).status).toBe(200);
    expect(await eventually(() => client.received.length === 3)).toBe(true);
    expect(server.received).toEqual(['first', 'second', 'third']);
    expect(await proxy.stop()).toBe(0);
    const summary = proxy.lines.at(-1)!;
    const up = (summary['directions'] as Record<string, { datagramsOut: number; dropped: Record<string, number> }>)['up']!;
    expect(up.datagramsOut).toBe(3);
    expect(Object.values(up.dropped).reduce((sum, count) => sum + count, 0)).toBe(0);
    expect(summary).toMatchObject({ network: { changes: { control: 2 }, up: { held: false } } });
  });

  test('bad requests get 400 (or 404, 405) with a clear message and change nothing', { timeout: 20_000 }, async () => {
    const proxy = startProxyCommand({ to: '127.0.0.1:7777', control: '127.0.0.1:0' });
    const base = (await lineOf(proxy.lines, (line) => line.event === 'control'))['url'] as string;
    const noUnit = await http('POST', `${base}link`, 'latency: 80');
    expect(noUnit.status).toBe(400);
    expect(noUnit.json['error']).toContain('write "80ms"');
    expect(await http('POST', `${base}link`, '')).toMatchObject({ status: 400, json: { error: expect.stringContaining('the body is empty') } });
    expect(await http('POST', `${base}link?ramp=soon`, 'latency: 80ms')).toMatchObject({ status: 400, json: { error: expect.stringContaining('ramp:') } });
    expect(await http('POST', `${base}partition?direction=left`)).toMatchObject({ status: 400, json: { error: "direction must be up (client→server), down (server→client) or both, got 'left'" } });
    expect(await http('GET', `${base}partition`)).toMatchObject({ status: 405 });
    expect(await http('GET', `${base}nowhere`)).toMatchObject({ status: 404, json: { error: expect.stringContaining('GET / lists them') } });
    expect((await http('GET', base)).json['endpoints']).toHaveProperty(['POST /link']);
    expect(await proxy.stop()).toBe(0);
    expect(proxy.lines.filter((line) => line.event === 'network')).toEqual([]);
    expect(proxy.lines.at(-1)).toMatchObject({ event: 'summary', network: { changes: { timeline: 0, control: 0 } } });
  });

  test('--control on an address beyond loopback is refused unless --control-allow-remote', async () => {
    const proxy = startProxyCommand({ to: '127.0.0.1:7777', control: '0.0.0.0:0' });
    expect(await proxy.done).toBe(2);
    expect(proxy.stderr()).toContain('--control 0.0.0.0:0 is not a loopback address');
    expect(proxy.stderr()).toContain('--control-allow-remote');
    expect(proxy.lines).toEqual([]);
  });
});

describe('Ctrl-C', () => {
  test('SIGINT to the built command prints the session summary (with the scenario changes so far) and exits 0', { timeout: 20_000 }, async () => {
    const file = writeScenario('name: cut at once\nduration: 60s\nhosts: { server: {}, client: {} }\ntimeline:\n  - at: 0s\n    partition: { from: client, to: server }\n');
    const child = spawn(process.execPath, [CLI_PATH, 'proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:7777', '--scenario', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(await eventually(() => /timeline \d+ ms {2}partition client->server/.test(stdout), 10_000)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/\nsummary \(interrupt\): \d+ ms, 0 clients, seed 1\n/);
    expect(stdout).toContain('  network changes: timeline 1, control 0; partitioned at the end: client→server\n');
  });
});
