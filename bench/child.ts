// One measurement in a fresh process (spawned by bench/run.ts, or by hand for profiling):
//   node --expose-gc --import tsx bench/child.ts --workload W1 --impl ts --size full [--warmup] [--out FILE]
//   node --import tsx bench/child.ts --workload W4 --mode parallel --size smoke [--workers 2]
// Writes the result as JSON to --out (or stdout).
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';

import { CATALOGUE, SWEEP_SIZES, type Size, type WorkloadId } from './catalogue.js';
import { measureRun, type ImplementationKind, type RunResult } from './measure.js';
import { runParallel, runSequential, type SweepResult } from './sweep.js';

export type ChildResult = { kind: 'run'; result: RunResult } | { kind: 'sweep'; result: SweepResult };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string' },
      impl: { type: 'string', default: 'ts' },
      size: { type: 'string', default: 'full' },
      mode: { type: 'string', default: 'sequential' },
      workers: { type: 'string' },
      out: { type: 'string' },
      warmup: { type: 'boolean', default: false },
    },
  });
  const workload = values.workload as WorkloadId | undefined;
  const size = values.size as Size;
  if (!['full', 'libenet', 'smoke'].includes(size)) fail(`--size must be full, libenet or smoke, got '${size}'`);
  let output: ChildResult;
  if (workload === 'W4') {
    const sweepSize = SWEEP_SIZES[size === 'smoke' ? 'smoke' : 'full'];
    const workers = values.workers !== undefined ? Number(values.workers) : sweepSize.workers;
    const result =
      values.mode === 'parallel'
        ? await runParallel(sweepSize.variantCount, sweepSize.durationMs, workers)
        : values.mode === 'sequential'
          ? runSequential(sweepSize.variantCount, sweepSize.durationMs)
          : fail(`--mode must be sequential or parallel, got '${values.mode}'`);
    output = { kind: 'sweep', result };
  } else {
    if (workload === undefined || !(workload in CATALOGUE)) fail(`--workload must be one of ${Object.keys(CATALOGUE).join(', ')}, W4`);
    const impl = values.impl as ImplementationKind;
    if (impl !== 'ts' && impl !== 'libenet') fail(`--impl must be ts or libenet, got '${impl}'`);
    output = { kind: 'run', result: measureRun({ workload, size, impl, warmup: values.warmup }) };
  }
  const text = JSON.stringify(output);
  if (values.out !== undefined) fs.writeFileSync(values.out, text);
  else process.stdout.write(`${text}\n`);
}

function fail(message: string): never {
  process.stderr.write(`bench/child: ${message}\n`);
  process.exit(2);
}

await main();
