// The uPlot charts of a run: every chart shares the run's time axis (SharedTimeAxis), its cursor,
// the overlay (periods, actions, expectations) and a y axis of the same width, so that their plot
// areas line up and one instant sits at the same x on every chart.
import uPlot from 'uplot';
import type { ExpectationMark } from '../run-page-data.js';
import type { SharedTimeAxis } from './axis.js';
import { element, formatMs, formatNumber } from './format.js';
import { describeAt, overlayPlugin, type Overlay, type ProbeSink } from './overlay.js';
import { addPeerFocus, type SubjectGroup } from './peer-focus.js';
import { hideTooltip, showTooltip } from './tooltip.js';

/** Width of every chart's y axis, CSS px: the same on all charts so that their plot areas line up. */
export const Y_AXIS_SIZE_PX = 62;

export interface ChartContext {
  axis: SharedTimeAxis;
  /** Cursor sync key: one per run. */
  syncKey: string;
  /** The run's periods and actions (each chart adds its own expectations). */
  overlay: Omit<Overlay, 'expectations' | 'unit' | 'hasValueScale' | 'labelMarkers'>;
  probeSink: ProbeSink;
  /** The width charts take, CSS px. */
  widthPx: () => number;
}

export interface ChartSpec {
  /** data-panel of the chart's wrapper, and its key in the test hooks. */
  id: string;
  title: string;
  heightPx: number;
  unit: string;
  series: uPlot.Series[];
  data: uPlot.AlignedData;
  bands?: uPlot.Band[];
  expectations: ExpectationMark[];
  hasValueScale: boolean;
  /** Whether the actions' labels are written at the top (default true). */
  labelMarkers?: boolean;
  /** The y range for the visible data (given uPlot's min and max of it). */
  yRange: uPlot.Scale.Range;
  yValues?: (splits: number[]) => string[];
  showLegend: boolean;
  /** Extra plugins (custom drawing). */
  plugins?: uPlot.Plugin[];
  /** The series of each peer or link direction: with two or more, the legend is grouped and one can be emphasised. */
  groups?: SubjectGroup[];
  /** The subject emphasised at first (null: all equally). */
  emphasis?: string | null;
  onEmphasis?: (emphasis: string | null) => void;
  /** Tooltip lines of what is at (atMs, topCss) besides the overlay's. */
  describe?: (chart: uPlot, atMs: number, topCss: number) => string[];
}

/** Creates a chart in a new wrapper appended to `parent`; the axis then drives its x range. */
export function createChart(parent: HTMLElement, spec: ChartSpec, context: ChartContext): { chart: uPlot; wrapper: HTMLElement } {
  const wrapper = element('div', 'chart');
  wrapper.dataset['panel'] = spec.id;
  if (spec.title !== '') {
    const heading = element('h3', 'chart-title', spec.title);
    wrapper.append(heading);
  }
  parent.append(wrapper);
  const overlay: Overlay = { ...context.overlay, expectations: spec.expectations, unit: spec.unit, hasValueScale: spec.hasValueScale, labelMarkers: spec.labelMarkers ?? true };
  const options: uPlot.Options = {
    width: context.widthPx(),
    height: spec.heightPx,
    series: spec.series,
    bands: spec.bands ?? [],
    legend: { show: spec.showLegend, live: true },
    padding: [8, 16, 0, 0],
    cursor: {
      sync: { key: context.syncKey },
      drag: { x: true, y: false, setScale: true },
      points: { show: false },
      // Double-click resets every chart at once (SharedTimeAxis), not just this one.
      bind: { dblclick: () => null },
    },
    scales: { x: { time: false, auto: false, min: context.axis.minMs, max: context.axis.maxMs }, y: { range: spec.yRange } },
    axes: [
      {
        values: (_chart: uPlot, splits: number[]) => splits.map((ms) => formatMs(ms)),
        space: 72,
        size: 30,
        font: '12px system-ui, sans-serif',
        grid: { stroke: 'rgba(0,0,0,0.07)', width: 1 },
        ticks: { stroke: 'rgba(0,0,0,0.2)', width: 1, size: 4 },
      },
      {
        size: Y_AXIS_SIZE_PX,
        font: '12px system-ui, sans-serif',
        values: (_chart: uPlot, splits: number[]) => (spec.yValues ? spec.yValues(splits) : splits.map((value) => formatNumber(value))),
        grid: { stroke: 'rgba(0,0,0,0.07)', width: 1, show: spec.hasValueScale },
        ticks: { stroke: 'rgba(0,0,0,0.2)', width: 1, size: 4, show: spec.hasValueScale },
      },
    ],
    hooks: {
      setScale: [context.axis.setScaleHook, (chart: uPlot, scaleKey: string) => scaleKey === 'x' && legendAtRest(chart, spec)],
      setCursor: [
        (chart: uPlot) => {
          updateTooltip(chart, overlay, spec);
          legendAtRest(chart, spec);
        },
      ],
      ready: [(chart: uPlot) => legendAtRest(chart, spec)],
    },
    plugins: [...(spec.plugins ?? []), overlayPlugin(overlay, context.probeSink)],
  };
  const chart = new uPlot(options, spec.data, wrapper);
  if (spec.groups !== undefined) addPeerFocus(chart, wrapper, spec.groups, spec.emphasis ?? null, spec.onEmphasis ?? (() => undefined));
  chart.over.addEventListener('mouseleave', hideTooltip);
  context.axis.register(chart, wrapper);
  return { chart, wrapper };
}

/** With no cursor on the chart, its legend shows the values at the right edge of the visible range. */
function legendAtRest(chart: uPlot, spec: ChartSpec): void {
  if (!spec.showLegend || (chart.cursor.idx !== null && chart.cursor.idx !== undefined)) return;
  const xs = chart.data[0];
  const maxMs = chart.scales['x']!.max ?? Infinity;
  let low = 0;
  let high = xs.length - 1;
  if (high < 0 || xs[0]! > maxMs) return;
  // The last row at or before the visible range's end.
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (xs[middle]! <= maxMs) low = middle;
    else high = middle - 1;
  }
  chart.setLegend({ idx: low }, false);
}

function updateTooltip(chart: uPlot, overlay: Overlay, spec: ChartSpec): void {
  const left = chart.cursor.left;
  const top = chart.cursor.top;
  // Only the chart under the mouse shows a tooltip (the others follow the cursor through sync).
  if (left === undefined || top === undefined || left < 0 || !chart.over.matches(':hover')) return;
  const atMs = chart.posToVal(left, 'x');
  const { min, max } = chart.scales['x']!;
  const slopMs = (4 * ((max ?? 0) - (min ?? 0))) / Math.max(1, chart.over.clientWidth);
  const lines = [...(spec.describe ? spec.describe(chart, atMs, top) : []), ...describeAt(atMs, slopMs, overlay)];
  const rect = chart.over.getBoundingClientRect();
  showTooltip(lines.length === 0 ? [] : [`at ${formatMs(atMs)}`, ...lines], rect.left + left, rect.top + top);
}

/**
 * Several series with their own sample times on one x array (uPlot's shape): the union of the
 * times, a time repeated as often as the series repeating it most, null where a series has no
 * sample. Every sample of every series keeps its own cell, so nothing is merged away.
 */
export function alignSeries(series: { timesMs: number[]; values: (number | null)[] }[], extraTimesMs: number[]): { xs: number[]; columns: (number | null)[][] } {
  const rowsAt = new Map<number, number>();
  for (const time of extraTimesMs) rowsAt.set(time, Math.max(1, rowsAt.get(time) ?? 0));
  for (const one of series) {
    const counts = new Map<number, number>();
    for (const time of one.timesMs) counts.set(time, (counts.get(time) ?? 0) + 1);
    for (const [time, count] of counts) rowsAt.set(time, Math.max(count, rowsAt.get(time) ?? 0));
  }
  const times = [...rowsAt.keys()].sort((a, b) => a - b);
  const firstRow = new Map<number, number>();
  const xs: number[] = [];
  for (const time of times) {
    firstRow.set(time, xs.length);
    for (let repeat = 0; repeat < rowsAt.get(time)!; repeat++) xs.push(time);
  }
  const columns = series.map((one) => {
    const column = new Array<number | null>(xs.length).fill(null);
    const used = new Map<number, number>();
    one.timesMs.forEach((time, index) => {
      const repeat = used.get(time) ?? 0;
      used.set(time, repeat + 1);
      column[firstRow.get(time)! + repeat] = one.values[index] ?? null;
    });
    return column;
  });
  return { xs, columns };
}

/** Per row, the last non-null value at or before it: what a held statistic is at that instant. */
export function heldValues(column: (number | null)[]): (number | null)[] {
  const held = new Array<number | null>(column.length);
  let last: number | null = null;
  for (let index = 0; index < column.length; index++) {
    if (column[index] !== null && column[index] !== undefined) last = column[index]!;
    held[index] = last;
  }
  return held;
}

/** The highest visible value when the y range leaves it off the top (see valueRange), per chart. */
const offScaleMax = new WeakMap<uPlot, number>();

/**
 * The value below which the shown series spend `share` of the visible time: each sample holds until
 * the series' next one (statistics are step functions), so a sustained level always counts and a
 * brief spike hardly does. Bounded by what a chart holds (the builder's points per series).
 */
function timeWeightedPercentile(chart: uPlot, share: number): { percentile: number; highest: number } | null {
  const { min, max } = chart.scales['x']!;
  const fromMs = min ?? -Infinity;
  const toMs = max ?? Infinity;
  const xs = chart.data[0];
  const held: { value: number; durationMs: number }[] = [];
  let highest = -Infinity;
  let totalMs = 0;
  for (let seriesIndex = 1; seriesIndex < chart.data.length; seriesIndex++) {
    if (chart.series[seriesIndex]?.show === false) continue;
    const column = chart.data[seriesIndex]!;
    let previous: { value: number; atMs: number } | null = null;
    const close = (untilMs: number): void => {
      if (previous === null) return;
      const durationMs = Math.max(0, Math.min(untilMs, toMs) - Math.max(previous.atMs, fromMs));
      if (durationMs > 0 || (previous.atMs >= fromMs && previous.atMs <= toMs)) {
        held.push({ value: previous.value, durationMs });
        totalMs += durationMs;
        highest = Math.max(highest, previous.value);
      }
    };
    for (let row = 0; row < xs.length; row++) {
      const value = column[row];
      if (value === null || value === undefined) continue;
      close(xs[row]!);
      previous = { value, atMs: xs[row]! };
    }
    close(toMs);
  }
  if (held.length < 20 || totalMs <= 0) return null;
  held.sort((a, b) => a.value - b.value);
  let accumulatedMs = 0;
  for (const one of held) {
    accumulatedMs += one.durationMs;
    if (accumulatedMs >= share * totalMs) return { percentile: one.value, highest };
  }
  return { percentile: highest, highest };
}

/**
 * A y range that pads the visible data and takes in the bounds of the chart's expectations. A brief
 * spike far above the rest (ENet's 500 ms RTT before the first sample) would flatten every other
 * value against the axis: when the highest visible value is over 3 times the level the series stay
 * under for 98 % of the visible time, the range stops above that level and the chart says which
 * values run off the top.
 */
export function valueRange(expectations: ExpectationMark[], floorAtZero: boolean): uPlot.Scale.Range {
  const bounds = expectations.flatMap((mark) => [mark.min, mark.max, mark.passed ? null : mark.observedValue]).filter((bound): bound is number => bound !== null);
  return (chart: uPlot, dataMin: number | null, dataMax: number | null): uPlot.Range.MinMax => {
    let min = dataMin ?? (bounds.length > 0 ? Math.min(...bounds) : 0);
    let max = dataMax ?? (bounds.length > 0 ? Math.max(...bounds) : 1);
    offScaleMax.delete(chart);
    const spread = timeWeightedPercentile(chart, 0.98);
    if (spread !== null && spread.percentile > 0 && spread.highest > 3 * spread.percentile) {
      max = spread.percentile * 1.25;
      offScaleMax.set(chart, spread.highest);
    }
    for (const bound of bounds) {
      min = Math.min(min, bound);
      max = Math.max(max, bound);
    }
    if (floorAtZero && min >= 0) min = 0;
    if (max - min < 1e-9) max = min + 1;
    const [low, high] = uPlot.rangeNum(min, max, 0.08, true);
    return [floorAtZero && min >= 0 ? 0 : low, high];
  };
}

/** Writes "values up to X off the top" at the plot's top right when valueRange cut the range. */
export function offScalePlugin(unit: string): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (chart: uPlot) => {
          const highest = offScaleMax.get(chart);
          if (highest === undefined) return;
          const ratio = window.devicePixelRatio || 1;
          const context = chart.ctx;
          const text = `↑ values up to ${formatNumber(highest)} ${unit} run off the top`;
          context.save();
          context.font = `${11.5 * ratio}px system-ui, sans-serif`;
          context.textAlign = 'right';
          context.textBaseline = 'top';
          const width = context.measureText(text).width;
          const x = chart.bbox.left + chart.bbox.width - 4 * ratio;
          const y = chart.bbox.top + 3 * ratio;
          context.fillStyle = 'rgba(255,255,255,0.9)';
          context.fillRect(x - width - 3 * ratio, y - ratio, width + 6 * ratio, 15 * ratio);
          context.fillStyle = '#59636e';
          context.fillText(text, x, y);
          context.restore();
        },
      ],
    },
  };
}
