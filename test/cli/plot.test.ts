// `run --plot STAT`: a chart per peer of the first seed's statistic, names as a list or repeated,
// an unknown name refused with exit 2 before anything runs, plain text unless colour is on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePlotNames } from '../../src/cli/commands/plot.js';
import { runCommand, runLimits } from '../../src/cli/commands/run.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import { PEER_STATISTIC_NAMES } from '../../src/sim/statistics.js';
import { FakeIo, REPO_ROOT, runWith } from './support-io.js';

const FILE = 'scenarios/throttle-under-congestion.yaml';
const io = new FakeIo({ cwd: REPO_ROOT });
afterAll(() => io.dispose());

/** The charts of a run's stdout: title line → chart lines (title included). */
function charts(out: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const lines = out.split('\n');
  lines.forEach((line, index) => {
    if (/^PEER_[A-Z_]+ \S+->\S+ \(seed/.test(line)) found.set(line, lines.slice(index, index + 11));
  });
  return found;
}

describe('run --plot', () => {
  it('--plot PEER_PACKET_THROTTLE: one chart per peer, and the lowest dots are where the throttle bottomed out', async () => {
    const run = await runWith(io, ['run', FILE, '--plot', 'PEER_PACKET_THROTTLE']);
    expect(run.code).toBe(0);
    const found = charts(run.out);
    expect([...found.keys()]).toEqual(['PEER_PACKET_THROTTLE client->server (seed 1)', 'PEER_PACKET_THROTTLE server->client (seed 1)']);

    const loaded = loadScenario(FILE, readFileSync(join(REPO_ROOT, FILE), 'utf8'));
    if (!loaded.ok) throw new Error('the scenario does not load');
    const { sim } = compileScenario(loaded.scenario, { seed: 1, typescriptOnly: true });
    sim.run(loaded.scenario.durationMs);
    sim.destroy();
    const throttles = sim.trace.events.flatMap((event) => (event.kind === 'stats' && event.host === 'client' ? [event.values[7]!] : []));
    const lowest = Math.min(...throttles);
    expect(lowest).toBeLessThan(16);
    const chart = found.get('PEER_PACKET_THROTTLE client->server (seed 1)')!;
    expect(chart[1]).toMatch(/^32\/32 ┤/);
    expect(chart[8]).toMatch(/^ 0\/32 ┤/);
    expect(chart[10]!.trim().split(/ +/)).toEqual(['0s', '5s', '10s']);
    // The lowest value is dot row round((32 − lowest) / 32 × 31) of 32, in character row ⌊row / 4⌋.
    const rowsWithDots = chart.slice(1, 9).flatMap((line, row) => (/[⠀-⣿]/.test(line) ? [row] : []));
    expect(Math.max(...rowsWithDots)).toBe(Math.floor(Math.round(((32 - lowest) / 32) * 31) / 4));
  });

  it('--plot: a comma list and a repeated flag chart each statistic once, in the order given', async () => {
    const run = await runWith(io, ['run', FILE, '--plot', 'PEER_ROUND_TRIP_TIME,PEER_PACKET_THROTTLE', '--plot', 'PEER_ROUND_TRIP_TIME']);
    expect(run.code).toBe(0);
    expect([...charts(run.out).keys()]).toEqual([
      'PEER_ROUND_TRIP_TIME client->server (seed 1)',
      'PEER_ROUND_TRIP_TIME server->client (seed 1)',
      'PEER_PACKET_THROTTLE client->server (seed 1)',
      'PEER_PACKET_THROTTLE server->client (seed 1)',
    ]);
    expect(run.out).toMatch(/^ +\d+ms ┤/m);
  });

  it('--plot with --seeds 3: the first seed is charted, and the title says so', async () => {
    const run = await runWith(io, ['run', FILE, '--seeds', '3', '--plot', 'PEER_PACKET_THROTTLE']);
    expect([...charts(run.out).keys()]).toEqual([
      'PEER_PACKET_THROTTLE client->server (seed 1, the first of 3 seeds)',
      'PEER_PACKET_THROTTLE server->client (seed 1, the first of 3 seeds)',
    ]);
  });

  it('--plot: the same seed gives the same bytes; no colour codes unless colour is on', async () => {
    const first = await runWith(io, ['run', FILE, '--plot', 'PEER_PACKET_THROTTLE']);
    const second = await runWith(io, ['run', FILE, '--plot', 'PEER_PACKET_THROTTLE']);
    expect(second.out).toBe(first.out);
    expect(first.out).not.toContain('\u001b[');
    const coloured = new FakeIo({ cwd: REPO_ROOT, color: true });
    const run = await runWith(coloured, ['run', FILE, '--plot', 'PEER_PACKET_THROTTLE']);
    coloured.dispose();
    expect(run.out).toContain('\u001b[36m');
  });

  it('--plot with a machine-readable reporter and no --out: the charts go to stderr, stdout is the report alone', async () => {
    const json = await runWith(io, ['run', FILE, '--plot', 'PEER_PACKET_THROTTLE', '--reporter', 'json']);
    expect(json.code, json.err).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ passed: true });
    expect([...charts(json.err).keys()]).toEqual(['PEER_PACKET_THROTTLE client->server (seed 1)', 'PEER_PACKET_THROTTLE server->client (seed 1)']);
    const junit = await runWith(io, ['run', FILE, '--plot', 'PEER_PACKET_THROTTLE', '--reporter', 'junit']);
    expect(junit.out.startsWith('<?xml')).toBe(true);
    expect(charts(junit.err).size).toBe(2);
  });

  it('--plot with --reporter json --out FILE: the charts stay on stdout, beside the summary', async () => {
    const run = await runWith(io, ['run', FILE, '--plot', 'PEER_PACKET_THROTTLE', '--reporter', 'json', '--out', join(io.dir, 'r.json')]);
    expect(run.code, run.err).toBe(0);
    expect(charts(run.out).size).toBe(2);
    expect(JSON.parse(io.read('r.json'))).toMatchObject({ passed: true });
  });

  it('--plot of a run stopped at a limit: the title says where it stopped', async () => {
    const limited = new FakeIo();
    limited.put('long.yaml', 'name: long\nduration: 60s\nhosts:\n  server: { service: 10ms }\n  client: { service: 10ms }\ntimeline:\n  - at: 0s\n    connect: { from: client, to: server }\n');
    const limits = runLimits(1);
    const code = runCommand(
      { patterns: ['long.yaml'], seed: null, seeds: 1, reporter: 'pretty', out: null, trace: null, quiet: true, explain: false, plot: ['PEER_PACKET_THROTTLE'], implementationName: null, libenetPath: null, limits: { ...limits, simulation: { ...limits.simulation, eventBudget: 2000 } } },
      limited,
    );
    limited.dispose();
    expect(code).toBe(2);
    expect(limited.out).toMatch(/^PEER_PACKET_THROTTLE client->server \(seed 1; the run stopped at [\d.]+s, at a limit\)$/m);
  });

  it('--plot: an unknown statistic exits 2 before running, naming the closest and listing all', async () => {
    const run = await runWith(io, ['run', FILE, '--plot', 'PEER_PACKET_THROTLE']);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toContain("enetsim: --plot: unknown statistic 'PEER_PACKET_THROTLE' (did you mean 'PEER_PACKET_THROTTLE'?); the statistics are PEER_PACKET_LOSS, ");
    expect(run.err).toContain('PEER_PACKET_THROTTLE_INTERVAL');
    expect(run.err).not.toMatch(/\n\s+at /);
  });

  it('--plot without a name, or with an empty one in a list, exits 2 and says a name is needed', async () => {
    for (const flags of [['--plot'], ['--plot', 'PEER_PACKET_THROTTLE,,PEER_ROUND_TRIP_TIME']]) {
      const run = await runWith(io, ['run', FILE, ...flags]);
      expect(run.code).toBe(2);
      expect(run.out).toBe('');
      expect(run.err).toContain('enetsim: --plot needs a statistic name, e.g. --plot PEER_PACKET_THROTTLE; the statistics are PEER_PACKET_LOSS, ');
    }
  });

  it('parsePlotNames: every Godot statistic name is accepted; a name far from all gets no guess', () => {
    expect(parsePlotNames([PEER_STATISTIC_NAMES.join(',')])).toEqual({ ok: true, names: [...PEER_STATISTIC_NAMES] });
    const refused = parsePlotNames(['rtt']);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toMatch(/^--plot: unknown statistic 'rtt'; the statistics are /);
  });
});
