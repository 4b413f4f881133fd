// `--html-window 5s..6.5s`, parsed apart from the HTML report itself: the command line checks the
// flag without loading the report code.
import { parseUnit } from '../../scenario/units.js';

/** The sequence diagram's window from `--html-window 5s..6s`, absolute virtual ms. */
export interface HtmlWindow {
  fromMs: number;
  toMs: number;
  /** As the user wrote it, for the page ("--html-window 5s..6s"). */
  label: string;
}

export type ParsedWindow = { ok: true; window: HtmlWindow } | { ok: false; message: string };

/** Parses `5s..6s` (durations with units, from before to). */
export function parseHtmlWindow(text: string): ParsedWindow {
  const parts = text.split('..');
  const usage = `--html-window ${text}: give two durations, from..to, e.g. 5s..6.5s`;
  if (parts.length !== 2) return { ok: false, message: usage };
  const from = parseUnit('duration', parts[0]!.trim());
  const to = parseUnit('duration', parts[1]!.trim());
  if (!from.ok) return { ok: false, message: `--html-window ${text}: ${from.message}` };
  if (!to.ok) return { ok: false, message: `--html-window ${text}: ${to.message}` };
  if (!(to.value > from.value)) return { ok: false, message: `--html-window ${text}: the window must end after it starts` };
  return { ok: true, window: { fromMs: from.value, toMs: to.value, label: `--html-window ${text}` } };
}
