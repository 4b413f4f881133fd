// A hostile but honest user's flags and files: every case exits 2 with the flag or the path in its
// message, prints no stack trace, never exits 3, and prints no more than a screen (40 lines). Then the
// cases that must work however odd they look (a directory with a link loop and a scenario in it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { SCENARIO_FILES_MAX, WALK_DEPTH_MAX, WALK_ENTRIES_MAX } from '../../src/cli/commands/files.js';
import { SCENARIO_FILE_BYTES_MAX } from '../../src/cli/commands/run.js';
import { FakeIo, runWith, type CliRun } from './support-io.js';

const SCREEN_LINES_MAX = 40;

const SCENARIO = `name: handshake
duration: 1s
hosts:
  server: { service: 60Hz }
  client: { service: 60Hz }
timeline:
  - at: 0s
    connect: { from: client, to: server }
expect:
  - state: { peer: client->server, reaches: STATE_CONNECTED }
`;

/** One fake for the whole file: its temp dir holds every hostile file below. */
const io = new FakeIo();
afterAll(() => io.dispose());
io.put('ok.yaml', SCENARIO);
io.put('empty-dir/readme.txt', 'no scenarios here\n');
mkdirSync(join(io.dir, 'a-directory'));
io.put('loop-only/.keep', '');
symlinkSync('.', join(io.dir, 'loop-only', 'again'));
symlinkSync('self.yaml', join(io.dir, 'loop-only', 'self.yaml'));
io.put('loop-dir/.keep', '');
symlinkSync('../loop-dir', join(io.dir, 'loop-dir', 'again.yaml'));
writeFileSync(join(io.dir, 'huge.yaml'), `name: x\n# ${'y'.repeat(SCENARIO_FILE_BYTES_MAX)}\n`);
execFileSync('mkfifo', [join(io.dir, 'pipe.yaml')]);
for (let index = 0; index <= SCENARIO_FILES_MAX; index++) io.put(`many/s${String(index).padStart(4, '0')}.yaml`, SCENARIO);
// A tree with more entries than a walk may look at: 200 directories of 100 files (no scenario among them).
for (let directoryIndex = 0; directoryIndex < 200; directoryIndex++) {
  mkdirSync(join(io.dir, 'tree', `d${directoryIndex}`), { recursive: true });
  for (let fileIndex = 0; fileIndex < WALK_ENTRIES_MAX / 200; fileIndex++) writeFileSync(join(io.dir, 'tree', `d${directoryIndex}`, `f${fileIndex}.txt`), '');
}
// A scenario deeper than a walk descends, and one just within reach.
io.put(`deep/${Array.from({ length: WALK_DEPTH_MAX + 1 }, (_, index) => `l${index}`).join('/')}/too-deep.yaml`, SCENARIO);
io.put(`deep/${Array.from({ length: WALK_DEPTH_MAX }, (_, index) => `l${index}`).join('/')}/deepest.yaml`, SCENARIO);

/** A fake whose files all fail to read with EACCES, as an unreadable file does for a non-root user. */
class UnreadableIo extends FakeIo {
  override readFile = (): Uint8Array => {
    throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  };
}

interface HostileCase {
  name: string;
  argv: string[];
  /** What the message must contain: the flag or the path, and the reason. */
  message: RegExp;
  /** The fake to run on, when not the shared one. */
  on?: () => FakeIo;
}

const CASES: HostileCase[] = [
  { name: '--seeds 0', argv: ['run', 'ok.yaml', '--seeds', '0'], message: /--seeds must be a whole number from 1 to 10000/ },
  { name: '--seeds abc', argv: ['run', 'ok.yaml', '--seeds', 'abc'], message: /--seeds must be a whole number/ },
  { name: '--seeds 1.5', argv: ['run', 'ok.yaml', '--seeds', '1.5'], message: /--seeds must be a whole number/ },
  { name: '--seeds 10001', argv: ['run', 'ok.yaml', '--seeds', '10001'], message: /--seeds must be a whole number from 1 to 10000/ },
  { name: '--seeds given twice', argv: ['run', 'ok.yaml', '--seeds', '2', '--seeds', '3'], message: /--seeds given more than once/ },
  { name: '--seed -1', argv: ['run', 'ok.yaml', '--seed', '-1'], message: /--seed must be a whole number from 0 to 4294967295/ },
  { name: '--seed 4294967296', argv: ['run', 'ok.yaml', '--seed', '4294967296'], message: /--seed must be a whole number from 0 to 4294967295/ },
  { name: '--seed NaN', argv: ['run', 'ok.yaml', '--seed', 'NaN'], message: /--seed must be a whole number/ },
  { name: 'an unknown reporter', argv: ['run', 'ok.yaml', '--reporter', 'xml'], message: /reporter.*xml|xml.*reporter/i },
  { name: 'an unknown --impl', argv: ['run', 'ok.yaml', '--impl', 'c'], message: /impl/ },
  { name: '--budget-scale 0', argv: ['run', 'ok.yaml', '--budget-scale', '0'], message: /--budget-scale must be a number from/ },
  { name: '--budget-scale abc', argv: ['run', 'ok.yaml', '--budget-scale', 'abc'], message: /--budget-scale must be a number from/ },
  { name: 'run without a file', argv: ['run'], message: /run needs at least one scenario file/ },
  { name: '--out into a missing directory', argv: ['run', 'ok.yaml', '--out', 'reports/x.xml'], message: /--out reports\/x\.xml: its directory does not exist; nothing was run/ },
  { name: '--out naming a directory', argv: ['run', 'ok.yaml', '--out', 'a-directory'], message: /--out a-directory: is a directory/ },
  { name: '--out to a full device', argv: ['run', 'ok.yaml', '--out', '/dev/full'], message: /--out \/dev\/full: no space left on the device/ },
  { name: '--out without a name', argv: ['run', 'ok.yaml', '--out', ''], message: /--out needs a file name/ },
  { name: '--trace into a missing directory', argv: ['run', 'ok.yaml', '--trace', 'traces/t.jsonl'], message: /--trace traces\/t\.jsonl: its directory does not exist; nothing was run/ },
  { name: '--trace naming a directory', argv: ['run', 'ok.yaml', '--trace', 'a-directory/'], message: /--trace a-directory\/: is a directory/ },
  { name: '--trace to a full device', argv: ['run', 'ok.yaml', '--trace', '/dev/full'], message: /--trace \/dev\/full: no space left on the device/ },
  { name: '--out and --trace the same file', argv: ['run', 'ok.yaml', '--out', 'same.txt', '--trace', 'same.txt'], message: /--out and --trace name the same file \(same\.txt\)/ },
  { name: '--pcap into a missing directory', argv: ['run', 'ok.yaml', '--pcap', 'captures/x.pcapng'], message: /--pcap captures\/x\.pcapng: its directory does not exist; nothing was run/ },
  { name: '--pcap naming a directory', argv: ['run', 'ok.yaml', '--pcap', 'a-directory'], message: /--pcap a-directory: is a directory/ },
  { name: '--pcap without a name', argv: ['run', 'ok.yaml', '--pcap', ''], message: /--pcap needs a file name/ },
  { name: '--pcap given twice', argv: ['run', 'ok.yaml', '--pcap', 'a.pcapng', '--pcap', 'b.pcapng'], message: /--pcap given more than once/ },
  { name: '--out and --pcap the same file', argv: ['run', 'ok.yaml', '--out', 'same.txt', '--pcap', 'same.txt'], message: /--out and --pcap name the same file \(same\.txt\)/ },
  { name: '--html naming the scenario file it runs', argv: ['run', 'ok.yaml', '--html', './ok.yaml'], message: /--html \.\/ok\.yaml is the scenario file ok\.yaml; give another file; nothing was run/ },
  { name: '--pcap naming a scenario file it runs', argv: ['run', 'ok.yaml', '--pcap', 'ok.yaml'], message: /--pcap ok\.yaml is the scenario file ok\.yaml; give another file/ },
  { name: '--html to a full device in a sweep', argv: ['sweep', 'ok.yaml', '--set', 'duration=1s,2s', '--seeds', '1', '--jobs', '1', '--html', '/dev/full'], message: /--html \/dev\/full: no space left on the device/ },
  { name: '--out to a full device in a sweep', argv: ['sweep', 'ok.yaml', '--set', 'duration=1s,2s', '--seeds', '1', '--jobs', '1', '--out', '/dev/full'], message: /--out \/dev\/full: no space left on the device/ },
  { name: 'sweep --html into a missing directory', argv: ['sweep', 'ok.yaml', '--set', 'duration=1s,2s', '--html', 'charts/x.html'], message: /--html charts\/x\.html: its directory does not exist; nothing was run/ },
  { name: 'sweep --html naming the scenario it sweeps', argv: ['sweep', 'ok.yaml', '--set', 'duration=1s,2s', '--html', 'ok.yaml'], message: /--html ok\.yaml is the scenario file ok\.yaml; give another file; nothing was run/ },
  { name: '--html-window with a negative start', argv: ['run', 'ok.yaml', '--html', 'w.html', '--html-window', '-1s..5s'], message: /--html-window -1s\.\.5s: "-1s": a duration cannot be negative/ },
  { name: 'report --html-window with a negative start', argv: ['report', 'ok.yaml', '--html', 'w.html', '--html-window', '-1s..5s'], message: /--html-window -1s\.\.5s: "-1s": a duration cannot be negative/ },
  { name: '--pcap and --html the same file, spelled two ways', argv: ['run', 'ok.yaml', '--pcap', 'both.out', '--html', './both.out'], message: /--pcap and --html name the same file \(both\.out\)/ },
  { name: 'sweep --out and --html the same file, spelled two ways', argv: ['sweep', 'ok.yaml', '--set', 'duration=1s,2s', '--out', 'both.out', '--html', './both.out'], message: /--out and --html name the same file \(both\.out\)/ },
  { name: '/dev/zero as a scenario', argv: ['run', '/dev/zero'], message: /\/dev\/zero: not a regular file/ },
  { name: 'a FIFO as a scenario', argv: ['run', 'pipe.yaml'], message: /pipe\.yaml: not a regular file/ },
  { name: 'a FIFO matched by a glob', argv: ['validate', '*.yaml'], message: /pipe\.yaml: not a regular file/ },
  { name: 'a directory holding only symlink loops', argv: ['run', 'loop-only'], message: /loop-only\/self\.yaml: not a regular file/ },
  { name: 'a directory holding only a link to itself', argv: ['run', 'loop-dir'], message: /loop-dir: no \.yaml files in this directory/ },
  { name: 'a scenario that is a link to itself', argv: ['run', 'loop-only/self.yaml'], message: /loop-only\/self\.yaml: not a regular file/ },
  { name: 'a scenario file over 1 MiB', argv: ['run', 'huge.yaml'], message: new RegExp(`huge\\.yaml: \\d+ bytes; a scenario file is at most ${SCENARIO_FILE_BYTES_MAX} bytes`) },
  { name: 'a glob matching more files than allowed', argv: ['run', 'many/*.yaml'], message: new RegExp(`many/\\*\\.yaml: more than ${SCENARIO_FILES_MAX} scenario files`) },
  { name: 'a glob over a tree larger than a walk may look at', argv: ['run', 'tree/**/*.yaml'], message: new RegExp(`tree: more than ${WALK_ENTRIES_MAX} directory entries to look through`) },
  { name: 'a directory larger than a walk may look at', argv: ['validate', 'tree'], message: new RegExp(`tree: more than ${WALK_ENTRIES_MAX} directory entries`) },
  { name: 'a one-level glob with no match (/usr/*.yaml)', argv: ['run', '/usr/*.yaml'], message: /\/usr\/\*\.yaml: no file matches/ },
  { name: 'a missing file', argv: ['run', 'nope.yaml'], message: /nope\.yaml: no such file/ },
  { name: 'a directory without yaml', argv: ['run', 'empty-dir'], message: /empty-dir: no \.yaml files in this directory/ },
  { name: 'a glob whose directory is missing', argv: ['run', 'nowhere/*.yaml'], message: /nowhere\/\*\.yaml: directory nowhere does not exist/ },
  { name: 'an unreadable file', argv: ['run', 'ok.yaml'], message: /ok\.yaml: permission denied/, on: () => new UnreadableIo({ cwd: io.dir }) },
  { name: 'connect to a malformed address', argv: ['connect', '999.1.1.1:80'], message: /'999\.1\.1\.1' is not an IPv4 address/ },
];

function expectRefusal(run: CliRun, message: RegExp): void {
  const printed = `${run.out}${run.err}`;
  expect(run.code, printed).toBe(2);
  expect(run.err).toMatch(message);
  expect(printed).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(printed).not.toMatch(/internal error/);
  expect(printed.split('\n').length).toBeLessThanOrEqual(SCREEN_LINES_MAX);
}

describe('hostile flags and files: exit 2, the flag or path named, no stack trace, a screen at most', () => {
  it(`hostile: there are at least 20 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  for (const { name, argv, message, on } of CASES) {
    it(`hostile: ${name}`, async () => {
      const target = on?.() ?? io;
      try {
        expectRefusal(await runWith(target, argv), message);
      } finally {
        if (target !== io) target.dispose();
      }
    });
  }
});

describe('outputs: checked before the run, written after it in an order that never misleads', () => {
  it('outputs: an output that names an input file leaves the input as it was', async () => {
    const inputs = new FakeIo();
    try {
      inputs.put('s.yaml', SCENARIO);
      for (const flag of ['--html', '--pcap', '--trace', '--out']) {
        const run = await runWith(inputs, ['run', 's.yaml', flag, 's.yaml']);
        expect(run.code, run.err).toBe(2);
        expect(inputs.read('s.yaml')).toBe(SCENARIO);
      }
      const sweep = await runWith(inputs, ['sweep', 's.yaml', '--set', 'duration=1s,2s', '--out', 's.yaml']);
      expect(sweep.err).toContain('--out s.yaml is the scenario file s.yaml; give another file; nothing was run');
      expect(sweep.code, sweep.err).toBe(2);
      expect(inputs.read('s.yaml')).toBe(SCENARIO);
      const shard = await runWith(inputs, ['sweep', 's.yaml', '--set', 'duration=1s,2s', '--seeds', '1', '--jobs', '1', '--shard', '1/1', '--curves', '--out', 'part.json']);
      expect(shard.code, shard.err).toBe(0);
      const part = inputs.read('part.json');
      const merge = await runWith(inputs, ['merge', 'part.json', '--html', './part.json']);
      expect(merge.err).toContain('--html ./part.json is the part file part.json; give another file');
      expect(merge.code).toBe(2);
      expect(inputs.read('part.json')).toBe(part);
    } finally {
      inputs.dispose();
    }
  });

  it('outputs: --out to a full device prints no PASS table and no summary (the report does not exist)', async () => {
    const run = await runWith(io, ['run', 'ok.yaml', '--out', '/dev/full']);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
  });

  it('outputs: a missing --out directory is found before anything runs (no report, no trace, no table)', async () => {
    const run = await runWith(io, ['run', 'ok.yaml', '--out', 'reports/x.xml', '--trace', 'ok-trace.jsonl']);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(io.written).not.toContain('ok-trace.jsonl');
  });

  it('files: a directory with link loops and a scenario is walked without following the loops and yields the scenario once', async () => {
    const loopIo = new FakeIo();
    try {
      loopIo.put('suite/ok.yaml', SCENARIO);
      symlinkSync('..', join(loopIo.dir, 'suite', 'up'));
      symlinkSync('.', join(loopIo.dir, 'suite', 'here'));
      const run = await runWith(loopIo, ['validate', 'suite', 'suite/**/*.yaml']);
      expect(run.code, run.err).toBe(0);
      expect(run.out).toBe('suite/ok.yaml: valid (handshake)\n');
    } finally {
      loopIo.dispose();
    }
  });
});

describe('globs', () => {
  it('files: globs written with ./ match (a directory part is kept as written)', async () => {
    const run = await runWith(io, ['validate', './ok*.yaml', './deep/**/deepest.yaml']);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^ok\.yaml: valid/m);
    expect(run.out).toMatch(/^\.\/deep\/.*\/deepest\.yaml: valid/m);
  });
});

describe('walk depth', () => {
  it(`files: a walk descends ${WALK_DEPTH_MAX} levels below its base and no further`, async () => {
    const run = await runWith(io, ['validate', 'deep/**/*.yaml']);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/deepest\.yaml: valid/);
    expect(run.out).not.toMatch(/too-deep/);
  });
});

describe('the CLI function itself', () => {
  it('hostile: runCli never throws on these cases (the exit code is the whole answer)', async () => {
    for (const { argv, on } of CASES.slice(0, 5)) {
      const target = on?.() ?? io;
      await expect(runCli(argv, target)).resolves.toBe(2);
    }
  });
});
