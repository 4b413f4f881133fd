// The reporters, chosen by name (`--reporter`). Each returns the whole report as a string; the caller
// writes it and decides colour from its stream.
import type { RunReport } from '../result.js';
import { REPORTER_NAMES, type ReporterName } from './names.js';
import { renderGithub } from './github.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderPretty, type PrettyOptions } from './pretty.js';

export { renderGithub } from './github.js';
export { renderJson, toJsonReport } from './json.js';
export type { JsonAssertion, JsonPosition, JsonReport, JsonScenario } from './json.js';
export { renderJunit } from './junit.js';
export { renderPretty } from './pretty.js';
export type { PrettyOptions } from './pretty.js';

export { REPORTER_NAMES, REPORTERS_SHOWING_TRACE_HASHES, type ReporterName } from './names.js';

/** Options for {@link render}; only the pretty reporter reads them, the others are fixed formats. */
export type RenderOptions = PrettyOptions;

/** Renders `report` with the reporter named `reporter`; the text ends in a newline. */
export function render(report: RunReport, reporter: ReporterName, options: RenderOptions): string {
  switch (reporter) {
    case 'pretty':
      return renderPretty(report, options);
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'github':
      return renderGithub(report);
    default:
      return unknownReporter(reporter);
  }
}

function unknownReporter(reporter: never): never {
  throw new Error(`invariant: reporter name is one of ${REPORTER_NAMES.join(', ')}, got ${String(reporter)}`);
}
