// `npm run bench`: runs the workloads of the performance issue and prints their figures; `--out`
// writes the same figures as JSON (shape: BenchReport in bench/report.ts, described in
// docs/performance.md).
//
//   npm run bench -- [--repeats 5] [--only W1,W3] [--smoke] [--out FILE] [--skip-libenet] [--workers N]
//                    [--node-flags="--single-threaded-gc ..."]   (extra node/V8 flags for every measured process)
//
// Every measured run is a fresh child process (bench/child.ts) so that its peak RSS, heap and JIT
// state are its own; the TypeScript and libenet runs of a workload alternate, so that both see the
// same machine load. W1 and W2 also run on the in-process C reference (bench/reference.ts,
// native/libenet-reference.c), which measures the accounting clock's cost too, and W1 runs end to
// end through the built CLI against that reference.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { libenetAvailability } from '../src/native/libenet.js';
import { CATALOGUE, REFERENCE_SIZES, WORKLOAD_IDS, W4_TITLE, type Size, type WorkloadId } from './catalogue.js';
import type { ChildResult } from './child.js';
import type { RunResult } from './measure.js';
import { commandUsage, measureClock, referenceArgs, referenceProgram, runReference, type ClockCost, type CommandUsage, type ReferenceRun } from './reference.js';
import {
  comparison,
  endToEndReport,
  idleServerReport,
  referenceReport,
  judgeTargets,
  renderTables,
  runFigures,
  sweepFigures,
  sweepReport,
  type BenchReport,
  type EndToEndReport,
  type WorkloadReport,
} from './report.js';
import { stat } from './stats.js';
import type { SweepResult } from './sweep.js';
import { renderSweepCli, runSweepCli, type SweepCliResult } from './sweep-cli.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(benchDir, '..');
const childPath = path.join(benchDir, 'child.ts');

interface Options {
  repeats: number;
  only: WorkloadId[];
  smoke: boolean;
  out: string | undefined;
  libenet: boolean;
  workers: number | undefined;
  /** Extra node/V8 flags for the measured child processes (V8 flags apply to their worker threads too). */
  nodeFlags: string[];
  /** W5, the sweep through `enetsim sweep`: run with no --only, or when --only names W5. */
  sweepCli: boolean;
}

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: npm run bench -- [--repeats N] [--only ${WORKLOAD_IDS.join(',')}] [--smoke] [--out FILE] [--skip-libenet] [--workers N] [--node-flags="FLAGS"]\n`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        repeats: { type: 'string' },
        only: { type: 'string' },
        smoke: { type: 'boolean', default: false },
        out: { type: 'string' },
        'skip-libenet': { type: 'boolean', default: false },
        workers: { type: 'string' },
        'node-flags': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) usage('runs the performance workloads');
  const smoke = values.smoke;
  const repeats = values.repeats !== undefined ? Number(values.repeats) : smoke ? 1 : 5;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 100) usage(`--repeats must be an integer 1..100, got '${values.repeats}'`);
  const only = values.only === undefined ? [...WORKLOAD_IDS, 'W5'] : values.only.split(',').map((id) => id.trim());
  for (const id of only) {
    if (!(WORKLOAD_IDS as readonly string[]).includes(id) && id !== 'W5') usage(`unknown workload '${id}' in --only (known: ${WORKLOAD_IDS.join(', ')}, W5)`);
  }
  const workers = values.workers !== undefined ? Number(values.workers) : undefined;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) usage(`--workers must be an integer 1..64, got '${values.workers}'`);
  const nodeFlags = (values['node-flags'] ?? '').split(/\s+/).filter((flag) => flag.length > 0);
  for (const flag of nodeFlags) if (!flag.startsWith('--')) usage(`--node-flags takes flags such as --single-threaded-gc, got '${flag}'`);
  return { repeats, only: WORKLOAD_IDS.filter((id) => only.includes(id)), smoke, out: values.out, libenet: !values['skip-libenet'], workers, nodeFlags, sweepCli: only.includes('W5') };
}

/** Runs bench/child.ts in a fresh Node process with --expose-gc and returns its result. */
function runChild(args: string[], label: string, nodeFlags: readonly string[]): ChildResult {
  const outFile = path.join(os.tmpdir(), `enetsim-bench-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--expose-gc', ...nodeFlags, '--import', 'tsx', childPath, ...args, '--out', outFile], {
    cwd: projectRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    if (child.status !== 0) throw new Error(`${label}: child exited with ${child.status ?? child.signal}${child.error ? ` (${child.error.message})` : ''}`);
    const result = JSON.parse(fs.readFileSync(outFile, 'utf8')) as ChildResult;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const wallMs = result.kind === 'run' ? result.result.wallMs : result.result.wallMs;
    process.stderr.write(`[bench] ${label}: ${Math.round(wallMs)} ms measured (${seconds} s with process start)\n`);
    return result;
  } finally {
    fs.rmSync(outFile, { force: true });
  }
}

/** The in-process C reference, when it can run: its binary and the clock's cost per read (median of the bench's measurements). */
interface ReferenceContext {
  binaryPath: string;
  clockNsPerRead: number;
}

/** W1 and W2 run on the in-process C reference too, at the TypeScript run's size. */
function referenceWorkload(id: WorkloadId): 'W1' | 'W2' | null {
  return id === 'W1' || id === 'W2' ? id : null;
}

function measureWorkload(id: Exclude<WorkloadId, 'W4'>, options: Options, libenetOk: boolean, reference: ReferenceContext | string, errors: string[]): WorkloadReport | null {
  const entry = CATALOGUE[id];
  const size: Size = options.smoke ? 'smoke' : 'full';
  const libenetSize: Size = options.smoke ? 'smoke' : 'libenet';
  const sameVariant = options.smoke || entry.libenetVariant === null;
  const onLibenet = entry.onLibenet && libenetOk;
  const tsRuns: RunResult[] = [];
  const libenetRuns: RunResult[] = [];
  const matchedRuns: RunResult[] = [];
  const warmRuns: RunResult[] = [];
  const referenceRuns: ReferenceRun[] = [];
  const untimedReferenceRuns: ReferenceRun[] = [];
  const onReference = referenceWorkload(id);
  const referenceSize = onReference !== null ? REFERENCE_SIZES[onReference][options.smoke ? 'smoke' : 'full'] : null;
  for (let repeat = 1; repeat <= options.repeats; repeat++) {
    const of = `${repeat}/${options.repeats}`;
    try {
      tsRuns.push(expectRun(runChild(['--workload', id, '--impl', 'ts', '--size', size], `${id} ts ${size} ${of}`, options.nodeFlags)));
      if (onReference !== null && referenceSize !== null && typeof reference !== 'string') {
        const timed = runReference(reference.binaryPath, onReference, referenceSize, true);
        const untimed = runReference(reference.binaryPath, onReference, referenceSize, false);
        process.stderr.write(`[bench] ${id} C reference ${size} ${of}: ${(untimed.processCpuNs / 1e6).toFixed(1)} ms CPU (${(timed.processCpuNs / 1e6).toFixed(1)} ms with the clock reads)\n`);
        referenceRuns.push(timed);
        untimedReferenceRuns.push(untimed);
      }
      if (!onLibenet) continue;
      libenetRuns.push(expectRun(runChild(['--workload', id, '--impl', 'libenet', '--size', libenetSize], `${id} libenet ${libenetSize} ${of}`, options.nodeFlags)));
      if (!sameVariant) matchedRuns.push(expectRun(runChild(['--workload', id, '--impl', 'ts', '--size', libenetSize], `${id} ts ${libenetSize} ${of}`, options.nodeFlags)));
      warmRuns.push(expectRun(runChild(['--workload', id, '--impl', 'ts', '--size', libenetSize, '--warmup'], `${id} ts ${libenetSize} warm ${of}`, options.nodeFlags)));
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  if (tsRuns.length === 0) return null;
  const variant = options.smoke ? `${id} at smoke size` : (entry.libenetVariant ?? `${id} in full`);
  const compared = libenetRuns.length > 0 && warmRuns.length > 0 ? comparison(variant, sameVariant ? tsRuns : matchedRuns, warmRuns, libenetRuns, tsRuns) : null;
  const note = !entry.onLibenet
    ? (entry.noLibenetNote ?? 'libenet is 1.3.17: the 1.3.17 profile is compared in W1')
    : !libenetOk
      ? `libenet not measured (${options.libenet ? 'oracle unavailable' : '--skip-libenet'})`
      : 'libenet runs failed (see errors)';
  const idleServer = idleServerReport(tsRuns);
  const referenceFigures =
    onReference !== null && referenceRuns.length > 0 && typeof reference !== 'string' ? referenceReport(onReference, referenceRuns, untimedReferenceRuns, tsRuns, reference.clockNsPerRead) : undefined;
  const referenceNote = onReference === null || referenceFigures !== undefined ? undefined : typeof reference === 'string' ? reference : 'C reference runs failed (see errors)';
  return {
    id,
    title: entry.title,
    size: options.smoke ? 'smoke' : 'full',
    parameters: tsRuns[0]!.parameters,
    figures: runFigures(tsRuns),
    comparison: compared,
    ...(compared === null ? { comparisonNote: note } : {}),
    ...(idleServer !== undefined ? { idleServer } : {}),
    ...(referenceFigures !== undefined ? { reference: referenceFigures } : {}),
    ...(referenceNote !== undefined ? { referenceNote } : {}),
    runs: tsRuns,
  };
}

/** W1 as a scenario file, for the CLI (the smoke size shortens it with --set duration=…). */
const W1_SCENARIO = 'bench/w1-duel.yaml';

/**
 * W1 end to end: `enetsim run bench/w1-duel.yaml` through the built CLI and the C reference's W1 at
 * the same duration, alternately, each timed by wait4 (process start-up included).
 */
function measureEndToEnd(options: Options, reference: ReferenceContext): EndToEndReport {
  const cli = path.join(projectRoot, 'dist/cli/main.js');
  if (!fs.existsSync(cli)) throw new Error('W1 end to end: dist/cli/main.js is missing: run npm run build first');
  const size = REFERENCE_SIZES.W1[options.smoke ? 'smoke' : 'full'];
  const durationArgs = options.smoke ? ['--set', `duration=${size.durationMs}ms`] : [];
  const cliCommand = [process.execPath, cli, 'run', W1_SCENARIO, ...durationArgs];
  const referenceCommand = [reference.binaryPath, ...referenceArgs('W1', size, false)];
  const cliRuns: CommandUsage[] = [];
  const referenceRuns: CommandUsage[] = [];
  for (let repeat = 1; repeat <= options.repeats; repeat++) {
    cliRuns.push(commandUsage(reference.binaryPath, cliCommand, projectRoot));
    referenceRuns.push(commandUsage(reference.binaryPath, referenceCommand, projectRoot));
    const cpuMs = (usage: CommandUsage): string => ((usage.userNs + usage.systemNs) / 1e6).toFixed(1);
    process.stderr.write(`[bench] W1 end to end ${repeat}/${options.repeats}: enetsim run ${cpuMs(cliRuns.at(-1)!)} ms CPU, C reference ${cpuMs(referenceRuns.at(-1)!)} ms CPU\n`);
  }
  return endToEndReport(
    ['enetsim run', W1_SCENARIO, ...durationArgs].join(' '),
    ['libenet-reference', ...referenceArgs('W1', size, false)].join(' '),
    size.durationMs / 1000,
    cliRuns,
    referenceRuns,
  );
}

/** Builds the C reference and measures the clock's cost (one measurement per repeat), or says why not. */
function prepareReference(options: Options, libenetOk: boolean, errors: string[]): { context: ReferenceContext | string; clock: BenchReport['clock'] } {
  if (!libenetOk) return { context: `no C reference: libenet not measured (${options.libenet ? 'oracle unavailable' : '--skip-libenet'})`, clock: null };
  const program = referenceProgram();
  if (!program.ok) {
    errors.push(`C reference: ${program.reason}`);
    return { context: 'no C reference: it did not build (see errors)', clock: null };
  }
  const costs: ClockCost[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) costs.push(measureClock(program.driverPath));
  const monotonicNsPerRead = stat(costs.map((cost) => cost.monotonicNsPerRead));
  return {
    context: { binaryPath: program.driverPath, clockNsPerRead: monotonicNsPerRead.median },
    clock: { monotonicNsPerRead, threadCpuTimeNsPerRead: stat(costs.map((cost) => cost.threadCpuTimeNsPerRead)) },
  };
}

function measureSweep(options: Options, errors: string[]): WorkloadReport | null {
  const size: Size = options.smoke ? 'smoke' : 'full';
  const workerArgs = options.workers !== undefined ? ['--workers', String(options.workers)] : [];
  const sequential: SweepResult[] = [];
  const parallel: SweepResult[] = [];
  for (let repeat = 1; repeat <= options.repeats; repeat++) {
    const of = `${repeat}/${options.repeats}`;
    try {
      sequential.push(expectSweep(runChild(['--workload', 'W4', '--mode', 'sequential', '--size', size], `W4 one thread ${size} ${of}`, options.nodeFlags)));
      parallel.push(expectSweep(runChild(['--workload', 'W4', '--mode', 'parallel', '--size', size, ...workerArgs], `W4 workers ${size} ${of}`, options.nodeFlags)));
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  if (sequential.length === 0 || parallel.length === 0) return null;
  const sweep = sweepReport(sequential, parallel);
  return {
    id: 'W4',
    title: W4_TITLE,
    size,
    parameters: { variants: sweep.variantCount, virtualSecondsPerVariant: sweep.virtualSecondsPerVariant, workers: sweep.workers },
    figures: sweepFigures(sweep),
    comparison: null,
    comparisonNote: 'W4 runs W1 (cut to 60 s) many times; its TS/libenet comparison is W1’s',
    sweep,
    runs: [],
  };
}

function expectRun(result: ChildResult): RunResult {
  if (result.kind !== 'run') throw new Error('bench: expected a run result');
  if (!result.result.complete) throw new Error(`${result.result.spec.workload} ${result.result.spec.impl}: did not complete within its bound (${result.result.stoppedBy})`);
  return result.result;
}

function expectSweep(result: ChildResult): SweepResult {
  if (result.kind !== 'sweep') throw new Error('bench: expected a sweep result');
  return result.result;
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const loadAverageStart = os.loadavg();
  const availability = options.libenet ? libenetAvailability() : ({ ok: false, reason: '--skip-libenet' } as const);
  if (!availability.ok && options.libenet) process.stderr.write(`[bench] libenet not measured: ${availability.reason}\n`);
  const errors: string[] = [];
  const workloads: WorkloadReport[] = [];
  const reference = prepareReference(options, availability.ok, errors);
  for (const id of options.only) {
    const workload = id === 'W4' ? measureSweep(options, errors) : measureWorkload(id, options, availability.ok, reference.context, errors);
    if (workload !== null) workloads.push(workload);
  }
  let endToEnd: EndToEndReport | undefined;
  if (options.only.includes('W1') && typeof reference.context !== 'string') {
    try {
      endToEnd = measureEndToEnd(options, reference.context);
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  let sweepCli: SweepCliResult | null = null;
  if (options.sweepCli) {
    try {
      sweepCli = runSweepCli(projectRoot, options.smoke ? 'smoke' : 'full', options.repeats, options.workers);
      if (!sweepCli.identical) errors.push('W5: enetsim sweep printed different reports for --jobs 1 and --jobs N');
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  const cpus = os.cpus();
  const report: BenchReport = {
    schema: 'enetsim-bench/1',
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpuModel: cpus[0]?.model ?? 'unknown',
      cpuCount: cpus.length,
      availableParallelism: os.availableParallelism(),
      totalMemoryBytes: os.totalmem(),
      loadAverageStart,
      loadAverageEnd: os.loadavg(),
    },
    options: { repeats: options.repeats, smoke: options.smoke, only: options.only, libenet: options.libenet, nodeFlags: options.nodeFlags },
    libenet: availability.ok ? { available: true } : { available: false, reason: availability.reason },
    startedAt,
    finishedAt: new Date().toISOString(),
    workloads,
    targets: judgeTargets(workloads, endToEnd),
    errors,
    clock: reference.clock,
    ...(endToEnd !== undefined ? { endToEnd } : {}),
    ...(sweepCli !== null ? { sweepCli } : {}),
  };
  process.stdout.write(`${renderTables(report)}\n`);
  if (sweepCli !== null) process.stdout.write(`${renderSweepCli(sweepCli)}\n`);
  if (options.out !== undefined) fs.writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  if (errors.length > 0) process.exitCode = 1;
}

main();
