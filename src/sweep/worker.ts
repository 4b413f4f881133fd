// One worker thread of `enetsim sweep --jobs N`: loads the variants it is asked for, runs one (variant, seed) at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { Runner, type RunnerInput, type WorkerReply, type WorkerRequest } from './run.js';

const port = parentPort;
if (port === null) throw new Error('sweep worker runs only as a worker thread');
const runner = new Runner(workerData as RunnerInput);
port.on('message', (request: WorkerRequest) => {
  if (request.kind === 'stop') {
    port.close();
    return;
  }
  try {
    port.postMessage({ kind: 'result', index: request.job.index, result: runner.run(request.job.variantIndex, request.job.seed) } satisfies WorkerReply);
  } catch (error) {
    port.postMessage({ kind: 'error', message: `${request.job.variantIndex}/${request.job.seed}: ${(error as Error).message ?? String(error)}` } satisfies WorkerReply);
  }
});
port.postMessage({ kind: 'ready' } satisfies WorkerReply);
