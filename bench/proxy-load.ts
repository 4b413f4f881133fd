// `npm run bench:proxy`: load and accuracy of the real-time proxy (src/native/proxy.ts).
//
//   npm run bench:proxy -- [--rates 1000,10000] [--clients 100] [--seconds 10] [--warmup-seconds 2]
//                          [--link 'latency: 20ms, jitter: 5ms'] [--json FILE]
//
// For each rate, a fresh proxy process (bench/proxy-load-child.mjs: one UdpProxy from the built dist/,
// plain Node, nothing else; run `npm run build` first) forwards to a sink socket in this process, and this process is the load
// generator: `--clients` UDP sockets, each a separate client of the proxy, send 110-byte ENet datagrams
// (one SEND_UNRELIABLE command with 100 bytes, so the proxy's passive decoding runs as on real traffic)
// round-robin at `rate` datagrams per second in total, client→server only. Figures:
//
// - forwarding error: the proxy's own accuracy (actual send time − intended time) over every datagram
//   of the run, warm-up included;
// - CPU per forwarded datagram: the proxy process's user + system CPU (process.cpuUsage) over the
//   measurement window (after the warm-up), divided by the datagrams it forwarded in that window. It
//   includes everything that process does: the socket reads and writes, the link model, the ENet
//   reading, the timer heap, Node's event loop and garbage collection; not the generator or the sink;
// - memory of the proxy process at the end of the window: RSS, V8 heap used, and peak RSS;
// - the generator's own CPU per datagram sent (sending, and receiving at the sink), for scale.
import { fork } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { ProxySummary } from '../src/native/proxy.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const childPath = path.join(projectRoot, 'bench/proxy-load-child.mjs');

/** What the proxy process (bench/proxy-load-child.mjs) reports. */
interface ProxyReady {
  type: 'ready';
  port: number;
}

interface ProxyMark {
  type: 'mark';
  /** process.cpuUsage() (user + system, µs) before and after taking the summary, whose sorting is not forwarding work. */
  cpuBeforeMicros: number;
  cpuAfterMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Peak RSS of the process so far (getrusage maxRSS). */
  peakRssBytes: number;
  datagramsIn: number;
  datagramsOut: number;
  clientsMapped: number;
}

interface ProxyStopped {
  type: 'stopped';
  summary: Omit<ProxySummary, 'connections'>;
}
const PAYLOAD_BYTES = 100;
/** The generator's tick: it sends what is due every tick, so its bursts are at most rate × tick. */
const TICK_MS = 2;

interface Options {
  rates: number[];
  clients: number;
  seconds: number;
  warmupSeconds: number;
  link: string;
  json: string | undefined;
}

export interface ProxyLoadResult {
  rateDatagramsPerSecond: number;
  clients: number;
  link: string;
  windowMs: number;
  sentInWindow: number;
  /** Datagrams the proxy read in the window (fewer than sent: the kernel dropped them at its socket). */
  readInWindow: number;
  forwardedInWindow: number;
  /** Over the whole run: sent by the generator, read by the proxy, forwarded, received at the sink. */
  totals: { sent: number; read: number; forwarded: number; sinkReceived: number };
  forwardingErrorMs: { count: number; p50: number | null; p99: number | null; max: number | null };
  proxyCpuMicrosPerDatagram: number;
  proxyCpuShare: number;
  proxyRssBytes: number;
  proxyHeapUsedBytes: number;
  proxyPeakRssBytes: number;
  /** The proxy process before any traffic. */
  idleRssBytes: number;
  idleHeapUsedBytes: number;
  generatorCpuMicrosPerDatagram: number;
  droppedByProxy: Record<string, number>;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rates: { type: 'string', default: '1000,10000' },
      clients: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '10' },
      'warmup-seconds': { type: 'string', default: '2' },
      link: { type: 'string', default: 'latency: 20ms, jitter: 5ms' },
      json: { type: 'string' },
    },
  });
  const rates = values.rates.split(',').map(Number);
  const clients = Number(values.clients);
  const seconds = Number(values.seconds);
  const warmupSeconds = Number(values['warmup-seconds']);
  if (rates.some((rate) => !Number.isFinite(rate) || rate <= 0)) fail(`--rates must be positive numbers, got '${values.rates}'`);
  if (!Number.isSafeInteger(clients) || clients < 1 || clients > 10_000) fail(`--clients must be a whole number 1..10000, got '${values.clients}'`);
  if (!(seconds > 0) || !(warmupSeconds >= 0)) fail('--seconds must be > 0 and --warmup-seconds ≥ 0');
  return { rates, clients, seconds, warmupSeconds, link: values.link, json: values.json };
}

function fail(message: string): never {
  process.stderr.write(`bench:proxy: ${message}\n`);
  process.exit(2);
}

/** An ENet datagram: header without sent time, one SEND_UNRELIABLE on channel 0 with `PAYLOAD_BYTES` bytes. */
function enetDatagram(sequence: number): Buffer {
  const bytes = Buffer.alloc(2 + 8 + PAYLOAD_BYTES, 0x5a);
  bytes.writeUInt16BE(0, 0);
  bytes[2] = 7;
  bytes[3] = 0;
  bytes.writeUInt16BE(0, 4);
  bytes.writeUInt16BE(sequence & 0xffff, 6);
  bytes.writeUInt16BE(PAYLOAD_BYTES, 8);
  return bytes;
}

async function bound(socket: dgram.Socket): Promise<number> {
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return socket.address().port;
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function runRate(options: Options, rate: number): Promise<ProxyLoadResult> {
  const sink = dgram.createSocket('udp4');
  let sinkReceived = 0;
  sink.on('message', () => (sinkReceived += 1));
  const sinkPort = await bound(sink);

  const child = fork(childPath, ['--to', String(sinkPort), '--link', options.link, '--max-clients', String(options.clients + 16)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<string, (message: unknown) => void>();
  child.on('message', (message: { type: string }) => waiting.get(message.type)?.(message));
  const next = <T>(type: string): Promise<T> => new Promise((resolve) => waiting.set(type, (message) => resolve(message as T)));
  const ready = await next<ProxyReady>('ready');
  // The proxy process before any traffic: Node and the modules loaded; the figures under load are beside it.
  child.send({ type: 'mark' });
  const idle = await next<ProxyMark>('mark');

  const clients: dgram.Socket[] = [];
  for (let index = 0; index < options.clients; index += 1) {
    const socket = dgram.createSocket('udp4');
    socket.on('error', () => undefined);
    await bound(socket);
    clients.push(socket);
  }
  const datagrams = Array.from({ length: 256 }, (_, sequence) => enetDatagram(sequence));

  let sent = 0;
  const startedAtMs = performance.now();
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - startedAtMs) * rate) / 1000);
    for (; sent < due; sent += 1) clients[sent % clients.length]!.send(datagrams[Math.floor(sent / clients.length) % 256]!, ready.port, '127.0.0.1');
  }, TICK_MS);

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(options.warmupSeconds * 1000);
  const loadAverageBefore = os.loadavg();
  const markAAtMs = performance.now();
  child.send({ type: 'mark' });
  const markA = await next<ProxyMark>('mark');
  const sentA = sent;
  const generatorCpuA = cpuMicros();
  await sleep(options.seconds * 1000);
  const markBAtMs = performance.now();
  child.send({ type: 'mark' });
  const markB = await next<ProxyMark>('mark');
  const sentB = sent;
  const generatorCpuB = cpuMicros();
  const loadAverageAfter = os.loadavg();
  clearInterval(ticker);
  await sleep(500);
  child.send({ type: 'stop' });
  const stopped = await next<ProxyStopped>('stopped');
  await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  for (const socket of clients) socket.close();
  sink.close();

  const forwardedInWindow = markB.datagramsOut - markA.datagramsOut;
  const windowMs = markBAtMs - markAAtMs;
  const proxyCpuMicros = markB.cpuBeforeMicros - markA.cpuAfterMicros;
  const accuracy = stopped.summary.accuracy;
  return {
    rateDatagramsPerSecond: rate,
    clients: options.clients,
    link: options.link,
    windowMs: Math.round(windowMs),
    sentInWindow: sentB - sentA,
    readInWindow: markB.datagramsIn - markA.datagramsIn,
    forwardedInWindow,
    totals: { sent, read: stopped.summary.directions.up.datagramsIn, forwarded: stopped.summary.directions.up.datagramsOut, sinkReceived },
    forwardingErrorMs: { count: accuracy.count, p50: accuracy.p50Ms, p99: accuracy.p99Ms, max: accuracy.maxMs },
    proxyCpuMicrosPerDatagram: round(proxyCpuMicros / Math.max(1, forwardedInWindow), 2),
    proxyCpuShare: round(proxyCpuMicros / 1000 / windowMs, 3),
    proxyRssBytes: markB.rssBytes,
    proxyHeapUsedBytes: markB.heapUsedBytes,
    proxyPeakRssBytes: markB.peakRssBytes,
    idleRssBytes: idle.rssBytes,
    idleHeapUsedBytes: idle.heapUsedBytes,
    generatorCpuMicrosPerDatagram: round((generatorCpuB - generatorCpuA) / Math.max(1, sentB - sentA), 2),
    droppedByProxy: Object.fromEntries(Object.entries(stopped.summary.directions.up.dropped).filter(([, count]) => count > 0)),
    loadAverageBefore: loadAverageBefore.map((value) => round(value, 2)),
    loadAverageAfter: loadAverageAfter.map((value) => round(value, 2)),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function render(result: ProxyLoadResult): string {
  const error = result.forwardingErrorMs;
  return [
    `rate ${result.rateDatagramsPerSecond}/s, ${result.clients} clients, link '${result.link}', window ${result.windowMs} ms (load average ${result.loadAverageBefore[0]} → ${result.loadAverageAfter[0]})`,
    `  in the window: sent ${result.sentInWindow}, read by the proxy ${result.readInWindow}, forwarded ${result.forwardedInWindow}; dropped by the proxy: ${JSON.stringify(result.droppedByProxy)}`,
    `  whole run: sent ${result.totals.sent}, read ${result.totals.read}, forwarded ${result.totals.forwarded}, received at the sink ${result.totals.sinkReceived}`,
    `  forwarding error (${error.count} datagrams): p50 ${error.p50} ms, p99 ${error.p99} ms, max ${error.max} ms`,
    `  proxy CPU: ${result.proxyCpuMicrosPerDatagram} µs per forwarded datagram (${(result.proxyCpuShare * 100).toFixed(1)}% of one core)`,
    `  proxy memory: RSS ${mib(result.proxyRssBytes)}, heap used ${mib(result.proxyHeapUsedBytes)}, peak RSS ${mib(result.proxyPeakRssBytes)} (before traffic: RSS ${mib(result.idleRssBytes)}, heap used ${mib(result.idleHeapUsedBytes)})`,
    `  generator (this process, not counted above): ${result.generatorCpuMicrosPerDatagram} µs CPU per datagram sent and received`,
  ].join('\n');
}

const options = parseOptions();
if (!fs.existsSync(path.join(projectRoot, 'dist/native/proxy.js'))) fail('dist/ is missing: run `npm run build` first (the proxy process runs the built code)');
process.stdout.write(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}\n`);
const results: ProxyLoadResult[] = [];
for (const rate of options.rates) {
  const result = await runRate(options, rate);
  results.push(result);
  process.stdout.write(`${render(result)}\n`);
}
if (options.json !== undefined) fs.writeFileSync(options.json, `${JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? null, node: process.version }, results }, null, 2)}\n`);
