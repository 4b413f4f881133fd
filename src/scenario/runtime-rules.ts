// What the simulator and ENet can run, as rules the loader checks before anything runs. Each rule
// here mirrors a `throw`, a silent rounding or a silent reinterpretation further down (named at each
// rule), so `validate` refuses exactly the values `run` could not honour: "one validator, the same
// rules as the runtime". docs/scenarios.md ("What is refused, and why") lists them for users.
import { Protocol } from '../enet/constants.js';
import { TAG_SIZE_BYTES } from '../sim/ledger.js';
import { MAX_DELAY_MS } from '../sim/link-config.js';
import { formatDuration } from './units.js';

/**
 * Latest virtual time a scenario may name, in ms. Links count time in µs as doubles, exact up to
 * 2^53 µs (about 9·10^12 ms); 10^12 ms (about 31 years) stays well inside that.
 */
export const VIRTUAL_TIME_MAX_MS = 1e12;

/** ENet's 32-bit fields (`enet_uint32`): the clock, timeouts, intervals, bandwidths. */
export const ENET_UINT32_MAX = 0xffffffff;

/** Fastest game loop: the simulator's clock is whole ms, so faster loops would run frames at the same instant. */
export const SERVICE_RATE_MAX_HZ = 1000;

/** Smallest non-zero bandwidth a host can declare: ENet counts bytes/s, so less than 8 bit/s is 0, which ENet reads as unlimited. */
export const HOST_BANDWIDTH_MIN_BITS_PER_SECOND = 8;

/** ENet's host MTU range (ENET_PROTOCOL_MINIMUM_MTU..ENET_PROTOCOL_MAXIMUM_MTU); outside it libenet spins or overflows its buffers. */
export const HOST_MTU_MIN_BYTES = Protocol.minimumMtuBytes;
export const HOST_MTU_MAX_BYTES = Protocol.maximumMtuBytes;

/** Smallest packet the ledger can tag (it writes an id and a check word in the first bytes), so delivery can be checked. */
export const DELIVERY_PACKET_MIN_BYTES = TAG_SIZE_BYTES;

/** The largest one-way delay a link accepts (latency with every lag spike added). */
export const LINK_DELAY_MAX_MS = MAX_DELAY_MS;

/** A problem with a value, or null when it is fine. */
export type RuleResult = string | null;

/**
 * A virtual time the scheduler will use: whole ms (Scheduler.at throws on fractions; Link on
 * non-integers) and at most {@link VIRTUAL_TIME_MAX_MS}.
 */
export function wholeMs(valueMs: number, what: string): RuleResult {
  if (!Number.isInteger(valueMs)) return `${what} must be whole milliseconds (the simulator's clock ticks in 1 ms): got ${formatDuration(valueMs)}`;
  if (valueMs > VIRTUAL_TIME_MAX_MS) return `${what} must be at most ${VIRTUAL_TIME_MAX_MS}ms (about 31 years of virtual time): got ${valueMs}ms`;
  return null;
}

/** A duration ENet keeps in a 32-bit field of ms (timeouts, ping and throttle intervals, the clock's epoch). */
export function enetMs(valueMs: number, what: string): RuleResult {
  if (!Number.isInteger(valueMs)) return `${what} must be whole milliseconds (ENet counts whole ms): got ${formatDuration(valueMs)}`;
  if (valueMs > ENET_UINT32_MAX) return `${what} must be at most ${ENET_UINT32_MAX}ms (ENet keeps it in 32 bits): got ${valueMs}ms`;
  return null;
}

/** A byte count that becomes a packet or buffer length: whole bytes (a fraction would be cut off silently). */
export function wholeBytes(valueBytes: number, what: string): RuleResult {
  return Number.isInteger(valueBytes) ? null : `${what} must be whole bytes: got ${valueBytes}B`;
}

/** A host bandwidth (in/out, bandwidth_limit): ENet takes bytes/s in 32 bits, and 0 means unlimited. */
export function hostBandwidth(bitsPerSecond: number, what: string): RuleResult {
  if (bitsPerSecond > 0 && bitsPerSecond < HOST_BANDWIDTH_MIN_BITS_PER_SECOND) {
    return `${what} ${bitsPerSecond}bit/s is less than 1 byte/s, which ENet would read as 0 = unlimited: write 0bit/s for unlimited or at least 8bit/s`;
  }
  if (bitsPerSecond / 8 > ENET_UINT32_MAX) return `${what} must be at most ${ENET_UINT32_MAX} bytes/s (ENet keeps it in 32 bits)`;
  return null;
}

/** A host's ENet MTU: whole bytes in ENet's range. */
export function hostMtu(mtuBytes: number): RuleResult {
  if (!Number.isInteger(mtuBytes) || mtuBytes < HOST_MTU_MIN_BYTES || mtuBytes > HOST_MTU_MAX_BYTES) {
    return `mtu must be whole bytes from ${HOST_MTU_MIN_BYTES}B to ${HOST_MTU_MAX_BYTES}B (ENet's protocol range; outside it ENet cannot build datagrams): got ${mtuBytes}B`;
  }
  return null;
}

/** A game-loop rate in Hz (frame k at phase + floor(k·1000/rate) ms): 0 would divide by zero. */
export function serviceRate(hz: number): RuleResult {
  if (hz <= 0) return `service rate must be above 0Hz (a game loop that never runs cannot service ENet): got ${hz}Hz`;
  if (hz > SERVICE_RATE_MAX_HZ) return `service rate must be at most ${SERVICE_RATE_MAX_HZ}Hz (the simulator's clock ticks in 1 ms): got ${hz}Hz`;
  return null;
}

/** A game-loop period: whole ms, at least 1 (every 0ms would run frame after frame at one instant). */
export function serviceEvery(everyMs: number): RuleResult {
  if (everyMs < 1) return `service every must be at least 1ms (0ms would service forever at the same instant): got ${formatDuration(everyMs)}`;
  return wholeMs(everyMs, 'service every');
}

/** A game loop's frame jitter: whole ms, drawn as a 32-bit random number modulo jitter + 1, so at most 2³² − 1 ms. */
export function serviceJitter(jitterMs: number): RuleResult {
  if (jitterMs > ENET_UINT32_MAX) return `service jitter must be at most ${ENET_UINT32_MAX}ms (each frame's delay is drawn from 32 random bits): got ${jitterMs}ms`;
  return wholeMs(jitterMs, 'service jitter');
}

/** A stream's rate: packet k goes at start + floor(k·1000/rate), so 0/s would send one packet and stop. */
export function streamRate(perSecond: number): RuleResult {
  return perSecond > 0 ? null : 'a stream rate must be above 0/s (0/s would still send one packet)';
}

/** How long a stream runs: its first packet goes at once, so 0ms would still send one. */
export function streamFor(forMs: number): RuleResult {
  return forMs > 0 ? null : 'a stream must run for more than 0ms (its first packet goes at once)';
}

/** How long a lag spike lasts: whole ms (its end is scheduled), and at least 1 (0 would end it as it starts). */
export function lagSpikeFor(forMs: number): RuleResult {
  if (forMs < 1) return `a lag spike must last at least 1ms: got ${formatDuration(forMs)}`;
  return wholeMs(forMs, 'lag_spike for');
}

/** A count ENet keeps in 32 bits (set_timeout's backoff limit). */
export function enetCount(count: number, what: string): RuleResult {
  return count <= ENET_UINT32_MAX ? null : `${what} must be at most ${ENET_UINT32_MAX} (ENet keeps it in 32 bits): got ${count}`;
}

/** A lag spike: the worst latency it can meet plus every spike that may overlap must stay a valid link delay. */
export function lagSpikeDelay(latencyMaxMs: number, extrasMs: number): RuleResult {
  if (latencyMaxMs + extrasMs <= LINK_DELAY_MAX_MS) return null;
  return `lag spikes on top of the latency reach ${formatDuration(latencyMaxMs + extrasMs)} one-way (the largest latency, ${formatDuration(latencyMaxMs)}, plus every lag spike, ${formatDuration(extrasMs)}); a link's delay is at most ${formatDuration(LINK_DELAY_MAX_MS)}`;
}

/**
 * A queue limit in time (`queue: 200ms`): more than 0 (a queue that holds no time would drop every
 * datagram that finds the link busy), whole µs (the queue's clock; Link rounds, resolveLinkConfig refuses
 * the rest) and at most the longest delay a link accepts.
 */
export function queueTime(limitMs: number): RuleResult {
  if (limitMs === 0) return 'queue 0ms holds nothing: every datagram that finds the link busy would be dropped (give a time above 0, or a size such as 16KB)';
  if (Math.abs(limitMs * 1000 - Math.round(limitMs * 1000)) > 1e-6) return `queue must be a whole number of µs (the queue's clock): got ${limitMs}ms`;
  if (limitMs > MAX_DELAY_MS) return `queue must be at most ${formatDuration(MAX_DELAY_MS)}: got ${formatDuration(limitMs)}`;
  return null;
}
