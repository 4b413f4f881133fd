// `enetsim proxy --listen A --to B`: a real-time UDP proxy that puts the project's link model between real ENet endpoints.
import type { Argv } from 'yargs';

import { resolveLinkConfig, type LinkConfig, type ResolvedLinkConfig } from '../../sim/link-config.js';
import { mergeLinkConfig } from '../../sim/network.js';
import { GODOT_COMPRESSION_MODE_NAMES } from '../../enet/compressors.js';
import type { WireFraming } from '../../native/wire-reader.js';
import { PROXY_DEFAULTS, PROXY_DIRECTIONS, UdpProxy, type NetworkChangeSource, type ProxyEvent, type ProxySummary } from '../../native/proxy.js';
import { ProxyNetwork, type ProxyLinkSetting, type ProxyNetworkChange } from '../../native/proxy-network.js';
import { TIMER_DELAY_MS_MAX, WallClockTimeline, nodeTimelineClock, performTimelineEntry, type ProxyTimelineAction, type ProxyTimelineEntry } from '../../native/proxy-timeline.js';
import { startControlServer, type ControlServer } from './proxy-control.js';
import { loadProxyScenario, type ProxyScenario } from './proxy-scenario.js';
import { addressFamily, isLoopbackAddress, parseHostPort, resolveHostAddress, type SocketAddress } from '../../native/udp.js';
import { loadLinkFlag } from '../../scenario/load.js';
import { findPreset, LINK_PRESETS } from '../../scenario/presets.js';
import type { InputProblem } from '../../scenario/problem.js';
import { formatProblem } from '../../scenario/source.js';
import { didYouMean, parseUnit } from '../../scenario/units.js';
import { EventPrinter, NetworkExitCode, aborted, formatEndpoint, usageError, type NetworkCommandContext, type NetworkIo } from './serve.js';
import { PROXY_COMMAND, PROXY_DESCRIPTION } from './network-commands.js';
import { prepareProxyOutputs, proxyFileIo, PROXY_OUTPUT_DEFAULTS, type ProxyOutputFlags, type ProxyOutputs } from './proxy-outputs.js';

/** Options of `enetsim proxy`, as given on the command line (links still text). */
export interface ProxyOptions extends Partial<ProxyOutputFlags> {
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
  /** Seed of the link decisions; null = the scenario's, or 1. */
  seed: number | null;
  /** Stop after this long ('60s'); null = the scenario's duration, or until Ctrl-C. */
  duration: string | null;
  /** A scenario file whose links and network timeline run on the wall clock; null = none. */
  scenario: string | null;
  /** HOST:PORT of the HTTP control API; null = none. */
  control: string | null;
  /** Let --control listen beyond loopback. */
  controlAllowRemote: boolean;
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
  seed: null,
  duration: null,
  scenario: null,
  control: null,
  controlAllowRemote: false,
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

/**
 * The flags as changes at 0 ms, merged over both directions (and over a scenario's links): the preset,
 * then --link, then --link-up / --link-down over their direction.
 */
export function proxyLinkChanges(options: Pick<ProxyOptions, 'link' | 'linkUp' | 'linkDown' | 'preset'>): Checked<ProxyNetworkChange[]> {
  const settings: ProxyLinkSetting[] = [];
  if (options.preset !== null) {
    const preset = findPreset(options.preset);
    if (preset !== undefined) settings.push({ target: 'both', config: structuredClone(preset.config) });
  }
  for (const [target, flag, text] of [['both', '--link', options.link], ['up', '--link-up', options.linkUp], ['down', '--link-down', options.linkDown]] as const) {
    if (text === null) continue;
    const loaded = linkFlag(flag, text);
    if (!loaded.ok) return loaded;
    settings.push({ target, config: loaded.value });
  }
  return { ok: true, value: settings.length === 0 ? [] : [{ kind: 'link', settings, rampMs: 0 }] };
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
  const checked = anyPort ? `${text.slice(0, -1)}1` : text;
  const parsed = parseHostPort(checked);
  // The reason quotes what was checked: quote what the user wrote instead (':0', not the stand-in ':1').
  if (!parsed.ok) return { ok: false, message: `--listen: ${parsed.reason.replace(`'${checked}'`, `'${text}'`)}` };
  if (addressFamily(parsed.host) === null) return { ok: false, message: `--listen must be an IP address and port (127.0.0.1:7000 or [::1]:7000), got '${text}'` };
  return { ok: true, value: { address: parsed.host, port: anyPort ? 0 : parsed.port } };
}

/** Whether the target is the listening socket itself: the same port on the same address, or on any address when listening on all of them. */
function forwardsToItself(listen: SocketAddress, target: SocketAddress): boolean {
  if (listen.port === 0 || listen.port !== target.port) return false;
  if (listen.address === target.address) return true;
  // An IPv6 listening socket takes IPv6 only (UdpProxy.open), so the wildcard covers its own family.
  const wildcard = listen.address === '0.0.0.0' || listen.address === '::';
  return wildcard && addressFamily(listen.address) === addressFamily(target.address);
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
    lines.push(`  ${name}: in ${stats.datagramsIn} (${stats.bytesIn} B), out ${stats.datagramsOut} (${stats.bytesOut} B), delayed ${stats.delayed}, duplicated ${stats.duplicated}, corrupted ${stats.corrupted}, dropped: ${nonZero(stats.dropped)}${stats.pending > 0 ? `; still waiting (delay or hold) ${stats.pending}` : ''}`);
  }
  const accuracy = summary.accuracy;
  lines.push(accuracy.count === 0 ? '  accuracy: no datagram forwarded' : `  accuracy (send time − intended time, ${accuracy.count} datagrams): p50 ${accuracy.p50Ms} ms, p99 ${accuracy.p99Ms} ms, max ${accuracy.maxMs} ms`);
  const changes = summary.network.changes;
  if (changes.timeline + changes.control > 0) {
    const cut = PROXY_DIRECTIONS.filter((direction) => summary.network[direction].partitioned).map((direction) => (direction === 'up' ? 'client→server' : 'server→client'));
    const held = PROXY_DIRECTIONS.filter((direction) => summary.network[direction].held).map((direction) => (direction === 'up' ? 'client→server' : 'server→client'));
    lines.push(`  network changes: timeline ${changes.timeline}, control ${changes.control}${cut.length > 0 ? `; partitioned at the end: ${cut.join(', ')}` : ''}${held.length > 0 ? `; held at the end: ${held.join(', ')}` : ''}`);
  }
  for (const connection of summary.connections) {
    const enet = connection.enet;
    const handshake = enet.connectSeen ? (enet.verifyConnectSeen ? 'CONNECT and VERIFY_CONNECT seen' : 'CONNECT seen, no VERIFY_CONNECT') : 'no CONNECT seen';
    const undecoded = Object.entries(enet.undecodedByReason).map(([reason, count]) => `${reason} ${count}`).join(', ');
    lines.push(`  client ${connection.client} ${formatEndpoint(connection)}: ${handshake}; retransmissions up ${enet.retransmissions.up}, down ${enet.retransmissions.down}${enet.undecoded > 0 ? `; ${enet.undecoded} datagrams not read as ENet (${undecoded})` : ''}`);
    lines.push(`    framing: client ${describeFraming(enet.framing.up)}; server ${describeFraming(enet.framing.down)}`);
    const mismatch = framingMismatch(enet.framing, enet.verifyConnectSeen);
    if (mismatch !== null) lines.push(`    hint: ${mismatch}`);
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

/** `checksum, zstd-compressed` / `no checksum, uncompressed so far` / `nothing read`. */
function describeFraming(framing: WireFraming): string {
  if (framing.checksum === null) return 'nothing read';
  return `${framing.checksum ? 'checksum' : 'no checksum'}, ${framing.compressor === null ? 'no compressed datagram seen' : `${framing.compressor}-compressed (Godot: ${GODOT_COMPRESSION_MODE_NAMES[framing.compressor]})`}`;
}

/**
 * What the two sides' framings say when they cannot both be right: ENet has no wire flag for either
 * setting, so each side drops what the other frames differently (checksumMismatch,
 * compressionUnsupported or decompressionFailed inside its ENet), and nothing says so on the wire.
 */
export function framingMismatch(framing: Record<'up' | 'down', WireFraming>, verifyConnectSeen: boolean): string | null {
  const { up, down } = framing;
  if (up.checksum !== null && down.checksum !== null && up.checksum !== down.checksum) {
    return `the ${up.checksum ? 'client' : 'server'} checksums its datagrams and the ${up.checksum ? 'server' : 'client'} does not: each drops the other's (both must set ENet's checksum, or neither)`;
  }
  if (up.compressor !== null && down.compressor !== null && up.compressor !== down.compressor) {
    return `the client compresses with ${up.compressor} and the server with ${down.compressor}: each fails to inflate the other's (both must use the same compression mode)`;
  }
  if (up.compressor !== null && !verifyConnectSeen) {
    return `the client compresses with ${up.compressor} (Godot: ${GODOT_COMPRESSION_MODE_NAMES[up.compressor]}) and the server never answered its CONNECT: a server without the same compression drops every compressed datagram`;
  }
  if (up.checksum === true && !verifyConnectSeen) {
    return "the client checksums its datagrams and the server never answered its CONNECT: a server without ENet's checksum reads the checksum as a command and drops the datagram";
  }
  return null;
}

/** A timeline or control change as printed: text, or a `network` JSON line. */
function printChange(printer: EventPrinter, source: NetworkChangeSource, atMs: number, label: string, extra: { dueAtMs?: number; where?: string | null; change: ProxyTimelineAction }, outputs: ProxyOutputs | null): void {
  outputs?.recordChange(atMs, extra.change, { source, label, ...(extra.where !== undefined && extra.where !== null ? { where: extra.where } : {}) });
  const where = extra.where !== undefined && extra.where !== null ? `  (${extra.where})` : '';
  printer.line('network', { source, atMs, ...(extra.dueAtMs !== undefined ? { dueAtMs: extra.dueAtMs } : {}), action: label, ...(extra.where !== undefined ? { where: extra.where } : {}), change: extra.change }, `${source} ${atMs} ms  ${label}${where}`);
}

function printScenarioProblems(io: NetworkIo, problems: readonly InputProblem[]): number {
  for (const problem of problems) io.stderr(`${formatProblem(problem)}\n`);
  io.stderr(`enetsim proxy: ${problems.length} problem${problems.length === 1 ? '' : 's'} in --scenario; nothing was run\n`);
  return NetworkExitCode.invalidInput;
}

/** The control address: an IP literal and a port (0 = any free one), loopback unless allowed. */
function parseControl(options: ProxyOptions): Checked<SocketAddress> | null {
  if (options.control === null) return null;
  const parsed = parseListen(options.control);
  if (!parsed.ok) return { ok: false, message: parsed.message.replace(/^--listen/, '--control') };
  if (!isLoopbackAddress(parsed.value.address) && !options.controlAllowRemote) {
    return { ok: false, message: `--control ${options.control} is not a loopback address: anyone who reaches it could change the network; add --control-allow-remote if you mean it` };
  }
  return parsed;
}

/** Checks every flag and the scenario; the network to run, or why not (a message for usageError, or printed problems). */
function prepare(options: ProxyOptions, io: NetworkIo): { ok: true; scenario: ProxyScenario | null; network: ProxyNetwork; seed: number; durationMs: number | null; control: SocketAddress | null } | { ok: false; code: number } {
  const fail = (message: string) => ({ ok: false as const, code: usageError(io, 'proxy', message) });
  const links = proxyLinks(options);
  if (!links.ok) return fail(links.message);
  for (const [flag, value] of [['idle-ms', options.idleMs], ['max-clients', options.maxClients], ['max-queued-bytes', options.maxQueuedBytes]] as const) {
    const problem = positiveInteger(flag, value);
    if (problem !== null) return fail(problem);
  }
  if (options.seed !== null && (!Number.isSafeInteger(options.seed) || options.seed < 0)) return fail(`--seed must be a whole number ≥ 0, got ${Number.isNaN(options.seed) ? 'something that is not a number' : options.seed}`);
  let durationMs: number | null = null;
  if (options.duration !== null) {
    const parsed = parseUnit('duration', options.duration);
    if (!parsed.ok) return fail(`--duration: ${parsed.message}`);
    durationMs = parsed.value;
  }
  const control = parseControl(options);
  if (control !== null && !control.ok) return fail(control.message);
  let scenario: ProxyScenario | null = null;
  if (options.scenario !== null) {
    const loaded = loadProxyScenario(options.scenario);
    if (!loaded.ok) return { ok: false, code: printScenarioProblems(io, loaded.problems) };
    scenario = loaded.scenario;
  }
  const flagChanges = proxyLinkChanges(options);
  if (!flagChanges.ok) return fail(flagChanges.message);
  let network: ProxyNetwork;
  try {
    network = new ProxyNetwork([...(scenario?.initial ?? []), ...flagChanges.value], scenario?.linkDraws);
  } catch (error) {
    return fail(`--link over the scenario's links: ${(error as Error).message}`);
  }
  return { ok: true, scenario, network, seed: options.seed ?? scenario?.seed ?? 1, durationMs: durationMs ?? scenario?.durationMs ?? null, control: control?.value ?? null };
}

/**
 * Runs `enetsim proxy` until `signal` aborts (Ctrl-C, SIGTERM) or the duration (--duration, else the
 * scenario's) passes, then prints the summary, writes --trace / --html / --pcap, narrates (--explain)
 * and judges --expect (proxy-outputs.ts), and returns 0, or 1 when a check failed. Returns 2 with a
 * message naming the flag (or the scenario's or checks file's line and column) for bad input, or when
 * an output cannot be written; 1 when a socket cannot be bound or the target cannot be resolved.
 */
export async function proxyCommand(options: ProxyOptions, io: NetworkIo, signal: AbortSignal): Promise<number> {
  const listen = parseListen(options.listen);
  if (!listen.ok) return usageError(io, 'proxy', listen.message);
  const to = parseHostPort(options.to);
  if (!to.ok) return usageError(io, 'proxy', `--to: ${to.reason}`);
  const prepared = prepare(options, io);
  if (!prepared.ok) return prepared.code;
  const { scenario, network, seed, durationMs } = prepared;
  const preparedOutputs = prepareProxyOutputs({ ...PROXY_OUTPUT_DEFAULTS, ...definedOutputFlags(options) }, durationMs ?? Number.POSITIVE_INFINITY, proxyFileIo(io), options.scenario !== null ? [{ what: 'the --scenario file', path: options.scenario }] : []);
  if (!preparedOutputs.ok) return usageError(io, 'proxy', preparedOutputs.message);
  const outputs = preparedOutputs.outputs;
  const target = await resolveHostAddress(to.host);
  if (!target.ok) {
    if (target.notFound) return usageError(io, 'proxy', `--to: ${target.reason}`);
    io.stderr(`enetsim proxy: ${target.reason}\n`);
    return NetworkExitCode.failed;
  }
  if (forwardsToItself(listen.value, { address: target.address, port: to.port })) {
    return usageError(io, 'proxy', `--to ${options.to} is the proxy's own --listen ${options.listen}: it would forward every datagram to itself (each hop a new client, until --max-clients is full); give the real server's address`);
  }
  const printer = new EventPrinter(io, options.json, 0);
  let proxy: UdpProxy;
  try {
    proxy = await UdpProxy.open({
      listen: listen.value,
      target: { address: target.address, port: to.port },
      network,
      seed,
      idleMs: options.idleMs,
      maxClients: options.maxClients,
      maxQueuedBytes: options.maxQueuedBytes,
      onEvent: (event) => {
        outputs?.onEvent(event);
        printEvent(printer, event);
      },
      ...(outputs !== null ? { onDatagram: outputs.onDatagram } : {}),
    });
  } catch (error) {
    io.stderr(`enetsim proxy: ${(error as Error).message}\n`);
    return NetworkExitCode.failed;
  }
  const local = proxy.localAddress;
  const targetAddress = { address: target.address, port: to.port };
  const state = proxy.networkState();
  const linkUp = resolveLinkConfig(state.up.link);
  const linkDown = resolveLinkConfig(state.down.link);
  if (!linkUp.ok || !linkDown.ok) throw new Error('proxy: the checked network does not resolve');
  const session = { listen: formatEndpoint(local), to: formatEndpoint(targetAddress), seed, linkUp: describeLink(linkUp.value), linkDown: describeLink(linkDown.value), target: targetAddress };
  outputs?.recordLinks(session);
  printer.line(
    'listening',
    { address: local.address, port: local.port, to: targetAddress, seed, linkUp: linkUp.value, linkDown: linkDown.value, idleMs: options.idleMs, maxClients: options.maxClients, maxQueuedBytes: options.maxQueuedBytes, ...(scenario !== null ? { scenario: scenario.file } : {}), durationMs },
    `proxy listening on ${formatEndpoint(local)} → ${formatEndpoint(targetAddress)} (seed ${seed})\n  client→server: ${describeLink(linkUp.value)}\n  server→client: ${describeLink(linkDown.value)}`,
  );
  if (!isLoopbackAddress(local.address)) printer.warning('listening beyond loopback: anyone who can reach this address can use the proxy');
  let timeline: WallClockTimeline | null = null;
  if (scenario !== null) {
    printer.line(
      'scenario',
      { file: scenario.file, name: scenario.name, clientHost: scenario.clientHost, actions: scenario.timeline.length, durationMs: scenario.durationMs },
      `scenario ${scenario.file} '${scenario.name}': ${scenario.timeline.length} network action${scenario.timeline.length === 1 ? '' : 's'} on the wall clock; host '${scenario.clientHost}' stands for every client, 'server' is ${formatEndpoint(targetAddress)}`,
    );
    const count = scenario.expectationCount;
    if (count > 0) printer.warning(`the scenario's ${count === 1 ? 'expectation (expect:) is' : `${count} expectations (expect:) are`} not checked by the proxy: write the checks in a file of their own (an expect: list, hosts client and server) and give it with --expect`);
    if (scenario.unusedHostSettings.length > 0) printer.warning(`${scenario.unusedHostSettings.join(', ')}: host settings describe ENet hosts, which the proxy does not run (the real endpoints have their own); not used`);
    timeline = runTimeline(proxy, printer, scenario.timeline, outputs);
  }
  let control: ControlServer | null = null;
  if (prepared.control !== null) {
    try {
      control = await startControlServer(prepared.control.address, prepared.control.port, proxy, (change) => printChange(printer, 'control', change.atMs, change.label, { change: change.change }, outputs));
    } catch (error) {
      timeline?.stop();
      await proxy.close();
      io.stderr(`enetsim proxy: --control ${options.control}: ${(error as Error).message}\n`);
      return NetworkExitCode.failed;
    }
    printer.line('control', { url: control.url }, `control ${control.url}`);
  }
  let reason = 'interrupt';
  let timer: NodeJS.Timeout | null = null;
  // Node's timers hold at most TIMER_DELAY_MS_MAX (about 24.8 days; longer ones fire at once), so a
  // longer --duration re-arms until its end.
  const finished =
    durationMs === null
      ? null
      : new Promise<void>((resolve) => {
          const startedAtMs = performance.now();
          const arm = (): void => {
            const remainingMs = durationMs - (performance.now() - startedAtMs);
            if (remainingMs <= 0) {
              reason = 'duration';
              resolve();
              return;
            }
            timer = setTimeout(arm, Math.min(TIMER_DELAY_MS_MAX, Math.ceil(remainingMs)));
          };
          timer = setTimeout(arm, Math.min(TIMER_DELAY_MS_MAX, durationMs));
        });
  await Promise.race([aborted(signal), ...(finished === null ? [] : [finished])]);
  if (timer !== null) clearTimeout(timer);
  timeline?.stop();
  await control?.close();
  const summary = proxy.summary();
  await proxy.close();
  printSummary(io, printer, options.json, reason, summary);
  return outputs === null ? NetworkExitCode.ok : outputs.finish(summary, session, io, options.json);
}

/** The output flags given (undefined ones fall back to their defaults). */
function definedOutputFlags(options: Partial<ProxyOutputFlags>): Partial<ProxyOutputFlags> {
  return Object.fromEntries(Object.entries({ trace: options.trace, html: options.html, pcap: options.pcap, explain: options.explain, expect: options.expect }).filter(([, value]) => value !== undefined));
}

/** Starts the scenario's network timeline on the proxy's clock, printing each action as it runs. */
function runTimeline(proxy: UdpProxy, printer: EventPrinter, entries: readonly ProxyTimelineEntry[], outputs: ProxyOutputs | null): WallClockTimeline {
  const timeline = new WallClockTimeline(nodeTimelineClock(() => proxy.nowMs()), (entry, running) => {
    const outcomes = performTimelineEntry(proxy, entry, running);
    const applied = outcomes.find((outcome) => outcome.ok);
    for (const outcome of outcomes) if (!outcome.ok) printer.warning(`${entry.where ?? 'timeline'}: ${entry.label} not applied: ${outcome.reason}`);
    if (applied !== undefined && applied.ok) printChange(printer, 'timeline', applied.atMs, entry.label, { dueAtMs: Math.round(entry.atMs), where: entry.where, change: entry.action }, outputs);
  });
  for (const entry of entries) timeline.add(entry);
  timeline.start();
  return timeline;
}

/** The flags that take a value, each to be given once. */
const PROXY_SINGLE_FLAGS = ['listen', 'to', 'link', 'link-up', 'link-down', 'preset', 'seed', 'duration', 'scenario', 'control', 'idle-ms', 'max-clients', 'max-queued-bytes', 'trace', 'html', 'pcap', 'expect'] as const;

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
        .option('seed', { type: 'number', describe: "seed of the link decisions (default: the scenario's, else 1; printed; same seed and same arrivals, same fates)" })
        .option('duration', { type: 'string', describe: "stop after this long ('60s'); default: the scenario's duration, else until Ctrl-C" })
        .option('scenario', { type: 'string', describe: "a scenario file: its links and its timeline's network actions (link, partition, heal, hold, release, lag_spike) run on the wall clock; host 'server' is --to, the other host every client" })
        .option('control', { type: 'string', describe: 'HOST:PORT of an HTTP API to change the network while running (port 0 = any free one; loopback only unless --control-allow-remote); its URL is printed' })
        .option('control-allow-remote', { type: 'boolean', default: d.controlAllowRemote, describe: 'let --control listen on an address beyond loopback' })
        .option('json', { type: 'boolean', default: d.json, describe: 'print JSON lines instead of text' })
        .option('idle-ms', { type: 'number', default: d.idleMs, describe: 'forget a client silent this long (both ways)' })
        .option('max-clients', { type: 'number', default: d.maxClients, describe: 'clients mapped at once; datagrams from more are dropped' })
        .option('max-queued-bytes', { type: 'number', default: d.maxQueuedBytes, describe: 'bytes held for delay at once; more are dropped' })
        .option('trace', { type: 'string', describe: 'write the session as a JSON Lines trace (the format of run --trace; enetsim report draws it)' })
        .option('html', { type: 'string', describe: 'write the session as the HTML run report' })
        .option('pcap', { type: 'string', describe: 'write every datagram as pcapng (as run --pcap)' })
        .option('explain', { type: 'boolean', default: false, describe: 'narrate the session after the summary' })
        .option('expect', { type: 'string', describe: 'judge the checks in this file (an expect: list, docs/proxy.md) when the session ends: exit 1 when one fails' })
        .check((args) => {
          // A flag given twice becomes an array, which the checks below would misread (two --listen bound
          // one of them, two --trace failed as 'cannot write'): say so instead.
          for (const name of PROXY_SINGLE_FLAGS) {
            if (Array.isArray(args[name])) throw new Error(`--${name} given more than once; give it once`);
          }
          return true;
        }),
    async (args) => {
      if (context.usageFailed?.() === true) return;
      const signal = context.interruptSignal('still stopping: printing the summary and writing the outputs');
      const code = await proxyCommand(
        {
          listen: args.listen,
          to: args.to,
          link: args.link ?? null,
          linkUp: args['link-up'] ?? null,
          linkDown: args['link-down'] ?? null,
          preset: args.preset ?? null,
          seed: args.seed ?? null,
          duration: args.duration ?? null,
          scenario: args.scenario ?? null,
          control: args.control ?? null,
          controlAllowRemote: args['control-allow-remote'],
          json: args.json,
          idleMs: args['idle-ms'],
          maxClients: args['max-clients'],
          maxQueuedBytes: args['max-queued-bytes'],
          trace: args.trace ?? null,
          html: args.html ?? null,
          pcap: args.pcap ?? null,
          explain: args.explain,
          expect: args.expect ?? null,
        },
        context.io,
        signal,
      );
      context.setExitCode(code);
    },
  );
}
