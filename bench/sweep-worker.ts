// A W4 worker thread: runs the variants the main thread hands it, one message at a time, and
// reports its thread's on-CPU share, timer overhead and peak heap when told to finish.
import { parentPort, workerData } from 'node:worker_threads';

import { MemorySampler } from './memory.js';
import { Stopwatch, calibrateTimerOverhead } from './meter.js';
import { runVariant, type FromWorker, type ToWorker } from './sweep-variant.js';

const port = parentPort;
if (port === null) throw new Error('sweep-worker: must run as a worker thread');
const { durationMs } = workerData as { durationMs: number };
const sampler = new MemorySampler();
const stopwatch = new Stopwatch();

port.on('message', (message: ToWorker) => {
  if (message.kind === 'run') {
    const result = runVariant(message.index, message.variant, durationMs, sampler);
    port.postMessage({ kind: 'result', result } satisfies FromWorker);
    return;
  }
  const { cpuShare } = stopwatch.read();
  // Calibrated after the sweep, so that it does not delay the worker's first variant.
  const overhead = calibrateTimerOverhead();
  port.postMessage({ kind: 'finished', cpuShare, overheadNsPerCall: overhead.nsPerCall, peakHeapUsedBytes: sampler.peakHeapUsedBytes } satisfies FromWorker);
});
port.postMessage({ kind: 'ready' } satisfies FromWorker);
