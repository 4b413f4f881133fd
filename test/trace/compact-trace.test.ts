import { describe, expect, it } from 'vitest';

import { Simulation } from '../../src/sim/simulation.js';
import { hashTraceEvents, type TraceEvent } from '../../src/trace/trace.js';

/** A short lossy duel whose trace has every compact layout: sent, delivered (duplicated, corrupted), dropped, receive, stats. */
function lossyDuel(): Simulation {
  const sim = new Simulation({ seed: 11, keepDatagramBytes: true });
  sim.defaultLink({ latencyMs: 15, loss: { model: 'bernoulli', percent: 10 }, duplicate: { percent: 5 }, corrupt: { percent: 3 } });
  sim.addHost('server');
  sim.addHost('client');
  sim.at(0, () => sim.host('client').connect('server', 2));
  for (let atMs = 200; atMs < 2000; atMs += 7) sim.at(atMs, () => sim.host('client').send('server', atMs % 2, 20 + (atMs % 90), atMs % 3 === 0 ? 1 : 0));
  sim.run(2000);
  return sim;
}

function kinds(events: readonly TraceEvent[]): string[] {
  return [...new Set(events.map((event) => (event.kind === 'datagram' ? `datagram ${event.phase}${event.duplicate === true ? ' duplicate' : ''}${event.corrupted === true ? ' corrupted' : ''}` : event.kind)))].sort();
}

describe('compact trace', () => {
  it('compact trace: the hash and JSON Lines written from the compact events are those of the built events', () => {
    const sim = lossyDuel();
    // Before anything reads `events`: written from the words.
    const hash = sim.trace.hash();
    const text = sim.trace.toJsonLines();
    const events = sim.trace.events;
    expect(kinds(events)).toEqual(expect.arrayContaining(['datagram sent', 'datagram delivered', 'datagram delivered duplicate', 'datagram delivered corrupted', 'datagram dropped', 'event', 'stats', 'state', 'action']));
    expect(sim.trace.length).toBe(events.length);
    expect(text).toBe(events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    expect(hash).toBe(hashTraceEvents(events));
    // After `events` is read: from the built objects, the same text.
    expect(sim.trace.hash()).toBe(hash);
    expect(sim.trace.toJsonLines()).toBe(text);
  });

  it('compact trace: bytes are kept for every sent datagram and every corrupted delivery, and only for those', () => {
    const sim = lossyDuel();
    for (const event of sim.trace.events) {
      if (event.kind !== 'datagram') continue;
      const kept = event.phase === 'sent' || (event.phase === 'delivered' && event.corrupted === true);
      expect(sim.trace.bytesOf(event) !== undefined, `${event.phase} #${event.id}`).toBe(kept);
      if (kept) expect(sim.trace.bytesOf(event)!.length).toBe(event.sizeBytes);
    }
  });

  it('compact trace: clear forgets every event, and events recorded after it are kept as usual', () => {
    const sim = lossyDuel();
    expect(sim.trace.length).toBeGreaterThan(100);
    sim.trace.clear();
    expect(sim.trace.length).toBe(0);
    expect(sim.trace.events).toEqual([]);
    expect(sim.trace.toJsonLines()).toBe('');
    sim.run(2500);
    expect(sim.trace.length).toBeGreaterThan(0);
    expect(sim.trace.events.every((event) => event.atMs > 2000)).toBe(true);
    expect(sim.trace.hash()).toBe(hashTraceEvents(sim.trace.events));
  });
});
