// The differential conformance suite: a seeded generator of random scenarios (links that change
// over time, every packet kind and size, fragments, and the API calls a game makes), each run once
// on the TypeScript core and once on the real libenet (Debian's 1.3.17, or the build `--libenet`
// points at, the TypeScript core then running as that library's version), with identical traces
// required (every datagram's bytes and time by hash, every event with its packet's bytes and flags,
// every state change) and, at the end of each seed, every host, peer and channel field identical.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PacketFlag, type ProtocolProfile } from '../../enet/constants.js';
import type { LinkConfig } from '../../sim/link-config.js';
import { RandomStream } from '../../sim/random.js';
import type { HostFactory } from '../../sim/sim-host.js';
import { Simulation } from '../../sim/simulation.js';
import { createTsHost } from '../../sim/ts-host.js';
import type { CliIo } from '../io.js';
import { describeFieldDifferences, endStateDifferences, firstDivergence, type Divergence, type FieldDifference } from './diff.js';
import type { WorkerReply, WorkerRequest } from './conformance-worker.js';
import { startLibenet } from './run.js';

/** Bounds of one generated scenario, so every seed stays small and fast. */
export const GENERATED = {
  clientsMax: 3,
  durationMsMin: 3000,
  durationMsMax: 9000,
  actionsMax: 60,
  /** Reactions to ENet events (the application's handlers), drawn from a stream of their own. */
  reactionsMax: 5,
  packetBytesMax: 20_000,
} as const;

class Draw {
  constructor(private readonly random: RandomStream) {}
  int(min: number, max: number): number {
    return min + (this.random.nextU32() % (max - min + 1));
  }
  chance(percent: number): boolean {
    return this.random.nextU32() % 100 < percent;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.random.nextU32() % items.length]!;
  }
}

function randomLink(draw: Draw): LinkConfig {
  const config: LinkConfig = { latencyMs: draw.int(1, 120) };
  if (draw.chance(50)) {
    config.jitter = { ms: draw.int(1, 30), distribution: draw.pick(['uniform', 'normal', 'pareto', 'exponential'] as const), reorder: draw.chance(40), correlationPercent: draw.pick([0, 0, 25, 75]) };
  }
  if (draw.chance(60)) {
    config.loss = draw.chance(70)
      ? { model: 'bernoulli', percent: draw.int(0, 15) }
      : { model: 'gilbert-elliott', goodToBadPercent: draw.int(1, 5), badToGoodPercent: draw.int(10, 60) };
  }
  if (draw.chance(15)) config.duplicate = { percent: draw.int(1, 10), delayMs: draw.int(0, 20) };
  if (draw.chance(10)) config.corrupt = { percent: draw.int(1, 5) };
  if (draw.chance(10)) config.reorder = { percent: draw.int(5, 30), gap: draw.int(1, 4) };
  if (draw.chance(20)) config.bandwidth = { rateBitsPerSecond: draw.pick([64_000, 256_000, 1_000_000, 5_000_000]), queueBytes: draw.pick([8192, 32_768, 131_072]) };
  if (draw.chance(8)) config.mtuBytes = draw.int(600, 1500);
  return config;
}

const FLAGS = [PacketFlag.reliable, 0, PacketFlag.unsequenced, PacketFlag.unreliableFragment, PacketFlag.reliable | PacketFlag.unsequenced];

/** Builds seed `seed`'s scenario with every host created by `factory`. */
export function generatedSimulation(seed: number, factory: HostFactory): { sim: Simulation; durationMs: number } {
  const draw = new Draw(RandomStream.root(`conformance/${seed}`));
  const sim = new Simulation({ seed, statsIntervalMs: 250, statsOnChange: false, epochMs: draw.chance(10) ? 0xffff_ffff - draw.int(0, 10_000) : draw.int(1, 2 ** 31) });
  const checksum = draw.chance(30);
  const names = ['server', ...Array.from({ length: draw.int(1, GENERATED.clientsMax) }, (_, index) => `client${index + 1}`)];
  for (const name of names) {
    sim.addHost(name, {
      implementation: factory,
      peerCount: name === 'server' ? draw.int(2, 6) : draw.int(1, 2),
      channelLimit: draw.pick([0, 1, 2, 4]),
      incomingBandwidth: draw.chance(15) ? draw.pick([16_000, 64_000, 256_000]) : 0,
      outgoingBandwidth: draw.chance(15) ? draw.pick([16_000, 64_000, 256_000]) : 0,
      checksum,
      ...(draw.chance(15) ? { mtu: draw.int(576, 1400) } : {}),
      service: { intervalMs: draw.pick([1, 5, 10, 16, 33]), phaseMs: draw.int(0, 7), jitterMs: draw.pick([0, 0, 2]), onReceive: draw.chance(15) },
    });
  }
  sim.defaultLink(randomLink(draw));
  const durationMs = draw.int(GENERATED.durationMsMin, GENERATED.durationMsMax);
  for (const client of names.slice(1)) sim.at(draw.int(0, 300), () => sim.host(client).connect('server', draw.int(1, 4), draw.int(0, 0xffff)));
  const actionCount = draw.int(5, GENERATED.actionsMax);
  for (let index = 0; index < actionCount; index++) {
    const atMs = draw.int(200, durationMs);
    const client = draw.pick(names.slice(1));
    const [from, to] = draw.chance(60) ? [client, 'server'] : ['server', client];
    const action = randomAction(draw, sim, from, to, durationMs);
    sim.at(atMs, action);
  }
  // Drawn from their own stream, so the scenario above is the one the seed always had.
  const reactionDraw = new Draw(RandomStream.root(`conformance/${seed}/reactions`));
  const reactionCount = reactionDraw.int(0, GENERATED.reactionsMax);
  for (let index = 0; index < reactionCount; index++) addRandomReaction(reactionDraw, sim, names, durationMs);
  return { sim, durationMs };
}

/**
 * A handler a game might install: on connect, disconnect or receive (of any peer or one), inside
 * the frame or after a delay, once or every time, it calls the ENet API on the event's peer.
 */
function addRandomReaction(draw: Draw, sim: Simulation, names: readonly string[], durationMs: number): void {
  const hostName = draw.pick(names);
  const event = draw.pick(['connect', 'disconnect', 'receive'] as const);
  const others = names.filter((name) => name !== hostName);
  const peer = draw.chance(30) ? draw.pick(others) : null;
  const delayMs = draw.chance(50) ? 0 : draw.int(1, 800);
  const fromMs = draw.chance(20) ? draw.int(0, durationMs) : 0;
  const host = () => sim.host(hostName);
  const kind = draw.int(0, 99);
  let does: string;
  let handler: (peer: string) => void;
  if (kind < 15) {
    const limit = draw.int(1, 32);
    const minimumMs = draw.int(limit, 6000);
    const maximumMs = draw.int(minimumMs, 20_000);
    [does, handler] = ['set_timeout', (to) => host().setTimeout(to, limit, minimumMs, maximumMs)];
  } else if (kind < 25) {
    const [intervalMs, acceleration, deceleration] = [draw.int(100, 6000), draw.int(0, 8), draw.int(0, 8)];
    [does, handler] = ['throttle_configure', (to) => host().throttleConfigure(to, intervalMs, acceleration, deceleration)];
  } else if (kind < 33) {
    const intervalMs = draw.pick([0, 100, 250, 1000]);
    [does, handler] = ['ping_interval', (to) => host().pingInterval(to, intervalMs)];
  } else if (kind < 38) {
    [does, handler] = ['ping', (to) => host().ping(to)];
  } else if (kind < 70) {
    // A welcome burst or a reply; a reply to every receive would echo without end, so a sending receive handler runs once.
    const [flags, size, count, channel] = [draw.pick(FLAGS), draw.chance(15) ? draw.int(1400, GENERATED.packetBytesMax) : draw.int(1, 1300), draw.int(1, 10), draw.int(0, 3)];
    [does, handler] = ['send', (to) => {
      for (let index = 0; index < count; index++) host().send(to, channel, size, flags, 'reaction');
    }];
  } else if (kind < 78) {
    const data = draw.int(0, 1000);
    const call = draw.pick(['disconnect', 'disconnectLater', 'disconnectNow'] as const);
    [does, handler] = [call, (to) => host()[call](to, data)];
  } else if (kind < 82) {
    [does, handler] = ['reset', (to) => host().reset(to)];
  } else {
    // Reconnect: a client dials the server again once it has no peer for it.
    const [channels, data] = [draw.int(1, 4), draw.int(0, 99)];
    [does, handler] = ['connect', (to) => {
      if (to === 'server' && host().peerIndexOf(to) === null) host().connect(to, channels, data);
    }];
  }
  const once = (event === 'receive' && does === 'send') || draw.chance(30);
  sim.react({ host: hostName, event, peer, delayMs, fromMs, once, does }, handler);
}

function randomAction(draw: Draw, sim: Simulation, from: string, to: string, durationMs: number): () => void {
  const kind = draw.int(0, 99);
  const host = () => sim.host(from);
  if (kind < 50) {
    // A burst or stream of packets of one kind.
    const flags = draw.pick(FLAGS);
    const size = draw.chance(20) ? draw.int(1400, GENERATED.packetBytesMax) : draw.int(1, 1300);
    const count = draw.int(1, 80);
    const channel = draw.int(0, 3);
    const everyMs = draw.int(0, 50);
    return () => {
      for (let index = 0; index < count; index++) {
        sim.at(sim.nowMs + index * everyMs, () => {
          if (!host().crashed && host().peerIndexOf(to) !== null) host().send(to, channel, size, flags, 'generated');
        });
      }
    };
  }
  if (kind < 58) {
    const change = randomLink(draw);
    const rampMs = draw.chance(30) ? draw.int(100, 2000) : 0;
    return () => sim.link(from, to, change, rampMs);
  }
  if (kind < 61) return () => host().throttleConfigure(to, draw.int(100, 6000), draw.int(0, 8), draw.int(0, 8));
  if (kind < 64) {
    const limit = draw.int(1, 32);
    const minimumMs = draw.int(limit, 6000);
    return () => host().setTimeout(to, limit, minimumMs, draw.int(minimumMs, 20_000));
  }
  if (kind < 67) return () => host().pingInterval(to, draw.pick([0, 100, 250, 1000]));
  if (kind < 69) return () => host().ping(to);
  if (kind < 72) return () => host().disconnect(to, draw.int(0, 1000));
  if (kind < 75) return () => host().disconnectLater(to, draw.int(0, 1000));
  if (kind < 77) return () => host().disconnectNow(to, draw.int(0, 1000));
  if (kind < 79) return () => host().reset(to);
  if (kind < 83) return () => host().bandwidthLimit(draw.pick([0, 32_000, 128_000]), draw.pick([0, 32_000, 128_000]));
  if (kind < 85) return () => host().channelLimit(draw.int(0, 4));
  if (kind < 89) {
    const pauseMs = draw.int(100, 8000);
    return () => {
      host().pause();
      sim.at(Math.min(durationMs, sim.nowMs + pauseMs), () => host().resume());
    };
  }
  if (kind < 94) {
    const client = from === 'server' ? to : from;
    return () => {
      if (sim.host(client).peerIndexOf('server') === null) sim.host(client).connect('server', draw.int(1, 4), draw.int(0, 99));
    };
  }
  const healMs = draw.int(100, 6000);
  return () => {
    sim.partition(from, to, draw.chance(30));
    sim.at(Math.min(durationMs, sim.nowMs + healMs), () => sim.heal(from, to));
  };
}

export interface SeedOutcome {
  seed: number;
  identical: boolean;
  eventCount: number;
  divergence: Divergence | null;
  /** Host, peer and channel fields compared at the end, and those that differ (checked when the traces agree). */
  fieldCount: number;
  fieldDifferences: FieldDifference[];
}

/**
 * Runs seed `seed` on both implementations: the TypeScript core as `profile` (the version of the
 * libenet behind `libenet`; default 1.3.17, Debian's).
 */
export function runConformanceSeed(seed: number, libenet: HostFactory, profile: ProtocolProfile = '1.3.17'): SeedOutcome {
  const ours = generatedSimulation(seed, (config) => createTsHost(config, profile));
  ours.sim.run(ours.durationMs);
  const theirs = generatedSimulation(seed, libenet);
  theirs.sim.run(theirs.durationMs);
  const divergence = firstDivergence(ours.sim.trace.events, theirs.sim.trace.events);
  const fields = endStateDifferences(ours.sim, theirs.sim);
  theirs.sim.destroy();
  ours.sim.destroy();
  return {
    seed,
    identical: divergence === null && fields.differences.length === 0,
    eventCount: ours.sim.trace.events.length,
    divergence,
    fieldCount: fields.fieldCount,
    fieldDifferences: fields.differences,
  };
}

/** The compiled worker beside this module (absent when running from the TypeScript sources). */
const WORKER_URL = new URL('./conformance-worker.js', import.meta.url);

/** Runs seeds on worker threads, each with its own libenet driver; outcomes in any order. */
async function runOnWorkers(seeds: number[], jobs: number, libenetPath: string | null, onOutcome: (outcome: SeedOutcome) => void): Promise<string | null> {
  const queue = [...seeds];
  let failure: string | null = null;
  const runWorker = (): Promise<void> =>
    new Promise((resolve) => {
      const worker = new Worker(WORKER_URL, { workerData: { libenetPath } });
      const next = (): void => {
        const seed = failure === null ? queue.shift() : undefined;
        if (seed === undefined) worker.postMessage({ kind: 'stop' } satisfies WorkerRequest);
        else worker.postMessage({ kind: 'seed', seed } satisfies WorkerRequest);
      };
      worker.on('message', (reply: WorkerReply) => {
        if (reply.kind === 'error') {
          failure ??= reply.message;
          void worker.terminate();
          return;
        }
        if (reply.kind === 'outcome') onOutcome(reply.outcome);
        next();
      });
      worker.on('error', (error) => {
        failure ??= error.message ?? String(error);
      });
      worker.on('exit', () => resolve());
    });
  await Promise.all(Array.from({ length: jobs }, runWorker));
  return failure ?? (queue.length > 0 ? `${queue.length} seeds were not run` : null);
}

/** Whether seeds can go to worker threads: only from the compiled CLI (Node does not carry tsx into workers). */
export function workersAvailable(): boolean {
  return fs.existsSync(fileURLToPath(WORKER_URL));
}

export interface ConformanceOptions {
  seedCount: number;
  firstSeed: number;
  /** Worker threads, each with its own libenet driver; 1 runs in this thread. */
  jobs: number;
  /** The libenet build to run (`--libenet`, else $ENETSIM_LIBENET), or null for the system's. */
  libenetPath?: string | null;
}

/** `enetsim conformance --seeds N [--from S] [--jobs J]`: prints the match rate and the first divergent seed. */
export async function conformanceCommand(options: ConformanceOptions, io: CliIo): Promise<0 | 1 | 2> {
  const { seedCount, firstSeed } = options;
  let jobs = Math.min(options.jobs, seedCount);
  if (jobs > 1 && !workersAvailable()) {
    io.stderr(`enetsim: --jobs ${jobs} needs the compiled CLI (npm run build; node dist/cli/main.js); running the seeds one after another\n`);
    jobs = 1;
  }
  const libenetPath = options.libenetPath ?? null;
  // The library's version decides the TypeScript profile (and the workers' drivers report the same).
  const started = startLibenet(libenetPath);
  if (!started.ok) {
    io.stderr(`enetsim: ${started.message}\n`);
    return 2;
  }
  const session = started.session;
  const seeds = Array.from({ length: seedCount }, (_, index) => firstSeed + index);
  let identical = 0;
  let done = 0;
  let events = 0;
  let fieldsCompared = 0;
  let firstFailure: SeedOutcome | null = null;
  const onOutcome = (outcome: SeedOutcome): void => {
    done++;
    events += outcome.eventCount;
    fieldsCompared += outcome.fieldCount;
    if (outcome.identical) identical++;
    else if (firstFailure === null || outcome.seed < firstFailure.seed) firstFailure = outcome;
    if (done % 500 === 0) io.stderr(`conformance: ${done}/${seedCount} seeds, ${identical} identical\n`);
  };
  const startedMs = io.wallClockMs();
  try {
    if (jobs > 1) {
      session.close();
      const failure = await runOnWorkers(seeds, jobs, libenetPath, onOutcome);
      if (failure !== null) {
        io.stderr(`enetsim: conformance stopped: ${failure}\n`);
        return 2;
      }
    } else {
      for (const seed of seeds) onOutcome(runConformanceSeed(seed, session.factory, session.profile));
    }
  } finally {
    session.close();
  }
  const seconds = ((io.wallClockMs() - startedMs) / 1000).toFixed(1);
  const jobsNote = jobs > 1 ? ` on ${jobs} worker threads` : '';
  io.stdout(
    `conformance: ${identical}/${seedCount} seeds identical (${((identical / seedCount) * 100).toFixed(2)}%), seeds ${firstSeed}..${firstSeed + seedCount - 1}, ` +
      `${events} trace events and ${fieldsCompared} end-state fields compared (TypeScript ${session.profile} against ${session.label}), ${seconds}s${jobsNote}\n`,
  );
  const failed = firstFailure as SeedOutcome | null;
  if (failed !== null) {
    const divergence = failed.divergence;
    const what =
      divergence !== null
        ? `at trace event ${divergence.index}\n  TypeScript: ${JSON.stringify(divergence.typescript)}\n  libenet:    ${JSON.stringify(divergence.libenet)}`
        : `in ${failed.fieldDifferences.length} end-state field${failed.fieldDifferences.length === 1 ? '' : 's'} (the traces agree):\n${describeFieldDifferences(failed.fieldDifferences, session.label)}`;
    io.stdout(`first divergent seed: ${failed.seed} ${what}\n  reproduce: enetsim conformance --from ${failed.seed} --seeds 1${libenetPath !== null ? ` --libenet ${libenetPath}` : ''}\n`);
    return 1;
  }
  return 0;
}
