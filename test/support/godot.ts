// A shared harness for tests against a real Godot 3 (Debian's `godot3-server`, a headless build):
// finds the binary, writes a GDScript project given by the test into a temporary directory, runs it
// with a timeout and collects its output. `describeWithGodot` registers a block that runs when Godot
// is there, is skipped with a loud warning when it is not, and fails under CI (where .ci/run
// installs godot3-server), like the libenet and C-peer tests.
//
// A script given to `startGodot` is the body of a `-s` main script: it `extends SceneTree` and uses
// `_initialize()` and `_idle(delta)`. It should print the lines the test reads with a marker prefix
// (Godot prints its own warnings on the same streams) and call `quit()` when it is done.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'vitest';

/** The binary names tried on PATH, in order, when ENETSIM_GODOT is not set. */
export const GODOT_BINARY_NAMES = ['godot3-server', 'godot3-runner', 'godot3'] as const;
/** The longest a Godot run may take before the harness kills it. */
export const GODOT_RUN_TIMEOUT_MS_MAX = 60_000;

export type GodotAvailability = { ok: true; binaryPath: string; version: string } | { ok: false; reason: string };

let cachedAvailability: GodotAvailability | undefined;

/** Finds Godot 3: $ENETSIM_GODOT, else the first of {@link GODOT_BINARY_NAMES} that runs `--version` with a 3.x answer. */
export function godotAvailability(): GodotAvailability {
  cachedAvailability ??= findGodot();
  return cachedAvailability;
}

function findGodot(): GodotAvailability {
  const configured = process.env['ENETSIM_GODOT'];
  const candidates = configured !== undefined && configured !== '' ? [configured] : [...GODOT_BINARY_NAMES];
  const problems: string[] = [];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.error !== undefined) {
      problems.push(`${candidate}: ${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message}`);
      continue;
    }
    const version = probe.stdout.trim().split('\n').at(-1) ?? '';
    if (!version.startsWith('3.')) {
      problems.push(`${candidate}: version '${version}' is not Godot 3`);
      continue;
    }
    return { ok: true, binaryPath: candidate, version };
  }
  return { ok: false, reason: `Godot 3 not found (${problems.join('; ')}): apt-get install -y godot3-server, or set ENETSIM_GODOT` };
}

/** Registers `fn(binaryPath)` as a describe block when Godot 3 is there; else one test that fails under CI and is skipped elsewhere. */
export function describeWithGodot(name: string, fn: (binaryPath: string) => void): void {
  const availability = godotAvailability();
  if (availability.ok) {
    describe(name, () => fn(availability.binaryPath));
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('Godot 3 is available (required under CI)', () => {
        throw new Error(availability.reason);
      });
    });
    return;
  }
  console.warn(`[enetsim] skipping "${name}": ${availability.reason}`);
  describe(name, () => {
    test('Godot 3 is available', (context) => {
      context.skip(availability.reason);
    });
  });
}

/** How a Godot run ended. */
export interface GodotResult {
  exitCode: number | null;
  /** True when the harness killed it at its timeout. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** A running Godot project. */
export class GodotRun {
  stdout = '';
  stderr = '';
  /** Resolves when the process has exited (killed at the timeout at the latest). */
  readonly done: Promise<GodotResult>;
  private readonly waiters = new Set<() => void>();
  private timedOut = false;

  constructor(
    private readonly child: ChildProcess,
    private readonly directory: string,
    timeoutMs: number,
  ) {
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      this.stdout += text;
      for (const waiter of [...this.waiters]) waiter();
    });
    child.stderr?.on('data', (text: string) => {
      this.stderr += text;
    });
    const deadline = setTimeout(() => {
      this.timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    this.done = new Promise((resolve) => {
      child.on('close', (code) => {
        clearTimeout(deadline);
        fs.rmSync(this.directory, { recursive: true, force: true });
        for (const waiter of [...this.waiters]) waiter();
        resolve({ exitCode: code, timedOut: this.timedOut, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** The stdout lines that start with `marker`, without it (trimmed). */
  marked(marker: string): string[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith(marker))
      .map((line) => line.slice(marker.length).trim());
  }

  /** Resolves with the first match of `pattern` in stdout; rejects after `timeoutMs` or when Godot exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let exited = false;
      void this.done.then(() => {
        exited = true;
        check();
      });
      const check = (): void => {
        const match = this.stdout.match(pattern);
        if (match === null && !exited) return;
        clearTimeout(deadline);
        this.waiters.delete(check);
        if (match !== null) resolve(match);
        else reject(new Error(`Godot exited without printing ${pattern}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      };
      const deadline = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`Godot printed nothing matching ${pattern} within ${timeoutMs} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Kills the process (if still running) and waits for it. */
  async stop(): Promise<GodotResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.done;
  }
}

/**
 * Runs `script` (a GDScript `extends SceneTree` main script) headless in a fresh project directory:
 * `godot --path DIR -s main.gd`. Killed after `timeoutMs` (at most {@link GODOT_RUN_TIMEOUT_MS_MAX}).
 */
export function startGodot(binaryPath: string, script: string, timeoutMs: number): GodotRun {
  if (!(timeoutMs > 0 && timeoutMs <= GODOT_RUN_TIMEOUT_MS_MAX)) throw new RangeError(`timeoutMs must be 1..${GODOT_RUN_TIMEOUT_MS_MAX}, got ${timeoutMs}`);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-godot-'));
  fs.writeFileSync(path.join(directory, 'project.godot'), 'config_version=4\n\n[application]\n\nconfig/name="enetsim test"\n');
  fs.writeFileSync(path.join(directory, 'main.gd'), script);
  // LC_ALL=C.UTF-8 would still make Godot warn about the locale; the warning is harmless.
  const child = spawn(binaryPath, ['--path', directory, '-s', 'main.gd'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new GodotRun(child, directory, timeoutMs);
}

/** A UDP port that was free a moment ago (Godot takes the port number, not a socket). */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
