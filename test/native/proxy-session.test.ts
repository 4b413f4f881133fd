// A real session through the built `enetsim proxy` (serve and connect from dist/, as a user runs them),
// recorded with --trace, --html, --pcap, --explain and judged with --expect: the outputs are those of
// `run`'s writers and readers (report accepts the trace, tshark and the shipped dissector decode the
// capture), and the verdicts come out as run prints them, with exit 1 for the failing one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { waitFor } from '../support/wait.js';

const ROOT = path.join(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI_PATH = path.join(ROOT, 'dist/cli/main.js');
const DISSECTOR = path.join(ROOT, 'wireshark', 'enet.lua');
const WORK_DIR = mkdtempSync(path.join(tmpdir(), 'enetsim-proxy-session-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(WORK_DIR, { recursive: true, force: true });
});

type JsonLine = Record<string, unknown>;

/** A spawned enetsim command with its JSON lines as they come, and its exit. */
function start(args: string[]): { lines: JsonLine[]; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: JsonLine[] = [];
  let pending = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line) as JsonLine);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { lines, stderr: () => stderr, exited };
}


function tsharkAvailability(): { ok: true } | { ok: false; reason: string } {
  const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) return { ok: false, reason: `tshark cannot run (${probe.error.message}); apt-get install -y tshark` };
  return probe.status === 0 ? { ok: true } : { ok: false, reason: `tshark --version exited ${probe.status}` };
}

const CHECKS = `name: a short echo session
expect:
  - state: { peer: client->server, reaches: STATE_CONNECTED, within: 3s }
  - event: { host: server, type: disconnect, peer: client, data: 7 }
  - delivery: { from: client, to: server, channel: 0, reliable: exactly_once_in_order }
  - name: the link's 2 × 30 ms cannot give an RTT under 1 ms
    rtt: { peer: client->server, aggregate: min, below: 1ms }
`;

interface Session {
  code: number | null;
  lines: JsonLine[];
  stderr: string;
  serverPort: number;
}

/** serve --echo, the proxy with every output in front of it, one client that sends, waits and disconnects with data 7. */
async function runSession(): Promise<Session> {
  writeFileSync(path.join(WORK_DIR, 'checks.yaml'), CHECKS);
  const server = start(['serve', '--port', '0', '--echo', '--json']);
  const serverPort = (await waitFor(() => server.lines.find((line) => line['event'] === 'listening')))['port'] as number;
  const out = (name: string) => path.join(WORK_DIR, name);
  const proxy = start([
    'proxy', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${serverPort}`, '--link', 'latency: 30ms', '--duration', '3s', '--json',
    '--trace', out('session.jsonl'), '--html', out('session.html'), '--pcap', out('session.pcapng'), '--explain', '--expect', out('checks.yaml'),
  ]);
  const proxyPort = (await waitFor(() => proxy.lines.find((line) => line['event'] === 'listening')))['port'] as number;
  const client = start(['connect', `127.0.0.1:${proxyPort}`, '--send', 'hello', '--wait-ms', '500', '--disconnect-data', '7', '--json']);
  expect(await client.exited).toBe(0);
  const code = await proxy.exited;
  return { code, lines: proxy.lines, stderr: proxy.stderr(), serverPort };
}

describe('enetsim proxy: a live session through the outputs of run', () => {
  // One session serves every test of this block; a failure to run it fails each of them (never an unhandled rejection).
  const sessionReady = runSession();
  sessionReady.catch(() => undefined);

  test('--expect: the checks that hold pass, the RTT bound the link makes impossible fails, and the exit code is 1', { timeout: 30_000 }, async () => {
    const session = await sessionReady;
    expect(session.code).toBe(1);
    const verdicts = session.lines.filter((line) => line['event'] === 'expectation');
    expect(verdicts.map((verdict) => [verdict['position'], verdict['kind'], verdict['passed']])).toEqual([
      [`${path.join(WORK_DIR, 'checks.yaml')}:3:5`, 'state', true],
      [`${path.join(WORK_DIR, 'checks.yaml')}:4:5`, 'event', true],
      [`${path.join(WORK_DIR, 'checks.yaml')}:5:5`, 'delivery', true],
      [`${path.join(WORK_DIR, 'checks.yaml')}:6:5`, 'rtt', false],
    ]);
    expect(verdicts[2]!['observed']).toBe('1 reliable commands, forwarded per channel ch0: 1/1');
    expect(verdicts[3]!['label']).toBe("the link's 2 × 30 ms cannot give an RTT under 1 ms");
    expect(session.lines.at(-1)).toMatchObject({ event: 'expectations', passed: false, count: 4, failed: 1 });
  });

  test('--trace writes the JSON Lines format that report draws, one sent event per datagram the summary counted in', { timeout: 30_000 }, async () => {
    const session = await sessionReady;
    const lines = readFileSync(path.join(WORK_DIR, 'session.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as JsonLine);
    expect(lines[0]).toMatchObject({ kind: 'run', seed: 1 });
    const summary = session.lines.find((line) => line['event'] === 'summary') as { directions: Record<'up' | 'down', { datagramsIn: number; datagramsOut: number }> };
    const datagrams = lines.filter((line) => line['kind'] === 'datagram');
    expect(datagrams.filter((line) => line['phase'] === 'sent')).toHaveLength(summary.directions.up.datagramsIn + summary.directions.down.datagramsIn);
    expect(datagrams.filter((line) => line['phase'] === 'delivered')).toHaveLength(summary.directions.up.datagramsOut + summary.directions.down.datagramsOut);
    expect(lines.filter((line) => line['kind'] === 'stats' || line['kind'] === 'event')).toEqual([]);
    const states = lines.filter((line) => line['kind'] === 'state').map((line) => `${line['host']}->${line['peer']} ${line['to']}`);
    expect(states).toEqual([
      'client-1->server STATE_CONNECTING',
      'server->client-1 STATE_ACKNOWLEDGING_CONNECT',
      'client-1->server STATE_CONNECTED',
      'server->client-1 STATE_CONNECTED',
      'client-1->server STATE_DISCONNECTING',
      'server->client-1 STATE_DISCONNECTED',
      'client-1->server STATE_DISCONNECTED',
    ]);
    for (const line of lines.slice(1)) expect(Number.isInteger(line['atMs'])).toBe(true);
    const report = spawnSync(process.execPath, [CLI_PATH, 'report', path.join(WORK_DIR, 'session.jsonl'), '--html', path.join(WORK_DIR, 'redrawn.html')], { encoding: 'utf8' });
    expect(report.stderr).toBe('');
    expect(report.status).toBe(0);
  });

  test('--html writes the run report, saying it is a live session read passively; --explain narrates the inferred states', { timeout: 30_000 }, async () => {
    const session = await sessionReady;
    const html = readFileSync(path.join(WORK_DIR, 'session.html'), 'utf8');
    expect(html).toContain('a live session through enetsim proxy');
    expect(html).toContain('a short echo session');
    expect(session.stderr).toContain('read passively by the proxy');
    expect(session.stderr).toContain('client-1->server: STATE_CONNECTING → STATE_CONNECTED (inferred: VERIFY_CONNECT reached the client)');
  });

  const tshark = tsharkAvailability();
  if (tshark.ok) {
    test('--pcap decodes under tshark with the shipped dissector: one packet per datagram in, with the commands the trace names', { timeout: 30_000 }, async () => {
      const session = await sessionReady;
      expect(existsSync(DISSECTOR)).toBe(true);
      const fields = ['frame.interface_id', 'enet.command', 'enet.channel', 'enet.seq'];
      const args = ['-n', '-X', `lua_script:${DISSECTOR}`, '-o', `enet.ports:${session.serverPort}`, '-r', path.join(WORK_DIR, 'session.pcapng'), '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
      for (const field of fields) args.push('-e', field);
      const result = spawnSync('tshark', args, { encoding: 'utf8', env: { ...process.env, HOME: WORK_DIR, XDG_CONFIG_HOME: path.join(WORK_DIR, '.config') } });
      expect(result.status).toBe(0);
      const rows = result.stdout.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
      const summary = session.lines.find((line) => line['event'] === 'summary') as { directions: Record<'up' | 'down', { datagramsIn: number }> };
      const sent = rows.filter((row) => row[0] === '0');
      expect(sent).toHaveLength(summary.directions.up.datagramsIn + summary.directions.down.datagramsIn);
      const trace = readFileSync(path.join(WORK_DIR, 'session.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as JsonLine);
      const traced = trace.filter((line) => line['kind'] === 'datagram' && line['phase'] === 'sent').map((line) => (line['commands'] as string[]).map((command) => /^\w+ ch(\d+) #(\d+)$/.exec(command)!.slice(1).join('/')).join(','));
      const decoded = sent.map((row) => {
        const channels = row[2]!.split(',');
        const sequences = row[3]!.split(',');
        return channels.map((channel, index) => `${channel}/${sequences[index]}`).join(',');
      });
      expect(decoded).toEqual(traced);
    });
  } else if (process.env.CI === 'true') {
    test('tshark is available (required under CI)', () => {
      throw new Error(tshark.reason);
    });
  } else {
    console.warn(`[enetsim] skipping the proxy capture test under tshark: ${tshark.reason}`);
    test('tshark is available', (context) => {
      context.skip(tshark.reason);
    });
  }
});

describe('enetsim proxy --expect: bad checks', () => {
  test('a kind a passive observer cannot judge exits 2 at its file:line:col, before the proxy listens', () => {
    const file = path.join(WORK_DIR, 'bad.yaml');
    writeFileSync(file, 'expect:\n  - stat: { peer: client->server, stat: PEER_ROUND_TRIP_TIME, at: 1s, below: 100ms }\n');
    const result = spawnSync(process.execPath, [CLI_PATH, 'proxy', '--listen', '127.0.0.1:0', '--to', '127.0.0.1:7777', '--expect', file, '--duration', '5s'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}:2:5 stat cannot be judged on a live session`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
