// What run writes and says: the trace goes out seed by seed in bounded pieces (never one string),
// --explain names the seed that ran, and a scenario written for one seed runs with that seed only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputFile } from '../../src/cli/io.js';
import type { JsonReport } from '../../src/cli/reporters/index.js';
import { FakeIo, REPO_ROOT, runWith } from './support-io.js';

/** A fake that records the length of every piece written to an output. */
class MeasuringIo extends FakeIo {
  readonly pieceLengths: number[] = [];

  constructor(options: ConstructorParameters<typeof FakeIo>[0]) {
    super(options);
    const open = this.openOutput;
    this.openOutput = (path: string): OutputFile => {
      const file = open(path);
      return {
        write: (text) => {
          this.pieceLengths.push(text.length);
          file.write(text);
        },
        close: () => file.close(),
      };
    };
  }
}

const ios: FakeIo[] = [];
afterEach(() => {
  for (const io of ios.splice(0)) io.dispose();
});

function scenarioIo<T extends FakeIo>(io: T): T {
  ios.push(io);
  return io;
}

describe('run outputs', () => {
  it('trace: 6 seeds of a lossy scenario go out in pieces of about 1 MiB, one run line per seed, byte-identical to a one-seed trace', async () => {
    const io = scenarioIo(new MeasuringIo({ cwd: REPO_ROOT }));
    const many = await runWith(io, ['run', 'scenarios/reliable-under-loss.yaml', '--seeds', '6', '--trace', join(io.dir, 'many.jsonl'), '--quiet']);
    expect(many.code, many.err).toBe(0);
    const text = io.read('many.jsonl');
    expect(text.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(Math.max(...io.pieceLengths)).toBeLessThan(1024 * 1024 + 4096);
    expect(io.pieceLengths.length).toBeGreaterThan(3);
    const runLines = text.split('\n').filter((line) => line.startsWith('{"kind":"run"'));
    expect(runLines).toHaveLength(6);
    const one = await runWith(io, ['run', 'scenarios/reliable-under-loss.yaml', '--trace', join(io.dir, 'one.jsonl'), '--quiet']);
    expect(one.code).toBe(0);
    expect(text.startsWith(io.read('one.jsonl'))).toBe(true);
  });

  it('trace: the run line of each seed carries the same trace hash as the report', async () => {
    const io = scenarioIo(new FakeIo({ cwd: REPO_ROOT }));
    const run = await runWith(io, ['run', 'scenarios/handshake.yaml', '--seeds', '3', '--trace', join(io.dir, 't.jsonl'), '--reporter', 'json']);
    const report = JSON.parse(run.out) as JsonReport;
    const runLines = io.read('t.jsonl').split('\n').filter((line) => line.startsWith('{"kind":"run"')).map((line) => JSON.parse(line) as { seed: number; traceHash: string });
    expect(runLines.map((line) => [line.seed, line.traceHash])).toEqual(report.scenarios[0]!.seeds.map((seed, index) => [seed, report.scenarios[0]!.traceHashes[index]]));
  });

  it('--out: the report file is complete before the summary is printed', async () => {
    const io = scenarioIo(new FakeIo({ cwd: REPO_ROOT }));
    const run = await runWith(io, ['run', 'scenarios/handshake.yaml', '--out', join(io.dir, 'report.xml'), '--reporter', 'junit']);
    expect(run.code).toBe(0);
    expect(io.read('report.xml')).toMatch(/<\/testsuites>\n$/);
    expect(run.out).toMatch(/1 scenario, 1 passed, 0 failed/);
  });

  it('--explain: the header shows the seed that ran (--seed 8), not the file\'s seed', async () => {
    const io = scenarioIo(new FakeIo({ cwd: REPO_ROOT }));
    const run = await runWith(io, ['run', 'scenarios/handshake.yaml', '--seed', '8', '--explain']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/duration 3s, seed 8, ENet clock/);
    expect(run.out).toContain('Narrated run (seed 8):');
    expect(run.out).not.toMatch(/seed 1\b/);
  });

  it('fixed_seed: --seeds 20 runs a scenario written for seed 7 once, with seed 7, and --explain says so', async () => {
    const io = scenarioIo(new FakeIo({ cwd: REPO_ROOT }));
    const file = 'scenarios/corruption-needs-checksum.yaml';
    expect(readFileSync(join(REPO_ROOT, file), 'utf8')).toContain('fixed_seed: true');
    const run = await runWith(io, ['run', file, '--seeds', '20', '--reporter', 'json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.out) as JsonReport).scenarios[0]!.seeds).toEqual([7]);
    expect(run.err).toBe(`enetsim: ${file} says fixed_seed: true, so it runs once with its seed 7 (--seed and --seeds do not apply to it)\n`);
    const explained = await runWith(io, ['run', file, '--seed', '3', '--explain', '--quiet']);
    expect(explained.out).toContain('seed 7 (fixed by the scenario)');
  });
});
