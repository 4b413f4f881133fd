// The run HTML report in a real browser (Debian's chromium, driven by playwright-core): the page
// loads with no console error and no request, draws every panel with the series and points the
// trace gives, draws a failed expectation red, zooms every chart together, and follows the zoom in
// its sequence diagram. Screenshots of two shipped scenarios are left in screenshots/ for a person.
// The sweep report's page too: no console error, no request, one mark per variant in each chart
// (compared with the sweep's JSON report), a heatmap cell per grid combination, a curve per variant.
// One chromium serves every check of both (the browser checks' one shared setup).
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EnetsimReportHooks, RunDrawing } from '../../src/report/run-page-hooks.js';
import type { RunPageData, SequenceDatagram } from '../../src/report/run-page-data.js';
import { PEER_STATISTIC_NAMES, type TraceEvent } from '../../src/trace/trace.js';
import { FakeIo, runWith } from '../cli/support-io.js';
import type { SweepReport } from '../../src/sweep/report.js';
import { produceRunReport, REPO_ROOT, writeRunsPage, type ProducedReport } from './support-report.js';

/** The page's globals the tests read (this file compiles without the DOM library). */
interface PageGlobals {
  enetsimReport: EnetsimReportHooks;
  document: { querySelector(selector: string): CanvasLike | null };
  getComputedStyle(node: unknown): { borderLeftColor: string };
}
interface CanvasLike {
  width: number;
  getBoundingClientRect(): { width: number };
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> } };
}

const CHROMIUM_PATH = process.env['ENETSIM_CHROMIUM'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHIPPED = ['scenarios/throttle-under-congestion.yaml', 'scenarios/reliable-under-loss.yaml'];
const FAILING = 'test/report/fixtures/failing-rtt.yaml';
const SCREENSHOT_DIR = join(REPO_ROOT, 'screenshots');
/** The failure colour (#cf222e) as computed styles print it. */
const FAIL_RGB = 'rgb(207, 34, 46)';

interface OpenedReport {
  page: Page;
  drawing: RunDrawing;
  consoleErrors: string[];
  foreignRequests: string[];
}

let launched: Promise<Browser> | null = null;

/** The one chromium of this file, launched by the first suite that needs it and closed after the last. */
function sharedBrowser(): Promise<Browser> {
  launched ??= chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  return launched;
}

afterAll(async () => {
  if (launched !== null) await (await launched).close();
});

/** Registers the suite when chromium is there; else one test that fails under CI and is skipped elsewhere. */
function describeChromium(name: string, fn: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, fn);
    return;
  }
  const reason = `chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set ENETSIM_CHROMIUM)`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('chromium is available (required under CI)', () => {
        throw new Error(reason);
      });
    });
    return;
  }
  console.warn(`[enetsim] skipping "${name}": ${reason}`);
  describe(name, () => {
    test('chromium is available', (context) => {
      context.skip(reason);
    });
  });
}

/**
 * A peer's statistic as the trace gives it: per instant with a stats event of that peer, the value of
 * the last one at that instant (a periodic sample and one after a service frame can share an instant).
 */
function statFromTrace(events: TraceEvent[], subject: string, quantity: string): { timesMs: number[]; values: number[] } {
  const [host, peer] = subject.split('->');
  const index = (PEER_STATISTIC_NAMES as readonly string[]).indexOf(quantity);
  const timesMs: number[] = [];
  const values: number[] = [];
  for (const event of events) {
    if (event.kind !== 'stats' || event.host !== host || event.peer !== peer) continue;
    // PEER_PACKET_LOSS is drawn in percent (of 65536), to 3 decimals.
    const raw = event.values[index]!;
    const value = quantity === 'PEER_PACKET_LOSS' ? Math.round((raw / 65536) * 100 * 1000) / 1000 : raw;
    if (timesMs.at(-1) === event.atMs) values[values.length - 1] = value;
    else {
      timesMs.push(event.atMs);
      values.push(value);
    }
  }
  return { timesMs, values };
}

describeChromium('the run HTML report in chromium', () => {
  let browser: Browser;
  let outDir: string;
  const reports = new Map<string, ProducedReport>();

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'enetsim-html-'));
    for (const scenario of [...SHIPPED, FAILING]) reports.set(scenario, produceRunReport(scenario, outDir));
    browser = await sharedBrowser();
  });

  afterAll(async () => {
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
  });

  async function open(scenario: string, viewport = { width: 1366, height: 768 }, htmlPath = reports.get(scenario)!.htmlPath): Promise<OpenedReport> {
    const page = await browser.newPage({ viewport });
    const consoleErrors: string[] = [];
    const foreignRequests: string[] = [];
    const ownUrl = pathToFileURL(htmlPath).href;
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`${error.name}: ${error.message}`));
    page.on('request', (request) => {
      if (request.url() !== ownUrl) foreignRequests.push(request.url());
    });
    await page.goto(ownUrl);
    await page.waitForFunction(() => (globalThis as unknown as Partial<PageGlobals>).enetsimReport !== undefined);
    const drawing = await page.evaluate(() => (globalThis as unknown as PageGlobals).enetsimReport.runs[0]!);
    return { page, drawing, consoleErrors, foreignRequests };
  }

  /** Ctrl + wheel: the page's zoom (a plain wheel scrolls the page). */
  async function zoomWheel(page: Page, deltaY: number): Promise<void> {
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, deltaY);
    await page.keyboard.up('Control');
  }

  const drawingOf = (page: Page, runIndex = 0): Promise<RunDrawing> => page.evaluate((index) => (globalThis as unknown as PageGlobals).enetsimReport.runs[index]!, runIndex);
  const runOf = (scenario: string): RunPageData => reports.get(scenario)!.runs[0]!;

  test.each([...SHIPPED, FAILING])('%s: the report loads with no console error and requests nothing but its own file', async (scenario) => {
    const { page, consoleErrors, foreignRequests } = await open(scenario);
    // Hovering and zooming run the tooltip and redraw code too.
    const over = (await page.locator('[data-panel="rtt"] .u-over').boundingBox())!;
    await page.mouse.move(over.x + over.width / 2, over.y + over.height / 2);
    await zoomWheel(page, -240);
    await page.locator('[data-panel="states"] .u-over').hover();
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });

  test.each([...SHIPPED, FAILING])('%s: each panel draws its series with the points of the embedded data, and the statistics match the trace', async (scenario) => {
    const { page, drawing } = await open(scenario);
    const run = runOf(scenario);
    const events = reports.get(scenario)!.events;
    expect(run.panels.length).toBeGreaterThan(0);
    for (const panel of run.panels) {
      expect(await page.locator(`[data-panel="${panel.id}"] canvas`).count()).toBe(1);
      const drawn = drawing.panels[panel.id]!;
      expect(drawn.seriesCount).toBe(panel.series.length);
      expect(drawn.points).toEqual(panel.series.map((series) => series.values.filter((value) => value !== null).length));
      for (const series of panel.series) {
        if (!(PEER_STATISTIC_NAMES as readonly string[]).includes(series.quantity)) continue;
        // A statistic's samples are the trace's stats events of that peer, one per instant; all of them are drawn unless downsampled.
        const fromTrace = statFromTrace(events, series.subject, series.quantity);
        expect(series.sampleCount, `${panel.id} ${series.label}`).toBe(fromTrace.timesMs.length);
        if (series.timesMs.length === series.sampleCount) {
          expect(series.timesMs, `${panel.id} ${series.label}`).toEqual(fromTrace.timesMs);
          expect(series.values, `${panel.id} ${series.label}`).toEqual(fromTrace.values);
        } else expect(series.timesMs.length).toBeLessThanOrEqual(run.bounds.pointsPerSeriesMax);
      }
    }
    // Every sent datagram is counted once, under its fate.
    const sent = events.filter((event) => event.kind === 'datagram' && event.phase === 'sent').length;
    expect(drawing.panels['fates']!.seriesCount).toBe(run.fates.series.length);
    expect(run.fates.series.reduce((sum, series) => sum + series.counts.reduce((a, b) => a + b, 0), 0)).toBe(sent);
    const stateEvents = events.filter((event) => event.kind === 'state');
    expect(drawing.states.rows).toBe(new Set(stateEvents.map((event) => `${event.host}->${event.peer}`)).size);
    expect(drawing.states.rowsLeftOut).toBe(0);
    expect(drawing.states.bands).toBe(stateEvents.length);
    await page.close();
  });

  test('a panel with two peers shows every legend row, one line per peer, and emphasises the chosen peer', async () => {
    const scenario = SHIPPED[0]!;
    const { page, drawing } = await open(scenario);
    const rtt = runOf(scenario).panels.find((panel) => panel.id === 'rtt')!;
    const subjects = [...new Set(rtt.series.map((series) => series.subject))];
    expect(subjects).toHaveLength(2);
    expect(drawing.panels['rtt']!.subjects).toEqual(subjects);
    expect(drawing.panels['rtt']!.emphasis).toBe(subjects[0]);
    const legend = page.locator('[data-panel="rtt"] .u-legend');
    const overflow = await legend.evaluate((node) => (node as unknown as { scrollHeight: number; clientHeight: number }).scrollHeight - (node as unknown as { clientHeight: number }).clientHeight);
    expect(overflow).toBeLessThanOrEqual(0);
    const legendBox = (await legend.boundingBox())!;
    const rows = page.locator('[data-panel="rtt"] .u-legend tr.u-series');
    // The time, then every series of both peers.
    expect(await rows.count()).toBe(rtt.series.length + 1);
    for (let index = 0; index < rtt.series.length + 1; index++) {
      const box = (await rows.nth(index).boundingBox())!;
      expect(box.height).toBeGreaterThan(0);
      expect(box.y + box.height).toBeLessThanOrEqual(legendBox.y + legendBox.height + 0.5);
    }
    expect(await page.locator('[data-panel="rtt"] .u-legend tr.legend-group').allTextContents()).toEqual(subjects);
    await page.locator('[data-panel="rtt"] .peer-focus input[value="server->client"]').check();
    expect((await drawingOf(page)).panels['rtt']!.emphasis).toBe('server->client');
    expect(await page.locator('[data-panel="rtt"]').getAttribute('data-emphasis')).toBe('server->client');
    await page.close();
  });

  test('with no drop, the sequence diagram opens on the first retransmission', async () => {
    const scenario = SHIPPED[0]!;
    const { page, drawing } = await open(scenario);
    const sequence = runOf(scenario).sequence;
    const events = reports.get(scenario)!.events;
    expect(events.some((event) => event.kind === 'datagram' && event.phase === 'dropped')).toBe(false);
    expect(sequence.chosenBy).toContain('first retransmission');
    expect([drawing.sequence.fromMs, drawing.sequence.toMs]).toEqual([sequence.fromMs, sequence.toMs]);
    expect(drawing.sequence.retransmissions).toBeGreaterThan(0);
    expect(await page.locator('.sequence-svg g.datagram[data-transmission]').count()).toBe(drawing.sequence.retransmissions);
    await page.close();
  });

  test('a failing scenario draws its failed expectation red, at its window, with the observed value', async () => {
    const { page, drawing } = await open(FAILING);
    const run = runOf(FAILING);
    expect(reports.get(FAILING)!.exitCode).toBe(1);
    expect(await page.locator('.badge').getAttribute('data-passed')).toBe('false');
    const failedIndex = run.expectations.findIndex((mark) => !mark.passed);
    expect(failedIndex).toBeGreaterThanOrEqual(0);
    const failed = drawing.expectations[failedIndex]!;
    expect(failed.passed).toBe(false);
    expect(failed.colour).toBe('#cf222e');
    expect(failed.probe).not.toBeNull();
    const item = page.locator('[data-expectation-passed="false"]');
    expect(await item.count()).toBe(run.expectations.filter((mark) => !mark.passed).length);
    expect(await item.first().evaluate((node) => (globalThis as unknown as PageGlobals).getComputedStyle(node).borderLeftColor)).toBe(FAIL_RGB);
    // The window's left edge on the canvas is painted in the failure colour.
    const pixel = await page.evaluate(({ chart, probe }) => {
      const canvas = (globalThis as unknown as PageGlobals).document.querySelector(`[data-panel="${chart}"] canvas`)!;
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      return Array.from(canvas.getContext('2d')!.getImageData(Math.round(probe.xCss * ratio), Math.round(probe.yCss * ratio), 1, 1).data);
    }, { chart: failed.chart, probe: failed.probe! });
    expect(pixel[0]).toBeGreaterThan(170);
    expect(pixel[1]).toBeLessThan(90);
    expect(pixel[2]).toBeLessThan(90);
    // The passing ones are green.
    for (const mark of drawing.expectations.filter((one) => one.passed)) expect(mark.colour).toBe('#1a7f37');
    await page.close();
  });

  test('a drag across one panel zooms every chart to the same range; double-click shows the whole run again; Ctrl + wheel zooms too, and a plain wheel scrolls the page', async () => {
    const { page, drawing } = await open(SHIPPED[0]!);
    const [fullMin, fullMax] = runOf(SHIPPED[0]!).timeRangeMs;
    expect(Object.values(drawing.xRanges).every(([min, max]) => min === fullMin && max === fullMax)).toBe(true);
    const over = (await page.locator('[data-panel="throttle"] .u-over').boundingBox())!;
    await page.locator('[data-panel="throttle"]').scrollIntoViewIfNeeded();
    const box = (await page.locator('[data-panel="throttle"] .u-over').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.25, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 8 });
    await page.mouse.up();
    const zoomed = await drawingOf(page);
    const span = fullMax - fullMin;
    expect(zoomed.xRange[0]).toBeGreaterThan(fullMin + span * 0.2);
    expect(zoomed.xRange[1]).toBeLessThan(fullMin + span * 0.55);
    expect(Object.keys(zoomed.xRanges).sort()).toEqual([...zoomed.charts].sort());
    for (const range of Object.values(zoomed.xRanges)) expect(range).toEqual(zoomed.xRange);
    expect(await page.locator('[data-panel="rtt"]').getAttribute('data-x-min')).toBe(String(zoomed.xRange[0]));

    await page.mouse.dblclick(box.x + box.width / 2, y);
    expect((await drawingOf(page)).xRange).toEqual([fullMin, fullMax]);

    await page.mouse.move(box.x + box.width / 2, y);
    await zoomWheel(page, -300);
    await page.waitForFunction(([min, max]) => { const range = (globalThis as unknown as PageGlobals).enetsimReport.runs[0]!.xRange; return range[0] > min! || range[1] < max!; }, [fullMin, fullMax]);
    const wheeled = await drawingOf(page);
    expect(wheeled.xRange[1] - wheeled.xRange[0]).toBeLessThan(span);
    for (const range of Object.values(wheeled.xRanges)) expect(range).toEqual(wheeled.xRange);
    expect(over.width).toBeGreaterThan(0);
    // A plain wheel over a chart scrolls the page and leaves the range alone.
    const scrolledBefore = await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY);
    await page.mouse.wheel(0, 200);
    await page.waitForFunction((before) => (globalThis as unknown as { scrollY: number }).scrollY !== before, scrolledBefore);
    expect((await drawingOf(page)).xRange).toEqual(wheeled.xRange);
    await page.close();
  });

  test('the sequence diagram draws the embedded datagrams of the zoomed window, drops with their rule and retransmissions with their count', async () => {
    const scenario = SHIPPED[1]!;
    const { page, drawing } = await open(scenario);
    const sequence = runOf(scenario).sequence;
    expect(drawing.sequence.followsZoom).toBe(false);
    await page.getByRole('button', { name: 'Zoom the charts to this window' }).click();
    const followed = await drawingOf(page);
    expect(followed.sequence.followsZoom).toBe(true);
    expect(followed.xRange).toEqual([sequence.fromMs, sequence.toMs]);
    const inWindow = sequence.datagrams.filter((datagram) => datagram.sentAtMs <= sequence.toMs && (datagram.deliveredAtMs ?? datagram.droppedAtMs ?? datagram.sentAtMs) >= sequence.fromMs);
    const expected = Math.min(inWindow.length, 300);
    expect(followed.sequence.arrows).toBe(expected);
    expect(await page.locator('.sequence-svg g.datagram').count()).toBe(expected);
    const drops = inWindow.slice(0, expected).filter((datagram) => datagram.droppedAtMs !== null);
    expect(drops.length).toBeGreaterThan(0);
    expect(await page.locator('.sequence-svg g.datagram[data-fate="dropped"]').count()).toBe(drops.length);
    expect(await page.locator('.sequence-svg g.datagram[data-fate="dropped"] .drop-label').first().textContent()).toBe(drops[0]!.reason);
    const resent = inWindow.slice(0, expected).filter((datagram) => datagram.transmissions.some((count) => count > 1));
    expect(await page.locator('.sequence-svg g.datagram[data-transmission]').count()).toBe(resent.length);
    await page.close();
  });

  test('shift-drag pans every chart without changing the width of the visible range', async () => {
    const { page } = await open(SHIPPED[0]!);
    const [fullMin, fullMax] = runOf(SHIPPED[0]!).timeRangeMs;
    await page.locator('[data-panel="rtt"]').scrollIntoViewIfNeeded();
    const box = (await page.locator('[data-panel="rtt"] .u-over').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 2, y);
    await zoomWheel(page, -600);
    await page.waitForFunction(([min, max]) => { const range = (globalThis as unknown as PageGlobals).enetsimReport.runs[0]!.xRange; return range[0] > min! && range[1] < max!; }, [fullMin, fullMax]);
    const before = (await drawingOf(page)).xRange;
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.6, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, y, { steps: 6 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const after = await drawingOf(page);
    // Dragging leftwards shows later times.
    expect(after.xRange[0]).toBeGreaterThan(before[0]);
    expect(after.xRange[1] - after.xRange[0]).toBeCloseTo(before[1] - before[0], 6);
    for (const range of Object.values(after.xRanges)) expect(range).toEqual(after.xRange);
    await page.close();
  });

  test('a page with two runs gives each its own time axis: zooming one leaves the other whole', async () => {
    const path = join(outDir, 'two-runs.html');
    writeRunsPage([runOf(SHIPPED[0]!), runOf(FAILING)], path);
    const { page, consoleErrors } = await open(SHIPPED[0]!, undefined, path);
    expect(await page.locator('section.run').count()).toBe(2);
    const over = page.locator('section.run[data-run-index="0"] [data-panel="throttle"] .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await zoomWheel(page, -300);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).enetsimReport.runs[0]!.xRange[0] > 0);
    expect((await drawingOf(page, 1)).xRange).toEqual(runOf(FAILING).timeRangeMs);
    expect((await drawingOf(page, 1)).scenario).toBe(runOf(FAILING).header.scenario);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  test('a run at the bounds (every series at its point limit, thousands of fate bins and sequence datagrams) draws all it embeds', async () => {
    const base = runOf(SHIPPED[1]!);
    const [fullMin, fullMax] = base.timeRangeMs;
    const pointCount = base.bounds.pointsPerSeriesMax;
    const times = Array.from({ length: pointCount }, (_, index) => fullMin + ((fullMax - fullMin) * index) / pointCount);
    const binMs = (fullMax - fullMin) / 4000;
    const datagrams: SequenceDatagram[] = Array.from({ length: 2000 }, (_, index) => ({
      id: index + 1, from: index % 2 === 0 ? 'client' : 'server', to: index % 2 === 0 ? 'server' : 'client',
      sentAtMs: 1000 + index * 4, sizeBytes: 100, deliveredAtMs: index % 7 === 0 ? null : 1030 + index * 4,
      droppedAtMs: index % 7 === 0 ? 1015 + index * 4 : null, reason: index % 7 === 0 ? 'loss' : null,
      duplicate: false, corrupted: false, commands: [`SEND_RELIABLE ch0 #${index}`], transmissions: [1 + (index % 3)],
    }));
    const big: RunPageData = {
      ...base,
      panels: base.panels.map((panel) => ({
        ...panel,
        series: panel.series.map((series, seriesIndex) => ({ ...series, timesMs: times, values: times.map((ms) => 50 + 20 * Math.sin(ms / 300 + seriesIndex)), sampleCount: 100_000 })),
      })),
      fates: { binMs, startsMs: Array.from({ length: 4000 }, (_, index) => fullMin + index * binMs), series: [{ fate: 'delivered', counts: new Array<number>(4000).fill(25) }, { fate: 'loss', counts: new Array<number>(4000).fill(3) }] },
      sequence: { ...base.sequence, fromMs: 1000, toMs: 9000, datagrams, omittedCount: 98_000 },
      bounds: { ...base.bounds, downsampled: true },
    };
    const path = join(outDir, 'big.html');
    writeRunsPage([big], path);
    const { page, drawing, consoleErrors } = await open(SHIPPED[1]!, undefined, path);
    expect(consoleErrors).toEqual([]);
    for (const panel of big.panels) expect(drawing.panels[panel.id]!.points).toEqual(panel.series.map(() => pointCount));
    expect(drawing.panels['fates']!.points).toEqual([4000, 4000]);
    expect(await page.getByText('downsampled').count()).toBe(1);
    // Its default window holds more datagrams than the diagram draws: it draws the bound and says to zoom in.
    expect(drawing.sequence.arrows).toBe(300);
    expect(await page.getByText('zoom in to see the rest').count()).toBe(1);
    await page.close();
  });

  test('screenshots of two shipped scenarios are written for a person to look at', async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    for (const scenario of SHIPPED) {
      for (const viewport of [{ width: 1366, height: 768 }, { width: 1920, height: 1080 }]) {
        const { page } = await open(scenario, viewport);
        const path = join(SCREENSHOT_DIR, `${scenario.replace(/^.*\//, '').replace(/\.yaml$/, '')}-${viewport.width}x${viewport.height}.png`);
        await page.screenshot({ path, fullPage: true });
        await page.close();
        expect(statSync(path).size).toBeGreaterThan(20_000);
        console.log(`[enetsim] report screenshot: ${path}`);
      }
    }
  });
});

interface DrawnChart {
  id: string;
  kind: 'estimates' | 'differences' | 'heatmap' | 'curves';
  count: number;
  drawn: number;
}

interface Opened {
  charts: DrawnChart[];
  problems: string[];
  requests: string[];
  marks: Record<string, number>;
  canvases: Record<string, number>;
}

describeChromium('the sweep HTML report in chromium', () => {
  let browser: Browser;
  const io = new FakeIo({ cwd: REPO_ROOT });

  beforeAll(async () => {
    browser = await sharedBrowser();
  });
  afterAll(() => {
    io.dispose();
  });

  /** Runs the sweep with --html and --format json, opens the page, and collects what it drew. */
  async function open(sweep: string, name: string): Promise<{ report: SweepReport; opened: Opened }> {
    const path = join(io.dir, name);
    const run = await runWith(io, ['sweep', sweep, '--seeds', '2', '--jobs', '1', '--format', 'json', '--html', path]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as SweepReport;
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const url = `file://${path}`;
    page.on('request', (request) => {
      if (request.url() !== url) requests.push(request.url());
    });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    // Expressions evaluated in the page (strings: this file compiles without the DOM's types).
    const charts = (await page.evaluate('window.enetsimSweepReport.charts')) as DrawnChart[];
    const marks = (await page.evaluate(
      `Object.fromEntries([...document.querySelectorAll('figure[data-chart-id]')].map((figure) => [figure.dataset.chartId, figure.querySelectorAll('g.mark, g.cell').length]))`,
    )) as Record<string, number>;
    const canvases = (await page.evaluate(
      `Object.fromEntries([...document.querySelectorAll('figure[data-chart-kind="curves"]')].map((figure) => [figure.dataset.chartId, figure.querySelectorAll('canvas').length]))`,
    )) as Record<string, number>;
    await page.close();
    return { report, opened: { charts, problems, requests, marks, canvases } };
  }

  function expectChartsMatch(report: SweepReport, opened: Opened, heatmapCells: number | null): void {
    expect(opened.problems).toEqual([]);
    expect(opened.requests).toEqual([]);
    const byId = new Map(opened.charts.map((chart) => [chart.id, chart]));
    report.measures.forEach((_, measureIndex) => {
      const estimates = byId.get(`m${measureIndex}-estimates`)!;
      expect(estimates.count).toBe(report.variants.length);
      const withMean = report.variants.filter((variant) => variant.measures[measureIndex]!.mean !== null).length;
      expect(estimates.drawn).toBe(withMean);
      expect(opened.marks[`m${measureIndex}-estimates`]).toBe(withMean);
      const compared = report.variants.filter((variant) => variant.measures[measureIndex]!.vsBaseline !== null);
      const differences = byId.get(`m${measureIndex}-differences`)!;
      expect(differences.count).toBe(compared.length);
      expect(opened.marks[`m${measureIndex}-differences`]).toBe(compared.filter((variant) => variant.measures[measureIndex]!.vsBaseline!.meanDifference !== null).length);
      const heatmap = byId.get(`m${measureIndex}-heatmap`);
      if (heatmapCells === null) expect(heatmap).toBeUndefined();
      else {
        expect(heatmap!.drawn).toBe(heatmapCells);
        expect(opened.marks[`m${measureIndex}-heatmap`]).toBe(heatmapCells);
      }
    });
    for (const id of ['curves-throttle', 'curves-rtt']) {
      expect(byId.get(id)).toMatchObject({ count: report.variants.length, drawn: report.variants.length });
      expect(opened.canvases[id]).toBeGreaterThan(0);
    }
  }

  test('one axis (throttle-configure): a mark per variant in each chart, no heatmap, a curve per variant, no errors, no requests', async () => {
    const { report, opened } = await open('sweeps/throttle-configure.yaml', 'one-axis.html');
    expect(report.variants).toHaveLength(4);
    expectChartsMatch(report, opened, null);
  });

  test('two axes (packet-size): a heatmap per measure with a cell per combination of the grid', async () => {
    const { report, opened } = await open('sweeps/packet-size.yaml', 'two-axes.html');
    const gridSize = report.axes[0]!.values.length * report.axes[1]!.values.length;
    expect(gridSize).toBe(8);
    expectChartsMatch(report, opened, gridSize);
  });
});
