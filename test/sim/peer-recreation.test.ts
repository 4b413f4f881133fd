// A peer slot dropped and taken by a new peer inside one service() call: the server's game loop is
// paused past the timeout of a half-open connection (VERIFY_CONNECT lost), and the client's new
// CONNECT waits in the server's socket. The first service call after the pause drops the old peer
// (timeout_max) and, reading its socket, gives the same slot to the new CONNECT: the slot's state is
// ACKNOWLEDGING_CONNECT before and after the call. The trace must still show the old peer's end and
// the new peer's start, on the TypeScript core and on libenet alike, and --explain must not call the
// new peer's VERIFY_CONNECT a retransmission of the old one's.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { narrate } from '../../src/cli/commands/explain.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';
import type { HostFactory } from '../../src/sim/sim-host.js';
import type { Simulation } from '../../src/sim/simulation.js';
import type { StateTraceEvent } from '../../src/trace/trace.js';
import { createTsHost } from '../../src/sim/ts-host.js';
import { comparableEvent } from '../../src/cli/commands/diff.js';
import { LibenetDriver } from '../support/libenet.js';
import { describeLibenet } from '../support/libenet-vitest.js';

const SCENARIO = `
name: a slot dropped and reused in one service call
seed: 1
duration: 41s
hosts:
  server: { peers: 1, service: 60Hz }
  client: { service: 60Hz }
links:
  default: { latency: 10ms }
timeline:
  - at: 0s
    partition: { from: server, to: client }
  - at: 0s
    connect: { from: client, to: server }
  - at: 100ms
    partition: { between: [client, server] }
  - at: 200ms
    pause: { host: server }
  - at: 39s
    heal: { between: [client, server] }
  - at: 39s
    connect: { from: client, to: server }
  - at: 40s
    resume: { host: server }
`;

function scenario(): Scenario {
  const loaded = loadScenario('recreation.yaml', SCENARIO);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.scenario;
}

function run(factory: HostFactory): Simulation {
  const compiled = compileScenario(scenario(), { seed: 1, implementation: factory });
  compiled.sim.run(41_000);
  return compiled.sim;
}

function serverStates(sim: Simulation): string[] {
  return sim.trace.events
    .filter((event): event is StateTraceEvent => event.kind === 'state' && event.host === 'server')
    .map((event) => `${Math.floor(event.atMs / 1000)}s ${event.peer} ${event.from}→${event.to}${event.cause?.startsWith('timeout') === true ? ` (${event.cause})` : ''}`);
}

const EXPECTED = [
  '0s client STATE_DISCONNECTED→STATE_ACKNOWLEDGING_CONNECT',
  '40s client STATE_ACKNOWLEDGING_CONNECT→STATE_DISCONNECTED (timeoutMaximum)',
  '40s client STATE_DISCONNECTED→STATE_ACKNOWLEDGING_CONNECT',
  '40s client STATE_ACKNOWLEDGING_CONNECT→STATE_CONNECTED',
];

describe('peer re-creation inside one service call, TypeScript core', () => {
  for (const profile of ['1.3.17', '1.3.18'] as const) {
    test(`${profile}: the old peer's end and the new peer's start are two state changes at 40 s`, () => {
      const sim = run((config) => createTsHost(config, profile));
      expect(serverStates(sim)).toEqual(EXPECTED);
    });
  }

  test('--explain: the new peer\'s VERIFY_CONNECT is its first transmission, not a retransmission', () => {
    const sim = run((config) => createTsHost(config, '1.3.18'));
    const narration = narrate(scenario(), sim);
    // Both forms: "retransmits VERIFY_CONNECT ch255 #1 (transmission 2)" and, collapsed, "retransmits 2 times (…): VERIFY_CONNECT ch255 #1×2".
    expect(narration).not.toMatch(/server->client: retransmits.*VERIFY_CONNECT/);
    // The narration does see the new peer start (so the check above is not vacuous).
    expect(narration).toMatch(/ 40s server->client: STATE_DISCONNECTED → STATE_ACKNOWLEDGING_CONNECT/);
  });
});

describeLibenet('peer re-creation inside one service call, libenet 1.3.17', (driverPath) => {
  let driver: LibenetDriver;
  beforeAll(() => {
    driver = new LibenetDriver(driverPath);
  });
  afterAll(() => driver.close());

  test('libenet traces the same two state changes, and its whole trace equals the TypeScript core\'s', () => {
    const theirs = run((config) => driver.createHost(config));
    expect(serverStates(theirs)).toEqual(EXPECTED);
    const ours = run((config) => createTsHost(config, '1.3.17'));
    expect(theirs.trace.events.map(comparableEvent)).toEqual(ours.trace.events.map(comparableEvent));
    theirs.destroy();
  });
});
