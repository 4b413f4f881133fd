// Named, forkable random streams for the simulator. Every random decision in src/sim draws from one of
// these, never from Math.random: one master seed gives one trace, byte for byte, on any machine.

/** 2^32, the number of distinct values `nextU32` can return. */
export const U32_RANGE = 4_294_967_296;

/** 2^52: `nextOpenUnit` returns (k + 0.5) / 2^52 for an integer k in [0, 2^52). */
const OPEN_UNIT_STEPS = 4_503_599_627_370_496;

/** 2^53: `nextUnit` returns k / 2^53 for an integer k in [0, 2^53). */
const UNIT_STEPS = 9_007_199_254_740_992;

/** One million: the denominator of a "per million" probability. */
const PPM_SCALE = 1_000_000;

/**
 * The uint32 threshold `t` such that `u32 < t` happens with probability `ppm / 1e6` for a uniform
 * uint32 `u32`: `floor(ppm * 2^32 / 1e6)`, clamped to [0, 2^32]. Only IEEE-754 multiplication and
 * division (exactly specified by ECMAScript) are involved, so the threshold is the same everywhere.
 *
 * @param ppm - probability in parts per million; ≤ 0 never happens, ≥ 1e6 always happens.
 */
export function u32ThresholdFromPpm(ppm: number): number {
  if (!(ppm > 0)) return 0;
  if (ppm >= PPM_SCALE) return U32_RANGE;
  return Math.floor((ppm * U32_RANGE) / PPM_SCALE);
}

/** ARC4's state size: 256 bytes. */
const ARC4_WIDTH = 256;
const ARC4_MASK = ARC4_WIDTH - 1;

/**
 * ARC4 keyed and run exactly as seedrandom 3's default generator (RC4-drop[256], its string key
 * mixing), on a 256-byte typed array: the same numbers as `seedrandom(seed)` for every seed (a test
 * compares them), in about a tenth of the memory (seedrandom keeps 256 boxed numbers and five
 * closures per stream; a simulation holds three streams per host).
 */
class Arc4 {
  private readonly state = new Uint8Array(ARC4_WIDTH);
  private i = 0;
  private j = 0;

  constructor(seed: string) {
    const key = seedrandomKey(seed);
    const keyLength = key.length === 0 ? 1 : key.length;
    const state = this.state;
    for (let index = 0; index < ARC4_WIDTH; index++) state[index] = index;
    for (let index = 0, j = 0; index < ARC4_WIDTH; index++) {
      const t = state[index]!;
      j = (j + (key[index % keyLength] ?? 0) + t) & ARC4_MASK;
      state[index] = state[j]!;
      state[j] = t;
    }
    for (let dropped = 0; dropped < ARC4_WIDTH; dropped++) this.nextByte();
  }

  nextByte(): number {
    const state = this.state;
    const i = (this.i + 1) & ARC4_MASK;
    const t = state[i]!;
    const j = (this.j + t) & ARC4_MASK;
    const u = state[j]!;
    state[i] = u;
    state[j] = t;
    this.i = i;
    this.j = j;
    return state[(u + t) & ARC4_MASK]!;
  }
}

/** seedrandom's `mixkey`: folds the seed's UTF-16 code units into a key of at most 256 bytes. */
function seedrandomKey(seed: string): number[] {
  const key: number[] = [];
  let smear = 0;
  for (let index = 0; index < seed.length; index++) {
    const slot = index & ARC4_MASK;
    smear ^= (key[slot] ?? 0) * 19;
    key[slot] = (smear + seed.charCodeAt(index)) & ARC4_MASK;
  }
  return key;
}

/**
 * A deterministic stream of random numbers: seedrandom's default ARC4 generator keyed by a seed
 * string (our own typed-array copy of it, `Arc4`).
 *
 * Streams form a tree: `RandomStream.root(seed)` is the master stream and `fork(name)` derives a child
 * whose seed is `${parent.seed}/${name}`. A child therefore depends only on the parent's seed and the
 * name, never on how many numbers the parent has drawn, and `fork('a/b')` equals
 * `fork('a').fork('b')` (names are paths). Give each link direction and each workload its own name.
 *
 * All outputs are built from integers, so they are identical on every engine and platform.
 */
export class RandomStream {
  /** The full seed string of this stream, e.g. `"42/link/a->b"`. */
  readonly seed: string;
  private readonly arc4: Arc4;

  private constructor(seed: string) {
    this.seed = seed;
    this.arc4 = new Arc4(seed);
  }

  /**
   * The master stream of a simulation.
   *
   * @param seed - a number (converted with `String(seed)`, which ECMAScript defines exactly) or a string.
   */
  static root(seed: number | string): RandomStream {
    return new RandomStream(String(seed));
  }

  /**
   * A child stream named `name`, seeded with `${this.seed}/${name}`. Drawing from this stream before or
   * after forking does not change the child's numbers.
   */
  fork(name: string): RandomStream {
    return new RandomStream(`${this.seed}/${name}`);
  }

  /** A uniform integer in [0, 2^32): seedrandom's `int32()` read as unsigned. Consumes 4 ARC4 bytes, big-endian. */
  nextU32(): number {
    const arc4 = this.arc4;
    return ((arc4.nextByte() << 24) | (arc4.nextByte() << 16) | (arc4.nextByte() << 8) | arc4.nextByte()) >>> 0;
  }

  /**
   * A uniform number in [0, 1) with 53 random bits, built from two `nextU32` draws
   * (27 high bits, then 26 low bits) and one exact division by 2^53.
   */
  nextUnit(): number {
    const high27 = this.nextU32() >>> 5;
    const low26 = this.nextU32() >>> 6;
    return (high27 * 67_108_864 + low26) / UNIT_STEPS;
  }

  /**
   * A uniform number in the open interval (0, 1): `(k + 0.5) / 2^52` for a uniform 52-bit integer `k`,
   * built from two `nextU32` draws. Never 0 and never 1, so `ln(u)` and `ln(1 - u)` are always finite.
   */
  nextOpenUnit(): number {
    const high26 = this.nextU32() >>> 6;
    const low26 = this.nextU32() >>> 6;
    return (high26 * 67_108_864 + low26 + 0.5) / OPEN_UNIT_STEPS;
  }

  /**
   * True with probability `ppm / 1e6`, decided on integers: `nextU32() < floor(ppm * 2^32 / 1e6)`.
   * Always consumes exactly one `nextU32` draw, whatever `ppm` is.
   *
   * @param ppm - probability in parts per million (10 000 ppm = 1 %).
   */
  chancePerMillion(ppm: number): boolean {
    return this.nextU32() < u32ThresholdFromPpm(ppm);
  }
}
