// Builds a run's HTML report data (RunPageData) from one seed's trace: the timeline's markers and
// spans, each peer's state bands, the statistics panels, the datagram fates and a packet sequence
// window. Pure and deterministic: the same trace gives the same data, key for key, so the same seed
// gives a byte-identical report. Everything is bounded (see the *_MAX constants and docs/reports.md).
import { describeAction, PEER_STATISTIC_NAMES, type ActionTraceEvent, type DatagramTraceEvent, type TraceEvent } from '../trace/trace.js';
import {
  RUN_PAGE_FORMAT,
  type ExpectationMark,
  type FateBins,
  type Panel,
  type PeerRow,
  type RunPageData,
  type RunPageHeader,
  type SequenceDatagram,
  type SequenceWindow,
  type Series,
  type TimeMarker,
  type TimeSpan,
} from './run-page-data.js';

/** Points kept per series at most; beyond it each bucket keeps its smallest and largest value. */
export const POINTS_PER_SERIES_MAX = 1000;
/**
 * Points kept over all the panels' series at most: with many series (a lobby's peers) each one gets
 * PANEL_POINTS_MAX / series (but at least {@link POINTS_PER_SERIES_MIN}). Two hosts have 24 series: 1000 each.
 */
export const PANEL_POINTS_MAX = 24_000;
export const POINTS_PER_SERIES_MIN = 100;
/** Datagrams embedded in the sequence diagram at most. */
export const SEQUENCE_DATAGRAMS_MAX = 600;
/** Commands listed over all the sequence diagram's datagrams at most (a datagram can carry a hundred ACKs). */
export const SEQUENCE_COMMANDS_MAX = 4000;
/** Fate bins at most: the bin width is the smallest of 1, 2, 5 × 10^k ms that keeps the count within it. */
export const FATE_BINS_MAX = 600;
/** Peers (host->peer pairs) and link directions drawn in the panels at most (a 256-host lobby draws the first ones). */
export const PANEL_SUBJECTS_MAX = 16;
/** State bands per peer row at most (a peer that reconnects every second for 10 minutes has 2 400); the row ends there. */
export const STATE_BANDS_PER_PEER_MAX = 1000;
/** Timeline markers at most. */
export const MARKERS_MAX = 1000;
/**
 * What the bounds above add up to for a two-host run at its worst (every series at its point limit, a
 * full sequence window, 1 000 markers): the page data's JSON stays under this many bytes (a test
 * builds that worst case). More hosts add peer rows; the panels keep their shared point budget.
 */
export const TWO_HOST_PAGE_DATA_BYTES_MAX = 700 * 1024;
/** The default sequence window: this long, starting this much before the instant it is about. */
export const SEQUENCE_WINDOW_MS = 2000;
export const SEQUENCE_WINDOW_LEAD_MS = 500;

export interface RunModelInput {
  events: readonly TraceEvent[];
  /** The run's virtual duration, ms (the time axis is [0, durationMs]). */
  durationMs: number;
  header: RunPageHeader;
  /** The expectations, already placed (empty for a saved trace). */
  expectations: readonly ExpectationMark[];
  options?: {
    /** The sequence diagram's window, absolute ms, instead of the default one. */
    window?: [number, number] | null;
    /** How the window was given, for `chosenBy` ("--window 5s..6s"). */
    windowLabel?: string;
  };
}

const STAT = Object.fromEntries(PEER_STATISTIC_NAMES.map((name, index) => [name, index])) as Record<(typeof PEER_STATISTIC_NAMES)[number], number>;

export function buildRunPageData(input: RunModelInput): RunPageData {
  const { events, durationMs } = input;
  const timeRangeMs: [number, number] = [0, durationMs];
  const datagrams = indexDatagrams(events);
  const transmissions = countTransmissions(events, datagrams);
  const panelBuild = buildPanels(events, datagrams, transmissions);
  const sequence = buildSequence(input, datagrams, transmissions);
  return {
    format: RUN_PAGE_FORMAT,
    header: input.header,
    timeRangeMs,
    markers: buildMarkers(events),
    spans: buildSpans(events, durationMs),
    peers: buildPeerRows(events, durationMs),
    panels: panelBuild.panels,
    fates: buildFates(datagrams, durationMs),
    sequence,
    expectations: [...input.expectations],
    bounds: {
      pointsPerSeriesMax: panelBuild.pointsPerSeriesMax,
      sequenceDatagramsMax: SEQUENCE_DATAGRAMS_MAX,
      downsampled: panelBuild.panels.some((panel) => panel.series.some((series) => series.sampleCount > series.timesMs.length)),
      panelSubjectsMax: PANEL_SUBJECTS_MAX,
      panelSubjectsOmitted: panelBuild.subjectsOmitted,
    },
  };
}

// ---- markers and spans ---------------------------------------------------------------------------

function buildMarkers(events: readonly TraceEvent[]): TimeMarker[] {
  const markers: TimeMarker[] = [];
  // A lag spike is one marker (and a span): the latency changes that make it are not marked again.
  const spikeStarts = new Set<string>();
  const spikeEndsMs = new Set<number>();
  for (const event of events) {
    if (event.kind !== 'action') continue;
    // The links the scenario starts with are the header's settings, not something that happened.
    if (event.atMs === 0 && event.action === 'link' && event.id === undefined) continue;
    if (event.action === 'lag_spike') {
      spikeStarts.add(`${event.atMs} ${event.id ?? ''}`);
      spikeEndsMs.add(event.atMs + Math.round(detailNumber(event, 'forMs')));
    } else if (event.action === 'link' && isLatencyStep(event)) {
      if (spikeStarts.has(`${event.atMs} ${event.id ?? ''}`) || (event.id === undefined && spikeEndsMs.has(event.atMs))) continue;
    }
    if (markers.length >= MARKERS_MAX) break;
    markers.push({ atMs: event.atMs, label: event.id ?? event.action, detail: describeAction(event), host: event.host ?? null });
  }
  return markers;
}

/** A link action that only sets the latency, at once (what a lag spike does at its start and end). */
function isLatencyStep(event: ActionTraceEvent): boolean {
  const config = event.detail?.['config'];
  return detailNumber(event, 'rampMs') === 0 && typeof config === 'object' && config !== null && Object.keys(config).join() === 'latencyMs';
}

function detailString(event: ActionTraceEvent, name: string): string {
  const value = event.detail?.[name];
  return typeof value === 'string' ? value : '';
}

function detailNumber(event: ActionTraceEvent, name: string): number {
  const value = event.detail?.[name];
  return typeof value === 'number' ? value : 0;
}

/** The key an opening action is closed by: partition a,b ↔ heal a,b; hold from,to ↔ release; pause/crash host ↔ resume/restart. */
function spanKey(event: ActionTraceEvent): string {
  switch (event.action) {
    case 'partition':
    case 'heal':
      return `partition ${detailString(event, 'a')}<->${detailString(event, 'b')} ${event.detail?.['oneWay'] === true ? 'one-way' : ''}`;
    case 'hold':
    case 'release':
      return `hold ${detailString(event, 'from')}->${detailString(event, 'to')}`;
    case 'pause':
    case 'resume':
      return `pause ${event.host ?? ''}`;
    default:
      return `crash ${event.host ?? ''}`;
  }
}

const SPAN_OPENERS: Record<string, { kind: 'partition' | 'hold' | 'pause' | 'crash'; closer: string }> = {
  partition: { kind: 'partition', closer: 'heal' },
  hold: { kind: 'hold', closer: 'release' },
  pause: { kind: 'pause', closer: 'resume' },
  crash: { kind: 'crash', closer: 'restart' },
};
const SPAN_CLOSERS = new Set(['heal', 'release', 'resume', 'restart']);

function buildSpans(events: readonly TraceEvent[], durationMs: number): TimeSpan[] {
  const spans: TimeSpan[] = [];
  const open = new Map<string, TimeSpan>();
  /** The congestion span of each link target ('default', 'a->b'), open while its configuration has a bandwidth. */
  const congestion = new Map<string, TimeSpan>();
  for (const event of events) {
    if (event.kind !== 'action') continue;
    const opener = SPAN_OPENERS[event.action];
    if (opener !== undefined) {
      const key = spanKey(event);
      if (open.has(key)) continue;
      const span: TimeSpan = { kind: opener.kind, fromMs: event.atMs, toMs: durationMs, label: spanLabel(event) };
      open.set(key, span);
      spans.push(span);
      continue;
    }
    if (SPAN_CLOSERS.has(event.action)) {
      const key = spanKey(event);
      const span = open.get(key);
      if (span !== undefined) {
        span.toMs = event.atMs;
        open.delete(key);
      }
      continue;
    }
    if (event.action === 'lag_spike') {
      const forMs = detailNumber(event, 'forMs');
      spans.push({ kind: 'lagSpike', fromMs: event.atMs, toMs: Math.min(durationMs, event.atMs + forMs), label: `lag spike ${detailString(event, 'link')} +${detailNumber(event, 'extraMs')} ms` });
      continue;
    }
    if (event.action === 'link') linkSpans(event, spans, congestion, durationMs);
  }
  // Stable order: by start, then kind, then label (the open/close bookkeeping pushes in start order already).
  return spans.sort((a, b) => a.fromMs - b.fromMs || a.kind.localeCompare(b.kind) || a.label.localeCompare(b.label));
}

function spanLabel(event: ActionTraceEvent): string {
  switch (event.action) {
    case 'partition':
      return `partition ${detailString(event, 'a')}${event.detail?.['oneWay'] === true ? '->' : '<->'}${detailString(event, 'b')}`;
    case 'hold':
      return `hold ${detailString(event, 'from')}->${detailString(event, 'to')}`;
    default:
      return `${event.action} ${event.host ?? ''}`;
  }
}

function linkSpans(event: ActionTraceEvent, spans: TimeSpan[], congestion: Map<string, TimeSpan>, durationMs: number): void {
  const link = detailString(event, 'link');
  const rampMs = detailNumber(event, 'rampMs');
  const config = event.detail?.['config'];
  if (rampMs > 0) spans.push({ kind: 'ramp', fromMs: event.atMs, toMs: Math.min(durationMs, event.atMs + rampMs), label: `ramp ${link} over ${rampMs} ms` });
  if (typeof config !== 'object' || config === null || !('bandwidth' in config)) return;
  const bandwidth = (config as { bandwidth?: unknown }).bandwidth;
  const previous = congestion.get(link);
  if (previous !== undefined) {
    previous.toMs = event.atMs;
    congestion.delete(link);
  }
  if (typeof bandwidth !== 'object' || bandwidth === null) return;
  const rate = (bandwidth as { rateBitsPerSecond?: unknown }).rateBitsPerSecond;
  const span: TimeSpan = { kind: 'congestion', fromMs: event.atMs, toMs: durationMs, label: `bottleneck ${link}${typeof rate === 'number' ? ` ${formatRate(rate)}` : ''}` };
  congestion.set(link, span);
  spans.push(span);
}

function formatRate(bitsPerSecond: number): string {
  if (bitsPerSecond >= 1_000_000) return `${trimNumber(bitsPerSecond / 1_000_000)} Mbit/s`;
  if (bitsPerSecond >= 1000) return `${trimNumber(bitsPerSecond / 1000)} kbit/s`;
  return `${bitsPerSecond} bit/s`;
}

/** A number with at most 3 decimals, without trailing zeros (locale-free). */
function trimNumber(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

// ---- peers ---------------------------------------------------------------------------------------

function buildPeerRows(events: readonly TraceEvent[], durationMs: number): PeerRow[] {
  const rows = new Map<string, PeerRow>();
  /** Rows that reached STATE_BANDS_PER_PEER_MAX: they end with their last band's real end. */
  const full = new Set<PeerRow>();
  const enter = (row: PeerRow, atMs: number, state: string): void => {
    if (full.has(row)) return;
    const last = row.states.at(-1);
    if (last !== undefined) {
      last.toMs = atMs;
      // A state entered and left at the same instant is no band.
      if (last.fromMs === last.toMs) row.states.pop();
    }
    const previous = row.states.at(-1);
    if (previous !== undefined && previous.state === state) previous.toMs = durationMs;
    else if (row.states.length < STATE_BANDS_PER_PEER_MAX) row.states.push({ fromMs: atMs, toMs: durationMs, state });
    else full.add(row);
  };
  for (const event of events) {
    // A crashed host's ENet host is gone with its peers, without a state change in the trace.
    if (event.kind === 'action' && event.action === 'crash' && event.host !== undefined) {
      for (const row of rows.values()) if (row.host === event.host && row.states.at(-1)?.state !== 'STATE_DISCONNECTED') enter(row, event.atMs, 'STATE_DISCONNECTED');
      continue;
    }
    if (event.kind !== 'state') continue;
    const key = `${event.host}->${event.peer}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { key, host: event.host, peer: event.peer, states: [] };
      rows.set(key, row);
    }
    enter(row, event.atMs, event.to);
  }
  return [...rows.values()];
}

// ---- datagrams -----------------------------------------------------------------------------------

/** One datagram's path: its sent event and what became of it (and of a duplicate copy). */
interface DatagramPath {
  sent: DatagramTraceEvent;
  /** The first outcome (delivered original or copy, or dropped), or null while in flight at the end. */
  deliveredAtMs: number | null;
  droppedAtMs: number | null;
  reason: string | null;
  corrupted: boolean;
  /** Arrival of the duplicate copy, when one arrived. */
  duplicateAtMs: number | null;
  /** The fate counted in the fate bins: 'delivered', a drop rule, or 'inFlight'. */
  fate: string;
}

function indexDatagrams(events: readonly TraceEvent[]): Map<number, DatagramPath> {
  const paths = new Map<number, DatagramPath>();
  for (const event of events) {
    if (event.kind !== 'datagram') continue;
    if (event.phase === 'sent') {
      paths.set(event.id, { sent: event, deliveredAtMs: null, droppedAtMs: null, reason: null, corrupted: false, duplicateAtMs: null, fate: 'inFlight' });
      continue;
    }
    const path = paths.get(event.id);
    if (path === undefined) continue;
    if (event.phase === 'delivered') {
      if (event.duplicate === true) {
        if (path.duplicateAtMs === null) path.duplicateAtMs = event.atMs;
      } else if (path.deliveredAtMs === null) {
        path.deliveredAtMs = event.atMs;
        path.corrupted = event.corrupted === true;
      }
      if (path.fate === 'inFlight') path.fate = 'delivered';
    } else if (path.droppedAtMs === null && path.deliveredAtMs === null) {
      path.droppedAtMs = event.atMs;
      path.reason = event.reason ?? 'unknown';
      if (path.fate === 'inFlight') path.fate = path.reason;
    }
  }
  return paths;
}

const NICE_STEPS = [1, 2, 5];

function binWidthMs(durationMs: number): number {
  for (let power = 1; ; power *= 10) {
    for (const step of NICE_STEPS) {
      const widthMs = step * power;
      if (Math.ceil(Math.max(1, durationMs) / widthMs) <= FATE_BINS_MAX) return widthMs;
    }
  }
}

function buildFates(datagrams: ReadonlyMap<number, DatagramPath>, durationMs: number): FateBins {
  const binMs = binWidthMs(durationMs);
  const binCount = Math.max(1, Math.ceil(durationMs / binMs));
  const counts = new Map<string, number[]>();
  for (const path of datagrams.values()) {
    let row = counts.get(path.fate);
    if (row === undefined) {
      row = new Array<number>(binCount).fill(0);
      counts.set(path.fate, row);
    }
    const index = Math.min(binCount - 1, Math.floor(path.sent.atMs / binMs));
    row[index]! += 1;
  }
  const order = (fate: string): number => (fate === 'delivered' ? 0 : fate === 'inFlight' ? 2 : 1);
  const fates = [...counts.keys()].sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (!counts.has('delivered')) fates.unshift('delivered');
  return {
    binMs,
    startsMs: Array.from({ length: binCount }, (_, index) => index * binMs),
    series: fates.map((fate) => ({ fate, counts: counts.get(fate) ?? new Array<number>(binCount).fill(0) })),
  };
}

// ---- reliable commands: transmissions and acknowledgements -------------------------------------------

/** Commands that carry ENet's ACKNOWLEDGE flag when sent (DISCONNECT is unreliable only for disconnect_now, which resets the peer). */
const RELIABLE_COMMANDS = new Set(['CONNECT', 'VERIFY_CONNECT', 'DISCONNECT', 'PING', 'SEND_RELIABLE', 'SEND_FRAGMENT', 'BANDWIDTH_LIMIT', 'THROTTLE_CONFIGURE']);

const COMMAND_PATTERN = /^([A-Z_]+) ch(\d+) #(\d+)$/;

interface ParsedCommand {
  name: string;
  /** "ch1 #48": the channel's reliable sequence number, unique among a direction's unacknowledged commands. */
  slot: string;
}

function parseCommand(text: string): ParsedCommand | null {
  const match = COMMAND_PATTERN.exec(text);
  if (match === null) return null;
  return { name: match[1]!, slot: `ch${match[2]} #${match[3]}` };
}

/** What the reliable-command bookkeeping found. */
interface Transmissions {
  /** Per sent datagram id, the transmission count of each of its commands. */
  countsById: Map<number, number[]>;
  /** Per direction "a->b": [atMs, unacknowledged reliable commands] at each change. */
  unacknowledged: Map<string, [number, number][]>;
  /** Per direction: [atMs, gap since the previous transmission] at each retransmission: the RTO that expired (plus the service wait). */
  retransmissionGaps: Map<string, [number, number][]>;
  /** False when some datagram's commands could not be read (compressed): the unacknowledged counts are then unknown. */
  exact: boolean;
}

/**
 * Walks the datagrams in trace order. A reliable command sent again on the same direction with the
 * same channel and sequence number before it was acknowledged is a retransmission; an ACKNOWLEDGE
 * (its header carries the acknowledged command's channel and sequence number) delivered to the sender
 * settles it; VERIFY_CONNECT settles the CONNECT it answers; a peer that returns to STATE_DISCONNECTED
 * forgets its direction's commands (the next connection starts its sequence numbers again). An
 * ACKNOWLEDGE sent again for the same command (its first one was lost) counts as a retransmission too.
 */
function countTransmissions(events: readonly TraceEvent[], datagrams: ReadonlyMap<number, DatagramPath>): Transmissions {
  const countsById = new Map<number, number[]>();
  /** Per direction: slot → [transmissions, last sent at]. */
  const pending = new Map<string, Map<string, [number, number]>>();
  /** Per direction: acknowledged slot → times its ACK was sent. */
  const acks = new Map<string, Map<string, number>>();
  const unacknowledged = new Map<string, [number, number][]>();
  const retransmissionGaps = new Map<string, [number, number][]>();
  let exact = true;
  const of = <T>(map: Map<string, Map<string, T>>, direction: string): Map<string, T> => {
    let inner = map.get(direction);
    if (inner === undefined) {
      inner = new Map();
      map.set(direction, inner);
    }
    return inner;
  };
  const note = (direction: string, atMs: number): void => {
    const count = pending.get(direction)?.size ?? 0;
    let series = unacknowledged.get(direction);
    if (series === undefined) {
      series = [[0, 0]];
      unacknowledged.set(direction, series);
    }
    const last = series.at(-1)!;
    if (last[1] === count) return;
    if (last[0] === atMs) last[1] = count;
    else series.push([atMs, count]);
  };
  for (const event of events) {
    if (event.kind === 'action' && event.action === 'crash' && event.host !== undefined) {
      // The crashed host's commands died with it.
      for (const [direction, commands] of pending) {
        if (!direction.startsWith(`${event.host}->`) || commands.size === 0) continue;
        commands.clear();
        note(direction, event.atMs);
      }
      for (const [direction, sentAcks] of acks) if (direction.startsWith(`${event.host}->`)) sentAcks.clear();
      continue;
    }
    if (event.kind === 'state') {
      if (event.to !== 'STATE_DISCONNECTED') continue;
      const direction = `${event.host}->${event.peer}`;
      if ((pending.get(direction)?.size ?? 0) > 0) {
        pending.get(direction)!.clear();
        note(direction, event.atMs);
      }
      acks.get(direction)?.clear();
      continue;
    }
    if (event.kind !== 'datagram') continue;
    const direction = `${event.from}->${event.to}`;
    if (event.phase === 'sent') {
      const counts: number[] = [];
      const sentPending = of(pending, direction);
      const sentAcks = of(acks, direction);
      for (const text of event.commands ?? []) {
        const command = parseCommand(text);
        if (command === null) {
          exact = false;
          counts.push(1);
          continue;
        }
        if (command.name === 'ACKNOWLEDGE') {
          const times = (sentAcks.get(command.slot) ?? 0) + 1;
          sentAcks.set(command.slot, times);
          counts.push(times);
          continue;
        }
        if (!RELIABLE_COMMANDS.has(command.name)) {
          counts.push(1);
          continue;
        }
        const previous = sentPending.get(command.slot);
        if (previous === undefined) {
          sentPending.set(command.slot, [1, event.atMs]);
          // A new command in this slot: the other side's ACKs of an older one (sequence numbers wrap) are history.
          acks.get(`${event.to}->${event.from}`)?.delete(command.slot);
          counts.push(1);
        } else {
          previous[0] += 1;
          let gaps = retransmissionGaps.get(direction);
          if (gaps === undefined) {
            gaps = [];
            retransmissionGaps.set(direction, gaps);
          }
          gaps.push([event.atMs, event.atMs - previous[1]]);
          previous[1] = event.atMs;
          counts.push(previous[0]);
        }
      }
      countsById.set(event.id, counts);
      note(direction, event.atMs);
      continue;
    }
    // A corrupted datagram's commands are not what was sent; a duplicate ACK settles nothing new but is harmless.
    if (event.phase !== 'delivered' || event.corrupted === true) continue;
    // Delivered to event.to: its ACKs and VERIFY_CONNECT settle commands event.to sent to event.from.
    const commands = datagrams.get(event.id)?.sent.commands ?? [];
    const reverse = `${event.to}->${event.from}`;
    const reversePending = pending.get(reverse);
    if (reversePending === undefined || reversePending.size === 0) continue;
    for (const text of commands) {
      const command = parseCommand(text);
      if (command === null) continue;
      if (command.name === 'ACKNOWLEDGE') reversePending.delete(command.slot);
      else if (command.name === 'VERIFY_CONNECT') reversePending.delete('ch255 #1');
    }
    note(reverse, event.atMs);
  }
  return { countsById, unacknowledged, retransmissionGaps, exact };
}

// ---- panels --------------------------------------------------------------------------------------

/** Keeps at most `pointsMax` points: equal-count buckets, each keeping its smallest and largest value in time order. */
export function downsample(timesMs: readonly number[], values: readonly (number | null)[], pointsMax = POINTS_PER_SERIES_MAX): { timesMs: number[]; values: (number | null)[] } {
  const count = timesMs.length;
  if (count <= pointsMax) return { timesMs: [...timesMs], values: [...values] };
  const bucketCount = Math.max(1, Math.floor(pointsMax / 2));
  const keptTimes: number[] = [];
  const keptValues: (number | null)[] = [];
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    const start = Math.floor((bucket * count) / bucketCount);
    const end = Math.floor(((bucket + 1) * count) / bucketCount);
    let lowIndex = -1;
    let highIndex = -1;
    for (let index = start; index < end; index++) {
      const value = values[index];
      if (value === null || value === undefined) continue;
      if (lowIndex < 0 || value < values[lowIndex]!) lowIndex = index;
      if (highIndex < 0 || value > values[highIndex]!) highIndex = index;
    }
    if (lowIndex < 0) {
      keptTimes.push(timesMs[start]!);
      keptValues.push(null);
      continue;
    }
    for (const index of lowIndex === highIndex ? [lowIndex] : [Math.min(lowIndex, highIndex), Math.max(lowIndex, highIndex)]) {
      keptTimes.push(timesMs[index]!);
      keptValues.push(values[index]!);
    }
  }
  return { timesMs: keptTimes, values: keptValues };
}

/** A series with every sample; buildPanels downsamples them all once it knows how many there are. */
function series(label: string, subject: string, quantity: string, style: Series['style'], timesMs: readonly number[], values: readonly (number | null)[]): Series {
  return { label, subject, quantity, style, timesMs: timesMs as number[], values: values as (number | null)[], sampleCount: timesMs.length };
}

/** The points each series may keep when there are `seriesCount` of them. */
export function pointsPerSeries(seriesCount: number): number {
  return Math.max(POINTS_PER_SERIES_MIN, Math.min(POINTS_PER_SERIES_MAX, Math.floor(PANEL_POINTS_MAX / Math.max(1, seriesCount))));
}

interface StatsColumns {
  timesMs: number[];
  values: number[][];
}

function statsByPeer(events: readonly TraceEvent[]): Map<string, StatsColumns> {
  const byPeer = new Map<string, StatsColumns>();
  for (const event of events) {
    if (event.kind !== 'stats') continue;
    const key = `${event.host}->${event.peer}`;
    let columns = byPeer.get(key);
    if (columns === undefined) {
      columns = { timesMs: [], values: PEER_STATISTIC_NAMES.map(() => []) };
      byPeer.set(key, columns);
    }
    // Several samples at one instant (a periodic one and one after a service frame): the last one holds.
    if (columns.timesMs.at(-1) === event.atMs) {
      for (let index = 0; index < columns.values.length; index++) columns.values[index]![columns.values[index]!.length - 1] = event.values[index]!;
      continue;
    }
    columns.timesMs.push(event.atMs);
    for (let index = 0; index < columns.values.length; index++) columns.values[index]!.push(event.values[index]!);
  }
  return byPeer;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function buildPanels(events: readonly TraceEvent[], datagrams: ReadonlyMap<number, DatagramPath>, transmissions: Transmissions): { panels: Panel[]; subjectsOmitted: number; pointsPerSeriesMax: number } {
  void datagrams;
  const byPeer = statsByPeer(events);
  const peerKeys = [...byPeer.keys()];
  const directions = [...new Set([...transmissions.unacknowledged.keys(), ...queueDirections(events)])];
  const drawnPeers = peerKeys.slice(0, PANEL_SUBJECTS_MAX);
  const drawnDirections = directions.slice(0, PANEL_SUBJECTS_MAX);
  const subjectsOmitted = peerKeys.length - drawnPeers.length + (directions.length - drawnDirections.length);
  const rtt: Series[] = [];
  const throttle: Series[] = [];
  const loss: Series[] = [];
  const rto: Series[] = [];
  for (const key of drawnPeers) {
    const { timesMs, values } = byPeer.get(key)!;
    const rttMs = values[STAT.PEER_ROUND_TRIP_TIME]!;
    const varianceMs = values[STAT.PEER_ROUND_TRIP_TIME_VARIANCE]!;
    const lastMs = values[STAT.PEER_LAST_ROUND_TRIP_TIME]!;
    const lastVarianceMs = values[STAT.PEER_LAST_ROUND_TRIP_TIME_VARIANCE]!;
    rtt.push(
      series(`${key} RTT`, key, 'PEER_ROUND_TRIP_TIME', 'line', timesMs, rttMs),
      series(`${key} RTT − variance`, key, 'rttMinusVariance', 'bandLow', timesMs, rttMs.map((value, index) => Math.max(0, value - varianceMs[index]!))),
      series(`${key} RTT + variance`, key, 'rttPlusVariance', 'bandHigh', timesMs, rttMs.map((value, index) => value + varianceMs[index]!)),
      series(`${key} last RTT (throttle rises at or below)`, key, 'PEER_LAST_ROUND_TRIP_TIME', 'dashed', timesMs, lastMs),
      series(`${key} last RTT + 2·last variance (throttle falls above)`, key, 'throttleFallsAbove', 'dashed', timesMs, lastMs.map((value, index) => value + 2 * lastVarianceMs[index]!)),
    );
    throttle.push(
      series(`${key} packet throttle`, key, 'PEER_PACKET_THROTTLE', 'step', timesMs, values[STAT.PEER_PACKET_THROTTLE]!),
      series(`${key} throttle limit`, key, 'PEER_PACKET_THROTTLE_LIMIT', 'step', timesMs, values[STAT.PEER_PACKET_THROTTLE_LIMIT]!),
    );
    loss.push(series(`${key} packet loss`, key, 'PEER_PACKET_LOSS', 'step', timesMs, values[STAT.PEER_PACKET_LOSS]!.map((value) => round3((value / 65536) * 100))));
    rto.push(series(`${key} initial RTO (derived: RTT + 4·variance)`, key, 'rto', 'line', timesMs, rttMs.map((value, index) => value + 4 * varianceMs[index]!)));
    const gaps = transmissions.retransmissionGaps.get(key);
    if (gaps !== undefined && gaps.length > 0) {
      rto.push(series(`${key} observed retransmission gaps (the timeout that expired, doubled each time)`, key, 'retransmissionGap', 'points', gaps.map(([atMs]) => atMs), gaps.map(([, gapMs]) => gapMs)));
    }
  }
  const reliable: Series[] = [];
  if (transmissions.exact) {
    for (const direction of drawnDirections) {
      const changes = transmissions.unacknowledged.get(direction);
      if (changes === undefined) continue;
      reliable.push(series(`${direction} unacknowledged reliable commands`, direction, 'unacknowledgedReliable', 'step', changes.map(([atMs]) => atMs), changes.map(([, count]) => count)));
    }
  }
  const queue: Series[] = [];
  const queues = queueChanges(events);
  for (const direction of drawnDirections) {
    const changes = queues.get(direction);
    if (changes === undefined) continue;
    queue.push(series(`${direction} queue`, direction, 'queueBytes', 'step', changes.map(([atMs]) => atMs), changes.map(([, bytes]) => bytes)));
  }
  const panels: Panel[] = [];
  if (rtt.length > 0) {
    panels.push(
      { id: 'rtt', title: 'Round-trip time: smoothed RTT with its variance band, and the throttle epoch’s reference values', unit: 'ms', series: rtt },
      { id: 'throttle', title: 'Packet throttle and its limit', unit: '/32', series: throttle },
      { id: 'loss', title: 'Packet loss (ENet’s statistic: reliable timeouts ÷ commands sent, smoothed every 10 s)', unit: '%', series: loss },
      { id: 'rto', title: 'Retransmission timeout', unit: 'ms', series: rto },
    );
  }
  if (reliable.length > 0) panels.push({ id: 'reliable', title: 'Unacknowledged reliable commands (sent, not yet acknowledged)', unit: 'commands', series: reliable });
  if (queue.length > 0) panels.push({ id: 'queue', title: 'Bottleneck queue occupancy', unit: 'B', series: queue });
  const pointsMax = pointsPerSeries(panels.reduce((sum, panel) => sum + panel.series.length, 0));
  for (const panel of panels) {
    panel.series = panel.series.map((each) => {
      const kept = downsample(each.timesMs, each.values, pointsMax);
      return { ...each, timesMs: kept.timesMs, values: kept.values };
    });
  }
  return { panels, subjectsOmitted, pointsPerSeriesMax: pointsMax };
}

function queueDirections(events: readonly TraceEvent[]): string[] {
  const seen = new Set<string>();
  for (const event of events) if (event.kind === 'queue') seen.add(`${event.from}->${event.to}`);
  return [...seen];
}

function queueChanges(events: readonly TraceEvent[]): Map<string, [number, number][]> {
  const byDirection = new Map<string, [number, number][]>();
  for (const event of events) {
    if (event.kind !== 'queue') continue;
    const direction = `${event.from}->${event.to}`;
    let changes = byDirection.get(direction);
    if (changes === undefined) {
      // Directions start empty.
      changes = event.atMs > 0 ? [[0, 0]] : [];
      byDirection.set(direction, changes);
    }
    changes.push([event.atMs, event.bytes]);
  }
  return byDirection;
}

// ---- the sequence window -------------------------------------------------------------------------

/**
 * The window the sequence diagram opens on: around the first thing worth seeing, in this order: the
 * first failing expectation, the first dropped datagram, the first retransmission, the first packet
 * throttle change; else the start of the run.
 */
function defaultWindow(input: RunModelInput, datagrams: ReadonlyMap<number, DatagramPath>, transmissions: Transmissions): { fromMs: number; toMs: number; chosenBy: string } {
  const durationMs = input.durationMs;
  const around = (atMs: number, why: string) => {
    const fromMs = Math.max(0, atMs - SEQUENCE_WINDOW_LEAD_MS);
    return { fromMs, toMs: Math.min(durationMs, fromMs + SEQUENCE_WINDOW_MS), chosenBy: why };
  };
  // A failing expectation with an instant (what it observed, or a window that is not the whole run) comes first.
  const failed = input.expectations.find((mark) => !mark.passed && (mark.observedAtMs !== null || mark.fromMs > 0 || mark.toMs < durationMs));
  if (failed !== undefined) return around(failed.observedAtMs ?? failed.fromMs, `around the first failing expectation (${failed.label})`);
  let firstDrop: DatagramPath | null = null;
  for (const path of datagrams.values()) {
    if (path.droppedAtMs !== null && (firstDrop === null || path.droppedAtMs < firstDrop.droppedAtMs!)) firstDrop = path;
  }
  if (firstDrop !== null) return around(firstDrop.sent.atMs, `around the first dropped datagram (#${firstDrop.sent.id}, ${firstDrop.reason})`);
  for (const path of datagrams.values()) {
    const counts = transmissions.countsById.get(path.sent.id) ?? [];
    const index = counts.findIndex((count) => count > 1);
    if (index >= 0) return around(path.sent.atMs, `around the first retransmission (${path.sent.commands?.[index] ?? `datagram #${path.sent.id}`}, ${path.sent.from}->${path.sent.to})`);
  }
  const step = firstThrottleStep(input.events);
  if (step !== null) return around(step.atMs, `around the first packet throttle change (${step.key}: ${step.fromPer32} → ${step.toPer32} /32)`);
  if (durationMs <= SEQUENCE_WINDOW_MS) return { fromMs: 0, toMs: durationMs, chosenBy: 'the whole run' };
  return { fromMs: 0, toMs: SEQUENCE_WINDOW_MS, chosenBy: 'the start of the run (no drop, retransmission or throttle change)' };
}

/** The first sample at which a peer's PEER_PACKET_THROTTLE differs from its previous sample. */
function firstThrottleStep(events: readonly TraceEvent[]): { atMs: number; key: string; fromPer32: number; toPer32: number } | null {
  const lastPer32 = new Map<string, number>();
  for (const event of events) {
    if (event.kind !== 'stats') continue;
    const key = `${event.host}->${event.peer}`;
    const per32 = event.values[STAT.PEER_PACKET_THROTTLE]!;
    const previous = lastPer32.get(key);
    if (previous !== undefined && previous !== per32) return { atMs: event.atMs, key, fromPer32: previous, toPer32: per32 };
    lastPer32.set(key, per32);
  }
  return null;
}

function buildSequence(input: RunModelInput, datagrams: ReadonlyMap<number, DatagramPath>, transmissions: Transmissions): SequenceWindow {
  const given = input.options?.window ?? null;
  const window = given !== null ? { fromMs: given[0], toMs: given[1], chosenBy: input.options?.windowLabel ?? `${given[0]} ms..${given[1]} ms` } : defaultWindow(input, datagrams, transmissions);
  /** Every host that sent or received, in the order it first did. */
  const allHosts = new Set<string>();
  for (const path of datagrams.values()) {
    allHosts.add(path.sent.from);
    allHosts.add(path.sent.to);
  }
  const embedded: SequenceDatagram[] = [];
  let commandsCount = 0;
  let toMs = window.toMs;
  let full = false;
  for (const path of datagrams.values()) {
    const sentAtMs = path.sent.atMs;
    if (sentAtMs < window.fromMs || sentAtMs > toMs) continue;
    const commands = path.sent.commands ?? [];
    const copies = path.duplicateAtMs !== null ? 2 : 1;
    if (full || embedded.length + copies > SEQUENCE_DATAGRAMS_MAX || commandsCount + commands.length * copies > SEQUENCE_COMMANDS_MAX) {
      // Out of room: the window ends with the last datagram that fitted.
      if (!full) toMs = Math.max(window.fromMs, sentAtMs - 1);
      full = true;
      continue;
    }
    commandsCount += commands.length * copies;
    const counts = transmissions.countsById.get(path.sent.id) ?? commands.map(() => 1);
    const base = { id: path.sent.id, from: path.sent.from, to: path.sent.to, sentAtMs, sizeBytes: path.sent.sizeBytes };
    embedded.push({ ...base, deliveredAtMs: path.deliveredAtMs, droppedAtMs: path.droppedAtMs, reason: path.reason, duplicate: false, corrupted: path.corrupted, commands: [...commands], transmissions: [...counts] });
    if (path.duplicateAtMs !== null) {
      embedded.push({ ...base, deliveredAtMs: path.duplicateAtMs, droppedAtMs: null, reason: null, duplicate: true, corrupted: false, commands: [...commands], transmissions: [...counts] });
    }
  }
  const embeddedIds = new Set(embedded.map((datagram) => datagram.id));
  // A lane for each host the window's datagrams involve (a lobby's window shows the hosts that talked), in trace order.
  const involved = new Set(embedded.flatMap((datagram) => [datagram.from, datagram.to]));
  const hosts = [...allHosts].filter((host) => involved.size === 0 || involved.has(host));
  return {
    fromMs: window.fromMs,
    toMs,
    chosenBy: full ? `${window.chosenBy}; cut at ${SEQUENCE_DATAGRAMS_MAX} datagrams` : window.chosenBy,
    hosts,
    datagrams: embedded,
    omittedCount: datagrams.size - embeddedIds.size,
  };
}
