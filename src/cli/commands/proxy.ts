// `enetsim proxy --listen A --to B`: a real-time UDP proxy that puts the project's link model between real ENet endpoints.
import type { Argv } from 'yargs';

import { resolveLinkConfig, type LinkConfig, type ResolvedLinkConfig } from '../../sim/link-config.js';
import { mergeLinkConfig } from '../../sim/network.js';
import { PROXY_DEFAULTS, PROXY_DIRECTIONS, UdpProxy, type ProxyEvent, type ProxySummary } from '../../native/proxy.js';
import { addressFamily, isLoopbackAddress, parseHostPort, resolveHostAddress, type SocketAddress } from '../../native/udp.js';
import { loadLinkFlag } from '../../scenario/load.js';
import { findPreset, LINK_PRESETS } from '../../scenario/presets.js';
import { formatProblem } from '../../scenario/source.js';
import { didYouMean, parseUnit } from '../../scenario/units.js';
import { EventPrinter, NetworkExitCode, aborted, formatEndpoint, usageError, type NetworkCommandContext, type NetworkIo } from './serve.js';
import { PROXY_COMMAND, PROXY_DESCRIPTION } from './network-commands.js';

/** Options of `enetsim proxy`, as given on the command line (links still text). */
export interface ProxyOptions {
  /** HOST:PORT to listen on; an IP literal (port 0 = any free one). */
  listen: string;
  /** HOST:PORT of the real server: IP literal or host name. */
  to: string;
  /** Both directions, then each direction over it: YAML flow mappings with scenario link keys; null = none. */
  link: string | null;
  linkUp: string | null;
  linkDown: string | null;
  /** A named preset under everything else; null = a perfect link. */
  preset: string | null;
  seed: number;
  /** Stop after this long ('60s'); null = until Ctrl-C. */
  duration: string | null;
  json: boolean;
  idleMs: number;
  maxClients: number;
  maxQueuedBytes: number;
}

export const PROXY_COMMAND_DEFAULTS: Omit<ProxyOptions, 'listen' | 'to'> = {
  link: null,
  linkUp: null,
  linkDown: null,
  preset: null,
  seed: 1,
  duration: null,
  json: false,
  idleMs: PROXY_DEFAULTS.idleMs,
  maxClients: PROXY_DEFAULTS.maxClients,
  maxQueuedBytes: PROXY_DEFAULTS.maxQueuedBytes,
};

type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

function linkFlag(flag: string, text: string | null): Checked<LinkConfig> {
  if (text === null) return { ok: true, value: {} };
  const loaded = loadLinkFlag(flag, text);
  if (!loaded.ok) return { ok: false, message: loaded.problems.map(formatProblem).join('\n') };
  return { ok: true, value: loaded.config };
}

/** The two resolved directions: preset, then --link, then --link-up / --link-down. */
export function proxyLinks(options: Pick<ProxyOptions, 'link' | 'linkUp' | 'linkDown' | 'preset'>): Checked<{ up: ResolvedLinkConfig; down: ResolvedLinkConfig }> {
  let base: LinkConfig = {};
  if (options.preset !== null) {
    const preset = findPreset(options.preset);
    if (preset === undefined) {
      const guess = didYouMean(options.preset, LINK_PRESETS.map((candidate) => candidate.name));
      return { ok: false, message: `--preset: unknown preset '${options.preset}'${guess !== null ? ` (did you mean '${guess}'?)` : ' (enetsim presets lists them)'}` };
    }
    base = structuredClone(preset.config);
  }
  const both = linkFlag('--link', options.link);
  if (!both.ok) return both;
  base = mergeLinkConfig(base, both.value);
  const resolved: Partial<Record<'up' | 'down', ResolvedLinkConfig>> = {};
  for (const [direction, flag, text] of [['up', '--link-up', options.linkUp], ['down', '--link-down', options.linkDown]] as const) {
    const own = linkFlag(flag, text);
    if (!own.ok) return own;
    const result = resolveLinkConfig(mergeLinkConfig(base, own.value));
    if (!result.ok) return { ok: false, message: `${flag}: ${result.errors.map((error) => `${error.path}: ${error.message}`).join('; ')}` };
    resolved[direction] = result.value;
  }
  return { ok: true, value: { up: resolved.up!, down: resolved.down! } };
}

function parseListen(text: string): Checked<SocketAddress> {
  // parseHostPort refuses port 0; the proxy may listen on any free port.
  const anyPort = /:0$/.test(text);
  const parsed = parseHostPort(anyPort ? `${text.slice(0, -1)}1` : text);
  if (!parsed.ok) return { ok: false, message: `--listen: ${parsed.reason}` };
  if (addressFamily(parsed.host) === null) return { ok: false, message: `--listen must be an IP address and port (127.0.0.1:7000 or [::1]:7000), got '${text}'` };
  return { ok: true, value: { address: parsed.host, port: anyPort ? 0 : parsed.port } };
}

function positiveInteger(flag: string, value: number): string | null {
  return Number.isSafeInteger(value) && value >= 1 ? null : `--${flag} must be a whole number ≥ 1, got ${value}`;
}

/** One line per direction: what the link does, in the scenario's words. */
function describeLink(config: ResolvedLinkConfig): string {
  const parts = [`latency ${config.latencyMs}ms`];
  if (config.jitter.ms > 0) parts.push(`jitter ${config.jitter.ms}ms ${config.jitter.distribution}`);
  if (config.loss.model === 'bernoulli') {
    if (config.loss.percent > 0) parts.push(`loss ${config.loss.percent}%`);
  } else parts.push(`loss ${config.loss.model}`);
  if (config.duplicate.percent > 0) parts.push(`duplicate ${config.duplicate.percent}%`);
  if (config.corrupt.percent > 0) parts.push(`corrupt ${config.corrupt.percent}%`);
  if (config.reorder.percent > 0) parts.push(`reorder ${config.reorder.percent}%`);
  if (config.mtuBytes !== null) parts.push(`mtu ${config.mtuBytes}B`);
  if (config.bandwidth !== null) parts.push(`bandwidth ${config.bandwidth.rateBitsPerSecond}bit/s`);
  return parts.join(', ');
}

function printEvent(printer: EventPrinter, event: ProxyEvent): void {
  switch (event.type) {
    case 'client':
      printer.line('client', { ...event, address: event.address.address, port: event.address.port }, `client ${event.client}  ${formatEndpoint(event.address)}  upstream port ${event.upstreamPort}`);
      break;
    case 'expired':
      printer.line('expired', { ...event, address: event.address.address, port: event.address.port }, `expired ${event.client}  ${formatEndpoint(event.address)}  (idle)`);
      break;
    case 'refused':
      printer.warning(`client ${formatEndpoint(event.address)} refused: ${event.maxClients} clients already mapped (--max-clients); further refusals are counted, not printed`);
      break;
    case 'handshake':
      printer.line('handshake', { ...event }, `enet ${event.client}  ${event.command} seen`);
      break;
    case 'disconnect':
      printer.line('disconnect', { ...event }, `enet ${event.client}  DISCONNECT ${event.direction === 'up' ? 'client→server' : 'server→client'}  data ${event.data}`);
      break;
  }
}

function nonZero(record: Record<string, number>): string {
  const entries = Object.entries(record).filter(([, count]) => count > 0);
  return entries.length === 0 ? 'none' : entries.map(([name, count]) => `${name} ${count}`).join(', ');
}

function printSummary(io: NetworkIo, printer: EventPrinter, json: boolean, reason: string, summary: ProxySummary): void {
  if (json) {
    printer.line('summary', { reason, ...summary }, '');
    return;
  }
  const lines = [`summary (${reason}): ${summary.durationMs} ms, ${summary.clients} client${summary.clients === 1 ? '' : 's'}, seed ${summary.seed}`];
  for (const direction of PROXY_DIRECTIONS) {
    const stats = summary.directions[direction];
    const name = direction === 'up' ? 'client→server' : 'server→client';
    lines.push(`  ${name}: in ${stats.datagramsIn} (${stats.bytesIn} B), out ${stats.datagramsOut} (${stats.bytesOut} B), delayed ${stats.delayed}, duplicated ${stats.duplicated}, corrupted ${stats.corrupted}, dropped: ${nonZero(stats.dropped)}`);
  }
  const accuracy = summary.accuracy;
  lines.push(accuracy.count === 0 ? '  accuracy: no datagram forwarded' : `  accuracy (send time − intended time, ${accuracy.count} datagrams): p50 ${accuracy.p50Ms} ms, p99 ${accuracy.p99Ms} ms, max ${accuracy.maxMs} ms`);
  for (const connection of summary.connections) {
    const enet = connection.enet;
    const handshake = enet.connectSeen ? (enet.verifyConnectSeen ? 'CONNECT and VERIFY_CONNECT seen' : 'CONNECT seen, no VERIFY_CONNECT') : 'no CONNECT seen';
    lines.push(`  client ${connection.client} ${formatEndpoint(connection)}: ${handshake}; retransmissions up ${enet.retransmissions.up}, down ${enet.retransmissions.down}${enet.undecoded > 0 ? `; ${enet.undecoded} datagrams not decoded` : ''}`);
    for (const direction of PROXY_DIRECTIONS) {
      const rtt = enet.rtt[direction];
      const who = direction === 'up' ? 'client' : 'server';
      if (rtt.count > 0) lines.push(`    rtt of ${who}'s reliable commands: mean ${rtt.meanMs} ms, min ${rtt.minMs} ms, max ${rtt.maxMs} ms (${rtt.count})`);
      const commands = Object.entries(enet.commands[direction]).map(([command, channels]) => `${command} ${Object.entries(channels).map(([channel, count]) => `${channel}:${count}`).join(' ')}`);
      if (commands.length > 0) lines.push(`    ${who} sent (command channel:count): ${commands.join(', ')}`);
    }
    for (const disconnect of enet.disconnects) lines.push(`    DISCONNECT ${disconnect.direction === 'up' ? 'client→server' : 'server→client'} data ${disconnect.data} at ${disconnect.atMs} ms`);
  }
  if (summary.connectionsOmitted > 0) lines.push(`  ${summary.connectionsOmitted} older closed connections not described (the summary keeps the open ones and the latest closed ones)`);
  io.stdout(`${lines.join('\n')}\n`);
}

/**
 * Runs `enetsim proxy` until `signal` aborts (Ctrl-C, SIGTERM) or `--duration` passes, then prints the
 * summary and returns 0. Returns 2 with a message naming the flag for bad input, 1 when a socket
 * cannot be bound or the target cannot be resolved.
 */
export async function proxyCommand(options: ProxyOptions, io: NetworkIo, signal: AbortSignal): Promise<number> {
  const listen = parseListen(options.listen);
  if (!listen.ok) return usageError(io, 'proxy', listen.message);
  const to = parseHostPort(options.to);
  if (!to.ok) return usageError(io, 'proxy', `--to: ${to.reason}`);
  const links = proxyLinks(options);
  if (!links.ok) return usageError(io, 'proxy', links.message);
  for (const [flag, value] of [['idle-ms', options.idleMs], ['max-clients', options.maxClients], ['max-queued-bytes', options.maxQueuedBytes]] as const) {
    const problem = positiveInteger(flag, value);
    if (problem !== null) return usageError(io, 'proxy', problem);
  }
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) return usageError(io, 'proxy', `--seed must be a whole number ≥ 0, got ${options.seed}`);
  let durationMs: number | null = null;
  if (options.duration !== null) {
    const parsed = parseUnit('duration', options.duration);
    if (!parsed.ok) return usageError(io, 'proxy', `--duration: ${parsed.message}`);
    durationMs = parsed.value;
  }
  const target = await resolveHostAddress(to.host);
  if (!target.ok) {
    if (target.notFound) return usageError(io, 'proxy', `--to: ${target.reason}`);
    io.stderr(`enetsim proxy: ${target.reason}\n`);
    return NetworkExitCode.failed;
  }
  const printer = new EventPrinter(io, options.json, 0);
  let proxy: UdpProxy;
  try {
    proxy = await UdpProxy.open({
      listen: listen.value,
      target: { address: target.address, port: to.port },
      linkUp: links.value.up,
      linkDown: links.value.down,
      seed: options.seed,
      idleMs: options.idleMs,
      maxClients: options.maxClients,
      maxQueuedBytes: options.maxQueuedBytes,
      onEvent: (event) => printEvent(printer, event),
    });
  } catch (error) {
    io.stderr(`enetsim proxy: ${(error as Error).message}\n`);
    return NetworkExitCode.failed;
  }
  const local = proxy.localAddress;
  const targetAddress = { address: target.address, port: to.port };
  printer.line(
    'listening',
    { address: local.address, port: local.port, to: targetAddress, seed: options.seed, linkUp: links.value.up, linkDown: links.value.down, idleMs: options.idleMs, maxClients: options.maxClients, maxQueuedBytes: options.maxQueuedBytes },
    `proxy listening on ${formatEndpoint(local)} → ${formatEndpoint(targetAddress)} (seed ${options.seed})\n  client→server: ${describeLink(links.value.up)}\n  server→client: ${describeLink(links.value.down)}`,
  );
  if (!isLoopbackAddress(local.address)) printer.warning('listening beyond loopback: anyone who can reach this address can use the proxy');
  let reason = 'interrupt';
  let timer: NodeJS.Timeout | null = null;
  const finished = durationMs === null ? null : new Promise<void>((resolve) => (timer = setTimeout(() => { reason = 'duration'; resolve(); }, durationMs)));
  await Promise.race([aborted(signal), ...(finished === null ? [] : [finished])]);
  if (timer !== null) clearTimeout(timer);
  const summary = proxy.summary();
  await proxy.close();
  printSummary(io, printer, options.json, reason, summary);
  return NetworkExitCode.ok;
}

/** Adds `proxy` to a yargs parser. */
export function registerProxyCommand<T>(parser: Argv<T>, context: NetworkCommandContext): Argv<T> {
  const d = PROXY_COMMAND_DEFAULTS;
  return parser.command(
    PROXY_COMMAND,
    PROXY_DESCRIPTION,
    (command) =>
      command
        .option('listen', { type: 'string', demandOption: true, describe: 'HOST:PORT clients send to (an IP address; loopback unless you name another; port 0 = any free one)' })
        .option('to', { type: 'string', demandOption: true, describe: 'HOST:PORT of the real ENet server' })
        .option('link', { type: 'string', describe: "both directions, as a scenario link: 'latency: 80ms, jitter: 20ms, loss: 2%'" })
        .option('link-up', { type: 'string', describe: 'client→server only, over --link' })
        .option('link-down', { type: 'string', describe: 'server→client only, over --link' })
        .option('preset', { type: 'string', describe: 'start from a named preset (enetsim presets), under --link' })
        .option('seed', { type: 'number', default: d.seed, describe: 'seed of the link decisions (printed; same seed and same arrivals, same fates)' })
        .option('duration', { type: 'string', describe: "stop after this long ('60s'); default: until Ctrl-C" })
        .option('json', { type: 'boolean', default: d.json, describe: 'print JSON lines instead of text' })
        .option('idle-ms', { type: 'number', default: d.idleMs, describe: 'forget a client silent this long (both ways)' })
        .option('max-clients', { type: 'number', default: d.maxClients, describe: 'clients mapped at once; datagrams from more are dropped' })
        .option('max-queued-bytes', { type: 'number', default: d.maxQueuedBytes, describe: 'bytes held for delay at once; more are dropped' }),
    async (args) => {
      if (context.usageFailed?.() === true) return;
      const signal = context.interruptSignal();
      const code = await proxyCommand(
        {
          listen: args.listen,
          to: args.to,
          link: args.link ?? null,
          linkUp: args['link-up'] ?? null,
          linkDown: args['link-down'] ?? null,
          preset: args.preset ?? null,
          seed: args.seed,
          duration: args.duration ?? null,
          json: args.json,
          idleMs: args['idle-ms'],
          maxClients: args['max-clients'],
          maxQueuedBytes: args['max-queued-bytes'],
        },
        context.io,
        signal,
      );
      context.setExitCode(code);
    },
  );
}
