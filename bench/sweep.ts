// W4: a parameter sweep, the way users run many simulations: W1 cut short, once per
// throttle_configure variant, either one after another on the main thread or spread over worker
// threads (one per core). Every variant records its trace hash, so the two modes can be checked to
// produce the same traces (determinism does not depend on the thread a simulation runs on).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { buildSync } from 'esbuild';

import { MemorySampler, peakRssBytes } from './memory.js';
import { Stopwatch, calibrateTimerOverhead } from './meter.js';
import { runVariant, sweepVariants, type FromWorker, type ToWorker, type VariantResult } from './sweep-variant.js';

export interface SweepResult {
  mode: 'sequential' | 'parallel';
  workers: number;
  variantCount: number;
  durationMs: number;
  /** From the start of the sweep (before spawning workers) to the last result. */
  wallMs: number;
  /** Parallel: until every worker had loaded its code and said ready. */
  startupMs: number;
  /** CPU of every thread of the process over the sweep (main or workers, plus V8's helpers), ms. */
  processCpuMs: number;
  variants: VariantResult[];
  virtualMs: number;
  datagrams: number;
  /** ENet ns per datagram, as in measure.ts (the on-CPU share of each thread, overhead subtracted). */
  enetNsPerDatagram: number;
  /** Sequential: the main thread's peak heap; parallel: the sum of the workers' peaks. */
  peakHeapUsedBytes: number;
  peakRssBytes: number;
}

/** The 32 variants one after another on this thread. */
export function runSequential(variantCount: number, durationMs: number): SweepResult {
  const overhead = calibrateTimerOverhead();
  const sampler = new MemorySampler();
  const stopwatch = new Stopwatch();
  const variants = sweepVariants(variantCount).map((variant, index) => runVariant(index, variant, durationMs, sampler));
  const { wallMs, cpuShare, processCpuMs } = stopwatch.read();
  return summarise('sequential', 1, durationMs, wallMs, 0, processCpuMs, variants, [{ cpuShare, overheadNsPerCall: overhead.nsPerCall, variants }], sampler.peakHeapUsedBytes);
}

/**
 * The variants over `workerCount` worker threads, each taking the next variant when it is free (a
 * shared queue, so a slow variant does not hold back the others). Worker start-up (loading tsx and
 * compiling the sources in each isolate) is part of the wall time, as it is for a user.
 */
export async function runParallel(variantCount: number, durationMs: number, workerCount = os.availableParallelism()): Promise<SweepResult> {
  const bundle = bundleSweepWorker();
  const stopwatch = new Stopwatch();
  let lastResultMs = 0;
  let lastResultCpuMs = 0;
  const queue = sweepVariants(variantCount).map((variant, index) => ({ index, variant }));
  const results: VariantResult[] = [];
  const threads: { cpuShare: number; overheadNsPerCall: number; variants: VariantResult[] }[] = [];
  let peakHeapUsedBytes = 0;
  let readyCount = 0;
  let startupMs = 0;
  await Promise.all(
    Array.from({ length: workerCount }, () =>
      new Promise<void>((resolve, reject) => {
        // execArgv: [] keeps the parent's `--import tsx` out of the worker: the bundle is plain
        // JavaScript, and preloading tsx there costs seconds per worker.
        const worker = new Worker(bundle.path, { workerData: { durationMs }, execArgv: [] });
        const mine: VariantResult[] = [];
        const next = (): void => {
          const job = queue.shift();
          worker.postMessage(job === undefined ? ({ kind: 'finish' } satisfies ToWorker) : ({ kind: 'run', ...job } satisfies ToWorker));
        };
        worker.on('message', (message: FromWorker) => {
          if (message.kind === 'ready') {
            readyCount++;
            if (readyCount === workerCount) startupMs = stopwatch.read().wallMs;
            next();
          } else if (message.kind === 'result') {
            results.push(message.result);
            mine.push(message.result);
            const reading = stopwatch.read();
            lastResultMs = reading.wallMs;
            lastResultCpuMs = reading.processCpuMs;
            next();
          } else {
            threads.push({ cpuShare: message.cpuShare, overheadNsPerCall: message.overheadNsPerCall, variants: mine });
            peakHeapUsedBytes += message.peakHeapUsedBytes;
            void worker.terminate().then(() => resolve());
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0 && code !== 1) reject(new Error(`sweep worker exited with code ${code}`));
        });
      }),
    ),
  );
  fs.rmSync(bundle.path, { force: true });
  results.sort((a, b) => a.index - b.index);
  return summarise('parallel', workerCount, durationMs, lastResultMs, startupMs, lastResultCpuMs, results, threads, peakHeapUsedBytes);
}

function summarise(
  mode: SweepResult['mode'],
  workers: number,
  durationMs: number,
  wallMs: number,
  startupMs: number,
  processCpuMs: number,
  variants: VariantResult[],
  threads: { cpuShare: number; overheadNsPerCall: number; variants: VariantResult[] }[],
  peakHeapUsedBytes: number,
): SweepResult {
  let enetCpuNs = 0;
  for (const thread of threads) {
    for (const variant of thread.variants) enetCpuNs += Math.max(0, variant.enetInsideWallNs * thread.cpuShare - variant.enetCalls * thread.overheadNsPerCall);
  }
  const datagrams = variants.reduce((sum, variant) => sum + variant.datagrams, 0);
  return {
    mode,
    workers,
    variantCount: variants.length,
    durationMs,
    wallMs,
    startupMs,
    processCpuMs,
    variants,
    virtualMs: variants.reduce((sum, variant) => sum + variant.virtualMs, 0),
    datagrams,
    enetNsPerDatagram: datagrams > 0 ? enetCpuNs / datagrams : 0,
    peakHeapUsedBytes,
    peakRssBytes: peakRssBytes(),
  };
}

/**
 * Bundles bench/sweep-worker.ts and everything it imports into one ES module, before the clock
 * starts. Node 20 does not carry tsx's loader hooks into worker threads, and registering tsx in
 * each worker costs seconds (its hooks thread, then transpiling every source file again in every
 * isolate); compiled JavaScript is also what users' workers load. esbuild is the transpiler tsx
 * itself runs on, so the code the workers run is the code the main thread runs.
 */
function bundleSweepWorker(): { path: string; bundleMs: number } {
  const started = performance.now();
  const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sweep-worker.ts');
  const outfile = path.join(os.tmpdir(), `enetsim-sweep-worker-${process.pid}-${Date.now()}.mjs`);
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'warning' });
  return { path: outfile, bundleMs: performance.now() - started };
}
