// `enetsim connect HOST:PORT`: an "ENet netcat" to smoke-test a real ENet server (a Godot game
// server, for instance): connect, optionally send one packet, print what comes back, disconnect.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';

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
  COMPRESSION_NAMES,
  EventPrinter,
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
  /** Channels to ask for, 1..255. */
  channels: number;
  /** 32-bit connect data the server sees in its CONNECT event. */
  data: number;
  /** Text to send once connected (UTF-8), or null. */
  send: string | null;
  /** File whose bytes to send once connected, or null. */
  sendFile: string | null;
  /** Channel to send on. */
  channel: number;
  /** How to send. */
  flags: SendFlagName;
  /** 32-bit data of our DISCONNECT. */
  disconnectData: number;
  json: boolean;
  checksum: boolean;
  compress: CompressionName;
  /** Give up when the server has not answered within this long. */
  timeoutMs: number;
  /** After connecting (and sending), stay this long, then disconnect; null = until Ctrl-C or the server disconnects. */
  waitMs: number | null;
  /** Disconnect once this many packets have arrived; null = no limit. */
  count: number | null;
  printBytes: number;
  intervalMs: number;
  profile: ProtocolProfile;
}

export const CONNECT_DEFAULTS: Omit<ConnectOptions, 'target'> = {
  channels: 1,
  data: 0,
  send: null,
  sendFile: null,
  channel: 0,
  flags: 'reliable',
  disconnectData: 0,
  json: false,
  checksum: false,
  compress: 'none',
  timeoutMs: 5000,
  waitMs: null,
  count: null,
  printBytes: 64,
  intervalMs: 5,
  profile: '1.3.18',
};

function checkConnectOptions(options: ConnectOptions): FlagCheck {
  if (options.send !== null && options.sendFile !== null) return { ok: false, message: 'give --send or --send-file, not both' };
  if (!(options.flags in SEND_FLAG_NAMES)) return { ok: false, message: `--flags must be one of ${Object.keys(SEND_FLAG_NAMES).join(', ')}, got '${options.flags}'` };
  if (!COMPRESSION_NAMES.includes(options.compress)) return { ok: false, message: `--compress must be one of ${COMPRESSION_NAMES.join(', ')}, got '${options.compress}'` };
  return firstProblem([
    checkInteger('channels', options.channels, Protocol.minimumChannelCount, Protocol.maximumChannelCount),
    checkInteger('data', options.data, 0, 0xffffffff),
    checkInteger('channel', options.channel, 0, options.channels - 1),
    checkInteger('disconnect-data', options.disconnectData, 0, 0xffffffff),
    checkInteger('timeout-ms', options.timeoutMs, 1, 0x7fffffff),
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

type Phase = 'connecting' | 'connected' | 'remoteDisconnect';

/** Reads the phase through a call, since event callbacks change it while we await. */
function phaseOf(session: { phase: Phase }): Phase {
  return session.phase;
}

/**
 * Runs `enetsim connect`: connects to `options.target`, sends the payload once connected, prints
 * every event, and disconnects with `disconnectData` when `signal` aborts (Ctrl-C), `waitMs` has
 * passed or `count` packets have arrived; it waits up to {@link SHUTDOWN_TIMEOUT_MS} for the
 * acknowledgement. Returns 0 when it connected, 1 when the server did not answer within
 * `timeoutMs` (or refused), 2 with a message on stderr for bad options or a target that is no
 * address (`999.1.1.1`) or no existing host name.
 */
export async function connectCommand(options: ConnectOptions, io: NetworkIo, signal: AbortSignal): Promise<number> {
  const problem = checkConnectOptions(options);
  if (!problem.ok) return usageError(io, 'connect', problem.message);
  const parsed = parseHostPort(options.target);
  if (!parsed.ok) return usageError(io, 'connect', parsed.reason);
  const payload = readPayload(options);
  if (!payload.ok) return usageError(io, 'connect', payload.message);
  const resolved = await resolveHostAddress(parsed.host);
  if (!resolved.ok) {
    // A name that does not exist is a usage error (exit 2); a resolver that cannot answer is not.
    if (resolved.notFound) return usageError(io, 'connect', `${resolved.reason} (no such host)`);
    io.stderr(`enetsim connect: ${resolved.reason}\n`);
    return NetworkExitCode.failed;
  }
  const target = { address: resolved.address, port: parsed.port };
  let udp: UdpHost;
  try {
    udp = await UdpHost.open({
      bindAddress: bindAddressFor(target),
      peerCount: 1,
      checksum: options.checksum,
      compressor: compressorFor(options.compress),
      serviceIntervalMs: options.intervalMs,
      profile: options.profile,
    });
  } catch (error) {
    io.stderr(`enetsim connect: ${(error as Error).message}\n`);
    return NetworkExitCode.failed;
  }
  return runSession(udp, target, payload.value, options, io, signal);
}

async function runSession(udp: UdpHost, target: SocketAddress, payload: Uint8Array | null, options: ConnectOptions, io: NetworkIo, signal: AbortSignal): Promise<number> {
  const printer = new EventPrinter(io, options.json, options.printBytes);
  // Written by the event callback, read between ticks (an object, so TypeScript does not narrow it).
  const session: { phase: Phase; receivedCount: number } = { phase: 'connecting', receivedCount: 0 };
  udp.onEvent = (event) => {
    printer.event(event);
    if (event.type === 'connect') session.phase = 'connected';
    else if (event.type === 'disconnect') session.phase = 'remoteDisconnect';
    else session.receivedCount++;
  };
  const connecting = udp.connect(target, options.channels, options.data);
  if (!connecting.ok) {
    io.stderr(`enetsim connect: ${connecting.reason}\n`);
    await udp.close();
    return NetworkExitCode.failed;
  }
  printer.line(
    'connecting',
    { address: target.address, port: target.port, channels: options.channels, data: options.data },
    `connecting to ${formatEndpoint(target)} (${options.channels} channel${options.channels === 1 ? '' : 's'}, data ${options.data})`,
  );
  await udp.waitUntil(() => session.phase !== 'connecting' || signal.aborted, options.timeoutMs);
  if (session.phase !== 'connected') {
    const why = session.phase === 'remoteDisconnect' ? 'the server refused the connection' : signal.aborted ? 'interrupted before the server answered' : `no answer from ${formatEndpoint(target)} within ${options.timeoutMs} ms`;
    printer.line('failed', { atMs: printer.elapsedMs(), message: why }, `failed: ${why}`);
    connecting.peer.reset();
    await udp.close();
    return session.phase === 'connecting' && signal.aborted ? NetworkExitCode.ok : NetworkExitCode.failed;
  }
  if (payload !== null) sendPayload(udp, printer, connecting.peer, payload, options);
  const enough = (): boolean => signal.aborted || session.phase !== 'connected' || (options.count !== null && session.receivedCount >= options.count);
  await udp.waitUntil(enough, options.waitMs);
  const reason = phaseOf(session) === 'remoteDisconnect' ? 'remoteDisconnect' : signal.aborted ? 'interrupt' : 'done';
  const { disconnectingCount, timedOut } = await udp.shutdown(options.disconnectData, SHUTDOWN_TIMEOUT_MS);
  printer.line(
    'shutdown',
    { atMs: printer.elapsedMs(), reason, disconnectingPeers: disconnectingCount, timedOut, stats: { ...udp.stats } },
    `shutdown: ${reason === 'remoteDisconnect' ? 'the server disconnected' : `disconnected (data ${options.disconnectData})${timedOut ? ', not acknowledged within 1 s' : ''}`}`,
  );
  return NetworkExitCode.ok;
}

function sendPayload(udp: UdpHost, printer: EventPrinter, peer: Peer, payload: Uint8Array, options: ConnectOptions): void {
  const flags = SEND_FLAG_NAMES[options.flags];
  const result = udp.send(peer, options.channel, payload, flags);
  if (!result.ok) {
    printer.warning(`send refused: ${result.reason}`);
    return;
  }
  printer.line(
    'sent',
    { atMs: printer.elapsedMs(), peer: peer.incomingPeerID, channel: options.channel, flags, kind: packetKind(flags), bytes: payload.length, crc32: crc32Hex(payload) },
    `sent        channel ${options.channel}  ${packetKind(flags)}  ${payload.length} bytes  crc32 ${crc32Hex(payload)}`,
  );
}

// ---- yargs -------------------------------------------------------------------------------------

/** Adds `connect` to a yargs parser. */
export function registerConnectCommand<T>(parser: Argv<T>, context: NetworkCommandContext): Argv<T> {
  const d = CONNECT_DEFAULTS;
  return parser.command(
    'connect <target>',
    'connect to an ENet server over UDP, send a packet, print what comes back (an ENet netcat)',
    (command) =>
      command
        .positional('target', { type: 'string', describe: 'HOST:PORT (IPv6 as [::1]:7777)' })
        .option('channels', { type: 'number', default: d.channels, describe: 'channels to ask for (1..255)' })
        .option('data', { type: 'number', default: d.data, describe: '32-bit connect data' })
        .option('send', { type: 'string', describe: 'text to send once connected' })
        .option('send-file', { type: 'string', describe: 'file whose bytes to send once connected' })
        .option('channel', { type: 'number', default: d.channel, describe: 'channel to send on' })
        .option('flags', { choices: Object.keys(SEND_FLAG_NAMES) as SendFlagName[], default: d.flags, describe: 'how to send' })
        .option('disconnect-data', { type: 'number', default: d.disconnectData, describe: '32-bit data of our DISCONNECT' })
        .option('json', { type: 'boolean', default: d.json, describe: 'print JSON lines instead of text' })
        .option('checksum', { type: 'boolean', default: d.checksum, describe: "ENet's CRC-32 on every datagram (both ends must agree)" })
        .option('compress', { choices: COMPRESSION_NAMES, default: d.compress, describe: "datagram compression as Godot's ENetConnection.compress (both ends must agree)" })
        .option('timeout-ms', { type: 'number', default: d.timeoutMs, describe: 'give up when the server has not answered within this long' })
        .option('wait-ms', { type: 'number', describe: 'after connecting and sending, stay this long, then disconnect (default: until Ctrl-C)' })
        .option('count', { type: 'number', describe: 'disconnect once this many packets have arrived' })
        .option('print-bytes', { type: 'number', default: d.printBytes, describe: 'payload bytes printed per packet' })
        .option('interval-ms', { type: 'number', default: d.intervalMs, describe: 'service loop interval' })
        .option('profile', { choices: PROTOCOL_PROFILES, default: d.profile, describe: 'which ENet to behave as: an upstream release or a Godot release range (docs/godot.md)' }),
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
          channels: args.channels,
          data: args.data,
          send: args.send ?? null,
          sendFile: args['send-file'] ?? null,
          channel: args.channel,
          flags: args.flags,
          disconnectData: args['disconnect-data'],
          json: args.json,
          checksum: args.checksum,
          compress: args.compress,
          timeoutMs: args['timeout-ms'],
          waitMs: args['wait-ms'] ?? null,
          count: args.count ?? null,
          printBytes: args['print-bytes'],
          intervalMs: args['interval-ms'],
          profile: args.profile,
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
