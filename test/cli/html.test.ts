// run --html and report --html: the file is one self-contained page with the drawn run's data,
// byte-identical for the same seed, within its documented size, and a saved trace draws the same run.
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HtmlReportCollector, parseHtmlWindow, type SeedForHtml } from '../../src/cli/commands/html.js';
import { loadScenario } from '../../src/scenario/load.js';
import { PAGE_DATA_ELEMENT_ID } from '../../src/report/html/page.js';
import type { RunReportData } from '../../src/report/run-report.js';
import type { RunPageData } from '../../src/report/run-page-data.js';
import { FakeIo, REPO_ROOT, runWith } from './support-io.js';

/** A two-host run's report is at most this many bytes (docs/reports.md, "How big"). */
const TWO_HOST_REPORT_BYTES_MAX = 600 * 1024;

const ios: FakeIo[] = [];
afterEach(() => {
  for (const io of ios.splice(0)) io.dispose();
});

function repoIo(): FakeIo {
  const io = new FakeIo({ cwd: REPO_ROOT });
  ios.push(io);
  return io;
}

/** The data a report embeds. */
function embedded(html: string): RunReportData {
  const match = new RegExp(`<script type="application/json" id="${PAGE_DATA_ELEMENT_ID}">(.*?)</script>`, 's').exec(html);
  expect(match, 'the report has its data element').not.toBeNull();
  return JSON.parse(match![1]!) as RunReportData;
}

/** What a page draws from the trace alone (the header and the expectations come from the scenario). */
function fromTrace(page: RunPageData): Omit<RunPageData, 'header' | 'expectations'> {
  const { header: _header, expectations: _expectations, ...rest } = page;
  return rest;
}

const SCENARIO = 'scenarios/throttle-under-congestion.yaml';

describe('run --html', () => {
  it('run --html twice: byte-identical files, a self-contained page with the run', async () => {
    const io = repoIo();
    const first = await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'a.html'), '--quiet']);
    expect(first.code, first.err).toBe(0);
    const second = await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'b.html'), '--quiet']);
    expect(second.code, second.err).toBe(0);
    const html = io.read('a.html');
    expect(io.read('b.html') === html).toBe(true);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    const data = embedded(html);
    expect(data.runs).toHaveLength(1);
    const page = data.runs[0]!;
    expect(page.header).toMatchObject({ file: SCENARIO, seed: '1', passed: true, reproduce: `enetsim run ${SCENARIO} --seed 1`, implementation: 'TypeScript 1.3.18' });
    expect(page.panels.map((panel) => panel.id)).toEqual(['rtt', 'throttle', 'loss', 'rto', 'reliable', 'queue']);
    // Streams are not actions in the trace; the link change at 8 s is, with its timeline id.
    expect(page.markers.map((marker) => marker.label)).toEqual(['connect', 'relief']);
    expect(page.spans.map((span) => [span.kind, span.fromMs, span.toMs])).toEqual([
      ['congestion', 0, 8000],
      ['congestion', 8000, 14000],
    ]);
  });

  it(`run --html: a shipped scenario's report stays under the documented ${TWO_HOST_REPORT_BYTES_MAX / 1024} KB`, async () => {
    const io = repoIo();
    const run = await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'a.html'), '--quiet']);
    expect(run.code, run.err).toBe(0);
    expect(Buffer.byteLength(io.read('a.html'))).toBeLessThan(TWO_HOST_REPORT_BYTES_MAX);
  });

  it('run --html: each expectation is placed on its panel with its window, bounds and observed value', async () => {
    const io = repoIo();
    await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'a.html'), '--quiet']);
    const marks = embedded(io.read('a.html')).runs[0]!.expectations;
    expect(marks).toHaveLength(9);
    expect(marks[3]).toMatchObject({ label: 'the queue builds up', panel: 'rtt', subject: 'client->server', fromMs: 5500, toMs: 8000, min: 120, max: null, passed: true, position: `${SCENARIO}:45:5` });
    expect(marks[3]!.observedValue).toBeGreaterThan(120);
    expect(marks[4]).toMatchObject({ panel: 'throttle', min: 4, max: 8, fromMs: 5500, toMs: 8000 });
    expect(marks[6]).toMatchObject({ kind: 'converge', panel: 'throttle', min: 32, max: 32, fromMs: 8000, toMs: 13500 });
    expect(marks[7]).toMatchObject({ kind: 'delivery', panel: null, subject: 'client->server', fromMs: 0, toMs: 14000 });
  });

  it('run --html with a failing expectation: the header says failed, the mark is red with its observed value, the sequence window is around it', async () => {
    const io = repoIo();
    const scenario = io.put(
      'slow.yaml',
      `name: rtt too high for the bound
duration: 3s
hosts:
  server: {}
  client: {}
links:
  default: { latency: 50ms }
timeline:
  - at: 0s
    connect: { from: client, to: server }
expect:
  - stat: { peer: client->server, stat: PEER_ROUND_TRIP_TIME, at: 2s, below: 50ms }
`,
    );
    const run = await runWith(io, ['run', join(io.dir, scenario), '--html', join(io.dir, 'a.html'), '--quiet']);
    expect(run.code).toBe(1);
    const page = embedded(io.read('a.html')).runs[0]!;
    expect(page.header.passed).toBe(false);
    expect(page.expectations[0]).toMatchObject({ passed: false, panel: 'rtt', max: 50, fromMs: 2000, toMs: 2000 });
    expect(page.expectations[0]!.observedValue).toBeGreaterThanOrEqual(100);
    expect(page.sequence.chosenBy).toContain('first failing expectation');
    expect(page.sequence.fromMs).toBe(page.expectations[0]!.observedAtMs! - 500);
  });

  it('run --html-window 1s..1.5s: the sequence diagram shows that window', async () => {
    const io = repoIo();
    const run = await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'a.html'), '--html-window', '1s..1.5s', '--quiet']);
    expect(run.code, run.err).toBe(0);
    const sequence = embedded(io.read('a.html')).runs[0]!.sequence;
    expect([sequence.fromMs, sequence.toMs, sequence.chosenBy]).toEqual([1000, 1500, '--html-window 1s..1.5s']);
    expect(sequence.datagrams.length).toBeGreaterThan(10);
    expect(sequence.datagrams.every((datagram) => datagram.sentAtMs >= 1000 && datagram.sentAtMs <= 1500)).toBe(true);
  });

  it('run --html: bad flags exit 2 naming the flag, before anything runs', async () => {
    const io = repoIo();
    const badWindow = await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'a.html'), '--html-window', '2s..1s']);
    expect(badWindow.code).toBe(2);
    expect(badWindow.err).toContain('--html-window 2s..1s: the window must end after it starts');
    const noHtml = await runWith(io, ['run', SCENARIO, '--html-window', '1s..2s']);
    expect(noHtml.code).toBe(2);
    expect(noHtml.err).toContain('--html-window needs --html FILE');
    const missingDirectory = await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'no/such/dir/a.html')]);
    expect(missingDirectory.code).toBe(2);
    expect(missingDirectory.err).toContain(`--html ${join(io.dir, 'no/such/dir/a.html')}: its directory does not exist; nothing was run`);
    const same = await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'a.html'), '--trace', join(io.dir, 'a.html')]);
    expect(same.code).toBe(2);
    expect(same.err).toContain('--trace and --html name the same file');
    // A window after the run's end would draw an empty diagram without a word; the scenario lasts 14 s.
    const afterEnd = await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'late.html'), '--html-window', '100s..200s']);
    expect(afterEnd.code).toBe(2);
    expect(afterEnd.err).toContain(`--html-window 100s..200s starts after ${SCENARIO} ends (14s); nothing was run`);
    expect(io.written).not.toContain(join(io.dir, 'late.html'));
  });

  it('report --html-window after the end of a run in the trace: exit 2, nothing written', async () => {
    const io = repoIo();
    await runWith(io, ['run', 'scenarios/handshake.yaml', '--trace', join(io.dir, 't.jsonl'), '--quiet']);
    const run = await runWith(io, ['report', join(io.dir, 't.jsonl'), '--html', join(io.dir, 'late.html'), '--html-window', '5s..6s']);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`--html-window 5s..6s starts after seed 1 of scenarios/handshake.yaml ends (3s)`);
    expect(io.written).not.toContain(join(io.dir, 'late.html'));
  });

  it('--html-window parses durations with units', () => {
    expect(parseHtmlWindow('5s..6.5s')).toEqual({ ok: true, window: { fromMs: 5000, toMs: 6500, label: '--html-window 5s..6.5s' } });
    expect(parseHtmlWindow('5s')).toMatchObject({ ok: false });
    expect(parseHtmlWindow('5..6s')).toMatchObject({ ok: false });
  });
});

describe('the drawn seed', () => {
  const loaded = loadScenario(
    'seeds.yaml',
    `name: seeds
duration: 1s
hosts:
  server: {}
  client: {}
timeline:
  - at: 0s
    connect: { from: client, to: server }
expect:
  - state: { peer: client->server, reaches: STATE_CONNECTED }
`,
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const scenario = loaded.scenario;
  const seedRun = (seed: number, passed: boolean): SeedForHtml => ({
    scenario,
    seed,
    events: [],
    checks: [{ passed, expected: 'e', observed: 'o' }],
    stoppedMessage: null,
    traceHash: String(seed),
    reproduce: `enetsim run seeds.yaml --seed ${seed}`,
    implementation: 'TypeScript 1.3.18',
  });

  it('--seeds N: the first failing seed is drawn, and the header says so', () => {
    const collector = new HtmlReportCollector(null);
    for (const [seed, passed] of [
      [1, true],
      [2, false],
      [3, false],
    ] as const)
      collector.offer(seedRun(seed, passed));
    collector.finishScenario();
    expect(collector.runs.map((page) => [page.header.seed, page.header.passed])).toEqual([['2', false]]);
    expect(collector.runs[0]!.header.settings[0]).toBe('seed 2 is drawn of the 3 seeds run (1..3): the first failing one');
  });

  it('--seeds N: when every seed passed, the first is drawn', () => {
    const collector = new HtmlReportCollector(null);
    for (const seed of [7, 8]) collector.offer(seedRun(seed, true));
    collector.finishScenario();
    expect(collector.runs[0]!.header.seed).toBe('7');
    expect(collector.runs[0]!.header.settings[0]).toBe('seed 7 is drawn of the 2 seeds run (7..8): all passed, so the first');
  });
});

describe('report TRACE --html', () => {
  it('report: a trace saved by run --trace draws the same run as run --html (only the expectations and resolved settings are missing)', async () => {
    const io = repoIo();
    const run = await runWith(io, ['run', SCENARIO, '--html', join(io.dir, 'run.html'), '--trace', join(io.dir, 't.jsonl'), '--quiet']);
    expect(run.code, run.err).toBe(0);
    const report = await runWith(io, ['report', join(io.dir, 't.jsonl'), '--html', join(io.dir, 'report.html')]);
    expect(report.code, report.err).toBe(0);
    expect(report.err).toBe('');
    const fromRun = embedded(io.read('run.html')).runs[0]!;
    const fromReport = embedded(io.read('report.html')).runs[0]!;
    expect(fromTrace(fromReport)).toEqual(fromTrace(fromRun));
    expect(fromReport.header).toMatchObject({ scenario: fromRun.header.scenario, seed: '1', passed: null, traceHash: fromRun.header.traceHash, reproduce: fromRun.header.reproduce });
    expect(fromReport.expectations).toEqual([]);
  });

  it('report: a trace of 3 seeds draws 3 runs', async () => {
    const io = repoIo();
    await runWith(io, ['run', 'scenarios/handshake.yaml', '--seeds', '3', '--trace', join(io.dir, 't.jsonl'), '--quiet']);
    const report = await runWith(io, ['report', join(io.dir, 't.jsonl'), '--html', join(io.dir, 'r.html')]);
    expect(report.code, report.err).toBe(0);
    expect(embedded(io.read('r.html')).runs.map((page) => page.header.seed)).toEqual(['1', '2', '3']);
  });

  it('report: a line that is not JSON, or not a trace event, exits 2 at file:line:col and writes nothing', async () => {
    const io = repoIo();
    const good = '{"kind":"action","atMs":0,"action":"link","detail":{}}';
    const cases: [string, string][] = [
      [`${good}\n{"kind":"state","atMs":1,}\n`, ':2:26 not JSON: expected a string'],
      [`${good}\n{"kind":"weather","atMs":1}\n`, ':2:2 unknown kind "weather"'],
      [`${good}\n${good}\n{"kind":"stats","atMs":5,"host":"a","peer":"b","values":"x"}\n`, ':3:48 a stats line needs "values" as a list of numbers'],
      [`${good}\n[1,2]\n`, ':2:1 a trace line is a JSON object with a "kind"'],
      ['name: a scenario given by mistake\n', ':1:1 not JSON: expected a value (report reads the JSON Lines trace that run --trace FILE writes)'],
      // A run line's fields draw the header and the time axis: a wrong type is refused, not drawn as "[object Object]" (or looped on forever).
      [`{"kind":"run","seed":1,"durationMs":"x"}\n${good}\n`, `:1:24 a run line's "durationMs" is a number of ms from 0`],
      [`{"kind":"run","seed":{"a":1}}\n${good}\n`, `:1:15 a run line's "seed" is a whole number from 0 to 4294967295`],
      // Lines in the wrong order, or values the page would draw as something else.
      [`{"kind":"action","atMs":5,"action":"link"}\n{"kind":"action","atMs":1,"action":"link"}\n`, ':2:18 "atMs" 1 is before the line above (5): a run\'s events are in time order'],
      [`{"kind":"action","atMs":-1,"action":"link"}\n`, ':1:18 a action line needs "atMs" as a number from 0'],
      [`${good}\n{"kind":"datagram","atMs":1,"phase":"exploded","id":1,"from":"a","to":"b","sizeBytes":3}\n`, ':2:29 a datagram line\'s "phase" is one of sent, dropped, delivered, not "exploded"'],
      [`${good}\n{"kind":"stats","atMs":5,"host":"a","peer":"b","values":[1,2,3]}\n`, ':2:48 a stats line needs "values" as a list of 14 numbers'],
    ];
    for (const [index, [text, message]] of cases.entries()) {
      const trace = io.put(`bad-${index}.jsonl`, text);
      const run = await runWith(io, ['report', join(io.dir, trace), '--html', join(io.dir, `bad-${index}.html`)]);
      expect(run.code, text).toBe(2);
      expect(run.err).toContain(`${join(io.dir, trace)}${message}`);
      expect(run.err).not.toMatch(/\n\s+at /);
      expect(io.written).not.toContain(join(io.dir, `bad-${index}.html`));
    }
  });

  it('report: a trace without a run line (Trace.toJsonLines) is drawn up to its last event, and says so', async () => {
    const io = repoIo();
    await runWith(io, ['run', 'scenarios/handshake.yaml', '--trace', join(io.dir, 't.jsonl'), '--quiet']);
    const events = io.read('t.jsonl').split('\n').slice(1).join('\n');
    const lastAtMs = (JSON.parse(events.trimEnd().split('\n').at(-1)!) as { atMs: number }).atMs;
    io.put('bare.jsonl', events);
    const run = await runWith(io, ['report', join(io.dir, 'bare.jsonl'), '--html', join(io.dir, 'r.html'), '--html-window', '0s..1s']);
    expect(run.code, run.err).toBe(0);
    const page = embedded(io.read('r.html')).runs[0]!;
    expect(page.timeRangeMs).toEqual([0, lastAtMs]);
    expect(page.header).toMatchObject({ seed: 'unknown', passed: null, file: join(io.dir, 'bare.jsonl') });
    expect(page.header.settings[1]).toBe('the trace does not say how long the run was: the time axis ends at its last event');
    expect([page.sequence.fromMs, page.sequence.toMs, page.sequence.chosenBy]).toEqual([0, 1000, '--html-window 0s..1s']);
  });

  it('report: a missing trace, an output in a missing directory, or the trace as the output exit 2 with the path', async () => {
    const io = repoIo();
    const run = await runWith(io, ['report', join(io.dir, 'none.jsonl'), '--html', join(io.dir, 'r.html')]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`${join(io.dir, 'none.jsonl')}: no such file`);
    const trace = join(io.dir, io.put('t.jsonl', '{"kind":"action","atMs":0,"action":"link"}\n'));
    const noDirectory = await runWith(io, ['report', trace, '--html', join(io.dir, 'no/r.html')]);
    expect(noDirectory.code).toBe(2);
    expect(noDirectory.err).toContain(`--html ${join(io.dir, 'no/r.html')}: its directory does not exist`);
    const itself = await runWith(io, ['report', trace, '--html', trace]);
    expect(itself.code).toBe(2);
    expect(itself.err).toContain('is the trace itself');
    // Another spelling of the same file: the trace is read before the page is written, so it would be lost.
    const respelled = await runWith(io, ['report', trace, '--html', relative(REPO_ROOT, trace)]);
    expect(respelled.code).toBe(2);
    expect(respelled.err).toContain('is the trace itself');
    expect(io.read('t.jsonl')).toBe('{"kind":"action","atMs":0,"action":"link"}\n');
  });

  it('report: an edited trace is drawn, with a warning that its events do not match the recorded hash', async () => {
    const io = repoIo();
    await runWith(io, ['run', 'scenarios/handshake.yaml', '--trace', join(io.dir, 't.jsonl'), '--quiet']);
    const lines = io.read('t.jsonl').trimEnd().split('\n');
    io.put('cut.jsonl', `${lines.slice(0, -5).join('\n')}\n`);
    const run = await runWith(io, ['report', join(io.dir, 'cut.jsonl'), '--html', join(io.dir, 'r.html')]);
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/the events of seed 1 hash to [0-9a-f]{16}, not to the [0-9a-f]{16} recorded with them/);
  });
});

describe('a 10-minute run', () => {
  // About 12 s of simulation on a 2-core machine: the size bound has to hold for the runs it is for.
  it(`a 10-minute run of over 100 000 datagrams: the report stays under ${TWO_HOST_REPORT_BYTES_MAX / 1024} KB, downsampled`, { timeout: 180_000 }, async () => {
    const io = repoIo();
    const run = await runWith(io, ['run', 'test/report/fixtures/ten-minutes.yaml', '--html', join(io.dir, 'big.html'), '--quiet']);
    expect(run.code, run.err).toBe(0);
    const html = io.read('big.html');
    expect(Buffer.byteLength(html)).toBeLessThan(TWO_HOST_REPORT_BYTES_MAX);
    const page = embedded(html).runs[0]!;
    const datagramCount = page.fates.series.reduce((sum, series) => sum + series.counts.reduce((a, b) => a + b, 0), 0);
    expect(datagramCount).toBeGreaterThanOrEqual(100_000);
    expect(page.fates.startsMs.length).toBeLessThanOrEqual(600);
    expect(page.bounds.downsampled).toBe(true);
    for (const panel of page.panels) for (const series of panel.series) expect(series.timesMs.length).toBeLessThanOrEqual(page.bounds.pointsPerSeriesMax);
    expect(page.sequence.datagrams.length).toBeLessThanOrEqual(page.bounds.sequenceDatagramsMax);
    expect(page.spans.map((span) => span.kind)).toEqual(['lagSpike']);
    expect(page.markers.map((marker) => [marker.atMs, marker.label])).toEqual([
      [0, 'connect'],
      [300_000, 'lag_spike'],
    ]);
  });
});
