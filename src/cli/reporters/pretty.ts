// The terminal report: a table of scenarios, a block per failed assertion, the commands that
// reproduce the failures and a summary line.
import { Chalk, type ChalkInstance, type ColorSupportLevel } from 'chalk';
import Table from 'cli-table3';
import type { AssertionResult, RunReport, ScenarioResult } from '../result.js';
import {
  countScenarios,
  FAILED_WITHOUT_ASSERTION_MESSAGE,
  failedAssertions,
  failedWithoutAssertion,
  formatDurationMs,
  formatHeld,
  formatPosition,
  formatScenarioError,
  seedsHeldCount,
  summaryLine,
} from './format.js';

/** How the pretty report is printed; the caller decides from the stream and the environment. */
export interface PrettyOptions {
  /** Colour and Unicode borders when true; when false, no ANSI escape at all and ASCII borders. */
  color: boolean;
  /** Print only the failures, the reproduce commands and the summary line (no table). */
  quiet: boolean;
  /** Chalk's colour level when `color` is true (1 basic, 2 256 colours, 3 truecolor); default 1. */
  colorLevel?: Exclude<ColorSupportLevel, 0>;
}

/** Borders for logs that may not render box drawing (CI, pipes): ASCII only. */
const ASCII_TABLE_CHARS = {
  top: '-', 'top-mid': '+', 'top-left': '+', 'top-right': '+',
  bottom: '-', 'bottom-mid': '+', 'bottom-left': '+', 'bottom-right': '+',
  left: '|', 'left-mid': '+', mid: '-', 'mid-mid': '+',
  right: '|', 'right-mid': '+', middle: '|',
} as const;

const TABLE_HEAD = ['status', 'scenario', 'file', 'seeds', 'assertions', 'virtual', 'wall'] as const;

/**
 * Renders `report` for a person at a terminal. Returns the whole text, ending in a newline; the
 * caller writes it. Scenario text (names, files, labels, expected/observed) is shown with control
 * characters escaped (`\x1b`, `\n`, bidi overrides as `\u202e`), so a scenario cannot inject
 * terminal escapes or break the layout. The seeds column shows the seed itself for a one-seed run
 * and "held/run" (seeds every assertion held for, of seeds run) otherwise.
 */
export function renderPretty(report: RunReport, options: PrettyOptions): string {
  const chalk = new Chalk({ level: options.color ? (options.colorLevel ?? 1) : 0 });
  const sections: string[] = [];
  if (!options.quiet && report.scenarios.length > 0) sections.push(renderTable(report, chalk, options.color));
  const failures = report.scenarios.flatMap((scenario) => renderScenarioFailures(scenario, chalk));
  if (failures.length > 0) sections.push(failures.join('\n\n'));
  const reproduce = renderReproduce(report, chalk);
  if (reproduce !== null) sections.push(reproduce);
  sections.push(renderSummary(report, chalk));
  return `${sections.join('\n\n')}\n`;
}

function renderTable(report: RunReport, chalk: ChalkInstance, color: boolean): string {
  const table = new Table({
    head: TABLE_HEAD.map((title) => chalk.bold(title)),
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'right'],
    // cli-table3 colours through its own library, which reads the environment; keep it off and
    // colour the cells with the caller's chalk instead.
    style: { head: [], border: [], compact: true },
    ...(color ? {} : { chars: ASCII_TABLE_CHARS }),
  });
  for (const scenario of report.scenarios) table.push(tableRow(scenario, chalk));
  return table.toString();
}

function tableRow(scenario: ScenarioResult, chalk: ChalkInstance): string[] {
  const assertionsPassedCount = scenario.assertions.filter((assertion) => assertion.passed).length;
  return [
    scenario.error !== null ? chalk.red.bold('ERROR') : scenario.passed ? chalk.green('PASS') : chalk.red.bold('FAIL'),
    printable(scenario.name),
    printable(scenario.file),
    formatSeeds(scenario),
    // A run stopped at a limit checked nothing: "0/0" would read as an empty scenario.
    scenario.error !== null ? 'not checked' : `${assertionsPassedCount}/${scenario.assertions.length}`,
    formatVirtual(scenario),
    formatDurationMs(scenario.wallMs),
  ];
}

/** The virtual time simulated; "6h54m of 24h" style when a run stopped before the scenario's end. */
function formatVirtual(scenario: ScenarioResult): string {
  if (scenario.simulatedMs >= scenario.durationMs) return formatDurationMs(scenario.durationMs);
  return `${formatDurationMs(scenario.simulatedMs)} of ${formatDurationMs(scenario.durationMs)}`;
}

function formatSeeds(scenario: ScenarioResult): string {
  const [onlySeed] = scenario.seeds;
  if (scenario.seeds.length === 1 && onlySeed !== undefined) return String(onlySeed);
  return `${seedsHeldCount(scenario)}/${scenario.seeds.length}`;
}

function renderScenarioFailures(scenario: ScenarioResult, chalk: ChalkInstance): string[] {
  if (scenario.error !== null) {
    return [`${chalk.cyan(printable(scenario.file))} ${chalk.bold(printable(scenario.name))}\n  ${chalk.red(printable(formatScenarioError(scenario)))}`];
  }
  if (failedWithoutAssertion(scenario)) {
    return [`${chalk.cyan(printable(scenario.file))} ${chalk.bold(printable(scenario.name))}\n  ${FAILED_WITHOUT_ASSERTION_MESSAGE}`];
  }
  return failedAssertions(scenario).map((assertion) => renderAssertionFailure(assertion, chalk));
}

function renderAssertionFailure(assertion: AssertionResult, chalk: ChalkInstance): string {
  return [
    `${chalk.cyan(printable(formatPosition(assertion.position)))} ${chalk.bold(printable(assertion.label))}`,
    `  ${chalk.dim('expected:')} ${printable(assertion.expected)}`,
    `  ${chalk.dim('observed:')} ${chalk.red(printable(assertion.observed))}`,
    `  ${formatHeld(assertion)}`,
  ].join('\n');
}

function renderReproduce(report: RunReport, chalk: ChalkInstance): string | null {
  const commands = report.scenarios
    .filter((scenario) => !scenario.passed && scenario.reproduce !== null)
    .map((scenario) => `  ${printable(scenario.reproduce ?? '')}`);
  if (commands.length === 0) return null;
  return [chalk.bold('reproduce:'), ...commands].join('\n');
}

function renderSummary(report: RunReport, chalk: ChalkInstance): string {
  const line = summaryLine(countScenarios(report), report);
  return report.passed ? chalk.green(line) : chalk.red.bold(line);
}

/**
 * Characters that would reach the terminal as control: C0 and C1 controls, DEL, the Unicode line
 * and paragraph separators and the bidirectional overrides and isolates (which reorder what a person
 * reads, "Trojan Source"); and lone surrogates, which UTF-8 cannot encode (the stream would print
 * U+FFFD). With the `u` flag, `[\ud800-\udfff]` matches only unpaired surrogates.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every {@link UNPRINTABLE} character written as an escape a person can read. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (character) => {
    const named = NAMED_ESCAPES[character];
    if (named !== undefined) return named;
    const code = character.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
