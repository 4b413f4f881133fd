// What a scenario will cost (events, packets, bytes, memory), estimated from the model before it runs, so that one too big to finish is refused in milliseconds instead of failing after minutes.
import { LEDGER_PACKETS_MAX } from '../sim/ledger.js';
import { EVENT_BUDGET_DEFAULT } from '../sim/scheduler.js';
import { TRACE_EVENTS_MAX } from '../trace/trace.js';
import type { InputProblem, SourcePosition } from './problem.js';
import type { Action, PacketSize, Scenario, TimelineEntry } from './model.js';

/**
 * The limits a scenario's estimate must stay under, per seed. Scaled together by `--budget-scale`.
 * The event and packet limits equal the simulator's own bounds (EVENT_BUDGET_DEFAULT,
 * LEDGER_PACKETS_MAX): a scenario estimated above them would stop at them mid-run.
 */
export interface BudgetLimits {
  eventsMax: number;
  traceEventsMax: number;
  packetsMax: number;
  /** Bytes one timeline entry hands ENet at once (`send` × count, `bulk`, `broadcast`). */
  queuedBytesMax: number;
  memoryBytesMax: number;
}

/**
 * The documented defaults. Memory: Node's default old-space limit is 2 to 4 GiB depending on the
 * machine, and a run also holds the hosts, the network and the checks; 1 GiB of estimate keeps a
 * scenario clear of a V8 out-of-memory crash. Queued bytes: 256 MiB is eight packets of ENet's
 * default maximum packet size (32 MiB), more than any game sends at once.
 */
export const BUDGET_LIMITS_DEFAULT: BudgetLimits = {
  eventsMax: EVENT_BUDGET_DEFAULT,
  traceEventsMax: TRACE_EVENTS_MAX,
  packetsMax: LEDGER_PACKETS_MAX,
  queuedBytesMax: 256 * 1024 * 1024,
  memoryBytesMax: 1024 * 1024 * 1024,
};

/** The largest and smallest `--budget-scale`. */
export const BUDGET_SCALE_MIN = 0.000001;
export const BUDGET_SCALE_MAX = 1000;

/** Heap bytes one trace event costs: docs/performance.md gives about 190 (W2: 520 MiB for 2.87M events) to 217 (M1). */
const TRACE_EVENT_BYTES = 200;
/** Heap bytes of one ledger record with one receipt: an estimate of the object and its receipt array. */
const LEDGER_RECORD_BYTES = 120;
/** A queued payload lives twice: our buffer and ENet's packet (plus its fragments' commands). */
const QUEUED_COPIES_COUNT = 2;
/** ENet pings an idle peer every 500 ms (ENET_PEER_PING_INTERVAL); each ping is acknowledged. */
const PING_INTERVAL_MS = 500;
/** Headers ENet puts around a fragment, a lower bound on what a datagram loses to them. */
const FRAGMENT_OVERHEAD_BYTES = 40;

export interface CostEstimate {
  serviceFramesCount: number;
  /** Application packets the ledger records. */
  packetsCount: number;
  payloadBytes: number;
  queuedBytesMax: number;
  datagramsCount: number;
  /** Scheduler events: service frames, deliveries, stream ticks, statistics samples. */
  eventsCount: number;
  traceEventsCount: number;
  memoryBytes: number;
}

/** One contributor's share, so a refusal can point at the entry responsible. */
interface EntryCost {
  position: SourcePosition;
  packetsCount: number;
  bytes: number;
  fragmentsCount: number;
  /** Bytes handed to ENet in one go (0 for a stream, which spreads them over time). */
  queuedBytes: number;
}

export type BudgetCheck = { ok: true; estimate: CostEstimate } | { ok: false; estimate: CostEstimate; problem: InputProblem };

export function scaleLimits(limits: BudgetLimits, scale: number): BudgetLimits {
  return {
    eventsMax: Math.floor(limits.eventsMax * scale),
    traceEventsMax: Math.floor(limits.traceEventsMax * scale),
    packetsMax: Math.floor(limits.packetsMax * scale),
    queuedBytesMax: Math.floor(limits.queuedBytesMax * scale),
    memoryBytesMax: Math.floor(limits.memoryBytesMax * scale),
  };
}

function largestBytes(size: PacketSize): number {
  return 'fixedBytes' in size ? size.fixedBytes : size.maxBytes;
}

function frameIntervalMs(service: Scenario['hosts'][number]['service']): number {
  return service.hz !== null ? 1000 / service.hz : (service.intervalMs ?? 16);
}

/** Service frames over `durationMs`; a period that is not a positive finite time never lets the clock move: unbounded. */
function framesOf(service: Scenario['hosts'][number]['service'], durationMs: number): number {
  const intervalMs = frameIntervalMs(service);
  return intervalMs > 0 && Number.isFinite(intervalMs) ? durationMs / intervalMs : Infinity;
}

function fragmentsOf(sizeBytes: number, mtuBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / Math.max(1, mtuBytes - FRAGMENT_OVERHEAD_BYTES)));
}

/** What one timeline action sends, or null for the actions that send no application packet. */
function actionCost(action: Action, atMs: number, scenario: Scenario, mtuBytes: number): Omit<EntryCost, 'position'> | null {
  switch (action.kind) {
    case 'send': {
      const bytes = action.count * largestBytes(action.size);
      return { packetsCount: action.count, bytes, fragmentsCount: action.count * fragmentsOf(largestBytes(action.size), mtuBytes), queuedBytes: bytes };
    }
    case 'stream': {
      const forMs = Math.max(0, Math.min(action.forMs ?? Infinity, scenario.durationMs - atMs));
      const packetsCount = Math.ceil((action.ratePerSecond * forMs) / 1000);
      const sizeBytes = largestBytes(action.size);
      return { packetsCount, bytes: packetsCount * sizeBytes, fragmentsCount: packetsCount * fragmentsOf(sizeBytes, mtuBytes), queuedBytes: 0 };
    }
    case 'bulk': {
      const packetsCount = Math.ceil(action.totalBytes / Math.max(1, action.packetBytes));
      return { packetsCount, bytes: action.totalBytes, fragmentsCount: packetsCount * fragmentsOf(action.packetBytes, mtuBytes), queuedBytes: action.totalBytes };
    }
    case 'broadcast': {
      const receiversCount = Math.max(0, scenario.hosts.length - 1);
      const bytes = receiversCount * largestBytes(action.size);
      return { packetsCount: receiversCount, bytes, fragmentsCount: receiversCount * fragmentsOf(largestBytes(action.size), mtuBytes), queuedBytes: bytes };
    }
    default:
      return null;
  }
}

function entryCosts(scenario: Scenario): EntryCost[] {
  const mtuBytes = Math.min(...scenario.hosts.map((host) => host.mtuBytes ?? 1392));
  return scenario.timeline.flatMap((entry: TimelineEntry) => {
    const cost = actionCost(entry.action, entry.atMs, scenario, mtuBytes);
    return cost === null ? [] : [{ position: entry.position, ...cost }];
  });
}

/** The cost of one seed's run of `scenario`. Rough by design: it counts what the model fixes in advance. */
export function estimateCost(scenario: Scenario): CostEstimate {
  const costs = entryCosts(scenario);
  const serviceFramesCount = scenario.hosts.reduce((sum, host) => sum + framesOf(host.service, scenario.durationMs), 0);
  const packetsCount = costs.reduce((sum, cost) => sum + cost.packetsCount, 0);
  const payloadBytes = costs.reduce((sum, cost) => sum + cost.bytes, 0);
  const queuedBytesMax = costs.reduce((max, cost) => Math.max(max, cost.queuedBytes), 0);
  const connectionsCount = scenario.timeline.filter((entry) => entry.action.kind === 'connect').length;
  const pingDatagramsCount = 2 * connectionsCount * (scenario.durationMs / PING_INTERVAL_MS);
  // Every fragment travels in a datagram that is acknowledged by another; aggregation only lowers it.
  const datagramsCount = 2 * costs.reduce((sum, cost) => sum + cost.fragmentsCount, 0) + pingDatagramsCount;
  const statsSamplesCount = scenario.statsIntervalMs > 0 ? scenario.durationMs / scenario.statsIntervalMs : 0;
  const peerSidesCount = 2 * connectionsCount;
  const streamTicksCount = costs.filter((cost) => cost.queuedBytes === 0).reduce((sum, cost) => sum + cost.packetsCount, 0);
  const eventsCount = serviceFramesCount + datagramsCount + streamTicksCount + statsSamplesCount + scenario.timeline.length;
  const traceEventsCount = 2 * datagramsCount + packetsCount + statsSamplesCount * peerSidesCount;
  const memoryBytes = traceEventsCount * TRACE_EVENT_BYTES + packetsCount * LEDGER_RECORD_BYTES + queuedBytesMax * QUEUED_COPIES_COUNT;
  return { serviceFramesCount, packetsCount, payloadBytes, queuedBytesMax, datagramsCount, eventsCount, traceEventsCount, memoryBytes };
}

/** 12 345 678 → "12.3M"; for estimates, where three digits say enough. */
export function formatCount(count: number): string {
  if (!Number.isFinite(count)) return 'unbounded';
  if (count >= 1e9) return `${Number((count / 1e9).toPrecision(3))}G`;
  if (count >= 1e6) return `${Number((count / 1e6).toPrecision(3))}M`;
  if (count >= 1e3) return `${Number((count / 1e3).toPrecision(3))}k`;
  return String(Math.round(count));
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'unbounded';
  if (bytes >= 2 ** 30) return `${Number((bytes / 2 ** 30).toPrecision(3))} GiB`;
  if (bytes >= 2 ** 20) return `${Number((bytes / 2 ** 20).toPrecision(3))} MiB`;
  if (bytes >= 2 ** 10) return `${Number((bytes / 2 ** 10).toPrecision(3))} KiB`;
  return `${Math.round(bytes)} B`;
}

/** "estimated 36M events, 12M trace events, 0 packets, 2.3 GiB of memory" */
export function formatEstimate(estimate: CostEstimate): string {
  return `estimated ${formatCount(estimate.eventsCount)} events, ${formatCount(estimate.traceEventsCount)} trace events, ${formatCount(estimate.packetsCount)} packets, ${formatBytes(estimate.queuedBytesMax)} queued at once, ${formatBytes(estimate.memoryBytes)} of memory per seed`;
}

/** The first limit the estimate exceeds, in words, or null. */
function exceeded(estimate: CostEstimate, limits: BudgetLimits): string | null {
  if (!(estimate.packetsCount <= limits.packetsMax)) return `${formatCount(estimate.packetsCount)} packets, above the limit of ${formatCount(limits.packetsMax)}`;
  if (!(estimate.queuedBytesMax <= limits.queuedBytesMax)) return `${formatBytes(estimate.queuedBytesMax)} handed to ENet at once, above the limit of ${formatBytes(limits.queuedBytesMax)}`;
  if (!(estimate.eventsCount <= limits.eventsMax)) return `${formatCount(estimate.eventsCount)} events, above the limit of ${formatCount(limits.eventsMax)}`;
  if (!(estimate.traceEventsCount <= limits.traceEventsMax)) return `${formatCount(estimate.traceEventsCount)} trace events, above the limit of ${formatCount(limits.traceEventsMax)}`;
  if (!(estimate.memoryBytes <= limits.memoryBytesMax)) return `${formatBytes(estimate.memoryBytes)} of memory, above the limit of ${formatBytes(limits.memoryBytesMax)}`;
  return null;
}

/**
 * The position a refusal points at: the timeline entry that sends the most (packets, or bytes at
 * once), when entries are what costs; otherwise the file (service frames and statistics, which come
 * from `hosts` and `duration`).
 */
function blame(scenario: Scenario, estimate: CostEstimate): SourcePosition {
  const costs = entryCosts(scenario);
  const heaviest = costs.reduce<EntryCost | null>((best, cost) => (best === null || cost.packetsCount + cost.queuedBytes > best.packetsCount + best.queuedBytes ? cost : best), null);
  const entriesCostMore = heaviest !== null && (heaviest.queuedBytes > 0 || heaviest.packetsCount * 2 >= estimate.serviceFramesCount);
  return entriesCostMore ? heaviest.position : { file: scenario.file, line: 1, column: 1 };
}

/** Checks `scenario` against `limits`; a refusal carries a message with the estimate and the flag that raises the limits. */
export function checkBudget(scenario: Scenario, limits: BudgetLimits): BudgetCheck {
  const estimate = estimateCost(scenario);
  const over = exceeded(estimate, limits);
  if (over === null) return { ok: true, estimate };
  const message = `too big to run: ${over} (${formatEstimate(estimate)}); shorten the scenario, or raise the limits knowingly with --budget-scale N`;
  return { ok: false, estimate, problem: { position: blame(scenario, estimate), message } };
}
