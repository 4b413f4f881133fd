// The wall-clock timeline driver and the proxy's network state, without sockets or real time: a fake
// clock fires the timers when the test advances it.
import { describe, expect, test } from 'vitest';

import { translateScenario } from '../../src/cli/commands/proxy-scenario.js';
import type { NetworkChangeSource, ProxyDirection } from '../../src/native/proxy.js';
import { ProxyNetwork, type ProxyNetworkChange } from '../../src/native/proxy-network.js';
import { WallClockTimeline, performTimelineEntry, type ChangeOutcome, type ProxyTimelineEntry, type TimelineClock } from '../../src/native/proxy-timeline.js';
import { RandomStream } from '../../src/sim/random.js';
import { loadScenario } from '../../src/scenario/load.js';

/** A clock that moves only when told; timers fire in due order as it passes them. */
class FakeClock implements TimelineClock {
  private now = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { dueAtMs: number; callback: () => void }>();
  readonly delaysMs: number[] = [];

  nowMs(): number {
    return this.now;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.delaysMs.push(delayMs);
    this.timers.set(id, { dueAtMs: this.now + delayMs, callback });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get armed(): number {
    return this.timers.size;
  }

  /** Moves to `toMs`, firing each timer due on the way at its own time (a timer may arm another). */
  advanceTo(toMs: number): void {
    for (let fired = 0; fired < 10_000; fired += 1) {
      const due = [...this.timers.entries()].filter(([, timer]) => timer.dueAtMs <= toMs).sort((a, b) => a[1].dueAtMs - b[1].dueAtMs || a[0] - b[0])[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.now = Math.max(this.now, due[1].dueAtMs);
      due[1].callback();
    }
    this.now = toMs;
  }
}

function entry(atMs: number, label: string, action: ProxyTimelineEntry['action'] = { kind: 'partition', directions: ['up'] }): ProxyTimelineEntry {
  return { atMs, action, label, where: null };
}

describe('wall-clock timeline', () => {
  test('entries run when the clock reaches their time, in time order, ties in the order given', () => {
    const clock = new FakeClock();
    const ran: { label: string; atMs: number }[] = [];
    const timeline = new WallClockTimeline(clock, (item) => ran.push({ label: item.label, atMs: clock.nowMs() }));
    for (const [atMs, label] of [[5000, 'c'], [1000, 'a'], [5000, 'd'], [3000, 'b']] as const) timeline.add(entry(atMs, label));
    timeline.start();
    clock.advanceTo(999);
    expect(ran).toEqual([]);
    clock.advanceTo(1000);
    expect(ran).toEqual([{ label: 'a', atMs: 1000 }]);
    clock.advanceTo(10_000);
    expect(ran).toEqual([
      { label: 'a', atMs: 1000 },
      { label: 'b', atMs: 3000 },
      { label: 'c', atMs: 5000 },
      { label: 'd', atMs: 5000 },
    ]);
    expect(timeline.pending).toBe(0);
    expect(clock.armed).toBe(0);
  });

  test('one timer is armed at a time, for the earliest entry, and nothing runs before start', () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    const timeline = new WallClockTimeline(clock, (item) => ran.push(item.label));
    timeline.add(entry(2000, 'late'));
    timeline.add(entry(500, 'early'));
    clock.advanceTo(3000);
    expect(ran).toEqual([]);
    expect(clock.armed).toBe(0);
    timeline.start();
    // Both are overdue at start: they run at the first timer, armed with no delay.
    expect(clock.armed).toBe(1);
    expect(clock.delaysMs).toEqual([0]);
    clock.advanceTo(3000);
    expect(ran).toEqual(['early', 'late']);
  });

  test('an entry added while running (the end of a lag spike) runs at its own time; stop cancels what is left', () => {
    const clock = new FakeClock();
    const ran: { label: string; atMs: number }[] = [];
    const timeline = new WallClockTimeline(clock, (item, running) => {
      ran.push({ label: item.label, atMs: clock.nowMs() });
      if (item.label === 'spike') running.add(entry(clock.nowMs() + 250, 'spike end'));
    });
    timeline.add(entry(100, 'spike'));
    timeline.add(entry(5000, 'never'));
    timeline.start();
    clock.advanceTo(349);
    expect(ran).toEqual([{ label: 'spike', atMs: 100 }]);
    clock.advanceTo(400);
    expect(ran.at(-1)).toEqual({ label: 'spike end', atMs: 350 });
    timeline.stop();
    clock.advanceTo(10_000);
    expect(ran.map((item) => item.label)).toEqual(['spike', 'spike end']);
    expect(clock.armed).toBe(0);
  });
});

/** The proxy's side of a timeline: a ProxyNetwork changed at whole ms of the fake clock. */
class FakeProxy {
  readonly changes: { atMs: number; change: ProxyNetworkChange; source: NetworkChangeSource }[] = [];
  constructor(
    readonly network: ProxyNetwork,
    private readonly clock: FakeClock,
  ) {}

  changeNetwork(change: ProxyNetworkChange, source: NetworkChangeSource): ChangeOutcome {
    const atMs = Math.floor(this.clock.nowMs());
    const problem = this.network.check(change, atMs);
    if (problem !== null) return { ok: false, reason: problem };
    this.network.record(change, atMs);
    this.changes.push({ atMs, change, source });
    return { ok: true, atMs };
  }

  latencyMs(direction: ProxyDirection): number {
    return this.network.latencyMs(direction, Math.floor(this.clock.nowMs()));
  }
}

describe('lag spike on the wall clock', () => {
  test('a lag spike adds its extra latency to the direction it names for its duration, then takes it away', () => {
    const clock = new FakeClock();
    const network = new ProxyNetwork([{ kind: 'link', settings: [{ target: 'both', config: { latencyMs: 20 } }], rampMs: 0 }]);
    const proxy = new FakeProxy(network, clock);
    const timeline = new WallClockTimeline(clock, (item, running) => performTimelineEntry(proxy, item, running));
    timeline.add(entry(1000, 'lag_spike', { kind: 'lag_spike', directions: ['up'], extraMs: 300, forMs: 500 }));
    timeline.start();
    clock.advanceTo(1000);
    expect(network.latencyMs('up', 1000)).toBe(320);
    expect(network.latencyMs('down', 1000)).toBe(20);
    clock.advanceTo(1499);
    expect(network.latencyMs('up', 1499)).toBe(320);
    clock.advanceTo(1500);
    expect(network.latencyMs('up', 1500)).toBe(20);
    expect(proxy.changes.map((change) => [change.atMs, change.source])).toEqual([
      [1000, 'timeline'],
      [1500, 'timeline'],
    ]);
  });
});

function bytes(size: number): Uint8Array {
  return new Uint8Array(size);
}

describe('proxy network state', () => {
  test('a client that appears during a partition starts partitioned, and a heal reaches clients old and new', () => {
    const network = new ProxyNetwork([]);
    const before = network.openSession(RandomStream.root(1).fork('client-1'));
    const partition: ProxyNetworkChange = { kind: 'partition', directions: ['up', 'down'] };
    network.record(partition, 100);
    before.apply(partition, 100);
    const during = network.openSession(RandomStream.root(1).fork('client-2'));
    expect(during.isPartitioned('up')).toBe(true);
    expect(during.isPartitioned('down')).toBe(true);
    const heal: ProxyNetworkChange = { kind: 'heal', directions: ['up'] };
    network.record(heal, 200);
    for (const session of [before, during]) session.apply(heal, 200);
    expect([before.isPartitioned('up'), during.isPartitioned('up'), before.isPartitioned('down'), during.isPartitioned('down')]).toEqual([false, false, true, true]);
    expect(network.state('down', 200).partitioned).toBe(true);
  });

  test('a client that appears during a ramp continues it from where the others are', () => {
    const network = new ProxyNetwork([{ kind: 'link', settings: [{ target: 'both', config: { latencyMs: 0 } }], rampMs: 0 }]);
    network.record({ kind: 'link', settings: [{ target: 'up', config: { latencyMs: 100 } }], rampMs: 1000 }, 1000);
    const late = network.openSession(RandomStream.root(1).fork('client-1'));
    const [delivery] = late.transmit('up', 1500, bytes(10));
    expect(delivery).toMatchObject({ kind: 'deliver', atMs: 1550 });
    expect(network.latencyMs('up', 1500)).toBe(50);
    expect(network.latencyMs('up', 2000)).toBe(100);
  });

  test('a default link change does not undo a per-direction setting, as in the simulator', () => {
    const network = new ProxyNetwork([{ kind: 'link', settings: [{ target: 'default', config: { latencyMs: 10 } }, { target: 'up', config: { latencyMs: 50 } }], rampMs: 0 }]);
    network.record({ kind: 'link', settings: [{ target: 'default', config: { latencyMs: 30, loss: { model: 'bernoulli', percent: 5 } } }], rampMs: 0 }, 10);
    expect(network.state('up', 10).link).toMatchObject({ latencyMs: 50, loss: { model: 'bernoulli', percent: 5 } });
    expect(network.state('down', 10).link).toMatchObject({ latencyMs: 30 });
  });

  test('check refuses a change that leaves a link invalid, and the network is unchanged', () => {
    const network = new ProxyNetwork([]);
    const bad: ProxyNetworkChange = { kind: 'link', settings: [{ target: 'both', config: { loss: { model: 'bernoulli', percent: 150 } } }], rampMs: 0 };
    expect(network.check(bad, 5)).toMatch(/loss/);
    expect(network.changeCount).toBe(0);
    expect(network.state('up', 5).link.loss).toBeUndefined();
  });

  test('a hold keeps datagrams and its release gives them back in send order', () => {
    const network = new ProxyNetwork([]);
    const session = network.openSession(RandomStream.root(1).fork('client-1'));
    session.apply({ kind: 'hold', directions: ['down'] }, 10);
    expect(session.isHeld('down')).toBe(true);
    expect(session.isHeld('up')).toBe(false);
    for (const size of [1, 2, 3]) expect(session.hold('down', bytes(size), 11)).toBe(true);
    const released = session.apply({ kind: 'release', directions: ['down'] }, 20);
    expect(released.map((item) => [item.direction, item.bytes.length])).toEqual([
      ['down', 1],
      ['down', 2],
      ['down', 3],
    ]);
    expect(session.isHeld('down')).toBe(false);
  });
});

const BRIEF_SCENARIO = `name: partition behind the proxy
seed: 7
duration: 20s
hosts: { server: {}, client: {} }
links:
  client<->server: { latency: 20ms, loss: 10% }
timeline:
  - at: 5s
    partition: { between: [client, server] }
  - at: 12s
    heal: { between: [client, server] }
`;

function translate(text: string, file = 'proxy.yaml') {
  const loaded = loadScenario(file, text);
  if (!loaded.ok) throw new Error(loaded.problems.map((problem) => problem.message).join('\n'));
  return translateScenario(loaded.scenario, loaded.source);
}

describe('scenario for the proxy', () => {
  test('the partition-and-heal scenario becomes its links at 0 ms and two network actions at 5 s and 12 s', () => {
    const result = translate(BRIEF_SCENARIO);
    if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
    const scenario = result.scenario;
    expect(scenario.seed).toBe(7);
    expect(scenario.durationMs).toBe(20_000);
    expect(scenario.clientHost).toBe('client');
    expect(scenario.initial).toEqual([{ kind: 'link', settings: [{ target: 'both', config: { latencyMs: 20, loss: { model: 'bernoulli', percent: 10 } } }], rampMs: 0 }]);
    expect(scenario.timeline.map((item) => [item.atMs, item.action, item.label, item.where])).toEqual([
      [5000, { kind: 'partition', directions: ['up', 'down'] }, 'partition client<->server', 'proxy.yaml:8:5'],
      [12_000, { kind: 'heal', directions: ['up', 'down'] }, 'heal client<->server', 'proxy.yaml:10:5'],
    ]);
  });

  test('one-way actions name the direction of their from host, whatever the client host is called', () => {
    const text = `name: one way
duration: 10s
hosts: { game: {}, server: {} }
timeline:
  - at: 1s
    partition: { from: server, to: game }
  - at: 2s
    hold: { from: game, to: server }
  - at: 3s
    link: { game->server: { latency: 80ms } }
    ramp: 1s
`;
    const result = translate(text);
    if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
    expect(result.scenario.clientHost).toBe('game');
    expect(result.scenario.timeline.map((item) => item.action)).toEqual([
      { kind: 'partition', directions: ['down'] },
      { kind: 'hold', directions: ['up'] },
      { kind: 'link', settings: [{ target: 'up', config: { latencyMs: 80 } }], rampMs: 1000 },
    ]);
  });

  test('actions on ENet hosts and reactions are refused at their place in the file, every one of them', () => {
    const text = `name: not for the proxy
duration: 10s
hosts: { server: {}, client: {} }
timeline:
  - at: 0s
    connect: { from: client, to: server }
  - at: 1s
    partition: { between: [client, server] }
  - at: 2s
    send: { from: client, to: server, size: 10B }
  - on: { host: server, event: connect }
    send: { from: server, to: client, size: 10B }
`;
    const result = translate(text, 'x.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => `${problem.position?.line}:${problem.position?.column}`)).toEqual(['6:5', '10:5', '11:5']);
    expect(result.problems[0]!.message).toBe("'connect' acts on an ENet host, which the proxy does not run (the real endpoints do): the proxy runs only link, partition, heal, hold, release, lag_spike");
    expect(result.problems[1]!.message).toMatch(/^'send' acts on an ENet host/);
    expect(result.problems[2]!.message).toMatch(/^a reaction \(on:\) answers ENet events/);
  });

  test('a scenario without a host named server, or with three hosts, is refused at hosts', () => {
    for (const hosts of ['{ a: {}, b: {} }', '{ server: {}, a: {}, b: {} }']) {
      const result = translate(`name: hosts\nduration: 1s\nhosts: ${hosts}\n`, 'h.yaml');
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]!.position).toEqual({ file: 'h.yaml', line: 3, column: 1 });
      expect(result.problems[0]!.message).toContain("exactly two hosts: 'server'");
    }
  });
});
