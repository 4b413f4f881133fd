// The passive judge (enetsim proxy --expect) on synthetic observation streams: which checks load,
// which are refused and where, and each judgeable kind passing and failing.
import { describe, expect, test } from 'vitest';
import { judgePassive, loadPassiveChecks, passiveScenarioChecks, type PassiveObservation, type PassiveVerdict } from '../../src/scenario/passive.js';
import { loadScenario } from '../../src/scenario/load.js';
import { formatProblem } from '../../src/scenario/source.js';
import type { HostTraceEvent, TraceEvent } from '../../src/trace/trace.js';

/** A session as the proxy's recorder writes it: handshake, a reliable packet lost once, one never forwarded, a late PING. */
function sessionEvents(): TraceEvent[] {
  const sent = (atMs: number, id: number, from: string, to: string, commands: string[]): TraceEvent => ({ kind: 'datagram', atMs, phase: 'sent', id, from, to, sizeBytes: 40, bytesHash: '00000000', commands });
  const delivered = (atMs: number, id: number, from: string, to: string): TraceEvent => ({ kind: 'datagram', atMs, phase: 'delivered', id, from, to, sizeBytes: 40 });
  const dropped = (atMs: number, id: number, from: string, to: string): TraceEvent => ({ kind: 'datagram', atMs, phase: 'dropped', id, from, to, sizeBytes: 40, reason: 'loss' });
  const state = (atMs: number, host: string, peer: string, from: string, to: string): TraceEvent => ({ kind: 'state', atMs, host, peer, from, to, cause: 'inferred: test' });
  return [
    sent(100, 0, 'client-1', 'server', ['CONNECT ch255 #1']),
    state(100, 'client-1', 'server', 'STATE_DISCONNECTED', 'STATE_CONNECTING'),
    delivered(150, 0, 'client-1', 'server'),
    state(150, 'server', 'client-1', 'STATE_DISCONNECTED', 'STATE_ACKNOWLEDGING_CONNECT'),
    sent(151, 1, 'server', 'client-1', ['ACKNOWLEDGE ch255 #1', 'VERIFY_CONNECT ch255 #1']),
    delivered(201, 1, 'server', 'client-1'),
    state(201, 'client-1', 'server', 'STATE_CONNECTING', 'STATE_CONNECTED'),
    sent(202, 2, 'client-1', 'server', ['ACKNOWLEDGE ch255 #1', 'SEND_RELIABLE ch0 #1']),
    delivered(252, 2, 'client-1', 'server'),
    state(252, 'server', 'client-1', 'STATE_ACKNOWLEDGING_CONNECT', 'STATE_CONNECTED'),
    sent(300, 3, 'client-1', 'server', ['SEND_RELIABLE ch0 #2']),
    dropped(300, 3, 'client-1', 'server'),
    sent(500, 4, 'client-1', 'server', ['SEND_RELIABLE ch0 #2']),
    delivered(550, 4, 'client-1', 'server'),
    sent(600, 5, 'client-1', 'server', ['SEND_RELIABLE ch1 #1']),
    dropped(600, 5, 'client-1', 'server'),
    sent(3000, 6, 'server', 'client-1', ['PING ch255 #2']),
    delivered(3050, 6, 'server', 'client-1'),
  ];
}

const WIRE_EVENTS: HostTraceEvent[] = [
  { kind: 'event', atMs: 201, host: 'client-1', type: 'connect', peer: 'server', data: 0 },
  { kind: 'event', atMs: 252, host: 'server', type: 'connect', peer: 'client-1', data: 42 },
  { kind: 'event', atMs: 4000, host: 'server', type: 'disconnect', peer: 'client-1', data: 7 },
];

const OBSERVATION: PassiveObservation = {
  events: sessionEvents(),
  wireEvents: WIRE_EVENTS,
  rtt: { up: { count: 3, meanMs: 110, minMs: 100, maxMs: 120 }, down: { count: 0, meanMs: null, minMs: null, maxMs: null } },
  durationMs: 10_000,
};

function judge(entries: string[], observation: PassiveObservation = OBSERVATION): PassiveVerdict[] {
  const loaded = loadPassiveChecks('checks.yaml', `expect:\n${entries.map((entry) => `  - ${entry}\n`).join('')}`, 10_000);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  return judgePassive(loaded.checks, observation);
}

function problemsOf(text: string, durationMs = 10_000): string[] {
  const loaded = loadPassiveChecks('checks.yaml', text, durationMs);
  if (loaded.ok) throw new Error('expected problems, the file loaded');
  return loaded.problems.map(formatProblem);
}

describe('passive checks: loading', () => {
  test('a checks file of every judgeable kind loads, each check located at its entry', () => {
    const loaded = loadPassiveChecks(
      'checks.yaml',
      'name: smoke\nexpect:\n  - state: { peer: client->server, reaches: STATE_CONNECTED }\n  - silence: { from: server, to: client, below: 2s }\n  - rtt: { peer: client->server, below: 300ms }\n',
      10_000,
    );
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.name).toBe('smoke');
    expect(loaded.checks.map((item) => item.kind)).toEqual(['scenario', 'silence', 'rtt']);
    const positions = loaded.checks.map((item) => (item.kind === 'scenario' ? item.located.position : item.position));
    expect(positions.map((position) => `${position.line}:${position.column}`)).toEqual(['3:5', '4:5', '5:5']);
  });

  test('kinds a passive observer cannot judge are refused at their place with the reason, all together', () => {
    const problems = problemsOf(
      [
        'expect:',
        '  - sequence: { peer: client->server, states: [STATE_CONNECTING, STATE_CONNECTED] }',
        '  - stat: { peer: client->server, stat: PEER_ROUND_TRIP_TIME, at: 1s, below: 100ms }',
        '  - timeout: { peer: client->server }',
        '  - event: { host: server, type: receive }',
        '  - delivery: { from: client, to: server, ratio: { at_least: 0.9 } }',
        '  - state: { peer: client->server, reaches: STATE_ZOMBIE }',
        '  - traffic: { from: client, to: server, measure: overhead, below: 2 }',
      ].join('\n'),
    );
    expect(problems).toHaveLength(7);
    expect(problems[0]).toMatch(/^checks\.yaml:2:5 sequence cannot be judged on a live session/);
    expect(problems[1]).toMatch(/^checks\.yaml:3:5 stat cannot be judged on a live session: .*use rtt/);
    expect(problems[2]).toMatch(/^checks\.yaml:4:5 timeout cannot be judged .*silence/);
    expect(problems[3]).toMatch(/^checks\.yaml:5:28 receive events cannot be judged/);
    expect(problems[4]).toMatch(/^checks\.yaml:6:43 a delivery ratio counts application packets/);
    expect(problems[5]).toMatch(/^checks\.yaml:7:45 STATE_ZOMBIE cannot be judged on a live session: a passive observer infers only/);
    expect(problems[6]).toMatch(/^checks\.yaml:8:42 overhead needs the application's bytes/);
  });

  test('an unknown host, a misspelt key and a window past --duration are located, with a suggestion', () => {
    const meaning = problemsOf(['expect:', '  - state: { peer: client->lobby, reaches: STATE_CONNECTED }', '  - silence: { from: server, to: client, within: 20s, at_least: 1s }'].join('\n'));
    expect(meaning[0]).toMatch(/^checks\.yaml:2:20 unknown host 'lobby' \(hosts: client, server\)/);
    expect(meaning[1]).toMatch(/^checks\.yaml:3:50 the window ends at 20s, after the end of the session/);
    const schema = problemsOf('expect:\n  - rtt: { peer: client->server, belw: 100ms }\n');
    expect(schema[0]).toMatch(/^checks\.yaml:2:34 unknown key 'belw' \(did you mean 'below'\?\)/);
  });

  test('an empty expect: list is refused: it would pass every session', () => {
    expect(problemsOf('expect: []\n')[0]).toMatch(/^checks\.yaml:1:9 expect: is empty/);
  });

  test('a passive kind beside another kind in one entry is refused, not half-read', () => {
    const problems = problemsOf('expect:\n  - rtt: { peer: client->server, below: 1s }\n    timeout: { peer: client->server }\n');
    expect(problems[0]).toMatch(/^checks\.yaml:2:5 an expectation has exactly one kind, got rtt, timeout/);
  });

  test("a scenario's own expect: list is filtered the same way, located in the scenario", () => {
    const scenario = loadScenario(
      'game.yaml',
      'name: g\nduration: 5s\nhosts: { server: {}, client: {} }\ntimeline:\n  - { at: 0s, connect: { from: client, to: server } }\nexpect:\n  - state: { peer: client->server, reaches: STATE_CONNECTED }\n  - stat: { peer: client->server, stat: PEER_ROUND_TRIP_TIME, at: 1s, below: 100ms }\n',
    );
    if (!scenario.ok) throw new Error(scenario.problems.map(formatProblem).join('\n'));
    const { checks, problems } = passiveScenarioChecks(scenario.scenario.expectations);
    expect(checks).toHaveLength(1);
    expect(problems.map(formatProblem)).toEqual([expect.stringMatching(/^game\.yaml:8:5 stat cannot be judged on a live session/)]);
  });
});

describe('passive checks: judging', () => {
  test('state: reaches and never pass on the inferred states, and a state never reached fails with the history', () => {
    const [reached, never, missed] = judge([
      '{ state: { peer: client->server, reaches: STATE_CONNECTED, within: 1s } }',
      '{ state: { peer: client->server, never: STATE_DISCONNECTING } }',
      '{ state: { peer: server->client, reaches: STATE_DISCONNECTED } }',
    ]);
    expect(reached!.result).toMatchObject({ passed: true, observed: 'reached it at 201ms' });
    expect(never!.result.passed).toBe(true);
    expect(missed!.result.passed).toBe(false);
    expect(missed!.result.observed).toContain('STATE_ACKNOWLEDGING_CONNECT at 150ms, STATE_CONNECTED at 252ms');
  });

  test('state is: the inferred state at an instant', () => {
    const [before, after] = judge(['{ state: { peer: server->client, is: STATE_ACKNOWLEDGING_CONNECT, at: 200ms } }', '{ state: { peer: server->client, is: STATE_ACKNOWLEDGING_CONNECT, at: 300ms } }']);
    expect(before!.result.passed).toBe(true);
    expect(after!.result.passed).toBe(false);
  });

  test('event: connect and disconnect as seen on the wire, with their data', () => {
    const [connect, disconnect, wrongData] = judge([
      '{ event: { host: server, type: connect, peer: client, data: 42 } }',
      '{ event: { host: server, type: disconnect, data: 7, within: 5s } }',
      '{ event: { host: server, type: disconnect, data: 8 } }',
    ]);
    expect(connect!.result).toMatchObject({ passed: true, observed: '1, first at 252ms' });
    expect(disconnect!.result.passed).toBe(true);
    expect(wrongData!.result.passed).toBe(false);
    expect(wrongData!.result.observed).toContain('with data 7');
  });

  test('delivery: every reliable command forwarded at least once passes; one never forwarded fails and is named', () => {
    const [channel0, all] = judge(['{ delivery: { from: client, to: server, channel: 0, reliable: exactly_once_in_order } }', '{ delivery: { from: client, to: server, reliable: exactly_once_in_order } }']);
    expect(channel0!.result).toMatchObject({ passed: true, observed: '2 reliable commands, forwarded per channel ch0: 2/2' });
    expect(all!.result.passed).toBe(false);
    expect(all!.result.observed).toBe('3 reliable commands, forwarded per channel ch0: 2/2, ch1: 0/1; never forwarded: SEND_RELIABLE ch1 #1 (first sent at 600ms)');
  });

  test('delivery: a direction with no reliable command fails rather than holding on nothing', () => {
    const [verdict] = judge(['{ delivery: { from: server, to: client, channel: 0, reliable: exactly_once_in_order } }']);
    expect(verdict!.result).toMatchObject({ passed: false, observed: 'no reliable command was sent' });
  });

  test('traffic: retransmissions and drops counted from the trace, bounds that hold and bounds that do not', () => {
    const [retransmittedAtMost, retransmittedAtLeast, lost] = judge([
      '{ traffic: { from: client, to: server, measure: retransmissions, at_most: 0 } }',
      '{ traffic: { from: client, to: server, measure: retransmissions, channel: 0, at_least: 1 } }',
      '{ traffic: { from: client, to: server, phase: dropped, reason: loss, equals: 2 } }',
    ]);
    expect(retransmittedAtMost!.result).toMatchObject({ passed: false, observed: '1' });
    expect(retransmittedAtLeast!.result.passed).toBe(true);
    expect(lost!.result.passed).toBe(true);
  });

  test('silence: the longest gap counts to the end of the session, so a side that stops sending is found', () => {
    const [stopped, lively, inWindow] = judge([
      '{ silence: { from: server, to: client, at_least: 5s } }',
      '{ silence: { from: server, to: client, below: 5s } }',
      '{ silence: { from: server, to: client, between: [0s, 2s], below: 2s } }',
    ]);
    expect(stopped!.result).toMatchObject({ passed: true, observed: '7s (from 3s to the end of the session)' });
    expect(lively!.result.passed).toBe(false);
    expect(inWindow!.result).toMatchObject({ passed: true, observed: '1.849s (from 151ms to 2s)' });
  });

  test('silence: a connection that never started fails', () => {
    const [verdict] = judge(['{ silence: { from: server, to: client, below: 1s } }'], { ...OBSERVATION, events: [] });
    expect(verdict!.result).toMatchObject({ passed: false, observed: 'no datagram between server and client at all: the connection never started' });
  });

  test("rtt: the proxy's passive RTT bounded; a side without samples fails and says why", () => {
    const [below, tooLow, none] = judge(['{ rtt: { peer: client->server, below: 200ms } }', '{ rtt: { peer: client->server, aggregate: min, below: 50ms } }', '{ rtt: { peer: server->client, below: 200ms } }']);
    expect(below!.result).toMatchObject({ passed: true, observed: '120ms (3 samples: min 100ms, mean 110ms, max 120ms)' });
    expect(tooLow!.result.passed).toBe(false);
    expect(none!.result.passed).toBe(false);
    expect(none!.result.observed).toMatch(/^no RTT sample/);
  });

  test('each verdict keeps its label, kind and position, in file order', () => {
    const verdicts = judge(['{ name: handshake, state: { peer: client->server, reaches: STATE_CONNECTED } }', '{ rtt: { peer: client->server, below: 1s } }']);
    expect(verdicts.map((verdict) => [verdict.label, verdict.kind, verdict.position.line])).toEqual([
      ['handshake', 'state', 2],
      ['rtt client->server max', 'rtt', 3],
    ]);
  });
});
