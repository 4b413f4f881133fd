// The in-process C reference (native/libenet-reference.c): W1 and W2 on the real libenet in one C
// process with a minimal link model, the cost of the accounting clock, and a command's CPU time
// from wait4 (for the end-to-end figure: `enetsim run bench/w1-duel.yaml` against the reference
// doing the same virtual work). The program is built on demand like the libenet driver.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { libenetProgram, type LibenetAvailability } from '../src/native/libenet.js';

/** The cost of one read of each clock, ns (the median of 9 batches of back-to-back reads). */
export interface ClockCost {
  /** CLOCK_MONOTONIC: what the driver and the reference read around every libenet call. */
  monotonicNsPerRead: number;
  /** CLOCK_THREAD_CPUTIME_ID: what the driver read before (a system call). */
  threadCpuTimeNsPerRead: number;
}

/** What `libenet-reference run` prints. */
export interface ReferenceRun {
  workload: 'W1' | 'W2';
  /** false with --untimed: no clock read around the libenet calls (libenetNs 0), for the process's CPU. */
  timed: boolean;
  virtualMs: number;
  hosts: number;
  connectedClients: number;
  datagramsSent: number;
  datagramsDelivered: number;
  datagramsLost: number;
  packetsSent: number;
  packetsReceived: number;
  /** CLOCK_PROCESS_CPUTIME_ID over building and running (process start-up excluded). */
  processCpuNs: number;
  wallNs: number;
  /** CLOCK_MONOTONIC inside the libenet calls, about one clock read per call included (0 untimed). */
  libenetNs: number;
  libenetCalls: number;
}

/** A command's resources from wait4 (all its threads, process start-up included). */
export interface CommandUsage {
  exitCode: number;
  signal: number;
  userNs: number;
  systemNs: number;
  wallNs: number;
  maxRssKiB: number;
}

/** The reference's sizes, the TypeScript workloads' (bench/catalogue.ts). */
export interface ReferenceSize {
  durationMs: number;
  clientCount?: number;
}

export const REFERENCE_SOURCE = 'native/libenet-reference.c';

/** Builds the reference when missing or older than its source; `driverPath` is the binary. */
export function referenceProgram(): LibenetAvailability {
  return libenetProgram(REFERENCE_SOURCE, 'libenet-reference');
}

function runJson<T>(binaryPath: string, args: string[], what: string): T {
  const child = spawnSync(binaryPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) {
    throw new Error(`${what}: ${path.basename(binaryPath)} ${args.join(' ')} exited with ${child.status ?? child.signal}: ${(child.stderr ?? '').trim().slice(0, 500)}${child.error?.message ?? ''}`);
  }
  return JSON.parse(child.stdout) as T;
}

export function measureClock(binaryPath: string): ClockCost {
  return runJson<ClockCost>(binaryPath, ['clock'], 'clock cost');
}

/** `timed`: clocks around every libenet call (libenet's share); untimed: the work alone (the run's CPU). */
export function referenceArgs(workload: 'W1' | 'W2', size: ReferenceSize, timed: boolean): string[] {
  return [
    'run',
    workload,
    '--duration-ms',
    String(size.durationMs),
    ...(size.clientCount !== undefined ? ['--clients', String(size.clientCount)] : []),
    ...(timed ? [] : ['--untimed']),
  ];
}

export function runReference(binaryPath: string, workload: 'W1' | 'W2', size: ReferenceSize, timed: boolean): ReferenceRun {
  return runJson<ReferenceRun>(binaryPath, referenceArgs(workload, size, timed), `C reference ${workload}`);
}

/** Runs `command` (its stdout discarded) under the reference's `rusage` mode; throws when it fails. */
export function commandUsage(binaryPath: string, command: string[], cwd: string): CommandUsage {
  const child = spawnSync(binaryPath, ['rusage', ...command], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`rusage of ${command.join(' ')}: exited with ${child.status ?? child.signal}: ${(child.stderr ?? '').slice(0, 500)}`);
  const usage = JSON.parse(child.stdout) as CommandUsage;
  if (usage.exitCode !== 0) throw new Error(`${command.join(' ')} exited with ${usage.exitCode} (signal ${usage.signal}): ${(child.stderr ?? '').slice(0, 500)}`);
  return usage;
}

/**
 * libenet's CPU in the reference, ns: the monotonic time inside the calls, less one clock read per
 * call, times the process's CPU share (CPU / wall: below 1 when it waited for a core, since the
 * monotonic clock keeps running then). The same correction the TypeScript figure gets (bench/meter.ts).
 */
export function referenceLibenetCpuNs(run: ReferenceRun, clockNsPerRead: number): number {
  const share = run.wallNs > 0 ? Math.min(1, run.processCpuNs / run.wallNs) : 1;
  return Math.max(0, run.libenetNs - run.libenetCalls * clockNsPerRead) * share;
}

export function referenceDatagrams(run: ReferenceRun): number {
  return run.datagramsSent + run.datagramsDelivered;
}
