// `run --explain`: the resolved scenario (every default filled in), then a narrated timeline of what
// ENet did and why: actions, state changes with ENet's reason, retransmissions, throttle steps.
// Repetition is collapsed so that the timeline fits a screen or two: receive events, then
// retransmissions and throttle steps, share lines per time window, the finest window that fits;
// a collapsed line still names every throttle step and every retransmitted command.
import { profileBehaviour } from '../../enet/profile.js';
import type { Simulation } from '../../sim/simulation.js';
import { describeAction, type StateTraceEvent, type TraceEvent } from '../../trace/trace.js';
import { TransmissionCounter } from '../../trace/transmissions.js';
import type { Scenario } from '../../scenario/model.js';
import { formatDuration } from '../../scenario/units.js';

const CAUSES: Record<string, string> = {
  connect: 'the application called connect',
  connectReceived: 'a CONNECT arrived',
  verifyConnectReceived: 'VERIFY_CONNECT arrived: the handshake is done',
  verifyConnectRejected: 'VERIFY_CONNECT did not match what was sent',
  verifyConnectAcknowledged: 'the ACK of VERIFY_CONNECT arrived',
  eventDispatched: 'the event was handed to the application',
  disconnectReceived: 'a DISCONNECT arrived',
  disconnectAcknowledged: 'the ACK of our DISCONNECT arrived',
  disconnectAcknowledgementSent: 'the ACK of their DISCONNECT was sent',
  disconnect: 'the application called peer_disconnect',
  disconnectLater: 'the application called peer_disconnect_later',
  disconnectNow: 'the application called peer_disconnect_now',
  reset: 'the application called reset',
  timeoutMaximum: 'timeout: a reliable command went unacknowledged for timeout_max',
  timeoutLimit: "timeout: the retransmission backoff reached set_timeout's limit and timeout_min passed",
};

/** The resolved scenario; `seed` is the seed that ran (`--seed`, `--seeds`), not necessarily the file's. */
export function describeScenario(scenario: Scenario, seed: number | string = scenario.seed): string {
  const lines = [`Scenario "${scenario.name}" (${scenario.file}), defaults resolved:`];
  lines.push(`  duration ${formatDuration(scenario.durationMs)}, seed ${seed}${scenario.seedFixed ? ' (fixed by the scenario)' : ''}, ENet clock starts at ${scenario.epochMs} ms, statistics every ${formatDuration(scenario.statsIntervalMs)}`);
  const draws = scenario.linkDraws;
  lines.push(`  link draws ${draws.mode === 'time-keyed' ? `time-keyed (fates keyed by send time, loss chains step every ${formatDuration(draws.slotMs)})` : 'per-datagram (fates drawn in send order)'}`);
  for (const host of scenario.hosts) {
    const service = host.service.hz !== null ? `${host.service.hz}Hz` : `every ${formatDuration(host.service.intervalMs!)}`;
    lines.push(
      `  host ${host.name}: ENet ${host.protocol}, ${host.peerCount} peers, channel limit ${host.channelLimit === 0 ? '255' : host.channelLimit}, ` +
        `bandwidth in ${host.incomingBandwidthBytesPerSecond === 0 ? 'unlimited' : `${host.incomingBandwidthBytesPerSecond} B/s`} / out ${host.outgoingBandwidthBytesPerSecond === 0 ? 'unlimited' : `${host.outgoingBandwidthBytesPerSecond} B/s`}, ` +
        `mtu ${host.mtuBytes ?? profileBehaviour(host.protocol).defaultHostMtuBytes}B, checksum ${host.checksum ? 'on' : 'off'}, service ${service} (phase ${formatDuration(host.service.phaseMs)}, jitter ${formatDuration(host.service.jitterMs)}${host.service.onReceive ? ', also on receive' : ''})`,
    );
  }
  for (const link of scenario.links) {
    const target = link.target.kind === 'default' ? 'default' : link.target.kind === 'both' ? `${link.target.a}<->${link.target.b}` : `${link.target.from}->${link.target.to}`;
    lines.push(`  link ${target} (latency is one-way): ${JSON.stringify(link.config)}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---- the narrated timeline ----------------------------------------------------------------------

/**
 * The narration (header included) aims at this many lines: events of one kind are collapsed into
 * coarser and coarser time windows until it fits. State changes, actions, connects and
 * disconnects always keep a line of their own, so a run with more of those can be longer.
 */
export const NARRATION_LINES_TARGET = 135;

/** Narrated lines beyond this many are cut, even collapsed as far as they go (a lobby of hundreds of peers). */
export const NARRATION_LINES_MAX = 400;

/** The collapsing windows, finest first: 0 is one line per event, Infinity one line per kind between two own-line events. */
export const NARRATION_WINDOWS_MS: readonly number[] = [0, 100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, Infinity];

/** Collapsed lines longer than this many characters continue on the next line. */
export const NARRATION_WIDTH_CHARS = 120;

const THROTTLE_INDEX = 7;
const RTT_INDEX = 3;
const RTT_VARIANCE_INDEX = 4;
const LAST_RTT_INDEX = 5;

/** One retransmitted command: its name ("SEND_RELIABLE ch0 #5") and which transmission this was (2 = first retransmission). */
interface Retransmission {
  command: string;
  transmission: number;
}

/** What the narration says, one item per narrated event, before collapsing. */
type NarrationItem =
  /** Always a line of its own: an action, a state change, a connect, a disconnect. */
  | { kind: 'line'; atMs: number; label: string; text: string }
  | { kind: 'receive'; atMs: number; host: string; peer: string; channel: number | undefined; data: number | undefined }
  | { kind: 'retransmit'; atMs: number; pair: string; retransmissions: Retransmission[] }
  | { kind: 'throttle'; atMs: number; pair: string; fromPer32: number; toPer32: number; rttMs: number; rttVarianceMs: number; lastRttMs: number };

type CollapsibleItem = Exclude<NarrationItem, { kind: 'line' }>;

function stateText(event: StateTraceEvent): string {
  return `${event.host}->${event.peer}: ${event.from} → ${event.to}${event.cause !== undefined ? ` (${CAUSES[event.cause] ?? event.cause})` : ''}`;
}

/** The narrated items of a trace, in trace order: retransmissions counted, throttle changes found. */
export function narrationItems(events: readonly TraceEvent[]): NarrationItem[] {
  const items: NarrationItem[] = [];
  const transmissions = new TransmissionCounter();
  const throttles = new Map<string, number>();
  for (const event of events) {
    const commands = transmissions.observe(event);
    switch (event.kind) {
      case 'action': {
        const label = event.id !== undefined ? ` [${event.id}]` : '';
        items.push({ kind: 'line', atMs: event.atMs, label, text: describeAction(event) });
        break;
      }
      case 'state':
        items.push({ kind: 'line', atMs: event.atMs, label: '', text: stateText(event) });
        break;
      case 'event':
        if (event.type === 'receive') items.push({ kind: 'receive', atMs: event.atMs, host: event.host, peer: event.peer, channel: event.channel, data: event.data });
        else items.push({ kind: 'line', atMs: event.atMs, label: '', text: `${event.host}: ${event.type} event${event.peer !== '-' ? ` from ${event.peer}` : ''}${event.data !== undefined ? ` (data ${event.data})` : ''}` });
        break;
      case 'datagram': {
        const pair = `${event.from}->${event.to}`;
        const retransmissions: Retransmission[] = commands.filter(({ transmission }) => transmission > 1).map(({ command, transmission }) => ({ command, transmission }));
        if (retransmissions.length > 0) items.push({ kind: 'retransmit', atMs: event.atMs, pair, retransmissions });
        break;
      }
      case 'stats': {
        const pair = `${event.host}->${event.peer}`;
        const toPer32 = event.values[THROTTLE_INDEX]!;
        const fromPer32 = throttles.get(pair) ?? 32;
        throttles.set(pair, toPer32);
        if (toPer32 !== fromPer32) {
          items.push({
            kind: 'throttle',
            atMs: event.atMs,
            pair,
            fromPer32,
            toPer32,
            rttMs: event.values[RTT_INDEX]!,
            rttVarianceMs: event.values[RTT_VARIANCE_INDEX]!,
            lastRttMs: event.values[LAST_RTT_INDEX]!,
          });
        }
        break;
      }
    }
  }
  return items;
}

/** "1.035–1.497s" (one unit when both ends have it), else "950ms–1.2s"; "at 1.2s" when both are one instant. */
export function formatTimeRange(fromMs: number, toMs: number): string {
  if (fromMs === toMs) return `at ${formatDuration(fromMs)}`;
  const from = formatDuration(fromMs);
  const to = formatDuration(toMs);
  const unit = /[a-z]+$/.exec(from)![0];
  return to.endsWith(unit) && /^[\d.]+$/.test(to.slice(0, -unit.length)) ? `${from.slice(0, -unit.length)}–${to}` : `${from}–${to}`;
}

/** A narrated line: time column, the timeline id if any, then the words. */
interface NarratedLine {
  atMs: number;
  label: string;
  /** The words, or the words before a list ... */
  text: string;
  /** ... the list (each item named), wrapped at {@link NARRATION_WIDTH_CHARS}. */
  items?: string[];
  separator?: string;
}

function collapseKey(item: CollapsibleItem): string {
  switch (item.kind) {
    case 'receive':
      return `receive ${item.host} ${item.peer} ${item.channel ?? '-'}`;
    case 'retransmit':
      return `retransmit ${item.pair}`;
    case 'throttle':
      return `throttle ${item.pair}`;
  }
}

function describeOne(item: CollapsibleItem): NarratedLine {
  switch (item.kind) {
    case 'receive':
      return { atMs: item.atMs, label: '', text: `${item.host}: receive event from ${item.peer}${item.channel !== undefined ? ` on ch${item.channel}` : ''}${item.data !== undefined ? ` (data ${item.data})` : ''}` };
    case 'retransmit':
      return {
        atMs: item.atMs,
        label: '',
        text: `${item.pair}: retransmits `,
        items: withoutRepeatedKinds(item.retransmissions),
        separator: ', ',
      };
    case 'throttle':
      return { atMs: item.atMs, label: '', text: `${item.pair}: packet throttle ${item.fromPer32} → ${item.toPer32} of 32 (RTT ${item.rttMs} ms, var ${item.rttVarianceMs}, last RTT ${item.lastRttMs})` };
  }
}

/**
 * One datagram's retransmitted commands, each with its transmission; a command of the same kind
 * and channel as the one before it is named by its sequence number alone
 * ("SEND_RELIABLE ch0 #31 (transmission 6)", "#32 (transmission 4)").
 */
function withoutRepeatedKinds(retransmissions: readonly Retransmission[]): string[] {
  let previousKind: string | null = null;
  return retransmissions.map(({ command, transmission }) => {
    const match = /^(.*) (#\d+)$/.exec(command);
    const kind = match?.[1] ?? null;
    const name = kind !== null && kind === previousKind ? match![2]! : command;
    previousKind = kind;
    return `${name} (transmission ${transmission})`;
  });
}

/**
 * Retransmitted commands named compactly: per command kind and channel, each sequence number
 * with the highest transmission it reached (`#5×3`); consecutive numbers that reached the same
 * one become a range (`#14–16×2`: #14, #15 and #16 each sent a second time); a comma ends a kind.
 */
export function retransmittedCommands(retransmissions: readonly Retransmission[]): string[] {
  const highest = new Map<string, Map<number, number>>();
  const other = new Map<string, number>();
  for (const { command, transmission } of retransmissions) {
    const match = /^(.*) #(\d+)$/.exec(command);
    if (match === null) {
      other.set(command, Math.max(other.get(command) ?? 0, transmission));
      continue;
    }
    const bySequence = highest.get(match[1]!) ?? new Map<number, number>();
    highest.set(match[1]!, bySequence);
    const sequence = Number(match[2]);
    bySequence.set(sequence, Math.max(bySequence.get(sequence) ?? 0, transmission));
  }
  const named: string[] = [];
  for (const [kind, bySequence] of highest) {
    const sequences = [...bySequence.keys()].sort((a, b) => a - b);
    let first = true;
    for (let start = 0; start < sequences.length; ) {
      let end = start;
      const transmission = bySequence.get(sequences[start]!)!;
      while (end + 1 < sequences.length && sequences[end + 1] === sequences[end]! + 1 && bySequence.get(sequences[end + 1]!) === transmission) end++;
      const range = end === start ? `#${sequences[start]}` : `#${sequences[start]}–${sequences[end]}`;
      if (first && named.length > 0) named[named.length - 1] += ',';
      named.push(`${first ? `${kind} ` : ''}${range}×${transmission}`);
      first = false;
      start = end + 1;
    }
  }
  for (const [command, transmission] of other) {
    if (named.length > 0) named[named.length - 1] += ',';
    named.push(`${command}×${transmission}`);
  }
  return named;
}

function describeMany(items: readonly CollapsibleItem[]): NarratedLine {
  const first = items[0]!;
  const range = formatTimeRange(first.atMs, items.at(-1)!.atMs);
  switch (first.kind) {
    case 'receive':
      return { atMs: first.atMs, label: '', text: `${first.host}: ${items.length} receive events from ${first.peer}${first.channel !== undefined ? ` on ch${first.channel}` : ''} (${range})` };
    case 'retransmit': {
      const all = (items as Extract<CollapsibleItem, { kind: 'retransmit' }>[]).flatMap((item) => item.retransmissions);
      return { atMs: first.atMs, label: '', text: `${first.pair}: retransmits ${all.length} times (${range}): `, items: retransmittedCommands(all), separator: ' ' };
    }
    case 'throttle': {
      const steps = items as Extract<CollapsibleItem, { kind: 'throttle' }>[];
      let rttMsMin = Infinity;
      let rttMsMax = -Infinity;
      for (const step of steps) {
        rttMsMin = Math.min(rttMsMin, step.rttMs);
        rttMsMax = Math.max(rttMsMax, step.rttMs);
      }
      return {
        atMs: first.atMs,
        label: '',
        text: `${first.pair}: packet throttle in 32nds, ${steps.length} steps (${range}, RTT ${rttMsMin}–${rttMsMax} ms): `,
        items: [String(steps[0]!.fromPer32), ...steps.map((step) => String(step.toPer32))],
        separator: ' → ',
      };
    }
  }
}

/**
 * How far events are collapsed: events of one kind (a host's receive events from one peer on one
 * channel, one direction's retransmissions, one peer's throttle steps) share a line per window of
 * this many ms, aligned on whole multiples of it; 0 gives each event its own line, Infinity one
 * line per kind between two own-line events. Receive events say least, so they collapse first.
 */
export interface Collapsing {
  receiveWindowMs: number;
  otherWindowMs: number;
}

/** The collapsings tried in turn, finest first: receive events coarsen first, then the rest. */
export const NARRATION_COLLAPSINGS: readonly Collapsing[] = [
  ...NARRATION_WINDOWS_MS.map((receiveWindowMs) => ({ receiveWindowMs, otherWindowMs: 0 })),
  ...NARRATION_WINDOWS_MS.slice(1).map((otherWindowMs) => ({ receiveWindowMs: Infinity, otherWindowMs })),
];

/** Each collapsible item's kind key ({@link collapseKey}) as a small number, computed once for every collapsing tried. */
function kindIndexes(items: readonly NarrationItem[]): Int32Array {
  const indexes = new Int32Array(items.length);
  const byKey = new Map<string, number>();
  items.forEach((item, position) => {
    if (item.kind === 'line') return;
    const key = collapseKey(item);
    let index = byKey.get(key);
    if (index === undefined) {
      index = byKey.size;
      byKey.set(key, index);
    }
    indexes[position] = index;
  });
  return indexes;
}

/** The group a kind is collecting: which stretch between own-line events, which window, what so far. */
interface OpenGroup {
  stretch: number;
  window: number;
  items: CollapsibleItem[];
}

/**
 * The narrated lines, events collapsed as `collapsing` says and never across an own-line event;
 * null as soon as there are more than `slotsMax` lines before wrapping (this collapsing does not
 * fit, and a long trace is not walked to its end to learn it).
 */
function collapse(items: readonly NarrationItem[], kinds: Int32Array, collapsing: Collapsing, slotsMax: number): NarratedLine[] | null {
  const slots: (NarratedLine | CollapsibleItem[])[] = [];
  const open = new Map<number, OpenGroup>();
  // An own-line event closes every group: what is collapsed stays on its side of it.
  let stretch = 0;
  for (let position = 0; position < items.length; position++) {
    const item = items[position]!;
    if (slots.length > slotsMax) return null;
    if (item.kind === 'line') {
      stretch++;
      slots.push({ atMs: item.atMs, label: item.label, text: item.text });
      continue;
    }
    const windowMs = item.kind === 'receive' ? collapsing.receiveWindowMs : collapsing.otherWindowMs;
    if (windowMs === 0) {
      slots.push(describeOne(item));
      continue;
    }
    // Items come in time order, so a kind's window only moves forward: one open group per kind.
    const window = windowMs === Infinity ? 0 : Math.floor(item.atMs / windowMs);
    const group = open.get(kinds[position]!);
    if (group !== undefined && group.stretch === stretch && group.window === window) {
      group.items.push(item);
      continue;
    }
    const created: OpenGroup = { stretch, window, items: [item] };
    open.set(kinds[position]!, created);
    slots.push(created.items);
  }
  if (slots.length > slotsMax) return null;
  return slots.map((slot) => (!Array.isArray(slot) ? slot : slot.length === 1 ? describeOne(slot[0]!) : describeMany(slot)));
}

/** One narrated line as text lines: the list wraps at {@link NARRATION_WIDTH_CHARS}, continuations indented. */
function render(line: NarratedLine): string[] {
  let current = `  ${formatDuration(line.atMs).padStart(9)}${line.label} ${line.text}`;
  if (line.items === undefined) return [current];
  const indent = ' '.repeat(16);
  const lines: string[] = [];
  // "a → b → c" is written "a →", " b →", " c": a continuation never starts with the separator.
  const separator = line.separator ?? ' ';
  const joiner = separator.slice(separator.trimEnd().length);
  line.items.forEach((item, index) => {
    const piece = index < line.items!.length - 1 ? `${item}${separator.trimEnd()}` : item;
    const needed = index === 0 ? piece : `${joiner}${piece}`;
    if (index > 0 && current.length + needed.length > NARRATION_WIDTH_CHARS) {
      lines.push(current);
      current = indent + piece;
    } else {
      current += needed;
    }
  });
  lines.push(current);
  return lines;
}

/** The narrated timeline of a trace, collapsed as finely as fits the lines asked for. */
export interface Narration {
  collapsing: Collapsing;
  lines: string[];
  /** Lines cut at {@link NARRATION_LINES_MAX}. */
  omittedCount: number;
}

/**
 * Narrates a trace in at most `linesTarget` lines when collapsing can do it (the finest collapsing
 * of {@link NARRATION_COLLAPSINGS} that fits), and never in more than {@link NARRATION_LINES_MAX}.
 */
export function narrateTrace(events: readonly TraceEvent[], linesTarget: number = NARRATION_LINES_TARGET): Narration {
  const items = narrationItems(events);
  const kinds = kindIndexes(items);
  for (const collapsing of NARRATION_COLLAPSINGS) {
    const lines = collapse(items, kinds, collapsing, linesTarget)?.flatMap(render);
    if (lines !== undefined && lines.length <= linesTarget) return { collapsing, lines, omittedCount: 0 };
  }
  // Even the coarsest collapsing does not fit: it is used, cut at the hard limit.
  const chosen = NARRATION_COLLAPSINGS.at(-1)!;
  const lines = collapse(items, kinds, chosen, Infinity)!.flatMap(render);
  const omittedCount = Math.max(0, lines.length - NARRATION_LINES_MAX);
  return { collapsing: chosen, lines: lines.slice(0, NARRATION_LINES_MAX), omittedCount };
}

function describeWindow(windowMs: number): string {
  return windowMs === Infinity ? 'between two lines of their own' : `per ${formatDuration(windowMs)}`;
}

/** The heading of the narrated timeline: the seed, and how events were collapsed. */
export function narrationHeading(seed: number | string, collapsing: Collapsing): string {
  const { receiveWindowMs, otherWindowMs } = collapsing;
  if (receiveWindowMs === 0) return `Narrated run (seed ${seed}):`;
  const receives = `receive events collapsed ${describeWindow(receiveWindowMs)}`;
  if (otherWindowMs === 0) return `Narrated run (seed ${seed}; ${receives}):`;
  return `Narrated run (seed ${seed}; ${receives}, retransmissions and throttle steps ${describeWindow(otherWindowMs)}; #5×3: #5 reached its 3rd transmission):`;
}

/** The resolved scenario and the narrated timeline of one run. */
export function narrate(scenario: Scenario, sim: Simulation): string {
  const header = describeScenario(scenario, sim.options.seed).trimEnd().split('\n');
  const narration = narrateTrace(sim.trace.events, NARRATION_LINES_TARGET - header.length - 1);
  const lines = [...header, narrationHeading(sim.options.seed, narration.collapsing), ...narration.lines];
  if (narration.omittedCount > 0) lines.push(`  … ${narration.omittedCount} more lines (use --trace FILE for everything)`);
  // A heading over nothing reads as output cut short: say that nothing happened.
  if (narration.lines.length === 0) lines.push('  nothing happened: no action, no datagram and no state change in the whole run');
  return `${lines.join('\n')}\n`;
}
