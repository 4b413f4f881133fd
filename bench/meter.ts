// Measuring the ENet implementations from outside, without touching src/: a HostLike decorator that
// counts datagrams (the same way for both implementations) and, for the TypeScript core, accumulates
// the wall time spent inside the calls that do ENet work; plus the clocks the benchmark needs.
//
// Why wall time is scaled: this machine is shared, and a thread that waits for a core keeps its
// wall clock running. The TypeScript figure (hrtime inside the calls) is multiplied by the main
// thread's on-CPU share over the run, read from /proc/thread-self/schedstat; the in-process C
// reference's libenet figure gets the same correction (its CPU / wall, bench/reference.ts). This
// assumes waiting is spread over the run in proportion to where the time goes (the kernel preempts
// on timer ticks, not on our code), and is exact on an idle machine (share = 1). The driver's figure
// (CLOCK_MONOTONIC inside the libenet calls) is not scaled: the driver sleeps between requests, so
// its run-queue time is mostly wake-ups outside the calls (bench/measure.ts).
import * as fs from 'node:fs';

import type { HostFactory } from '../src/sim/sim-host.js';
import { readPeerStatistics } from '../src/sim/statistics.js';
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
} from '../src/sim/host-impl.js';

const hrtime = process.hrtime.bigint;

// ---- the main thread's scheduler statistics --------------------------------------------------------

/** Nanoseconds the calling thread ran on a CPU and waited on a run queue since it started. */
export interface ThreadSchedule {
  onCpuNs: number;
  runQueueNs: number;
}

let scheduleFd: number | null | undefined;
const scheduleBuffer = Buffer.alloc(128);

/**
 * The calling thread's /proc/thread-self/schedstat (Linux with schedstats), or null when the kernel
 * does not provide it. The file is opened once per thread; each read costs a few µs, so read it
 * around runs, never per call.
 */
export function threadSchedule(): ThreadSchedule | null {
  if (scheduleFd === undefined) {
    try {
      scheduleFd = fs.openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      scheduleFd = null;
    }
  }
  if (scheduleFd === null) return null;
  const length = fs.readSync(scheduleFd, scheduleBuffer, 0, scheduleBuffer.length, 0);
  const [onCpu, runQueue] = scheduleBuffer.toString('latin1', 0, length).trim().split(/\s+/);
  return { onCpuNs: Number(onCpu), runQueueNs: Number(runQueue) };
}

/** What a Stopwatch read: wall time, this thread's CPU, and the whole process's CPU. */
export interface StopwatchReading {
  wallMs: number;
  /** The calling thread's on-CPU ms (null without schedstat). */
  threadCpuMs: number | null;
  /** The calling thread's ms waiting for a core (null without schedstat). */
  runQueueMs: number | null;
  /** threadCpu / wall (1 without schedstat). */
  cpuShare: number;
  /** user + system ms of every thread of the process (V8's GC and compiler helpers included). */
  processCpuMs: number;
}

/** A wall clock, the thread's on-CPU time and the process's CPU time, started together. */
export class Stopwatch {
  private readonly startNs = hrtime();
  private readonly startSchedule = threadSchedule();
  private readonly startUsage = process.cpuUsage();

  /**
   * Wall − on-CPU − run queue is time the thread slept (waiting for a GC helper, a page fault, the
   * libenet driver). processCpu − threadCpu is what the other threads did meanwhile.
   */
  read(): StopwatchReading {
    const wallNs = Number(hrtime() - this.startNs);
    const usage = process.cpuUsage(this.startUsage);
    const processCpuMs = (usage.user + usage.system) / 1000;
    const schedule = threadSchedule();
    if (schedule === null || this.startSchedule === null) return { wallMs: wallNs / 1e6, threadCpuMs: null, runQueueMs: null, cpuShare: 1, processCpuMs };
    const onCpuNs = schedule.onCpuNs - this.startSchedule.onCpuNs;
    const runQueueNs = schedule.runQueueNs - this.startSchedule.runQueueNs;
    return {
      wallMs: wallNs / 1e6,
      threadCpuMs: onCpuNs / 1e6,
      runQueueMs: runQueueNs / 1e6,
      cpuShare: Math.min(1, wallNs > 0 ? onCpuNs / wallNs : 1),
      processCpuMs,
    };
  }
}

// ---- the meter -----------------------------------------------------------------------------------

/** What the decorators accumulate over one run (all hosts of the simulation together). */
export class EnetMeter {
  /** Datagrams handed out by takeSent. */
  sentDatagrams = 0;
  /** Datagrams handed to deliver. */
  deliveredDatagrams = 0;
  /** Timed calls (TypeScript core only). */
  timedCalls = 0;
  /** Wall ns inside timed calls, timer overhead included (TypeScript core only). */
  insideNs = 0n;
  /** Every host the factory created, for reading libenet's CPU counters at the end. */
  readonly hosts: HostLike[] = [];

  get datagrams(): number {
    return this.sentDatagrams + this.deliveredDatagrams;
  }
}

/**
 * Counts datagrams through a host and forwards everything else. Used as is for libenet, whose ENet
 * time the driver measures itself.
 */
export class CountingHost implements HostLike {
  constructor(
    protected readonly inner: HostLike,
    protected readonly meter: EnetMeter,
  ) {}

  takeSent(): SentDatagram[] {
    const sent = this.inner.takeSent();
    this.meter.sentDatagrams += sent.length;
    return sent;
  }

  deliver(source: WireAddress, bytes: Uint8Array): void {
    this.meter.deliveredDatagrams++;
    this.inner.deliver(source, bytes);
  }

  service(nowMs: number): { result: number; event: HostEventLike } {
    return this.inner.service(nowMs);
  }
  checkEvents(): { result: number; event: HostEventLike } {
    return this.inner.checkEvents();
  }
  flush(nowMs: number): void {
    this.inner.flush(nowMs);
  }
  connect(address: WireAddress, channelCount: number, data: number): number {
    return this.inner.connect(address, channelCount, data);
  }
  broadcast(channelID: number, flags: number, data: Uint8Array): void {
    this.inner.broadcast(channelID, flags, data);
  }
  bandwidthLimit(incomingBandwidth: number, outgoingBandwidth: number): void {
    this.inner.bandwidthLimit(incomingBandwidth, outgoingBandwidth);
  }
  channelLimit(channelLimit: number): void {
    this.inner.channelLimit(channelLimit);
  }
  peerSend(peerIndex: number, channelID: number, flags: number, data: Uint8Array): number {
    return this.inner.peerSend(peerIndex, channelID, flags, data);
  }
  peerDisconnect(peerIndex: number, data: number, nowMs: number): void {
    this.inner.peerDisconnect(peerIndex, data, nowMs);
  }
  peerDisconnectLater(peerIndex: number, data: number, nowMs: number): void {
    this.inner.peerDisconnectLater(peerIndex, data, nowMs);
  }
  peerDisconnectNow(peerIndex: number, data: number, nowMs: number): void {
    this.inner.peerDisconnectNow(peerIndex, data, nowMs);
  }
  peerReset(peerIndex: number): void {
    this.inner.peerReset(peerIndex);
  }
  peerPing(peerIndex: number): void {
    this.inner.peerPing(peerIndex);
  }
  peerPingInterval(peerIndex: number, pingIntervalMs: number): void {
    this.inner.peerPingInterval(peerIndex, pingIntervalMs);
  }
  peerTimeout(peerIndex: number, timeoutLimit: number, timeoutMinimumMs: number, timeoutMaximumMs: number): void {
    this.inner.peerTimeout(peerIndex, timeoutLimit, timeoutMinimumMs, timeoutMaximumMs);
  }
  peerThrottleConfigure(peerIndex: number, intervalMs: number, acceleration: number, deceleration: number): void {
    this.inner.peerThrottleConfigure(peerIndex, intervalMs, acceleration, deceleration);
  }
  peerSetPacketThrottle(peerIndex: number, packetThrottle: number): void {
    this.inner.peerSetPacketThrottle(peerIndex, packetThrottle);
  }
  peerStatistics(peerIndex: number, into: number[]): number {
    return readPeerStatistics(this.inner, peerIndex, into);
  }

  peer(peerIndex: number): PeerSnapshot {
    return this.inner.peer(peerIndex);
  }
  observePeers(): PeerObservation {
    return this.inner.observePeers();
  }
  host(): HostSnapshot {
    return this.inner.host();
  }
  dump(): HostDump {
    return this.inner.dump();
  }
  destroy(): void {
    this.inner.destroy();
  }
}

/**
 * Counts datagrams and times the calls that run ENet code, the set libenet's driver charges
 * (enet_host_service, _check_events, _flush, _connect, _broadcast, _bandwidth_limit, _channel_limit,
 * enet_peer_send, the disconnects, reset, ping, ping_interval, timeout, throttle_configure) plus
 * `deliver`. Snapshots (peer, host, observePeers) and takeSent are simulator plumbing in both
 * implementations and are not timed. Each timed call costs two hrtime.bigint() reads; the overhead
 * that lands inside the interval is calibrated (calibrateTimerOverhead) and subtracted.
 */
export class TimedHost extends CountingHost {
  override deliver(source: WireAddress, bytes: Uint8Array): void {
    this.meter.deliveredDatagrams++;
    const startNs = hrtime();
    this.inner.deliver(source, bytes);
    this.stop(startNs);
  }
  override service(nowMs: number): { result: number; event: HostEventLike } {
    const startNs = hrtime();
    const result = this.inner.service(nowMs);
    this.stop(startNs);
    return result;
  }
  override checkEvents(): { result: number; event: HostEventLike } {
    const startNs = hrtime();
    const result = this.inner.checkEvents();
    this.stop(startNs);
    return result;
  }
  override flush(nowMs: number): void {
    const startNs = hrtime();
    this.inner.flush(nowMs);
    this.stop(startNs);
  }
  override connect(address: WireAddress, channelCount: number, data: number): number {
    const startNs = hrtime();
    const result = this.inner.connect(address, channelCount, data);
    this.stop(startNs);
    return result;
  }
  override broadcast(channelID: number, flags: number, data: Uint8Array): void {
    const startNs = hrtime();
    this.inner.broadcast(channelID, flags, data);
    this.stop(startNs);
  }
  override bandwidthLimit(incomingBandwidth: number, outgoingBandwidth: number): void {
    const startNs = hrtime();
    this.inner.bandwidthLimit(incomingBandwidth, outgoingBandwidth);
    this.stop(startNs);
  }
  override channelLimit(channelLimit: number): void {
    const startNs = hrtime();
    this.inner.channelLimit(channelLimit);
    this.stop(startNs);
  }
  override peerSend(peerIndex: number, channelID: number, flags: number, data: Uint8Array): number {
    const startNs = hrtime();
    const result = this.inner.peerSend(peerIndex, channelID, flags, data);
    this.stop(startNs);
    return result;
  }
  override peerDisconnect(peerIndex: number, data: number, nowMs: number): void {
    const startNs = hrtime();
    this.inner.peerDisconnect(peerIndex, data, nowMs);
    this.stop(startNs);
  }
  override peerDisconnectLater(peerIndex: number, data: number, nowMs: number): void {
    const startNs = hrtime();
    this.inner.peerDisconnectLater(peerIndex, data, nowMs);
    this.stop(startNs);
  }
  override peerDisconnectNow(peerIndex: number, data: number, nowMs: number): void {
    const startNs = hrtime();
    this.inner.peerDisconnectNow(peerIndex, data, nowMs);
    this.stop(startNs);
  }
  override peerReset(peerIndex: number): void {
    const startNs = hrtime();
    this.inner.peerReset(peerIndex);
    this.stop(startNs);
  }
  override peerPing(peerIndex: number): void {
    const startNs = hrtime();
    this.inner.peerPing(peerIndex);
    this.stop(startNs);
  }
  override peerPingInterval(peerIndex: number, pingIntervalMs: number): void {
    const startNs = hrtime();
    this.inner.peerPingInterval(peerIndex, pingIntervalMs);
    this.stop(startNs);
  }
  override peerTimeout(peerIndex: number, timeoutLimit: number, timeoutMinimumMs: number, timeoutMaximumMs: number): void {
    const startNs = hrtime();
    this.inner.peerTimeout(peerIndex, timeoutLimit, timeoutMinimumMs, timeoutMaximumMs);
    this.stop(startNs);
  }
  override peerThrottleConfigure(peerIndex: number, intervalMs: number, acceleration: number, deceleration: number): void {
    const startNs = hrtime();
    this.inner.peerThrottleConfigure(peerIndex, intervalMs, acceleration, deceleration);
    this.stop(startNs);
  }

  private stop(startNs: bigint): void {
    this.meter.insideNs += hrtime() - startNs;
    this.meter.timedCalls++;
  }
}

/**
 * Wraps a factory so that every host it creates is metered: timed (TypeScript core) or only counted
 * (libenet). Creating the host is timed too for the TypeScript core (libenet charges enet_host_create).
 */
export function meteredFactory(inner: HostFactory, meter: EnetMeter, timed: boolean): HostFactory {
  return (config: HostConfigLike): HostLike => {
    const startNs = hrtime();
    const host = inner(config);
    if (timed) {
      meter.insideNs += hrtime() - startNs;
      meter.timedCalls++;
    }
    meter.hosts.push(host);
    return timed ? new TimedHost(host, meter) : new CountingHost(host, meter);
  };
}

// ---- timer overhead ------------------------------------------------------------------------------

const NONE_EVENT = { result: 0, event: { type: 'none' } } as const;

/** A host that does nothing, to time the decorator alone. */
function stubHost(): HostLike {
  const stub = new Proxy({}, { get: () => () => 0 }) as HostLike;
  return Object.assign(Object.create(stub) as HostLike, { service: () => NONE_EVENT, peerSend: () => 0 });
}

/**
 * The thread-CPU ns a timed call adds inside its own interval (the end of one hrtime read, the
 * start of the next, the bigint arithmetic), measured on a host that does nothing: the median of
 * `batchCount` batches, each scaled by its own on-CPU share.
 */
export function calibrateTimerOverhead(batchCount = 7, callsPerBatch = 20_000): { nsPerCall: number; spreadNs: number } {
  const stub = stubHost();
  const perBatch: number[] = [];
  for (let batch = -1; batch < batchCount; batch++) {
    const meter = new EnetMeter();
    const host = new TimedHost(stub, meter);
    const stopwatch = new Stopwatch();
    for (let call = 0; call < callsPerBatch; call++) {
      host.service(call);
      host.peerSend(0, 0, 0, EMPTY_BYTES);
    }
    const { cpuShare } = stopwatch.read();
    if (batch >= 0) perBatch.push((Number(meter.insideNs) / meter.timedCalls) * cpuShare); // batch -1 warms up
  }
  perBatch.sort((a, b) => a - b);
  return { nsPerCall: perBatch[Math.floor(perBatch.length / 2)]!, spreadNs: perBatch[perBatch.length - 1]! - perBatch[0]! };
}

const EMPTY_BYTES = new Uint8Array(0);
