// Reactions in the scenario format: the loader fills the reacting host and leaves the event's peer
// to be bound when the event happens; an expectation after a reaction that never ran fails and says why.
import { describe, expect, test } from 'vitest';
import { check } from '../../src/scenario/assertions.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import { EVENT_PEER, type Scenario } from '../../src/scenario/model.js';

const SCENARIO = `name: reactions
duration: 3s
hosts:
  server: {}
  client: {}
links:
  default: { latency: 10ms }
timeline:
  - at: 0s
    connect: { from: client, to: server, channels: 2 }
  - on: { host: server, event: connect }
    id: welcome
    send: { size: 20B, count: 2 }
  - at: 1s
    on: { host: server, event: receive, channel: 1, delay: 50ms, once: true }
    set_timeout: { timeout: 4, min: 1s, max: 2s }
  - on: { host: client, event: disconnect }
    id: retry
    connect: { channels: 2 }
expect:
  - event: { host: client, type: receive, after: welcome, within: 100ms, count: 2 }
  - state: { peer: client->server, reaches: STATE_CONNECTED, after: retry, within: 1s }
`;

function load(text: string): Scenario {
  const loaded = loadScenario('reactions.yaml', text);
  if (!loaded.ok) throw new Error(loaded.problems.map((problem) => problem.message).join('\n'));
  return loaded.scenario;
}

describe('reactions in scenarios', () => {
  test('the loader binds the reacting host and leaves the event\'s peer for the run', () => {
    const [, welcome, timeout, retry] = load(SCENARIO).timeline;
    expect(welcome!.on).toEqual({ host: 'server', event: 'connect', peer: null, channel: null, data: null, delayMs: 0, once: false });
    expect(welcome!.action).toMatchObject({ kind: 'send', from: 'server', to: EVENT_PEER, count: 2 });
    expect(timeout!.atMs).toBe(1000);
    expect(timeout!.on).toMatchObject({ event: 'receive', channel: 1, delayMs: 50, once: true });
    expect(timeout!.action).toMatchObject({ kind: 'set_timeout', host: 'server', peer: EVENT_PEER });
    expect(retry!.action).toMatchObject({ kind: 'connect', from: 'client', to: EVENT_PEER });
  });

  test('a reaction\'s id takes the time its action first ran; an expectation after one that never ran fails and says so', () => {
    const scenario = load(SCENARIO);
    const { sim, idTimesMs } = compileScenario(scenario, { seed: 1 });
    sim.run(scenario.durationMs);
    const run = { events: sim.trace.events, packets: sim.ledger.all, idTimesMs, durationMs: scenario.durationMs };
    const connectEvent = sim.trace.events.find((event) => event.kind === 'event' && event.host === 'server' && event.type === 'connect');
    expect(idTimesMs.get('welcome')).toBe(connectEvent!.atMs);
    expect(idTimesMs.has('retry')).toBe(false);
    const [welcome, retry] = scenario.expectations.map(({ expectation }) => check(expectation, run));
    expect(welcome!.passed).toBe(true);
    expect(retry).toMatchObject({ passed: false, observed: "'retry' never ran (its reaction's event did not happen), so nothing after it was observed" });
  });
});
