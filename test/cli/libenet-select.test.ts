// One meaning per file, and any libenet: a scenario's `protocol` (default 1.3.18, whatever `impl`
// says) is what `run --impl typescript` runs; where the libenet is another version, run and diff
// say so on stderr and diff compares like with like; `--libenet` / ENETSIM_LIBENET pick another
// libenet build, and the TypeScript side then behaves as that library's version.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { hostFactories, profileOfLibenet } from '../../src/cli/commands/run.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import { libenetAvailability, locateLibenet } from '../../src/native/libenet.js';
import type { TsHost } from '../../src/sim/ts-host.js';
import { describeLibenet } from '../support/libenet-vitest.js';
import { FakeIo, REPO_ROOT } from './support-io.js';

function scenarioText(hosts: string): string {
  return `name: protocol
seed: 1
duration: 2s
hosts:
${hosts}
timeline:
  - at: 0s
    connect: { from: client, to: server }
`;
}

function profilesUnderImplTypescript(hosts: string): Record<string, string> {
  const loaded = loadScenario('p.yaml', scenarioText(hosts));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const { sim } = compileScenario(loaded.scenario, { seed: 1, ...hostFactories({ implementationName: 'typescript' }, null) });
  return Object.fromEntries(sim.hostNames.map((name) => [name, (sim.host(name).impl as TsHost).core.profile]));
}

describe('a scenario means one protocol', () => {
  test('a host without protocol is 1.3.18 whether its impl is typescript or libenet', () => {
    const loaded = loadScenario('p.yaml', scenarioText('  server: { impl: libenet }\n  client: {}'));
    expect(loaded.ok && loaded.scenario.hosts.map((host) => host.protocol)).toEqual(['1.3.18', '1.3.18']);
  });

  test('impl libenet with protocol 1.3.18 is valid (the libenet that runs decides, and says so)', () => {
    expect(loadScenario('p.yaml', scenarioText('  server: { impl: libenet, protocol: 1.3.18 }\n  client: {}')).ok).toBe(true);
  });

  test('run --impl typescript runs every host as its own protocol, impl: libenet hosts included', () => {
    expect(profilesUnderImplTypescript('  server: { impl: libenet }\n  client: { protocol: 1.3.17 }')).toEqual({ server: '1.3.18', client: '1.3.17' });
    expect(profilesUnderImplTypescript('  server: { impl: libenet, protocol: 1.3.17 }\n  client: {}')).toEqual({ server: '1.3.17', client: '1.3.18' });
  });

  test('the TypeScript profile of a libenet version', () => {
    expect(['1.3.16', '1.3.17', '1.3.18', '1.3.19', '2.0.0'].map(profileOfLibenet)).toEqual(['1.3.17', '1.3.17', '1.3.18', '1.3.18', '1.3.18']);
  });
});

describe('--libenet and ENETSIM_LIBENET', () => {
  function layout(files: string[]): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-libenet-layout-'));
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), '');
    }
    return root;
  }

  test('an install prefix, a source tree built in place, and the library file itself are found', () => {
    const prefix = layout(['include/enet/enet.h', 'lib/libenet.so']);
    expect(locateLibenet(prefix)).toEqual({ ok: true, value: { libraryFile: fs.realpathSync(path.join(prefix, 'lib/libenet.so')), includeDir: path.join(prefix, 'include') } });
    const tree = layout(['include/enet/enet.h', 'libenet.so']);
    expect(locateLibenet(tree)).toEqual({ ok: true, value: { libraryFile: fs.realpathSync(path.join(tree, 'libenet.so')), includeDir: path.join(tree, 'include') } });
    expect(locateLibenet(path.join(prefix, 'lib/libenet.so'))).toEqual(locateLibenet(prefix));
  });

  test('a path without a library or without headers is refused with what was looked for', () => {
    const noLibrary = layout(['include/enet/enet.h']);
    expect(locateLibenet(noLibrary)).toMatchObject({ ok: false, reason: expect.stringContaining('no libenet.so in it') });
    const noHeaders = layout(['lib/libenet.so']);
    expect(locateLibenet(noHeaders)).toMatchObject({ ok: false, reason: expect.stringContaining('not the headers') });
    expect(locateLibenet('/nonexistent/enet')).toEqual({ ok: false, reason: '/nonexistent/enet: no such file or directory' });
  });

  test('run --impl libenet --libenet with a bad path exits 2 and names the path', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    expect(await runCli(['run', 'scenarios/handshake.yaml', '--impl', 'libenet', '--libenet', '/nonexistent/enet'], io)).toBe(2);
    expect(io.err).toContain('the libenet at /nonexistent/enet cannot run here: /nonexistent/enet: no such file or directory');
  });

  test('run --impl libenet on a host with a Godot-only compressor exits 2 naming the file, the host and the compressor', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    expect(await runCli(['run', 'test/cli/fixtures/godot-zlib-pair.yaml', '--impl', 'libenet'], io)).toBe(2);
    expect(io.err).toBe(
      "enetsim: test/cli/fixtures/godot-zlib-pair.yaml: host 'server' has compress: zlib, which --impl libenet cannot run: libenet has only ENet's range coder (zlib is Godot's own wrapper; run it on the TypeScript core)\n",
    );
    const typescript = new FakeIo({ cwd: REPO_ROOT });
    expect(await runCli(['run', 'test/cli/fixtures/godot-zlib-pair.yaml'], typescript)).toBe(0);
  });

  test('run --libenet on a scenario with no libenet host says the flag is not used (and still runs)', async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    expect(await runCli(['run', 'scenarios/handshake.yaml', '--libenet', '/nonexistent/enet'], io)).toBe(0);
    expect(io.err).toContain('--libenet /nonexistent/enet is not used: no host runs on libenet');
    const fromEnvironment = new FakeIo({ cwd: REPO_ROOT, env: { ENETSIM_LIBENET: '/nonexistent/enet' } });
    expect(await runCli(['run', 'scenarios/handshake.yaml'], fromEnvironment)).toBe(0);
    expect(fromEnvironment.err, 'the environment variable is a standing choice, not a flag to warn about').toBe('');
  });

  test('ENETSIM_LIBENET is used when --libenet is not given (diff and conformance too)', async () => {
    for (const argv of [['diff', 'scenarios/handshake.yaml'], ['conformance', '--seeds', '1', '--jobs', '1']]) {
      const io = new FakeIo({ cwd: REPO_ROOT, env: { ENETSIM_LIBENET: '/nonexistent/enet' } });
      expect(await runCli(argv, io), argv.join(' ')).toBe(2);
      expect(io.err).toContain('the libenet at /nonexistent/enet cannot run here');
    }
  });
});

describeLibenet("Debian's libenet 1.3.17 running 1.3.18 hosts", () => {
  test('run --impl libenet says, in one line per scenario, which hosts run as 1.3.17 instead of 1.3.18', { timeout: 60_000 }, async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    expect(await runCli(['run', 'scenarios/handshake.yaml', '--impl', 'libenet', '--quiet'], io)).toBe(0);
    expect(io.err).toBe('enetsim: scenarios/handshake.yaml: hosts server, client ask for ENet 1.3.18 (protocol), but the libenet here is 1.3.17: they run as libenet 1.3.17 instead\n');
  });

  test('diff compares like with like (the TypeScript core as 1.3.17) and says so', { timeout: 60_000 }, async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    expect(await runCli(['diff', 'scenarios/handshake.yaml'], io)).toBe(0);
    expect(io.err).toBe(
      'enetsim: scenarios/handshake.yaml: hosts server, client ask for ENet 1.3.18, but the libenet here is 1.3.17: diff compares them as 1.3.17 on both sides (the TypeScript core as its 1.3.17 profile)\n',
    );
    expect(io.out).toMatch(/^scenarios\/handshake\.yaml: identical on the TypeScript core \(as 1\.3\.17\) and libenet 1\.3\.17 \(seed 1, \d+ trace events with datagram and packet hashes, and every host, peer and channel field at the end; hash [0-9a-f]{16}\)\n$/);
  });
});

// A real libenet 1.3.18 is not in CI (only Debian's 1.3.17 is): these run when ENETSIM_LIBENET
// points at one (docs/libenet.md shows how to build it) and are skipped loudly otherwise.
const libenet1318 = process.env.ENETSIM_LIBENET;
const availability1318 = libenet1318 === undefined || libenet1318 === '' ? null : libenetAvailability(libenet1318);
describe('a libenet 1.3.18 build (ENETSIM_LIBENET)', () => {
  if (availability1318 === null || !availability1318.ok) {
    const reason = availability1318 === null ? 'ENETSIM_LIBENET is not set' : availability1318.reason;
    console.warn(`[enetsim] skipping the libenet 1.3.18 comparison: ${reason} (CI has only Debian's 1.3.17; see docs/libenet.md to build 1.3.18)`);
    test.skip(`needs ENETSIM_LIBENET pointing at a libenet 1.3.18 build (${reason}; CI has only Debian's 1.3.17, so this is skipped there by design)`, () => {});
    return;
  }
  test('conformance runs the TypeScript core as 1.3.18 against it, identical on 5 seeds', { timeout: 120_000 }, async () => {
    const io = new FakeIo({ cwd: REPO_ROOT, env: { ENETSIM_LIBENET: libenet1318 } });
    expect(await runCli(['conformance', '--seeds', '5', '--jobs', '1'], io), io.out + io.err).toBe(0);
    expect(io.out).toMatch(/^conformance: 5\/5 seeds identical .*\(TypeScript 1\.3\.18 against libenet 1\.3\.18 /);
  });

  test('diff of every shipped scenario is identical, with no protocol note (they are 1.3.18 files)', { timeout: 120_000 }, async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    expect(await runCli(['diff', 'scenarios/*.yaml', '--libenet', libenet1318!], io), io.out).toBe(0);
    expect(io.err).toBe('');
    expect(io.out.split('\n').filter((line) => line.includes('identical on the TypeScript core (as 1.3.18) and libenet 1.3.18')).length).toBeGreaterThanOrEqual(18);
  });
});
