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

export function renderSweepPage(data: SweepPageData): string {
  return renderHtmlPage({ title: `enetsim sweep: ${data.header.title}`, css: [readAsset('uplot.css')], script: readAsset('sweep-page.js'), data });
}
