// What `enetsim proxy` writes and checks besides its summary: the session as a trace (--trace), the
// HTML report (--html), a pcapng capture (--pcap), the narration (--explain), and the verdicts of a
// checks file (--expect). Each reuses the writer `run` uses; this file only feeds them a live session.
import { PROXY_SERVER_NAME, proxyClientName, ProxyTraceRecorder } from '../../native/proxy-trace.js';
import type { ProxyDatagramEvent, ProxyDirection, ProxyEvent, ProxySummary } from '../../native/proxy.js';
import { directionHosts, PROXY_CLIENT_HOST, PROXY_SERVER_HOST, type ProxyLinkTarget } from '../../native/proxy-network.js';
import type { ProxyTimelineAction } from '../../native/proxy-timeline.js';
import { addressFamily } from '../../native/udp.js';
import type { ResolvedLinkConfig } from '../../sim/link-config.js';
import { writePcapngSection, type PcapHost } from '../../report/pcapng.js';
import { buildRunPageData } from '../../report/run-model.js';
import type { ExpectationMark } from '../../report/run-page-data.js';
import { renderRunReport } from '../../report/run-report.js';
import { judgePassive, loadPassiveChecks, type PassiveCheck, type PassiveVerdict } from '../../scenario/passive.js';
import { decodeScenarioText, formatProblem } from '../../scenario/source.js';
import { formatDuration } from '../../scenario/units.js';
import { hashTraceEvents, type DatagramTraceEvent } from '../../trace/trace.js';
import { VERSION } from '../../version.js';
import type { CliIo } from '../io.js';
import { nodeFileIo } from '../node-io.js';
import { openOutput, OutputFailed, writeOutput, type Output } from '../output.js';
import { formatPosition } from '../reporters/format.js';
import { narrateTrace, narrationHeading, NARRATION_LINES_TARGET } from './explain.js';
import { overwriteMessage, overwrittenInput, sameFile, SCENARIO_FILE_BYTES_MAX, type InputFile } from './files.js';
import type { NetworkIo } from './serve.js';

/** The flags of `enetsim proxy` this file serves. */
export interface ProxyOutputFlags {
  /** `--trace FILE`: the session as JSON Lines, the format of `run --trace`. */
  trace: string | null;
  /** `--html FILE`: the run report of the session. */
  html: string | null;
  /** `--pcap FILE`: every datagram as pcapng, as `run --pcap` writes it. */
  pcap: string | null;
  /** `--explain`: the narrated session after the summary. */
  explain: boolean;
  /** `--expect FILE`: checks judged when the session ends. */
  expect: string | null;
}

export const PROXY_OUTPUT_DEFAULTS: ProxyOutputFlags = { trace: null, html: null, pcap: null, explain: false, expect: null };

/** What the session is, for the files' headers. */
export interface ProxySessionDescription {
  listen: string;
  to: string;
  seed: number;
  linkUp: string;
  linkDown: string;
  /** The server's real address, for the capture. */
  target: { address: string; port: number };
}

type Prepared = { ok: true; outputs: ProxyOutputs | null } | { ok: false; message: string };

/** What reading the checks and opening the outputs needs of the CLI's io. */
export type ProxyFileIo = Pick<CliIo, 'readFile' | 'statPath' | 'openOutput'>;

/** The CLI's own file access when the command was given one (in-process runs, tests), else the real file system. */
export function proxyFileIo(io: object): ProxyFileIo {
  const candidate = io as Partial<ProxyFileIo>;
  return candidate.readFile !== undefined && candidate.statPath !== undefined && candidate.openOutput !== undefined ? (candidate as ProxyFileIo) : nodeFileIo;
}

/**
 * Reads the checks and opens the outputs before any socket is bound, so a bad file costs nothing
 * (exit 2). Null outputs when no flag of this file was given: the proxy then records nothing.
 * `durationMs` is --duration (Infinity without it): windows must end by then.
 */
export function prepareProxyOutputs(flags: ProxyOutputFlags, durationMs: number, files: ProxyFileIo = nodeFileIo, inputs: readonly InputFile[] = []): Prepared {
  if (flags.trace === null && flags.html === null && flags.pcap === null && !flags.explain && flags.expect === null) return { ok: true, outputs: null };
  let checks: { name: string | null; checks: PassiveCheck[] } | null = null;
  if (flags.expect !== null) {
    const loaded = readChecks(flags.expect, durationMs, files);
    if (!loaded.ok) return loaded;
    checks = loaded.value;
  }
  const named = [['--trace', flags.trace], ['--html', flags.html], ['--pcap', flags.pcap]] as const;
  const given = named.filter((entry): entry is readonly [(typeof entry)[0], string] => entry[1] !== null);
  // Another spelling of one file (./x, an absolute path, a link) counts as the same: two outputs would
  // write over each other, and opening an output truncates it, so one that names an input destroys it.
  const cliFiles = files as CliIo;
  for (let index = 0; index < given.length; index++) {
    for (let other = index + 1; other < given.length; other++) {
      if (sameFile(given[index]![1], given[other]![1], cliFiles)) return { ok: false, message: `${given[index]![0]} and ${given[other]![0]} name the same file (${given[index]![1]}); give two files` };
    }
  }
  const read: InputFile[] = [...inputs, ...(flags.expect !== null ? [{ what: 'the --expect file', path: flags.expect }] : [])];
  for (const [flag, path] of given) {
    const input = overwrittenInput(path, read, cliFiles);
    if (input !== null) return { ok: false, message: overwriteMessage(flag, path, input) };
  }
  const opened: Partial<Record<'--trace' | '--html' | '--pcap', Output>> = {};
  for (const [flag, path] of named) {
    if (path === null) continue;
    const result = openOutput(flag, path, files as CliIo);
    if (!result.ok) {
      for (const output of Object.values(opened)) output.file.close();
      return { ok: false, message: result.message };
    }
    opened[flag] = result.output;
  }
  return { ok: true, outputs: new ProxyOutputs(flags, checks, opened) };
}

function readChecks(path: string, durationMs: number, files: ProxyFileIo): { ok: true; value: { name: string | null; checks: PassiveCheck[] } } | { ok: false; message: string } {
  const info = files.statPath(path);
  if (info.kind === 'missing') return { ok: false, message: `--expect ${path}: no such file` };
  if (info.kind !== 'file') return { ok: false, message: `--expect ${path}: not a regular file; give a .yaml file with an expect: list` };
  if (info.sizeBytes > SCENARIO_FILE_BYTES_MAX) return { ok: false, message: `--expect ${path}: ${info.sizeBytes} bytes; a checks file is at most ${SCENARIO_FILE_BYTES_MAX} bytes (1 MiB)` };
  let bytes: Uint8Array;
  try {
    bytes = files.readFile(path);
  } catch (error) {
    return { ok: false, message: `--expect ${path}: cannot read (${(error as { code?: string }).code ?? (error as Error).message})` };
  }
  const decoded = decodeScenarioText(path, bytes);
  if (!decoded.ok) return { ok: false, message: formatProblem(decoded.problem) };
  const loaded = loadPassiveChecks(path, decoded.text, durationMs);
  if (!loaded.ok) return { ok: false, message: `${loaded.problems.map(formatProblem).join('\n')}\n${loaded.problems.length} problem${loaded.problems.length === 1 ? '' : 's'} in --expect ${path}; the proxy did not start` };
  return { ok: true, value: { name: loaded.name, checks: loaded.checks } };
}

/** Records one session and writes what was asked for when it ends. */
export class ProxyOutputs {
  readonly recorder: ProxyTraceRecorder;

  constructor(
    private readonly flags: ProxyOutputFlags,
    private readonly checks: { name: string | null; checks: PassiveCheck[] } | null,
    private readonly opened: Partial<Record<'--trace' | '--html' | '--pcap', Output>>,
  ) {
    this.recorder = new ProxyTraceRecorder(opened['--pcap'] !== undefined);
  }

  /** The proxy's hooks: hand them to UdpProxy.open beside its own onEvent. */
  onDatagram = (event: ProxyDatagramEvent): void => this.recorder.handleDatagram(event);
  onEvent = (event: ProxyEvent): void => this.recorder.handleEvent(event);

  /**
   * A change of the network (timeline or control) as the simulator's trace writes its actions, so the
   * report draws it as it draws a run's: a one-way partition as one way, a hold per direction, a lag
   * spike and a ramp over their length. `meta` (source, label, place in the scenario) is added to each.
   */
  recordChange(atMs: number, change: ProxyTimelineAction, meta: Record<string, unknown>): void {
    for (const { action, detail } of changeActions(change)) this.recorder.recordAction(atMs, action, { ...detail, ...meta });
  }

  /** The links as actions at the start, so the page and the narration show them. */
  recordLinks(session: ProxySessionDescription): void {
    this.recorder.recordAction(0, 'link', { from: 'client', to: PROXY_SERVER_NAME, link: session.linkUp });
    this.recorder.recordAction(0, 'link', { from: PROXY_SERVER_NAME, to: 'client', link: session.linkDown });
  }

  /**
   * Writes the files, prints the narration and the verdicts; returns 1 when a check failed, 2 when a
   * file could not be written, else 0. Call once, after the proxy closed.
   */
  finish(summary: ProxySummary, session: ProxySessionDescription, io: NetworkIo, json: boolean): number {
    const events = this.recorder.events;
    const durationMs = Math.max(summary.durationMs, events.at(-1)?.atMs ?? 0);
    const verdicts = this.checks === null ? null : judgePassive(this.checks.checks, { events, wireEvents: this.recorder.wireEvents, rtt: summary.connections[0]?.enet.rtt ?? null, durationMs });
    let code = verdicts !== null && verdicts.some((verdict) => !verdict.result.passed) ? 1 : 0;
    if (this.recorder.trace.truncated) io.stderr(`enetsim proxy: the session's trace reached ${this.recorder.trace.eventsMax} events and stopped recording there; the files end at ${formatDuration(events.at(-1)?.atMs ?? 0)}\n`);
    try {
      const traceOutput = this.opened['--trace'];
      if (traceOutput !== undefined) this.writeTrace(traceOutput, session, durationMs);
      const pcapOutput = this.opened['--pcap'];
      if (pcapOutput !== undefined) this.writePcap(pcapOutput, summary, session);
      const htmlOutput = this.opened['--html'];
      if (htmlOutput !== undefined) writeOutput(htmlOutput, this.html(session, durationMs, verdicts));
    } catch (error) {
      if (!(error instanceof OutputFailed)) throw error;
      io.stderr(`enetsim proxy: ${error.message}\n`);
      code = 2;
    } finally {
      for (const output of Object.values(this.opened)) output.file.close();
    }
    if (this.flags.explain) (json ? io.stderr : io.stdout)(this.narration(session));
    if (verdicts !== null) printVerdicts(io, json, this.flags.expect!, verdicts);
    return code;
  }

  private writeTrace(output: Output, session: ProxySessionDescription, durationMs: number): void {
    const events = this.recorder.events;
    // The run line `report` reads: name and durationMs draw the page without anything else; no `file` (nothing re-runs a live session).
    let chunk = `${JSON.stringify({ kind: 'run', seed: session.seed, traceHash: hashTraceEvents(events), name: sessionName(session), durationMs })}\n`;
    for (const event of events) {
      chunk += `${JSON.stringify(event)}\n`;
      if (chunk.length >= 1 << 20) {
        writeOutput(output, chunk);
        chunk = '';
      }
    }
    writeOutput(output, chunk);
  }

  private writePcap(output: Output, summary: ProxySummary, session: ProxySessionDescription): void {
    const hosts: PcapHost[] = [{ name: PROXY_SERVER_NAME, ipv4: ipv4Of(session.target.address, '10.0.0.1'), port: session.target.port }];
    for (const connection of summary.connections) {
      hosts.push({ name: proxyClientName(connection.client), ipv4: ipv4Of(connection.address, `10.0.1.${connection.client % 250}`), port: connection.port });
    }
    const run = {
      comment: `${sessionName(session)}: each datagram as it reached the proxy from its sender (the proxy's own sockets are not shown: client and server appear to talk directly)`,
      hosts,
      events: this.recorder.events,
      bytesOf: (event: DatagramTraceEvent) => this.recorder.trace.bytesOf(event),
    };
    writePcapngSection(run, `enetsim ${VERSION} proxy`, (piece) => writeOutput(output, piece));
  }

  private html(session: ProxySessionDescription, durationMs: number, verdicts: readonly PassiveVerdict[] | null): string {
    const events = this.recorder.events;
    const page = buildRunPageData({
      events,
      durationMs,
      header: {
        scenario: this.checks?.name ?? sessionName(session),
        file: this.flags.trace ?? '(live session)',
        seed: String(session.seed),
        passed: verdicts === null ? null : verdicts.every((verdict) => verdict.result.passed),
        settings: [
          `a live session through enetsim proxy (${session.listen} → ${session.to}), read passively: the datagrams are what reached and left the proxy`,
          'peer states are inferred from CONNECT, VERIFY_CONNECT, DISCONNECT and their ACKs (causes start with "inferred:"); there are no statistics samples and no application events (the endpoints keep them)',
          `client→server: ${session.linkUp}`,
          `server→client: ${session.linkDown}`,
        ],
        reproduce: 'a live session cannot be re-run; its trace redraws it: enetsim report TRACE --html FILE',
        implementation: 'real ENet endpoints (not known to the proxy)',
        traceHash: hashTraceEvents(events),
      },
      expectations: (verdicts ?? []).map((verdict) => markOf(verdict, durationMs)),
    });
    return renderRunReport([page]);
  }

  private narration(session: ProxySessionDescription): string {
    const header = [
      `Live session ${sessionName(session)}, read passively by the proxy:`,
      `  client→server: ${session.linkUp}`,
      `  server→client: ${session.linkDown}`,
      '  state changes are inferred from the commands on the wire; no statistics (so no throttle steps) and no application events',
    ];
    const narration = narrateTrace(this.recorder.events, NARRATION_LINES_TARGET - header.length - 1);
    const lines = [...header, narrationHeading(session.seed, narration.collapsing), ...narration.lines];
    if (narration.omittedCount > 0) lines.push(`  … ${narration.omittedCount} more lines (use --trace FILE for everything)`);
    // The links at 0 ms are always narrated: whether any datagram came is read from the events.
    if (!this.recorder.events.some((event) => event.kind === 'datagram')) lines.push('  nothing happened: no datagram reached the proxy');
    return `${lines.join('\n')}\n`;
  }
}

/** A link target in the scenario's words: `client<->server`, `client->server`, `server->client`, `default`. */
function targetName(target: ProxyLinkTarget): string {
  if (target === 'default') return 'default';
  return target === 'both' ? `${PROXY_CLIENT_HOST}<->${PROXY_SERVER_HOST}` : directionHosts(target).join('->');
}

function directionsTarget(directions: readonly ProxyDirection[]): ProxyLinkTarget {
  return directions.length === 1 ? directions[0]! : 'both';
}

/** One network change as the trace actions the simulator records for it (simulation.ts, compile.ts lagSpike). */
export function changeActions(change: ProxyTimelineAction): { action: string; detail: Record<string, unknown> }[] {
  switch (change.kind) {
    case 'link':
      return change.settings.map((setting) => ({ action: 'link', detail: { link: targetName(setting.target), config: setting.config, rampMs: change.rampMs } }));
    case 'partition':
    case 'heal':
      if (change.directions.length === 2) return [{ action: change.kind, detail: { a: PROXY_CLIENT_HOST, b: PROXY_SERVER_HOST, oneWay: false } }];
      return change.directions.map((direction) => {
        const [a, b] = directionHosts(direction);
        return { action: change.kind, detail: { a, b, oneWay: true } };
      });
    case 'hold':
    case 'release':
      return change.directions.map((direction) => {
        const [from, to] = directionHosts(direction);
        return { action: change.kind, detail: { from, to } };
      });
    case 'lag_spike':
      return [{ action: 'lag_spike', detail: { link: targetName(directionsTarget(change.directions)), extraMs: change.extraMs, forMs: change.forMs } }];
    case 'lag_spike_end':
      return [{ action: 'lag_spike_end', detail: { link: targetName(directionsTarget(change.directions)), extraMs: change.extraMs } }];
  }
}

function sessionName(session: ProxySessionDescription): string {
  return `enetsim proxy ${session.listen} → ${session.to} (seed ${session.seed})`;
}

/** A dotted IPv4 address for the capture: the real one, or `fallback` for an IPv6 endpoint (the capture's packets are IPv4). */
function ipv4Of(address: string, fallback: string): string {
  return addressFamily(address) === 'IPv4' ? address : fallback;
}

function markOf(verdict: PassiveVerdict, durationMs: number): ExpectationMark {
  const placement = verdict.result.placement;
  return {
    label: verdict.label,
    kind: verdict.kind,
    position: formatPosition(verdict.position),
    passed: verdict.result.passed,
    expected: verdict.result.expected,
    observed: verdict.result.observed,
    panel: null,
    subject: placement?.subject ?? null,
    fromMs: placement?.fromMs ?? 0,
    toMs: Math.min(placement?.toMs ?? durationMs, durationMs),
    min: placement?.min ?? null,
    max: placement?.max ?? null,
    observedValue: placement?.observedValue ?? null,
    observedAtMs: placement?.observedAtMs ?? null,
  };
}

/** Each verdict as `run` prints an assertion (position, label, expected, observed), then one line of totals. */
function printVerdicts(io: NetworkIo, json: boolean, file: string, verdicts: readonly PassiveVerdict[]): void {
  const failed = verdicts.filter((verdict) => !verdict.result.passed).length;
  if (json) {
    for (const verdict of verdicts) {
      const { result } = verdict;
      io.stdout(`${JSON.stringify({ event: 'expectation', position: formatPosition(verdict.position), label: verdict.label, kind: verdict.kind, passed: result.passed, expected: result.expected, observed: result.observed })}\n`);
    }
    io.stdout(`${JSON.stringify({ event: 'expectations', file, passed: failed === 0, count: verdicts.length, failed })}\n`);
    return;
  }
  const lines = [`expectations (${file}):`];
  for (const verdict of verdicts) {
    lines.push(`${verdict.result.passed ? 'PASS' : 'FAIL'} ${formatPosition(verdict.position)} ${verdict.label}`);
    lines.push(`  expected: ${verdict.result.expected}`);
    lines.push(`  observed: ${verdict.result.observed}`);
  }
  lines.push(failed === 0 ? `${verdicts.length} of ${verdicts.length} expectations held` : `${failed} of ${verdicts.length} expectations failed`);
  io.stdout(`${lines.join('\n')}\n`);
}
