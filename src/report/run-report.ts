// A run's HTML report: one self-contained file, one section per scenario run.
//
// THE EMBEDDED DATA (what the page script src/report/browser/run-page.ts reads with readPageData):
//
//   { format: 'enetsim-run-report-file/1', runs: RunPageData[] }
//
// `runs` holds one RunPageData (src/report/run-page-data.ts) per scenario drawn, in the order the
// scenarios ran (`enetsim run a.yaml b.yaml --html x.html` gives two; `enetsim report trace.jsonl`
// gives one per run recorded in the trace). Each one is complete on its own: its header, time axis,
// panels, sequence window and expectations.
import { readAsset } from './assets.js';
import { renderHtmlPage } from './html/page.js';
import type { RunPageData } from './run-page-data.js';

/** The version of the file-level shape (the list of runs); each run carries its own RUN_PAGE_FORMAT. */
export const RUN_REPORT_FORMAT = 'enetsim-run-report-file/1';

export interface RunReportData {
  format: typeof RUN_REPORT_FORMAT;
  runs: RunPageData[];
}

/** A little layout of our own around uPlot's stylesheet. */
const REPORT_CSS = 'body{font:14px/1.4 system-ui,sans-serif;margin:1rem 2rem;color:#222}h1,h2{font-weight:600}pre{white-space:pre-wrap}';

export function runReportTitle(pages: readonly RunPageData[]): string {
  if (pages.length === 1) return `enetsim: ${pages[0]!.header.scenario} (seed ${pages[0]!.header.seed})`;
  return `enetsim: ${pages.length} runs`;
}

/** The whole HTML file for these runs. Same pages → same bytes. */
export function renderRunReport(pages: readonly RunPageData[]): string {
  const data: RunReportData = { format: RUN_REPORT_FORMAT, runs: [...pages] };
  return renderHtmlPage({ title: runReportTitle(pages), css: [readAsset('uplot.css'), REPORT_CSS], script: readAsset('run-page.js'), data });
}
