// The invalid-scenario corpus: every file in test/cli/invalid/ holds one mistake (or a few, on
// purpose) and declares in its header what a person must be told, as
//
//   # expect: LINE:COL MESSAGE-SUBSTRING
//
// one line per problem. `run` and `validate` must each report exactly those problems, every one as
// `<file>:LINE:COL <message>` with the source line and a caret under the column, then
// "enetsim: N problems in the input; nothing was run", and exit 2, with no stack trace.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeIo, REPO_ROOT, runWith } from './support-io.js';

const CORPUS_DIRECTORY = 'test/cli/invalid';
const CORPUS_SIZE_MIN = 40;

/**
 * Files whose test fails today because of a bug in src/ (listed in the report with the fix). The
 * tests say what should happen and run as `it.fails` until the fix lands; then delete the entry.
 */
const KNOWN_BUGS: Readonly<Record<string, string>> = {
};

interface ExpectedProblem {
  line: number;
  column: number;
  message: string;
}

interface ReportedProblem {
  line: number;
  column: number;
  message: string;
  excerpt: [string, string];
}

/** The `# expect:` lines of the file's leading comment block. */
function expectedProblems(text: string): ExpectedProblem[] {
  const expected: ExpectedProblem[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const match = /^# expect: (\d+):(\d+) (.+)$/.exec(line);
    if (match !== null) expected.push({ line: Number(match[1]), column: Number(match[2]), message: match[3]! });
  }
  return expected;
}

/** The located problems printed for `file`: `file:L:C message`, the source line, the caret line. */
function reportedProblems(stderr: string, file: string): ReportedProblem[] {
  const lines = stderr.split('\n');
  const problems: ReportedProblem[] = [];
  const prefix = `${file}:`;
  lines.forEach((text, index) => {
    if (!text.startsWith(prefix)) return;
    const match = /^(\d+):(\d+) (.*)$/.exec(text.slice(prefix.length));
    if (match === null) return;
    problems.push({ line: Number(match[1]), column: Number(match[2]), message: match[3]!, excerpt: [lines[index + 1] ?? '', lines[index + 2] ?? ''] });
  });
  return problems;
}

function summaryLine(count: number): string {
  return `enetsim: ${count} problem${count === 1 ? '' : 's'} in the input; nothing was run`;
}

/** Checks one CLI run's stderr against the file's declared problems. */
function expectReported(stderr: string, file: string, source: string, expected: readonly ExpectedProblem[]): void {
  const sourceLines = source.split('\n');
  const reported = reportedProblems(stderr, file);
  const unmatched = [...reported];
  for (const problem of expected) {
    const index = unmatched.findIndex((candidate) => candidate.line === problem.line && candidate.column === problem.column && candidate.message.includes(problem.message));
    expect(index, `expected "${file}:${problem.line}:${problem.column} …${problem.message}…" in stderr:\n${stderr}`).toBeGreaterThanOrEqual(0);
    const [found] = unmatched.splice(index, 1);
    const gutter = `${problem.line} | `;
    expect(found!.excerpt[0], 'the excerpt shows the source line').toBe(`${gutter}${sourceLines[problem.line - 1]}`);
    expect(found!.excerpt[1], 'the caret sits under the column').toBe(`${' '.repeat(gutter.length + problem.column - 1)}^`);
  }
  expect(unmatched, `problems reported beyond those declared:\n${stderr}`).toEqual([]);
}

const corpus = readdirSync(join(REPO_ROOT, CORPUS_DIRECTORY))
  .filter((name) => name.endsWith('.yaml'))
  .sort();

const ios: FakeIo[] = [];
function repoIo(): FakeIo {
  const io = new FakeIo({ cwd: REPO_ROOT });
  ios.push(io);
  return io;
}
afterAll(() => {
  for (const io of ios) io.dispose();
});

describe('invalid scenario corpus', () => {
  it(`corpus: has at least ${CORPUS_SIZE_MIN} files, each declaring at least one problem`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(CORPUS_SIZE_MIN);
    for (const name of corpus) {
      expect(expectedProblems(readFileSync(join(REPO_ROOT, CORPUS_DIRECTORY, name), 'utf8')), name).not.toEqual([]);
    }
  });

  it('corpus: every known-bug entry names a file of the corpus', () => {
    for (const name of Object.keys(KNOWN_BUGS)) expect(corpus).toContain(name);
  });

  it('corpus: at least one file declares five or more problems', () => {
    const counts = corpus.map((name) => expectedProblems(readFileSync(join(REPO_ROOT, CORPUS_DIRECTORY, name), 'utf8')).length);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(5);
  });

  for (const name of corpus) {
    const file = `${CORPUS_DIRECTORY}/${name}`;
    const source = readFileSync(join(REPO_ROOT, file), 'utf8');
    const expected = expectedProblems(source);
    for (const command of ['run', 'validate'] as const) {
      const test = KNOWN_BUGS[name] !== undefined ? it.fails : it;
      test(`${command} ${name}: reports ${expected.length === 1 ? 'its problem' : `all ${expected.length} problems`} at file:line:col and exits 2`, async () => {
        const { code, out, err } = await runWith(repoIo(), [command, file]);
        expectReported(err, file, source, expected);
        expect(err).not.toMatch(/^ {4}at /m);
        expect(err).not.toContain('internal error');
        expect(err.trimEnd().split('\n').at(-1)).toBe(summaryLine(expected.length));
        expect(out).toBe('');
        expect(code).toBe(2);
      });
    }
  }
});

describe('invalid input beyond one file', () => {
  const valid = 'scenarios/handshake.yaml';

  it('validate: reports the problems of every file together and prints no "valid" line', async () => {
    const names = ['many-mistakes.yaml', 'unknown-host.yaml', 'enum-flag.yaml'];
    const { code, out, err } = await runWith(repoIo(), ['validate', valid, ...names.map((name) => `${CORPUS_DIRECTORY}/${name}`)]);
    let total = 0;
    for (const name of names) {
      const file = `${CORPUS_DIRECTORY}/${name}`;
      const source = readFileSync(join(REPO_ROOT, file), 'utf8');
      const expected = expectedProblems(source);
      expectReported(err, file, source, expected);
      total += expected.length;
    }
    expect(err.trimEnd().split('\n').at(-1)).toBe(summaryLine(total));
    expect(out).toBe('');
    expect(code).toBe(2);
  });

  it('validate: on the whole corpus directory, names every file in a located problem (syntax problems have no position today)', async () => {
    const { code, err } = await runWith(repoIo(), ['validate', CORPUS_DIRECTORY]);
    for (const name of corpus) expect(err, name).toContain(`${CORPUS_DIRECTORY}/${name}:`);
    expect(code).toBe(2);
  });

  for (const command of ['run', 'validate'] as const) {
    it(`${command}: a file that does not exist is named, with exit 2`, async () => {
      const { code, out, err } = await runWith(repoIo(), [command, `${CORPUS_DIRECTORY}/no-such-scenario.yaml`]);
      expect(err).toBe(`${CORPUS_DIRECTORY}/no-such-scenario.yaml: no such file\n${summaryLine(1)}\n`);
      expect(out).toBe('');
      expect(code).toBe(2);
    });

    it(`${command}: a glob that matches nothing says so, with exit 2`, async () => {
      const { code, out, err } = await runWith(repoIo(), [command, `${CORPUS_DIRECTORY}/*.yml`]);
      expect(err).toBe(`${CORPUS_DIRECTORY}/*.yml: no file matches\n${summaryLine(1)}\n`);
      expect(out).toBe('');
      expect(code).toBe(2);
    });
  }

  it('run: a glob under a directory that does not exist names the directory', async () => {
    const { code, err } = await runWith(repoIo(), ['run', 'no-such-directory/**/*.yaml']);
    expect(err).toContain('no-such-directory/**/*.yaml: directory no-such-directory does not exist');
    expect(code).toBe(2);
  });

  it('run: a directory without .yaml files says so', async () => {
    const io = new FakeIo();
    ios.push(io);
    io.put('empty/readme.txt', 'no scenarios here\n');
    const { code, err } = await runWith(io, ['run', 'empty']);
    expect(err).toContain('empty: no .yaml files in this directory');
    expect(code).toBe(2);
  });
});

describe('invalid flags', () => {
  const SEEDS_MESSAGE = 'enetsim: --seeds must be a whole number from 1 to 10000';

  /** A flag problem: exit 2, the message, the usage hint, nothing run, no stack trace. */
  async function expectFlagRefused(argv: readonly string[], message: string): Promise<void> {
    const io = new FakeIo();
    ios.push(io);
    const file = io.put('tiny.yaml', 'name: tiny\nduration: 100ms\nhosts:\n  server: {}\n');
    const { code, out, err } = await runWith(io, ['run', file, ...argv]);
    expect(err).toContain(message);
    expect(err).toContain('Run "enetsim --help" for usage.');
    expect(err).not.toMatch(/^ {4}at /m);
    expect(out, 'nothing was run').toBe('');
    expect(code).toBe(2);
  }

  // yargs calls the command handler even after .fail() reported a problem (cli.ts): the scenario runs
  // anyway, or crashes on the invalid value. These say what should happen.
  it('run --seeds 0: refused with exit 2 before anything runs', () => expectFlagRefused(['--seeds', '0'], SEEDS_MESSAGE));
  it('run --seeds abc: refused with exit 2 before anything runs', () => expectFlagRefused(['--seeds', 'abc'], SEEDS_MESSAGE));
  it('run --seeds 1.5: refused with exit 2 before anything runs', () => expectFlagRefused(['--seeds', '1.5'], SEEDS_MESSAGE));
  it('run --seed -3: refused with exit 2 before anything runs', () =>
    expectFlagRefused(['--seed', '-3'], 'enetsim: --seed must be a whole number from 0 to 4294967295'));
  it('run --reporter xml: refused with exit 2 naming the choices', () => expectFlagRefused(['--reporter', 'xml'], 'Choices: "pretty", "json", "junit", "github"'));
  it('run --sed 3 (a misspelt option): refused with exit 2 before anything runs', () => expectFlagRefused(['--sed', '3'], 'Unknown argument: sed'));

  /** A conformance flag problem: exit 2 with the message, before any seed runs (no libenet needed). */
  async function expectConformanceRefused(argv: readonly string[], message: string): Promise<void> {
    const io = new FakeIo();
    ios.push(io);
    const { code, out, err } = await runWith(io, ['conformance', ...argv]);
    expect(err).toContain(message);
    expect(err).not.toMatch(/^ {4}at /m);
    expect(out, 'nothing was run').toBe('');
    expect(code).toBe(2);
  }

  it('conformance --seeds 0: refused with exit 2', () => expectConformanceRefused(['--seeds', '0'], 'enetsim: --seeds must be a whole number from 1 to 10000000'));
  it('conformance --from -1: refused with exit 2', () => expectConformanceRefused(['--from', '-1'], 'enetsim: --from must be a whole number from 0'));
  it('conformance --jobs 0: refused with exit 2', () => expectConformanceRefused(['--jobs', '0'], 'enetsim: --jobs must be a whole number from 1 to 256'));

  it('run --seeds 1.5: the message names the flag and its range, with exit 2', async () => {
    const io = new FakeIo();
    ios.push(io);
    const file = io.put('tiny.yaml', 'name: tiny\nduration: 100ms\nhosts:\n  server: {}\n');
    const { code, err } = await runWith(io, ['run', file, '--seeds', '1.5']);
    expect(err.split('\n')[0]).toBe(SEEDS_MESSAGE);
    expect(code).toBe(2);
  });
});
