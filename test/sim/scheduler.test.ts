// The scheduler: time order, insertion order on ties, jumps over empty time, and bounded runs.
import { describe, expect, test } from 'vitest';
import { Scheduler } from '../../src/sim/scheduler.js';
import { fnv1a64, Trace } from '../../src/trace/trace.js';

describe('Scheduler', () => {
  test('runs events in time order and same-instant events in insertion order', () => {
    const scheduler = new Scheduler();
    const order: string[] = [];
    scheduler.at(20, () => order.push('c'));
    scheduler.at(10, () => order.push('a'));
    scheduler.at(20, () => order.push('d'));
    scheduler.at(10, () => {
      order.push('b');
      scheduler.at(10, () => order.push('b2'));
    });
    expect(scheduler.run(100)).toBe('idle');
    expect(order).toEqual(['a', 'b', 'b2', 'c', 'd']);
  });

  test('jumps straight to the next event and stops at untilMs with the clock there', () => {
    const scheduler = new Scheduler();
    const seen: number[] = [];
    scheduler.at(1_000_000_000, () => seen.push(scheduler.nowMs));
    scheduler.at(5, () => seen.push(scheduler.nowMs));
    expect(scheduler.run(999)).toBe('untilMs');
    expect([seen, scheduler.nowMs, scheduler.executedCount]).toEqual([[5], 999, 1]);
    expect(scheduler.run(1_000_000_000)).toBe('idle');
    expect(seen).toEqual([5, 1_000_000_000]);
  });

  test('an event budget bounds a run that would never end', () => {
    const scheduler = new Scheduler();
    const forever = () => scheduler.at(scheduler.nowMs, forever);
    scheduler.at(0, forever);
    expect(scheduler.run(10, { eventBudget: 1000 })).toBe('eventBudget');
    expect(scheduler.executedCount).toBe(1000);
  });

  test('a stop condition ends the run after the event that satisfied it', () => {
    const scheduler = new Scheduler();
    let count = 0;
    for (let index = 0; index < 10; index++) scheduler.at(index, () => count++);
    expect(scheduler.run(100, { stop: () => count === 3 })).toBe('condition');
    expect([count, scheduler.nowMs]).toEqual([3, 2]);
  });

  test('scheduling in the past or at a fractional time is a bug and throws', () => {
    const scheduler = new Scheduler();
    scheduler.at(10, () => undefined);
    scheduler.run(10);
    expect(() => scheduler.at(9, () => undefined)).toThrow(/never in the past/);
    expect(() => scheduler.at(10.5, () => undefined)).toThrow(/whole ms/);
  });
});

describe('trace hash', () => {
  test('FNV-1a 64 matches the published test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  test('a trace renders as JSON Lines and hashes that text', () => {
    const trace = new Trace();
    trace.record({ kind: 'action', atMs: 1, action: 'pause', host: 'a' });
    expect(trace.toJsonLines()).toBe('{"kind":"action","atMs":1,"action":"pause","host":"a"}\n');
    expect(trace.hash()).toBe(fnv1a64(trace.toJsonLines()));
  });
});
