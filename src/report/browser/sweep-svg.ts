// The sweep report's static charts, drawn as SVG: a dot-and-whisker chart (a value and its interval
// per row) and a heatmap. SVG rather than uPlot: these charts have one row per variant and a
// categorical axis, which uPlot (built for time series) does not draw; a few dozen elements each,
// crisp at any zoom, and every mark carries data-* attributes a test can count.

import type { Heatmap } from '../sweep-page-data.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svgElement<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function withTitle<E extends SVGElement>(element: E, title: string): E {
  element.append(svgElement('title', {}, title));
  return element;
}

/** Evenly spaced round tick values (steps of 1, 2 or 5 × 10^k) covering [low, high]. */
export function niceTicks(low: number, high: number, targetCount = 5): number[] {
  if (!(high > low)) {
    const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
    return niceTicks(low - pad, high + pad, targetCount);
  }
  const rough = (high - low) / targetCount;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? 10 * power;
  const ticks: number[] = [];
  // Rounded to 12 digits (and -0 to 0) so 0.1 + 0.2 prints as 0.3 and zero never as "-0.00".
  const clean = (value: number) => Number(value.toPrecision(12)) + 0;
  for (let value = Math.floor(low / step) * step; value <= high + step * 1e-9; value += step) ticks.push(Math.abs(value) < step * 1e-9 ? 0 : clean(value));
  if (ticks[0]! > low) ticks.unshift(clean(ticks[0]! - step));
  if (ticks.at(-1)! < high) ticks.push(clean(ticks.at(-1)! + step));
  return ticks;
}

/** The most ticks (5 at most) whose labels fit side by side in `widthPx`, allowing 7.5 px a character. */
function fittingTicks(low: number, high: number, widthPx: number): number[] {
  let ticks = niceTicks(low, high, 5);
  for (let target = 4; target >= 2; target--) {
    const labelChars = Math.max(...ticks.map((tick) => tickText(tick, ticks).length));
    if (labelChars * 7.5 + 8 <= widthPx / (ticks.length - 1)) break;
    ticks = niceTicks(low, high, target);
  }
  return ticks;
}

/** A tick label: as many decimals as the step needs, no more. */
export function tickText(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(decimals);
}

export interface WhiskerRow {
  label: string;
  color: string;
  value: number | null;
  low: number | null;
  high: number | null;
  /** Printed at the row's right end. */
  text: string;
  /** Colour of the printed text (a verdict's), or null for the default. */
  textColor: string | null;
  /** The mark's tooltip. */
  title: string;
}

export interface WhiskerChart {
  id: string;
  kind: string;
  axisTitle: string;
  rows: WhiskerRow[];
  /** Draw a line at zero and keep it in view (paired differences). */
  zeroLine: boolean;
}

const ROW_HEIGHT_PX = 24;
const PLOT_WIDTH_PX = 220;
const TOP_PX = 8;
/** Rough widths of a character of the row labels and of the printed values (12 px and 11.5 px system fonts). */
const LABEL_CHAR_PX = 7;
const VALUE_CHAR_PX = 6.3;
const LABEL_CHARS_MAX = 30;
const VALUE_CHARS_MAX = 52;
const AXIS_HEIGHT_PX = 40;

function shortened(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/** One row per entry: a dot at the value and a whisker from low to high; rows without a value say "no value". Returns the svg and the count of dots drawn. */
export function whiskerChart(chart: WhiskerChart): { svg: SVGSVGElement; pointCount: number } {
  const heightPx = TOP_PX + chart.rows.length * ROW_HEIGHT_PX + AXIS_HEIGHT_PX;
  const LABEL_WIDTH_PX = 16 + LABEL_CHAR_PX * Math.min(LABEL_CHARS_MAX, Math.max(4, ...chart.rows.map((row) => row.label.length)));
  const TEXT_WIDTH_PX = 14 + VALUE_CHAR_PX * Math.min(VALUE_CHARS_MAX, Math.max(4, ...chart.rows.map((row) => row.text.length)));
  const widthPx = Math.ceil(LABEL_WIDTH_PX + PLOT_WIDTH_PX + TEXT_WIDTH_PX);
  const svg = svgElement('svg', { width: widthPx, height: heightPx, viewBox: `0 0 ${widthPx} ${heightPx}`, class: 'chart', role: 'img' });
  const extent: number[] = chart.zeroLine ? [0] : [];
  for (const row of chart.rows) for (const value of [row.value, row.low, row.high]) if (value !== null) extent.push(value);
  const ticks = extent.length === 0 ? [0, 1] : fittingTicks(Math.min(...extent), Math.max(...extent), PLOT_WIDTH_PX);
  const low = ticks[0]!;
  const high = ticks.at(-1)!;
  const x = (value: number) => LABEL_WIDTH_PX + ((value - low) / (high - low)) * PLOT_WIDTH_PX;
  const bottomPx = TOP_PX + chart.rows.length * ROW_HEIGHT_PX;
  for (const tick of ticks) {
    svg.append(svgElement('line', { x1: x(tick), x2: x(tick), y1: TOP_PX, y2: bottomPx, class: 'grid' }));
    svg.append(svgElement('text', { x: x(tick), y: bottomPx + 14, 'text-anchor': 'middle', class: 'tick' }, tickText(tick, ticks)));
  }
  svg.append(svgElement('text', { x: LABEL_WIDTH_PX + PLOT_WIDTH_PX / 2, y: bottomPx + 32, 'text-anchor': 'middle', class: 'axis-title' }, chart.axisTitle));
  if (chart.zeroLine) svg.append(svgElement('line', { x1: x(0), x2: x(0), y1: TOP_PX, y2: bottomPx, class: 'zero', 'data-zero-line': '' }));
  let pointCount = 0;
  chart.rows.forEach((row, index) => {
    const y = TOP_PX + index * ROW_HEIGHT_PX + ROW_HEIGHT_PX / 2;
    if (index % 2 === 1) svg.append(svgElement('rect', { x: 0, y: y - ROW_HEIGHT_PX / 2, width: widthPx, height: ROW_HEIGHT_PX, class: 'stripe' }));
    svg.append(withTitle(svgElement('text', { x: LABEL_WIDTH_PX - 8, y: y + 4, 'text-anchor': 'end', class: 'row-label' }, shortened(row.label, LABEL_CHARS_MAX)), row.title));
    if (row.value !== null) {
      const group = svgElement('g', { class: 'mark', 'data-variant': row.label, 'data-value': row.value });
      if (row.low !== null && row.high !== null) {
        group.append(svgElement('line', { x1: x(row.low), x2: x(row.high), y1: y, y2: y, stroke: row.color, class: 'whisker' }));
        for (const end of [row.low, row.high]) group.append(svgElement('line', { x1: x(end), x2: x(end), y1: y - 5, y2: y + 5, stroke: row.color, class: 'whisker' }));
      }
      group.append(svgElement('circle', { cx: x(row.value), cy: y, r: 4.5, fill: row.color, class: 'dot' }));
      svg.append(withTitle(group, row.title));
      pointCount++;
    }
    const text = svgElement('text', { x: LABEL_WIDTH_PX + PLOT_WIDTH_PX + 10, y: y + 4, class: 'row-value' }, shortened(row.text, VALUE_CHARS_MAX));
    if (row.textColor !== null) text.setAttribute('fill', row.textColor);
    svg.append(withTitle(text, row.title));
  });
  return { svg, pointCount };
}

export interface HeatmapChart extends Heatmap {
  better: 'higher' | 'lower';
}

const CELL_HEIGHT_PX = 34;
const CELL_WIDTH_MIN_PX = 84;

/** Mixes two #rrggbb colours: t = 0 gives `from`, 1 gives `to`. */
function mix(from: string, to: string, t: number): string {
  const channel = (color: string, at: number) => parseInt(color.slice(at, at + 2), 16);
  const parts = [1, 3, 5].map((at) => Math.round(channel(from, at) + (channel(to, at) - channel(from, at)) * t));
  return `#${parts.map((part) => part.toString(16).padStart(2, '0')).join('')}`;
}

const HEAT_LIGHT = '#f2f7ee';
const HEAT_DARK = '#1b6b3a';

/** Rows × columns of cells, each coloured by its value (darker is better) with the value printed in it. Returns the svg and the count of cells. */
export function heatmapChart(chart: HeatmapChart): { svg: SVGSVGElement; cellCount: number } {
  const labelWidthPx = Math.min(180, 24 + 7 * Math.max(chart.rowAxis.length + 2, ...chart.rows.map((row) => row.length)));
  const cellWidthPx = Math.max(CELL_WIDTH_MIN_PX, 16 + 7 * Math.max(...chart.columns.map((column) => Math.min(24, column.length)), ...chart.texts.flat().map((text) => text.length)));
  const topPx = 44;
  const widthPx = labelWidthPx + cellWidthPx * chart.columns.length + 8;
  const heightPx = topPx + CELL_HEIGHT_PX * chart.rows.length + 8;
  const svg = svgElement('svg', { width: widthPx, height: heightPx, viewBox: `0 0 ${widthPx} ${heightPx}`, class: 'chart heatmap', role: 'img' });
  const values = chart.cells.flat().filter((value): value is number => value !== null);
  // Cells that all print the same differ below the printed precision: one shade, not a scale that
  // would make 145.8 ms look far from 146.1 ms.
  const printed = new Set(chart.texts.flatMap((row, rowIndex) => row.filter((_, columnIndex) => chart.cells[rowIndex]![columnIndex] !== null)));
  const lowest = values.length === 0 || printed.size <= 1 ? 0 : Math.min(...values);
  const highest = values.length === 0 || printed.size <= 1 ? 0 : Math.max(...values);
  // Axis names can be long override paths (the quick form): shortened to fit, the whole name in the tooltip and the caption.
  const columnsWidthPx = cellWidthPx * chart.columns.length;
  svg.append(withTitle(svgElement('text', { x: labelWidthPx + columnsWidthPx / 2, y: 14, 'text-anchor': 'middle', class: 'axis-title' }, `${shortened(chart.columnAxis, Math.floor(columnsWidthPx / 7) - 2)} →`), chart.columnAxis));
  svg.append(withTitle(svgElement('text', { x: labelWidthPx - 8, y: topPx - 8, 'text-anchor': 'end', class: 'axis-title' }, `${shortened(chart.rowAxis, Math.floor((labelWidthPx - 8) / 7) - 2)} ↓`), chart.rowAxis));
  chart.columns.forEach((column, index) => {
    svg.append(withTitle(svgElement('text', { x: labelWidthPx + (index + 0.5) * cellWidthPx, y: topPx - 8, 'text-anchor': 'middle', class: 'tick' }, shortened(column, 24)), column));
  });
  let cellCount = 0;
  chart.rows.forEach((row, rowIndex) => {
    const y = topPx + rowIndex * CELL_HEIGHT_PX;
    svg.append(withTitle(svgElement('text', { x: labelWidthPx - 8, y: y + CELL_HEIGHT_PX / 2 + 4, 'text-anchor': 'end', class: 'row-label' }, shortened(row, 22)), row));
    chart.columns.forEach((column, columnIndex) => {
      const value = chart.cells[rowIndex]![columnIndex]!;
      let fill = '#e6e6e6';
      let dark = false;
      if (value !== null) {
        // Every cell equal: one middle shade, since none is better than another.
        const share = highest > lowest ? (value - lowest) / (highest - lowest) : 0.5;
        const goodness = highest > lowest ? (chart.better === 'higher' ? share : 1 - share) : 0.5;
        fill = mix(HEAT_LIGHT, HEAT_DARK, 0.1 + 0.9 * goodness);
        dark = goodness > 0.55;
      }
      const x = labelWidthPx + columnIndex * cellWidthPx;
      const cell = svgElement('g', { class: 'cell', 'data-row': row, 'data-column': column, 'data-value': value === null ? '' : value });
      cell.append(svgElement('rect', { x, y, width: cellWidthPx - 2, height: CELL_HEIGHT_PX - 2, fill, rx: 3 }));
      cell.append(svgElement('text', { x: x + (cellWidthPx - 2) / 2, y: y + CELL_HEIGHT_PX / 2 + 4, 'text-anchor': 'middle', class: dark ? 'cell-text dark' : 'cell-text' }, chart.texts[rowIndex]![columnIndex]!));
      svg.append(withTitle(cell, `${chart.rowAxis}=${row}, ${chart.columnAxis}=${column}: ${chart.texts[rowIndex]![columnIndex]!}`));
      cellCount++;
    });
  });
  return { svg, cellCount };
}
