// A small line chart for the terminal (`run --plot STAT`): one series of timed values in, text out.
// The line is drawn in braille dots (2 × 4 per character), so 60 columns and 8 rows give 120 × 32
// points. Pure: no clock, no console, no colour unless asked; the same data gives the same bytes.
import { Chalk } from 'chalk';

/** One value at one instant; the value holds until the next point (a sampled statistic). */
export interface PlotPoint {
  atMs: number;
  value: number;
}

export interface PlotSeries {
  /** The first line of the chart ("PEER_PACKET_THROTTLE client->server (seed 1)"). */
  title: string;
  /** Written after each y-axis label: "ms", "/32"; "" for none. */
  unit: string;
  /** In time order. */
  points: readonly PlotPoint[];
}

export interface PlotOptions {
  /** The time span of the x axis; default: the first to the last point. */
  startMs?: number;
  endMs?: number;
  /** Character columns of the plot area (each two dots wide), default {@link PLOT_COLUMNS}. */
  columns?: number;
  /** Character rows of the plot area (each four dots high), default {@link PLOT_ROWS}. */
  rows?: number;
  /** Colour the line (for a terminal); default false. */
  color?: boolean;
}

export const PLOT_COLUMNS = 60;
export const PLOT_ROWS = 8;

/** Bounds on the plot area, so a flag cannot ask for a chart of a million characters. */
export const PLOT_COLUMNS_MAX = 400;
export const PLOT_ROWS_MAX = 100;

const BRAILLE_BASE = 0x2800;
/** The braille bit of the dot at (column 0..1, row 0..3) of a character. */
const BRAILLE_DOT = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/** Time-axis steps in seconds: the smallest that gives at most one label per ~12 columns is used. */
const TICK_STEPS_S = [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600, 43_200, 86_400];

/** A number as the axis shows it: at most 3 decimals, no exponent, no locale. */
export function formatAxisNumber(value: number): string {
  const rounded = Math.round(value * 1000) / 1000;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** Seconds on the time axis: "0s", "2.5s", "90s". */
function formatSeconds(ms: number): string {
  return `${formatAxisNumber(ms / 1000)}s`;
}

/** The value range of the y axis: from 0 (or the lowest value, when negative) to the highest. */
function valueRange(points: readonly PlotPoint[]): { low: number; high: number } {
  let low = 0;
  let high = 0;
  for (const { value } of points) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  return high === low ? { low, high: low + 1 } : { low, high };
}

/**
 * Per dot column, the lowest and highest dot row the line passes: the value held when the column
 * starts and every point inside it, so a spike between two columns still shows. Null before the
 * first point.
 */
function dotSpans(points: readonly PlotPoint[], startMs: number, endMs: number, dotColumns: number, toRow: (value: number) => number): ({ top: number; bottom: number } | null)[] {
  const spans: ({ top: number; bottom: number } | null)[] = [];
  const spanMs = endMs - startMs;
  let next = 0;
  let held: number | null = null;
  for (let column = 0; column < dotColumns; column++) {
    const columnEndMs = startMs + ((column + 1) * spanMs) / dotColumns;
    let top = held === null ? Infinity : toRow(held);
    let bottom = held === null ? -Infinity : top;
    const last = column === dotColumns - 1;
    while (next < points.length && (points[next]!.atMs < columnEndMs || last)) {
      const row = toRow(points[next]!.value);
      top = Math.min(top, row);
      bottom = Math.max(bottom, row);
      held = points[next]!.value;
      next++;
    }
    spans.push(held === null ? null : { top, bottom });
  }
  return spans;
}

/** The x-axis line and the label line under it, for a plot area `columns` wide after `indent`. */
function timeAxis(startMs: number, endMs: number, columns: number, indent: number): string[] {
  const spanS = (endMs - startMs) / 1000;
  const stepS = TICK_STEPS_S.find((step) => spanS / step <= columns / 12) ?? TICK_STEPS_S.at(-1)!;
  const axis = Array.from({ length: columns }, () => '─');
  const labels = Array.from({ length: columns + 8 }, () => ' ');
  let labelEnd = -1;
  const firstTick = Math.ceil(startMs / 1000 / stepS - 1e-9);
  for (let tick = firstTick; tick * stepS * 1000 <= endMs + 1e-6; tick++) {
    const atMs = tick * stepS * 1000;
    const column = Math.min(columns - 1, Math.floor(((atMs - startMs) / (endMs - startMs)) * columns));
    axis[column] = '┬';
    const label = formatSeconds(atMs);
    if (column <= labelEnd) continue;
    for (let index = 0; index < label.length && column + index < labels.length; index++) labels[column + index] = label[index]!;
    labelEnd = column + label.length;
  }
  return [`${' '.repeat(indent)}└${axis.join('')}`, `${' '.repeat(indent + 1)}${labels.join('').trimEnd()}`];
}

/**
 * A line chart of one series: the title, `rows` lines of braille with y-axis labels (highest,
 * middle and lowest value, with the unit), the time axis in seconds. A series without points
 * gets its title and "no values".
 */
export function plotSeries(series: PlotSeries, options: PlotOptions = {}): string {
  const columns = Math.max(2, Math.min(PLOT_COLUMNS_MAX, Math.floor(options.columns ?? PLOT_COLUMNS)));
  const rows = Math.max(2, Math.min(PLOT_ROWS_MAX, Math.floor(options.rows ?? PLOT_ROWS)));
  const points = series.points;
  if (points.length === 0) return `${series.title}\n  no values\n`;
  const startMs = options.startMs ?? points[0]!.atMs;
  const endMs = Math.max(options.endMs ?? points.at(-1)!.atMs, startMs + 1);
  const { low, high } = valueRange(points);
  const dotRows = rows * 4;
  const toRow = (value: number) => Math.round(((high - value) / (high - low)) * (dotRows - 1));
  const spans = dotSpans(points, startMs, endMs, columns * 2, toRow);

  const cells = Array.from({ length: rows }, () => new Array<number>(columns).fill(0));
  spans.forEach((span, dotColumn) => {
    if (span === null) return;
    for (let dotRow = span.top; dotRow <= span.bottom; dotRow++) {
      cells[Math.floor(dotRow / 4)]![Math.floor(dotColumn / 2)]! |= BRAILLE_DOT[dotColumn % 2]![dotRow % 4]!;
    }
  });

  // The middle label is rounded to the precision the range deserves (18, not 18.065, on 0..32).
  const decimals = Math.max(0, Math.min(3, 1 - Math.floor(Math.log10(high - low))));
  const labelAt = new Map<number, string>([
    [0, formatAxisNumber(high)],
    [rows - 1, formatAxisNumber(low)],
  ]);
  // The middle row's label is the value at the middle of its four dot rows.
  const middle = Math.floor((rows - 1) / 2);
  if (rows >= 5) labelAt.set(middle, formatAxisNumber(roundTo(high - ((high - low) * (middle * 4 + 1.5)) / (dotRows - 1), decimals)));
  const labelWidth = Math.max(...[...labelAt.values()].map((label) => label.length + series.unit.length));
  const chalk = new Chalk({ level: options.color === true ? 1 : 0 });
  const lines = [series.title];
  cells.forEach((row, index) => {
    const label = labelAt.get(index);
    const axis = label === undefined ? `${' '.repeat(labelWidth)} │` : `${`${label}${series.unit}`.padStart(labelWidth)} ┤`;
    const dots = row.map((bits) => (bits === 0 ? ' ' : String.fromCharCode(BRAILLE_BASE + bits))).join('').trimEnd();
    lines.push(`${axis}${chalk.cyan(dots)}`);
  });
  lines.push(...timeAxis(startMs, endMs, columns, labelWidth + 1));
  return `${lines.join('\n')}\n`;
}
