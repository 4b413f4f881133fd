// enetsim sweep --html FILE end to end: the same sweep gives the same bytes whatever --jobs, the page
// embeds the report's own numbers, sharded sweeps merge into the same page, and bad uses exit 2.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeIo, REPO_ROOT, runWith } from '../cli/support-io.js';
import type { SweepReport } from '../../src/sweep/report.js';
import type { SweepPageData } from '../../src/report/sweep-page-data.js';

const SWEEP = 'sweeps/throttle-configure.yaml';
const ios: FakeIo[] = [];
function repoIo(): FakeIo {
  const io = new FakeIo({ cwd: REPO_ROOT });
  ios.push(io);
  return io;
}
afterAll(() => {
  for (const io of ios) io.dispose();
});

/** The data a report page embeds. */
function pageData(html: string): SweepPageData {
  const match = /<script type="application\/json" id="enetsim-data">([^]*?)<\/script>/.exec(html);
  if (match === null) throw new Error('no data element in the page');
  return JSON.parse(match[1]!) as SweepPageData;
}

describe('sweep --html', () => {
  it('the same sweep twice, on one thread and on two, writes byte-identical files', async () => {
    const io = repoIo();
    const first = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--html', join(io.dir, 'a.html'), '--quiet']);
    const second = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--jobs', '2', '--html', join(io.dir, 'b.html'), '--quiet']);
    expect([first.code, second.code]).toEqual([0, 0]);
    const a = io.read('a.html');
    expect(a.length).toBeGreaterThan(10_000);
    expect(io.read('b.html')).toBe(a);
  });

  it('the built CLI on two worker threads writes the same bytes as one thread in-process (the curves cross the thread boundary)', async () => {
    const io = repoIo();
    await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--html', join(io.dir, 'here.html'), '--quiet']);
    execFileSync(process.execPath, [join(REPO_ROOT, 'dist/cli/main.js'), 'sweep', SWEEP, '--seeds', '2', '--jobs', '2', '--html', join(io.dir, 'workers.html'), '--quiet'], { cwd: REPO_ROOT, stdio: 'ignore' });
    expect(io.read('workers.html')).toBe(io.read('here.html'));
  });

  it('the page embeds the numbers the JSON report gives, one estimate per variant, and the curves of every variant', async () => {
    const io = repoIo();
    const html = join(io.dir, 'sweep.html');
    const run = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--format', 'json', '--html', html]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as SweepReport;
    const data = pageData(io.read('sweep.html'));
    expect(data.header.reproduce).toBe('enetsim sweep sweeps/throttle-configure.yaml --seeds 2');
    expect(data.measures.map((measure) => measure.name)).toEqual(report.measures.map((measure) => measure.name));
    data.measures.forEach((measure, measureIndex) => {
      expect(measure.estimates.map((estimate) => [estimate.mean, estimate.ciLow, estimate.ciHigh])).toEqual(report.variants.map((variant) => [variant.measures[measureIndex]!.mean, variant.measures[measureIndex]!.ciLow, variant.measures[measureIndex]!.ciHigh]));
      expect(measure.differences.map((difference) => difference.meanDifference)).toEqual(report.variants.flatMap((variant) => (variant.measures[measureIndex]!.vsBaseline === null ? [] : [variant.measures[measureIndex]!.vsBaseline!.meanDifference])));
      expect(measure.heatmap).toBeNull();
    });
    const curves = data.curves!;
    expect(curves.subject).toBe('client->server');
    for (const panel of curves.panels) {
      expect(panel.series.map((series) => series.variant)).toEqual(report.variants.map((variant) => variant.label));
      for (const series of panel.series) expect(series.median).toHaveLength(curves.timesMs.length);
    }
    // The congestion pulls every variant's throttle below full (32) somewhere in the run.
    for (const series of curves.panels[0]!.series) expect(Math.min(...series.median.filter((value): value is number => value !== null))).toBeLessThan(32);
  });

  it('a two-axis sweep gets a heatmap per measure, and the file stays small', async () => {
    const io = repoIo();
    const html = join(io.dir, 'grid.html');
    const run = await runWith(io, ['sweep', 'sweeps/packet-size.yaml', '--seeds', '2', '--jobs', '2', '--html', html, '--quiet']);
    expect(run.code).toBe(0);
    const data = pageData(io.read('grid.html'));
    for (const measure of data.measures) {
      expect(measure.heatmap!.cells).toHaveLength(4);
      expect(measure.heatmap!.cells.flat()).toHaveLength(8);
      expect(measure.heatmap!.cells.flat().every((value) => value !== null)).toBe(true);
    }
    expect(statSync(html).size).toBeLessThan(300_000);
  });

  it('shards run with --curves merge into the same page (only the reproduce command differs)', async () => {
    const io = repoIo();
    const whole = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--html', join(io.dir, 'whole.html'), '--quiet']);
    expect(whole.code).toBe(0);
    const parts = [1, 2].map((index) => join(io.dir, `part-${index}.json`));
    for (const [at, part] of parts.entries()) {
      const sharded = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--shard', `${at + 1}/2`, '--curves', '--out', part, '--quiet']);
      expect(sharded.code).toBe(0);
    }
    const merged = await runWith(io, ['merge', ...parts, '--html', join(io.dir, 'merged.html'), '--quiet']);
    expect(merged.code).toBe(0);
    const mergedData = pageData(io.read('merged.html'));
    const wholeData = pageData(io.read('whole.html'));
    expect(mergedData.header.reproduce).toBe(`enetsim merge ${parts.join(' ')}`);
    expect({ ...mergedData, header: { ...mergedData.header, reproduce: '' } }).toEqual({ ...wholeData, header: { ...wholeData.header, reproduce: '' } });
  });

  it('bad uses exit 2 naming the flag and the path, and run nothing', async () => {
    const io = repoIo();
    const directory = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--html', io.dir]);
    expect(directory.code).toBe(2);
    expect(directory.err).toContain(`--html ${io.dir}: is a directory`);
    expect(directory.err).toContain('nothing was run');
    const missingDirectory = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--html', join(io.dir, 'no/such/dir/x.html')]);
    expect(missingDirectory.code).toBe(2);
    expect(missingDirectory.err).toContain(`--html ${join(io.dir, 'no/such/dir/x.html')}: its directory does not exist; nothing was run`);
    const same = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--out', join(io.dir, 'r.html'), '--html', join(io.dir, 'r.html')]);
    expect(same.code).toBe(2);
    expect(same.err).toContain('--out and --html name the same file');
    const withShard = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--shard', '1/2', '--html', join(io.dir, 'x.html')]);
    expect(withShard.code).toBe(2);
    expect(withShard.err).toContain('give --curves');
    const curvesAlone = await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--curves']);
    expect(curvesAlone.code).toBe(2);
    expect(curvesAlone.err).toContain('--curves goes with --shard');
    const part = join(io.dir, 'part.json');
    await runWith(io, ['sweep', SWEEP, '--seeds', '1', '--jobs', '1', '--shard', '1/1', '--out', part, '--quiet']);
    const noCurves = await runWith(io, ['merge', part, '--html', join(io.dir, 'y.html')]);
    expect(noCurves.code).toBe(2);
    expect(noCurves.err).toContain(`${part} has no curves for --html: run every shard with --curves`);
    expect(readFileSync(part, 'utf8')).not.toContain('"curve"');
  });
});
