// Godot's compressors in the simulator: two TypeScript hosts with the same `compress:` exchange small
// packets and a 100 kB one. On a link without a rate limit a datagram's size does not change when it
// arrives, so the run with compression must hand the application exactly the packets, hashes and
// times of the run without it, while the datagrams on the wire are marked compressed and smaller.
import { describe, expect, test } from 'vitest';
import { HEADER_FLAG_COMPRESSED } from '../../src/enet/constants.js';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { DatagramTraceEvent, HostTraceEvent } from '../../src/trace/trace.js';

function scenarioText(compress: string): string {
  return `name: compressed exchange (${compress})
seed: 5
duration: 4s
hosts:
  server: { compress: ${compress} }
  client: { compress: ${compress} }
links:
  default: { latency: 20ms }
timeline:
  - at: 0s
    connect: { from: client, to: server }
  - at: 300ms
    stream: { from: client, to: server, channel: 0, size: { min: 10B, max: 200B }, rate: 30/s, flags: [reliable], for: 1s }
  - at: 300ms
    send: { from: client, to: server, channel: 1, size: 12B, count: 3 }
  - at: 500ms
    send: { from: server, to: client, channel: 0, size: 100KB, flags: [reliable] }
`;
}

function run(compress: string) {
  const loaded = loadScenario(`compress-${compress}.yaml`, scenarioText(compress));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const { sim } = compileScenario(loaded.scenario, { seed: loaded.scenario.seed, keepDatagramBytes: true });
  sim.run(loaded.scenario.durationMs);
  sim.destroy();
  const receives = sim.trace.events.filter((event): event is HostTraceEvent => event.kind === 'event' && event.type === 'receive');
  const sent = sim.trace.events.filter((event): event is DatagramTraceEvent => event.kind === 'datagram' && event.phase === 'sent');
  const compressed = sent.filter((event) => {
    const bytes = sim.trace.bytesOf(event)!;
    return ((bytes[0]! << 8) | bytes[1]!) & HEADER_FLAG_COMPRESSED;
  });
  const wireBytes = sent.reduce((sum, event) => sum + event.sizeBytes, 0);
  return { receives, sent, compressed, wireBytes };
}

describe('Godot compressors between two simulated TypeScript hosts', () => {
  const plain = run('none');

  test('the uncompressed baseline delivers the stream, the three small packets and the 100 kB packet', () => {
    expect(plain.receives.some((event) => event.sizeBytes === 100_000 && event.host === 'client')).toBe(true);
    expect(plain.receives.filter((event) => event.host === 'server').length).toBe(33);
    expect(plain.compressed.length).toBe(0);
  });

  test.each(['range-coder', 'fastlz', 'zlib', 'zstd'])('%s: the same packets arrive intact at the same times, over compressed and smaller datagrams', (compress) => {
    const result = run(compress);
    const summary = (events: readonly HostTraceEvent[]) => events.map((event) => `${event.atMs} ${event.host} ch${event.channel} ${event.sizeBytes}B ${event.bytesHash}`);
    expect(summary(result.receives)).toEqual(summary(plain.receives));
    expect(result.sent.length).toBe(plain.sent.length);
    // Most datagrams carry the ledger's repetitive payloads; tiny ones (acknowledgements) may not shrink.
    expect(result.compressed.length).toBeGreaterThan(plain.sent.length / 3);
    expect(result.wireBytes).toBeLessThan(plain.wireBytes * 0.8);
  });
});
