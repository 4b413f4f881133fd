// W4's unit of work, shared by the main thread and the worker threads (kept apart from sweep.ts so
// that the worker bundle does not pull in the bundler): the throttle_configure variants, one
// variant's run, and the messages between the threads.
import { createTsHost } from '../src/sim/ts-host.js';
import type { MemorySampler } from './memory.js';
import { EnetMeter, Stopwatch, meteredFactory } from './meter.js';
import { buildDuel } from './workloads.js';

export interface ThrottleVariant {
  intervalMs: number;
  acceleration: number;
  deceleration: number;
}

const INTERVALS_MS = [500, 1_000, 2_500, 5_000];
const ACCELERATIONS = [1, 2, 4, 8];
const DECELERATIONS = [2, 8];

/** The first `count` of the 32 variants (interval × acceleration × deceleration). */
export function sweepVariants(count: number): ThrottleVariant[] {
  const variants: ThrottleVariant[] = [];
  for (const intervalMs of INTERVALS_MS) {
    for (const acceleration of ACCELERATIONS) {
      for (const deceleration of DECELERATIONS) variants.push({ intervalMs, acceleration, deceleration });
    }
  }
  if (count > variants.length) throw new Error(`sweep: at most ${variants.length} variants, asked for ${count}`);
  return variants.slice(0, count);
}

/** What one variant produced. */
export interface VariantResult {
  index: number;
  traceHash: string;
  virtualMs: number;
  datagrams: number;
  /** Wall ns inside the timed ENet calls and their count (see meter.ts). */
  enetInsideWallNs: number;
  enetCalls: number;
  wallMs: number;
}

/** Runs variant `index` (W1 cut to `durationMs`, the client applies the variant at 1 s). */
export function runVariant(index: number, variant: ThrottleVariant, durationMs: number, sampler: MemorySampler): VariantResult {
  const meter = new EnetMeter();
  const stopwatch = new Stopwatch();
  const built = buildDuel({ implementation: meteredFactory((config) => createTsHost(config, '1.3.17'), meter, true), durationMs, throttle: variant });
  sampler.attach(built.sim, 500);
  const result = built.sim.run(built.untilMs);
  const traceHash = built.sim.trace.hash();
  return {
    index,
    traceHash,
    virtualMs: result.nowMs,
    datagrams: meter.datagrams,
    enetInsideWallNs: Number(meter.insideNs),
    enetCalls: meter.timedCalls,
    wallMs: stopwatch.read().wallMs,
  };
}

/** Messages between the main thread and a sweep worker. */
export type ToWorker = { kind: 'run'; index: number; variant: ThrottleVariant } | { kind: 'finish' };
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'result'; result: VariantResult }
  | { kind: 'finished'; cpuShare: number; overheadNsPerCall: number; peakHeapUsedBytes: number };
