// Where an ENet sender's own smoothed RTT (peer -> roundTripTime) must lie, given what the proxy measured
// passively for the same sender's reliable commands. docs/proxy.md ("The passive RTT against ENet's
// own") derives each term; in short:
//
// - Per command, the sender's RTT sample runs from its send to its reading of the ACK, and the proxy's
//   from the command reaching the proxy to the proxy forwarding the ACK: the proxy's interval lies inside
//   the sender's (causality), so sample = proxy time + h with h ≥ 0, give or take 1 ms because ENet's
//   clock counts whole ms. h (two loopback hops, the proxy's event loop reading the command late, the
//   sender noticing the ACK late) has no bound from logic: it is the one allowance, `outsideAllowanceMs`.
//   The receiver's ACK delay is inside both intervals. Assumed, not derived: ENet's samples of the
//   retransmitted copies the proxy leaves out (Karn's rule) fall in the same range.
// - ENet smooths: rtt += (sample − rtt) / 8 in integers (truncated), which moves it towards each sample
//   and never past it. Started at a sample (libenet 1.3.17 takes its first sample as the RTT), it stays
//   within [lowest sample, highest sample].
// - ENet 1.3.5 (the npm enet package) starts at 500 ms, above every sample here, and comes down; it
//   stops up to 7 ms short of a sample (the truncation's dead band), and after n samples at most
//   (7/8)^n of its excess over that band is left.

import type { MsSummary } from '../../src/native/proxy.js';

/** ENet's dead band: a sample within 7 ms of the smoothed RTT moves it by (diff / 8) = 0. */
export const ENET_RTT_DEAD_BAND_MS = 7;
/** ENet's clock counts whole ms: a difference of two readings is off by less than 1 ms. */
export const ENET_CLOCK_STEP_MS = 1;

export interface RttBoundsOptions {
  /** The smoothed RTT before the first sample: null when the first sample replaces it (libenet ≥ 1.3.13), 500 for ENet 1.3.5. */
  startRttMs: number | null;
  /** ENet samples taken before the RTT was read, at least (used only with `startRttMs`). */
  samplesAtLeast: number;
  /** Time inside the sender's sample but outside the proxy's interval (hops, late reads), allowed at most. */
  outsideAllowanceMs: number;
}

/** The interval [lowMs, highMs] an ENet sender's smoothed RTT must be in. */
export function enetRttBounds(proxy: MsSummary, options: RttBoundsOptions): { lowMs: number; highMs: number } {
  if (proxy.count === 0 || proxy.minMs === null || proxy.maxMs === null) throw new Error('the proxy measured no RTT for this sender');
  // The range of ENet's own samples.
  const lowMs = Math.min(proxy.minMs - ENET_CLOCK_STEP_MS, options.startRttMs ?? Number.POSITIVE_INFINITY);
  const highestSampleMs = proxy.maxMs + options.outsideAllowanceMs + ENET_CLOCK_STEP_MS;
  if (options.startRttMs === null || options.startRttMs <= highestSampleMs) return { lowMs, highMs: Math.max(highestSampleMs, options.startRttMs ?? 0) };
  // Coming down from above: within the dead band of the highest sample, plus what n samples left of the excess.
  const bandMs = highestSampleMs + ENET_RTT_DEAD_BAND_MS;
  return { lowMs, highMs: bandMs + Math.max(0, options.startRttMs - bandMs) * (7 / 8) ** Math.max(0, options.samplesAtLeast) };
}
