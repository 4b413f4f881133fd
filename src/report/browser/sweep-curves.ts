// The sweep report's time-series charts: each variant's median curve over the seeds with its band,
// overlaid, drawn by uPlot (canvas, zoom by dragging, a cursor readout below the chart).
import uPlot from 'uplot';
import type { CurvePanel, SweepCurves, SweepPageVariant } from '../sweep-page-data.js';

/** A #rrggbb colour with an alpha, for a band's fill. */
function translucent(color: string, alpha: number): string {
  return `${color}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
}

function readout(panel: CurvePanel, curves: SweepCurves, index: number | null | undefined): string {
  if (index === null || index === undefined) return 'hover the chart for the values (median [band]); drag to zoom, double-click to reset';
  const parts = panel.series.map((series) => {
    const median = series.median[index];
    return `${series.variant} ${median === null || median === undefined ? '–' : `${median} [${series.low[index]}–${series.high[index]}]`}`;
  });
  return `t = ${(curves.timesMs[index]! / 1000).toFixed(1)} s: ${parts.join(' · ')}`;
}

/** Draws one panel into `container`; returns the uPlot instance and the count of median series. */
export function curveChart(container: HTMLElement, panel: CurvePanel, curves: SweepCurves, variants: readonly SweepPageVariant[], widthPx: number): { plot: uPlot; seriesCount: number } {
  const colorOf = new Map(variants.map((variant) => [variant.label, variant.color]));
  const series: uPlot.Series[] = [{ label: 'time (s)' }];
  const data: (number | null)[][] = [curves.timesMs.map((ms) => ms / 1000)];
  const bands: uPlot.Band[] = [];
  for (const each of panel.series) {
    const color = colorOf.get(each.variant) ?? '#333333';
    const medianIndex = series.length;
    series.push({ label: each.variant, stroke: color, width: 2, points: { show: false }, spanGaps: false });
    series.push({ label: `${each.variant} low`, stroke: 'transparent', width: 0, points: { show: false } });
    series.push({ label: `${each.variant} high`, stroke: 'transparent', width: 0, points: { show: false } });
    data.push(each.median, each.low, each.high);
    bands.push({ series: [medianIndex + 2, medianIndex + 1], fill: translucent(color, 0.14) });
  }
  const line = document.createElement('div');
  line.className = 'readout';
  line.textContent = readout(panel, curves, null);
  const plot = new uPlot(
    {
      width: widthPx,
      height: 260,
      scales: { x: { time: false }, y: panel.id === 'throttle' ? { range: [0, 33] } : { range: (_self, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      axes: [{ label: 'time (s)' }, { label: `${panel.id === 'throttle' ? 'throttle' : 'RTT'} (${panel.unit})`, size: 56 }],
      legend: { show: false },
      series,
      bands,
      hooks: { setCursor: [(self) => void (line.textContent = readout(panel, curves, self.cursor.idx))] },
    },
    data as uPlot.AlignedData,
    container,
  );
  container.append(line);
  return { plot, seriesCount: panel.series.length };
}
