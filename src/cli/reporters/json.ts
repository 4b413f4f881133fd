// The machine-readable report: every field of the result model under a versioned, documented shape.
import type { AssertionResult, RunReport, ScenarioError, ScenarioResult, SourcePosition } from '../result.js';
import { countScenarios, type RunCounts } from './format.js';

/**
 * The JSON report, version 1. Keys appear in this order; numbers are plain JSON numbers; nothing is
 * omitted (a `null` says "none").
 *
 * ```text
 * {
 *   "version": 1,                 // bumped on any incompatible change to this shape
 *   "passed": boolean,            // every scenario passed
 *   "summary": { "scenarioCount", "passedCount", "failedCount" },
 *   "scenarios": [{
 *     "file": string,             // scenario path as given on the command line
 *     "name": string,
 *     "passed": boolean,          // false also when "error" is set
 *     "seeds": number[],          // seeds run, in order
 *     "durationMs": number,       // virtual time each seed was asked to simulate, ms
 *     "simulatedMs": number,      // virtual time actually simulated (the shortest seed), ms
 *     "wallMs": number,           // wall time of all seeds together, ms
 *     "traceHashes": string[],    // FNV-1a 64 hex trace hash per seed, same order as "seeds"
 *     "reproduce": string | null, // command reproducing the first failing seed
 *     "error": null | {           // a run stopped at an internal limit: nothing was checked
 *       "seed": number, "limit": string, "reachedMs": number, "message": string
 *     },
 *     "assertions": [{
 *       "label": string, "kind": string,
 *       "position": { "file": string, "line": number, "column": number }, // 1-based
 *       "passed": boolean,
 *       "expected": string, "observed": string,
 *       "heldCount": number,      // seeds it held for
 *       "seedCount": number,      // seeds it ran with
 *       "failedSeeds": number[]   // every failed seed; empty when it passed
 *     }]
 *   }]
 * }
 * ```
 */
export interface JsonReport {
  version: 1;
  passed: boolean;
  summary: RunCounts;
  scenarios: JsonScenario[];
}

/** One scenario in a {@link JsonReport}: the fields of `ScenarioResult`, same names and meaning. */
export interface JsonScenario {
  file: string;
  name: string;
  passed: boolean;
  seeds: number[];
  durationMs: number;
  simulatedMs: number;
  wallMs: number;
  traceHashes: string[];
  reproduce: string | null;
  error: ScenarioError | null;
  assertions: JsonAssertion[];
}

/** One assertion in a {@link JsonScenario}: the fields of `AssertionResult`, same names and meaning. */
export interface JsonAssertion {
  label: string;
  kind: string;
  position: JsonPosition;
  passed: boolean;
  expected: string;
  observed: string;
  heldCount: number;
  seedCount: number;
  failedSeeds: number[];
}

/** A 1-based position in a scenario file. */
export interface JsonPosition {
  file: string;
  line: number;
  column: number;
}

// Compile-time guard: a field added to the result model must be added to the JSON shape (and so to
// its documentation) before this file type-checks again.
type NoMissingKeys<Missing extends never> = Missing;
export type JsonCoversModel = [
  NoMissingKeys<Exclude<keyof RunReport, keyof JsonReport>>,
  NoMissingKeys<Exclude<keyof ScenarioResult, keyof JsonScenario>>,
  NoMissingKeys<Exclude<keyof AssertionResult, keyof JsonAssertion>>,
  NoMissingKeys<Exclude<keyof SourcePosition, keyof JsonPosition>>,
];

/** Builds the {@link JsonReport} for `report`, copying every array so the result owns its data. */
export function toJsonReport(report: RunReport): JsonReport {
  return {
    version: 1,
    passed: report.passed,
    summary: countScenarios(report),
    scenarios: report.scenarios.map(toJsonScenario),
  };
}

function toJsonScenario(scenario: ScenarioResult): JsonScenario {
  return {
    file: scenario.file,
    name: scenario.name,
    passed: scenario.passed,
    seeds: [...scenario.seeds],
    durationMs: scenario.durationMs,
    simulatedMs: scenario.simulatedMs,
    wallMs: scenario.wallMs,
    traceHashes: [...scenario.traceHashes],
    reproduce: scenario.reproduce,
    error: scenario.error === null ? null : { ...scenario.error },
    assertions: scenario.assertions.map(toJsonAssertion),
  };
}

function toJsonAssertion(assertion: AssertionResult): JsonAssertion {
  const { file, line, column } = assertion.position;
  return {
    label: assertion.label,
    kind: assertion.kind,
    position: { file, line, column },
    passed: assertion.passed,
    expected: assertion.expected,
    observed: assertion.observed,
    heldCount: assertion.heldCount,
    seedCount: assertion.seedCount,
    failedSeeds: [...assertion.failedSeeds],
  };
}

/** Renders `report` as a {@link JsonReport}: indented by two spaces, ending in one newline. */
export function renderJson(report: RunReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}
