// The two strips above the panels, on the same time axis: the timeline (periods as labelled bars,
// actions as labelled lines, expectations that belong to no panel) and the peers' states (a row per
// host's view of a peer, a coloured band per Godot STATE_*).
import type uPlot from 'uplot';
import type { ExpectationMark, PeerRow, TimeSpan } from '../run-page-data.js';
import type { StatesSummary } from '../run-page-hooks.js';
import type { ChartSpec } from './charts.js';
import { formatMs } from './format.js';
import { EXPECTATION_BAR_PX } from './overlay.js';
import { spanEdge, stateColour, stateTextColour } from './palette.js';

const MARKER_ROW_PX = 22;
const SPAN_LANE_PX = 18;
const PEER_ROW_PX = 24;
/** Peer rows drawn at most (a 256-host lobby has thousands); the page says how many it left out. */
export const PEER_ROWS_MAX = 64;
const X_AXIS_PX = 30;

/** Greedy lanes: each span goes in the first lane where it does not overlap the previous span. */
function spanLanes(spans: TimeSpan[]): number[] {
  const laneEnds: number[] = [];
  return spans.map((span) => {
    let lane = laneEnds.findIndex((endMs) => endMs <= span.fromMs);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(span.toMs);
    } else laneEnds[lane] = span.toMs;
    return lane;
  });
}

function ratio(): number {
  return window.devicePixelRatio || 1;
}

/** A row's y in canvas px: rows stack down from the plot's top. */
function rowTop(chart: uPlot, offsetCss: number): number {
  return chart.bbox.top + offsetCss * ratio();
}

function drawLabelledBar(chart: uPlot, x0: number, x1: number, y: number, heightCss: number, fill: string, text: string, textColour: string, edge: string | null, textMinX = 0): void {
  const context = chart.ctx;
  const pixel = ratio();
  const { left, width } = chart.bbox;
  const from = Math.max(x0, left);
  const to = Math.min(x1, left + width);
  if (to <= from) return;
  context.fillStyle = fill;
  context.fillRect(from, y, Math.max(pixel, to - from), heightCss * pixel);
  if (edge !== null) {
    context.strokeStyle = edge;
    context.lineWidth = pixel;
    context.strokeRect(from + pixel / 2, y + pixel / 2, Math.max(pixel, to - from) - pixel, heightCss * pixel - pixel);
  }
  context.font = `${11.5 * pixel}px system-ui, sans-serif`;
  context.textBaseline = 'middle';
  context.textAlign = 'left';
  const textWidth = context.measureText(text).width;
  const textX = Math.max(from + 4 * pixel, textMinX);
  if (textX + textWidth + 4 * pixel <= to) {
    context.fillStyle = textColour;
    context.fillText(text, textX, y + (heightCss * pixel) / 2);
  }
}

const emptyData = (timeRangeMs: [number, number]): uPlot.AlignedData => [timeRangeMs, [null, null]];

export function timelineSpec(spans: TimeSpan[], timeRangeMs: [number, number], expectations: ExpectationMark[]): ChartSpec {
  const lanes = spanLanes(spans);
  const laneCount = Math.max(1, ...lanes.map((lane) => lane + 1));
  const draw = (chart: uPlot): void => {
    // save/restore: uPlot remembers the font it last set, so a font left behind would leak into its axes.
    chart.ctx.save();
    spans.forEach((span, index) => {
      const y = rowTop(chart, MARKER_ROW_PX + lanes[index]! * SPAN_LANE_PX + 1);
      drawLabelledBar(chart, chart.valToPos(span.fromMs, 'x', true), chart.valToPos(span.toMs, 'x', true), y, SPAN_LANE_PX - 3, 'rgba(255,255,255,0.75)', span.label, '#1f2328', spanEdge(span.kind));
    });
    chart.ctx.restore();
  };
  return {
    id: 'timeline',
    title: 'Timeline',
    heightPx: MARKER_ROW_PX + laneCount * SPAN_LANE_PX + expectations.length * EXPECTATION_BAR_PX + X_AXIS_PX + 12,
    unit: '',
    series: [{ label: 'time' }, { label: 'timeline', show: true, points: { show: false } }],
    data: emptyData(timeRangeMs),
    expectations,
    hasValueScale: false,
    yRange: [0, 1],
    yValues: (splits) => splits.map(() => ''),
    showLegend: false,
    plugins: [{ hooks: { draw: [draw] } }],
  };
}

export function statesSpec(allPeers: PeerRow[], timeRangeMs: [number, number]): { spec: ChartSpec; summary: StatesSummary } {
  const peers = allPeers.slice(0, PEER_ROWS_MAX);
  const draw = (chart: uPlot): void => {
    const context = chart.ctx;
    const pixel = ratio();
    context.save();
    peers.forEach((peer, row) => {
      const y = rowTop(chart, row * PEER_ROW_PX + 2);
      // The row's name at the left edge of the plot; the states' names start after it.
      const label = peer.key;
      context.font = `600 ${11.5 * pixel}px system-ui, sans-serif`;
      const labelWidth = context.measureText(label).width;
      const labelX = chart.bbox.left + 4 * pixel;
      for (const band of peer.states) {
        drawLabelledBar(chart, chart.valToPos(band.fromMs, 'x', true), chart.valToPos(band.toMs, 'x', true), y, PEER_ROW_PX - 4, stateColour(band.state), band.state, stateTextColour(band.state), null, labelX + labelWidth + 8 * pixel);
      }
      context.font = `600 ${11.5 * pixel}px system-ui, sans-serif`;
      context.textBaseline = 'middle';
      context.textAlign = 'left';
      const yMiddle = y + ((PEER_ROW_PX - 4) * pixel) / 2;
      context.fillStyle = 'rgba(255,255,255,0.92)';
      context.fillRect(labelX - 2 * pixel, yMiddle - 8 * pixel, labelWidth + 4 * pixel, 16 * pixel);
      context.fillStyle = '#1f2328';
      context.fillText(label, labelX, yMiddle);
    });
    context.restore();
  };
  const describe = (_chart: uPlot, atMs: number, topCss: number): string[] => {
    const peer = peers[Math.floor(topCss / PEER_ROW_PX)];
    if (peer === undefined) return [];
    const band = peer.states.find((one) => atMs >= one.fromMs && atMs < one.toMs) ?? peer.states[peer.states.length - 1];
    if (band === undefined || atMs < band.fromMs) return [`${peer.key}: no state yet`];
    return [`${peer.key}: ${band.state} from ${formatMs(band.fromMs)} to ${formatMs(band.toMs)}`];
  };
  const spec: ChartSpec = {
    id: 'states',
    title: peers.length < allPeers.length ? `Peer states (the first ${peers.length} of ${allPeers.length} host–peer pairs)` : 'Peer states',
    heightPx: Math.max(1, peers.length) * PEER_ROW_PX + X_AXIS_PX + 12,
    unit: '',
    series: [{ label: 'time' }, { label: 'states', points: { show: false } }],
    data: emptyData(timeRangeMs),
    expectations: [],
    hasValueScale: false,
    labelMarkers: false,
    yRange: [0, 1],
    yValues: (splits) => splits.map(() => ''),
    showLegend: false,
    plugins: [{ hooks: { draw: [draw] } }],
    describe,
  };
  return { spec, summary: { rows: peers.length, rowsLeftOut: allPeers.length - peers.length, bands: peers.reduce((sum, peer) => sum + peer.states.length, 0) } };
}

/** The states that appear, in order of first appearance, for the legend under the strip. */
export function statesSeen(peers: PeerRow[]): string[] {
  const seen: string[] = [];
  for (const peer of peers) for (const band of peer.states) if (!seen.includes(band.state)) seen.push(band.state);
  return seen;
}
