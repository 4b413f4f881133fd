// `queue: 100ms` in a scenario: loaded as a time limit, bounding the one-way delay of what gets in,
// following a rate change made by a `link` entry, and replaced by a size written later (and back).
import { describe, expect, it } from 'vitest';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';
import { resolveLinkConfig } from '../../src/sim/link-config.js';
import { mergeLinkConfig } from '../../src/sim/network.js';
import type { DatagramTraceEvent } from '../../src/trace/trace.js';

/** A 256 kbit/s uplink overloaded from 2 s to 8 s, behind `queue`; `extra` adds timeline entries. */
function scenarioText(queue: string, extra = ''): string {
  return `name: time queue
duration: 10s
hosts:
  server: { service: { rate: 60Hz, on_receive: true } }
  client: { service: { rate: 60Hz, on_receive: true } }
links:
  default: { latency: 20ms }
  client->server: { bandwidth: 256kbit/s, queue: ${queue} }
timeline:
  - at: 0s
    connect: { from: client, to: server, channels: 2 }
  - at: 1s
    stream: { from: client, to: server, channel: 0, size: 100B, rate: 10/s, flags: [reliable] }
  - at: 2s
    stream: { from: client, to: server, channel: 1, size: 600B, rate: 80/s, for: 6s }
${extra}`;
}

function load(text: string): Scenario {
  const loaded = loadScenario('queue-time.yaml', text);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.scenario;
}

interface Uplink {
  /** Largest arrival − send time of a delivered client→server datagram sent in [fromMs, toMs). */
  maxOneWayMs: (fromMs: number, toMs: number) => number;
  queueFullCount: number;
  deliveredCount: number;
}

function runUplink(text: string): Uplink {
  const scenario = load(text);
  const { sim } = compileScenario(scenario, { seed: 1 });
  sim.run(scenario.durationMs);
  const events = sim.trace.events.filter((event): event is DatagramTraceEvent => event.kind === 'datagram' && event.from === 'client');
  const sentAtMs = new Map<number, number>();
  const oneWay: { sentAtMs: number; ms: number }[] = [];
  let queueFullCount = 0;
  for (const event of events) {
    if (event.phase === 'sent') sentAtMs.set(event.id, event.atMs);
    else if (event.phase === 'dropped') queueFullCount += event.reason === 'queueFull' ? 1 : 0;
    else oneWay.push({ sentAtMs: sentAtMs.get(event.id)!, ms: event.atMs - sentAtMs.get(event.id)! });
  }
  return {
    maxOneWayMs: (fromMs, toMs) => Math.max(...oneWay.filter((entry) => entry.sentAtMs >= fromMs && entry.sentAtMs < toMs).map((entry) => entry.ms)),
    queueFullCount,
    deliveredCount: oneWay.length,
  };
}

/** ENet's largest datagram (MTU 1392 B + 28 B overhead) at 256 kbit/s: 44.375 ms on the wire. */
const LONGEST_SERIALIZATION_MS = (1420 * 8) / 256;

describe('queue as a time in a scenario', () => {
  it('queue time: `queue: 100ms` loads as a time limit and `queue: 16KB` still as bytes', () => {
    expect(load(scenarioText('100ms')).links[1]!.config.bandwidth).toMatchObject({ rateBitsPerSecond: 256_000, queueMs: 100 });
    const bytes = load(scenarioText('16KB')).links[1]!.config.bandwidth!;
    expect(bytes.queueBytes).toBe(16_000);
    expect(bytes.queueMs).toBeUndefined();
  });

  it('queue time: on an overloaded 256 kbit/s link with queue 100ms, no datagram takes longer than latency + 100 ms + one serialization', () => {
    const uplink = runUplink(scenarioText('100ms'));
    expect(uplink.queueFullCount).toBeGreaterThan(20); // the limit bites
    // Whole ms: arrival times are rounded up, so at most 1 ms more.
    const boundMs = 20 + 100 + LONGEST_SERIALIZATION_MS + 1;
    expect(uplink.maxOneWayMs(0, 10_000)).toBeLessThanOrEqual(boundMs);
    expect(uplink.maxOneWayMs(2000, 8000)).toBeGreaterThan(20 + 100); // and the standing queue reaches it
  });

  it('queue time: at a constant rate, a size queue of rate × time bytes is tighter: there the time covers the serialization too', () => {
    // 256 kbit/s × 100 ms = 3200 B. The size queue counts the datagram in service whole and the
    // arriving one too, so it refuses whatever the time queue refuses when both hold the same work.
    const sized = runUplink(scenarioText('3200B'));
    expect(sized.maxOneWayMs(0, 10_000)).toBeLessThanOrEqual(20 + 100 + 1);
    const timed = runUplink(scenarioText('100ms'));
    expect(timed.maxOneWayMs(0, 10_000)).toBeGreaterThan(sized.maxOneWayMs(0, 10_000));
  });

  it('queue time: after a link entry lowers the rate, the same 100 ms still bounds the wait, and serialization follows the new rate', () => {
    const lower = `  - at: 5s
    link: { client->server: { bandwidth: 128kbit/s } }
`;
    const uplink = runUplink(scenarioText('100ms', lower));
    // The time limit is kept through the merge: still at most 100 ms of waiting (behind datagrams
    // queued at either rate), and a datagram's own serialization now takes up to twice as long.
    expect(uplink.maxOneWayMs(5000, 10_000)).toBeLessThanOrEqual(20 + 100 + 2 * LONGEST_SERIALIZATION_MS + 1);
    expect(uplink.maxOneWayMs(5000, 8000)).toBeGreaterThan(20 + 100 + LONGEST_SERIALIZATION_MS / 2);
    const merged = mergeLinkConfig(load(scenarioText('100ms')).links[1]!.config, { bandwidth: { rateBitsPerSecond: 128_000 } });
    const resolved = resolveLinkConfig(merged);
    expect(resolved.ok && resolved.value.bandwidth).toMatchObject({ rateBitsPerSecond: 128_000, queueMs: 100, queueBytes: null });
  });

  it('queue time: a ramp from one time limit to another runs (each step in whole µs) and ends at the new limit', () => {
    const ramp = `  - at: 3s
    ramp: 3s
    link: { client->server: { bandwidth: 256kbit/s, queue: 20ms } }
`;
    const uplink = runUplink(scenarioText('100ms', ramp));
    expect(uplink.maxOneWayMs(2000, 3000)).toBeGreaterThan(20 + 100);
    expect(uplink.maxOneWayMs(6200, 10_000)).toBeLessThanOrEqual(20 + 20 + LONGEST_SERIALIZATION_MS + 1);
  });

  it('queue time: a link entry that gives queue as a size replaces the time limit, and the other way round', () => {
    const toSize = load(scenarioText('100ms', `  - at: 5s
    link: { client->server: { bandwidth: 256kbit/s, queue: 16KB } }
`));
    const toTime = load(scenarioText('16KB', `  - at: 5s
    link: { client->server: { bandwidth: 256kbit/s, queue: 100ms } }
`));
    const resolvedAfterChange = (scenario: Scenario) => {
      const entry = scenario.timeline.find((candidate) => candidate.action.kind === 'link')!;
      if (entry.action.kind !== 'link') throw new Error('no link entry');
      const result = resolveLinkConfig(mergeLinkConfig(scenario.links[1]!.config, entry.action.settings[0]!.config));
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      return result.value.bandwidth;
    };
    expect(resolvedAfterChange(toSize)).toMatchObject({ queueBytes: 16_000, queueMs: null });
    expect(resolvedAfterChange(toTime)).toMatchObject({ queueBytes: null, queueMs: 100 });
  });
});
