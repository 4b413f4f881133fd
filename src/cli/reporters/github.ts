// GitHub Actions workflow commands: an error annotation on the scenario line of each failed
// assertion, and a notice with the summary.
import type { AssertionResult, RunReport, ScenarioResult } from '../result.js';
import {
  countScenarios,
  FAILED_WITHOUT_ASSERTION_MESSAGE,
  failedAssertions,
  failedWithoutAssertion,
  formatHeld,
  formatScenarioError,
  summaryLine,
} from './format.js';

/**
 * Renders `report` as GitHub Actions workflow commands, one per line, ending in a newline:
 *
 * - `::error file=…,line=…,col=…,title=<scenario name>: <label>::expected: …⏎observed: …⏎held for …`
 *   for each failed assertion (the ⏎ are encoded as `%0A`);
 * - `::error file=…,title=<scenario name>::…` for a scenario marked failed with no failed assertion,
 *   and for one whose run stopped at an internal limit (the message names the limit and the time);
 * - last, `::notice title=enetsim::2 scenarios, 1 passed, 1 failed`.
 *
 * Passing scenarios add nothing but their count in the notice. Values are escaped as
 * `@actions/core` does, so no scenario text can end a command early or start another.
 */
export function renderGithub(report: RunReport): string {
  const lines = report.scenarios.flatMap(scenarioCommands);
  lines.push(workflowCommand('notice', { title: 'enetsim' }, summaryLine(countScenarios(report), report)));
  return `${lines.join('\n')}\n`;
}

function scenarioCommands(scenario: ScenarioResult): string[] {
  if (scenario.error !== null) {
    return [workflowCommand('error', { file: scenario.file, title: scenario.name }, formatScenarioError(scenario))];
  }
  if (failedWithoutAssertion(scenario)) {
    return [workflowCommand('error', { file: scenario.file, title: scenario.name }, FAILED_WITHOUT_ASSERTION_MESSAGE)];
  }
  return failedAssertions(scenario).map((assertion) => assertionCommand(scenario, assertion));
}

function assertionCommand(scenario: ScenarioResult, assertion: AssertionResult): string {
  const { file, line, column } = assertion.position;
  const properties = { file, line: String(line), col: String(column), title: `${scenario.name}: ${assertion.label}` };
  const message = [`expected: ${assertion.expected}`, `observed: ${assertion.observed}`, formatHeld(assertion)].join('\n');
  return workflowCommand('error', properties, message);
}

/** `::name key=value,…::message`, properties in the order given. */
function workflowCommand(name: string, properties: Readonly<Record<string, string>>, message: string): string {
  const encoded = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',');
  return `::${name} ${encoded}::${escapeData(message)}`;
}

/** A workflow command's message: `%`, CR and LF percent-encoded (`%` first). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: as {@link escapeData}, plus `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
