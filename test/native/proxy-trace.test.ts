// The proxy's trace recorder against the simulator as the oracle: a simulated run's datagrams, handed
// to the recorder as the proxy would report them, must give the states the real ENet hosts went
// through (those the wire shows) and the connect and disconnect events they raised.
import { describe, expect, test } from 'vitest';
import { ProxyTraceRecorder } from '../../src/native/proxy-trace.js';
import type { ProxyDatagramEvent } from '../../src/native/proxy.js';
import { ConnectionWireReader } from '../../src/native/wire-reader.js';
import { INFERRED_STATES } from '../../src/scenario/passive.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import { formatProblem } from '../../src/scenario/source.js';
import type { DatagramTraceEvent, TraceEvent } from '../../src/trace/trace.js';

const CLIENT_ADDRESS = { address: '127.0.0.1', port: 40000 };

/** Runs a two-host scenario (hosts server and client) and replays its datagrams through the recorder. */
function replay(yaml: string): { simulated: readonly TraceEvent[]; recorder: ProxyTraceRecorder } {
  const loaded = loadScenario('replay.yaml', yaml);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  const { sim } = compileScenario(loaded.scenario, { seed: loaded.scenario.seed, keepDatagramBytes: true });
  sim.run(loaded.scenario.durationMs);
  sim.destroy();
  const recorder = new ProxyTraceRecorder(true);
  const sentBytes = new Map<number, Uint8Array>();
  // As the proxy does: one reader per connection reads each datagram as it arrives and as it leaves.
  const wire = new ConnectionWireReader();
  for (const event of sim.trace.events) {
    if (event.kind !== 'datagram') continue;
    const direction = event.from === 'client' ? 'up' : 'down';
    const common = { atMs: event.atMs, id: event.id, client: 1, address: CLIENT_ADDRESS, direction } as const;
    let step: ProxyDatagramEvent;
    if (event.phase === 'sent') {
      const bytes = sim.trace.bytesOf(event)!;
      sentBytes.set(event.id, bytes);
      step = { ...common, phase: 'sent', bytes, read: wire.read(direction, bytes) };
    } else if (event.phase === 'dropped') {
      step = { ...common, phase: 'dropped', sizeBytes: event.sizeBytes, reason: event.reason as 'loss' };
    } else {
      const bytes = event.corrupted === true ? sim.trace.bytesOf(event)! : sentBytes.get(event.id)!;
      step = { ...common, phase: 'delivered', bytes, read: wire.read(direction, bytes), duplicate: event.duplicate === true, corrupted: event.corrupted === true };
    }
    recorder.handleDatagram(step);
  }
  return { simulated: sim.trace.events, recorder };
}

function renamed(name: string): string {
  return name === 'client' ? 'client-1' : name;
}

/** Each peer's states, in order, keeping only those the wire shows. */
function wireStates(events: readonly TraceEvent[], rename: (name: string) => string = (name) => name): string[] {
  return events.filter((event) => event.kind === 'state' && INFERRED_STATES.includes(event.to)).map((event) => (event.kind === 'state' ? `${rename(event.host)}->${rename(event.peer)} ${event.to}` : ''));
}

function perPeer(lines: string[]): Record<string, string[]> {
  const byPeer: Record<string, string[]> = {};
  for (const line of lines) {
    const [peer, state] = line.split(' ') as [string, string];
    (byPeer[peer] ??= []).push(state);
  }
  return byPeer;
}

function connectionEvents(events: readonly TraceEvent[], rename: (name: string) => string = (name) => name): string[] {
  return events.filter((event) => event.kind === 'event' && (event.type === 'connect' || event.type === 'disconnect')).map((event) => (event.kind === 'event' ? `${rename(event.host)} ${event.type} ${rename(event.peer)} data ${event.data ?? 0}` : '')).sort();
}

const HOSTS = 'hosts: { server: { service: 60Hz }, client: { service: 60Hz } }';

const CASES: { name: string; yaml: string }[] = [
  {
    name: 'the client connects with data 9 and disconnects with data 7',
    yaml: `name: a\nduration: 3s\n${HOSTS}\nlinks: { default: { latency: 40ms } }\ntimeline:\n  - { at: 0s, connect: { from: client, to: server, data: 9 } }\n  - { at: 1s, peer_disconnect: { peer: client->server, data: 7 } }\n`,
  },
  {
    name: 'the server disconnects the client',
    yaml: `name: b\nduration: 3s\n${HOSTS}\nlinks: { default: { latency: 25ms } }\ntimeline:\n  - { at: 0s, connect: { from: client, to: server } }\n  - { at: 1s, peer_disconnect: { peer: server->client, data: 3 } }\n`,
  },
  {
    name: 'the client leaves with disconnect_now (one unacknowledged DISCONNECT)',
    yaml: `name: c\nduration: 3s\n${HOSTS}\nlinks: { default: { latency: 30ms } }\ntimeline:\n  - { at: 0s, connect: { from: client, to: server } }\n  - { at: 1s, peer_disconnect_now: { peer: client->server, data: 5 } }\n`,
  },
  {
    name: 'a lossy link with copies: retransmitted and duplicated handshake commands change nothing',
    yaml: `name: d\nseed: 4\nduration: 8s\n${HOSTS}\nlinks: { default: { latency: 30ms, loss: 20%, duplicate: 20% } }\ntimeline:\n  - { at: 0s, connect: { from: client, to: server, data: 1 } }\n  - { at: 4s, peer_disconnect: { peer: client->server, data: 2 } }\n`,
  },
  {
    name: 'both hosts compress with zstd and checksum their datagrams: the reader learns the framing and reads the handshake and the disconnect',
    yaml: `name: e\nduration: 3s\nhosts: { server: { service: 60Hz, compress: zstd, checksum: true }, client: { service: 60Hz, compress: zstd, checksum: true } }\nlinks: { default: { latency: 40ms } }\ntimeline:\n  - { at: 0s, connect: { from: client, to: server, data: 9 } }\n  - { at: 0.5s, send: { from: client, to: server, size: 2000B, flags: [reliable] } }\n  - { at: 1s, peer_disconnect: { peer: client->server, data: 7 } }\n`,
  },
];

describe('proxy trace: states and events inferred from the wire match the simulated ENet', () => {
  for (const { name, yaml } of CASES) {
    test(`proxy trace: ${name}`, () => {
      const { simulated, recorder } = replay(yaml);
      const inferred = perPeer(wireStates(recorder.events));
      expect(inferred).toEqual(perPeer(wireStates(simulated, renamed)));
      expect(Object.keys(inferred).sort()).toEqual(['client-1->server', 'server->client-1']);
      expect(connectionEvents(recorder.wireEvents)).toEqual(connectionEvents(simulated, renamed));
      expect(recorder.events.filter((event) => event.kind === 'state').every((event) => event.kind === 'state' && event.cause!.startsWith('inferred: '))).toBe(true);
    });
  }
});

describe('proxy trace: datagrams', () => {
  test('proxy trace: every datagram event of the run is recorded with the same phase, names, commands and flags, and times never go back', () => {
    const { simulated, recorder } = replay(CASES[3]!.yaml);
    const shape = (event: DatagramTraceEvent) => ({ ...event, from: renamed(event.from), to: renamed(event.to) });
    const datagrams = (events: readonly TraceEvent[]) => events.filter((event): event is DatagramTraceEvent => event.kind === 'datagram');
    expect(datagrams(recorder.events)).toEqual(datagrams(simulated).map(shape));
    expect(datagrams(recorder.events).some((event) => event.duplicate === true)).toBe(true);
    for (let index = 1; index < recorder.events.length; index++) expect(recorder.events[index]!.atMs).toBeGreaterThanOrEqual(recorder.events[index - 1]!.atMs);
  });

  test('proxy trace: a refused client is named by its address, fractional clock readings become whole ms, and an action read late never goes back in time', () => {
    const recorder = new ProxyTraceRecorder(false);
    const bytes = new Uint8Array([0, 0]);
    recorder.handleDatagram({ phase: 'sent', atMs: 12.9, id: 0, client: null, address: { address: '::1', port: 5000 }, direction: 'up', bytes, read: new ConnectionWireReader().read('up', bytes) });
    recorder.handleDatagram({ phase: 'dropped', atMs: 12.9, id: 0, client: null, address: { address: '::1', port: 5000 }, direction: 'up', sizeBytes: 2, reason: 'clientLimit' });
    recorder.handleEvent({ type: 'client', atMs: 3.2, client: 1, address: CLIENT_ADDRESS, upstreamPort: 5001 });
    expect(recorder.events.map((event) => [event.kind, event.atMs, event.kind === 'datagram' ? `${event.from} ${event.phase} ${event.reason ?? ''}` : event.kind === 'action' ? event.action : ''])).toEqual([
      ['datagram', 12, '[::1]:5000 sent '],
      ['datagram', 12, '[::1]:5000 dropped clientLimit'],
      ['action', 12, 'client mapped'],
    ]);
  });
});
