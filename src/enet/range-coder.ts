// ENet's built-in datagram compressor (compress.c, `enet_host_compress_with_range_coder`): an
// adaptive order-2 PPM model driving a carry-less range coder. Godot's COMPRESS_RANGE_CODER is this
// same coder, so the port must produce libenet's bytes exactly; the structure below is ours.
//
// The model in a few sentences. Every symbol record doubles as a context: the record for byte `b`
// seen after `a` owns the statistics of what followed "ab". A byte is coded in the deepest known
// context (at most SUBCONTEXT_ORDER of them, then the root). A context that has never seen the byte
// codes an escape and the coder falls back to the next shorter context; the root knows all 256
// values (each has a floor frequency of ROOT_SYMBOL_MINIMUM), so it never escapes except to end the
// stream. Each context keeps its symbols in a binary search tree by value whose nodes carry
// `under`, the cumulative count of the node and its left subtree, so a lookup yields the symbol's
// cumulative frequency in one descent. The model starts empty for every datagram and is refilled
// from scratch whenever the 4096-record pool runs out.
//
// Integer semantics follow C exactly: the coder's registers are uint32 (wrapping), the record fields
// are uint8/uint16 (typed arrays wrap them on store), and intermediate sums of two uint16 fields are
// C ints (no wrap) until they are stored.

import type { Compressor } from './host.js';

/** Renormalise when the top byte of the coder interval is settled (ENET_RANGE_CODER_TOP). */
const RANGE_TOP = 1 << 24;
/** Smallest interval width the coder keeps (ENET_RANGE_CODER_BOTTOM). */
const RANGE_BOTTOM = 1 << 16;

/** Count added to a root symbol each time it is coded (ENET_CONTEXT_SYMBOL_DELTA). */
const ROOT_SYMBOL_DELTA = 3;
/** Floor frequency of every byte value in the root (ENET_CONTEXT_SYMBOL_MINIMUM). */
const ROOT_SYMBOL_MINIMUM = 1;
/** Escape count of a fresh root (ENET_CONTEXT_ESCAPE_MINIMUM). */
const ROOT_ESCAPE_MINIMUM = 1;
/** How many preceding bytes a context can span (ENET_SUBCONTEXT_ORDER). */
const SUBCONTEXT_ORDER = 2;
/** Count added to a subcontext symbol each time it is coded (ENET_SUBCONTEXT_SYMBOL_DELTA). */
const SUBCONTEXT_SYMBOL_DELTA = 2;
/** Escape count added when a subcontext meets a new byte (ENET_SUBCONTEXT_ESCAPE_DELTA). */
const SUBCONTEXT_ESCAPE_DELTA = 5;
/** Subcontexts carry no floor frequency: an unseen byte has frequency 0 there. */
const SUBCONTEXT_SYMBOL_MINIMUM = 0;

/** Symbol records per coder (ENetRangeCoder.symbols); sized for MTU-sized datagrams. */
export const RANGE_CODER_SYMBOL_POOL_SIZE = 4096;
/** Once this many records are in use, the model is discarded and rebuilt from an empty root. */
const POOL_REFILL_AT = RANGE_CODER_SYMBOL_POOL_SIZE - SUBCONTEXT_ORDER;
/** A context whose total grows past this is rescaled, keeping every total within 16 bits. */
const CONTEXT_TOTAL_RESCALE_ABOVE = RANGE_BOTTOM - 0x100;
/** A subcontext symbol whose count (before the update) exceeds this triggers a rescale. */
const SUBCONTEXT_COUNT_RESCALE_ABOVE = 0xff - 2 * SUBCONTEXT_SYMBOL_DELTA;
/** A root symbol whose count plus floor (before the update) exceeds this triggers a rescale. */
const ROOT_COUNT_RESCALE_ABOVE = 0xff - 2 * ROOT_SYMBOL_DELTA + ROOT_SYMBOL_MINIMUM;
/** Byte values a context distinguishes. */
const SYMBOL_VALUES = 256;

/** The root context is always record 0; as a link target, 0 therefore also means "none". */
const ROOT = 0;
/** `parentSlot` value meaning "the `predicted` variable" rather than a record's parent field. */
const PREDICTED_SLOT = -1;
/** Renormalisation shifts at most this many times per coded symbol (a broken invariant otherwise). */
const NORMALIZE_STEPS_MAX = 8;
/** Outcomes of coding one byte in the subcontexts (numbers, not strings: this runs per byte). */
const SubcontextOutcome = { coded: 0, escapedToRoot: 1, outputFull: 2 } as const;
type SubcontextOutcome = (typeof SubcontextOutcome)[keyof typeof SubcontextOutcome];
/** decodeInSubcontexts: a code past a subcontext's symbols (libenet's decompress returns 0). */
const DECODE_FAILED = -1;
/** Output workspace allocated up front; grows by doubling when a caller allows more. */
const INITIAL_WORKSPACE_BYTES = 4096;

/**
 * The 4096 symbol records (ENetSymbol) as parallel typed arrays, reused for every datagram.
 *
 * Links are absolute record indices where C stores offsets from the node; a link is only ever set to
 * a freshly created record, so every child has a larger index than its parent. That gives 0 (the
 * root) as a free "no link" value and bounds every tree walk by the pool size.
 */
class SymbolPool {
  readonly value = new Uint8Array(RANGE_CODER_SYMBOL_POOL_SIZE);
  readonly count = new Uint8Array(RANGE_CODER_SYMBOL_POOL_SIZE);
  /** Count of this node plus everything in its left subtree. */
  readonly under = new Uint16Array(RANGE_CODER_SYMBOL_POOL_SIZE);
  readonly left = new Uint16Array(RANGE_CODER_SYMBOL_POOL_SIZE);
  readonly right = new Uint16Array(RANGE_CODER_SYMBOL_POOL_SIZE);
  /** As a context: the root of its symbol tree ("symbols" in C). */
  readonly tree = new Uint16Array(RANGE_CODER_SYMBOL_POOL_SIZE);
  /** As a context: escape frequency. */
  readonly escapes = new Uint16Array(RANGE_CODER_SYMBOL_POOL_SIZE);
  /** As a context: escapes + all counts (+ 256 floors in the root). */
  readonly total = new Uint16Array(RANGE_CODER_SYMBOL_POOL_SIZE);
  /** The same byte's record in the next shorter context. */
  readonly parent = new Uint16Array(RANGE_CODER_SYMBOL_POOL_SIZE);
  usedCount = 0;

  // ENet: compress.c ENET_CONTEXT_CREATE (the root, after emptying the pool)
  resetToRoot(): void {
    this.usedCount = 0;
    const root = this.create(0, 0);
    this.escapes[root] = ROOT_ESCAPE_MINIMUM;
    this.total[root] = ROOT_ESCAPE_MINIMUM + SYMBOL_VALUES * ROOT_SYMBOL_MINIMUM;
  }

  /** Whether the model must be rebuilt before the next byte (ENET_RANGE_CODER_FREE_SYMBOLS). */
  needsRefill(): boolean {
    return this.usedCount >= POOL_REFILL_AT;
  }

  // ENet: compress.c ENET_SYMBOL_CREATE
  create(value: number, count: number): number {
    const index = this.usedCount;
    // At most SUBCONTEXT_ORDER + 1 records are created per byte and the pool is refilled
    // SUBCONTEXT_ORDER records before its end, so this cannot run past the pool.
    if (index >= RANGE_CODER_SYMBOL_POOL_SIZE) {
      throw new Error(`range coder: symbol pool exhausted (invariant: refill at ${POOL_REFILL_AT} leaves room for one byte)`);
    }
    this.usedCount = index + 1;
    this.value[index] = value;
    this.count[index] = count;
    this.under[index] = count;
    this.left[index] = 0;
    this.right[index] = 0;
    this.tree[index] = 0;
    this.escapes[index] = 0;
    this.total[index] = 0;
    this.parent[index] = 0;
    return index;
  }

  /**
   * Finds `value` in `context`'s tree, creating it with count `update` when absent, and adds `update`
   * to it; reports the symbol's cumulative frequency and count as they were before the update.
   */
  // ENet: compress.c ENET_CONTEXT_ENCODE
  encodeSymbol(context: number, value: number, update: number, minimum: number, hit: SymbolHit): void {
    const nodeValue = this.value;
    const nodeUnder = this.under;
    const nodeCount = this.count;
    let under = value * minimum;
    let count = minimum;
    let node = this.tree[context]!;
    if (node === 0) {
      node = this.create(value, update);
      this.tree[context] = node;
    } else {
      for (;;) {
        const here = nodeValue[node]!;
        if (value < here) {
          nodeUnder[node] = nodeUnder[node]! + update;
          const next = this.left[node]!;
          if (next !== 0) {
            node = next;
            continue;
          }
          const created = this.create(value, update);
          this.left[node] = created;
          node = created;
        } else if (value > here) {
          under = (under + nodeUnder[node]!) & 0xffff;
          const next = this.right[node]!;
          if (next !== 0) {
            node = next;
            continue;
          }
          const created = this.create(value, update);
          this.right[node] = created;
          node = created;
        } else {
          const found = nodeCount[node]!;
          count = (count + found) & 0xffff;
          under = (under + nodeUnder[node]! - found) & 0xffff;
          nodeUnder[node] = nodeUnder[node]! + update;
          nodeCount[node] = found + update;
        }
        break;
      }
    }
    hit.symbol = node;
    hit.under = under;
    hit.count = count;
  }

  /**
   * The inverse lookup: finds the symbol whose frequency interval holds `code`, adds `update` to
   * it and reports its value, cumulative frequency and count. A code past the known symbols is an
   * error in a subcontext (returns false; libenet's decompress returns 0) and a not-yet-seen byte in
   * the root, whose record is created on the spot.
   */
  // ENet: compress.c ENET_CONTEXT_DECODE (with ENET_CONTEXT_TRY_DECODE / ENET_CONTEXT_ROOT_DECODE)
  decodeSymbol(context: number, code: number, update: number, minimum: number, hit: SymbolHit): boolean {
    const isRoot = context === ROOT;
    let under = 0;
    let count = minimum;
    let node = this.tree[context]!;
    if (node === 0) {
      if (!isRoot) return false;
      return this.decodeFirst(context, code, update, minimum, hit);
    }
    for (;;) {
      const value = this.value[node]!;
      // C computes both in int and stores them in uint16 locals.
      const after = (under + this.under[node]! + (value + 1) * minimum) & 0xffff;
      const before = (this.count[node]! + minimum) & 0xffff;
      if (code >= after) {
        under = (under + this.under[node]!) & 0xffff;
        const next = this.right[node]!;
        if (next !== 0) {
          node = next;
          continue;
        }
        if (!isRoot) return false;
        // An unseen byte above this node: the code's distance past `after` counts floor frequencies.
        const gap = code - after;
        const created = this.create((value + 1 + Math.trunc(gap / minimum)) & 0xff, update);
        this.right[node] = created;
        this.reportCreated(hit, created, (code - (gap % minimum)) & 0xffff, minimum);
        return true;
      }
      // A signed comparison in C: `after - before` is an int and may be negative.
      if (code < after - before) {
        this.under[node] = this.under[node]! + update;
        const next = this.left[node]!;
        if (next !== 0) {
          node = next;
          continue;
        }
        if (!isRoot) return false;
        const gap = after - before - code - 1;
        const created = this.create((value - 1 - Math.trunc(gap / minimum)) & 0xff, update);
        this.left[node] = created;
        this.reportCreated(hit, created, (code - (gap % minimum)) & 0xffff, minimum);
        return true;
      }
      const found = this.count[node]!;
      hit.value = value;
      hit.symbol = node;
      hit.count = (count + found) & 0xffff;
      hit.under = (after - before) & 0xffff;
      this.under[node] = this.under[node]! + update;
      this.count[node] = found + update;
      return true;
    }
  }

  /** Root decode into an empty tree: the code names the byte directly (floor frequencies only). */
  private decodeFirst(context: number, code: number, update: number, minimum: number, hit: SymbolHit): boolean {
    const created = this.create(Math.trunc(code / minimum) & 0xff, update);
    this.tree[context] = created;
    this.reportCreated(hit, created, (code - (code % minimum)) & 0xffff, minimum);
    return true;
  }

  private reportCreated(hit: SymbolHit, created: number, under: number, minimum: number): void {
    hit.value = this.value[created]!;
    hit.symbol = created;
    hit.under = under;
    hit.count = minimum;
  }

  /** Halves every count and the escapes of `context` and recomputes its total. */
  // ENet: compress.c ENET_CONTEXT_RESCALE
  rescaleContext(context: number, minimum: number): void {
    const tree = this.tree[context]!;
    const symbolsTotal = tree !== 0 ? this.rescaleTree(tree) : 0;
    const escapes = this.escapes[context]!;
    const halvedEscapes = escapes - (escapes >> 1);
    this.escapes[context] = halvedEscapes;
    this.total[context] = symbolsTotal + halvedEscapes + SYMBOL_VALUES * minimum;
  }

  /**
   * Halves the counts of the tree rooted at `first` (rounding up), rebuilds `under` and returns the
   * uint16 sum. Recursion goes left only (depth < pool size, as child indices only grow); the right
   * spine is a loop, as in C.
   */
  // ENet: compress.c enet_symbol_rescale
  private rescaleTree(first: number): number {
    let total = 0;
    let node = first;
    for (;;) {
      const count = this.count[node]!;
      const halved = count - (count >> 1);
      this.count[node] = halved;
      const left = this.left[node]!;
      const under = left !== 0 ? (halved + this.rescaleTree(left)) & 0xffff : halved;
      this.under[node] = under;
      total = (total + under) & 0xffff;
      const right = this.right[node]!;
      if (right === 0) return total;
      node = right;
    }
  }
}

/** Result registers of one tree lookup (C's `symbol`, `value`, `under`, `count` out-parameters). */
class SymbolHit {
  symbol = 0;
  value = 0;
  under = 0;
  count = 0;
}

/** The output workspace: bytes up to a caller's limit, grown by doubling, copied out at the end. */
class ByteSink {
  private bytes = new Uint8Array(INITIAL_WORKSPACE_BYTES);
  private lengthBytes = 0;
  private limitBytes = 0;

  begin(limitBytes: number): void {
    this.lengthBytes = 0;
    this.limitBytes = limitBytes;
  }

  /** Appends one byte; false when the limit is reached (ENET_RANGE_CODER_OUTPUT returning 0). */
  push(byte: number): boolean {
    const length = this.lengthBytes;
    if (length >= this.limitBytes) return false;
    if (length === this.bytes.length) this.grow();
    this.bytes[length] = byte;
    this.lengthBytes = length + 1;
    return true;
  }

  /** The bytes written since `begin`, as a new array; null for none (C's return value 0). */
  take(): Uint8Array | null {
    return this.lengthBytes === 0 ? null : this.bytes.slice(0, this.lengthBytes);
  }

  private grow(): void {
    const grown = new Uint8Array(Math.min(this.bytes.length * 2, Math.max(this.limitBytes, this.bytes.length + 1)));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

/** Encoder registers for one datagram. */
class RangeEncoder {
  private low = 0;
  private range = 0xffffffff;

  constructor(private readonly sink: ByteSink) {}

  /** Narrows the interval to [under, under + count) of `total`; false when the output is full. */
  // ENet: compress.c ENET_RANGE_CODER_ENCODE
  encode(under: number, count: number, total: number): boolean {
    let range = (this.range / total) >>> 0;
    let low = (this.low + Math.imul(under, range)) >>> 0;
    range = Math.imul(range, count) >>> 0;
    for (let step = 0; ; step++) {
      if (((low ^ (low + range)) >>> 0) >= RANGE_TOP) {
        if (range >= RANGE_BOTTOM) break;
        range = -low & (RANGE_BOTTOM - 1);
      }
      if (step >= NORMALIZE_STEPS_MAX) throw new Error('range coder: encoder renormalisation did not settle');
      if (!this.sink.push(low >>> 24)) return false;
      range = (range << 8) >>> 0;
      low = (low << 8) >>> 0;
    }
    this.low = low;
    this.range = range;
    return true;
  }

  /** Emits the bytes of `low` that are still non-zero; false when the output is full. */
  // ENet: compress.c ENET_RANGE_CODER_FLUSH
  flush(): boolean {
    let low = this.low;
    // At most four bytes: each step shifts a byte out of the uint32.
    while (low !== 0) {
      if (!this.sink.push(low >>> 24)) return false;
      low = (low << 8) >>> 0;
    }
    this.low = 0;
    return true;
  }
}

/** Decoder registers for one datagram. Reading past the input supplies zero bits, as in C. */
class RangeDecoder {
  private low = 0;
  private code = 0;
  private range = 0xffffffff;
  private offsetBytes = 0;

  // ENet: compress.c ENET_RANGE_CODER_SEED
  constructor(private readonly input: Uint8Array) {
    for (let shift = 24; shift >= 0; shift -= 8) {
      if (this.offsetBytes < input.length) this.code = (this.code | (input[this.offsetBytes++]! << shift)) >>> 0;
    }
  }

  /** Scales the interval to `total` and returns where the code falls in it, truncated to uint16. */
  // ENet: compress.c ENET_RANGE_CODER_READ
  read(total: number): number {
    this.range = (this.range / total) >>> 0;
    return (((this.code - this.low) >>> 0) / this.range) & 0xffff;
  }

  /** Narrows the interval to [under, under + count) of the total passed to the last `read`. */
  // ENet: compress.c ENET_RANGE_CODER_DECODE
  decode(under: number, count: number): void {
    let low = (this.low + Math.imul(under, this.range)) >>> 0;
    let range = Math.imul(this.range, count) >>> 0;
    let code = this.code;
    for (let step = 0; ; step++) {
      if (((low ^ (low + range)) >>> 0) >= RANGE_TOP) {
        if (range >= RANGE_BOTTOM) break;
        range = -low & (RANGE_BOTTOM - 1);
      }
      if (step >= NORMALIZE_STEPS_MAX) throw new Error('range coder: decoder renormalisation did not settle');
      code = (code << 8) >>> 0;
      if (this.offsetBytes < this.input.length) code = (code | this.input[this.offsetBytes++]!) >>> 0;
      range = (range << 8) >>> 0;
      low = (low << 8) >>> 0;
    }
    this.low = low;
    this.range = range;
    this.code = code;
  }
}

/**
 * Where the record found or created in a context gets linked: the first one becomes `predicted`
 * (the context for the next byte), each later one the `parent` of the previous one.
 */
class ParentChain {
  predicted = 0;
  private slot = PREDICTED_SLOT;

  constructor(private readonly pool: SymbolPool) {}

  begin(): void {
    this.slot = PREDICTED_SLOT;
  }

  link(symbol: number): void {
    if (this.slot === PREDICTED_SLOT) this.predicted = symbol;
    else this.pool.parent[this.slot] = symbol;
    this.slot = symbol;
  }
}

/** Bumps a subcontext after a lookup and rescales it when a count or its total grew too large. */
function updateSubcontext(pool: SymbolPool, context: number, countBefore: number): void {
  pool.total[context] = pool.total[context]! + SUBCONTEXT_SYMBOL_DELTA;
  if (countBefore > SUBCONTEXT_COUNT_RESCALE_ABOVE || pool.total[context]! > CONTEXT_TOTAL_RESCALE_ABOVE) {
    pool.rescaleContext(context, SUBCONTEXT_SYMBOL_MINIMUM);
  }
}

function updateRoot(pool: SymbolPool, countBefore: number): void {
  pool.total[ROOT] = pool.total[ROOT]! + ROOT_SYMBOL_DELTA;
  if (countBefore > ROOT_COUNT_RESCALE_ABOVE || pool.total[ROOT]! > CONTEXT_TOTAL_RESCALE_ABOVE) {
    pool.rescaleContext(ROOT, ROOT_SYMBOL_MINIMUM);
  }
}

function addEscape(pool: SymbolPool, context: number): void {
  pool.escapes[context] = pool.escapes[context]! + SUBCONTEXT_ESCAPE_DELTA;
  pool.total[context] = pool.total[context]! + SUBCONTEXT_ESCAPE_DELTA;
}

/** The per-datagram model position: which context predicts the next byte, and how deep it is. */
class ModelCursor {
  order = 0;

  constructor(
    private readonly pool: SymbolPool,
    private readonly chain: ParentChain,
  ) {}

  /** After a byte: step the context down to SUBCONTEXT_ORDER, and rebuild a full pool. */
  // ENet: compress.c (the nextInput step and ENET_RANGE_CODER_FREE_SYMBOLS)
  advance(): void {
    if (this.order >= SUBCONTEXT_ORDER) this.chain.predicted = this.pool.parent[this.chain.predicted]!;
    else this.order++;
    if (this.pool.needsRefill()) {
      this.pool.resetToRoot();
      this.chain.predicted = ROOT;
      this.order = 0;
    }
  }
}

/** Walks the byte stream of several buffers as one. */
class ByteCursor {
  private bufferIndex = 0;
  private offsetBytes = 0;
  private current: Uint8Array;

  constructor(private readonly buffers: readonly Uint8Array[]) {
    this.current = buffers[0]!;
  }

  /**
   * The next byte, or -1 at the end. Deliberate divergence: libenet steps to the next buffer once and
   * reads a byte from it without checking its length, so an empty buffer after the first makes it
   * read one byte past that buffer (undefined behaviour). An empty packet is such a buffer, and its
   * data pointer is NULL: libenet 1.3.17 with the range coder on crashes when it sends a datagram
   * carrying an empty packet. We skip empty buffers, which is what the C code means to do.
   */
  next(): number {
    while (this.offsetBytes >= this.current.length) {
      this.bufferIndex++;
      if (this.bufferIndex >= this.buffers.length) return -1;
      this.current = this.buffers[this.bufferIndex]!;
      this.offsetBytes = 0;
    }
    return this.current[this.offsetBytes++]!;
  }
}

/**
 * ENet's range coder (`enet_range_coder_create` and friends) as a {@link Compressor}: install it with
 * `host.compress(new RangeCoder())`. Output is byte-identical to libenet 1.3.17 (and Godot's
 * COMPRESS_RANGE_CODER), so either end of a connection may be libenet.
 *
 * Each call models its datagram from scratch; the 4096-record symbol pool and the output workspace
 * are allocated once per instance and reused, so one instance serves a host for its lifetime. Calls
 * are synchronous and an instance must not be shared by concurrently running code.
 */
export class RangeCoder implements Compressor {
  private readonly pool = new SymbolPool();
  private readonly sink = new ByteSink();

  /**
   * Compresses the concatenation of `buffers` into at most `limitBytes` bytes. Returns null where
   * libenet returns 0: no buffers, `inputLengthBytes <= 0`, or output that would exceed `limitBytes`.
   * `inputLengthBytes` is only checked for being positive, as in C; all of every buffer is coded.
   */
  // ENet: compress.c enet_range_coder_compress
  compress(buffers: readonly Uint8Array[], inputLengthBytes: number, limitBytes: number): Uint8Array | null {
    if (buffers.length === 0 || !(inputLengthBytes > 0)) return null;
    const pool = this.pool;
    const sink = this.sink;
    sink.begin(limitBytes);
    pool.resetToRoot();
    const encoder = new RangeEncoder(sink);
    const chain = new ParentChain(pool);
    const cursor = new ModelCursor(pool, chain);
    const hit = new SymbolHit();
    const input = new ByteCursor(buffers);
    for (;;) {
      const value = input.next();
      if (value < 0) break;
      chain.begin();
      const coded = this.encodeInSubcontexts(encoder, chain, value, hit);
      if (coded === SubcontextOutcome.outputFull) return null;
      if (coded === SubcontextOutcome.escapedToRoot) {
        pool.encodeSymbol(ROOT, value, ROOT_SYMBOL_DELTA, ROOT_SYMBOL_MINIMUM, hit);
        chain.link(hit.symbol);
        if (!encoder.encode(pool.escapes[ROOT]! + hit.under, hit.count, pool.total[ROOT]!)) return null;
        updateRoot(pool, hit.count);
      }
      cursor.advance();
    }
    if (!encoder.flush()) return null;
    return sink.take();
  }

  /**
   * Codes `value` in the predicted context and its shorter ones, escaping from each that has not
   * seen it; escapedToRoot means the root must code it.
   */
  private encodeInSubcontexts(encoder: RangeEncoder, chain: ParentChain, value: number, hit: SymbolHit): SubcontextOutcome {
    const pool = this.pool;
    let context = chain.predicted;
    for (let depth = 0; context !== ROOT; depth++) {
      assertContextDepth(depth);
      pool.encodeSymbol(context, value, SUBCONTEXT_SYMBOL_DELTA, SUBCONTEXT_SYMBOL_MINIMUM, hit);
      chain.link(hit.symbol);
      const total = pool.total[context]!;
      const escapes = pool.escapes[context]!;
      if (hit.count > 0) {
        if (!encoder.encode(escapes + hit.under, hit.count, total)) return SubcontextOutcome.outputFull;
      } else {
        // A context whose escapes are 0 or its whole total codes the escape in zero bits.
        if (escapes > 0 && escapes < total && !encoder.encode(0, escapes, total)) return SubcontextOutcome.outputFull;
        addEscape(pool, context);
      }
      updateSubcontext(pool, context, hit.count);
      if (hit.count > 0) return SubcontextOutcome.coded;
      context = pool.parent[context]!;
    }
    return SubcontextOutcome.escapedToRoot;
  }

  /**
   * Decompresses `input` into at most `limitBytes` bytes. Returns null where libenet returns 0:
   * empty input, output that would exceed `limitBytes`, a code no context can resolve, or an
   * empty result. Never throws on any input bytes.
   */
  // ENet: compress.c enet_range_coder_decompress
  decompress(input: Uint8Array, limitBytes: number): Uint8Array | null {
    if (input.length === 0) return null;
    const pool = this.pool;
    const sink = this.sink;
    sink.begin(limitBytes);
    pool.resetToRoot();
    const decoder = new RangeDecoder(input);
    const chain = new ParentChain(pool);
    const cursor = new ModelCursor(pool, chain);
    const hit = new SymbolHit();
    // Every pass either appends a byte (bounded by limitBytes), ends the stream or fails.
    for (;;) {
      const decodedIn = this.decodeInSubcontexts(decoder, chain.predicted, hit);
      if (decodedIn === DECODE_FAILED) return null;
      if (decodedIn === ROOT) {
        if (!this.decodeInRoot(decoder, hit)) break;
      }
      const value = hit.value;
      const bottom = hit.symbol;
      chain.begin();
      this.teachSkippedContexts(chain, decodedIn, value, hit);
      chain.link(bottom);
      if (!sink.push(value)) return null;
      cursor.advance();
    }
    return sink.take();
  }

  /**
   * Decodes from the predicted context down; returns the context that held the byte (its record in
   * `hit`), ROOT when every subcontext escaped, or DECODE_FAILED for a code past a subcontext's symbols.
   */
  private decodeInSubcontexts(decoder: RangeDecoder, predicted: number, hit: SymbolHit): number {
    const pool = this.pool;
    let context = predicted;
    for (let depth = 0; context !== ROOT; depth++, context = pool.parent[context]!) {
      assertContextDepth(depth);
      const escapes = pool.escapes[context]!;
      if (escapes <= 0) continue;
      const total = pool.total[context]!;
      if (escapes >= total) continue;
      const code = decoder.read(total);
      if (code < escapes) {
        decoder.decode(0, escapes);
        continue;
      }
      if (!pool.decodeSymbol(context, (code - escapes) & 0xffff, SUBCONTEXT_SYMBOL_DELTA, SUBCONTEXT_SYMBOL_MINIMUM, hit)) {
        return DECODE_FAILED;
      }
      decoder.decode(escapes + hit.under, hit.count);
      updateSubcontext(pool, context, hit.count);
      return context;
    }
    return ROOT;
  }

  /** Decodes in the root: true for a byte (in `hit`), false for the end-of-stream escape. */
  private decodeInRoot(decoder: RangeDecoder, hit: SymbolHit): boolean {
    const pool = this.pool;
    const escapes = pool.escapes[ROOT]!;
    const code = decoder.read(pool.total[ROOT]!);
    if (code < escapes) {
      decoder.decode(0, escapes);
      return false;
    }
    // The root never fails: a code past its known symbols is a byte it has not seen yet.
    pool.decodeSymbol(ROOT, (code - escapes) & 0xffff, ROOT_SYMBOL_DELTA, ROOT_SYMBOL_MINIMUM, hit);
    decoder.decode(escapes + hit.under, hit.count);
    updateRoot(pool, hit.count);
    return true;
  }

  /**
   * Adds the decoded byte to the contexts that escaped (from the predicted one down to, not
   * including, `decodedIn`), exactly as the encoder did when it escaped from them.
   */
  // ENet: compress.c enet_range_coder_decompress (patchContexts)
  private teachSkippedContexts(chain: ParentChain, decodedIn: number, value: number, hit: SymbolHit): void {
    const pool = this.pool;
    let context = chain.predicted;
    for (let depth = 0; context !== decodedIn; depth++) {
      assertContextDepth(depth);
      pool.encodeSymbol(context, value, SUBCONTEXT_SYMBOL_DELTA, SUBCONTEXT_SYMBOL_MINIMUM, hit);
      chain.link(hit.symbol);
      if (hit.count <= 0) addEscape(pool, context);
      updateSubcontext(pool, context, hit.count);
      context = pool.parent[context]!;
    }
  }
}

/** Contexts chain from the predicted one to the root through at most SUBCONTEXT_ORDER records. */
function assertContextDepth(depth: number): void {
  if (depth >= SUBCONTEXT_ORDER) {
    throw new Error(`range coder: context chain longer than ${SUBCONTEXT_ORDER} (invariant of the order-${SUBCONTEXT_ORDER} model)`);
  }
}
