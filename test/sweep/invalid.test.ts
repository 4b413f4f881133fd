// The invalid-sweep corpus: every file in test/sweep/invalid/ declares in its header the problems a
// person must be told (`# expect: LINE:COL MESSAGE-SUBSTRING`); `sweep` must report exactly those,
// each at file:line:col with the source line and a caret, then the summary line, and exit 2.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeIo, REPO_ROOT, runWith } from '../cli/support-io.js';

const CORPUS_DIRECTORY = 'test/sweep/invalid';
const CORPUS_SIZE_MIN = 20;

function expectedProblems(text: string): { line: number; column: number; message: string }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('# expect: '))
    .map((line) => {
      const match = /^# expect: (\d+):(\d+) (.+)$/.exec(line)!;
      return { line: Number(match[1]), column: Number(match[2]), message: match[3]! };
    });
}

const corpus = readdirSync(join(REPO_ROOT, CORPUS_DIRECTORY)).filter((name) => name.endsWith('.yaml')).sort();
const ios: FakeIo[] = [];
afterAll(() => {
  for (const io of ios) io.dispose();
});

describe('invalid sweep corpus', () => {
  it(`has at least ${CORPUS_SIZE_MIN} files, each declaring at least one problem`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(CORPUS_SIZE_MIN);
    for (const name of corpus) expect(expectedProblems(readFileSync(join(REPO_ROOT, CORPUS_DIRECTORY, name), 'utf8')), name).not.toEqual([]);
  });

  for (const name of corpus) {
    const file = `${CORPUS_DIRECTORY}/${name}`;
    const source = readFileSync(join(REPO_ROOT, file), 'utf8');
    const sourceLines = source.split('\n');
    const expected = expectedProblems(source);
    it(`sweep ${name}: reports ${expected.length === 1 ? 'its problem' : `all ${expected.length} problems`} at file:line:col with a caret and exits 2`, async () => {
      const io = new FakeIo({ cwd: REPO_ROOT });
      ios.push(io);
      const { code, out, err } = await runWith(io, ['sweep', file, '--jobs', '1']);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).not.toMatch(/\n\s+at /);
      const lines = err.split('\n');
      const reported = lines.flatMap((text, index) => {
        const match = new RegExp(`^${file.replace(/[.]/g, '\\.')}:(\\d+):(\\d+) (.*)$`).exec(text);
        return match === null ? [] : [{ line: Number(match[1]), column: Number(match[2]), message: match[3]!, excerpt: [lines[index + 1], lines[index + 2]] }];
      });
      expect(reported.length, err).toBe(expected.length);
      for (const problem of expected) {
        const found = reported.find((each) => each.line === problem.line && each.column === problem.column && each.message.includes(problem.message));
        expect(found, `expected ${file}:${problem.line}:${problem.column} …${problem.message}… in:\n${err}`).toBeDefined();
        const gutter = `${problem.line} | `;
        expect(found!.excerpt[0]).toBe(`${gutter}${sourceLines[problem.line - 1]}`);
        expect(found!.excerpt[1]).toBe(`${' '.repeat(gutter.length + problem.column - 1)}^`);
      }
      expect(err).toContain(`enetsim: ${expected.length} problem${expected.length === 1 ? '' : 's'} in the input; nothing was run`);
    });
  }
});
