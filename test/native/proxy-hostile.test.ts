// `enetsim proxy` used the wrong way on purpose, through the built command line as a user runs it:
// each test is a mistake a user made or an odd input, and what the proxy must do about it.
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

import { proxyLinks } from '../../src/cli/commands/proxy.js';
import { answer, type ControlChange, type ControlledProxy } from '../../src/cli/commands/proxy-control.js';
import { PROXY_DIRECTIONS, PROXY_DROP_REASONS, UdpProxy, type ProxySummary } from '../../src/native/proxy.js';
import { buildRunPageData } from '../../src/report/run-model.js';
import type { TraceEvent } from '../../src/trace/trace.js';
import { eventually } from '../support/wait.js';

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

// Every entry at 0 ms: the timeline's first timer (delay 0) is armed in the same tick as the duration's
// and fires before it however busy the machine is, so all four run in every session.
const ONE_WAY = `name: one way, then a spike
duration: 2s
hosts: { server: {}, client: {} }
timeline:
  - at: 0ms
    partition: { from: client, to: server }
  - at: 0ms
    hold: { from: server, to: client }
  - at: 0ms
    lag_spike: { link: client<->server, extra: 300ms, for: 1s }
  - at: 0ms
    ramp: 500ms
    link: { client->server: { loss: 5% } }
`;

describe('enetsim proxy: the session page draws the network changes as a run page does', () => {
  test('a one-way partition, a one-way hold, a lag spike and a ramp from --scenario become the spans the report draws for them', () => {
    writeFileSync(path.join(WORK_DIR, 'one-way.yaml'), ONE_WAY);
    const trace = path.join(WORK_DIR, 'one-way.jsonl');
    const result = run(['proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:9', '--duration', '1s', '--scenario', 'one-way.yaml', '--trace', trace]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [head, ...events] = readFileSync(trace, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const durationMs = head!['durationMs'] as number;
    const page = buildRunPageData({ events: events as unknown as TraceEvent[], durationMs, header: {} as never, expectations: [] });
    // By kind: the four start at the ms each ran, which may differ by one.
    const spans = page.spans.map((span) => [span.kind, span.label, span.toMs > span.fromMs]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(spans).toEqual([
      ['hold', 'hold server->client', true],
      ['lagSpike', 'lag spike client<->server +300 ms', true],
      ['partition', 'partition client->server', true],
      ['ramp', 'ramp client->server over 500 ms', true],
    ]);
  });
});

/** Checks in + copies = out + dropped + still waiting, per direction; returns what is waiting. */
function balance(summary: ProxySummary): Record<'up' | 'down', number> {
  const pending = { up: 0, down: 0 };
  for (const direction of PROXY_DIRECTIONS) {
    const stats = summary.directions[direction];
    const dropped = PROXY_DROP_REASONS.reduce((sum, reason) => sum + stats.dropped[reason], 0);
    expect(stats.datagramsIn + stats.duplicated, direction).toBe(stats.datagramsOut + dropped + stats.pending);
    pending[direction] = stats.pending;
  }
  return pending;
}

function until(predicate: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  return eventually(predicate, timeoutMs);
}

/** A UDP socket standing for the server, and a proxy in front of it with `link` (null: a perfect link); `close` closes both. */
async function proxyBeforeSink(link: string | null, idleMs?: number): Promise<{ proxy: UdpProxy; close: () => Promise<void> }> {
  const server = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', () => resolve()));
  const links = proxyLinks({ link, linkUp: null, linkDown: null, preset: null });
  if (!links.ok) throw new Error(links.message);
  const target = { address: '127.0.0.1', port: (server.address() as { port: number }).port };
  const proxy = await UdpProxy.open({ listen: { port: 0 }, target, linkUp: links.value.up, linkDown: links.value.down, seed: 1, ...(idleMs !== undefined ? { idleMs } : {}) });
  return {
    proxy,
    close: async () => {
      await proxy.close();
      server.close();
    },
  };
}

describe('enetsim proxy: the summary accounts for every datagram', () => {
  test('datagrams held or still delayed are counted as waiting, and a hold of a client that idles out drops what it kept as expired', { timeout: 20_000 }, async () => {
    const { proxy, close } = await proxyBeforeSink('latency: 60s', 400);
    const client = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', () => resolve()));
    try {
      const send = (text: string) => client.send(text, proxy.localAddress.port, '127.0.0.1');
      send('delayed 1');
      send('delayed 2');
      expect(await until(() => proxy.summary().directions.up.datagramsIn === 2)).toBe(true);
      expect(balance(proxy.summary())).toEqual({ up: 2, down: 0 });
      expect(proxy.changeNetwork({ kind: 'hold', directions: ['up'] }, 'control').ok).toBe(true);
      send('held 1');
      send('held 2');
      send('held 3');
      expect(await until(() => proxy.summary().directions.up.datagramsIn === 5)).toBe(true);
      expect(balance(proxy.summary())).toEqual({ up: 5, down: 0 });
      // The client goes silent: its mapping expires, and the three held datagrams go with it.
      expect(await until(() => proxy.clientsMapped === 0)).toBe(true);
      const afterExpiry = proxy.summary();
      expect(afterExpiry.directions.up.dropped.expired).toBe(3);
      expect(balance(afterExpiry)).toEqual({ up: 2, down: 0 });
    } finally {
      await close();
      client.close();
    }
  });
});

describe('enetsim proxy: bad addresses are quoted as the user wrote them', () => {
  test.each([
    ['--listen', '::1:0', "enetsim proxy: --listen: '::1:0' is not HOST:PORT (write IPv6 addresses in brackets: [::1]:7777)"],
    ['--control', ':0', "enetsim proxy: --control: ':0' is not HOST:PORT"],
  ])('%s %s exits 2 quoting the port 0 that was given', (flag, value, message) => {
    const args = flag === '--listen' ? ['proxy', '--listen', value, '--to', '127.0.0.1:9', '--duration', '300ms'] : [...PROXY, flag, value];
    const result = run(args);
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(result.status).toBe(2);
  });
});

describe("enetsim proxy: a scenario's own expect: list", () => {
  test('with --expect given, the warning does not claim --expect would check the scenario\'s list, and only the checks file is judged', () => {
    writeFileSync(path.join(WORK_DIR, 'with-expect.yaml'), 'name: x\nduration: 1s\nhosts: { server: {}, c: {} }\nexpect:\n  - state: { peer: c->server, reaches: STATE_CONNECTED }\n');
    writeFileSync(path.join(WORK_DIR, 'few.yaml'), CHECKS);
    const result = run([...PROXY, '--scenario', 'with-expect.yaml', '--expect', 'few.yaml']);
    expect(result.stdout).not.toContain('unless --expect is given');
    expect(result.stdout).toContain("warning: the scenario's expectation (expect:) is not checked by the proxy: write the checks in a file of their own");
    expect(result.stdout).toContain('1 of 1 expectations held');
    expect(result.status).toBe(0);
  });
});

describe('enetsim proxy: a --duration longer than a Node timer holds', () => {
  test('--duration 600h keeps the proxy running (Ctrl-C ends it), instead of stopping at once with a timer overflow warning', { timeout: 20_000 }, async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:9', '--duration', '600h', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(await until(() => stdout.includes('"event":"listening"'))).toBe(true);
    // Still running well after a timer of 1 ms would have fired.
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const summary = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line['event'] === 'summary');
    expect(summary).toMatchObject({ reason: 'interrupt' });
    expect(stderr).not.toContain('TimeoutOverflowWarning');
  });
});

describe('enetsim proxy: a flag given twice', () => {
  test.each([
    [['--trace', 'a.jsonl', '--trace', 'b.jsonl'], '--trace'],
    [['--listen', '127.0.0.1:0'], '--listen'],
    [['--link', 'loss: 1%', '--link', 'loss: 2%'], '--link'],
  ])('%j exits 2 saying %s was given more than once', (extra, flag) => {
    const result = run([...PROXY, ...extra]);
    expect(result.stderr).toContain(`${flag} given more than once; give it once`);
    expect(result.status).toBe(2);
  });
});

describe('enetsim proxy --seed', () => {
  test('a seed that is not a number exits 2 saying so, not "got NaN"', () => {
    const result = run([...PROXY, '--seed', 'abc']);
    expect(result.stderr).toContain('--seed must be a whole number ≥ 0, got something that is not a number');
    expect(result.stderr).not.toContain('NaN');
    expect(result.status).toBe(2);
  });
});

describe('enetsim proxy --explain: a client that never comes', () => {
  test('the narration says no datagram reached the proxy, after the links it started with', () => {
    const result = run([...PROXY, '--explain']);
    expect(result.status).toBe(0);
    const narration = result.stdout.slice(result.stdout.indexOf('Narrated run'));
    expect(narration.trim().split('\n').slice(1)).toEqual([
      '        0ms network: link {"from":"client","to":"server","link":"latency 0ms"}',
      '        0ms network: link {"from":"server","to":"client","link":"latency 0ms"}',
      '  nothing happened: no datagram reached the proxy',
    ]);
  });
});

describe('enetsim proxy --control: a link body over several lines', () => {
  test('is applied and printed as one line, so the text output keeps one line per change', async () => {
    const { proxy, close } = await proxyBeforeSink(null);
    try {
      const changes: ControlChange[] = [];
      const reply = answer(proxy as ControlledProxy, 'POST', '/link', '{latency: 80ms,\n  loss: 5%}\n', (change) => changes.push(change));
      expect(reply.status).toBe(200);
      expect(changes.map((change) => change.label)).toEqual(['link client<->server {latency: 80ms, loss: 5%}']);
    } finally {
      await close();
    }
  });
});

describe('enetsim proxy: --to naming the proxy itself', () => {
  test.each([
    ['127.0.0.1:47999', '127.0.0.1:47999'],
    ['0.0.0.0:47999', '127.0.0.1:47999'],
    ['[::]:47999', '[::1]:47999'],
  ])('--listen %s --to %s exits 2 before binding, instead of forwarding to itself until --max-clients is full', (listen, to) => {
    const result = run(['proxy', '--listen', listen, '--to', to, '--duration', '300ms']);
    expect(result.stderr).toContain(`enetsim proxy: --to ${to} is the proxy's own --listen ${listen}: it would forward every datagram to itself`);
    expect(result.status).toBe(2);
  });
});

describe('enetsim proxy --control: the printed URL with a path appended', () => {
  test("'//summary' and '//partition' (the URL ends in '/', a script adds '/summary') reach those endpoints", async () => {
    const { proxy, close } = await proxyBeforeSink(null);
    try {
      const summary = answer(proxy as ControlledProxy, 'GET', '//summary', '', () => undefined);
      expect(summary.status).toBe(200);
      expect(summary.body).toMatchObject({ seed: 1, clients: 0 });
      const partition = answer(proxy as ControlledProxy, 'POST', '//partition?direction=up', '', () => undefined);
      expect(partition).toMatchObject({ status: 200, body: { applied: 'partition client->server' } });
    } finally {
      await close();
    }
  });
});
