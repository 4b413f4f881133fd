// The benchmark workloads (W1 duel, W2 lobby, W3 bulk, M1 idle server), built as ordinary
// simulations through the public API, the way a test or a scenario builds them. Each builder takes
// the ENet implementation (a HostFactory, so the same workload runs on the TypeScript core and on
// libenet) and a size: the full size of the issue, a shortened variant with the same shape (for
// libenet through the FIFO driver, where every call is a round trip), or a tiny smoke variant.
import type { ProtocolProfile } from '../src/enet/constants.js';
import type { HostFactory } from '../src/sim/sim-host.js';
import { Simulation, type AddHostOptions, type SimulationOptions } from '../src/sim/simulation.js';

/** ENET_PACKET_FLAG_RELIABLE. */
export const RELIABLE = 1;
/** Unreliable (no flags): ENet sequences it on its channel and may drop it under throttle. */
export const UNRELIABLE = 0;

const CHANNEL_RELIABLE = 0;
const CHANNEL_UNRELIABLE = 1;
const CHANNEL_COUNT = 2;

/** What a builder returns: the simulation, how long to run it, and (W3) when it is done early. */
export interface BuiltWorkload {
  sim: Simulation;
  /** Virtual end of the run, ms (for W3 the bound; `done` normally stops it sooner). */
  untilMs: number;
  /** W3: true once every packet is delivered; the run stops then. */
  done?: () => boolean;
  /** Human-readable parameters, printed with the results. */
  parameters: Record<string, number | string>;
}

/** The implementation behind every host of a workload. */
export type Implementation = HostFactory | ProtocolProfile;

/** Simulation options a builder passes through (the -untraced workloads set trace: false). */
export type SimulationOverrides = Omit<SimulationOptions, 'seed'>;

/**
 * Sends `ratePerSecond` packets of `sizeBytes` from `from` to `to`, the k-th at
 * `startMs + floor(k·1000/ratePerSecond)` until `endMs` (exclusive). Sends while the peer is not
 * connected are skipped by SimHost.send (it returns -1 without recording anything).
 */
export function stream(
  sim: Simulation,
  options: { from: string; to: string; ratePerSecond: number; sizeBytes: number; flags: number; channel: number; startMs: number; endMs: number; source: string },
): void {
  const { from, to, ratePerSecond, sizeBytes, flags, channel, startMs, endMs, source } = options;
  let index = 0;
  const scheduleNext = (): void => {
    const atMs = startMs + Math.floor((index * 1000) / ratePerSecond);
    index++;
    if (atMs >= endMs) return;
    sim.at(atMs, () => {
      sim.host(from).send(to, channel, sizeBytes, flags, source);
      scheduleNext();
    });
  };
  scheduleNext();
}

// ---- W1 duel --------------------------------------------------------------------------------------

export interface DuelOptions {
  implementation: Implementation;
  simulation?: SimulationOverrides;
  /** Virtual duration, ms (issue: 10 minutes). */
  durationMs: number;
  seed?: number;
  /** throttle_configure applied by the client at t = 1 s (W4's variants). */
  throttle?: { intervalMs: number; acceleration: number; deceleration: number };
}

/** When the streams start: after the handshake (about 2 RTT at 40 ms one-way). */
const STREAMS_START_MS = 1_000;

/**
 * W1: two hosts serviced at 60 Hz; client→server 60/s × 100 B unreliable + 10/s × 200 B reliable,
 * server→client 20/s × 400 B unreliable; 40 ms ± 5 ms (uniform) one-way, 1 % Bernoulli loss.
 */
export function buildDuel(options: DuelOptions): BuiltWorkload {
  const { implementation, durationMs } = options;
  const sim = new Simulation({ ...options.simulation, seed: options.seed ?? 1 });
  const host: AddHostOptions = { implementation, peerCount: 8, channelLimit: CHANNEL_COUNT, service: { hz: 60 } };
  sim.addHost('server', host);
  sim.addHost('client', { ...host, service: { hz: 60, phaseMs: 5 } });
  sim.defaultLink({ latencyMs: 40, jitter: { ms: 5, distribution: 'uniform' }, loss: { model: 'bernoulli', percent: 1 } });
  sim.at(0, () => sim.host('client').connect('server', CHANNEL_COUNT, 0));
  const throttle = options.throttle;
  if (throttle !== undefined) {
    sim.at(STREAMS_START_MS, () => sim.host('client').throttleConfigure('server', throttle.intervalMs, throttle.acceleration, throttle.deceleration));
  }
  const common = { startMs: STREAMS_START_MS, endMs: durationMs };
  stream(sim, { ...common, from: 'client', to: 'server', ratePerSecond: 60, sizeBytes: 100, flags: UNRELIABLE, channel: CHANNEL_UNRELIABLE, source: 'input' });
  stream(sim, { ...common, from: 'client', to: 'server', ratePerSecond: 10, sizeBytes: 200, flags: RELIABLE, channel: CHANNEL_RELIABLE, source: 'event' });
  stream(sim, { ...common, from: 'server', to: 'client', ratePerSecond: 20, sizeBytes: 400, flags: UNRELIABLE, channel: CHANNEL_UNRELIABLE, source: 'snapshot' });
  return {
    sim,
    untilMs: durationMs,
    parameters: { hosts: 2, virtualSeconds: durationMs / 1000, ...(throttle !== undefined ? { throttle: `${throttle.intervalMs}/${throttle.acceleration}/${throttle.deceleration}` } : {}) },
  };
}

// ---- W2 lobby -------------------------------------------------------------------------------------

export interface LobbyOptions {
  implementation: Implementation;
  simulation?: SimulationOverrides;
  durationMs: number;
  /** Issue: 256. */
  clientCount: number;
  seed?: number;
}

/**
 * W2: one server and `clientCount` clients, all serviced at 30 Hz (phases spread over the frame, as
 * independent processes are); each client sends 20/s × 64 B unreliable + 1/s × 100 B reliable, the
 * server sends each client 20/s × 256 B unreliable; 30 ms ± 10 ms (uniform), 2 % loss. Clients
 * connect in the first 256 ms (one per ms) and the streams start at 1 s, each at its own offset.
 */
export function buildLobby(options: LobbyOptions): BuiltWorkload {
  const { implementation, durationMs, clientCount } = options;
  const sim = new Simulation({ ...options.simulation, seed: options.seed ?? 2 });
  sim.addHost('server', { implementation, peerCount: clientCount, channelLimit: CHANNEL_COUNT, service: { hz: 30 } });
  sim.defaultLink({ latencyMs: 30, jitter: { ms: 10, distribution: 'uniform' }, loss: { model: 'bernoulli', percent: 2 } });
  for (let index = 0; index < clientCount; index++) {
    const name = `c${index}`;
    sim.addHost(name, { implementation, peerCount: 1, channelLimit: CHANNEL_COUNT, service: { hz: 30, phaseMs: (index * 7) % 33 } });
    sim.at(index % 256, () => sim.host(name).connect('server', CHANNEL_COUNT, 0));
    const startMs = STREAMS_START_MS + ((index * 13) % 50);
    const common = { startMs, endMs: durationMs };
    stream(sim, { ...common, from: name, to: 'server', ratePerSecond: 20, sizeBytes: 64, flags: UNRELIABLE, channel: CHANNEL_UNRELIABLE, source: 'input' });
    stream(sim, { ...common, from: name, to: 'server', ratePerSecond: 1, sizeBytes: 100, flags: RELIABLE, channel: CHANNEL_RELIABLE, source: 'event' });
    stream(sim, { ...common, from: 'server', to: name, ratePerSecond: 20, sizeBytes: 256, flags: UNRELIABLE, channel: CHANNEL_UNRELIABLE, source: 'snapshot' });
  }
  return { sim, untilMs: durationMs, parameters: { hosts: clientCount + 1, clients: clientCount, virtualSeconds: durationMs / 1000 } };
}

// ---- W3 bulk --------------------------------------------------------------------------------------

export interface BulkOptions {
  implementation: Implementation;
  simulation?: SimulationOverrides;
  /** Issue: 64 (MiB). */
  packetCount: number;
  /** Issue: 1 MiB. */
  packetSizeBytes: number;
  /** Bound on the run, ms. */
  boundMs: number;
  seed?: number;
}

/**
 * W3: `packetCount` reliable packets of `packetSizeBytes`, all queued by the sender at 1 s, over a
 * 20 Mbit/s link (both directions) with a 64 KiB queue, 30 ms one-way, 1 % loss, both hosts at
 * 60 Hz; the run stops once the ledger shows every packet received (bounded by `boundMs`).
 */
export function buildBulk(options: BulkOptions): BuiltWorkload {
  const { implementation, packetCount, packetSizeBytes, boundMs } = options;
  const sim = new Simulation({ ...options.simulation, seed: options.seed ?? 3 });
  const host: AddHostOptions = { implementation, peerCount: 4, channelLimit: CHANNEL_COUNT, service: { hz: 60 } };
  sim.addHost('receiver', host);
  sim.addHost('sender', { ...host, service: { hz: 60, phaseMs: 8 } });
  sim.defaultLink({
    latencyMs: 30,
    loss: { model: 'bernoulli', percent: 1 },
    bandwidth: { rateBitsPerSecond: 20_000_000, queueBytes: 64 * 1024 },
  });
  sim.at(0, () => sim.host('sender').connect('receiver', CHANNEL_COUNT, 0));
  sim.at(STREAMS_START_MS, () => {
    for (let index = 0; index < packetCount; index++) sim.host('sender').send('receiver', CHANNEL_RELIABLE, packetSizeBytes, RELIABLE, 'bulk');
  });
  // The ledger's receipts are counted as they happen, so `done` is O(1) per scheduler event.
  let receivedCount = 0;
  let checkedCount = 0;
  const done = (): boolean => {
    const packets = sim.ledger.all;
    if (packets.length < packetCount) return false;
    while (checkedCount < packets.length && packets[checkedCount]!.receivedAtMs.length > 0) {
      checkedCount++;
      receivedCount++;
    }
    return receivedCount >= packetCount;
  };
  return {
    sim,
    untilMs: boundMs,
    done,
    parameters: { hosts: 2, packets: packetCount, packetBytes: packetSizeBytes, totalMiB: (packetCount * packetSizeBytes) / 2 ** 20, boundSeconds: boundMs / 1000 },
  };
}

// ---- M1 idle server -------------------------------------------------------------------------------

export interface IdleServerOptions {
  implementation: Implementation;
  simulation?: SimulationOverrides;
  /** Issue: 4 000. */
  clientCount: number;
  /** How long the connected clients idle after the last connect, ms. */
  idleMs: number;
  seed?: number;
}

/** Clients connect 2 per ms, so 4 000 connect within 2 s. */
const M1_CONNECTS_PER_MS = 2;

/**
 * M1: one server with `clientCount` peer slots and as many clients (one slot each), serviced at
 * 10 Hz (idle hosts: only pings and their ACKs, every 500 ms per peer), 20 ms one-way, no loss.
 * Clients connect 2 per ms; the run then idles for `idleMs`. Statistics are sampled as in every
 * simulation (defaults), so the trace grows as it would in a user's run.
 */
export function buildIdleServer(options: IdleServerOptions): BuiltWorkload {
  const { implementation, clientCount, idleMs } = options;
  const sim = new Simulation({ ...options.simulation, seed: options.seed ?? 4 });
  sim.addHost('server', { implementation, peerCount: clientCount, channelLimit: CHANNEL_COUNT, service: { hz: 10 } });
  sim.defaultLink({ latencyMs: 20 });
  for (let index = 0; index < clientCount; index++) {
    const name = `c${index}`;
    sim.addHost(name, { implementation, peerCount: 1, channelLimit: CHANNEL_COUNT, service: { hz: 10, phaseMs: index % 100 } });
    sim.at(Math.floor(index / M1_CONNECTS_PER_MS), () => sim.host(name).connect('server', CHANNEL_COUNT, 0));
  }
  const connectEndMs = Math.ceil(clientCount / M1_CONNECTS_PER_MS);
  return { sim, untilMs: connectEndMs + 1_000 + idleMs, parameters: { hosts: clientCount + 1, clients: clientCount, idleSeconds: idleMs / 1000 } };
}

/** Connected peers of the server (ENet's host->connectedPeers), read through the public snapshot. */
export function connectedPeersOf(sim: Simulation, hostName: string): number {
  return sim.host(hostName).impl?.host().connectedPeers ?? 0;
}
