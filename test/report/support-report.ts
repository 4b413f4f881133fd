// How the browser tests get a run's HTML report: the one place that knows. The report is the CLI's
// own (`enetsim run --html`), written next to the run's trace, which the tests read to check the
// page against.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAsset } from '../../src/report/assets.js';
import { PAGE_DATA_ELEMENT_ID, renderHtmlPage } from '../../src/report/html/page.js';
import type { RunPageData } from '../../src/report/run-page-data.js';
import type { TraceEvent } from '../../src/trace/trace.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface ProducedReport {
  htmlPath: string;
  /** The data the page embeds, read back from the HTML file. */
  runs: RunPageData[];
  /** The run's trace events (one seed). */
  events: TraceEvent[];
  /** The CLI's exit code (0 pass, 1 an expectation failed). */
  exitCode: number;
}

function readTrace(path: string): TraceEvent[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as TraceEvent & { kind: string })
    .filter((event) => ['datagram', 'event', 'state', 'stats', 'action'].includes(event.kind));
}

/** The embedded page data of a report file. */
export function readReportData(htmlPath: string): { runs: RunPageData[] } {
  const html = readFileSync(htmlPath, 'utf8');
  const match = new RegExp(`<script type="application/json" id="${PAGE_DATA_ELEMENT_ID}">([\\s\\S]*?)</script>`).exec(html);
  if (match === null) throw new Error(`${htmlPath} has no #${PAGE_DATA_ELEMENT_ID} element`);
  return JSON.parse(match[1]!) as { runs: RunPageData[] };
}

/** Runs `scenario` (a path from the repository root) and writes its HTML report into `outDir`. Needs `npm run build`. */
export function produceRunReport(scenario: string, outDir: string): ProducedReport {
  const name = scenario.replace(/^.*\//, '').replace(/\.yaml$/, '');
  const htmlPath = join(outDir, `${name}.html`);
  const tracePath = join(outDir, `${name}.jsonl`);
  const args = [CLI, 'run', scenario, '--quiet', '--trace', tracePath, '--html', htmlPath];
  const run = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 1) throw new Error(`enetsim run ${scenario} exited ${run.status}: ${run.stderr}`);
  const events = readTrace(tracePath);
  return { htmlPath, runs: readReportData(htmlPath).runs, events, exitCode: run.status };
}

/** Writes a page holding several runs' data (what `enetsim run --html` writes for a file with several scenarios). */
export function writeRunsPage(runs: RunPageData[], htmlPath: string): void {
  writeFileSync(htmlPath, renderHtmlPage({ title: 'enetsim: runs', css: [readAsset('uplot.css')], script: readAsset('run-page.js'), data: { runs } }));
}
