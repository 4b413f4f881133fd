// The configuration of one link direction: every knob, its unit, its default, and its validation.
// `resolveLinkConfig` is the one place where defaults are filled in; the simulator prints its result.
//
// All delays are ONE-WAY: a link is one direction of a host pair, so a round trip crosses two links and
// sees both of their latencies. A knob that netem, Valve's GameNetworkingSockets (GNS) or Unity
// Transport's simulator users know is named after its meaning here and cross-referenced in its TSDoc.

/** Largest accepted one-way delay of any kind (latency, jitter, duplicate delay): one hour, in ms. */
export const MAX_DELAY_MS = 3_600_000;
/** Largest UDP payload over IPv4 (65 535 − 20 − 8), the largest accepted `mtuBytes`. */
export const MAX_MTU_BYTES = 65_507;
/** Largest accepted per-datagram overhead, in bytes. */
export const MAX_OVERHEAD_BYTES = 1_024;
/** Largest accepted bandwidth: 1 Tbit/s. */
export const MAX_RATE_BITS_PER_SECOND = 1e12;
/**
 * Smallest accepted bandwidth: 1 bit/s (a full-size datagram then takes hours). Far slower rates make
 * a datagram's serialization time overflow to Infinity, which no clock can schedule.
 */
export const MIN_RATE_BITS_PER_SECOND = 1;
/** Largest accepted `queueDatagrams`. */
export const MAX_QUEUE_DATAGRAMS = 1_000_000;
/** Largest accepted `queueBytes`: 1 GiB. */
export const MAX_QUEUE_BYTES = 1_073_741_824;
/** Largest accepted drop-every-Nth period and reorder gap. */
export const MAX_PERIOD_COUNT = 2_147_483_647;

/** Default per-datagram overhead on the wire: an IPv4 header (20 bytes) and a UDP header (8 bytes). */
export const DEFAULT_OVERHEAD_BYTES = 28;
/** Default bound of the bandwidth queue, in datagrams: Linux's txqueuelen and netem's `limit`. */
export const DEFAULT_QUEUE_DATAGRAMS = 1_000;
/** Shape α of the `pareto` jitter distribution (finite mean and variance; tail P(X > x) ~ x^-3). */
export const PARETO_SHAPE = 3;

/**
 * How the extra delay of `jitter` is distributed. `ms` is the distribution's scale:
 * - `uniform`: uniform on [−ms, +ms] around the latency (mean 0; netem's default, Unity's jitter).
 * - `normal`: normal with mean 0 and standard deviation σ = ms (netem `distribution normal`).
 * - `pareto`: one-sided heavy tail, never negative: a Lomax (Pareto type II) with shape α =
 *   {@link PARETO_SHAPE} scaled so the MEAN extra delay is ms; quantile q is
 *   `2·ms·((1 − q)^(−1/3) − 1)`: median 0.52·ms, p90 2.31·ms, p99 7.28·ms.
 * - `exponential`: one-sided, never negative, MEAN ms (GNS's jitter model: most datagrams get a little,
 *   a few get a lot). With order-keeping jitter a long delay holds back the datagrams behind it, so
 *   they arrive in clumps.
 */
export type JitterDistribution = 'uniform' | 'normal' | 'pareto' | 'exponential';

/** The accepted jitter distributions, in documentation order. */
export const JITTER_DISTRIBUTIONS: readonly JitterDistribution[] = ['uniform', 'normal', 'pareto', 'exponential'];

/**
 * Random extra one-way delay per datagram, added to `latencyMs`.
 *
 * The total one-way delay of a datagram is `max(0, latencyMs + extra)`: a negative extra delay makes a
 * datagram faster, but never faster than instant. (With `uniform` or `normal` and `ms` larger than the
 * latency, this clamp raises the mean delay above `latencyMs`.)
 */
export interface JitterConfig {
  /** Scale of the extra delay in ms; its meaning depends on `distribution` (see there). ≥ 0. */
  ms: number;
  /** Shape of the extra delay. Default `'uniform'`. */
  distribution?: JitterDistribution;
  /**
   * How much each datagram's extra delay resembles the previous one's, 0..100. Default 0 (independent).
   * A hidden standard normal variable follows z ← c·z + √(1 − c²)·fresh with c = correlationPercent/100,
   * and each datagram's extra delay is the configured distribution's quantile of Φ(z). Unlike netem's
   * `next = c·previous + (1 − c)·fresh` (which narrows the spread as c grows), this keeps the configured
   * distribution exactly and only changes the order in time: lag-1 correlation is c for `normal`, and
   * (6/π)·asin(c/2) for `uniform`. 100 freezes the extra delay at its first value.
   */
  correlationPercent?: number;
  /**
   * Whether jitter may reorder datagrams. Default **false**: order-keeping jitter, as on a real path
   * where delay varies because of queues — a datagram is never delivered before one sent earlier on this
   * link (its delivery time is raised to the previous delivery time when needed), so a delayed datagram
   * holds back the ones behind it. `true` is netem's behaviour: each datagram's delay is independent and
   * later datagrams overtake earlier ones whenever their delay is shorter by more than the send gap.
   */
  reorder?: boolean;
  /** Share of datagrams that get jitter at all, 0..100 (GNS `FakePacketJitter_Send_Pct`). Default 100. */
  percent?: number;
  /**
   * Cap on the magnitude of the extra delay in ms: it is clamped to [−maxMs, +maxMs]
   * (GNS `FakePacketJitter_Send_Max`). Default: no cap.
   */
  maxMs?: number;
}

/**
 * Independent loss: each datagram is lost with probability `percent`/100 (netem `loss random P`,
 * Unity `PacketDropPercentage`).
 */
export interface BernoulliLossConfig {
  model: 'bernoulli';
  /** Loss probability per datagram, 0..100 %. */
  percent: number;
}

/**
 * Gilbert-Elliott bursty loss (netem `loss gemodel p r 1-h 1-k`). A two-state Markov chain steps once
 * per datagram: each datagram is lost with the loss probability of the CURRENT state, then the state
 * moves. The bad state lasts on average 100/badToGoodPercent datagrams; with the default loss
 * probabilities (0 % good, 100 % bad) that is the mean burst length, and the long-run loss rate is
 * goodToBad/(goodToBad + badToGood).
 */
export interface GilbertElliottLossConfig {
  model: 'gilbert-elliott';
  /** Probability of moving from the good to the bad state per datagram, 0..100 % (netem p). */
  goodToBadPercent: number;
  /** Probability of moving from the bad to the good state per datagram, 0..100 % (netem r). */
  badToGoodPercent: number;
  /** Loss probability in the good state, 0..100 % (netem 1−k). Default 0. */
  lossInGoodPercent?: number;
  /** Loss probability in the bad state, 0..100 % (netem 1−h). Default 100. */
  lossInBadPercent?: number;
}

/**
 * netem's 4-state Markov loss model (`loss state p13 p31 p32 p23 p14`; Salsano et al.). States:
 * 1 = received within a gap period, 2 = received within a burst, 3 = lost within a burst, 4 = isolated
 * loss. The chain steps once per datagram and the datagram is lost when the state it ENTERS is 3 or 4.
 * Transitions not listed stay put, except 4 → 1, which always happens. Defaults as in `tc`:
 * p31 = 100 − p13, p32 = 0, p23 = 100, p14 = 0. Constraints: p13 + p14 ≤ 100, p31 + p32 ≤ 100.
 */
export interface Netem4LossConfig {
  model: 'netem4';
  /** Probability per datagram of 1 → 3 (a burst starts), 0..100 %. */
  p13Percent: number;
  /** Probability of 3 → 1 (the burst ends), 0..100 %. Default 100 − p13Percent. */
  p31Percent?: number;
  /** Probability of 3 → 2 (a datagram gets through inside the burst), 0..100 %. Default 0. */
  p32Percent?: number;
  /** Probability of 2 → 3 (loss resumes inside the burst), 0..100 %. Default 100. */
  p23Percent?: number;
  /** Probability of 1 → 4 (an isolated loss), 0..100 %. Default 0. */
  p14Percent?: number;
}

/**
 * Deterministic loss (Unity `PacketDropInterval`): numbering the datagrams that reach the loss step
 * 1, 2, 3, … on this link, the ones whose number m has m mod n = offset are lost. With the default
 * offset 0 that is the n-th, 2n-th, … datagram; n = 1 loses everything. Draws no random numbers.
 */
export interface EveryNthLossConfig {
  model: 'every';
  /** The period, an integer ≥ 1. */
  n: number;
  /** Which datagram of each period is lost, an integer in [0, n − 1]. Default 0 (the last one). */
  offset?: number;
}

/** Which datagrams are lost on the path. Default: `{ model: 'bernoulli', percent: 0 }` (none). */
export type LossConfig = BernoulliLossConfig | GilbertElliottLossConfig | Netem4LossConfig | EveryNthLossConfig;

/** Duplication (netem `duplicate P`, GNS `FakePacketDup_Send`, Unity `PacketDuplicationPercentage`). */
export interface DuplicateConfig {
  /** Probability that a delivered datagram is also delivered a second time, 0..100 %. */
  percent: number;
  /**
   * How much later than the original the copy arrives, in ms (≥ 0). Default 0 (same millisecond, right
   * after the original). The copy never passes the bandwidth queue a second time and is not held back
   * by order-keeping jitter.
   */
  delayMs?: number;
}

/** Corruption (netem `corrupt P`, Unity's fuzzing): exactly one uniformly chosen bit of the datagram is flipped. */
export interface CorruptConfig {
  /** Probability that a delivered datagram is corrupted, 0..100 %. Empty datagrams are never corrupted. */
  percent: number;
}

/**
 * netem's `reorder P gap N`: after every reordered datagram, the next gap − 1 datagrams are delayed
 * normally; after that, each datagram is sent immediately — skipping latency and jitter, so it overtakes
 * the delayed ones — with probability P. Gap 1 reorders each datagram independently with probability P.
 * The long-run share of reordered datagrams is P/(1 + (gap − 1)·P). Has no visible effect on a link
 * without latency or jitter. Bandwidth still applies to reordered datagrams.
 */
export interface ReorderConfig {
  /** Probability P, 0..100 %. */
  percent: number;
  /** The gap N, an integer ≥ 1. Default 1. */
  gap?: number;
}

/**
 * A bottleneck: datagrams are serialized one after another at `rateBitsPerSecond`, waiting in a FIFO
 * queue while the transmitter is busy. Sending faster than the rate builds queueing delay (bufferbloat)
 * until the queue is full; then arriving datagrams are tail-dropped (reason `queueFull`). The queue holds
 * every datagram whose serialization has not finished, and counts wire bytes (payload + overheadBytes),
 * as a router's buffer does. A datagram is admitted only if it passes EVERY limit given: datagrams,
 * bytes, and time (`queueMs`: the time it would wait before its own serialization starts).
 * (netem `rate` + `limit`, GNS `FakeRateLimit_Send_Rate`, Unity `MaxPacketCount`.)
 */
export interface BandwidthConfig {
  /** Serialization rate in bits per second ({@link MIN_RATE_BITS_PER_SECOND}..{@link MAX_RATE_BITS_PER_SECOND}). Required whenever `bandwidth` is given. */
  rateBitsPerSecond: number;
  /** Bytes added to each datagram on the wire, an integer ≥ 0. Default {@link DEFAULT_OVERHEAD_BYTES} (IPv4 + UDP). */
  overheadBytes?: number;
  /** Queue limit in wire bytes (an integer ≥ 1). Default: no byte limit (the datagram limit still applies). */
  queueBytes?: number;
  /** Queue limit in datagrams (an integer ≥ 1). Default {@link DEFAULT_QUEUE_DATAGRAMS}. */
  queueDatagrams?: number;
  /**
   * Queue limit in time, ms (> 0, whole µs, ≤ {@link MAX_DELAY_MS}): a datagram is tail-dropped when it
   * would wait longer than this before its own serialization starts, behind the datagrams already queued
   * (which keep the departure times they were given). At a constant rate that is a queue of
   * rate × queueMs bytes; when the rate changes, the limit follows the new rate with no conversion.
   * Default: no time limit.
   */
  queueMs?: number;
}

/**
 * One direction of a link, as a user writes it. Every field is optional; the defaults describe a perfect
 * link (no delay, no loss, no duplication, no corruption, no reordering, no MTU, unlimited bandwidth).
 * `resolveLinkConfig` fills the defaults and validates.
 */
export interface LinkConfig {
  /**
   * Base one-way delay in ms (≥ 0; µs resolution). Default 0.
   * (netem `delay`, GNS `FakePacketLag_Send`, Unity `PacketDelayMs`.)
   */
  latencyMs?: number;
  /** Random extra delay. Default none. */
  jitter?: JitterConfig;
  /** Loss model. Default none. */
  loss?: LossConfig;
  /** Duplication. Default none. */
  duplicate?: DuplicateConfig;
  /** Bit-flip corruption. Default none. */
  corrupt?: CorruptConfig;
  /** netem-style reordering. Default none. */
  reorder?: ReorderConfig;
  /**
   * Largest UDP payload in bytes that passes (1..{@link MAX_MTU_BYTES}); larger datagrams are dropped
   * (reason `mtu`). Default: no limit. (Unity `MaxPacketSize`.)
   */
  mtuBytes?: number;
  /** Bottleneck rate and queue. Default: unlimited, no queue. */
  bandwidth?: BandwidthConfig;
}

/** Jitter with every default filled in. */
export interface ResolvedJitterConfig {
  readonly ms: number;
  readonly distribution: JitterDistribution;
  readonly correlationPercent: number;
  readonly reorder: boolean;
  readonly percent: number;
  /** null: no cap. */
  readonly maxMs: number | null;
}

/** A loss model with every default filled in. */
export type ResolvedLossConfig =
  | { readonly model: 'bernoulli'; readonly percent: number }
  | {
      readonly model: 'gilbert-elliott';
      readonly goodToBadPercent: number;
      readonly badToGoodPercent: number;
      readonly lossInGoodPercent: number;
      readonly lossInBadPercent: number;
    }
  | {
      readonly model: 'netem4';
      readonly p13Percent: number;
      readonly p31Percent: number;
      readonly p32Percent: number;
      readonly p23Percent: number;
      readonly p14Percent: number;
    }
  | { readonly model: 'every'; readonly n: number; readonly offset: number };

/** Bandwidth with every default filled in. */
export interface ResolvedBandwidthConfig {
  readonly rateBitsPerSecond: number;
  readonly overheadBytes: number;
  /** null: no byte limit. */
  readonly queueBytes: number | null;
  readonly queueDatagrams: number;
  /** null: no time limit. */
  readonly queueMs: number | null;
}

/**
 * A validated link direction with every default explicit (print it to show what a run used).
 * Build it with `resolveLinkConfig`; a `Link` trusts it.
 */
export interface ResolvedLinkConfig {
  readonly latencyMs: number;
  readonly jitter: ResolvedJitterConfig;
  readonly loss: ResolvedLossConfig;
  readonly duplicate: { readonly percent: number; readonly delayMs: number };
  readonly corrupt: { readonly percent: number };
  readonly reorder: { readonly percent: number; readonly gap: number };
  /** null: no MTU. */
  readonly mtuBytes: number | null;
  /** null: unlimited bandwidth, no queue. */
  readonly bandwidth: ResolvedBandwidthConfig | null;
}

/** One problem in a link configuration. `path` is dotted from the config root, e.g. `loss.badToGoodPercent`. */
export interface LinkConfigError {
  path: string;
  message: string;
}

/** The result of `resolveLinkConfig`. */
export type LinkConfigResult =
  | { ok: true; value: ResolvedLinkConfig }
  | { ok: false; errors: LinkConfigError[] };

// Validation ---------------------------------------------------------------------------------------

/** What a numeric field must satisfy. */
interface NumberRule {
  min: number;
  max: number;
  /** The minimum itself is not allowed. */
  minExclusive?: boolean;
  integer?: boolean;
}

const PERCENT_RULE: NumberRule = { min: 0, max: 100 };
const DELAY_RULE: NumberRule = { min: 0, max: MAX_DELAY_MS };

/** Collects errors while reading a config object; each reader returns a usable value even on error. */
class ConfigReader {
  readonly errors: LinkConfigError[] = [];

  fail(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** Reads a number at `path`; `fallback` when absent (undefined) or invalid. `required` fails on absence. */
  number(path: string, value: unknown, rule: NumberRule, fallback: number, required = false): number {
    if (value === undefined) {
      if (required) this.fail(path, 'is required');
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(path, `must be a finite number (got ${describe(value)})`);
      return fallback;
    }
    if (rule.integer === true && !Number.isInteger(value)) {
      this.fail(path, `must be an integer (got ${value})`);
      return fallback;
    }
    const tooLow = rule.minExclusive === true ? value <= rule.min : value < rule.min;
    if (tooLow || value > rule.max) {
      const low = rule.minExclusive === true ? `> ${rule.min}` : `≥ ${rule.min}`;
      this.fail(path, `must be ${low} and ≤ ${rule.max} (got ${value})`);
      return fallback;
    }
    return value;
  }

  /** Reads an optional boolean. */
  boolean(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.fail(path, `must be true or false (got ${describe(value)})`);
      return fallback;
    }
    return value;
  }

  /** Checks that `value` is a plain object whose keys are all in `allowed`; returns it as a record or null. */
  object(path: string, value: unknown, allowed: readonly string[]): Record<string, unknown> | null {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path === '' ? '(root)' : path, `must be an object (got ${describe(value)})`);
      return null;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (allowed.includes(key)) continue;
      const suggestion = closestName(key, allowed);
      const hint = suggestion === null ? `known keys: ${allowed.join(', ')}` : `did you mean '${suggestion}'?`;
      this.fail(joinPath(path, key), `unknown key '${key}' (${hint})`);
    }
    return record;
  }
}

function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** Levenshtein distance, for "did you mean" hints. Inputs are short config keys. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The allowed name closest to `name` if it is a plausible typo (distance ≤ 3, and less than half its length). */
function closestName(name: string, allowed: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= 3 && bestDistance * 2 < name.length ? best : null;
}

// Sections -----------------------------------------------------------------------------------------

const LINK_KEYS = ['latencyMs', 'jitter', 'loss', 'duplicate', 'corrupt', 'reorder', 'mtuBytes', 'bandwidth'] as const;
const JITTER_KEYS = ['ms', 'distribution', 'correlationPercent', 'reorder', 'percent', 'maxMs'] as const;

const NO_JITTER: ResolvedJitterConfig = {
  ms: 0,
  distribution: 'uniform',
  correlationPercent: 0,
  reorder: false,
  percent: 100,
  maxMs: null,
};

function readJitter(reader: ConfigReader, value: unknown): ResolvedJitterConfig {
  if (value === undefined) return NO_JITTER;
  const record = reader.object('jitter', value, JITTER_KEYS);
  if (record === null) return NO_JITTER;
  let distribution: JitterDistribution = 'uniform';
  if (record['distribution'] !== undefined) {
    const named = JITTER_DISTRIBUTIONS.find((candidate) => candidate === record['distribution']);
    if (named === undefined) {
      const got = describe(record['distribution']);
      reader.fail('jitter.distribution', `must be one of ${JITTER_DISTRIBUTIONS.join(', ')} (got ${got})`);
    } else {
      distribution = named;
    }
  }
  const maxMs = record['maxMs'] === undefined ? null : reader.number('jitter.maxMs', record['maxMs'], DELAY_RULE, 0);
  return {
    ms: reader.number('jitter.ms', record['ms'], DELAY_RULE, 0, true),
    distribution,
    correlationPercent: reader.number('jitter.correlationPercent', record['correlationPercent'], PERCENT_RULE, 0),
    reorder: reader.boolean('jitter.reorder', record['reorder'], false),
    percent: reader.number('jitter.percent', record['percent'], PERCENT_RULE, 100),
    maxMs,
  };
}

const NO_LOSS: ResolvedLossConfig = { model: 'bernoulli', percent: 0 };
const LOSS_MODELS = ['bernoulli', 'gilbert-elliott', 'netem4', 'every'] as const;

function readLoss(reader: ConfigReader, value: unknown): ResolvedLossConfig {
  if (value === undefined) return NO_LOSS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    reader.fail('loss', `must be an object with a 'model' (got ${describe(value)})`);
    return NO_LOSS;
  }
  const model = (value as Record<string, unknown>)['model'];
  switch (model) {
    case 'bernoulli':
      return readBernoulli(reader, value);
    case 'gilbert-elliott':
      return readGilbertElliott(reader, value);
    case 'netem4':
      return readNetem4(reader, value);
    case 'every':
      return readEveryNth(reader, value);
    default:
      reader.fail('loss.model', `must be one of ${LOSS_MODELS.join(', ')} (got ${describe(model)})`);
      return NO_LOSS;
  }
}

function readBernoulli(reader: ConfigReader, value: unknown): ResolvedLossConfig {
  const record = reader.object('loss', value, ['model', 'percent']) ?? {};
  return { model: 'bernoulli', percent: reader.number('loss.percent', record['percent'], PERCENT_RULE, 0, true) };
}

function readGilbertElliott(reader: ConfigReader, value: unknown): ResolvedLossConfig {
  const keys = ['model', 'goodToBadPercent', 'badToGoodPercent', 'lossInGoodPercent', 'lossInBadPercent'];
  const record = reader.object('loss', value, keys) ?? {};
  return {
    model: 'gilbert-elliott',
    goodToBadPercent: reader.number('loss.goodToBadPercent', record['goodToBadPercent'], PERCENT_RULE, 0, true),
    badToGoodPercent: reader.number('loss.badToGoodPercent', record['badToGoodPercent'], PERCENT_RULE, 100, true),
    lossInGoodPercent: reader.number('loss.lossInGoodPercent', record['lossInGoodPercent'], PERCENT_RULE, 0),
    lossInBadPercent: reader.number('loss.lossInBadPercent', record['lossInBadPercent'], PERCENT_RULE, 100),
  };
}

function readNetem4(reader: ConfigReader, value: unknown): ResolvedLossConfig {
  const keys = ['model', 'p13Percent', 'p31Percent', 'p32Percent', 'p23Percent', 'p14Percent'];
  const record = reader.object('loss', value, keys) ?? {};
  const p13Percent = reader.number('loss.p13Percent', record['p13Percent'], PERCENT_RULE, 0, true);
  const p31Percent = reader.number('loss.p31Percent', record['p31Percent'], PERCENT_RULE, 100 - p13Percent);
  const p32Percent = reader.number('loss.p32Percent', record['p32Percent'], PERCENT_RULE, 0);
  const p23Percent = reader.number('loss.p23Percent', record['p23Percent'], PERCENT_RULE, 100);
  const p14Percent = reader.number('loss.p14Percent', record['p14Percent'], PERCENT_RULE, 0);
  if (p13Percent + p14Percent > 100) {
    reader.fail('loss.p14Percent', `p13Percent + p14Percent must be ≤ 100 (got ${p13Percent} + ${p14Percent})`);
  }
  if (p31Percent + p32Percent > 100) {
    reader.fail('loss.p32Percent', `p31Percent + p32Percent must be ≤ 100 (got ${p31Percent} + ${p32Percent})`);
  }
  return { model: 'netem4', p13Percent, p31Percent, p32Percent, p23Percent, p14Percent };
}

function readEveryNth(reader: ConfigReader, value: unknown): ResolvedLossConfig {
  const record = reader.object('loss', value, ['model', 'n', 'offset']) ?? {};
  const n = reader.number('loss.n', record['n'], { min: 1, max: MAX_PERIOD_COUNT, integer: true }, 1, true);
  const offset = reader.number('loss.offset', record['offset'], { min: 0, max: n - 1, integer: true }, 0);
  return { model: 'every', n, offset };
}

function readDuplicate(reader: ConfigReader, value: unknown): ResolvedLinkConfig['duplicate'] {
  if (value === undefined) return { percent: 0, delayMs: 0 };
  const record = reader.object('duplicate', value, ['percent', 'delayMs']) ?? {};
  return {
    percent: reader.number('duplicate.percent', record['percent'], PERCENT_RULE, 0, true),
    delayMs: reader.number('duplicate.delayMs', record['delayMs'], DELAY_RULE, 0),
  };
}

function readCorrupt(reader: ConfigReader, value: unknown): ResolvedLinkConfig['corrupt'] {
  if (value === undefined) return { percent: 0 };
  const record = reader.object('corrupt', value, ['percent']) ?? {};
  return { percent: reader.number('corrupt.percent', record['percent'], PERCENT_RULE, 0, true) };
}

function readReorder(reader: ConfigReader, value: unknown): ResolvedLinkConfig['reorder'] {
  if (value === undefined) return { percent: 0, gap: 1 };
  const record = reader.object('reorder', value, ['percent', 'gap']) ?? {};
  return {
    percent: reader.number('reorder.percent', record['percent'], PERCENT_RULE, 0, true),
    gap: reader.number('reorder.gap', record['gap'], { min: 1, max: MAX_PERIOD_COUNT, integer: true }, 1),
  };
}

function readBandwidth(reader: ConfigReader, value: unknown): ResolvedBandwidthConfig | null {
  if (value === undefined) return null;
  const keys = ['rateBitsPerSecond', 'overheadBytes', 'queueBytes', 'queueDatagrams', 'queueMs'];
  const record = reader.object('bandwidth', value, keys) ?? {};
  if (record['rateBitsPerSecond'] === undefined) {
    reader.fail('bandwidth.rateBitsPerSecond', 'is required: a queue limit or overhead needs a rate to drain at');
  }
  const rateRule: NumberRule = { min: MIN_RATE_BITS_PER_SECOND, max: MAX_RATE_BITS_PER_SECOND };
  const queueBytesRule: NumberRule = { min: 1, max: MAX_QUEUE_BYTES, integer: true };
  return {
    rateBitsPerSecond: reader.number('bandwidth.rateBitsPerSecond', record['rateBitsPerSecond'], rateRule, 1),
    overheadBytes: reader.number('bandwidth.overheadBytes', record['overheadBytes'],
      { min: 0, max: MAX_OVERHEAD_BYTES, integer: true }, DEFAULT_OVERHEAD_BYTES),
    queueBytes: record['queueBytes'] === undefined ? null
      : reader.number('bandwidth.queueBytes', record['queueBytes'], queueBytesRule, 1),
    queueDatagrams: reader.number('bandwidth.queueDatagrams', record['queueDatagrams'],
      { min: 1, max: MAX_QUEUE_DATAGRAMS, integer: true }, DEFAULT_QUEUE_DATAGRAMS),
    queueMs: readQueueMs(reader, record['queueMs']),
  };
}

/** The time limit of the queue: > 0 and a whole number of µs (the queue's clock). */
function readQueueMs(reader: ConfigReader, value: unknown): number | null {
  if (value === undefined) return null;
  const limitMs = reader.number('bandwidth.queueMs', value, { min: 0, max: MAX_DELAY_MS, minExclusive: true }, 1);
  if (Math.abs(limitMs * 1000 - Math.round(limitMs * 1000)) > 1e-6) {
    reader.fail('bandwidth.queueMs', `must be a whole number of µs (got ${limitMs} ms)`);
    return 1;
  }
  return limitMs;
}

/**
 * Fills in every default of a link direction and validates it. Returns `{ ok: true, value }` with an
 * explicit {@link ResolvedLinkConfig}, or `{ ok: false, errors }` listing every problem found (unknown
 * keys with a "did you mean", missing required fields, values out of range, a bandwidth queue without a
 * rate, inconsistent netem4 probabilities). Never throws, whatever `config` is at run time.
 *
 * @param config - the user's partial configuration; `undefined` or `{}` is a perfect link.
 */
export function resolveLinkConfig(config: LinkConfig | undefined = {}): LinkConfigResult {
  const reader = new ConfigReader();
  const record = reader.object('', config, LINK_KEYS);
  if (record === null) return { ok: false, errors: reader.errors };
  const mtuRule: NumberRule = { min: 1, max: MAX_MTU_BYTES, integer: true };
  const value: ResolvedLinkConfig = {
    latencyMs: reader.number('latencyMs', record['latencyMs'], DELAY_RULE, 0),
    jitter: readJitter(reader, record['jitter']),
    loss: readLoss(reader, record['loss']),
    duplicate: readDuplicate(reader, record['duplicate']),
    corrupt: readCorrupt(reader, record['corrupt']),
    reorder: readReorder(reader, record['reorder']),
    mtuBytes: record['mtuBytes'] === undefined ? null : reader.number('mtuBytes', record['mtuBytes'], mtuRule, 1),
    bandwidth: readBandwidth(reader, record['bandwidth']),
  };
  return reader.errors.length === 0 ? { ok: true, value } : { ok: false, errors: reader.errors };
}

/** A perfect link direction: every default, nothing added or taken away. */
export const PERFECT_LINK: ResolvedLinkConfig = {
  latencyMs: 0,
  jitter: NO_JITTER,
  loss: NO_LOSS,
  duplicate: { percent: 0, delayMs: 0 },
  corrupt: { percent: 0 },
  reorder: { percent: 0, gap: 1 },
  mtuBytes: null,
  bandwidth: null,
};
