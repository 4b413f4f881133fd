// Budgets up front: a scenario whose estimated cost is above the documented limits is refused before
// anything runs, in milliseconds, with the estimate and the entry responsible (exit 2); the shipped
// scenarios stay far below every limit; --budget-scale raises the limits knowingly.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUDGET_LIMITS_DEFAULT, checkBudget, estimateCost } from '../../src/scenario/budget.js';
import { loadScenario } from '../../src/scenario/load.js';
import { FakeIo, REPO_ROOT, runWith } from './support-io.js';

const ios: FakeIo[] = [];
afterEach(() => {
  for (const io of ios.splice(0)) io.dispose();
});

function ioWith(name: string, text: string): FakeIo {
  const io = new FakeIo();
  ios.push(io);
  io.put(name, text);
  return io;
}

const PAIR = `hosts:
  server: { service: 60Hz, peers: 8 }
  client: { service: 60Hz }
timeline:
  - at: 0s
    connect: { from: client, to: server }
`;

function lobby(clientCount: number): string {
  const hosts = Array.from({ length: clientCount }, (_, index) => `  c${index}: { service: 60Hz }`).join('\n');
  const connects = Array.from({ length: clientCount }, (_, index) => `  - at: 0s\n    connect: { from: c${index}, to: server }`).join('\n');
  return `name: 1000 clients at 60 Hz for 10 minutes\nduration: 600s\nhosts:\n  server: { service: 60Hz, peers: 4095 }\n${hosts}\ntimeline:\n${connects}\n`;
}

/** The resource blow-ups: each must be refused before running, at the line responsible. */
const REFUSED: { name: string; text: string; message: RegExp }[] = [
  { name: 'lobby.yaml', text: lobby(1000), message: /^lobby\.yaml:1:1 too big to run: \S+ GiB of memory, above the limit of 1 GiB/m },
  {
    name: 'huge-sends.yaml',
    text: `name: 1000 packets of 32 MiB\nduration: 10s\n${PAIR}  - at: 1s\n    send: { from: client, to: server, size: 32MiB, count: 1000, flags: [reliable] }\n`,
    message: /^huge-sends\.yaml:9:5 too big to run: 31\.3 GiB handed to ENet at once, above the limit of 256 MiB/m,
  },
  {
    name: 'bulk.yaml',
    text: `name: 100 GB in 1-byte packets\nduration: 10s\n${PAIR}  - at: 1s\n    bulk: { from: client, to: server, total: 100GB, packet: 1B }\n`,
    message: /^bulk\.yaml:9:5 too big to run: 100G packets, above the limit of 5M/m,
  },
  {
    name: 'stream.yaml',
    text: `name: a stream at 10^7 per second\nduration: 10s\n${PAIR}  - at: 1s\n    stream: { from: client, to: server, size: 100B, rate: 10000000/s }\n`,
    message: /^stream\.yaml:9:5 too big to run: 90M packets, above the limit of 5M/m,
  },
];

describe('budgets up front', () => {
  for (const { name, text, message } of REFUSED) {
    it(`budget: '${name}' is refused before running by run, validate and diff, with the estimate (exit 2)`, async () => {
      const io = ioWith(name, text);
      const run = await runWith(io, ['run', name]);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(message);
      expect(run.err).toMatch(/estimated \S+ events, \S+ trace events, \S+ packets, .* of memory per seed\); shorten the scenario, or raise the limits knowingly with --budget-scale N/);
      expect(run.err).toContain('nothing was run');
      expect(run.out).toBe('');
      const validated = await runWith(io, ['validate', name]);
      expect(validated.code, 'validate refuses what run refuses before running').toBe(2);
      expect(validated.err).toMatch(message);
      const diffed = await runWith(io, ['diff', name]);
      expect(diffed.code, 'diff refuses it too, before starting libenet').toBe(2);
      expect(diffed.err).toMatch(message);
    });
  }

  it('budget: the limits decide, to the packet (the stream fits a limit of 90M packets, not one of 89 999 999; --budget-scale moves them)', () => {
    const loaded = loadScenario('stream.yaml', REFUSED[3]!.text);
    if (!loaded.ok) throw new Error('the stream scenario must load');
    const estimate = estimateCost(loaded.scenario);
    expect(estimate.packetsCount).toBe(90_000_000);
    expect(checkBudget(loaded.scenario, { ...BUDGET_LIMITS_DEFAULT, packetsMax: 90_000_000, eventsMax: 1e9, traceEventsMax: 1e9, memoryBytesMax: 1e12 }).ok).toBe(true);
    expect(checkBudget(loaded.scenario, { ...BUDGET_LIMITS_DEFAULT, packetsMax: 89_999_999, eventsMax: 1e9, traceEventsMax: 1e9, memoryBytesMax: 1e12 }).ok).toBe(false);
  });

  it('budget: a service of 0 Hz or every 0 ms is an unbounded number of frames, refused', () => {
    const loaded = loadScenario('spin.yaml', `name: spin\nduration: 1s\nhosts:\n  a: { service: 1ms }\n`);
    if (!loaded.ok) throw new Error('must load');
    for (const service of [{ intervalMs: 0, hz: null }, { intervalMs: null, hz: 0 }]) {
      const spinning = { ...loaded.scenario, hosts: loaded.scenario.hosts.map((host) => ({ ...host, service: { ...host.service, ...service } })) };
      const checked = checkBudget(spinning, BUDGET_LIMITS_DEFAULT);
      expect(checked.ok, JSON.stringify(service)).toBe(false);
      if (!checked.ok) expect(checked.problem.message).toMatch(/^too big to run: unbounded events/);
    }
  });

  it('budget: every shipped scenario estimates under 1/20 of every limit', () => {
    const directory = join(REPO_ROOT, 'scenarios');
    const files = readdirSync(directory).filter((file) => file.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const loaded = loadScenario(file, readFileSync(join(directory, file), 'utf8'));
      if (!loaded.ok) throw new Error(`${file} must load`);
      const estimate = estimateCost(loaded.scenario);
      expect(estimate.eventsCount, file).toBeLessThan(BUDGET_LIMITS_DEFAULT.eventsMax / 20);
      expect(estimate.traceEventsCount, file).toBeLessThan(BUDGET_LIMITS_DEFAULT.traceEventsMax / 20);
      expect(estimate.packetsCount, file).toBeLessThan(BUDGET_LIMITS_DEFAULT.packetsMax / 20);
      expect(estimate.queuedBytesMax, file).toBeLessThan(BUDGET_LIMITS_DEFAULT.queuedBytesMax / 20);
      expect(estimate.memoryBytes, file).toBeLessThan(BUDGET_LIMITS_DEFAULT.memoryBytesMax / 20);
    }
  });

  it('budget: the estimate of a plain stream counts its packets exactly', () => {
    const loaded = loadScenario('s.yaml', `name: s\nduration: 11s\n${PAIR}  - at: 1s\n    stream: { from: client, to: server, size: 100B, rate: 30/s, for: 10s }\n`);
    if (!loaded.ok) throw new Error('must load');
    const estimate = estimateCost(loaded.scenario);
    expect(estimate.packetsCount).toBe(300);
    expect(estimate.payloadBytes).toBe(30_000);
    expect(estimate.serviceFramesCount).toBeCloseTo(2 * 60 * 11, 5);
  });
});
