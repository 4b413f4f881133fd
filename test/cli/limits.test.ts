// "A run that cannot finish honestly does not pass": a scenario whose run reaches an internal limit
// (events, trace, ledger) is an ERROR in every reporter, with the limit and the virtual time reached,
// and the command exits 2, never 0. The limits are made tiny here so each case runs in milliseconds.
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand, runLimits, type RunOptions } from '../../src/cli/commands/run.js';
import type { JsonReport } from '../../src/cli/reporters/index.js';
import type { SimulationLimits } from '../../src/sim/limits.js';
import { FakeIo, runWith } from './support-io.js';
import { findAll, parseXml, textOf } from './support-xml.js';

/** Connected at ~100 ms and still connected at the end: passes whenever the run really gets there. */
const LONG_RUN = `name: still connected at the end
duration: 60s
hosts:
  server: { service: 10ms }
  client: { service: 10ms }
timeline:
  - at: 0s
    connect: { from: client, to: server }
  - at: 1s
    stream: { from: client, to: server, size: 32B, rate: 20/s, flags: [reliable] }
expect:
  - state: { peer: client->server, is: STATE_CONNECTED, at: 59s }
`;

const ios: FakeIo[] = [];
afterEach(() => {
  for (const io of ios.splice(0)) io.dispose();
});

function ioWith(files: Record<string, string>): FakeIo {
  const io = new FakeIo();
  ios.push(io);
  for (const [name, text] of Object.entries(files)) io.put(name, text);
  return io;
}

function options(simulation: Partial<SimulationLimits>, overrides: Partial<RunOptions> = {}): RunOptions {
  const limits = runLimits(1);
  return {
    patterns: ['long.yaml'],
    seed: null,
    seeds: 1,
    reporter: 'json',
    out: null,
    trace: null,
    quiet: false,
    explain: false,
    implementationName: null,
    libenetPath: null,
    limits: { budget: limits.budget, simulation: { ...limits.simulation, ...simulation } },
    ...overrides,
  };
}

const CASES: { limit: keyof SimulationLimits; name: string; words: RegExp }[] = [
  { limit: 'eventBudget', name: 'eventBudget', words: /the event budget \(2000 events per run\) was reached at virtual time \S+ of 60s/ },
  { limit: 'traceEventsMax', name: 'traceEvents', words: /the trace limit \(2000 events\) was reached at virtual time \S+ of 60s/ },
  { limit: 'ledgerPacketsMax', name: 'ledgerPackets', words: /the packet ledger limit \(100 packets\) was reached at virtual time \S+ of 60s/ },
];

describe('run: a limit reached mid-run is an error, never a pass', () => {
  it('limits: with the default limits the scenario passes (so the cases below fail only by their limit)', () => {
    const io = ioWith({ 'long.yaml': LONG_RUN });
    expect(runCommand(options({}), io)).toBe(0);
  });

  for (const { limit, name, words } of CASES) {
    it(`limits: ${name} reached mid-run → exit 2, ERROR with the limit, the time reached and no expectation checked`, () => {
      const io = ioWith({ 'long.yaml': LONG_RUN });
      const code = runCommand(options({ [limit]: limit === 'ledgerPacketsMax' ? 100 : 2000 }), io);
      expect(code).toBe(2);
      const report = JSON.parse(io.out) as JsonReport;
      const [scenario] = report.scenarios;
      expect(report.passed).toBe(false);
      expect(scenario!.passed).toBe(false);
      expect(scenario!.assertions).toEqual([]);
      expect(scenario!.error!.limit).toBe(name);
      expect(scenario!.error!.message).toMatch(words);
      expect(scenario!.simulatedMs).toBe(scenario!.error!.reachedMs);
      expect(scenario!.simulatedMs).toBeLessThan(60_000);
      expect(scenario!.durationMs).toBe(60_000);
    });
  }

  it('limits: the pretty table says ERROR and shows the time actually simulated ("… of 1m0s")', () => {
    const io = ioWith({ 'long.yaml': LONG_RUN });
    expect(runCommand(options({ eventBudget: 2000 }, { reporter: 'pretty' }), io)).toBe(2);
    expect(io.out).toContain('ERROR');
    expect(io.out).not.toMatch(/\bPASS\b/);
    expect(io.out).toMatch(/\d+(\.\d+)?m?s of 1m0s/);
    expect(io.out).toMatch(/ERROR \(seed 1\): the event budget/);
    expect(io.out).toContain('1 stopped at a limit');
    expect(io.out).toContain('not checked');
  });

  it('limits: junit reports an <error type="limit"> and counts it in errors; github an ::error', () => {
    const junitIo = ioWith({ 'long.yaml': LONG_RUN });
    expect(runCommand(options({ traceEventsMax: 2000 }, { reporter: 'junit' }), junitIo)).toBe(2);
    expect(junitIo.out).toMatch(/<testsuites name="enetsim" tests="1" failures="0" errors="1"/);
    expect(junitIo.out).toMatch(/<error message="ERROR \(seed 1\): the trace limit[^"]*" type="limit">/);
    expect(junitIo.out).toMatch(/<property name="simulatedMs" value="\d+"\/>/);
    const [error] = findAll(parseXml(junitIo.out), 'error');
    expect(textOf(error!)).toMatch(/^ERROR \(seed 1\): the trace limit \(2000 events\) was reached at virtual time/);
    const githubIo = ioWith({ 'long.yaml': LONG_RUN });
    expect(runCommand(options({ traceEventsMax: 2000 }, { reporter: 'github' }), githubIo)).toBe(2);
    expect(githubIo.out).toMatch(/^::error file=long.yaml,title=still connected at the end::ERROR \(seed 1\): the trace limit/m);
  });

  it('limits: with several seeds, the first seed that stops ends the scenario; the reproduce command names it', () => {
    const io = ioWith({ 'long.yaml': LONG_RUN });
    expect(runCommand(options({ eventBudget: 2000 }, { seeds: 5 }), io)).toBe(2);
    const scenario = (JSON.parse(io.out) as JsonReport).scenarios[0]!;
    expect(scenario.seeds).toEqual([1]);
    expect(scenario.reproduce).toBe('enetsim run long.yaml --seed 1');
  });

  it('limits: --budget-scale scales the up-front budget and the mid-run bounds together', async () => {
    expect(runLimits(0.5).simulation).toEqual({ eventBudget: 25_000_000, traceEventsMax: 10_000_000, ledgerPacketsMax: 2_500_000, heldDatagramsMax: 50_000 });
    expect(runLimits(10).budget.eventsMax).toBe(500_000_000);
    const io = ioWith({ 'long.yaml': LONG_RUN });
    const refused = await runWith(io, ['run', 'long.yaml', '--budget-scale', '0.0002']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/too big to run: .* above the limit of/);
    expect((await runWith(io, ['run', 'long.yaml', '--budget-scale', '2'])).code).toBe(0);
  });

  it('limits: the reported 24 h scenario with a 1 ms service is refused up front by the budget, in milliseconds', async () => {
    const io = ioWith({
      'day.yaml': `name: a day at 1 ms
duration: 24h
hosts:
  server: { service: 1ms }
  client: { service: 1ms }
timeline:
  - at: 0s
    connect: { from: client, to: server }
  - at: 20h
    peer_disconnect: { peer: client->server }
expect:
  - state: { peer: client->server, is: STATE_CONNECTED, at: 23h }
`,
    });
    const run = await runWith(io, ['run', 'day.yaml']);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^day\.yaml:1:1 too big to run: 174M events, above the limit of 50M/m);
    expect(run.out).toBe('');
  });
});

describe('soak: long virtual runs within the budget finish honestly, in seconds', () => {
  it('soak: a 2-hour idle connection serviced at 10 Hz passes, reports 2h simulated, and is still connected at its end', async () => {
    const io = ioWith({
      'soak.yaml': `name: two idle hours
duration: 2h
stats_interval: 1s
hosts:
  server: { service: 10Hz }
  client: { service: 10Hz }
timeline:
  - at: 0s
    connect: { from: client, to: server }
expect:
  - state: { peer: client->server, is: STATE_CONNECTED, at: 7199s }
`,
    });
    const run = await runWith(io, ['run', 'soak.yaml', '--reporter', 'json']);
    expect(run.code, run.err).toBe(0);
    const scenario = (JSON.parse(run.out) as JsonReport).scenarios[0]!;
    expect(scenario.error).toBeNull();
    expect(scenario.simulatedMs).toBe(7_200_000);
    expect(scenario.assertions.map((assertion) => assertion.passed)).toEqual([true]);
  });
});
