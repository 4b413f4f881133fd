// What running scenarios produces, independent of how it is printed: the reporters (pretty, json,
// junit, github) all read this model.

import type { SourcePosition } from '../scenario/problem.js';

// The input-problem types live with the scenario loader, which reports them; commands re-use them from here.
export type { InputProblem, SourcePosition } from '../scenario/problem.js';

/** The outcome of one assertion over all the seeds it ran with. */
export interface AssertionResult {
  /** A short label: the kind and its subject, e.g. "state client->server reaches STATE_CONNECTED". */
  label: string;
  /** The assertion kind (state, sequence, event, timeout, stat, converge, delivery). */
  kind: string;
  position: SourcePosition;
  passed: boolean;
  /** What was expected, in words with units ("within 500ms of 0s"). */
  expected: string;
  /** What was observed, in words with units ("reached STATE_CONNECTED at 124ms"), for the first failing seed or the last seed. */
  observed: string;
  /** Seeds it held for / seeds run. */
  heldCount: number;
  seedCount: number;
  /** Seeds it failed for (empty when it passed). */
  failedSeeds: number[];
}

/**
 * A run that could not finish honestly: an internal limit (events, trace, ledger) was reached before
 * the scenario's duration, so its expectations were not checked. The scenario does not pass.
 */
export interface ScenarioError {
  /** The seed whose run stopped (later seeds were not run). */
  seed: number;
  /** Which limit: 'eventBudget', 'traceEvents', 'ledgerPackets' or 'heldDatagrams'. */
  limit: string;
  /** The virtual time the run reached, ms. */
  reachedMs: number;
  /** The whole message, naming the limit, its value, the time reached and the way out. */
  message: string;
}

/** One scenario file's run. */
export interface ScenarioResult {
  file: string;
  name: string;
  seeds: number[];
  passed: boolean;
  assertions: AssertionResult[];
  /** The scenario's duration: the virtual time each seed was asked to simulate, ms. */
  durationMs: number;
  /** Virtual time actually simulated by the shortest seed, ms: `durationMs` unless a run stopped at a limit. */
  simulatedMs: number;
  /** Wall time of the whole run (all seeds), ms: the only wall-clock figure, for the report. */
  wallMs: number;
  /** Trace hash of each seed's run (FNV-1a 64, hex). */
  traceHashes: string[];
  /** The command that reproduces a failing run (the first failing seed), or null. */
  reproduce: string | null;
  /** Set when a run stopped at an internal limit (then `passed` is false and `assertions` is empty). */
  error: ScenarioError | null;
}

/** A problem with the input (scenario or flags): located, with a message a person can act on. */

export interface RunReport {
  scenarios: ScenarioResult[];
  passed: boolean;
}
