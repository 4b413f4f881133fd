// The JUnit XML report, for CI systems that show test results (GitLab, Jenkins, Azure, test
// reporter actions): a suite per scenario file, a test case per assertion.
import type { AssertionResult, RunReport, ScenarioResult } from '../result.js';
import {
  FAILED_WITHOUT_ASSERTION_MESSAGE,
  failedAssertions,
  failedWithoutAssertion,
  formatHeld,
  formatPosition,
  formatScenarioError,
} from './format.js';

/**
 * Renders `report` as JUnit XML (UTF-8, ending in a newline):
 *
 * - `<testsuites name="enetsim" tests failures errors time>`, totals over the run;
 * - one `<testsuite name file tests failures errors skipped time>` per scenario, `name` the
 *   scenario's name, `time` its wall time in seconds with 3 decimals, with `<properties>` for the
 *   seeds, the virtual duration (ms), the trace hashes and the reproduce command;
 * - one `<testcase classname="scenario name" name="assertion label" file line>` per assertion, with
 *   `<failure message="expected … / observed …" type="kind">` when it failed.
 *
 * A scenario whose run stopped at an internal limit gets one test case named "scenario" with an
 * `<error type="limit">` (counted in `errors`), and `simulatedMs` among its properties.
 * A scenario marked failed with no failed assertion gets one extra failed test case named
 * "scenario", so CI never shows it green. Characters XML 1.0 cannot carry (most C0 controls, lone
 * surrogates, U+FFFE, U+FFFF) are removed; everything else is escaped.
 */
export function renderJunit(report: RunReport): string {
  const testCount = report.scenarios.reduce((sum, scenario) => sum + testCaseCount(scenario), 0);
  const failureCount = report.scenarios.reduce((sum, scenario) => sum + failureCaseCount(scenario), 0);
  const wallMs = report.scenarios.reduce((sum, scenario) => sum + scenario.wallMs, 0);
  const errorCount = report.scenarios.filter((scenario) => scenario.error !== null).length;
  const root = attributes({ name: 'enetsim', tests: testCount, failures: failureCount, errors: errorCount, time: seconds(wallMs) });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${root}>`,
    ...report.scenarios.flatMap(testsuiteLines),
    '</testsuites>',
    '',
  ].join('\n');
}

function testCaseCount(scenario: ScenarioResult): number {
  return scenario.assertions.length + (failedWithoutAssertion(scenario) || scenario.error !== null ? 1 : 0);
}

function failureCaseCount(scenario: ScenarioResult): number {
  return failedWithoutAssertion(scenario) ? 1 : failedAssertions(scenario).length;
}

function testsuiteLines(scenario: ScenarioResult): string[] {
  const suite = attributes({
    name: scenario.name,
    file: scenario.file,
    tests: testCaseCount(scenario),
    failures: failureCaseCount(scenario),
    errors: scenario.error !== null ? 1 : 0,
    skipped: 0,
    time: seconds(scenario.wallMs),
  });
  return [
    `  <testsuite${suite}>`,
    ...propertiesLines(scenario),
    ...scenario.assertions.flatMap((assertion) => testcaseLines(scenario, assertion)),
    ...(failedWithoutAssertion(scenario) ? scenarioFailureLines(scenario) : []),
    ...(scenario.error !== null ? scenarioErrorLines(scenario) : []),
    '  </testsuite>',
  ];
}

function propertiesLines(scenario: ScenarioResult): string[] {
  const properties: [string, string][] = [
    ['seeds', scenario.seeds.join(', ')],
    ['durationMs', String(scenario.durationMs)],
    ...(scenario.simulatedMs < scenario.durationMs ? [['simulatedMs', String(scenario.simulatedMs)] as [string, string]] : []),
    ['traceHashes', scenario.traceHashes.join(', ')],
  ];
  if (scenario.reproduce !== null) properties.push(['reproduce', scenario.reproduce]);
  return [
    '    <properties>',
    ...properties.map(([name, value]) => `      <property${attributes({ name, value })}/>`),
    '    </properties>',
  ];
}

function testcaseLines(scenario: ScenarioResult, assertion: AssertionResult): string[] {
  const { file, line } = assertion.position;
  const testcase = `    <testcase${attributes({ classname: scenario.name, name: assertion.label, file, line })}`;
  if (assertion.passed) return [`${testcase}/>`];
  const message = `expected ${assertion.expected} / observed ${assertion.observed}`;
  const body = [
    `expected ${assertion.expected}`,
    `observed ${assertion.observed}`,
    formatHeld(assertion),
    `at ${formatPosition(assertion.position)}`,
    ...(scenario.reproduce !== null ? [`reproduce: ${scenario.reproduce}`] : []),
  ].join('\n');
  return [
    `${testcase}>`,
    `      <failure${attributes({ message, type: assertion.kind })}>${xmlText(body)}</failure>`,
    '    </testcase>',
  ];
}

function scenarioFailureLines(scenario: ScenarioResult): string[] {
  const testcase = attributes({ classname: scenario.name, name: 'scenario', file: scenario.file });
  const failure = attributes({ message: FAILED_WITHOUT_ASSERTION_MESSAGE, type: 'scenario' });
  const body = scenario.reproduce !== null ? `reproduce: ${scenario.reproduce}` : FAILED_WITHOUT_ASSERTION_MESSAGE;
  return [`    <testcase${testcase}>`, `      <failure${failure}>${xmlText(body)}</failure>`, '    </testcase>'];
}

function scenarioErrorLines(scenario: ScenarioResult): string[] {
  const testcase = attributes({ classname: scenario.name, name: 'scenario', file: scenario.file });
  const text = formatScenarioError(scenario);
  return [`    <testcase${testcase}>`, `      <error${attributes({ message: text, type: 'limit' })}>${xmlText(text)}</error>`, '    </testcase>'];
}

/** Milliseconds as JUnit's seconds with three decimals: 1234.5 → "1.235". */
function seconds(durationMs: number): string {
  // Round to whole ms first: 1234.5 / 1000 is 1.2344999… in binary and would print "1.234".
  return (Math.round(durationMs) / 1000).toFixed(3);
}

/** ` a="1" b="x"`: each value escaped as an attribute, in the order given. */
function attributes(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlAttribute(String(value))}"`)
    .join('');
}

/** Everything outside XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
const XML_FORBIDDEN = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** `text` as XML character data: forbidden characters removed, markup and CR escaped. */
export function xmlText(text: string): string {
  return text
    .replace(XML_FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    // A parser turns a raw CR into LF; a reference keeps it.
    .replace(/\r/g, '&#13;');
}

/**
 * `text` as a double-quoted attribute value. Tab and line breaks become references because a
 * parser would otherwise normalise them to spaces.
 */
export function xmlAttribute(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;');
}
