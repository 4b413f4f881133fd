// Reactions on both implementations: scenarios whose handlers answer ENet events (the shipped ones
// that behave like a Godot game, and a fixture with every kind of reaction) give identical traces on
// the TypeScript core and on libenet 1.3.17 through the driver (`diff`), and the same verdicts.
import { expect, test } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { describeLibenet } from '../support/libenet-vitest.js';
import { FakeIo, REPO_ROOT } from './support-io.js';

const FILES = [
  'test/cli/fixtures/reactions-both-impls.yaml',
  'scenarios/set-timeout-in-connect-handler.yaml',
  'scenarios/reconnect-after-timeout.yaml',
  'scenarios/welcome-burst-on-connect.yaml',
];

interface ReportedAssertion {
  label: string;
  passed: boolean;
  observed: string;
}

async function assertionsOn(file: string, impl: 'typescript' | 'libenet'): Promise<ReportedAssertion[]> {
  const io = new FakeIo({ cwd: REPO_ROOT });
  await runCli(['run', file, '--impl', impl, '--reporter', 'json'], io);
  const report = JSON.parse(io.out) as { scenarios: { assertions: ReportedAssertion[] }[] };
  return report.scenarios[0]!.assertions.map(({ label, passed, observed }) => ({ label, passed, observed }));
}

describeLibenet('reactions on both implementations', () => {
  for (const file of FILES) {
    test(`${file}: diff finds the TypeScript core's and libenet's traces identical`, { timeout: 60_000 }, async () => {
      const io = new FakeIo({ cwd: REPO_ROOT });
      expect(await runCli(['diff', file], io), io.out + io.err).toBe(0);
      expect(io.out).toMatch(/: identical on the TypeScript core \(as 1\.3\.17\) and libenet 1\.3\.17 \(seed \d+, /);
    });
  }

  test('the fixture exercises every kind of reaction: delayed, held by a pause, cancelled by a crash and by a restart', { timeout: 60_000 }, async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    expect(await runCli(['run', FILES[0]!, '--explain'], io), io.out + io.err).toBe(0);
    for (const does of ['set_timeout', 'throttle_configure', 'ping_interval', 'send', 'stream', 'bulk', 'broadcast', 'ping', 'bandwidth_limit', 'channel_limit', 'connect', 'peer_disconnect_later', 'reset']) {
      expect(io.out, does).toMatch(new RegExp(`reacts to \\w+ of \\w+: ${does}\\b`));
    }
    expect(io.out).toMatch(/\[held_by_pause\] a: reacts to receive of server: send \(6\.872s after the event at 128ms\)/);
    expect(io.out).toContain('send cancelled: the host crashed');
    expect(io.out).toContain('send cancelled: the host restarted');
  });

  test('the same verdicts and observations on both implementations', { timeout: 120_000 }, async () => {
    for (const file of FILES) {
      const typescript = await assertionsOn(file, 'typescript');
      expect(typescript.every((assertion) => assertion.passed), file).toBe(true);
      expect(await assertionsOn(file, 'libenet'), file).toEqual(typescript);
    }
  });
});
