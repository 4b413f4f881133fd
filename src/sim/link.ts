// One direction of a simulated link: decides each datagram's fate (drop, delay, copy, corruption) from a
// resolved configuration and a private random stream. Sans-IO: time comes in as an argument and the fate
// goes out as values; the simulator schedules the deliveries.
import { exp, inverseNormalCdf, ln, normalCdf, sqrt } from './detmath.js';
import {
  PARETO_SHAPE,
  type JitterDistribution,
  type ResolvedBandwidthConfig,
  type ResolvedLinkConfig,
  type ResolvedLossConfig,
} from './link-config.js';
import { type RandomStream, u32ThresholdFromPpm } from './random.js';
import { DrawPurpose, KeyedDraws, PER_DATAGRAM_DRAWS, type LinkDraws } from './weather.js';

/** Why a link dropped a datagram: lost on the path, larger than the MTU, or tail-dropped by a full queue. */
export type LinkDropReason = 'loss' | 'mtu' | 'queueFull';

/** A datagram (or its duplicate) that will arrive at the far end. */
export interface LinkDelivery {
  kind: 'deliver';
  /** Arrival time in whole ms (the exact arrival time in µs, rounded up). */
  atMs: number;
  /** The bytes that arrive: always a fresh copy, never the sender's array. */
  bytes: Uint8Array;
  /** True for the extra copy made by `duplicate`. */
  duplicate: boolean;
  /** True when one bit of `bytes` was flipped by `corrupt`. */
  corrupted: boolean;
  /**
   * Time from `transmit` until the datagram's last bit left the bandwidth bottleneck (waiting in the
   * queue plus its own serialization), in ms with µs resolution rounded up. 0 without `bandwidth`.
   */
  queueDelayMs: number;
}

/** A datagram the link dropped. */
export interface LinkDrop {
  kind: 'drop';
  reason: LinkDropReason;
}

/** The fate of one transmitted datagram: one drop, or one delivery followed by an optional duplicate. */
export type LinkOutcome = LinkDelivery | LinkDrop;

/**
 * The fate of one datagram as `Link.decide` reports it, in a record the link reuses: `deliveryCount`
 * 0 (dropped for `dropReason`), 1 (delivered), or 2 (delivered, then its duplicate). The fields
 * mean what the same-named fields of `LinkDelivery` mean.
 */
export interface LinkFate {
  deliveryCount: 0 | 1 | 2;
  dropReason: LinkDropReason;
  atMs: number;
  bytes: Uint8Array | null;
  corrupted: boolean;
  queueDelayMs: number;
  duplicateAtMs: number;
  duplicateBytes: Uint8Array | null;
}

/** Counters of one link direction since it was created. Counts are datagrams, bytes are UDP payload bytes. */
export interface LinkStats {
  /** `transmit` calls. */
  sentCount: number;
  sentBytes: number;
  /** Deliveries handed out, duplicates included (scheduled; their `atMs` may lie in the future). */
  deliveredCount: number;
  deliveredBytes: number;
  /** Drops, by reason. */
  droppedCount: Record<LinkDropReason, number>;
  /** Extra copies made by `duplicate` (each is also counted in deliveredCount). */
  duplicatedCount: number;
  /** Datagrams delivered with a flipped bit. */
  corruptedCount: number;
  /** Datagrams sent immediately by netem-style `reorder`. */
  reorderedCount: number;
}

/**
 * The random numbers one datagram uses, drawn at the start of `transmit` in this fixed order:
 * loss-state, loss, corrupt, corrupt-bit, duplicate, jitter-apply, jitter-value (2 draws), reorder —
 * nine `nextU32` draws for EVERY datagram, whatever its fate and whatever the configuration. So a
 * datagram's numbers depend only on the seed and how many datagrams came before it on this link; turning
 * one knob never shifts the numbers another knob sees. (Stateful parts still see which datagrams reach
 * them: a loss chain or the every-Nth count only counts datagrams that passed mtu and queue, the reorder
 * gap only survivors of loss, and order-keeping only delivered datagrams. The hidden jitter correlation
 * advances for every datagram.)
 */
interface DatagramDraws {
  lossStateU32: number;
  lossU32: number;
  corruptU32: number;
  corruptBitU32: number;
  duplicateU32: number;
  jitterApplyU32: number;
  /** In (0, 1). */
  jitterUnit: number;
  reorderU32: number;
}

/**
 * The same nine numbers in time-keyed mode: each one hashed from (send ms, index of the datagram within
 * that ms on this direction, purpose), so it does not depend on what else was sent.
 */
function keyedDatagramDraws(keyed: KeyedDraws, nowMs: number, indexInMs: number, into: DatagramDraws): void {
  into.lossStateU32 = keyed.u32(nowMs, indexInMs, DrawPurpose.lossState);
  into.lossU32 = keyed.u32(nowMs, indexInMs, DrawPurpose.loss);
  into.corruptU32 = keyed.u32(nowMs, indexInMs, DrawPurpose.corrupt);
  into.corruptBitU32 = keyed.u32(nowMs, indexInMs, DrawPurpose.corruptBit);
  into.duplicateU32 = keyed.u32(nowMs, indexInMs, DrawPurpose.duplicate);
  into.jitterApplyU32 = keyed.u32(nowMs, indexInMs, DrawPurpose.jitterApply);
  into.jitterUnit = keyed.openUnit(nowMs, indexInMs, DrawPurpose.jitterUnitHigh, DrawPurpose.jitterUnitLow);
  into.reorderU32 = keyed.u32(nowMs, indexInMs, DrawPurpose.reorder);
}

/** Draws one datagram's numbers into `into` (reused from datagram to datagram), in the fixed order. */
function drawDatagram(random: RandomStream, into: DatagramDraws): void {
  into.lossStateU32 = random.nextU32();
  into.lossU32 = random.nextU32();
  into.corruptU32 = random.nextU32();
  into.corruptBitU32 = random.nextU32();
  into.duplicateU32 = random.nextU32();
  into.jitterApplyU32 = random.nextU32();
  into.jitterUnit = random.nextOpenUnit();
  into.reorderU32 = random.nextU32();
}

function newDraws(): DatagramDraws {
  return { lossStateU32: 0, lossU32: 0, corruptU32: 0, corruptBitU32: 0, duplicateU32: 0, jitterApplyU32: 0, jitterUnit: 0.5, reorderU32: 0 };
}

// The compiled plan: a resolved config turned into integer thresholds and µs durations -----------

/** `u32 < threshold` happens with probability percent/100 (the same arithmetic as `chancePerMillion`). */
function thresholdU32(percent: number): number {
  return u32ThresholdFromPpm(percent * 10_000);
}

type LossPlan =
  | { model: 'bernoulli'; lossU32: number }
  | {
      model: 'gilbert-elliott';
      goodToBadU32: number;
      badToGoodU32: number;
      lossInGoodU32: number;
      lossInBadU32: number;
    }
  | {
      model: 'netem4';
      to4From1U32: number;
      to3From1U32: number;
      to3From2U32: number;
      to2From3U32: number;
      to1From3U32: number;
    }
  | { model: 'every'; n: number; offset: number };

interface JitterPlan {
  ms: number;
  distribution: JitterDistribution;
  /** c in [0, 1]. */
  correlation: number;
  /** √(1 − c²), the weight of the fresh normal in the hidden AR(1) variable. */
  innovationScale: number;
  applyU32: number;
  maxMs: number | null;
  reorders: boolean;
}

interface LinkPlan {
  latencyUs: number;
  jitter: JitterPlan;
  loss: LossPlan;
  duplicateU32: number;
  duplicateDelayUs: number;
  corruptU32: number;
  reorderU32: number;
  reorderGapCount: number;
  mtuBytes: number | null;
  bandwidth: ResolvedBandwidthConfig | null;
}

function compileLoss(loss: ResolvedLossConfig): LossPlan {
  switch (loss.model) {
    case 'bernoulli':
      return { model: 'bernoulli', lossU32: thresholdU32(loss.percent) };
    case 'gilbert-elliott':
      return {
        model: 'gilbert-elliott',
        goodToBadU32: thresholdU32(loss.goodToBadPercent),
        badToGoodU32: thresholdU32(loss.badToGoodPercent),
        lossInGoodU32: thresholdU32(loss.lossInGoodPercent),
        lossInBadU32: thresholdU32(loss.lossInBadPercent),
      };
    case 'netem4':
      // Cumulative thresholds: one draw picks among the transitions out of a state.
      return {
        model: 'netem4',
        to4From1U32: thresholdU32(loss.p14Percent),
        to3From1U32: thresholdU32(loss.p14Percent + loss.p13Percent),
        to3From2U32: thresholdU32(loss.p23Percent),
        to2From3U32: thresholdU32(loss.p32Percent),
        to1From3U32: thresholdU32(loss.p32Percent + loss.p31Percent),
      };
    case 'every':
      return { model: 'every', n: loss.n, offset: loss.offset };
  }
}

function compilePlan(config: ResolvedLinkConfig): LinkPlan {
  const correlation = config.jitter.correlationPercent / 100;
  return {
    latencyUs: Math.round(config.latencyMs * 1000),
    jitter: {
      ms: config.jitter.ms,
      distribution: config.jitter.distribution,
      correlation,
      innovationScale: sqrt(1 - correlation * correlation),
      applyU32: thresholdU32(config.jitter.percent),
      maxMs: config.jitter.maxMs,
      reorders: config.jitter.reorder,
    },
    loss: compileLoss(config.loss),
    duplicateU32: thresholdU32(config.duplicate.percent),
    duplicateDelayUs: Math.round(config.duplicate.delayMs * 1000),
    corruptU32: thresholdU32(config.corrupt.percent),
    reorderU32: thresholdU32(config.reorder.percent),
    reorderGapCount: config.reorder.gap,
    mtuBytes: config.mtuBytes,
    bandwidth: config.bandwidth,
  };
}

// Jitter -------------------------------------------------------------------------------------------

/** 2^-53: keeps a uniform computed as Φ(z) inside the open interval (0, 1). */
const UNIT_EPSILON = 1.1102230246251565e-16;

/**
 * The extra delay in ms at quantile `unit` of the distribution (see `JitterDistribution` for what `ms`
 * means). `normal` is the standard normal value at the same quantile, used by the `normal` distribution.
 * Every quantile function increases with `unit`, so correlated units give correlated delays.
 */
function jitterQuantileMs(distribution: JitterDistribution, ms: number, unit: number, normal: number): number {
  switch (distribution) {
    case 'uniform':
      return ms * (2 * unit - 1);
    case 'normal':
      return ms * normal;
    case 'exponential':
      return -ms * ln(1 - unit);
    case 'pareto': {
      // Lomax: scale λ = mean·(α − 1), quantile λ·((1 − u)^(−1/α) − 1).
      const scaleMs = ms * (PARETO_SHAPE - 1);
      return scaleMs * (exp(-ln(1 - unit) / PARETO_SHAPE) - 1);
    }
  }
}

/** Clamps the extra delay to [−maxMs, +maxMs] and converts it to whole µs. */
function extraDelayUs(extraMs: number, maxMs: number | null): number {
  const cappedMs = maxMs === null ? extraMs : Math.min(maxMs, Math.max(-maxMs, extraMs));
  return Math.round(cappedMs * 1000);
}

// The bandwidth bottleneck -------------------------------------------------------------------------

/**
 * The FIFO in front of the bottleneck: every datagram whose serialization has not finished, with its
 * finish time (µs, not rounded) and wire size. Bounded by the configured limits: a datagram is admitted
 * only if both stay within bounds, so the arrays never hold more than the largest `queueDatagrams` ever
 * configured.
 */
class SerializationQueue {
  private finishAtUs: number[] = [];
  private wireBytes: number[] = [];
  private headIndex = 0;
  private occupancyBytes = 0;
  /** When the transmitter finishes its current work (µs); in the past when idle. */
  private busyUntilUs = 0;

  /** Forgets datagrams whose last bit left by `nowUs`. Bounded by the number queued. */
  drain(nowUs: number): void {
    const length = this.finishAtUs.length;
    for (; this.headIndex < length; this.headIndex += 1) {
      if (this.finishAtUs[this.headIndex]! > nowUs) break;
      this.occupancyBytes -= this.wireBytes[this.headIndex]!;
    }
    if (this.headIndex === length) {
      this.finishAtUs = [];
      this.wireBytes = [];
      this.headIndex = 0;
    } else if (this.headIndex > 1024 && this.headIndex * 2 > length) {
      this.finishAtUs = this.finishAtUs.slice(this.headIndex);
      this.wireBytes = this.wireBytes.slice(this.headIndex);
      this.headIndex = 0;
    }
  }

  /** Wire bytes queued (after `drain`). */
  bytes(): number {
    return this.occupancyBytes;
  }

  /** Datagrams queued (after `drain`). */
  count(): number {
    return this.finishAtUs.length - this.headIndex;
  }

  /**
   * Queues a datagram of `payloadBytes` at `nowUs`, or returns null when it does not fit (tail drop): more
   * datagrams than `queueDatagrams`, more wire bytes than `queueBytes`, or a wait before its own
   * serialization starts (`busyUntilUs − nowUs`) longer than `queueMs`. The wait is set by the
   * departure times already given, so after a rate change the time limit holds as many bytes as the new
   * rate serializes in that time, with nothing converted. Returns when the datagram's last bit leaves
   * (µs, not rounded), or -1 for a tail drop.
   */
  admit(nowUs: number, payloadBytes: number, bandwidth: ResolvedBandwidthConfig): number {
    this.drain(nowUs);
    const wireBytes = payloadBytes + bandwidth.overheadBytes;
    if (this.count() + 1 > bandwidth.queueDatagrams) return -1;
    if (bandwidth.queueBytes !== null && this.occupancyBytes + wireBytes > bandwidth.queueBytes) return -1;
    const startAtUs = Math.max(nowUs, this.busyUntilUs);
    if (bandwidth.queueMs !== null && startAtUs - nowUs > Math.round(bandwidth.queueMs * 1000)) return -1;
    const serializationUs = (wireBytes * 8_000_000) / bandwidth.rateBitsPerSecond;
    const departAtUs = startAtUs + serializationUs;
    this.busyUntilUs = departAtUs;
    this.finishAtUs.push(departAtUs);
    this.wireBytes.push(wireBytes);
    this.occupancyBytes += wireBytes;
    return departAtUs;
  }
}

// The link -----------------------------------------------------------------------------------------

/** The state of netem's 4-state loss chain (see `Netem4LossConfig`). */
type Netem4State = 1 | 2 | 3 | 4;

function newStats(): LinkStats {
  return {
    sentCount: 0,
    sentBytes: 0,
    deliveredCount: 0,
    deliveredBytes: 0,
    droppedCount: { loss: 0, mtu: 0, queueFull: 0 },
    duplicatedCount: 0,
    corruptedCount: 0,
    reorderedCount: 0,
  };
}

/** A copy of `bytes` with bit `bitIndex` (0 = least significant bit of byte 0) flipped. */
function flipBit(bytes: Uint8Array, bitIndex: number): Uint8Array {
  const copy = bytes.slice();
  const byteIndex = Math.floor(bitIndex / 8);
  copy[byteIndex] = copy[byteIndex]! ^ (1 << bitIndex % 8);
  return copy;
}

/**
 * One direction of a link between two hosts. `transmit` decides the fate of each datagram the sender
 * puts on the link, in this order:
 *
 * 1. **mtu** — larger than `mtuBytes`: dropped (reason `mtu`).
 * 2. **queue** — with `bandwidth`, the datagram joins the bottleneck queue or is tail-dropped
 *    (`queueFull`); it leaves after queueing plus serialization at the configured rate.
 * 3. **loss** — the loss model decides (`loss`). The datagram has already used the bottleneck: loss
 *    happens on the path behind it.
 * 4. **corrupt** — maybe one bit flipped.
 * 5. **duplicate** — maybe a second delivery, `duplicate.delayMs` after the original (a lost datagram
 *    has no duplicate; the copy carries the bytes as sent, uncorrupted, as in netem).
 * 6. **jitter / reorder** — the one-way delay: netem `reorder` may send it immediately (no latency, no
 *    jitter); otherwise latency plus jitter, clamped at 0, and with order-keeping jitter (the default)
 *    raised to the previous in-order delivery time on this link.
 *
 * The random numbers come from the link's own stream in a fixed pattern (see `DatagramDraws`), so the
 * same seed and the same sequence of `transmit` calls give the same outcomes on every machine. Times
 * inside are µs; delivery times are rounded up to whole ms.
 *
 * With time-keyed draws (`LinkDraws`), the numbers are hashed from the send time instead, and the loss
 * chains and correlated jitter step once per slot of virtual time: a datagram sent at the same ms (and
 * as the same index within that ms) meets the same fate whatever else the sender sent.
 */
export class Link {
  /** Counters since creation; read-only for callers. */
  readonly stats: Readonly<LinkStats> = newStats();
  private readonly random: RandomStream;
  private currentConfig: ResolvedLinkConfig;
  private plan: LinkPlan;
  private readonly queue = new SerializationQueue();
  /** The numbers of the datagram being decided, and its fate: one record each, reused. */
  private readonly draws: DatagramDraws = newDraws();
  private readonly fate: LinkFate = { deliveryCount: 0, dropReason: 'loss', atMs: 0, bytes: null, corrupted: false, queueDelayMs: 0, duplicateAtMs: 0, duplicateBytes: null };
  private lastCallAtMs: number | null = null;
  /** Latest delivery time (µs) of a datagram that went through latency and jitter. */
  private lastInOrderDeliveryAtUs = 0;
  private gilbertElliottBad = false;
  private netem4State: Netem4State = 1;
  /** Datagrams that reached the loss step, for drop-every-Nth. */
  private lossStepCount = 0;
  /** Datagrams that reached the reorder step since the last reordered one (netem's counter). */
  private reorderStepCount = 0;
  /** The hidden standard normal behind correlated jitter; null when jitter is uncorrelated. */
  private jitterLatent: number | null = null;
  /** Time-keyed mode only (null: per-datagram): the hash the draws come from. */
  private readonly keyed: KeyedDraws | null;
  /** Time-keyed slot length in ms (0 in per-datagram mode). */
  private readonly slotMs: number;
  /** The ms of the previous keyed datagram (null before the first), and that datagram's index within its ms. */
  private indexAtMs: number | null = null;
  private indexInMs = 0;
  /** The slot the time-keyed loss-chain state (`gilbertElliottBad`, `netem4State`) describes. */
  private burstSlotIndex = 0;
  /** The slot `jitterLatent` describes in time-keyed mode. */
  private jitterSlotIndex = 0;

  /**
   * @param config - a resolved configuration (see `resolveLinkConfig`).
   * @param random - this direction's own stream, e.g. `master.fork('link/a->b')`; the link owns it. In
   *   time-keyed mode only its `seed` (master seed and direction name) is used, as the hash key.
   * @param draws - per-datagram (the default) or time-keyed draws; fixed for the link's life.
   */
  constructor(config: ResolvedLinkConfig, random: RandomStream, draws: LinkDraws = PER_DATAGRAM_DRAWS) {
    this.random = random;
    this.currentConfig = config;
    this.plan = compilePlan(config);
    this.keyed = draws.mode === 'time-keyed' ? new KeyedDraws(random.seed) : null;
    this.slotMs = draws.mode === 'time-keyed' ? draws.slotMs : 0;
    if (draws.mode === 'time-keyed' && !(Number.isSafeInteger(draws.slotMs) && draws.slotMs >= 1)) {
      throw new Error(`Link: a time-keyed slot must be an integer ms ≥ 1 (got ${draws.slotMs})`);
    }
  }

  /** The configuration in effect. */
  get config(): ResolvedLinkConfig {
    return this.currentConfig;
  }

  /**
   * Replaces the configuration for datagrams transmitted from now on. Datagrams already queued keep their
   * departure times, loss-model state and counters carry over, and order-keeping still applies relative
   * to datagrams sent before the change.
   *
   * @param nowMs - when the change happens. In time-keyed mode the burst processes first step to this
   *   time under the old configuration, so their state stays a function of time, not of when the next
   *   datagram happens to be sent. Ignored in per-datagram mode (and when earlier than a previous call).
   */
  configure(config: ResolvedLinkConfig, nowMs?: number): void {
    if (this.keyed !== null && nowMs !== undefined) this.advanceSlots(this.keyed, nowMs);
    this.currentConfig = config;
    this.plan = compilePlan(config);
  }

  /**
   * Decides the fate of a datagram put on the link at `nowMs`. Returns `[drop]`, `[delivery]` or
   * `[delivery, duplicate]`. Never mutates `bytes`.
   *
   * @param nowMs - the current time, an integer ms, never earlier than the previous call's.
   * @param bytes - the UDP payload.
   */
  transmit(nowMs: number, bytes: Uint8Array): LinkOutcome[] {
    const fate = this.decide(nowMs, bytes);
    if (fate.deliveryCount === 0) return [{ kind: 'drop', reason: fate.dropReason }];
    const outcomes: LinkOutcome[] = [
      { kind: 'deliver', atMs: fate.atMs, bytes: fate.bytes!, duplicate: false, corrupted: fate.corrupted, queueDelayMs: fate.queueDelayMs },
    ];
    if (fate.deliveryCount === 2) {
      outcomes.push({ kind: 'deliver', atMs: fate.duplicateAtMs, bytes: fate.duplicateBytes!, duplicate: true, corrupted: false, queueDelayMs: fate.queueDelayMs });
    }
    return outcomes;
  }

  /**
   * What `transmit` decides, written into one record the link reuses (valid until the next call):
   * for the simulator, which must not allocate per datagram more than the delivered bytes.
   */
  decide(nowMs: number, bytes: Uint8Array): Readonly<LinkFate> {
    this.advanceClock(nowMs);
    const draws = this.draws;
    if (this.keyed === null) drawDatagram(this.random, draws);
    else this.keyedDraws(this.keyed, nowMs, draws);
    const extraUs = this.nextJitterUs(draws);
    const stats = this.mutableStats();
    stats.sentCount += 1;
    stats.sentBytes += bytes.length;
    const fate = this.fate;
    fate.bytes = null;
    fate.duplicateBytes = null;
    if (this.plan.mtuBytes !== null && bytes.length > this.plan.mtuBytes) return this.drop('mtu');
    const nowUs = nowMs * 1000;
    const bandwidth = this.plan.bandwidth;
    const departAtUs = bandwidth === null ? nowUs : this.queue.admit(nowUs, bytes.length, bandwidth);
    if (departAtUs < 0) return this.drop('queueFull');
    if (this.decideLoss(draws)) return this.drop('loss');
    this.deliver(draws, extraUs, departAtUs, departAtUs - nowUs, bytes);
    return fate;
  }

  /**
   * Wire bytes (payload + overhead) in the bandwidth queue at `nowMs`, i.e. not yet fully serialized.
   * Like `transmit`, `nowMs` must be an integer not earlier than the previous call's.
   */
  queueBytes(nowMs: number): number {
    this.advanceClock(nowMs);
    this.queue.drain(nowMs * 1000);
    return this.queue.bytes();
  }

  /** Datagrams in the bandwidth queue at `nowMs`. */
  queueDatagramCount(nowMs: number): number {
    this.advanceClock(nowMs);
    this.queue.drain(nowMs * 1000);
    return this.queue.count();
  }

  /** Time-keyed mode: this datagram's numbers, after stepping the burst processes to its slot. */
  private keyedDraws(keyed: KeyedDraws, nowMs: number, into: DatagramDraws): void {
    this.indexInMs = nowMs === this.indexAtMs ? this.indexInMs + 1 : 0;
    this.indexAtMs = nowMs;
    this.advanceSlots(keyed, nowMs);
    keyedDatagramDraws(keyed, nowMs, this.indexInMs, into);
  }

  /**
   * Time-keyed mode: steps the loss chain and the correlated-jitter variable, one step per slot, from the
   * slot they describe up to the slot of `nowMs`, under the current plan. A process the plan does not
   * use does not step (it keeps its state, as in per-datagram mode) and resumes from the slot where it
   * is next used. Bounded by the number of slots elapsed: at most (run length / slotMs) steps per
   * process over a whole run, whatever the traffic.
   */
  private advanceSlots(keyed: KeyedDraws, nowMs: number): void {
    const targetSlotIndex = Math.floor(nowMs / this.slotMs);
    const loss = this.plan.loss;
    if (loss.model === 'gilbert-elliott' || loss.model === 'netem4') {
      for (let slotIndex = this.burstSlotIndex + 1; slotIndex <= targetSlotIndex; slotIndex += 1) {
        const stepU32 = keyed.u32(slotIndex, 0, DrawPurpose.burstStep);
        if (loss.model === 'netem4') this.netem4State = nextNetem4State(loss, this.netem4State, stepU32);
        else this.gilbertElliottBad = nextGilbertElliottBad(loss, this.gilbertElliottBad, stepU32);
      }
    }
    this.burstSlotIndex = Math.max(this.burstSlotIndex, targetSlotIndex);
    const jitter = this.plan.jitter;
    if (jitter.correlation > 0) {
      if (this.jitterLatent === null) this.jitterLatent = keyed.slotNormal(this.jitterSlotIndex);
      for (let slotIndex = this.jitterSlotIndex + 1; slotIndex <= targetSlotIndex; slotIndex += 1) {
        this.jitterLatent = jitter.correlation * this.jitterLatent + jitter.innovationScale * keyed.slotNormal(slotIndex);
      }
    } else {
      this.jitterLatent = null;
    }
    this.jitterSlotIndex = Math.max(this.jitterSlotIndex, targetSlotIndex);
  }

  private mutableStats(): LinkStats {
    return this.stats as LinkStats;
  }

  private advanceClock(nowMs: number): void {
    if (!Number.isSafeInteger(nowMs) || nowMs < 0) {
      throw new Error(`Link: time must be a non-negative integer ms (got ${nowMs})`);
    }
    if (this.lastCallAtMs !== null && nowMs < this.lastCallAtMs) {
      throw new Error(`Link: time went backwards (${nowMs} ms after ${this.lastCallAtMs} ms)`);
    }
    this.lastCallAtMs = nowMs;
  }

  private drop(reason: LinkDropReason): LinkFate {
    this.mutableStats().droppedCount[reason] += 1;
    const fate = this.fate;
    fate.deliveryCount = 0;
    fate.dropReason = reason;
    return fate;
  }

  /** Steps 4–6 for a datagram that survived mtu, queue and loss: fills `fate`. */
  private deliver(draws: DatagramDraws, extraUs: number, departAtUs: number, queueDelayUs: number, bytes: Uint8Array): void {
    const stats = this.mutableStats();
    const fate = this.fate;
    const corrupted = bytes.length > 0 && draws.corruptU32 < this.plan.corruptU32;
    const duplicated = draws.duplicateU32 < this.plan.duplicateU32;
    const deliveryAtUs = this.deliveryTimeUs(draws, extraUs, departAtUs);
    fate.bytes = corrupted ? flipBit(bytes, draws.corruptBitU32 % (bytes.length * 8)) : bytes.slice();
    fate.corrupted = corrupted;
    fate.queueDelayMs = Math.ceil(queueDelayUs) / 1000;
    fate.atMs = Math.ceil(deliveryAtUs / 1000);
    fate.deliveryCount = 1;
    if (corrupted) stats.corruptedCount += 1;
    if (duplicated) {
      fate.duplicateAtMs = Math.ceil((deliveryAtUs + this.plan.duplicateDelayUs) / 1000);
      fate.duplicateBytes = bytes.slice();
      fate.deliveryCount = 2;
      stats.duplicatedCount += 1;
    }
    stats.deliveredCount += fate.deliveryCount;
    stats.deliveredBytes += fate.deliveryCount * bytes.length;
  }

  /** Step 6: when the datagram arrives (µs), from when it left the bottleneck. */
  private deliveryTimeUs(draws: DatagramDraws, extraUs: number, departAtUs: number): number {
    if (this.decideReorder(draws)) {
      this.mutableStats().reorderedCount += 1;
      return departAtUs;
    }
    let deliveryAtUs = departAtUs + Math.max(0, this.plan.latencyUs + extraUs);
    if (!this.plan.jitter.reorders) deliveryAtUs = Math.max(deliveryAtUs, this.lastInOrderDeliveryAtUs);
    this.lastInOrderDeliveryAtUs = Math.max(this.lastInOrderDeliveryAtUs, deliveryAtUs);
    return deliveryAtUs;
  }

  /**
   * This datagram's extra delay in µs. The hidden correlated variable advances for every transmitted
   * datagram, dropped or not, so the loss configuration never changes the jitter of the others.
   */
  private nextJitterUs(draws: DatagramDraws): number {
    const jitter = this.plan.jitter;
    let unit = draws.jitterUnit;
    let normal: number;
    if (this.keyed !== null && jitter.correlation > 0) {
      // Time-keyed: the hidden variable belongs to the slot (stepped by advanceSlots), not to the datagram.
      normal = this.jitterLatent!;
      unit = Math.min(1 - UNIT_EPSILON, Math.max(UNIT_EPSILON, normalCdf(normal)));
    } else if (jitter.correlation > 0) {
      const fresh = inverseNormalCdf(unit);
      const previous = this.jitterLatent;
      normal = previous === null ? fresh : jitter.correlation * previous + jitter.innovationScale * fresh;
      this.jitterLatent = normal;
      unit = Math.min(1 - UNIT_EPSILON, Math.max(UNIT_EPSILON, normalCdf(normal)));
    } else {
      this.jitterLatent = null;
      normal = jitter.distribution === 'normal' ? inverseNormalCdf(unit) : 0;
    }
    if (jitter.ms === 0 || draws.jitterApplyU32 >= jitter.applyU32) return 0;
    return extraDelayUs(jitterQuantileMs(jitter.distribution, jitter.ms, unit, normal), jitter.maxMs);
  }

  /** netem's `reorder P gap N` (sch_netem.c netem_enqueue): true when the datagram skips the delay. */
  private decideReorder(draws: DatagramDraws): boolean {
    const gapReached = this.reorderStepCount >= this.plan.reorderGapCount - 1;
    if (gapReached && draws.reorderU32 < this.plan.reorderU32) {
      this.reorderStepCount = 0;
      return true;
    }
    this.reorderStepCount = Math.min(this.reorderStepCount + 1, this.plan.reorderGapCount);
    return false;
  }

  /** Step 3: whether the path loses the datagram; advances the loss model's state. */
  private decideLoss(draws: DatagramDraws): boolean {
    const loss = this.plan.loss;
    this.lossStepCount += 1;
    switch (loss.model) {
      case 'bernoulli':
        return draws.lossU32 < loss.lossU32;
      case 'gilbert-elliott':
        if (this.keyed !== null) return draws.lossU32 < (this.gilbertElliottBad ? loss.lossInBadU32 : loss.lossInGoodU32);
        return this.gilbertElliottLoss(loss, draws);
      case 'netem4':
        // Time-keyed: the state is the slot's (stepped by advanceSlots); per-datagram: this datagram steps it.
        if (this.keyed === null) this.netem4State = nextNetem4State(loss, this.netem4State, draws.lossStateU32);
        return this.netem4State === 3 || this.netem4State === 4;
      case 'every':
        return this.lossStepCount % loss.n === loss.offset;
    }
  }

  /** netem's loss_gilb_ell: loss by the current state's probability, then one state transition. */
  private gilbertElliottLoss(loss: Extract<LossPlan, { model: 'gilbert-elliott' }>, draws: DatagramDraws): boolean {
    const lost = draws.lossU32 < (this.gilbertElliottBad ? loss.lossInBadU32 : loss.lossInGoodU32);
    this.gilbertElliottBad = nextGilbertElliottBad(loss, this.gilbertElliottBad, draws.lossStateU32);
    return lost;
  }
}

/** One step of the Gilbert–Elliott chain: whether it is in the bad state after the step. */
function nextGilbertElliottBad(loss: Extract<LossPlan, { model: 'gilbert-elliott' }>, bad: boolean, drawU32: number): boolean {
  if (bad) return !(drawU32 < loss.badToGoodU32);
  return drawU32 < loss.goodToBadU32;
}

/** One step of netem's 4-state chain (sch_netem.c loss_4state) with a single uniform draw. */
function nextNetem4State(
  loss: Extract<LossPlan, { model: 'netem4' }>,
  state: Netem4State,
  drawU32: number,
): Netem4State {
  switch (state) {
    case 1:
      if (drawU32 < loss.to4From1U32) return 4;
      return drawU32 < loss.to3From1U32 ? 3 : 1;
    case 2:
      return drawU32 < loss.to3From2U32 ? 3 : 2;
    case 3:
      if (drawU32 < loss.to2From3U32) return 2;
      return drawU32 < loss.to1From3U32 ? 1 : 3;
    case 4:
      return 1;
  }
}
