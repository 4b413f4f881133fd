// What-if measurements for the optimisations proposed in docs/performance.md, WITHOUT editing src/:
// each prototype is applied at run time (a prototype method replaced, or a simulation option that
// exists already), in a fresh process, and the main thread's on-CPU time of build + run is compared
// with the unpatched baseline. On-CPU time (from /proc/thread-self/schedstat) rather than wall time,
// because this machine is shared: it does not count time spent waiting for a core.
//
//   npx tsx bench/experiments.ts [--repeats 3] [--only no-trace,typed-arc4] [--workloads W1,W2,M1]
//
// Each prototype also reports the trace hash, so a change meant to keep behaviour shows that it did.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import Table from 'cli-table3';

import { PeerState } from '../src/enet/constants.js';
import type { Host } from '../src/enet/host.js';
import type { HostLike, PeerSnapshot } from '../src/sim/host-impl.js';
import { RandomStream } from '../src/sim/random.js';
import { SimHost } from '../src/sim/sim-host.js';
import { Trace } from '../src/sim/trace.js';
import { retainedHeapBytes } from './memory.js';
import { Stopwatch } from './meter.js';
import { stat } from './stats.js';
import { buildDuel, buildIdleServer, buildLobby, type BuiltWorkload, type SimulationOverrides } from './workloads.js';

interface Prototype {
  description: string;
  /** Simulation options the prototype sets (existing options of SimulationOptions). */
  simulation?: SimulationOverrides;
  /** Run-time patches of src/ classes, applied before the workload is built. */
  patch?: () => void;
  /** Extra node flags for the child process. */
  nodeArgs?: string[];
  /** Whether the trace must stay byte-identical to the baseline's. */
  keepsTrace: boolean;
}

/**
 * seedrandom's ARC4 (RC4-drop[256] keyed by mixkey of the seed string) with its state in a
 * Uint8Array(256) instead of a JavaScript array and five closures: the same numbers (the trace hash
 * shows it), a few hundred bytes per stream instead of about 3.4 KB.
 */
class TypedArc4 {
  private readonly state = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(seed: string) {
    // seedrandom's mixkey: the key is the seed's char codes smeared into at most 256 bytes.
    const key: number[] = [];
    let smear = 0;
    for (let index = 0; index < seed.length; index++) {
      smear ^= (key[index & 255] ?? 0) * 19;
      key[index & 255] = (smear + seed.charCodeAt(index)) & 255;
    }
    if (key.length === 0) key.push(0);
    const s = this.state;
    for (let index = 0; index < 256; index++) s[index] = index;
    for (let index = 0, j = 0; index < 256; index++) {
      const t = s[index]!;
      j = (j + key[index % key.length]! + t) & 255;
      s[index] = s[j]!;
      s[j] = t;
    }
    for (let count = 0; count < 256; count++) this.nextByte();
  }

  nextByte(): number {
    const s = this.state;
    this.i = (this.i + 1) & 255;
    const t = s[this.i]!;
    this.j = (this.j + t) & 255;
    s[this.i] = s[this.j]!;
    s[this.j] = t;
    return s[(s[this.i]! + t) & 255]!;
  }

  nextU32(): number {
    return ((this.nextByte() << 24) | (this.nextByte() << 16) | (this.nextByte() << 8) | this.nextByte()) >>> 0;
  }
}

function patchTypedArc4(): void {
  type Stream = { seed: string; arc4: TypedArc4 };
  const make = (seed: string): RandomStream => Object.assign(Object.create(RandomStream.prototype) as RandomStream, { seed, arc4: new TypedArc4(seed) });
  RandomStream.root = (seed: number | string): RandomStream => make(String(seed));
  RandomStream.prototype.fork = function fork(this: RandomStream, name: string): RandomStream {
    return make(`${this.seed}/${name}`);
  };
  RandomStream.prototype.nextU32 = function nextU32(this: RandomStream): number {
    return (this as unknown as Stream).arc4.nextU32();
  };
}

/**
 * SimHost.activePeers hands out the TypeScript core's Peer objects (their fields carry the
 * PeerSnapshot names) instead of a 46-field snapshot per peer per sample: what a cheap
 * `HostLike.peerStatistics(index)` would give.
 */
function patchPeerView(): void {
  const original = SimHost.prototype.activePeers;
  SimHost.prototype.activePeers = function activePeers(this: SimHost): { name: string; index: number; snapshot: PeerSnapshot }[] {
    const core = (this.impl as (HostLike & { core?: Host }) | null)?.core;
    if (core === undefined) return original.call(this);
    const tracked = (this as unknown as { trackedPeers: Set<number> }).trackedPeers;
    const peers: { name: string; index: number; snapshot: PeerSnapshot }[] = [];
    for (const index of [...tracked].sort((a, b) => a - b)) {
      const peer = core.peers[index]!;
      if (peer.state !== PeerState.STATE_DISCONNECTED) peers.push({ name: this.peerName(index), index, snapshot: peer as unknown as PeerSnapshot });
    }
    return peers;
  };
}

function patchTraceOff(): void {
  Trace.prototype.record = function record(): void {};
}

const STATS_OFF: SimulationOverrides = { statsIntervalMs: 0, statsOnChange: false };

export const PROTOTYPES: Record<string, Prototype> = {
  baseline: { description: 'src as it is', keepsTrace: true },
  'no-datagram-trace': { description: 'traceDatagrams: false (existing option): no datagram events, no decodeDatagram', simulation: { traceDatagrams: false }, keepsTrace: false },
  'no-stats': { description: 'statsIntervalMs: 0, statsOnChange: false (existing options): no peer snapshots for sampling', simulation: STATS_OFF, keepsTrace: false },
  'no-trace': { description: 'both options above and Trace.record a no-op: the trace costs nothing', simulation: { traceDatagrams: false, ...STATS_OFF }, patch: patchTraceOff, keepsTrace: false },
  'peer-view': { description: 'activePeers without a 46-field snapshot per peer (statistics read from the peer)', patch: patchPeerView, keepsTrace: true },
  'typed-arc4': { description: 'RandomStream on an ARC4 with Uint8Array state (same numbers as seedrandom)', patch: patchTypedArc4, keepsTrace: true },
  'young-gen-64': { description: 'node --max-semi-space-size=64 (a larger young generation; no code change)', nodeArgs: ['--max-semi-space-size=64'], keepsTrace: true },
};

const M1_CLIENTS = 1_000;

const WORKLOADS: Record<string, { description: string; clients: number; build: (simulation: SimulationOverrides) => BuiltWorkload }> = {
  W1: { description: 'W1 in full (600 virtual s)', clients: 1, build: (simulation) => buildDuel({ implementation: '1.3.17', durationMs: 600_000, simulation }) },
  W2: { description: 'W2 cut to 10 virtual s (256 clients)', clients: 256, build: (simulation) => buildLobby({ implementation: '1.3.17', durationMs: 10_000, clientCount: 256, simulation }) },
  M1: {
    description: `M1 with ${M1_CLIENTS} clients, idle 2 s (heap per client: retained after full GCs, trace emptied)`,
    clients: M1_CLIENTS,
    build: (simulation) => buildIdleServer({ implementation: '1.3.17', clientCount: M1_CLIENTS, idleMs: 2_000, simulation }),
  },
};

interface ExperimentResult {
  workload: string;
  prototype: string;
  threadCpuMs: number;
  wallMs: number;
  traceHash: string;
  traceEvents: number;
  /** Retained heap growth over the run per client, trace emptied first (bytes). */
  heapPerClientBytes: number;
}

/** In the child: apply the prototype, build, run, and print the result as JSON. */
function runChild(workload: string, prototypeName: string): void {
  const prototype = PROTOTYPES[prototypeName]!;
  prototype.patch?.();
  const heapBeforeBytes = retainedHeapBytes();
  const stopwatch = new Stopwatch();
  const built = WORKLOADS[workload]!.build(prototype.simulation ?? {});
  built.sim.run(built.untilMs);
  const { wallMs, threadCpuMs } = stopwatch.read();
  const traceHash = built.sim.trace.hash();
  const traceEvents = built.sim.trace.events.length;
  built.sim.trace.events.length = 0;
  const heapPerClientBytes = (retainedHeapBytes() - heapBeforeBytes) / WORKLOADS[workload]!.clients;
  const result: ExperimentResult = {
    workload,
    prototype: prototypeName,
    threadCpuMs: threadCpuMs ?? wallMs,
    wallMs,
    traceHash,
    traceEvents,
    heapPerClientBytes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      prototype: { type: 'string' },
      repeats: { type: 'string', default: '3' },
      only: { type: 'string' },
      workloads: { type: 'string', default: 'W1,W2,M1' },
    },
  });
  if (values.child !== undefined) {
    runChild(values.child, values.prototype ?? 'baseline');
    return;
  }
  const repeats = Number(values.repeats);
  const prototypes = values.only !== undefined ? ['baseline', ...values.only.split(',').filter((name) => name !== 'baseline')] : Object.keys(PROTOTYPES);
  const workloads = values.workloads.split(',');
  for (const name of [...prototypes, ...workloads]) {
    if (!(name in PROTOTYPES) && !(name in WORKLOADS)) throw new Error(`experiments: unknown prototype or workload '${name}'`);
  }
  const self = fileURLToPath(import.meta.url);
  const results: ExperimentResult[] = [];
  // Repeats outermost and prototypes interleaved, so that every prototype sees the same load drift.
  for (let repeat = 1; repeat <= repeats; repeat++) {
    for (const workload of workloads) {
      for (const prototype of prototypes) {
        const nodeArgs = ['--expose-gc', ...(PROTOTYPES[prototype]!.nodeArgs ?? []), '--import', 'tsx'];
        const child = spawnSync(process.execPath, [...nodeArgs, self, '--child', workload, '--prototype', prototype], {
          cwd: path.resolve(path.dirname(self), '..'),
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        if (child.status !== 0) throw new Error(`experiments: ${workload} ${prototype} exited with ${child.status}`);
        const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as ExperimentResult;
        process.stderr.write(`[experiments] ${repeat}/${repeats} ${workload} ${prototype}: ${result.threadCpuMs.toFixed(0)} ms on-CPU\n`);
        results.push(result);
      }
    }
  }
  const table = new Table({
    head: ['workload', 'prototype', 'on-CPU ms (median)', 'spread', 'vs baseline', 'heap KiB/client', 'trace events', 'trace hash'],
    style: { head: [], border: [] },
  });
  for (const workload of workloads) {
    const of = (prototype: string): ExperimentResult[] => results.filter((result) => result.workload === workload && result.prototype === prototype);
    const baseline = stat(of('baseline').map((result) => result.threadCpuMs));
    const baselineHash = of('baseline')[0]!.traceHash;
    for (const prototype of prototypes) {
      const runs = of(prototype);
      const cpu = stat(runs.map((result) => result.threadCpuMs));
      const hash = runs[0]!.traceHash;
      const hashNote = PROTOTYPES[prototype]!.keepsTrace ? (hash === baselineHash ? `${hash} (= baseline)` : `${hash} (DIFFERS)`) : hash;
      // Per client only means something where the clients are the workload (M1).
      const heap = workload === 'M1' ? (stat(runs.map((result) => result.heapPerClientBytes)).median / 1024).toFixed(1) : '—';
      table.push([workload, prototype, cpu.median.toFixed(0), `±${Math.round(cpu.spread * 50)}%`, `${(baseline.median / cpu.median).toFixed(2)}×`, heap, String(runs[0]!.traceEvents), hashNote]);
    }
  }
  process.stdout.write(`Prototypes (run-time patches, src/ untouched), ${repeats} runs each, median main-thread on-CPU time of build + run\n`);
  for (const [name, prototype] of Object.entries(PROTOTYPES)) if (prototypes.includes(name)) process.stdout.write(`  ${name}: ${prototype.description}\n`);
  for (const workload of workloads) process.stdout.write(`  ${workload}: ${WORKLOADS[workload]!.description}\n`);
  process.stdout.write(`${table.toString()}\n`);
}

main();
