// `enetsim diff <scenario>`: runs the scenario once with every host on the TypeScript core (as ENet
// 1.3.17) and once on the real libenet 1.3.17, and reports the first divergence of the two traces:
// the time, what each side did there (a datagram decoded command by command, an event, a state), and
// the peer states of both runs at that moment; or "identical" with the trace hash.
import type { Simulation } from '../../sim/simulation.js';
import type { TraceEvent } from '../../sim/trace.js';
import { createTsHost } from '../../sim/ts-host.js';
import type { CliIo } from '../io.js';
import { compileScenario } from '../scenario/compile.js';
import type { Scenario } from '../scenario/model.js';
import { formatDuration } from '../scenario/units.js';
import { loadAll, printProblems, startLibenet } from './run.js';

/** One event as compared: causes other than timeout rules are the TypeScript core's alone. */
export function comparableEvent(event: TraceEvent): string {
  if (event.kind === 'state' && event.cause !== undefined && !event.cause.startsWith('timeout')) {
    const { cause: _cause, ...rest } = event;
    return JSON.stringify(rest);
  }
  return JSON.stringify(event);
}

export interface Divergence {
  index: number;
  typescript: TraceEvent | null;
  libenet: TraceEvent | null;
}

export function firstDivergence(ours: readonly TraceEvent[], theirs: readonly TraceEvent[]): Divergence | null {
  const length = Math.max(ours.length, theirs.length);
  for (let index = 0; index < length; index++) {
    const a = ours[index];
    const b = theirs[index];
    if (a === undefined || b === undefined || comparableEvent(a) !== comparableEvent(b)) return { index, typescript: a ?? null, libenet: b ?? null };
  }
  return null;
}

function describe(event: TraceEvent | null): string {
  if (event === null) return '(nothing: this trace ended)';
  switch (event.kind) {
    case 'datagram':
      return `datagram #${event.id} ${event.phase} ${event.from}->${event.to} ${event.sizeBytes}B${event.reason !== undefined ? ` (${event.reason})` : ''}${event.commands !== undefined ? `\n      ${event.commands.join('\n      ')}` : ''}`;
    case 'event':
      return `${event.host}: ${event.type} event from ${event.peer}${event.data !== undefined ? ` data ${event.data}` : ''}${event.sizeBytes !== undefined ? ` ${event.sizeBytes}B on channel ${event.channel}` : ''}`;
    case 'state':
      return `${event.host}->${event.peer}: ${event.from} → ${event.to}${event.cause !== undefined ? ` (${event.cause})` : ''}`;
    case 'stats':
      return `${event.host}->${event.peer} statistics ${event.values.join(', ')}`;
    case 'action':
      return `${event.host ?? 'network'}: ${event.action} ${JSON.stringify(event.detail ?? {})}`;
  }
}

function peerStates(sim: Simulation, atMs: number): string {
  const latest = new Map<string, string>();
  for (const event of sim.trace.events) {
    if (event.atMs > atMs) break;
    if (event.kind === 'state') latest.set(`${event.host}->${event.peer}`, event.to);
  }
  return latest.size === 0 ? 'none' : [...latest].map(([peer, state]) => `${peer} ${state}`).join(', ');
}

function runBoth(scenario: Scenario, seed: number, libenetFactory: Parameters<typeof compileScenario>[1]['implementation']): { ours: Simulation; theirs: Simulation } {
  const ours = compileScenario(scenario, { seed, implementation: (config) => createTsHost(config, '1.3.17') }).sim;
  ours.run(scenario.durationMs);
  const theirs = compileScenario(scenario, { seed, implementation: libenetFactory! }).sim;
  theirs.run(scenario.durationMs);
  theirs.destroy();
  return { ours, theirs };
}

/** Returns 0 when every scenario's traces are identical, 1 when one diverged, 2 on bad input. */
export function diffCommand(patterns: string[], seed: number | null, io: CliIo): 0 | 1 | 2 {
  const loaded = loadAll(patterns, io);
  if (!loaded.ok) {
    printProblems(loaded.problems, io);
    return 2;
  }
  const started = startLibenet();
  if (!started.ok) {
    io.stderr(`enetsim: ${started.message}\n`);
    return 2;
  }
  let diverged = false;
  try {
    for (const scenario of loaded.scenarios) {
      const runSeed = seed ?? scenario.seed;
      const { ours, theirs } = runBoth(scenario, runSeed, started.session.factory);
      const divergence = firstDivergence(ours.trace.events, theirs.trace.events);
      if (divergence === null) {
        io.stdout(`${scenario.file}: identical on the TypeScript core and libenet 1.3.17 (seed ${runSeed}, ${ours.trace.events.length} trace events, hash ${ours.trace.hash()})\n`);
        continue;
      }
      diverged = true;
      const atMs = Math.min(divergence.typescript?.atMs ?? Infinity, divergence.libenet?.atMs ?? Infinity);
      io.stdout(
        [
          `${scenario.file}: the traces diverge at event ${divergence.index}, at ${formatDuration(atMs)} (seed ${runSeed}):`,
          `  TypeScript core: ${describe(divergence.typescript)}`,
          `  libenet 1.3.17:  ${describe(divergence.libenet)}`,
          `  peer states then (TypeScript): ${peerStates(ours, atMs)}`,
          `  peer states then (libenet):    ${peerStates(theirs, atMs)}`,
          `  reproduce: enetsim diff ${scenario.file} --seed ${runSeed}`,
          '',
        ].join('\n'),
      );
    }
  } finally {
    started.session.close();
  }
  return diverged ? 1 : 0;
}
