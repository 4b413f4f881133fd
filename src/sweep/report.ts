// The sweep report built from a plan summary and the runs alone (so merged shards build the same): statistics, comparisons, pass rates, requirements, replay commands.
import { valueText } from './override.js';
import type { MeasureUnit } from './measure.js';
import type { Plan, Requirement } from './plan.js';
import type { RunResult } from './run.js';
import { pairedComparison, summarize, type Paired, type Summary } from './stats.js';

/** The version of the JSON shape (docs/sweeps.md); a change to it changes this string. */
export const REPORT_FORMAT = 'enetsim-sweep/1';
export const PART_FORMAT = 'enetsim-sweep-part/1';

/** What a report needs of the plan: plain data, the same in every shard's part file. */
export interface PlanSummary {
  title: string;
  sweepFile: string | null;
  scenarioFile: string | null;
  scenarioName: string;
  axes: { name: string; values: string[] }[];
  variants: { label: string; key: Record<string, string>; overrides: { path: string; value: unknown }[] }[];
  seeds: number[];
  measures: { name: string; unit: MeasureUnit; better: 'higher' | 'lower'; kind: string }[];
  expectations: string[];
  baselineOf: (number | null)[];
  requires: Requirement[];
  weather: string | null;
}

export function summaryOf(plan: Plan): PlanSummary {
  return {
    title: plan.title,
    sweepFile: plan.sweepFile,
    scenarioFile: plan.scenarioFile,
    scenarioName: plan.scenarioName,
    axes: plan.axes,
    variants: plan.variants.map((variant) => ({ label: variant.label, key: variant.key, overrides: variant.overrides.map(({ path, value }) => ({ path, value })) })),
    seeds: plan.seeds,
    measures: plan.measures.map((measure) => ({ name: measure.name, unit: measure.unit, better: measure.better, kind: measure.kind })),
    expectations: plan.expectationLabels,
    baselineOf: plan.baselineOf,
    requires: plan.requires,
    weather: plan.weather,
  };
}

export interface MeasureResult extends Summary {
  measure: string;
  unit: MeasureUnit;
  vsBaseline: (Paired & { baseline: string }) | null;
}

export interface VariantResult {
  label: string;
  key: Record<string, string>;
  baseline: string | null;
  measures: MeasureResult[];
  expectations: { label: string; passedCount: number; seedCount: number }[];
}

export interface RunRow {
  variant: string;
  seed: number;
  values: (number | null)[];
  expectationsPassed: boolean[];
  traceHash: string;
  replay: string | null;
}

export interface RequirementResult {
  requirement: string;
  holds: boolean;
  detail: string;
}

export interface SweepReport {
  format: typeof REPORT_FORMAT;
  sweep: string;
  sweepFile: string | null;
  scenario: { file: string | null; name: string };
  seeds: number[];
  axes: { name: string; values: string[] }[];
  measures: PlanSummary['measures'];
  expectations: string[];
  weather: string | null;
  variants: VariantResult[];
  requirements: RequirementResult[];
  /** Runs that stopped at a simulator limit (never measured). */
  stopped: string[];
  passed: boolean;
  runs: RunRow[];
}

export function shellWord(word: string): string {
  return /^[\w./=:,%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `enetsim run` command that reproduces one run (null for an inline scenario: save it to a file first). */
export function replayCommand(plan: PlanSummary, variantIndex: number, seed: number): string | null {
  if (plan.scenarioFile === null) return null;
  const sets = plan.variants[variantIndex]!.overrides.map((override) => ` --set ${shellWord(`${override.path}=${valueText(override.value)}`)}`).join('');
  // The sweep's weather replaces the scenario's link_draws in every run, so the replay says so too.
  const weather = plan.weather === null ? '' : ` --set link_draws=${plan.weather}`;
  return `enetsim run ${shellWord(plan.scenarioFile)} --seed ${seed}${sets}${weather}`;
}

/** Formats a value in its unit: 1.234 s, 812 ms, 0.913, 2.50 %, 17. */
export function formatValue(value: number | null, unit: MeasureUnit, signed = false): string {
  if (value === null) return '–';
  const sign = signed && value > 0 ? '+' : '';
  switch (unit) {
    case 'ms':
      return Math.abs(value) >= 1000 ? `${sign}${(value / 1000).toFixed(3)} s` : `${sign}${value.toFixed(Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : 1)} ms`;
    case 'ratio':
      return `${sign}${value.toFixed(3)}`;
    case '%':
      return `${sign}${value.toFixed(2)} %`;
    case 'bytes':
      return `${sign}${Math.round(value)} B`;
    default:
      return `${sign}${Number.isInteger(value) ? value : value.toFixed(2)}`;
  }
}

function requirementResult(requirement: Requirement, plan: PlanSummary, variants: VariantResult[]): RequirementResult {
  const variant = variants[requirement.variantIndex]!;
  const result = variant.measures[requirement.measureIndex]!;
  const unit = result.unit;
  if (requirement.kind !== 'bound') {
    const paired = result.vsBaseline;
    if (paired === null) return { requirement: requirement.text, holds: false, detail: 'no baseline comparison' };
    const holds = requirement.kind === 'better_than_baseline' ? paired.verdict === 'better' : paired.verdict !== 'worse' && paired.verdict !== 'too few pairs';
    return {
      requirement: requirement.text,
      holds,
      detail: `${paired.verdict}: mean difference ${formatValue(paired.meanDifference, unit, true)} (95% CI ${formatValue(paired.ciLow, unit, true)} to ${formatValue(paired.ciHigh, unit, true)}) against ${paired.baseline} over ${paired.pairs} paired seeds, ${paired.wins} wins, ${paired.ties} ties, ${paired.losses} losses`,
    };
  }
  const names: Record<string, keyof Summary> = { mean: 'mean', median: 'median', min: 'min', max: 'max', p5: 'p5', p95: 'p95', ci_low: 'ciLow', ci_high: 'ciHigh' };
  const value = result[names[requirement.statistic]!] as number | null;
  const { above, below, atLeast, atMost } = requirement.bound;
  const holds = value !== null && (above === null || value > above) && (below === null || value < below) && (atLeast === null || value >= atLeast) && (atMost === null || value <= atMost);
  const missing = result.missing > 0 ? ` (${result.missing} of ${result.n + result.missing} runs never had it happen)` : '';
  return { requirement: requirement.text, holds, detail: `${requirement.statistic} is ${formatValue(value, unit)} over ${result.n} runs${missing}` };
}

/** The report of `runs` (every run of the plan, in job order: variant-major, seed-minor). */
export function buildReport(plan: PlanSummary, runs: readonly RunResult[]): SweepReport {
  const byVariant = plan.variants.map((_, index) => runs.filter((run) => run.variantIndex === index));
  const valuesOf = (variantIndex: number, measureIndex: number) => byVariant[variantIndex]!.map((run) => (run.stopped === null ? run.values[measureIndex]! : null));
  const variants: VariantResult[] = plan.variants.map((variant, variantIndex) => {
    const baselineIndex = plan.baselineOf[variantIndex] ?? null;
    return {
      label: variant.label,
      key: variant.key,
      baseline: baselineIndex === null ? null : plan.variants[baselineIndex]!.label,
      measures: plan.measures.map((measure, measureIndex) => ({
        measure: measure.name,
        unit: measure.unit,
        ...summarize(valuesOf(variantIndex, measureIndex)),
        vsBaseline: baselineIndex === null ? null : { baseline: plan.variants[baselineIndex]!.label, ...pairedComparison(valuesOf(variantIndex, measureIndex), valuesOf(baselineIndex, measureIndex), measure.better) },
      })),
      expectations: plan.expectations.map((label, expectationIndex) => {
        const finished = byVariant[variantIndex]!.filter((run) => run.stopped === null);
        return { label, passedCount: finished.filter((run) => run.passed[expectationIndex]).length, seedCount: byVariant[variantIndex]!.length };
      }),
    };
  });
  const requirements = plan.requires.map((requirement) => requirementResult(requirement, plan, variants));
  const stopped = runs.flatMap((run) => (run.stopped === null ? [] : [run.stopped]));
  return {
    format: REPORT_FORMAT,
    sweep: plan.title,
    sweepFile: plan.sweepFile,
    scenario: { file: plan.scenarioFile, name: plan.scenarioName },
    seeds: plan.seeds,
    axes: plan.axes,
    measures: plan.measures,
    expectations: plan.expectations,
    weather: plan.weather,
    variants,
    requirements,
    stopped,
    passed: requirements.every((requirement) => requirement.holds) && stopped.length === 0,
    runs: runs.map((run) => ({
      variant: plan.variants[run.variantIndex]!.label,
      seed: run.seed,
      values: run.values,
      expectationsPassed: run.passed,
      traceHash: run.traceHash,
      replay: replayCommand(plan, run.variantIndex, run.seed),
    })),
  };
}
