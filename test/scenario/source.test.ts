// The scenario source: decoding bytes (invalid UTF-8 is located, never replaced silently), excerpts
// that stay short on long lines, and YAML features the format refuses at their position.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { decodeScenarioText, EXCERPT_LINE_CHARS_MAX, formatProblem, PROBLEM_MESSAGE_CHARS_MAX, ScenarioSource, YAML_ALIAS_COUNT_MAX } from '../../src/scenario/source.js';

const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...new TextEncoder().encode(part)] : part)));

describe('decodeScenarioText', () => {
  it('decodes UTF-8, multi-byte characters included', () => {
    expect(decodeScenarioText('x.yaml', bytes('name: "café ✓"\n'))).toEqual({ ok: true, text: 'name: "café ✓"\n' });
  });

  it('locates a Latin-1 byte at its line and column', () => {
    const decoded = decodeScenarioText('x.yaml', bytes('name: t\nduration: 2s # caf', [0xe9], '\n'));
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.problem.position).toEqual({ file: 'x.yaml', line: 2, column: 19 });
    expect(decoded.problem.message).toContain('not valid UTF-8: byte 0xe9 at offset 26');
  });

  it('points at the first byte of a sequence cut short, after earlier multi-byte characters', () => {
    const decoded = decodeScenarioText('x.yaml', bytes('é: "', [0xe2, 0x82], '"\n'));
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.problem.position).toEqual({ file: 'x.yaml', line: 1, column: 5 });
    expect(decoded.problem.message).toContain('byte 0xe2');
  });

  it('finds a lone continuation byte right after a valid two-byte character', () => {
    const decoded = decodeScenarioText('x.yaml', bytes('a: é', [0xa9], '\n'));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.problem.position).toEqual({ file: 'x.yaml', line: 1, column: 5 });
  });
});

describe('excerpts and messages stay short', () => {
  it('a short line is shown whole with the caret under the column', () => {
    const source = new ScenarioSource('x.yaml', 'name: t\nduration: 2x\n');
    expect(source.problem({ file: 'x.yaml', line: 2, column: 11 }, 'bad').excerpt).toBe('2 | duration: 2x\n              ^');
  });

  it('a long line is cut around the column, with … on each cut side, and the caret still under the column', () => {
    const line = `${'a'.repeat(500)}X${'b'.repeat(500)}`;
    const problem = new ScenarioSource('x.yaml', `${line}\n`).problem({ file: 'x.yaml', line: 1, column: 501 }, 'here');
    const [shown, caret] = problem.excerpt!.split('\n') as [string, string];
    expect(shown.length).toBeLessThanOrEqual('1 | '.length + EXCERPT_LINE_CHARS_MAX + 2);
    expect(shown.startsWith('1 | …')).toBe(true);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown[caret.length - 1]).toBe('X');
  });

  it('a long message (one that quotes a huge value) is shortened', () => {
    const problem = new ScenarioSource('x.yaml', 'a: 1\n').problem({ file: 'x.yaml', line: 1, column: 1 }, `"${'x'.repeat(10_000)}" is wrong`);
    expect(problem.message.length).toBe(PROBLEM_MESSAGE_CHARS_MAX);
    expect(problem.message.endsWith('…')).toBe(true);
  });

  it('the source line appears once in a formatted problem, even on a 5 MB line', () => {
    const result = loadScenario('x.yaml', `name: t\nduration: 2s\nhosts: { a: { peers: "${'y'.repeat(5_000_000)}" } }\n`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const printed = result.problems.map(formatProblem).join('\n');
    expect(printed.length).toBeLessThan(1000);
    expect(printed.split('\n').filter((text) => text.startsWith('3 | '))).toHaveLength(1);
  });
});

describe('YAML features the format refuses', () => {
  const problemsOf = (text: string) => {
    const result = loadScenario('x.yaml', text);
    return result.ok ? [] : result.problems.map((problem) => `${problem.position?.line}:${problem.position?.column} ${problem.message}`);
  };

  it('a tag, at the tag, as written', () => {
    expect(problemsOf('name: t\nduration: &d !!js/function "f"\nhosts: {}\n')).toContain("2:14 YAML tag '!!js/function' is not part of the scenario format: write the plain value");
  });

  it(`an alias bomb (more than ${YAML_ALIAS_COUNT_MAX} expansions), at the first alias`, () => {
    const levels = ['a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]'];
    for (let level = 1; level < 5; level++) levels.push(`l${level}: &l${level} [${Array(10).fill(level === 1 ? '*a' : `*l${level - 1}`).join(', ')}]`);
    expect(problemsOf(`${levels.join('\n')}\n`)[0]).toMatch(/^2:10 YAML aliases expand to too much/);
  });

  it('text with U+FFFD (what a lenient reader makes of bytes that are not UTF-8)', () => {
    expect(problemsOf('name: "caf\uFFFD"\nduration: 2s\nhosts: {}\n')[0]).toMatch(/^1:11 the file is not valid UTF-8 here/);
  });
});
