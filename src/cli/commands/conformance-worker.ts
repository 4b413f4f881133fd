// One worker thread of `enetsim conformance --jobs N`: its own libenet driver, seeds from the
// parent one at a time, each seed's outcome back.
import { parentPort, workerData } from 'node:worker_threads';
import { runConformanceSeed } from './conformance.js';
import { startLibenet } from './run.js';

export type WorkerRequest = { kind: 'seed'; seed: number } | { kind: 'stop' };
export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'outcome'; outcome: import('./conformance.js').SeedOutcome }
  | { kind: 'error'; message: string };

const port = parentPort;
if (port === null) throw new Error('conformance-worker runs only as a worker thread');
const started = startLibenet((workerData as { libenetPath: string | null } | null)?.libenetPath ?? null);
if (!started.ok) {
  port.postMessage({ kind: 'error', message: started.message } satisfies WorkerReply);
} else {
  const { session } = started;
  port.on('message', (request: WorkerRequest) => {
    if (request.kind === 'stop') {
      session.close();
      port.close();
      return;
    }
    try {
      port.postMessage({ kind: 'outcome', outcome: runConformanceSeed(request.seed, session.factory, session.profile) } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({ kind: 'error', message: `seed ${request.seed}: ${(error as Error).message ?? String(error)}` } satisfies WorkerReply);
    }
  });
  port.postMessage({ kind: 'ready' } satisfies WorkerReply);
}
