// The time-series panels (RTT, throttle, loss, RTO, unacked reliable commands, link queue) and the
// datagrams-by-fate bars, as chart specs for createChart.
import uPlot from 'uplot';
import type { ExpectationMark, FateBins, Panel } from '../run-page-data.js';
import type { PanelSummary } from '../run-page-hooks.js';
import { alignSeries, heldValues, offScalePlugin, valueRange, type ChartSpec } from './charts.js';
import { formatMs, formatValue } from './format.js';
import { fateColour, seriesColour, withAlpha } from './palette.js';

const PANEL_HEIGHT_PX = 170;

export function panelSpec(panel: Panel, timeRangeMs: [number, number], expectations: ExpectationMark[]): { spec: ChartSpec; summary: PanelSummary } {
  const { xs, columns } = alignSeries(panel.series, timeRangeMs);
  const held = columns.map(heldValues);
  const series: uPlot.Series[] = [{ label: 'time', value: (_chart, ms) => (ms === null ? '–' : formatMs(ms)) }];
  const bands: uPlot.Band[] = [];
  let colourIndex = -1;
  let lastLineColour = seriesColour(0);
  let bandLowIndex: number | null = null;
  panel.series.forEach((one, index) => {
    const seriesIndex = index + 1;
    const isBand = one.style === 'bandLow' || one.style === 'bandHigh';
    if (!isBand) {
      colourIndex += 1;
      lastLineColour = seriesColour(colourIndex);
    }
    const options: uPlot.Series = {
      label: one.label,
      stroke: isBand ? withAlpha(lastLineColour, 0.35) : lastLineColour,
      width: isBand ? 1 : one.style === 'dashed' ? 1.25 : 1.75,
      spanGaps: true,
      points: { show: false },
      value: (_chart, _value, _seriesIndex, rowIndex) => formatValue(rowIndex === null ? null : held[index]![rowIndex], panel.unit),
    };
    if (one.style === 'points') {
      // Separate observations: a dot each, nothing drawn between them.
      options.paths = () => null;
      options.spanGaps = false;
      options.points = { show: true, size: 6, width: 1, fill: lastLineColour, stroke: lastLineColour };
    }
    if (one.style === 'step') options.paths = uPlot.paths.stepped!({ align: 1 });
    if (one.style === 'dashed') {
      options.dash = [6, 4];
      options.paths = uPlot.paths.stepped!({ align: 1 });
    }
    if (one.style === 'bandLow') bandLowIndex = seriesIndex;
    if (one.style === 'bandHigh' && bandLowIndex !== null) {
      bands.push({ series: [seriesIndex, bandLowIndex], fill: withAlpha(lastLineColour, 0.13) });
      bandLowIndex = null;
    }
    series.push(options);
  });
  const subjects = [...new Set(panel.series.map((one) => one.subject))];
  const groups = subjects.map((subject) => ({ subject, seriesIndexes: panel.series.flatMap((one, index) => (one.subject === subject ? [index + 1] : [])) }));
  // Ten RTT lines of two peers tangle: the first peer's view leads, the other's is muted until chosen.
  const emphasis = panel.id === 'rtt' && subjects.length > 1 ? subjects[0]! : null;
  const summary: PanelSummary = {
    title: panel.title,
    seriesCount: panel.series.length,
    labels: panel.series.map((one) => one.label),
    points: columns.map((column) => column.filter((value) => value !== null).length),
    subjects,
    emphasis,
  };
  const spec: ChartSpec = {
    id: panel.id,
    title: `${panel.title} (${panel.unit === '/32' ? 'of 32' : panel.unit})`,
    groups,
    emphasis,
    onEmphasis: (chosen) => {
      summary.emphasis = chosen;
    },
    heightPx: PANEL_HEIGHT_PX,
    unit: panel.unit,
    series,
    data: [xs, ...columns] as uPlot.AlignedData,
    bands,
    expectations,
    hasValueScale: true,
    yRange: valueRange(expectations, true),
    showLegend: true,
    plugins: [offScalePlugin(panel.unit)],
  };
  return { spec, summary };
}

/** A fate as the legend reads it: the drop rules keep their trace names; the datagrams still in flight at the end say so. */
function fateLabel(fate: string): string {
  return fate === 'inFlight' ? 'in flight at the end' : fate;
}

/**
 * Datagrams per time bin by fate, as stacked bars (delivered at the bottom). uPlot draws no path
 * for these series: the plugin stacks the bars itself, and the legend shows each fate's own count.
 */
export function fatesSpec(fates: FateBins, timeRangeMs: [number, number], expectations: ExpectationMark[]): { spec: ChartSpec; summary: PanelSummary } {
  const xs = fates.startsMs;
  const totals = xs.map((_, bin) => fates.series.reduce((sum, one) => sum + (one.counts[bin] ?? 0), 0));
  const colours = fates.series.map((one, index) => fateColour(one.fate, index));
  const series: uPlot.Series[] = [
    { label: 'bin', value: (_chart, ms) => (ms === null ? '–' : `${formatMs(ms)} + ${formatMs(fates.binMs)}`) },
    ...fates.series.map((one, index): uPlot.Series => ({
      label: fateLabel(one.fate),
      stroke: colours[index]!,
      fill: colours[index]!,
      width: 0,
      points: { show: false },
      paths: () => null,
      value: (_chart, value) => (value === null ? '–' : String(value)),
    })),
  ];
  const drawBars = (chart: uPlot): void => {
    const context = chart.ctx;
    const { left, top, width, height } = chart.bbox;
    const { min, max } = chart.scales['x']!;
    context.save();
    context.beginPath();
    context.rect(left, top, width, height);
    context.clip();
    const gap = (window.devicePixelRatio || 1) * 0.5;
    for (let bin = 0; bin < xs.length; bin++) {
      const startMs = xs[bin]!;
      if (startMs + fates.binMs < (min ?? 0) || startMs > (max ?? 0)) continue;
      const x0 = chart.valToPos(startMs, 'x', true);
      const x1 = chart.valToPos(startMs + fates.binMs, 'x', true);
      let stacked = 0;
      fates.series.forEach((one, index) => {
        const count = one.counts[bin] ?? 0;
        if (count === 0) return;
        const yTop = chart.valToPos(stacked + count, 'y', true);
        const yBottom = chart.valToPos(stacked, 'y', true);
        context.fillStyle = colours[index]!;
        context.fillRect(x0 + gap, yTop, Math.max(1, x1 - x0 - 2 * gap), yBottom - yTop);
        stacked += count;
      });
    }
    context.restore();
  };
  const spec: ChartSpec = {
    id: 'fates',
    title: `Datagrams per ${formatMs(fates.binMs)} by fate`,
    heightPx: 150,
    unit: 'datagrams',
    series,
    data: [xs, ...fates.series.map((one) => one.counts)] as uPlot.AlignedData,
    expectations,
    hasValueScale: true,
    yRange: (chart: uPlot): uPlot.Range.MinMax => {
      const { min, max } = chart.scales['x']!;
      let highest = 1;
      xs.forEach((startMs, bin) => {
        if (startMs + fates.binMs >= (min ?? timeRangeMs[0]) && startMs <= (max ?? timeRangeMs[1])) highest = Math.max(highest, totals[bin]!);
      });
      return [0, Math.ceil(highest * 1.08)];
    },
    showLegend: true,
    plugins: [{ hooks: { draw: [drawBars] } }],
  };
  return {
    spec,
    summary: {
      title: spec.title,
      seriesCount: fates.series.length,
      labels: fates.series.map((one) => one.fate),
      points: fates.series.map((one) => one.counts.length),
      subjects: [],
      emphasis: null,
    },
  };
}
