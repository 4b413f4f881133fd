// What every chart of a run draws over its data: the timeline's periods shaded behind the series,
// its actions as labelled vertical lines, and the expectations that looked at this chart (their
// window shaded, their bounds as lines, green when they held, red with the observed value when not).
import type uPlot from 'uplot';
import type { ExpectationMark, TimeMarker, TimeSpan } from '../run-page-data.js';
import type { ExpectationProbe } from '../run-page-hooks.js';
import { formatMs, formatValue } from './format.js';
import { FAIL_COLOUR, PASS_COLOUR, spanFill, withAlpha } from './palette.js';

export interface Overlay {
  spans: TimeSpan[];
  markers: TimeMarker[];
  expectations: ExpectationMark[];
  /** The chart's y unit, for the observed value's label. */
  unit: string;
  /** Whether to draw expectation bounds on the y scale (false on charts without a value scale). */
  hasValueScale: boolean;
  /** Whether to write the actions' labels at the top (the peer-state rows leave them out). */
  labelMarkers: boolean;
}

/** Where an expectation was drawn the last time its chart was drawn (absent: outside the visible range). */
export type ProbeSink = (mark: ExpectationMark, probe: ExpectationProbe | null) => void;

function pixelRatio(): number {
  return window.devicePixelRatio || 1;
}

export function expectationColour(mark: ExpectationMark): string {
  return mark.passed ? PASS_COLOUR : FAIL_COLOUR;
}

/** The plugin that draws `overlay` on a chart. */
export function overlayPlugin(overlay: Overlay, probeSink: ProbeSink): uPlot.Plugin {
  return {
    hooks: {
      drawClear: [(chart: uPlot) => drawSpans(chart, overlay.spans)],
      draw: [
        (chart: uPlot) => {
          drawMarkers(chart, overlay.markers, overlay.labelMarkers);
          for (const mark of overlay.expectations) probeSink(mark, drawExpectation(chart, mark, overlay));
        },
      ],
    },
  };
}

function withClip(chart: uPlot, draw: (context: CanvasRenderingContext2D) => void): void {
  const context = chart.ctx;
  const { left, top, width, height } = chart.bbox;
  context.save();
  context.beginPath();
  context.rect(left, top, width, height);
  context.clip();
  try {
    draw(context);
  } finally {
    context.restore();
  }
}

function drawSpans(chart: uPlot, spans: TimeSpan[]): void {
  if (spans.length === 0) return;
  const { top, height } = chart.bbox;
  withClip(chart, (context) => {
    for (const span of spans) {
      const x0 = chart.valToPos(span.fromMs, 'x', true);
      const x1 = chart.valToPos(span.toMs, 'x', true);
      context.fillStyle = spanFill(span.kind);
      context.fillRect(x0, top, Math.max(1, x1 - x0), height);
    }
  });
}

function drawMarkers(chart: uPlot, markers: TimeMarker[], withLabels: boolean): void {
  if (markers.length === 0) return;
  const ratio = pixelRatio();
  const { top, height, left, width } = chart.bbox;
  withClip(chart, (context) => {
    context.strokeStyle = 'rgba(60,60,60,0.55)';
    context.lineWidth = ratio;
    context.setLineDash([4 * ratio, 3 * ratio]);
    context.font = `${11 * ratio}px system-ui, sans-serif`;
    context.textBaseline = 'top';
    context.textAlign = 'left';
    let labelEnd = -Infinity;
    for (const marker of markers) {
      const x = Math.round(chart.valToPos(marker.atMs, 'x', true)) + 0.5;
      if (x < left - 1 || x > left + width + 1) continue;
      context.beginPath();
      context.moveTo(x, top);
      context.lineTo(x, top + height);
      context.stroke();
      // Labels that would run into the previous one are left out; the timeline row and the tooltip still name them.
      const labelWidth = context.measureText(marker.label).width;
      if (withLabels && x + 3 * ratio > labelEnd && x + 3 * ratio + labelWidth < left + width) {
        context.fillStyle = 'rgba(255,255,255,0.85)';
        context.fillRect(x + 2 * ratio, top + 2 * ratio, labelWidth + 2 * ratio, 13 * ratio);
        context.fillStyle = '#3d444d';
        context.fillText(marker.label, x + 3 * ratio, top + 3 * ratio);
        labelEnd = x + 3 * ratio + labelWidth + 6 * ratio;
      }
    }
    context.setLineDash([]);
  });
}

/** Draws one expectation; returns where its left edge is, or null when it is out of view. */
function drawExpectation(chart: uPlot, mark: ExpectationMark, overlay: Overlay): ExpectationProbe | null {
  const ratio = pixelRatio();
  const { top, height, left, width } = chart.bbox;
  let x0 = chart.valToPos(mark.fromMs, 'x', true);
  let x1 = chart.valToPos(mark.toMs, 'x', true);
  if (x1 < left || x0 > left + width) return null;
  const colour = expectationColour(mark);
  // An instant (`at: 5.4s`) gets a narrow window so that it shows.
  if (x1 - x0 < 6 * ratio) {
    const centre = (x0 + x1) / 2;
    x0 = centre - 3 * ratio;
    x1 = centre + 3 * ratio;
  }
  if (!overlay.hasValueScale) return drawExpectationBar(chart, mark, overlay, x0, x1);
  let probe: ExpectationProbe | null = null;
  withClip(chart, (context) => {
    context.fillStyle = withAlpha(colour, mark.passed ? 0.08 : 0.12);
    context.fillRect(x0, top, x1 - x0, height);
    context.strokeStyle = colour;
    context.lineWidth = 2 * ratio;
    context.setLineDash(mark.passed ? [6 * ratio, 3 * ratio] : []);
    for (const x of [x0, x1]) {
      context.beginPath();
      context.moveTo(x, top);
      context.lineTo(x, top + height);
      context.stroke();
    }
    context.setLineDash([]);
    for (const bound of [mark.min, mark.max]) {
      if (bound === null) continue;
      const y = chart.valToPos(bound, 'y', true);
      context.beginPath();
      context.moveTo(x0 - 6 * ratio, y);
      context.lineTo(x1 + 6 * ratio, y);
      context.stroke();
    }
    if (!mark.passed && mark.observedValue !== null) drawObserved(chart, context, mark, overlay.unit, (x0 + x1) / 2);
    const visibleX0 = Math.max(x0, left);
    probe = { xCss: (visibleX0 + (visibleX0 === x0 ? 0 : 1)) / ratio, yCss: (top + height / 2) / ratio };
  });
  return probe;
}

/** Height of one expectation's bar on a chart without a value scale (the timeline), CSS px. */
export const EXPECTATION_BAR_PX = 16;

/** On the timeline, an expectation is a labelled bar in its own row at the bottom, so it covers nothing. */
function drawExpectationBar(chart: uPlot, mark: ExpectationMark, overlay: Overlay, x0: number, x1: number): ExpectationProbe | null {
  const ratio = pixelRatio();
  const { top, height, left, width } = chart.bbox;
  const row = overlay.expectations.indexOf(mark);
  const rowsFromBottom = overlay.expectations.length - row;
  const y = top + height - rowsFromBottom * EXPECTATION_BAR_PX * ratio;
  const from = Math.max(x0, left);
  const to = Math.min(x1, left + width);
  const colour = expectationColour(mark);
  let probe: ExpectationProbe | null = null;
  withClip(chart, (context) => {
    context.fillStyle = withAlpha(colour, 0.16);
    context.fillRect(from, y + ratio, to - from, (EXPECTATION_BAR_PX - 2) * ratio);
    context.fillStyle = colour;
    context.fillRect(from, y + ratio, 3 * ratio, (EXPECTATION_BAR_PX - 2) * ratio);
    context.fillRect(Math.max(from, to - 3 * ratio), y + ratio, 3 * ratio, (EXPECTATION_BAR_PX - 2) * ratio);
    context.font = `${11.5 * ratio}px system-ui, sans-serif`;
    context.textBaseline = 'middle';
    const text = `${mark.passed ? '✓' : '✗'} ${mark.label}${mark.passed ? '' : `: observed ${mark.observed}`}`;
    // A bar near the right edge with no room for its label writes it leftwards, ending at the bar's end.
    const fitsRightwards = from + 6 * ratio + context.measureText(text).width <= left + width;
    context.textAlign = fitsRightwards ? 'left' : 'right';
    context.fillText(text, fitsRightwards ? from + 6 * ratio : to - 6 * ratio, y + (EXPECTATION_BAR_PX * ratio) / 2 + ratio);
    probe = { xCss: (from + ratio) / ratio, yCss: (y + (EXPECTATION_BAR_PX * ratio) / 2) / ratio };
  });
  return probe;
}

function drawObserved(chart: uPlot, context: CanvasRenderingContext2D, mark: ExpectationMark, unit: string, fallbackX: number): void {
  const ratio = pixelRatio();
  const x = mark.observedAtMs === null ? fallbackX : chart.valToPos(mark.observedAtMs, 'x', true);
  const y = chart.valToPos(mark.observedValue!, 'y', true);
  context.fillStyle = FAIL_COLOUR;
  context.beginPath();
  context.arc(x, y, 4.5 * ratio, 0, 2 * Math.PI);
  context.fill();
  const text = `✗ observed ${formatValue(mark.observedValue, unit)}`;
  context.font = `bold ${12 * ratio}px system-ui, sans-serif`;
  const textWidth = context.measureText(text).width;
  const { left, width, top } = chart.bbox;
  const textX = Math.min(x + 8 * ratio, left + width - textWidth - 4 * ratio);
  const textY = Math.max(top + 16 * ratio, y - 8 * ratio);
  context.fillStyle = 'rgba(255,255,255,0.9)';
  context.fillRect(textX - 2 * ratio, textY - 11 * ratio, textWidth + 4 * ratio, 15 * ratio);
  context.fillStyle = FAIL_COLOUR;
  context.textBaseline = 'alphabetic';
  context.textAlign = 'left';
  context.fillText(text, textX, textY);
}

/** What sits under the cursor at `atMs` (within `slopMs`): marker details, expectations, periods; one line each. */
export function describeAt(atMs: number, slopMs: number, overlay: Overlay): string[] {
  const lines: string[] = [];
  for (const marker of overlay.markers) {
    if (Math.abs(marker.atMs - atMs) <= slopMs) lines.push(`▏${formatMs(marker.atMs)}: ${marker.detail}`);
  }
  for (const mark of overlay.expectations) {
    if (atMs >= mark.fromMs - slopMs && atMs <= mark.toMs + slopMs) {
      lines.push(`${mark.passed ? '✓' : '✗'} ${mark.label}: expected ${mark.expected}, observed ${mark.observed} (${formatMs(mark.fromMs)}–${formatMs(mark.toMs)})`);
    }
  }
  for (const span of overlay.spans) {
    if (atMs >= span.fromMs && atMs <= span.toMs) lines.push(`${span.label} (${span.kind}) ${formatMs(span.fromMs)}–${formatMs(span.toMs)}`);
  }
  return lines;
}

