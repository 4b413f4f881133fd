// The benchmark keeps working: `npm run bench -- --smoke` runs every workload at a tiny size, as a
// user would (a separate process), and its JSON has every figure. No timing thresholds: this checks
// the figures exist and make sense, not how fast this machine is.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

import type { BenchReport, WorkloadFigures } from '../../bench/report.js';
import type { Stat } from '../../bench/stats.js';
import { libenetAvailability } from '../../src/native/libenet.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function expectPositive(figure: Stat, what: string): void {
  for (const value of [figure.median, figure.min, figure.max]) {
    expect(Number.isFinite(value), `${what} is finite`).toBe(true);
    expect(value, `${what} is positive`).toBeGreaterThan(0);
  }
  expect(figure.values.length, `${what} has one value per repeat`).toBe(1);
}

test('bench --smoke: every workload reports every figure, the TS/libenet ratios and identical sweep traces', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-bench-test-')), 'smoke.json');
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', out], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  expect(run.status, `bench exited with ${run.status}:\n${run.stderr}`).toBe(0);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as BenchReport;
  fs.rmSync(path.dirname(out), { recursive: true, force: true });

  expect(report.schema).toBe('enetsim-bench/1');
  expect(report.errors).toEqual([]);
  // W5: the sweep through enetsim sweep ran on one thread and on workers, with identical reports.
  expect(report.sweepCli).toMatchObject({ variantCount: 2, seedCount: 2, runCount: 4, identical: true });
  expect(report.sweepCli!.oneThreadRunsPerSecond).toBeGreaterThan(0);
  expect(report.sweepCli!.allCoresRunsPerSecond).toBeGreaterThan(0);
  expect(report.options).toMatchObject({ smoke: true, repeats: 1 });
  expect(report.workloads.map((workload) => workload.id)).toEqual(['W1', 'W1@1.3.18', 'W1-untraced', 'W2', 'W2-untraced', 'W3', 'W4', 'M1']);
  for (const id of ['W1', 'W2']) {
    const traced = report.workloads.find((workload) => workload.id === id)!.runs[0]!;
    const untraced = report.workloads.find((workload) => workload.id === `${id}-untraced`)!.runs[0]!;
    expect(traced.traceEvents, `${id} records a trace`).toBeGreaterThan(0);
    expect(untraced.traceEvents, `${id}-untraced records none`).toBe(0);
    expect(untraced.datagrams, `${id}-untraced does the same ENet work`).toEqual(traced.datagrams);
  }
  for (const workload of report.workloads) {
    const figures = workload.figures;
    for (const key of ['wallMs', 'virtualPerWall', 'coresUsed', 'datagramsPerSecond', 'peakHeapBytes', 'peakRssBytes', 'tsEnetNsPerDatagram'] as const satisfies readonly (keyof WorkloadFigures)[]) {
      expectPositive(figures[key], `${workload.id} ${key}`);
    }
    if (figures.virtualPerCpu !== null) expectPositive(figures.virtualPerCpu, `${workload.id} virtualPerCpu`);
    expect(figures.peakRssBytes.median, `${workload.id}: RSS holds at least the heap`).toBeGreaterThan(figures.peakHeapBytes.median);
    for (const run of workload.runs) {
      expect(run.complete, `${workload.id} ran to completion`).toBe(true);
      expect(run.datagrams.total, `${workload.id} simulated datagrams`).toBe(run.datagrams.sent + run.datagrams.delivered);
      expect(run.datagrams.delivered, `${workload.id}: some datagrams are lost, none invented`).toBeLessThan(run.datagrams.sent + 1);
    }
  }

  const libenet = libenetAvailability();
  const compared = ['W1', 'W2', 'W3', 'M1'];
  for (const workload of report.workloads) {
    if (!compared.includes(workload.id) || (!libenet.ok && process.env.CI !== 'true')) {
      // A workload without a comparison says why (a note a reader sees in the table), never nothing.
      if (workload.comparison === null) expect(workload.comparisonNote, `${workload.id}: why there is no TS/libenet comparison`).toMatch(/\S/);
      continue;
    }
    const comparison = workload.comparison;
    expect(comparison, `${workload.id} has a TS/libenet comparison`).not.toBeNull();
    const c = comparison!;
    for (const [figure, what] of [
      [c.libenetEnetNsPerDatagram, 'libenet ns/datagram'],
      [c.tsColdEnetNsPerDatagram, 'TS cold ns/datagram'],
      [c.tsWarmEnetNsPerDatagram, 'TS warm ns/datagram'],
      [c.tsFullRunEnetNsPerDatagram, 'TS full-run ns/datagram'],
      [c.ratioCold, 'TS cold / libenet'],
      [c.ratioWarm, 'TS warm / libenet'],
      [c.ratioFullRun, 'TS full run / libenet'],
    ] as const) {
      expectPositive(figure, `${workload.id} ${what}`);
    }
    expect(c.ratioWarm.median).toBeCloseTo(c.tsWarmEnetNsPerDatagram.median / c.libenetEnetNsPerDatagram.median, 6);
    // Same workload, same seed, same protocol version: both implementations exchange the same datagrams.
    expect(c.libenetRuns[0]!.datagrams).toEqual(c.tsColdRuns[0]!.datagrams);
    expect(c.tsWarmRuns[0]!.datagrams, 'the warm-up run is not counted').toEqual(c.tsColdRuns[0]!.datagrams);
  }

  const sweep = report.workloads.find((workload) => workload.id === 'W4')!.sweep!;
  expect(sweep.deterministic).toBe(true);
  expect(sweep.workers).toBe(2);
  expect(sweep.traceHashes).toHaveLength(4);
  expect(new Set(sweep.traceHashes).size, 'each throttle variant gives its own trace').toBe(4);
  expectPositive(sweep.speedup, 'W4 speed-up');
  expect(sweep.parallel[0]!.variants.map((variant) => variant.traceHash)).toEqual(sweep.traceHashes);

  const idle = report.workloads.find((workload) => workload.id === 'M1')!.idleServer!;
  expect(idle.connectedPeers).toBe(idle.clientCount);
  expectPositive(idle.perPeerBytes, 'M1 heap per peer');
  // The compact trace keeps a few bytes per event (numbers in a column, strings interned), so the heap
  // per peer with and without it differs by collector noise, either way: a trace kept as objects
  // (about 217 B per event, and a connecting, idling peer leaves dozens of events) would add far more.
  expect(Math.abs(idle.perPeerTotalBytes.median - idle.perPeerBytes.median)).toBeLessThan(0.25 * idle.perPeerBytes.median);

  const withReference = libenet.ok || process.env.CI === 'true';
  expect(report.targets.map((target) => target.id)).toEqual(['W1', 'W1 ENet CPU', 'W2 ENet CPU', 'W2', 'W3', 'W4', ...(withReference ? ['W1 CLI'] : []), 'M1']);
  for (const heading of ['Simulator throughput', 'TS warm ns/dgram', 'W4 sweep', 'M1 heap per connected idle peer', 'Targets']) {
    expect(run.stdout).toContain(heading);
  }

  // The honest libenet figures: the clock's cost, the in-process C reference on W1 and W2 with the
  // TS/libenet ratios, and W1 end to end through the CLI. They need libenet like the comparison.
  if (!withReference) {
    console.warn('bench smoke: libenet unavailable, the C reference and the clock figures are not checked');
    for (const id of ['W1', 'W2']) expect(report.workloads.find((workload) => workload.id === id)!.referenceNote, `${id}: why there is no C reference`).toMatch(/\S/);
    return;
  }
  expectPositive(report.clock!.monotonicNsPerRead, 'CLOCK_MONOTONIC ns per read');
  expectPositive(report.clock!.threadCpuTimeNsPerRead, 'CLOCK_THREAD_CPUTIME_ID ns per read');
  for (const id of ['W1', 'W2'] as const) {
    const workload = report.workloads.find((item) => item.id === id)!;
    const c = workload.comparison!;
    expectPositive(c.libenetChargedNsPerDatagram, `${id} libenet charged by the driver`);
    expectPositive(c.libenetClockNsPerDatagram, `${id} clock cost subtracted from the driver's figure`);
    expect(c.libenetClockReadsPerDatagram, `${id}: the driver reads the clock for its calls`).toBeGreaterThan(0);
    expect(c.libenetEnetNsPerDatagram.median, `${id}: the clock cost is subtracted`).toBeLessThan(c.libenetChargedNsPerDatagram.median);
    expect(c.libenetRuns[0]!.enet.method).toContain('CLOCK_MONOTONIC');

    const r = workload.reference!;
    expect(r, `${id} has the in-process C reference`).toBeDefined();
    expect(r.workload).toBe(id);
    expect(r.runs).toHaveLength(1);
    expect(r.untimedRuns).toHaveLength(1);
    const [timed, untimed] = [r.runs[0]!, r.untimedRuns[0]!];
    expect([timed.timed, untimed.timed]).toEqual([true, false]);
    expect(untimed.libenetNs, `${id}: the untimed run reads no clock`).toBe(0);
    // Reading the clock changes nothing the hosts do: the same datagrams and packets.
    const work = (run: typeof timed) => [run.datagramsSent, run.datagramsDelivered, run.datagramsLost, run.packetsSent, run.packetsReceived, run.libenetCalls];
    expect(work(untimed), `${id}: timed and untimed runs do the same work`).toEqual(work(timed));
    expect(r.runs[0]!.virtualMs, `${id}: the reference simulates the TypeScript run's duration`).toBe(workload.runs[0]!.virtualMs);
    expect(r.runs[0]!.connectedClients, `${id}: every client connects in the reference`).toBe(r.hosts - 1);
    expect(r.datagrams.sent, `${id} C reference sent datagrams`).toBeGreaterThan(0);
    expect(r.datagrams.delivered, `${id} C reference delivered datagrams`).toBeGreaterThan(0);
    expect(r.datagrams.delivered, `${id}: the reference loses some, invents none`).toBeLessThan(r.datagrams.sent + 1);
    expect(r.runs[0]!.packetsReceived, `${id}: packets arrive in the reference`).toBeGreaterThan(0);
    // Same workload and rates, different random draws: the counts are close (not a timing check).
    expect(r.datagrams.total / r.tsDatagrams.total, `${id}: the reference's datagram count is near the TypeScript run's`).toBeGreaterThan(0.8);
    expect(r.datagrams.total / r.tsDatagrams.total).toBeLessThan(1.25);
    for (const [figure, what] of [
      [r.processCpuMs, 'C process CPU'],
      [r.timedProcessCpuMs, 'C process CPU with the clock reads'],
      [r.processCpuNsPerDatagram, 'C process CPU per datagram'],
      [r.libenetRawNsPerDatagram, 'libenet charged in the reference'],
      [r.libenetClockNsPerDatagram, 'clock cost in the reference'],
      [r.libenetNsPerDatagram, 'libenet in-process per datagram'],
      [r.tsEnetNsPerDatagram, 'TS ENet per datagram'],
      [r.ratioEnet, 'TS / libenet in-process'],
      [r.tsProcessCpuNsPerDatagram, 'TS process CPU per datagram'],
      [r.ratioProcess, 'TS / C process'],
      [r.cpuShare, 'C CPU share'],
    ] as const) {
      expectPositive(figure, `${id} ${what}`);
    }
    expect(r.libenetClockReadsPerDatagram).toBeGreaterThan(0);
    expect(r.ratioEnet.median).toBeCloseTo(r.tsEnetNsPerDatagram.median / r.libenetNsPerDatagram.median, 6);
  }
  const e2e = report.endToEnd!;
  expect(e2e.command).toBe('enetsim run bench/w1-duel.yaml --set duration=3000ms');
  expect(e2e.referenceCommand).toBe('libenet-reference run W1 --duration-ms 3000 --untimed');
  expect(e2e.virtualSeconds).toBe(3);
  for (const [figure, what] of [
    [e2e.cliCpuMs, 'CLI CPU'],
    [e2e.cliWallMs, 'CLI wall'],
    [e2e.cliMaxRssMiB, 'CLI peak RSS'],
    [e2e.cliVirtualPerCpu, 'CLI virtual per CPU'],
    [e2e.referenceCpuMs, 'C reference CPU'],
    [e2e.ratio, 'CLI / C'],
  ] as const) {
    expectPositive(figure, `end to end ${what}`);
  }
  expect(e2e.cli[0]!.exitCode).toBe(0);
  for (const heading of ['Accounting clock', 'libenet through the driver', 'In-process C reference', 'End to end, W1']) {
    expect(run.stdout).toContain(heading);
  }
}, 600_000);
