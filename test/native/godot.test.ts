// `enetsim connect --godot 3` and `enetsim serve --godot 3` against a real Godot 3 (Debian's
// godot3-server, headless), through test/support/godot.ts: a Godot server and client written here as
// GDScript, each printing what it got with a "GODOT " prefix.
import { describe, expect, test } from 'vitest';

import { CONNECT_DEFAULTS, connectCommand, type ConnectOptions } from '../../src/cli/commands/connect.js';
import { SERVE_DEFAULTS, serveCommand, type NetworkIo } from '../../src/cli/commands/serve.js';
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

  test('a Godot 3 server compressing with ZLIB: connect --godot 3 says the datagrams are dropped as compressed and exits 1', { timeout: 40_000 }, async () => {
    const port = await freeUdpPort();
    const godot = startGodot(binaryPath, godotServerScript(port, 1, 'COMPRESS_ZLIB'), 30_000);
    try {
      await godot.waitFor(/GODOT listening 0/, 15_000);
      const output = new Output();
      const code = await connectCommand(connectOptions(port, { json: false, timeoutMs: 2000, count: 2 }), output.io, new AbortController().signal);
      expect(code).toBe(1);
      expect(output.stdout).toMatch(/^warning: dropped \d+ datagrams? \(compressionUnsupported\): the peer compresses its datagrams .*start with --compress range-coder/m);
      expect(output.stdout).toMatch(new RegExp(`^failed: 127\\.0\\.0\\.1:${port} answered within 2000 ms, but its datagrams were dropped \\(compressionUnsupported \\d+\\)`, 'm'));
    } finally {
      await godot.stop();
    }
  });
});

describe('the Godot harness', () => {
  test('startGodot refuses a timeout beyond its bound', () => {
    expect(() => startGodot('godot3-server', '', 10 * 60_000)).toThrow(/timeoutMs must be 1\.\.60000/);
  });
});
