// Time within a millisecond (docs/simulator.md): timeline actions first, then the simulator's own
// events (host frames, deliveries, samples), each in scheduling order, the same at 0 ms as later.
import { describe, expect, test } from 'vitest';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { TraceEvent } from '../../src/trace/trace.js';

/** The worked example of docs/simulator.md, "Time within a millisecond". */
const WORKED_EXAMPLE = `name: time within a millisecond
seed: 1
duration: 200ms
hosts:
  server: { peers: 2 }
  a: {}
  b: {}
links:
  default: { latency: 20ms }
timeline:
  - at: 0ms
    connect: { from: a, to: server }
  - at: 96ms
    connect: { from: b, to: server }
`;

function runScenario(text: string): TraceEvent[] {
  const loaded = loadScenario('example.yaml', text);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const { sim } = compileScenario(loaded.scenario, { seed: loaded.scenario.seed });
  sim.run(loaded.scenario.durationMs);
  return sim.trace.events;
}

/** "atMs kind who what" lines, statistics left out, for comparing orders. */
function lines(events: readonly TraceEvent[]): string[] {
  return events.flatMap((event) => {
    if (event.kind === 'action') return [`${event.atMs} action ${event.host ?? '-'} ${event.action}`];
    if (event.kind === 'state') return [`${event.atMs} state ${event.host} ${event.to}`];
    if (event.kind === 'event') return [`${event.atMs} event ${event.host} ${event.type} ${event.peer}`];
    if (event.kind === 'datagram') return [`${event.atMs} ${event.phase} ${event.from}->${event.to} ${event.phase === 'sent' ? (event.commands ?? []).join('+') : ''}`.trimEnd()];
    return [];
  });
}

describe('Scheduler phases', () => {
  test('at one instant timeline actions run before simulator events scheduled earlier, each phase in scheduling order', () => {
    const scheduler = new Scheduler();
    const order: string[] = [];
    scheduler.at(10, () => order.push('frame'));
    scheduler.at(10, () => order.push('delivery'), 'simulator');
    scheduler.at(10, () => order.push('entry 1'), 'timeline');
    scheduler.at(10, () => {
      order.push('entry 2');
      scheduler.at(10, () => order.push('entry 2 scheduled a timeline action'), 'timeline');
    }, 'timeline');
    scheduler.at(5, () => order.push('earlier frame'));
    scheduler.run(100);
    expect(order).toEqual(['earlier frame', 'entry 1', 'entry 2', 'entry 2 scheduled a timeline action', 'frame', 'delivery']);
  });
});

describe('time within a millisecond', () => {
  test('a connect at 0 ms and one at 96 ms both leave in the frame of their own millisecond', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addHost('server', { peerCount: 2 });
    sim.addHost('a');
    sim.addHost('b');
    sim.at(0, () => sim.host('a').connect('server', 1, 0));
    sim.at(96, () => sim.host('b').connect('server', 1, 0));
    sim.run(200);
    const connectsSentAtMs = sim.trace.events.flatMap((event) => (event.kind === 'datagram' && event.phase === 'sent' && event.commands?.[0]?.startsWith('CONNECT ') === true ? [`${event.from} ${event.atMs}`] : []));
    expect(connectsSentAtMs).toEqual(['a 0', 'b 96']);
  });

  test('the worked example of docs/simulator.md: both handshakes take 96 ms, and at 96 ms the timeline runs before the frames, in host order', () => {
    const events = runScenario(WORKED_EXAMPLE);
    const all = lines(events);
    expect(all.filter((line) => line.startsWith('0 '))).toEqual([
      '0 action - link',
      '0 action a connect',
      '0 state a STATE_CONNECTING',
      '0 sent a->server CONNECT ch255 #1',
    ]);
    expect(all.filter((line) => line.startsWith('96 '))).toEqual([
      '96 action b connect',
      '96 state b STATE_CONNECTING',
      '96 state server STATE_CONNECTED',
      '96 event server connect a',
      '96 sent server->a ACKNOWLEDGE ch255 #2',
      '96 sent b->server CONNECT ch255 #1',
    ]);
    expect(all).toContain('20 delivered a->server');
    expect(all).toContain('32 sent server->a VERIFY_CONNECT ch255 #1');
    expect(all).toContain('64 event a connect server');
    const serverConnectsAtMs = events.flatMap((event) => (event.kind === 'event' && event.host === 'server' && event.type === 'connect' ? [event.atMs] : []));
    expect(serverConnectsAtMs).toEqual([96, 192]);
  });

  test('docs/simulator.md, Reactions: a packet sent by the server\'s connect handler for a leaves at 96 ms in the frame of the event and arrives at 116 ms', () => {
    const events = runScenario(`${WORKED_EXAMPLE}  - on: { host: server, event: connect, peer: a }
    send: { size: 100B, channel: 0 }
`);
    const relevant = lines(events).filter((line) => /^(96|116) /.test(line) && (line.includes('server connect a') || line.includes('server->a') || line.includes('reaction')));
    expect(relevant).toEqual([
      '96 event server connect a',
      '96 action server reaction',
      '96 sent server->a ACKNOWLEDGE ch255 #2+SEND_UNRELIABLE ch0 #0',
      '116 delivered server->a',
    ]);
  });

  test('a stream faster than the frames queues its packet before the frame of a shared millisecond, which sends it', () => {
    // 100 packets/s from 0: packets at 0, 10, 20...; frames every 16 ms share 0, 80, 160...
    const events = runScenario(`name: fast stream
seed: 1
duration: 200ms
hosts:
  server: {}
  client: {}
links:
  default: { latency: 5ms }
timeline:
  - at: 0ms
    connect: { from: client, to: server }
  - at: 50ms
    stream: { from: client, to: server, size: 20B, rate: 100/s }
`);
    const packetsSent = events.flatMap((event) =>
      event.kind === 'datagram' && event.phase === 'sent' && event.from === 'client' && event.atMs >= 50
        ? [`${event.atMs}: ${(event.commands ?? []).filter((command) => command.startsWith('SEND_UNRELIABLE')).length}`]
        : [],
    );
    // The frame at 64 sends the packets of 50 and 60, the one at 80 those of 70 and 80 (80 is both a
    // packet and a frame time: the packet first), the one at 96 those of 90; at 160 the same again.
    expect(packetsSent.slice(0, 3)).toEqual(['64: 2', '80: 2', '96: 1']);
    expect(packetsSent).toContain('160: 2');
  });
});
