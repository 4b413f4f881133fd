// The page script of a run's HTML report: draws each run of the embedded { runs: RunPageData[] }
// (header, timeline, peer states, panels, datagram fates, sequence diagram) on one shared time
// axis per run, and publishes what it drew as window.enetsimReport for the browser tests.
import type uPlot from 'uplot';
import type { ExpectationMark, PanelId, RunPageData } from '../run-page-data.js';
import type { EnetsimReportHooks, RunDrawing } from '../run-page-hooks.js';
import { SharedTimeAxis } from './axis.js';
import { createChart, type ChartContext, type ChartSpec } from './charts.js';
import { readPageData } from './data.js';
import { element, formatMs } from './format.js';
import { renderHeader } from './header.js';
import { expectationColour } from './overlay.js';
import { stateColour } from './palette.js';
import { fatesSpec, panelSpec } from './panels.js';
import { SequenceDiagram } from './sequence.js';
import { statesSeen, statesSpec, timelineSpec } from './strips.js';
import { PAGE_CSS } from './styles.js';

declare global {
  interface Window {
    enetsimReport: EnetsimReportHooks;
  }
}

const page = readPageData<{ runs: RunPageData[] }>();
const style = document.createElement('style');
style.textContent = PAGE_CSS;
document.head.append(style);
const hooks: EnetsimReportHooks = { runs: [] };
window.enetsimReport = hooks;
const resizers: (() => void)[] = [];
page.runs.forEach((run, index) => hooks.runs.push(renderRun(run, index)));
let resizeFrame = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(() => resizers.forEach((resize) => resize()));
});

function renderRun(run: RunPageData, runIndex: number): RunDrawing {
  const section = element('section', 'run');
  section.dataset['runIndex'] = String(runIndex);
  document.body.append(section);
  const [fullMinMs, fullMaxMs] = run.timeRangeMs;
  const axis = new SharedTimeAxis(fullMinMs, fullMaxMs);
  const zoomTo = (fromMs: number, toMs: number): void => axis.set(fromMs, toMs);
  renderHeader(section, run, zoomTo);

  const toolbar = element('div', 'toolbar');
  const rangeText = element('span', 'range');
  const reset = element('button', 'reset', 'Show the whole run');
  reset.type = 'button';
  reset.addEventListener('click', () => axis.reset());
  toolbar.append(rangeText, reset, element('span', 'hint', 'Zoom: drag across a chart, or Ctrl + wheel · pan: shift-drag or sideways wheel · reset: double-click'));
  section.append(toolbar);
  if (run.bounds.downsampled) {
    section.append(element('p', 'notice', `Series longer than ${run.bounds.pointsPerSeriesMax} points are downsampled (each bucket keeps its lowest and highest value).`));
  }

  const panelIds = new Set<string>(run.panels.map((panel) => panel.id));
  const chartOf = (mark: ExpectationMark): string => (mark.panel !== null && panelIds.has(mark.panel) ? mark.panel : 'timeline');
  const expectationsOn = (chart: string): ExpectationMark[] => run.expectations.filter((mark) => chartOf(mark) === chart);
  const drawing: RunDrawing = {
    scenario: run.header.scenario,
    passed: run.header.passed,
    charts: [],
    panels: {},
    xRanges: {},
    xRange: [fullMinMs, fullMaxMs],
    expectations: run.expectations.map((mark) => ({ label: mark.label, passed: mark.passed, colour: expectationColour(mark), chart: chartOf(mark), probe: null })),
    states: { rows: 0, rowsLeftOut: 0, bands: 0 },
    sequence: { fromMs: 0, toMs: 0, followsZoom: false, arrows: 0, dropped: 0, retransmissions: 0, collapsedGaps: 0 },
  };
  const context: ChartContext = {
    axis,
    syncKey: `run-${runIndex}`,
    overlay: { spans: run.spans, markers: run.markers },
    probeSink: (mark, probe) => {
      const entry = drawing.expectations[run.expectations.indexOf(mark)];
      if (entry !== undefined) entry.probe = probe;
    },
    widthPx: () => section.clientWidth,
  };
  const charts: { id: string; chart: uPlot; wrapper: HTMLElement }[] = [];
  const add = (spec: ChartSpec, parent: HTMLElement = section): HTMLElement => {
    const { chart, wrapper } = createChart(parent, spec, context);
    charts.push({ id: spec.id, chart, wrapper });
    drawing.charts.push(spec.id);
    return wrapper;
  };

  add(timelineSpec(run.spans, run.timeRangeMs, expectationsOn('timeline')));
  if (run.peers.length > 0) {
    const states = statesSpec(run.peers, run.timeRangeMs);
    drawing.states = states.summary;
    const wrapper = add(states.spec);
    const legend = element('div', 'state-legend');
    for (const state of statesSeen(run.peers)) {
      const swatch = element('span', undefined, state);
      swatch.style.setProperty('--swatch', stateColour(state));
      legend.append(swatch);
    }
    wrapper.append(legend);
  }
  for (const panel of run.panels) {
    const { spec, summary } = panelSpec(panel, run.timeRangeMs, expectationsOn(panel.id as PanelId));
    drawing.panels[panel.id] = summary;
    add(spec);
  }
  if (run.fates.series.length > 0) {
    const { spec, summary } = fatesSpec(run.fates, run.timeRangeMs, []);
    drawing.panels['fates'] = summary;
    add(spec);
  }
  const sequence = new SequenceDiagram(section, run.sequence, zoomTo, () => section.clientWidth);

  const announce = (minMs: number, maxMs: number): void => {
    drawing.xRange = [minMs, maxMs];
    rangeText.textContent = `Showing ${formatMs(minMs)} – ${formatMs(maxMs)} of ${formatMs(fullMaxMs - fullMinMs)}`;
    for (const { id, chart, wrapper } of charts) {
      const { min, max } = chart.scales['x']!;
      drawing.xRanges[id] = [min ?? Number.NaN, max ?? Number.NaN];
      wrapper.dataset['xMin'] = String(min);
      wrapper.dataset['xMax'] = String(max);
    }
    sequence.update(minMs, maxMs);
    drawing.sequence = sequence.summary;
  };
  axis.onChange(announce);
  announce(axis.minMs, axis.maxMs);
  resizers.push(() => {
    for (const { chart } of charts) chart.setSize({ width: section.clientWidth, height: chart.height });
    sequence.update(axis.minMs, axis.maxMs);
  });
  return drawing;
}
