// The page script of a sweep's HTML report: draws the sweep charts from the data the report embeds
// (src/report/sweep-page-data.ts) and records what it drew in window.enetsimSweepReport for tests.
import { readPageData } from './data.js';
import { curveChart } from './sweep-curves.js';
import { heatmapChart, whiskerChart } from './sweep-svg.js';
import type { MeasureCharts, SweepPageData } from '../sweep-page-data.js';

/** What the page drew, for a browser test to compare with the data. */
interface DrawnChart {
  id: string;
  kind: 'estimates' | 'differences' | 'heatmap' | 'curves';
  /** Rows (estimates, differences), cells (heatmap) or median series (curves). */
  count: number;
  /** Marks drawn: dots (estimates, differences), cells (heatmap), series (curves). */
  drawn: number;
}

declare global {
  interface Window {
    enetsimSweepReport?: { format: string; charts: DrawnChart[] };
  }
}

const VERDICT_COLORS: Record<string, string> = { better: '#1a7f37', worse: '#cf222e' };

function element<K extends keyof HTMLElementTagNameMap>(name: K, className: string | null, text?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(name);
  if (className !== null) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

/** A variant's row label: its values (the axis names are in the caption), or "(single variant)". */
function shortLabel(data: SweepPageData, label: string): string {
  const variant = data.variants.find((each) => each.label === label);
  if (variant === undefined || data.axes.length === 0) return label;
  return data.axes.map((axis) => variant.key[axis.name] ?? '?').join(' · ');
}

function verdictWord(verdict: string): string {
  return verdict === 'no significant difference' ? 'no sig. difference' : verdict;
}

/** The heatmap's colour key: which printed values the lightest and darkest cells hold. */
function heatRange(measure: MeasureCharts): string {
  const heatmap = measure.heatmap!;
  const cells = heatmap.cells.flatMap((row, rowIndex) => row.flatMap((value, columnIndex) => (value === null ? [] : [{ value, text: heatmap.texts[rowIndex]![columnIndex]! }])));
  if (cells.length === 0) return 'no values';
  const sorted = [...cells].sort((a, b) => a.value - b.value);
  const [worst, best] = measure.better === 'higher' ? [sorted[0]!, sorted.at(-1)!] : [sorted.at(-1)!, sorted[0]!];
  if (worst.text === best.text) return `every cell ${best.text}`;
  return `darker is better: lightest ${worst.text}, darkest ${best.text}`;
}

function figure(id: string, kind: DrawnChart['kind'], caption: string): HTMLElement {
  const made = element('figure', 'chart-box');
  made.dataset['chartId'] = id;
  made.dataset['chartKind'] = kind;
  made.append(element('figcaption', null, caption));
  return made;
}

function header(data: SweepPageData): HTMLElement {
  const top = element('header', null);
  top.append(element('h1', null, data.header.title));
  const facts = element('p', 'facts');
  const scenario = data.header.scenarioFile === null ? `${data.header.scenario} (inline scenario)` : `${data.header.scenario} (${data.header.scenarioFile})`;
  const parts = [`scenario ${scenario}`, data.header.sweepFile === null ? 'quick form (--set)' : `sweep file ${data.header.sweepFile}`, `${data.variants.length} variants × ${data.header.seeds.length} seeds (${data.header.seedsText})`];
  if (data.header.weather !== null) parts.push(`weather ${data.header.weather}`);
  facts.textContent = parts.join(' · ');
  const passedText = data.requirements.length === 0 ? 'every run finished (no requirements)' : 'requirements hold';
  const status = element('span', data.header.passed ? 'status pass' : 'status fail', data.header.passed ? passedText : data.header.stoppedCount > 0 ? `${data.header.stoppedCount} runs stopped at a limit` : 'a requirement fails');
  facts.append(' · ', status);
  top.append(facts);
  const reproduce = element('p', 'reproduce', 'reproduce: ');
  reproduce.append(element('code', null, data.header.reproduce));
  top.append(reproduce);
  top.append(legend(data));
  return top;
}

/** Each variant's colour and label. */
function legend(data: SweepPageData): HTMLElement {
  const list = element('ul', 'legend');
  for (const variant of data.variants) {
    const item = element('li', null);
    const swatch = element('span', 'swatch');
    swatch.style.background = variant.color;
    item.append(swatch, `${variant.label}${data.variants.some((other) => other.baseline === variant.label) ? ' (baseline)' : ''}`);
    list.append(item);
  }
  return list;
}

function measureSection(data: SweepPageData, measure: MeasureCharts, measureIndex: number, drawn: DrawnChart[]): HTMLElement {
  const section = element('section', 'measure');
  section.append(element('h2', null, `${measure.name}`), element('p', 'note', `unit: ${measure.unit}; ${measure.better} is better`));
  const row = element('div', 'row');
  const colorOf = new Map(data.variants.map((variant) => [variant.label, variant.color]));
  const estimatesId = `m${measureIndex}-estimates`;
  const rowsAre = data.axes.length === 0 ? '' : ` (rows: ${data.axes.map((axis) => axis.name).join(' · ')})`;
  const estimates = figure(estimatesId, 'estimates', `mean per variant${rowsAre}; whisker: 95 % confidence interval (Student t)`);
  const drawnEstimates = whiskerChart({
    id: estimatesId,
    kind: 'estimates',
    axisTitle: `${measure.name} (${measure.unit})`,
    zeroLine: false,
    rows: measure.estimates.map((estimate) => ({
      label: shortLabel(data, estimate.variant),
      color: colorOf.get(estimate.variant) ?? '#333333',
      value: estimate.mean,
      low: estimate.ciLow,
      high: estimate.ciHigh,
      text: estimate.mean === null ? `no value (never in ${estimate.missing})` : estimate.text,
      textColor: null,
      title: `${estimate.variant}: ${estimate.text}`,
    })),
  });
  estimates.append(drawnEstimates.svg);
  estimates.dataset['rowCount'] = String(measure.estimates.length);
  estimates.dataset['pointCount'] = String(drawnEstimates.pointCount);
  drawn.push({ id: estimatesId, kind: 'estimates', count: measure.estimates.length, drawn: drawnEstimates.pointCount });
  row.append(estimates);
  if (measure.differences.length > 0) {
    const differencesId = `m${measureIndex}-differences`;
    const baselines = [...new Set(measure.differences.map((difference) => difference.baseline))];
    const against = baselines.length <= 3 ? baselines.map((label) => shortLabel(data, label)).join(' or ') : 'its baseline';
    const differences = figure(differencesId, 'differences', `paired difference, variant − baseline (${against}) seed by seed; whisker: 95 % CI`);
    const drawnDifferences = whiskerChart({
      id: differencesId,
      kind: 'differences',
      axisTitle: `difference (${measure.unit}); ${measure.better} is better`,
      zeroLine: true,
      rows: measure.differences.map((difference) => ({
        label: shortLabel(data, difference.variant),
        color: colorOf.get(difference.variant) ?? '#333333',
        value: difference.meanDifference,
        low: difference.ciLow,
        high: difference.ciHigh,
        text: difference.meanDifference === null ? `${difference.verdict} (${difference.pairs} pairs)` : `${difference.text.slice(difference.text.indexOf(': ') + 2).replace(/, \d+\/\d+\/\d+ w\/t\/l of \d+ pairs$/, '')} ${verdictWord(difference.verdict)}`,
        textColor: VERDICT_COLORS[difference.verdict] ?? null,
        title: `${difference.variant} against ${difference.baseline}: ${difference.text}`,
      })),
    });
    differences.append(drawnDifferences.svg);
    differences.dataset['rowCount'] = String(measure.differences.length);
    differences.dataset['pointCount'] = String(drawnDifferences.pointCount);
    drawn.push({ id: differencesId, kind: 'differences', count: measure.differences.length, drawn: drawnDifferences.pointCount });
    row.append(differences);
  }
  if (measure.heatmap !== null) {
    const heatmapId = `m${measureIndex}-heatmap`;
    const heatmap = figure(heatmapId, 'heatmap', `mean per ${measure.heatmap.rowAxis} (rows) × ${measure.heatmap.columnAxis} (columns); ${heatRange(measure)}`);
    const drawnHeatmap = heatmapChart({ ...measure.heatmap, better: measure.better });
    heatmap.append(drawnHeatmap.svg);
    heatmap.dataset['cellCount'] = String(drawnHeatmap.cellCount);
    drawn.push({ id: heatmapId, kind: 'heatmap', count: measure.heatmap.rows.length * measure.heatmap.columns.length, drawn: drawnHeatmap.cellCount });
    row.append(heatmap);
  }
  section.append(row);
  return section;
}

function curvesSection(data: SweepPageData, drawn: DrawnChart[]): HTMLElement {
  const section = element('section', 'curves');
  section.append(element('h2', null, 'Throttle and round-trip time over time'));
  if (data.curves === null) {
    section.append(element('p', 'note', 'no curves: the runs have no peer to follow (no measure names one and the timeline opens no connection)'));
    return section;
  }
  const curves = data.curves;
  section.append(element('p', 'note', `peer ${curves.subject} (the host's view of that peer), sampled every ${curves.gridMs} ms (the last statistics sample at each instant; a run's curve ends when its peer stops reporting); line: ${curves.bandText}`));
  section.append(legend(data));
  const widthPx = Math.max(480, Math.min(1180, document.documentElement.clientWidth - 64));
  for (const panel of curves.panels) {
    const id = `curves-${panel.id}`;
    const box = figure(id, 'curves', `${panel.title}: ${panel.statistic} (${panel.unit})`);
    section.append(box);
    const { seriesCount } = curveChart(box, panel, curves, data.variants, widthPx);
    box.dataset['seriesCount'] = String(seriesCount);
    box.dataset['pointCount'] = String(curves.timesMs.length);
    drawn.push({ id, kind: 'curves', count: panel.series.length, drawn: seriesCount });
  }
  return section;
}

function requirementsSection(data: SweepPageData): HTMLElement | null {
  if (data.requirements.length === 0) return null;
  const section = element('section', 'requirements');
  section.append(element('h2', null, 'Requirements'));
  const list = element('ul', null);
  for (const requirement of data.requirements) {
    const item = element('li', requirement.holds ? 'pass' : 'fail', `${requirement.holds ? '✓ holds' : '✗ FAILS'}  ${requirement.requirement}: ${requirement.detail}`);
    list.append(item);
  }
  section.append(list);
  return section;
}

const data = readPageData<SweepPageData>();
const drawn: DrawnChart[] = [];
const main = element('main', null);
document.body.append(main);
main.append(header(data));
data.measures.forEach((measure, index) => main.append(measureSection(data, measure, index, drawn)));
main.append(curvesSection(data, drawn));
const requirements = requirementsSection(data);
if (requirements !== null) main.append(requirements);
window.enetsimSweepReport = { format: data.format, charts: drawn };
document.body.dataset['ready'] = 'true';
