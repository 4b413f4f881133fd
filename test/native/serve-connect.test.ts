// `enetsim serve` and `enetsim connect`, run in-process with injected output and an AbortSignal in
// place of Ctrl-C, against each other (IPv4 and IPv6) and against the real libenet.
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yargs from 'yargs';
import { describe, expect, test } from 'vitest';

import { CONNECT_DEFAULTS, connectCommand, registerNetworkCommands, type ConnectOptions } from '../../src/cli/commands/connect.js';
import {
  DROP_REPORT_INTERVAL_MS,
  DropWatch,
  EventPrinter,
  SERVE_DEFAULTS,
  crc32Hex,
  dropHint,
  serveCommand,
  type ServeOptions,
} from '../../src/cli/commands/serve.js';
import type { Peer } from '../../src/enet/peer.js';
import { decodeDatagram } from '../../src/enet/codec.js';
import { COMPRESSOR_NAMES, GODOT_COMPRESSION_MODE_NAMES } from '../../src/enet/compressors.js';
import { Command, PacketFlag } from '../../src/enet/constants.js';
import { UdpHost, type UdpHostEvent } from '../../src/native/udp.js';
import { UdpPeerProcess } from '../../src/native/udp-peer.js';
import { describeWithUdpPeer } from './udp-peer-vitest.js';

const CLI_PATH = path.join(path.dirname(new URL(import.meta.url).pathname), '../../dist/cli/main.js');

/** Captured stdout/stderr of one command run, with a way to await a line. */
class Captured {
  stdout = '';
  stderr = '';
  private readonly waiters = new Set<() => void>();
  readonly io = {
    stdout: (text: string): void => {
      this.stdout += text;
      for (const waiter of [...this.waiters]) waiter();
    },
    stderr: (text: string): void => {
      this.stderr += text;
    },
  };

  get lines(): string[] {
    return this.stdout.split('\n').filter((line) => line !== '');
  }

  json(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  waitFor(pattern: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = this.stdout.match(pattern);
        if (match === null) return;
        clearTimeout(deadline);
        this.waiters.delete(check);
        resolve(match);
      };
      const deadline = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** A running `serve` and the means to stop it as Ctrl-C would. */
interface Serving {
  output: Captured;
  port: number;
  interrupt: () => Promise<number>;
}

async function startServe(options: Partial<ServeOptions> = {}): Promise<Serving> {
  const output = new Captured();
  const controller = new AbortController();
  const done = serveCommand({ ...SERVE_DEFAULTS, port: 0, intervalMs: 1, ...options }, output.io, controller.signal);
  const match = await output.waitFor(options.json === true ? /"port":(\d+)/ : /listening on \S+:(\d+)/);
  return {
    output,
    port: Number(match[1]),
    interrupt: () => {
      controller.abort();
      return done;
    },
  };
}

/** What a connect without --checksum adds to "no answer": the one mismatch that looks like silence from the client. */
const CHECKSUM_SILENCE = 'a server that uses checksums drops our datagrams without answering: then add --checksum';

function connectOptions(target: string, options: Partial<ConnectOptions> = {}): ConnectOptions {
  return { ...CONNECT_DEFAULTS, target, intervalMs: 1, ...options };
}

async function runConnect(options: ConnectOptions, signal = new AbortController().signal): Promise<{ code: number; output: Captured }> {
  const output = new Captured();
  const code = await connectCommand(options, output.io, signal);
  return { code, output };
}

describe('enetsim serve and connect', () => {
  test('serve --echo and connect --send: the text comes back, disconnect data reaches serve, both exit 0', { timeout: 15_000 }, async () => {
    const serving = await startServe({ echo: true });
    try {
      const { code, output } = await runConnect(connectOptions(`127.0.0.1:${serving.port}`, { send: 'hello, "enet"\n', channels: 3, channel: 2, data: 5, count: 1, disconnectData: 9 }));
      expect(output.stderr).toBe('');
      expect(code).toBe(0);
      const lines = output.lines;
      expect(lines[0]).toBe(`connecting to 127.0.0.1:${serving.port} (3 channels, data 5)`);
      // The client's own connect line has no data: a client's ENet receives none (it would always say 0).
      expect(lines[1]).toMatch(new RegExp(`^connect     peer 0  127\\.0\\.0\\.1:${serving.port}  channels 3$`));
      expect(lines[2]).toBe(`sent        channel 2  reliable  14 bytes  crc32 ${crc32Hex(new TextEncoder().encode('hello, "enet"\n'))}`);
      expect(lines[3]).toMatch(/^receive     peer 0  127\.0\.0\.1:\d+  channel 2  reliable  14 bytes  crc32 [0-9a-f]{8}  "hello, \\"enet\\"\\n"$/);
      expect(lines.at(-1)).toBe('shutdown: disconnected (data 9)');
      // The acknowledgement of our own DISCONNECT is not a 'disconnect … data 0' line of its own.
      expect(lines.filter((line) => line.startsWith('disconnect'))).toEqual([]);
      await serving.output.waitFor(/disconnect .*data 9/);
    } finally {
      expect(await serving.interrupt()).toBe(0);
    }
    const lines = serving.output.lines;
    expect(lines[0]).toMatch(/^listening on 127\.0\.0\.1:\d+ \(IPv4, 32 peers, 255 channels, checksum off, compression none, echo\)$/);
    expect(lines[1]).toMatch(/^connect     peer 0  127\.0\.0\.1:\d+  data 5  channels 3$/);
    expect(lines[2]).toMatch(/^receive     peer 0  127\.0\.0\.1:\d+  channel 2  reliable  14 bytes/);
    expect(lines[3]).toMatch(/^disconnect  peer 0  127\.0\.0\.1:\d+  data 9$/);
    expect(lines[4]).toBe('shutdown: 0 peers disconnected');
  });

  test.each(['range-coder', 'fastlz', 'zlib', 'zstd'] as const)('--compress %s on both ends: a 100 kB file and a 5-byte text come back intact through serve --echo', { timeout: 20_000 }, async (compress) => {
    const serving = await startServe({ echo: true, compress, json: true });
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-compress-'));
    try {
      const file = path.join(directory, 'payload.bin');
      const payload = new Uint8Array(100_000).map((_, index) => (index % 251) ^ (index >> 10));
      fs.writeFileSync(file, payload);
      for (const [sent, options] of [
        [payload, { sendFile: file }],
        [new TextEncoder().encode('hello'), { send: 'hello' }],
      ] as const) {
        const { code, output } = await runConnect(connectOptions(`127.0.0.1:${serving.port}`, { ...options, compress, json: true, count: 1 }));
        expect(output.stderr).toBe('');
        expect(code).toBe(0);
        expect(output.json().find((line) => line.event === 'receive')).toMatchObject({ bytes: sent.length, crc32: crc32Hex(sent) });
      }
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
      expect(await serving.interrupt()).toBe(0);
    }
    expect(serving.output.json()[0]).toMatchObject({ event: 'listening', compress });
  });

  test('IPv6 with --json: serve --host ::1 and connect [::1]:PORT print the documented shapes', { timeout: 15_000 }, async () => {
    const serving = await startServe({ host: '::1', echo: true, json: true, printBytes: 3 });
    let connectOutput: Captured;
    try {
      const { code, output } = await runConnect(connectOptions(`[::1]:${serving.port}`, { send: 'abcdef', flags: 'unsequenced', json: true, count: 1, printBytes: 3 }));
      connectOutput = output;
      expect(code).toBe(0);
      await serving.output.waitFor(/"event":"disconnect"/);
    } finally {
      expect(await serving.interrupt()).toBe(0);
    }
    const checksum = crc32Hex(new TextEncoder().encode('abcdef'));
    const client = connectOutput.json();
    // The acknowledgement of the client's own disconnect is told by the shutdown line, not by a disconnect event.
    expect(client.map((line) => line.event)).toEqual(['connecting', 'connect', 'sent', 'receive', 'shutdown']);
    expect(client[0]).toEqual({ event: 'connecting', address: '::1', port: serving.port, channels: 1, data: 0, godot: null });
    expect(client[1]).toMatchObject({ event: 'connect', peer: 0, address: '::1', port: serving.port, channels: 1 });
    expect(client[1]).not.toHaveProperty('data');
    expect(client[2]).toMatchObject({ event: 'sent', channel: 0, flags: PacketFlag.unsequenced, kind: 'unsequenced', bytes: 6, crc32: checksum });
    expect(client[3]).toMatchObject({ event: 'receive', channel: 0, flags: PacketFlag.unsequenced, kind: 'unsequenced', bytes: 6, crc32: checksum, base64: 'YWJj', truncated: true });
    expect(client[4]).toMatchObject({ event: 'shutdown', reason: 'done', disconnectingPeers: 1, timedOut: false, forcedPeers: 0, dropped: {} });
    const server = serving.output.json();
    expect(server.map((line) => line.event)).toEqual(['listening', 'connect', 'receive', 'disconnect', 'shutdown']);
    expect(server[0]).toEqual({ event: 'listening', address: '::1', port: serving.port, family: 'IPv6', peers: 32, channels: 255, checksum: false, compress: 'none', echo: true, godot: null });
    expect(server[1]).toMatchObject({ event: 'connect', address: '::1', data: 0, channels: 1 });
    expect(server[3]).toMatchObject({ event: 'disconnect', address: '::1', data: 0, cause: 'remote' });
    for (const line of [...client.slice(1, 4), ...server.slice(1, 4)]) expect(typeof line.atMs).toBe('number');
  });

  test('Ctrl-C: connect disconnects with its data; serve disconnects its peers, which see DISCONNECT, and exits 0', { timeout: 15_000 }, async () => {
    const serving = await startServe();
    const interruptConnect = new AbortController();
    const connecting = runConnect(connectOptions(`127.0.0.1:${serving.port}`, { disconnectData: 31 }), interruptConnect.signal);
    await serving.output.waitFor(/^connect /m);
    interruptConnect.abort();
    const { code, output } = await connecting;
    expect(code).toBe(0);
    expect(output.lines.at(-1)).toBe('shutdown: disconnected (data 31)');
    await serving.output.waitFor(/disconnect .*data 31/);

    // Now a client stays connected while serve is interrupted.
    const client = await UdpHost.open({ peerCount: 1, serviceIntervalMs: 1 });
    const events: UdpHostEvent[] = [];
    client.onEvent = (event) => events.push(event);
    try {
      const started = client.connect({ address: '127.0.0.1', port: serving.port }, 1, 0);
      expect(started.ok).toBe(true);
      expect(await client.waitUntil(() => events.some((event) => event.type === 'connect'), 5000)).toBe(true);
      await serving.output.waitFor(/(^connect .*\n[^]*){2}/m);
      const startedMs = performance.now();
      expect(await serving.interrupt()).toBe(0);
      expect(performance.now() - startedMs, 'a clean exit (the shutdown bound is 1 s; slack for a loaded machine)').toBeLessThan(2000);
      expect(serving.output.lines.at(-1)).toBe('shutdown: 1 peer disconnected');
      expect(await client.waitUntil(() => events.some((event) => event.type === 'disconnect'), 2000), 'the client is told').toBe(true);
    } finally {
      await client.close();
    }
  });

  test('serve --peers 1 keeps its limit: a second client gets no answer and connect exits 1', { timeout: 15_000 }, async () => {
    const serving = await startServe({ peers: 1 });
    const first = new AbortController();
    try {
      const firstRun = runConnect(connectOptions(`127.0.0.1:${serving.port}`), first.signal);
      await serving.output.waitFor(/^connect /m);
      const second = await runConnect(connectOptions(`127.0.0.1:${serving.port}`, { timeoutMs: 700 }));
      expect(second.code).toBe(1);
      expect(second.output.lines.at(-1)).toBe(`failed: no answer from 127.0.0.1:${serving.port} within 700 ms (${CHECKSUM_SILENCE})`);
      first.abort();
      expect((await firstRun).code).toBe(0);
    } finally {
      await serving.interrupt();
    }
    expect(serving.output.lines.filter((line) => line.startsWith('connect '))).toHaveLength(1);
  });

  test('connect to a port where nobody answers exits 1 after --timeout-ms', { timeout: 5000 }, async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    try {
      const startedMs = performance.now();
      const { code, output } = await runConnect(connectOptions(`127.0.0.1:${silent.address().port}`, { timeoutMs: 300, json: true }));
      expect(code).toBe(1);
      expect(performance.now() - startedMs).toBeLessThan(2000);
      expect(output.json().at(-1)).toMatchObject({ event: 'failed', message: `no answer from 127.0.0.1:${silent.address().port} within 300 ms (${CHECKSUM_SILENCE})`, dropped: {} });
    } finally {
      silent.close();
    }
  });

  const badServe: [string, Partial<ServeOptions>, RegExp][] = [
    ['port out of range', { port: 70_000 }, /--port must be a whole number from 0 to 65535, got 70000/],
    ['port not a number', { port: Number.NaN }, /--port must be a whole number from 0 to 65535, got not a number/],
    ['host not an address', { host: 'example' }, /--host must be an IPv4 or IPv6 address, got 'example'/],
    ['no peers', { peers: 0 }, /--peers must be a whole number from 1 to 4095/],
    ['interval too short', { intervalMs: 0 }, /--interval-ms must be a whole number from 1 to 100/],
    ['unknown compression', { compress: 'zip' as ServeOptions['compress'] }, /--compress must be one of none, range-coder, fastlz, zlib, zstd, got 'zip'/],
  ];
  test.each(badServe)('serve with a bad flag (%s): message on stderr, exit 2', async (_name, options, message) => {
    const output = new Captured();
    expect(await serveCommand({ ...SERVE_DEFAULTS, port: 0, ...options }, output.io, AbortSignal.abort())).toBe(2);
    expect(output.stderr).toMatch(message);
    expect(output.stderr).toMatch(/Run "enetsim serve --help" for usage/);
    expect(output.stdout).toBe('');
  });

  const badConnect: [string, Partial<ConnectOptions> & { target: string }, RegExp][] = [
    ['no port', { target: '127.0.0.1' }, /'127\.0\.0\.1' is not HOST:PORT/],
    ['IPv6 without brackets', { target: '::1:7777' }, /write IPv6 addresses in brackets/],
    ['send and send-file', { target: '127.0.0.1:1', send: 'a', sendFile: 'b' }, /give --send or --send-file, not both/],
    ['channel past the channels', { target: '127.0.0.1:1', channels: 2, channel: 2 }, /--channel must be a whole number from 0 to 1, got 2/],
    ['data over 32 bits', { target: '127.0.0.1:1', data: 2 ** 32 }, /--data must be a whole number from 0 to 4294967295/],
    ['missing file', { target: '127.0.0.1:1', sendFile: '/nonexistent/enetsim-payload' }, /cannot read --send-file \/nonexistent\/enetsim-payload: no such file/],
    ['a Godot client id below 2', { target: '127.0.0.1:1', godot: '3', data: 1 }, /--data must be a whole number from 2 to 2147483647, got 1/],
    ['fewer channels than Godot 3 needs', { target: '127.0.0.1:1', godot: '3', channels: 2 }, /--channels must be a whole number from 3 to 255, got 2/],
  ];
  test.each(badConnect)('connect with a bad flag (%s): message on stderr, exit 2', async (_name, options, message) => {
    const { code, output } = await runConnect(connectOptions(options.target, options));
    expect(code).toBe(2);
    expect(output.stderr).toMatch(message);
    expect(output.stdout).toBe('');
  });

  test('registerNetworkCommands wires both commands into yargs with their flags', { timeout: 15_000 }, async () => {
    const output = new Captured();
    const exitCodes: number[] = [];
    const serveInterrupt = new AbortController();
    const signals = [serveInterrupt.signal, new AbortController().signal];
    const usageErrors: string[] = [];
    // As in src/cli/cli.ts: the fail handler records the problem and yargs still calls the command
    // handler, which must then do nothing (`serve --port 0 --bogus` must not start serving).
    const run = (argv: string[]): Promise<unknown> => {
      let failed = false;
      const parser = yargs(argv)
        .exitProcess(false)
        .strict()
        .fail((message, error) => {
          if (failed) return;
          failed = true;
          usageErrors.push(message ?? error?.message ?? 'invalid arguments');
        });
      registerNetworkCommands(parser, { io: output.io, interruptSignal: () => signals.shift()!, usageFailed: () => failed, setExitCode: (code) => exitCodes.push(code) });
      return new Promise((resolve) => {
        void parser.parse(argv, {}, (_error, _argv, text) => resolve(text));
      });
    };
    await run(['serve', '--port', '0', '--bogus']);
    await run(['connect']);
    expect(usageErrors).toEqual(['Unknown argument: bogus', 'Not enough non-option arguments: got 0, need at least 1']);
    expect(output.stdout, 'nothing started').toBe('');
    expect(exitCodes).toEqual([]);
    const serving = run(['serve', '--port', '0', '--echo', '--json', '--interval-ms', '1', '--peers', '4']);
    const listening = await output.waitFor(/"port":(\d+)/);
    await run(['connect', `127.0.0.1:${listening[1]}`, '--send', 'ping', '--count', '1', '--json', '--data', '3', '--interval-ms', '1']);
    expect(exitCodes).toEqual([0]);
    serveInterrupt.abort();
    await serving;
    expect(exitCodes).toEqual([0, 0]);
    const events = output.json();
    expect(events[0]).toMatchObject({ event: 'listening', peers: 4, echo: true });
    expect(events.filter((line) => line.event === 'receive').map((line) => line.base64)).toEqual(['cGluZw==', 'cGluZw==']);
    expect(events.find((line) => line.event === 'connect' && line.data === 3)).toBeDefined();
  });
});

describe('serve and connect say why datagrams are dropped', () => {
  test('serve --checksum against a client without: serve names the checksum mismatch at once and in its summary; connect suggests --checksum', { timeout: 15_000 }, async () => {
    const serving = await startServe({ checksum: true });
    try {
      const { code, output } = await runConnect(connectOptions(`127.0.0.1:${serving.port}`, { timeoutMs: 600 }));
      expect(code).toBe(1);
      expect(output.lines.at(-1)).toBe(`failed: no answer from 127.0.0.1:${serving.port} within 600 ms (${CHECKSUM_SILENCE})`);
      await serving.output.waitFor(/^warning: dropped \d+ datagrams? \(checksumMismatch\): this end has --checksum and the peer's datagrams carry no matching ENet CRC-32/m);
    } finally {
      expect(await serving.interrupt()).toBe(0);
    }
    expect(serving.output.lines.filter((line) => line.includes('(checksumMismatch)')), 'one line, not one per datagram').toHaveLength(1);
    expect(serving.output.lines.at(-1)).toMatch(/^dropped datagrams: checksumMismatch \d+$/);
  });

  test('a client with checksums against serve without: serve says the peer uses checksums; connect says a server without them stays silent', { timeout: 15_000 }, async () => {
    const serving = await startServe({ json: true });
    try {
      const { code, output } = await runConnect(connectOptions(`127.0.0.1:${serving.port}`, { timeoutMs: 600, checksum: true }));
      expect(code).toBe(1);
      expect(output.lines.at(-1)).toBe(`failed: no answer from 127.0.0.1:${serving.port} within 600 ms (a server without checksums drops our datagrams (--checksum) without answering)`);
      await serving.output.waitFor(/"event":"warning".*\(unexpectedChecksum\): the peer uses checksums.*add --checksum/);
    } finally {
      expect(await serving.interrupt()).toBe(0);
    }
    const shutdown = serving.output.json().at(-1)!;
    expect(shutdown).toMatchObject({ event: 'shutdown' });
    expect((shutdown.dropped as Record<string, number>).unexpectedChecksum).toBeGreaterThan(0);
  });

  for (const name of COMPRESSOR_NAMES) {
    test(`connect --compress ${name} against serve without: serve names ${name} as the compressor to start with`, { timeout: 15_000 }, async () => {
      const serving = await startServe({ json: true });
      try {
        await runConnect(connectOptions(`127.0.0.1:${serving.port}`, { timeoutMs: 500, compress: name, send: 'a'.repeat(4000), waitMs: 300 }));
        await serving.output.waitFor(/"event":"warning".*\(compressionUnsupported\)/);
      } finally {
        expect(await serving.interrupt()).toBe(0);
      }
      const warning = serving.output.json().find((line) => line.event === 'warning')!;
      expect(warning.message).toMatch(
        new RegExp(`^dropped \\d+ datagrams? \\(compressionUnsupported\\): the peer compresses with ${name} \\(Godot: ${GODOT_COMPRESSION_MODE_NAMES[name]}\\) and this end has --compress none: start with --compress ${name}$`),
      );
      const shutdown = serving.output.json().at(-1)!;
      expect((shutdown.dropped as Record<string, number>).compressionUnsupported).toBeGreaterThan(0);
    });
  }

  test('connect --compress zstd against serve --compress fastlz: serve says the datagrams do not decode and names zstd', { timeout: 15_000 }, async () => {
    const serving = await startServe({ json: true, compress: 'fastlz' });
    try {
      await runConnect(connectOptions(`127.0.0.1:${serving.port}`, { timeoutMs: 500, compress: 'zstd', send: 'a'.repeat(4000), waitMs: 300 }));
      await serving.output.waitFor(/"event":"warning".*\(decompressionFailed\)/);
    } finally {
      expect(await serving.interrupt()).toBe(0);
    }
    const warning = serving.output.json().find((line) => line.event === 'warning')!;
    expect(warning.message).toMatch(
      /\(decompressionFailed\): the peer's compressed datagrams do not decode with --compress fastlz: the peer compresses with zstd \(Godot: COMPRESS_ZSTD\): start with --compress zstd$/,
    );
  });

  test('a server that stops answering: connect says it timed out, not that it disconnected', { timeout: 15_000 }, async () => {
    const server = await UdpHost.open({ serviceIntervalMs: 1 });
    const serverEvents: UdpHostEvent[] = [];
    server.onEvent = (event) => serverEvents.push(event);
    const abort = new AbortController();
    const connecting = runConnect(connectOptions(`127.0.0.1:${server.localAddress.port}`, { peerTimeoutMs: 300, send: 'ping', data: 5 }), abort.signal);
    try {
      expect(await server.waitUntil(() => serverEvents.some((event) => event.type === 'receive'), 5000)).toBe(true);
      // The server's process hangs: no acknowledgement for anything connect sends from now on.
      await server.close();
      const { code, output } = await connecting;
      expect(code).toBe(0);
      expect(output.lines.at(-2)).toMatch(/^disconnect  peer 0  127\.0\.0\.1:\d+  timed out \(it stopped acknowledging\)$/);
      expect(output.lines.at(-1)).toBe('shutdown: the server timed out: it stopped acknowledging and ENet gave up on it (after 5–30 s by default, --peer-timeout-ms)');
    } finally {
      abort.abort();
      await server.close();
    }
  });

  test('serve --godot 3 resets a client whose connect data is no Godot id, as Godot does, and says so', { timeout: 15_000 }, async () => {
    const serving = await startServe({ godot: '3' });
    try {
      await runConnect(connectOptions(`127.0.0.1:${serving.port}`, { waitMs: 100 }));
      await serving.output.waitFor(/^warning: peer 0 127\.0\.0\.1:\d+ reset as Godot's server would: connect data 0 is not a Godot client id \(2 or more\)$/m);
    } finally {
      expect(await serving.interrupt()).toBe(0);
    }
    expect(serving.output.lines.filter((line) => line.startsWith('connect ')), 'no connect line for a peer Godot refuses').toEqual([]);
  });

  test('dropHint: a compressor not known for sure gets the options listed, the candidates when there are some, else all four', () => {
    const context = { checksum: false, compress: 'none' } as const;
    const all =
      'one of --compress range-coder (Godot: COMPRESS_RANGE_CODER), --compress fastlz (Godot: COMPRESS_FASTLZ), --compress zlib (Godot: COMPRESS_ZLIB), --compress zstd (Godot: COMPRESS_ZSTD)';
    expect(dropHint('compressionUnsupported', context, {}, null)).toBe(
      `the peer compresses its datagrams (ENet's compressed flag is set) and this end has --compress none: start with the peer's compressor, ${all}`,
    );
    expect(dropHint('compressionUnsupported', context, {}, [])).toMatch(new RegExp(`${all.replace(/[()]/g, '\\$&')}$`));
    expect(dropHint('compressionUnsupported', context, {}, ['zlib', 'zstd'])).toMatch(/start with the peer's compressor, one of --compress zlib \(Godot: COMPRESS_ZLIB\), --compress zstd \(Godot: COMPRESS_ZSTD\)$/);
    expect(dropHint('decompressionFailed', { checksum: false, compress: 'zlib' }, {}, null)).toBe(
      `the peer's compressed datagrams do not decode with --compress zlib: the peer uses another compressor, and both ends must use the same: ${all}, or none on both ends`,
    );
    expect(dropHint('compressionUnsupported', context, {}, ['fastlz'])).toBe('the peer compresses with fastlz (Godot: COMPRESS_FASTLZ) and this end has --compress none: start with --compress fastlz');
  });

  test('DropWatch: a line when a mismatch reason first appears, then at most one count per interval; healthy-session reasons stay quiet', () => {
    const watch = new DropWatch({ checksum: false, compress: 'none' });
    expect(watch.observe({ inactivePeer: 3, unknownPeer: 1 }, 0)).toEqual([]);
    const first = watch.observe({ inactivePeer: 3, compressionUnsupported: 1 }, 10);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^dropped 1 datagram \(compressionUnsupported\): the peer compresses its datagrams/);
    expect(watch.observe({ inactivePeer: 3, compressionUnsupported: 40 }, 10 + DROP_REPORT_INTERVAL_MS - 1)).toEqual([]);
    expect(watch.observe({ inactivePeer: 3, compressionUnsupported: 41 }, 10 + DROP_REPORT_INTERVAL_MS)).toEqual(['dropped datagrams so far: compressionUnsupported 41, inactivePeer 3']);
    // Nothing new: nothing printed, however long it has been.
    expect(watch.observe({ inactivePeer: 9, compressionUnsupported: 41 }, 10 + 10 * DROP_REPORT_INTERVAL_MS)).toEqual([]);
    // A client with checksums: its CONNECT is also a command the core cannot parse; that line points at the checksum one.
    const lines = watch.observe({ compressionUnsupported: 41, truncatedCommand: 1, unexpectedChecksum: 1 }, 10 + 11 * DROP_REPORT_INTERVAL_MS);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/\(unexpectedChecksum\): the peer uses checksums .*add --checksum$/);
    expect(lines[1]).toMatch(/\(truncatedCommand\): the datagrams of a peer that uses checksums \(see above\)$/);
  });

  test('a disconnect line says timed out when the core timed the peer out, and the remote data when the peer disconnected', () => {
    const output = new Captured();
    const printer = new EventPrinter(output.io, false, 64);
    const peer = { incomingPeerID: 2, channelCount: 1 } as Peer;
    const remote = { address: '127.0.0.1', port: 9 };
    printer.event({ type: 'disconnect', peer, remote, data: 0, cause: 'timeout' });
    printer.event({ type: 'disconnect', peer, remote, data: 7, cause: 'remote' });
    printer.event({ type: 'disconnect', peer, remote, data: 0, cause: 'local' });
    expect(output.lines).toEqual([
      'disconnect  peer 2  127.0.0.1:9  timed out (it stopped acknowledging)',
      'disconnect  peer 2  127.0.0.1:9  data 7',
      'disconnect  peer 2  127.0.0.1:9  acknowledged our disconnect',
    ]);
  });
});

/** Runs the built CLI as a child process; resolves with its exit and output. */
function spawnCli(args: string[]): { child: ReturnType<typeof spawn>; output: Captured; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const output = new Captured();
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (text: string) => output.io.stdout(text));
  child.stderr!.on('data', (text: string) => output.io.stderr(text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output, exited };
}

/**
 * A peer whose process hangs: its UDP port (taken over from a closed UdpHost) still takes datagrams
 * but nothing answers, so a shutdown waits its full second for an acknowledgement.
 */
async function hangingPort(port: number): Promise<{ disconnectSeen: Promise<void>; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  const disconnectSeen = new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      const decoded = decodeDatagram(new Uint8Array(data), { checksum: false });
      if (decoded.ok && decoded.commands.some((command) => command.command === Command.disconnect)) resolve();
    });
  });
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', () => resolve()));
  return { disconnectSeen, close: () => socket.close() };
}

describe('serve and connect under real signals', () => {
  // The second signal is sent once the first one's DISCONNECT has arrived, so it lands in the
  // shutdown (two signals sent back to back can merge into one in the kernel).
  test('serve: a second SIGINT during the shutdown does not kill it: the peer was told, and serve exits 0', { timeout: 20_000 }, async () => {
    const serve = spawnCli(['serve', '--port', '0', '--interval-ms', '1']);
    const client = await UdpHost.open({ peerCount: 1, serviceIntervalMs: 1 });
    const events: UdpHostEvent[] = [];
    client.onEvent = (event) => events.push(event);
    let hanging: Awaited<ReturnType<typeof hangingPort>> | null = null;
    try {
      const listening = await serve.output.waitFor(/listening on 127\.0\.0\.1:(\d+)/, 10_000);
      const started = client.connect({ address: '127.0.0.1', port: Number(listening[1]) }, 1, 0);
      expect(started.ok).toBe(true);
      expect(await client.waitUntil(() => events.some((event) => event.type === 'connect'), 5000)).toBe(true);
      await serve.output.waitFor(/^connect /m);
      const clientPort = client.localAddress.port;
      await client.close();
      hanging = await hangingPort(clientPort);
      serve.child.kill('SIGINT');
      await hanging.disconnectSeen;
      serve.child.kill('SIGINT');
      expect(await serve.exited).toEqual({ code: 0, signal: null });
      expect(serve.output.stderr).toMatch(/^enetsim: SIGINT again: still telling peers we leave \(at most 1 s\)$/m);
      expect(serve.output.lines.at(-1)).toBe('shutdown: 1 peer disconnected (1 did not acknowledge within 1 s and got a disconnect_now)');
    } finally {
      serve.child.kill('SIGKILL');
      hanging?.close();
      await client.close();
    }
  });

  test('connect: a second SIGTERM during the shutdown does not kill it: the server was told, and connect exits 0', { timeout: 20_000 }, async () => {
    const server = await UdpHost.open({ serviceIntervalMs: 1 });
    const serverEvents: UdpHostEvent[] = [];
    server.onEvent = (event) => serverEvents.push(event);
    const serverPort = server.localAddress.port;
    const connect = spawnCli(['connect', `127.0.0.1:${serverPort}`, '--disconnect-data', '5', '--interval-ms', '1']);
    let hanging: Awaited<ReturnType<typeof hangingPort>> | null = null;
    try {
      await connect.output.waitFor(/^connect /m, 10_000);
      await server.close();
      hanging = await hangingPort(serverPort);
      connect.child.kill('SIGTERM');
      await hanging.disconnectSeen;
      connect.child.kill('SIGTERM');
      expect(await connect.exited).toEqual({ code: 0, signal: null });
      expect(connect.output.stderr).toMatch(/^enetsim: SIGTERM again: still telling peers we leave \(at most 1 s\)$/m);
      expect(connect.output.lines.at(-1)).toBe('shutdown: disconnected (data 5), not acknowledged within 1 s (a disconnect_now followed)');
    } finally {
      connect.child.kill('SIGKILL');
      hanging?.close();
      await server.close();
    }
  });
});

describeWithUdpPeer('enetsim connect against a libenet server', (binaryPath) => {
  for (const [name, flags, options] of [
    ['plain', [], {}],
    ['checksums and range-coder compression', ['--checksum', '--compress'], { checksum: true, compress: 'range-coder' }],
  ] as const) {
    test(`${name}: --send-file of 5000 binary bytes comes back intact`, { timeout: 15_000 }, async () => {
      const server = new UdpPeerProcess(binaryPath, ['server', '--port', '0', '--exit-after-disconnects', '1', '--duration-ms', '10000', ...flags]);
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-connect-'));
      try {
        const file = path.join(directory, 'payload.bin');
        const payload = new Uint8Array(5000).map((_, index) => (index * 73 + 11) & 0xff);
        fs.writeFileSync(file, payload);
        const listening = await server.waitForLine((line) => line.event === 'listening', 5000);
        const { code, output } = await runConnect(
          connectOptions(`127.0.0.1:${String(listening.port)}`, { sendFile: file, json: true, count: 1, data: 1234, disconnectData: 4321, channels: 2, channel: 1, ...options }),
        );
        expect(output.stderr).toBe('');
        expect(code).toBe(0);
        const receive = output.json().find((line) => line.event === 'receive');
        expect(receive).toMatchObject({ channel: 1, kind: 'reliable', bytes: 5000, crc32: crc32Hex(payload) });
        await server.waitForLine((line) => line.event === 'exit', 5000);
        expect(server.lines.find((line) => line.event === 'connect')).toMatchObject({ data: 1234, channels: 2 });
        expect(server.lines.find((line) => line.event === 'receive')).toMatchObject({ channel: 1, flags: PacketFlag.reliable, size: 5000, crc32: crc32Hex(payload) });
        expect(server.lines.find((line) => line.event === 'disconnect')).toMatchObject({ data: 4321 });
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
        await server.stop();
      }
    });
  }
});
