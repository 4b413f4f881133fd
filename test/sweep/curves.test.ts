// A sweep run's curves: statistics samples on a fixed grid (the last sample at or before each
// instant), a grid bounded in points, and the peer the curves follow.
import { describe, expect, it } from 'vitest';
import { CURVE_POINTS_MAX, curveGridMs, curveSubject, sampleOnGrid } from '../../src/sweep/curves.js';
import type { Measure } from '../../src/sweep/measure.js';
import { EVENT_PEER, type Scenario } from '../../src/scenario/model.js';

/** Only what curveSubject reads: the timeline's connects, and each measure's expectation. */
const scenario = {
  timeline: [
    // A reaction's connect dials the event's peer: not a subject the curves can name before the run.
    { atMs: 0, id: null, on: { host: 'c', event: 'disconnect', peer: null, channel: null, data: null, delayMs: 0, once: false }, action: { kind: 'connect', from: 'c', to: EVENT_PEER, channels: 1, data: 0 } },
    { atMs: 0, id: null, on: null, action: { kind: 'connect', from: 'a', to: 'b', channels: 1, data: 0 } },
  ],
} as unknown as Scenario;
const measure = (expectation: Record<string, unknown>) => ({ expectation }) as unknown as Measure;

describe('sweep curves', () => {
  it('each instant holds the last sample at or before it, null before the first', () => {
    const samples: [number, number][] = [
      [150, 32],
      [200, 30],
      [290, 28],
      [410, 24],
    ];
    expect(sampleOnGrid(samples, 100, 500)).toEqual([null, null, 30, 28, 28, 24]);
  });

  it('a value older than the stale bound is no value: the curve ends where the peer stopped reporting', () => {
    const samples: [number, number][] = [
      [0, 40],
      [100, 42],
      [200, 44],
    ];
    expect(sampleOnGrid(samples, 100, 600, 200)).toEqual([40, 42, 44, 44, 44, null, null]);
  });

  it('the curves follow the first measure that names a peer, else the first connection', () => {
    const delivery = measure({ kind: 'delivery', from: 'client', to: 'server' });
    const stat = measure({ kind: 'stat', host: 'server', peer: 'client' });
    const anyPeer = measure({ kind: 'event', host: 'server', peer: null });
    expect(curveSubject(scenario, [anyPeer, delivery, stat])).toEqual({ host: 'client', peer: 'server' });
    expect(curveSubject(scenario, [stat, delivery])).toEqual({ host: 'server', peer: 'client' });
    expect(curveSubject(scenario, [anyPeer])).toEqual({ host: 'a', peer: 'b' });
    expect(curveSubject({ ...scenario, timeline: [] }, [])).toBeNull();
  });

  it('the grid is at least 100 ms and the stats interval, and a long run keeps at most CURVE_POINTS_MAX instants', () => {
    expect(curveGridMs(14_000, 100)).toBe(100);
    expect(curveGridMs(14_000, 250)).toBe(250);
    const longMs = 3_600_000;
    const gridMs = curveGridMs(longMs, 100);
    expect(Math.floor(longMs / gridMs) + 1).toBeLessThanOrEqual(CURVE_POINTS_MAX);
    expect(sampleOnGrid([[0, 1]], gridMs, longMs).length).toBeLessThanOrEqual(CURVE_POINTS_MAX);
  });
});
