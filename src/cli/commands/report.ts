// `enetsim report TRACE --html FILE`: draws a saved JSON Lines trace (run --trace) as the HTML report,
// one page per run line in it. Every line is checked first: a line that is not JSON, or not a trace
// event, is reported as file:line:col and nothing is written (exit 2).
import { hashTraceEvents, PEER_STATISTIC_NAMES, TRACE_EVENT_KINDS, type TraceEvent } from '../../trace/trace.js';
import { buildRunPageData } from '../../report/run-model.js';
import type { RunPageData } from '../../report/run-page-data.js';
import { renderRunReport } from '../../report/run-report.js';
import type { CliIo } from '../io.js';
import type { HtmlWindow } from './html.js';
import { openOutput, OutputFailed, writeOutput } from '../output.js';
import { overwrittenInput } from './files.js';
import { formatDuration } from '../../scenario/units.js';

export interface ReportOptions {
  trace: string;
  html: string;
  htmlWindow: HtmlWindow | null;
}

/** The largest trace read: a 10-minute, 100 000-datagram run writes about 80 MB. */
export const TRACE_FILE_BYTES_MAX = 1024 * 1024 * 1024;

/** The line `run --trace` writes before each seed's events. */
interface RunLine {
  kind: 'run';
  file?: string;
  seed?: number;
  traceHash?: string;
  name?: string;
  durationMs?: number;
}

interface SavedRun {
  line: RunLine | null;
  events: TraceEvent[];
}

type Parsed = { ok: true; runs: SavedRun[] } | { ok: false; message: string };

export function reportCommand(options: ReportOptions, io: CliIo): 0 | 2 {
  if (overwrittenInput(options.html, [{ what: 'the trace', path: options.trace }], io) !== null) {
    io.stderr(`enetsim: --html ${options.html} is the trace itself; give another file\n`);
    return 2;
  }
  const parsed = readTrace(options.trace, io);
  if (!parsed.ok) {
    io.stderr(`${parsed.message}\nenetsim: nothing was written\n`);
    return 2;
  }
  const pages: RunPageData[] = [];
  for (const run of parsed.runs) {
    const page = pageOf(run, options);
    if (options.htmlWindow !== null && options.htmlWindow.fromMs >= page.timeRangeMs[1]) {
      const which = `seed ${run.line?.seed ?? '?'} of ${run.line?.file ?? options.trace}`;
      io.stderr(`enetsim: ${options.htmlWindow.label} starts after ${which} ends (${formatDuration(page.timeRangeMs[1])})\nenetsim: nothing was written\n`);
      return 2;
    }
    if (run.line?.traceHash !== undefined && run.line.traceHash !== page.header.traceHash) {
      io.stderr(`enetsim: ${options.trace}: the events of seed ${run.line.seed ?? '?'} hash to ${page.header.traceHash}, not to the ${run.line.traceHash} recorded with them: the trace was edited or cut\n`);
    }
    pages.push(page);
  }
  const opened = openOutput('--html', options.html, io);
  if (!opened.ok) {
    io.stderr(`enetsim: ${opened.message}\n`);
    return 2;
  }
  try {
    writeOutput(opened.output, renderRunReport(pages));
  } catch (error) {
    if (!(error instanceof OutputFailed)) throw error;
    io.stderr(`enetsim: ${error.message}\n`);
    return 2;
  } finally {
    opened.output.file.close();
  }
  io.stdout(`${options.html}: ${pages.length} run${pages.length === 1 ? '' : 's'} drawn from ${options.trace}\n`);
  return 0;
}

function pageOf(run: SavedRun, options: ReportOptions): RunPageData {
  const line = run.line;
  const lastAtMs = run.events.reduce((latest, event) => Math.max(latest, event.atMs), 0);
  const durationMs = line?.durationMs ?? Math.ceil(lastAtMs);
  const seed = line?.seed !== undefined ? String(line.seed) : 'unknown';
  const settings = [`drawn from the saved trace ${options.trace}${line?.file !== undefined ? ` of ${line.file}` : ''}: a trace holds no expectations and no resolved settings`];
  if (line?.durationMs === undefined) settings.push('the trace does not say how long the run was: the time axis ends at its last event');
  return buildRunPageData({
    events: run.events,
    durationMs,
    header: {
      scenario: line?.name ?? line?.file ?? options.trace,
      file: options.trace,
      seed,
      passed: null,
      settings,
      reproduce: line?.file !== undefined && line.seed !== undefined ? `enetsim run ${line.file} --seed ${line.seed}` : `enetsim report ${options.trace} --html FILE`,
      implementation: 'not recorded in the trace',
      traceHash: hashTraceEvents(run.events),
    },
    expectations: [],
    options: options.htmlWindow === null ? {} : { window: [options.htmlWindow.fromMs, options.htmlWindow.toMs], windowLabel: options.htmlWindow.label },
  });
}

// ---- reading and checking the trace ------------------------------------------------------------------

function readTrace(path: string, io: CliIo): Parsed {
  const info = io.statPath(path);
  if (info.kind === 'missing') return { ok: false, message: `enetsim: ${path}: no such file` };
  if (info.kind === 'directory') return { ok: false, message: `enetsim: ${path}: is a directory; give a trace file (run --trace FILE writes one)` };
  if (info.kind === 'other') return { ok: false, message: `enetsim: ${path}: not a regular file` };
  if (info.sizeBytes > TRACE_FILE_BYTES_MAX) return { ok: false, message: `enetsim: ${path}: ${info.sizeBytes} bytes; a trace read by report is at most ${TRACE_FILE_BYTES_MAX} bytes (1 GiB)` };
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(path);
  } catch (error) {
    return { ok: false, message: `enetsim: ${path}: cannot read (${(error as { code?: string }).code ?? (error as Error).message})` };
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const runs: SavedRun[] = [];
  let current: SavedRun | null = null;
  let lineNumber = 0;
  // The simulator writes each run's events in time order; the page's bands and bins rely on it.
  let previousAtMs = 0;
  // Line by line over the bytes: a long trace never becomes one string.
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    lineNumber++;
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(start, end));
    } catch {
      return { ok: false, message: `${path}:${lineNumber}:1 this line is not UTF-8 text` };
    }
    start = end + 1;
    if (text.trim() === '') continue;
    const checked = checkLine(text);
    if (!checked.ok) {
      // A first line that is not JSON is most likely another file given by mistake (a scenario, a report).
      const hint = lineNumber === 1 && checked.message.startsWith('not JSON') ? ' (report reads the JSON Lines trace that run --trace FILE writes)' : '';
      return { ok: false, message: `${path}:${lineNumber}:${checked.column} ${checked.message}${hint}` };
    }
    if (checked.value.kind === 'run') {
      current = { line: checked.value, events: [] };
      runs.push(current);
      previousAtMs = 0;
      continue;
    }
    if (current === null) {
      current = { line: null, events: [] };
      runs.push(current);
    }
    const event = checked.value as TraceEvent;
    if (event.atMs < previousAtMs) {
      return { ok: false, message: `${path}:${lineNumber}:${columnOf(text, 'atMs')} "atMs" ${event.atMs} is before the line above (${previousAtMs}): a run's events are in time order, as run --trace writes them` };
    }
    previousAtMs = event.atMs;
    current.events.push(event);
  }
  if (runs.length === 0) return { ok: false, message: `${path}: the trace is empty` };
  return { ok: true, runs };
}

type Checked = { ok: true; value: TraceEvent | RunLine } | { ok: false; column: number; message: string };

const KINDS: readonly string[] = ['run', ...TRACE_EVENT_KINDS];

/** The fields each kind must have, with their JSON types (others are optional and not read). */
const REQUIRED: Record<string, Record<string, 'number' | 'string' | 'array'>> = {
  run: {},
  datagram: { atMs: 'number', phase: 'string', id: 'number', from: 'string', to: 'string', sizeBytes: 'number' },
  event: { atMs: 'number', host: 'string', type: 'string', peer: 'string' },
  state: { atMs: 'number', host: 'string', peer: 'string', from: 'string', to: 'string' },
  stats: { atMs: 'number', host: 'string', peer: 'string', values: 'array' },
  action: { atMs: 'number', action: 'string' },
  queue: { atMs: 'number', from: 'string', to: 'string', bytes: 'number', datagramCount: 'number' },
};

/** The values a field may take, where the page draws each value differently. */
const ONE_OF: Record<string, Record<string, readonly string[]>> = {
  datagram: { phase: ['sent', 'dropped', 'delivered'] },
  event: { type: ['connect', 'disconnect', 'receive', 'error'] },
};

/** A run line's fields are optional, but one given must be right: the page's header and time axis come from them. */
function checkRunLine(record: Record<string, unknown>, text: string): Checked {
  const wrong = (field: string, what: string): Checked => ({ ok: false, column: columnOf(text, field), message: `a run line's "${field}" is ${what}` });
  for (const field of ['file', 'traceHash', 'name']) {
    if (record[field] !== undefined && typeof record[field] !== 'string') return wrong(field, 'a string');
  }
  const seed = record['seed'];
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 0 && (seed as number) <= 0xffffffff)) return wrong('seed', 'a whole number from 0 to 4294967295');
  const durationMs = record['durationMs'];
  if (durationMs !== undefined && !(typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0)) return wrong('durationMs', 'a number of ms from 0');
  return { ok: true, value: record as unknown as RunLine };
}

function checkLine(text: string): Checked {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const problem = locateJsonError(text);
    return { ok: false, column: problem.index + 1, message: `not JSON: ${problem.message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, column: 1, message: 'a trace line is a JSON object with a "kind"' };
  const record = value as Record<string, unknown>;
  const kind = record['kind'];
  if (typeof kind !== 'string' || !KINDS.includes(kind)) {
    return { ok: false, column: columnOf(text, 'kind'), message: `unknown kind ${JSON.stringify(kind ?? null)} (a trace line's kind is one of ${KINDS.join(', ')})` };
  }
  if (kind === 'run') return checkRunLine(record, text);
  for (const [field, type] of Object.entries(REQUIRED[kind]!)) {
    const fieldValue = record[field];
    const matches = type === 'array' ? Array.isArray(fieldValue) && fieldValue.every((item) => typeof item === 'number') : typeof fieldValue === type && (type !== 'number' || Number.isFinite(fieldValue));
    if (!matches) return { ok: false, column: columnOf(text, field), message: `a ${kind} line needs "${field}" as a ${type === 'array' ? 'list of numbers' : type}` };
  }
  if ((record['atMs'] as number) < 0) return { ok: false, column: columnOf(text, 'atMs'), message: `a ${kind} line needs "atMs" as a number from 0` };
  for (const [field, allowed] of Object.entries(ONE_OF[kind] ?? {})) {
    if (!allowed.includes(record[field] as string)) return { ok: false, column: columnOf(text, field), message: `a ${kind} line's "${field}" is one of ${allowed.join(', ')}, not ${JSON.stringify(record[field])}` };
  }
  if (kind === 'stats' && (record['values'] as number[]).length !== PEER_STATISTIC_NAMES.length) {
    return { ok: false, column: columnOf(text, 'values'), message: `a stats line needs "values" as a list of ${PEER_STATISTIC_NAMES.length} numbers (${PEER_STATISTIC_NAMES.join(', ')}), not ${(record['values'] as number[]).length}` };
  }
  return { ok: true, value: record as unknown as TraceEvent };
}

/** The 1-based column of `"field":` in the line, or 1. */
function columnOf(text: string, field: string): number {
  const index = text.indexOf(`"${field}":`);
  return index < 0 ? 1 : index + 1;
}

/**
 * Where JSON.parse gave up and why, found by a small scanner of our own (V8's messages give no position
 * for some errors).
 */
export function locateJsonError(text: string): { index: number; message: string } {
  let index = 0;
  class Stop extends Error {
    constructor(
      readonly at: number,
      message: string,
    ) {
      super(message);
    }
  }
  const space = (): void => {
    while (index < text.length && ' \t\r\n'.includes(text[index]!)) index++;
  };
  const expect = (character: string, what: string): void => {
    if (text[index] !== character) throw new Stop(index, `expected ${what}`);
    index++;
  };
  const string = (): void => {
    expect('"', 'a string');
    for (;;) {
      if (index >= text.length) throw new Stop(index, 'the string does not end');
      const character = text[index]!;
      if (character === '"') {
        index++;
        return;
      }
      if (character < ' ') throw new Stop(index, 'a control character inside a string');
      if (character === '\\') {
        const escape = text[index + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) throw new Stop(index, 'a bad \\u escape');
          index += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) throw new Stop(index, 'a bad escape');
        index += 2;
        continue;
      }
      index++;
    }
  };
  const value = (depth: number): void => {
    if (depth > 512) throw new Stop(index, 'nested too deeply');
    space();
    const character = text[index];
    if (character === '{') {
      index++;
      space();
      if (text[index] === '}') {
        index++;
        return;
      }
      for (;;) {
        space();
        string();
        space();
        expect(':', "':'");
        value(depth + 1);
        space();
        if (text[index] === ',') {
          index++;
          continue;
        }
        expect('}', "',' or '}'");
        return;
      }
    }
    if (character === '[') {
      index++;
      space();
      if (text[index] === ']') {
        index++;
        return;
      }
      for (;;) {
        value(depth + 1);
        space();
        if (text[index] === ',') {
          index++;
          continue;
        }
        expect(']', "',' or ']'");
        return;
      }
    }
    if (character === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(index, index + 400));
    if (literal === null) throw new Stop(index, index >= text.length ? 'the line ends where a value should be' : 'expected a value');
    index += literal[0].length;
  };
  try {
    value(0);
    space();
    if (index < text.length) throw new Stop(index, 'unexpected text after the JSON value');
  } catch (error) {
    if (error instanceof Stop) return { index: error.at, message: error.message };
    throw error;
  }
  return { index: 0, message: 'not valid JSON' };
}
