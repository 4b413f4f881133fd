// Time-keyed link draws ("network weather"): each random number a link direction uses is a pure function of (seed, direction, send time, index within that ms, purpose), so runs with different traffic meet the same network.
//
// Why: in the default per-datagram mode a direction reads its numbers from one stream in send order, so
// a variant that sends one datagram more meets a shifted loss and jitter pattern from that datagram on,
// and a paired comparison (the same seed under two settings) loses its pairing. Here nothing is read in
// order: a datagram's numbers are hashed from where it sits in time, and the burst processes (the loss
// chains, correlated jitter) step once per virtual-time slot, not once per datagram.

import { inverseNormalCdf } from './detmath.js';

/**
 * How a link direction draws the fates of its datagrams.
 * - `per-datagram` (the default): nine numbers per datagram from the direction's stream in send order;
 *   burst processes step once per datagram. Every trace recorded before time-keyed draws existed.
 * - `time-keyed`: numbers hashed from (seed, direction, send ms, index within the ms, purpose); burst
 *   processes step once per `slotMs` of virtual time (see docs/simulator.md, "Link draws").
 */
export type LinkDrawMode = 'per-datagram' | 'time-keyed';

/** The accepted draw modes, in documentation order. */
export const LINK_DRAW_MODES: readonly LinkDrawMode[] = ['per-datagram', 'time-keyed'];

/**
 * Default slot of the time-keyed burst processes, in ms. Shorter than a 60 Hz frame (16.7 ms), so each
 * frame's datagrams see a fresh step of the loss chain, and a round number, so durations read easily:
 * a Gilbert–Elliott chain with badToGoodPercent 25 stays bad 10 ms × 100/25 = 40 ms on average.
 */
export const DEFAULT_DRAW_SLOT_MS = 10;

/** Largest accepted slot: one minute, in ms. */
export const MAX_DRAW_SLOT_MS = 60_000;

/** The draw mode of every link direction of a simulation. */
export type LinkDraws =
  | { readonly mode: 'per-datagram' }
  | {
      readonly mode: 'time-keyed';
      /** Length of one step of the burst processes, an integer ms in [1, {@link MAX_DRAW_SLOT_MS}]. */
      readonly slotMs: number;
    };

/** The default: per-datagram draws, byte for byte the traces of every existing scenario. */
export const PER_DATAGRAM_DRAWS: LinkDraws = { mode: 'per-datagram' };

/** Time-keyed draws with the default slot. */
export const TIME_KEYED_DRAWS: LinkDraws = { mode: 'time-keyed', slotMs: DEFAULT_DRAW_SLOT_MS };

/**
 * What a number is for. Datagram purposes (0..8) are keyed by (send ms, index within the ms); slot
 * purposes (16..18) by (slot index, 0). Distinct purposes never share a key, so no two uses of a number
 * are correlated. The values are part of the trace contract: changing one changes time-keyed traces.
 */
export const DrawPurpose = {
  lossState: 0,
  loss: 1,
  corrupt: 2,
  corruptBit: 3,
  duplicate: 4,
  jitterApply: 5,
  jitterUnitHigh: 6,
  jitterUnitLow: 7,
  reorder: 8,
  burstStep: 16,
  jitterLatentHigh: 17,
  jitterLatentLow: 18,
} as const;
export type DrawPurpose = (typeof DrawPurpose)[keyof typeof DrawPurpose];

/** 2^32. */
const U32_RANGE = 4_294_967_296;
/** 2^52: open units are (k + 0.5) / 2^52, as in `RandomStream.nextOpenUnit`. */
const OPEN_UNIT_STEPS = 4_503_599_627_370_496;
/** 2^26. */
const TWO_POW_26 = 67_108_864;
/** ⌊2^32 / φ⌋, added between rounds so that a zero state never stays zero. */
const GOLDEN_U32 = 0x9e3779b9;

/**
 * A 32-bit integer bijection with full avalanche (Wellons' "lowbias32": two multiply–xorshift rounds).
 * Only `Math.imul`, xor and shifts: the same bits on every engine.
 */
export function mixU32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** One absorbing round: a bijection of `state` for each fixed `word`, so keys that differ in one word never collide. */
function absorb(state: number, word: number): number {
  return mixU32(((state ^ word) + GOLDEN_U32) >>> 0);
}

/** The 64-bit key of a stream seed string (two FNV-1a passes with different offsets, then mixed). */
function keyOfSeed(seed: string): { key0: number; key1: number } {
  let low = 0x811c9dc5;
  let high = 0x01000193 ^ seed.length;
  for (let index = 0; index < seed.length; index += 1) {
    const unit = seed.charCodeAt(index);
    low = Math.imul(low ^ unit, 0x01000193) >>> 0;
    high = Math.imul(high ^ unit, 0x01000193) ^ (high >>> 13);
  }
  return { key0: mixU32(low), key1: mixU32(high ^ GOLDEN_U32) };
}

/**
 * The counter-based generator behind time-keyed draws: `u32(time, index, purpose)` is a pure function of
 * the seed string it was built from and its three arguments (no state, no order). `time` is a
 * non-negative integer below 2^53 (a send time in ms, or a slot index).
 */
export class KeyedDraws {
  private readonly key0: number;
  private readonly key1: number;

  /** @param seed - the full seed of the direction's stream, e.g. `"7/links/client->server"`: seed and direction in one. */
  constructor(readonly seed: string) {
    const key = keyOfSeed(seed);
    this.key0 = key.key0;
    this.key1 = key.key1;
  }

  /** A uniform integer in [0, 2^32) for (time, index, purpose). */
  u32(time: number, index: number, purpose: DrawPurpose): number {
    const timeLow = time >>> 0;
    const timeHigh = Math.floor(time / U32_RANGE) >>> 0;
    let state = absorb(this.key0, timeLow);
    state = absorb(state, timeHigh);
    state = absorb(state, index >>> 0);
    state = absorb(state, purpose);
    return absorb(state, this.key1);
  }

  /**
   * A uniform number in the open interval (0, 1) from two keyed words, with the arithmetic of
   * `RandomStream.nextOpenUnit` ((k + 0.5) / 2^52 for a 52-bit integer k).
   */
  openUnit(time: number, index: number, highPurpose: DrawPurpose, lowPurpose: DrawPurpose): number {
    const high26 = this.u32(time, index, highPurpose) >>> 6;
    const low26 = this.u32(time, index, lowPurpose) >>> 6;
    return (high26 * TWO_POW_26 + low26 + 0.5) / OPEN_UNIT_STEPS;
  }

  /** A standard normal for slot `slotIndex`, the fresh term of the time-keyed correlated jitter. */
  slotNormal(slotIndex: number): number {
    return inverseNormalCdf(this.openUnit(slotIndex, 0, DrawPurpose.jitterLatentHigh, DrawPurpose.jitterLatentLow));
  }
}
