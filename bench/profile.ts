// Runs one workload on the TypeScript core without any instrumentation, for profiling:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts W1 [full|libenet|smoke]
//   node --import tsx bench/profile.ts W1 libenet --alloc /tmp/prof/w1.heapprofile
// then: npx tsx bench/profile-summary.ts /tmp/prof/<file>
// `--alloc` records a sampling allocation profile that keeps objects the GC already collected
// (node --heap-prof keeps only the survivors), i.e. where the allocation rate comes from.
// Under tsx, V8 reports positions in the transpiled code; for source line numbers compile first
// (npx tsc -p tsconfig.json --outDir /tmp/enetsim-js) and run /tmp/enetsim-js/bench/profile.js.
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';

import { createTsHost } from '../src/sim/ts-host.js';
import { CATALOGUE, type Size } from './catalogue.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { alloc: { type: 'string' } } });
const id = positionals[0] as keyof typeof CATALOGUE | undefined;
const size = (positionals[1] ?? 'full') as Size;
if (id === undefined || !(id in CATALOGUE) || !['full', 'libenet', 'smoke'].includes(size)) {
  process.stderr.write(`usage: profile.ts ${Object.keys(CATALOGUE).join('|')} [full|libenet|smoke] [--alloc FILE.heapprofile]\n`);
  process.exit(2);
}

function post<T>(session: Session, method: string, params?: object): T {
  let result: T | undefined;
  let failure: Error | null = null;
  // The inspector answers synchronously for a session in the same thread.
  session.post(method, params ?? {}, (error, answer) => {
    failure = error;
    result = answer as T;
  });
  if (failure !== null) throw failure;
  return result as T;
}

const session = values.alloc !== undefined ? new Session() : null;
if (session !== null) {
  session.connect();
  post(session, 'HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
const entry = CATALOGUE[id];
const started = performance.now();
const built = entry.build(size, (config) => createTsHost(config, entry.profile));
const result = built.sim.run(built.untilMs, built.done !== undefined ? { stop: built.done } : {});
const wallMs = performance.now() - started;
if (session !== null) {
  const { profile } = post<{ profile: unknown }>(session, 'HeapProfiler.stopSampling');
  fs.writeFileSync(values.alloc!, JSON.stringify(profile));
  session.disconnect();
}
process.stdout.write(`${id} ${size}: ${result.nowMs} virtual ms (${result.stoppedBy}) in ${wallMs.toFixed(0)} ms wall, ${built.sim.trace.length} trace events\n`);
