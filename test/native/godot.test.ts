// `enetsim connect --godot 3` and `enetsim serve --godot 3` against a real Godot 3 (Debian's
// godot3-server, headless), through test/support/godot.ts: a Godot server and client written here as
// GDScript, each printing what it got with a "GODOT " prefix.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';

import { CONNECT_DEFAULTS, connectCommand, type ConnectOptions } from '../../src/cli/commands/connect.js';
import { PROXY_COMMAND_DEFAULTS, proxyCommand, type ProxyOptions } from '../../src/cli/commands/proxy.js';
import { Defaults } from '../../src/enet/constants.js';
import type { ProxySummary } from '../../src/native/proxy.js';
import { PRINT_BYTES_MAX, SERVE_DEFAULTS, serveCommand, type NetworkIo } from '../../src/cli/commands/serve.js';
import type { CompressionName } from '../../src/enet/compressors.js';
import { describeWithGodot, freeUdpPort, startGodot } from '../support/godot.js';

const MARKER = 'GODOT ';

/** Captured output of one in-process serve or connect. */
class Output {
  stdout = '';
  stderr = '';
  readonly io: NetworkIo = {
    stdout: (text) => {
      this.stdout += text;
    },
    stderr: (text) => {
      this.stderr += text;
    },
  };

  json(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/**
 * A Godot 3 server on `port` (NetworkedMultiplayerENet polled by hand, so it logs exactly what its
 * ENet peer hands over): to each peer that connects it sends one reliable and one unreliable packet,
 * prints every packet with its sender's id, and quits after `clientCount` peers have left.
 */
function godotServerScript(port: number, clientCount: number, compression = 'COMPRESS_NONE'): string {
  return `extends SceneTree
var peer
var left = 0
func _initialize():
	peer = NetworkedMultiplayerENet.new()
	peer.compression_mode = NetworkedMultiplayerENet.${compression}
	peer.connect("peer_connected", self, "_on_peer_connected")
	peer.connect("peer_disconnected", self, "_on_peer_disconnected")
	print("${MARKER}listening ", peer.create_server(${port}, 4))
func _on_peer_connected(id):
	print("${MARKER}peer_connected ", id)
	peer.set_target_peer(id)
	peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
	var big = ""
	for i in range(${compression === 'COMPRESS_NONE' ? 1 : 200}):
		big += "godot-reliable"
	peer.put_packet(big.to_utf8())
	peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE)
	peer.put_packet("godot-unreliable".to_utf8())
func _on_peer_disconnected(id):
	print("${MARKER}peer_disconnected ", id)
	left += 1
func _idle(_delta):
	peer.poll()
	while peer.get_available_packet_count() > 0:
		var from = peer.get_packet_peer()
		print("${MARKER}packet from ", from, " ", peer.get_packet().get_string_from_utf8())
	if left >= ${clientCount}:
		peer.close_connection()
		print("${MARKER}done")
		quit(0)
	return false
`;
}

/**
 * A Godot 3 client of `port` through the SceneTree's high-level multiplayer: on connected_to_server
 * it sends one reliable and one unreliable packet to the server (send_bytes), prints every packet it
 * gets, and closes its connection after two.
 */
function godotClientScript(port: number): string {
  return `extends SceneTree
var peer
var got = 0
func _initialize():
	peer = NetworkedMultiplayerENet.new()
	print("${MARKER}create_client ", peer.create_client("127.0.0.1", ${port}))
	connect("connected_to_server", self, "_on_connected")
	connect("connection_failed", self, "_on_failed")
	connect("server_disconnected", self, "_on_server_disconnected")
	multiplayer.connect("network_peer_packet", self, "_on_packet")
	network_peer = peer
func _on_connected():
	print("${MARKER}connected_to_server ", get_network_unique_id())
	multiplayer.send_bytes("godot-reliable".to_utf8(), 1, NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
	multiplayer.send_bytes("godot-unreliable".to_utf8(), 1, NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE)
func _on_failed():
	print("${MARKER}connection_failed")
	quit(1)
func _on_server_disconnected():
	print("${MARKER}server_disconnected")
	quit(1)
func _on_packet(id, packet):
	print("${MARKER}packet from ", id, " ", packet.get_string_from_utf8())
	got += 1
	if got == 2:
		peer.close_connection()
		print("${MARKER}done")
		quit(0)
`;
}

/** Godot 3's compressors besides the range coder, with their NetworkedMultiplayerENet.CompressionMode names (2, 3, 4). */
const GODOT_COMPRESSORS: readonly { name: CompressionName; mode: string }[] = [
  { name: 'fastlz', mode: 'COMPRESS_FASTLZ' },
  { name: 'zlib', mode: 'COMPRESS_ZLIB' },
  { name: 'zstd', mode: 'COMPRESS_ZSTD' },
];
/** The size of the large packet: ENet sends it as about 75 fragments, each compressed on its own. */
const BIG_PACKET_BYTES = 100_000;
/**
 * Fewer bytes than this on the wire for a session that carried a large packet shows that its
 * datagrams were compressed (the large packets are runs of letters, which every compressor shrinks
 * to a small fraction).
 */
const COMPRESSED_SESSION_BYTES_MAX = BIG_PACKET_BYTES / 2;

/** GDScript helpers shared by the compression scripts: `sha(bytes)` (SHA-256, hex) and `big(shift)`, the large packet. */
const GDSCRIPT_PACKET_HELPERS = `
func sha(bytes):
	var context = HashingContext.new()
	context.start(HashingContext.HASH_SHA256)
	context.update(bytes)
	return context.finish().hex_encode()
func big(shift):
	var bytes = PoolByteArray()
	bytes.resize(${BIG_PACKET_BYTES})
	for i in range(${BIG_PACKET_BYTES}):
		bytes[i] = 97 + (i / 5 + shift) % 26
	return bytes
`;

/** The large packet for `shift`, as the GDScript `big(shift)` makes it. */
function bigPacket(shift: number): Uint8Array {
  const bytes = new Uint8Array(BIG_PACKET_BYTES);
  for (let index = 0; index < bytes.length; index++) bytes[index] = 97 + ((Math.floor(index / 5) + shift) % 26);
  return bytes;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Each receive event's payload as [kind, byte count, SHA-256], checking that none was cut short. */
function receivedPackets(events: Record<string, unknown>[]): [string, number, string][] {
  return events
    .filter((line) => line.event === 'receive')
    .map((line) => {
      expect(line.truncated).toBe(false);
      return [line.kind as string, line.bytes as number, sha256Hex(Buffer.from(line.base64 as string, 'base64'))];
    });
}

/**
 * One Godot 3 process with a server per compressor on `ports` (in {@link GODOT_COMPRESSORS}
 * order): to each peer that connects a server sends a small reliable packet (`godot-small-NAME`)
 * and the large one (`big(index)`), prints every packet it gets with its size and SHA-256, and the
 * process quits after `clientsPerServer` peers have left each server.
 */
function godotCompressingServersScript(ports: readonly number[], clientsPerServer: number): string {
  return `extends SceneTree
const NAMES = ${JSON.stringify(GODOT_COMPRESSORS.map((compressor) => compressor.name))}
var servers = []
var bigs = []
var left = 0
${GDSCRIPT_PACKET_HELPERS}
func _initialize():
	var modes = [${GODOT_COMPRESSORS.map((compressor) => `NetworkedMultiplayerENet.${compressor.mode}`).join(', ')}]
	var ports = ${JSON.stringify(ports)}
	for k in range(NAMES.size()):
		var peer = NetworkedMultiplayerENet.new()
		peer.compression_mode = modes[k]
		peer.connect("peer_connected", self, "_on_peer_connected", [k])
		peer.connect("peer_disconnected", self, "_on_peer_disconnected", [k])
		servers.append(peer)
		bigs.append(big(k))
		print("${MARKER}listening ", NAMES[k], " mode ", modes[k], " ", peer.create_server(ports[k], 4))
func _on_peer_connected(id, k):
	var peer = servers[k]
	peer.set_target_peer(id)
	peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
	peer.put_packet(("godot-small-" + NAMES[k]).to_utf8())
	peer.put_packet(bigs[k])
func _on_peer_disconnected(_id, _k):
	left += 1
func _idle(_delta):
	for k in range(servers.size()):
		var peer = servers[k]
		peer.poll()
		while peer.get_available_packet_count() > 0:
			var from = peer.get_packet_peer()
			var packet = peer.get_packet()
			print("${MARKER}packet ", NAMES[k], " from ", from, " ", packet.size(), " ", sha(packet))
	if left >= ${clientsPerServer} * servers.size():
		for peer in servers:
			peer.close_connection()
		print("${MARKER}done")
		quit(0)
	return false
`;
}

/**
 * One Godot 3 process with a client per compressor, of the servers on `ports`: once connected each
 * sends a small reliable packet (`godot-small-NAME`) and the large one (`big(10 + index)`) to the
 * server (id 1), prints what it sent and every packet it gets (size and SHA-256), and closes its
 * connection after two; the process quits when all have.
 */
function godotCompressingClientsScript(ports: readonly number[]): string {
  return `extends SceneTree
const NAMES = ${JSON.stringify(GODOT_COMPRESSORS.map((compressor) => compressor.name))}
var clients = []
var got = []
var finished = 0
${GDSCRIPT_PACKET_HELPERS}
func _initialize():
	var modes = [${GODOT_COMPRESSORS.map((compressor) => `NetworkedMultiplayerENet.${compressor.mode}`).join(', ')}]
	var ports = ${JSON.stringify(ports)}
	for k in range(NAMES.size()):
		var peer = NetworkedMultiplayerENet.new()
		peer.compression_mode = modes[k]
		peer.connect("connection_succeeded", self, "_on_connected", [k])
		peer.connect("connection_failed", self, "_on_failed", [k])
		peer.connect("server_disconnected", self, "_on_failed", [k])
		clients.append(peer)
		got.append(0)
		print("${MARKER}create_client ", NAMES[k], " ", peer.create_client("127.0.0.1", ports[k]))
func _on_connected(k):
	var peer = clients[k]
	var small = ("godot-small-" + NAMES[k]).to_utf8()
	var large = big(10 + k)
	peer.set_target_peer(1)
	peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
	peer.put_packet(small)
	peer.put_packet(large)
	print("${MARKER}sent ", NAMES[k], " id ", peer.get_unique_id(), " ", small.size(), " ", sha(small), " ", large.size(), " ", sha(large))
func _on_failed(k):
	print("${MARKER}failed ", NAMES[k])
	quit(1)
func _idle(_delta):
	for k in range(clients.size()):
		var peer = clients[k]
		if peer == null:
			continue
		peer.poll()
		while peer.get_available_packet_count() > 0:
			var from = peer.get_packet_peer()
			var packet = peer.get_packet()
			print("${MARKER}packet ", NAMES[k], " from ", from, " ", packet.size(), " ", sha(packet))
			got[k] += 1
		if got[k] >= 2:
			peer.close_connection()
			clients[k] = null
			finished += 1
	if finished == NAMES.size():
		print("${MARKER}done")
		quit(0)
	return false
`;
}

function connectOptions(port: number, options: Partial<ConnectOptions>): ConnectOptions {
  return { ...CONNECT_DEFAULTS, target: `127.0.0.1:${port}`, intervalMs: 1, json: true, godot: '3', ...options };
}

describeWithGodot('enetsim against Godot 3', (binaryPath) => {
  test('a Godot 3 server and connect --godot 3 exchange a reliable and an unreliable packet both ways', { timeout: 40_000 }, async () => {
    const port = await freeUdpPort();
    const godot = startGodot(binaryPath, godotServerScript(port, 2), 30_000);
    try {
      await godot.waitFor(/GODOT listening 0/, 15_000);
      const runs: { code: number; output: Output; id: number }[] = [];
      for (const [flags, text] of [
        ['reliable', 'to-godot-reliable'],
        ['unreliable', 'to-godot-unreliable'],
      ] as const) {
        const output = new Output();
        const code = await connectCommand(connectOptions(port, { send: text, flags, count: 2 }), output.io, new AbortController().signal);
        const connecting = output.json()[0]!;
        runs.push({ code, output, id: connecting.data as number });
      }
      const result = await godot.done;
      expect(result.timedOut, result.stdout).toBe(false);
      expect(result.exitCode).toBe(0);
      for (const [index, run] of runs.entries()) {
        expect(run.output.stderr).toBe('');
        expect(run.code).toBe(0);
        const events = run.output.json();
        expect(events[0]).toMatchObject({ event: 'connecting', channels: 3, godot: '3' });
        expect(run.id).toBeGreaterThanOrEqual(2);
        // Godot's channels: 1 reliable, 2 unreliable (sent unsequenced, as always_ordered is off).
        expect(events.find((line) => line.event === 'sent')).toMatchObject(index === 0 ? { channel: 1, kind: 'reliable' } : { channel: 2, kind: 'unreliable' });
        const received = events.filter((line) => line.event === 'receive');
        expect(received.map((line) => [line.channel, line.kind, line.godot, Buffer.from(line.base64 as string, 'base64').toString()])).toEqual([
          [1, 'reliable', { source: 1, target: run.id }, 'godot-reliable'],
          [2, 'unsequenced', { source: 1, target: run.id }, 'godot-unreliable'],
        ]);
        expect(events.at(-1)).toMatchObject({ event: 'shutdown', reason: 'done', dropped: {} });
      }
      // Godot saw each client connect with its id, got its packet from that id (the header it
      // checks), and saw it leave.
      expect(godot.marked(MARKER)).toEqual([
        'listening 0',
        `peer_connected ${runs[0]!.id}`,
        `packet from ${runs[0]!.id} to-godot-reliable`,
        `peer_disconnected ${runs[0]!.id}`,
        `peer_connected ${runs[1]!.id}`,
        `packet from ${runs[1]!.id} to-godot-unreliable`,
        `peer_disconnected ${runs[1]!.id}`,
        'done',
      ]);
    } finally {
      await godot.stop();
    }
  });

  test('a Godot 3 client sees connected_to_server from serve --godot 3 --echo and gets both packets back', { timeout: 40_000 }, async () => {
    const output = new Output();
    const controller = new AbortController();
    const serving = serveCommand({ ...SERVE_DEFAULTS, port: 0, intervalMs: 1, echo: true, json: true, godot: '3' }, output.io, controller.signal);
    let port = 0;
    for (let attempt = 0; attempt < 100 && port === 0; attempt++) {
      const listening = output.json().find((line) => line.event === 'listening');
      if (listening !== undefined) port = listening.port as number;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(port).toBeGreaterThan(0);
    const godot = startGodot(binaryPath, godotClientScript(port), 30_000);
    let result;
    try {
      result = await godot.done;
    } finally {
      await godot.stop();
      controller.abort();
    }
    expect(await serving).toBe(0);
    expect(result.timedOut, result.stdout).toBe(false);
    expect(result.exitCode, result.stdout).toBe(0);
    const godotLines = godot.marked(MARKER);
    const id = Number(/^connected_to_server (\d+)$/.exec(godotLines[1] ?? '')?.[1]);
    // send_bytes puts MultiplayerAPI's raw-bytes command byte (4) first; the echo keeps it, so
    // Godot's MultiplayerAPI hands the text to network_peer_packet, from the server (id 1).
    expect(godotLines).toEqual(['create_client 0', `connected_to_server ${id}`, 'packet from 1 godot-reliable', 'packet from 1 godot-unreliable', 'done']);
    const events = output.json();
    expect(events.find((line) => line.event === 'connect')).toMatchObject({ data: id, channels: 3 });
    const received = events.filter((line) => line.event === 'receive');
    expect(received.map((line) => [line.channel, line.kind, line.godot, Buffer.from(line.base64 as string, 'base64').toString()])).toEqual([
      [1, 'reliable', { source: id, target: 1 }, '\x04godot-reliable'],
      [2, 'unsequenced', { source: id, target: 1 }, '\x04godot-unreliable'],
    ]);
    // Godot's close_connection is a disconnect_now with its id as data.
    expect(events.find((line) => line.event === 'disconnect')).toMatchObject({ data: id, cause: 'remote' });
    expect(events.filter((line) => line.event === 'warning')).toEqual([]);
  });

  test('connect without --godot against a Godot 3 server: Godot resets it, and connect says it timed out and why Godot would do that', { timeout: 40_000 }, async () => {
    const port = await freeUdpPort();
    const godot = startGodot(binaryPath, godotServerScript(port, 1), 30_000);
    try {
      await godot.waitFor(/GODOT listening 0/, 15_000);
      const output = new Output();
      const code = await connectCommand(connectOptions(port, { json: false, godot: null, peerTimeoutMs: 500 }), output.io, new AbortController().signal);
      expect(code).toBe(0);
      const lines = output.stdout.split('\n').filter((line) => line !== '');
      expect(lines[1]).toMatch(/^connect     peer 0  127\.0\.0\.1:\d+  channels 1$/);
      expect(lines.at(-1)).toBe(
        'shutdown: the server timed out: it stopped acknowledging and ENet gave up on it (after 5–30 s by default, --peer-timeout-ms). ' +
          'If this is a Godot server: Godot resets a client whose connect data is 0 or 1 without telling it; use --godot 3 or --godot 4',
      );
      expect(godot.marked(MARKER), 'Godot never admitted it').toEqual(['listening 0']);
    } finally {
      await godot.stop();
    }
  });

  test('Godot 3 servers compressing with FASTLZ, ZLIB and ZSTD and connect --godot 3 --compress of the same exchange a small and a 100 kB reliable packet both ways, intact', { timeout: 60_000 }, async () => {
    const ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    const godot = startGodot(binaryPath, godotCompressingServersScript(ports, 2), 45_000);
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-godot-compress-'));
    try {
      await godot.waitFor(/GODOT listening zstd mode 4 0/, 15_000);
      // Per compressor, one client sends a small packet and one the large packet (shift 20 + index);
      // each gets Godot's small and large packet. All six run at once.
      const sessions = GODOT_COMPRESSORS.flatMap(({ name }, index) => {
        const bigFile = path.join(directory, `${name}.bin`);
        fs.writeFileSync(bigFile, bigPacket(20 + index));
        return [
          { name, index, sent: new TextEncoder().encode(`to-godot-small-${name}`), options: { send: `to-godot-small-${name}` } },
          { name, index, sent: bigPacket(20 + index), options: { sendFile: bigFile } },
        ];
      });
      const runs = await Promise.all(
        sessions.map(async (session) => {
          const output = new Output();
          const options = connectOptions(ports[session.index]!, { ...session.options, compress: session.name, count: 2, timeoutMs: 10_000, printBytes: PRINT_BYTES_MAX });
          const code = await connectCommand(options, output.io, new AbortController().signal);
          return { ...session, code, output };
        }),
      );
      const result = await godot.done;
      expect(result.timedOut, result.stdout).toBe(false);
      expect(result.exitCode).toBe(0);
      const godotLines = godot.marked(MARKER);
      expect(godotLines.slice(0, 3)).toEqual(['listening fastlz mode 2 0', 'listening zlib mode 3 0', 'listening zstd mode 4 0']);
      for (const run of runs) {
        expect(run.output.stderr, run.name).toBe('');
        expect(run.code, run.output.stdout).toBe(0);
        const events = run.output.json();
        const id = events[0]!.data as number;
        expect(receivedPackets(events), `${run.name}: Godot's packets arrive intact`).toEqual([
          ['reliable', `godot-small-${run.name}`.length, sha256Hex(new TextEncoder().encode(`godot-small-${run.name}`))],
          ['reliable', BIG_PACKET_BYTES, sha256Hex(bigPacket(run.index))],
        ]);
        const shutdown = events.at(-1)!;
        expect(shutdown).toMatchObject({ event: 'shutdown', reason: 'done', dropped: {} });
        const stats = shutdown.stats as { bytesReceived: number; bytesSent: number };
        expect(stats.bytesReceived, `${run.name}: Godot compressed what it sent`).toBeLessThan(COMPRESSED_SESSION_BYTES_MAX);
        if (run.sent.length === BIG_PACKET_BYTES) expect(stats.bytesSent, `${run.name}: we compressed what we sent`).toBeLessThan(COMPRESSED_SESSION_BYTES_MAX);
        expect(godotLines, `${run.name}: Godot got our packet intact`).toContain(`packet ${run.name} from ${id} ${run.sent.length} ${sha256Hex(run.sent)}`);
      }
      expect(godotLines.filter((line) => line.startsWith('packet '))).toHaveLength(runs.length);
    } finally {
      await godot.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  test('Godot 3 clients compressing with FASTLZ, ZLIB and ZSTD get a small and a 100 kB reliable packet back intact from serve --godot 3 --compress of the same --echo', { timeout: 60_000 }, async () => {
    const serves = GODOT_COMPRESSORS.map(({ name }) => {
      const output = new Output();
      const controller = new AbortController();
      const options = { ...SERVE_DEFAULTS, port: 0, intervalMs: 1, echo: true, json: true, godot: '3' as const, compress: name, printBytes: PRINT_BYTES_MAX };
      return { name, output, controller, serving: serveCommand(options, output.io, controller.signal) };
    });
    const ports: number[] = [];
    for (const serve of serves) {
      let port = 0;
      for (let attempt = 0; attempt < 100 && port === 0; attempt++) {
        const listening = serve.output.json().find((line) => line.event === 'listening');
        if (listening !== undefined) port = listening.port as number;
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(port).toBeGreaterThan(0);
      ports.push(port);
    }
    const godot = startGodot(binaryPath, godotCompressingClientsScript(ports), 45_000);
    let result;
    try {
      result = await godot.done;
    } finally {
      await godot.stop();
      for (const serve of serves) serve.controller.abort();
    }
    expect(result.timedOut, result.stdout).toBe(false);
    expect(result.exitCode, result.stdout).toBe(0);
    const godotLines = godot.marked(MARKER);
    expect(godotLines.at(-1)).toBe('done');
    for (const [index, serve] of serves.entries()) {
      expect(await serve.serving).toBe(0);
      expect(serve.output.stderr).toBe('');
      const small = new TextEncoder().encode(`godot-small-${serve.name}`);
      const large = bigPacket(10 + index);
      const sent = godotLines.find((line) => line.startsWith(`sent ${serve.name} `));
      const id = Number(/ id (\d+) /.exec(sent ?? '')?.[1]);
      expect(sent, 'what Godot sent is what we build').toBe(`sent ${serve.name} id ${id} ${small.length} ${sha256Hex(small)} ${large.length} ${sha256Hex(large)}`);
      const events = serve.output.json();
      expect(receivedPackets(events), `${serve.name}: serve got Godot's packets intact`).toEqual([
        ['reliable', small.length, sha256Hex(small)],
        ['reliable', large.length, sha256Hex(large)],
      ]);
      expect(godotLines, `${serve.name}: the echo came back to Godot intact, from the server`).toEqual(
        expect.arrayContaining([`packet ${serve.name} from 1 ${small.length} ${sha256Hex(small)}`, `packet ${serve.name} from 1 ${large.length} ${sha256Hex(large)}`]),
      );
      expect(events.filter((line) => line.event === 'warning')).toEqual([]);
      const shutdown = events.at(-1)!;
      expect(shutdown).toMatchObject({ event: 'shutdown', dropped: {} });
      const stats = shutdown.stats as { bytesReceived: number; bytesSent: number };
      expect(stats.bytesReceived, `${serve.name}: Godot compressed what it sent`).toBeLessThan(COMPRESSED_SESSION_BYTES_MAX);
      expect(stats.bytesSent, `${serve.name}: we compressed the echo`).toBeLessThan(COMPRESSED_SESSION_BYTES_MAX);
    }
  });

  test('a Godot 3 server compressing with ZLIB: connect --godot 3 without --compress says the peer compresses with zlib, what to start with, and exits 1', { timeout: 40_000 }, async () => {
    const port = await freeUdpPort();
    const godot = startGodot(binaryPath, godotServerScript(port, 1, 'COMPRESS_ZLIB'), 30_000);
    try {
      await godot.waitFor(/GODOT listening 0/, 15_000);
      const output = new Output();
      const code = await connectCommand(connectOptions(port, { json: false, timeoutMs: 2000, count: 2 }), output.io, new AbortController().signal);
      expect(code).toBe(1);
      const hint = 'the peer compresses with zlib (Godot: COMPRESS_ZLIB) and this end has --compress none: start with --compress zlib';
      expect(output.stdout.split('\n')).toContainEqual(expect.stringMatching(new RegExp(`^warning: dropped \\d+ datagrams? \\(compressionUnsupported\\): ${escapeRegExp(hint)}$`)));
      expect(output.stdout.split('\n')).toContainEqual(
        expect.stringMatching(new RegExp(`^failed: 127\\.0\\.0\\.1:${port} answered within 2000 ms, but its datagrams were dropped \\(compressionUnsupported \\d+\\): ${escapeRegExp(hint)}$`)),
      );
    } finally {
      await godot.stop();
    }
  });
});

// ---- Godot 3 through enetsim proxy ------------------------------------------------------------------

/** Reliable and unreliable packets each side sends once connected. */
const PROXY_PACKETS_EACH = 20;

/**
 * One Godot 3 process holding both ends (NetworkedMultiplayerENet polled by hand, so it logs exactly
 * what its ENet hands over): a server on `serverPort`, and a client of `proxyPort` (the proxy in front
 * of that server). Once connected each side sends {@link PROXY_PACKETS_EACH} reliable (`r-N`) and as
 * many unreliable (`u-N`) packets, prefixed `c` (client) or `s` (server), and prints every packet it
 * gets. `exchange`: when both have every reliable packet, the client closes its connection and the
 * process quits once the server saw it leave (or `leaveWaitMs` later: a lost DISCONNECT). `partition`:
 * after the exchange it stays connected until ENet gives up on both sides, and quits.
 */
function godotPairScript(serverPort: number, proxyPort: number, mode: 'exchange' | 'partition', leaveWaitMs = 3000): string {
  return `extends SceneTree
var server
var client
var server_reliable = 0
var client_reliable = 0
var exchanged_at = -1
var closed_at = -1
var server_left = false
var client_lost = false
func _initialize():
	server = NetworkedMultiplayerENet.new()
	server.connect("peer_connected", self, "_on_server_peer_connected")
	server.connect("peer_disconnected", self, "_on_server_peer_disconnected")
	print("${MARKER}server ", server.create_server(${serverPort}, 4))
	client = NetworkedMultiplayerENet.new()
	client.connect("connection_succeeded", self, "_on_client_connected")
	client.connect("connection_failed", self, "_on_client_failed")
	client.connect("server_disconnected", self, "_on_client_server_disconnected")
	print("${MARKER}client ", client.create_client("127.0.0.1", ${proxyPort}))
func send_all(peer, target, prefix):
	peer.set_target_peer(target)
	for i in range(${PROXY_PACKETS_EACH}):
		peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_RELIABLE)
		peer.put_packet((prefix + "r-" + str(i)).to_utf8())
		peer.set_transfer_mode(NetworkedMultiplayerPeer.TRANSFER_MODE_UNRELIABLE)
		peer.put_packet((prefix + "u-" + str(i)).to_utf8())
func _on_server_peer_connected(id):
	print("${MARKER}server peer_connected ", id)
	send_all(server, id, "s")
func _on_client_connected():
	print("${MARKER}client connected ", client.get_unique_id())
	send_all(client, 1, "c")
func _on_client_failed():
	print("${MARKER}client connection_failed")
	quit(1)
func _on_server_peer_disconnected(id):
	print("${MARKER}server peer_disconnected ", id)
	server_left = true
func _on_client_server_disconnected():
	print("${MARKER}client server_disconnected")
	client_lost = true
func read(peer, side):
	while peer.get_available_packet_count() > 0:
		var from = peer.get_packet_peer()
		var text = peer.get_packet().get_string_from_utf8()
		print("${MARKER}", side, " got ", from, " ", text)
		if text.find("r-") == 1:
			if side == "server":
				server_reliable += 1
			else:
				client_reliable += 1
func _idle(_delta):
	server.poll()
	read(server, "server")
	if closed_at < 0 and not client_lost:
		client.poll()
		read(client, "client")
	var now = OS.get_ticks_msec()
	if exchanged_at < 0 and server_reliable == ${PROXY_PACKETS_EACH} and client_reliable == ${PROXY_PACKETS_EACH}:
		exchanged_at = now
		print("${MARKER}exchanged")
	if "${mode}" == "exchange":
		if exchanged_at >= 0 and closed_at < 0 and now - exchanged_at >= 300:
			client.close_connection()
			closed_at = now
			print("${MARKER}client closed")
		if closed_at >= 0 and (server_left or now - closed_at >= ${leaveWaitMs}):
			print("${MARKER}done")
			quit(0)
	elif server_left and client_lost:
		print("${MARKER}done")
		quit(0)
	return false
`;
}

type ProxyJsonLine = Record<string, unknown> & { event: string };

/** enetsim proxy run in-process with --json in front of `serverPort`; its lines, and its port once listening. */
async function startProxyFor(serverPort: number, options: Partial<ProxyOptions>): Promise<{ port: number; lines: ProxyJsonLine[]; lineTimesMs: number[]; stop: () => Promise<number> }> {
  const lines: ProxyJsonLine[] = [];
  const lineTimesMs: number[] = [];
  let pending = '';
  const controller = new AbortController();
  const io: NetworkIo = {
    stdout: (text) => {
      pending += text;
      const complete = pending.split('\n');
      pending = complete.pop()!;
      for (const line of complete) {
        if (line === '') continue;
        lines.push(JSON.parse(line) as ProxyJsonLine);
        lineTimesMs.push(performance.now());
      }
    },
    stderr: (text) => {
      throw new Error(`enetsim proxy wrote to stderr: ${text}`);
    },
  };
  const running = proxyCommand({ ...PROXY_COMMAND_DEFAULTS, listen: '127.0.0.1:0', to: `127.0.0.1:${serverPort}`, json: true, ...options }, io, controller.signal);
  for (let attempt = 0; attempt < 200 && lines.length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  const listening = lines[0];
  expect(listening).toMatchObject({ event: 'listening' });
  return {
    port: listening!['port'] as number,
    lines,
    lineTimesMs,
    stop: async () => {
      controller.abort();
      return running;
    },
  };
}

/** What one side of the Godot pair got: [sender id, text] in arrival order. */
function godotGot(lines: readonly string[], side: 'server' | 'client'): { from: number; text: string }[] {
  return lines.flatMap((line) => {
    const match = new RegExp(`^${side} got (\\d+) (.*)$`).exec(line);
    return match === null ? [] : [{ from: Number(match[1]), text: match[2]! }];
  });
}

function texts(prefix: string, kind: 'r' | 'u'): string[] {
  return Array.from({ length: PROXY_PACKETS_EACH }, (_, index) => `${prefix}${kind}-${index}`);
}

function summaryOf(lines: readonly ProxyJsonLine[]): ProxySummary & { reason: string } {
  const last = lines.at(-1)!;
  expect(last.event).toBe('summary');
  return last as unknown as ProxySummary & { reason: string };
}

describeWithGodot('Godot 3 through enetsim proxy', (binaryPath) => {
  test('a clean link: reliable and unreliable packets cross both ways, and the proxy counts what Godot got and the disconnect it logged', { timeout: 60_000 }, async () => {
    const serverPort = await freeUdpPort();
    const proxy = await startProxyFor(serverPort, {});
    const godot = startGodot(binaryPath, godotPairScript(serverPort, proxy.port, 'exchange'), 45_000);
    let result;
    try {
      result = await godot.done;
    } finally {
      await godot.stop();
    }
    expect(await proxy.stop()).toBe(0);
    expect(result.timedOut, result.stdout).toBe(false);
    expect(result.exitCode, result.stdout).toBe(0);
    const lines = godot.marked(MARKER);
    const clientId = Number(/^client connected (\d+)$/.exec(lines.find((line) => line.startsWith('client connected')) ?? '')?.[1]);
    expect(lines).toContain(`server peer_connected ${clientId}`);
    expect(lines).toContain(`server peer_disconnected ${clientId}`);
    const serverGot = godotGot(lines, 'server');
    const clientGot = godotGot(lines, 'client');
    // A clean link loses nothing: every packet arrives, reliable ones in order, from the right peer.
    expect(serverGot.filter((packet) => packet.text.startsWith('cr-')).map((packet) => packet.text)).toEqual(texts('c', 'r'));
    expect(serverGot.filter((packet) => packet.text.startsWith('cu-')).map((packet) => packet.text).sort()).toEqual(texts('c', 'u').sort());
    expect(clientGot.filter((packet) => packet.text.startsWith('sr-')).map((packet) => packet.text)).toEqual(texts('s', 'r'));
    expect(clientGot.filter((packet) => packet.text.startsWith('su-')).map((packet) => packet.text).sort()).toEqual(texts('s', 'u').sort());
    expect(new Set(serverGot.map((packet) => packet.from))).toEqual(new Set([clientId]));
    expect(new Set(clientGot.map((packet) => packet.from))).toEqual(new Set([1]));

    const summary = summaryOf(proxy.lines);
    expect(summary.clients).toBe(1);
    const enet = summary.connections[0]!.enet;
    expect(enet.connectSeen && enet.verifyConnectSeen).toBe(true);
    // Godot 3 sends unreliable packets unsequenced on its channel 2, never again: the proxy read
    // exactly as many as the other side's Godot logged.
    expect(enet.commands.up['SEND_UNSEQUENCED']?.['2']).toBe(serverGot.filter((packet) => packet.text.startsWith('cu-')).length);
    expect(enet.commands.down['SEND_UNSEQUENCED']?.['2']).toBe(clientGot.filter((packet) => packet.text.startsWith('su-')).length);
    // Reliable packets go on channel 1; the proxy sees each once, plus any copy ENet sent again.
    const reliableUp = enet.commands.up['SEND_RELIABLE']?.['1'] ?? 0;
    const reliableDown = enet.commands.down['SEND_RELIABLE']?.['1'] ?? 0;
    expect(reliableUp).toBeGreaterThanOrEqual(PROXY_PACKETS_EACH);
    expect(reliableUp - PROXY_PACKETS_EACH).toBeLessThanOrEqual(enet.retransmissions.up);
    expect(reliableDown).toBeGreaterThanOrEqual(PROXY_PACKETS_EACH);
    expect(reliableDown - PROXY_PACKETS_EACH).toBeLessThanOrEqual(enet.retransmissions.down);
    // close_connection is a DISCONNECT with the client's id as data: the proxy saw the one Godot logged.
    expect(enet.disconnects.map((disconnect) => [disconnect.direction, disconnect.data])).toEqual([['up', clientId]]);
    for (const direction of ['up', 'down'] as const) {
      expect(Object.values(summary.directions[direction].dropped).reduce((sum, count) => sum + count, 0)).toBe(0);
      expect(summary.directions[direction].datagramsOut).toBe(summary.directions[direction].datagramsIn);
    }
  });

  test('10 % loss each way: reliable packets still arrive in order, and the proxy counts the losses and the retransmissions', { timeout: 60_000 }, async () => {
    const serverPort = await freeUdpPort();
    const proxy = await startProxyFor(serverPort, { link: 'loss: 10%', seed: 5 });
    const godot = startGodot(binaryPath, godotPairScript(serverPort, proxy.port, 'exchange', 1000), 45_000);
    let result;
    try {
      result = await godot.done;
    } finally {
      await godot.stop();
    }
    expect(await proxy.stop()).toBe(0);
    expect(result.timedOut, result.stdout).toBe(false);
    expect(result.exitCode, result.stdout).toBe(0);
    const lines = godot.marked(MARKER);
    const serverGot = godotGot(lines, 'server');
    const clientGot = godotGot(lines, 'client');
    expect(serverGot.filter((packet) => packet.text.startsWith('cr-')).map((packet) => packet.text)).toEqual(texts('c', 'r'));
    expect(clientGot.filter((packet) => packet.text.startsWith('sr-')).map((packet) => packet.text)).toEqual(texts('s', 'r'));
    const summary = summaryOf(proxy.lines);
    const enet = summary.connections[0]!.enet;
    expect(summary.directions.up.dropped.loss + summary.directions.down.dropped.loss).toBeGreaterThan(0);
    expect(enet.retransmissions.up + enet.retransmissions.down).toBeGreaterThan(0);
    // An unreliable packet is sent once: Godot got at most what the proxy read, and no more than the
    // proxy let through (datagrams out, each holding at least one).
    for (const [direction, got, prefix] of [['up', serverGot, 'cu-'], ['down', clientGot, 'su-']] as const) {
      const unreliableGot = got.filter((packet) => packet.text.startsWith(prefix)).length;
      expect(unreliableGot).toBeLessThanOrEqual(enet.commands[direction]['SEND_UNSEQUENCED']?.['2'] ?? 0);
      expect(summary.directions[direction].datagramsOut).toBe(summary.directions[direction].datagramsIn - summary.directions[direction].dropped.loss);
    }
  });

  // The window: ENet (Godot 3 keeps its defaults, src/enet/constants.ts Defaults) gives up on a peer
  // when its oldest unacknowledged reliable command has waited peerTimeoutMinimumMs (5 s) and its
  // retransmission timeout has backed off peerTimeoutLimit (32) times its first value, or at the latest
  // peerTimeoutMaximumMs (30 s) (protocol.c enet_protocol_check_timeouts). With the link cut, the oldest
  // such command is one sent at most a ping interval (peerPingIntervalMs, 500 ms: an idle peer pings)
  // after the partition, or one sent just before it whose ACK the partition ate (one loopback round trip
  // and a Godot frame, well under 250 ms). So each side reports the disconnect between
  // 5000 − 250 ms and 500 + 30 000 ms after the partition, plus the time its line takes to reach us.
  test('a partition from a --scenario timeline: both Godot ends report the disconnect within ENet\'s timeout window, and the proxy saw no DISCONNECT cross', { timeout: 60_000 }, async () => {
    const serverPort = await freeUdpPort();
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'enetsim-godot-proxy-'));
    const file = path.join(directory, 'partition.yaml');
    fs.writeFileSync(file, `name: partition behind the proxy
duration: 50s
hosts: { server: {}, client: {} }
timeline:
  - at: 3s
    partition: { between: [client, server] }
`);
    const proxy = await startProxyFor(serverPort, { scenario: file });
    const godot = startGodot(binaryPath, godotPairScript(serverPort, proxy.port, 'partition'), 50_000);
    const seenAtMs: Record<string, number> = {};
    try {
      await godot.waitFor(/GODOT exchanged/, 15_000);
      expect(proxy.lines.some((line) => line.event === 'network'), 'the exchange finished before the partition').toBe(false);
      for (const [name, pattern] of [['server', /GODOT server peer_disconnected/], ['client', /GODOT client server_disconnected/]] as const) {
        void godot.waitFor(pattern, 45_000).then(() => (seenAtMs[name] = performance.now()), () => undefined);
      }
      const result = await godot.done;
      expect(result.timedOut, result.stdout).toBe(false);
      expect(result.exitCode, result.stdout).toBe(0);
    } finally {
      await godot.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    }
    expect(await proxy.stop()).toBe(0);
    const partitionIndex = proxy.lines.findIndex((line) => line.event === 'network' && line['action'] === 'partition client<->server');
    expect(partitionIndex).toBeGreaterThan(0);
    const partitionAtMs = proxy.lineTimesMs[partitionIndex]!;
    const earliestMs = Defaults.peerTimeoutMinimumMs - 250;
    const latestMs = Defaults.peerPingIntervalMs + Defaults.peerTimeoutMaximumMs + 1000;
    for (const side of ['server', 'client'] as const) {
      const afterMs = seenAtMs[side]! - partitionAtMs;
      expect(afterMs, `${side} reported the disconnect ${afterMs} ms after the partition`).toBeGreaterThanOrEqual(earliestMs);
      expect(afterMs, `${side} reported the disconnect ${afterMs} ms after the partition`).toBeLessThanOrEqual(latestMs);
    }
    const summary = summaryOf(proxy.lines);
    // A timeout sends nothing: Godot logged two disconnects, the proxy saw no DISCONNECT command, and
    // every datagram either side sent into the cut was dropped as partition.
    const enet = summary.connections[0]!.enet;
    expect(enet.disconnects).toEqual([]);
    expect(summary.directions.up.dropped.partition).toBeGreaterThan(0);
    expect(summary.directions.down.dropped.partition).toBeGreaterThan(0);
    expect(summary.network).toMatchObject({ changes: { timeline: 1, control: 0 }, up: { partitioned: true }, down: { partitioned: true } });
  });
});

describe('the Godot harness', () => {
  test('startGodot refuses a timeout beyond its bound', () => {
    expect(() => startGodot('godot3-server', '', 10 * 60_000)).toThrow(/timeoutMs must be 1\.\.60000/);
  });
});
