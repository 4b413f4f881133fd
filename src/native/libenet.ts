// The real libenet in the loop: builds native/libenet-driver.c against the system libenet (Debian's
// libenet-dev, 1.3.17) or another build (locateLibenet: a prefix, a source tree or the library
// file, docs/libenet.md), runs it as a child process and drives it synchronously over two FIFOs. Each
// host created through the driver implements HostLike, so the simulator and the tests drive libenet
// exactly as they drive the TypeScript core.
//
// The driver's clock is virtual: every call that makes libenet read the clock carries `nowMs`, and
// the driver's enet_time_get returns exactly that value. Sockets are in-memory queues.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';

import type {
  HostConfigLike,
  HostEventLike,
  HostLike,
  HostDump,
  HostSnapshot,
  PeerObservation,
  PeerSnapshot,
  SentDatagram,
  WireAddress,
} from '../sim/host-impl.js';
import { FrameReader, FrameWriter, MAX_RESPONSE_BYTES, STATUS_OK, type OpName } from './libenet-wire.js';

// src/native/ in a checkout and dist/native/ in a build: the package root is two levels up either way.
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const driverSourcePath = path.join(projectRoot, 'native/libenet-driver.c');

/** Where the driver binary for `library` goes: next to the package when writable, else in the temp directory. */
function chooseBinaryPath(library: LibenetLocation | null): string {
  return cachedBinaryPath(library === null ? 'libenet-driver' : `libenet-driver-${fnv1a32Hex(library.libraryFile)}`);
}

/** Where a built native program named `name` goes (the driver's cache directory). */
function cachedBinaryPath(name: string): string {
  const inPackage = path.join(projectRoot, 'build', name);
  try {
    fs.mkdirSync(path.dirname(inPackage), { recursive: true });
    fs.accessSync(path.dirname(inPackage), fs.constants.W_OK);
    return inPackage;
  } catch {
    return path.join(os.tmpdir(), `enetsim-${process.getuid?.() ?? 'user'}`, name);
  }
}

function fnv1a32Hex(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/** How long the driver may take to open its FIFOs after spawning. */
const DRIVER_STARTUP_TIMEOUT_MS = 10_000;
/** After the first stderr bytes of a failing driver, how long to let the rest of its message arrive. */
const STDERR_SETTLE_MS = 20;
const DRIVER_PROTOCOL_VERSION = 1;
const STDERR_EXCERPT_BYTES = 4000;

export type LibenetAvailability = { ok: true; driverPath: string } | { ok: false; reason: string };

/** A libenet other than the system's: the shared library to link and the headers it was built from. */
export interface LibenetLocation {
  libraryFile: string;
  includeDir: string;
}

const cachedAvailability = new Map<string, LibenetAvailability>();

/**
 * Finds the library and headers of a libenet build from what a user points at: an install prefix
 * (PREFIX/lib/libenet.so, PREFIX/include/enet/enet.h), a source tree built in place (libenet.so
 * beside include/), or the library file itself (headers in ../include or ./include next to it).
 */
export function locateLibenet(spec: string): { ok: true; value: LibenetLocation } | { ok: false; reason: string } {
  const resolved = path.resolve(spec);
  if (!fs.existsSync(resolved)) return { ok: false, reason: `${spec}: no such file or directory` };
  const isFile = fs.statSync(resolved).isFile();
  const base = isFile ? path.dirname(resolved) : resolved;
  const libraryCandidates = isFile
    ? [resolved]
    : ['libenet.so', '.libs/libenet.so', 'lib/libenet.so', 'lib64/libenet.so', 'lib/x86_64-linux-gnu/libenet.so', 'lib/aarch64-linux-gnu/libenet.so'].map((name) => path.join(resolved, name));
  const libraryFile = libraryCandidates.find((candidate) => fs.existsSync(candidate));
  if (libraryFile === undefined) return { ok: false, reason: `${spec}: no libenet.so in it (looked for ${libraryCandidates.map((candidate) => path.relative(resolved, candidate)).join(', ')})` };
  const includeCandidates = [path.join(base, 'include'), path.join(base, '../include'), path.join(base, '../../include')];
  const includeDir = includeCandidates.find((candidate) => fs.existsSync(path.join(candidate, 'enet/enet.h')));
  if (includeDir === undefined) return { ok: false, reason: `${spec}: found ${libraryFile} but not the headers it was built from (include/enet/enet.h beside it or one level up)` };
  return { ok: true, value: { libraryFile: fs.realpathSync(libraryFile), includeDir: path.resolve(includeDir) } };
}

/**
 * Whether the libenet oracle can run here, with the system's libenet (Debian's libenet-dev, found
 * by pkg-config) or with the build at `librarySpec` (see locateLibenet). Builds the driver with gcc
 * when its binary is missing or older than its C source (or the library). The result is cached
 * per process and library. Safe to call from several vitest workers at once: each builds into its
 * own temporary file and renames it into place atomically.
 */
export function libenetAvailability(librarySpec?: string): LibenetAvailability {
  const key = librarySpec ?? '';
  let availability = cachedAvailability.get(key);
  if (availability === undefined) {
    availability = checkAvailability(librarySpec);
    cachedAvailability.set(key, availability);
  }
  return availability;
}

function checkAvailability(librarySpec: string | undefined): LibenetAvailability {
  if (!fs.existsSync(driverSourcePath)) {
    return { ok: false, reason: `driver source missing: ${driverSourcePath}` };
  }
  let library: LibenetLocation | null = null;
  if (librarySpec !== undefined) {
    const located = locateLibenet(librarySpec);
    if (!located.ok) return located;
    library = located.value;
  }
  const binaryPath = chooseBinaryPath(library);
  if (isBinaryFresh(binaryPath, library)) return { ok: true, driverPath: binaryPath };
  const flags = library === null ? libenetCompilerFlags() : customLibraryFlags(library);
  if (!flags.ok) return flags;
  return buildDriver(binaryPath, flags.value);
}

function isBinaryFresh(binaryPath: string, library: LibenetLocation | null, sourcePath = driverSourcePath): boolean {
  if (!fs.existsSync(binaryPath)) return false;
  const builtMs = fs.statSync(binaryPath).mtimeMs;
  const inputs = [sourcePath, ...(library === null ? [] : [library.libraryFile, path.join(library.includeDir, 'enet/enet.h')])];
  return inputs.every((input) => builtMs >= fs.statSync(input).mtimeMs);
}

function libenetCompilerFlags(): { ok: true; value: string[] } | { ok: false; reason: string } {
  const gcc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (gcc.error) return { ok: false, reason: 'gcc not found: apt-get install -y gcc' };
  const pkgConfig = spawnSync('pkg-config', ['--cflags', '--libs', 'libenet'], { encoding: 'utf8' });
  if (pkgConfig.error) return { ok: false, reason: 'pkg-config not found: apt-get install -y pkg-config' };
  if (pkgConfig.status !== 0) {
    const detail = pkgConfig.stderr.trim();
    return { ok: false, reason: `libenet not found (${detail}): apt-get install -y libenet-dev` };
  }
  return { ok: true, value: pkgConfig.stdout.trim().split(/\s+/).filter((flag) => flag.length > 0) };
}

/** Links the library file itself, with its directory as the run path, so no install is needed. */
function customLibraryFlags(library: LibenetLocation): { ok: true; value: string[] } | { ok: false; reason: string } {
  const gcc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (gcc.error) return { ok: false, reason: 'gcc not found: apt-get install -y gcc' };
  return { ok: true, value: [`-I${library.includeDir}`, library.libraryFile, `-Wl,-rpath,${path.dirname(library.libraryFile)}`] };
}

/**
 * Another C program of this package built against the system libenet the way the driver is (gcc,
 * pkg-config libenet, rebuilt when older than its source), into the driver's cache directory: the
 * benchmark's in-process reference, native/libenet-reference.c. `driverPath` is the program's path.
 * Not cached per process: the freshness check is two stat calls.
 */
export function libenetProgram(sourceRelativePath: string, name: string): LibenetAvailability {
  const sourcePath = path.join(projectRoot, sourceRelativePath);
  if (!fs.existsSync(sourcePath)) return { ok: false, reason: `source missing: ${sourcePath}` };
  const binaryPath = cachedBinaryPath(name);
  if (isBinaryFresh(binaryPath, null, sourcePath)) return { ok: true, driverPath: binaryPath };
  const flags = libenetCompilerFlags();
  if (!flags.ok) return flags;
  return buildDriver(binaryPath, flags.value, sourcePath);
}

function buildDriver(binaryPath: string, libenetFlags: string[], sourcePath = driverSourcePath): LibenetAvailability {
  fs.mkdirSync(path.dirname(binaryPath), { recursive: true });
  const temporaryPath = `${binaryPath}.tmp-${process.pid}-${threadId}-${Date.now()}`;
  // The include flags go before the source so that a custom build's headers win over the system's.
  const includeFlags = libenetFlags.filter((flag) => flag.startsWith('-I'));
  const otherFlags = libenetFlags.filter((flag) => !flag.startsWith('-I'));
  const args = ['-O2', '-Wall', '-Wextra', ...includeFlags, '-o', temporaryPath, sourcePath, ...otherFlags, '-ldl'];
  const gcc = spawnSync('gcc', args, { encoding: 'utf8' });
  if (gcc.status !== 0) {
    fs.rmSync(temporaryPath, { force: true });
    const detail = `${gcc.stderr ?? ''}${gcc.error?.message ?? ''}`.trim();
    return { ok: false, reason: `building ${path.basename(sourcePath)} failed (gcc ${args.join(' ')}):\n${detail}` };
  }
  fs.renameSync(temporaryPath, binaryPath);
  return { ok: true, driverPath: binaryPath };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function sleepSyncMs(durationMs: number): void {
  Atomics.wait(sleepCell, 0, 0, durationMs);
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error ? String(error.code) : undefined;
}

/** Time the driver spent inside libenet calls made for one host. */
export interface LibenetCpuTime {
  /**
   * Nanoseconds of CLOCK_MONOTONIC inside the calls (a vDSO read, tens of ns), including about one
   * clock read per call; wall time, so it also counts time the driver waited for a core.
   */
  cpuNs: number;
  /** Number of libenet calls charged. */
  callCount: number;
}

/**
 * One running driver process serving any number of hosts. Requests are synchronous: each method
 * writes one request and blocks until the response arrives. Call `close()` when done; a driver that
 * is never closed does not keep the test process alive and exits when the process does.
 */
export class LibenetDriver {
  private readonly temporaryDir: string;
  /** The driver's stderr, kept open so that it stays readable after the directory is removed. */
  private readonly stderrFd: number;
  private readonly child: ChildProcess;
  private readonly requestFd: number;
  private readonly responseFd: number;
  private readonly writer = new FrameWriter();
  private responseBuffer = Buffer.alloc(64 * 1024);
  private closed = false;
  /** enet_linked_version() of the library the driver runs, from its hello. */
  private linkedVersion = 0;
  private readonly cleanupOnExit = (): void => this.close();

  /** Starts a driver; without `driverPath` it builds one (throws with the reason when it cannot). */
  constructor(driverPath?: string) {
    const binaryPath = driverPath ?? requireDriverPath();
    // Spawn failures are only reported asynchronously; catch the common one (no binary) up front.
    fs.accessSync(binaryPath, fs.constants.X_OK);
    this.temporaryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-libenet-'));
    const stderrPath = path.join(this.temporaryDir, 'stderr.log');
    const requestPath = path.join(this.temporaryDir, 'request');
    const responsePath = path.join(this.temporaryDir, 'response');
    makeFifos(requestPath, responsePath);
    this.child = spawnDriver(binaryPath, requestPath, responsePath, stderrPath);
    this.stderrFd = fs.openSync(stderrPath, 'r');
    process.once('exit', this.cleanupOnExit);
    try {
      // The open order matches the driver's (request, then response); see openRequestFifo.
      this.requestFd = this.openRequestFifo(requestPath);
      this.responseFd = fs.openSync(responsePath, fs.constants.O_RDONLY);
      this.readHello();
    } catch (error) {
      this.close();
      throw error;
    }
    // Both ends of both FIFOs are open now, so the names are no longer needed. Removing them here
    // leaves nothing behind even when the test process is killed without running exit handlers.
    fs.rmSync(this.temporaryDir, { recursive: true, force: true });
  }

  /** The version of the libenet the driver runs, as "1.3.17". */
  get libenetVersion(): string {
    const version = this.linkedVersion;
    return `${(version >>> 16) & 0xff}.${(version >>> 8) & 0xff}.${version & 0xff}`;
  }

  /** Creates a host with enet_host_create and applies the config's overrides. */
  createHost(config: HostConfigLike): LibenetHost {
    const overrides = hostOverrides(config);
    const reader = this.request('createHost', (w) =>
      w
        .u32(config.address.host, 'address.host')
        .u16(config.address.port, 'address.port')
        .u32(config.peerCount, 'peerCount')
        .u32(config.channelLimit, 'channelLimit')
        .u32(config.incomingBandwidth, 'incomingBandwidth')
        .u32(config.outgoingBandwidth, 'outgoingBandwidth')
        .u32(config.randomSeed, 'randomSeed')
        .u8(overrides.mask)
        .u32(overrides.mtu, 'mtu')
        .u32(overrides.maximumPacketSize, 'maximumPacketSize')
        .u32(overrides.maximumWaitingData, 'maximumWaitingData')
        .u32(overrides.duplicatePeers, 'duplicatePeers'),
    );
    const hostId = reader.u32();
    reader.end();
    const host = new LibenetHost(this, hostId);
    if (config.compress !== undefined && config.compress !== 'range-coder') {
      // The scenario loader refuses this with a position; reaching here is a caller's bug.
      throw new Error(`libenet has only ENet's range coder; compress '${config.compress}' is Godot's own and runs on the TypeScript core only`);
    }
    if (config.compress === 'range-coder' && host.compressWithRangeCoder() !== 0) throw new Error('enet_host_compress_with_range_coder failed');
    return host;
  }

  /** Sets the clock enet_time_get returns (calls that take `nowMs` set it themselves). */
  setTime(nowMs: number): void {
    this.request('setTime', (w) => w.u32(nowMs, 'nowMs')).end();
  }

  /** CPU time spent inside libenet for `host` since it was created. */
  cpuTime(host: LibenetHost): LibenetCpuTime {
    const reader = this.request('cpuTime', (w) => w.u32(host.hostId));
    const cpuNs = reader.u64();
    const callCount = reader.u64();
    reader.end();
    return { cpuNs, callCount };
  }

  /** How often libenet called each function the driver interposes (enet_time_get, enet_socket_send…). */
  callCounts(): Record<string, number> {
    const reader = this.request('callCounts', (w) => w);
    const counts: Record<string, number> = {};
    const count = reader.u32();
    for (let index = 0; index < count; index++) {
      const name = reader.name();
      counts[name] = reader.u64();
    }
    reader.end();
    return counts;
  }

  /**
   * enet_range_coder_compress on the driver's one range coder context, with each of `buffers` as
   * one ENetBuffer. Returns the compressed bytes, or null where libenet returns 0. `inLimitBytes`
   * defaults to the total length (libenet only checks it for being positive). Empty buffers are
   * refused: libenet would read past them.
   */
  rangeCoderCompress(buffers: readonly Uint8Array[], outLimitBytes: number, inLimitBytes?: number): Uint8Array | null {
    const inLimit = inLimitBytes ?? buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    const reader = this.request('rangeCoderCompress', (w) => {
      w.u32(inLimit, 'inLimit').u32(outLimitBytes, 'outLimit').u32(buffers.length, 'bufferCount');
      for (const buffer of buffers) w.bytes(buffer, 'buffer');
      return w;
    });
    return readCoderResult(reader);
  }

  /** enet_range_coder_decompress of `input` into at most `outLimitBytes`; null where libenet returns 0. */
  rangeCoderDecompress(input: Uint8Array, outLimitBytes: number): Uint8Array | null {
    const reader = this.request('rangeCoderDecompress', (w) => w.u32(outLimitBytes, 'outLimit').bytes(input, 'input'));
    return readCoderResult(reader);
  }

  /** Stops the driver process and removes its FIFOs. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.removeListener('exit', this.cleanupOnExit);
    closeQuietly(this.requestFd);
    closeQuietly(this.responseFd);
    closeQuietly(this.stderrFd);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    fs.rmSync(this.temporaryDir, { recursive: true, force: true });
  }

  /**
   * Sends one request built by `build` and returns a reader over the response payload. Throws when
   * the driver refuses the request or has died (with its stderr in the message).
   * @internal used by LibenetHost
   */
  request(op: OpName, build: (writer: FrameWriter) => FrameWriter): FrameReader {
    if (this.closed) throw new Error(`libenet driver: ${op} after close()`);
    this.writeAll(build(this.writer.begin(op)).frame(), op);
    const { status, payload } = this.readFrame(op);
    if (status !== STATUS_OK) {
      throw new Error(`libenet driver refused ${op}: ${payload.toString('utf8')}`);
    }
    return new FrameReader(payload, op);
  }

  /**
   * Opening a FIFO for writing blocks until a reader exists. A non-blocking open fails with ENXIO
   * instead, so we poll it (bounded) to survive a driver that dies before opening its end, then
   * reopen blocking (it returns at once now that the reader exists) so that writes block normally.
   */
  private openRequestFifo(requestPath: string): number {
    const deadlineMs = Date.now() + DRIVER_STARTUP_TIMEOUT_MS;
    for (;;) {
      try {
        const probeFd = fs.openSync(requestPath, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        const fd = fs.openSync(requestPath, fs.constants.O_WRONLY);
        fs.closeSync(probeFd);
        return fd;
      } catch (error) {
        if (errorCode(error) !== 'ENXIO') throw error;
      }
      // The driver writes to stderr only when it fails, so any output means it will not open its end.
      const failed = fs.fstatSync(this.stderrFd).size > 0;
      if (failed || Date.now() > deadlineMs) {
        if (failed) sleepSyncMs(STDERR_SETTLE_MS);
        const what = failed ? 'failed to start' : `did not start within ${DRIVER_STARTUP_TIMEOUT_MS} ms`;
        throw new Error(`libenet driver ${what}${this.stderrExcerpt()}`);
      }
      sleepSyncMs(1);
    }
  }

  private readHello(): void {
    const { status, payload } = this.readFrame('hello');
    const reader = new FrameReader(payload, 'hello');
    const magic = String.fromCharCode(reader.u8(), reader.u8(), reader.u8(), reader.u8());
    const version = reader.u32();
    this.linkedVersion = reader.u32();
    reader.end();
    if (status !== STATUS_OK || magic !== 'ENSD' || version !== DRIVER_PROTOCOL_VERSION) {
      throw new Error(`libenet driver hello mismatch: status ${status}, magic ${magic}, version ${version}`);
    }
  }

  private writeAll(frame: Buffer, op: string): void {
    let offsetBytes = 0;
    while (offsetBytes < frame.length) {
      try {
        offsetBytes += fs.writeSync(this.requestFd, frame, offsetBytes, frame.length - offsetBytes);
      } catch (error) {
        throw new Error(`libenet driver: writing ${op} failed (${errorCode(error)})${this.stderrExcerpt()}`);
      }
    }
  }

  private readFrame(op: string): { status: number; payload: Buffer } {
    this.readExactly(4, op);
    const bodyBytes = this.responseBuffer.readUInt32LE(0);
    if (bodyBytes < 1 || bodyBytes > MAX_RESPONSE_BYTES) {
      throw new Error(`libenet driver: ${op} response body of ${bodyBytes} bytes is out of range`);
    }
    this.readExactly(bodyBytes, op);
    return { status: this.responseBuffer.readUInt8(0), payload: this.responseBuffer.subarray(1, bodyBytes) };
  }

  /** Reads exactly `byteCount` bytes into the start of responseBuffer. */
  private readExactly(byteCount: number, op: string): void {
    if (byteCount > this.responseBuffer.length) this.responseBuffer = Buffer.alloc(byteCount);
    let offsetBytes = 0;
    while (offsetBytes < byteCount) {
      const got = fs.readSync(this.responseFd, this.responseBuffer, offsetBytes, byteCount - offsetBytes, null);
      if (got === 0) {
        throw new Error(`libenet driver exited while answering ${op}${this.stderrExcerpt()}`);
      }
      offsetBytes += got;
    }
  }

  /** The end of the driver's stderr, formatted to append to an error message. */
  private stderrExcerpt(): string {
    try {
      const sizeBytes = fs.fstatSync(this.stderrFd).size;
      const excerpt = Buffer.alloc(Math.min(sizeBytes, STDERR_EXCERPT_BYTES));
      fs.readSync(this.stderrFd, excerpt, 0, excerpt.length, sizeBytes - excerpt.length);
      const text = excerpt.toString('utf8').trim();
      return text.length > 0 ? `; driver stderr:\n${text}` : '';
    } catch {
      return '';
    }
  }
}

/** u32 resultBytes then the bytes; a result of 0 is libenet's failure value. */
function readCoderResult(reader: FrameReader): Uint8Array | null {
  const resultBytes = reader.u32();
  const bytes = reader.copy(resultBytes);
  reader.end();
  return resultBytes === 0 ? null : bytes;
}

function requireDriverPath(): string {
  const availability = libenetAvailability();
  if (!availability.ok) throw new Error(`libenet oracle unavailable: ${availability.reason}`);
  return availability.driverPath;
}

function makeFifos(...fifoPaths: string[]): void {
  const result = spawnSync('mkfifo', fifoPaths, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`mkfifo failed: ${result.stderr ?? ''}${result.error?.message ?? ''}`);
  }
}

function spawnDriver(binaryPath: string, requestPath: string, responsePath: string, stderrPath: string): ChildProcess {
  const stderrFd = fs.openSync(stderrPath, 'w');
  try {
    const child = spawn(binaryPath, [requestPath, responsePath], { stdio: ['ignore', 'ignore', stderrFd] });
    // Spawn failures arrive asynchronously; the bounded FIFO open reports them, with stderr.
    child.on('error', () => {});
    child.unref();
    return child;
  } finally {
    fs.closeSync(stderrFd);
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}

interface HostOverrides {
  mask: number;
  mtu: number;
  maximumPacketSize: number;
  maximumWaitingData: number;
  duplicatePeers: number;
}

/** Bits of the create-host override mask (see op_create_host in the driver). */
const OverrideBit = { mtu: 1, maximumPacketSize: 2, maximumWaitingData: 4, duplicatePeers: 8, checksum: 16 } as const;

function hostOverrides(config: HostConfigLike): HostOverrides {
  let mask = 0;
  if (config.mtu !== undefined) mask |= OverrideBit.mtu;
  if (config.maximumPacketSize !== undefined) mask |= OverrideBit.maximumPacketSize;
  if (config.maximumWaitingData !== undefined) mask |= OverrideBit.maximumWaitingData;
  if (config.duplicatePeers !== undefined) mask |= OverrideBit.duplicatePeers;
  if (config.checksum === true) mask |= OverrideBit.checksum;
  return {
    mask,
    mtu: config.mtu ?? 0,
    maximumPacketSize: config.maximumPacketSize ?? 0,
    maximumWaitingData: config.maximumWaitingData ?? 0,
    duplicatePeers: config.duplicatePeers ?? 0,
  };
}

const PEER_SNAPSHOT_KEYS = [
  'state', 'connectID', 'incomingPeerID', 'outgoingPeerID', 'incomingSessionID', 'outgoingSessionID',
  'mtu', 'windowSize', 'channelCount', 'incomingBandwidth', 'outgoingBandwidth', 'incomingDataTotal',
  'outgoingDataTotal', 'lastSendTime', 'lastReceiveTime', 'nextTimeout', 'earliestTimeout', 'packetLossEpoch',
  'packetsSent', 'packetsLost', 'packetLoss', 'packetLossVariance', 'packetThrottle', 'packetThrottleLimit',
  'packetThrottleCounter', 'packetThrottleEpoch', 'packetThrottleAcceleration', 'packetThrottleDeceleration',
  'packetThrottleInterval', 'pingInterval', 'timeoutLimit', 'timeoutMinimum', 'timeoutMaximum',
  'lastRoundTripTime', 'lowestRoundTripTime', 'lastRoundTripTimeVariance', 'highestRoundTripTimeVariance',
  'roundTripTime', 'roundTripTimeVariance', 'reliableDataInTransit', 'outgoingReliableSequenceNumber',
  'incomingUnsequencedGroup', 'outgoingUnsequencedGroup', 'eventData', 'totalWaitingData',
] as const satisfies readonly Exclude<keyof PeerSnapshot, 'address'>[];

const HOST_SNAPSHOT_KEYS = [
  'peerCount', 'channelLimit', 'mtu', 'connectedPeers', 'bandwidthLimitedPeers', 'duplicatePeers',
  'totalSentData', 'totalSentPackets', 'totalReceivedData', 'totalReceivedPackets',
] as const satisfies readonly (keyof HostSnapshot)[];

/** Reads the driver's self-describing snapshot: u32 count, then (name, u32 value) pairs. */
function readNamedFields(reader: FrameReader): Map<string, number> {
  const fields = new Map<string, number>();
  const count = reader.u32();
  for (let index = 0; index < count; index++) {
    const name = reader.name();
    fields.set(name, reader.u32());
  }
  reader.end();
  return fields;
}

function requireField(fields: Map<string, number>, name: string): number {
  const value = fields.get(name);
  if (value === undefined) throw new Error(`libenet driver snapshot lacks field ${name}`);
  return value;
}

function toPeerSnapshot(fields: Map<string, number>): PeerSnapshot {
  const snapshot: Record<string, unknown> = {
    address: { host: requireField(fields, 'address.host'), port: requireField(fields, 'address.port') },
  };
  for (const key of PEER_SNAPSHOT_KEYS) snapshot[key] = requireField(fields, key);
  return snapshot as unknown as PeerSnapshot;
}

function toHostSnapshot(fields: Map<string, number>): HostSnapshot {
  const snapshot: Record<string, number> = {};
  for (const key of HOST_SNAPSHOT_KEYS) snapshot[key] = requireField(fields, key);
  return snapshot as unknown as HostSnapshot;
}

/** Bits of the report byte the driver sends with each peer state (see peerReports in the driver). */
const REPORT_TIMEOUT_MASK = 0x03;
const REPORT_DROPPED = 0x80;

/** ENetEventType values. */
const EventType = { none: 0, connect: 1, disconnect: 2, receive: 3 } as const;

function readEvent(reader: FrameReader): { result: number; event: HostEventLike } {
  const result = reader.i32();
  const type = reader.u8();
  const peerIndex = reader.i32();
  const channelID = reader.u8();
  const data = reader.u32();
  const flags = reader.u32();
  const packet = reader.copy(reader.u32());
  switch (type) {
    case EventType.none:
      return { result, event: { type: 'none' } };
    case EventType.connect:
      return { result, event: { type: 'connect', peerIndex, data } };
    case EventType.disconnect:
      return { result, event: { type: 'disconnect', peerIndex, data } };
    case EventType.receive:
      return { result, event: { type: 'receive', peerIndex, channelID, flags, data: packet } };
    default:
      throw new Error(`libenet driver returned unknown event type ${type}`);
  }
}

function readSentDatagrams(reader: FrameReader): { datagrams: SentDatagram[]; remainingCount: number } {
  const count = reader.u32();
  const remainingCount = reader.u32();
  const datagrams: SentDatagram[] = [];
  for (let index = 0; index < count; index++) {
    const address: WireAddress = { host: reader.u32(), port: reader.u16() };
    datagrams.push({ address, bytes: reader.copy(reader.u32()) });
  }
  reader.end();
  return { datagrams, remainingCount };
}

/** Ops after which the outbox count is unchanged (service and takeSent update it themselves). */
const OPS_THAT_NEVER_SEND: ReadonlySet<OpName> = new Set<OpName>([
  'service', 'serviceObserve', 'takeSent', 'deliver', 'checkEvents', 'peerSnapshot', 'hostSnapshot', 'hostDump', 'cpuTime', 'peerStates',
]);

/** Ops that change no peer's state: the states a service reported stay current across them. */
const OPS_THAT_KEEP_PEER_STATES: ReadonlySet<OpName> = new Set<OpName>(['takeSent', 'peerSnapshot', 'hostSnapshot', 'hostDump', 'cpuTime', 'peerStates']);

/** A libenet host inside a LibenetDriver; every method is one request to the driver. */
export class LibenetHost implements HostLike {
  private destroyed = false;
  /**
   * Datagrams in the driver's outbox for this host, when known: service reports it, takeSent empties
   * it, and any other call that may send makes it unknown. Lets takeSent skip a round trip.
   */
  private knownOutboxCount: number | undefined = 0;
  /** The peer states the driver last reported, current while statesCurrent holds. */
  private lastStates: number[] = [];
  /** False once a call that may change a peer's state went to the driver after lastStates. */
  private statesCurrent = false;
  private pendingCauses: (string | null)[] = [];
  private pendingDropped: boolean[] | null = null;

  /** @internal created by LibenetDriver.createHost */
  constructor(
    readonly driver: LibenetDriver,
    /** The driver's id for this host (a slot index, reused after destroy). */
    readonly hostId: number,
  ) {}

  deliver(source: WireAddress, bytes: Uint8Array): void {
    this.call('deliver', (w) => w.u32(source.host, 'source.host').u16(source.port, 'source.port').bytes(bytes)).end();
  }

  service(nowMs: number): { result: number; event: HostEventLike } {
    const reader = this.call('serviceObserve', (w) => w.u32(nowMs, 'nowMs'));
    const outboxCount = reader.u32();
    const serviced = readEvent(reader);
    this.readPeerStates(reader);
    this.knownOutboxCount = outboxCount;
    return serviced;
  }

  checkEvents(): { result: number; event: HostEventLike } {
    const reader = this.call('checkEvents', (w) => w);
    const checked = readEvent(reader);
    reader.end();
    return checked;
  }

  flush(nowMs: number): void {
    this.call('flush', (w) => w.u32(nowMs, 'nowMs')).end();
  }

  takeSent(): SentDatagram[] {
    // The driver stops at its response bound and keeps the rest queued; each round drains at least
    // one datagram (its bound holds the largest), so the loop ends.
    const all: SentDatagram[] = [];
    if (this.knownOutboxCount === 0) return all;
    for (;;) {
      const { datagrams, remainingCount } = readSentDatagrams(this.call('takeSent', (w) => w));
      all.push(...datagrams);
      this.knownOutboxCount = remainingCount;
      if (remainingCount === 0) return all;
      if (datagrams.length === 0) throw new Error(`libenet host ${this.hostId}: takeSent made no progress`);
    }
  }

  connect(address: WireAddress, channelCount: number, data: number): number {
    const reader = this.call('connect', (w) =>
      w.u32(address.host, 'address.host').u16(address.port, 'address.port').u32(channelCount).u32(data, 'data'),
    );
    const peerIndex = reader.i32();
    reader.end();
    return peerIndex;
  }

  broadcast(channelID: number, flags: number, data: Uint8Array): void {
    this.call('broadcast', (w) => w.u8(channelID, 'channelID').u32(flags, 'flags').bytes(data)).end();
  }

  bandwidthLimit(incomingBandwidth: number, outgoingBandwidth: number): void {
    this.call('bandwidthLimit', (w) => w.u32(incomingBandwidth).u32(outgoingBandwidth)).end();
  }

  channelLimit(channelLimit: number): void {
    this.call('channelLimit', (w) => w.u32(channelLimit)).end();
  }

  peerSend(peerIndex: number, channelID: number, flags: number, data: Uint8Array): number {
    const reader = this.call('peerSend', (w) =>
      w.u32(peerIndex, 'peerIndex').u8(channelID, 'channelID').u32(flags, 'flags').bytes(data),
    );
    const result = reader.i32();
    reader.end();
    return result;
  }

  peerDisconnect(peerIndex: number, data: number, nowMs: number): void {
    this.disconnect('peerDisconnect', peerIndex, data, nowMs);
  }

  peerDisconnectLater(peerIndex: number, data: number, nowMs: number): void {
    this.disconnect('peerDisconnectLater', peerIndex, data, nowMs);
  }

  peerDisconnectNow(peerIndex: number, data: number, nowMs: number): void {
    this.disconnect('peerDisconnectNow', peerIndex, data, nowMs);
  }

  peerReset(peerIndex: number): void {
    this.call('peerReset', (w) => w.u32(peerIndex, 'peerIndex')).end();
  }

  peerPing(peerIndex: number): void {
    this.call('peerPing', (w) => w.u32(peerIndex, 'peerIndex')).end();
  }

  peerPingInterval(peerIndex: number, pingIntervalMs: number): void {
    this.call('peerPingInterval', (w) => w.u32(peerIndex, 'peerIndex').u32(pingIntervalMs)).end();
  }

  peerTimeout(peerIndex: number, timeoutLimit: number, timeoutMinimumMs: number, timeoutMaximumMs: number): void {
    this.call('peerTimeout', (w) =>
      w.u32(peerIndex, 'peerIndex').u32(timeoutLimit).u32(timeoutMinimumMs).u32(timeoutMaximumMs),
    ).end();
  }

  peerThrottleConfigure(peerIndex: number, intervalMs: number, acceleration: number, deceleration: number): void {
    this.call('peerThrottleConfigure', (w) =>
      w.u32(peerIndex, 'peerIndex').u32(intervalMs).u32(acceleration).u32(deceleration),
    ).end();
  }

  peerSetPacketThrottle(peerIndex: number, packetThrottle: number): void {
    this.call('peerSetPacketThrottle', (w) => w.u32(peerIndex, 'peerIndex').u32(packetThrottle)).end();
  }

  observePeers(): PeerObservation {
    if (!this.statesCurrent) this.readPeerStates(this.call('peerStates', (w) => w));
    const causes = this.pendingCauses;
    this.pendingCauses = [];
    const dropped = this.pendingDropped;
    this.pendingDropped = null;
    return dropped === null ? { states: this.lastStates, causes } : { states: this.lastStates, causes, dropped };
  }

  /**
   * Reads the driver's peer states and the timeout causes it predicted since it last reported
   * them (it clears them once written); causes wait in pendingCauses until observePeers hands
   * them out, so a cause reported by a service whose states nobody observed is not lost.
   */
  private readPeerStates(reader: FrameReader): void {
    const count = reader.u32();
    const states: number[] = [];
    for (let index = 0; index < count; index++) {
      states.push(reader.u8());
      const report = reader.u8();
      const cause = report & REPORT_TIMEOUT_MASK;
      if (cause !== 0) this.pendingCauses[index] = cause === 1 ? 'timeoutLimit' : 'timeoutMaximum';
      if ((report & REPORT_DROPPED) !== 0) (this.pendingDropped ??= [])[index] = true;
    }
    reader.end();
    this.lastStates = states;
    this.statesCurrent = true;
  }

  peer(peerIndex: number): PeerSnapshot {
    return toPeerSnapshot(readNamedFields(this.call('peerSnapshot', (w) => w.u32(peerIndex, 'peerIndex'))));
  }

  host(): HostSnapshot {
    return toHostSnapshot(readNamedFields(this.call('hostSnapshot', (w) => w)));
  }

  dump(): HostDump {
    return readNamedFields(this.call('hostDump', (w) => w));
  }

  destroy(): void {
    this.call('destroyHost', (w) => w).end();
    this.destroyed = true;
  }

  /** enet_host_compress_with_range_coder: 0 on success. Not part of HostLike yet. */
  compressWithRangeCoder(): number {
    const reader = this.call('compressWithRangeCoder', (w) => w);
    const result = reader.i32();
    reader.end();
    return result;
  }

  /** CPU time spent inside libenet for this host (see LibenetDriver.cpuTime). */
  cpuTime(): LibenetCpuTime {
    return this.driver.cpuTime(this);
  }

  private disconnect(op: OpName, peerIndex: number, data: number, nowMs: number): void {
    this.call(op, (w) => w.u32(peerIndex, 'peerIndex').u32(data, 'data').u32(nowMs, 'nowMs')).end();
  }

  /** A request whose first argument is this host's id. */
  private call(op: OpName, build: (writer: FrameWriter) => FrameWriter): FrameReader {
    if (this.destroyed) throw new Error(`libenet host ${this.hostId}: ${op} after destroy()`);
    if (!OPS_THAT_NEVER_SEND.has(op)) this.knownOutboxCount = undefined;
    if (!OPS_THAT_KEEP_PEER_STATES.has(op)) this.statesCurrent = false;
    return this.driver.request(op, (w) => build(w.u32(this.hostId)));
  }
}
