// A scenario's YAML source with positions: maps a path in the document (["timeline", 2, "stream",
// "rate"]) to file:line:col and renders a caret excerpt, as every error message does.
import { isAlias, isCollection, isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { InputProblem, SourcePosition } from './problem.js';

export type PathKey = string | number;

/**
 * Most aliases (`*name`) a scenario may expand. An alias can repeat a whole subtree, so a few lines
 * of aliases of aliases expand to billions of nodes (the "billion laughs"); no real scenario needs
 * more than a handful.
 */
export const YAML_ALIAS_COUNT_MAX = 100;

/** Longest source line an excerpt shows; a longer one is cut around the caret with … marks. */
export const EXCERPT_LINE_CHARS_MAX = 120;

/** Longest message printed for one problem (messages quote values, which may be huge). */
export const PROBLEM_MESSAGE_CHARS_MAX = 300;

/** The longest UTF-8 sequence, in bytes. */
const UTF8_SEQUENCE_BYTES_MAX = 4;

/** U+FFFD, what a lenient UTF-8 decoder puts where the bytes were not UTF-8. */
const REPLACEMENT_CHARACTER = '\uFFFD';

export type DecodedText = { ok: true; text: string } | { ok: false; problem: InputProblem };

/**
 * Decodes a scenario file's bytes as UTF-8, refusing bytes that are not UTF-8 with a problem at the
 * line and column of the first bad byte (a lenient decoder would silently turn them into U+FFFD).
 * For callers that read files as bytes; `loadScenario` also refuses U+FFFD in text decoded leniently.
 */
export function decodeScenarioText(file: string, bytes: Uint8Array): DecodedText {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const badIndex = firstInvalidUtf8Index(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, badIndex));
    const lines = before.split('\n');
    const line = lines.length;
    const column = lines[line - 1]!.length + 1;
    const hex = bytes[badIndex]!.toString(16).padStart(2, '0');
    const source = new ScenarioSource(file, new TextDecoder('utf-8').decode(bytes));
    return { ok: false, problem: source.problem({ file, line, column }, `the file is not valid UTF-8: byte 0x${hex} at offset ${badIndex} (save it as UTF-8)`) };
  }
}

/** The index of the first byte of the first sequence that is not UTF-8. */
function firstInvalidUtf8Index(bytes: Uint8Array): number {
  const decodes = (length: number, stream: boolean): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream });
      return true;
    } catch {
      return false;
    }
  };
  // The longest prefix that is UTF-8 or ends inside an unfinished sequence, found by bisection.
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (decodes(middle, true)) low = middle;
    else high = middle - 1;
  }
  // When that prefix ends inside a sequence (at most 3 bytes of one: UTF-8 sequences are 1 to 4
  // bytes long), the sequence's first byte is the bad one.
  let start = low;
  for (let step = 0; step < UTF8_SEQUENCE_BYTES_MAX - 1 && start > 0 && !decodes(start, false); step++) start--;
  return Math.min(start, bytes.length - 1);
}

export class ScenarioSource {
  readonly lineCounter = new LineCounter();
  readonly document: Document.Parsed;
  readonly lines: string[];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.document = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
    this.lines = text.split(/\r?\n/);
  }

  /**
   * Problems the YAML parser found (syntax, duplicate keys...), and YAML features the scenario
   * format does not honour: tags (`!!js/function`, `!custom`), keys that are lists or mappings, and
   * text that was not UTF-8. Each would otherwise be dropped or changed silently.
   */
  syntaxProblems(): InputProblem[] {
    const errors = this.document.errors.map((error) => {
      const position = this.positionAt(error.pos[0]);
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return this.problem(position, `invalid YAML: ${message}`);
    });
    return [...errors, ...this.replacementCharacterProblems(), ...this.unsupportedYamlProblems()];
  }

  /** U+FFFD in the text: bytes that were not UTF-8, replaced by the reader (see decodeScenarioText). */
  private replacementCharacterProblems(): InputProblem[] {
    const offset = this.text.indexOf(REPLACEMENT_CHARACTER);
    if (offset < 0) return [];
    return [this.problem(this.positionAt(offset), 'the file is not valid UTF-8 here (or holds U+FFFD, the replacement character): save it as UTF-8')];
  }

  private unsupportedYamlProblems(): InputProblem[] {
    const problems: InputProblem[] = [];
    visit(this.document, {
      Node: (_key, node) => {
        if (isAlias(node) || node.tag === undefined || node.range === undefined || node.range === null) return;
        const tag = this.tagBefore(node.range[0]) ?? { offset: node.range[0], written: node.tag };
        problems.push(this.problem(this.positionAt(tag.offset), `YAML tag '${shorten(tag.written, 40)}' is not part of the scenario format: write the plain value`));
      },
      Pair: (_key, pair) => {
        if (!isCollection(pair.key) || pair.key.range === undefined || pair.key.range === null) return;
        problems.push(this.problem(this.positionAt(pair.key.range[0]), 'a key must be a plain word, not a list or mapping'));
      },
    });
    return problems;
  }

  /** The tag written before the value at `valueOffset` (it may sit before or after an anchor), as written. */
  private tagBefore(valueOffset: number): { offset: number; written: string } | null {
    // The tag and an anchor are the last two whitespace-separated tokens before the value.
    const before = this.text.slice(Math.max(0, valueOffset - 1000), valueOffset);
    const tokens = [...before.matchAll(/\S+/g)].slice(-2).reverse();
    for (const token of tokens) {
      const bang = token[0].indexOf('!');
      if (bang < 0) continue;
      return { offset: valueOffset - before.length + token.index + bang, written: token[0].slice(bang) };
    }
    return null;
  }

  /**
   * The document as plain data, or a problem when expanding its aliases would exceed
   * {@link YAML_ALIAS_COUNT_MAX} (an alias bomb), located at the first alias.
   */
  toData(): { ok: true; data: unknown } | { ok: false; problem: InputProblem } {
    try {
      return { ok: true, data: this.document.toJS({ maxAliasCount: YAML_ALIAS_COUNT_MAX }) };
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      let aliasOffset = 0;
      visit(this.document, {
        Alias: (_key, alias) => {
          aliasOffset = alias.range?.[0] ?? 0;
          return visit.BREAK;
        },
      });
      return { ok: false, problem: this.problem(this.positionAt(aliasOffset), `YAML aliases expand to too much (more than ${YAML_ALIAS_COUNT_MAX} alias expansions): write the values out`) };
    }
  }

  /** The position of the value at `path`, or of the closest ancestor that exists. */
  positionOf(path: readonly PathKey[], which: 'value' | 'key' = 'value'): SourcePosition {
    for (let length = path.length; length >= 0; length--) {
      const prefix = path.slice(0, length);
      const node = which === 'key' && length === path.length ? this.keyNode(prefix) : (this.document.getIn(prefix, true) as Node | undefined);
      if (node?.range !== undefined && node.range !== null) return this.positionAt(node.range[0]);
    }
    return { file: this.file, line: 1, column: 1 };
  }

  private keyNode(path: readonly PathKey[]): Node | undefined {
    const parent = this.document.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    const last = path[path.length - 1];
    const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === last);
    return pair !== undefined && isScalar(pair.key) ? pair.key : undefined;
  }

  positionAt(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /**
   * A problem at `position` with the source line and a caret under the column. A line longer than
   * {@link EXCERPT_LINE_CHARS_MAX} is cut around the column (… marks the cuts), and a message
   * longer than {@link PROBLEM_MESSAGE_CHARS_MAX} is shortened, so one problem never prints more
   * than a few lines whatever the file holds.
   */
  problem(position: SourcePosition | null, message: string): InputProblem {
    const shortMessage = shorten(message, PROBLEM_MESSAGE_CHARS_MAX);
    if (position === null) return { position, message: shortMessage };
    const { text, caretIndex } = excerptLine(this.lines[position.line - 1] ?? '', position.column - 1);
    const gutter = `${position.line} | `;
    const excerpt = `${gutter}${text}\n${' '.repeat(gutter.length + caretIndex)}^`;
    return { position, message: shortMessage, excerpt };
  }

  problemAt(path: readonly PathKey[], message: string, which: 'value' | 'key' = 'value'): InputProblem {
    return this.problem(this.positionOf(path, which), message);
  }
}

/** `text` cut to `charsMax` characters with a trailing … when longer. */
function shorten(text: string, charsMax: number): string {
  return text.length <= charsMax ? text : `${text.slice(0, charsMax - 1)}…`;
}

/** The part of `line` shown in an excerpt, and where the caret goes in it. */
function excerptLine(line: string, columnIndex: number): { text: string; caretIndex: number } {
  if (line.length <= EXCERPT_LINE_CHARS_MAX) return { text: line, caretIndex: columnIndex };
  const half = Math.floor(EXCERPT_LINE_CHARS_MAX / 2);
  const start = Math.max(0, Math.min(columnIndex - half, line.length - EXCERPT_LINE_CHARS_MAX));
  const end = Math.min(line.length, start + EXCERPT_LINE_CHARS_MAX);
  const head = start > 0 ? '…' : '';
  const tail = end < line.length ? '…' : '';
  return { text: `${head}${line.slice(start, end)}${tail}`, caretIndex: head.length + columnIndex - start };
}

/** "scenarios/x.yaml:12:7 message" plus the excerpt, the way every input problem is printed. */
export function formatProblem(problem: InputProblem): string {
  const where = problem.position === null ? '' : `${problem.position.file}:${problem.position.line}:${problem.position.column} `;
  return `${where}${problem.message}${problem.excerpt !== undefined ? `\n${problem.excerpt}` : ''}`;
}
