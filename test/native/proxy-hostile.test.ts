// `enetsim proxy` used the wrong way on purpose, through the built command line as a user runs it:
// each test is a mistake a user made or an odd input, and what the proxy must do about it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

import { buildRunPageData } from '../../src/report/run-model.js';
import type { TraceEvent } from '../../src/trace/trace.js';

const ROOT = path.join(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI_PATH = path.join(ROOT, 'dist/cli/main.js');
const WORK_DIR = mkdtempSync(path.join(tmpdir(), 'enetsim-proxy-hostile-'));
afterAll(() => rmSync(WORK_DIR, { recursive: true, force: true }));

/** Runs the built command to its end (a short --duration keeps a wrongly accepted run short), in `cwd`. */
function run(args: string[], cwd = WORK_DIR): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI_PATH, ...args], { cwd, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const PROXY = ['proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:9', '--duration', '300ms'];

const SCENARIO = `name: a cut
duration: 2s
hosts: { server: {}, client: {} }
timeline:
  - at: 1s
    partition: { between: [client, server] }
`;

const CHECKS = `expect:
  - traffic: { from: client, to: server, measure: datagrams, at_most: 10 }
`;

describe('enetsim proxy: outputs never write over its inputs or each other', () => {
  test('--html naming the --scenario file is refused with exit 2, and the scenario is left as it was', () => {
    const scenario = path.join(WORK_DIR, 'cut.yaml');
    writeFileSync(scenario, SCENARIO);
    const result = run([...PROXY, '--scenario', scenario, '--html', scenario]);
    expect(result.stderr).toContain(`--html ${scenario} is the --scenario file ${scenario}; give another file`);
    expect(result.status).toBe(2);
    expect(readFileSync(scenario, 'utf8')).toBe(SCENARIO);
  });

  test('--trace naming the --expect file under another spelling (./) is refused, and the checks are left as they were', () => {
    writeFileSync(path.join(WORK_DIR, 'checks.yaml'), CHECKS);
    const result = run([...PROXY, '--expect', path.join(WORK_DIR, 'checks.yaml'), '--trace', './checks.yaml']);
    expect(result.stderr).toContain(`--trace ./checks.yaml is the --expect file ${path.join(WORK_DIR, 'checks.yaml')}; give another file`);
    expect(result.status).toBe(2);
    expect(readFileSync(path.join(WORK_DIR, 'checks.yaml'), 'utf8')).toBe(CHECKS);
  });

  test('--trace and --pcap naming one file in two spellings are refused before anything is written', () => {
    const result = run([...PROXY, '--trace', 'session.out', '--pcap', `../${path.basename(WORK_DIR)}/session.out`]);
    expect(result.stderr).toContain(`--trace and --pcap name the same file (session.out); give two files`);
    expect(result.status).toBe(2);
  });
});

const ONE_WAY = `name: one way, then a spike
duration: 2s
hosts: { server: {}, client: {} }
timeline:
  - at: 100ms
    partition: { from: client, to: server }
  - at: 200ms
    hold: { from: server, to: client }
  - at: 300ms
    lag_spike: { link: client<->server, extra: 300ms, for: 1s }
  - at: 400ms
    ramp: 500ms
    link: { client->server: { loss: 5% } }
`;

describe('enetsim proxy: the session page draws the network changes as a run page does', () => {
  test('a one-way partition, a one-way hold, a lag spike and a ramp from --scenario become the spans the report draws for them', () => {
    writeFileSync(path.join(WORK_DIR, 'one-way.yaml'), ONE_WAY);
    const trace = path.join(WORK_DIR, 'one-way.jsonl');
    const result = run(['proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:9', '--duration', '800ms', '--scenario', 'one-way.yaml', '--trace', trace]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [head, ...events] = readFileSync(trace, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const durationMs = head!['durationMs'] as number;
    const page = buildRunPageData({ events: events as unknown as TraceEvent[], durationMs, header: {} as never, expectations: [] });
    const spans = page.spans.map((span) => [span.kind, span.label, span.toMs > span.fromMs]);
    expect(spans).toEqual([
      ['partition', 'partition client->server', true],
      ['hold', 'hold server->client', true],
      ['lagSpike', 'lag spike client<->server +300 ms', true],
      ['ramp', 'ramp client->server over 500 ms', true],
    ]);
  });
});
