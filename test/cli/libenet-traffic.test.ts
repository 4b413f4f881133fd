// Traffic and relative expectations on both implementations: the same scenario, run on the
// TypeScript core and on libenet 1.3.17 through the driver, gives identical traces (`diff`) and
// therefore identical traffic numbers, each expectation observing the same value on both.
import { expect, test } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { describeLibenet } from '../support/libenet-vitest.js';
import { FakeIo, REPO_ROOT } from './support-io.js';

const FILE = 'test/cli/fixtures/traffic-both-impls.yaml';

interface ReportedAssertion {
  label: string;
  kind: string;
  passed: boolean;
  expected: string;
  observed: string;
}

async function runOn(impl: 'typescript' | 'libenet'): Promise<{ code: number; assertions: ReportedAssertion[] }> {
  const io = new FakeIo({ cwd: REPO_ROOT });
  const code = await runCli(['run', FILE, '--impl', impl, '--reporter', 'json'], io);
  const report = JSON.parse(io.out) as { scenarios: { assertions: ReportedAssertion[] }[] };
  const scenario = report.scenarios[0]!;
  return { code, assertions: scenario.assertions.map(({ label, kind, passed, expected, observed }) => ({ label, kind, passed, expected, observed })) };
}

describeLibenet('traffic expectations on both implementations', () => {
  test('traffic on both implementations: diff finds the two traces identical', { timeout: 60_000 }, async () => {
    const io = new FakeIo({ cwd: REPO_ROOT });
    expect(await runCli(['diff', FILE], io), io.out + io.err).toBe(0);
    expect(io.err).toBe('');
    expect(io.out).toMatch(/: identical on the TypeScript core \(as 1\.3\.17\) and libenet 1\.3\.17 \(seed 3, /);
  });

  test('traffic on both implementations: every traffic and relative expectation passes on each and observes the same numbers', { timeout: 60_000 }, async () => {
    const typescript = await runOn('typescript');
    const libenet = await runOn('libenet');
    expect(typescript.code).toBe(0);
    expect(libenet.code).toBe(0);
    // The trace hashes differ only by the state-change causes the TypeScript core adds (diff leaves them out, above).
    expect(typescript.assertions.map((assertion) => assertion.kind)).toEqual([...Array<string>(9).fill('traffic'), 'relative', 'relative']);
    expect(libenet.assertions).toEqual(typescript.assertions);
    // Not vacuous: the link dropped datagrams by both rules and ENet retransmitted on both channels.
    const observed = Object.fromEntries(typescript.assertions.map((assertion) => [assertion.label, assertion.observed]));
    expect(Number(observed['traffic client->server datagrams dropped (mtu)'])).toBeGreaterThan(0);
    expect(observed['relative client->server retransmissions on channel 1 during the run vs client->server retransmissions on channel 0 during the run']).toMatch(/^\d+ vs \d+$/);
  });
});
