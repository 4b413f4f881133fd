// Every benchmark workload with its sizes, in one place: the full size of the issue, the variant run
// on libenet (shortened where the FIFO driver would take minutes: every HostLike call is a round trip
// to another process, and the simulator makes many per frame), and the smoke size for the tests.
import type { ProtocolProfile } from '../src/enet/constants.js';
import type { HostFactory } from '../src/sim/sim-host.js';
import { buildBulk, buildDuel, buildIdleServer, buildLobby, type BuiltWorkload, type SimulationOverrides } from './workloads.js';

export type WorkloadId = 'W1' | 'W1@1.3.18' | 'W1-untraced' | 'W2' | 'W2-untraced' | 'W3' | 'W4' | 'M1';
export type Size = 'full' | 'libenet' | 'smoke';

/** Run order and the ids `--only` accepts. */
export const WORKLOAD_IDS: readonly WorkloadId[] = ['W1', 'W1@1.3.18', 'W1-untraced', 'W2', 'W2-untraced', 'W3', 'W4', 'M1'];

export interface WorkloadEntry {
  id: WorkloadId;
  title: string;
  /** The ENet profile of the TypeScript core (libenet is 1.3.17, so only 1.3.17 workloads run on it). */
  profile: ProtocolProfile;
  /** Whether the same workload also runs on libenet for the per-datagram comparison. */
  onLibenet: boolean;
  /** What the libenet variant is, for the report (null: the full workload itself). */
  libenetVariant: string | null;
  /** Why a workload that does not run on libenet has no comparison (default: the profile). */
  noLibenetNote?: string;
  /** Heap and RSS sample period in virtual ms, per size. */
  samplePeriodMs: (size: Size) => number;
  /** Builds the workload; `simulation` overrides options of the Simulation (the -untraced variants). */
  build: (size: Size, implementation: HostFactory, simulation?: SimulationOverrides) => BuiltWorkload;
}

/** W4: W1 cut to `durationMs`, `variantCount` throttle_configure variants. */
export interface SweepSize {
  variantCount: number;
  durationMs: number;
  /** Worker threads; default os.availableParallelism(). */
  workers?: number;
}

export const SWEEP_SIZES: Record<'full' | 'smoke', SweepSize> = {
  full: { variantCount: 32, durationMs: 60_000 },
  smoke: { variantCount: 4, durationMs: 3_000, workers: 2 },
};

const W1_MS: Record<Size, number> = { full: 600_000, libenet: 60_000, smoke: 3_000 };
const W2: Record<Size, { durationMs: number; clientCount: number }> = {
  full: { durationMs: 60_000, clientCount: 256 },
  libenet: { durationMs: 2_000, clientCount: 256 },
  smoke: { durationMs: 1_500, clientCount: 8 },
};
const W3: Record<Size, { packetCount: number; packetSizeBytes: number; boundMs: number }> = {
  full: { packetCount: 64, packetSizeBytes: 1 << 20, boundMs: 600_000 },
  libenet: { packetCount: 64, packetSizeBytes: 1 << 20, boundMs: 600_000 },
  smoke: { packetCount: 2, packetSizeBytes: 256 << 10, boundMs: 60_000 },
};
/**
 * The in-process C reference's sizes (native/libenet-reference.c): the TypeScript runs' own, W1 and
 * W2 at full size (the reference is cheap enough) and at smoke size.
 */
export const REFERENCE_SIZES: Record<'W1' | 'W2', Record<'full' | 'smoke', { durationMs: number; clientCount?: number }>> = {
  W1: { full: { durationMs: W1_MS.full }, smoke: { durationMs: W1_MS.smoke } },
  W2: { full: W2.full, smoke: W2.smoke },
};

export const M1_SIZES: Record<Size, { clientCount: number; idleMs: number }> = {
  full: { clientCount: 4_000, idleMs: 5_000 },
  libenet: { clientCount: 200, idleMs: 2_000 },
  smoke: { clientCount: 20, idleMs: 1_000 },
};

function duelEntry(id: 'W1' | 'W1@1.3.18', profile: ProtocolProfile): WorkloadEntry {
  return {
    id,
    title: `duel, 2 hosts at 60 Hz, 10 virtual minutes (TypeScript core ${profile})`,
    profile,
    onLibenet: profile === '1.3.17',
    libenetVariant: 'W1 cut to 60 virtual seconds',
    samplePeriodMs: (size) => (size === 'full' ? 500 : 100),
    build: (size, implementation, simulation) => buildDuel({ implementation, durationMs: W1_MS[size], ...(simulation !== undefined ? { simulation } : {}) }),
  };
}

/** `entry` with SimulationOptions.trace false: the same ENet work, no trace recorded. */
function untraced(entry: WorkloadEntry, id: 'W1-untraced' | 'W2-untraced'): WorkloadEntry {
  return {
    ...entry,
    id,
    title: `${entry.id} with SimulationOptions.trace false: nothing recorded, statistics not sampled`,
    onLibenet: false,
    libenetVariant: null,
    noLibenetNote: 'the same ENet work as without -untraced; only the simulator records no trace',
    build: (size, implementation) => entry.build(size, implementation, { trace: false }),
  };
}

const W2_ENTRY: WorkloadEntry = {
  id: 'W2',
  title: 'lobby, 1 server + 256 clients at 30 Hz, 60 virtual seconds',
  profile: '1.3.17',
  onLibenet: true,
  libenetVariant: 'W2 cut to 2 virtual seconds (256 clients connect in the first 256 ms, streams from 1 s)',
  samplePeriodMs: () => 100,
  build: (size, implementation, simulation) => buildLobby({ implementation, ...W2[size], ...(simulation !== undefined ? { simulation } : {}) }),
};

export const CATALOGUE: Record<Exclude<WorkloadId, 'W4'>, WorkloadEntry> = {
  W1: duelEntry('W1', '1.3.17'),
  'W1@1.3.18': duelEntry('W1@1.3.18', '1.3.18'),
  'W1-untraced': untraced(duelEntry('W1', '1.3.17'), 'W1-untraced'),
  W2: W2_ENTRY,
  'W2-untraced': untraced(W2_ENTRY, 'W2-untraced'),
  W3: {
    id: 'W3',
    title: 'bulk, 64 × 1 MiB reliable over 20 Mbit/s with a 64 KiB queue, until delivered',
    profile: '1.3.17',
    onLibenet: true,
    libenetVariant: null,
    samplePeriodMs: () => 100,
    build: (size, implementation) => buildBulk({ implementation, ...W3[size] }),
  },
  M1: {
    id: 'M1',
    title: 'idle server, 4 000 connected clients at 10 Hz',
    profile: '1.3.17',
    onLibenet: true,
    libenetVariant: 'M1 with 200 clients, idle 2 s (the driver holds at most 1 024 hosts)',
    samplePeriodMs: () => 100,
    build: (size, implementation) => buildIdleServer({ implementation, ...M1_SIZES[size] }),
  },
};

export const W4_TITLE = 'sweep, W1 cut to 60 s × 32 throttle_configure variants, worker threads vs one thread';
