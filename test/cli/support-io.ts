// A CliIo for in-process CLI tests: it captures stdout and stderr, reads files relative to a working
// directory of the test's choosing, and writes files only inside its own temporary directory or to
// /dev/null and /dev/full (a test that asks the CLI to write anywhere else fails instead of touching
// the repository). Like the real IO it creates no directory: a missing one is the CLI's to report.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type ExitCode } from '../../src/cli/cli.js';
import type { CliIo, DirectoryEntry, OutputFile, PathKind } from '../../src/cli/io.js';
import { openOutputFile, readDirectoryEntries, statPathInfo } from '../../src/cli/node-io.js';

/** Devices a test may name as an output: they hold nothing, so writing to them touches no file. */
const WRITABLE_DEVICES = ['/dev/null', '/dev/full'];

/** The repository root (where package.json is), for tests that read the repository's own files. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface FakeIoOptions {
  /** Whether the CLI may use colour (main.ts decides this from NO_COLOR / FORCE_COLOR); default false. */
  color?: boolean;
  /** The directory relative paths are read from; default: the fake's own temporary directory. */
  cwd?: string;
  /** Environment variables the CLI sees (ENETSIM_LIBENET); default none. */
  env?: Record<string, string | undefined>;
}

/** A {@link CliIo} that records what the CLI prints and keeps the files it writes in a temp dir. */
export class FakeIo implements CliIo {
  /** The temporary directory this fake owns; the only place writeFile may write to. */
  readonly dir: string;
  readonly cwd: string;
  readonly color: boolean;
  readonly env: Record<string, string | undefined>;
  /** Every path the CLI wrote, as it gave them. */
  readonly written: string[] = [];
  private stdoutChunks: string[] = [];
  private stderrChunks: string[] = [];

  constructor(options: FakeIoOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'enetsim-cli-'));
    this.cwd = options.cwd ?? this.dir;
    this.color = options.color ?? false;
    this.env = options.env ?? {};
  }

  /** Everything written to stdout so far. */
  get out(): string {
    return this.stdoutChunks.join('');
  }

  /** Everything written to stderr so far. */
  get err(): string {
    return this.stderrChunks.join('');
  }

  stdout = (text: string): void => {
    this.stdoutChunks.push(text);
  };

  stderr = (text: string): void => {
    this.stderrChunks.push(text);
  };

  readFile = (path: string): Uint8Array => readFileSync(this.resolve(path));

  openOutput = (path: string): OutputFile => {
    const target = this.resolve(path);
    if (!this.owns(target) && !WRITABLE_DEVICES.includes(target)) throw new Error(`test io: refusing to write ${target} outside ${this.dir}`);
    const file = openOutputFile(target);
    this.written.push(path);
    return file;
  };

  readDirectory = (directory: string): DirectoryEntry[] => readDirectoryEntries(this.resolve(directory));

  statPath = (path: string): { kind: PathKind; sizeBytes: number; fileId?: string } => statPathInfo(this.resolve(path));

  /** A fixed wall clock, so reports are the same on every run. */
  wallClockMs = (): number => 0;

  /** Writes `text` to `name` in the temp dir (for scenarios made by a test); returns `name`. */
  put(name: string, text: string): string {
    const target = join(this.dir, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    return name;
  }

  /** Reads a file from the temp dir (one the CLI wrote). */
  read(name: string): string {
    return readFileSync(join(this.dir, name), 'utf8');
  }

  /** Forgets what was printed, so one fake can serve several runs. */
  clearOutput(): void {
    this.stdoutChunks = [];
    this.stderrChunks = [];
  }

  /** Removes the temp dir. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private resolve(path: string): string {
    return resolve(this.cwd, path);
  }

  private owns(path: string): boolean {
    const inside = relative(this.dir, path);
    return inside !== '' && !inside.startsWith('..') && !inside.startsWith(sep);
  }
}

/** What one CLI invocation did. */
export interface CliRun {
  code: ExitCode;
  out: string;
  err: string;
}

/** Runs the CLI with `argv` on `io` and returns the exit code and what this run printed. */
export async function runWith(io: FakeIo, argv: readonly string[]): Promise<CliRun> {
  io.clearOutput();
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err };
}
