// The C test peer (native/udp-peer.c): a program linked against the system libenet that talks ENet
// on real loopback UDP sockets with libenet's own sockets and clock. This module builds it on demand
// (gcc + pkg-config libenet, like libenet.ts builds its driver), runs it as a child process and reads
// its JSON-lines output; it also holds the script format and payload formula the peer shares with
// the TypeScript side of the interop tests.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';

import { PacketFlag } from '../enet/constants.js';
import { JsonLineReader } from './json-lines.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const peerSourcePath = path.join(projectRoot, 'native/udp-peer.c');
const peerBinaryPath = chooseBinaryPath();

function chooseBinaryPath(): string {
  const inPackage = path.join(projectRoot, 'build/udp-peer');
  try {
    fs.mkdirSync(path.dirname(inPackage), { recursive: true });
    fs.accessSync(path.dirname(inPackage), fs.constants.W_OK);
    return inPackage;
  } catch {
    return path.join(os.tmpdir(), `enetsim-${process.getuid?.() ?? 'user'}`, 'udp-peer');
  }
}

export type UdpPeerAvailability = { ok: true; binaryPath: string } | { ok: false; reason: string };

let cachedAvailability: UdpPeerAvailability | undefined;

/**
 * Whether the C peer can run here. Builds `build/udp-peer` when it is missing or older than its
 * source; each build goes to a temporary file renamed into place, so parallel test workers are safe.
 */
export function udpPeerAvailability(): UdpPeerAvailability {
  cachedAvailability ??= checkAvailability();
  return cachedAvailability;
}

function checkAvailability(): UdpPeerAvailability {
  if (!fs.existsSync(peerSourcePath)) return { ok: false, reason: `C peer source missing: ${peerSourcePath}` };
  if (fs.existsSync(peerBinaryPath) && fs.statSync(peerBinaryPath).mtimeMs >= fs.statSync(peerSourcePath).mtimeMs) {
    return { ok: true, binaryPath: peerBinaryPath };
  }
  const gcc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (gcc.error) return { ok: false, reason: 'gcc not found: apt-get install -y gcc' };
  const pkgConfig = spawnSync('pkg-config', ['--cflags', '--libs', 'libenet'], { encoding: 'utf8' });
  if (pkgConfig.error) return { ok: false, reason: 'pkg-config not found: apt-get install -y pkg-config' };
  if (pkgConfig.status !== 0) return { ok: false, reason: `libenet not found (${pkgConfig.stderr.trim()}): apt-get install -y libenet-dev` };
  const flags = pkgConfig.stdout.trim().split(/\s+/).filter((flag) => flag.length > 0);
  fs.mkdirSync(path.dirname(peerBinaryPath), { recursive: true });
  const temporaryPath = `${peerBinaryPath}.tmp-${process.pid}-${threadId}-${Date.now()}`;
  const args = ['-O2', '-Wall', '-Wextra', '-o', temporaryPath, peerSourcePath, ...flags];
  const build = spawnSync('gcc', args, { encoding: 'utf8' });
  if (build.status !== 0) {
    fs.rmSync(temporaryPath, { force: true });
    return { ok: false, reason: `building the C peer failed (gcc ${args.join(' ')}):\n${build.stderr ?? ''}${build.error?.message ?? ''}` };
  }
  fs.renameSync(temporaryPath, peerBinaryPath);
  return { ok: true, binaryPath: peerBinaryPath };
}

// ---- scripts and payloads ----------------------------------------------------------------------

/** One packet of an interop script: channel, ENET_PACKET_FLAG_* bits and size. */
export interface ScriptEntry {
  channelID: number;
  flags: number;
  sizeBytes: number;
}

/** Script packets are told apart by their first byte (151·k mod 256 is a bijection for k < 256). */
export const SCRIPT_ENTRIES_MAX = 256;

/** Packet `index` of a script: byte j = (151·index + 7·j + 13·(j >> 8) + 1) mod 256, as the C peer makes it. */
export function scriptPayload(index: number, sizeBytes: number): Uint8Array {
  const payload = new Uint8Array(sizeBytes);
  for (let j = 0; j < sizeBytes; j++) payload[j] = (index * 151 + j * 7 + (j >>> 8) * 13 + 1) & 0xff;
  return payload;
}

/** The script as the C peer's --script argument. */
export function scriptArgument(script: readonly ScriptEntry[]): string {
  if (script.length > SCRIPT_ENTRIES_MAX) throw new RangeError(`a script holds at most ${SCRIPT_ENTRIES_MAX} packets, got ${script.length}`);
  return script.map((entry) => `${entry.channelID}:${entry.flags}:${entry.sizeBytes}`).join(',');
}

/**
 * The payload bytes one fragment carries for a peer (enet_peer_send): mtu − 4 (header) − 24
 * (SEND_FRAGMENT) − 4 when checksums are on.
 */
export function fragmentLengthBytes(mtuBytes: number, checksum: boolean): number {
  return mtuBytes - 4 - 24 - (checksum ? 4 : 0);
}

/**
 * The flags a packet arrives with, as enet_peer_send and the receiver decide them: a packet larger
 * than one fragment becomes reliable fragments unless it is an unreliable-fragment packet; an
 * unreliable-fragment packet that fits one datagram travels as a plain unreliable one; unsequenced
 * wins over nothing but reliable.
 */
export function deliveredFlags(flags: number, sizeBytes: number, fragmentLength: number): number {
  if (sizeBytes > fragmentLength) {
    return (flags & (PacketFlag.reliable | PacketFlag.unreliableFragment)) === PacketFlag.unreliableFragment
      ? PacketFlag.unreliableFragment
      : PacketFlag.reliable;
  }
  if ((flags & (PacketFlag.reliable | PacketFlag.unsequenced)) === PacketFlag.unsequenced) return PacketFlag.unsequenced;
  return flags & PacketFlag.reliable;
}

// ---- running the peer --------------------------------------------------------------------------

/**
 * One JSON line of the C peer. Shapes (all integers; crc32 is the standard CRC-32 of the payload
 * as 8 hex digits):
 * - `{event:'listening'|'bound', port, version}` first, with the bound port and the libenet version;
 * - `{event:'connect', peer, port, data, channels, mtu, fragmentLength}`;
 * - `{event:'receive', peer?, channel, flags, size, crc32, packetThrottle?, index?, intact?, duplicate?}`
 *   (server lines carry the peer's packetThrottle, 0..32, and libenet's smoothed roundTripTime and
 *   roundTripTimeVariance in ms, when it echoes; client lines the script index the echo matched, -1 for none);
 * - `{event:'disconnect', peer, data}`; `{event:'kick', peer, data}`; `{event:'echoFailed', peer, channel}`;
 * - client: `{event:'sent', count, failures, reliableExpected, othersExpected}` and at the end
 *   `{event:'result', ok, reliableExpected, reliableReceived, othersExpected, othersReceived, corrupt,
 *   duplicates, inOrder, disconnected, disconnectData, packetThrottleMin, roundTripTime, roundTripTimeVariance,
 *   lowestRoundTripTime}` (the RTTs read just before disconnecting; or `{event:'result', ok:false, error}`);
 * - server: `{event:'exit', reason}` last.
 */
export interface UdpPeerLine {
  event: string;
  [field: string]: unknown;
}

/** A running C peer. Lines arrive in `lines`; `exited` resolves with the exit code. */
export class UdpPeerProcess {
  readonly lines: UdpPeerLine[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();
  private readonly reader = new JsonLineReader<UdpPeerLine>(this.lines);

  constructor(binaryPath: string, args: readonly string[]) {
    this.child = spawn(binaryPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.takeOutput(chunk));
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      if (this.stderr.length < 64 * 1024) this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code) => {
        this.notify();
        resolve(code);
      });
      this.child.on('error', (error) => {
        this.stderr += `spawn failed: ${error.message}`;
        resolve(null);
      });
    });
  }

  /** Resolves with the first line (past or future) that `predicate` accepts; rejects after `timeoutMs` or at exit. */
  waitForLine(predicate: (line: UdpPeerLine) => boolean, timeoutMs: number): Promise<UdpPeerLine> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.find(predicate);
        if (found !== undefined) return finish(() => resolve(found));
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish(() => reject(new Error(`C peer exited (${this.child.exitCode ?? this.child.signalCode}) before the awaited line; stderr: ${this.stderr}`)));
        }
      };
      const finish = (settle: () => void): void => {
        clearTimeout(deadline);
        this.listeners.delete(check);
        settle();
      };
      const deadline = setTimeout(
        () => finish(() => reject(new Error(`C peer: awaited line did not come within ${timeoutMs} ms; last lines: ${JSON.stringify(this.lines.slice(-5))}`))),
        timeoutMs,
      );
      this.listeners.add(check);
      check();
    });
  }

  /** Asks the peer to stop (SIGTERM) and waits for it; SIGKILL after `graceMs`. */
  async stop(graceMs = 2000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(killer);
    return code;
  }

  private takeOutput(chunk: string): void {
    this.reader.take(chunk);
    this.notify();
  }


  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
