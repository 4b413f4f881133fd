// The sweep's HTML report: one self-contained file (page script, uPlot and the data inlined) that
// draws each measure per variant with its interval, the paired differences against the baseline,
// a heatmap for a two-axis grid, and the variants' throttle/RTT curves. Deterministic: the same
// input gives the same bytes.
import { readAsset } from './assets.js';
import { renderHtmlPage } from './html/page.js';
import { sweepPageModel, type SweepModelInput } from './sweep-model.js';
import type { SweepPageData } from './sweep-page-data.js';

/** The HTML text of a sweep's report. */
export function renderSweepHtml(input: SweepModelInput): string {
  return renderSweepPage(sweepPageModel(input));
}

/** The page's own styles: a laptop-width column, system fonts, quiet chart furniture. */
const SWEEP_PAGE_CSS = `
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; }
main { max-width: 1280px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 2px; border-top: 1px solid #d8dee4; padding-top: 14px; }
.facts, .note { margin: 2px 0; color: #57606a; }
.reproduce code { background: #f6f8fa; padding: 2px 6px; border-radius: 4px; font-size: 12.5px; word-break: break-all; }
.status { font-weight: 600; }
.status.pass, li.pass { color: #1a7f37; }
.status.fail, li.fail { color: #cf222e; }
.legend { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; }
.row { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start; }
figure { margin: 8px 0 0; }
figure.chart-box { width: min-content; }
section.curves figure.chart-box { width: auto; }
figcaption { font-size: 12.5px; color: #57606a; margin-bottom: 2px; }
svg.chart text { font: 12px system-ui, sans-serif; fill: #1f2328; }
svg.chart .tick, svg.chart .axis-title { fill: #57606a; }
svg.chart .grid { stroke: #eaeef2; }
svg.chart .zero { stroke: #57606a; stroke-dasharray: 4 3; }
svg.chart .stripe { fill: #f6f8fa; }
svg.chart .whisker { stroke-width: 2; }
svg.chart .dot { stroke: #fff; stroke-width: 1; }
svg.chart .row-value { font-size: 11.5px; }
svg.chart .cell-text { font-weight: 600; }
svg.chart .cell-text.dark { fill: #fff; }
.readout { font-size: 12px; color: #57606a; min-height: 1.5em; font-variant-numeric: tabular-nums; }
.requirements ul { padding-left: 18px; }
`;

export function renderSweepPage(data: SweepPageData): string {
  return renderHtmlPage({ title: `enetsim sweep: ${data.header.title}`, css: [readAsset('uplot.css'), SWEEP_PAGE_CSS], script: readAsset('sweep-page.js'), data });
}
