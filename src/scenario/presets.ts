// Named link presets, each with its source. Values are per direction (one-way), as the source
// applies them unless noted; `enetsim presets` lists them.
import type { LinkConfig } from '../sim/link-config.js';

export interface LinkPreset {
  name: string;
  description: string;
  /** Where the numbers come from, and how they were mapped to enetsim's one-way link. */
  source: string;
  config: LinkConfig;
}

function unity(name: string, delayMs: number, jitterMs: number, lossPercent: number): LinkPreset {
  return {
    name: `unity-${name}`,
    description: `Unity Netcode for Entities "${name}" base: ${delayMs} ms delay, ${jitterMs} ms jitter, ${lossPercent} % loss`,
    source: 'Unity Netcode for Entities simulator presets (last updated Q3 2022); PacketDelayMs/PacketJitterMs/PacketDropPercentage apply per send, i.e. one-way',
    config: { latencyMs: delayMs, jitter: { ms: jitterMs, distribution: 'uniform' }, loss: { model: 'bernoulli', percent: lossPercent } },
  };
}

function comcast(name: string, latencyMs: number, bandwidthKbps: number | null, lossPercent: number): LinkPreset {
  return {
    name: `comcast-${name}`,
    description: `Comcast "${name}": ${latencyMs} ms, ${bandwidthKbps === null ? 'unlimited' : `${bandwidthKbps} kbit/s`}, ${lossPercent} % loss`,
    source: 'tylertreat/comcast README preset table; netem delay/rate/loss on egress, i.e. one-way',
    config: {
      latencyMs,
      loss: { model: 'bernoulli', percent: lossPercent },
      ...(bandwidthKbps === null ? {} : { bandwidth: { rateBitsPerSecond: bandwidthKbps * 1000 } }),
    },
  };
}

function perfecto(name: string, lossPercent: number, corruptPercent: number, duplicatePercent: number, reorderPercent: number): LinkPreset {
  return {
    name: `perfecto-${name}`,
    description: `Perfecto "${name}" problematic level: ${lossPercent} % loss, ${corruptPercent} % corruption, ${duplicatePercent} % duplication, ${reorderPercent} % reorder`,
    source: 'Perfecto network virtualization "problematic levels" (loss / corruption / duplication / reorder %); reordering needs delay, so 20 ms latency is added',
    config: {
      latencyMs: 20,
      loss: { model: 'bernoulli', percent: lossPercent },
      corrupt: { percent: corruptPercent },
      duplicate: { percent: duplicatePercent },
      reorder: { percent: reorderPercent },
    },
  };
}

export const LINK_PRESETS: readonly LinkPreset[] = [
  {
    name: 'perfect',
    description: 'no delay, no loss',
    source: "rusty_enet's test harness preset `perfect` (0 ms, 0 % loss)",
    config: {},
  },
  {
    name: 'rusty-enet-good',
    description: '50 ms ± 30 ms, 5 % loss',
    source: "rusty_enet's test harness preset `good` (round-trip-time setting applied to each direction)",
    config: { latencyMs: 50, jitter: { ms: 30, distribution: 'uniform' }, loss: { model: 'bernoulli', percent: 5 } },
  },
  {
    name: 'rusty-enet-bad',
    description: '300 ms ± 100 ms, 20 % loss',
    source: "rusty_enet's test harness preset `bad` (applied to each direction)",
    config: { latencyMs: 300, jitter: { ms: 100, distribution: 'uniform' }, loss: { model: 'bernoulli', percent: 20 } },
  },
  unity('2g', 200, 20, 5),
  unity('2.5g', 180, 15, 5),
  unity('2.75g', 160, 15, 5),
  unity('3g', 120, 10, 5),
  unity('3.5g', 65, 10, 5),
  unity('3.75g', 50, 10, 5),
  unity('4g', 35, 5, 3),
  unity('4.5g', 25, 5, 3),
  unity('5g', 0, 5, 3),
  unity('unplayable', 300, 400, 30),
  unity('no-internet', 1000, 1000, 100),
  comcast('gprs', 500, 50, 2),
  comcast('edge', 300, 250, 1.5),
  comcast('3g', 250, 750, 1.5),
  comcast('dial-up', 185, 40, 2),
  comcast('dsl-poor', 70, 2000, 2),
  comcast('dsl-good', 40, 8000, 0.5),
  comcast('wifi', 40, 30_000, 0.2),
  comcast('satellite', 1500, null, 0.2),
  perfecto('steady', 1, 0, 0, 2),
  perfecto('noisy', 2, 2, 0, 5),
  perfecto('unstable', 3, 3, 2, 10),
  perfecto('very-unstable', 5, 5, 5, 20),
];

export function findPreset(name: string): LinkPreset | undefined {
  return LINK_PRESETS.find((preset) => preset.name === name);
}
