// Reactions (src/sim/reactions.ts): the application's handlers for ENet events run right after the
// service() call that returned the event, inside the frame, or a delay later as a timeline action;
// once or every time; filtered by peer, channel and data; cancelled by a crash or a restart, and
// held by a paused game loop until it resumes.
import { describe, expect, test } from 'vitest';
import { Simulation } from '../../src/sim/simulation.js';
import type { ActionTraceEvent, TraceEvent } from '../../src/trace/trace.js';

function pair(options: { onReceive?: boolean } = {}): Simulation {
  const sim = new Simulation({ seed: 7, statsIntervalMs: 0 });
  sim.addHost('server', { service: { intervalMs: 16, onReceive: options.onReceive ?? false } });
  sim.addHost('client', { service: { intervalMs: 16, phaseMs: 5 } });
  sim.defaultLink({ latencyMs: 20 });
  sim.at(0, () => sim.host('client').connect('server', 2, 0));
  return sim;
}

function reactions(events: readonly TraceEvent[]): ActionTraceEvent[] {
  return events.filter((event): event is ActionTraceEvent => event.kind === 'action' && event.action === 'reaction');
}

function connectEventAtMs(events: readonly TraceEvent[], host: string): number {
  const event = events.find((candidate) => candidate.kind === 'event' && candidate.host === host && candidate.type === 'connect');
  if (event === undefined) throw new Error(`${host} saw no connect event`);
  return event.atMs;
}

describe('reactions', () => {
  test('a reaction runs right after the service call that returned its event: the trace has the event, then the reaction, then its call', () => {
    const sim = pair();
    sim.react({ host: 'server', event: 'connect', does: 'set_timeout' }, (peer) => sim.host('server').setTimeout(peer, 4, 700, 900));
    sim.run(500);
    const events = sim.trace.events;
    const index = events.findIndex((event) => event.kind === 'event' && event.host === 'server' && event.type === 'connect');
    expect(events[index + 1]).toMatchObject({ kind: 'action', action: 'reaction', host: 'server', detail: { on: 'connect', peer: 'client', does: 'set_timeout' } });
    expect(events[index + 2]).toMatchObject({ kind: 'action', action: 'set_timeout', host: 'server', detail: { peer: 'client', found: true } });
    const snapshot = sim.host('server').peerSnapshot('client')!;
    expect([snapshot.timeoutLimit, snapshot.timeoutMinimum, snapshot.timeoutMaximum]).toEqual([4, 700, 900]);
  });

  test('a packet sent in a connect handler leaves in the same frame, at the connect event\'s millisecond', () => {
    const sim = pair();
    sim.react({ host: 'server', event: 'connect', does: 'send' }, (peer) => sim.host('server').send(peer, 1, 100, 1));
    sim.run(500);
    const connectAtMs = connectEventAtMs(sim.trace.events, 'server');
    const welcome = sim.trace.events.find((event) => event.kind === 'datagram' && event.phase === 'sent' && event.from === 'server' && (event.commands ?? []).some((command) => command.startsWith('SEND_RELIABLE ch1')));
    expect(welcome?.atMs).toBe(connectAtMs);
  });

  test('a delayed reaction runs delayMs after the event as a timeline action, and says when the event was', () => {
    const sim = pair();
    sim.react({ host: 'client', event: 'connect', delayMs: 250, does: 'ping_interval' }, (peer) => sim.host('client').pingInterval(peer, 100));
    sim.run(1000);
    const connectAtMs = connectEventAtMs(sim.trace.events, 'client');
    const [reaction] = reactions(sim.trace.events);
    expect(reaction).toMatchObject({ atMs: connectAtMs + 250, detail: { eventAtMs: connectAtMs, does: 'ping_interval' } });
    expect(sim.host('client').peerSnapshot('server')!.pingInterval).toBe(100);
  });

  test('every time by default, the first matching event only with once', () => {
    const sim = pair();
    sim.at(300, () => {
      for (let index = 0; index < 3; index++) sim.host('client').send('server', 0, 50, 1);
    });
    let every = 0;
    let once = 0;
    sim.react({ host: 'server', event: 'receive', does: 'count' }, () => every++);
    sim.react({ host: 'server', event: 'receive', once: true, does: 'count' }, () => once++);
    sim.run(800);
    expect([every, once]).toEqual([3, 1]);
  });

  test('filters: only the named peer, the channel of a receive, the data of a connect, and events from fromMs on', () => {
    const sim = new Simulation({ seed: 3, statsIntervalMs: 0 });
    sim.addHost('server');
    sim.addHost('a');
    sim.addHost('b');
    sim.defaultLink({ latencyMs: 10 });
    sim.at(0, () => sim.host('a').connect('server', 2, 5));
    sim.at(0, () => sim.host('b').connect('server', 2, 6));
    sim.at(200, () => sim.host('a').send('server', 0, 40, 1));
    sim.at(200, () => sim.host('a').send('server', 1, 40, 1));
    sim.at(200, () => sim.host('b').send('server', 1, 40, 1));
    sim.at(600, () => sim.host('b').send('server', 1, 40, 1));
    const seen: string[] = [];
    sim.react({ host: 'server', event: 'connect', peer: 'b', does: 'note' }, (peer) => seen.push(`connect of ${peer}`));
    sim.react({ host: 'server', event: 'connect', data: 5, does: 'note' }, (peer) => seen.push(`connect with data 5 of ${peer}`));
    sim.react({ host: 'server', event: 'receive', channel: 1, peer: 'a', does: 'note' }, (peer) => seen.push(`ch1 of ${peer}`));
    sim.react({ host: 'server', event: 'receive', peer: 'b', fromMs: 500, does: 'note' }, (peer) => seen.push(`late receive of ${peer}`));
    sim.run(1000);
    expect(seen.sort()).toEqual(['ch1 of a', 'connect of b', 'connect with data 5 of a', 'late receive of b']);
  });

  test('a crash cancels a pending delayed reaction, and the trace says so', () => {
    const sim = pair();
    let ran = false;
    sim.react({ host: 'server', event: 'connect', delayMs: 400, does: 'send' }, () => (ran = true));
    sim.at(200, () => sim.host('server').crash());
    sim.run(1000);
    expect(ran).toBe(false);
    // Recorded when it was due: the timer's process is gone, so it does not run.
    const connectAtMs = connectEventAtMs(sim.trace.events, 'server');
    expect(connectAtMs).toBeLessThan(200);
    expect(reactions(sim.trace.events)).toMatchObject([{ atMs: connectAtMs + 400, detail: { cancelled: 'the host crashed', eventAtMs: connectAtMs } }]);
  });

  test('a restart cancels a pending delayed reaction armed by the previous process', () => {
    const sim = pair();
    let ran = false;
    sim.react({ host: 'server', event: 'connect', delayMs: 400, does: 'send' }, () => (ran = true));
    sim.at(200, () => sim.host('server').restart());
    sim.run(1000);
    expect(ran).toBe(false);
    expect(reactions(sim.trace.events).map((event) => event.detail?.['cancelled'])).toEqual(['the host restarted']);
  });

  test('a delayed reaction due while the game loop is paused runs when it resumes', () => {
    const sim = pair();
    const ranAtMs: number[] = [];
    sim.react({ host: 'server', event: 'connect', delayMs: 100, does: 'note' }, () => ranAtMs.push(sim.nowMs));
    const connectProbe = pair();
    connectProbe.run(500);
    const connectAtMs = connectEventAtMs(connectProbe.trace.events, 'server');
    sim.at(connectAtMs + 50, () => sim.host('server').pause());
    sim.at(connectAtMs + 300, () => sim.host('server').resume());
    sim.run(1000);
    expect(ranAtMs).toEqual([connectAtMs + 300]);
  });

  test('a reconnect in a disconnect handler dials the event\'s peer again', () => {
    const sim = pair();
    sim.react({ host: 'client', event: 'disconnect', delayMs: 100, once: true, does: 'connect' }, (peer) => sim.host('client').connect(peer, 2, 9));
    sim.at(400, () => sim.host('server').disconnect('client', 1));
    sim.run(2000);
    const connects = sim.trace.events.filter((event) => event.kind === 'event' && event.host === 'server' && event.type === 'connect');
    expect(connects.map((event) => (event.kind === 'event' ? event.data : null))).toEqual([0, 9]);
  });

  test('a host without reactions sees the same trace as before reactions existed (nothing recorded, nothing drawn)', () => {
    const plain = pair();
    plain.run(1000);
    const withOther = pair();
    withOther.react({ host: 'server', event: 'receive', peer: 'client', channel: 7, does: 'never' }, () => {
      throw new Error('no packet on channel 7 was sent');
    });
    withOther.run(1000);
    expect(withOther.trace.hash()).toBe(plain.trace.hash());
  });
});
