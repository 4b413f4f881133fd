// `enetsim serve`: an ENet host on a real UDP socket that prints every event and can echo every
// packet back. Also the event printer `enetsim connect` shares.
import type { Argv } from 'yargs';

import { Defaults, PeerState, Protocol, PROTOCOL_PROFILES, type ProtocolProfile } from '../../enet/constants.js';
import { crc32 } from '../../enet/crc32.js';
import type { Compressor } from '../../enet/host.js';
import type { Peer } from '../../enet/peer.js';
import { COMPRESSOR_NAMES, createCompressor, type CompressionName as CompressorName } from '../../enet/compressors.js';
import {
  SENDABLE_FLAGS,
  SERVICE_INTERVAL_MS_MAX,
  SERVICE_INTERVAL_MS_MIN,
  UdpHost,
  addressFamily,
  isLoopbackAddress,
  packetKind,
  type SocketAddress,
  type UdpHostEvent,
} from '../../native/udp.js';

/** What serve and connect write to: the CliIo subset they need. */
export interface NetworkIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** How serve and connect learn about Ctrl-C, and how they report their exit code (see registerNetworkCommands). */
export interface NetworkCommandContext {
  io: NetworkIo;
  /**
   * Returns a signal that aborts on Ctrl-C (SIGINT) or SIGTERM. Called once when serve or connect
   * starts, so that other commands keep the default Ctrl-C behaviour.
   */
  interruptSignal: () => AbortSignal;
  setExitCode: (code: number) => void;
  /**
   * True when yargs already reported a usage error for this command line. yargs still runs the
   * handler after a `.fail()` that does not throw; the handlers then return at once, so that
   * `serve --port 1 --bogus` reports the flag and does not start serving.
   */
  usageFailed?: () => boolean;
}

/** --compress values: none, or a compressor as Godot's ENetConnection.compress offers them. */
export type CompressionName = 'none' | CompressorName;
export const COMPRESSION_NAMES: readonly CompressionName[] = ['none', ...COMPRESSOR_NAMES];

/** Exit codes of serve and connect: 0 done, 1 the network failed us, 2 bad flags. */
export const NetworkExitCode = { ok: 0, failed: 1, invalidInput: 2 } as const;

/** Options of `enetsim serve`; {@link SERVE_DEFAULTS} has the default of each. */
export interface ServeOptions {
  /** Address to bind (IPv4 or IPv6 literal). Loopback unless the user names another one. */
  host: string;
  /** UDP port; 0 picks a free one (printed in the `listening` line). */
  port: number;
  /** Send every received packet back on its channel with its flags. */
  echo: boolean;
  /** JSON lines instead of text. */
  json: boolean;
  /** Peer slots (ENet's peerCount), 1..4095. */
  peers: number;
  /** Channel limit, 0..255 (0 = 255). */
  channels: number;
  checksum: boolean;
  compress: CompressionName;
  /** host->maximumPacketSize in bytes. */
  maxPacketBytes: number;
  /** host->maximumWaitingData in bytes. */
  maxWaitingBytes: number;
  /** host->duplicatePeers: connections allowed from one IP address. */
  duplicatePeers: number;
  /** When set, every peer's timeout: dropped after this long without acknowledgement (min and max). Null = ENet's 5–30 s. */
  peerTimeoutMs: number | null;
  /** Payload bytes printed per packet (text preview, or base64 in JSON). */
  printBytes: number;
  /** Service loop interval in ms. */
  intervalMs: number;
  profile: ProtocolProfile;
}

export const SERVE_DEFAULTS: Omit<ServeOptions, 'port'> = {
  host: '127.0.0.1',
  echo: false,
  json: false,
  peers: 32,
  channels: 0,
  checksum: false,
  compress: 'none',
  maxPacketBytes: 32 * 1024 * 1024,
  maxWaitingBytes: 32 * 1024 * 1024,
  duplicatePeers: Protocol.maximumPeerId,
  peerTimeoutMs: null,
  printBytes: 64,
  intervalMs: 5,
  profile: '1.3.18',
};

/** The largest --print-bytes (a JSON line stays under ~1.4 MB). */
export const PRINT_BYTES_MAX = 1024 * 1024;
/** How long serve and connect wait for DISCONNECT acknowledgements on Ctrl-C. */
export const SHUTDOWN_TIMEOUT_MS = 1000;

// ---- printing ----------------------------------------------------------------------------------

/** `1.2.3.4:5` or `[::1]:5`. */
export function formatEndpoint(remote: SocketAddress): string {
  return remote.address.includes(':') ? `[${remote.address}]:${remote.port}` : `${remote.address}:${remote.port}`;
}

function textPreview(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else if (byte === 0x0a) text += '\\n';
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return text;
}

/**
 * Prints network events as text lines or JSON lines. JSON shapes (one object per line; `atMs` is
 * the time since the command started; `address`/`port` are the peer's real socket address):
 * - `{"event":"listening","address","port","family":"IPv4"|"IPv6","peers","channels","checksum","compress","echo"}`
 * - `{"event":"connecting","address","port","channels","data"}` (connect only)
 * - `{"event":"connect","atMs","peer","address","port","data","channels"}` — `peer` is the slot index,
 *   `data` the 32-bit connect data (0 on the client side: ENet sends none back)
 * - `{"event":"receive","atMs","peer","address","port","channel","flags","kind","bytes","crc32","base64","truncated"}`
 *   — `flags` are ENET_PACKET_FLAG_* as received, `kind` one of reliable / unreliable / unsequenced /
 *   unreliableFragment, `crc32` the CRC-32 of the whole payload as 8 hex digits, `base64` its first
 *   `printBytes` bytes
 * - `{"event":"sent","atMs","peer","channel","flags","kind","bytes","crc32"}` (connect only)
 * - `{"event":"disconnect","atMs","peer","address","port","data"}`
 * - `{"event":"warning","atMs","message"}` (a refused echo or send; serve: every peer slot taken by
 *   handshakes that never complete, or a CONNECT refused for want of a slot, once per episode, and
 *   when a slot is free again)
 * - `{"event":"shutdown","atMs","reason":"interrupt"|"done"|"remoteDisconnect","disconnectingPeers","timedOut","stats"}` last.
 */
export class EventPrinter {
  private readonly startMs = performance.now();

  constructor(
    private readonly io: NetworkIo,
    private readonly json: boolean,
    private readonly printBytes: number,
  ) {}

  /** Writes one event: `fields` as a JSON line, or `text` as a line. */
  line(event: string, fields: Record<string, unknown>, text: string): void {
    if (this.json) this.io.stdout(`${JSON.stringify({ event, ...fields })}\n`);
    else this.io.stdout(`${text}\n`);
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.startMs);
  }

  event(event: UdpHostEvent): void {
    const common = { atMs: this.elapsedMs(), peer: event.peer.incomingPeerID, address: event.remote.address, port: event.remote.port };
    const who = `peer ${event.peer.incomingPeerID}  ${formatEndpoint(event.remote)}`;
    switch (event.type) {
      case 'connect':
        this.line('connect', { ...common, data: event.data, channels: event.peer.channelCount }, `connect     ${who}  data ${event.data}  channels ${event.peer.channelCount}`);
        break;
      case 'disconnect':
        this.line('disconnect', { ...common, data: event.data }, `disconnect  ${who}  data ${event.data}`);
        break;
      case 'receive': {
        const data = event.packet.data;
        const shown = data.subarray(0, this.printBytes);
        const truncated = shown.length < data.length;
        const flags = event.packet.flags & SENDABLE_FLAGS;
        const checksum = crc32Hex(data);
        this.line(
          'receive',
          { ...common, channel: event.channelID, flags, kind: packetKind(flags), bytes: data.length, crc32: checksum, base64: Buffer.from(shown).toString('base64'), truncated },
          `receive     ${who}  channel ${event.channelID}  ${packetKind(flags)}  ${data.length} bytes  crc32 ${checksum}  "${textPreview(shown)}${truncated ? '…' : ''}"`,
        );
        break;
      }
    }
  }

  warning(message: string): void {
    this.line('warning', { atMs: this.elapsedMs(), message }, `warning: ${message}`);
  }
}

/** The CRC-32 of a payload as 8 hex digits (what the C peer and the JSON output print). */
export function crc32Hex(data: Uint8Array): string {
  return crc32([data]).toString(16).padStart(8, '0');
}

// ---- shared validation -------------------------------------------------------------------------

/** A problem with one flag, worded for the person who typed it. */
export type FlagCheck = { ok: true } | { ok: false; message: string };

export function checkInteger(name: string, value: number, minimum: number, maximum: number): FlagCheck {
  if (Number.isInteger(value) && value >= minimum && value <= maximum) return { ok: true };
  return { ok: false, message: `--${name} must be a whole number from ${minimum} to ${maximum}, got ${Number.isNaN(value) ? 'not a number' : value}` };
}

/** The first failing check, or ok. */
export function firstProblem(checks: readonly FlagCheck[]): FlagCheck {
  return checks.find((check) => !check.ok) ?? { ok: true };
}

/** A new compressor for a --compress name (one per host: it keeps a workspace); null for 'none'. */
export function compressorFor(name: CompressionName): Compressor | null {
  return name === 'none' ? null : createCompressor(name);
}

/** Resolves when `signal` aborts (at once when it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export function usageError(io: NetworkIo, command: string, message: string): number {
  io.stderr(`enetsim ${command}: ${message}\nRun "enetsim ${command} --help" for usage.\n`);
  return NetworkExitCode.invalidInput;
}

function checkServeOptions(options: ServeOptions): FlagCheck {
  const family = addressFamily(options.host);
  if (family === null) return { ok: false, message: `--host must be an IPv4 or IPv6 address, got '${options.host}'` };
  if (!COMPRESSION_NAMES.includes(options.compress)) return { ok: false, message: `--compress must be one of ${COMPRESSION_NAMES.join(', ')}, got '${options.compress}'` };
  return firstProblem([
    checkInteger('port', options.port, 0, 65535),
    checkInteger('peers', options.peers, 1, Protocol.maximumPeerId),
    checkInteger('channels', options.channels, 0, Protocol.maximumChannelCount),
    checkInteger('max-packet-bytes', options.maxPacketBytes, 1, 0xffffffff),
    checkInteger('max-waiting-bytes', options.maxWaitingBytes, 1, 0xffffffff),
    checkInteger('duplicate-peers', options.duplicatePeers, 1, Protocol.maximumPeerId),
    options.peerTimeoutMs === null ? { ok: true } : checkInteger('peer-timeout-ms', options.peerTimeoutMs, 1, 0xffffffff),
    checkInteger('print-bytes', options.printBytes, 0, PRINT_BYTES_MAX),
    checkInteger('interval-ms', options.intervalMs, SERVICE_INTERVAL_MS_MIN, SERVICE_INTERVAL_MS_MAX),
  ]);
}

// ---- peer slots ----------------------------------------------------------------------------------

/** How often serve looks at its peer slots for a lock-out (a flood of CONNECTs that never complete). */
export const SLOT_CHECK_INTERVAL_MS = 250;

/** What a look at the slots found: a lock-out starting or ending, or nothing new. */
export type SlotChange =
  | { kind: 'lockedOut'; slotsCount: number; halfOpenCount: number }
  | { kind: 'freed'; slotsCount: number }
  | null;

/**
 * Tracks lock-out episodes: every peer slot taken, and either all of them half-open (handshakes that
 * never completed: ENet keeps each until its timeout, 5 to 30 s by default) or a CONNECT refused
 * since the last look. ENet says nothing when it ignores a CONNECT for want of a slot, so without
 * this a legitimate client just times out. Reports each episode once, at its start and its end.
 */
export class SlotWatch {
  private lockedOut = false;
  private refusedCountSeen = 0;

  /** `states`: every slot's state; `refusedCount`: the host's running count of refused commands. */
  observe(states: readonly PeerState[], refusedCount: number): SlotChange {
    const refusedSinceLast = refusedCount > this.refusedCountSeen;
    this.refusedCountSeen = refusedCount;
    const full = states.every((state) => state !== PeerState.STATE_DISCONNECTED);
    const halfOpenCount = states.filter((state) => state === PeerState.STATE_ACKNOWLEDGING_CONNECT).length;
    if (!this.lockedOut && full && (halfOpenCount === states.length || refusedSinceLast)) {
      this.lockedOut = true;
      return { kind: 'lockedOut', slotsCount: states.length, halfOpenCount };
    }
    if (this.lockedOut && !full) {
      this.lockedOut = false;
      return { kind: 'freed', slotsCount: states.length };
    }
    return null;
  }
}

/** The line serve prints when a lock-out starts: what happens, for how long, and the knobs. */
export function lockedOutMessage(change: Extract<SlotChange, { kind: 'lockedOut' }>, peerTimeoutMs: number | null): string {
  const timeout = peerTimeoutMs === null ? `ENet's timeout (${Defaults.peerTimeoutMinimumMs / 1000}–${Defaults.peerTimeoutMaximumMs / 1000} s by default)` : `--peer-timeout-ms (${peerTimeoutMs} ms)`;
  return (
    `all ${change.slotsCount} peer slots are taken (${change.halfOpenCount} by handshakes that have not completed): new CONNECTs are ignored, so clients cannot connect ` +
    `until ${timeout} drops a slot. A CONNECT flood looks like this. --peer-timeout-ms N frees half-open slots after N ms (and drops any peer silent that long); --peers raises the slot count`
  );
}

function watchSlots(udp: UdpHost, printer: EventPrinter, peerTimeoutMs: number | null): () => void {
  const watch = new SlotWatch();
  const timer = setInterval(() => {
    const change = watch.observe(
      udp.host.peers.map((peer) => peer.state),
      udp.host.stoppedCommands.commandRefused ?? 0,
    );
    if (change?.kind === 'lockedOut') printer.warning(lockedOutMessage(change, peerTimeoutMs));
    else if (change?.kind === 'freed') printer.warning(`a peer slot is free again: new clients can connect`);
  }, SLOT_CHECK_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

// ---- the command -------------------------------------------------------------------------------

/**
 * Runs `enetsim serve` until `signal` aborts (Ctrl-C): binds, prints `listening`, prints every
 * event (echoing packets with --echo), then disconnects every peer (data 0), waits up to
 * {@link SHUTDOWN_TIMEOUT_MS} for their DISCONNECT events, closes the socket and returns 0.
 * Returns 2 with a message on stderr for bad options, 1 when the socket cannot be bound.
 */
export async function serveCommand(options: ServeOptions, io: NetworkIo, signal: AbortSignal): Promise<number> {
  const problem = checkServeOptions(options);
  if (!problem.ok) return usageError(io, 'serve', problem.message);
  let udp: UdpHost;
  try {
    udp = await UdpHost.open({
      bindAddress: options.host,
      bindPort: options.port,
      peerCount: options.peers,
      channelLimit: options.channels,
      checksum: options.checksum,
      compressor: compressorFor(options.compress),
      maximumPacketSizeBytes: options.maxPacketBytes,
      maximumWaitingDataBytes: options.maxWaitingBytes,
      duplicatePeers: options.duplicatePeers,
      peerTimeout: options.peerTimeoutMs === null ? null : { limit: 0, minimumMs: options.peerTimeoutMs, maximumMs: options.peerTimeoutMs },
      serviceIntervalMs: options.intervalMs,
      profile: options.profile,
    });
  } catch (error) {
    io.stderr(`enetsim serve: ${(error as Error).message}\n`);
    return NetworkExitCode.failed;
  }
  const printer = new EventPrinter(io, options.json, options.printBytes);
  const local = udp.localAddress;
  const channels = udp.host.channelLimit;
  printer.line(
    'listening',
    { address: local.address, port: local.port, family: local.family, peers: options.peers, channels, checksum: options.checksum, compress: options.compress, echo: options.echo },
    `listening on ${formatEndpoint(local)} (${local.family}, ${options.peers} peers, ${channels} channels, checksum ${options.checksum ? 'on' : 'off'}, compression ${options.compress}${options.echo ? ', echo' : ''})`,
  );
  if (!isLoopbackAddress(local.address)) printer.warning('listening beyond loopback: anyone who can reach this address can connect');
  udp.onEvent = (event) => {
    printer.event(event);
    if (options.echo && event.type === 'receive') echo(udp, printer, event.peer, event.channelID, event.packet.data, event.packet.flags);
  };
  const stopWatching = watchSlots(udp, printer, options.peerTimeoutMs);
  await aborted(signal);
  stopWatching();
  const { disconnectingCount, timedOut } = await udp.shutdown(0, SHUTDOWN_TIMEOUT_MS);
  printer.line(
    'shutdown',
    { atMs: printer.elapsedMs(), reason: 'interrupt', disconnectingPeers: disconnectingCount, timedOut, stats: { ...udp.stats } },
    `shutdown: ${disconnectingCount} peer${disconnectingCount === 1 ? '' : 's'} disconnected${timedOut ? ' (some did not acknowledge within 1 s)' : ''}`,
  );
  return NetworkExitCode.ok;
}

function echo(udp: UdpHost, printer: EventPrinter, peer: Peer, channelID: number, data: Uint8Array, flags: number): void {
  const result = udp.send(peer, channelID, data, flags & SENDABLE_FLAGS);
  if (!result.ok) printer.warning(`echo to peer ${peer.incomingPeerID} on channel ${channelID} refused: ${result.reason}`);
}

// ---- yargs -------------------------------------------------------------------------------------

/** Adds `serve` to a yargs parser (see registerNetworkCommands in connect.ts, which adds both). */
export function registerServeCommand<T>(parser: Argv<T>, context: NetworkCommandContext): Argv<T> {
  const d = SERVE_DEFAULTS;
  return parser.command(
    'serve',
    'run an ENet host on a real UDP socket and print its events (Ctrl-C disconnects peers and exits)',
    (command) =>
      command
        .option('port', { type: 'number', demandOption: true, describe: 'UDP port to listen on (0 = any free port)' })
        .option('host', { type: 'string', default: d.host, describe: 'address to bind (IPv4 or IPv6); loopback unless you name another' })
        .option('echo', { type: 'boolean', default: d.echo, describe: 'send every packet back on its channel with its flags' })
        .option('json', { type: 'boolean', default: d.json, describe: 'print JSON lines instead of text' })
        .option('peers', { type: 'number', default: d.peers, describe: 'peer slots (further CONNECTs are ignored; serve warns once when a flood or too many clients take every slot)' })
        .option('channels', { type: 'number', default: d.channels, describe: 'channel limit (0 = 255)' })
        .option('checksum', { type: 'boolean', default: d.checksum, describe: "ENet's CRC-32 on every datagram (both ends must agree)" })
        .option('compress', { choices: COMPRESSION_NAMES, default: d.compress, describe: "datagram compression as Godot's ENetConnection.compress (both ends must agree)" })
        .option('max-packet-bytes', { type: 'number', default: d.maxPacketBytes, describe: 'largest packet accepted (host->maximumPacketSize)' })
        .option('max-waiting-bytes', { type: 'number', default: d.maxWaitingBytes, describe: 'received data a peer may hold (host->maximumWaitingData)' })
        .option('duplicate-peers', { type: 'number', default: d.duplicatePeers, describe: 'connections allowed from one IP address' })
        .option('peer-timeout-ms', { type: 'number', describe: "drop a silent peer after this long (default: ENet's 5–30 s); also frees the slots of handshakes that never complete, as in a CONNECT flood" })
        .option('print-bytes', { type: 'number', default: d.printBytes, describe: 'payload bytes printed per packet' })
        .option('interval-ms', { type: 'number', default: d.intervalMs, describe: 'service loop interval' })
        .option('profile', { choices: PROTOCOL_PROFILES, default: d.profile, describe: 'which ENet to behave as: an upstream release or a Godot release range (docs/godot.md)' }),
    async (args) => {
      if (context.usageFailed?.() === true) return;
      const signal = context.interruptSignal();
      const code = await serveCommand(
        {
          host: args.host,
          port: args.port,
          echo: args.echo,
          json: args.json,
          peers: args.peers,
          channels: args.channels,
          checksum: args.checksum,
          compress: args.compress,
          maxPacketBytes: args['max-packet-bytes'],
          maxWaitingBytes: args['max-waiting-bytes'],
          duplicatePeers: args['duplicate-peers'],
          peerTimeoutMs: args['peer-timeout-ms'] ?? null,
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
