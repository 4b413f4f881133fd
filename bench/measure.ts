// One measured run of one workload on one implementation, in the current process. The benchmark
// runs each of these in a fresh child process (bench/child.ts) so that peak RSS, the heap and the
// JIT state belong to that run alone.
import type { ProtocolProfile } from '../src/enet/constants.js';
import { LibenetDriver, type LibenetHost } from '../src/native/libenet.js';
import type { HostFactory } from '../src/sim/sim-host.js';
import { Simulation } from '../src/sim/simulation.js';
import { createTsHost } from '../src/sim/ts-host.js';
import { CATALOGUE, M1_SIZES, type Size, type WorkloadId } from './catalogue.js';
import { MemorySampler, peakRssBytes, retainedHeapBytes } from './memory.js';
import { EnetMeter, Stopwatch, calibrateTimerOverhead, meteredFactory } from './meter.js';
import { measureClock, referenceProgram } from './reference.js';

export type ImplementationKind = 'ts' | 'libenet';

export interface RunSpec {
  workload: Exclude<WorkloadId, 'W4'>;
  size: Size;
  impl: ImplementationKind;
  /**
   * TypeScript only: run the same workload once, unmeasured, before the measured run, so that the
   * measured run finds the JIT warm (steady state, as in the later part of a long run).
   */
  warmup?: boolean;
}

/** ENet time per datagram and how it was obtained. */
export interface EnetFigures {
  /** ENet CPU ns over the run (see `method`). */
  cpuNs: number;
  /** ENet calls measured (TypeScript: timed decorator calls; libenet: calls the driver charged). */
  callCount: number;
  nsPerDatagram: number;
  method: 'ts: hrtime inside calls × thread on-CPU share − timer overhead' | 'libenet: driver CLOCK_MONOTONIC inside libenet calls − one clock read per call';
  /** TypeScript only: the raw wall ns inside the calls, and the overhead subtracted per call. */
  insideWallNs?: number;
  timerOverheadNsPerCall?: number;
  /** libenet only: what the driver charged (CLOCK_MONOTONIC ns inside the calls, clock reads included). */
  libenetRawNs?: number;
  /** libenet only: one CLOCK_MONOTONIC read, ns (native/libenet-reference.c clock, measured before the run). */
  clockNsPerRead?: number;
  /** libenet only: callCount × clockNsPerRead, subtracted from the raw figure (about one read falls inside each interval). */
  clockOverheadNs?: number;
}

/** M1 only: the retained heap (after full collections) at each step, bytes. */
export interface IdleServerMemory {
  clientCount: number;
  connectedPeers: number;
  /** Before building the simulation (modules loaded). */
  heapBeforeBytes: number;
  /** A simulation holding only the server with `clientCount` slots, nothing else, minus heapBefore. */
  serverSlotsBytes: number;
  /** After building: server and clients created, nothing connected yet. */
  heapHostsCreatedBytes: number;
  /** After connecting every client and idling, trace included. */
  heapConnectedBytes: number;
  /** The same after emptying the trace (the ledger is empty: idle clients send nothing). */
  heapConnectedNoTraceBytes: number;
  traceEvents: number;
  /** (connected − before) / clients: everything one more connected idle client costs, trace included. */
  perPeerTotalBytes: number;
  /** (connectedNoTrace − before) / clients: the same without the trace. Compared with the target. */
  perPeerBytes: number;
  /** (connectedNoTrace − hostsCreated) / clients: what connecting adds to created hosts. */
  perPeerConnectionBytes: number;
  /** serverSlots / clients: one ENet peer slot of the server, with its SimHost bookkeeping. */
  perServerSlotBytes: number;
  /** (connected − connectedNoTrace) / traceEvents. */
  bytesPerTraceEvent: number;
}

export interface RunResult {
  spec: RunSpec;
  parameters: Record<string, number | string>;
  virtualMs: number;
  stoppedBy: string;
  /** W3: every packet delivered before the bound. */
  complete: boolean;
  buildMs: number;
  runMs: number;
  /** build + run. */
  wallMs: number;
  /** The main thread's on-CPU ms over build + run (null without /proc/thread-self/schedstat). */
  threadCpuMs: number | null;
  /** The main thread's ms waiting for a core (run queue) over build + run. */
  runQueueMs: number | null;
  /** Every thread of the process (GC and compiler helpers too), ms over build + run. */
  processCpuMs: number;
  /** threadCpu / wall: below 1 when the thread waited for a core. */
  cpuShare: number;
  datagrams: { sent: number; delivered: number; total: number };
  traceEvents: number;
  enet: EnetFigures;
  memory: { peakHeapUsedBytes: number; peakRssBytes: number; startRssBytes: number; sampleCount: number };
  idleServer?: IdleServerMemory;
}

function tsFactory(profile: ProtocolProfile): HostFactory {
  return (config) => createTsHost(config, profile);
}

/** Runs `spec` once and returns its figures. */
export function measureRun(spec: RunSpec): RunResult {
  const entry = CATALOGUE[spec.workload];
  const startRssBytes = process.memoryUsage.rss();
  const timerOverhead = spec.impl === 'ts' ? calibrateTimerOverhead() : null;
  const driver = spec.impl === 'libenet' ? new LibenetDriver() : null;
  const clockNsPerRead = driver !== null ? accountingClockNsPerRead() : 0;
  try {
    const inner: HostFactory = driver !== null ? (config) => driver.createHost(config) : tsFactory(entry.profile);
    if (spec.warmup === true && driver === null) {
      const warm = entry.build(spec.size, meteredFactory(inner, new EnetMeter(), true));
      warm.sim.run(warm.untilMs, warm.done !== undefined ? { stop: warm.done } : {});
    }
    const meter = new EnetMeter();
    const factory = meteredFactory(inner, meter, spec.impl === 'ts');
    const idle = spec.workload === 'M1' && spec.impl === 'ts' ? startIdleServerMemory(M1_SIZES[spec.size].clientCount, inner) : null;

    const buildStopwatch = new Stopwatch();
    const built = entry.build(spec.size, factory);
    const build = buildStopwatch.read();
    const heapHostsCreatedBytes = idle !== null ? retainedHeapBytes() : 0;
    const sampler = new MemorySampler();
    sampler.attach(built.sim, entry.samplePeriodMs(spec.size));
    const runStopwatch = new Stopwatch();
    const result = built.sim.run(built.untilMs, built.done !== undefined ? { stop: built.done } : {});
    const run = runStopwatch.read();
    sampler.sample();
    const wallMs = build.wallMs + run.wallMs;
    const threadCpuMs = build.threadCpuMs !== null && run.threadCpuMs !== null ? build.threadCpuMs + run.threadCpuMs : null;
    const runQueueMs = build.runQueueMs !== null && run.runQueueMs !== null ? build.runQueueMs + run.runQueueMs : null;
    const cpuShare = threadCpuMs !== null && wallMs > 0 ? Math.min(1, threadCpuMs / wallMs) : 1;
    const processCpuMs = build.processCpuMs + run.processCpuMs;

    const enet = driver !== null ? libenetFigures(meter, clockNsPerRead) : tsFigures(meter, cpuShare, timerOverhead!.nsPerCall);
    const traceEvents = built.sim.trace.length;
    const idleServer = idle !== null ? idle.finish(built.sim, heapHostsCreatedBytes) : undefined;
    return {
      spec,
      parameters: built.parameters,
      virtualMs: result.nowMs,
      stoppedBy: result.stoppedBy,
      complete: built.done === undefined ? true : built.done(),
      buildMs: build.wallMs,
      runMs: run.wallMs,
      wallMs,
      threadCpuMs,
      runQueueMs,
      processCpuMs,
      cpuShare,
      datagrams: { sent: meter.sentDatagrams, delivered: meter.deliveredDatagrams, total: meter.datagrams },
      traceEvents,
      enet,
      memory: { peakHeapUsedBytes: sampler.peakHeapUsedBytes, peakRssBytes: peakRssBytes(), startRssBytes, sampleCount: sampler.sampleCount },
      ...(idleServer !== undefined ? { idleServer } : {}),
    };
  } finally {
    driver?.close();
  }
}

function tsFigures(meter: EnetMeter, cpuShare: number, overheadNsPerCall: number): EnetFigures {
  const insideWallNs = Number(meter.insideNs);
  const cpuNs = Math.max(0, insideWallNs * cpuShare - meter.timedCalls * overheadNsPerCall);
  return {
    cpuNs,
    callCount: meter.timedCalls,
    nsPerDatagram: meter.datagrams > 0 ? cpuNs / meter.datagrams : 0,
    method: 'ts: hrtime inside calls × thread on-CPU share − timer overhead',
    insideWallNs,
    timerOverheadNsPerCall: overheadNsPerCall,
  };
}

/**
 * What the driver charged, less one clock read per call. Not scaled by an on-CPU share as the other
 * figures are: the driver sleeps between requests, so its run-queue time is mostly the wake-up
 * after each request, outside the libenet calls. On a loaded machine the figure can therefore
 * include time a call was preempted (the monotonic clock keeps running).
 */
function libenetFigures(meter: EnetMeter, clockNsPerRead: number): EnetFigures {
  let libenetRawNs = 0;
  let callCount = 0;
  for (const host of meter.hosts) {
    const charged = (host as LibenetHost).cpuTime();
    libenetRawNs += charged.cpuNs;
    callCount += charged.callCount;
  }
  const clockOverheadNs = callCount * clockNsPerRead;
  const cpuNs = Math.max(0, libenetRawNs - clockOverheadNs);
  return {
    cpuNs,
    callCount,
    nsPerDatagram: meter.datagrams > 0 ? cpuNs / meter.datagrams : 0,
    method: 'libenet: driver CLOCK_MONOTONIC inside libenet calls − one clock read per call',
    libenetRawNs,
    clockNsPerRead,
    clockOverheadNs,
  };
}

/** One CLOCK_MONOTONIC read, ns, measured by the C reference (the same clock the driver reads). */
function accountingClockNsPerRead(): number {
  const program = referenceProgram();
  if (!program.ok) throw new Error(`bench: cannot measure the clock's cost: ${program.reason}`);
  return measureClock(program.driverPath).monotonicNsPerRead;
}


/**
 * M1's retained-heap steps. Measures, before the workload is built, the heap of a simulation that
 * holds only the server (its peer slots); `finish` measures the connected state with and without
 * the trace.
 */
function startIdleServerMemory(clientCount: number, unmetered: HostFactory): { finish: (sim: Simulation, heapHostsCreatedBytes: number) => IdleServerMemory } {
  const probeBeforeBytes = retainedHeapBytes();
  let probe: Simulation | null = new Simulation({ seed: 0, statsIntervalMs: 0 });
  probe.addHost('server', { implementation: unmetered, peerCount: clientCount, channelLimit: 2 });
  const probeAfterBytes = retainedHeapBytes();
  probe = null;
  const heapBeforeBytes = retainedHeapBytes();
  const serverSlotsBytes = probeAfterBytes - probeBeforeBytes;
  return {
    finish: (sim, heapHostsCreatedBytes) => {
      const connectedPeers = sim.host('server').impl?.host().connectedPeers ?? 0;
      const heapConnectedBytes = retainedHeapBytes();
      const traceEvents = sim.trace.length;
      sim.trace.clear();
      const heapConnectedNoTraceBytes = retainedHeapBytes();
      return {
        clientCount,
        connectedPeers,
        heapBeforeBytes,
        serverSlotsBytes,
        heapHostsCreatedBytes,
        heapConnectedBytes,
        heapConnectedNoTraceBytes,
        traceEvents,
        perPeerTotalBytes: (heapConnectedBytes - heapBeforeBytes) / clientCount,
        perPeerBytes: (heapConnectedNoTraceBytes - heapBeforeBytes) / clientCount,
        perPeerConnectionBytes: (heapConnectedNoTraceBytes - heapHostsCreatedBytes) / clientCount,
        perServerSlotBytes: serverSlotsBytes / clientCount,
        bytesPerTraceEvent: traceEvents > 0 ? (heapConnectedBytes - heapConnectedNoTraceBytes) / traceEvents : 0,
      };
    },
  };
}
