// One validator, the same rules as the runtime (issue 10): scenarios generated near the edges of
// what the format accepts (tiny, fractional, zero and huge durations, rates, sizes and MTUs; service
// cadences; link knobs; lag spikes; ramps; crashes; windows near the end of the run) go through the
// CLI in-process, and `validate` and `run` must agree:
//
//   validate says valid   ⇒ run exits 0 or 1 (never 2, never an exception, which main.ts turns into exit 3);
//   validate says invalid ⇒ both exit 2, each problem located as file:line:col.
//
// Scenarios are short in virtual time (at most 2 s) and small, so 200 cases take seconds.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fuzzParameters, fuzzTimeoutMs } from '../support/fuzz-seed.js';
import { FakeIo, runWith, type CliRun } from './support-io.js';

const CASE_COUNT = 200;

// Values on both sides of each rule's edge. The common ones (valid: ordinary, or right at an edge)
// are drawn most of the time so that many scenarios reach `run`; the rare ones (mostly invalid, just
// past an edge) test the other direction.
const near = <T,>(common: readonly T[], rare: readonly T[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...common), weight: 8 }, { arbitrary: fc.constantFrom(...rare), weight: 1 });
const DURATION = near(['0ms', '1ms', '2000us', '16ms', '999ms', '1s', '1.999s', '2s', '3s', '0.5ms', '59min', '60min'], ['1500us', '2.0005s', '61min', `${'9'.repeat(400)}ms`]);
const RUN_DURATION = near(['2s'], ['1ms', '200ms', '1s', '0.5ms', '2.0005s']);
const TIME = near(['0ms', '1ms', '10ms', '500ms', '1s', '1999ms', '2s'], ['0.5ms', '2.5s']);
/** Times inside a 2 s run, for timeline entries (the generator's runs mostly last 2 s). */
const ENTRY_TIME = near(['0ms', '1ms', '10ms', '500ms', '1s', '1999ms', '2s'], ['0.5ms', '2.5s']);
const SERVICE_PERIOD = near(['1ms', '2000us', '16ms', '100ms'], ['0ms', '0.5ms', '1500us']);
const SIZE = near(['0B', '1B', '7B', '8B', '100B', '1400B', '4096B'], ['0.5B', '64KiB']);
const HOST_MTU = near(['576B', '1200B', '1400B', '4096B'], ['0B', '51B', '575B', '4097B', '1200.5B']);
const LINK_MTU = near(['1B', '100B', '576B', '1400B', '64KiB'], ['0B', '0.5B']);
const PACKET_RATE = near(['0.5/s', '1/s', '60/s', '1000/s', '30/min'], ['0/s', '0/min']);
const FREQUENCY = near(['0.5Hz', '1Hz', '60Hz', '1000Hz'], ['0Hz', '1001Hz', '5000Hz']);
const HOST_BITRATE = near(['0bit/s', '8bit/s', '12bit/s', '1kbit/s', '1Mbit/s'], ['0.5bit/s', '4bit/s', '100Gbit/s']);
const LINK_BITRATE = near(['8bit/s', '1kbit/s', '56kbit/s', '1Mbit/s', '100Gbit/s'], ['0bit/s']);
const PERCENT = near(['0%', '0.5%', '5%', '50%', '100%'], ['101%']);
const HOSTS = ['server', 'client'] as const;

const pick = <T,>(values: readonly T[]) => fc.constantFrom(...values);
const maybe = <T,>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });

/** `{ key: value, ... }` of the defined entries, or null when none is. */
function flow(entries: Record<string, string | undefined>): string | null {
  const parts = Object.entries(entries).flatMap(([key, value]) => (value === undefined ? [] : [`${key}: ${value}`]));
  return parts.length === 0 ? null : `{ ${parts.join(', ')} }`;
}

const arbService = fc.oneof(
  FREQUENCY,
  SERVICE_PERIOD,
  fc
    .record({
      cadence: fc.oneof(
        { arbitrary: FREQUENCY.map((rate): Record<string, string> => ({ rate })), weight: 4 },
        { arbitrary: SERVICE_PERIOD.map((every): Record<string, string> => ({ every })), weight: 4 },
        { arbitrary: fc.tuple(FREQUENCY, SERVICE_PERIOD).map(([rate, every]): Record<string, string> => ({ rate, every })), weight: 1 },
      ),
      phase: maybe(TIME),
      jitter: maybe(near(['0ms', '1ms', '4ms'], ['0.3ms'])),
      on_receive: maybe(pick(['true', 'false'])),
    })
    .map(({ cadence, ...rest }) => flow({ ...cadence, ...rest }) ?? '{}'),
);

const arbHost = fc
  .record({
    service: maybe(arbService),
    mtu: maybe(HOST_MTU),
    bandwidth: maybe(fc.record({ in: maybe(HOST_BITRATE), out: maybe(HOST_BITRATE) }).map((bandwidth) => flow(bandwidth) ?? '{}')),
    checksum: maybe(pick(['true', 'false'])),
  })
  .map((host) => flow(host) ?? '{}');

const arbLink = fc
  .record({
    latency: maybe(DURATION),
    jitter: maybe(near(['0ms', '0.5ms', '5ms', '59min'], ['61min'])),
    loss: maybe(fc.oneof(PERCENT, pick(['{ model: every, n: 5 }', '{ model: every, n: 10, offset: 9 }', '{ model: netem4, p13: 60% }', '{ model: netem4, p13: 10%, p14: 50% }']))),
    duplicate: maybe(PERCENT),
    reorder: maybe(PERCENT),
    mtu: maybe(LINK_MTU),
    bandwidth: maybe(LINK_BITRATE),
  })
  .map((link) => flow(link) ?? '{}');

const arbLinkRef = near(['default', 'client->server', 'server->client', 'client<->server'], ['client->client']);
const arbFromTo = near([{ from: 'client', to: 'server' }, { from: 'server', to: 'client' }], [{ from: 'client', to: 'client' }]);
const arbSize = fc.oneof({ arbitrary: SIZE, weight: 4 }, { arbitrary: fc.tuple(SIZE, SIZE).map(([min, max]) => `{ min: ${min}, max: ${max} }`), weight: 1 });

const arbAction = fc.oneof(
  arbFromTo.map(({ from, to }) => `connect: { from: ${from}, to: ${to} }`),
  fc.tuple(arbFromTo, arbSize, fc.integer({ min: 1, max: 5 })).map(([{ from, to }, size, count]) => `send: { from: ${from}, to: ${to}, size: ${size}, count: ${count} }`),
  fc.tuple(arbFromTo, arbSize, PACKET_RATE, maybe(TIME)).map(([{ from, to }, size, rate, forMs]) => `stream: ${flow({ from, to, size, rate, for: forMs })}`),
  fc.tuple(arbFromTo, near(['0B', '1B', '7B', '1003B', '10KB'], ['10.5B']), near(['1B', '5B', '100B', '1400B'], ['0B', '0.5B'])).map(([{ from, to }, total, packet]) => `bulk: { from: ${from}, to: ${to}, total: ${total}, packet: ${packet} }`),
  fc.tuple(pick(HOSTS), arbSize).map(([from, size]) => `broadcast: { from: ${from}, size: ${size} }`),
  fc.tuple(arbLinkRef, DURATION, near(['1ms', '10ms', '1s'], ['0ms', '0.5ms'])).map(([link, extra, forMs]) => `lag_spike: { link: ${link}, extra: ${extra}, for: ${forMs} }`),
  fc.tuple(arbLinkRef, arbLink).map(([link, knobs]) => `link: { ${link}: ${knobs} }`),
  arbFromTo.map(({ from, to }) => `partition: { between: [${from}, ${to}] }`),
  arbFromTo.map(({ from, to }) => `heal: { from: ${from}, to: ${to} }`),
  arbFromTo.map(({ from, to }) => `hold: { from: ${from}, to: ${to} }`),
  arbFromTo.map(({ from, to }) => `release: { from: ${from}, to: ${to} }`),
  fc.tuple(pick(['crash', 'restart', 'pause', 'resume']), pick(HOSTS)).map(([action, host]) => `${action}: { host: ${host} }`),
  fc.tuple(pick(['ping', 'reset', 'peer_disconnect', 'peer_disconnect_now'])).map(([action]) => `${action}: { peer: client->server }`),
  fc.tuple(near(['0ms', '5s'], ['0.5ms']), near(['5s', '4294967295ms'], ['5000.5ms', '5000000s'])).map(([min, max]) => `set_timeout: { peer: client->server, timeout: 0, min: ${min}, max: ${max} }`),
  near(['0ms', '100ms', '4294967295ms'], ['0.5ms', '4294967296ms']).map((interval) => `ping_interval: { peer: server->client, interval: ${interval} }`),
  fc.tuple(pick(HOSTS), HOST_BITRATE).map(([host, rate]) => `bandwidth_limit: { host: ${host}, in: ${rate}, out: ${rate} }`),
);

const arbEntry = fc.record({ at: ENTRY_TIME, action: arbAction, ramp: maybe(pick(['0.5ms', '100ms', '1s'])) });

/** A window over the run: which keys it uses, with values near the end of the run. */
const arbWindow = fc.oneof(
  fc.constant(''),
  TIME.map((within) => `, within: ${within}`),
  fc.tuple(TIME, TIME).map(([from, to]) => `, between: [${from}, ${to}]`),
);

const arbExpectation = fc.oneof(
  fc.tuple(pick(['reaches', 'never']), arbWindow).map(([mode, window]) => `state: { peer: client->server, ${mode}: STATE_CONNECTED${window} }`),
  TIME.map((at) => `state: { peer: client->server, is: STATE_CONNECTED, at: ${at} }`),
  fc
    .tuple(pick(['connect', 'receive']), maybe(fc.nat(4)), maybe(fc.nat(4)), maybe(fc.nat(4)), arbWindow)
    .map(([type, count, min, max, window]) => `event: ${flow({ host: 'server', type, count: count?.toString(), min: min?.toString(), max: max?.toString() })!.slice(0, -2)}${window} }`),
  fc.tuple(TIME, TIME).map(([from, to]) => `stat: { peer: client->server, stat: PEER_ROUND_TRIP_TIME, over: [${from}, ${to}], below: 1s }`),
  TIME.map((at) => `stat: { peer: client->server, stat: PEER_PACKET_THROTTLE, at: ${at}, at_most: 32 }`),
  fc.tuple(TIME, maybe(TIME)).map(([within, hold]) => `converge: ${flow({ peer: 'client->server', stat: 'PEER_PACKET_THROTTLE', to: '32', within, hold })}`),
  arbFromTo.map(({ from, to }) => `delivery: { from: ${from}, to: ${to}, ratio: { at_least: 0 } }`),
  arbWindow.map((window) => `timeout: { peer: client->server${window} }`),
);

const arbScenario = fc
  .record({
    duration: RUN_DURATION,
    statsInterval: maybe(near(['0ms', '1ms', '100ms'], ['0.5ms'])),
    epoch: maybe(near(['0ms', '4294967295ms', '4294962296ms'], ['1.5ms', '4294967296ms'])),
    server: arbHost,
    client: arbHost,
    defaultLink: maybe(arbLink),
    timeline: fc.array(arbEntry, { maxLength: 5 }),
    expect: fc.array(arbExpectation, { maxLength: 3 }),
  })
  .map((scenario) => {
    const lines = ['name: generated', `duration: ${scenario.duration}`];
    if (scenario.statsInterval !== undefined) lines.push(`stats_interval: ${scenario.statsInterval}`);
    if (scenario.epoch !== undefined) lines.push(`epoch: ${scenario.epoch}`);
    lines.push('hosts:', `  server: ${scenario.server}`, `  client: ${scenario.client}`);
    if (scenario.defaultLink !== undefined) lines.push('links:', `  default: ${scenario.defaultLink}`);
    lines.push('timeline:', '  - at: 0ms', '    connect: { from: client, to: server }');
    for (const entry of scenario.timeline) {
      lines.push(`  - at: ${entry.at}`, `    ${entry.action}`);
      if (entry.ramp !== undefined && entry.action.startsWith('link:')) lines.push(`    ramp: ${entry.ramp}`);
    }
    if (scenario.expect.length > 0) lines.push('expect:', ...scenario.expect.map((expectation) => `  - ${expectation}`));
    return `${lines.join('\n')}\n`;
  });

/**
 * One value at a time: a valid scenario with one slot, filled with each value on both sides of that
 * slot's edges. Random combinations rarely put a rare value in a deeply nested slot while keeping
 * the rest valid; this sweep tries every listed value in every slot.
 */
const SWEEP_BASE = {
  top: '',
  server: '{ service: 60Hz }',
  client: '{}',
  links: '{ latency: 10ms }',
  entries: ['  - at: 100ms\n    stream: { from: client, to: server, size: 100B, rate: 20/s }'],
  expect: ['  - state: { peer: client->server, reaches: STATE_CONNECTED }'],
};
type SweepScenario = typeof SWEEP_BASE;

function sweepText(change: Partial<SweepScenario> & { duration?: string }): string {
  const scenario = { ...SWEEP_BASE, ...change };
  return [
    'name: sweep',
    `duration: ${change.duration ?? '2s'}`,
    scenario.top,
    'hosts:',
    `  server: ${scenario.server}`,
    `  client: ${scenario.client}`,
    'links:',
    `  default: ${scenario.links}`,
    'timeline:',
    '  - at: 0ms',
    '    connect: { from: client, to: server }',
    ...scenario.entries,
    'expect:',
    ...scenario.expect,
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

const entry = (text: string) => ({ entries: [...SWEEP_BASE.entries, `  - at: 500ms\n    ${text}`] });
const expectation = (text: string) => ({ expect: [`  - ${text}`] });
const EDGE_DURATIONS = ['0ms', '1ms', '0.5ms', '1500us', '2000us', '1999ms', '2s', '2001ms', '2.0005s', '60min', '61min', `${'9'.repeat(400)}ms`];

/** Each slot: a function from a value to the scenario change, and the values to try. */
const SWEEP_SLOTS: { slot: string; values: readonly string[]; change: (value: string) => Partial<SweepScenario> & { duration?: string } }[] = [
  { slot: 'duration', values: ['0ms', '1ms', '0.5ms', '600ms', '2.0005s', '10000000000000ms', `${'9'.repeat(400)}ms`], change: (value) => ({ duration: value }) },
  { slot: 'stats_interval', values: ['0ms', '1ms', '0.5ms', '1500us', '2s', '3s'], change: (value) => ({ top: `stats_interval: ${value}` }) },
  { slot: 'epoch', values: ['0ms', '1ms', '1.5ms', '4294962296ms', '4294967295ms', '4294967296ms'], change: (value) => ({ top: `epoch: ${value}` }) },
  { slot: 'service', values: ['0Hz', '0.5Hz', '1000Hz', '1001Hz', '0ms', '1ms', '0.5ms', '1500us', '2000us'], change: (value) => ({ server: `{ service: ${value} }` }) },
  { slot: 'service every', values: ['0ms', '1ms', '0.5ms', '1500us', '3s'], change: (value) => ({ client: `{ service: { every: ${value} } }` }) },
  { slot: 'service rate', values: ['0Hz', '0.001Hz', '0.5Hz', '999.5Hz', '1000Hz', '1001Hz'], change: (value) => ({ client: `{ service: { rate: ${value} } }` }) },
  { slot: 'service phase', values: EDGE_DURATIONS, change: (value) => ({ client: `{ service: { rate: 60Hz, phase: ${value} } }` }) },
  { slot: 'service jitter', values: EDGE_DURATIONS, change: (value) => ({ server: `{ service: { every: 16ms, jitter: ${value} } }` }) },
  { slot: 'host mtu', values: ['0B', '51B', '52B', '575B', '576B', '1200.5B', '4096B', '4097B', '64KiB'], change: (value) => ({ client: `{ mtu: ${value} }` }) },
  { slot: 'host bandwidth', values: ['0bit/s', '0.5bit/s', '7bit/s', '8bit/s', '9bit/s', '34359738360bit/s', '34359738368bit/s', '100Gbit/s'], change: (value) => ({ server: `{ bandwidth: { in: ${value}, out: ${value} } }` }) },
  { slot: 'latency', values: EDGE_DURATIONS, change: (value) => ({ links: `{ latency: ${value} }` }) },
  { slot: 'jitter', values: EDGE_DURATIONS, change: (value) => ({ links: `{ latency: 10ms, jitter: ${value} }` }) },
  { slot: 'jitter max', values: EDGE_DURATIONS, change: (value) => ({ links: `{ jitter: { amount: 5ms, distribution: pareto, max: ${value} } }` }) },
  { slot: 'duplicate delay', values: EDGE_DURATIONS, change: (value) => ({ links: `{ duplicate: { rate: 50%, delay: ${value} } }` }) },
  { slot: 'link mtu', values: ['0B', '1B', '0.5B', '100B', '65507B', '65508B'], change: (value) => ({ links: `{ mtu: ${value} }` }) },
  { slot: 'link bandwidth', values: ['0bit/s', `0.${'0'.repeat(300)}1bit/s`, '0.001bit/s', '0.999bit/s', '1bit/s', '8bit/s', '1000Gbit/s', '1001Gbit/s'], change: (value) => ({ links: `{ bandwidth: ${value} }` }) },
  { slot: 'queue', values: ['0B', '1B', '1.5B', '1GiB', '2GiB'], change: (value) => ({ links: `{ bandwidth: 1Mbit/s, queue: ${value} }` }) },
  { slot: 'queue time', values: ['0ms', '0.5us', '0.0005ms', '1us', '200ms', '60min', '61min'], change: (value) => ({ links: `{ bandwidth: 1Mbit/s, queue: ${value} }` }) },
  { slot: 'overhead', values: ['0B', '0.5B', '1KiB', '1025B'], change: (value) => ({ links: `{ bandwidth: 1Mbit/s, overhead: ${value} }` }) },
  { slot: 'at', values: EDGE_DURATIONS, change: (value) => ({ entries: [`  - at: ${value}\n    ping: { peer: client->server }`] }) },
  { slot: 'stream rate', values: ['0/s', '0/min', '0.001/s', '1/min', '1000/s', '10000/s'], change: (value) => ({ entries: [`  - at: 100ms\n    stream: { from: client, to: server, size: 100B, rate: ${value} }`] }) },
  { slot: 'stream for', values: EDGE_DURATIONS, change: (value) => ({ entries: [`  - at: 100ms\n    stream: { from: client, to: server, size: 100B, rate: 60/s, for: ${value} }`] }) },
  { slot: 'send size', values: ['0B', '1B', '0.5B', '7B', '8B', '1400B', '32MiB', '33MiB'], change: (value) => entry(`send: { from: client, to: server, size: ${value} }`) },
  { slot: 'bulk packet', values: ['0B', '1B', '0.5B', '7B', '1400B'], change: (value) => entry(`bulk: { from: client, to: server, total: 2KB, packet: ${value} }`) },
  { slot: 'bulk total', values: ['0B', '1B', '0.5B', '1003B', '20KB'], change: (value) => entry(`bulk: { from: client, to: server, total: ${value}, packet: 100B }`) },
  { slot: 'lag spike extra', values: EDGE_DURATIONS, change: (value) => entry(`lag_spike: { link: default, extra: ${value}, for: 100ms }`) },
  { slot: 'lag spike for', values: EDGE_DURATIONS, change: (value) => entry(`lag_spike: { link: client->server, extra: 50ms, for: ${value} }`) },
  { slot: 'ramp', values: EDGE_DURATIONS, change: (value) => ({ entries: [...SWEEP_BASE.entries, `  - at: 500ms\n    ramp: ${value}\n    link: { default: { latency: 100ms, loss: 10% } }`] }) },
  { slot: 'set_timeout', values: ['0ms', '0.5ms', '5s', '4294967295ms', '4294967296ms'], change: (value) => entry(`set_timeout: { peer: client->server, timeout: 0, min: 0ms, max: ${value} }`) },
  { slot: 'ping_interval', values: ['0ms', '0.5ms', '1ms', '4294967295ms', '4294967296ms'], change: (value) => entry(`ping_interval: { peer: client->server, interval: ${value} }`) },
  { slot: 'throttle interval', values: ['0ms', '0.5ms', '1ms', '4294967295ms', '4294967296ms'], change: (value) => entry(`throttle_configure: { peer: client->server, interval: ${value}, acceleration: 2, deceleration: 2 }`) },
  { slot: 'bandwidth_limit', values: ['0bit/s', '4bit/s', '8bit/s', '100Gbit/s'], change: (value) => entry(`bandwidth_limit: { host: client, in: ${value}, out: ${value} }`) },
  { slot: 'within', values: EDGE_DURATIONS, change: (value) => expectation(`state: { peer: client->server, never: STATE_ZOMBIE, within: ${value} }`) },
  { slot: 'between end', values: EDGE_DURATIONS, change: (value) => expectation(`event: { host: server, type: connect, count: 1, between: [0ms, ${value}] }`) },
  { slot: 'state is at', values: EDGE_DURATIONS, change: (value) => expectation(`state: { peer: client->server, is: STATE_CONNECTED, at: ${value} }`) },
  { slot: 'stat over end', values: EDGE_DURATIONS, change: (value) => expectation(`stat: { peer: client->server, stat: PEER_ROUND_TRIP_TIME, over: [1s, ${value}], below: 1s }`) },
  { slot: 'converge hold', values: EDGE_DURATIONS, change: (value) => expectation(`converge: { peer: client->server, stat: PEER_PACKET_THROTTLE, to: 32, within: 1s, hold: ${value} }`) },
  { slot: 'event min/max', values: ['0', '1', '2', '5'], change: (value) => expectation(`event: { host: server, type: connect, min: 2, max: ${value} }`) },
];

/** Runs the CLI; an exception is what main.ts would report as exit 3. */
async function cli(io: FakeIo, argv: string[]): Promise<CliRun | { code: 3; out: string; err: string }> {
  try {
    return await runWith(io, argv);
  } catch (error) {
    return { code: 3, out: '', err: `internal error: ${(error as Error).stack ?? String(error)}` };
  }
}

describe('validate and run agree', () => {
  const io = new FakeIo();
  afterAll(() => io.dispose());
  let validCount = 0;

  it(
    `on ${CASE_COUNT} scenarios near the edges: valid ⇒ run exits 0 or 1; invalid ⇒ both exit 2 at file:line:col`,
    async () => {
      await fc.assert(
        fc.asyncProperty(arbScenario, async (text) => {
          const file = io.put('generated.yaml', text);
          const validate = await cli(io, ['validate', file]);
          const run = await cli(io, ['run', file]);
          const context = `scenario:\n${text}\nvalidate (${validate.code}):\n${validate.err.slice(0, 1500)}\nrun (${run.code}):\n${run.err.slice(0, 1500)}`;
          expect([0, 2], context).toContain(validate.code);
          if (validate.code === 0) {
            validCount++;
            expect([0, 1], context).toContain(run.code);
          } else {
            expect(run.code, context).toBe(2);
            const problemLines = validate.err.split('\n').filter((line) => line.startsWith(`${file}:`));
            expect(problemLines.length, context).toBeGreaterThan(0);
            for (const line of problemLines) expect(line, context).toMatch(/^generated\.yaml:\d+:\d+ \S/);
          }
        }),
        fuzzParameters(CASE_COUNT, 10),
      );
      // A generator that only makes invalid scenarios would prove nothing about `run`.
      expect(validCount).toBeGreaterThan(CASE_COUNT / 10);
    },
    fuzzTimeoutMs(120_000),
  );

  it('on every listed value of every slot, one slot at a time', async () => {
    const disagreements: string[] = [];
    for (const { slot, values, change } of SWEEP_SLOTS) {
      for (const value of values) {
        const file = io.put('sweep.yaml', sweepText(change(value)));
        const validate = await cli(io, ['validate', file]);
        const run = await cli(io, ['run', file]);
        const agreed = validate.code === 0 ? run.code === 0 || run.code === 1 : validate.code === 2 && run.code === 2 && /^sweep\.yaml:\d+:\d+ /m.test(validate.err);
        if (!agreed) disagreements.push(`${slot} = ${value}: validate ${validate.code}, run ${run.code}: ${(run.err || validate.err).split('\n').slice(0, 2).join(' / ')}`);
      }
    }
    expect(disagreements).toEqual([]);
  }, 120_000);
});
