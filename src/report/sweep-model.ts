// The data of a sweep's HTML report (src/report/sweep-page-data.ts), built from the sweep's report
// and the runs' throttle/RTT curves. Pure: no I/O, no clock; the same input gives the same data.
// The shapes it reads are defined here (the CLI passes the sweep's own objects, which match them),
// so src/report depends on nothing of the sweep or the simulator.
import {
  SWEEP_PAGE_FORMAT,
  type CurvePanel,
  type CurveSeries,
  type Difference,
  type Estimate,
  type Heatmap,
  type MeasureCharts,
  type SweepCurves,
  type SweepPageData,
} from './sweep-page-data.js';

/** What the model reads of one variant's result for one measure (src/sweep/report.ts MeasureResult). */
export interface MeasureResultInput extends Omit<Estimate, 'variant' | 'text'> {
  measure: string;
  unit: string;
  /** The paired comparison as the text report computed it (the page's Difference without its variant and text). */
  vsBaseline: Omit<Difference, 'variant' | 'text'> | null;
}

/** What the model reads of a sweep's report (src/sweep/report.ts SweepReport). */
export interface SweepReportInput {
  sweep: string;
  sweepFile: string | null;
  scenario: { file: string | null; name: string };
  seeds: number[];
  axes: { name: string; values: string[] }[];
  measures: { name: string; unit: string; better: 'higher' | 'lower' }[];
  weather: string | null;
  variants: { label: string; key: Record<string, string>; baseline: string | null; measures: MeasureResultInput[] }[];
  requirements: { requirement: string; holds: boolean; detail: string }[];
  stopped: string[];
  passed: boolean;
}

/**
 * One run's curves: the last statistics sample of `subject` at or before each instant k·gridMs
 * (k = 0, 1, …), null before the first sample.
 */
export interface RunCurveInput {
  subject: string;
  gridMs: number;
  throttle: (number | null)[];
  rttMs: (number | null)[];
}

export interface SweepModelInput {
  report: SweepReportInput;
  /** Per run, in any order: its variant (index in report.variants), seed and curves (null: none recorded). Null: no curves. */
  curves: { variantIndex: number; seed: number; curve: RunCurveInput | null }[] | null;
  /** The command that reproduces the report. */
  reproduce: string;
  /** The text report's formatter, so the page prints the numbers the terminal prints. */
  formatValue: (value: number | null, unit: string, signed?: boolean) => string;
}

/**
 * Numbers the curves may embed at most (variants × instants × 3 lines × 2 panels), about 300 KB of
 * JSON: a sweep with many variants draws its curves on a proportionally coarser grid.
 */
export const CURVE_VALUES_MAX = 60_000;

/** Colours for the variants, in order (cycled beyond ten): distinct, and readable on white. */
export const VARIANT_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

/** The band drawn around a median curve: these percentiles over the seeds (nearest rank). */
export const BAND_PERCENTILES = [10, 90] as const;

/** The median of `values` (sorted ascending, non-empty): the middle one, or the mean of the two middle ones. */
export function medianOfSorted(sorted: readonly number[]): number {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The p-th percentile by nearest rank: the ⌈p·n/100⌉-th smallest (the sweep report's convention). */
export function nearestRank(sorted: readonly number[], percentile: number): number {
  const rank = Math.max(1, Math.ceil((percentile * sorted.length) / 100));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Median and band over the seeds at each instant of a common grid; null where no seed has a value. */
export function medianAndBand(seriesPerSeed: readonly (readonly (number | null)[])[], length: number): Pick<CurveSeries, 'median' | 'low' | 'high'> {
  const median: (number | null)[] = [];
  const low: (number | null)[] = [];
  const high: (number | null)[] = [];
  for (let index = 0; index < length; index++) {
    const values: number[] = [];
    for (const series of seriesPerSeed) {
      const value = series[index];
      if (value !== undefined && value !== null) values.push(value);
    }
    if (values.length === 0) {
      median.push(null);
      low.push(null);
      high.push(null);
      continue;
    }
    values.sort((a, b) => a - b);
    median.push(medianOfSorted(values));
    low.push(nearestRank(values, BAND_PERCENTILES[0]));
    high.push(nearestRank(values, BAND_PERCENTILES[1]));
  }
  return { median, low, high };
}

/** "1..10" for consecutive seeds from their first, else the list. */
export function seedsText(seeds: readonly number[]): string {
  const consecutive = seeds.length > 2 && seeds.every((seed, index) => seed === seeds[0]! + index);
  return consecutive ? `${seeds[0]}..${seeds.at(-1)}` : seeds.join(', ');
}

function estimateOf(variant: string, result: MeasureResultInput, format: SweepModelInput['formatValue']): Estimate {
  const interval = result.ciLow !== null ? ` [${format(result.ciLow, result.unit)}, ${format(result.ciHigh, result.unit)}]` : '';
  const never = result.missing > 0 ? `, never in ${result.missing}` : '';
  return {
    variant,
    n: result.n,
    missing: result.missing,
    mean: result.mean,
    median: result.median,
    ciLow: result.ciLow,
    ciHigh: result.ciHigh,
    text: `${format(result.mean, result.unit)}${interval} (n ${result.n}${never})`,
  };
}

function differenceOf(variant: string, result: MeasureResultInput, format: SweepModelInput['formatValue']): Difference | null {
  const paired = result.vsBaseline;
  if (paired === null) return null;
  const interval = paired.ciLow !== null ? ` [${format(paired.ciLow, result.unit, true)}, ${format(paired.ciHigh, result.unit, true)}]` : '';
  return {
    variant,
    baseline: paired.baseline,
    pairs: paired.pairs,
    meanDifference: paired.meanDifference,
    ciLow: paired.ciLow,
    ciHigh: paired.ciHigh,
    wins: paired.wins,
    ties: paired.ties,
    losses: paired.losses,
    verdict: paired.verdict,
    text: `${paired.verdict}: ${format(paired.meanDifference, result.unit, true)}${interval}, ${paired.wins}/${paired.ties}/${paired.losses} w/t/l of ${paired.pairs} pairs`,
  };
}

/** Axis 1 (rows) × axis 2 (columns) of a two-axis grid; a combination the sweep left out is an empty cell. */
function heatmapOf(report: SweepReportInput, measureIndex: number, format: SweepModelInput['formatValue']): Heatmap | null {
  if (report.axes.length !== 2) return null;
  const [rowAxis, columnAxis] = report.axes as [{ name: string; values: string[] }, { name: string; values: string[] }];
  const unit = report.measures[measureIndex]!.unit;
  const meanAt = (row: string, column: string): number | null => {
    const variant = report.variants.find((each) => each.key[rowAxis.name] === row && each.key[columnAxis.name] === column);
    return variant === undefined ? null : variant.measures[measureIndex]!.mean;
  };
  const cells = rowAxis.values.map((row) => columnAxis.values.map((column) => meanAt(row, column)));
  return {
    rowAxis: rowAxis.name,
    columnAxis: columnAxis.name,
    rows: rowAxis.values,
    columns: columnAxis.values,
    cells,
    texts: cells.map((row) => row.map((value) => format(value, unit))),
  };
}

function measureCharts(report: SweepReportInput, measureIndex: number, format: SweepModelInput['formatValue']): MeasureCharts {
  const measure = report.measures[measureIndex]!;
  return {
    name: measure.name,
    unit: measure.unit,
    better: measure.better,
    estimates: report.variants.map((variant) => estimateOf(variant.label, variant.measures[measureIndex]!, format)),
    differences: report.variants.flatMap((variant) => differenceOf(variant.label, variant.measures[measureIndex]!, format) ?? []),
    heatmap: heatmapOf(report, measureIndex, format),
  };
}

/**
 * The variants' curves on one grid: the coarsest grid of any run (runs of the same sweep share it
 * unless a variant changes the duration or the stats interval), as long as the longest run, and
 * coarser still (every k-th instant) when the variants are so many that CURVE_VALUES_MAX would be
 * passed; a run on a finer grid contributes its value at each instant of the common one.
 */
function curvesOf(report: SweepReportInput, runs: NonNullable<SweepModelInput['curves']>): SweepCurves | null {
  const recorded = runs.flatMap((run) => (run.curve === null ? [] : [{ ...run, curve: run.curve }]));
  if (recorded.length === 0) return null;
  const runGridMs = Math.max(...recorded.map((run) => run.curve.gridMs));
  const spanMs = Math.max(...recorded.map((run) => (run.curve.throttle.length - 1) * run.curve.gridMs));
  const valuesPerInstant = report.variants.length * 3 * 2;
  const stride = Math.max(1, Math.ceil(((Math.floor(spanMs / runGridMs) + 1) * valuesPerInstant) / CURVE_VALUES_MAX));
  const gridMs = runGridMs * stride;
  const length = Math.floor(spanMs / gridMs) + 1;
  const timesMs = Array.from({ length }, (_, index) => index * gridMs);
  const onCommonGrid = (values: (number | null)[], runGridMs: number) => timesMs.map((instantMs) => values[Math.floor(instantMs / runGridMs)] ?? null);
  const subjects = [...new Set(recorded.map((run) => run.curve.subject))].sort();
  const panel = (id: CurvePanel['id']): CurvePanel => ({
    id,
    title: id === 'throttle' ? 'Packet throttle' : 'Round-trip time',
    statistic: id === 'throttle' ? 'PEER_PACKET_THROTTLE' : 'PEER_ROUND_TRIP_TIME',
    unit: id === 'throttle' ? '/32' : 'ms',
    series: report.variants.map((variant, variantIndex) => {
      // Seeds in ascending order, so the result does not depend on the order runs came back in.
      const mine = recorded.filter((run) => run.variantIndex === variantIndex).sort((a, b) => a.seed - b.seed);
      const perSeed = mine.map((run) => onCommonGrid(id === 'throttle' ? run.curve.throttle : run.curve.rttMs, run.curve.gridMs));
      return { variant: variant.label, ...medianAndBand(perSeed, length) };
    }),
  });
  return {
    subject: subjects.join(', '),
    gridMs,
    timesMs,
    bandText: `median over the seeds; band: ${BAND_PERCENTILES[0]}th–${BAND_PERCENTILES[1]}th percentile (nearest rank)`,
    panels: [panel('throttle'), panel('rtt')],
  };
}

/** The page data of a sweep's HTML report. */
export function sweepPageModel(input: SweepModelInput): SweepPageData {
  const { report, formatValue } = input;
  return {
    format: SWEEP_PAGE_FORMAT,
    header: {
      title: report.sweep,
      scenario: report.scenario.name,
      scenarioFile: report.scenario.file,
      sweepFile: report.sweepFile,
      seeds: report.seeds,
      seedsText: seedsText(report.seeds),
      weather: report.weather,
      passed: report.passed,
      stoppedCount: report.stopped.length,
      reproduce: input.reproduce,
    },
    axes: report.axes,
    variants: report.variants.map((variant, index) => ({ label: variant.label, key: variant.key, baseline: variant.baseline, color: VARIANT_COLORS[index % VARIANT_COLORS.length]! })),
    measures: report.measures.map((_, index) => measureCharts(report, index, formatValue)),
    curves: input.curves === null ? null : curvesOf(report, input.curves),
    requirements: report.requirements,
  };
}
