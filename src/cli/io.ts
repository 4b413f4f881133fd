// Everything the CLI touches outside itself, injected so tests run it in-process.

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads a UTF-8 file; throws an Error with a `code` ('ENOENT'...) when it cannot. */
  readFile: (path: string) => string;
  writeFile: (path: string, text: string) => void;
  /** Paths under `directory`, recursively, relative to it (for globs). */
  listFiles: (directory: string) => string[];
  isDirectory: (path: string) => boolean;
  /** Whether to use colour (decided from NO_COLOR / FORCE_COLOR / TTY by main.ts). */
  color: boolean;
  /** Milliseconds from some fixed point, for the report's wall time only. */
  wallClockMs: () => number;
  /** Environment variables the CLI reads (ENETSIM_LIBENET); absent in tests that set none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** For serve/connect: a signal aborted by Ctrl-C (SIGINT) or SIGTERM; called once per run, so other commands keep Node's default Ctrl-C. */
  interruptSignal?: () => AbortSignal;
}
