// `enetsim serve`: an ENet host on a real UDP socket that prints every event and can echo every
// packet back. Also the event printer `enetsim connect` shares.
import type { Argv } from 'yargs';
import { SERVE_COMMAND, SERVE_DESCRIPTION } from './network-commands.js';

import { Defaults, PeerState, Protocol, PROTOCOL_PROFILES, type ProtocolProfile } from '../../enet/constants.js';
import { crc32 } from '../../enet/crc32.js';
import type { Compressor } from '../../enet/host.js';
import type { Peer } from '../../enet/peer.js';
import { COMPRESSOR_NAMES, GODOT_COMPRESSION_MODE_NAMES, createCompressor, type CompressionName as CompressorName } from '../../enet/compressors.js';
import {
  SENDABLE_FLAGS,
  SERVICE_INTERVAL_MS_MAX,
  SERVICE_INTERVAL_MS_MIN,
  UdpHost,
  addressFamily,
  isLoopbackAddress,
  packetKind,
  type CompressedDropReason,
  type DisconnectCause,
  type SocketAddress,
  type UdpHostEvent,
} from '../../native/udp.js';
import {
  GODOT_CLIENT_ID_MIN,
  GODOT_LAYOUTS,
  GODOT_SERVER_ID,
  GODOT_VERSIONS,
  frameGodotPacket,
  readGodotPacket,
  type GodotLayout,
  type GodotVersion,
} from '../../native/udp-godot.js';

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
  interruptSignal: (stillDoing?: string) => AbortSignal;
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
  /** Speak Godot's ENet multiplayer peer of this major version (see docs/serve-connect.md), or null. */
  godot: GodotVersion | null;
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
  godot: null,
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

/** Which end of the connection the printer speaks for: serve (the server) or connect (the client). */
export type PrinterSide = 'server' | 'client';

/**
 * Prints network events as text lines or JSON lines. JSON shapes (one object per line; `atMs` is
 * the time since the command started; `address`/`port` are the peer's real socket address):
 * - `{"event":"listening","address","port","family":"IPv4"|"IPv6","peers","channels","checksum","compress","echo","godot"}`
 * - `{"event":"connecting","address","port","channels","data","godot"}` (connect only)
 * - `{"event":"connect","atMs","peer","address","port","data","channels"}` — `peer` is the slot index,
 *   `data` the 32-bit connect data the client sent (serve only: a client's ENet gets no data back, so
 *   connect's line has no `data`)
 * - `{"event":"receive","atMs","peer","address","port","channel","flags","kind","bytes","crc32","base64","truncated"}`
 *   — `flags` are ENET_PACKET_FLAG_* as received, `kind` one of reliable / unreliable / unsequenced /
 *   unreliableFragment, `crc32` the CRC-32 of the whole payload as 8 hex digits, `base64` its first
 *   `printBytes` bytes. With --godot 3 also `"godot":{"source","target"}`, and the payload is what
 *   follows Godot's 8-byte id header
 * - `{"event":"godotSystem","atMs","peer","address","port","message":"addPeer"|"removePeer"|"unknown","id"}` (--godot 3, channel 0)
 * - `{"event":"sent","atMs","peer","channel","flags","kind","bytes","crc32"}` (connect only)
 * - `{"event":"disconnect","atMs","peer","address","port","data","cause":"remote"|"timeout"|"local"|"other"}`
 *   — `cause` from the ENet core: the peer sent DISCONNECT (`data` is its data), it stopped
 *   acknowledging (timeout), or our own disconnect was acknowledged (serve only; connect's
 *   `shutdown` line says it)
 * - `{"event":"warning","atMs","message"}` (a refused echo or send; datagrams dropped by the ENet
 *   core, the first time for each reason and then at most every 5 s; serve: every peer slot taken by
 *   handshakes that never complete, or a CONNECT refused for want of a slot, once per episode, and
 *   when a slot is free again; --godot: a peer Godot would refuse or a packet it would drop)
 * - `{"event":"failed","atMs","message","dropped"}` (connect only: the handshake got nowhere; last)
 * - `{"event":"shutdown","atMs","reason":"interrupt"|"done"|"remoteDisconnect"|"timeout","disconnectingPeers","timedOut","forcedPeers","dropped","stats"}`
 *   last; `dropped` counts the datagrams the core dropped, by reason.
 */
export class EventPrinter {
  private readonly startMs = performance.now();

  constructor(
    private readonly io: NetworkIo,
    private readonly json: boolean,
    private readonly printBytes: number,
    private readonly side: PrinterSide = 'server',
    private readonly godot: GodotLayout | null = null,
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
        if (this.side === 'client') this.line('connect', { ...common, channels: event.peer.channelCount }, `connect     ${who}  channels ${event.peer.channelCount}`);
        else this.line('connect', { ...common, data: event.data, channels: event.peer.channelCount }, `connect     ${who}  data ${event.data}  channels ${event.peer.channelCount}`);
        break;
      case 'disconnect':
        this.line('disconnect', { ...common, data: event.data, cause: event.cause }, `disconnect  ${who}  ${disconnectText(event.cause, event.data)}`);
        break;
      case 'receive':
        this.receive(event, common, who);
        break;
    }
  }

  private receive(event: Extract<UdpHostEvent, { type: 'receive' }>, common: Record<string, unknown>, who: string): void {
    let data = event.packet.data;
    let godotFields: Record<string, unknown> = {};
    let godotText = '';
    if (this.godot !== null) {
      const read = readGodotPacket(this.godot, event.channelID, data);
      if (read.kind === 'system') {
        const what = read.message === 'addPeer' ? `peer ${read.peerId} added` : read.message === 'removePeer' ? `peer ${read.peerId} removed` : `unknown message ${read.code} about peer ${read.peerId}`;
        this.line('godotSystem', { ...common, message: read.message, id: read.peerId }, `godot       ${who}  channel ${event.channelID}  ${what}`);
        return;
      }
      if (read.kind === 'malformed') {
        this.warning(`${who} channel ${event.channelID}: ${read.reason}`);
      } else if (read.sourceId !== null) {
        data = read.payload;
        godotFields = { godot: { source: read.sourceId, target: read.targetId } };
        godotText = `  from ${read.sourceId} to ${read.targetId}`;
      }
    }
    const shown = data.subarray(0, this.printBytes);
    const truncated = shown.length < data.length;
    const flags = event.packet.flags & SENDABLE_FLAGS;
    const checksum = crc32Hex(data);
    this.line(
      'receive',
      { ...common, channel: event.channelID, flags, kind: packetKind(flags), ...godotFields, bytes: data.length, crc32: checksum, base64: Buffer.from(shown).toString('base64'), truncated },
      `receive     ${who}  channel ${event.channelID}  ${packetKind(flags)}${godotText}  ${data.length} bytes  crc32 ${checksum}  "${textPreview(shown)}${truncated ? '…' : ''}"`,
    );
  }

  warning(message: string): void {
    this.line('warning', { atMs: this.elapsedMs(), message }, `warning: ${message}`);
  }
}

/** The end of a disconnect line: what the core says happened. */
function disconnectText(cause: DisconnectCause, data: number): string {
  switch (cause) {
    case 'timeout':
      return 'timed out (it stopped acknowledging)';
    case 'local':
      return 'acknowledged our disconnect';
    default:
      return `data ${data}`;
  }
}

// ---- dropped datagrams ---------------------------------------------------------------------------

/** How often the periodic count of dropped datagrams may be printed. */
export const DROP_REPORT_INTERVAL_MS = 5000;
/** How often serve and connect look at the core's drop counters. */
export const DROP_CHECK_INTERVAL_MS = 250;

/** Running counts of dropped datagrams by reason (the core's DatagramDropReason and CommandStopReason, and the adapter's own). */
export type DropCounts = Record<string, number>;

/**
 * Reasons that mean the two ends do not understand each other (or this end cannot keep up): printed
 * the moment they first appear. The others (a late datagram for a peer already gone, a CONNECT
 * refused for want of a slot) happen in healthy sessions and only show in the counts.
 */
const LOUD_DROP_REASONS = new Set([
  'compressionUnsupported',
  'decompressionFailed',
  'checksumMismatch',
  'unexpectedChecksum',
  'truncatedHeader',
  'unknownCommand',
  'truncatedCommand',
  'oversize',
  'receiveBufferFull',
]);

/** The counts of one host: the core's drops by reason and the adapter's finding of unexpected checksums. */
export function dropCounts(udp: UdpHost): DropCounts {
  const counts: DropCounts = {};
  for (const [reason, count] of Object.entries(udp.host.droppedDatagrams)) if (count !== undefined && count > 0) counts[reason] = count;
  for (const [reason, count] of Object.entries(udp.host.stoppedCommands)) if (count !== undefined && count > 0) counts[reason] = (counts[reason] ?? 0) + count;
  if (udp.stats.datagramsWithUnexpectedChecksum > 0) counts['unexpectedChecksum'] = udp.stats.datagramsWithUnexpectedChecksum;
  return counts;
}

/** `reason N, reason N` in a stable order (by name). */
export function formatDropCounts(counts: DropCounts): string {
  return Object.keys(counts)
    .sort()
    .map((reason) => `${reason} ${counts[reason]}`)
    .join(', ');
}

/** True for the reasons whose hint can name the peer's compressor. */
export function isCompressedDropReason(reason: string): reason is CompressedDropReason {
  return reason === 'compressionUnsupported' || reason === 'decompressionFailed';
}

/** What this end's settings were, for the hints. */
export interface DropHintContext {
  checksum: boolean;
  compress: CompressionName;
}

/** `--compress zlib (Godot: COMPRESS_ZLIB)`. */
function compressFlag(name: CompressorName): string {
  return `--compress ${name} (Godot: ${GODOT_COMPRESSION_MODE_NAMES[name]})`;
}

/** The compressors to offer when the peer's is not known for sure: the candidates when some read its datagrams, else all four. */
function compressOptions(candidates: readonly CompressorName[] | null): string {
  const names = candidates !== null && candidates.length > 0 ? candidates : COMPRESSOR_NAMES;
  return `${names.length > 1 ? 'one of ' : ''}${names.map(compressFlag).join(', ')}`;
}

/**
 * What a drop reason means and what to do about it, or null for the reasons that need no hint.
 * `peerCompressors` (compressionUnsupported, decompressionFailed): the compressors that read a
 * dropped datagram of the peer (UdpHost.peerCompressors), or null when not known; exactly one names
 * the flag to start with, otherwise the hint lists the options.
 */
export function dropHint(reason: string, context: DropHintContext, counts: DropCounts, peerCompressors: readonly CompressorName[] | null = null): string | null {
  const identified = peerCompressors !== null && peerCompressors.length === 1 ? peerCompressors[0]! : null;
  switch (reason) {
    case 'compressionUnsupported':
      if (identified !== null) return `the peer compresses with ${identified} (Godot: ${GODOT_COMPRESSION_MODE_NAMES[identified]}) and this end has --compress none: start with --compress ${identified}`;
      return (
        "the peer compresses its datagrams (ENet's compressed flag is set) and this end has --compress none: " +
        `start with the peer's compressor, ${compressOptions(peerCompressors)}`
      );
    case 'decompressionFailed':
      if (identified !== null) {
        return `the peer's compressed datagrams do not decode with --compress ${context.compress}: the peer compresses with ${identified} (Godot: ${GODOT_COMPRESSION_MODE_NAMES[identified]}): start with --compress ${identified}`;
      }
      return (
        `the peer's compressed datagrams do not decode with --compress ${context.compress}: the peer uses another compressor, and both ends must use the same: ` +
        `${compressOptions(peerCompressors)}, or none on both ends`
      );
    case 'checksumMismatch':
      return "this end has --checksum and the peer's datagrams carry no matching ENet CRC-32: the peer uses no checksums (drop --checksum) or another checksum";
    case 'unexpectedChecksum':
      return "the peer uses checksums (its datagrams carry ENet's CRC-32 after the header, which this end reads as a command): add --checksum";
    case 'unknownCommand':
    case 'truncatedCommand':
    case 'truncatedHeader':
      if ((counts['unexpectedChecksum'] ?? 0) > 0) return 'the datagrams of a peer that uses checksums (see above)';
      return context.checksum
        ? 'datagrams that do not parse as ENet: is this an ENet peer, with the same protocol version?'
        : 'datagrams that do not parse as ENet: the peer may use checksums (then add --checksum), or it is not an ENet peer';
    case 'oversize':
      return 'a packet larger than --max-packet-bytes';
    case 'receiveBufferFull':
      return 'datagrams arrived faster than this end drained them; the sender retransmits what was reliable';
    default:
      return null;
  }
}

/**
 * Decides what to say about dropped datagrams, from the running counts: one line the first time a
 * loud reason appears (with its hint), and then, while loud drops keep coming, one line with all
 * counts at most every {@link DROP_REPORT_INTERVAL_MS}. Never one line per datagram.
 */
export class DropWatch {
  private readonly announced = new Set<string>();
  private loudTotalReported = 0;
  private lastReportAtMs: number | null = null;

  /** `peerCompressors`: asked once per compression reason as it is announced (see {@link dropHint}). */
  constructor(
    private readonly context: DropHintContext,
    private readonly peerCompressors: (reason: CompressedDropReason) => readonly CompressorName[] | null = () => null,
  ) {}

  /** The lines to print for `counts` seen at `nowMs` (any monotonic ms). */
  observe(counts: DropCounts, nowMs: number): string[] {
    const lines: string[] = [];
    // unexpectedChecksum first, so that the hint of the command reasons can point at it.
    const reasons = Object.keys(counts).sort((a, b) => Number(b === 'unexpectedChecksum') - Number(a === 'unexpectedChecksum') || a.localeCompare(b));
    let loudTotal = 0;
    for (const reason of reasons) {
      if (!LOUD_DROP_REASONS.has(reason)) continue;
      loudTotal += counts[reason]!;
      if (this.announced.has(reason)) continue;
      this.announced.add(reason);
      const hint = dropHint(reason, this.context, counts, isCompressedDropReason(reason) ? this.peerCompressors(reason) : null);
      lines.push(`dropped ${counts[reason]} datagram${counts[reason] === 1 ? '' : 's'} (${reason})${hint === null ? '' : `: ${hint}`}`);
    }
    if (lines.length > 0) {
      this.loudTotalReported = loudTotal;
      this.lastReportAtMs ??= nowMs;
      return lines;
    }
    if (loudTotal > this.loudTotalReported && (this.lastReportAtMs === null || nowMs - this.lastReportAtMs >= DROP_REPORT_INTERVAL_MS)) {
      this.loudTotalReported = loudTotal;
      this.lastReportAtMs = nowMs;
      lines.push(`dropped datagrams so far: ${formatDropCounts(counts)}`);
    }
    return lines;
  }

  /** True once a loud reason has been seen. */
  get mismatchSeen(): boolean {
    return this.announced.size > 0;
  }
}

/** Looks at the drop counters every {@link DROP_CHECK_INTERVAL_MS} and prints what DropWatch decides; returns a function that stops it and prints what is left. */
export function watchDrops(udp: UdpHost, printer: EventPrinter, context: DropHintContext): () => void {
  const watch = new DropWatch(context, (reason) => udp.peerCompressors(reason));
  const check = (): void => {
    for (const line of watch.observe(dropCounts(udp), performance.now())) printer.warning(line);
  };
  const timer = setInterval(check, DROP_CHECK_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    check();
  };
}

/** The summary's second text line when something was dropped for a loud reason, or null. */
export function droppedSummary(counts: DropCounts): string | null {
  if (!Object.keys(counts).some((reason) => LOUD_DROP_REASONS.has(reason))) return null;
  return `dropped datagrams: ${formatDropCounts(counts)}`;
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
  if (options.godot !== null && !GODOT_VERSIONS.includes(options.godot)) return { ok: false, message: `--godot must be one of ${GODOT_VERSIONS.join(', ')}, got '${options.godot}'` };
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
 * event (echoing packets with --echo) and the datagrams the core drops, then disconnects every peer
 * (data 0), waits up to {@link SHUTDOWN_TIMEOUT_MS} for their DISCONNECT events, tells those still
 * there with a disconnect_now, closes the socket and returns 0. Returns 2 with a message on stderr
 * for bad options, 1 when the socket cannot be bound.
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
  const godot = options.godot === null ? null : GODOT_LAYOUTS[options.godot];
  const printer = new EventPrinter(io, options.json, options.printBytes, 'server', godot);
  const local = udp.localAddress;
  const channels = udp.host.channelLimit;
  printer.line(
    'listening',
    { address: local.address, port: local.port, family: local.family, peers: options.peers, channels, checksum: options.checksum, compress: options.compress, echo: options.echo, godot: options.godot },
    `listening on ${formatEndpoint(local)} (${local.family}, ${options.peers} peers, ${channels} channels, checksum ${options.checksum ? 'on' : 'off'}, compression ${options.compress}${options.echo ? ', echo' : ''}${options.godot === null ? '' : `, Godot ${options.godot}`})`,
  );
  if (!isLoopbackAddress(local.address)) printer.warning('listening beyond loopback: anyone who can reach this address can connect');
  const godotIds = new GodotIds();
  udp.onEvent = (event) => {
    if (godot !== null && event.type === 'connect' && !godotIds.admit(event.peer.incomingPeerID, event.data)) {
      // Godot's server resets such a peer without a word (its client then times out); so do we, but say it.
      printer.warning(
        `peer ${event.peer.incomingPeerID} ${formatEndpoint(event.remote)} reset as Godot's server would: connect data ${event.data} is ${event.data < GODOT_CLIENT_ID_MIN ? 'not a Godot client id (2 or more)' : 'the id of another connected peer'}`,
      );
      event.peer.reset();
      return;
    }
    if (godot !== null && event.type === 'disconnect' && !godotIds.leave(event.peer.incomingPeerID)) return;
    printer.event(event);
    if (event.type !== 'receive') return;
    if (godot !== null) checkGodotSource(printer, godot, godotIds, event);
    if (options.echo) echo(udp, printer, godot, godotIds, event.peer, event.channelID, event.packet.data, event.packet.flags);
  };
  const stopWatchingSlots = watchSlots(udp, printer, options.peerTimeoutMs);
  const stopWatchingDrops = watchDrops(udp, printer, { checksum: options.checksum, compress: options.compress });
  await aborted(signal);
  stopWatchingSlots();
  const { disconnectingCount, timedOut, forcedCount } = await udp.shutdown(0, SHUTDOWN_TIMEOUT_MS);
  stopWatchingDrops();
  const dropped = dropCounts(udp);
  printer.line(
    'shutdown',
    { atMs: printer.elapsedMs(), reason: 'interrupt', disconnectingPeers: disconnectingCount, timedOut, forcedPeers: forcedCount, dropped, stats: { ...udp.stats } },
    `shutdown: ${disconnectingCount} peer${disconnectingCount === 1 ? '' : 's'} disconnected${timedOut ? ` (${forcedCount} did not acknowledge within 1 s and got a disconnect_now)` : ''}`,
  );
  const droppedLine = droppedSummary(dropped);
  if (droppedLine !== null && !options.json) io.stdout(`${droppedLine}\n`);
  return NetworkExitCode.ok;
}

/** serve --godot: the Godot id (connect data) of each connected peer slot, as Godot's server keeps them. */
export class GodotIds {
  private readonly idByPeerIndex = new Map<number, number>();

  /** Records a connecting peer's id; false when Godot would refuse it (an id below 2 or one in use). */
  admit(peerIndex: number, id: number): boolean {
    if (id < GODOT_CLIENT_ID_MIN) return false;
    for (const used of this.idByPeerIndex.values()) if (used === id) return false;
    this.idByPeerIndex.set(peerIndex, id);
    return true;
  }

  /** Forgets a peer; false when it had never been admitted (a reset one: its DISCONNECT is not news). */
  leave(peerIndex: number): boolean {
    return this.idByPeerIndex.delete(peerIndex);
  }

  idOf(peerIndex: number): number | undefined {
    return this.idByPeerIndex.get(peerIndex);
  }
}

/** Godot 3's server drops a packet whose source id is not the sender's id, and a client's packet on channel 0: say so. */
function checkGodotSource(printer: EventPrinter, godot: GodotLayout, ids: GodotIds, event: Extract<UdpHostEvent, { type: 'receive' }>): void {
  const read = readGodotPacket(godot, event.channelID, event.packet.data);
  const who = `peer ${event.peer.incomingPeerID}`;
  if (read.kind === 'system') printer.warning(`${who} sent on channel ${event.channelID}, which only Godot's server uses (Godot's server drops it)`);
  else if (read.kind === 'data' && read.sourceId !== null && read.sourceId !== ids.idOf(event.peer.incomingPeerID)) {
    printer.warning(`${who}'s packet says it comes from ${read.sourceId}, but its id is ${ids.idOf(event.peer.incomingPeerID)} (Godot's server drops it)`);
  }
}

/** Sends a packet back on its channel with its flags; --godot 3 rewrites the id header as Godot's server would address the sender. */
function echo(udp: UdpHost, printer: EventPrinter, godot: GodotLayout | null, ids: GodotIds, peer: Peer, channelID: number, data: Uint8Array, flags: number): void {
  let reply = data;
  if (godot !== null && godot.headerBytes > 0) {
    const read = readGodotPacket(godot, channelID, data);
    if (read.kind !== 'data') return;
    reply = frameGodotPacket(godot, GODOT_SERVER_ID, ids.idOf(peer.incomingPeerID) ?? 0, read.payload);
  }
  const result = udp.send(peer, channelID, reply, flags & SENDABLE_FLAGS);
  if (!result.ok) printer.warning(`echo to peer ${peer.incomingPeerID} on channel ${channelID} refused: ${result.reason}`);
}

// ---- yargs -------------------------------------------------------------------------------------

/** Adds `serve` to a yargs parser (see registerNetworkCommands in connect.ts, which adds both). */
export function registerServeCommand<T>(parser: Argv<T>, context: NetworkCommandContext): Argv<T> {
  const d = SERVE_DEFAULTS;
  return parser.command(
    SERVE_COMMAND,
    SERVE_DESCRIPTION,
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
        .option('profile', { choices: PROTOCOL_PROFILES, default: d.profile, describe: 'which ENet to behave as: an upstream release or a Godot release range (docs/godot.md)' })
        .option('godot', {
          type: 'string',
          choices: GODOT_VERSIONS,
          describe:
            "act as the server of Godot's ENet multiplayer peer of this major version: accept a client only with connect data 2 or more not already in use (Godot resets others), " +
            'read (3) the 8-byte id header on every packet, and echo with the header addressed from the server (id 1) to the client; see docs/serve-connect.md',
        }),
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
          godot: args.godot ?? null,
        },
        context.io,
        signal,
      );
      context.setExitCode(code);
    },
  );
}
