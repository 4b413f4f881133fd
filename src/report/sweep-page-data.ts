// What a sweep's HTML report embeds: the plain data the browser page draws, built from the sweep's
// report (the same numbers the text report prints) and the runs' throttle/RTT curves. Shared by the
// builder (Node) and the page script (browser); no imports, so both sides compile it.

/** The version of this shape; a change to it changes this string. */
export const SWEEP_PAGE_FORMAT = 'enetsim-sweep-report/1';

export interface SweepPageData {
  format: typeof SWEEP_PAGE_FORMAT;
  header: SweepPageHeader;
  axes: { name: string; values: string[] }[];
  /** In grid order (first axis outermost); each has its colour in every chart. */
  variants: SweepPageVariant[];
  /** One entry per measure, in the sweep's order. */
  measures: MeasureCharts[];
  /** The throttle and RTT curves of every variant, or null when the sweep recorded none. */
  curves: SweepCurves | null;
  requirements: { requirement: string; holds: boolean; detail: string }[];
}

export interface SweepPageHeader {
  title: string;
  scenario: string;
  /** The scenario file, or null for an inline scenario. */
  scenarioFile: string | null;
  /** The sweep file, or null for the quick form. */
  sweepFile: string | null;
  seeds: number[];
  /** "1..10" or "3, 17, 42". */
  seedsText: string;
  weather: string | null;
  /** Every requirement holds and no run stopped. */
  passed: boolean;
  /** Runs that stopped at a simulator limit (never measured). */
  stoppedCount: number;
  /** The command that reproduces this report. */
  reproduce: string;
}

export interface SweepPageVariant {
  label: string;
  key: Record<string, string>;
  /** The label of its baseline, or null when it is its own. */
  baseline: string | null;
  /** A CSS colour, the same for the variant in every chart. */
  color: string;
}

export interface MeasureCharts {
  name: string;
  /** 'ms', 'count', 'ratio', '%', 'bytes'. */
  unit: string;
  better: 'higher' | 'lower';
  /** One per variant, in variant order: the mean and its 95 % Student-t interval. */
  estimates: Estimate[];
  /** One per variant that has a baseline: the paired difference and its 95 % interval. */
  differences: Difference[];
  /** For a two-axis grid: the means laid out axis 1 (rows) × axis 2 (columns); otherwise null. */
  heatmap: Heatmap | null;
}

export interface Estimate {
  variant: string;
  /** Runs with a value, and runs where the measured thing never happened. */
  n: number;
  missing: number;
  mean: number | null;
  median: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** The mean and interval as the text report prints them ("812 ms [790 ms, 834 ms]"). */
  text: string;
}

export interface Difference {
  variant: string;
  baseline: string;
  pairs: number;
  meanDifference: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  wins: number;
  ties: number;
  losses: number;
  /** 'better', 'worse', 'no significant difference', 'too few pairs'. */
  verdict: string;
  text: string;
}

export interface Heatmap {
  rowAxis: string;
  columnAxis: string;
  rows: string[];
  columns: string[];
  /** cells[row][column]: the variant's mean, null when it has none (never, or left out of the grid). */
  cells: (number | null)[][];
  /** The printed value of each cell ("–" when none). */
  texts: string[][];
}

export interface SweepCurves {
  /** The peer whose statistics are drawn: "client->server" (the host's view of that peer). */
  subject: string;
  /** The sampling grid, ms: each curve holds the last statistics sample at or before each instant. */
  gridMs: number;
  timesMs: number[];
  /** How the band is computed, said on the chart. */
  bandText: string;
  panels: CurvePanel[];
}

export interface CurvePanel {
  id: 'throttle' | 'rtt';
  title: string;
  /** The statistic: PEER_PACKET_THROTTLE or PEER_ROUND_TRIP_TIME. */
  statistic: string;
  unit: string;
  /** One per variant, in variant order. */
  series: CurveSeries[];
}

export interface CurveSeries {
  variant: string;
  /** Per instant of timesMs: the median over the seeds, and the band's edges; null where no seed had a sample. */
  median: (number | null)[];
  low: (number | null)[];
  high: (number | null)[];
}
