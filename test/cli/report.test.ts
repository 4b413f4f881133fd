import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/cli/result.js';
import { escapeData, escapeProperty } from '../../src/cli/reporters/github.js';
import {
  render,
  renderGithub,
  renderJson,
  renderJunit,
  renderPretty,
  REPORTER_NAMES,
  type JsonReport,
} from '../../src/cli/reporters/index.js';
import { formatDurationMs, formatSeedList } from '../../src/cli/reporters/format.js';
import { printable } from '../../src/cli/reporters/pretty.js';
import {
  CONNECT_LABEL,
  CONNECT_OBSERVED,
  failingScenario,
  HOSTILE_FILE,
  HOSTILE_NAME,
  LOSS_EXPECTED,
  LOSS_LABEL,
  mixedRun,
  passingRun,
  passingScenario,
  REPRODUCE,
} from './fixtures/report-run.js';
import { childElements, findAll, isXmlChars, parseXml, textOf, XmlSyntaxError } from './support-xml.js';

const ESCAPED_NAME = String.raw`lossy "wifi" & <50% loss> ]]> 🛰️ it's \x1b[31mred\x1b[0m\x07 \u202eevil`;
const ANSI_ESCAPE = '\x1b[';
const plain = { color: false, quiet: false };

/** What an XML 1.0 document can carry of `text`: the forbidden characters removed. */
function xmlSafe(text: string): string {
  return [...text].filter((character) => isXmlChars(character)).join('');
}

describe('pretty reporter', () => {
  const output = renderPretty(mixedRun, plain);
  const lines = output.split('\n');

  it('pretty: with colour off, prints no ANSI escape even when scenario text contains one', () => {
    expect(HOSTILE_NAME).toContain(ANSI_ESCAPE);
    expect(output).not.toContain('\x1b');
    expect(renderPretty(mixedRun, { color: false, quiet: true })).not.toContain('\x1b');
  });

  it('pretty: with colour off, draws the table with ASCII borders only', () => {
    const tableLines = lines.slice(0, lines.indexOf(''));
    expect(tableLines).toHaveLength(6); // top, head, separator, two rows, bottom
    for (const line of tableLines) expect(line).toMatch(/^[+|].*[+|]$/);
    expect(tableLines[0]).toMatch(/^\+-+(\+-+){6}\+$/);
    expect(output).not.toMatch(/[\u2500-\u257f]/);
  });

  it('pretty: has one row per scenario with status, name, file, seeds, assertions, virtual and wall time', () => {
    const cells = (line: string | undefined) => (line ?? '').split('|').slice(1, -1).map((cell) => cell.trim());
    expect(cells(lines[1])).toEqual(['status', 'scenario', 'file', 'seeds', 'assertions', 'virtual', 'wall']);
    expect(cells(lines[3])).toEqual(['FAIL', ESCAPED_NAME, HOSTILE_FILE, '5/20', '1/3', '30s', '1.23s']);
    expect(cells(lines[4])).toEqual(['PASS', 'handshake', 'scenarios/handshake.yaml', '7', '2/2', '2s', '12ms']);
  });

  it('pretty: prints a block per failed assertion with position, expected, observed and the seeds it failed for', () => {
    expect(output).toContain(
      [
        `${HOSTILE_FILE}:12:7 ${CONNECT_LABEL}`,
        '  expected: within 500ms of 0s',
        String.raw`  observed: stayed STATE_CONNECTING until 5s\r\nthen ]]> timed out \x00\x0b`,
        '  held for 17 of 20 seeds (failed seeds: 3, 8, 11)',
      ].join('\n'),
    );
    expect(output).toContain(
      [
        `${HOSTILE_FILE}:18:5 ${LOSS_LABEL}`,
        `  expected: ${LOSS_EXPECTED}`,
        String.raw`  observed: 9.4% 🛰️ at 12s \ud800`,
        '  held for 8 of 20 seeds (failed seeds: 1, 2, 4, 5, 6, 7, 9, 10, 12, 13, +2 more)',
      ].join('\n'),
    );
    expect(output).not.toContain(':24:5');
  });

  it('pretty: ends with the reproduce command of the failing scenario and the summary line', () => {
    expect(output.endsWith(`reproduce:\n  ${REPRODUCE}\n\n2 scenarios, 1 passed, 1 failed\n`)).toBe(true);
  });

  it('pretty: quiet prints only the failures, the reproduce command and the summary', () => {
    const quiet = renderPretty(mixedRun, { color: false, quiet: true });
    expect(quiet.startsWith(`${HOSTILE_FILE}:12:7 ${CONNECT_LABEL}\n`)).toBe(true);
    expect(quiet).not.toContain('handshake');
    expect(quiet).not.toContain('+--');
    expect(quiet).toContain(`  ${REPRODUCE}\n`);
    expect(renderPretty(passingRun, { color: false, quiet: true })).toBe('1 scenario, 1 passed, 0 failed\n');
  });

  it('pretty: with colour on, colours status and summary at the level the caller chose', () => {
    const coloured = renderPretty(mixedRun, { color: true, quiet: false });
    expect(coloured).toContain('\x1b[31m\x1b[1mFAIL\x1b[22m\x1b[39m');
    expect(coloured).toContain('\x1b[32mPASS\x1b[39m');
    expect(coloured).toContain('\x1b[31m\x1b[1m2 scenarios, 1 passed, 1 failed\x1b[22m\x1b[39m');
    expect(coloured).toMatch(/[\u2500-\u257f]/);
    // Scenario text is escaped whatever the colour: its own escape never reaches the terminal raw.
    expect(coloured).not.toContain('\x1b[31mred');
    const truecolor = renderPretty(passingRun, { color: true, quiet: true, colorLevel: 3 });
    expect(truecolor).toBe('\x1b[32m1 scenario, 1 passed, 0 failed\x1b[39m\n');
  });

  it('pretty: the plain layout of a run', () => {
    expect(output).toMatchInlineSnapshot(`
      "+--------+-------------------------------------------------------------------------+-----------------------------------+-------+------------+---------+-------+
      | status | scenario                                                                | file                              | seeds | assertions | virtual |  wall |
      +--------+-------------------------------------------------------------------------+-----------------------------------+-------+------------+---------+-------+
      | FAIL   | lossy "wifi" & <50% loss> ]]> 🛰️ it's \\x1b[31mred\\x1b[0m\\x07 \\u202eevil | scenarios/lossy, "wifi": 50%.yaml |  5/20 |        1/3 |     30s | 1.23s |
      | PASS   | handshake                                                               | scenarios/handshake.yaml          |     7 |        2/2 |      2s |  12ms |
      +--------+-------------------------------------------------------------------------+-----------------------------------+-------+------------+---------+-------+

      scenarios/lossy, "wifi": 50%.yaml:12:7 state client->server reaches STATE_CONNECTED
        expected: within 500ms of 0s
        observed: stayed STATE_CONNECTING until 5s\\r\\nthen ]]> timed out \\x00\\x0b
        held for 17 of 20 seeds (failed seeds: 3, 8, 11)

      scenarios/lossy, "wifi": 50%.yaml:18:5 stat server:PEER_PACKET_LOSS <= 2%, "steady" & calm
        expected: <= 2% (1311/65536)
        observed: 9.4% 🛰️ at 12s \\ud800
        held for 8 of 20 seeds (failed seeds: 1, 2, 4, 5, 6, 7, 9, 10, 12, 13, +2 more)

      reproduce:
        enetsim run 'scenarios/lossy, "wifi": 50%.yaml' --seed 3

      2 scenarios, 1 passed, 1 failed
      "
    `);
  });
});

describe('pretty helpers', () => {
  it('printable: escapes C0, DEL, C1, line separators, bidi controls and lone surrogates, keeps emoji and accents', () => {
    expect(printable('a\nb\tc\x00\x7f\x85\u2028\u202e\u2066 é 🛰️ \ud800')).toBe(String.raw`a\nb\tc\x00\x7f\x85\u2028\u202e\u2066 é 🛰️ \ud800`);
  });

  it('formatDurationMs: picks ms, s or m+s and never prints 60 seconds in a minute', () => {
    expect([0.44, 12.3, 999, 1000, 1234.5, 30_000, 125_500, 119_990].map(formatDurationMs)).toEqual([
      '0.4ms', '12ms', '999ms', '1s', '1.23s', '30s', '2m5.5s', '2m0s',
    ]);
  });

  it('formatSeedList: lists 10 seeds, then counts the rest', () => {
    expect(formatSeedList([4, 2])).toBe('4, 2');
    expect(formatSeedList(Array.from({ length: 25 }, (_, index) => index))).toBe('0, 1, 2, 3, 4, 5, 6, 7, 8, 9, +15 more');
  });
});

describe('json reporter', () => {
  const output = renderJson(mixedRun);
  const json = JSON.parse(output) as JsonReport;

  it('json: is version 1 with the run summary, indented by two spaces, ending in one newline', () => {
    expect(output.startsWith('{\n  "version": 1,\n  "passed": false,\n')).toBe(true);
    expect(output.endsWith('}\n')).toBe(true);
    expect(output.endsWith('\n\n')).toBe(false);
    expect(Object.keys(json)).toEqual(['version', 'passed', 'summary', 'scenarios']);
    expect(json.summary).toEqual({ scenarioCount: 2, passedCount: 1, failedCount: 1 });
  });

  it('json: carries every field of every scenario and assertion unchanged, hostile strings included', () => {
    expect(json.scenarios).toEqual([failingScenario, passingScenario]);
    expect(json.scenarios[0]?.assertions[0]?.observed).toBe(CONNECT_OBSERVED);
    expect(json.scenarios[0]?.traceHashes).toHaveLength(20);
  });

  it('json: writes keys in the documented order', () => {
    expect(Object.keys(json.scenarios[0] ?? {})).toEqual([
      'file', 'name', 'passed', 'seeds', 'durationMs', 'simulatedMs', 'wallMs', 'traceHashes', 'reproduce', 'error', 'assertions',
    ]);
    expect(Object.keys(json.scenarios[0]?.assertions[0] ?? {})).toEqual([
      'label', 'kind', 'position', 'passed', 'expected', 'observed', 'heldCount', 'seedCount', 'failedSeeds',
    ]);
  });
});

describe('junit reporter', () => {
  const output = renderJunit(mixedRun);
  const root = parseXml(output);
  const suites = childElements(root);

  it('junit: is a well-formed XML document with an XML declaration, ending in a newline', () => {
    expect(output.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(output.endsWith('</testsuites>\n')).toBe(true);
    expect(root.name).toBe('testsuites');
  });

  it('junit: never emits the raw hostile characters', () => {
    expect(isXmlChars(output)).toBe(true);
    expect(output).not.toContain(']]>');
    expect(output).not.toContain('\x1b');
    expect(output).toContain('&quot;wifi&quot; &amp; &lt;50% loss&gt; ]]&gt;');
  });

  it('junit: totals tests and failures over the run, time in seconds with three decimals', () => {
    expect(root.attributes).toEqual({ name: 'enetsim', tests: '5', failures: '2', errors: '0', time: '1.247' });
  });

  it('junit: has one testsuite per scenario file with name, file, counts and wall time', () => {
    expect(suites.map((suite) => suite.name)).toEqual(['testsuite', 'testsuite']);
    expect(suites[0]?.attributes).toEqual({
      name: xmlSafe(HOSTILE_NAME), file: HOSTILE_FILE, tests: '3', failures: '2', errors: '0', skipped: '0', time: '1.235',
    });
    expect(suites[1]?.attributes).toMatchObject({ name: 'handshake', tests: '2', failures: '0', time: '0.012' });
  });

  it('junit: records seeds, virtual duration, trace hashes and the reproduce command as properties', () => {
    const properties = findAll(suites[0] ?? root, 'property').map((property) => [property.attributes.name, property.attributes.value]);
    expect(properties).toEqual([
      ['seeds', failingScenario.seeds.join(', ')],
      ['durationMs', '30000'],
      ['traceHashes', failingScenario.traceHashes.join(', ')],
      ['reproduce', REPRODUCE],
    ]);
  });

  it('junit: has one testcase per assertion, a failure only on the failed ones', () => {
    const testcases = findAll(suites[0] ?? root, 'testcase');
    expect(testcases.map((testcase) => testcase.attributes)).toEqual([
      { classname: xmlSafe(HOSTILE_NAME), name: CONNECT_LABEL, file: HOSTILE_FILE, line: '12' },
      { classname: xmlSafe(HOSTILE_NAME), name: LOSS_LABEL, file: HOSTILE_FILE, line: '18' },
      { classname: xmlSafe(HOSTILE_NAME), name: failingScenario.assertions[2]?.label, file: HOSTILE_FILE, line: '24' },
    ]);
    expect(testcases.map((testcase) => findAll(testcase, 'failure').length)).toEqual([1, 1, 0]);
    expect(findAll(suites[1] ?? root, 'failure')).toEqual([]);
  });

  it('junit: a failure says what was expected and observed, in the message and the body', () => {
    const [connect, loss] = findAll(root, 'failure');
    expect(connect?.attributes).toEqual({
      message: `expected within 500ms of 0s / observed ${xmlSafe(CONNECT_OBSERVED)}`,
      type: 'state',
    });
    expect(textOf(connect ?? root)).toBe(
      [
        'expected within 500ms of 0s',
        `observed ${xmlSafe(CONNECT_OBSERVED)}`,
        'held for 17 of 20 seeds (failed seeds: 3, 8, 11)',
        `at ${HOSTILE_FILE}:12:7`,
        `reproduce: ${REPRODUCE}`,
      ].join('\n'),
    );
    // The CR survives as a reference, the NUL, VT and lone surrogate are removed.
    expect(xmlSafe(CONNECT_OBSERVED)).toBe('stayed STATE_CONNECTING until 5s\r\nthen ]]> timed out ');
    expect(loss?.attributes.message).toBe(`expected ${LOSS_EXPECTED} / observed 9.4% 🛰️ at 12s `);
  });

  it('junit: a scenario marked failed without a failed assertion still shows a failure', () => {
    const broken: RunReport = { scenarios: [{ ...passingScenario, passed: false, reproduce: 'enetsim run x.yaml --seed 7' }], passed: false };
    const suite = childElements(parseXml(renderJunit(broken)))[0] ?? root;
    expect(suite.attributes).toMatchObject({ tests: '3', failures: '1' });
    const failures = findAll(suite, 'failure');
    expect(failures.map((failure) => textOf(failure))).toEqual(['reproduce: enetsim run x.yaml --seed 7']);
  });
});

describe('xml test parser', () => {
  it('parseXml: decodes references and normalises attribute white space', () => {
    const element = parseXml('<a x="1&#10;2\t3" y=\'&quot;&apos;\'>&lt;&#x1F6F0;&amp;<![CDATA[<&]]></a>');
    expect(element.attributes).toEqual({ x: '1\n2 3', y: `"'` });
    expect(textOf(element)).toBe('<🛰&<&');
  });

  it.each([
    ['unbalanced tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
    ['a < in an attribute', '<a x="<"/>'],
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['a reference to a forbidden character', '<a>&#27;</a>'],
    [']]> in text', '<a>]]></a>'],
    ['a raw control character', '<a>\x1b</a>'],
    ['a lone surrogate', '<a>\ud800</a>'],
    ['two roots', '<a/><b/>'],
    ['text after the root', '<a/>x'],
    ['a DOCTYPE', '<!DOCTYPE a><a/>'],
    ['a late XML declaration', ' <?xml version="1.0"?><a/>'],
  ])('parseXml: rejects %s', (_, source) => {
    expect(() => parseXml(source)).toThrow(XmlSyntaxError);
  });
});

describe('github reporter', () => {
  const output = renderGithub(mixedRun);
  const lines = output.split('\n');

  it('github: one error per failed assertion and a summary notice, one command per line', () => {
    expect(output.endsWith('\n')).toBe(true);
    expect(lines.slice(0, -1).map((line) => line.slice(0, line.indexOf(' ')))).toEqual(['::error', '::error', '::notice']);
    expect(lines[2]).toBe('::notice title=enetsim::2 scenarios, 1 passed, 1 failed');
  });

  it('github: annotates the assertion position with escaped properties and message', () => {
    const file = 'scenarios/lossy%2C "wifi"%3A 50%25.yaml';
    const title = `${escapeProperty(HOSTILE_NAME)}%3A state client->server reaches STATE_CONNECTED`;
    expect(lines[0]).toBe(
      `::error file=${file},line=12,col=7,title=${title}::expected: within 500ms of 0s%0Aobserved: stayed STATE_CONNECTING until 5s%0D%0Athen ]]> timed out \x00\x0b%0Aheld for 17 of 20 seeds (failed seeds: 3, 8, 11)`,
    );
    expect(lines[1]).toContain(',line=18,col=5,');
    expect(lines[1]).toContain('stat server%3APEER_PACKET_LOSS <= 2%25%2C "steady" & calm::expected: <= 2%25 (1311/65536)%0A');
  });

  it('github: a passing run gets only the summary notice', () => {
    expect(renderGithub(passingRun)).toBe('::notice title=enetsim::1 scenario, 1 passed, 0 failed\n');
  });

  it('github: a scenario marked failed without a failed assertion gets an error on its file', () => {
    const broken: RunReport = { scenarios: [{ ...passingScenario, passed: false }], passed: false };
    expect(renderGithub(broken).split('\n')[0]).toBe(
      '::error file=scenarios/handshake.yaml,title=handshake::the scenario failed, but none of its assertions did',
    );
  });

  it('github: escapes % before the characters it encodes, so encoded-looking input stays literal', () => {
    expect(escapeData('100% %0A\r\n:,')).toBe('100%25 %250A%0D%0A:,');
    expect(escapeProperty('a:b,c%3A\n')).toBe('a%3Ab%2Cc%253A%0A');
  });
});

describe('render', () => {
  it.each(REPORTER_NAMES)('render: %s dispatches to its reporter', (name) => {
    const byName = { pretty: renderPretty(mixedRun, plain), json: renderJson(mixedRun), junit: renderJunit(mixedRun), github: renderGithub(mixedRun) };
    expect(render(mixedRun, name, plain)).toBe(byName[name]);
  });

  it('render: knows exactly the four reporters', () => {
    expect(REPORTER_NAMES).toEqual(['pretty', 'json', 'junit', 'github']);
  });
});
