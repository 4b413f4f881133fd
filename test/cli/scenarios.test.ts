// Every scenario in scenarios/ is a test case: it must pass with `enetsim run`, and a copy with one
// assertion deliberately broken must fail with the failure the table below predicts (so each
// scenario's assertions are shown to be able to fail). A new scenario needs an entry in BREAKAGES.
// The CLI runs in-process through runCli with a fake CliIo over node:fs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/cli.js';
import { openOutputFile, readDirectoryEntries, statPathInfo } from '../../src/cli/node-io.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCENARIOS_DIR = join(REPO_ROOT, 'scenarios');
const TEMP_DIR = mkdtempSync(join(tmpdir(), 'enetsim-scenarios-'));

afterAll(() => rmSync(TEMP_DIR, { recursive: true, force: true }));

/** Every scenario file, as a path relative to the repository root ("scenarios/x.yaml"). */
function scenarioFiles(): string[] {
  return (readdirSync(SCENARIOS_DIR, { recursive: true }) as string[])
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => relative(REPO_ROOT, join(SCENARIOS_DIR, file)).split(sep).join('/'))
    .sort();
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with paths relative to the repository root; captures what it prints. */
async function cli(argv: readonly string[]): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const at = (path: string) => resolve(REPO_ROOT, path);
  const io: CliIo = {
    stdout: (text) => void stdout.push(text),
    stderr: (text) => void stderr.push(text),
    readFile: (path) => readFileSync(at(path)),
    openOutput: (path) => openOutputFile(at(path)),
    readDirectory: (directory) => readDirectoryEntries(at(directory)),
    statPath: (path) => statPathInfo(at(path)),
    color: false,
    wallClockMs: () => 0,
  };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/**
 * How to break one assertion of a scenario: replace `from` (which must occur exactly once in the
 * file) by `to`; the run must then fail, printing `label` and `observed` (a fragment of the
 * "observed:" line) for the broken assertion.
 */
interface Breakage {
  from: string;
  to: string;
  label: string;
  observed: string;
}

/** One entry per scenario file name; the test fails for a scenario without one. */
const BREAKAGES: Readonly<Record<string, Breakage>> = {
  'handshake.yaml': {
    from: 'at: 190ms, equals: 500ms',
    to: 'at: 190ms, equals: 400ms',
    label: 'the client has no RTT sample before its first PING is answered',
    observed: 'observed: 500ms',
  },
  'reliable-under-loss.yaml': {
    from: 'at: 9.9s, equals: 0 }',
    to: 'at: 9.9s, above: 0 }',
    label: 'no loss is reported before the first 10-second evaluation',
    observed: 'observed: 0 (0.00%)',
  },
  'timeout-after-partition.yaml': {
    from: 'rule: maximum, after: cut, between: [42.8s, 42.9s]',
    to: 'rule: maximum, after: cut, within: 30s',
    label: 'sat is dropped only 42.8 s after its first lost PING, long past timeout_max',
    observed: 'observed: timed out at 47.84s by the maximum rule',
  },
  'throttle-configure-tuning.yaml': {
    from: 'aggregate: max, above: 100ms',
    to: 'aggregate: max, above: 1s',
    label: 'the queue builds up under the burst',
    observed: 'observed: 144ms from 205 samples',
  },
  'set-timeout-in-connect-handler.yaml': {
    from: 'rule: limit, after: cut, within: 1.5s',
    to: 'rule: limit, after: cut, within: 1.2s',
    label: "with the handler's timeout the server drops the dead client within 1.5 s",
    observed: 'observed: timed out at 6.32s by the limit rule',
  },
  'reconnect-after-timeout.yaml': {
    from: 'never: STATE_CONNECTED, after: back, within: 7s',
    to: 'never: STATE_CONNECTED, after: back, within: 7.5s',
    label: "the network is back but the retry waits for its CONNECT's next retransmission",
    observed: 'observed: entered it at 22.224s (verifyConnectReceived)',
  },
  'welcome-burst-on-connect.yaml': {
    from: 'within: 100ms, count: 65',
    to: 'within: 100ms, count: 64',
    label: 'the first flight is one window, 65 chunks, one trip after the handler ran',
    observed: 'observed: 65, first at 256ms',
  },
  'bufferbloat-queue-time.yaml': {
    from: 'aggregate: max, above: 200ms, below: 290ms',
    to: 'aggregate: max, above: 200ms, below: 240ms',
    label: '200 ms of buffer adds about 200 ms to the round trip',
    observed: 'observed: 259ms from 459 samples',
  },
  'set-timeout-sweep.yaml': {
    from: 'after: cut, within: 30s',
    to: 'after: cut, within: 5s',
    label: 'the server notices the dead peer within 30 s',
    observed: 'observed: timed out at 16.483s by the limit rule',
  },
  'ping-interval-bursty.yaml': {
    from: 'latency: { percentile: 95, below: 2s }',
    to: 'latency: { percentile: 95, below: 40ms }',
    label: 'every reliable packet arrives once, in order, p95 within 2 s',
    observed: 'observed: 320 reliable: 0 missing, 0 duplicated, 0 out of order; p95 50ms over 320 packets',
  },
  'ping-interval-idle.yaml': {
    from: 'after: vanish, within: 25s',
    to: 'after: vanish, within: 1s',
    label: 'the client notices the vanished server',
    observed: 'observed: timed out at 11.7s by the limit rule',
  },
  'packet-size-fragments.yaml': {
    from: 'ratio: { at_least: 0.9 }',
    to: 'ratio: { above: 0.999 }',
    label: 'most packets arrive',
    observed: 'observed: 199/200 delivered (0.995)',
  },
  'throttle-under-congestion.yaml': {
    from: 'after: relief, within: 1.5s, hold: 4s',
    to: 'after: relief, within: 1s, hold: 4s',
    label: 'after relief the throttle climbs back by 2 per ACK and stays at 32',
    observed: 'it entered the band at 9.2',
  },
  'throttle-gives-up.yaml': {
    from: 'over: [10.5s, 24s], aggregate: min, equals: 32',
    to: 'over: [10.5s, 24s], aggregate: min, below: 32',
    label: 'from then on the throttle stays fully open',
    observed: 'observed: 32 from',
  },
  'jitter-reorders-unreliable.yaml': {
    from: 'ratio: { at_least: 0.75, at_most: 0.9 }',
    to: 'ratio: { at_least: 0.99 }',
    label: 'reordered sequenced packets are dropped as stale',
    observed: 'observed: 488/600 delivered (0.813)',
  },
  'fragmentation-small-mtu.yaml': {
    from: '{ from: tunnel, to: server, ratio: { equals: 0 } }',
    to: '{ from: tunnel, to: server, ratio: { equals: 1 } }',
    label: 'fragments too big for the path never arrive',
    observed: 'observed: 0/3 delivered (0.000)',
  },
  'disconnect-later-drains.yaml': {
    from: 'peer: polite, data: 8, count: 1',
    to: 'peer: polite, data: 0, count: 1',
    label: 'then the server gets DISCONNECT with the data',
    observed: 'observed: 0 (2 disconnect events in all',
  },
  'paused-game-loop-timeout.yaml': {
    from: 'is: STATE_CONNECTED, at: 14.9s',
    to: 'is: STATE_DISCONNECTED, at: 14.9s',
    label: 'the paused client still believes it is connected',
    observed: 'observed: STATE_CONNECTED at 14.9s',
  },
  'godot-in-bandwidth-throttle.yaml': {
    from: 'over: [1.5s, 12s], aggregate: max, equals: 1',
    to: 'over: [1.5s, 12s], aggregate: max, equals: 32',
    label: 'a client with a declared upstream stays limited to 1',
    observed: 'observed: 1 from',
  },
  'rtt-floor-8ms.yaml': {
    from: 'over: [4s, 8s], aggregate: min, equals: 9ms',
    to: 'over: [4s, 8s], aggregate: min, below: 8ms',
    label: 'afterwards srtt sticks at 2 + 7 = 9 ms',
    observed: 'observed: 9ms from',
  },
  'unsequenced-throttle-cascade.yaml': {
    from: 'ratio: { at_least: 0.37, at_most: 0.40 }',
    to: 'ratio: { at_least: 0.52, at_most: 0.54 }',
    label: 'unsequenced packets cascade and pass at 0.386',
    observed: 'observed: 462/1200 delivered (0.385)',
  },
  'clock-wrap.yaml': {
    from: 'between: [8.16s, 8.17s]',
    to: 'between: [8s, 8.1s]',
    label: 'the timeout across the wrap takes exactly as long as without it',
    observed: 'observed: timed out at 10.166s by the limit rule',
  },
  'set-timeout-tuning.yaml': {
    from: 'timeout: { peer: stock_cut->server, rule: limit,',
    to: 'timeout: { peer: stock_cut->server, rule: maximum,',
    label: "ENet's defaults take 6 s",
    observed: 'observed: timed out at 11.033s by the limit rule',
  },
  'godot-long-timeouts.yaml': {
    from: 'between: [211.1s, 211.3s]',
    to: 'between: [300s, 301s]',
    label: "upstream's rule drops the paused client at the 11th check, 211.2 s into the pause",
    observed: 'observed: timed out at 3.57min by the limit rule',
  },
  'crash-restart.yaml': {
    from: 'after: crash, between: [6.7s, 6.9s]',
    to: 'after: crash, within: 5s',
    label: 'the client believes the server is there until its timeout',
    observed: 'observed: timed out at 9.8s by the limit rule',
  },
  'lost-handshake-ack.yaml': {
    from: 'within: 630ms, count: 0',
    to: 'within: 630ms, count: 1',
    label: 'until then it refuses the client\'s data',
    observed: 'observed: 0 (78 receive events in all, e.g. at 633ms from client)',
  },
  'bursty-vs-random-loss.yaml': {
    from: 'latency: { percentile: 100, above: 2s }',
    to: 'latency: { percentile: 100, below: 2s }',
    label: 'a burst costs seconds',
    observed: 'observed: p100 2.5s over 1200 packets',
  },
  'corruption-needs-checksum.yaml': {
    from: 'channel: 0, count: 600 }',
    to: 'channel: 0, count: 598 }',
    label: 'without one, the application gets 600 reliable packets...',
    observed: 'observed: 600, first at',
  },
};

const FILES = scenarioFiles();

describe('scenarios', () => {
  it('scenarios: the directory holds scenarios, and every table entry names one of them', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(12);
    const names = FILES.map((file) => basename(file));
    expect(new Set(names).size, 'scenario file names must be unique (the table is keyed by name)').toBe(names.length);
    for (const name of Object.keys(BREAKAGES)) expect(names, `BREAKAGES has an entry for a missing scenario: ${name}`).toContain(name);
  });

  for (const file of FILES) {
    it(`${file}: passes with enetsim run`, async () => {
      const result = await cli(['run', file]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('1 scenario, 1 passed, 0 failed');
      expect(result.code).toBe(0);
    });

    it(`${file}: a copy with one assertion broken fails with the expected observation`, async () => {
      const name = basename(file);
      const breakage = BREAKAGES[name];
      expect(breakage, `add an entry for ${name} to BREAKAGES in test/cli/scenarios.test.ts`).toBeDefined();
      const { from, to, label, observed } = breakage!;
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      expect(text.split(from).length - 1, `'${from}' must occur exactly once in ${file}`).toBe(1);
      const brokenFile = join(TEMP_DIR, name);
      writeFileSync(brokenFile, text.replace(from, to));
      const result = await cli(['run', brokenFile]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('1 scenario, 0 passed, 1 failed');
      const failure = result.stdout.slice(result.stdout.indexOf(`${brokenFile}:`));
      expect(failure).toContain(` ${label}\n`);
      expect(failure).toContain(observed);
      // Exactly one assertion broke: the one the table names.
      expect(result.stdout.split('\n  expected: ').length - 1).toBe(1);
    });
  }
});

describe('determinism', () => {
  const file = 'scenarios/reliable-under-loss.yaml';

  it('determinism: the same scenario and seed give byte-identical trace files', async () => {
    const first = join(TEMP_DIR, 'first.jsonl');
    const second = join(TEMP_DIR, 'second.jsonl');
    expect((await cli(['run', file, '--trace', first])).code).toBe(0);
    expect((await cli(['run', file, '--trace', second])).code).toBe(0);
    const firstText = readFileSync(first, 'utf8');
    expect(firstText.length).toBeGreaterThan(100_000);
    expect(firstText.startsWith(`{"kind":"run","file":"${file}","seed":1,`)).toBe(true);
    expect(readFileSync(second, 'utf8')).toBe(firstText);
  });

  it('determinism: another seed gives another trace (the comparison above can fail)', async () => {
    const seeded = join(TEMP_DIR, 'seed2.jsonl');
    const first = join(TEMP_DIR, 'seed1.jsonl');
    expect((await cli(['run', file, '--trace', first])).code).toBe(0);
    expect((await cli(['run', file, '--seed', '2', '--trace', seeded])).code).toBe(0);
    expect(readFileSync(seeded, 'utf8')).not.toBe(readFileSync(first, 'utf8'));
  });
});
