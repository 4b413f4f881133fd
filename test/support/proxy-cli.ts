// `enetsim proxy --json` run as a user runs it: the built bundle (dist/bundle/enetsim.js, the package's
// bin) in a child process, its JSON lines collected; stopped with SIGTERM, which prints the summary.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ProxySummary } from '../../src/native/proxy.js';
import { JsonLineReader } from '../../src/native/json-lines.js';

export const BUNDLE_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/enetsim.js');

export interface ProxyCliLine {
  event: string;
  [field: string]: unknown;
}

/** A running `enetsim proxy --json`. */
export class ProxyCli {
  readonly lines: ProxyCliLine[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly reader = new JsonLineReader<ProxyCliLine>(this.lines);

  /** Starts the proxy listening on a free loopback port; `args` come after `--listen` and `--json`. */
  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [BUNDLE_PATH, 'proxy', '--listen', '127.0.0.1:0', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.take(chunk));
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      if (this.stderr.length < 64 * 1024) this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code) => resolve(code));
      this.child.on('error', () => resolve(null));
    });
  }

  /** The port it listens on, once its `listening` line came; rejects after `timeoutMs`. */
  async port(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const listening = this.lines.find((line) => line.event === 'listening');
      if (listening !== undefined) return listening['port'] as number;
      if (performance.now() > deadline || this.child.exitCode !== null) throw new Error(`enetsim proxy did not start listening; stderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Sends SIGTERM and returns the summary line (exit code 0 required). */
  async stop(): Promise<{ code: number | null; summary: ProxySummary & { reason: string } }> {
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await this.exited;
    clearTimeout(killer);
    const summary = this.lines.find((line) => line.event === 'summary');
    if (summary === undefined) throw new Error(`enetsim proxy printed no summary (exit ${code}); stderr: ${this.stderr}`);
    return { code, summary: summary as unknown as ProxySummary & { reason: string } };
  }

  /** Kills it without waiting for a summary (cleanup after a failure). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private take(chunk: string): void {
    this.reader.take(chunk);
  }

}
