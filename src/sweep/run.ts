// Runs a plan's (variant, seed) pairs here or on worker threads through the same compile-and-run path as enetsim run, results kept in grid order whatever --jobs.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { check } from '../scenario/assertions.js';
import { compileScenario, type CompileOptions } from '../scenario/compile.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { defaultSimulationLimits } from '../sim/simulation.js';
import { evaluate, measureOf, type Measure } from './measure.js';
import { PER_DATAGRAM_DRAWS, TIME_KEYED_DRAWS } from '../sim/weather.js';
import { isSimulationLimit } from '../sim/limits.js';
import { runCurve, type RunCurve } from './curves.js';

/** One run's outcome: a number (or null: never happened) per measure, pass/fail per expectation. */
export interface RunResult {
  variantIndex: number;
  seed: number;
  values: (number | null)[];
  passed: boolean[];
  traceHash: string;
  /** Set when the run stopped at an internal limit (then values and passed are empty). */
  stopped: string | null;
  /** The throttle/RTT curves for the HTML report; present only when the runner was asked for them (RunnerInput.curves). */
  curve?: RunCurve | null;
}

/** What a thread needs to run any (variant, seed): the variants' texts and the measures. */
export interface RunnerInput {
  loadName: string;
  texts: string[];
  measuresRaw: Record<string, unknown>[];
  /** The common-random-numbers seam: passed to every run (null: the scenario's own). */
  weather: string | null;
  /** Record each run's throttle/RTT curves (for `--html`); off, a run costs nothing more. */
  curves: boolean;
}

/** Runs (variant, seed) pairs; each variant's scenario is loaded once per runner. */
export class Runner {
  private readonly loaded = new Map<number, { scenario: Scenario; measures: Measure[]; expectationCount: number }>();
  constructor(private readonly input: RunnerInput) {}

  private variant(index: number) {
    let got = this.loaded.get(index);
    if (got === undefined) {
      const loaded = loadScenario(this.input.loadName, this.input.texts[index]!);
      if (!loaded.ok) throw new Error(`variant ${index} no longer loads: ${loaded.problems[0]?.message}`);
      const measureCount = this.input.measuresRaw.length;
      const expectationCount = loaded.scenario.expectations.length - measureCount;
      const measures = this.input.measuresRaw.map((raw, at) => measureOf(raw, loaded.scenario.expectations[expectationCount + at]!.expectation));
      got = { scenario: { ...loaded.scenario, expectations: loaded.scenario.expectations.slice(0, expectationCount) }, measures, expectationCount };
      this.loaded.set(index, got);
    }
    return got;
  }

  run(variantIndex: number, seed: number): RunResult {
    const { scenario, measures } = this.variant(variantIndex);
    // Every host on the TypeScript core as its own protocol: a sweep runs many simulations in
    // worker threads, and a libenet host would need a driver process per thread.
    const { sim, idTimesMs } = compileScenario(scenario, { seed, limits: defaultSimulationLimits(), typescriptOnly: true, ...weatherOptions(this.input.weather) });
    const result = sim.run(scenario.durationMs);
    sim.destroy();
    const traceHash = sim.trace.hash();
    if (isSimulationLimit(result.stoppedBy)) {
      const message = `variant ${variantIndex} seed ${seed}: the simulator's ${result.stoppedBy} limit was reached at virtual time ${result.nowMs} ms of ${scenario.durationMs} ms; the run stopped there (see enetsim run --budget-scale)`;
      return { variantIndex, seed, values: [], passed: [], traceHash, stopped: message, ...(this.input.curves ? { curve: null } : {}) };
    }
    const run = { events: sim.trace.events, packets: sim.ledger.all, idTimesMs, durationMs: scenario.durationMs };
    return {
      variantIndex,
      seed,
      values: measures.map((measure) => evaluate(measure, run)),
      passed: scenario.expectations.map(({ expectation }) => check(expectation, run).passed),
      traceHash,
      stopped: null,
      ...(this.input.curves ? { curve: runCurve(scenario, measures, sim.trace.events) } : {}),
    };
  }
}

/**
 * Common random numbers: a sweep file's `weather:` picks how every run's links draw their fates
 * (`time-keyed`: the same weather at the same ms whatever the variant sends; null: the scenario's
 * own `link_draws`). The replay command carries the same choice as `--set link_draws=...`.
 */
function weatherOptions(weather: string | null): Partial<CompileOptions> {
  if (weather === null) return {};
  if (weather === 'time-keyed') return { linkDraws: TIME_KEYED_DRAWS };
  if (weather === 'per-datagram') return { linkDraws: PER_DATAGRAM_DRAWS };
  throw new Error(`weather '${weather}' is not known to this simulator`);
}

/** One unit of work: its index in the full grid (variant-major, seed-minor). */
export interface Job {
  index: number;
  variantIndex: number;
  seed: number;
}

/** The whole grid in a fixed order: every variant, each with every seed. */
export function allJobs(variantCount: number, seeds: readonly number[]): Job[] {
  const jobs: Job[] = [];
  for (let variantIndex = 0; variantIndex < variantCount; variantIndex++) {
    for (const seed of seeds) jobs.push({ index: jobs.length, variantIndex, seed });
  }
  return jobs;
}

/** Shard `index` of `count` (1-based): every count-th job from index − 1, so shards are balanced across variants. */
export function shardJobs(jobs: readonly Job[], index: number, count: number): Job[] {
  return jobs.filter((job) => job.index % count === index - 1);
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** Worker threads run only from the compiled CLI (Node does not carry tsx into workers). */
export function workersAvailable(): boolean {
  return fs.existsSync(fileURLToPath(WORKER_URL));
}

export type WorkerRequest = { kind: 'job'; job: Job } | { kind: 'stop' };
export type WorkerReply = { kind: 'ready' } | { kind: 'result'; index: number; result: RunResult } | { kind: 'error'; message: string };

/**
 * Runs `jobs` on `threads` threads (1: this thread) and returns results in job order. `onDone`
 * is called after each run, for the progress bar.
 */
export async function runJobs(input: RunnerInput, jobs: readonly Job[], threads: number, onDone: (doneCount: number) => void): Promise<RunResult[]> {
  const results = new Array<RunResult | undefined>(jobs.length);
  let doneCount = 0;
  if (threads <= 1 || jobs.length <= 1 || !workersAvailable()) {
    const runner = new Runner(input);
    jobs.forEach((job, at) => {
      results[at] = runner.run(job.variantIndex, job.seed);
      onDone(++doneCount);
    });
    return results as RunResult[];
  }
  const position = new Map(jobs.map((job, at) => [job.index, at]));
  const queue = [...jobs];
  let failure: string | null = null;
  const thread = (): Promise<void> =>
    new Promise((resolve) => {
      const worker = new Worker(WORKER_URL, { workerData: input });
      const next = (): void => {
        const job = failure === null ? queue.shift() : undefined;
        worker.postMessage(job === undefined ? ({ kind: 'stop' } satisfies WorkerRequest) : ({ kind: 'job', job } satisfies WorkerRequest));
      };
      worker.on('message', (reply: WorkerReply) => {
        if (reply.kind === 'error') {
          failure ??= reply.message;
          void worker.terminate();
          return;
        }
        if (reply.kind === 'result') {
          results[position.get(reply.index)!] = reply.result;
          onDone(++doneCount);
        }
        next();
      });
      worker.on('error', (error) => {
        failure ??= error.message ?? String(error);
      });
      worker.on('exit', () => resolve());
    });
  await Promise.all(Array.from({ length: Math.min(threads, jobs.length) }, thread));
  if (failure !== null) throw new Error(`a sweep worker failed: ${failure}`);
  if (results.some((result) => result === undefined)) throw new Error('a sweep worker stopped before its runs were done');
  return results as RunResult[];
}
