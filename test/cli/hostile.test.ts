// The hostile-input corpus: scenarios a hostile but honest tester writes to find what `validate`
// accepts and `run` then crashes on, hangs on, or silently does not honour (issue 10). Each file in
// test/cli/hostile/ says in its header why it is there and what a person must be told:
//
//   # WHY IT IS HOSTILE
//   # expect: LINE:COL MESSAGE-SUBSTRING
//
// `validate` and `run` must each exit 2 and print `<file>:LINE:COL …MESSAGE-SUBSTRING…` (other
// problems may be reported too), with no stack trace, no internal error, and no more than a screen
// of output. A few cases too large to keep as files (a 1 MB line) are built here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeIo, REPO_ROOT, runWith, type CliRun } from './support-io.js';
import { SCENARIO_FILE_BYTES_MAX } from '../../src/cli/commands/run.js';

const CORPUS_DIRECTORY = 'test/cli/hostile';
const CORPUS_SIZE_MIN = 100;
/** "No more than a screen": what one bad scenario may print, in lines and characters. */
const SCREEN_LINES_MAX = 40;
const SCREEN_CHARS_MAX = 4000;

interface Declared {
  line: number;
  column: number;
  message: string;
}

function declared(text: string): Declared {
  const match = /^# expect: (\d+):(\d+) (.+)$/m.exec(text);
  if (match === null) throw new Error('no "# expect: LINE:COL MESSAGE" line in the header');
  return { line: Number(match[1]), column: Number(match[2]), message: match[3]! };
}

/** Runs the CLI, turning an exception (what main.ts reports as exit 3, "internal error") into a failed expectation. */
async function runSafely(io: FakeIo, argv: string[]): Promise<CliRun> {
  try {
    return await runWith(io, argv);
  } catch (error) {
    throw new Error(`enetsim ${argv.join(' ')} threw (exit 3, internal error): ${(error as Error).message}`);
  }
}

/** The rules every hostile case must meet, whatever the command. */
function expectRefusedPolitely(run: CliRun, file: string, expected: Declared): void {
  const output = run.out + run.err;
  expect(run.code, `exit code; output:\n${output.slice(0, 2000)}`).toBe(2);
  const located = run.err.split('\n').filter((line) => line.startsWith(`${file}:${expected.line}:${expected.column} `));
  expect(
    located.some((line) => line.includes(expected.message)),
    `expected "${file}:${expected.line}:${expected.column} …${expected.message}…" in stderr:\n${run.err.slice(0, 2000)}`,
  ).toBe(true);
  expect(output).not.toMatch(/^ {4}at /m);
  expect(output).not.toMatch(/internal error/i);
  expect(output.length, 'output longer than a screen').toBeLessThanOrEqual(SCREEN_CHARS_MAX);
  expect(output.split('\n').length, 'output longer than a screen').toBeLessThanOrEqual(SCREEN_LINES_MAX);
}

const files = readdirSync(join(REPO_ROOT, CORPUS_DIRECTORY))
  .filter((name) => name.endsWith('.yaml'))
  .sort();

describe('hostile scenarios', () => {
  const io = new FakeIo({ cwd: REPO_ROOT });
  afterAll(() => io.dispose());

  it(`the corpus holds at least ${CORPUS_SIZE_MIN} cases`, () => {
    expect(files.length).toBeGreaterThanOrEqual(CORPUS_SIZE_MIN);
  });

  for (const name of files) {
    const file = `${CORPUS_DIRECTORY}/${name}`;
    const expected = declared(readFileSync(join(REPO_ROOT, file), 'utf8'));
    it(`${name}: validate and run refuse it with exit 2 at ${expected.line}:${expected.column}`, async () => {
      expectRefusedPolitely(await runSafely(io, ['validate', file]), file, expected);
      expectRefusedPolitely(await runSafely(io, ['run', file]), file, expected);
    });
  }
});

describe('hostile scenarios too large to keep as files', () => {
  const io = new FakeIo();
  afterAll(() => io.dispose());

  // The 5 MB file of the report is now refused by its size before it is read (SCENARIO_FILE_BYTES_MAX);
  // the longest line a file under that bound can hold shows the excerpt rule.
  it('an error on a 1 MB single line prints a cut excerpt once, not the line (twice)', async () => {
    const hugeValue = 'x'.repeat(SCENARIO_FILE_BYTES_MAX - 100);
    const file = io.put('one-long-line.yaml', `name: long\nduration: 2s\nhosts: { server: {}, client: { peers: "${hugeValue}" } }\n`);
    const expected = { line: 3, column: 'hosts: { server: {}, client: { peers: '.length + 1, message: "'hosts.client.peers' must be a number" };
    const validate = await runSafely(io, ['validate', file]);
    expectRefusedPolitely(validate, file, expected);
    const excerpt = validate.err.split('\n')[1]!;
    expect(excerpt).toMatch(/^3 \| hosts: \{ server: \{\}, client: \{ peers: "x+…$/);
    expect(validate.err.split('\n')[2]).toBe(`${' '.repeat('3 | '.length + expected.column - 1)}^`);
    expectRefusedPolitely(await runSafely(io, ['run', file]), file, expected);
  });

  it('the caret stays under the column when the long line is cut on both sides', async () => {
    const file = io.put('middle.yaml', `name: long\nduration: 2s\nhosts: { server: {}, ${'a'.repeat(3000)}: {}, c: { peers: 0 }, ${'b'.repeat(3000)}: {} }\n`);
    const column = `hosts: { server: {}, ${'a'.repeat(3000)}: {}, c: { peers: `.length + 1;
    const run = await runSafely(io, ['validate', file]);
    expectRefusedPolitely(run, file, { line: 3, column, message: "'hosts.c.peers' must be at least 1" });
    const [excerpt, caret] = run.err.split('\n').slice(1, 3) as [string, string];
    expect(excerpt.startsWith('3 | …')).toBe(true);
    expect(excerpt.endsWith('…')).toBe(true);
    expect(excerpt[caret.length - 1]).toBe('0');
  });
});
