// A scenario after loading: every default resolved, every value in base units (ms, bytes, bit/s,
// percent), every reference checked. The compiler (compile.ts) and the assertions read only this.
import type { ProtocolProfile } from '../enet/constants.js';
import type { CompressionName } from '../enet/compressors.js';
import type { LinkConfig } from '../sim/link-config.js';
import type { LinkDraws } from '../sim/weather.js';
import type { SourcePosition } from './problem.js';

export interface ScenarioHost {
  name: string;
  peerCount: number;
  channelLimit: number;
  incomingBandwidthBytesPerSecond: number;
  outgoingBandwidthBytesPerSecond: number;
  mtuBytes: number | null;
  checksum: boolean;
  compress: CompressionName | null;
  protocol: ProtocolProfile;
  /** Which implementation runs the host. */
  impl: 'typescript' | 'libenet';
  port: number;
  service: {
    intervalMs: number | null;
    hz: number | null;
    phaseMs: number;
    jitterMs: number;
    onReceive: boolean;
    maxEventsPerFrame: number;
  };
}

export type LinkTarget = { kind: 'default' } | { kind: 'direction'; from: string; to: string } | { kind: 'both'; a: string; b: string };

export interface LinkSetting {
  target: LinkTarget;
  config: LinkConfig;
}

export type PacketSize = { fixedBytes: number } | { minBytes: number; maxBytes: number };

export type Action =
  | { kind: 'connect'; from: string; to: string; channels: number; data: number }
  | { kind: 'send'; from: string; to: string; channel: number; size: PacketSize; flags: number; count: number }
  | { kind: 'stream'; from: string; to: string; channel: number; size: PacketSize; ratePerSecond: number; flags: number; forMs: number | null }
  | { kind: 'bulk'; from: string; to: string; channel: number; totalBytes: number; packetBytes: number; flags: number }
  | { kind: 'broadcast'; from: string; channel: number; size: PacketSize; flags: number }
  | { kind: 'link'; settings: LinkSetting[]; rampMs: number }
  | { kind: 'partition' | 'heal'; a: string; b: string; oneWay: boolean }
  | { kind: 'hold' | 'release'; from: string; to: string }
  | { kind: 'lag_spike'; target: LinkTarget; extraMs: number; forMs: number }
  | { kind: 'pause' | 'resume' | 'crash' | 'restart'; host: string }
  | { kind: 'throttle_configure'; host: string; peer: string; intervalMs: number; acceleration: number; deceleration: number }
  | { kind: 'set_timeout'; host: string; peer: string; timeout: number; minMs: number; maxMs: number }
  | { kind: 'ping_interval'; host: string; peer: string; intervalMs: number }
  | { kind: 'ping' | 'reset'; host: string; peer: string }
  | { kind: 'peer_disconnect' | 'peer_disconnect_later' | 'peer_disconnect_now'; host: string; peer: string; data: number }
  | { kind: 'bandwidth_limit'; host: string; incomingBytesPerSecond: number; outgoingBytesPerSecond: number }
  | { kind: 'channel_limit'; host: string; limit: number };

export interface TimelineEntry {
  /** When the action runs; for a reaction, from when it answers events. */
  atMs: number;
  id: string | null;
  /** A reaction's trigger: the action runs on each matching event instead of at `atMs`. */
  on: ReactionOn | null;
  action: Action;
  position: SourcePosition;
}

/** What a reaction answers (docs/scenarios.md, "Reactions"). */
export interface ReactionOn {
  host: string;
  event: 'connect' | 'disconnect' | 'receive';
  peer: string | null;
  channel: number | null;
  data: number | null;
  delayMs: number;
  once: boolean;
}

/**
 * In a reaction's action, the place of the event's peer (a `to`, or the peer of a `peer`), filled in
 * when the event happens. Not a valid host name, so it can never be mistaken for one.
 */
export const EVENT_PEER = "(the event's peer)";

/** A time window relative to a reference (the start, or a timeline id's time). */
export interface Window {
  after: string | null;
  fromMs: number;
  toMs: number | null;
}

/** A numeric bound in the statistic's own unit (ms for times, raw ENet values otherwise). */
export interface Bound {
  above: number | null;
  below: number | null;
  equals: number | null;
  atLeast: number | null;
  atMost: number | null;
}

export type Expectation =
  | { kind: 'state'; host: string; peer: string; mode: 'reaches' | 'never' | 'is'; state: string; atMs: number | null; window: Window }
  | { kind: 'sequence'; host: string; peer: string; states: string[] }
  | { kind: 'event'; host: string; type: 'connect' | 'disconnect' | 'receive'; peer: string | null; data: number | null; channel: number | null; count: number | null; min: number | null; max: number | null; window: Window }
  | { kind: 'timeout'; host: string; peer: string; rule: 'limit' | 'maximum' | 'any'; window: Window }
  | { kind: 'stat'; host: string; peer: string; stat: string; statIndex: number; atMs: number | null; overMs: [number, number] | null; aggregate: string; after: string | null; bound: Bound; unit: StatUnit }
  | { kind: 'converge'; host: string; peer: string; stat: string; statIndex: number; low: number; high: number; withinMs: number; holdMs: number; after: string | null; unit: StatUnit }
  | { kind: 'delivery'; from: string; to: string; channel: number | null; exactlyOnceInOrder: boolean; ratio: Bound | null; latency: { percentile: number; belowMs: number | null; aboveMs: number | null } | null; duplicatesMax: number | null }
  | TrafficExpectation
  | RelativeExpectation;

/** What a `traffic` expectation measures over the datagrams of one direction (docs/scenarios.md, `traffic`). */
export type TrafficMeasure = 'datagrams' | 'bytes' | 'overhead' | 'retransmissions' | 'size';
export type TrafficPhase = 'sent' | 'delivered' | 'dropped';

/** The reasons a datagram is dropped on its way (a `dropped` datagram event's `reason`), as the simulator names them. */
export const DROP_REASONS = ['loss', 'mtu', 'queueFull', 'partition', 'hostDown'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface TrafficExpectation {
  kind: 'traffic';
  from: string;
  to: string;
  measure: TrafficMeasure;
  /** datagrams, bytes, size: which datagram events count (retransmissions and overhead look at `sent`). */
  phase: TrafficPhase;
  /** With phase dropped: only drops for this reason (null: every reason). */
  reason: DropReason | null;
  /** retransmissions: only commands on this channel (null: every channel, 255 included). */
  channel: number | null;
  /** size: how the datagram sizes are reduced (min, max, mean, p95...). */
  aggregate: string;
  window: Window;
  bound: Bound;
}

/** A number measured on one run, as one side of a `relative` expectation. */
export type ScalarMeasure =
  | { kind: 'stat'; expectation: Extract<Expectation, { kind: 'stat' }> }
  | { kind: 'traffic'; expectation: TrafficExpectation }
  | { kind: 'delivery'; from: string; to: string; channel: number | null; /** null: the delivered ratio. */ latencyPercentile: number | null };

/** The unit both sides of a `relative` expectation are in, so that they compare. */
export type ScalarUnit = StatUnit | 'bytes' | 'ratio';

export interface RelativeExpectation {
  kind: 'relative';
  value: ScalarMeasure;
  than: ScalarMeasure;
  unit: ScalarUnit;
  /** value against than: value < than (below), > (above), ≤ (at_most), ≥ (at_least); null when only ratio/difference bound it. */
  comparison: 'below' | 'above' | 'at_most' | 'at_least' | null;
  /** Bounds on value / than. */
  ratio: Bound | null;
  /** Bounds on value − than, in the sides' unit. */
  difference: Bound | null;
}

export type StatUnit = 'ms' | 'count' | 'loss';

export interface LocatedExpectation {
  expectation: Expectation;
  name: string | null;
  position: SourcePosition;
}

export interface Scenario {
  file: string;
  name: string;
  description: string | null;
  seed: number;
  /** `fixed_seed: true`: the expectations are written for `seed` alone, so `--seed`/`--seeds` do not change it. */
  seedFixed: boolean;
  durationMs: number;
  epochMs: number;
  statsIntervalMs: number;
  /** `link_draws`: per-datagram (default) or time-keyed with its slot. */
  linkDraws: LinkDraws;
  hosts: ScenarioHost[];
  links: LinkSetting[];
  timeline: TimelineEntry[];
  expectations: LocatedExpectation[];
}
