// Wording and arithmetic shared by the reporters, so that "held for", the summary line and the
// seed lists read the same in every format.
import type { AssertionResult, RunReport, ScenarioResult, SourcePosition } from '../result.js';

/**
 * How many failed seeds an assertion's text lists before it says "+N more". The JSON report always
 * carries the full list; the human-facing formats stay one readable line however many seeds ran.
 */
export const FAILED_SEEDS_LISTED_MAX = 10;

/** Scenario counts over a whole run. */
export interface RunCounts {
  scenarioCount: number;
  passedCount: number;
  /** Scenarios that did not pass, errors included. */
  failedCount: number;
}

/** Counts the scenarios of `report` by their `passed` flag. */
export function countScenarios(report: RunReport): RunCounts {
  const passedCount = report.scenarios.filter((scenario) => scenario.passed).length;
  const scenarioCount = report.scenarios.length;
  return { scenarioCount, passedCount, failedCount: scenarioCount - passedCount };
}

/** `count` followed by `noun`, with an "s" unless the count is exactly one. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The last line of every report: "2 scenarios, 1 passed, 1 failed", and ", 1 stopped at a limit" when some did. */
export function summaryLine(counts: RunCounts, report?: RunReport): string {
  const errorCount = report === undefined ? 0 : report.scenarios.filter((scenario) => scenario.error !== null).length;
  const errors = errorCount > 0 ? ` (${errorCount} stopped at a limit: ERROR)` : '';
  return `${plural(counts.scenarioCount, 'scenario')}, ${counts.passedCount} passed, ${counts.failedCount} failed${errors}`;
}

/** "ERROR seed 3: the event budget (50000000 events) ran out at 6h54m of 24h; ..." for a scenario that stopped at a limit. */
export function formatScenarioError(scenario: ScenarioResult): string {
  return scenario.error === null ? '' : `ERROR (seed ${scenario.error.seed}): ${scenario.error.message}`;
}

/** `file:line:column`, the form editors and terminals turn into a link. */
export function formatPosition(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.column}`;
}

/** "3, 8, 11", or the first {@link FAILED_SEEDS_LISTED_MAX} seeds followed by "+N more". */
export function formatSeedList(seeds: readonly number[]): string {
  const listed = seeds.slice(0, FAILED_SEEDS_LISTED_MAX).join(', ');
  const hiddenCount = seeds.length - FAILED_SEEDS_LISTED_MAX;
  return hiddenCount > 0 ? `${listed}, +${hiddenCount} more` : listed;
}

/** "held for 17 of 20 seeds (failed seeds: 3, 8, 11)"; the parenthesis only when a seed failed. */
export function formatHeld(assertion: AssertionResult): string {
  const held = `held for ${assertion.heldCount} of ${plural(assertion.seedCount, 'seed')}`;
  if (assertion.failedSeeds.length === 0) return held;
  return `${held} (failed ${assertion.failedSeeds.length === 1 ? 'seed' : 'seeds'}: ${formatSeedList(assertion.failedSeeds)})`;
}

/**
 * A duration for people: "0.4ms", "124ms", "12.5s", "2m5.5s". Virtual and wall durations both use
 * it, so the table compares like with like.
 */
export function formatDurationMs(durationMs: number): string {
  if (durationMs < 1000) return `${Number(durationMs.toFixed(durationMs < 10 ? 1 : 0))}ms`;
  if (durationMs < 60_000) return `${Number((durationMs / 1000).toFixed(2))}s`;
  const tenthsOfSecond = Math.round(durationMs / 100);
  const minutes = Math.floor(tenthsOfSecond / 600);
  return `${minutes}m${(tenthsOfSecond % 600) / 10}s`;
}

/** The assertions of `scenario` that failed for at least one seed, in scenario order. */
export function failedAssertions(scenario: ScenarioResult): AssertionResult[] {
  return scenario.assertions.filter((assertion) => !assertion.passed);
}

/**
 * True when a scenario is marked failed yet none of its assertions failed. The model allows it, and
 * a CI report that showed no failure for a failed scenario would hide it, so every reporter says so.
 */
export function failedWithoutAssertion(scenario: ScenarioResult): boolean {
  return !scenario.passed && scenario.error === null && failedAssertions(scenario).length === 0;
}

/** What the reporters say for a scenario that {@link failedWithoutAssertion}. */
export const FAILED_WITHOUT_ASSERTION_MESSAGE = 'the scenario failed, but none of its assertions did';

/** How many of the scenario's seeds every assertion held for. */
export function seedsHeldCount(scenario: ScenarioResult): number {
  const failedSeeds = new Set(scenario.assertions.flatMap((assertion) => assertion.failedSeeds));
  return scenario.seeds.filter((seed) => !failedSeeds.has(seed)).length;
}
