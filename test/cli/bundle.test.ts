// The bundled command line (dist/bundle/enetsim.js, the package's `bin`), run as a user runs it: a
// child process. It must behave as dist/cli/main.js does, its lazily loaded commands and worker
// threads included. No timings here: docs/performance.md has the start-up figures.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support-io.js';

const BUNDLE = join(REPO_ROOT, 'dist', 'bundle', 'enetsim.js');
const MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');

interface Spawned {
  status: number | null;
  stdout: string;
  stderr: string;
}

function node(script: string, argv: readonly string[]): Spawned {
  const env = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'ENETSIM_DEBUG']) delete env[name];
  const result = spawnSync(process.execPath, [script, ...argv], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 120_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  for (const [file, command] of [
    [MAIN, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']],
    [BUNDLE, [join(REPO_ROOT, 'scripts', 'bundle-cli.mjs')]],
  ] as const) {
    if (existsSync(file)) continue;
    const build = spawnSync(process.execPath, command, { cwd: REPO_ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building ${file} failed:\n${build.stdout}${build.stderr}`);
  }
});

describe('the bundled enetsim', () => {
  it('is what package.json installs as the enetsim command', () => {
    const { bin } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(join(REPO_ROOT, bin['enetsim']!)).toBe(BUNDLE);
  });

  it('prints the version of package.json for --version', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = node(BUNDLE, ['--version']);
    expect(result).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints the same --help as the unbundled CLI, serve and connect included', () => {
    const bundled = node(BUNDLE, ['--help']);
    expect(bundled.stdout).toContain('enetsim serve');
    expect(bundled.stdout).toContain('enetsim connect <target>');
    expect(bundled).toEqual(node(MAIN, ['--help']));
  });

  it('prints the same flags for run --help and serve --help as the unbundled CLI', () => {
    for (const command of ['run', 'serve']) expect(node(BUNDLE, [command, '--help'])).toEqual(node(MAIN, [command, '--help']));
  });

  it('runs scenarios/handshake.yaml to a pass with exit 0', () => {
    const result = node(BUNDLE, ['run', 'scenarios/handshake.yaml']);
    expect(result.stdout).toContain('1 scenario, 1 passed, 0 failed');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it("reports the same trace hashes as the unbundled CLI in a JSON report", () => {
    const hashesOf = (script: string): string[][] => {
      const result = node(script, ['run', 'scenarios/handshake.yaml', '--seeds', '2', '--reporter', 'json']);
      expect(result.status).toBe(0);
      return (JSON.parse(result.stdout) as { scenarios: { traceHashes: string[] }[] }).scenarios.map((scenario) => scenario.traceHashes);
    };
    const bundled = hashesOf(BUNDLE);
    expect(bundled[0]).toHaveLength(2);
    expect(bundled).toEqual(hashesOf(MAIN));
  });

  it('finds its sweep worker beside it: a sweep on 2 threads gives the report of the unbundled CLI', () => {
    const argv = ['sweep', 'scenarios/handshake.yaml', '--set', 'links.default.loss=0%,10%', '--seeds', '3', '--jobs', '2', '--format', 'json', '--quiet'];
    const bundled = node(BUNDLE, argv);
    expect(bundled.status).toBe(0);
    expect(bundled.stdout).toContain('"format": "enetsim-sweep/1"');
    expect(bundled).toEqual(node(MAIN, argv));
    expect(existsSync(join(REPO_ROOT, 'dist', 'bundle', 'worker.js'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'dist', 'bundle', 'conformance-worker.js'))).toBe(true);
  });
});
