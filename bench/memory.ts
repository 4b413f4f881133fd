// Heap and RSS during a run. The V8 heap has no "peak" counter, so the used heap is sampled from
// inside the simulation (a scheduler event every `periodMs` of virtual time), which sees garbage
// not yet collected as well as live objects: it is the peak the process needed, not the peak of
// live data. Peak RSS is the kernel's high-water mark (getrusage ru_maxrss) of the whole process;
// each measured run is a fresh process, so it covers Node, tsx and that one run.
import * as v8 from 'node:v8';

import type { Simulation } from '../src/sim/simulation.js';

export class MemorySampler {
  peakHeapUsedBytes = 0;
  sampleCount = 0;

  sample(): void {
    const used = v8.getHeapStatistics().used_heap_size;
    if (used > this.peakHeapUsedBytes) this.peakHeapUsedBytes = used;
    this.sampleCount++;
  }

  /** Samples every `periodMs` of virtual time from now on (the events are not traced). */
  attach(sim: Simulation, periodMs: number): void {
    this.sample();
    sim.every(periodMs, () => this.sample());
  }
}

/** The process's peak resident set size so far, bytes (ru_maxrss is in KiB on Linux). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** The heap in use after a full collection when `--expose-gc` is on (else without one), bytes. */
export function retainedHeapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    // Two passes: the first can leave objects that only become unreachable after finalizers ran.
    gc();
    gc();
  }
  return v8.getHeapStatistics().used_heap_size;
}

export function gcAvailable(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}
