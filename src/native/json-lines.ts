// Output of a child process that prints one JSON object per line, read as it arrives in chunks.

/** A line that did not parse as JSON, kept as it came. */
export interface UnparsedLine {
  event: 'unparsed';
  text: string;
}

/** Splits chunks into lines (a line may span chunks) and appends each non-blank one, parsed as JSON, to `lines`. */
export class JsonLineReader<T> {
  private pending = '';

  constructor(private readonly lines: (T | UnparsedLine)[]) {}

  take(chunk: string): void {
    this.pending += chunk;
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      const text = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      if (text.trim().length > 0) {
        try {
          this.lines.push(JSON.parse(text) as T);
        } catch {
          this.lines.push({ event: 'unparsed', text });
        }
      }
      newline = this.pending.indexOf('\n');
    }
  }
}
