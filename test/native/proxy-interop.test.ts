// Real ENet peers talking through `enetsim proxy`: libenet 1.3.17 (native/udp-peer.c, its own sockets and
// clock) and the npm `enet` package (ENet 1.3.5 compiled to JavaScript, test/support/npm-enet-peer.cjs in
// a child process). The built command line runs the proxy in one case, UdpProxy in-process in the others.
// The exchange must succeed, and the proxy's passive RTT must agree with what ENet itself reports
// (PEER_ROUND_TRIP_TIME) within bounds derived in test/support/rtt-bounds.ts and docs/proxy.md.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';

import { proxyLinks } from '../../src/cli/commands/proxy.js';
import { PacketFlag } from '../../src/enet/constants.js';
import { Host } from '../../src/enet/host.js';
import { updateRoundTripTime } from '../../src/enet/protocol-receive.js';
import { UdpProxy, type ProxySummary } from '../../src/native/proxy.js';
import { UdpPeerProcess, scriptArgument, type ScriptEntry, type UdpPeerLine } from '../../src/native/udp-peer.js';
import { ProxyCli } from '../support/proxy-cli.js';
import { enetRttBounds } from '../support/rtt-bounds.js';
import { describeWithUdpPeer } from './udp-peer-vitest.js';

/** 60 reliable packets, one every 25 ms, alternating two channels: a steady flow with an RTT sample per packet. */
const SCRIPT: ScriptEntry[] = Array.from({ length: 60 }, (_, index) => ({ channelID: index % 2, flags: PacketFlag.reliable, sizeBytes: 40 + ((index * 17) % 200) }));
const SEND_INTERVAL_MS = 25;
const LATENCY_MS = 40;
/**
 * Time inside libenet's RTT sample but outside the proxy's interval: two loopback hops, the proxy's event
 * loop reading a datagram late, the C peer noticing the ACK late (it services with 2 ms waits that wake
 * on a datagram). Not measured apart; 10 ms leaves room for a process descheduled on a shared machine.
 * The only allowance not derived from ENet's arithmetic.
 */
const OUTSIDE_ALLOWANCE_MS = 10;
const TIMEOUT_MS = 30_000;
const NPM_ENET_PEER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../support/npm-enet-peer.cjs');
/** The npm enet peer services its host every 2 ms: it may read an ACK up to that much late, an extra allowance. */
const NPM_ENET_POLL_MS = 2;
/** ENet 1.3.5 starts every peer's smoothed RTT at 500 ms (ENET_PEER_DEFAULT_ROUND_TRIP_TIME) and does not replace it with the first sample. */
const ENET_1_3_5_START_RTT_MS = 500;

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function startServer(binaryPath: string): Promise<{ server: UdpPeerProcess; port: number }> {
  const server = new UdpPeerProcess(binaryPath, ['server', '--port', '0', '--exit-after-disconnects', '1', '--duration-ms', String(TIMEOUT_MS)]);
  cleanup.push(() => server.stop());
  const listening = await server.waitForLine((line) => line.event === 'listening', 5000);
  return { server, port: listening['port'] as number };
}

async function runClient(binaryPath: string, proxyPort: number): Promise<UdpPeerLine> {
  const client = new UdpPeerProcess(binaryPath, [
    'client', '--port', String(proxyPort), '--channels', '2', '--disconnect-data', '77',
    '--script', scriptArgument(SCRIPT), '--send-interval-ms', String(SEND_INTERVAL_MS), '--timeout-ms', '20000', '--grace-ms', '1200',
  ]);
  cleanup.push(() => client.stop());
  return client.waitForLine((line) => line.event === 'result', TIMEOUT_MS);
}

/** Checks the exchange and the two RTTs (client's commands: `up`; server's echoes: `down`). */
function checkThroughProxy(summary: ProxySummary, result: UdpPeerLine, server: UdpPeerProcess, lossy: boolean): void {
  expect(result).toMatchObject({ ok: true, reliableExpected: SCRIPT.length, reliableReceived: SCRIPT.length, corrupt: 0, duplicates: 0, inOrder: true, disconnected: true });
  const received = server.lines.filter((line) => line.event === 'receive');
  expect(received).toHaveLength(SCRIPT.length);
  expect(summary.clients).toBe(1);
  const connection = summary.connections[0]!;
  expect(connection.enet.connectSeen && connection.enet.verifyConnectSeen).toBe(true);
  expect(connection.enet.disconnects.map((entry) => [entry.direction, entry.data])).toEqual([['up', 77]]);
  // Each packet at least once per channel: libenet sends copies again after loss, or when a descheduled
  // proxy holds an ACK past the retransmission timeout even on a clean link (so no exact count here).
  const sentReliable = connection.enet.commands.up['SEND_RELIABLE']!;
  expect(sentReliable['0']!).toBeGreaterThanOrEqual(30);
  expect(sentReliable['1']!).toBeGreaterThanOrEqual(30);
  if (lossy) expect(connection.enet.retransmissions.up + connection.enet.retransmissions.down).toBeGreaterThan(0);

  const rtt = connection.enet.rtt;
  // The client's ENet, read just before it disconnected, against the proxy's timing of the client's commands.
  const clientRttMs = result['roundTripTime'] as number;
  const clientBounds = enetRttBounds(rtt.up, { startRttMs: null, samplesAtLeast: 0, outsideAllowanceMs: OUTSIDE_ALLOWANCE_MS });
  const clientReport = `client libenet RTT ${clientRttMs} ms; proxy ${JSON.stringify(rtt.up)}; bounds ${JSON.stringify(clientBounds)}`;
  expect(clientRttMs, clientReport).toBeGreaterThanOrEqual(clientBounds.lowMs);
  expect(clientRttMs, clientReport).toBeLessThanOrEqual(clientBounds.highMs);
  // Both link delays are in every sample: never below 2 × latency (minus ENet's whole-ms clock).
  expect(rtt.up.minMs!).toBeGreaterThanOrEqual(2 * LATENCY_MS);
  expect(clientRttMs).toBeGreaterThanOrEqual(2 * LATENCY_MS - 1);
  // The server's ENet, as of its last receive, against the proxy's timing of the server's echoes.
  const serverRttMs = received.at(-1)!['roundTripTime'] as number;
  const serverBounds = enetRttBounds(rtt.down, { startRttMs: null, samplesAtLeast: 0, outsideAllowanceMs: OUTSIDE_ALLOWANCE_MS });
  const serverReport = `server libenet RTT ${serverRttMs} ms; proxy ${JSON.stringify(rtt.down)}; bounds ${JSON.stringify(serverBounds)}`;
  expect(serverRttMs, serverReport).toBeGreaterThanOrEqual(serverBounds.lowMs);
  expect(serverRttMs, serverReport).toBeLessThanOrEqual(serverBounds.highMs);
  console.info(`[proxy-interop] ${clientReport}\n[proxy-interop] ${serverReport}`);
}

describe('the RTT bounds', () => {
  // The derivation, checked against ENet's own smoothing (the port's updateRoundTripTime): the sender's
  // sample for a command the proxy timed at p ms is floor(f + p + h) with f ∈ [0, 1) its clock's phase
  // and h ∈ [0, allowance] the time outside the proxy's interval.
  const sample = fc.record({ proxyMs: fc.double({ min: 1, max: 400, noNaN: true }), outsideMs: fc.double({ min: 0, max: OUTSIDE_ALLOWANCE_MS, noNaN: true }), phase: fc.double({ min: 0, max: 0.999, noNaN: true }) });
  for (const startRttMs of [null, ENET_1_3_5_START_RTT_MS]) {
    test(`ENet's smoothed RTT stays within the bounds for any samples (${startRttMs === null ? 'libenet 1.3.17: the first sample replaces the start' : 'ENet 1.3.5: smoothing from 500 ms'})`, () => {
      fc.assert(
        fc.property(fc.array(sample, { minLength: 1, maxLength: 300 }), (samples) => {
          const peer = new Host({ peerCount: 1, randomSeed: 1, profile: '1.3.17' }).peers[0]!;
          if (startRttMs !== null) {
            peer.roundTripTime = startRttMs;
            peer.lastReceiveTime = 1;
          }
          samples.forEach((entry, index) => updateRoundTripTime(peer, Math.max(1, Math.floor(entry.phase + entry.proxyMs + entry.outsideMs)), 1000 + index));
          const proxyMs = samples.map((entry) => entry.proxyMs);
          const summary = { count: samples.length, meanMs: null, minMs: Math.min(...proxyMs), maxMs: Math.max(...proxyMs) };
          const bounds = enetRttBounds(summary, { startRttMs, samplesAtLeast: samples.length, outsideAllowanceMs: OUTSIDE_ALLOWANCE_MS });
          return peer.roundTripTime >= bounds.lowMs && peer.roundTripTime <= bounds.highMs;
        }),
        { numRuns: 2000 },
      );
    });
  }

  test('the bounds are tight enough to catch a proxy that timed one way instead of the round trip', () => {
    // Samples of 80 ms timed by a proxy that saw only 40: ENet's RTT of 80 is above the upper bound.
    const bounds = enetRttBounds({ count: 60, meanMs: 40, minMs: 39, maxMs: 42 }, { startRttMs: null, samplesAtLeast: 0, outsideAllowanceMs: OUTSIDE_ALLOWANCE_MS });
    expect(bounds.highMs).toBeLessThan(80);
  });
});

describeWithUdpPeer('libenet peers through enetsim proxy', (binaryPath) => {
  test(`through the built command line, latency ${LATENCY_MS} ms each way: every echo arrives and libenet's own RTT agrees with the proxy's within the derived bounds`, { timeout: TIMEOUT_MS + 10_000 }, async () => {
    const { server, port } = await startServer(binaryPath);
    const proxy = new ProxyCli(['--to', `127.0.0.1:${port}`, '--link', `latency: ${LATENCY_MS}ms`, '--seed', '3']);
    cleanup.push(() => proxy.kill());
    const proxyPort = await proxy.port(10_000);
    const result = await runClient(binaryPath, proxyPort);
    await server.waitForLine((line) => line.event === 'exit', 10_000);
    const { code, summary } = await proxy.stop();
    expect(code).toBe(0);
    expect(summary.reason).toBe('interrupt');
    expect(summary.directions.up.dropped.loss + summary.directions.down.dropped.loss).toBe(0);
    checkThroughProxy(summary, result, server, false);
  });

  test(`in-process proxy, latency ${LATENCY_MS} ms and loss 2% each way: libenet retransmits, every echo arrives once and in order, and the RTTs still agree`, { timeout: TIMEOUT_MS + 10_000 }, async () => {
    const { server, port } = await startServer(binaryPath);
    const links = proxyLinks({ link: `latency: ${LATENCY_MS}ms, loss: 2%`, linkUp: null, linkDown: null, preset: null });
    if (!links.ok) throw new Error(links.message);
    // With seed 5 this exchange loses datagrams (checked below, so a change that stops losing is noticed).
    const proxy = await UdpProxy.open({ listen: { port: 0 }, target: { address: '127.0.0.1', port }, linkUp: links.value.up, linkDown: links.value.down, seed: 5 });
    cleanup.push(() => proxy.close());
    const result = await runClient(binaryPath, proxy.localAddress.port);
    await server.waitForLine((line) => line.event === 'exit', 10_000);
    const summary = proxy.summary();
    expect(summary.directions.up.dropped.loss + summary.directions.down.dropped.loss).toBeGreaterThan(0);
    checkThroughProxy(summary, result, server, true);
  });
});

/** The npm enet peer as a child process (node with its warnings off), read like the C peer: JSON lines. */
function npmEnetPeer(args: readonly string[]): UdpPeerProcess {
  const peer = new UdpPeerProcess(process.execPath, ['--no-warnings', NPM_ENET_PEER, ...args, '--poll-ms', String(NPM_ENET_POLL_MS)]);
  cleanup.push(() => peer.stop());
  return peer;
}

async function openProxy(serverPort: number, link: string, seed: number): Promise<UdpProxy> {
  const links = proxyLinks({ link, linkUp: null, linkDown: null, preset: null });
  if (!links.ok) throw new Error(links.message);
  const proxy = await UdpProxy.open({ listen: { port: 0 }, target: { address: '127.0.0.1', port: serverPort }, linkUp: links.value.up, linkDown: links.value.down, seed });
  cleanup.push(() => proxy.close());
  return proxy;
}

/**
 * The npm enet client's RTT (ENet 1.3.5) against the proxy's timing of its commands. It read its RTT
 * before disconnecting, so of the ACKs the proxy timed, the DISCONNECT's came after the read and one more
 * may have been forwarded but not yet serviced: at least count − 2 samples were in it.
 */
function checkNpmClientRtt(summary: ProxySummary, result: UdpPeerLine): void {
  const rtt = summary.connections[0]!.enet.rtt.up;
  const clientRtt = result['rtt'] as { roundTripTime?: number; error?: string };
  expect(clientRtt.error).toBeUndefined();
  const bounds = enetRttBounds(rtt, { startRttMs: ENET_1_3_5_START_RTT_MS, samplesAtLeast: rtt.count - 2, outsideAllowanceMs: OUTSIDE_ALLOWANCE_MS + NPM_ENET_POLL_MS });
  const report = `npm enet client RTT ${clientRtt.roundTripTime} ms; proxy ${JSON.stringify(rtt)}; bounds ${JSON.stringify(bounds)}`;
  expect(clientRtt.roundTripTime!, report).toBeGreaterThanOrEqual(bounds.lowMs);
  expect(clientRtt.roundTripTime!, report).toBeLessThanOrEqual(bounds.highMs);
  console.info(`[proxy-interop] ${report}`);
}

const NPM_COUNT = 60;

describe('npm enet (ENet 1.3.5 in JavaScript) through enetsim proxy', () => {
  test(`npm enet client and server, latency ${LATENCY_MS} ms and loss 2% each way: every echo arrives in order, the disconnect data passes, and the client's RTT agrees with the proxy's`, { timeout: TIMEOUT_MS + 10_000 }, async () => {
    const server = npmEnetPeer(['server']);
    const port = (await server.waitForLine((line) => line.event === 'listening', 10_000))['port'] as number;
    const proxy = await openProxy(port, `latency: ${LATENCY_MS}ms, loss: 2%`, 5);
    const client = npmEnetPeer(['client', '--port', String(proxy.localAddress.port), '--count', String(NPM_COUNT), '--interval-ms', String(SEND_INTERVAL_MS), '--disconnect-data', '31']);
    const result = await client.waitForLine((line) => line.event === 'result', TIMEOUT_MS);
    expect(result).toMatchObject({ ok: true, sent: NPM_COUNT, echoed: NPM_COUNT, inOrder: true });
    await server.waitForLine((line) => line.event === 'disconnect', 10_000);
    expect(server.lines.filter((line) => line.event === 'receive')).toHaveLength(NPM_COUNT);
    const summary = proxy.summary();
    expect(summary.directions.up.dropped.loss + summary.directions.down.dropped.loss).toBeGreaterThan(0);
    const enet = summary.connections[0]!.enet;
    expect(enet.connectSeen && enet.verifyConnectSeen).toBe(true);
    expect(enet.disconnects.map((entry) => [entry.direction, entry.data])).toEqual([['up', 31]]);
    checkNpmClientRtt(summary, result);
  });
});

describeWithUdpPeer('npm enet client and libenet server through enetsim proxy', (binaryPath) => {
  test(`latency ${LATENCY_MS} ms each way: every echo arrives, and both ENets' RTTs agree with the proxy's`, { timeout: TIMEOUT_MS + 10_000 }, async () => {
    const { server, port } = await startServer(binaryPath);
    const proxy = await openProxy(port, `latency: ${LATENCY_MS}ms`, 9);
    const client = npmEnetPeer(['client', '--port', String(proxy.localAddress.port), '--count', String(NPM_COUNT), '--interval-ms', String(SEND_INTERVAL_MS), '--disconnect-data', '32']);
    const result = await client.waitForLine((line) => line.event === 'result', TIMEOUT_MS);
    expect(result).toMatchObject({ ok: true, sent: NPM_COUNT, echoed: NPM_COUNT, inOrder: true });
    await server.waitForLine((line) => line.event === 'exit', 10_000);
    const received = server.lines.filter((line) => line.event === 'receive');
    expect(received).toHaveLength(NPM_COUNT);
    expect(server.lines.find((line) => line.event === 'disconnect')).toMatchObject({ data: 32 });
    const summary = proxy.summary();
    checkNpmClientRtt(summary, result);
    const rtt = summary.connections[0]!.enet.rtt.down;
    const serverRttMs = received.at(-1)!['roundTripTime'] as number;
    const bounds = enetRttBounds(rtt, { startRttMs: null, samplesAtLeast: 0, outsideAllowanceMs: OUTSIDE_ALLOWANCE_MS });
    const report = `libenet server RTT ${serverRttMs} ms; proxy ${JSON.stringify(rtt)}; bounds ${JSON.stringify(bounds)}`;
    expect(serverRttMs, report).toBeGreaterThanOrEqual(bounds.lowMs);
    expect(serverRttMs, report).toBeLessThanOrEqual(bounds.highMs);
    console.info(`[proxy-interop] ${report}`);
  });
});
