// The proxy reads compressed and checksummed sessions (the wire reader learns each side's framing) and
// says when the two sides' framings cannot both be right: serve, connect and the proxy from dist/.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

import type { ProxySummary } from '../../src/native/proxy.js';
import { waitFor } from '../support/wait.js';

const CLI_PATH = path.join(path.dirname(new URL(import.meta.url).pathname), '../../dist/cli/main.js');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

type JsonLine = Record<string, unknown>;

function start(args: string[]): { lines: JsonLine[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: JsonLine[] = [];
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const complete = stdout.split('\n');
    for (const line of complete.slice(lines.length, -1)) lines.push(line.startsWith('{') ? (JSON.parse(line) as JsonLine) : { text: line });
  });
  child.stderr!.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { lines, exited };
}


/** serve with `serverFlags`, a proxy in front, connect with `clientFlags` sending a 3 000-byte text packet; the proxy's summary. */
async function session(serverFlags: string[], clientFlags: string[]): Promise<{ summary: ProxySummary | null }> {
  const server = start(['serve', '--port', '0', '--echo', '--json', ...serverFlags]);
  const serverPort = (await waitFor(() => server.lines.find((line) => line['event'] === 'listening')))['port'] as number;
  const proxy = start(['proxy', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${serverPort}`, '--json', '--duration', '2500ms']);
  const proxyPort = (await waitFor(() => proxy.lines.find((line) => line['event'] === 'listening')))['port'] as number;
  const client = start(['connect', `127.0.0.1:${proxyPort}`, '--send', 'godot '.repeat(500), '--wait-ms', '300', '--timeout-ms', '1500', '--json', ...clientFlags]);
  await client.exited;
  expect(await proxy.exited).toBe(0);
  server.exited.catch(() => undefined);
  const summary = (proxy.lines.find((line) => line['event'] === 'summary') as unknown as ProxySummary | undefined) ?? null;
  return { summary };
}

describe('enetsim proxy reads the framing of each side', () => {
  test('a session where both sides checksum and compress with zstd is read in full: handshake, commands, no datagram left unread', { timeout: 30_000 }, async () => {
    const { summary } = await session(['--checksum', '--compress', 'zstd'], ['--checksum', '--compress', 'zstd']);
    const enet = summary!.connections[0]!.enet;
    expect(enet.framing).toEqual({ up: { checksum: true, compressor: 'zstd' }, down: { checksum: true, compressor: 'zstd' } });
    expect(enet.undecoded).toBe(0);
    expect(enet.connectSeen && enet.verifyConnectSeen).toBe(true);
    // The 3 000-byte packet crosses as fragments, compressed, and is echoed back.
    expect(enet.commands.up['SEND_FRAGMENT']?.['0']).toBeGreaterThanOrEqual(3);
    expect(enet.commands.down['SEND_FRAGMENT']?.['0']).toBeGreaterThanOrEqual(3);
    expect(enet.rtt.up.count).toBeGreaterThan(0);
  });

  test('a client that compresses with zstd against a server without compression: the summary names it and says why the server never answers', { timeout: 30_000 }, async () => {
    const { summary } = await session([], ['--compress', 'zstd']);
    const enet = summary!.connections[0]!.enet;
    expect(enet.framing.up.compressor).toBe('zstd');
    expect(enet.verifyConnectSeen).toBe(false);
    const { framingMismatch } = await import('../../src/cli/commands/proxy.js');
    expect(framingMismatch(enet.framing, enet.verifyConnectSeen)).toMatch(/client compresses with zstd .*COMPRESS_ZSTD.* never answered its CONNECT/);
  });

  test('a client that checksums against a server that does not: the summary says the server cannot read it', { timeout: 30_000 }, async () => {
    const { summary } = await session([], ['--checksum']);
    const enet = summary!.connections[0]!.enet;
    expect(enet.framing.up).toEqual({ checksum: true, compressor: null });
    expect(enet.verifyConnectSeen).toBe(false);
    const { framingMismatch } = await import('../../src/cli/commands/proxy.js');
    expect(framingMismatch(enet.framing, enet.verifyConnectSeen)).toMatch(/client checksums its datagrams and the server never answered its CONNECT/);
  });
});
