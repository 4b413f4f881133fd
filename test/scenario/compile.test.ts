// Compiling scenarios: a stream's span (docs/scenarios.md, the `stream` action) and how the epoch
// shows in ENet's behaviour (docs/simulator.md, "The epoch and ENet"), with the documented numbers.
import { describe, expect, test } from 'vitest';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Simulation } from '../../src/sim/simulation.js';
import { PEER_STATISTIC_FIELDS } from '../../src/sim/statistics.js';

function run(text: string): Simulation {
  const loaded = loadScenario('compile.yaml', text);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const { sim } = compileScenario(loaded.scenario, { seed: loaded.scenario.seed });
  sim.run(loaded.scenario.durationMs);
  return sim;
}

function streamScenario(streamEntries: string, durationMs = 1000): string {
  return `name: stream span
seed: 1
duration: ${durationMs}ms
hosts:
  server: {}
  client: {}
links:
  default: { latency: 10ms }
timeline:
  - at: 0ms
    connect: { from: client, to: server }
${streamEntries}`;
}

function streamSendTimesMs(sim: Simulation): number[] {
  return sim.ledger.all.filter((packet) => packet.source === 'stream').map((packet) => packet.sentAtMs);
}

describe('stream span', () => {
  test('a stream to the end of the run sends at every rate step before the end and nothing at the run\'s last millisecond', () => {
    const sim = run(streamScenario(`  - at: 500ms
    stream: { from: client, to: server, size: 100B, rate: 10/s }
`));
    expect(streamSendTimesMs(sim)).toEqual([500, 600, 700, 800, 900]);
  });

  test('an explicit for ending at the end of the run sends the same packets as "to the end"', () => {
    const sim = run(streamScenario(`  - at: 500ms
    stream: { from: client, to: server, size: 100B, rate: 10/s, for: 500ms }
`));
    expect(streamSendTimesMs(sim)).toEqual([500, 600, 700, 800, 900]);
  });

  test('an explicit for ending before the run sends ceil(rate x length) packets, none at its end', () => {
    // 3/s over 700 ms: steps at 0, 333, 666 (and 1000, past the end): ceil(2.1) = 3 packets.
    const sim = run(streamScenario(`  - at: 100ms
    stream: { from: client, to: server, size: 100B, rate: 3/s, for: 700ms }
`));
    expect(streamSendTimesMs(sim)).toEqual([100, 433, 766]);
  });

  test('a stream that starts at the run\'s last millisecond sends nothing', () => {
    const sim = run(streamScenario(`  - at: 1s
    stream: { from: client, to: server, size: 100B, rate: 10/s }
`));
    expect(streamSendTimesMs(sim)).toEqual([]);
  });
});

/** The handshake of scenarios/handshake.yaml (40 ms one-way, 60 Hz frames) under `epoch`. */
function handshake(epoch: string): Simulation {
  return run(`name: epoch
seed: 1
duration: 1s
epoch: ${epoch}
hosts:
  server: { peers: 8, channels: 2, service: 60Hz }
  client: { channels: 2, service: 60Hz }
links:
  default: { latency: 40ms }
timeline:
  - at: 0s
    connect: { from: client, to: server, channels: 2, data: 7 }
`);
}

function firstPingSentAtMs(sim: Simulation): number | undefined {
  return sim.trace.events.find((event) => event.kind === 'datagram' && event.phase === 'sent' && event.from === 'client' && event.commands?.some((command) => command.startsWith('PING')) === true)?.atMs;
}

/** The value of ENet field `stat` (a PeerStatistic) for `host`'s peer in the last statistics sample at or before `atMs`. */
function statAt(sim: Simulation, host: string, stat: (typeof PEER_STATISTIC_FIELDS)[number], atMs: number): number | undefined {
  const index = PEER_STATISTIC_FIELDS.indexOf(stat);
  let value: number | undefined;
  for (const event of sim.trace.events) if (event.kind === 'stats' && event.host === host && event.atMs <= atMs) value = event.values[index];
  return value;
}

describe('epoch', () => {
  test('with the default epoch the client pings as soon as it is connected; with 1 ms only once ENet\'s clock reaches the ping interval', () => {
    expect(firstPingSentAtMs(handshake('1000s'))).toBe(100);
    expect(firstPingSentAtMs(handshake('1ms'))).toBe(500);
  });

  test('the throttle epoch is the ENet time of the first RTT sample, epoch included', () => {
    const byDefault = handshake('1000s');
    const small = handshake('1ms');
    expect([statAt(byDefault, 'client', 'packetThrottleEpoch', 999), statAt(byDefault, 'server', 'packetThrottleEpoch', 999)]).toEqual([1_000_200, 1_000_150]);
    expect([statAt(small, 'client', 'packetThrottleEpoch', 999), statAt(small, 'server', 'packetThrottleEpoch', 999)]).toEqual([601, 151]);
  });

  test('the client has its first RTT sample by 300 ms with the default epoch, not with 1 ms', () => {
    expect(statAt(handshake('1000s'), 'client', 'roundTripTime', 300)).toBe(100);
    expect(statAt(handshake('1ms'), 'client', 'roundTripTime', 300)).toBe(500);
  });
});
