// Everything the CLI touches outside itself, injected so tests run it in-process.

/** What a path is, following symbolic links (a link to a file is a file). */
export type PathKind = 'file' | 'directory' | 'other' | 'missing';

/** A directory entry as the directory lists it, without following links. */
export interface DirectoryEntry {
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'other';
}

/** A file opened for writing: text goes out in pieces, so no caller ever builds one giant string. */
export interface OutputFile {
  /** Writes `text` (as UTF-8) or bytes; throws an Error with a `code` ('ENOSPC', 'EIO'...) when the device refuses it. */
  write: (text: string | Uint8Array) => void;
  close: () => void;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads a file's bytes (scenarios are decoded by the loader, which locates invalid UTF-8); throws an Error with a `code` ('ENOENT'...) when it cannot. */
  readFile: (path: string) => Uint8Array;
  /**
   * Opens `path` for writing (created or truncated). Throws an Error with a `code` ('ENOENT' for a
   * missing directory, 'EISDIR', 'EACCES'...) when it cannot, so outputs are checked before a run.
   */
  openOutput: (path: string) => OutputFile;
  /** One directory level, links not followed (the caller bounds the walk and skips link loops). */
  readDirectory: (directory: string) => DirectoryEntry[];
  /**
   * What `path` is (links followed), its size in bytes (0 unless a file), and for a file that exists
   * an id that two paths of the same file share (device and inode), so an output that names an input
   * under another spelling is found.
   */
  statPath: (path: string) => { kind: PathKind; sizeBytes: number; fileId?: string };
  /** Whether to use colour (decided from NO_COLOR / FORCE_COLOR / TTY by main.ts). */
  color: boolean;
  /** Milliseconds from some fixed point, for the report's wall time only. */
  wallClockMs: () => number;
  /** Whether stderr is a terminal (sweep's progress bar is drawn only then); absent: no. */
  stderrIsTerminal?: boolean;
  /** Environment variables the CLI reads (ENETSIM_LIBENET); absent in tests that set none. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * For serve/connect/proxy: a signal aborted by Ctrl-C (SIGINT) or SIGTERM; called once per run, so
   * other commands keep Node's default Ctrl-C. `stillDoing` is what a second signal is told the
   * command is still doing (default: serve's and connect's goodbye to their peers).
   */
  interruptSignal?: (stillDoing?: string) => AbortSignal;
}
