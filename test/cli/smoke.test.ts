// Smoke tests of the built binary, run the way a user runs it: `node dist/cli/main.js …` in a child
// process, with a real environment, real streams and real exit codes. Everything else about the CLI
// is tested in-process (cli.test.ts, invalid.test.ts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support-io.js';

const BIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const ANSI_ESCAPE = '\x1b[';

interface Spawned {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without the colour switches, so each test sets exactly the ones it means. */
function baseEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'ENETSIM_DEBUG']) delete env[name];
  return env;
}

function enetsim(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const result = spawnSync(process.execPath, [BIN, ...argv], { cwd: REPO_ROOT, env: { ...baseEnvironment(), ...env }, encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let scratch = '';

beforeAll(() => {
  if (!existsSync(BIN)) {
    const build = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building dist failed:\n${build.stdout}${build.stderr}`);
  }
  scratch = mkdtempSync(join(tmpdir(), 'enetsim-smoke-'));
});

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

describe('the built enetsim binary', () => {
  it('smoke: --version prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = enetsim(['--version']);
    expect(result.stdout).toBe(`${version}\n`);
    expect(result.status).toBe(0);
  });

  it('smoke: --help lists every command', () => {
    const result = enetsim(['--help']);
    for (const command of ['enetsim run [files..]', 'enetsim diff <files..>', 'enetsim conformance', 'enetsim validate <files..>', 'enetsim schema', 'enetsim presets', 'enetsim serve', 'enetsim connect']) {
      expect(result.stdout).toContain(command);
    }
    expect(result.status).toBe(0);
  });

  it('smoke: run scenarios/handshake.yaml passes with exit 0', () => {
    const result = enetsim(['run', 'scenarios/handshake.yaml']);
    expect(result.stdout).toContain('1 scenario, 1 passed, 0 failed');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('smoke: a failing scenario exits 1 and prints the reproduce command', () => {
    const file = join(scratch, 'slow.yaml');
    // The handshake takes about 116 ms at 40 ms one-way: it cannot be done within 10ms.
    writeFileSync(
      file,
      [
        'name: a handshake too slow',
        'duration: 1s',
        'hosts: { server: {}, client: {} }',
        'links: { default: { latency: 40ms } }',
        'timeline: [{ at: 0s, connect: { from: client, to: server } }]',
        'expect: [{ state: { peer: client->server, reaches: STATE_CONNECTED, within: 10ms } }]',
        '',
      ].join('\n'),
    );
    const result = enetsim(['run', file]);
    expect(result.stdout).toContain(`reproduce:\n  enetsim run ${file} --seed 1\n`);
    expect(result.status).toBe(1);
  });

  it('smoke: an invalid scenario exits 2 with file:line:col on stderr and no stack trace', () => {
    const result = enetsim(['run', 'test/cli/invalid/unknown-key-link.yaml']);
    expect(result.stderr).toContain("test/cli/invalid/unknown-key-link.yaml:10:5 unknown key 'latncy' (did you mean 'latency'?)\n10 |     latncy: 20ms\n");
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('enetsim: 1 problem in the input; nothing was run');
    expect(result.stdout).toBe('');
    expect(result.status).toBe(2);
  });

  it('smoke: NO_COLOR=1 prints no colour codes and FORCE_COLOR=1 prints them', () => {
    const argv = ['run', 'scenarios/handshake.yaml'];
    const plain = enetsim(argv, { NO_COLOR: '1' });
    const coloured = enetsim(argv, { FORCE_COLOR: '1' });
    expect(plain.stdout).toContain('1 scenario, 1 passed, 0 failed');
    expect(plain.stdout).not.toContain(ANSI_ESCAPE);
    expect(coloured.stdout).toContain(ANSI_ESCAPE);
    // Without a terminal and without either variable, there is no colour either.
    expect(enetsim(argv).stdout).not.toContain(ANSI_ESCAPE);
    expect([plain.status, coloured.status]).toEqual([0, 0]);
  });

  it('smoke: an unknown command exits 2 and suggests the closest one', () => {
    const result = enetsim(['runn', 'scenarios/handshake.yaml']);
    expect(result.stderr).toContain("did you mean 'run'?");
    expect(result.stderr).not.toMatch(/^ {4}at /m);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(2);
  });
  it('smoke: a reader that stops early (| head) ends the run quietly with status 141, no stack trace', async () => {
    const child = spawn(process.execPath, [BIN, 'run', 'scenarios/reliable-under-loss.yaml', '--explain'], { cwd: REPO_ROOT, env: baseEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    // Close our end before the child can have written anything (Node takes tens of ms to start), as a
    // reader that stopped would: every write of the run then meets a closed pipe.
    child.stdout.destroy();
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(stderr).toBe('');
    expect(status).toBe(141);
  });
});
