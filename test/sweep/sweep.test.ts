// enetsim sweep and merge end to end: the report whatever --jobs, shard + merge equal to one run,
// replay commands that reproduce their run, outputs, exit codes, the quick form, flag errors.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeIo, REPO_ROOT, runWith } from '../cli/support-io.js';
import type { SweepReport } from '../../src/sweep/report.js';

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

/** Splits a printed command into words, honouring the single quotes replayCommand writes. */
function words(command: string): string[] {
  return [...command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((match) => (match[1] !== undefined ? match[1].replace(/'\\''/g, "'") : match[2]!));
}

describe('sweep', () => {
  it('a sweep file: JSON report in the documented shape, n per variant = seeds, paired verdicts against the baseline', async () => {
    const { code, out } = await runWith(repoIo(), ['sweep', SWEEP, '--seeds', '3', '--jobs', '1', '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as SweepReport;
    expect(report.format).toBe('enetsim-sweep/1');
    expect(report.variants.map((variant) => variant.label)).toEqual(['throttle=default', 'throttle=fast', 'throttle=gentle', 'throttle=steep']);
    expect(report.runs).toHaveLength(4 * 3);
    const fast = report.variants[1]!;
    expect(fast.baseline).toBe('throttle=default');
    expect(fast.measures[0]!.n + fast.measures[0]!.missing).toBe(3);
    expect(fast.measures[0]!.vsBaseline!.pairs).toBe(3);
    // The summary is the mean of the rows it summarises.
    const rows = report.runs.filter((run) => run.variant === 'throttle=fast').map((run) => run.values[0]!);
    expect(fast.measures[0]!.mean).toBeCloseTo(rows.reduce((a, b) => a + b, 0) / rows.length, 12);
    expect(report.variants[0]!.baseline).toBeNull();
    expect(report.requirements).toEqual([{ requirement: 'burst delivered for throttle=default: mean at least 0.3', holds: true, detail: expect.stringContaining('over 3 runs') }]);
  });

  it('every row replays: its enetsim run command gives the same trace hash', async () => {
    const { out } = await runWith(repoIo(), ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--format', 'json']);
    const report = JSON.parse(out) as SweepReport;
    const row = report.runs.find((run) => run.variant === 'throttle=steep' && run.seed === 2)!;
    expect(row.replay).toBe("enetsim run scenarios/throttle-configure-tuning.yaml --seed 2 --set timeline.tune.throttle_configure.acceleration=2 --set timeline.tune.throttle_configure.deceleration=8");
    const replay = await runWith(repoIo(), [...words(row.replay!).slice(1), '--reporter', 'json']);
    const ran = JSON.parse(replay.out) as { scenarios: { traceHashes: string[] }[] };
    expect(ran.scenarios[0]!.traceHashes).toEqual([row.traceHash]);
    // And the other variants differ: the override changed the run.
    expect(report.runs.find((run) => run.variant === 'throttle=default' && run.seed === 2)!.traceHash).not.toBe(row.traceHash);
  });

  it('weather: time-keyed runs every variant on time-keyed link draws, and the replay command says so', async () => {
    const io = new FakeIo();
    ios.push(io);
    const scenario = join(REPO_ROOT, 'scenarios/ping-interval-idle.yaml');
    const sweep = (weather: string) =>
      `sweep: ping_interval on keyed weather\nscenario: ${scenario}\nseeds: [3]\n${weather}vary:\n  ping:\n    500ms: {}\n    100ms: { timeline.ping.ping_interval.interval: 100ms }\nmeasure:\n  - name: sent\n    better: lower\n    datagrams: { from: client, to: server, between: [1s, 9.9s] }\n`;
    io.put('keyed.yaml', sweep('weather: time-keyed\n'));
    io.put('plain.yaml', sweep(''));
    const keyed = JSON.parse((await runWith(io, ['sweep', 'keyed.yaml', '--jobs', '1', '--format', 'json'])).out) as SweepReport;
    const plain = JSON.parse((await runWith(io, ['sweep', 'plain.yaml', '--jobs', '1', '--format', 'json'])).out) as SweepReport;
    const row = keyed.runs.find((run) => run.variant === 'ping=100ms')!;
    expect(row.replay).toBe(`enetsim run ${scenario} --seed 3 --set timeline.ping.ping_interval.interval=100ms --set link_draws=time-keyed`);
    const replay = await runWith(io, [...words(row.replay!).slice(1), '--reporter', 'json']);
    expect((JSON.parse(replay.out) as { scenarios: { traceHashes: string[] }[] }).scenarios[0]!.traceHashes).toEqual([row.traceHash]);
    // The scenario's jitter is drawn another way under time-keyed draws: the runs are not the per-datagram ones.
    expect(plain.runs.find((run) => run.variant === 'ping=100ms')!.traceHash).not.toBe(row.traceHash);
  });

  it('shard 1/3, 2/3, 3/3 then merge: the same JSON as one run, byte for byte', async () => {
    const io = repoIo();
    const whole = await runWith(io, ['sweep', SWEEP, '--seeds', '3', '--jobs', '1', '--format', 'json']);
    const parts: string[] = [];
    for (const index of [3, 1, 2]) {
      const path = join(io.dir, `part-${index}.json`);
      const sharded = await runWith(io, ['sweep', SWEEP, '--seeds', '3', '--jobs', '1', '--shard', `${index}/3`, '--out', path, '--quiet']);
      expect(sharded.code).toBe(0);
      parts.push(path);
    }
    const merged = await runWith(io, ['merge', ...parts, '--format', 'json']);
    expect(merged.code).toBe(0);
    expect(merged.out).toBe(whole.out);
  });

  it('merge refuses a missing shard, a shard given twice, and a file that is not a part', async () => {
    const io = repoIo();
    const path = join(io.dir, 'part-1.json');
    await runWith(io, ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--shard', '1/2', '--out', path, '--quiet']);
    const missing = await runWith(io, ['merge', path]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('shard 2/2 missing');
    const twice = await runWith(io, ['merge', path, path]);
    expect(twice.err).toContain('shard 1/2 is given twice');
    const report = join(io.dir, 'report.json');
    writeFileSync(report, JSON.stringify({ format: 'enetsim-sweep/1' }));
    const wrong = await runWith(io, ['merge', report]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('this is a finished report');
  });

  it('CSV is long form: one row per variant × seed × measure, with the documented columns', async () => {
    const { out } = await runWith(repoIo(), ['sweep', SWEEP, '--seeds', '2', '--jobs', '1', '--format', 'csv']);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('variant,throttle,seed,measure,unit,value,status,replay');
    expect(lines).toHaveLength(1 + 4 * 2 * 3);
    expect(lines[1]).toMatch(/^throttle=default,default,1,burst delivered,ratio,0\.\d+,ok,enetsim run scenarios\/throttle-configure-tuning\.yaml --seed 1$/);
  });

  it('Markdown: a table per measure with verdict marks, for $GITHUB_STEP_SUMMARY', async () => {
    const { out } = await runWith(repoIo(), ['sweep', SWEEP, '--seeds', '3', '--jobs', '1', '--format', 'markdown']);
    expect(out).toContain('### throttle_configure under congestion and relief');
    expect(out).toContain('| variant | mean ± CI (n) | median | spread | never | vs baseline |');
    expect(out).toMatch(/\| throttle=steep \|.*\| ❌ worse/);
  });

  it('a requirement that fails: exit 1, and the report names it with its numbers', async () => {
    const io = repoIo();
    const sweep = readFileSync(join(REPO_ROOT, SWEEP), 'utf8')
      .replace('../scenarios/', `${REPO_ROOT}/scenarios/`)
      .replace('  - { measure: burst delivered, variant: { throttle: default }, at_least: 0.3 }', '  - { measure: burst delivered, variant: { throttle: steep }, better_than_baseline: true }');
    const path = join(io.dir, 'failing.yaml');
    writeFileSync(path, sweep);
    const { code, out } = await runWith(io, ['sweep', path, '--seeds', '3', '--jobs', '1']);
    expect(code).toBe(1);
    expect(out).toMatch(/✗ FAILS {2}burst delivered for throttle=steep: better than baseline: worse: mean difference -0\.\d+ \(95% CI -0\.\d+ to -0\.\d+\) against throttle=default over 3 paired seeds, 0 wins, 0 ties, 3 losses/);
  });

  it('a measure that never happens is counted as such, never averaged as zero', async () => {
    const io = repoIo();
    const path = join(io.dir, 'never.yaml');
    writeFileSync(path, `sweep: no timeout happens\nscenario: ${REPO_ROOT}/scenarios/throttle-configure-tuning.yaml\nseeds: 3\nmeasure:\n  - { name: timeout, better: lower, timeout: { peer: client->server } }\n`);
    const { code, out } = await runWith(io, ['sweep', path, '--jobs', '1', '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as SweepReport;
    expect(report.variants[0]!.measures[0]).toMatchObject({ n: 0, missing: 3, mean: null, median: null });
    expect(report.runs.map((run) => run.values[0])).toEqual([null, null, null]);
  });

  it('a traffic measure: retransmissions, overhead and datagram size per run, as run reports them', async () => {
    const io = repoIo();
    const path = join(io.dir, 'traffic.yaml');
    const traffic = (fields: string) => `traffic: { from: client, to: server, ${fields} }`;
    writeFileSync(
      path,
      `sweep: what loss costs on the wire\nscenario: ${REPO_ROOT}/scenarios/reliable-under-loss.yaml\nseeds: [1]\nvary:\n  loss:\n    10%: {}\n    none: { timeline.lossy.link.default.loss: 0% }\nmeasure:\n` +
        `  - { name: retransmissions, better: lower, ${traffic('measure: retransmissions, channel: 0')} }\n` +
        `  - { name: overhead, better: lower, ${traffic('measure: overhead')} }\n` +
        `  - { name: size, better: lower, ${traffic('measure: size, aggregate: p50')} }\n`,
    );
    const { code, out } = await runWith(io, ['sweep', path, '--jobs', '1', '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as SweepReport & { measures: { name: string; unit: string }[] };
    expect(report.measures.map((measure) => measure.unit)).toEqual(['count', 'ratio', 'bytes']);
    const values = (variant: string) => report.runs.find((run) => run.variant === variant)!.values;
    // Seed 1 under 10 % loss: what \`enetsim run\` observes (206 retransmissions; 232820 B on the wire for 900 × 200 B).
    expect(values('loss=10%')).toEqual([206, 232_820 / 180_000, 210]);
    // Without loss nothing is sent again; a 200 B packet is a 210 B datagram (4 B header + 6 B SEND_RELIABLE), plus a few ACK-only datagrams.
    const [retransmissions, overhead, sizeBytes] = values('loss=none');
    expect(retransmissions).toBe(0);
    expect(sizeBytes).toBe(210);
    expect(overhead).toBeGreaterThan(1.05);
    expect(overhead).toBeLessThan(1.06);
  });

  it('quick form: each --set is an axis, the first value of the first axis is the baseline; measures come from the expectations', async () => {
    const { code, out } = await runWith(repoIo(), ['sweep', 'scenarios/throttle-configure-tuning.yaml', '--set', 'timeline.tune.throttle_configure.acceleration=2,8', '--set', 'links.default.jitter=1ms,5ms', '--seeds', '2', '--jobs', '1', '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as SweepReport;
    expect(report.variants.map((variant) => variant.label)).toEqual([
      'timeline.tune.throttle_configure.acceleration=2 links.default.jitter=1ms',
      'timeline.tune.throttle_configure.acceleration=2 links.default.jitter=5ms',
      'timeline.tune.throttle_configure.acceleration=8 links.default.jitter=1ms',
      'timeline.tune.throttle_configure.acceleration=8 links.default.jitter=5ms',
    ]);
    expect(report.variants[3]!.baseline).toBe('timeline.tune.throttle_configure.acceleration=2 links.default.jitter=5ms');
    expect(report.variants[1]!.baseline).toBeNull();
    expect(report.measures.map((measure) => [measure.name, measure.better])).toEqual([
      ['the queue builds up under the burst', 'higher'],
      ['the throttle falls under congestion', 'lower'],
    ]);
  });

  it('flag problems name the flag and exit 2 without running', async () => {
    const io = repoIo();
    const badSet = await runWith(io, ['sweep', 'scenarios/throttle-configure-tuning.yaml', '--set', 'links.default.loss']);
    expect(badSet).toMatchObject({ code: 2, out: '' });
    expect(badSet.err).toContain("--set 'links.default.loss': write path=value");
    const nothing = await runWith(io, ['sweep', 'scenarios/throttle-configure-tuning.yaml', '--set', 'links.nowhere.loss=1%']);
    expect(nothing.code).toBe(2);
    expect(nothing.err).toContain("--set 'links.nowhere.loss=1%': 'links' has no 'nowhere'");
    const shard = await runWith(io, ['sweep', SWEEP, '--shard', '3/2']);
    expect(shard.code).toBe(2);
    expect(shard.err).toContain('--shard must be i/n');
    const runSet = await runWith(io, ['run', 'scenarios/throttle-configure-tuning.yaml', '--set', 'timeline.nope.at=1s']);
    expect(runSet.code).toBe(2);
    expect(runSet.err).toContain("no timeline entry has id 'nope'");
  });

  it('enetsim schema --sweep prints the sweep file JSON Schema', async () => {
    const { code, out } = await runWith(repoIo(), ['schema', '--sweep']);
    expect(code).toBe(0);
    const schema = JSON.parse(out) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['sweep', 'scenario', 'seeds', 'vary', 'measure', 'baseline', 'require', 'exclude', 'variants']));
    expect(schema.required).toEqual(expect.arrayContaining(['sweep', 'scenario', 'seeds', 'measure']));
  });
});

describe('terminal', () => {
  it('a progress bar on stderr when it is a terminal (runs done/total, ETA), none with --quiet or off a terminal', async () => {
    const io = repoIo();
    (io as { stderrIsTerminal?: boolean }).stderrIsTerminal = true;
    const shown = await runWith(io, ['sweep', SWEEP, '--seeds', '1', '--jobs', '1']);
    expect(shown.err).toContain('4/4 runs, ETA');
    const quiet = await runWith(io, ['sweep', SWEEP, '--seeds', '1', '--jobs', '1', '--quiet']);
    expect(quiet.err).toBe('');
    const offTerminal = await runWith(repoIo(), ['sweep', SWEEP, '--seeds', '1', '--jobs', '1']);
    expect(offTerminal.err).toBe('');
  });

  it('with colour on, a better verdict is green and a worse one red; the best mean is marked', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT, color: true });
    ios.push(io);
    const { out } = await runWith(io, ['sweep', SWEEP, '--seeds', '3', '--jobs', '1']);
    expect(out).toContain('\u001b[32mbetter:');
    expect(out).toContain('\u001b[31mworse:');
    expect(out).toContain('★');
  });

  it('an inline scenario runs, and its rows say there is no file to replay', async () => {
    const io = repoIo();
    const path = join(io.dir, 'inline.yaml');
    writeFileSync(path, readFileSync(join(REPO_ROOT, 'test/sweep/invalid/inline-scenario-unknown-key.yaml'), 'utf8').replace('latncy: 20ms', 'latency: 20ms, jitter: 5ms'));
    const { code, out } = await runWith(io, ['sweep', path, '--jobs', '1', '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as SweepReport;
    expect(report.scenario).toEqual({ file: null, name: 'inline handshake' });
    expect(report.runs.every((run) => run.replay === null)).toBe(true);
    expect(report.variants[1]!.measures[0]!.vsBaseline!.verdict).toBe('worse');
  });
});

describe('every shipped sweep', () => {
  for (const name of readdirSync(join(REPO_ROOT, 'sweeps')).filter((file) => file.endsWith('.yaml'))) {
    it(`sweeps/${name} runs at 2 seeds, its requirements hold, and it has a question/answer/why header`, async () => {
      const text = readFileSync(join(REPO_ROOT, 'sweeps', name), 'utf8');
      expect(text).toMatch(/^# Question: /);
      expect(text).toMatch(/\n# Answer/);
      expect(text).toMatch(/\n# Why/);
      const { code, err } = await runWith(repoIo(), ['sweep', `sweeps/${name}`, '--seeds', '2', '--jobs', '1']);
      expect(err).toBe('');
      expect(code).toBe(0);
    });
  }
});

describe('worker threads (the built CLI)', () => {
  const cli = join(REPO_ROOT, 'dist/cli/main.js');
  it.runIf(existsSync(cli))('--jobs 1 and --jobs 2 print the same JSON report', () => {
    const run = (jobs: string) => execFileSync(process.execPath, [cli, 'sweep', SWEEP, '--seeds', '3', '--jobs', jobs, '--format', 'json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    const one = run('1');
    expect(JSON.parse(one).runs).toHaveLength(12);
    expect(run('2')).toBe(one);
  });
});
