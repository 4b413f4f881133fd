// The benchmark's results: the JSON shape written by `--out` (documented in docs/performance.md),
// built from the child runs, and the tables printed for people.
import Table from 'cli-table3';

import type { WorkloadId } from './catalogue.js';
import type { IdleServerMemory, RunResult } from './measure.js';
import { referenceDatagrams, referenceLibenetCpuNs, type ClockCost, type CommandUsage, type ReferenceRun } from './reference.js';
import { stat, statOf, type Stat } from './stats.js';
import type { SweepResult } from './sweep.js';

/** The figures every workload reports (the issue's list), each over the repeats. */
export interface WorkloadFigures {
  /** Build + run of the simulation, ms (process start-up excluded). */
  wallMs: Stat;
  /** Virtual time / wall time. */
  virtualPerWall: Stat;
  /** Virtual time / the main thread's on-CPU time: what an idle core would give (null without schedstat). */
  virtualPerCpu: Stat | null;
  /** The thread's on-CPU share of the wall time (1 = it never waited for a core). */
  cpuShare: Stat;
  /** Process CPU (all threads) / wall: the cores the run kept busy (V8's GC helpers run beside JS). */
  coresUsed: Stat;
  /** Datagrams simulated (sent + delivered) per wall second. */
  datagramsPerSecond: Stat;
  peakHeapBytes: Stat;
  peakRssBytes: Stat;
  /** ENet CPU ns per datagram of the TypeScript core in the full run. */
  tsEnetNsPerDatagram: Stat;
}

/**
 * The TypeScript core and libenet on the same variant, repeats interleaved. The TypeScript core is
 * measured three ways: on the variant in a fresh process (cold: JIT compilation included, as in a
 * short test), on the variant after running it once in the same process (warm: steady state on the
 * same work as libenet), and in the full-size run (steady state, the full workload's mix).
 */
export interface Comparison {
  variant: string;
  parameters: Record<string, number | string>;
  datagrams: number;
  libenetEnetNsPerDatagram: Stat;
  tsColdEnetNsPerDatagram: Stat;
  tsWarmEnetNsPerDatagram: Stat;
  tsFullRunEnetNsPerDatagram: Stat;
  /** TS / libenet per repeat (the i-th runs ran back to back, under the same load). */
  ratioCold: Stat;
  /** The ratio the ENet CPU target is judged on: same work, warm JIT. */
  ratioWarm: Stat;
  ratioFullRun: Stat;
  /** libenet through the driver: what it charged (CLOCK_MONOTONIC inside the calls, clock reads included), ns per datagram. */
  libenetChargedNsPerDatagram: Stat;
  /** Clock reads per datagram (two per charged call) and what the one read per call inside the intervals cost, subtracted. */
  libenetClockReadsPerDatagram: number;
  libenetClockNsPerDatagram: Stat;
  tsColdRuns: RunResult[];
  tsWarmRuns: RunResult[];
  libenetRuns: RunResult[];
}

export interface SweepReport {
  workers: number;
  variantCount: number;
  virtualSecondsPerVariant: number;
  sequentialWallMs: Stat;
  parallelWallMs: Stat;
  /** Worker start-up (tsx + compiling the sources in each isolate), included in parallelWallMs. */
  parallelStartupMs: Stat;
  /** sequential / parallel per repeat. */
  speedup: Stat;
  /** Process CPU / wall of each mode: one thread of JavaScript already keeps more than one core busy. */
  sequentialCoresUsed: Stat;
  parallelCoresUsed: Stat;
  /** Every variant's trace hash is identical in both modes and across repeats. */
  deterministic: boolean;
  traceHashes: string[];
  sequential: SweepResult[];
  parallel: SweepResult[];
}

export interface IdleServerReport {
  clientCount: number;
  connectedPeers: number;
  perPeerBytes: Stat;
  perPeerTotalBytes: Stat;
  perPeerConnectionBytes: Stat;
  perServerSlotBytes: Stat;
  bytesPerTraceEvent: Stat;
  traceEvents: number;
}

/**
 * The in-process C reference (native/libenet-reference.c) on the same workload and size as the
 * TypeScript full run, repeats interleaved with it. The ratios compare like with like: ENet's
 * calls on each side (TS / libenet), and everything the process did to build and run the workload,
 * start-up excluded (TS / C).
 */
export interface ReferenceReport {
  workload: 'W1' | 'W2';
  virtualSeconds: number;
  hosts: number;
  /** Datagrams (sent + delivered) of the first C run and of the first TypeScript run: close, not equal (different link draws). */
  datagrams: { sent: number; delivered: number; total: number };
  tsDatagrams: { sent: number; delivered: number; total: number };
  /** The C process's CPU over building and running (CLOCK_PROCESS_CPUTIME_ID) in the untimed runs, ms and ns per datagram. */
  processCpuMs: Stat;
  processCpuNsPerDatagram: Stat;
  /** The same in the timed runs: the clock reads around every libenet call included. */
  timedProcessCpuMs: Stat;
  /** CLOCK_MONOTONIC inside libenet's calls per datagram, clock reads included. */
  libenetRawNsPerDatagram: Stat;
  libenetClockReadsPerDatagram: number;
  /** One read per call, at the measured cost of a read. */
  libenetClockNsPerDatagram: Stat;
  /** The timed process's CPU / wall (scales the monotonic time to CPU time, as for the TypeScript figure). */
  cpuShare: Stat;
  /** (raw − clock) × cpuShare per datagram: the figure compared. */
  libenetNsPerDatagram: Stat;
  /** The TypeScript core's ENet CPU per datagram in the full run, and TS / libenet per repeat pair. */
  tsEnetNsPerDatagram: Stat;
  ratioEnet: Stat;
  /** The TypeScript process's CPU (all threads) over building and running, per datagram, and TS / C untimed. */
  tsProcessCpuNsPerDatagram: Stat;
  ratioProcess: Stat;
  /** Timed runs (libenet's share) and untimed runs (the process's CPU), one of each per repeat. */
  runs: ReferenceRun[];
  untimedRuns: ReferenceRun[];
}

/** `enetsim run` of bench/w1-duel.yaml through the built CLI against the C reference running W1, both timed by wait4. */
export interface EndToEndReport {
  command: string;
  referenceCommand: string;
  virtualSeconds: number;
  /** user + system of the CLI process (Node start-up, module loading, scenario, simulation, trace, report). */
  cliCpuMs: Stat;
  cliWallMs: Stat;
  cliMaxRssMiB: Stat;
  /** Virtual time per CPU time of the CLI run. */
  cliVirtualPerCpu: Stat;
  /** user + system of the C reference process, start-up included. */
  referenceCpuMs: Stat;
  /** CLI / C per repeat pair. */
  ratio: Stat;
  cli: CommandUsage[];
  reference: CommandUsage[];
}

export interface WorkloadReport {
  id: WorkloadId;
  title: string;
  size: 'full' | 'smoke';
  parameters: Record<string, number | string>;
  figures: WorkloadFigures;
  comparison: Comparison | null;
  /** Why there is no comparison, when there is none. */
  comparisonNote?: string;
  sweep?: SweepReport;
  idleServer?: IdleServerReport;
  /** W1 and W2: the in-process C reference, when libenet is available. */
  reference?: ReferenceReport;
  /** Why there is no reference (W1 and W2 only). */
  referenceNote?: string;
  /** The TypeScript runs behind `figures` (W4: see `sweep`). */
  runs: RunResult[];
}

export interface TargetResult {
  id: string;
  goal: string;
  value: number | null;
  unit: string;
  met: boolean | null;
  /** For the speed targets: the same figure per on-CPU time, i.e. on an idle core. */
  valueOnIdleCore?: number | null;
  metOnIdleCore?: boolean | null;
  /** For the ENet CPU targets: TS warm over libenet through the driver (the shortened variant). */
  valueWarmDriver?: number | null;
  /** For the end-to-end target: the CLI's CPU over the C reference's. */
  valueVersusC?: number | null;
}

export interface BenchReport {
  schema: 'enetsim-bench/1';
  machine: {
    node: string;
    platform: string;
    cpuModel: string;
    cpuCount: number;
    availableParallelism: number;
    totalMemoryBytes: number;
    loadAverageStart: number[];
    loadAverageEnd: number[];
  };
  options: { repeats: number; smoke: boolean; only: string[]; libenet: boolean; nodeFlags: string[] };
  libenet: { available: boolean; reason?: string };
  startedAt: string;
  finishedAt: string;
  workloads: WorkloadReport[];
  targets: TargetResult[];
  errors: string[];
  /** The accounting clock's cost per read, one measurement per repeat (null without the C reference). */
  clock: { monotonicNsPerRead: Stat; threadCpuTimeNsPerRead: Stat } | null;
  /** W1 end to end through the CLI against the C reference, when W1 ran and the reference is available. */
  endToEnd?: EndToEndReport;
  /** W5: a sweep through `enetsim sweep` (bench/sweep-cli.ts), when it ran. */
  sweepCli?: import('./sweep-cli.js').SweepCliResult;
}

// ---- building ------------------------------------------------------------------------------------

export function runFigures(runs: RunResult[]): WorkloadFigures {
  const cpuKnown = runs.every((run) => run.threadCpuMs !== null && run.threadCpuMs > 0);
  return {
    wallMs: stat(runs.map((run) => run.wallMs)),
    virtualPerWall: stat(runs.map((run) => run.virtualMs / run.wallMs)),
    virtualPerCpu: cpuKnown ? stat(runs.map((run) => run.virtualMs / run.threadCpuMs!)) : null,
    cpuShare: stat(runs.map((run) => run.cpuShare)),
    coresUsed: stat(runs.map((run) => run.processCpuMs / run.wallMs)),
    datagramsPerSecond: stat(runs.map((run) => run.datagrams.total / (run.wallMs / 1000))),
    peakHeapBytes: stat(runs.map((run) => run.memory.peakHeapUsedBytes)),
    peakRssBytes: stat(runs.map((run) => run.memory.peakRssBytes)),
    tsEnetNsPerDatagram: stat(runs.map((run) => run.enet.nsPerDatagram)),
  };
}

function pairedRatios(numerators: RunResult[], denominators: RunResult[]): Stat {
  const pairs = Math.min(numerators.length, denominators.length);
  const ratios: number[] = [];
  for (let index = 0; index < pairs; index++) ratios.push(numerators[index]!.enet.nsPerDatagram / denominators[index]!.enet.nsPerDatagram);
  return stat(ratios);
}

export function comparison(variant: string, tsColdRuns: RunResult[], tsWarmRuns: RunResult[], libenetRuns: RunResult[], tsFullRuns: RunResult[]): Comparison {
  const perDatagram = (runs: RunResult[]): Stat => stat(runs.map((run) => run.enet.nsPerDatagram));
  return {
    variant,
    parameters: libenetRuns[0]!.parameters,
    datagrams: libenetRuns[0]!.datagrams.total,
    libenetEnetNsPerDatagram: perDatagram(libenetRuns),
    tsColdEnetNsPerDatagram: perDatagram(tsColdRuns),
    tsWarmEnetNsPerDatagram: perDatagram(tsWarmRuns),
    tsFullRunEnetNsPerDatagram: perDatagram(tsFullRuns),
    ratioCold: pairedRatios(tsColdRuns, libenetRuns),
    ratioWarm: pairedRatios(tsWarmRuns, libenetRuns),
    ratioFullRun: pairedRatios(tsFullRuns, libenetRuns),
    libenetChargedNsPerDatagram: stat(libenetRuns.map((run) => (run.enet.libenetRawNs ?? run.enet.cpuNs) / run.datagrams.total)),
    libenetClockReadsPerDatagram: (2 * libenetRuns[0]!.enet.callCount) / libenetRuns[0]!.datagrams.total,
    libenetClockNsPerDatagram: stat(libenetRuns.map((run) => (run.enet.clockOverheadNs ?? 0) / run.datagrams.total)),
    tsColdRuns,
    tsWarmRuns,
    libenetRuns,
  };
}

export function referenceReport(workload: 'W1' | 'W2', runs: ReferenceRun[], untimedRuns: ReferenceRun[], tsRuns: RunResult[], clockNsPerRead: number): ReferenceReport {
  const first = runs[0]!;
  const perDatagram = (pick: (run: ReferenceRun) => number, of = runs): Stat => stat(of.map((run) => pick(run) / referenceDatagrams(run)));
  const libenetNs = (run: ReferenceRun): number => referenceLibenetCpuNs(run, clockNsPerRead) / referenceDatagrams(run);
  const tsProcessNs = (run: RunResult): number => (run.processCpuMs * 1e6) / run.datagrams.total;
  const pairs = Math.min(runs.length, untimedRuns.length, tsRuns.length);
  const ratioEnet: number[] = [];
  const ratioProcess: number[] = [];
  for (let index = 0; index < pairs; index++) {
    ratioEnet.push(tsRuns[index]!.enet.nsPerDatagram / libenetNs(runs[index]!));
    ratioProcess.push(tsProcessNs(tsRuns[index]!) / (untimedRuns[index]!.processCpuNs / referenceDatagrams(untimedRuns[index]!)));
  }
  return {
    workload,
    virtualSeconds: first.virtualMs / 1000,
    hosts: first.hosts,
    datagrams: { sent: first.datagramsSent, delivered: first.datagramsDelivered, total: referenceDatagrams(first) },
    tsDatagrams: tsRuns[0]!.datagrams,
    processCpuMs: stat(untimedRuns.map((run) => run.processCpuNs / 1e6)),
    processCpuNsPerDatagram: perDatagram((run) => run.processCpuNs, untimedRuns),
    timedProcessCpuMs: stat(runs.map((run) => run.processCpuNs / 1e6)),
    libenetRawNsPerDatagram: perDatagram((run) => run.libenetNs),
    libenetClockReadsPerDatagram: (2 * first.libenetCalls) / referenceDatagrams(first),
    libenetClockNsPerDatagram: perDatagram((run) => run.libenetCalls * clockNsPerRead),
    cpuShare: stat(runs.map((run) => Math.min(1, run.processCpuNs / run.wallNs))),
    libenetNsPerDatagram: stat(runs.map(libenetNs)),
    tsEnetNsPerDatagram: stat(tsRuns.map((run) => run.enet.nsPerDatagram)),
    ratioEnet: stat(ratioEnet),
    tsProcessCpuNsPerDatagram: stat(tsRuns.map(tsProcessNs)),
    ratioProcess: stat(ratioProcess),
    runs,
    untimedRuns,
  };
}

export function endToEndReport(command: string, referenceCommand: string, virtualSeconds: number, cli: CommandUsage[], reference: CommandUsage[]): EndToEndReport {
  const cpuMs = (usage: CommandUsage): number => (usage.userNs + usage.systemNs) / 1e6;
  const pairs = Math.min(cli.length, reference.length);
  const ratios: number[] = [];
  for (let index = 0; index < pairs; index++) ratios.push(cpuMs(cli[index]!) / cpuMs(reference[index]!));
  return {
    command,
    referenceCommand,
    virtualSeconds,
    cliCpuMs: stat(cli.map(cpuMs)),
    cliWallMs: stat(cli.map((usage) => usage.wallNs / 1e6)),
    cliMaxRssMiB: stat(cli.map((usage) => usage.maxRssKiB / 1024)),
    cliVirtualPerCpu: stat(cli.map((usage) => (virtualSeconds * 1000) / cpuMs(usage))),
    referenceCpuMs: stat(reference.map(cpuMs)),
    ratio: stat(ratios),
    cli,
    reference,
  };
}

export function sweepReport(sequential: SweepResult[], parallel: SweepResult[]): SweepReport {
  const reference = sequential[0]!.variants.map((variant) => variant.traceHash);
  const same = (result: SweepResult): boolean =>
    result.variants.length === reference.length && result.variants.every((variant, index) => variant.traceHash === reference[index]);
  const pairs = Math.min(sequential.length, parallel.length);
  const speedups: number[] = [];
  for (let index = 0; index < pairs; index++) speedups.push(sequential[index]!.wallMs / parallel[index]!.wallMs);
  return {
    workers: parallel[0]!.workers,
    variantCount: sequential[0]!.variantCount,
    virtualSecondsPerVariant: sequential[0]!.durationMs / 1000,
    sequentialWallMs: stat(sequential.map((result) => result.wallMs)),
    parallelWallMs: stat(parallel.map((result) => result.wallMs)),
    parallelStartupMs: stat(parallel.map((result) => result.startupMs)),
    speedup: stat(speedups),
    sequentialCoresUsed: stat(sequential.map((result) => result.processCpuMs / result.wallMs)),
    parallelCoresUsed: stat(parallel.map((result) => result.processCpuMs / result.wallMs)),
    deterministic: sequential.every(same) && parallel.every(same),
    traceHashes: reference,
    sequential,
    parallel,
  };
}

/** W4's common figures: the parallel runs (the mode a user runs a sweep in); ENet CPU from the sequential ones. */
export function sweepFigures(sweep: SweepReport): WorkloadFigures {
  const parallel = sweep.parallel;
  return {
    wallMs: sweep.parallelWallMs,
    virtualPerWall: stat(parallel.map((result) => result.virtualMs / result.wallMs)),
    virtualPerCpu: null,
    cpuShare: stat(parallel.map(() => 1)),
    coresUsed: stat(parallel.map((result) => result.processCpuMs / result.wallMs)),
    datagramsPerSecond: stat(parallel.map((result) => result.datagrams / (result.wallMs / 1000))),
    peakHeapBytes: stat(parallel.map((result) => result.peakHeapUsedBytes)),
    peakRssBytes: stat(parallel.map((result) => result.peakRssBytes)),
    tsEnetNsPerDatagram: stat(sweep.sequential.map((result) => result.enetNsPerDatagram)),
  };
}

export function idleServerReport(runs: RunResult[]): IdleServerReport | undefined {
  const memories = runs.map((run) => run.idleServer).filter((memory): memory is IdleServerMemory => memory !== undefined);
  if (memories.length === 0) return undefined;
  const pick = (key: keyof IdleServerMemory): Stat => statOf(memories, (memory) => memory[key])!;
  return {
    clientCount: memories[0]!.clientCount,
    connectedPeers: Math.min(...memories.map((memory) => memory.connectedPeers)),
    perPeerBytes: pick('perPeerBytes'),
    perPeerTotalBytes: pick('perPeerTotalBytes'),
    perPeerConnectionBytes: pick('perPeerConnectionBytes'),
    perServerSlotBytes: pick('perServerSlotBytes'),
    bytesPerTraceEvent: pick('bytesPerTraceEvent'),
    traceEvents: memories[0]!.traceEvents,
  };
}

/** The issue's targets, judged on the medians (goals, not tests). */
export function judgeTargets(workloads: WorkloadReport[], endToEnd?: EndToEndReport): TargetResult[] {
  const find = (id: WorkloadId): WorkloadReport | undefined => workloads.find((workload) => workload.id === id);
  const targets: TargetResult[] = [];
  const speed = (id: WorkloadId, goal: string, threshold: number): void => {
    const workload = find(id);
    if (workload === undefined) return;
    const value = workload.figures.virtualPerWall.median;
    const idle = workload.figures.virtualPerCpu?.median ?? null;
    targets.push({ id, goal, value, unit: '× real time', met: value >= threshold, valueOnIdleCore: idle, metOnIdleCore: idle === null ? null : idle >= threshold });
  };
  speed('W1', 'W1 ≥ 3000× real time (10 virtual minutes < 200 ms)', 3000);
  for (const id of ['W1', 'W2'] as const) {
    const workload = find(id);
    if (workload === undefined) continue;
    const ratio = workload.reference?.ratioEnet.median ?? null;
    targets.push({
      id: `${id} ENet CPU`,
      goal: `${id}: TS ENet CPU per datagram ≤ 3× libenet in-process (full run vs the C reference)`,
      value: ratio,
      unit: '× libenet',
      met: ratio === null ? null : ratio <= 3,
      valueWarmDriver: workload.comparison?.ratioWarm.median ?? null,
    });
  }
  speed('W2', 'W2 ≥ 30× real time', 30);
  speed('W3', 'W3 ≥ 20× real time', 20);
  const sweep = find('W4')?.sweep;
  if (sweep !== undefined) {
    targets.push({ id: 'W4', goal: `W4 ≥ 1.8× speed-up on ${sweep.workers} workers`, value: sweep.speedup.median, unit: '× one thread', met: sweep.speedup.median >= 1.8 });
  }
  if (endToEnd !== undefined) {
    targets.push({
      id: 'W1 CLI',
      goal: 'W1 through the CLI (enetsim run bench/w1-duel.yaml, start-up included) ≤ 0.5 s CPU, within 35× of the C reference',
      value: endToEnd.cliCpuMs.median / 1000,
      unit: 's CPU',
      met: endToEnd.cliCpuMs.median <= 500 && endToEnd.ratio.median <= 35,
      valueVersusC: endToEnd.ratio.median,
    });
  }
  const idle = find('M1')?.idleServer;
  if (idle !== undefined) {
    const value = idle.perPeerBytes.median;
    targets.push({ id: 'M1', goal: 'M1 ≤ 16 KiB heap per connected idle peer (trace excluded)', value: value / 1024, unit: 'KiB/peer', met: value <= 16 * 1024 });
  }
  return targets;
}

// ---- printing ------------------------------------------------------------------------------------

const MiB = 1024 * 1024;

function fixed(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "1 234 ±5%": the median and the spread of the repeats. */
function withSpread(figure: Stat, format: (value: number) => string): string {
  if (figure.values.length < 2) return format(figure.median);
  return `${format(figure.median)} ±${Math.round((figure.spread * 100) / 2)}%`;
}

function significant(value: number): string {
  if (value >= 100) return fixed(value);
  if (value >= 10) return fixed(value, 1);
  return fixed(value, 2);
}

export function renderTables(report: BenchReport): string {
  const lines: string[] = [];
  const repeats = report.options.repeats;
  const main = new Table({
    head: ['workload', 'wall ms', 'virtual/wall', 'virtual/CPU', 'CPU share', 'cores used', 'datagrams/s', 'peak heap MiB', 'peak RSS MiB', 'TS ENet ns/dgram'],
    style: { head: [], border: [] },
  });
  for (const workload of report.workloads) {
    const f = workload.figures;
    main.push([
      workload.id,
      withSpread(f.wallMs, (value) => fixed(value)),
      withSpread(f.virtualPerWall, (value) => `${significant(value)}×`),
      f.virtualPerCpu === null ? '—' : withSpread(f.virtualPerCpu, (value) => `${significant(value)}×`),
      workload.id === 'W4' ? '—' : `${Math.round(f.cpuShare.median * 100)}%`,
      fixed(f.coresUsed.median, 2),
      withSpread(f.datagramsPerSecond, (value) => fixed(value)),
      withSpread(f.peakHeapBytes, (value) => fixed(value / MiB, 1)),
      withSpread(f.peakRssBytes, (value) => fixed(value / MiB, 1)),
      withSpread(f.tsEnetNsPerDatagram, (value) => fixed(value)),
    ]);
  }
  lines.push(`Simulator throughput (TypeScript core; median of ${repeats}, ±half the min–max range; one fresh process per run)`);
  lines.push(main.toString());

  const versus = new Table({
    head: ['workload', 'variant run on both', 'datagrams', 'libenet ns/dgram', 'TS cold ns/dgram (×)', 'TS warm ns/dgram (×)', 'TS full run ns/dgram (×)'],
    style: { head: [], border: [] },
  });
  const withRatio = (value: Stat, ratio: Stat): string => `${withSpread(value, (v) => fixed(v))} (${withSpread(ratio, (v) => `${fixed(v, 2)}×`)})`;
  for (const workload of report.workloads) {
    const c = workload.comparison;
    if (c === null) {
      if (workload.comparisonNote !== undefined) versus.push([workload.id, { colSpan: 6, content: workload.comparisonNote }]);
      continue;
    }
    versus.push([
      workload.id,
      c.variant,
      fixed(c.datagrams),
      withSpread(c.libenetEnetNsPerDatagram, (value) => fixed(value)),
      withRatio(c.tsColdEnetNsPerDatagram, c.ratioCold),
      withRatio(c.tsWarmEnetNsPerDatagram, c.ratioWarm),
      withRatio(c.tsFullRunEnetNsPerDatagram, c.ratioFullRun),
    ]);
  }
  lines.push('');
  lines.push('ENet CPU per datagram, TypeScript core vs libenet 1.3.17 (same variant, same process layout, runs interleaved)');
  lines.push(versus.toString());

  lines.push(...renderHonestLibenet(report));

  const sweep = report.workloads.find((workload) => workload.sweep !== undefined)?.sweep;
  if (sweep !== undefined) {
    lines.push('');
    lines.push(
      `W4 sweep: ${sweep.variantCount} variants × ${sweep.virtualSecondsPerVariant} virtual s; one thread ${withSpread(sweep.sequentialWallMs, (v) => `${fixed(v)} ms`)}, ` +
        `${sweep.workers} workers ${withSpread(sweep.parallelWallMs, (v) => `${fixed(v)} ms`)} (start-up ${fixed(sweep.parallelStartupMs.median)} ms); ` +
        `speed-up ${withSpread(sweep.speedup, (v) => `${fixed(v, 2)}×`)}; cores kept busy: ${fixed(sweep.sequentialCoresUsed.median, 2)} by one thread, ` +
        `${fixed(sweep.parallelCoresUsed.median, 2)} by the workers; trace hashes identical in both modes: ${sweep.deterministic ? 'yes' : 'NO'}`,
    );
  }
  const idle = report.workloads.find((workload) => workload.idleServer !== undefined)?.idleServer;
  if (idle !== undefined) {
    lines.push('');
    lines.push(
      `M1 heap per connected idle peer (${fixed(idle.connectedPeers)}/${fixed(idle.clientCount)} connected, after full GCs): ` +
        `${withSpread(idle.perPeerBytes, (v) => `${fixed(v / 1024, 1)} KiB`)} without the trace, ${fixed(idle.perPeerTotalBytes.median / 1024, 1)} KiB with it ` +
        `(${fixed(idle.traceEvents)} trace events, ${fixed(idle.bytesPerTraceEvent.median)} B each); of which the server's peer slot ${fixed(idle.perServerSlotBytes.median / 1024, 1)} KiB, ` +
        `connecting ${fixed(idle.perPeerConnectionBytes.median / 1024, 1)} KiB`,
    );
  }

  const targets = new Table({ head: ['target', 'measured', 'met', 'also'], style: { head: [], border: [] } });
  for (const target of report.targets) {
    const value = target.value === null ? '—' : `${significant(target.value)} ${target.unit}`;
    let also = '';
    if (report.options.smoke) {
      also = 'smoke sizes say nothing about the targets';
    } else if (target.valueOnIdleCore !== undefined && target.valueOnIdleCore !== null) {
      also = `per on-CPU time (an idle core): ${significant(target.valueOnIdleCore)}×, ${target.metOnIdleCore ? 'met' : 'not met'}`;
    } else if (target.valueWarmDriver !== undefined && target.valueWarmDriver !== null) {
      also = `TS warm vs libenet through the driver (shortened variant): ${significant(target.valueWarmDriver)}×`;
    } else if (target.valueVersusC !== undefined && target.valueVersusC !== null) {
      also = `${significant(target.valueVersusC)}× the C reference's CPU for the same virtual work`;
    }
    targets.push([target.goal, value, report.options.smoke ? 'smoke: n/a' : target.met === null ? '—' : target.met ? 'met' : 'not met', also]);
  }
  lines.push('');
  lines.push('Targets (goals, judged on the medians)');
  lines.push(targets.toString());
  const m = report.machine;
  lines.push('');
  lines.push(
    `Machine: ${m.cpuModel}, ${m.cpuCount} CPUs (availableParallelism ${m.availableParallelism}), Node ${m.node}; ` +
      `load average ${m.loadAverageStart.map((v) => v.toFixed(1)).join('/')} at start, ${m.loadAverageEnd.map((v) => v.toFixed(1)).join('/')} at end.`,
  );
  if (report.errors.length > 0) lines.push(`Errors:\n${report.errors.map((error) => `  ${error}`).join('\n')}`);
  return lines.join('\n');
}

/**
 * The clock's cost, libenet through the driver with its clock overhead, the in-process C reference
 * with the TS/libenet ratios, and the end-to-end CLI figure: each says what it includes.
 */
function renderHonestLibenet(report: BenchReport): string[] {
  const lines: string[] = [];
  const clock = report.clock;
  if (clock !== null) {
    lines.push('');
    lines.push(
      `Accounting clock: one CLOCK_MONOTONIC read (vDSO) costs ${withSpread(clock.monotonicNsPerRead, (v) => `${fixed(v, 1)} ns`)}; ` +
        `one CLOCK_THREAD_CPUTIME_ID read (a system call, what the driver read before) ${withSpread(clock.threadCpuTimeNsPerRead, (v) => `${fixed(v)} ns`)}. ` +
        'The driver and the C reference read CLOCK_MONOTONIC twice per libenet call; one read per call falls inside the interval and is subtracted below.',
    );
  }
  const driverTable = new Table({
    head: ['workload', 'datagrams', 'charged ns/dgram', 'clock reads/dgram', 'clock ns/dgram (subtracted)', 'libenet ns/dgram'],
    style: { head: [], border: [] },
  });
  let driverRows = 0;
  for (const workload of report.workloads) {
    const c = workload.comparison;
    if (c === null || c.libenetChargedNsPerDatagram === undefined) continue;
    driverRows++;
    driverTable.push([
      workload.id,
      fixed(c.datagrams),
      withSpread(c.libenetChargedNsPerDatagram, (v) => fixed(v)),
      fixed(c.libenetClockReadsPerDatagram, 2),
      withSpread(c.libenetClockNsPerDatagram, (v) => fixed(v)),
      withSpread(c.libenetEnetNsPerDatagram, (v) => fixed(v)),
    ]);
  }
  if (driverRows > 0) {
    lines.push('');
    lines.push(
      'libenet through the driver (the variants above): CLOCK_MONOTONIC inside each libenet call the driver makes, less one clock read per call; ' +
        'the FIFO round trip is outside the intervals, the driver’s in-memory socket copies inside; wall time, so a call preempted on a loaded machine counts',
    );
    lines.push(driverTable.toString());
  }

  const referenceTable = new Table({
    head: ['workload', 'datagrams C (TS)', 'C CPU ms (timed)', 'C ns/dgram', 'libenet charged ns/dgram', 'clock reads/dgram (ns)', 'libenet ns/dgram', 'TS ENet ns/dgram', 'TS/libenet ENet', 'TS process ns/dgram', 'TS/C process'],
    style: { head: [], border: [] },
  });
  let referenceRows = 0;
  for (const workload of report.workloads) {
    const r = workload.reference;
    if (r === undefined) {
      if (workload.referenceNote !== undefined) referenceTable.push([workload.id, { colSpan: 10, content: workload.referenceNote }]);
      continue;
    }
    referenceRows++;
    referenceTable.push([
      `${workload.id} (${fixed(r.virtualSeconds)} s, ${r.hosts} hosts)`,
      `${fixed(r.datagrams.total)} (${fixed(r.tsDatagrams.total)})`,
      `${withSpread(r.processCpuMs, (v) => fixed(v, 1))} (${fixed(r.timedProcessCpuMs.median, 1)})`,
      withSpread(r.processCpuNsPerDatagram, (v) => fixed(v)),
      withSpread(r.libenetRawNsPerDatagram, (v) => fixed(v)),
      `${fixed(r.libenetClockReadsPerDatagram, 2)} (${fixed(r.libenetClockNsPerDatagram.median)})`,
      withSpread(r.libenetNsPerDatagram, (v) => fixed(v)),
      withSpread(r.tsEnetNsPerDatagram, (v) => fixed(v)),
      withSpread(r.ratioEnet, (v) => `${fixed(v, 1)}×`),
      withSpread(r.tsProcessCpuNsPerDatagram, (v) => fixed(v)),
      withSpread(r.ratioProcess, (v) => `${fixed(v, 1)}×`),
    ]);
  }
  if (referenceRows > 0 || report.workloads.some((workload) => workload.referenceNote !== undefined)) {
    lines.push('');
    lines.push('In-process C reference (native/libenet-reference.c: the same workload on libenet 1.3.17 with a minimal link model, one C process, no pipes) vs the TypeScript full run');
    lines.push(referenceTable.toString());
  }
  if (referenceRows > 0) {
    lines.push(
      [
        '  datagrams: sent + delivered; close, not equal: the reference draws its own loss and jitter (same rates) and orders events within a millisecond by insertion.',
        '  libenet ns/dgram: CLOCK_MONOTONIC inside enet_host_create, _connect, enet_packet_create + enet_peer_send, enet_host_service + enet_packet_destroy of what it returned',
        '    (in-memory socket copies included), less one clock read per call, × the C process’s CPU / wall.',
        '  TS ENet ns/dgram: hrtime inside the TypeScript core’s calls (creation, service, flush, connect, send with its payload copy, deliver…), less the timer’s cost,',
        '    × the main thread’s on-CPU share; the full-size run in a fresh process with the trace on (JIT warm-up included).',
        '  C / TS process: CPU of building and running the workload, start-up excluded (C: CLOCK_PROCESS_CPUTIME_ID of a run without the clock reads, which',
        '    the timed run in brackets has; TS: every thread, the garbage collector’s too);',
        '    TS includes the simulator, trace, ledger and statistics, which the reference does not have.',
      ].join('\n'),
    );
  }

  const e2e = report.endToEnd;
  if (e2e !== undefined) {
    lines.push('');
    lines.push(
      `End to end, W1 (${fixed(e2e.virtualSeconds)} virtual s): \`${e2e.command}\` ${withSpread(e2e.cliCpuMs, (v) => `${fixed(v)} ms`)} CPU ` +
        `(user + system from wait4: Node start-up, loading, the run, trace and report; ${withSpread(e2e.cliWallMs, (v) => `${fixed(v)} ms`)} wall, ` +
        `${fixed(e2e.cliVirtualPerCpu.median)}× real time per CPU second, peak RSS ${fixed(e2e.cliMaxRssMiB.median, 1)} MiB) vs the C reference ` +
        `\`${e2e.referenceCommand}\` ${withSpread(e2e.referenceCpuMs, (v) => `${fixed(v, 1)} ms`)} CPU (its process start-up included): ${withSpread(e2e.ratio, (v) => `${fixed(v)}×`)}`,
    );
  }
  return lines;
}
