// W5: a sweep through the sweep code, as a user runs it: `enetsim sweep` (the built CLI) on a
// generated sweep file of 32 throttle_configure variants × 10 seeds of
// scenarios/throttle-configure-tuning.yaml, once on one thread (--jobs 1) and once on every core,
// timed from the outside (process start included), with both JSON reports required to be identical.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SweepCliSize {
  accelerations: number[];
  decelerations: number[];
  intervals: string[];
  seedCount: number;
}

export const SWEEP_CLI_SIZES: Record<'full' | 'smoke', SweepCliSize> = {
  full: { accelerations: [1, 2, 4, 8], decelerations: [1, 2, 4, 8], intervals: ['1s', '5s'], seedCount: 10 },
  smoke: { accelerations: [2, 8], decelerations: [2], intervals: ['5s'], seedCount: 2 },
};

export interface SweepCliResult {
  variantCount: number;
  seedCount: number;
  runCount: number;
  virtualSecondsPerRun: number;
  workers: number;
  oneThreadWallMs: number[];
  allCoresWallMs: number[];
  /** Runs per wall-clock second (median over the repeats), process start included. */
  oneThreadRunsPerSecond: number;
  allCoresRunsPerSecond: number;
  /** Whether --jobs 1 and --jobs N printed the same JSON report (they must). */
  identical: boolean;
}

function sweepText(projectRoot: string, size: SweepCliSize): string {
  const values = (name: string, items: readonly (number | string)[]) =>
    `  ${name}:\n${items.map((item) => `    "${item}": { timeline.tune.throttle_configure.${name}: ${item} }`).join('\n')}`;
  return [
    'sweep: W5 benchmark, throttle_configure grid',
    `scenario: ${JSON.stringify(path.join(projectRoot, 'scenarios/throttle-configure-tuning.yaml'))}`,
    `seeds: ${size.seedCount}`,
    'vary:',
    values('acceleration', size.accelerations),
    values('deceleration', size.decelerations),
    values('interval', size.intervals),
    'measure:',
    '  - { name: burst delivered, better: higher, delivery: { from: client, to: server, channel: 2, ratio: true } }',
    '  - { name: back to full throttle, better: lower, converge: { peer: client->server, stat: PEER_PACKET_THROTTLE, to: 32, after: relief } }',
    '',
  ].join('\n');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs W5 `repeats` times; throws when the CLI is not built or a run fails. */
export function runSweepCli(projectRoot: string, sizeName: 'full' | 'smoke', repeats: number, workers = os.availableParallelism()): SweepCliResult {
  const cli = path.join(projectRoot, 'dist/cli/main.js');
  if (!fs.existsSync(cli)) throw new Error('W5: dist/cli/main.js is missing: run npm run build first (the sweep runs its worker threads from dist/)');
  const size = SWEEP_CLI_SIZES[sizeName];
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-bench-w5-'));
  const file = path.join(directory, 'w5.yaml');
  fs.writeFileSync(file, sweepText(projectRoot, size));
  const run = (jobs: number): { wallMs: number; out: string } => {
    const started = performance.now();
    const child = spawnSync(process.execPath, [cli, 'sweep', file, '--jobs', String(jobs), '--format', 'json', '--quiet'], { cwd: projectRoot, encoding: 'utf8', maxBuffer: 1 << 28 });
    const wallMs = performance.now() - started;
    if (child.status !== 0) throw new Error(`W5 --jobs ${jobs}: exit ${child.status ?? child.signal}: ${child.stderr.slice(0, 500)}`);
    return { wallMs, out: child.stdout };
  };
  const oneThreadWallMs: number[] = [];
  const allCoresWallMs: number[] = [];
  let identical = true;
  try {
    for (let repeat = 1; repeat <= repeats; repeat++) {
      const one = run(1);
      const all = run(workers);
      identical &&= one.out === all.out;
      oneThreadWallMs.push(one.wallMs);
      allCoresWallMs.push(all.wallMs);
      process.stderr.write(`[bench] W5 ${sizeName} ${repeat}/${repeats}: one thread ${Math.round(one.wallMs)} ms, ${workers} workers ${Math.round(all.wallMs)} ms\n`);
    }
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
  const variantCount = size.accelerations.length * size.decelerations.length * size.intervals.length;
  const runCount = variantCount * size.seedCount;
  return {
    variantCount,
    seedCount: size.seedCount,
    runCount,
    virtualSecondsPerRun: 14,
    workers,
    oneThreadWallMs,
    allCoresWallMs,
    oneThreadRunsPerSecond: runCount / (median(oneThreadWallMs) / 1000),
    allCoresRunsPerSecond: runCount / (median(allCoresWallMs) / 1000),
    identical,
  };
}

export function renderSweepCli(result: SweepCliResult): string {
  return (
    `W5 enetsim sweep: ${result.variantCount} variants × ${result.seedCount} seeds = ${result.runCount} runs of ${result.virtualSecondsPerRun} virtual s; ` +
    `one thread ${result.oneThreadRunsPerSecond.toFixed(1)} runs/s (${Math.round(median(result.oneThreadWallMs))} ms), ` +
    `${result.workers} workers ${result.allCoresRunsPerSecond.toFixed(1)} runs/s (${Math.round(median(result.allCoresWallMs))} ms); process start included; reports ${result.identical ? 'identical' : 'DIFFER'}`
  );
}
