// A scenario's YAML source with positions: maps a path in the document (["timeline", 2, "stream",
// "rate"]) to file:line:col and renders a caret excerpt, as every error message does.
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { InputProblem, SourcePosition } from '../result.js';

export type PathKey = string | number;

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

  /** Problems the YAML parser found (syntax, duplicate keys...). */
  syntaxProblems(): InputProblem[] {
    return this.document.errors.map((error) => {
      const position = this.positionAt(error.pos[0]);
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return this.problem(position, `invalid YAML: ${message}`);
    });
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

  /** A problem at `position` with the source line and a caret under the column. */
  problem(position: SourcePosition | null, message: string): InputProblem {
    if (position === null) return { position, message };
    const line = this.lines[position.line - 1] ?? '';
    const gutter = `${position.line} | `;
    const excerpt = `${gutter}${line}\n${' '.repeat(gutter.length + position.column - 1)}^`;
    return { position, message, excerpt };
  }

  problemAt(path: readonly PathKey[], message: string, which: 'value' | 'key' = 'value'): InputProblem {
    return this.problem(this.positionOf(path, which), message);
  }
}

/** "scenarios/x.yaml:12:7 message" plus the excerpt, the way every input problem is printed. */
export function formatProblem(problem: InputProblem): string {
  const where = problem.position === null ? '' : `${problem.position.file}:${problem.position.line}:${problem.position.column} `;
  return `${where}${problem.message}${problem.excerpt !== undefined ? `\n${problem.excerpt}` : ''}`;
}
