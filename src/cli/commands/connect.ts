// `enetsim connect HOST:PORT`: an "ENet netcat" to smoke-test a real ENet server (a Godot game
// server, for instance): connect, optionally send one packet, print what comes back, disconnect.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { CONNECT_COMMAND, CONNECT_DESCRIPTION } from './network-commands.js';

import { PacketFlag, Protocol, PROTOCOL_PROFILES, type ProtocolProfile } from '../../enet/constants.js';
import type { Peer } from '../../enet/peer.js';
import {
  SERVICE_INTERVAL_MS_MAX,
  SERVICE_INTERVAL_MS_MIN,
  UdpHost,
  addressFamily,
  isLoopbackAddress,
  packetKind,
  parseHostPort,
  resolveHostAddress,
  type SocketAddress,
} from '../../native/udp.js';
import {
  GODOT_CLIENT_ID_MAX,
  GODOT_CLIENT_ID_MIN,
  GODOT_LAYOUTS,
  GODOT_SERVER_ID,
  GODOT_VERSIONS,
  frameGodotPacket,
  godotChannelFor,
  randomGodotClientId,
  type GodotLayout,
  type GodotVersion,
} from '../../native/udp-godot.js';
import {
  COMPRESSION_NAMES,
  EventPrinter,
  dropCounts,
  dropHint,
  isCompressedDropReason,
  droppedSummary,
  formatDropCounts,
  watchDrops,
  NetworkExitCode,
  PRINT_BYTES_MAX,
  SHUTDOWN_TIMEOUT_MS,
  checkInteger,
  compressorFor,
  crc32Hex,
  firstProblem,
  formatEndpoint,
  registerServeCommand,
  usageError,
  type CompressionName,
  type FlagCheck,
  type NetworkCommandContext,
  type NetworkIo,
} from './serve.js';

/** --flags names and their ENET_PACKET_FLAG_* values. */
export const SEND_FLAG_NAMES = {
  reliable: PacketFlag.reliable,
  unreliable: 0,
  unsequenced: PacketFlag.unsequenced,
  'unreliable-fragment': PacketFlag.unreliableFragment,
} as const;
export type SendFlagName = keyof typeof SEND_FLAG_NAMES;

/** Options of `enetsim connect`; {@link CONNECT_DEFAULTS} has the default of each. */
export interface ConnectOptions {
  /** HOST:PORT: IPv4, [IPv6] or a host name. */
  target: string;
  /** Channels to ask for, 1..255; null: 1, or what Godot asks for with --godot (3 for Godot 3, 2 for Godot 4). */
  channels: number | null;
  /** 32-bit connect data the server sees in its CONNECT event; null: 0, or a random Godot client id (2..2^31 − 1) with --godot. */
  data: number | null;
  /** Text to send once connected (UTF-8), or null. */
  send: string | null;
  /** File whose bytes to send once connected, or null. */
  sendFile: string | null;
  /** Channel to send on; null: 0, or Godot's channel for --flags with --godot. */
  channel: number | null;
  /** How to send. */
  flags: SendFlagName;
  /** 32-bit data of our DISCONNECT. */
  disconnectData: number;
  json: boolean;
  checksum: boolean;
  compress: CompressionName;
  /** Give up when the server has not answered within this long. */
  timeoutMs: number;
  /** When set, ENet drops the server after this long without an acknowledgement (min and max, like Godot's set_timeout); null = ENet's 5–30 s. */
  peerTimeoutMs: number | null;
  /** After connecting (and sending), stay this long, then disconnect; null = until Ctrl-C or the server disconnects. */
  waitMs: number | null;
  /** Disconnect once this many packets have arrived; null = no limit. */
  count: number | null;
  printBytes: number;
  intervalMs: number;
  profile: ProtocolProfile;
  /** Speak as a client of Godot's ENet multiplayer peer of this major version (docs/serve-connect.md), or null. */
  godot: GodotVersion | null;
}

export const CONNECT_DEFAULTS: Omit<ConnectOptions, 'target'> = {
  channels: null,
  data: null,
  send: null,
  sendFile: null,
  channel: null,
  flags: 'reliable',
  disconnectData: 0,
  json: false,
  checksum: false,
  compress: 'none',
  timeoutMs: 5000,
  peerTimeoutMs: null,
  waitMs: null,
  count: null,
  printBytes: 64,
  intervalMs: 5,
  profile: '1.3.18',
  godot: null,
};

/** The options with every null default resolved: the channel count, connect data and channel actually used. */
interface ResolvedConnect {
  channels: number;
  data: number;
  channel: number;
  godot: GodotLayout | null;
}

function resolveConnect(options: ConnectOptions): ResolvedConnect {
  const godot = options.godot === null ? null : GODOT_LAYOUTS[options.godot];
  return {
    channels: options.channels ?? godot?.channelCount ?? 1,
    data: options.data ?? (godot !== null ? randomGodotClientId() : 0),
    channel: options.channel ?? (godot !== null ? godotChannelFor(godot, SEND_FLAG_NAMES[options.flags] ?? 0) : 0),
    godot,
  };
}

function checkConnectOptions(options: ConnectOptions, resolved: ResolvedConnect): FlagCheck {
  if (options.send !== null && options.sendFile !== null) return { ok: false, message: 'give --send or --send-file, not both' };
  if (!(options.flags in SEND_FLAG_NAMES)) return { ok: false, message: `--flags must be one of ${Object.keys(SEND_FLAG_NAMES).join(', ')}, got '${options.flags}'` };
  if (!COMPRESSION_NAMES.includes(options.compress)) return { ok: false, message: `--compress must be one of ${COMPRESSION_NAMES.join(', ')}, got '${options.compress}'` };
  if (options.godot !== null && !GODOT_VERSIONS.includes(options.godot)) return { ok: false, message: `--godot must be one of ${GODOT_VERSIONS.join(', ')}, got '${options.godot}'` };
  const godot = resolved.godot;
  return firstProblem([
    checkInteger('channels', resolved.channels, godot?.channelCount ?? Protocol.minimumChannelCount, Protocol.maximumChannelCount),
    // Godot's server resets a peer whose connect data is 0 or 1 (those ids are the broadcast and the server).
    godot === null ? checkInteger('data', resolved.data, 0, 0xffffffff) : checkInteger('data', resolved.data, GODOT_CLIENT_ID_MIN, GODOT_CLIENT_ID_MAX),
    checkInteger('channel', resolved.channel, 0, resolved.channels - 1),
    checkInteger('disconnect-data', options.disconnectData, 0, 0xffffffff),
    checkInteger('timeout-ms', options.timeoutMs, 1, 0x7fffffff),
    options.peerTimeoutMs === null ? { ok: true } : checkInteger('peer-timeout-ms', options.peerTimeoutMs, 1, 0xffffffff),
    options.waitMs === null ? { ok: true } : checkInteger('wait-ms', options.waitMs, 0, 0x7fffffff),
    options.count === null ? { ok: true } : checkInteger('count', options.count, 1, 0xffffffff),
    checkInteger('print-bytes', options.printBytes, 0, PRINT_BYTES_MAX),
    checkInteger('interval-ms', options.intervalMs, SERVICE_INTERVAL_MS_MIN, SERVICE_INTERVAL_MS_MAX),
  ]);
}

function readPayload(options: ConnectOptions): { ok: true; value: Uint8Array | null } | { ok: false; message: string } {
  if (options.send !== null) return { ok: true, value: new TextEncoder().encode(options.send) };
  if (options.sendFile === null) return { ok: true, value: null };
  try {
    return { ok: true, value: new Uint8Array(readFileSync(options.sendFile)) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { ok: false, message: `cannot read --send-file ${options.sendFile}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}` };
  }
}

/** Loopback targets are reached from the loopback address of their family; others from any address. */
function bindAddressFor(target: SocketAddress): string {
  const ipv6 = addressFamily(target.address) === 'IPv6';
  if (isLoopbackAddress(target.address)) return ipv6 ? '::1' : '127.0.0.1';
  return ipv6 ? '::' : '0.0.0.0';
}

type Phase = 'connecting' | 'connected' | 'remoteDisconnect' | 'timeout';

/** Reads the phase through a call, since event callbacks change it while we await. */
function phaseOf(session: { phase: Phase }): Phase {
  return session.phase;
}

/**
 * Runs `enetsim connect`: connects to `options.target`, sends the payload once connected, prints
 * every event and the datagrams the core drops, and disconnects with `disconnectData` when
 * `signal` aborts (Ctrl-C), `waitMs` has passed or `count` packets have arrived; it waits up to
 * {@link SHUTDOWN_TIMEOUT_MS} for the acknowledgement, then sends a disconnect_now. Returns 0 when
 * it connected, 1 when the server did not answer within `timeoutMs` (or refused, or every datagram
 * it sent was dropped), 2 with a message on stderr for bad options or a target that is no address
 * (`999.1.1.1`) or no existing host name.
 */
export async function connectCommand(options: ConnectOptions, io: NetworkIo, signal: AbortSignal): Promise<number> {
  const resolved = resolveConnect(options);
  const problem = checkConnectOptions(options, resolved);
  if (!problem.ok) return usageError(io, 'connect', problem.message);
  const parsed = parseHostPort(options.target);
  if (!parsed.ok) return usageError(io, 'connect', parsed.reason);
  const payload = readPayload(options);
  if (!payload.ok) return usageError(io, 'connect', payload.message);
  const resolvedHost = await resolveHostAddress(parsed.host);
  if (!resolvedHost.ok) {
    // A name that does not exist is a usage error (exit 2); a resolver that cannot answer is not.
    if (resolvedHost.notFound) return usageError(io, 'connect', `${resolvedHost.reason} (no such host)`);
    io.stderr(`enetsim connect: ${resolvedHost.reason}\n`);
    return NetworkExitCode.failed;
  }
  const target = { address: resolvedHost.address, port: parsed.port };
  let udp: UdpHost;
  try {
    udp = await UdpHost.open({
      bindAddress: bindAddressFor(target),
      peerCount: 1,
      checksum: options.checksum,
      compressor: compressorFor(options.compress),
      peerTimeout: options.peerTimeoutMs === null ? null : { limit: 0, minimumMs: options.peerTimeoutMs, maximumMs: options.peerTimeoutMs },
      serviceIntervalMs: options.intervalMs,
      profile: options.profile,
    });
  } catch (error) {
    io.stderr(`enetsim connect: ${(error as Error).message}\n`);
    return NetworkExitCode.failed;
  }
  return runSession(udp, target, payload.value, options, resolved, io, signal);
}

async function runSession(
  udp: UdpHost,
  target: SocketAddress,
  payload: Uint8Array | null,
  options: ConnectOptions,
  resolved: ResolvedConnect,
  io: NetworkIo,
  signal: AbortSignal,
): Promise<number> {
  const printer = new EventPrinter(io, options.json, options.printBytes, 'client', resolved.godot);
  // Written by the event callback, read between ticks (an object, so TypeScript does not narrow it).
  const session: { phase: Phase; receivedCount: number; shuttingDown: boolean; remoteData: number } = { phase: 'connecting', receivedCount: 0, shuttingDown: false, remoteData: 0 };
  udp.onEvent = (event) => {
    // Our own disconnect's acknowledgement: the shutdown line says it, with our data.
    if (event.type === 'disconnect' && (session.shuttingDown || event.cause === 'local')) return;
    printer.event(event);
    if (event.type === 'connect') session.phase = 'connected';
    else if (event.type === 'disconnect') {
      session.phase = event.cause === 'timeout' ? 'timeout' : 'remoteDisconnect';
      session.remoteData = event.data;
    } else session.receivedCount++;
  };
  const connecting = udp.connect(target, resolved.channels, resolved.data);
  if (!connecting.ok) {
    io.stderr(`enetsim connect: ${connecting.reason}\n`);
    await udp.close();
    return NetworkExitCode.failed;
  }
  const godotNote = options.godot === null ? '' : `: our Godot ${options.godot} client id`;
  printer.line(
    'connecting',
    { address: target.address, port: target.port, channels: resolved.channels, data: resolved.data, godot: options.godot },
    `connecting to ${formatEndpoint(target)} (${resolved.channels} channel${resolved.channels === 1 ? '' : 's'}, data ${resolved.data}${godotNote})`,
  );
  const hints = { checksum: options.checksum, compress: options.compress };
  const stopWatchingDrops = watchDrops(udp, printer, hints);
  await udp.waitUntil(() => session.phase !== 'connecting' || signal.aborted, options.timeoutMs);
  if (session.phase !== 'connected') {
    // A server in the middle of its handshake is told we leave (disconnect_now), not left to time out.
    udp.disconnectNow(connecting.peer, options.disconnectData);
    stopWatchingDrops();
    const why = session.phase === 'remoteDisconnect' ? 'the server refused the connection' : signal.aborted ? 'interrupted before the server answered' : noAnswerReason(udp, target, options, hints);
    printer.line('failed', { atMs: printer.elapsedMs(), message: why, dropped: dropCounts(udp) }, `failed: ${why}`);
    await udp.close();
    return session.phase === 'connecting' && signal.aborted ? NetworkExitCode.ok : NetworkExitCode.failed;
  }
  if (payload !== null) sendPayload(udp, printer, connecting.peer, payload, options, resolved);
  const enough = (): boolean => signal.aborted || session.phase !== 'connected' || (options.count !== null && session.receivedCount >= options.count);
  await udp.waitUntil(enough, options.waitMs);
  const phase = phaseOf(session);
  const reason = phase === 'remoteDisconnect' ? 'remoteDisconnect' : phase === 'timeout' ? 'timeout' : signal.aborted ? 'interrupt' : 'done';
  session.shuttingDown = true;
  // Done (--count or --wait-ms): disconnect_later, so that a --send still queued (the server's
  // packets can reach --count before ours leaves) is delivered before the DISCONNECT; a plain
  // disconnect would discard it. On Ctrl-C, leave at once, as asked.
  const { disconnectingCount, timedOut, forcedCount } = await udp.shutdown(options.disconnectData, SHUTDOWN_TIMEOUT_MS, { later: reason === 'done' });
  stopWatchingDrops();
  const dropped = dropCounts(udp);
  printer.line(
    'shutdown',
    { atMs: printer.elapsedMs(), reason, disconnectingPeers: disconnectingCount, timedOut, forcedPeers: forcedCount, dropped, stats: { ...udp.stats } },
    `shutdown: ${shutdownText(reason, session.remoteData, options.disconnectData, timedOut)}${reason === 'timeout' && options.godot === null && resolved.data < GODOT_CLIENT_ID_MIN ? GODOT_RESET_HINT : ''}`,
  );
  const droppedLine = droppedSummary(dropped);
  if (droppedLine !== null && !options.json) io.stdout(`${droppedLine}\n`);
  return NetworkExitCode.ok;
}

/**
 * Added to a timeout when connect sent data 0 or 1 without --godot: Godot's server completes ENet's
 * handshake, then resets such a client without a word, so it looks connected until it times out.
 */
const GODOT_RESET_HINT = '. If this is a Godot server: Godot resets a client whose connect data is 0 or 1 without telling it; use --godot 3 or --godot 4';

function shutdownText(reason: 'remoteDisconnect' | 'timeout' | 'interrupt' | 'done', remoteData: number, disconnectData: number, timedOut: boolean): string {
  switch (reason) {
    case 'remoteDisconnect':
      return `the server disconnected (data ${remoteData})`;
    case 'timeout':
      return "the server timed out: it stopped acknowledging and ENet gave up on it (after 5–30 s by default, --peer-timeout-ms)";
    default:
      return `disconnected (data ${disconnectData})${timedOut ? ', not acknowledged within 1 s (a disconnect_now followed)' : ''}`;
  }
}

/**
 * Why the handshake got nowhere: datagrams came back but the core dropped them (the reasons and
 * what to do), the port refused (nothing listens), or silence, with what could explain it.
 */
function noAnswerReason(udp: UdpHost, target: SocketAddress, options: ConnectOptions, hints: { checksum: boolean; compress: CompressionName }): string {
  const counts = dropCounts(udp);
  if (udp.stats.datagramsReceived > 0 && Object.keys(counts).length > 0) {
    const meanings = Object.keys(counts)
      .sort()
      .map((reason) => dropHint(reason, hints, counts, isCompressedDropReason(reason) ? udp.peerCompressors(reason) : null))
      .filter((hint): hint is string => hint !== null);
    return `${formatEndpoint(target)} answered within ${options.timeoutMs} ms, but its datagrams were dropped (${formatDropCounts(counts)})${meanings.length > 0 ? `: ${meanings.join('; ')}` : ''}`;
  }
  const refused = (udp.lastError as NodeJS.ErrnoException | null)?.code === 'ECONNREFUSED';
  if (refused) return `no answer from ${formatEndpoint(target)} within ${options.timeoutMs} ms: the port refused our datagrams (nothing listens there)`;
  // A host drops a datagram it cannot read without a word, so a mismatch looks like silence from here.
  const mismatch: string[] = [];
  if (options.checksum) mismatch.push('a server without checksums drops our datagrams (--checksum) without answering');
  else mismatch.push('a server that uses checksums drops our datagrams without answering: then add --checksum');
  if (options.compress !== 'none') mismatch.push(`a server without --compress ${options.compress} drops our compressed datagrams without answering`);
  return `no answer from ${formatEndpoint(target)} within ${options.timeoutMs} ms${mismatch.length > 0 ? ` (${mismatch.join('; ')})` : ''}`;
}

function sendPayload(udp: UdpHost, printer: EventPrinter, peer: Peer, payload: Uint8Array, options: ConnectOptions, resolved: ResolvedConnect): void {
  const flags = SEND_FLAG_NAMES[options.flags];
  // Godot 3's peer reads its 8-byte id header first: from our id, to the server (1).
  const framed = resolved.godot === null ? payload : frameGodotPacket(resolved.godot, resolved.data, GODOT_SERVER_ID, payload);
  const result = udp.send(peer, resolved.channel, framed, flags);
  if (!result.ok) {
    printer.warning(`send refused: ${result.reason}`);
    return;
  }
  printer.line(
    'sent',
    { atMs: printer.elapsedMs(), peer: peer.incomingPeerID, channel: resolved.channel, flags, kind: packetKind(flags), bytes: payload.length, crc32: crc32Hex(payload) },
    `sent        channel ${resolved.channel}  ${packetKind(flags)}  ${payload.length} bytes  crc32 ${crc32Hex(payload)}`,
  );
}

// ---- yargs -------------------------------------------------------------------------------------

/** Adds `connect` to a yargs parser. */
export function registerConnectCommand<T>(parser: Argv<T>, context: NetworkCommandContext): Argv<T> {
  const d = CONNECT_DEFAULTS;
  return parser.command(
    CONNECT_COMMAND,
    CONNECT_DESCRIPTION,
    (command) =>
      command
        .positional('target', { type: 'string', describe: 'HOST:PORT (IPv6 as [::1]:7777)' })
        .option('channels', { type: 'number', describe: 'channels to ask for (1..255; default 1, with --godot what Godot asks for)' })
        .option('data', { type: 'number', describe: '32-bit connect data (default 0; with --godot a random client id from 2 to 2^31 − 1)' })
        .option('send', { type: 'string', describe: 'text to send once connected' })
        .option('send-file', { type: 'string', describe: 'file whose bytes to send once connected' })
        .option('channel', { type: 'number', describe: "channel to send on (default 0; with --godot Godot's channel for --flags)" })
        .option('flags', { choices: Object.keys(SEND_FLAG_NAMES) as SendFlagName[], default: d.flags, describe: 'how to send' })
        .option('disconnect-data', { type: 'number', default: d.disconnectData, describe: '32-bit data of our DISCONNECT' })
        .option('json', { type: 'boolean', default: d.json, describe: 'print JSON lines instead of text' })
        .option('checksum', { type: 'boolean', default: d.checksum, describe: "ENet's CRC-32 on every datagram (both ends must agree)" })
        .option('compress', { choices: COMPRESSION_NAMES, default: d.compress, describe: "datagram compression as Godot's ENetConnection.compress (both ends must agree)" })
        .option('timeout-ms', { type: 'number', default: d.timeoutMs, describe: 'give up when the server has not answered within this long' })
        .option('peer-timeout-ms', { type: 'number', describe: "drop the server after this long without an acknowledgement (default: ENet's 5–30 s)" })
        .option('wait-ms', { type: 'number', describe: 'after connecting and sending, stay this long, then disconnect (default: until Ctrl-C)' })
        .option('count', { type: 'number', describe: 'disconnect once this many packets have arrived' })
        .option('print-bytes', { type: 'number', default: d.printBytes, describe: 'payload bytes printed per packet' })
        .option('interval-ms', { type: 'number', default: d.intervalMs, describe: 'service loop interval' })
        .option('profile', { choices: PROTOCOL_PROFILES, default: d.profile, describe: 'which ENet to behave as: an upstream release or a Godot release range (docs/godot.md)' })
        .option('godot', {
          type: 'string',
          choices: GODOT_VERSIONS,
          describe:
            "talk to a server of Godot's ENet multiplayer peer of this major version. Godot resets a client whose connect data is 0 or 1, so the data is a random id from 2 to 2^31 - 1; " +
            'Godot 3 wants 3 channels (0 its own messages, 1 reliable, 2 unreliable) and an 8-byte header on every packet (source id, target id: added to --send, stripped and shown on receipt); ' +
            'Godot 4 wants 2 channels (0 reliable, 1 unreliable) and no header. See docs/serve-connect.md',
        }),
    async (args) => {
      if (context.usageFailed?.() === true) return;
      if (Array.isArray(args.send) || Array.isArray(args['send-file'])) {
        context.setExitCode(usageError(context.io, 'connect', 'give --send or --send-file once'));
        return;
      }
      const signal = context.interruptSignal();
      const code = await connectCommand(
        {
          target: args.target ?? '',
          channels: args.channels ?? null,
          data: args.data ?? null,
          send: args.send ?? null,
          sendFile: args['send-file'] ?? null,
          channel: args.channel ?? null,
          flags: args.flags,
          disconnectData: args['disconnect-data'],
          json: args.json,
          checksum: args.checksum,
          compress: args.compress,
          timeoutMs: args['timeout-ms'],
          peerTimeoutMs: args['peer-timeout-ms'] ?? null,
          waitMs: args['wait-ms'] ?? null,
          count: args.count ?? null,
          printBytes: args['print-bytes'],
          intervalMs: args['interval-ms'],
          profile: args.profile,
          godot: args.godot ?? null,
        },
        context.io,
        signal,
      );
      context.setExitCode(code);
    },
  );
}

/**
 * Adds `serve` and `connect` to the enetsim parser (src/cli/cli.ts):
 * `registerNetworkCommands(parser, { io, interruptSignal, usageFailed: () => failed, setExitCode: (code) => { exitCode = code as ExitCode; } })`.
 */
export function registerNetworkCommands<T>(parser: Argv<T>, context: NetworkCommandContext): Argv<T> {
  return registerConnectCommand(registerServeCommand(parser, context), context);
}
