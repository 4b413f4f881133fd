// The CLI in-process (runCli with a fake CliIo): run with every reporter and option, validate,
// schema and presets, and colour. Scenarios are written to the fake's temp dir by each test.
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/cli/reporters/index.js';
import { LINK_PRESETS } from '../../src/scenario/presets.js';
import { findAll, parseXml } from './support-xml.js';
import { FakeIo, runWith, type CliRun } from './support-io.js';

const PASSING = `name: handshake passes
seed: 5
duration: 1s
hosts:
  server: { service: 60Hz }
  client: { service: 60Hz }
links:
  default: { latency: 40ms }
timeline:
  - at: 0s
    id: dial
    connect: { from: client, to: server }
expect:
  - state: { peer: client->server, reaches: STATE_CONNECTED, within: 500ms, after: dial }
  - event: { host: server, type: connect, peer: client, count: 1 }
`;

// The handshake takes about 116 ms at 40 ms one-way, so "within 50ms" and "two connects" fail.
const FAILING = `name: handshake too slow
seed: 5
duration: 1s
hosts:
  server: { service: 60Hz }
  client: { service: 60Hz }
links:
  default: { latency: 40ms }
timeline:
  - at: 0s
    id: dial
    connect: { from: client, to: server }
expect:
  - state: { peer: client->server, reaches: STATE_CONNECTED, within: 500ms, after: dial }
  - state: { peer: client->server, reaches: STATE_CONNECTED, within: 50ms, after: dial }
  - name: the server sees two connects
    event: { host: server, type: connect, peer: client, count: 2 }
`;

// With 30% loss the handshake is quick only when its first datagrams get through, which depends on
// the seed: over ten seeds some connect within 150ms and some do not (the tests derive which from
// single-seed runs rather than hard-coding them, so a change to the random streams cannot break them).
const LOSSY = `name: connect through loss
seed: 1
duration: 1s
hosts:
  server: { service: 60Hz }
  client: { service: 60Hz }
links:
  default: { latency: 40ms, loss: 30% }
timeline:
  - at: 0s
    id: dial
    connect: { from: client, to: server }
expect:
  - state: { peer: client->server, reaches: STATE_CONNECTED, within: 150ms, after: dial }
`;

// A partition two seconds in: both sides drop the other by ENet's timeout rules.
const TIMEOUT = `name: timeout after a partition
duration: 15s
hosts:
  server: { service: 60Hz }
  client: { service: 60Hz }
links:
  default: { latency: 20ms }
timeline:
  - at: 0s
    connect: { from: client, to: server }
  - at: 2s
    id: cut
    partition: { between: [client, server] }
expect:
  - timeout: { peer: client->server, rule: limit, within: 12s, after: cut }
`;

const ANSI_ESCAPE = '\x1b[';
const LOSSY_SEED_COUNT = 10;

const ios: FakeIo[] = [];
/** A fake IO with the test scenarios in its temp dir (also its working directory). */
function scenarioIo(options: { color?: boolean } = {}): FakeIo {
  const io = new FakeIo(options);
  ios.push(io);
  io.put('pass.yaml', PASSING);
  io.put('fail.yaml', FAILING);
  io.put('lossy.yaml', LOSSY);
  io.put('timeout.yaml', TIMEOUT);
  return io;
}
afterAll(() => {
  for (const io of ios) io.dispose();
});

/** The 1-based line of `text` that contains `fragment` (exactly one must). */
function lineOf(text: string, fragment: string): number {
  const lines = text.split('\n');
  const matches = lines.flatMap((line, index) => (line.includes(fragment) ? [index + 1] : []));
  expect(matches, `one line containing ${fragment}`).toHaveLength(1);
  return matches[0]!;
}

function jsonReport(run: CliRun): JsonReport {
  return JSON.parse(run.out) as JsonReport;
}

/** Splits a command line as a POSIX shell would (quotes and backslashes; no expansions). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let index = 0; index < command.length; index++) {
    const character = command[index]!;
    if (character === "'") {
      const end = command.indexOf("'", index + 1);
      word = (word ?? '') + command.slice(index + 1, end);
      index = end;
    } else if (character === '"') {
      let text = '';
      for (index++; command[index] !== '"'; index++) text += command[index] === '\\' && /["\\$`]/.test(command[index + 1] ?? '') ? command[++index] : command[index];
      word = (word ?? '') + text;
    } else if (character === '\\') {
      word = (word ?? '') + (command[++index] ?? '');
    } else if (character === ' ') {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + character;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

describe('run', () => {
  it('run: a passing scenario exits 0 with a PASS row and the summary', async () => {
    const run = await runWith(scenarioIo(), ['run', 'pass.yaml']);
    expect(run.out).toMatch(/^\| PASS +\| handshake passes +\| pass\.yaml +\| +5 \| +2\/2 \| +1s \| +0ms \|$/m);
    expect(run.out).not.toContain('reproduce:');
    expect(run.out.trimEnd().split('\n').at(-1)).toBe('1 scenario, 1 passed, 0 failed');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
  });

  it('run: a failing scenario exits 1 and prints each failure with position, expected and observed', async () => {
    const run = await runWith(scenarioIo(), ['run', 'fail.yaml']);
    const stateLine = lineOf(FAILING, 'within: 50ms');
    const eventLine = lineOf(FAILING, 'name: the server sees two connects');
    expect(run.out).toContain(
      [
        `fail.yaml:${stateLine}:5 state client->server reaches STATE_CONNECTED`,
        "  expected: client->server reaches STATE_CONNECTED within 50ms of 'dial'",
      ].join('\n'),
    );
    expect(run.out).toMatch(/ {2}observed: did not \(STATE_CONNECTING at 0ms, STATE_CONNECTED at \d+ms\)\n {2}held for 0 of 1 seed \(failed seed: 5\)/);
    expect(run.out).toContain(`fail.yaml:${eventLine}:5 the server sees two connects\n`);
    expect(run.out).toMatch(/ {2}observed: 1, first at \d+ms\n/);
    expect(run.out).toContain('reproduce:\n  enetsim run fail.yaml --seed 5\n');
    expect(run.out).toMatch(/^\| FAIL +\| handshake too slow +\| fail\.yaml +\| +5 \| +1\/3 \|/m);
    expect(run.out.trimEnd().split('\n').at(-1)).toBe('1 scenario, 0 passed, 1 failed');
    expect(run.code).toBe(1);
  });

  it('run: the reproduce command, run as printed, fails the same way', async () => {
    const io = scenarioIo();
    const first = await runWith(io, ['run', 'lossy.yaml', '--seeds', String(LOSSY_SEED_COUNT)]);
    const failedSeed = jsonReport(await runWith(io, ['run', 'lossy.yaml', '--seeds', String(LOSSY_SEED_COUNT), '--reporter', 'json'])).scenarios[0]!.assertions[0]!.failedSeeds[0];
    const command = /reproduce:\n {2}(.+)\n/.exec(first.out)?.[1];
    expect(command).toBe(`enetsim run lossy.yaml --seed ${failedSeed}`);
    const again = await runWith(io, shellWords(command!).slice(1));
    expect(again.code).toBe(1);
    const observed = (text: string) => /observed: .*/.exec(text)?.[0];
    expect(observed(again.out)).toBe(observed(first.out));
  });

  it('run: the reproduce command quotes a path with spaces so a shell passes it as one argument', async () => {
    const io = scenarioIo();
    io.put('my scenarios/too slow.yaml', FAILING);
    const run = await runWith(io, ['run', 'my scenarios/too slow.yaml']);
    const command = /reproduce:\n {2}(.+)\n/.exec(run.out)?.[1] ?? '';
    expect(shellWords(command)).toEqual(['enetsim', 'run', 'my scenarios/too slow.yaml', '--seed', '5']);
  });

  it('run --seeds 3: runs seeds 5, 6, 7 and reports how many each assertion held for', async () => {
    const run = await runWith(scenarioIo(), ['run', 'fail.yaml', '--seeds', '3']);
    expect(run.out).toContain('held for 0 of 3 seeds (failed seeds: 5, 6, 7)');
    expect(run.out).toMatch(/^\| FAIL +\| handshake too slow +\| fail\.yaml +\| +0\/3 \|/m);
    expect(run.code).toBe(1);
    const json = jsonReport(await runWith(scenarioIo(), ['run', 'fail.yaml', '--seeds', '3', '--reporter', 'json']));
    expect(json.scenarios[0]!.seeds).toEqual([5, 6, 7]);
    expect(json.scenarios[0]!.traceHashes).toHaveLength(3);
    expect(json.scenarios[0]!.assertions.map((assertion) => [assertion.heldCount, assertion.seedCount])).toEqual([[3, 3], [0, 3], [0, 3]]);
  });

  it(`run --seeds ${LOSSY_SEED_COUNT}: an assertion that holds for some seeds says for how many, and which seeds failed`, async () => {
    const io = scenarioIo();
    const seeds = Array.from({ length: LOSSY_SEED_COUNT }, (_, index) => index + 1);
    const failedAlone: number[] = [];
    for (const seed of seeds) if ((await runWith(io, ['run', 'lossy.yaml', '--seed', String(seed)])).code === 1) failedAlone.push(seed);
    // A genuine mix, or this test shows nothing.
    expect(failedAlone.length).toBeGreaterThan(0);
    expect(failedAlone.length).toBeLessThan(LOSSY_SEED_COUNT);
    const heldCount = LOSSY_SEED_COUNT - failedAlone.length;
    const run = await runWith(io, ['run', 'lossy.yaml', '--seeds', String(LOSSY_SEED_COUNT)]);
    expect(run.out).toContain(`held for ${heldCount} of ${LOSSY_SEED_COUNT} seeds (failed seed${failedAlone.length === 1 ? '' : 's'}: ${failedAlone.join(', ')})`);
    expect(run.out).toMatch(new RegExp(`^\\| FAIL +\\| connect through loss +\\| lossy\\.yaml +\\| +${heldCount}/${LOSSY_SEED_COUNT} \\|`, 'm'));
    const json = jsonReport(await runWith(io, ['run', 'lossy.yaml', '--seeds', String(LOSSY_SEED_COUNT), '--reporter', 'json']));
    expect(json.scenarios[0]!.seeds).toEqual(seeds);
    expect(json.scenarios[0]!.assertions[0]).toMatchObject({ heldCount, seedCount: LOSSY_SEED_COUNT, failedSeeds: failedAlone });
    expect(run.code).toBe(1);
  });

  it('run --seed: overrides the scenario seed', async () => {
    const io = scenarioIo();
    const run = await runWith(io, ['run', 'fail.yaml', '--seed', '42']);
    expect(run.out).toMatch(/^\| FAIL +\| handshake too slow +\| fail\.yaml +\| +42 \|/m);
    expect(run.out).toContain('held for 0 of 1 seed (failed seed: 42)');
    expect(run.out).toContain('reproduce:\n  enetsim run fail.yaml --seed 42\n');
    const json = jsonReport(await runWith(io, ['run', 'fail.yaml', '--seed', '42', '--seeds', '2', '--reporter', 'json']));
    expect(json.scenarios[0]!.seeds).toEqual([42, 43]);
    expect(json.scenarios[0]!.reproduce).toBe('enetsim run fail.yaml --seed 42');
  });

  it('run --quiet: a pass prints only the summary line', async () => {
    const run = await runWith(scenarioIo(), ['run', 'pass.yaml', '--quiet']);
    expect(run.out).toBe('1 scenario, 1 passed, 0 failed\n');
    expect(run.code).toBe(0);
  });

  it('run --quiet: a failure prints the failures, the reproduce command and the summary, but no table', async () => {
    const run = await runWith(scenarioIo(), ['run', 'fail.yaml', '--quiet']);
    expect(run.out).not.toContain('status');
    expect(run.out).not.toContain('PASS');
    expect(run.out.startsWith(`fail.yaml:${lineOf(FAILING, 'within: 50ms')}:5 state client->server reaches STATE_CONNECTED\n`)).toBe(true);
    expect(run.out).toContain('reproduce:\n  enetsim run fail.yaml --seed 5\n');
    expect(run.out.endsWith('1 scenario, 0 passed, 1 failed\n')).toBe(true);
    expect(run.code).toBe(1);
  });

  it('run: several files give one row each and a summary over all of them', async () => {
    const run = await runWith(scenarioIo(), ['run', 'pass.yaml', 'fail.yaml', '--quiet']);
    expect(run.out.endsWith('2 scenarios, 1 passed, 1 failed\n')).toBe(true);
    expect(run.code).toBe(1);
  });
});

describe('reporters', () => {
  it('--reporter json: version 1 with every documented field, in the documented order', async () => {
    const run = await runWith(scenarioIo(), ['run', 'fail.yaml', '--reporter', 'json']);
    const report = jsonReport(run);
    expect(Object.keys(report)).toEqual(['version', 'passed', 'summary', 'scenarios']);
    expect(report.version).toBe(1);
    expect(report.passed).toBe(false);
    expect(report.summary).toEqual({ scenarioCount: 1, passedCount: 0, failedCount: 1 });
    const [scenario] = report.scenarios;
    expect(Object.keys(scenario!)).toEqual(['file', 'name', 'passed', 'seeds', 'durationMs', 'simulatedMs', 'wallMs', 'traceHashes', 'reproduce', 'error', 'assertions']);
    expect(scenario).toMatchObject({ file: 'fail.yaml', name: 'handshake too slow', passed: false, seeds: [5], durationMs: 1000, wallMs: 0, reproduce: 'enetsim run fail.yaml --seed 5' });
    expect(scenario!.traceHashes).toHaveLength(1);
    expect(scenario!.traceHashes[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(scenario!.assertions.map((assertion) => Object.keys(assertion))).toEqual(
      Array(3).fill(['label', 'kind', 'position', 'passed', 'expected', 'observed', 'heldCount', 'seedCount', 'failedSeeds']),
    );
    expect(scenario!.assertions.map(({ kind, passed, position }) => ({ kind, passed, position }))).toEqual([
      { kind: 'state', passed: true, position: { file: 'fail.yaml', line: lineOf(FAILING, 'within: 500ms'), column: 5 } },
      { kind: 'state', passed: false, position: { file: 'fail.yaml', line: lineOf(FAILING, 'within: 50ms'), column: 5 } },
      { kind: 'event', passed: false, position: { file: 'fail.yaml', line: lineOf(FAILING, 'name: the server sees'), column: 5 } },
    ]);
    expect(scenario!.assertions[2]).toMatchObject({
      label: 'the server sees two connects',
      expected: 'exactly 2 connect event from client on server during the run',
      heldCount: 0,
      seedCount: 1,
      failedSeeds: [5],
    });
    expect(scenario!.assertions[0]).toMatchObject({ heldCount: 1, seedCount: 1, failedSeeds: [] });
    expect(run.code).toBe(1);
  });

  it('--reporter json: a passing run has passed true and reproduce null', async () => {
    const report = jsonReport(await runWith(scenarioIo(), ['run', 'pass.yaml', '--reporter', 'json']));
    expect(report.passed).toBe(true);
    expect(report.scenarios[0]!.reproduce).toBeNull();
  });

  it('--reporter junit --out FILE: writes well-formed XML with a test case per assertion and a failure per failed one', async () => {
    const io = scenarioIo();
    const run = await runWith(io, ['run', 'pass.yaml', 'fail.yaml', '--reporter', 'junit', '--out', 'report.xml']);
    expect(io.written).toEqual(['report.xml']);
    const root = parseXml(io.read('report.xml'));
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ name: 'enetsim', tests: '5', failures: '2', errors: '0' });
    const suites = findAll(root, 'testsuite');
    expect(suites.map((suite) => [suite.attributes['name'], suite.attributes['tests'], suite.attributes['failures']])).toEqual([
      ['handshake passes', '2', '0'],
      ['handshake too slow', '3', '2'],
    ]);
    const cases = findAll(suites[1]!, 'testcase');
    expect(cases.map((testcase) => testcase.attributes['line'])).toEqual(
      ['within: 500ms', 'within: 50ms', 'name: the server sees'].map((fragment) => String(lineOf(FAILING, fragment))),
    );
    const failures = findAll(root, 'failure');
    expect(failures.map((failure) => failure.attributes['type'])).toEqual(['state', 'event']);
    expect(failures[0]!.attributes['message']).toContain("expected client->server reaches STATE_CONNECTED within 50ms of 'dial' / observed did not");
    const properties = Object.fromEntries(findAll(suites[1]!, 'property').map((property) => [property.attributes['name'], property.attributes['value']]));
    expect(properties).toMatchObject({ seeds: '5', durationMs: '1000', reproduce: 'enetsim run fail.yaml --seed 5' });
    // stdout gets the short summary, not the XML.
    expect(run.out).not.toContain('<?xml');
    expect(run.out.endsWith('2 scenarios, 1 passed, 1 failed\n')).toBe(true);
    expect(run.code).toBe(1);
  });

  it('--reporter github: every ::error points at the line and column of its failing expectation', async () => {
    const run = await runWith(scenarioIo(), ['run', 'pass.yaml', 'fail.yaml', '--reporter', 'github']);
    const lines = run.out.trimEnd().split('\n');
    const errors = lines.filter((line) => line.startsWith('::error '));
    expect(errors).toHaveLength(2);
    const yamlLines = FAILING.split('\n');
    const pointed = errors.map((line) => {
      const match = /^::error file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.*)$/.exec(line);
      expect(match, line).not.toBeNull();
      const [, file, lineText, columnText, , message] = match!;
      expect(file).toBe('fail.yaml');
      expect(message).toMatch(/^expected: .*%0Aobserved: .*%0Aheld for 0 of 1 seed \(failed seed: 5\)$/);
      return yamlLines[Number(lineText) - 1]!.slice(Number(columnText) - 1);
    });
    expect(pointed).toEqual([
      'state: { peer: client->server, reaches: STATE_CONNECTED, within: 50ms, after: dial }',
      'name: the server sees two connects',
    ]);
    expect(lines.at(-1)).toBe('::notice title=enetsim::2 scenarios, 1 passed, 1 failed');
    expect(run.code).toBe(1);
  });
});

describe('run --trace', () => {
  it('--trace FILE: JSON Lines, a run header with the seed and the trace hash, then the events', async () => {
    const io = scenarioIo();
    const run = await runWith(io, ['run', 'fail.yaml', '--trace', 'trace.jsonl', '--reporter', 'json']);
    const text = io.read('trace.jsonl');
    expect(text.endsWith('\n')).toBe(true);
    const records = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[0]).toEqual({ kind: 'run', file: 'fail.yaml', seed: 5, traceHash: jsonReport(run).scenarios[0]!.traceHashes[0], name: 'handshake too slow', durationMs: 1000 });
    expect(records.length).toBeGreaterThan(10);
    for (const record of records.slice(1)) {
      expect(typeof record['kind']).toBe('string');
      expect(typeof record['atMs']).toBe('number');
    }
    expect(records.some((record) => record['kind'] === 'state' && record['to'] === 'STATE_CONNECTED')).toBe(true);
  });

  it('--trace FILE: two runs write identical files', async () => {
    const io = scenarioIo();
    await runWith(io, ['run', 'lossy.yaml', '--seeds', '2', '--trace', 'first.jsonl']);
    await runWith(io, ['run', 'lossy.yaml', '--seeds', '2', '--trace', 'second.jsonl']);
    expect(io.read('second.jsonl')).toBe(io.read('first.jsonl'));
    const headers = io
      .read('first.jsonl')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record['kind'] === 'run');
    expect(headers.map((header) => header['seed'])).toEqual([1, 2]);
    expect(headers[0]!['traceHash']).not.toBe(headers[1]!['traceHash']);
  });
});

describe('run --explain', () => {
  it('--explain: prints the resolved defaults of every host and link', async () => {
    const run = await runWith(scenarioIo(), ['run', 'pass.yaml', '--explain']);
    expect(run.out).toContain('Scenario "handshake passes" (pass.yaml), defaults resolved:\n');
    expect(run.out).toContain('  duration 1s, seed 5, ENet clock starts at 1000000 ms, statistics every 100ms\n');
    expect(run.out).toContain(
      '  host server: ENet 1.3.18, 32 peers, channel limit 255, bandwidth in unlimited / out unlimited, mtu 1392B, checksum off, service 60Hz (phase 0ms, jitter 0ms)\n',
    );
    expect(run.out).toContain('  link default (latency is one-way): {"latencyMs":40}\n');
    expect(run.code).toBe(0);
  });

  it('--explain: narrates state changes with their ENet cause', async () => {
    const run = await runWith(scenarioIo(), ['run', 'pass.yaml', '--explain']);
    expect(run.out).toContain('Narrated run (seed 5):\n');
    expect(run.out).toMatch(/^ +0ms .*client->server: STATE_DISCONNECTED → STATE_CONNECTING \(the application called connect\)$/m);
    expect(run.out).toMatch(/^ +\d+ms server->client: STATE_DISCONNECTED → STATE_ACKNOWLEDGING_CONNECT \(a CONNECT arrived\)$/m);
    expect(run.out).toMatch(/^ +\d+ms client->server: STATE_CONNECTING → STATE_CONNECTED \(VERIFY_CONNECT arrived: the handshake is done\)$/m);
  });

  it('--explain: names the timeout rule that dropped a peer, and the retransmissions before it', async () => {
    const run = await runWith(scenarioIo(), ['run', 'timeout.yaml', '--explain']);
    expect(run.out).toMatch(/^ +2s \[cut\] network: partition /m);
    expect(run.out).toMatch(/client->server: retransmits PING .*\(transmission 2\)/);
    expect(run.out).toMatch(
      /^ +[\d.]+s client->server: STATE_CONNECTED → STATE_DISCONNECTED \(timeout: the retransmission backoff reached set_timeout's limit and timeout_min passed\)$/m,
    );
    expect(run.code).toBe(0);
  });

  it('--explain: labels only the timeline entry with its id, not other actions at the same time', async () => {
    const run = await runWith(scenarioIo(), ['run', 'pass.yaml', '--explain']);
    expect(run.out).toMatch(/^ +0ms \[dial\] client: connect /m);
    expect(run.out).toMatch(/^ +0ms network: link /m);
  });
});

describe('validate, schema and presets', () => {
  it('validate: a valid scenario prints "valid" with its name and exits 0', async () => {
    const run = await runWith(scenarioIo(), ['validate', 'pass.yaml', 'fail.yaml']);
    expect(run.out).toBe('pass.yaml: valid (handshake passes)\nfail.yaml: valid (handshake too slow)\n');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
  });

  it('validate: an invalid scenario is reported at file:line:col and exits 2', async () => {
    const io = scenarioIo();
    io.put('typo.yaml', PASSING.replace('latency: 40ms', 'latncy: 40ms'));
    const run = await runWith(io, ['validate', 'typo.yaml']);
    expect(run.err).toBe(
      [
        "typo.yaml:8:14 unknown key 'latncy' (did you mean 'latency'?)",
        '8 |   default: { latncy: 40ms }',
        '                 ^',
        'enetsim: 1 problem in the input; nothing was run',
        '',
      ].join('\n'),
    );
    expect(run.out).toBe('');
    expect(run.code).toBe(2);
  });

  it('schema: prints a JSON Schema with $schema and every top-level key', async () => {
    const run = await runWith(scenarioIo(), ['schema']);
    const schema = JSON.parse(run.out) as { $schema: string; type: string; properties: Record<string, { type?: string; pattern?: string }>; required: string[]; additionalProperties: boolean };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(['$schema', 'name', 'description', 'seed', 'fixed_seed', 'duration', 'epoch', 'stats_interval', 'link_draws', 'hosts', 'links', 'timeline', 'expect']);
    expect([...schema.required].sort()).toEqual(['duration', 'hosts', 'name']);
    expect(schema.additionalProperties).toBe(false);
    // Values with units are strings with a pattern, so editors flag a bare number.
    const duration = new RegExp(schema.properties['duration']!.pattern!);
    expect(schema.properties['duration']!.type).toBe('string');
    expect(duration.test('250ms')).toBe(true);
    expect(duration.test('1.5s')).toBe(true);
    expect(duration.test('250')).toBe(false);
    expect(run.code).toBe(0);
  });

  it('presets: lists every preset, in order, with its description, values and source', async () => {
    const run = await runWith(scenarioIo(), ['presets']);
    const blocks = run.out.trimEnd().split(/\n(?=\S)/);
    expect(blocks).toHaveLength(LINK_PRESETS.length);
    blocks.forEach((block, index) => {
      const preset = LINK_PRESETS[index]!;
      const [name, description, values, source] = block.split('\n');
      expect(name).toBe(preset.name);
      expect(description).toBe(`  ${preset.description}`);
      expect(JSON.parse(values!.replace(/^ {2}values: /, ''))).toEqual(preset.config);
      expect(source).toBe(`  source: ${preset.source}`);
    });
    expect(run.code).toBe(0);
  });
});

describe('usage errors', () => {
  it('an unknown command exits 2 and suggests the closest command', async () => {
    const run = await runWith(scenarioIo(), ['runn', 'pass.yaml']);
    expect(run.err).toContain("did you mean 'run'?");
    expect(run.out).toBe('');
    expect(run.code).toBe(2);
  });

  it('an unknown command is reported once, naming the command and the suggestion', async () => {
    const run = await runWith(scenarioIo(), ['runn', 'pass.yaml']);
    expect(run.err.match(/^enetsim: /gm)).toHaveLength(1);
    expect(run.err).toContain("'runn'");
    expect(run.err).toMatch(/did you mean '?run'?\?/i);
    expect(run.err).not.toContain('pass.yaml');
    expect(run.code).toBe(2);
  });

  it('no command at all exits 2 and names the commands', async () => {
    const run = await runWith(scenarioIo(), []);
    expect(run.err).toContain('enetsim: give a command: run, report, sweep, merge, validate, schema, presets, diff, conformance, serve, connect or proxy (see --help)');
    expect(run.out).toBe('');
    expect(run.code).toBe(2);
  });

  it('run without a file exits 2, says a scenario file is needed, and runs nothing', async () => {
    const run = await runWith(scenarioIo(), ['run']);
    expect(run.err).toMatch(/^enetsim: .*scenario file/m);
    expect(run.out, 'nothing was run').toBe('');
    expect(run.code).toBe(2);
  });
});

describe('colour', () => {
  const invocations: readonly (readonly string[])[] = [
    ['run', 'pass.yaml'],
    ['run', 'fail.yaml'],
    ['run', 'fail.yaml', '--quiet'],
    ['run', 'fail.yaml', '--seeds', '2', '--explain'],
    ['run', 'fail.yaml', '--reporter', 'json'],
    ['run', 'fail.yaml', '--reporter', 'github'],
    ['run', 'fail.yaml', '--reporter', 'junit', '--out', 'report.xml', '--trace', 'trace.jsonl'],
    ['validate', 'pass.yaml'],
    ['validate', 'broken.yaml'],
    ['schema'],
    ['presets'],
    ['--help'],
    ['run', '--help'],
    ['runn', 'pass.yaml'],
    ['run', 'missing.yaml'],
  ];

  it('colour off: no ANSI escape in any output or written file', async () => {
    const io = scenarioIo({ color: false });
    io.put('broken.yaml', 'name: broken\nduration: 2000\nhosts: { server: { peers: 0 } }\n');
    for (const argv of invocations) {
      const run = await runWith(io, argv);
      expect(run.out, argv.join(' ')).not.toContain(ANSI_ESCAPE);
      expect(run.err, argv.join(' ')).not.toContain(ANSI_ESCAPE);
    }
    expect(io.read('report.xml')).not.toContain(ANSI_ESCAPE);
    expect(io.read('trace.jsonl')).not.toContain(ANSI_ESCAPE);
  });

  it('colour on: the pretty report is coloured (so the check above can fail)', async () => {
    const run = await runWith(scenarioIo({ color: true }), ['run', 'fail.yaml']);
    expect(run.out).toContain(ANSI_ESCAPE);
  });

  it('colour on: a report written with --out has no colour even when the terminal has', async () => {
    const io = scenarioIo({ color: true });
    await runWith(io, ['run', 'fail.yaml', '--out', 'report.txt']);
    expect(io.read('report.txt')).toContain('1 scenario, 0 passed, 1 failed');
    expect(io.read('report.txt')).not.toContain(ANSI_ESCAPE);
  });
});
