// SimulationOptions.keepDatagramBytes: the bytes are kept beside the trace (for run --pcap), and the
// trace's text and hash are the same with and without them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileScenario } from '../../src/scenario/compile.js';
import { loadScenario } from '../../src/scenario/load.js';
import { hashBytes, type DatagramTraceEvent } from '../../src/trace/trace.js';
import { REPO_ROOT } from '../cli/support-io.js';

const FIXTURE = 'test/report/fixtures/every-command.yaml';

function run(keepDatagramBytes: boolean) {
  const loaded = loadScenario(FIXTURE, readFileSync(join(REPO_ROOT, FIXTURE), 'utf8'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const { sim } = compileScenario(loaded.scenario, { seed: loaded.scenario.seed, keepDatagramBytes });
  sim.run(loaded.scenario.durationMs);
  sim.destroy();
  return sim;
}

describe('keeping datagram bytes', () => {
  it('datagram bytes: kept for every sent datagram and every corrupted copy, matching the trace\'s hashes, with the trace text unchanged', () => {
    const plain = run(false);
    const kept = run(true);
    expect(kept.trace.toJsonLines()).toBe(plain.trace.toJsonLines());
    expect(kept.trace.hash()).toBe(plain.trace.hash());
    const datagrams = kept.trace.events.filter((event): event is DatagramTraceEvent => event.kind === 'datagram');
    const sent = datagrams.filter((event) => event.phase === 'sent');
    const corrupted = datagrams.filter((event) => event.phase === 'delivered' && event.corrupted === true);
    expect(sent.length).toBeGreaterThan(100);
    expect(corrupted.length).toBeGreaterThan(0);
    for (const event of sent) {
      const bytes = kept.trace.bytesOf(event);
      expect(bytes?.length).toBe(event.sizeBytes);
      expect(hashBytes(bytes!)).toBe(event.bytesHash);
    }
    const sentById = new Map(sent.map((event) => [event.id, kept.trace.bytesOf(event)!]));
    for (const event of corrupted) {
      const bytes = kept.trace.bytesOf(event)!;
      const original = sentById.get(event.id)!;
      // One flipped bit.
      const flipped = bytes.reduce((count, byte, index) => count + popCount(byte ^ original[index]!), 0);
      expect(flipped).toBe(1);
    }
    expect(datagrams.filter((event) => event.phase === 'delivered' && event.corrupted !== true).every((event) => kept.trace.bytesOf(event) === undefined)).toBe(true);
    expect(plain.trace.bytesOf(sent[0]!)).toBeUndefined();
    expect(plain.trace.bytesOf(plain.trace.events.find((event): event is DatagramTraceEvent => event.kind === 'datagram')!)).toBeUndefined();
  });
});

function popCount(value: number): number {
  let count = 0;
  for (let bits = value; bits !== 0; bits &= bits - 1) count++;
  return count;
}
